"""Django's own messages that Stafett shows, in Stafett's catalogues.

Django's nynorsk catalogue mixes in bokmål ("Velg eit gyldig valg", "Skriv inn det samme
passordet som før"), and its wording is technical. Listing the message ids here (marked,
not translated, at import) puts them into Stafett's own catalogues, which come before
Django's: there they are written in real nynorsk and bokmål, in plain words.
The ids must match Django's exactly (curly apostrophes included).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

DJANGO_MESSAGES = (
    # django.forms
    _("This field is required."),
    _("Enter a whole number."),
    _("Enter a number."),
    _("Enter a valid date."),
    _("Enter a valid time."),
    _("Enter a valid date/time."),
    _("Enter a valid email address."),
    _("Enter a valid URL."),
    _("Select a valid choice. %(value)s is not one of the available choices."),
    _("Select a valid choice. That choice is not one of the available choices."),
    _("The submitted file is empty."),
    # django.contrib.auth (setting a password)
    _("Enter the same password as before, for verification."),
    _("The two password fields didn’t match."),
)
