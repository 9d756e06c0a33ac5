"""Everything that hangs on a row, found by walking the model graph.

Deleting a relay log must take every row that points at it, and every row that points
at those (entries, versions, consents, participants, handovers, filled forms,
notifications and their e-mails, visits, the concerns carried into it …), whatever
their `on_delete` says: most are PROTECT so that nothing else can remove them by
accident. The walk follows every reverse relation (including the hidden ones of
many-to-many tables) from the roots, so a model added later is found without a change
here. It never walks forward: users, units and the municipality are not collected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

ModelType = type[models.Model]


@dataclass
class Collected:
    rows: dict[ModelType, set[Any]] = field(default_factory=lambda: defaultdict(set))

    def has(self, obj: models.Model) -> bool:
        return obj.pk in self.rows.get(type(obj)._meta.concrete_model or type(obj), set())

    def ids(self, model: ModelType) -> set[Any]:
        return set(self.rows.get(model, set()))

    @property
    def count(self) -> int:
        return sum(len(pks) for pks in self.rows.values())


CHUNK = 500


def chunks(pks: Iterable[Any]) -> Iterable[list[Any]]:
    """At most CHUNK ids per statement (SQLite limits a statement's parameters)."""
    ordered = sorted(pks)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _reverse_relations(model: ModelType) -> Iterable[Any]:
    for rel in model._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            yield rel


def collect(roots: Iterable[models.Model], into: Collected | None = None) -> Collected:
    """The roots and every row that depends on them, by model."""
    found = into or Collected()
    queue: list[tuple[ModelType, set[Any]]] = []
    for root in roots:
        model = type(root)._meta.concrete_model or type(root)
        queue.append((model, {root.pk}))
    while queue:
        model, pks = queue.pop()
        new = pks - found.rows[model]
        if not new:
            continue
        found.rows[model] |= new
        for rel in _reverse_relations(model):
            related: ModelType = rel.related_model
            column = rel.field.name
            child_pks: set[Any] = set()
            for chunk in chunks(new):
                child_pks.update(
                    related._base_manager.filter(**{f"{column}__in": chunk}).values_list(
                        "pk", flat=True
                    )
                )
            if child_pks:
                queue.append((related._meta.concrete_model or related, child_pks))
    return found


def stored_files(found: Collected) -> list[FieldFile]:
    """The stored files of the collected rows (e.g. a scanned consent form)."""
    files: list[FieldFile] = []
    for model, pks in found.rows.items():
        file_fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)
        ]
        if not file_fields or not pks:
            continue
        for chunk in chunks(pks):
            for obj in model._base_manager.filter(pk__in=chunk).only("pk", *file_fields):
                for name in file_fields:
                    value = getattr(obj, name)
                    if value:
                        files.append(value)
    return files


def delete_collected(found: Collected, using: str = "default") -> int:
    """Delete every collected row, in one statement per model.

    Foreign keys are checked when the transaction commits (Django creates them
    DEFERRABLE INITIALLY DEFERRED on PostgreSQL and SQLite), so the order does not
    matter and the cycles (an entry and its latest version; a consent and the one it
    replaces) need no special care: a row left pointing at a deleted one fails the
    commit, and the whole deletion rolls back.
    """
    deleted = 0
    for model, pks in found.rows.items():
        if not pks:
            continue
        for chunk in chunks(pks):
            queryset = model._base_manager.using(using).filter(pk__in=chunk)
            deleted += queryset._raw_delete(using)  # type: ignore[attr-defined]
    return deleted
