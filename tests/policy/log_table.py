"""Who reaches each relay-log URL, in each consent state (DESIGN.md §2, issue 4 item 3).

Roles: the eight of the every-URL walk, where `employee` coordinates the log,
`participant` (a school teacher) takes part, `leader` leads the unit of origin and has
been proposed as the next coordinator, `guardian` is the consenting mother and `youth`
belongs to another family. `admin` and `other_staff` have nothing to do with the log.

Consent states: valid; expired (participants lose access at once, the coordinator
keeps renewal and closing, the family keeps reading); withdrawn (the same).

A 200 is not proof of what a page shows: `CONTENT` pages must show what is written in the
log (a note, a goal, a participant's task), `HEADER` pages only where it stands (level,
step, coordinator, dates) and none of the content (issue 10).
"""

from __future__ import annotations

from typing import Any

from tests.policy.walker import CONTENT, HEADER

LOG_ROLES = [
    "anonymous",
    "admin",
    "leader",
    "employee",
    "participant",
    "guardian",
    "youth",
    "other_staff",
]
FORM_POST = {200, 302}


def roles(**given: Any) -> dict[str, Any]:
    """Anonymous visitors are sent to log in; everyone not named is an outsider (404)."""
    unknown = set(given) - set(LOG_ROLES)
    assert not unknown, unknown
    return {role: given.get(role, 302 if role == "anonymous" else 404) for role in LOG_ROLES}


# The method is refused before anything else, for everyone.
WRONG_METHOD = {role: 405 for role in LOG_ROLES}
# The relay log's insiders without a right: leader, coordinator, participant, family.
INSIDERS = ("leader", "employee", "participant", "guardian")


def insiders(default: Any = 403, **given: Any) -> dict[str, Any]:
    return roles(**{role: given.get(role, default) for role in INSIDERS})


# Starting a log concerns no existing log: staff with a unit may (also in the other
# municipality, for their own children), the administrator without a unit may not.
START = roles(admin=403, leader=200, employee=200, participant=200, other_staff=200)
START_POST = roles(
    admin=403, leader=FORM_POST, employee=FORM_POST, participant=FORM_POST, other_staff=FORM_POST
)

VALID: dict[str, dict[str, dict[str, Any]]] = {
    # Content. The leader (also offered the baton) sees the header only, never content.
    "logs:detail": {"GET": insiders(CONTENT, leader=HEADER), "POST": WRONG_METHOD},
    "logs:entry_add": {
        "GET": insiders(employee=200, participant=200),
        "POST": insiders(employee=FORM_POST, participant=FORM_POST),
    },
    # Only the author edits an entry.
    "logs:entry_edit": {
        "GET": insiders(employee=200),
        "POST": insiders(employee=FORM_POST),
    },
    "logs:entry_versions": {
        "GET": insiders(employee=200, participant=200, guardian=200),
        "POST": WRONG_METHOD,
    },
    "logs:print": {
        "GET": insiders(employee=200, participant=200, guardian=200),
        "POST": WRONG_METHOD,
    },
    "logs:start": {"GET": START, "POST": START_POST},
    # Consent: the coordinator manages it, the family reads and answers it.
    "logs:consent": {"GET": insiders(employee=200, guardian=200), "POST": WRONG_METHOD},
    "logs:consent_request": {
        "GET": insiders(employee=HEADER),
        "POST": insiders(employee=FORM_POST),
    },
    "logs:consent_cancel": {"GET": WRONG_METHOD, "POST": insiders(employee=302)},
    "logs:scope_add": {"GET": WRONG_METHOD, "POST": insiders(employee=302)},
    "logs:scope_remove": {"GET": WRONG_METHOD, "POST": insiders(employee=302)},
    # The consent in the walk was given digitally: there is no scanned form to fetch.
    "logs:consent_scan": {"GET": insiders(employee=404, guardian=404), "POST": WRONG_METHOD},
    "logs:consent_give": {"GET": WRONG_METHOD, "POST": insiders(guardian=302)},
    # The family's "No" (issue 11): the walk's consent is no longer waiting, so the
    # consenting guardian is told so (302 with a message); everyone else is refused.
    "logs:consent_decline": {"GET": WRONG_METHOD, "POST": insiders(guardian=302)},
    # The family's page names the child, nothing more.
    "logs:consent_withdraw": {"GET": insiders(guardian=200), "POST": insiders(guardian=302)},
    "logs:scope_confirm": {"GET": WRONG_METHOD, "POST": insiders(guardian=302)},
    # Coordination. The lifecycle pages show the header and their form, not the content;
    # the coordinator's pages about participants show their tasks.
    "logs:participants": {
        "GET": insiders(employee=CONTENT),
        "POST": insiders(employee=FORM_POST),
    },
    "logs:participant_remove": {
        "GET": insiders(employee=CONTENT),
        "POST": insiders(employee=302),
    },
    # The coordinator sees the measures they hold and who takes each after the handover
    # (content); the leader, who may propose too, reads no content and sees none of them.
    "logs:handover_propose": {
        "GET": insiders(employee=CONTENT, leader=HEADER),
        "POST": insiders(employee=FORM_POST, leader=FORM_POST),
    },
    # Offered the baton: whether the family must still confirm, how many measures become
    # theirs (counted, never named), the header only.
    "logs:handover_answer": {
        "GET": insiders(leader=HEADER),
        "POST": insiders(leader=FORM_POST),
    },
    "logs:handover_cancel": {"GET": WRONG_METHOD, "POST": insiders(employee=302, leader=302)},
    "logs:move": {"GET": insiders(employee=HEADER), "POST": insiders(employee=FORM_POST)},
    # The family may end the collaboration too.
    "logs:close": {
        "GET": insiders(employee=HEADER, guardian=HEADER),
        "POST": insiders(employee=FORM_POST, guardian=FORM_POST),
    },
    # The log is open: reopening it is refused (GET), or answered "already open" (POST).
    "logs:reopen": {"GET": insiders(), "POST": insiders(employee=302, guardian=302)},
    # The family's side (issue 6). Who has read the log: the family only, in every state.
    "logs:access_list": {"GET": insiders(guardian=200), "POST": WRONG_METHOD},
    # A meeting as a calendar file: whoever reads the log.
    "logs:meeting_calendar": {
        "GET": insiders(employee=200, participant=200, guardian=200),
        "POST": WRONG_METHOD,
    },
    # The family renews, or asks to change the scope; the coordinator answers.
    "logs:consent_renew": {"GET": WRONG_METHOD, "POST": insiders(guardian=302)},
    # Only a youth who consents alone chooses which guardians read the log (below).
    "logs:consent_share": {"GET": WRONG_METHOD, "POST": insiders()},
    "logs:scope_ask": {"GET": WRONG_METHOD, "POST": insiders(guardian=302)},
    "logs:scope_answer": {"GET": WRONG_METHOD, "POST": insiders(employee=302)},
    "logs:scope_take_back": {"GET": WRONG_METHOD, "POST": insiders(guardian=302)},
    # The archive (issue 12): the coordinator asks for and downloads the archive document
    # in every consent state; the family downloads their own copy (PDF, JSON).
    "archive:request": {"GET": WRONG_METHOD, "POST": insiders(employee=302)},
    "archive:pdf": {"GET": insiders(employee=200), "POST": WRONG_METHOD},
    "archive:package": {"GET": insiders(employee=200), "POST": WRONG_METHOD},
    "archive:family_pdf": {"GET": insiders(guardian=200), "POST": WRONG_METHOD},
    "archive:family_json": {"GET": insiders(guardian=200), "POST": WRONG_METHOD},
}

