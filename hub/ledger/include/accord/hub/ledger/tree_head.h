// Signed tree heads: the hub's Ed25519 signature over (size, root, time).
//
// The signed bytes are TreeHeadSigningInput(): a domain-separated, fixed
// layout that any verifier can rebuild:
//   "accord.tree-head.v1" 0x00 || log_id || 0x00 || tree_size (8 bytes BE)
//   || timestamp in ms since the Unix epoch (8 bytes BE, two's complement)
//   || root (32 bytes)
// log_id is "sha256:<lowercase hex>" of the signer's DER SubjectPublicKeyInfo.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accord/hub/ledger/merkle.h"
#include "accord/policy/openssl.h"

namespace accord::hub::ledger {

struct TreeHead {
  uint64_t tree_size = 0;
  Hash root{};
  absl::Time timestamp;  // millisecond precision (Sign() truncates)
  bool operator==(const TreeHead&) const = default;
};

struct SignedTreeHead {
  TreeHead head;
  std::string log_id;     // "sha256:<hex>" of the signer's public key DER
  std::string signature;  // raw 64-byte Ed25519 signature
  bool operator==(const SignedTreeHead&) const = default;
};

// Milliseconds since the Unix epoch, truncated towards negative infinity.
int64_t ToUnixMillisFloor(absl::Time t);

std::string TreeHeadSigningInput(const TreeHead& head, std::string_view log_id);

// "sha256:<hex>" of the DER SubjectPublicKeyInfo of an Ed25519 public key PEM.
// InvalidArgument if the PEM is not an Ed25519 public key.
absl::StatusOr<std::string> LogIdFromPublicPem(std::string_view public_pem);

// A fresh Ed25519 private key as PKCS#8 PEM (for tests, benchmarks, demos and
// `accordctl` key generation).
absl::StatusOr<std::string> GenerateSigningKeyPem();

// Signs tree heads with one Ed25519 key. Immutable after construction; Sign()
// is safe to call from several threads at once (each call uses its own
// OpenSSL context).
class TreeHeadSigner {
 public:
  // `pem` is an unencrypted PKCS#8 Ed25519 private key. InvalidArgument if it
  // is not one (the message never contains key material).
  static absl::StatusOr<std::unique_ptr<TreeHeadSigner>> FromPrivatePem(std::string_view pem);

  // Signs `head` with its timestamp truncated to milliseconds; the returned
  // head carries the truncated timestamp.
  absl::StatusOr<SignedTreeHead> Sign(const TreeHead& head) const;

  // SubjectPublicKeyInfo PEM of the key.
  std::string public_pem() const { return public_pem_; }
  std::string log_id() const { return log_id_; }

 private:
  TreeHeadSigner(policy::EvpPkeyPtr key, std::string public_pem, std::string log_id);

  policy::EvpPkeyPtr key_;
  std::string public_pem_;
  std::string log_id_;
};

// Compact binary form of a signed head, as stored in the ledger_heads column
// family: 0x01 || tree_size (8 BE) || ms (8 BE) || root (32) || signature
// length (1) || signature || log_id (rest). Parse returns DataLoss for bytes
// that are not such a record.
std::string SerializeSignedTreeHead(const SignedTreeHead& sth);
absl::StatusOr<SignedTreeHead> ParseSignedTreeHead(std::string_view bytes);

// OK iff `sth.signature` is a valid Ed25519 signature by `public_pem` over
// TreeHeadSigningInput(sth.head, sth.log_id) AND sth.log_id is that key's id.
// InvalidArgument for a bad PEM; PermissionDenied("tree head: ...") for a head
// that does not verify (wrong key, forged or altered).
absl::Status VerifyTreeHead(const SignedTreeHead& sth, std::string_view public_pem);

}  // namespace accord::hub::ledger
