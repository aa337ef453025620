"""Python client for the Accord data-sharing hub.

- :mod:`accord_client.sealed`: open the values a personal flow encrypted to
  you (``SealedValue``) with your X25519 private key (``RecipientKey``,
  ``open_sealed``).
- :mod:`accord_client.feed`: an mTLS channel to the hub and your feed.
- ``accord-subscribe`` (:mod:`accord_client.cli`): print your feed, opened.

The generated protobuf and gRPC modules are installed as ``accord.v1``.
"""
__version__ = "0.1.0"

_SEALED = ("SCHEME", "MalformedSealedValue", "NotAddressedToThisKey", "RecipientKey",
           "SealedValueError", "SealedValueTampered", "open_sealed")
__all__ = list(_SEALED) + ["value_text"]


def __getattr__(name):
    # Lazy, so that following a feed does not need the cryptography package.
    if name in _SEALED:
        from accord_client import sealed
        return getattr(sealed, name)
    if name == "value_text":
        from accord_client.values import value_text
        return value_text
    raise AttributeError("module 'accord_client' has no attribute %r" % name)
