#!/usr/bin/env python
"""Start the web server (gunicorn), the task worker, the scheduler and the demo's payment simulators
under a small supervisor (``dangjian.core.supervisor``); Ctrl-C stops all.

Used by `make run`. PORT (default 8000) overrides the port; the web server's process model:
WEB_WORKERS processes (default two per core) of WEB_THREADS threads each (default 4; gunicorn's
gthread worker, or its sync worker with WEB_THREADS=1) — see ``web_process_model`` and
docs/deploy.md, "The web server's processes".

- A task worker, scheduler or simulator that dies is started again with a back-off (1 s doubling to
  60 s, back to 1 s once it had run a minute) and a log line naming it and its exit code; the site
  stays up meanwhile.
- If gunicorn itself exits (it restarts its own workers, so this means the port is taken or the
  configuration is broken) everything stops with an error.
- The simulators listen on PORT+790 and PORT+791 when those are free, else on free ports the system
  gives; every process is told which (DUES_SIM_WECHAT_PORT / DUES_SIM_ALIPAY_PORT), so the gateways
  point at the ports actually bound. A simulator that still cannot start is only logged.
- Files are created owner-only (umask 077): the database, the keys and uploads under var/ and media/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
sys.path.insert(0, str(ROOT))

from dangjian.core.supervisor import Service, Supervisor, choose_port  # noqa: E402


def demo_logins(env: dict[str, str]) -> str:
    out = subprocess.run(
        [PY, "manage.py", "shell", "--no-imports", "-c",
         "from dangjian.core.models import User;"
         "print(' '.join(u for u in ('demo-admin','demo-secretary','demo-member') if User.objects.filter(username=u).exists()))"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    return out.stdout.strip()


def web_process_model(env: dict[str, str]) -> tuple[int, int]:
    """(worker processes, threads each) for gunicorn: WEB_WORKERS (default two per core) and
    WEB_THREADS (default 4). Several processes of a few threads, not one or two processes of many:
    a thread runs Python only while it holds its process's lock (the GIL), so on a busy server the
    requests of one process queue for it even while the others' cores idle — a ballot cast is
    ≈ 2.5 ms of Python around its C check (decision 0021). Threads let a process wait on the
    database, the disk or a slow client without holding a whole worker, and keep connections alive."""
    workers = int(env.get("WEB_WORKERS") or 2 * (os.cpu_count() or 1))
    threads = int(env.get("WEB_THREADS") or 4)
    if workers < 1 or threads < 1:
        raise SystemExit("WEB_WORKERS and WEB_THREADS must be at least 1")
    return workers, threads


def gunicorn_process_args(env: dict[str, str]) -> list[str]:
    workers, threads = web_process_model(env)
    if threads == 1:
        return ["--workers", str(workers), "--worker-class", "sync"]
    return ["--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads)]


def stack_env(port: int) -> dict[str, str]:
    """The environment every process of the stack gets (the simulators' ports chosen here)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "dangjian.settings"),
           "DUES_DEMO_SIMULATOR": os.environ.get("DUES_DEMO_SIMULATOR", "1"), "PORT": str(port)}
    if env["DUES_DEMO_SIMULATOR"] == "1":
        wechat = int(os.environ.get("DUES_SIM_WECHAT_PORT") or choose_port(port + 790, avoid=[port]))
        alipay = int(os.environ.get("DUES_SIM_ALIPAY_PORT") or choose_port(port + 791, avoid=[port, wechat]))
        env["DUES_SIM_WECHAT_PORT"], env["DUES_SIM_ALIPAY_PORT"] = str(wechat), str(alipay)
    return env


def stack_services(port: int, env: dict[str, str]) -> list[Service]:
    services = [
        Service("web", [PY, "-m", "gunicorn", "dangjian.wsgi", "--bind", f"127.0.0.1:{port}",
                        *gunicorn_process_args(env), "--access-logfile", "-",
                        "--log-level", "warning", "--logger-class", "dangjian.reports.privacy.AccessLogger",
                        "--graceful-timeout", "5",
                        "--timeout", os.environ.get("WEB_TIMEOUT", "120")], essential=True),
        Service("worker", [PY, "manage.py", "db_worker", "--queue-name", "*", "-v", "1", "--no-reload"]),
        Service("scheduler", [PY, "manage.py", "run_scheduler"]),
    ]
    if env["DUES_DEMO_SIMULATOR"] == "1":  # party dues paid through the local gateway simulators
        services.append(Service("dues-sim", [PY, "manage.py", "dues_simulator"]))
    return services


def main() -> int:
    os.umask(0o077)
    port = int(os.environ.get("PORT", "8000"))
    env = stack_env(port)
    supervisor = Supervisor(stack_services(port, env), cwd=ROOT, env=env)
    users = demo_logins(env)
    print(f"\n  党建云 Dangjian Cloud is running at  http://127.0.0.1:{port}/")
    if users:
        print("  Demo logins (password: dangjian-demo): " + ", ".join(users.split()))
    if env["DUES_DEMO_SIMULATOR"] == "1":
        print(f"  Payment simulators: WeChat Pay on port {env['DUES_SIM_WECHAT_PORT']}, "
              f"Alipay on port {env['DUES_SIM_ALIPAY_PORT']}")
    print("  Press Ctrl-C to stop.\n", flush=True)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
