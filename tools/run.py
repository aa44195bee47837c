#!/usr/bin/env python
"""Start the web server (gunicorn), the task worker and the scheduler together; Ctrl-C stops all.

Used by `make run`. PORT (default 8000) and WEB_WORKERS (default 3) override.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def demo_logins() -> str:
    out = subprocess.run(
        [PY, "manage.py", "shell", "--no-imports", "-c",
         "from dangjian.core.models import User;"
         "print(' '.join(u for u in ('demo-admin','demo-secretary','demo-member') if User.objects.filter(username=u).exists()))"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    return out.stdout.strip()


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "dangjian.settings"),
           "DUES_DEMO_SIMULATOR": os.environ.get("DUES_DEMO_SIMULATOR", "1"), "PORT": port}
    procs = {
        "web": subprocess.Popen(
            [PY, "-m", "gunicorn", "dangjian.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", os.environ.get("WEB_WORKERS", "3"), "--access-logfile", "-", "--log-level", "warning",
             "--logger-class", "dangjian.core.logredact.GunicornLogger",
             "--graceful-timeout", "5", "--timeout", os.environ.get("WEB_TIMEOUT", "120")],
            cwd=ROOT, env=env,
        ),
        "worker": subprocess.Popen([PY, "manage.py", "db_worker", "--queue-name", "*", "-v", "1"], cwd=ROOT, env=env),
        "scheduler": subprocess.Popen([PY, "manage.py", "run_scheduler"], cwd=ROOT, env=env),
    }
    if env["DUES_DEMO_SIMULATOR"] == "1":  # party dues paid through the local gateway simulators
        procs["dues-sim"] = subprocess.Popen([PY, "manage.py", "dues_simulator"], cwd=ROOT, env=env)
    users = demo_logins()
    print(f"\n  党建云 Dangjian Cloud is running at  http://127.0.0.1:{port}/")
    if users:
        print("  Demo logins (password: dangjian-demo): " + ", ".join(users.split()))
    print("  Press Ctrl-C to stop.\n", flush=True)

    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    try:
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"{name} exited with code {proc.returncode}; stopping.", file=sys.stderr)
                    code = proc.returncode or 1
                    stop()
                    break
            time.sleep(0.5)
    finally:
        deadline = time.time() + 10
        for proc in procs.values():
            while proc.poll() is None and time.time() < deadline:
                time.sleep(0.1)
            if proc.poll() is None:
                proc.kill()
    return code


if __name__ == "__main__":
    sys.exit(main())
