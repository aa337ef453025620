#include "agreement_service.h"

#include "agreement_log.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "accord/ops/logging.h"
#include "accord/policy/agreement_parser.h"
#include "identity.h"
#include "journal_proposals.h"

namespace accord::hub {
namespace {

v1::AgreementState StateOf(const AgreementView& v) {
  using policy::AgreementState;
  if (v.superseded) return v1::SUPERSEDED;
  switch (v.status.state) {
    case AgreementState::kActive: return v1::ACTIVE;
    case AgreementState::kPendingSignatures:
    case AgreementState::kInvalid: return v1::PENDING_SIGNATURES;
    case AgreementState::kNotYetValid: return v1::NOT_YET_VALID;
    case AgreementState::kExpired: return v1::EXPIRED;
    case AgreementState::kWithdrawn: return v1::WITHDRAWN;
  }
  return v1::AGREEMENT_STATE_UNSPECIFIED;
}

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* ctx, const grpc::Status& status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

}  // namespace

void ToAgreementInfo(const AgreementView& view, bool with_document, v1::AgreementInfo* info) {
  const policy::Agreement& a = *view.agreement;
  info->set_id(a.id);
  info->set_version(a.version);
  info->set_title(a.title);
  info->set_fingerprint(view.fingerprint);
  info->set_state(StateOf(view));
  info->set_review_overdue(view.status.review_overdue);
  info->set_reason(view.superseded ? "a later version of this agreement is in force"
                                   : view.status.reason);
  for (const auto& p : view.status.parties) {
    auto* ps = info->add_parties();
    ps->set_party(p.party);
    if (const auto* party = a.FindParty(p.party)) ps->set_role(std::string(policy::PartyRoleName(party->role)));
    ps->set_signed_(p.signed_valid);
    ps->set_problem(p.problem);
    for (const auto& w : view.withdrawals) ps->set_withdrawn(ps->withdrawn() || w.party == p.party);
  }
  info->set_valid_from(absl::FormatCivilTime(a.valid_from));
  info->set_valid_until(absl::FormatCivilTime(a.valid_until));
  info->set_review_by(absl::FormatCivilTime(a.review_by));
  if (with_document) info->set_document(view.document);
}

namespace {

// The response to an applied submission, and its log line.
void RespondSubmitted(const AgreementRegistry& registry, const AgreementView& view,
                      const std::vector<policy::Diagnostic>& diagnostics, const std::string& caller,
                      v1::SubmitAgreementResponse* resp) {
  ToAgreementInfo(view, false, resp->mutable_agreement());
  LogKeyChanges(registry, view, caller);
  ops::LogEvent(spdlog::level::info, "agreement", "submitted", {{"agency", caller}, {"agreement", resp->agreement().id()}, {"version", resp->agreement().version()}, {"fingerprint", resp->agreement().fingerprint()}, {"state", v1::AgreementState_Name(resp->agreement().state())}});
  for (const auto& d : diagnostics) {
    auto* w = resp->add_warnings();
    w->set_severity(d.severity == policy::Diagnostic::Severity::kError ? "error" : "warning");
    w->set_line(d.line);
    w->set_column(d.column);
    w->set_code(d.code);
    w->set_message(d.message);
  }
}

void RespondWithdrawn(const AgreementView& view, const std::string& caller, v1::SubmitWithdrawalResponse* resp) {
  ToAgreementInfo(view, false, resp->mutable_agreement());
  ops::LogEvent(spdlog::level::info, "agreement", "withdrawal", {{"agency", caller}, {"agreement", resp->agreement().id()}, {"version", resp->agreement().version()}, {"state", v1::AgreementState_Name(resp->agreement().state())}});
}

}  // namespace

grpc::ServerUnaryReactor* AgreementServiceImpl::SubmitAgreement(
    grpc::CallbackServerContext* ctx, const v1::SubmitAgreementRequest* req,
    v1::SubmitAgreementResponse* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  if (req->document().size() > policy::kMaxAgreementBytes) {
    return Done(ctx, grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                  "agreement documents are limited to 1 MiB"));
  }
  const std::string source = req->source_name().empty() ? "submitted" : req->source_name();
  // Only a party of the agreement may submit it.
  auto parsed = policy::ParseAgreement(req->document(), source);
  if (parsed.ok() && parsed.agreement->FindParty(*caller) == nullptr) {
    ops::LogEvent(spdlog::level::warn, "agreement", "submit_refused", {{"agency", *caller}, {"agreement", parsed.agreement->id}, {"reason", "not a party"}});
    return Done(ctx, grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                  absl::StrCat("'", *caller, "' is not a party of agreement '",
                                               parsed.agreement->id, "'")));
  }
  auto refused = [&](const absl::Status& s) {
    ops::LogEvent(spdlog::level::warn, "agreement", "submit_refused", {{"agency", *caller}, {"code", absl::StatusCodeToString(s.code())}});
    return Done(ctx, ToGrpc(s));
  };
  if (hub_->journal == nullptr) {
    std::vector<policy::Diagnostic> diagnostics;
    auto view = hub_->agreements->Submit(req->document(), source, &diagnostics);
    if (!view.ok()) return refused(view.status());
    RespondSubmitted(*hub_->agreements, *view, diagnostics, *caller, resp);
    return Done(ctx, grpc::Status::OK);
  }
  // Several processes: every one (this one too) stores it when it reads it
  // from the journal, in the journal's order; answer once that happened here.
  if (auto linted = AgreementRegistry::Lint(req->document(), source); !linted.ok()) {
    return refused(linted.status());
  }
  auto* reactor = ctx->DefaultReactor();
  v1::AgreementEvent event;
  event.set_kind(v1::AgreementEvent::AGREEMENT);
  event.set_document(req->document());
  event.set_source_name(source);
  ProposeThroughJournal(
      hub_->journal, hub_->proposals, std::move(event),
      [reactor, resp, registry = hub_->agreements, agency = *caller](const AppliedChange& applied) {
        if (!applied.status.ok() || applied.agreement == nullptr) {
          ops::LogEvent(spdlog::level::warn, "agreement", "submit_refused", {{"agency", agency}, {"code", absl::StatusCodeToString(applied.status.code())}});
          reactor->Finish(applied.status.ok() ? grpc::Status(grpc::StatusCode::INTERNAL, "no agreement result")
                                              : ToGrpc(applied.status));
          return;
        }
        static const std::vector<policy::Diagnostic> kNone;
        RespondSubmitted(*registry, *applied.agreement,
                         applied.diagnostics != nullptr ? *applied.diagnostics : kNone, agency, resp);
        reactor->Finish(grpc::Status::OK);
      },
      ProposalTimeout(absl::Now(), absl::FromChrono(ctx->deadline())));
  return reactor;
}

