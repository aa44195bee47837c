"""A tiny SMTP server for tests: real SMTP on 127.0.0.1, a random port, messages kept in memory.

    with LocalSMTPServer() as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
        ...
        smtp.messages[0].message["Subject"]

``smtp.fail_with = (451, "4.3.0 Try again later")`` makes it refuse MAIL FROM (a temporary
failure the client sees as ``SMTPSenderRefused``) until cleared; an address in ``smtp.refuse``
is refused at RCPT TO (550, ``SMTPRecipientsRefused``). ``smtp.connections`` counts the SMTP
sessions opened. It offers ``PIPELINING`` (it reads commands from a buffered stream, so pipelined
commands are simply answered in turn); ``smtp.pipelining = False`` hides it. ``smtp.drop_after = n``
closes the connection once, right after storing the n-th message and before answering it.
Stdlib only (socketserver); speaks enough ESMTP for ``smtplib``/Django's SMTP backend.
"""

from __future__ import annotations

import email
import email.policy
import functools
import itertools
import socket
import socketserver
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any


@dataclass
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @functools.cached_property
    def message(self) -> EmailMessage:
        """The parsed message (parsed when first asked for: the server itself only stores bytes,
        so that parsing does not slow down the SMTP conversation the benchmarks measure)."""
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


def _address(arg: str) -> str:
    arg = arg.strip()
    if arg.startswith("<"):
        return arg[1: arg.index(">")]
    return arg.split()[0] if arg else ""


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Each answer is written as it is made; without this, the answers to pipelined commands
        # would wait for the client's delayed ACK (Nagle), where a real server (Postfix) gathers
        # them into one write.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        owner = self.server.owner
        with owner._lock:
            owner.connections += 1
        self.reply("220 localhost ESMTP dangjian-test")
        mail_from: str | None = None
        rcpts: list[str] = []
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb, _sep, arg = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.reply("250-localhost")
                if owner.pipelining:
                    self.reply("250-PIPELINING")
                self.reply("250-8BITMIME")
                self.reply("250-SMTPUTF8")
                self.reply("250 SIZE 10485760")
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "MAIL":
                if owner.fail_with:
                    code, text = owner.fail_with
                    self.reply(f"{code} {text}")
                    continue
                mail_from = _address(arg.partition(":")[2])
                rcpts = []
                self.reply("250 2.1.0 OK")
            elif verb == "RCPT":
                if mail_from is None:
                    self.reply("503 5.5.1 MAIL first")
                    continue
                rcpt = _address(arg.partition(":")[2])
                if rcpt in owner.refuse:
                    self.reply(f"550 5.1.1 <{rcpt}>: Recipient address rejected")
                    continue
                rcpts.append(rcpt)
                self.reply("250 2.1.5 OK")
            elif verb == "DATA":
                if mail_from is None or not rcpts:
                    self.reply("503 5.5.1 RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                chunks: list[bytes] = []
                while True:
                    data_line = self.rfile.readline(1 << 20)
                    if not data_line or data_line in (b".\r\n", b".\n"):
                        break
                    if data_line.startswith(b".."):
                        data_line = data_line[1:]
                    chunks.append(data_line)
                queue_id = next(owner._ids)
                owner._store(ReceivedMessage(mail_from, rcpts, b"".join(chunks)))
                if owner._drop_now():
                    return  # the connection breaks before the answer: the client cannot know
                self.reply(f"250 2.0.0 OK queued as {queue_id}")
                mail_from, rcpts = None, []
            elif verb == "RSET":
                mail_from, rcpts = None, []
                self.reply("250 2.0.0 OK")
            elif verb == "NOOP":
                self.reply("250 2.0.0 OK")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: LocalSMTPServer


class LocalSMTPServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.owner = self
        self.host, self.port = host, int(self._server.server_address[1])
        self.messages: list[ReceivedMessage] = []
        self.fail_with: tuple[int, str] | None = None
        self.refuse: set[str] = set()
        self.connections = 0
        self.pipelining = True
        self.drop_after: int | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1000)
        self._thread: threading.Thread | None = None

    def _store(self, msg: ReceivedMessage) -> None:
        with self._lock:
            self.messages.append(msg)

    def _drop_now(self) -> bool:
        """True once, when ``drop_after`` messages have been stored (then it is cleared)."""
        with self._lock:
            if self.drop_after is not None and len(self.messages) >= self.drop_after:
                self.drop_after = None
                return True
            return False

    def start(self) -> LocalSMTPServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-smtp", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalSMTPServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
