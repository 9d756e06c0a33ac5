"""Template comments `{# … #}` end on their own line: Django prints a longer one as text
(a chart's note about coordinates once showed on the concern page)."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "src" / "stafett" / "templates"


def test_no_template_comment_runs_over_a_line() -> None:
    open_comments = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.count("{#") > line.count("#}")
    ]
    assert open_comments == []
