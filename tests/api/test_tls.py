"""TLS and mTLS on the gRPC port, certificate rotation, and bearer tokens kept off plaintext."""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest

from service.api.gen.signupguard.v1 import admin_pb2 as apb
from service.api.gen.signupguard.v1 import admin_pb2_grpc as apb_grpc
from service.api.gen.signupguard.v1 import scoring_pb2_grpc as pb_grpc
from service.api.tls import ClientTls, client_channel
from service.cli import main
from tests import samples
from tests.api import certs, processes
from tests.api.conftest import Served

TOKEN = "s3cret-admin-token"


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, object]:
    """A CA with a server and two client certificates, plus an unrelated CA and its client."""
    ca = certs.authority(tmp_path, "test CA")
    other = certs.authority(tmp_path, "other CA")
    return {
        "ca": ca,
        "other": other,
        "server": certs.issue(ca, tmp_path, "server", server=True),
        "admin": certs.issue(ca, tmp_path, "ops-admin", server=False),
        "client": certs.issue(ca, tmp_path, "signup-backend", server=False),
        "stranger": certs.issue(other, tmp_path, "stranger", server=False),
    }


def _channel(port: int, ca: Path, pair: certs.Pair | None = None) -> grpc.Channel:
    """A TLS channel of its own (no subchannel shared with other channels of the test)."""
    credentials = grpc.ssl_channel_credentials(
        root_certificates=ca.read_bytes(),
        private_key=pair.key.read_bytes() if pair else None,
        certificate_chain=pair.cert.read_bytes() if pair else None,
    )
    return grpc.secure_channel(
        f"127.0.0.1:{port}", credentials, options=[("grpc.use_local_subchannel_pool", 1)]
    )


def _score_code(channel: grpc.Channel, i: int = 1) -> grpc.StatusCode:
    try:
        pb_grpc.ScoringServiceStub(channel).ScoreSignup(samples.signup(i), timeout=5)
    except grpc.RpcError as err:
        code: grpc.StatusCode = err.code()
        return code
    return grpc.StatusCode.OK


def _tls(serve: Callable[..., Served], pki: dict[str, object], **more: object) -> Served:
    server = pki["server"]
    assert isinstance(server, certs.Pair)
    return serve(tls_cert=server.cert, tls_key=server.key, **more)


def _ca(pki: dict[str, object], name: str = "ca") -> Path:
    ca = pki[name]
    assert isinstance(ca, certs.Authority)
    return ca.cert


def _pair(pki: dict[str, object], name: str) -> certs.Pair:
    pair = pki[name]
    assert isinstance(pair, certs.Pair)
    return pair


def test_tls_handshake_and_scoring(serve: Callable[..., Served], pki: dict[str, object]) -> None:
    """A client trusting the CA scores over TLS; a plaintext client to the TLS port fails."""
    served = _tls(serve, pki)
    with _channel(served.running.port, _ca(pki)) as channel:
        assert _score_code(channel) is grpc.StatusCode.OK
    assert _score_code(served.channel, 2) is grpc.StatusCode.UNAVAILABLE


def test_a_server_from_an_unknown_ca_is_refused(
    serve: Callable[..., Served], pki: dict[str, object]
) -> None:
    """A client that trusts another CA does not complete the handshake."""
    served = _tls(serve, pki)
    with _channel(served.running.port, _ca(pki, "other")) as channel:
        assert _score_code(channel) is grpc.StatusCode.UNAVAILABLE


def test_mtls_requires_a_client_certificate_from_the_ca(
    serve: Callable[..., Served], pki: dict[str, object]
) -> None:
    """Under mTLS: no client certificate or one from another CA is refused; the CA's passes."""
    served = _tls(serve, pki, tls_client_ca=_ca(pki))
    port = served.running.port
    with _channel(port, _ca(pki)) as channel:
        assert _score_code(channel) is grpc.StatusCode.UNAVAILABLE
    with _channel(port, _ca(pki), _pair(pki, "stranger")) as channel:
        assert _score_code(channel) is grpc.StatusCode.UNAVAILABLE
    with _channel(port, _ca(pki), _pair(pki, "client")) as channel:
        assert _score_code(channel) is grpc.StatusCode.OK


