// accordctl commands that talk to a running hub: submit agreements and
// withdrawals, list agreements with their status, and verify the ledger.
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/merkle.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/hub/ledger/verify.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "accord/v1/audit_service.grpc.pb.h"
#include "commands.h"
#include "exit_codes.h"
#include "files.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"

namespace accord::ctl {
namespace {

using Json = nlohmann::ordered_json;

absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const HubOptions& o) {
  if (o.target.empty()) return absl::InvalidArgumentError("--hub HOST:PORT is required");
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  if (o.insecure_dev) {
    return grpc::CreateCustomChannel(o.target, grpc::InsecureChannelCredentials(), args);
  }
  if (o.ca.empty() || o.cert.empty() || o.key.empty()) {
    return absl::InvalidArgumentError(
        "--ca, --cert and --key are required to reach the hub over mTLS (or --insecure-dev)");
  }
  grpc::SslCredentialsOptions ssl;
  for (auto [path, out] : {std::pair{&o.ca, &ssl.pem_root_certs}, std::pair{&o.cert, &ssl.pem_cert_chain},
                           std::pair{&o.key, &ssl.pem_private_key}}) {
    auto text = ReadFile(*path, 1 << 20);
    if (!text.ok()) return text.status();
    *out = *std::move(text);
  }
  return grpc::CreateCustomChannel(o.target, grpc::SslCredentials(ssl), args);
}

void Prepare(const HubOptions& o, grpc::ClientContext* ctx) {
  if (o.insecure_dev) ctx->AddMetadata("x-accord-agency", o.agency);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(o.timeout_seconds));
}

int Fail(const grpc::Status& s) {
  std::cerr << "accordctl: the hub said " << s.error_code() << ": " << s.error_message() << "\n";
  switch (s.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT: return kExitInvalid;
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED: return kExitUnsigned;
    default: return kExitUsage;
  }
}

const char* StateName(v1::AgreementState s) {
  switch (s) {
    case v1::ACTIVE: return "active";
    case v1::PENDING_SIGNATURES: return "pending_signatures";
    case v1::NOT_YET_VALID: return "not_yet_valid";
    case v1::EXPIRED: return "expired";
    case v1::WITHDRAWN: return "withdrawn";
    case v1::SUPERSEDED: return "superseded";
    default: return "unknown";
  }
}

void Print(const v1::AgreementInfo& a) {
  std::cout << a.id() << " v" << a.version() << "  " << StateName(a.state())
            << (a.review_overdue() ? " (review overdue)" : "") << "  " << a.fingerprint() << "\n"
            << "  " << a.title() << "\n  " << a.reason() << "\n";
}

}  // namespace

