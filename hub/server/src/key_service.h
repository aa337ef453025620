// KeyService: each agency registers, rotates and revokes its own agreement
// signing key over its own mTLS identity; anyone may list the keys and export
// the key log (proto/accord/v1/key_service.proto). Unary RPCs on the callback
// API (DefaultReactor). With a journal (several hub processes) a change is
// only checked here, then appended to the journal; the RPC finishes when this
// process has applied it from the journal, in the journal's order, like every
// other process (journal_proposals.h).
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
  // Applies the proposal here (one process) or through the journal.
  grpc::ServerUnaryReactor* Change(grpc::CallbackServerContext* ctx,
                                   absl::StatusOr<KeyRegistry::Proposal> proposal,
                                   v1::KeyEventResponse* resp);

  const HubContext* hub_;
  KeyRegistry* keys_;
};

}  // namespace accord::hub
