#include "audit_client.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "exit_codes.h"
#include "files.h"
#include "hub_client.h"
#include "ledger_export_file.h"

namespace accord::ctl {

namespace ledger = hub::ledger;

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), HubErrorInWords(s));
}

int FailStatus(const absl::Status& s) {
  std::cerr << "accordctl: " << s.message() << "\n";
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
      return kExitInvalid;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return kExitUnsigned;
    default:
      return kExitUsage;
  }
}

absl::StatusOr<AuditClient> AuditClient::Create(const HubOptions& o) {
  auto channel = Connect(o);
  if (!channel.ok()) return channel.status();
  return AuditClient{o, v1::AuditService::NewStub(*channel)};
}

absl::StatusOr<std::string> AuditClient::LedgerKey(const std::string& expect_key_path) {
  if (!expect_key_path.empty()) {
    auto pem = ReadFile(expect_key_path, 64 * 1024);
    if (!pem.ok()) return pem.status();
    if (auto id = ledger::LogIdFromPublicPem(*pem); !id.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(expect_key_path, " is not an Ed25519 public key PEM"));
    }
    return pem;
  }
  grpc::ClientContext ctx;
  Prepare(hub, &ctx);
  auto reader = stub->ExportLedger(&ctx, v1::ExportLedgerRequest());
  v1::ExportLedgerChunk chunk;
  std::string pem;
  if (reader->Read(&chunk) && chunk.has_public_key_pem()) pem = chunk.public_key_pem();
  ctx.TryCancel();
  grpc::Status s = reader->Finish();
  if (pem.empty()) {
    if (!s.ok() && s.error_code() != grpc::StatusCode::CANCELLED) return FromGrpc(s);
    return absl::DataLossError("the hub did not announce its ledger key");
  }
  return pem;
}

absl::StatusOr<ledger::SignedTreeHead> AuditClient::Head(uint64_t tree_size) {
  grpc::ClientContext ctx;
  Prepare(hub, &ctx);
  v1::GetTreeHeadRequest req;
  req.set_tree_size(tree_size);
  v1::SignedTreeHead resp;
  if (grpc::Status s = stub->GetTreeHead(&ctx, req, &resp); !s.ok()) return FromGrpc(s);
  return HeadFromProto(resp);
}

absl::StatusOr<v1::InclusionProof> AuditClient::Inclusion(uint64_t index, uint64_t tree_size) {
  grpc::ClientContext ctx;
  Prepare(hub, &ctx);
  v1::GetInclusionProofRequest req;
  req.set_index(index);
  req.set_tree_size(tree_size);
  v1::InclusionProof resp;
  if (grpc::Status s = stub->GetInclusionProof(&ctx, req, &resp); !s.ok()) return FromGrpc(s);
  return resp;
}

absl::StatusOr<std::vector<ledger::Hash>> AuditClient::Consistency(uint64_t from_size, uint64_t to_size) {
  grpc::ClientContext ctx;
  Prepare(hub, &ctx);
  v1::GetConsistencyProofRequest req;
  req.set_from_size(from_size);
  req.set_to_size(to_size);
  v1::ConsistencyProof resp;
  if (grpc::Status s = stub->GetConsistencyProof(&ctx, req, &resp); !s.ok()) return FromGrpc(s);
  return HashesFromProto(resp.hashes());
}

absl::StatusOr<std::vector<ledger::Hash>> HashesFromProto(
    const google::protobuf::RepeatedPtrField<std::string>& hashes) {
  std::vector<ledger::Hash> out;
  for (const std::string& h : hashes) {
    if (h.size() != ledger::Hash().size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the hub sent a ", h.size(), "-byte proof hash, not 32"));
    }
    ledger::Hash& dst = out.emplace_back();
    std::copy(h.begin(), h.end(), dst.begin());
  }
  return out;
}

}  // namespace accord::ctl
