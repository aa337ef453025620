#include "key_service.h"

#include "absl/strings/str_cat.h"
#include "identity.h"
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

}  // namespace

grpc::ServerUnaryReactor* KeyServiceImpl::Finish(grpc::CallbackServerContext* ctx,
                                                 absl::StatusOr<KeyRegistry::Result> result,
                                                 v1::KeyEventResponse* resp) {
  if (!result.ok()) return Done(ctx, ToGrpc(result.status()));
  *resp->mutable_event() = result->event;
  resp->set_unchanged(result->unchanged);
  if (result->unchanged) return Done(ctx, grpc::Status::OK);
  resp->set_log_index(result->log_index);
  // Agency ids and key fingerprints are not personal data.
  spdlog::info("key log {}: '{}' {} key {}", result->log_index, result->event.agency(),
               KindName(result->event.kind()), result->event.key_fingerprint());
  if (hub_->journal == nullptr) return Done(ctx, grpc::Status::OK);
  auto* reactor = ctx->DefaultReactor();
  v1::AgreementEvent event;
  event.set_kind(v1::AgreementEvent::KEY);
  event.set_key_event(result->event_bytes);
  event.set_source_name("key");
  hub_->journal->AppendAgreement(event, [reactor](absl::Status s) {
    if (s.ok()) {
      reactor->Finish(grpc::Status::OK);
    } else {
      reactor->Finish(grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          absl::StrCat("the key change is in force on this hub process but not yet shared with "
                       "the others (",
                       s.message(), "); run the same command again")));
    }
  });
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
  return Finish(ctx, keys_->Register(*caller, *req), resp);
}

grpc::ServerUnaryReactor* KeyServiceImpl::RotateKey(grpc::CallbackServerContext* ctx,
                                                    const v1::RegisterKeyRequest* req,
                                                    v1::KeyEventResponse* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  if (req->ByteSizeLong() > kMaxKeyRequestBytes) {
    return Done(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "a key request is at most 16 KiB"));
  }
  return Finish(ctx, keys_->Rotate(*caller, *req), resp);
}

grpc::ServerUnaryReactor* KeyServiceImpl::RevokeKey(grpc::CallbackServerContext* ctx,
                                                    const v1::RevokeKeyRequest* req,
                                                    v1::KeyEventResponse* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  if (req->ByteSizeLong() > kMaxKeyRequestBytes) {
    return Done(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "a key request is at most 16 KiB"));
  }
  return Finish(ctx, keys_->Revoke(*caller, *req), resp);
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
