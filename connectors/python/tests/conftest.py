"""Fixtures for the accord-client tests.

`python_sealer` seals in Python by the documented construction, so the error
paths can be exercised without a hub; the C++ <-> Python agreement is checked
by test_sealed.py against the vectors file the C++ sealer wrote
(ACCORD_SEALED_VECTORS; see tests/open/sealed_vectors.cc).
"""
import hashlib
import os

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _raw(public):
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def seal(recipient_public, recipient, field, value):
    """An accord.v1.SealedValue of `value` (an accord.v1.Value) for `recipient`."""
    from accord.v1 import record_pb2

    eph = X25519PrivateKey.generate()
    eph_pub = _raw(eph.public_key())
    rpub = _raw(recipient_public)
    shared = eph.exchange(recipient_public)
    info = b"accord.sealed.v1\x1f" + recipient.encode() + b"\x1f" + field.encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=eph_pub + rpub, info=info).derive(shared)
    nonce = os.urandom(12)
    ct = AESGCM(key).encrypt(nonce, value.SerializeToString(), recipient.encode() + b"\x1f" + field.encode())
    der = recipient_public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return record_pb2.SealedValue(scheme="x25519-hkdf-sha256-aes256gcm", recipient=recipient,
                                  key_fingerprint=hashlib.sha256(der).hexdigest(),
                                  ephemeral_public_key=eph_pub, nonce=nonce, ciphertext=ct)


@pytest.fixture
def recipient_pem():
    key = X25519PrivateKey.generate()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture
def python_sealer():
    return seal