int RunSubmit(const SubmitOptions& o) {
  auto channel = Connect(o.hub);
  if (!channel.ok()) {
    std::cerr << "accordctl: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  auto stub = v1::AgreementService::NewStub(*channel);
  int worst = kExitOk;
  for (const std::string& file : o.files) {
    auto text = ReadFile(file, 1 << 20);
    if (!text.ok()) {
      std::cerr << "accordctl: " << text.status().message() << "\n";
      return kExitUsage;
    }
    grpc::ClientContext ctx;
    Prepare(o.hub, &ctx);
    v1::AgreementInfo info;
    grpc::Status s;
    if (o.withdrawal) {
      v1::SubmitWithdrawalRequest req;
      req.set_document(*text);
      v1::SubmitWithdrawalResponse resp;
      s = stub->SubmitWithdrawal(&ctx, req, &resp);
      info = resp.agreement();
    } else {
      v1::SubmitAgreementRequest req;
      req.set_document(*text);
      req.set_source_name(file);
      v1::SubmitAgreementResponse resp;
      s = stub->SubmitAgreement(&ctx, req, &resp);
      info = resp.agreement();
    }
    if (!s.ok()) {
      worst = std::max(worst, Fail(s));
      continue;
    }
    std::cout << "Submitted " << file << ":\n";
    Print(info);
  }
  return worst;
}

int RunList(const ListOptions& o) {
  auto channel = Connect(o.hub);
  if (!channel.ok()) {
    std::cerr << "accordctl: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  auto stub = v1::AgreementService::NewStub(*channel);
  grpc::ClientContext ctx;
  Prepare(o.hub, &ctx);
  v1::ListAgreementsResponse resp;
  grpc::Status s = stub->ListAgreements(&ctx, v1::ListAgreementsRequest(), &resp);
  if (!s.ok()) return Fail(s);
  if (o.json) {
    Json out = Json::array();
    for (const auto& a : resp.agreements()) {
      out.push_back(Json{{"id", a.id()}, {"version", a.version()}, {"state", StateName(a.state())},
                         {"review_overdue", a.review_overdue()}, {"reason", a.reason()},
                         {"fingerprint", a.fingerprint()}});
    }
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& a : resp.agreements()) Print(a);
  }
  return kExitOk;
}

int RunAuditVerify(const AuditVerifyOptions& o) {
  auto channel = Connect(o.hub);
  if (!channel.ok()) {
    std::cerr << "accordctl: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  auto stub = v1::AuditService::NewStub(*channel);
  grpc::ClientContext ctx;
  if (o.hub.insecure_dev) ctx.AddMetadata("x-accord-agency", o.hub.agency);
  auto reader = stub->ExportLedger(&ctx, v1::ExportLedgerRequest());
  std::string public_pem;
  std::vector<std::string> entries;
  std::vector<hub::ledger::SignedTreeHead> heads;
  v1::ExportLedgerChunk chunk;
  while (reader->Read(&chunk)) {
    if (chunk.has_public_key_pem()) public_pem = chunk.public_key_pem();
    if (chunk.has_entry()) entries.push_back(chunk.entry().entry_bytes());
    if (chunk.has_head()) {
      hub::ledger::SignedTreeHead sth;
      const auto& h = chunk.head();
      sth.head.tree_size = h.tree_size();
      if (h.root_hash().size() != sth.head.root.size()) {
        std::cerr << "accordctl: a tree head has a malformed root hash\n";
        return kExitTampered;
      }
      std::copy(h.root_hash().begin(), h.root_hash().end(), sth.head.root.begin());
      sth.head.timestamp = absl::FromUnixSeconds(h.timestamp().seconds()) + absl::Nanoseconds(h.timestamp().nanos());
      sth.log_id = h.log_id();
      sth.signature = h.signature();
      heads.push_back(std::move(sth));
    }
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) return Fail(s);
  if (!o.expect_key.empty()) {
    auto expected = ReadFile(o.expect_key, 64 * 1024);
    if (!expected.ok() || *expected != public_pem) {
      std::cerr << "accordctl: the hub's ledger key is not the one you pinned in " << o.expect_key << "\n";
      return kExitTampered;
    }
  }
  size_t next = 0;
  auto report = hub::ledger::VerifyEntriesAgainstHeads(
      [&](hub::ledger::SourceEntry* out) -> absl::StatusOr<bool> {
        if (next == entries.size()) return false;
        out->index = next;
        out->bytes = entries[next++];
        return true;
      },
      heads, public_pem);
  auto log_id = hub::ledger::LogIdFromPublicPem(public_pem);
  if (o.json) {
    Json j{{"ok", report.ok}, {"entries", report.entries_checked}, {"heads", report.heads_checked},
           {"problem", report.problem}, {"log_id", log_id.ok() ? *log_id : ""}};
    if (report.first_bad_index) j["first_bad_index"] = *report.first_bad_index;
    std::cout << j.dump(2) << "\n";
  } else if (report.ok) {
    std::cout << "Ledger verified: " << report.entries_checked << " disclosures, "
              << report.heads_checked << " signed tree heads, log "
              << (log_id.ok() ? *log_id : "?") << "\n";
  } else {
    std::cout << "LEDGER VERIFICATION FAILED: " << report.problem << "\n";
    if (report.first_bad_index) std::cout << "  first bad entry: " << *report.first_bad_index << "\n";
  }
  return report.ok ? kExitOk : kExitTampered;
}

}  // namespace accord::ctl
