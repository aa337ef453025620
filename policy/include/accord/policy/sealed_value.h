// Encrypt-for-recipient: the `encrypt` treatment of personal flows. A sealed
// value can be opened only with the recipient's X25519 private key; the hub
// and Kafka hold only ciphertext. (OpenSSL 3.0 has no HPKE, so this is the
// equivalent construction from ECDH + HKDF + AEAD.)
//
// Scheme "x25519-hkdf-sha256-aes256gcm", per value:
//   eph            a fresh X25519 key pair
//   shared         X25519(eph_private, recipient_public)            (32 bytes)
//   key            HKDF-SHA256(ikm = shared,
//                              salt = eph_public || recipient_public (raw, 32+32),
//                              info = "accord.sealed.v1" || 0x1f || recipient_id
//                                     || 0x1f || field_name)        (32 bytes)
//   nonce          12 random bytes
//   ciphertext     AES-256-GCM(key, nonce, plaintext, aad) || 16-byte tag
//   aad            recipient_id || 0x1f || field_name
//   plaintext      the deterministic serialisation of the v1::Value
// The 0x1f separators in `info` keep (recipient, field) pairs unambiguous.
// SealedValue.key_fingerprint is the lowercase hex SHA-256 of the recipient
// key's DER SubjectPublicKeyInfo, so a recipient holding several keys can tell
// which one to use and a wrong key is reported as such.
//
// Errors never contain the plaintext or key material.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "accord/policy/openssl.h"
#include "accord/v1/record.pb.h"

namespace accord::policy {

inline constexpr std::string_view kSealedScheme = "x25519-hkdf-sha256-aes256gcm";

// Seals values for one recipient. Immutable after Create(); Seal() is const
// and safe to call from many threads at once. Movable, not copyable.
class RecipientSealer {
 public:
  // `x25519_public_pem` is a PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC
  // KEY-----"). InvalidArgument if the PEM does not parse, is not X25519, or
  // the recipient id is empty.
  static absl::StatusOr<RecipientSealer> Create(std::string_view recipient_id,
                                                std::string_view x25519_public_pem);

  RecipientSealer(RecipientSealer&&) = default;
  RecipientSealer& operator=(RecipientSealer&&) = default;

  // Encrypts `plain` for the recipient, bound to `field_name`. Internal on an
  // OpenSSL failure (e.g. no randomness).
  absl::Status Seal(std::string_view field_name, const v1::Value& plain,
                    v1::SealedValue* out) const;

  const std::string& recipient_id() const { return recipient_id_; }
  // Hex SHA-256 of the recipient key's DER SubjectPublicKeyInfo.
  const std::string& key_fingerprint() const { return key_fingerprint_; }

 private:
  RecipientSealer(std::string recipient_id, EvpPkeyPtr key, std::string raw_public,
                  std::string fingerprint)
      : recipient_id_(std::move(recipient_id)),
        key_(std::move(key)),
        raw_public_(std::move(raw_public)),
        key_fingerprint_(std::move(fingerprint)) {}

  std::string recipient_id_;
  EvpPkeyPtr key_;          // the recipient's public key
  std::string raw_public_;  // its 32 raw bytes
  std::string key_fingerprint_;
};

// Opens sealed values with one recipient's X25519 private key, parsed once
// (for a feed of many values). Immutable after Create(); Open() is const and
// safe to call from many threads at once. Movable, not copyable.
class RecipientOpener {
 public:
  // `x25519_private_pem` is a PEM PKCS#8 private key ("-----BEGIN PRIVATE
  // KEY-----", as `accordctl keygen --type x25519` writes). InvalidArgument if
  // it does not parse or is not X25519 (the message never contains the key).
  static absl::StatusOr<RecipientOpener> Create(std::string_view x25519_private_pem);

  RecipientOpener(RecipientOpener&&) = default;
  RecipientOpener& operator=(RecipientOpener&&) = default;

  // Hex SHA-256 of the DER SubjectPublicKeyInfo of the key's public half:
  // equal to SealedValue.key_fingerprint of every value sealed to this key.
  const std::string& key_fingerprint() const { return key_fingerprint_; }

  // Opens `sealed`, the value of field `field_name` sealed for `recipient_id`
  // (both are bound into the seal). Errors:
  //   InvalidArgument    the sealed value is malformed (unknown scheme, bad
  //                      lengths);
  //   PermissionDenied   sealed for another recipient, or for another key
  //                      (SealedValue.recipient / key_fingerprint mismatch);
  //   DataLoss           authentication failed: ciphertext, nonce, ephemeral
  //                      key (including a low-order point), recipient or
  //                      field name altered; also a plaintext that is not a
  //                      v1::Value.
  absl::StatusOr<v1::Value> Open(std::string_view recipient_id, std::string_view field_name,
                                 const v1::SealedValue& sealed) const;

 private:
  RecipientOpener(EvpPkeyPtr key, std::string raw_public, std::string fingerprint)
      : key_(std::move(key)),
        raw_public_(std::move(raw_public)),
        key_fingerprint_(std::move(fingerprint)) {}

  EvpPkeyPtr key_;          // the recipient's private key
  std::string raw_public_;  // its public half, 32 raw bytes
  std::string key_fingerprint_;
};

// RecipientOpener::Create(x25519_private_pem) then Open(): for one value.
// Errors as Create() and Open().
absl::StatusOr<v1::Value> OpenSealed(std::string_view recipient_id,
                                     std::string_view x25519_private_pem,
                                     std::string_view field_name, const v1::SealedValue& sealed);

}  // namespace accord::policy
