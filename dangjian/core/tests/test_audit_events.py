"""Audit event names: each app declares its own in ``events.py``; nothing records a name no app declared."""

import ast
import re
from pathlib import Path

import pytest
from django.db import transaction

from dangjian.core import audit
from dangjian.core.models import AuditEvent

SOURCE = Path(__file__).resolve().parents[2]  # the dangjian package
_NAME = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")


def _product_files():
    for path in sorted(SOURCE.rglob("*.py")):
        parts = set(path.relative_to(SOURCE).parts)
        if parts & {"tests", "migrations"}:
            continue
        yield path


def _literals(node):
    """The string literals an expression can evaluate to (a literal or ``a if c else b``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def _name_argument(call):
    """The event-name argument of ``audit.record(actor, name, ...)`` or ``audit.Entry(name, ...)``."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name == "record" and len(call.args) > 1:
        return call.args[1]
    if name == "Entry" and call.args:
        return call.args[0]
    return None


def _load_every_events_module():
    """Installed apps' ``events.py`` are loaded at start-up; the demo package (not an installed app)
    loads its own when used. Load them all, as the code that records them would."""
    from importlib import import_module

    for path in SOURCE.rglob("events.py"):
        import_module("dangjian." + ".".join(path.relative_to(SOURCE).with_suffix("").parts))


def _scan():
    """(names passed literally to record/Entry with their places, f-string names, every string literal)."""
    _load_every_events_module()
    recorded, formatted, literals = {}, [], set()
    for path in _product_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_events = path.name == "events.py"
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and not is_events:
                literals.add(node.value)
            if isinstance(node, ast.Call) and (arg := _name_argument(node)) is not None:
                where = f"{path.relative_to(SOURCE)}:{node.lineno}"
                if isinstance(arg, ast.JoinedStr):
                    formatted.append(where)
                for value in _literals(arg):
                    recorded.setdefault(value, where)
    return recorded, formatted, literals


def test_every_recorded_event_name_is_declared():
    recorded, _formatted, _literals = _scan()
    assert len(recorded) > 100  # the scan found the calls
    undeclared = {name: where for name, where in recorded.items() if name not in audit.declared_events()}
    assert undeclared == {}


def test_no_event_name_is_built_at_run_time():
    _recorded, formatted, _literals = _scan()
    assert formatted == []


def test_every_declared_event_name_is_used():
    """Each declared name appears as a literal somewhere in the product code outside events.py
    (passed to ``audit.record``, or to the helper that passes it on)."""
    _recorded, _formatted, literals = _scan()
    unused = sorted(set(audit.declared_events()) - literals)
    assert unused == []


def test_every_app_declares_its_names_in_its_own_events_module():
    for name, label in audit.declared_events().items():
        assert _NAME.fullmatch(name), name
        assert str(label) and str(label) != name, name


def test_recording_an_undeclared_name_fails_and_writes_nothing(db, settings):
    settings.AUDIT_STRICT_EVENTS = True
    before = AuditEvent.objects.count()
    with pytest.raises(audit.UndeclaredAuditEvent, match="member.teleported"), transaction.atomic():
        audit.record(None, "member.teleported")
    assert AuditEvent.objects.count() == before


def test_in_production_an_undeclared_name_is_logged_and_still_recorded(db, settings, caplog):
    settings.AUDIT_STRICT_EVENTS = False
    with transaction.atomic():
        event = audit.record(None, "member.teleported")
    assert AuditEvent.objects.filter(pk=event.pk, action="member.teleported").exists()
    assert "member.teleported" in caplog.text and "not declared" in caplog.text


def test_declaring_a_name_twice_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        audit.declare_events({"member.created": "another label"})


def test_labels_are_translated(settings):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert audit.event_label("member.created") == "登记"
        assert audit.event_label("dues.payment_paid") != "Dues paid"
    with translation.override("en"):
        assert audit.event_label("dues.payment_paid") == "Dues paid"
