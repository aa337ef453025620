// KeyService: each agency registers, rotates and revokes its own agreement
// signing key over its own mTLS identity; anyone may list the keys and export
// the key log (proto/accord/v1/key_service.proto). Unary RPCs on the callback
// API (DefaultReactor). With a journal (several hub processes) a change is
// applied here, then shared, and the RPC finishes once the journal holds it.
#pragma once

#include "accord/hub/core/key_registry.h"
#include "accord/v1/key_service.grpc.pb.h"
#include "hub_context.h"

namespace accord::hub {

class KeyServiceImpl final : public v1::KeyService::CallbackService {
 public:
  // Neither is owned; both outlive the service.
  KeyServiceImpl(const HubContext* hub, KeyRegistry* keys) : hub_(hub), keys_(keys) {}

  grpc::ServerUnaryReactor* RegisterKey(grpc::CallbackServerContext* ctx,
                                        const v1::RegisterKeyRequest* req,
                                        v1::KeyEventResponse* resp) override;
  grpc::ServerUnaryReactor* RotateKey(grpc::CallbackServerContext* ctx,
                                      const v1::RegisterKeyRequest* req,
                                      v1::KeyEventResponse* resp) override;
  grpc::ServerUnaryReactor* RevokeKey(grpc::CallbackServerContext* ctx,
                                      const v1::RevokeKeyRequest* req,
                                      v1::KeyEventResponse* resp) override;
  grpc::ServerUnaryReactor* ListKeys(grpc::CallbackServerContext* ctx,
                                     const v1::ListKeysRequest* req,
                                     v1::ListKeysResponse* resp) override;
  grpc::ServerUnaryReactor* ExportKeyLog(grpc::CallbackServerContext* ctx,
                                         const v1::ExportKeyLogRequest* req,
                                         v1::KeyLogExport* resp) override;

 private:
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* ctx,
                                   absl::StatusOr<KeyRegistry::Result> result,
                                   v1::KeyEventResponse* resp);

  const HubContext* hub_;
  KeyRegistry* keys_;
};

}  // namespace accord::hub
