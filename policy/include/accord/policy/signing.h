// Keys, agreement signatures and withdrawals (Ed25519 via OpenSSL).
//
// A party signs  "accord.agreement-signature.v1\0" || FingerprintBytes(agreement)
// (32 bytes), so a signature covers exactly one meaning of the agreement.
// A withdrawal is a signed statement by one party that it leaves an agreement
// from a given time; it signs "accord.withdrawal.v1\0" || canonical withdrawal
// bytes (compact JSON of every member except the signature).
//
// Keys are PEM: public keys as SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"),
// private keys as PKCS#8 ("BEGIN PRIVATE KEY", unencrypted). Private keys are
// only ever passed in by the caller; nothing here stores or logs them, and no
// error message contains key material.
//
// All functions are pure (no I/O) and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accord/policy/agreement.h"

namespace accord::policy {

inline constexpr std::string_view kSignatureDomain{"accord.agreement-signature.v1\0", 30};
inline constexpr std::string_view kWithdrawalDomain{"accord.withdrawal.v1\0", 21};

struct KeyPair {
  std::string private_pem;  // secret: the caller must keep it out of logs and repos
  std::string public_pem;
};

enum class KeyType { kEd25519, kX25519 };

absl::StatusOr<KeyPair> GenerateEd25519KeyPair();
absl::StatusOr<KeyPair> GenerateX25519KeyPair();  // for a party's encryption_key

// "sha256:<hex>" of the DER SubjectPublicKeyInfo of an Ed25519 or X25519
// public key PEM. InvalidArgument for anything else (RSA, EC, private keys,
// garbage), with a message saying what was found.
absl::StatusOr<std::string> PublicKeyFingerprint(std::string_view public_pem);
// As above, but the key must be of type `expected`.
absl::StatusOr<std::string> PublicKeyFingerprint(std::string_view public_pem, KeyType expected);

// The public half of a private key PEM (Ed25519 or X25519), as PEM.
absl::StatusOr<std::string> PublicKeyFromPrivate(std::string_view private_pem);

// Signs the agreement's current fingerprint as `party`. FailedPrecondition if
// `party` is not a party; PermissionDenied if the key does not match the
// party's signing key (or its fingerprint). When the party lists only
// signing_key_fingerprint, the returned Signature carries public_key_pem.
// signed_at is `now` in RFC 3339 UTC.
absl::StatusOr<Signature> SignAgreement(const Agreement& agreement, std::string_view party,
                                        std::string_view private_pem, absl::Time now);

// OK when `signature` is a valid Ed25519 signature by the party's key over the
// agreement's CURRENT fingerprint. Otherwise, with a message naming the party
// and the reason:
//   InvalidArgument     malformed entry (unknown party, bad base64, bad key,
//                       fingerprint-only party without a carried public_key);
//   FailedPrecondition  a genuine signature by the party, but over another
//                       fingerprint: the agreement changed after signing (stale);
//   PermissionDenied    does not verify: forged, damaged, or another key.
absl::Status VerifySignature(const Agreement& agreement, const Signature& signature);

// Returns `document_text` with `signature` appended as a new entry of the
// top-level `signatures:` list (added if absent), preserving every other byte
// of the document, comments included.
std::string AppendSignatureYaml(std::string_view document_text, const Signature& signature);

// Returns `document` with party `party`'s signing_key block replaced by
// `public_pem` (a text-level edit located with yaml-cpp marks, so comments and
// layout elsewhere are preserved). Removes signing_key_fingerprint if present.
// Also DROPS any existing signatures section: a key change invalidates them.
// InvalidArgument if the key is not an Ed25519 public key, NotFound if there
// is no such party, FailedPrecondition if the document is not parseable YAML or
// the party is written in flow style ({...}).
absl::StatusOr<std::string> SetPartySigningKey(std::string_view document, std::string_view party,
                                               std::string_view public_pem);
// Same for the X25519 encryption_key (added if absent). Existing signatures
// are kept in the text, but will no longer verify: the key is part of the
// fingerprint.
absl::StatusOr<std::string> SetPartyEncryptionKey(std::string_view document,
                                                  std::string_view party,
                                                  std::string_view public_pem);

// A party's signed statement that it withdraws from an agreement.
struct Withdrawal {
  std::string agreement_id;
  uint32_t version = 0;
  std::string fingerprint;    // "sha256:<hex>" of the agreement withdrawn from
  std::string party;          // the withdrawing party's id
  absl::Time effective;       // withdrawal takes effect at this instant
  std::string reason;         // officer-readable
  std::string signature_b64;  // empty until signed
};

// YAML form (flat mapping; see AGREEMENT_FORMAT.md):
//   agreement: <id>
//   version: <n>
//   fingerprint: sha256:<hex>
//   party: <party id>
//   effective: 2026-12-01T00:00:00Z      # RFC 3339
//   reason: "..."
//   signature: <base64>                  # optional until signed
// InvalidArgument "source:line:col: problem" for bad input; never throws.
absl::StatusOr<Withdrawal> ParseWithdrawal(std::string_view yaml, std::string_view source_name);
std::string WithdrawalToYaml(const Withdrawal& w);
// The bytes a withdrawal signature covers (without the domain prefix).
std::string CanonicalWithdrawalBytes(const Withdrawal& w);
// Fills in signature_b64. InvalidArgument for a bad key.
absl::StatusOr<Withdrawal> SignWithdrawal(Withdrawal unsigned_w, std::string_view private_pem);
// OK when the withdrawal names this agreement (id, version, current
// fingerprint), is by one of its parties, and verifies with that party's key
// (for a fingerprint-only party, the public key carried by that party's
// signature entry). Otherwise InvalidArgument or PermissionDenied with reason.
absl::Status VerifyWithdrawal(const Agreement& agreement, const Withdrawal& w);

}  // namespace accord::policy
