"""The one validation of application data (web form and API alike) and of the form schemas an
administrator builds.

A form schema is a list of fields::

    {"key": "reason", "label": "申请事由", "type": "textarea", "required": true,
     "rules": {"max_length": 500}, "choices": ["…"], "known": ""}

``type`` is one of :class:`FieldType`; ``rules`` may hold ``min_length``/``max_length`` (text),
``min``/``max`` (number), ``min_date``/``max_date`` ("today" or a date); ``choices`` lists the
options of a choice field. ``known`` names data the platform fills in (``name``,
``organization``, ``status``, ``join_date``, ``phone``): such a field is shown, never typed, and
whatever a client sends for it is ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core import uploads
from dangjian.services import Anchor, Audience, FieldType, SignOffRule

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 40
MAX_TEXT = 2000
MAX_FILE_BYTES = 10 * 1024 * 1024
FILE_TYPES = (uploads.PDF, uploads.JPEG, uploads.PNG)

#: What the platform knows about an applicant (filled in, never typed).
KNOWN_FIELDS = {
    "name": gettext_lazy("Name"),
    "organization": gettext_lazy("Organization"),
    "status": gettext_lazy("Membership"),
    "join_date": gettext_lazy("Date joined the party"),
    "phone": gettext_lazy("Contact phone"),
}


def _label(field: dict[str, Any]) -> str:
    return str(field.get("label") or field.get("key"))


def _text(field: dict[str, Any], value: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValidationError(_("“%(field)s” must be text.") % {"field": _label(field)})
    text = str(value).replace("\x00", "").strip()
    rules = field.get("rules") or {}
    limit = int(rules.get("max_length") or MAX_TEXT)
    if len(text) > limit:
        raise ValidationError(_("“%(field)s” must be at most %(n)s characters long.") % {"field": _label(field),
                                                                                         "n": limit})
    least = int(rules.get("min_length") or 0)
    if text and len(text) < least:
        raise ValidationError(_("“%(field)s” must be at least %(n)s characters long.") % {"field": _label(field),
                                                                                          "n": least})
    return text


def _rule_date(value: Any, today: dt.date) -> dt.date | None:
    if value in (None, ""):
        return None
    if value == "today":
        return today
    return dt.date.fromisoformat(str(value))


def _date(field: dict[str, Any], value: Any) -> str:
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(_("“%(field)s” must be a date (YYYY-MM-DD).") % {"field": _label(field)}) from None
    rules = field.get("rules") or {}
    today = timezone.localdate()
    low, high = _rule_date(rules.get("min_date"), today), _rule_date(rules.get("max_date"), today)
    if low and day < low:
        raise ValidationError(_("“%(field)s” must be on or after %(day)s.") % {"field": _label(field), "day": low})
    if high and day > high:
        raise ValidationError(_("“%(field)s” must be on or before %(day)s.") % {"field": _label(field), "day": high})
    return day.isoformat()


def _number(field: dict[str, Any], value: Any) -> str:
    if isinstance(value, bool):
        raise ValidationError(_("“%(field)s” must be a number.") % {"field": _label(field)})
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(_("“%(field)s” must be a number.") % {"field": _label(field)}) from None
    if not number.is_finite():
        raise ValidationError(_("“%(field)s” must be a number.") % {"field": _label(field)})
    rules = field.get("rules") or {}
    if rules.get("min") not in (None, "") and number < Decimal(str(rules["min"])):
        raise ValidationError(_("“%(field)s” must be at least %(n)s.") % {"field": _label(field), "n": rules["min"]})
    if rules.get("max") not in (None, "") and number > Decimal(str(rules["max"])):
        raise ValidationError(_("“%(field)s” must be at most %(n)s.") % {"field": _label(field), "n": rules["max"]})
    return str(number)


def _choice(field: dict[str, Any], value: Any) -> str:
    if str(value) not in [str(c) for c in field.get("choices") or []]:
        raise ValidationError(_("“%(field)s” is not one of the allowed values.") % {"field": _label(field)})
    return str(value)


def _file(field: dict[str, Any], value: Any) -> Any:
    name = getattr(value, "name", None)
    size = getattr(value, "size", None)
    if name is None or size is None:
        raise ValidationError(_("“%(field)s”: upload the file on the application page.") % {"field": _label(field)})
    claimed = uploads.type_for_name(str(name))
    if claimed not in FILE_TYPES:
        raise ValidationError(_("“%(field)s” must be a PDF, JPEG or PNG file.") % {"field": _label(field)})
    if size > MAX_FILE_BYTES:
        raise ValidationError(_("“%(field)s” must be at most 10 MB.") % {"field": _label(field)})
    if uploads.sniff(uploads.head_of(value)) != claimed:
        raise ValidationError(_("“%(field)s”: the file is not really a %(ext)s file.")
                              % {"field": _label(field), "ext": str(name).rsplit(".", 1)[-1].upper()})
    return value


_CLEAN = {FieldType.TEXT: _text, FieldType.TEXTAREA: _text, FieldType.DATE: _date, FieldType.NUMBER: _number,
          FieldType.CHOICE: _choice, FieldType.FILE: _file}


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_data(schema: list[dict[str, Any]], data: Any, *, files: dict[str, Any] | None = None
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate ``data`` (and uploaded ``files``) against ``schema``: (clean data, files) or
    ``ValidationError({key: message})`` naming every bad field. Known fields are skipped (the
    platform fills them in); keys not in the schema are refused."""
    if not isinstance(data, dict):
        raise ValidationError({"data": _("The form data must be an object.")})
    files = files or {}
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    out_files: dict[str, Any] = {}
    keys = {f["key"] for f in schema}
    for extra in sorted(set(data) - keys):
        errors[str(extra)[:40]] = _("“%(field)s” is not a field of this form.") % {"field": str(extra)[:40]}
    for field in schema:
        key = field["key"]
        if field.get("known"):
            continue
        value = files.get(key) if field["type"] == FieldType.FILE else data.get(key)
        if field["type"] == FieldType.FILE and value is None and key in data:
            value = data[key]
        if _empty(value):
            if field.get("required"):
                errors[key] = _("“%(field)s” is required.") % {"field": _label(field)}
            continue
        try:
            cleaned = _CLEAN[FieldType(field["type"])](field, value)
        except ValidationError as exc:
            errors[key] = " ".join(exc.messages)
            continue
        if field["type"] == FieldType.FILE:
            out_files[key] = cleaned
        else:
            out[key] = cleaned
    if errors:
        raise ValidationError(errors)
    return out, out_files


