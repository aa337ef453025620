"""accord_client.sealed: byte-compatible with the hub's C++ sealer."""
import json
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from accord.v1 import record_pb2
from accord_client import (MalformedSealedValue, NotAddressedToThisKey, RecipientKey, SealedValueTampered,
                           open_sealed, value_text)
from google.protobuf import json_format

ERRORS = {"malformed": MalformedSealedValue, "not_for_this_key": NotAddressedToThisKey,
          "tampered": SealedValueTampered}


def _vectors():
    path = os.environ.get("ACCORD_SEALED_VECTORS")
    if not path:
        if os.environ.get("ACCORD_REQUIRE_VECTORS"):
            pytest.fail("ACCORD_SEALED_VECTORS is not set")
        pytest.skip("ACCORD_SEALED_VECTORS not set (ctest sets it; see tests/open/CMakeLists.txt)")
    with open(path) as f:
        return json.load(f)


def test_vectors_from_the_cpp_sealer():
    doc = _vectors()
    assert doc["scheme"] == "x25519-hkdf-sha256-aes256gcm"
    keys = {name: RecipientKey.from_pem(k["private_pem"]) for name, k in doc["keys"].items()}
    for name, k in doc["keys"].items():
        assert keys[name].fingerprint == k["fingerprint"]
    opened = failed = 0
    for v in doc["vectors"]:
        sealed = json_format.ParseDict(v["sealed"], record_pb2.SealedValue())
        key = keys[v["key"]]
        if "value" in v:
            want = json_format.ParseDict(v["value"], record_pb2.Value())
            got = key.open(sealed, v["field"], v["recipient"])
            assert got == want, v["name"]
            opened += 1
        else:
            with pytest.raises(ERRORS[v["error"]]):
                key.open(sealed, v["field"], v["recipient"])
            failed += 1
    assert opened >= 9 and failed >= 10, (opened, failed)  # every value type, every error class


def _text(s):
    return record_pb2.Value(text=s)


def test_round_trip_and_one_shot(recipient_pem, python_sealer):
    key = RecipientKey.from_pem(recipient_pem)
    public = serialization.load_pem_private_key(recipient_pem, None).public_key()
    sealed = python_sealer(public, "csp-herts-analyst", "victim_name", _text("Zoë O'Brien"))
    assert key.open(sealed, "victim_name").text == "Zoë O'Brien"
    assert open_sealed(sealed, "victim_name", recipient_pem.decode(), "csp-herts-analyst").text == "Zoë O'Brien"
    assert sealed.key_fingerprint == key.fingerprint


def test_errors_say_what_went_wrong(recipient_pem, python_sealer):
    key = RecipientKey.from_pem(recipient_pem)
    public = serialization.load_pem_private_key(recipient_pem, None).public_key()
    sealed = python_sealer(public, "csp-herts-analyst", "nhs", _text("9434765919"))
    with pytest.raises(NotAddressedToThisKey, match="another recipient"):
        key.open(sealed, "nhs", "herts-police")
    other = RecipientKey(X25519PrivateKey.generate())
    with pytest.raises(NotAddressedToThisKey, match="another key"):
        other.open(sealed, "nhs")
    with pytest.raises(SealedValueTampered) as e:
        key.open(sealed, "other_field")
    assert "9434765919" not in str(e.value)
    for attr in ("ciphertext", "nonce", "ephemeral_public_key"):
        t = record_pb2.SealedValue()
        t.CopyFrom(sealed)
        b = bytearray(getattr(t, attr))
        b[1] ^= 1
        setattr(t, attr, bytes(b))
        with pytest.raises(SealedValueTampered):
            key.open(t, "nhs")
    zero = record_pb2.SealedValue()
    zero.CopyFrom(sealed)
    zero.ephemeral_public_key = bytes(32)  # low order: no shared secret
    with pytest.raises(SealedValueTampered):
        key.open(zero, "nhs")
    bad = record_pb2.SealedValue()
    bad.CopyFrom(sealed)
    bad.scheme = "rsa-oaep"
    with pytest.raises(MalformedSealedValue):
        key.open(bad, "nhs")


def test_open_record_all_or_nothing(recipient_pem, python_sealer):
    key = RecipientKey.from_pem(recipient_pem)
    public = serialization.load_pem_private_key(recipient_pem, None).public_key()
    r = record_pb2.CleanedRecord(recipient="csp-herts-analyst")
    r.fields.add(name="victim_name").value.sealed.CopyFrom(
        python_sealer(public, "csp-herts-analyst", "victim_name", _text("Zoe Smith")))
    r.fields.add(name="offence").value.text = "assault"
    r.fields.add(name="victim_dob").value.sealed.CopyFrom(
        python_sealer(public, "csp-herts-analyst", "victim_dob", record_pb2.Value(date="1990-03-14")))
    broken = record_pb2.CleanedRecord()
    broken.CopyFrom(r)
    ct = bytearray(broken.fields[2].value.sealed.ciphertext)
    ct[0] ^= 1
    broken.fields[2].value.sealed.ciphertext = bytes(ct)
    before = broken.SerializeToString()
    with pytest.raises(SealedValueTampered, match="field 'victim_dob'"):
        key.open_record(broken)
    assert broken.SerializeToString() == before
    assert key.open_record(r) == 2
    assert [value_text(f.value) for f in r.fields] == ["Zoe Smith", "assault", "1990-03-14"]


def test_key_files(tmp_path, recipient_pem):
    path = tmp_path / "me.key"
    path.write_bytes(recipient_pem)
    assert RecipientKey.from_file(str(path)).fingerprint
    public = serialization.load_pem_private_key(recipient_pem, None).public_key()
    path.write_bytes(public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    with pytest.raises(ValueError, match="accordctl keygen --type x25519") as e:
        RecipientKey.from_file(str(path))
    assert "BEGIN" not in str(e.value)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    ed = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption())
    with pytest.raises(ValueError, match="X25519"):
        RecipientKey.from_pem(ed)
