// A pinned tree head ("accord.ledger-pin.v1"): a signed head a partner has
// seen, with the hub's ledger key, kept as JSON so people can read it:
//   {"format": "accord.ledger-pin.v1", "hub": "HOST:PORT", "log_id": "sha256:…",
//    "public_key_pem": "-----BEGIN PUBLIC KEY-----…", "tree_size": N,
//    "root_hash": "<64 hex>", "timestamp": "RFC 3339", "timestamp_ms": unix ms,
//    "signature": "<base64 Ed25519>"}
// The signature covers (log_id, tree_size, timestamp_ms, root_hash) exactly as
// on the wire (tree_head.h); "timestamp" is informative.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "accord/hub/ledger/tree_head.h"

namespace accord::ctl {

inline constexpr char kPinFormat[] = "accord.ledger-pin.v1";

struct Pin {
  std::string hub;
  std::string public_pem;
  hub::ledger::SignedTreeHead head;
};

std::string PinToJson(const Pin& pin);

// Parses and re-verifies the pinned head's signature against the pinned key.
// InvalidArgument for a file that is not a pin; DataLoss if the pinned head
// does not verify (the pin file was altered).
absl::StatusOr<Pin> ParsePin(const std::string& json_text, const std::string& path);

}  // namespace accord::ctl
