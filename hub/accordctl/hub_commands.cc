// accordctl commands that manage agreements on a running hub: submit
// agreements and withdrawals, list agreements with their status.
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "commands.h"
#include "exit_codes.h"
#include "files.h"
#include "hub_client.h"
#include "nlohmann/json.hpp"

namespace accord::ctl {
namespace {

using Json = nlohmann::ordered_json;

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
      worst = std::max(worst, FailRpc(s));
      continue;
    }
    std::cout << "Submitted " << file << ":\n";
    Print(info);
    // Stored, but is it in force? The README's exit-code table: 3 pending
    // signatures, 4 not in force (a withdrawal's own result is not an error).
    if (!o.withdrawal && info.state() != v1::ACTIVE) {
      const int code = info.state() == v1::PENDING_SIGNATURES ? kExitUnsigned : kExitInactive;
      std::cerr << "accordctl: " << file << " is stored on the hub but not in force ("
                << StateName(info.state()) << "): " << info.reason() << "\n";
      worst = std::max(worst, code);
    }
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
  if (!s.ok()) return FailRpc(s);
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

}  // namespace accord::ctl
