#include "identity.h"

#include <vector>

#include "accord/hub/pki/identity.h"

namespace accord::hub {

absl::StatusOr<std::string> CallerAgency(const grpc::CallbackServerContext* ctx, bool insecure_dev) {
  if (insecure_dev) {
    const auto& md = ctx->client_metadata();
    auto it = md.find("x-accord-agency");
    if (it == md.end()) {
      return absl::UnauthenticatedError(
          "insecure-dev mode: send your agency id in the x-accord-agency metadata header");
    }
    return std::string(it->second.data(), it->second.size());
  }
  auto auth = ctx->auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    return absl::UnauthenticatedError("a client certificate issued by the partnership CA is required");
  }
  std::vector<std::string> sans;
  for (const auto& v : auth->FindPropertyValues("x509_subject_alternative_name")) {
    sans.emplace_back(v.data(), v.size());
  }
  std::string cn;
  for (const auto& v : auth->FindPropertyValues("x509_common_name")) cn.assign(v.data(), v.size());
  auto id = pki::AgencyIdFromAuthProperties(sans, cn);
  if (!id.ok()) {
    return absl::UnauthenticatedError("the client certificate names no valid agency id");
  }
  return id;
}

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

}  // namespace accord::hub
