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
