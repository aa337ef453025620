#include "hub_client.h"

#include <chrono>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

std::string HubErrorInWords(const grpc::Status& s) {
  const std::string& detail = s.error_message();
  std::string words;
  switch (s.error_code()) {
    case grpc::StatusCode::OK:
      return "the hub accepted the request";
    case grpc::StatusCode::INVALID_ARGUMENT:
      words = "the hub refused the document because it is not valid; fix the problems it lists and try again";
      break;
    case grpc::StatusCode::NOT_FOUND:
      words = "the hub does not know what you asked for; check the agreement id and version, or submit the agreement first";
      break;
    case grpc::StatusCode::ALREADY_EXISTS:
      words = "that version is already in force with different content; raise the version number and have every party sign the new text";
      break;
    case grpc::StatusCode::PERMISSION_DENIED:
      words = "the hub refused this for your agency; check your certificate is your agency's and that your agency is a party to the agreement";
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
      words = "the hub did not accept your certificate; check --cert and --key are your agency's and were issued by the partnership CA";
      break;
    case grpc::StatusCode::FAILED_PRECONDITION:
      words = "the hub cannot do this in the current state; check the state with `accordctl agreement list` and try again";
      break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      words = "the request is too large, or the hub is too busy; make it smaller or try again in a minute";
      break;
    case grpc::StatusCode::UNAVAILABLE:
      words = absl::StrContains(detail, "handshake") || absl::StrContains(detail, "SSL") ||
                      absl::StrContains(detail, "ssl") || absl::StrContains(detail, "certificate")
                  ? "could not make a secure connection to the hub; check --ca is the partnership CA that "
                    "issued the hub's certificate, and --cert/--key are your agency's"
                  : "could not reach the hub; check it is running and that --hub HOST:PORT is right, then try "
                    "again";
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      words = "the hub did not answer in time; try again in a minute, and if it keeps happening tell your hub operator";
      break;
    case grpc::StatusCode::DATA_LOSS:
      words = "the hub found damaged data; tell your hub operator straight away";
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      words = "this hub does not offer that service; ask your hub operator to upgrade it";
      break;
    default:
      words = "the hub could not do this; try again, and if it keeps happening tell your hub operator";
      break;
  }
  if (detail.empty()) return words;
  return absl::StrCat(words, " (details: ", detail, ")");
}

int FailRpc(const grpc::Status& s) {
  std::cerr << "accordctl: " << HubErrorInWords(s) << "\n";
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
