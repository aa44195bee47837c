"""Converting an uploaded video or audio with ffmpeg (run by ``tasks.transcode_lesson``).

A video becomes H.264/AAC MP4 at two sizes (360p and 720p at most, never enlarged, ``+faststart``
so a phone starts playing before the whole file arrives), an AAC audio track on its own (the
audio-only mode for weak networks) and a poster frame; an audio upload becomes the AAC track.
The lesson shows the conversion's progress (per cent, from ffmpeg's ``-progress`` output) to its
editors; a failure is stored with ffmpeg's last lines and the lesson stays unpublishable until a
new file converts (never a broken lesson in front of learners).
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core.logredact import redact
from dangjian.learning import LessonKind, MediaState
from dangjian.learning.models import Lesson

log = logging.getLogger(__name__)

#: (name, height) of the two video sizes.
SIZES = (("small", 360), ("large", 720))


class ConversionError(Exception):
    pass


def ffmpeg() -> str | None:
    return shutil.which(getattr(settings, "LEARNING_FFMPEG", "ffmpeg"))


def ffprobe() -> str | None:
    return shutil.which(getattr(settings, "LEARNING_FFPROBE", "ffprobe"))


def probe(path: Path) -> dict[str, Any]:
    """Duration (seconds) and whether the file has video and audio streams."""
    exe = ffprobe()
    if exe is None:
        raise ConversionError(_("ffprobe is not installed on the server."))
    done = subprocess.run([exe, "-v", "error", "-show_entries", "format=duration:stream=codec_type,height",  # noqa: S603
                           "-of", "json", str(path)], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise ConversionError(_("The file is not a video or audio ffmpeg can read."))
    info = json.loads(done.stdout or "{}")
    kinds = {s.get("codec_type") for s in info.get("streams", [])}
    heights = [int(s.get("height") or 0) for s in info.get("streams", []) if s.get("codec_type") == "video"]
    try:
        duration = float(info.get("format", {}).get("duration") or 0)
    except ValueError:
        duration = 0.0
    return {"duration": duration, "video": "video" in kinds, "audio": "audio" in kinds,
            "height": max(heights) if heights else 0}


def _run(args: list[str], duration: float, on_progress: Any, share: tuple[int, int]) -> None:
    """Run ffmpeg, reporting progress between ``share[0]`` and ``share[1]`` per cent."""
    exe = ffmpeg()
    if exe is None:
        raise ConversionError(_("ffmpeg is not installed on the server."))
    cmd = [exe, "-hide_banner", "-nostdin", "-y", "-progress", "pipe:1", "-nostats", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    assert proc.stdout is not None
    last = -1
    for line in proc.stdout:
        if line.startswith("out_time_us=") and duration > 0:
            try:
                seconds = int(line.split("=", 1)[1]) / 1_000_000
            except ValueError:
                continue
            pct = share[0] + int((share[1] - share[0]) * min(seconds / duration, 1.0))
            if pct >= last + 5:
                last = pct
                on_progress(pct)
    err = proc.stderr.read() if proc.stderr else ""
    if proc.wait() != 0:
        tail = "\n".join(err.strip().splitlines()[-3:])
        raise ConversionError(_("ffmpeg failed: %(error)s") % {"error": redact(tail)[:500]})


def convert(lesson: Lesson, on_progress: Any) -> dict[str, Any]:
    """Convert ``lesson.source``; return the fields to store (paths relative to MEDIA_ROOT)."""
    root = Path(settings.MEDIA_ROOT)
    source = Path(lesson.source.path)
    info = probe(source)
    if lesson.kind == LessonKind.VIDEO and not info["video"]:
        raise ConversionError(_("The file has no video stream."))
    if not info["audio"] and lesson.kind == LessonKind.AUDIO:
        raise ConversionError(_("The file has no audio stream."))
    if info["duration"] <= 0:
        raise ConversionError(_("The file's length cannot be read."))
    folder = Path("learning") / "media" / str(lesson.pk) / secrets.token_hex(8)
    (root / folder).mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"duration_s": round(info["duration"], 1), "video_small": "", "video_large": "",
                           "poster": "", "audio": ""}
    duration = info["duration"]
    if lesson.kind == LessonKind.VIDEO:
        steps = len(SIZES) + 1
        for n, (name, height) in enumerate(SIZES):
            target = folder / f"{name}.mp4"
            scale = f"scale=-2:'min({height},ih)'"
            audio = ["-c:a", "aac", "-b:a", "96k"] if info["audio"] else ["-an"]
            _run(["-i", str(source), "-vf", scale, "-c:v", "libx264", "-preset", "veryfast", "-crf", "26",
                  "-pix_fmt", "yuv420p", "-profile:v", "main", *audio, "-movflags", "+faststart",
                  str(root / target)], duration, on_progress, (n * 100 // steps, (n + 1) * 100 // steps))
            out[f"video_{name}"] = target.as_posix()
        poster = folder / "poster.jpg"
        _run(["-ss", str(min(1.0, duration / 2)), "-i", str(source), "-frames:v", "1", "-vf", "scale=-2:'min(720,ih)'",
              str(root / poster)], 0, on_progress, (90, 95))
        out["poster"] = poster.as_posix()
    if info["audio"]:
        target = folder / "audio.m4a"
        _run(["-i", str(source), "-vn", "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", str(root / target)],
             duration, on_progress, (95 if lesson.kind == LessonKind.VIDEO else 0, 100))
        out["audio"] = target.as_posix()
    return out


def start_conversion(lesson_id: int) -> Lesson | None:
    """Claim a lesson's conversion (a run after another worker died takes it again); None when
    there is nothing to convert."""
    with transaction.atomic():
        claimed = Lesson.objects.filter(pk=lesson_id, media_state__in=(MediaState.PENDING, MediaState.PROCESSING)) \
            .update(media_state=MediaState.PROCESSING, media_progress=0)
    if not claimed:
        return None
    return Lesson.objects.select_related("course").get(pk=lesson_id)


def finish_conversion(lesson: Lesson, *, result: dict[str, Any] | None = None, error: str = "") -> None:
    """Store a conversion's outcome (only while it is still this lesson's running conversion) and
    tell the uploader."""
    from dangjian.core.notifications import notify

    with transaction.atomic():
        fields: dict[str, Any] = {"media_progress": 100 if result else 0, "media_error": error[:2000],
                                  "media_state": MediaState.READY if result else MediaState.FAILED}
        if result:
            fields.update(result)
        stored = Lesson.objects.filter(pk=lesson.pk, media_state=MediaState.PROCESSING,
                                       source=lesson.source.name).update(**fields)
        if stored and lesson.uploaded_by_id:
            url = reverse("learning:lesson_edit", args=[lesson.pk])
            if result:
                notify([lesson.uploaded_by_id], "learning.media", title=_("“%(title)s” is converted and ready.")
                       % {"title": lesson.title}, url=url)
            else:
                notify([lesson.uploaded_by_id], "learning.media", title=_("The conversion of “%(title)s” failed.")
                       % {"title": lesson.title}, body=error[:300], url=url)


def run(lesson_id: int) -> dict[str, Any]:
    """Convert one lesson's upload, storing the outcome (safe to run again)."""
    lesson = start_conversion(lesson_id)
    if lesson is None:
        return {"lesson": lesson_id, "state": "skipped"}

    def progress(pct: int) -> None:
        Lesson.objects.filter(pk=lesson_id, media_state=MediaState.PROCESSING).update(media_progress=pct)

    try:
        result = convert(lesson, progress)
    except (ConversionError, OSError, subprocess.SubprocessError) as exc:
        log.warning("learning: conversion of lesson %s failed: %s", lesson_id, redact(str(exc))[:300])
        finish_conversion(lesson, error=str(exc))
        return {"lesson": lesson_id, "state": MediaState.FAILED}
    finish_conversion(lesson, result=result)
    return {"lesson": lesson_id, "state": MediaState.READY}
