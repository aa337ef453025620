// Reaching a running hub from accordctl: the channel (mTLS or --insecure-dev),
// per-call context, and the mapping of hub errors to exit codes.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "commands.h"
#include "grpcpp/grpcpp.h"

namespace accord::ctl {

// A channel to o.target over mTLS (o.ca, o.cert, o.key), or plaintext with
// --insecure-dev. InvalidArgument for missing options, the file error for
// unreadable PEMs.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const HubOptions& o);

// Sets the deadline (o.timeout_seconds) and, in --insecure-dev mode, the
// claimed agency.
void Prepare(const HubOptions& o, grpc::ClientContext* ctx);

// What a failed hub call means and what to do about it, in words an officer
// can act on (never a bare gRPC code), followed by the hub's own message.
std::string HubErrorInWords(const grpc::Status& s);

// Prints HubErrorInWords(s) to stderr and returns the exit code for it.
int FailRpc(const grpc::Status& s);

}  // namespace accord::ctl
