"""The virus-scan hook of uploads (demand attachments; docs/security.md "病毒扫描").

``JIANGQIAO_VIRUS_SCANNER`` names a class whose instances have ``scan(data, name) -> Verdict``:

* empty (the default): :class:`NoScanner` — every file is recorded as 未扫描;
* ``jiangqiao.core.scanning.ClamdScanner``: a local ClamAV daemon over its ``INSTREAM`` command,
  through a unix socket (``JIANGQIAO_CLAMD_SOCKET``) or loopback TCP (``JIANGQIAO_CLAMD_TCP``,
  e.g. ``127.0.0.1:3310``; any other host is refused: the file never leaves the machine);
* any other class with the same method (a vendor's engine).

A scanner that is configured but cannot answer raises :class:`ScannerUnavailable`; callers then
refuse the upload (a file is never stored unscanned behind an administrator's back).
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

CLEAN = "clean"
INFECTED = "infected"
UNSCANNED = "unscanned"
STATUS_LABELS = {CLEAN: "已扫描，未发现病毒", INFECTED: "发现病毒", UNSCANNED: "未扫描"}


@dataclass(frozen=True)
class Verdict:
    status: str  # CLEAN, INFECTED or UNSCANNED
    engine: str = ""  # which scanner answered
    signature: str = ""  # the malware's name when INFECTED

    @property
    def infected(self) -> bool:
        return self.status == INFECTED


class ScannerUnavailable(Exception):
    """The configured scanner did not answer (down, timeout, protocol error)."""


class Scanner(Protocol):
    def scan(self, data: bytes, name: str) -> Verdict: ...


class NoScanner:
    """No scanner configured: the file is kept and marked 未扫描."""

    def scan(self, data: bytes, name: str) -> Verdict:
        return Verdict(UNSCANNED)


class ClamdScanner:
    """ClamAV's daemon, ``zINSTREAM``: length-prefixed chunks, a zero length, one reply line."""

    engine = "clamd"
    chunk = 64 * 1024

    def __init__(
        self,
        *,
        socket_path: str | None = None,
        tcp: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.socket_path = (
            socket_path
            if socket_path is not None
            else str(getattr(settings, "JIANGQIAO_CLAMD_SOCKET", ""))
        )
        self.tcp = tcp if tcp is not None else str(getattr(settings, "JIANGQIAO_CLAMD_TCP", ""))
        self.timeout = float(
            timeout if timeout is not None else getattr(settings, "JIANGQIAO_CLAMD_TIMEOUT", 30)
        )
        if not self.socket_path and not self.tcp:
            raise ImproperlyConfigured(
                "ClamdScanner 需要 JIANGQIAO_CLAMD_SOCKET 或 JIANGQIAO_CLAMD_TCP（127.0.0.1:端口）"
            )
        if not self.socket_path:
            self.address = _loopback_address(self.tcp)

    def _connect(self) -> socket.socket:
        if self.socket_path:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: object = self.socket_path
        else:
            host, port = self.address
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            target = (host, port)
        sock.settimeout(self.timeout)
        try:
            sock.connect(target)  # type: ignore[arg-type]
        except OSError:
            sock.close()
            raise
        return sock

    def scan(self, data: bytes, name: str) -> Verdict:
        try:
            with self._connect() as sock:
                sock.sendall(b"zINSTREAM\0")
                for start in range(0, len(data), self.chunk):
                    part = data[start : start + self.chunk]
                    sock.sendall(struct.pack("!L", len(part)) + part)
                sock.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    got = sock.recv(4096)
                    if not got:
                        break
                    reply += got
                    if len(reply) > 64 * 1024:
                        break
        except OSError as exc:
            raise ScannerUnavailable(f"clamd 无法连接或超时：{exc}") from exc
        text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
        if text.endswith(" OK"):
            return Verdict(CLEAN, self.engine)
        if text.endswith(" FOUND"):
            signature = text.removeprefix("stream:").removesuffix(" FOUND").strip()
            return Verdict(INFECTED, self.engine, signature[:200])
        raise ScannerUnavailable(f"clamd 答复无法识别：{text[:200] or '（空）'}")


def _loopback_address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if host == "localhost":
        host = "127.0.0.1"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
        number = int(port)
    except ValueError:
        loopback, number = False, 0
    if not loopback or not 0 < number < 65536:
        raise ImproperlyConfigured(
            f"JIANGQIAO_CLAMD_TCP 只能是本机地址加端口（如 127.0.0.1:3310），当前为“{value}”"
        )
    return host, number


def get_scanner() -> Scanner:
    """The configured scanner (a new instance each time: settings may change in tests)."""
    path = str(getattr(settings, "JIANGQIAO_VIRUS_SCANNER", "") or "")
    if not path:
        return NoScanner()
    cls = import_string(path)
    return cls()  # type: ignore[no-any-return]
