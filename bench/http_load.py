"""Benchmark: pages and API calls under concurrent load, against the real server.

Starts, on free 127.0.0.1 ports: the application under gunicorn (3 sync workers, ``dangjian.wsgi``,
DEBUG off), the bare Django project in ``bench/baseline_app`` under gunicorn the same way, and
nginx serving the same 6 KB page as a static file. Then runs ``wrk`` (2 threads, 64 connections)
against each URL and reports req/s and latency p50/p90/p95/p99, with the ratio to the bare Django
view measured in the same run.

Run by bench/run.py after the database is seeded (``python bench/http_load.py county`` alone reuses
var/bench/bench-county.sqlite3).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from common import PY, ROOT, bench_env, free_port, parse_emitted  # noqa: E402

HERE = Path(__file__).resolve().parent
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
DURATION = int(os.environ.get("BENCH_DURATION", "12"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
SOLO = int(os.environ.get("BENCH_SOLO_DURATION", "5"))
PROBE_TIMEOUT = int(os.environ.get("BENCH_PROBE_TIMEOUT", "180"))
START_TIMEOUT = int(os.environ.get("BENCH_START_TIMEOUT", "60"))  # a loaded machine starts gunicorn slowly


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {url} within {timeout} s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], chdir: Path, log: Path, *, workers: int | None = None,
             worker_class: str = "sync", threads: int = 1) -> Iterator[str]:
    """``app`` under gunicorn on a free port (``WORKERS`` sync workers unless told otherwise)."""
    port = free_port()
    cmd = [PY, "-m", "gunicorn", app, "--workers", str(workers or WORKERS), "--worker-class", worker_class,
           "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), "--log-level", "warning", "--backlog", "2048"]
    if worker_class == "gthread":
        cmd += ["--threads", str(threads)]
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{port}/", proc, timeout=START_TIMEOUT)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


@contextlib.contextmanager
def nginx(page: bytes) -> Iterator[str]:
    tmp = Path(tempfile.mkdtemp(prefix="dj-bench-nginx-"))
    tmp.chmod(0o755)
    (tmp / "www").mkdir()
    (tmp / "www" / "index.html").write_bytes(page)
    for p in (tmp / "www", tmp / "www" / "index.html"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(f"""
worker_processes auto;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  types {{ text/html html; }}
  server {{
    listen 127.0.0.1:{port};
    root {tmp}/www;
    index index.html;
  }}
}}
""")
    proc = subprocess.Popen(["nginx", "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_http(f"http://127.0.0.1:{port}/", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def probe(url: str, headers: dict[str, str]) -> tuple[int, int, str]:
    """One request: (status, body bytes, content type). No redirects followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(req, timeout=PROBE_TIMEOUT) as resp:
            body = resp.read()
            return resp.status, len(body), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, len(exc.read() or b""), exc.headers.get("Content-Type", "")


def wrk(url: str, headers: dict[str, str], duration: int = DURATION, connections: int = CONNECTIONS) -> dict:
    cmd = ["wrk", f"-t{min(THREADS, connections)}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
           "-s", str(HERE / "wrk_report.lua")]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    data = parse_emitted(out)
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    data["errors"] = sum(data[k] for k in ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts"))
    return data


def measure(name: str, url: str, headers: dict[str, str], note: str = "") -> dict:
    t = time.perf_counter()
    try:
        status, size, _ctype = probe(url, headers)
    except OSError as exc:  # includes timeouts
        row = {"name": name, "url": url, "status": None, "skipped": f"no answer within {PROBE_TIMEOUT} s ({exc})"}
        print(f"  {name}: skipped ({row['skipped']})", flush=True)
        return row
    row = {"name": name, "url": url, "status": status, "page_bytes": size, "note": note,
           "probe_ms": (time.perf_counter() - t) * 1000}
    if status != 200:
        row["skipped"] = f"HTTP {status} on a single request; not benchmarked"
        print(f"  {name}: skipped ({row['skipped']})", flush=True)
        return row
    if WARMUP:
        wrk(url, headers, duration=WARMUP, connections=min(8, CONNECTIONS))
    if SOLO:
        # one connection: the service time of one request, without queueing behind 63 others
        solo = wrk(url, headers, duration=SOLO, connections=1)
        row.update(solo_rps=solo["rps"], solo_p50=solo["p50"], solo_p95=solo["p95"])
    row.update(wrk(url, headers))
    print(f"  {name}: {row['rps']:.0f} req/s, p50 {row['p50'] / 1000:.1f} ms, p95 {row['p95'] / 1000:.1f} ms, "
          f"p99 {row['p99'] / 1000:.1f} ms, errors {row['errors']}", flush=True)
    return row


def api_login(base: str) -> str | None:
    body = json.dumps({"username": "demo-admin", "password": "dangjian-demo"}).encode()
    req = urllib.request.Request(f"{base}/api/v1/auth/login", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read()).get("token")
    except (urllib.error.HTTPError, ValueError, OSError):
        return None


def run(scale: str) -> dict:
    env = bench_env(scale)
    creds = parse_emitted(subprocess.run([PY, str(HERE / "credentials.py")], env=env, capture_output=True, text=True,
                                         check=True).stdout)
    sys.path.insert(0, str(HERE))
    from baseline_app.page import PAGE

    log = ROOT / "var" / "bench" / "servers.log"
    rows: list[dict] = []
    info: dict = {}
    baseline_env = dict(env, DJANGO_SETTINGS_MODULE="baseline_app.settings")
    with nginx(PAGE) as ng, gunicorn("baseline_app.wsgi:application", baseline_env, HERE, log) as bare, \
            gunicorn("dangjian.wsgi:application", env, ROOT, log) as app:
        token = api_login(app)
        if token:
            info["auth"] = "POST /api/v1/auth/login"
        else:
            token = creds["fallback_token"]
            info["auth"] = "issued in-process with do_issue_api_token (POST /api/v1/auth/login unavailable)"
        cookie = {"Cookie": creds["cookie"]}
        bearer = {"Authorization": f"Bearer {token}"}
        root = creds["root_id"]
        print(f"Load: wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s; gunicorn {WORKERS} sync workers", flush=True)
        rows.append(measure("nginx static 6 KB", f"{ng}/", {}))
        rows.append(measure("bare Django view 6 KB", f"{bare}/", {}))
        rows.append(measure("member list page /members/ (session, county admin)", f"{app}/members/", cookie))
        rows.append(measure("members API ?org=root (bearer)", f"{app}/api/v1/members?org={root}", bearer))
        rows.append(measure("members API ?org=root&q=zh (pinyin search)", f"{app}/api/v1/members?org={root}&q=zh", bearer))
        rows.append(measure("org children API with subtree counts", f"{app}/api/v1/orgs/{root}/children", bearer))
    base = next((r for r in rows if r["name"].startswith("bare Django") and "rps" in r), None)
    for r in rows:
        if base and "rps" in r:
            r["ratio_to_django"] = r["rps"] / base["rps"]
    return {"rows": rows, "info": info, "root": creds["root_name"]}


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "county"), ensure_ascii=False, indent=1))
