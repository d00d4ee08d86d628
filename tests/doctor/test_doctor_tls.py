"""The doctor's TLS findings against a real https server on 127.0.0.1 (the site server with
its socket wrapped in TLS), with real certificates (tests/doctor/certs.py)."""

from __future__ import annotations

import contextlib
import ssl
import threading

from sitegen.doctor.report import render_text
from sitegen.doctor.run import Visit, diagnose
from sitegen.serve import make_server
from tests.doctor.certs import self_signed, signed_by_ca


@contextlib.contextmanager
def https_server(folder, cert, key):
    folder.mkdir(exist_ok=True)
    server = make_server(folder, "127.0.0.1", 0, quiet=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def tls_findings(report):
    return [f for f in report.findings if f.area == "tls"]


def test_a_self_signed_certificate_is_not_trusted_and_the_fix_says_which_to_get(tmp_path):
    cert, key = self_signed(tmp_path)
    with https_server(tmp_path / "site", cert, key) as base:
        report = diagnose(Visit(base))
    print(render_text(report))
    [tls] = tls_findings(report)
    assert tls.ok is False and "the certificate is not trusted (self-signed certificate)" in tls.what
    assert "Let's Encrypt" in tls.fix
    assert report.exit_code == 1


def test_a_certificate_about_to_expire_says_how_many_days_are_left(tmp_path, monkeypatch):
    ca, cert, key = signed_by_ca(tmp_path, days=3)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # the test authority is trusted, as a real one is
    with https_server(tmp_path / "site", cert, key) as base:
        report = diagnose(Visit(base))
    [tls] = tls_findings(report)
    assert tls.ok is False and "the certificate expires in 3 days" in tls.what, tls
    assert "certbot renew" in tls.fix


def test_a_trusted_certificate_with_time_left_is_fine(tmp_path, monkeypatch):
    ca, cert, key = signed_by_ca(tmp_path, days=60)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    with https_server(tmp_path / "site", cert, key) as base:
        report = diagnose(Visit(base))
    [tls] = tls_findings(report)
    assert tls.ok is True and "certificate trusted, 60 days left" in tls.what, tls
