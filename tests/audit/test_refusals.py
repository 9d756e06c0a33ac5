"""Refused accesses reach the access log where they happen: a refusal raised inside a
service, or inside a view's transaction that rolls back, is still there afterwards, and
one row that cannot be written neither drops the next nor turns the refusal into an
error page."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from stafett.audit import log as audit_log
from stafett.audit.models import AccessLogEntry
from stafett.consent.services import narrow_scope
from stafett.logs import services as log_services
from stafett.logs import views_content
from stafett.logs.models import Entry, RelayLog
from stafett.policy import Actor
from tests.logs.conftest import LogWorld, as_actor
from tests.logs.conftest import active_log as active_log  # a fixture

ON_POSTGRESQL = "audit" in settings.DATABASES
# Tests that use the second ("audit") connection: committed rows, so no test transaction.
WITH_AUDIT_CONNECTION = ["default", "audit"] if ON_POSTGRESQL else ["default"]

NOTE = "Siri skriv at Mia var glad i dag."


def _note_url(log: RelayLog) -> str:
    return reverse("logs:entry_add", kwargs={"log": log.uuid, "kind": "note"})


def _refusals(**filters: Any) -> list[tuple[str, str]]:
    return list(
        AccessLogEntry.objects.filter(outcome="refused", **filters)
        .order_by("id")
        .values_list("action", "object_type")
    )


def _family_narrows_consent_while_the_note_is_saved(
    monkeypatch: pytest.MonkeyPatch, active_log: LogWorld
) -> None:
    """The view's own check lets the teacher write; at that moment the coordinator takes
    the school out of the consent (another request), so the service's check refuses."""
    w = active_log.world
    early_check = views_content._refuse_early

    def check_then_narrow(request: Any, log_uuid: Any, action: str) -> Any:
        result = early_check(request, log_uuid, action)
        narrow_scope(actor=as_actor(w.employee), log=active_log.log, unit=w.school)
        return result

    monkeypatch.setattr(views_content, "_refuse_early", check_then_narrow)


