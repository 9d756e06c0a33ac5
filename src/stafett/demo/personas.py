"""The demo personas of Fjordvik kommune (all invented).

Shared by the demo loader (which creates them), the log-in page (which lists them
in demo mode only) and the browser tests (which log in as each).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DEMO_PASSWORD = "stafett-demo"


@dataclass(frozen=True)
class Persona:
    username: str
    first_name: str
    last_name: str
    description: Promise | str
    municipality: str = "Fjordvik kommune"
    staff: bool = True


def demo_totp_key(username: str) -> str:
    """A fixed TOTP key per demo persona (hex, as django-otp stores it).

    Derived from the username so that reloading the demo gives the same key; demo
    accounts cannot log in outside demo mode, so this key protects nothing real.
    """
    return hashlib.sha256(f"stafett-demo-totp:{username}".encode()).hexdigest()[:40]


def demo_totp_base32(username: str) -> str:
    return base64.b32encode(bytes.fromhex(demo_totp_key(username))).decode()


PERSONAS: list[Persona] = [
    Persona("admin.fjordvik", "Ingrid", "Haugland", _("Municipal administrator")),
    Persona("leiar.barnehage", "Kari", "Solheim", _("Leader, Fjordvik barnehage")),
    Persona("pedagog.barnehage", "Marit", "Bakke", _("Kindergarten teacher, Fjordvik barnehage")),
    Persona("leiar.skule", "Olav", "Nygard", _("Leader, Fjordvik skule")),
    Persona("larar.skule", "Sigrid", "Vik", _("Teacher, Fjordvik skule")),
    Persona("leiar.ungdomsskule", "Terje", "Lunde", _("Leader, Fjordvik ungdomsskule")),
    Persona("kontakt.ungdomsskule", "Hanne", "Moe", _("Contact teacher, Fjordvik ungdomsskule")),
    Persona("leiar.helsestasjon", "Berit", "Aasen", _("Leader, Fjordvik helsestasjon")),
    Persona(
        "helsesjukepleiar", "Astrid", "Rønning", _("Public health nurse, Fjordvik helsestasjon")
    ),
    Persona("leiar.ppt", "Gunnar", "Strand", _("Leader, PPT Fjordvik")),
    Persona("ppt.radgjevar", "Liv", "Sandvik", _("Educational psychologist, PPT Fjordvik")),
    Persona("leiar.barnevern", "Nils", "Brekke", _("Leader, Fjordvik barnevernteneste")),
    Persona("barnevern.sakshandsamar", "Eli", "Fosse", _("Caseworker, Fjordvik barnevernteneste")),
    Persona(
        "foresatt.hansen", "Camilla", "Hansen", _("Mother of Emma (5) and Noah (9)"), staff=False
    ),
    Persona("foresatt.berg", "Ahmed", "Berg", _("Father of Sara (7)"), staff=False),
    Persona("ungdom.lie", "Jonas", "Lie", _("Youth, 16 years old"), staff=False),
    Persona(
        "kjersti.lie",
        "Kjersti",
        "Lie",
        _("Mother of Jonas (16), who decides himself who reads his log"),
        staff=False,
    ),
    Persona(
        "gravid.dahl", "Ida", "Dahl", _("Pregnant, followed by the health station"), staff=False
    ),
    Persona(
        "admin.nabovik",
        "Per",
        "Eide",
        _("Municipal administrator in another municipality (Nabovik)"),
        municipality="Nabovik kommune",
    ),
]
