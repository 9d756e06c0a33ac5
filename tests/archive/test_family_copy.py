"""Data portability (issue 12 item 3): a guardian or the youth downloads their own log as
PDF and JSON from the log page, only what they may read (never an entry kept for the
coordinator only), rate-limited, each download in the access log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from django.conf import settings
from django.urls import reverse

from stafett.audit.models import AccessLogEntry
from stafett.consent.services import withdraw_consent
from tests.archive.conftest import GOAL, pdf_text
from tests.logs.conftest import LogWorld, as_actor
from tests.logs.test_child_voice_private import OPEN, SECRET, YouthLog
from tests.logs.test_child_voice_private import youth_log as youth_log  # the fixture

SCHEMA = json.loads(
    (Path(settings.PROJECT_DIR) / "docs" / "schemas" / "relay-log.schema.json").read_text()
)


def download(client: Any, log: Any, what: str) -> Any:
    return client.get(reverse(f"archive:family_{what}", kwargs={"log": log.uuid}))


def content(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_the_guardian_downloads_the_log_as_json_and_pdf_from_the_log_page(
    filled_log: LogWorld, login_as: Any
) -> None:
    client = login_as(filled_log.world.guardian)
    log = filled_log.log
    page = client.get(reverse("logs:detail", kwargs={"log": log.uuid})).content.decode()
    assert "Take your log with you" in page
    assert reverse("archive:family_pdf", kwargs={"log": log.uuid}) in page
    assert reverse("archive:family_json", kwargs={"log": log.uuid}) in page
    response = download(client, log, "json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(content(response))
    jsonschema.validate(data, SCHEMA)
    assert data["audience"] == "family"
    assert any(v.get("title") == GOAL for e in data["entries"] for v in e["versions"])
    response = download(client, log, "pdf")
    assert response.status_code == 200
    text = pdf_text(content(response))
    assert "Mia Mor" in text and GOAL in text
    assert "YOUR COPY OF THE RELAY LOG" in text  # in the reader's language (English)
    rows = AccessLogEntry.objects.filter(
        actor=filled_log.world.guardian, action="log.export_family"
    ).order_by("id")
    assert [r.reason for r in rows] == ["json", "pdf"]
    assert all(r.subject_uuid == log.subject.uuid and r.role == "guardian" for r in rows)


def test_an_entry_for_the_coordinator_only_is_never_in_the_guardians_copy(
    youth_log: YouthLog, login_as: Any
) -> None:
    """Jonas shares the log with his mother; what he wrote for the coordinator only is
    in his own copy and never in hers, neither in the JSON nor in the PDF."""
    w, log = youth_log.world, youth_log.log
    mother = login_as(w.guardian)
    as_json = content(download(mother, log, "json")).decode()
    as_pdf = pdf_text(content(download(mother, log, "pdf")))
    assert OPEN in as_json and OPEN in as_pdf
    assert SECRET not in as_json and SECRET not in as_pdf
    assert str(youth_log.private.uuid) not in as_json
    jonas = login_as(w.youth)
    own = content(download(jonas, log, "json")).decode()
    assert SECRET in own  # the youth's own words are in the youth's copy
    jsonschema.validate(json.loads(own), SCHEMA)


def test_a_guardian_the_youth_does_not_share_with_is_an_outsider(
    youth_log: YouthLog, login_as: Any
) -> None:
    w, log = youth_log.world, youth_log.log
    withdraw_consent(actor=as_actor(w.youth), log=log)  # the sharing ends with the consent
    mother = login_as(w.guardian)
    assert download(mother, log, "json").status_code == 404
    assert download(mother, log, "pdf").status_code == 404
    # The youth keeps his copy after withdrawing.
    assert download(login_as(w.youth), log, "json").status_code == 200


def test_professionals_get_403_and_other_municipalities_404(
    filled_log: LogWorld, login_as: Any
) -> None:
    w, log = filled_log.world, filled_log.log
    assert download(login_as(w.employee), log, "json").status_code == 403
    assert download(login_as(w.school_employee), log, "pdf").status_code == 403
    assert download(login_as(w.other_staff), log, "json").status_code == 404
    assert download(login_as(w.youth), log, "json").status_code == 404  # another family


def test_downloads_are_rate_limited_with_a_clear_message(
    filled_log: LogWorld, login_as: Any, settings: Any
) -> None:
    settings.STAFETT_FAMILY_EXPORTS_PER_HOUR = 2
    client = login_as(filled_log.world.guardian)
    log = filled_log.log
    assert download(client, log, "json").status_code == 200
    assert download(client, log, "json").status_code == 200
    refused = download(client, log, "pdf")
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Too many downloads this hour" in html
    assert "You can download your log 2 times an hour. Try again in an hour." in html
    # Nothing was read, nothing logged for the refused one.
    assert AccessLogEntry.objects.filter(action="log.export_family").count() == 2
