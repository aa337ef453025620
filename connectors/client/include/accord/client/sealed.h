// Opening the values a personal flow encrypted to you.
//
// An agreement's `encrypt` treatment (personal flows only) turns a field's
// value into a v1::SealedValue that only the named recipient's X25519 private
// key opens (X25519 + HKDF-SHA256 + AES-256-GCM; the construction is in
// policy/include/accord/policy/sealed_value.h). The hub, Kafka and anyone
// else reading the feed see only ciphertext. A recipient decrypts with:
//
//   auto key = client::RecipientKey::FromFile("csp-herts-analyst.x25519.key");
//   if (!key.ok()) ...;                       // not an X25519 private key
//   v1::CleanedRecord record = delivery.record();
//   if (auto s = key->OpenRecord(&record); !s.ok()) ...;   // see the errors below
//   // record.fields() now hold clear values where they held sealed ones.
//
// or, for one value, key->Open(recipient_id, field_name, sealed). The key is
// the `.key` file `accordctl keygen --type x25519` wrote; its public half is
// the party's `encryption_key` in the agreement. The command-line form is
// `accordctl open`, and the Python client has accord_client.open_sealed().
//
// Errors (never containing the value or key material):
//   InvalidArgument    the key is not an X25519 private key PEM, or the
//                      sealed value is malformed (unknown scheme, bad lengths);
//   PermissionDenied   sealed for another recipient or another key: not
//                      addressed to this key;
//   DataLoss           failed authentication: the value was altered, or moved
//                      to another field or recipient.
//
// Thread safety: a RecipientKey is immutable; every const method may be called
// from many threads at once. Copies share the parsed key.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "accord/v1/record.pb.h"

namespace accord::policy {
class RecipientOpener;
}

namespace accord::client {

class RecipientKey {
 public:
  // From the PEM text of an X25519 private key (PKCS#8).
  static absl::StatusOr<RecipientKey> FromPem(std::string_view private_pem);
  // From a PEM file (as written by `accordctl keygen --type x25519`).
  // NotFound / InvalidArgument name the path, never the content.
  static absl::StatusOr<RecipientKey> FromFile(const std::string& path);

  // Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo of the public half:
  // the key_fingerprint of every SealedValue sealed to this key.
  const std::string& fingerprint() const;

  // Opens the value of field `field_name` sealed for `recipient_id` (your
  // agency id; CleanedRecord.recipient).
  absl::StatusOr<v1::Value> Open(std::string_view recipient_id, std::string_view field_name,
                                 const v1::SealedValue& sealed) const;

  // Replaces every sealed field of `record` (sealed for record->recipient())
  // with its clear value and returns how many it opened. All or nothing: on
  // an error `record` is unchanged, and the message names the field.
  absl::StatusOr<int> OpenRecord(v1::CleanedRecord* record) const;

 private:
  explicit RecipientKey(std::shared_ptr<const policy::RecipientOpener> opener)
      : opener_(std::move(opener)) {}
  std::shared_ptr<const policy::RecipientOpener> opener_;
};

}  // namespace accord::client
