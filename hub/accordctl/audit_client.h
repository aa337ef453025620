// What the audit commands need from a running hub's AuditService, as
// absl::Status: the ledger key, signed tree heads and proofs. Nothing here
// trusts the hub: callers verify every head and proof they get.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/v1/audit_service.grpc.pb.h"
#include "commands.h"

namespace accord::ctl {

// The hub's error as an absl::Status with the same code, in words (HubErrorInWords).
absl::Status FromGrpc(const grpc::Status& s);

// Prints `s` as "accordctl: <message>" and returns its exit code: 1 for usage,
// file and connection errors, 2 for InvalidArgument from the hub, 3 for
// PermissionDenied / Unauthenticated.
int FailStatus(const absl::Status& s);

struct AuditClient {
  HubOptions hub;
  std::unique_ptr<v1::AuditService::Stub> stub;

  // A client for `o`; the connection errors of Connect().
  static absl::StatusOr<AuditClient> Create(const HubOptions& o);

  // The PEM in `expect_key_path` if set; otherwise the key the hub announces at
  // the start of ExportLedger (trust on first use; the stream is then cancelled).
  absl::StatusOr<std::string> LedgerKey(const std::string& expect_key_path);
  // GetTreeHead: the latest head for tree_size 0. Not verified.
  absl::StatusOr<hub::ledger::SignedTreeHead> Head(uint64_t tree_size);
  absl::StatusOr<v1::InclusionProof> Inclusion(uint64_t index, uint64_t tree_size);
  absl::StatusOr<std::vector<hub::ledger::Hash>> Consistency(uint64_t from_size, uint64_t to_size);
};

// Proof hashes from the wire; InvalidArgument if one is not 32 bytes.
absl::StatusOr<std::vector<hub::ledger::Hash>> HashesFromProto(
    const google::protobuf::RepeatedPtrField<std::string>& hashes);

}  // namespace accord::ctl
