"""Every interface string exists in nynorsk and bokmål.

`makemessages` is run on a copy of the source tree, so a string added to the code
but not to the catalogues fails here, as does an empty or fuzzy translation.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "stafett"
LANGUAGES = ("nn", "nb")

ENTRY = re.compile(
    r'(?P<flags>#,[^\n]*\n)?(?:msgctxt "(?P<ctx>(?:[^"\\]|\\.)*)"\n)?'
    r'msgid "(?P<id>(?:[^"\\]|\\.)*)"\n'
    r'(?P<cont>(?:"(?:[^"\\]|\\.)*"\n)*)(?:msgid_plural[^\n]*\n(?:"[^\n]*"\n)*)?'
    r"(?P<strs>(?:msgstr(?:\[\d\])? \"(?:[^\"\\]|\\.)*\"\n(?:\"(?:[^\"\\]|\\.)*\"\n)*)+)",
)


def _entries(po: Path) -> dict[tuple[str, str], tuple[bool, list[str]]]:
    text = po.read_text(encoding="utf-8") + "\n"
    found: dict[tuple[str, str], tuple[bool, list[str]]] = {}
    for match in ENTRY.finditer(text):
        msgid = match["id"] + "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match["cont"]))
        if not msgid:
            continue  # the header
        fuzzy = bool(match["flags"] and "fuzzy" in match["flags"])
        strings = [
            "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
            for block in re.split(r"msgstr(?:\[\d\])? ", match["strs"])[1:]
        ]
        found[(match["ctx"] or "", msgid)] = (fuzzy, strings)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language: str) -> None:
    po = SRC / "locale" / language / "LC_MESSAGES" / "django.po"
    assert po.exists(), f"missing {po}"
    bad = [
        msgid
        for (_ctx, msgid), (fuzzy, strings) in _entries(po).items()
        if fuzzy or not strings or any(not s for s in strings)
    ]
    assert not bad, f"{language}: {len(bad)} untranslated or fuzzy, e.g. {bad[:10]}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")
def test_the_catalogues_hold_every_string_in_the_code(tmp_path: Path) -> None:
    copy = tmp_path / "stafett"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "--no-location",
            "--no-obsolete",
            *[f"-l{lang}" for lang in LANGUAGES],
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "", "PATH": "/usr/bin:/bin"},
    )
    for language in LANGUAGES:
        committed = set(_entries(SRC / "locale" / language / "LC_MESSAGES" / "django.po"))
        extracted = set(_entries(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
        new = sorted(msgid for _ctx, msgid in extracted - committed)
        assert not new, (
            f"{language}: strings in the code but not in the catalogue (run "
            f"`manage.py makemessages` in src/stafett and translate them): {new[:10]}"
        )