# Without valid consent: no content for professionals, the family keeps reading; the
# coordinator keeps the consent pages (to renew) and closing; the leader can still move
# the baton, and the person it is proposed to can still take it (so it can be renewed).
WITHOUT_CONSENT: dict[str, dict[str, dict[str, Any]]] = {
    **VALID,
    "logs:entry_add": {"GET": insiders(), "POST": insiders()},
    "logs:entry_edit": {"GET": insiders(), "POST": insiders()},
    "logs:entry_versions": {"GET": insiders(guardian=200), "POST": WRONG_METHOD},
    "logs:print": {"GET": insiders(guardian=200), "POST": WRONG_METHOD},
    "logs:participants": {"GET": insiders(), "POST": insiders()},
    # The coordinator and the leader see where the log stands; the family reads it.
    "logs:detail": {
        "GET": insiders(HEADER, participant=403, guardian=CONTENT),
        "POST": WRONG_METHOD,
    },
    "logs:participant_remove": {"GET": insiders(), "POST": insiders()},
    "logs:handover_propose": {
        "GET": insiders(leader=HEADER),
        "POST": insiders(leader=FORM_POST),
    },
    "logs:handover_cancel": {"GET": WRONG_METHOD, "POST": insiders(leader=302)},
    "logs:move": {"GET": insiders(), "POST": insiders()},
    "logs:meeting_calendar": {"GET": insiders(guardian=200), "POST": WRONG_METHOD},
}

LOG_TABLES = {"valid": VALID, "expired": WITHOUT_CONSENT, "withdrawn": WITHOUT_CONSENT}


# ---------------------------------------------------------------------------
# The same log about a youth who consents alone (issue 10 item 2). `youth` is Jonas (16)
# himself: he has every right the consenting mother has above. `guardian` is his mother:
# she is an outsider to the log (404 everywhere, like anyone else) unless Jonas shares it
# with her under the consent in force; then she reads (the log, print, versions, the
# meeting's calendar file, who has read it, the consent) and may do nothing else (403).
# Withdrawn or expired, the sharing counts no more: 404 again.
# ---------------------------------------------------------------------------

SHARED_READS = {
    "logs:detail",
    "logs:print",
    "logs:entry_versions",
    "logs:meeting_calendar",
    "logs:access_list",
    "logs:consent",
    "archive:family_pdf",
    "archive:family_json",
}


def _for_youth(table: dict[str, dict[str, dict[str, Any]]], *, shared: bool) -> Any:
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for name, methods in table.items():
        result[name] = {}
        for method, expected in methods.items():
            row = dict(expected)
            row["youth"] = expected["guardian"]
            mother = expected["guardian"]
            if mother not in (405,):
                if not shared:
                    mother = 404
                elif name not in SHARED_READS and mother != 404:
                    mother = 403
            row["guardian"] = mother
            result[name][method] = row
    return result


YOUTH_VALID = {
    **VALID,
    "logs:consent_share": {"GET": WRONG_METHOD, "POST": insiders(guardian=302)},
}
YOUTH_WITHOUT_CONSENT = {
    **WITHOUT_CONSENT,
    "logs:consent_share": {"GET": WRONG_METHOD, "POST": insiders()},
}
YOUTH_TABLES = {
    (state, sharing): _for_youth(
        YOUTH_VALID if state == "valid" else YOUTH_WITHOUT_CONSENT,
        shared=sharing == "shared" and state == "valid",
    )
    for state in ("valid", "expired", "withdrawn")
    for sharing in ("not_shared", "shared")
}
