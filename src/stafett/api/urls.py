"""The municipal administrator's page for integration tokens. (The API itself is
mounted at /api/v1/ in stafett/urls.py: `stafett.api.api.api.urls`.)"""

from django.urls import path

from stafett.api import views_tokens

app_name = "api_tokens"

urlpatterns = [
    path("municipality/api-tokens/", views_tokens.tokens, name="list"),
    path("municipality/api-tokens/<uuid:api_token>/revoke/", views_tokens.revoke, name="revoke"),
]
