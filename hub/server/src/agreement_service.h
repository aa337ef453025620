// AgreementService: submit signed agreements and withdrawals; list and get
// with live status. Unary RPCs on the callback API (DefaultReactor).
#pragma once

#include "accord/v1/agreement_service.grpc.pb.h"
#include "hub_context.h"

namespace accord::hub {

class AgreementServiceImpl final : public v1::AgreementService::CallbackService {
 public:
  explicit AgreementServiceImpl(const HubContext* hub) : hub_(hub) {}

  grpc::ServerUnaryReactor* SubmitAgreement(grpc::CallbackServerContext* ctx,
                                            const v1::SubmitAgreementRequest* req,
                                            v1::SubmitAgreementResponse* resp) override;
  grpc::ServerUnaryReactor* SubmitWithdrawal(grpc::CallbackServerContext* ctx,
                                             const v1::SubmitWithdrawalRequest* req,
                                             v1::SubmitWithdrawalResponse* resp) override;
  grpc::ServerUnaryReactor* ListAgreements(grpc::CallbackServerContext* ctx,
                                           const v1::ListAgreementsRequest* req,
                                           v1::ListAgreementsResponse* resp) override;
  grpc::ServerUnaryReactor* GetAgreement(grpc::CallbackServerContext* ctx,
                                         const v1::GetAgreementRequest* req,
                                         v1::AgreementInfo* resp) override;

 private:
  const HubContext* hub_;
};

// Fills `info` from a registry view (document included only if `with_document`).
void ToAgreementInfo(const AgreementView& view, bool with_document, v1::AgreementInfo* info);

}  // namespace accord::hub