def test_a_rotated_certificate_is_served_without_restart(
    serve: Callable[..., Served], pki: dict[str, object], tmp_path: Path
) -> None:
    """New certificate files (from a new CA) are picked up by the next handshake."""
    served = _tls(serve, pki)
    port = served.running.port
    new_ca = certs.authority(tmp_path / "..", f"rotated CA {tmp_path.name}")
    with _channel(port, new_ca.cert) as channel:
        assert _score_code(channel) is grpc.StatusCode.UNAVAILABLE
    rotated = certs.issue(new_ca, tmp_path / "..", f"rotated-{tmp_path.name}", server=True)
    server = _pair(pki, "server")
    os.replace(rotated.key, server.key)
    os.replace(rotated.cert, server.cert)
    time.sleep(1.2)  # the files are looked at no more than once a second
    with _channel(port, new_ca.cert) as channel:
        assert _score_code(channel, 2) is grpc.StatusCode.OK
    with _channel(port, _ca(pki)) as channel:
        assert _score_code(channel, 3) is grpc.StatusCode.UNAVAILABLE


def test_a_half_written_rotation_keeps_the_old_certificate(
    serve: Callable[..., Served], pki: dict[str, object], tmp_path: Path
) -> None:
    """A new certificate whose key is not there yet is not loaded: the old pair keeps serving."""
    served = _tls(serve, pki)
    other = certs.issue(certs.authority(tmp_path / "..", "half"), tmp_path / "..", "h", server=True)
    os.replace(other.cert, _pair(pki, "server").cert)  # the key file still holds the old key
    time.sleep(1.2)
    with _channel(served.running.port, _ca(pki)) as channel:
        assert _score_code(channel) is grpc.StatusCode.OK


def _status_code(channel: grpc.Channel, token: str | None) -> grpc.StatusCode:
    metadata = (("authorization", f"Bearer {token}"),) if token else ()
    try:
        apb_grpc.AdminServiceStub(channel).GetModelStatus(
            apb.GetModelStatusRequest(), metadata=metadata, timeout=5
        )
    except grpc.RpcError as err:
        code: grpc.StatusCode = err.code()
        return code
    return grpc.StatusCode.OK


def test_tokens_are_refused_over_plaintext_on_a_reachable_port(
    serve: Callable[..., Served],
) -> None:
    """Bound to 0.0.0.0 without TLS, a call carrying a token is UNAUTHENTICATED and says why."""
    served = serve(host="0.0.0.0", admin_token=TOKEN)
    with pytest.raises(grpc.RpcError) as err:
        apb_grpc.AdminServiceStub(served.channel).GetModelStatus(
            apb.GetModelStatusRequest(), metadata=(("authorization", f"Bearer {TOKEN}"),), timeout=5
        )
    assert err.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "plaintext" in err.value.details()
    assert _score_code(served.channel) is grpc.StatusCode.OK  # calls without a token still work


def test_tokens_over_plaintext_pass_on_loopback_or_when_allowed(
    serve: Callable[..., Served],
) -> None:
    """Loopback listeners, and --allow-insecure-tokens, accept the token over plaintext."""
    assert _status_code(serve(admin_token=TOKEN).channel, TOKEN) is grpc.StatusCode.OK
    allowed = serve(host="0.0.0.0", admin_token=TOKEN, allow_insecure_tokens=True)
    assert _status_code(allowed.channel, TOKEN) is grpc.StatusCode.OK


