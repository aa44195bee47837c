"""docs/deploy.md's systemd units say what production needs: web, worker and scheduler, each
restarted whenever it exits (as `make run`'s supervisor does)."""

from __future__ import annotations

import re
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[3] / "docs" / "deploy.md"


def units() -> dict[str, str]:
    blocks = re.findall(r"```ini\n(.*?)```", DEPLOY.read_text(), flags=re.S)
    found = {}
    for body in blocks:
        command = re.search(r"ExecStart=.*?(gunicorn|db_worker|run_scheduler)", body)
        assert command, body
        found[command.group(1)] = body
    return found


def test_web_worker_and_scheduler_units_restart_always():
    found = units()
    assert set(found) == {"gunicorn", "db_worker", "run_scheduler"}
    for body in found.values():
        assert "Restart=always" in body and re.search(r"RestartSec=\d+", body)
        assert "StartLimitIntervalSec=0" in body


def test_production_does_not_serve_media_through_django():
    source = (DEPLOY.parents[1] / "dangjian" / "settings_production.py").read_text()
    assert 'MEDIA_SERVE = env_bool("MEDIA_SERVE", False)' in source
    assert "location /media/                 { return 404; }" in DEPLOY.read_text()
