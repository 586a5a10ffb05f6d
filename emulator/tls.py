"""HTTPS for clients that refuse to send credentials over plain HTTP.

``--tls`` serves with a certificate signed by a local certificate authority the emulator
creates once (in ``--tls-dir``, by default ``~/.aoai-emulator/tls``) and reuses, so a client
told to trust ``ca.pem`` keeps trusting it across restarts. ``--tls-cert``/``--tls-key``
serve a certificate of the user's own instead.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_DIR = Path.home() / ".aoai-emulator" / "tls"
_CA_DAYS = 3650
_SERVER_DAYS = 825  # the longest validity macOS and browsers accept for a server certificate


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    ca: Path | None  # None: the user's own certificate, whose authority we do not know


def local_certificate(directory: Path, host: str) -> TlsFiles:
    """The local CA (made on first use) and a server certificate from it for localhost, the
    loopback addresses and ``host``."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_cert_path, ca_key_path = directory / "ca.pem", directory / "ca-key.pem"
    if ca_cert_path.exists() and ca_key_path.exists():
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = _authority(ca_key)
        _write_key(ca_key_path, ca_key)
        ca_cert_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    names = sorted({"localhost", host} - {"0.0.0.0", "::"})
    cert_path, key_path = directory / "server.pem", directory / "server-key.pem"
    if not _covers(cert_path, names, ca_cert):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _server(key, names, ca_key, ca_cert)
        _write_key(key_path, key)
        # The chain, so clients that trust only the CA can verify the server.
        cert_path.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM)
        )
    return TlsFiles(cert_path, key_path, ca_cert_path)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(data)
    os.chmod(path, 0o600)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _authority(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "aoai-emulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, "aoai-emulator local CA"),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(minutes=5))
        .not_valid_after(_now() + datetime.timedelta(days=_CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _alt_names(names: list[str]) -> list[x509.GeneralName]:
    found: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address(a)) for a in ("127.0.0.1", "::1")]
    for name in names:
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            found.append(x509.DNSName(name))
        else:
            if x509.IPAddress(address) not in found:
                found.append(x509.IPAddress(address))
    return found


def _server(
    key: ec.EllipticCurvePrivateKey, names: list[str], ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(minutes=5))
        .not_valid_after(_now() + datetime.timedelta(days=_SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(_alt_names(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def _covers(path: Path, names: list[str], ca: x509.Certificate) -> bool:
    """Whether the stored server certificate is from this CA, names these hosts and has
    more than a day left."""
    if not path.exists():
        return False
    try:
        cert = x509.load_pem_x509_certificates(path.read_bytes())[0]
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    return (
        cert.issuer == ca.subject
        and cert.not_valid_after_utc > _now() + datetime.timedelta(days=1)
        and set(_alt_names(names)) <= set(alt)
    )


def trust_instructions(ca: Path) -> str:
    """How to make each language's clients trust the local CA."""
    return f"""TLS: certificate from the local CA {ca}
    Python (openai, httpx):  SSL_CERT_FILE={ca}   (or httpx.Client(verify="{ca}"))
    Node:                    NODE_EXTRA_CA_CERTS={ca}
    Go:                      SSL_CERT_FILE={ca}
    Java:                    keytool -importcert -noprompt -alias aoai-emulator -file {ca} \\
                               -keystore emulator.jks -storepass changeit
                             then -Djavax.net.ssl.trustStore=emulator.jks -Djavax.net.ssl.trustStorePassword=changeit
"""
