#include "hub_client.h"

#include <chrono>
#include <iostream>

#include "exit_codes.h"
#include "files.h"

namespace accord::ctl {

absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const HubOptions& o) {
  if (o.target.empty()) return absl::InvalidArgumentError("--hub HOST:PORT is required");
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  if (o.insecure_dev) {
    return grpc::CreateCustomChannel(o.target, grpc::InsecureChannelCredentials(), args);
  }
  if (o.ca.empty() || o.cert.empty() || o.key.empty()) {
    return absl::InvalidArgumentError(
        "--ca, --cert and --key are required to reach the hub over mTLS (or --insecure-dev)");
  }
  grpc::SslCredentialsOptions ssl;
  for (auto [path, out] : {std::pair{&o.ca, &ssl.pem_root_certs}, std::pair{&o.cert, &ssl.pem_cert_chain},
                           std::pair{&o.key, &ssl.pem_private_key}}) {
    auto text = ReadFile(*path, 1 << 20);
    if (!text.ok()) return text.status();
    *out = *std::move(text);
  }
  return grpc::CreateCustomChannel(o.target, grpc::SslCredentials(ssl), args);
}

void Prepare(const HubOptions& o, grpc::ClientContext* ctx) {
  if (o.insecure_dev) ctx->AddMetadata("x-accord-agency", o.agency);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(o.timeout_seconds));
}

int FailRpc(const grpc::Status& s) {
  std::cerr << "accordctl: the hub said " << s.error_code() << ": " << s.error_message() << "\n";
  switch (s.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return kExitInvalid;
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return kExitUnsigned;
    default:
      return kExitUsage;
  }
}

}  // namespace accord::ctl