# --- the administrator's form editor -----------------------------------------------------------

def clean_schema(fields: Any) -> list[dict[str, Any]]:
    """Check a form schema an administrator built; ``ValidationError({"fields": …})`` naming the
    field at fault."""
    if not isinstance(fields, list) or not fields:
        raise ValidationError({"fields": _("A form needs at least one field.")})
    if len(fields) > MAX_FIELDS:
        raise ValidationError({"fields": _("A form has at most %(n)s fields.") % {"n": MAX_FIELDS}})
    seen: set[str] = set()
    out = []
    for n, f in enumerate(fields, 1):
        where = _("Field %(n)s") % {"n": n}
        key = str(f.get("key", "")).strip()
        if not KEY_RE.match(key):
            raise ValidationError({"fields": _("%(where)s: the key must be lower-case letters, digits or “_”, "
                                               "starting with a letter.") % {"where": where}})
        if key in seen:
            raise ValidationError({"fields": _("%(where)s: the key “%(key)s” is used twice.") % {"where": where,
                                                                                                "key": key}})
        seen.add(key)
        label = str(f.get("label", "")).strip()[:100]
        if not label:
            raise ValidationError({"fields": _("%(where)s: a label is required.") % {"where": where}})
        kind = str(f.get("type", ""))
        if kind not in FieldType.values:
            raise ValidationError({"fields": _("%(where)s: unknown field type.") % {"where": where}})
        known = str(f.get("known") or "")
        if known and known not in KNOWN_FIELDS:
            raise ValidationError({"fields": _("%(where)s: unknown platform data.") % {"where": where}})
        choices = [str(c).strip()[:100] for c in f.get("choices") or [] if str(c).strip()]
        if kind == FieldType.CHOICE and not choices:
            raise ValidationError({"fields": _("%(where)s: a choice field needs its options.") % {"where": where}})
        rules = {k: v for k, v in (f.get("rules") or {}).items()
                 if k in ("min_length", "max_length", "min", "max", "min_date", "max_date") and v not in (None, "")}
        out.append({"key": key, "label": label, "type": kind, "required": bool(f.get("required")) and not known,
                    "rules": rules, "choices": choices if kind == FieldType.CHOICE else [], "known": known})
    return out


class MatterForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 3}),
                                  required=False, max_length=5000)
    audience = forms.ChoiceField(label=gettext_lazy("Who may apply"), choices=Audience.choices)
    time_limit_days = forms.IntegerField(label=gettext_lazy("Time limit (working days)"), min_value=1,
                                         max_value=365)
    active = forms.BooleanField(label=gettext_lazy("Open for applications"), required=False)
    issues_document = forms.BooleanField(label=gettext_lazy("Issues a document when approved"), required=False)
    grid_service = forms.BooleanField(
        label=gettext_lazy("Grid service"), required=False,
        help_text=gettext_lazy("The applicant names their grid; the request goes to the grid branch first and, "
                               "while unresolved, climbs the tree one level per time limit."))
    instant = forms.BooleanField(
        label=gettext_lazy("Granted at once (免申即享)"), required=False,
        help_text=gettext_lazy("No step: the request is approved at once (and its document issued). Only for "
                               "party members, with a form whose every field is data the platform has."))
    community_registration = forms.BooleanField(
        label=gettext_lazy("Registers members with the community"), required=False,
        help_text=gettext_lazy("在职党员到社区报到: an approved application registers the member with the grid they "
                               "named; they then see and sign up for the community's volunteer tasks (needs grid "
                               "service)."))
    disclose_steps = forms.BooleanField(
        label=gettext_lazy("Disclose the steps on the portal"), required=False,
        help_text=gettext_lazy("Each application's steps appear on the portal's matter timeline: the matter, the "
                               "applicant's masked name, organizations, dates and states — never the answers."))
    document_text = forms.CharField(
        label=gettext_lazy("Document text"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Placeholders: $name, $organization, $status, $join_date, $matter, $date."))
    outcome = forms.ChoiceField(
        label=gettext_lazy("Hand over when approved"), required=False, choices=(),
        help_text=gettext_lazy("The module that completes the matter (e.g. issues the floating certificate) "
                               "instead of a second flow here; the last step's approver needs its rights."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from dangjian.core.hooks import service_outcomes

        super().__init__(*args, **kwargs)
        field = self.fields["outcome"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Nothing")), *((o.key, str(o.label)) for o in service_outcomes())]


def rows_from_post(post: Any, prefix: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows of a simple list editor: inputs ``<prefix>-<i>-<name>``; a row with ``delete`` ticked or
    with its first input empty is dropped; rows are ordered by their ``order`` input."""
    indexes = sorted({int(k.split("-")[1]) for k in post if k.startswith(prefix + "-") and k.split("-")[1].isdigit()})
    rows = []
    for i in indexes:
        row = {n: post.get(f"{prefix}-{i}-{n}", "") for n in names}
        if post.get(f"{prefix}-{i}-delete") or not str(row[names[0]]).strip():
            continue
        try:
            order = float(post.get(f"{prefix}-{i}-order", i) or i)
        except ValueError:
            order = float(i)
        rows.append((order, i, row))
    return [r for _o, _i, r in sorted(rows, key=lambda t: (t[0], t[1]))]


def schema_from_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        rules: dict[str, Any] = {}
        if str(r.get("max_length", "")).strip():
            rules["max_length"] = r["max_length"]
        out.append({"key": r.get("key", ""), "label": r.get("label", ""), "type": r.get("type", ""),
                    "required": bool(r.get("required")), "known": r.get("known", ""),
                    "choices": [c for c in re.split(r"[,，、\n]", str(r.get("choices", ""))) if c.strip()],
                    "rules": rules})
    return out


def clean_steps(steps: Any) -> list[dict[str, Any]]:
    """Check a chain definition: ``ValidationError({"steps": …})`` naming the step at fault."""
    from dangjian.orgs import OrgKind

    if not isinstance(steps, list) or not steps:
        raise ValidationError({"steps": _("A matter needs at least one step.")})
    out = []
    for n, s in enumerate(steps, 1):
        where = _("Step %(n)s") % {"n": n}
        name = str(s.get("name", "")).strip()[:100]
        if not name:
            raise ValidationError({"steps": _("%(where)s: a name is required.") % {"where": where}})
        anchor = str(s.get("anchor", ""))
        if anchor not in Anchor.values:
            raise ValidationError({"steps": _("%(where)s: unknown organization rule.") % {"where": where}})
        kind = str(s.get("anchor_kind") or "")
        if anchor == Anchor.ANCESTOR and kind not in OrgKind.values:
            raise ValidationError({"steps": _("%(where)s: choose the kind of organization.") % {"where": where}})
        fixed = s.get("fixed_organization")
        if anchor == Anchor.FIXED and not fixed:
            raise ValidationError({"steps": _("%(where)s: choose the organization.") % {"where": where}})
        rule = str(s.get("rule") or SignOffRule.ANY)
        if rule not in SignOffRule.values:
            raise ValidationError({"steps": _("%(where)s: unknown sign-off rule.") % {"where": where}})
        try:
            quorum = int(s.get("quorum") or 1)
            days = int(s.get("time_limit_days") or 0)
        except (TypeError, ValueError):
            raise ValidationError({"steps": _("%(where)s: N and the time limit are whole numbers.")
                                   % {"where": where}}) from None
        if not 1 <= quorum <= 50 or not 1 <= days <= 365:
            raise ValidationError({"steps": _("%(where)s: N is 1–50 and the time limit 1–365 working days.")
                                   % {"where": where}})
        out.append({"name": name, "anchor": anchor, "anchor_kind": kind if anchor == Anchor.ANCESTOR else "",
                    "fixed_organization": fixed if anchor == Anchor.FIXED else None, "rule": rule,
                    "quorum": quorum, "time_limit_days": days})
    return out
