"""URLs of relay logs. Content (log page, timeline, entries) and lifecycle (create,
consent, participants, handover, decisions) are kept in two lists."""

from stafett.logs.urls_content import urlpatterns as content_urls
from stafett.logs.urls_family import urlpatterns as family_urls
from stafett.logs.urls_lifecycle import urlpatterns as lifecycle_urls

app_name = "logs"

urlpatterns = content_urls + lifecycle_urls + family_urls
