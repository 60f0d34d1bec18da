"""Transport security: TLS and mTLS credentials that follow their files, and the token rule.

Server side, :func:`server_credentials` gives gRPC credentials whose certificate is re-read
when its files change: gRPC asks :class:`_CertificateFiles` before each new handshake, which
looks at the files' modification times and sizes (at most every ``check_interval_s``) and
loads a new pair only once the certificate and key match each other (a rotation that has
written one file but not yet the other keeps the old pair). Connections already open keep the
certificate they were set up with.

Bearer tokens sent in plaintext can be read by anyone on the path. :class:`PlaintextTokens`
refuses every call carrying an ``authorization`` header on a plaintext listener that is not
loopback, unless the operator opted out (``--allow-insecure-tokens``); see
:func:`tokens_need_guard`.

Client side, :func:`client_channel` opens a plaintext or TLS channel from the client commands'
``--tls-ca`` / ``--tls-cert`` / ``--tls-key`` options.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from service.api.status import to_status
from service.errors import InsecureTransport

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServerTls:
    """PEM files of the server's certificate chain and key; ``client_ca`` turns on mTLS."""

    cert: Path
    key: Path
    client_ca: Path | None = None


@dataclass(frozen=True, slots=True)
class Transport:
    """How the gRPC port is exposed: TLS or not, and who may send a bearer token over it."""

    tls: ServerTls | None = None
    allow_insecure_tokens: bool = False
    # Client-certificate identities (subject CN or SAN) that may call AdminService (mTLS only).
    admin_identities: frozenset[str] = frozenset()


def _stamp(paths: list[Path]) -> tuple[tuple[int, int], ...]:
    out = []
    for path in paths:
        st = os.stat(path)
        out.append((st.st_mtime_ns, st.st_size))
    return tuple(out)


class _CertificateFiles:
    """The server's certificate configuration, reloaded when its files change."""

    def __init__(self, tls: ServerTls, check_interval_s: float) -> None:
        self._tls = tls
        self._paths = [tls.cert, tls.key, *([tls.client_ca] if tls.client_ca else [])]
        self._interval = check_interval_s
        self._lock = threading.Lock()
        self._next_check = 0.0
        self._seen = _stamp(self._paths)
        self.initial = self._load()

    def _load(self) -> Any:
        """A certificate configuration from the files; ValueError if they do not make one."""
        tls = self._tls
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(tls.cert, tls.key)
        except ssl.SSLError as exc:
            raise ValueError(
                f"{tls.cert} and {tls.key} are not a matching PEM pair: {exc}"
            ) from exc
        return grpc.ssl_server_certificate_configuration(
            [(tls.key.read_bytes(), tls.cert.read_bytes())],
            root_certificates=tls.client_ca.read_bytes() if tls.client_ca else None,
        )

    def fetch(self) -> Any:
        """Called by gRPC before a handshake: a new configuration, or None to keep the current."""
        now = time.monotonic()
        with self._lock:
            if now < self._next_check:
                return None
            self._next_check = now + self._interval
            try:
                stamp = _stamp(self._paths)
                if stamp == self._seen:
                    return None
                config = self._load()
            except (OSError, ValueError) as exc:
                logger.warning("keeping the current TLS certificate, cannot load the new: %s", exc)
                return None
            self._seen = stamp
        logger.info("TLS certificate reloaded from %s", self._tls.cert)
        return config


def server_credentials(tls: ServerTls, check_interval_s: float = 1.0) -> grpc.ServerCredentials:
    """Credentials for ``add_secure_port``; client certificates required when ``client_ca``."""
    try:
        files = _CertificateFiles(tls, check_interval_s)
    except OSError as exc:
        raise ValueError(f"cannot read the TLS files: {exc}") from exc
    return grpc.dynamic_ssl_server_credentials(
        files.initial, files.fetch, require_client_authentication=tls.client_ca is not None
    )


def is_loopback(host: str) -> bool:
    """Is this bind address reachable only from this machine?"""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tokens_need_guard(host: str, transport: Transport) -> bool:
    """Must bearer tokens be refused on this listener (plaintext, reachable, no opt-out)?"""
    return transport.tls is None and not is_loopback(host) and not transport.allow_insecure_tokens


class PlaintextTokens(grpc.ServerInterceptor):  # type: ignore[misc]  # grpc is untyped
    """Refuse any call that carries an ``authorization`` header (UNAUTHENTICATED)."""

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        """The method's handler, or one that refuses when a token came over plaintext."""
        if not any(key == "authorization" for key, _ in handler_call_details.invocation_metadata):
            return continuation(handler_call_details)
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        status = to_status(InsecureTransport("bearer token sent over plaintext"))

        def refuse(_request: Any, context: grpc.ServicerContext) -> Any:
            context.abort_with_status(status)

        if handler.request_streaming or handler.response_streaming:
            return handler  # no streaming method takes a token; keep its shape untouched
        return handler._replace(unary_unary=refuse)


def peer_identities(context: grpc.ServicerContext) -> set[str]:
    """Subject CN and SANs of a verified client certificate (empty without mTLS)."""
    found = context.peer_identities() or []
    auth = context.auth_context()
    found = [*found, *auth.get("x509_common_name", [])]
    return {x.decode() if isinstance(x, bytes) else str(x) for x in found}


# -- client side ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClientTls:
    """Client options: the CA that signed the server, and a client pair for mTLS."""

    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    server_name: str | None = None  # expected name in the server certificate, if not the host

    @property
    def enabled(self) -> bool:
        """TLS is on when any TLS option was given."""
        return any((self.ca, self.cert, self.key))


def client_channel(target: str, tls: ClientTls | None = None) -> grpc.Channel:
    """A channel to ``target``: plaintext without TLS options, else TLS (mTLS with a pair)."""
    if tls is None or not tls.enabled:
        return grpc.insecure_channel(target)
    if (tls.cert is None) != (tls.key is None):
        raise ValueError("--tls-cert and --tls-key go together")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=tls.ca.read_bytes() if tls.ca else None,
        private_key=tls.key.read_bytes() if tls.key else None,
        certificate_chain=tls.cert.read_bytes() if tls.cert else None,
    )
    options = [("grpc.ssl_target_name_override", tls.server_name)] if tls.server_name else []
    return grpc.secure_channel(target, credentials, options=options)
