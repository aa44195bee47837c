"""Background work of the party school."""

from typing import Any

from django_tasks import task


@task()
def transcode_lesson(lesson_id: int) -> dict[str, Any]:
    """Convert an uploaded video or audio (``transcode.py``); the lesson shows progress or failure."""
    from dangjian.learning.transcode import run

    return run(lesson_id)
