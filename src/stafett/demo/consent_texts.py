"""Fjordvik's consent texts in two further languages, so that the family's language
picker on the consent page shows in the demo (written for Stafett; the administrator
edits or adds more under "Consent texts in more languages")."""

from __future__ import annotations

from stafett.accounts.models import User
from stafett.consent.models import ConsentText
from stafett.organisation.models import Municipality

TEXTS: dict[str, tuple[str, str, str]] = {
    "en": (
        "A relay log (stafettlogg) is where the services that help your child write down "
        "what you agree on together: goals, measures, meetings and how things are going. "
        "You can read everything in it, add bright spots, and see who has read it.\n\n"
        "The services may only share information about your child with each other when "
        "you consent. You choose which services, and the consent lasts until the date "
        "shown. You can withdraw it at any time.",
        "I agree that the services listed above may work together and share the "
        "information needed to help my child, for the purpose and period shown.",
        "When you withdraw consent, the services can no longer read or write in the "
        "relay log. What is already written is kept, as the law requires, and you can "
        "still read it.",
    ),
    "pl": (
        "Dziennik sztafety (stafettlogg) to miejsce, w którym służby pomagające Twojemu "
        "dziecku zapisują to, co wspólnie ustalacie: cele, działania, spotkania i postępy. "
        "Możesz przeczytać wszystko, dodawać dobre chwile i sprawdzić, kto go czytał.\n\n"
        "Służby mogą wymieniać się informacjami o Twoim dziecku tylko za Twoją zgodą. "
        "Ty wybierasz, których służb to dotyczy, a zgoda obowiązuje do podanej daty. "
        "Możesz ją wycofać w każdej chwili.",
        "Zgadzam się, aby wymienione wyżej służby współpracowały i wymieniały informacje "
        "potrzebne do pomocy mojemu dziecku, w podanym celu i okresie.",
        "Po wycofaniu zgody służby nie mogą już czytać ani pisać w dzienniku. To, co już "
        "zapisano, zostaje zachowane zgodnie z prawem i nadal możesz to czytać.",
    ),
}


def load_demo_consent_texts(*, municipality: Municipality, admin: User) -> None:
    """Create the texts once; an administrator's later edits are kept."""
    for language, (information, statement, withdraw) in TEXTS.items():
        ConsentText.objects.get_or_create(
            municipality=municipality,
            language=language,
            defaults={
                "information": information,
                "consent_statement": statement,
                "withdraw_text": withdraw,
                "updated_by": admin,
            },
        )