def test_tokens_pass_over_tls_on_a_reachable_port(
    serve: Callable[..., Served], pki: dict[str, object]
) -> None:
    """With TLS on 0.0.0.0 the admin token works as before."""
    served = _tls(serve, pki, host="0.0.0.0", admin_token=TOKEN)
    with _channel(served.running.port, _ca(pki)) as channel:
        assert _status_code(channel, TOKEN) is grpc.StatusCode.OK
        assert _status_code(channel, "wrong") is grpc.StatusCode.UNAUTHENTICATED


def test_a_mapped_client_certificate_is_an_admin_without_a_token(
    serve: Callable[..., Served], pki: dict[str, object]
) -> None:
    """Under mTLS a client certificate named in tls_admin_identities may call AdminService."""
    served = _tls(
        serve, pki, tls_client_ca=_ca(pki), tls_admin_identities="ops-admin", admin_token=TOKEN
    )
    port = served.running.port
    with _channel(port, _ca(pki), _pair(pki, "admin")) as channel:
        assert _status_code(channel, None) is grpc.StatusCode.OK
    with _channel(port, _ca(pki), _pair(pki, "client")) as channel:
        assert _status_code(channel, None) is grpc.StatusCode.UNAUTHENTICATED
        assert _status_code(channel, TOKEN) is grpc.StatusCode.OK


def test_score_command_speaks_mtls(
    serve: Callable[..., Served],
    pki: dict[str, object],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`signupguard score --tls-ca --tls-cert --tls-key` scores against an mTLS server."""
    served = _tls(serve, pki, tls_client_ca=_ca(pki))
    event = tmp_path / "event.json"
    event.write_text('{"event_id": "cli-tls-1", "account_id": "acct-cli"}')
    client = _pair(pki, "client")
    target = f"127.0.0.1:{served.running.port}"
    tls_args = ["--tls-ca", str(_ca(pki)), "--tls-cert", str(client.cert)]
    code = main(["score", str(event), "--target", target, *tls_args, "--tls-key", str(client.key)])
    assert code == 0
    assert '"event_id": "cli-tls-1"' in capsys.readouterr().out
    assert main(["score", str(event), "--target", target]) == 1  # plaintext: refused


def test_client_channel_without_options_is_plaintext() -> None:
    """No TLS option: the client helper opens a plaintext channel; half a pair is an error."""
    client_channel("127.0.0.1:1").close()
    with pytest.raises(ValueError, match="go together"):
        client_channel("127.0.0.1:1", ClientTls(cert=Path("c.pem")))


def test_serve_puts_metrics_behind_the_same_tls(
    tmp_path: Path, artifact: Path, pki: dict[str, object]
) -> None:
    """`signupguard serve --tls-* --metrics-port`: /metrics needs TLS (and, under mTLS, a
    client certificate); gRPC on the same process speaks TLS too."""
    server = _pair(pki, "server")
    metrics_port = _free_port()
    running = processes.start(
        tmp_path,
        "--model", str(artifact), "--database-url", f"sqlite:///{tmp_path}/d.db",
        "--tls-cert", str(server.cert), "--tls-key", str(server.key),
        "--tls-client-ca", str(_ca(pki)), "--metrics-port", str(metrics_port),
    )  # fmt: skip
    try:
        with _channel(running.port, _ca(pki), _pair(pki, "client")) as channel:
            assert _score_code(channel) is grpc.StatusCode.OK
        url = f"https://127.0.0.1:{metrics_port}/metrics"
        context = ssl.create_default_context(cafile=str(_ca(pki)))
        client = _pair(pki, "client")
        context.load_cert_chain(client.cert, client.key)
        with urllib.request.urlopen(url, context=context, timeout=5) as reply:
            assert b"signupguard_requests_total" in reply.read()
        bare = ssl.create_default_context(cafile=str(_ca(pki)))  # no client certificate
        with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
            urllib.request.urlopen(url, context=bare, timeout=5).read()
        with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
            urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read()
    finally:
        assert running.stop() == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
