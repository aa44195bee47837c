"""A small process supervisor: what ``make run`` (``tools/run.py``) uses to keep the stack up.

Each :class:`Service` is a command run as a child process. When a child exits:

- an *essential* one (the web server) stops the whole stack: gunicorn already restarts its own
  workers, so a dead gunicorn master means something a restart would not fix (the port is taken,
  the configuration is broken); the supervisor stops everything and exits with an error;
- any other one (the task worker, the scheduler, a demo helper) is started again after a back-off
  that doubles from ``backoff_initial`` up to ``backoff_max`` and goes back to ``backoff_initial``
  once the child had run ``stable_after`` seconds. Every exit is logged with the service's name and
  its exit code (or the signal that killed it).

SIGINT / SIGTERM (Ctrl-C) stop everything: each child gets SIGTERM, then SIGKILL after
``stop_timeout`` seconds. Standard library only: it runs before Django is set up.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class Service:
    name: str
    argv: Sequence[str]
    essential: bool = False
    # filled in while supervised
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    started_at: float = 0.0
    restarts: int = 0
    delay: float = 0.0  # the back-off used for the next restart (0: none yet)
    restart_at: float | None = None
    delays: list[float] = field(default_factory=list)  # every back-off applied, in order


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"code {code}"


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Supervisor:
    def __init__(
        self,
        services: Sequence[Service],
        *,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        backoff_initial: float = 1.0,
        backoff_max: float = 60.0,
        stable_after: float = 60.0,
        stop_timeout: float = 10.0,
        poll_interval: float = 0.2,
        log: Callable[[str], None] = _stderr,
    ) -> None:
        self.services = {s.name: s for s in services}
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.stable_after = stable_after
        self.stop_timeout = stop_timeout
        self.poll_interval = poll_interval
        self.log = log
        self.stopping = False
        self.exit_code = 0

    # --- children -------------------------------------------------------------------------------
    def _spawn(self, service: Service) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(list(service.argv), cwd=self.cwd, env=self.env)  # noqa: S603
        service.proc, service.started_at, service.restart_at = proc, time.monotonic(), None
        return proc

    def start(self) -> None:
        for service in self.services.values():
            self._spawn(service)

    def next_delay(self, service: Service, ran_for: float) -> float:
        """The back-off before restarting ``service``, which has just run ``ran_for`` seconds."""
        if service.delay == 0.0 or ran_for >= self.stable_after:
            return self.backoff_initial
        return min(service.delay * 2, self.backoff_max)

    def step(self) -> None:
        """Look at every child once: schedule restarts of the dead, start those that are due."""
        now = time.monotonic()
        for service in self.services.values():
            proc = service.proc
            if proc is not None and proc.poll() is not None:
                code = proc.returncode
                service.proc = None
                if service.essential:
                    self.log(f"[run] {service.name} exited with {describe_exit(code)}; stopping everything.")
                    self.exit_code = code if code > 0 else 1
                    self.stopping = True
                    return
                service.delay = self.next_delay(service, now - service.started_at)
                service.delays.append(service.delay)
                service.restart_at = now + service.delay
                self.log(f"[run] {service.name} exited with {describe_exit(code)}; "
                         f"restarting it in {service.delay:g} s.")
            elif proc is None and service.restart_at is not None and now >= service.restart_at:
                service.restarts += 1
                pid = self._spawn(service).pid
                self.log(f"[run] {service.name} restarted (restart {service.restarts}, pid {pid}).")

    # --- the loop -------------------------------------------------------------------------------
    def request_stop(self, *_args: object) -> None:
        self.stopping = True

    def run(self) -> int:
        """Start every service and keep them up until a signal or the web server's death."""
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        try:
            self.start()
            while not self.stopping:
                self.step()
                time.sleep(self.poll_interval)
        finally:
            self.shutdown()
        return self.exit_code

    def shutdown(self) -> None:
        """SIGTERM to every child, SIGKILL to those still alive after ``stop_timeout``."""
        self.stopping = True
        procs = [s.proc for s in self.services.values() if s.proc is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for proc in procs:
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def choose_port(preferred: int, host: str = "127.0.0.1", avoid: Sequence[int] = ()) -> int:
    """``preferred`` if nothing holds it, else a port the system says is free."""
    if 0 < preferred < 65536 and preferred not in avoid and port_is_free(preferred, host):
        return preferred
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = int(s.getsockname()[1])
        if port not in avoid:
            return port