def test_a_refusal_raised_inside_a_service_is_in_the_access_log(
    active_log: LogWorld, login_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w, log = active_log.world, active_log.log
    _family_narrows_consent_while_the_note_is_saved(monkeypatch, active_log)

    response = login_as(w.school_employee).post(_note_url(log), {"body": NOTE})

    assert response.status_code == 403
    assert NOTE not in response.content.decode()
    assert not Entry.objects.filter(log=log, latest__body=NOTE).exists()
    refused = AccessLogEntry.objects.get(actor=w.school_employee, outcome="refused")
    assert (refused.action, refused.object_type, refused.object_uuid) == (
        "log.write",
        "RelayLog",
        log.uuid,
    )
    assert refused.subject_uuid == w.child.uuid
    assert refused.role == "participant"
    assert refused.ip_address == "127.0.0.1"


@pytest.mark.django_db(transaction=True, databases=WITH_AUDIT_CONNECTION)
def test_a_refusal_inside_a_view_whose_transaction_rolls_back_is_still_in_the_access_log(
    active_log: LogWorld, login_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w, log = active_log.world, active_log.log
    _family_narrows_consent_while_the_note_is_saved(monkeypatch, active_log)
    seen_while_the_view_was_still_running: list[list[tuple[str, str]]] = []
    add_entry = log_services.add_entry

    def add_entry_and_look(**kwargs: Any) -> Entry:
        try:
            return add_entry(**kwargs)
        except PermissionDenied:
            if ON_POSTGRESQL:
                # From another connection, before the view's transaction rolls back: the
                # row is committed already, so a process dying now would not lose it.
                seen_while_the_view_was_still_running.append(
                    list(
                        AccessLogEntry.objects.using("audit")
                        .filter(outcome="refused")
                        .values_list("action", "object_type")
                    )
                )
            raise

    monkeypatch.setattr(log_services, "add_entry", add_entry_and_look)

    response = login_as(w.school_employee).post(_note_url(log), {"body": NOTE})

    assert response.status_code == 403
    assert not Entry.objects.filter(log=log, latest__body=NOTE).exists()
    assert _refusals(actor=w.school_employee) == [("log.write", "RelayLog")]
    if ON_POSTGRESQL:
        assert seen_while_the_view_was_still_running == [[("log.write", "RelayLog")]]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="SQLite has one writer: no second connection")
@pytest.mark.django_db(transaction=True, databases=WITH_AUDIT_CONNECTION)
def test_on_postgresql_a_service_refusal_outside_any_request_survives_the_rollback(
    active_log: LogWorld,
) -> None:
    w, log = active_log.world, active_log.log
    narrow_scope(actor=as_actor(w.employee), log=log, unit=w.school)
    with pytest.raises(PermissionDenied):
        log_services.add_entry(actor=as_actor(w.school_employee), log=log, kind="note", body=NOTE)
    assert _refusals(actor=w.school_employee) == [("log.write", "RelayLog")]
    assert not Entry.objects.filter(log=log, latest__body=NOTE).exists()


def _fail_to_write(monkeypatch: pytest.MonkeyPatch, action: str) -> list[str]:
    """Writing the refusal of `action` fails (the database refuses it); the others work."""
    failed: list[str] = []
    record_access = audit_log.record_access

    def flaky(**row: Any) -> AccessLogEntry:
        if row.get("action") == action and row.get("outcome") == "refused":
            failed.append(action)
            raise RuntimeError("the access log could not be written")
        return record_access(**row)

    monkeypatch.setattr(audit_log, "record_access", flaky)
    return failed


def test_a_failure_writing_one_refusal_neither_drops_the_next_nor_makes_an_error_page(
    active_log: LogWorld, login_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    w, log = active_log.world, active_log.log
    narrow_scope(actor=as_actor(w.employee), log=log, unit=w.school)
    failed = _fail_to_write(monkeypatch, "log.close")
    close_url = reverse("logs:close", kwargs={"log": log.uuid})

    # A page left open: the teacher presses "close", which she may not, and (since the
    # consent no longer covers her school) she may not see the log's header either.
    response = login_as(w.school_employee).post(close_url, {"reason": "Ferdig"})

    assert response.status_code == 403
    assert "You do not have access to this" in response.content.decode()
    assert failed == ["log.close"]
    assert _refusals(actor=w.school_employee) == [("log.view_summary", "RelayLog")]
    log.refresh_from_db()
    assert not log.is_closed


def test_refusals_kept_for_after_the_view_are_each_written_on_their_own(
    active_log: LogWorld, monkeypatch: pytest.MonkeyPatch, rf: Any
) -> None:
    from stafett.audit.refusals import collected, record_refusal

    w, log = active_log.world, active_log.log
    failed = _fail_to_write(monkeypatch, "log.write")
    request = rf.post("/", REMOTE_ADDR="10.1.2.3")

    with collected(request), pytest.raises(PermissionDenied), transaction.atomic():
        for action in ("log.write", "log.close", "log.reopen"):
            record_refusal(actor=w.school_employee, action=action, obj=log)
        raise PermissionDenied

    assert failed == ["log.write"]
    assert _refusals(actor=w.school_employee) == [
        ("log.close", "RelayLog"),
        ("log.reopen", "RelayLog"),
    ]
    assert set(
        AccessLogEntry.objects.filter(outcome="refused").values_list("ip_address", flat=True)
    ) == {"10.1.2.3"}


def test_a_refusal_outside_any_transaction_is_written_at_once(
    active_log: LogWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stafett.audit.refusals import record_refusal

    w, log = active_log.world, active_log.log
    record_refusal(actor=w.school_employee, action="log.close", obj=log)
    assert _refusals(actor=w.school_employee) == [("log.close", "RelayLog")]


def test_a_service_that_refuses_an_edit_writes_the_refusal(active_log: LogWorld, rf: Any) -> None:
    """Editing someone else's note is refused by the service's own rule (not `decide`)."""
    from stafett.audit.refusals import collected

    w, log = active_log.world, active_log.log
    coordinator: Actor = as_actor(w.employee)
    entry = log_services.add_entry(actor=coordinator, log=log, kind="note", body="Eva skriv.")

    with collected(rf.post("/")), pytest.raises(PermissionDenied):
        log_services.edit_entry(
            actor=as_actor(w.school_employee), entry=entry, base_version=1, body="Endra"
        )

    assert _refusals(actor=w.school_employee) == [("log.write", "RelayLog")]
    entry.refresh_from_db()
    assert entry.version_count == 1


@pytest.mark.skipif(not ON_POSTGRESQL, reason="SQLite has one writer: no second connection")
@pytest.mark.django_db(transaction=True, databases=WITH_AUDIT_CONNECTION)
def test_on_postgresql_a_refusal_after_a_read_in_the_same_transaction_never_waits_for_itself(
    active_log: LogWorld, rf: Any
) -> None:
    """The view's own connection may hold a lock the second connection needs (a read was
    written to the access log earlier in the same transaction). The refusal must not wait
    for the end of that transaction forever: it is written after the view instead."""
    import time

    from stafett.audit.refusals import collected, record_refusal

    w, log = active_log.world, active_log.log
    started = time.monotonic()
    with collected(rf.get("/")), pytest.raises(PermissionDenied), transaction.atomic():
        audit_log.record_access(actor=w.employee, action="log.view", obj=log)
        record_refusal(actor=w.school_employee, action="log.close", obj=log)
        raise PermissionDenied

    assert time.monotonic() - started < 10
    assert _refusals(actor=w.school_employee) == [("log.close", "RelayLog")]
    assert not AccessLogEntry.objects.filter(actor=w.employee, action="log.view").exists()
