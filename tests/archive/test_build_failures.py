"""Bad input (issue 12): a failed PDF build leaves the log closed, shows the failure to
the coordinator on the log page, and is tried again by the scheduled checks, up to
STAFETT_ARCHIVE_MAX_ATTEMPTS times. The coordinator can also ask for a document."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from stafett.archive import pdf
from stafett.archive.models import ArchiveDocument
from stafett.logs.models import RelayLog
from stafett.notifications.services import run_checks
from tests.archive.conftest import close
from tests.logs.conftest import LogWorld


class Broken:
    """WeasyPrint failing, as it might on a missing font or a full disk."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.calls += 1
        raise OSError("No space left on device")


@pytest.fixture
def broken(monkeypatch: Any) -> Broken:
    fail = Broken()
    monkeypatch.setattr(pdf, "html_to_pdf", fail)
    return fail


def test_a_failed_build_leaves_the_log_closed_and_the_failure_visible(
    filled_log: LogWorld, django_capture_on_commit_callbacks: Any, broken: Broken, login_as: Any
) -> None:
    document = close(filled_log, django_capture_on_commit_callbacks)
    assert broken.calls == 1
    assert filled_log.log.status == RelayLog.Status.CLOSED
    assert document.status == ArchiveDocument.Status.FAILED
    assert document.attempts == 1
    assert document.last_error == "OSError: No space left on device"
    assert document.next_attempt_at is not None
    assert document.pdf_path == "" and document.pdf_sha256 == ""
    html = (
        login_as(filled_log.world.employee)
        .get(reverse("logs:detail", kwargs={"log": filled_log.log.uuid}))
        .content.decode()
    )
    assert "Making it failed after 1 attempt." in html
    assert "It is tried again automatically at" in html
    assert "Error: OSError: No space left on device" in html
    # The family is not shown the coordinator's archive card.
    family = (
        login_as(filled_log.world.guardian)
        .get(reverse("logs:detail", kwargs={"log": filled_log.log.uuid}))
        .content.decode()
    )
    assert "No space left on device" not in family


def test_the_scheduled_checks_retry_a_failed_build_when_it_is_due(
    filled_log: LogWorld,
    django_capture_on_commit_callbacks: Any,
    broken: Broken,
    monkeypatch: Any,
) -> None:
    document = close(filled_log, django_capture_on_commit_callbacks)
    assert document.next_attempt_at is not None
    # Not yet due: nothing happens.
    assert (
        run_checks(document.next_attempt_at - datetime.timedelta(seconds=1))["archive_retries"] == 0
    )
    assert broken.calls == 1
    monkeypatch.undo()  # WeasyPrint works again
    assert run_checks(document.next_attempt_at)["archive_retries"] == 1
    document.refresh_from_db()
    assert document.status == ArchiveDocument.Status.READY
    assert document.attempts == 2
    assert document.last_error == "" and len(document.pdf_sha256) == 64


def test_after_the_last_attempt_it_stays_failed_and_says_so(
    filled_log: LogWorld,
    django_capture_on_commit_callbacks: Any,
    broken: Broken,
    settings: Any,
    login_as: Any,
) -> None:
    settings.STAFETT_ARCHIVE_MAX_ATTEMPTS = 2
    document = close(filled_log, django_capture_on_commit_callbacks)
    assert document.next_attempt_at is not None
    run_checks(document.next_attempt_at)
    document.refresh_from_db()
    assert broken.calls == 2 and document.attempts == 2
    assert document.status == ArchiveDocument.Status.FAILED
    assert document.next_attempt_at is None
    assert run_checks(timezone.now() + datetime.timedelta(days=1))["archive_retries"] == 0
    html = (
        login_as(filled_log.world.employee)
        .get(reverse("logs:detail", kwargs={"log": filled_log.log.uuid}))
        .content.decode()
    )
    assert "Making it failed after 2 attempts." in html
    assert "It will not be tried again" in html


def test_the_coordinator_asks_for_an_archive_document_on_an_open_log(
    filled_log: LogWorld, django_capture_on_commit_callbacks: Any, login_as: Any
) -> None:
    client = login_as(filled_log.world.employee)
    url = reverse("archive:request", kwargs={"log": filled_log.log.uuid})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "The archive document is being made." in response.content.decode()
    document = ArchiveDocument.objects.get(log=filled_log.log)
    assert document.kind == ArchiveDocument.Kind.ON_DEMAND
    assert document.requested_by == filled_log.world.employee
    assert document.status == ArchiveDocument.Status.READY
    assert filled_log.log.status == RelayLog.Status.ACTIVE  # asking closes nothing


def test_asking_again_while_one_is_being_made_changes_nothing(
    filled_log: LogWorld, login_as: Any
) -> None:
    client = login_as(filled_log.world.employee)
    url = reverse("archive:request", kwargs={"log": filled_log.log.uuid})
    client.post(url)  # (queued: the build waits for a commit that never comes in a test)
    response = client.post(url, follow=True)
    assert "An archive document is already being made." in response.content.decode()
    assert ArchiveDocument.objects.filter(log=filled_log.log).count() == 1


def test_only_the_coordinator_may_ask(filled_log: LogWorld, login_as: Any) -> None:
    w = filled_log.world
    url = reverse("archive:request", kwargs={"log": filled_log.log.uuid})
    assert login_as(w.school_employee).post(url).status_code == 403
    assert login_as(w.guardian).post(url).status_code == 403
    assert login_as(w.other_staff).post(url).status_code == 404
    assert login_as(w.employee).get(url).status_code == 405
    assert not ArchiveDocument.objects.exists()
