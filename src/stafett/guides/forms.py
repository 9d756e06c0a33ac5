"""Forms for the administrator's pages. Texts are written per language: each form has
one group of fields per content language, and `texts()` hands them to the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from stafett.guides.models import CONTENT_LANGUAGES, FieldType, TemplateKind
from stafett.organisation.models import ServiceCategory

LANGUAGE_NAMES = {
    "nn": _("Nynorsk"),
    "nb": _("Bokmål"),
    "en": _("English"),
}


class LanguageTextsForm(forms.Form):
    """A form with the same text fields once per content language."""

    # (key, label, widget kind: "line" or "area", max length)
    text_fields: tuple[tuple[str, Any, str, int], ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, _name in CONTENT_LANGUAGES:
            for key, label, kind, max_length in self.text_fields:
                widget: forms.Widget = (
                    forms.Textarea(attrs={"rows": 4}) if kind == "area" else forms.TextInput()
                )
                self.fields[f"{key}_{code}"] = forms.CharField(
                    label=label, required=False, max_length=max_length, widget=widget
                )

    def language_groups(self) -> list[tuple[str, Any, list[forms.BoundField]]]:
        return [
            (
                code,
                LANGUAGE_NAMES[code],
                [self[f"{key}_{code}"] for key, _l, _k, _m in self.text_fields],
            )
            for code, _name in CONTENT_LANGUAGES
        ]

    def other_fields(self) -> list[forms.BoundField]:
        keys = {f"{key}_{code}" for key, *_r in self.text_fields for code, _n in CONTENT_LANGUAGES}
        return [self[name] for name in self.fields if name not in keys]

    def texts(self) -> dict[str, dict[str, str]]:
        return {
            code: {key: self.cleaned_data.get(f"{key}_{code}", "") for key, *_r in self.text_fields}
            for code, _name in CONTENT_LANGUAGES
        }

    @classmethod
    def initial_from_texts(cls, texts: dict[str, Any]) -> dict[str, str]:
        initial: dict[str, str] = {}
        for code, row in texts.items():
            for key, *_r in cls.text_fields:
                initial[f"{key}_{code}"] = getattr(row, key, "")
        return initial


class TitleForm(LanguageTextsForm):
    text_fields = (("title", _("Title"), "line", 200),)

    def titles(self) -> dict[str, str]:
        return {code: values["title"] for code, values in self.texts().items()}


class GuideCreateForm(TitleForm):
    category = forms.ChoiceField(
        label=_("Shown beside the relay logs of"),
        choices=[("", _("No service category (an extra guide)")), *ServiceCategory.choices],
        required=False,
        help_text=_(
            "Staff see the guide for the category of the unit that holds the log: "
            "basis services, help services or adult services."
        ),
    )


class GuideTextsForm(LanguageTextsForm):
    text_fields = (
        ("title", _("Title"), "line", 200),
        ("introduction", _("Introduction"), "area", 5000),
    )


class GuideStepForm(LanguageTextsForm):
    text_fields = (
        ("what", _("What to do"), "area", 5000),
        ("how", _("How to do it"), "area", 5000),
        ("who", _("Who does it"), "area", 2000),
    )
    tools = forms.MultipleChoiceField(
        label=_("Tools to use at this step"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, tool_choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tools = self.fields["tools"]
        assert isinstance(tools, forms.MultipleChoiceField)
        tools.choices = tool_choices


class TemplateCreateForm(TitleForm):
    kind = forms.ChoiceField(label=_("Kind of tool"), choices=TemplateKind.choices)


class TemplateTextsForm(GuideTextsForm):
    pass


class FieldForm(LanguageTextsForm):
    text_fields = (
        ("section", _("Section heading (starts a new part of the form)"), "line", 200),
        ("label", _("Question"), "line", 300),
        ("help_text", _("Help text"), "area", 2000),
        ("options", _("Options, one a line (for choices and checklists)"), "area", 5000),
    )
    field_type = forms.ChoiceField(label=_("Type of field"), choices=FieldType.choices)
    required = forms.BooleanField(label=_("Must be answered"), required=False)
    scale_min = forms.IntegerField(label=_("Scale from"), initial=1, min_value=-10, max_value=100)
    scale_max = forms.IntegerField(label=_("Scale to"), initial=10, min_value=-10, max_value=100)

    def field_data(self) -> dict[str, Any]:
        return {
            "field_type": self.cleaned_data["field_type"],
            "required": self.cleaned_data["required"],
            "scale_min": self.cleaned_data["scale_min"],
            "scale_max": self.cleaned_data["scale_max"],
            "texts": self.texts(),
        }


class FillForm(forms.Form):
    """A form built from a published template version's fields, for staff to fill in."""

    def __init__(self, *args: Any, view: Any, **kwargs: Any) -> None:
        # No ":" after a question (as the house's other forms): Django would add one after
        # a question marked with its language, since the label then ends in a tag.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.view = view
        for fv in view.fields:
            self.fields[f"f{fv.field.id}"] = self._field_for(fv)

    @staticmethod
    def _field_for(fv: Any) -> forms.Field:
        # A question not written in the reader's language is shown in another: its words
        # carry their `lang` (the page's note says why, once for the whole form).
        def words(text: str) -> Any:
            if not fv.is_fallback or not text:
                return text
            return format_html('<span lang="{}">{}</span>', fv.language, text)

        common: dict[str, Any] = {
            "label": words(fv.label),
            "help_text": words(fv.help_text),
            "required": fv.field.required,
        }
        kind = fv.field.field_type
        options = [(str(i), words(label)) for i, label in enumerate(fv.options)]
        if kind == FieldType.TEXT:
            return forms.CharField(max_length=500, **common)
        if kind == FieldType.LONG_TEXT:
            return forms.CharField(
                max_length=20000, widget=forms.Textarea(attrs={"rows": 5}), **common
            )
        if kind == FieldType.CHOICE:
            return forms.TypedChoiceField(
                choices=options, coerce=int, widget=forms.RadioSelect, **common
            )
        if kind in (FieldType.MULTI_CHOICE, FieldType.CHECKLIST):
            return forms.TypedMultipleChoiceField(
                choices=options, coerce=int, widget=forms.CheckboxSelectMultiple, **common
            )
        if kind == FieldType.SCALE:
            steps = [(str(n), str(n)) for n in range(fv.field.scale_min, fv.field.scale_max + 1)]
            return forms.TypedChoiceField(
                choices=steps, coerce=int, widget=forms.RadioSelect, **common
            )
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)

    def rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(fv, self[f"f{fv.field.id}"]) for fv in self.view.fields]

    def answers(self) -> dict[int, Any]:
        result: dict[int, Any] = {}
        for fv in self.view.fields:
            value = self.cleaned_data.get(f"f{fv.field.id}")
            if fv.field.field_type == FieldType.CHOICE and value not in (None, ""):
                value = [value]
            result[fv.field.id] = value
        return result
