"""A real Dovecot IMAP server for tests (Debian's ``dovecot-imapd``, installed by
``tools/sysdeps.sh test``): started on a free 127.0.0.1 port with a throwaway configuration,
one passwd-file user and Maildir storage in a temporary directory; stopped afterwards."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    base: Path

    def settings(self) -> dict:
        """The ``OPINION_IMAP`` setting that points at this server."""
        return {"HOST": self.host, "PORT": self.port, "USER": self.user, "PASSWORD": self.password,
                "SSL": False, "FOLDER": "INBOX"}

    def stop(self) -> None:
        pid_file = self.base / "run" / "master.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
            for _ in range(50):
                if not pid_file.exists():
                    break
                time.sleep(0.1)
        shutil.rmtree(self.base, ignore_errors=True)


def start_dovecot(user: str = "intake", password: str = "intake-secret") -> Dovecot:  # noqa: S107 - test account
    if not os.path.exists(DOVECOT):
        raise RuntimeError("Dovecot is not installed: run `make test` (installs Debian's dovecot-imapd)")
    base = Path(tempfile.mkdtemp(prefix="dangjian-dovecot-"))
    base.chmod(0o755)  # the login and mail processes run as other users
    for sub in ("run", "state", "mail", "home"):
        (base / sub).mkdir()
    if os.geteuid() == 0:
        # Dovecot will not give mail access to root: the mailbox belongs to "nobody".
        mail_user, mail_group = "nobody", "nogroup"
        nobody = pwd.getpwnam("nobody")
        for sub in ("mail", "home"):
            os.chown(base / sub, nobody.pw_uid, nobody.pw_gid)
        users = ""
    else:  # an ordinary account runs everything as itself
        me = pwd.getpwuid(os.geteuid())
        mail_user, mail_group = me.pw_name, str(os.getegid())
        users = f"default_internal_user = {me.pw_name}\ndefault_login_user = {me.pw_name}\n"
    (base / "passwd").write_text(f"{user}:{{PLAIN}}{password}\n")
    port = _free_port()
    conf = base / "dovecot.conf"
    conf.write_text(f"""{users}protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{base}/mail/%u
passdb {{
  driver = passwd-file
  args = {base}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={base}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
""")
    # The master daemonizes; its children inherit stdio, so never wait on pipes.
    subprocess.run([DOVECOT, "-c", str(conf)], check=True,  # noqa: S603 - our own fixed command stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=30)
    server = Dovecot("127.0.0.1", port, user, password, base)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(64).startswith(b"* OK"):
                    return server
        except OSError:
            time.sleep(0.1)
    log = (base / "dovecot.log").read_text() if (base / "dovecot.log").exists() else ""
    server.stop()
    raise RuntimeError("Dovecot did not start:\n" + log)
