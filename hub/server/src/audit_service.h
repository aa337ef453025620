// AuditService: disclosure queries, signed tree heads, inclusion and
// consistency proofs, record queries and ledger export.
#pragma once

#include "accord/v1/audit_service.grpc.pb.h"
#include "hub_context.h"

namespace accord::hub {

class AuditServiceImpl final : public v1::AuditService::CallbackService {
 public:
  explicit AuditServiceImpl(const HubContext* hub) : hub_(hub) {}

  grpc::ServerWriteReactor<v1::QueryDisclosuresResponse>* QueryDisclosures(
      grpc::CallbackServerContext* ctx, const v1::QueryDisclosuresRequest* req) override;
  grpc::ServerUnaryReactor* GetTreeHead(grpc::CallbackServerContext* ctx,
                                        const v1::GetTreeHeadRequest* req,
                                        v1::SignedTreeHead* resp) override;
  grpc::ServerUnaryReactor* GetInclusionProof(grpc::CallbackServerContext* ctx,
                                              const v1::GetInclusionProofRequest* req,
                                              v1::InclusionProof* resp) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(grpc::CallbackServerContext* ctx,
                                                const v1::GetConsistencyProofRequest* req,
                                                v1::ConsistencyProof* resp) override;
  grpc::ServerWriteReactor<v1::QueryRecordsResponse>* QueryRecords(
      grpc::CallbackServerContext* ctx, const v1::QueryRecordsRequest* req) override;
  grpc::ServerWriteReactor<v1::ExportLedgerChunk>* ExportLedger(
      grpc::CallbackServerContext* ctx, const v1::ExportLedgerRequest* req) override;

 private:
  const HubContext* hub_;
};

}  // namespace accord::hub
