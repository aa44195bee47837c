"""Background work of opinion insight (the full run's task is ``runner.run_analysis``)."""

from typing import Any

from django_tasks import task


@task()
def analyse_text(source: str, record: dict[str, Any]) -> dict[str, Any] | None:
    """The incremental analysis of one new text (keywords, duplicates, nearest topic, sentiment)."""
    from dangjian.insight.actions import analyse_new_text

    return analyse_new_text(source, record)


@task()
def scheduled_runs() -> list[int]:
    """Nightly: a full run per top-level organization (scheduled in ``apps.py``)."""
    from dangjian.insight.actions import start_scheduled_runs

    return start_scheduled_runs()


def on_text_added(source: str, record: dict[str, Any]) -> None:
    """``core.hooks`` listener: a module stored a new text; analyse it in the background."""
    created = record.get("created_at")
    analyse_text.enqueue(source, {**record, "created_at": created.isoformat() if created is not None else None})


@task()
def record_routing(decision: dict[str, Any]) -> int | None:
    """Store what a dispatcher chose next to the suggestions (``actions.record_routing_decision``)."""
    from dangjian.insight.actions import record_routing_decision

    return record_routing_decision(decision)


def on_routing_decided(decision: dict[str, Any]) -> None:
    """``core.hooks`` routing listener: a text was assigned to a department; record it in the background."""
    record_routing.enqueue({k: decision.get(k) or "" for k in ("key", "text", "org_path", "department")})
