// The agency signing-key log: what its entries mean, and how anyone checks
// an exported copy offline.
//
// Each entry is one serialized accord.v1.KeyEvent (proto/accord/v1/
// key_service.proto): an agency registered, rotated or revoked its Ed25519
// agreement-signing key. Replaying the entries in order gives every agency's
// key history (policy::KeyDirectory), which decides whose signature on an
// agreement counts (policy/include/accord/policy/signing.h). The log is an
// RFC 6962 Merkle tree with signed heads (hub/ledger), so a partner holding
// an export can check that nobody rewrote who held which key when.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accord/policy/signing.h"
#include "accord/v1/key_service.pb.h"

namespace accord::hub {

inline constexpr std::string_view kKeyLogExportFormat = "accord.key-log.v1";

// Checks that `event` may follow the history in `keys` and applies it:
//   REGISTER  the agency holds no current key; the key is new to the log;
//   ROTATE    previous_fingerprint is the agency's current key; the new key
//             is new to the log; the old key is retired at `at`;
//   REVOKE    the agency registered that key and has not revoked it.
// REGISTER and ROTATE need a valid proof of possession by the new key.
// FailedPrecondition / PermissionDenied / InvalidArgument with an
// officer-readable reason; `keys` is unchanged then.
absl::Status ApplyKeyEvent(const v1::KeyEvent& event, policy::KeyDirectory* keys);

absl::Time KeyEventTime(const v1::KeyEvent& event);

struct VerifiedKeyLog {
  policy::KeyDirectory keys;
  uint64_t size = 0;
  std::string log_id;       // "sha256:<hex>" of the key log's public key
  absl::Time head_time;     // when the hub signed the head
};

// Verifies an export: the Merkle root of its entries equals the signed
// head's, the head's size is the number of entries, the head's signature
// verifies with the export's key (and that key is `expect_key_pem` when
// given), and every event replays (ApplyKeyEvent). DataLoss /
// PermissionDenied with what is wrong otherwise.
absl::StatusOr<VerifiedKeyLog> VerifyKeyLogExport(const v1::KeyLogExport& exported,
                                                  std::string_view expect_key_pem = {});

}  // namespace accord::hub
