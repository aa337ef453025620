#include "key_service.h"

#include "absl/strings/str_cat.h"
#include "identity.h"
#include "journal_proposals.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

constexpr size_t kMaxKeyRequestBytes = 16 * 1024;

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* ctx, const grpc::Status& status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

std::string_view KindName(v1::KeyEvent::Kind kind) {
  switch (kind) {
    case v1::KeyEvent::REGISTER: return "registered";
    case v1::KeyEvent::ROTATE: return "rotated to";
    case v1::KeyEvent::REVOKE: return "revoked";
    default: return "?";
  }
}

// Fills `resp` from an applied change and logs it (agency ids and key
// fingerprints are not personal data).
void Respond(const KeyRegistry::Result& result, v1::KeyEventResponse* resp) {
  *resp->mutable_event() = result.event;
  resp->set_unchanged(result.unchanged);
  if (result.unchanged) return;
  resp->set_log_index(result.log_index);
  spdlog::info("key log {}: '{}' {} key {}", result.log_index, result.event.agency(),
               KindName(result.event.kind()), result.event.key_fingerprint());
}

}  // namespace

grpc::ServerUnaryReactor* KeyServiceImpl::Change(grpc::CallbackServerContext* ctx,
                                                 absl::StatusOr<KeyRegistry::Proposal> proposal,
                                                 v1::KeyEventResponse* resp) {
  if (!proposal.ok()) return Done(ctx, ToGrpc(proposal.status()));
  if (proposal->unchanged) {
    *resp->mutable_event() = proposal->event;
    resp->set_unchanged(true);
    return Done(ctx, grpc::Status::OK);
  }
  if (hub_->journal == nullptr) {
    auto result = keys_->Commit(proposal->event_bytes);
    if (!result.ok()) return Done(ctx, ToGrpc(result.status()));
    Respond(*result, resp);
    return Done(ctx, grpc::Status::OK);
  }
  auto* reactor = ctx->DefaultReactor();
  v1::AgreementEvent event;
  event.set_kind(v1::AgreementEvent::KEY);
  event.set_key_event(proposal->event_bytes);
  event.set_source_name("key");
  ProposeThroughJournal(
      hub_->journal, hub_->proposals, std::move(event),
      [reactor, resp](const AppliedChange& applied) {
        if (!applied.status.ok() || applied.key == nullptr) {
          reactor->Finish(applied.status.ok() ? grpc::Status(grpc::StatusCode::INTERNAL, "no key result")
                                              : ToGrpc(applied.status));
          return;
        }
        Respond(*applied.key, resp);
        reactor->Finish(grpc::Status::OK);
      },
      ProposalTimeout(absl::Now(), absl::FromChrono(ctx->deadline())));
  return reactor;
}

grpc::ServerUnaryReactor* KeyServiceImpl::RegisterKey(grpc::CallbackServerContext* ctx,
                                                      const v1::RegisterKeyRequest* req,
                                                      v1::KeyEventResponse* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  if (req->ByteSizeLong() > kMaxKeyRequestBytes) {
    return Done(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "a key request is at most 16 KiB"));
  }
  return Change(ctx, keys_->ProposeRegister(*caller, *req), resp);
}

grpc::ServerUnaryReactor* KeyServiceImpl::RotateKey(grpc::CallbackServerContext* ctx,
                                                    const v1::RegisterKeyRequest* req,
                                                    v1::KeyEventResponse* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  if (req->ByteSizeLong() > kMaxKeyRequestBytes) {
    return Done(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "a key request is at most 16 KiB"));
  }
  return Change(ctx, keys_->ProposeRotate(*caller, *req), resp);
}

grpc::ServerUnaryReactor* KeyServiceImpl::RevokeKey(grpc::CallbackServerContext* ctx,
                                                    const v1::RevokeKeyRequest* req,
                                                    v1::KeyEventResponse* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  if (req->ByteSizeLong() > kMaxKeyRequestBytes) {
    return Done(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "a key request is at most 16 KiB"));
  }
  return Change(ctx, keys_->ProposeRevoke(*caller, *req), resp);
}

grpc::ServerUnaryReactor* KeyServiceImpl::ListKeys(grpc::CallbackServerContext* ctx,
                                                   const v1::ListKeysRequest* req,
                                                   v1::ListKeysResponse* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  *resp = keys_->List(req->agency());
  return Done(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* KeyServiceImpl::ExportKeyLog(grpc::CallbackServerContext* ctx,
                                                       const v1::ExportKeyLogRequest* /*req*/,
                                                       v1::KeyLogExport* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  *resp = keys_->Export(hub_->config->hub_instance);
  return Done(ctx, grpc::Status::OK);
}

}  // namespace accord::hub
