"""Walk every URL pattern with every role and compare with the expected table.

The table lives in test_every_url.py. A URL name missing from it is a failure, so
a new view cannot be added without deciding who may reach it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse


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


@dataclass
class Outcome:
    route: str
    method: str
    role: str
    expected: Any
    got: int

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
) -> tuple[list[str], list[Outcome]]:
    """Return (URL names missing from the table, mismatching outcomes).

    `only` limits the requests to some URL names; missing names are always reported."""
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
                    response = client.get(url) if method == "GET" else client.post(url, {})
                    transaction.set_rollback(True)
                ok = (
                    response.status_code in expected
                    if isinstance(expected, (set, frozenset))
                    else (response.status_code == expected)
                )
                if on_response is not None:
                    on_response(route.name, method, role, response)
                if not ok:
                    mismatches.append(
                        Outcome(route.name, method, role, expected, response.status_code)
                    )
    return missing, mismatches