grpc::ServerUnaryReactor* AgreementServiceImpl::SubmitWithdrawal(
    grpc::CallbackServerContext* ctx, const v1::SubmitWithdrawalRequest* req,
    v1::SubmitWithdrawalResponse* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  if (req->document().size() > 64 * 1024) {
    return Done(ctx, grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                  "withdrawal documents are limited to 64 KiB"));
  }
  auto refused = [&](const absl::Status& s) {
    ops::LogEvent(spdlog::level::warn, "agreement", "withdrawal_refused", {{"agency", *caller}, {"code", absl::StatusCodeToString(s.code())}});
    return Done(ctx, ToGrpc(s));
  };
  if (hub_->journal == nullptr) {
    auto view = hub_->agreements->SubmitWithdrawal(req->document());
    if (!view.ok()) return refused(view.status());
    RespondWithdrawn(*view, *caller, resp);
    return Done(ctx, grpc::Status::OK);
  }
  if (auto w = policy::ParseWithdrawal(req->document(), "withdrawal"); !w.ok()) return refused(w.status());
  auto* reactor = ctx->DefaultReactor();
  v1::AgreementEvent event;
  event.set_kind(v1::AgreementEvent::WITHDRAWAL);
  event.set_document(req->document());
  event.set_source_name("withdrawal");
  ProposeThroughJournal(
      hub_->journal, hub_->proposals, std::move(event),
      [reactor, resp, agency = *caller](const AppliedChange& applied) {
        if (!applied.status.ok() || applied.agreement == nullptr) {
          ops::LogEvent(spdlog::level::warn, "agreement", "withdrawal_refused", {{"agency", agency}, {"code", absl::StatusCodeToString(applied.status.code())}});
          reactor->Finish(applied.status.ok() ? grpc::Status(grpc::StatusCode::INTERNAL, "no withdrawal result")
                                              : ToGrpc(applied.status));
          return;
        }
        RespondWithdrawn(*applied.agreement, agency, resp);
        reactor->Finish(grpc::Status::OK);
      },
      ProposalTimeout(absl::Now(), absl::FromChrono(ctx->deadline())));
  return reactor;
}

grpc::ServerUnaryReactor* AgreementServiceImpl::ListAgreements(grpc::CallbackServerContext* ctx,
                                                               const v1::ListAgreementsRequest* req,
                                                               v1::ListAgreementsResponse* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  for (const auto& view : hub_->agreements->List()) {
    v1::AgreementInfo info;
    ToAgreementInfo(view, false, &info);
    bool wanted = req->states().empty();
    for (int s : req->states()) wanted |= s == info.state();
    if (wanted) *resp->add_agreements() = std::move(info);
  }
  return Done(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AgreementServiceImpl::GetAgreement(grpc::CallbackServerContext* ctx,
                                                             const v1::GetAgreementRequest* req,
                                                             v1::AgreementInfo* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  auto view = hub_->agreements->Get(req->id(), req->version());
  if (!view.ok()) return Done(ctx, ToGrpc(view.status()));
  ToAgreementInfo(*view, true, resp);
  return Done(ctx, grpc::Status::OK);
}

}  // namespace accord::hub
