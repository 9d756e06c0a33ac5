"""Walk every URL pattern with every role and compare with the expected table.

The table lives in test_every_url.py. A URL name missing from it is a failure, so
a new view cannot be added without deciding who may reach it.

Two more checks on every answer (issue 10):
- A 200 the table marks `CONTENT` or `HEADER` must show the log's content, or its header
  only (level, step, coordinator, dates) and none of the content: a status alone cannot
  tell the unit leader's overview from the participant's page.
- Every page that shows a child's name or birth date must have written an access-log row
  naming that child during the request (every read of a child's identity is logged).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from stafett.audit.models import AccessLogEntry


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    kwargs: tuple[str, ...]


def iter_routes(
    urlconf: str | None = None, skip_namespaces: tuple[str, ...] = ("admin",)
) -> Iterator[Route]:
    def walk(patterns: list[Any], namespace: str, inherited: tuple[str, ...]) -> Iterator[Route]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                if ns in skip_namespaces:
                    continue
                full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                params = inherited + tuple(entry.pattern.converters)
                yield from walk(entry.url_patterns, full_ns, params)
            elif isinstance(entry, URLPattern):
                if not entry.name:
                    raise AssertionError(f"URL pattern {entry.pattern} has no name; name it.")
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                yield Route(name, inherited + tuple(entry.pattern.converters))

    yield from walk(get_resolver(urlconf).url_patterns, "", ())


@dataclass(frozen=True)
class Shows:
    """A 200 that must show the log's content (`CONTENT`), or its header only (`HEADER`).

    Content is any of the walk's `Markers.content` (an entry's text, a participant's task);
    the header is all of `Markers.header` (the level, the step, the coordinator) and none of
    the content."""

    what: str

    def __str__(self) -> str:
        return f"200 with {self.what}"


CONTENT = Shows("content")
HEADER = Shows("header only")


@dataclass(frozen=True)
class Markers:
    content: tuple[str, ...] = ()
    # Each header marker is a text, or texts of which one must show (the family reads
    # the step in plain words, staff in the BTI's: issue 11).
    header: tuple[str | tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Identity:
    """A child (or pregnant woman) whose name or birth date on a page is a read of their
    identity: the page must write an access-log row naming `subject_uuid`, or a row about
    one of `unnamed_objects` (reads on the violence/abuse path name no child, so that they
    never reach the family's list of who read about the child)."""

    subject_uuid: uuid.UUID
    markers: tuple[str, ...]
    unnamed_objects: tuple[uuid.UUID, ...] = ()


def identity_of(subject: Any, *, unnamed_objects: Sequence[uuid.UUID] = ()) -> Identity:
    born = subject.birth_date
    return Identity(
        subject.uuid,
        (subject.full_name, born.strftime("%d.%m.%Y"), born.isoformat()),
        tuple(unnamed_objects),
    )


@dataclass
class Outcome:
    route: str
    method: str
    role: str
    expected: Any
    got: Any

    def __str__(self) -> str:
        return (
            f"{self.method} {self.route} as {self.role}: expected {self.expected}, got {self.got}"
        )


def walk_all(
    *,
    table: dict[str, dict[str, dict[str, Any]]],
    roles: list[str],
    client_for: Callable[[str], Client],
    kwargs_for: Callable[[Route], dict[str, Any]],
    urlconf: str | None = None,
    on_response: Callable[[str, str, str, Any], None] | None = None,
    only: set[str] | None = None,
    markers: Markers | None = None,
    identities: Sequence[Identity] = (),
    body_for: Callable[[str, str], Any] | None = None,
) -> tuple[list[str], list[Outcome]]:
    """Return (URL names missing from the table, mismatching outcomes).

    `only` limits the requests to some URL names; missing names are always reported.
    `markers` tell content from header (for `Shows` expectations); `identities` are the
    children whose name on a page must leave an access-log row in that request.
    `body_for(name, method)` gives the JSON body of a write to the API (else `{}`)."""
    routes = list(iter_routes(urlconf))
    missing = sorted({r.name for r in routes} - set(table))
    mismatches: list[Outcome] = []
    for route in routes:
        if only is not None and route.name not in only:
            continue
        spec = table.get(route.name)
        if spec is None:
            continue
        for method, expectations in spec.items():
            for role in roles:
                expected = expectations[role]
                # Each request runs in a savepoint that is rolled back, so that one role's
                # POST (a removal, say) cannot change what the next role meets.
                with transaction.atomic():
                    url = reverse(route.name, kwargs=kwargs_for(route), urlconf=urlconf)
                    client = client_for(role)
                    last_row = _last_access_row()
                    body = body_for(route.name, method) if body_for is not None else {}
                    response = _request(client, method, url, body)
                    untraced = _untraced(response, identities, after=last_row)
                    transaction.set_rollback(True)
                got = _got(response, expected, markers or Markers())
                if on_response is not None:
                    on_response(route.name, method, role, response)
                if not _matches(got, expected):
                    mismatches.append(Outcome(route.name, method, role, expected, got))
                for shown in untraced:
                    mismatches.append(
                        Outcome(
                            route.name,
                            method,
                            role,
                            "an access-log row for the child it shows",
                            f"{shown!r} on the page and no row",
                        )
                    )
    return missing, mismatches


def _request(client: Client, method: str, url: str, body: Any) -> HttpResponse:
    """GET; a form POST for the web; JSON for the API (the only body it accepts)."""
    if method == "GET":
        return client.get(url)
    if url.startswith("/api/"):
        return client.generic(method, url, json.dumps(body), content_type="application/json")
    return client.post(url, {})


def _matches(got: Any, expected: Any) -> bool:
    if isinstance(expected, (set, frozenset)):
        return got in expected
    return bool(got == expected)


def _body(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return ""  # files (a scanned form, a PDF): no HTML to read
    return response.content.decode(errors="replace")


def _shows(marker: str | tuple[str, ...], body: str) -> bool:
    return marker in body if isinstance(marker, str) else any(m in body for m in marker)


def _got(response: HttpResponse, expected: Any, markers: Markers) -> Any:
    """The status, or for a 200 where the table asks what it shows: what it shows."""
    if response.status_code != 200 or not isinstance(expected, Shows):
        return response.status_code
    body = _body(response)
    if any(marker in body for marker in markers.content):
        return CONTENT
    if markers.header and all(_shows(marker, body) for marker in markers.header):
        return HEADER
    return Shows("neither the content nor the header")


def _last_access_row() -> int:
    return AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _untraced(response: HttpResponse, identities: Sequence[Identity], *, after: int) -> list[str]:
    """What the page shows of a child's identity without an access-log row written during
    the request that names the child."""
    if response.status_code != 200 or not identities:
        return []
    body = _body(response)
    shown: list[str] = []
    for identity in identities:
        found = [marker for marker in identity.markers if marker in body]
        if not found:
            continue
        rows = AccessLogEntry.objects.filter(id__gt=after)
        named = Q(subject_uuid=identity.subject_uuid)
        if identity.unnamed_objects:
            named |= Q(subject_uuid=None, object_uuid__in=identity.unnamed_objects)
        if not rows.filter(named).exists():
            shown.append(found[0])
    return shown
