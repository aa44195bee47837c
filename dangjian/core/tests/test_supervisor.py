"""The supervisor behind `make run` (core/supervisor.py, tools/run.py), with real child processes:
a crashed helper comes back with a growing back-off while the others keep running, the web
server's death stops everything, SIGTERM stops everything, and the payment simulators never take
a port something else holds."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dangjian.core.supervisor import Service, Supervisor, choose_port, port_is_free

ROOT = Path(__file__).resolve().parents[3]
SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]
CRASHER = [sys.executable, "-c", "import sys; sys.exit(3)"]


def child(tmp_path: Path, *, ignore_term: bool = False) -> list[str]:
    """A sleeping child that writes a file named by its pid once ready (after ignoring SIGTERM)."""
    code = "import os, signal, time\n"
    if ignore_term:
        code += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    code += f"open(os.path.join({str(tmp_path)!r}, str(os.getpid())), 'w').close()\ntime.sleep(600)\n"
    return [sys.executable, "-c", code]


def ready(tmp_path: Path, n: int) -> bool:
    return len(list(tmp_path.iterdir())) >= n


def drive(sup: Supervisor, until, limit: float = 30.0) -> None:
    """Step the supervisor until ``until()`` holds (the limit only guards against a hang)."""
    deadline = time.monotonic() + limit
    while not until():
        assert time.monotonic() < deadline, "supervisor did not reach the expected state"
        sup.step()
        time.sleep(0.02)


def alive(service: Service) -> bool:
    return service.proc is not None and service.proc.poll() is None


@pytest.fixture
def lines():
    return []


def make(services, lines, **kw) -> Supervisor:
    kw = {"backoff_initial": 0.05, "backoff_max": 0.4, "stable_after": 600.0, "stop_timeout": 5.0, **kw}
    return Supervisor(services, log=lines.append, **kw)


def test_killed_worker_comes_back_and_web_stays_up(lines):
    web, worker = Service("web", SLEEPER, essential=True), Service("worker", SLEEPER)
    sup = make([web, worker], lines)
    sup.start()
    try:
        web_pid, first_worker = web.proc.pid, worker.proc.pid
        os.kill(first_worker, signal.SIGKILL)
        drive(sup, lambda: worker.restarts == 1 and alive(worker))
        assert alive(web) and web.proc.pid == web_pid
        assert worker.proc.pid != first_worker
        assert not sup.stopping
        assert "[run] worker exited with signal SIGKILL; restarting it in 0.05 s." in lines
    finally:
        sup.shutdown()


def test_backoff_doubles_up_to_the_cap(lines):
    crasher = Service("scheduler", CRASHER)
    sup = make([Service("web", SLEEPER, essential=True), crasher], lines)
    sup.start()
    try:
        drive(sup, lambda: len(crasher.delays) >= 5)
    finally:
        sup.shutdown()
    assert crasher.delays[:5] == [0.05, 0.1, 0.2, 0.4, 0.4]
    assert "[run] scheduler exited with code 3; restarting it in 0.1 s." in lines


def test_backoff_resets_after_a_stable_run(lines):
    crasher = Service("dues-sim", CRASHER)
    sup = make([crasher], lines, stable_after=0.0)  # every run counts as long enough
    sup.start()
    try:
        drive(sup, lambda: len(crasher.delays) >= 3)
    finally:
        sup.shutdown()
    assert crasher.delays[:3] == [0.05, 0.05, 0.05]


def test_web_server_exit_stops_everything(lines):
    web, worker = Service("web", CRASHER, essential=True), Service("worker", SLEEPER)
    sup = make([web, worker], lines)
    sup.start()
    worker_proc = worker.proc
    drive(sup, lambda: sup.stopping)
    sup.shutdown()
    assert sup.exit_code == 3
    assert worker_proc.poll() is not None
    assert "[run] web exited with code 3; stopping everything." in lines


def test_shutdown_kills_a_child_that_ignores_sigterm(lines, tmp_path):
    web, stubborn = Service("web", SLEEPER, essential=True), Service("worker", child(tmp_path, ignore_term=True))
    sup = make([web, stubborn], lines, stop_timeout=0.5)
    sup.start()
    procs = [web.proc, stubborn.proc]
    drive(sup, lambda: ready(tmp_path, 1))
    sup.shutdown()
    assert [p.poll() for p in procs] == [-signal.SIGTERM, -signal.SIGKILL]


def test_sigterm_stops_the_supervisor_and_its_children(tmp_path):
    pids_dir = tmp_path / "pids"
    pids_dir.mkdir()
    script = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from dangjian.core.supervisor import Service, Supervisor\n"
        f"web, worker = {child(pids_dir)!r}, {child(pids_dir)!r}\n"
        "sup = Supervisor([Service('web', web, essential=True), Service('worker', worker)], poll_interval=0.05)\n"
        "sys.exit(sup.run())\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 30
    while not ready(pids_dir, 2):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    pids = [int(p.name) for p in pids_dir.iterdir()]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    for pid in pids:  # stopped and reaped by the supervisor: no such process any more
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_choose_port_avoids_a_port_in_use():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        taken = held.getsockname()[1]
        other = choose_port(taken)
        assert other != taken
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", other))  # really free


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - 127.0.0.1 only
        return int(resp.status)


def test_simulator_port_in_use_never_takes_the_site_down(tmp_path, lines):
    """The simulators' port is held by another program: the simulator process fails and is retried
    with a log line, and the web server keeps answering."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        busy = held.getsockname()[1]
        web_port = choose_port(0)
        env = {**os.environ, "DUES_DEMO_SIMULATOR": "1", "DANGJIAN_VAR_DIR": str(tmp_path),
               "DUES_SIM_WECHAT_PORT": str(busy), "DUES_SIM_ALIPAY_PORT": str(choose_port(0, avoid=[busy])),
               "DJANGO_SETTINGS_MODULE": "dangjian.settings"}
        web = Service("web", [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(web_port)],
                      essential=True)
        sim = Service("dues-sim", [sys.executable, "manage.py", "dues_simulator"])
        sup = make([web, sim], lines, backoff_initial=0.2, backoff_max=1.0, cwd=ROOT, env=env)
        sup.start()
        try:
            drive(sup, lambda: sim.restarts >= 1, limit=60)
            assert not sup.stopping and alive(web)
            drive(sup, lambda: _answers(f"http://127.0.0.1:{web_port}/"), limit=30)
        finally:
            sup.shutdown()
    assert any(line.startswith("[run] dues-sim exited with code 1") for line in lines)


