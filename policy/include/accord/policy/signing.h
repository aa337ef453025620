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
#include <vector>

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

// ---- Keys the agencies registered themselves (the hub's key log) ----
//
// A key written into an agreement document proves nothing: any party can put
// keys it generated for every party into a document and sign for all of
// them. A signature counts only if it verifies with a key the party itself
// registered with the hub over its own mTLS identity (KeyService), as the
// hub's key log records it. These functions judge signatures against such a
// history; they are pure and thread-safe like the rest of this file.

// A registration is proven by a signature with the NEW key over
//   "accord.key-registration.v1\0" || agency || 0x00 || key fingerprint
inline constexpr std::string_view kKeyRegistrationDomain{"accord.key-registration.v1\0", 27};

// One Ed25519 key an agency registered, and its life.
struct RegisteredSigningKey {
  std::string agency;
  std::string fingerprint;  // "sha256:<hex>" of its DER SubjectPublicKeyInfo
  std::string public_pem;
  absl::Time registered_at = absl::InfinitePast();
  // A rotation replaced it: signatures the hub accepted before this instant
  // still count; later ones do not.
  absl::Time retired_at = absl::InfiniteFuture();
  // Revoked: from this instant no signature made with it counts.
  absl::Time revoked_at = absl::InfiniteFuture();
  std::string revoke_reason;
};

// Every agency's registered keys, oldest first (as replayed from the key log).
// A plain value: build it, then share it as std::shared_ptr<const KeyDirectory>.
struct KeyDirectory {
  std::vector<RegisteredSigningKey> keys;

  // The key `agency` held at `at` (registered, not retired, not revoked), or null.
  const RegisteredSigningKey* CurrentKey(std::string_view agency, absl::Time at) const;
  // The key with this fingerprint registered by `agency`, or null.
  const RegisteredSigningKey* Find(std::string_view agency, std::string_view fingerprint) const;
  // Whether `agency` ever registered a key.
  bool HasAny(std::string_view agency) const;
};

// The proof of possession for registering `private_pem`'s public key as
// `agency`'s: raw 64-byte Ed25519 signature. InvalidArgument for a bad key.
absl::StatusOr<std::string> SignKeyRegistration(std::string_view agency,
                                                std::string_view private_pem);
// OK when `proof` is `public_pem`'s signature over the registration message
// for `agency`. InvalidArgument for a bad or non-Ed25519 key;
// PermissionDenied when the proof does not verify.
absl::Status VerifyKeyRegistration(std::string_view agency, std::string_view public_pem,
                                   std::string_view proof);

// OK when `signature` is a valid signature over the agreement's current
// fingerprint by a key its party registered, which was the party's current
// key at `accepted_at` (when the hub first accepted this signature; pass
// `now` for a signature seen for the first time) and is not revoked at `now`.
// The keys written into the document are not consulted. Otherwise:
//   InvalidArgument     malformed entry or a signature by a non-party;
//   FailedPrecondition  a genuine signature by the party's key over another
//                       fingerprint (the agreement changed after signing);
//   PermissionDenied    "'<party>' has not signed with its registered key: ..."
//                       (no key registered, another key, a revoked key, or a
//                       key already replaced by a rotation).
// On success `*key_fingerprint` (optional) is the registered key that verified.
absl::Status VerifyRegisteredSignature(const Agreement& agreement, const Signature& signature,
                                       const KeyDirectory& keys, absl::Time accepted_at,
                                       absl::Time now, std::string* key_fingerprint = nullptr);

// OK when the withdrawal names this agreement (id, version, current
// fingerprint), is by one of its parties and verifies with a key that party
// registered: its current key at `accepted_at`, or with accepted_at ==
// absl::InfinitePast() any of its keys not revoked at `now`.
// InvalidArgument or PermissionDenied with an officer-readable reason.
absl::Status VerifyRegisteredWithdrawal(const Agreement& agreement, const Withdrawal& w,
                                        const KeyDirectory& keys, absl::Time accepted_at,
                                        absl::Time now);

// Only the binding part of VerifyWithdrawal: agreement id, version and
// current fingerprint. For withdrawals whose signature was verified when
// they were accepted (the hub keeps only verified ones).
absl::Status CheckWithdrawalBinding(const Agreement& agreement, const Withdrawal& w);

}  // namespace accord::policy
