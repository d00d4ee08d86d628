"""Real X.509 certificates for 127.0.0.1, made with ``cryptography``: a self-signed one, and
one signed by a throwaway authority (trusted by pointing ``SSL_CERT_FILE`` at it)."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cert(subject_key, issuer_key, issuer: x509.Name, *, days: float, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fedipress test CA" if ca else "127.0.0.1")])
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer if not ca else subject)
               .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def self_signed(folder: Path) -> tuple[Path, Path]:
    """(cert, key) files of a self-signed certificate for 127.0.0.1."""
    key = _key()
    cert = _cert(key, key, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]),
                 days=90, ca=False)
    return _write(folder, "self", cert, key)


def signed_by_ca(folder: Path, *, days: float) -> tuple[Path, Path, Path]:
    """(CA cert, cert, key) files: a certificate for 127.0.0.1 valid ``days`` more days."""
    ca_key = _key()
    ca = _cert(ca_key, ca_key, x509.Name([]), days=365, ca=True)
    key = _key()
    cert = _cert(key, ca_key, ca.subject, days=days, ca=False)
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return (ca_file, *_write(folder, "leaf", cert, key))


def _write(folder: Path, name: str, cert: x509.Certificate, key) -> tuple[Path, Path]:
    cert_file, key_file = folder / f"{name}.crt", folder / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(_pem(key))
    key_file.chmod(0o600)
    return cert_file, key_file