def _answers(url: str) -> bool:
    try:
        return _get(url) == 200
    except OSError:
        return False


def load_run_tool():
    spec = importlib.util.spec_from_file_location("dangjian_run_tool", ROOT / "tools" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def run_tool(monkeypatch):
    for name in ("DUES_SIM_WECHAT_PORT", "DUES_SIM_ALIPAY_PORT", "DUES_DEMO_SIMULATOR"):
        monkeypatch.delenv(name, raising=False)
    return load_run_tool()


def test_stack_gives_the_simulators_ports_that_follow_port(run_tool):
    web = 20000
    while not (port_is_free(web) and port_is_free(web + 790) and port_is_free(web + 791)):
        web += 1
    env = run_tool.stack_env(web)
    assert (env["DUES_SIM_WECHAT_PORT"], env["DUES_SIM_ALIPAY_PORT"]) == (str(web + 790), str(web + 791))
    assert env["PORT"] == str(web)


def test_stack_moves_the_simulators_off_a_port_in_use(run_tool):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        taken = held.getsockname()[1]
        env = run_tool.stack_env(taken - 790)  # a second `make run` whose PORT+790 is held
        wechat, alipay = int(env["DUES_SIM_WECHAT_PORT"]), int(env["DUES_SIM_ALIPAY_PORT"])
        assert taken not in (wechat, alipay) and wechat != alipay
        for port in (wechat, alipay):
            with socket.socket() as s:
                s.bind(("127.0.0.1", port))
    names = [s.name for s in run_tool.stack_services(taken - 790, env)]
    assert names == ["web", "worker", "scheduler", "dues-sim"]


def test_web_server_process_model_follows_the_settings(run_tool, monkeypatch):
    def web_args(env):
        web = next(s for s in run_tool.stack_services(18000, {"DUES_DEMO_SIMULATOR": "0", **env}) if s.name == "web")
        argv = list(web.argv)
        return {flag: argv[argv.index(flag) + 1] for flag in ("--workers", "--worker-class", "--threads")
                if flag in argv}

    monkeypatch.setattr(run_tool.os, "cpu_count", lambda: 2)
    # the default: two processes a core, four threads each (decision 0021)
    assert web_args({}) == {"--workers": "4", "--worker-class": "gthread", "--threads": "4"}
    assert web_args({"WEB_WORKERS": "3", "WEB_THREADS": "8"}) == {"--workers": "3", "--worker-class": "gthread",
                                                                  "--threads": "8"}
    assert web_args({"WEB_WORKERS": "3", "WEB_THREADS": "1"}) == {"--workers": "3", "--worker-class": "sync"}
    with pytest.raises(SystemExit):
        web_args({"WEB_THREADS": "0"})
