// The caller's agency id, for the service layer.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace accord::hub {

// The agency id asserted by the caller's verified client certificate (SAN URI
// accord:agency:<id>, SAN DNS, or CN). With `insecure_dev`, from the
// "x-accord-agency" request metadata instead. UNAUTHENTICATED otherwise.
absl::StatusOr<std::string> CallerAgency(const grpc::CallbackServerContext* ctx, bool insecure_dev);

// absl::Status -> grpc::Status (codes are numbered alike).
grpc::Status ToGrpc(const absl::Status& s);

}  // namespace accord::hub
