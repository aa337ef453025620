"""Opening the values a personal flow encrypted to you.

An agreement's ``encrypt`` treatment (personal flows only) replaces a field's
value with an ``accord.v1.SealedValue`` that only the named recipient's X25519
private key opens. This module is the Python half of the construction in
``policy/include/accord/policy/sealed_value.h`` (scheme
``x25519-hkdf-sha256-aes256gcm``), byte for byte:

    shared  = X25519(recipient_private, ephemeral_public_key)
    key     = HKDF-SHA256(shared, salt = ephemeral_public || recipient_public,
                          info = "accord.sealed.v1" 0x1f recipient 0x1f field, 32 bytes)
    value   = AES-256-GCM-open(key, nonce, ciphertext || tag,
                               aad = recipient 0x1f field)   -> accord.v1.Value bytes

Usage::

    from accord_client import RecipientKey
    key = RecipientKey.from_file("csp-herts-analyst.x25519.key")   # accordctl keygen --type x25519
    key.open_record(delivery.record)          # every sealed field opened, in place
    value = key.open(sealed, "victim_name")   # or one value: an accord.v1.Value

Errors are :class:`SealedValueError` subclasses whose messages never contain
the value or key material:

- :class:`MalformedSealedValue`: unknown scheme or bad lengths;
- :class:`NotAddressedToThisKey`: sealed for another recipient or another key;
- :class:`SealedValueTampered`: failed authentication (altered, or moved to
  another field or recipient).

A :class:`RecipientKey` is immutable and may be shared between threads.
"""
import hashlib

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from accord_client.values import value_text  # noqa: F401  (re-exported)

SCHEME = "x25519-hkdf-sha256-aes256gcm"
_INFO_LABEL = b"accord.sealed.v1"
_SEP = b"\x1f"
_KEY_BYTES = 32
_NONCE_BYTES = 12
_TAG_BYTES = 16


class SealedValueError(Exception):
    """A sealed value could not be opened."""


class MalformedSealedValue(SealedValueError):
    """Not a sealed value this version reads (unknown scheme, bad lengths)."""


class NotAddressedToThisKey(SealedValueError):
    """Sealed for another recipient, or for another key of this recipient."""


class SealedValueTampered(SealedValueError):
    """Failed authentication: altered after sealing, or moved to another field or recipient."""


def _record_pb2():
    from accord.v1 import record_pb2  # generated at build time; see setup.py
    return record_pb2


class RecipientKey:
    """A recipient's X25519 private key, parsed once."""

    def __init__(self, private_key):
        if not isinstance(private_key, X25519PrivateKey):
            raise ValueError("the key is not an X25519 private key "
                             "(use the .key file `accordctl keygen --type x25519` wrote)")
        self._private = private_key
        public = private_key.public_key()
        self._raw_public = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self._fingerprint = hashlib.sha256(der).hexdigest()

    @classmethod
    def from_pem(cls, pem):
        """From PEM text (str or bytes) of an X25519 private key (PKCS#8)."""
        if isinstance(pem, str):
            pem = pem.encode("ascii", "replace")
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise ValueError("not an unencrypted PEM private key (use the .key file "
                             "`accordctl keygen --type x25519` wrote)") from None
        return cls(key)

    @classmethod
    def from_file(cls, path):
        """From a PEM file, as `accordctl keygen --type x25519` writes it."""
        with open(path, "rb") as f:
            pem = f.read()
        try:
            return cls.from_pem(pem)
        except ValueError as e:
            raise ValueError("%s: %s" % (path, e)) from None

    @property
    def fingerprint(self):
        """Hex SHA-256 of the public half's DER SubjectPublicKeyInfo (SealedValue.key_fingerprint)."""
        return self._fingerprint

    def open(self, sealed, field_name, recipient=None):
        """Opens ``sealed`` (an accord.v1.SealedValue), the value of ``field_name``.

        ``recipient`` is your agency id (default: the one the value names; it
        is bound into the seal either way). Returns an accord.v1.Value.
        """
        if recipient is None:
            recipient = sealed.recipient
        if sealed.scheme != SCHEME:
            raise MalformedSealedValue("sealed value uses an unknown scheme")
        eph = bytes(sealed.ephemeral_public_key)
        nonce = bytes(sealed.nonce)
        ciphertext = bytes(sealed.ciphertext)
        if len(eph) != _KEY_BYTES or len(nonce) != _NONCE_BYTES or len(ciphertext) < _TAG_BYTES:
            raise MalformedSealedValue("sealed value is malformed")
        if sealed.recipient != recipient:
            raise NotAddressedToThisKey("sealed value is for another recipient (%r)" % sealed.recipient)
        if sealed.key_fingerprint != self._fingerprint:
            raise NotAddressedToThisKey("sealed value is for another key of this recipient")
        rid = recipient.encode("utf-8")
        field = field_name.encode("utf-8")
        try:
            shared = self._private.exchange(X25519PublicKey.from_public_bytes(eph))
        except ValueError:  # a low-order point: an all-zero shared secret
            raise SealedValueTampered("sealed value failed authentication (altered ephemeral key)") from None
        key = HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=eph + self._raw_public,
                   info=_INFO_LABEL + _SEP + rid + _SEP + field).derive(shared)
        try:
            plaintext = AESGCM(key).decrypt(nonce, ciphertext, rid + _SEP + field)
        except InvalidTag:
            raise SealedValueTampered(
                "sealed value failed authentication (altered, or sealed for another field or key)") from None
        value = _record_pb2().Value()
        try:
            value.ParseFromString(plaintext)
        except Exception:  # protobuf's DecodeError
            raise SealedValueTampered("sealed value does not contain a value") from None
        return value

    def open_record(self, record):
        """Opens every sealed field of ``record`` (an accord.v1.CleanedRecord) in place.

        Returns how many fields it opened. All or nothing: on an error the
        record is unchanged, and the error names the field.
        """
        opened = []
        for i, f in enumerate(record.fields):
            if f.value.WhichOneof("kind") != "sealed":
                continue
            try:
                opened.append((i, self.open(f.value.sealed, f.name, record.recipient)))
            except SealedValueError as e:
                raise type(e)("field %r: %s" % (f.name, e)) from None
        for i, value in opened:
            record.fields[i].value.CopyFrom(value)
        return len(opened)


def open_sealed(sealed, field_name, private_key_pem, recipient=None):
    """One-shot :meth:`RecipientKey.open` with the PEM text of your X25519 private key."""
    return RecipientKey.from_pem(private_key_pem).open(sealed, field_name, recipient)
