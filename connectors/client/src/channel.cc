#include "accord/client/channel.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "accord/base/read_file.h"
#include "accord/base/status_macros.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace accord::client {
namespace {

constexpr size_t kMinMessageBytes = 1 << 10;
constexpr size_t kMaxMessageBytes = size_t{1} << 30;

bool IsAgencyIdChar(char c, bool first) {
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return !first && (c == '.' || c == '_' || c == '-');
}

// Same syntax as hub/pki agency_id.h: [a-z0-9][a-z0-9._-]{1,63}.
bool IsValidAgencyId(absl::string_view id) {
  if (id.size() < 2 || id.size() > 64) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    if (!IsAgencyIdChar(id[i], i == 0)) return false;
  }
  return true;
}

// Reads a whole PEM file. Errors name the option, not the file contents.
absl::StatusOr<std::string> ReadPemFile(absl::string_view option, const std::string& path) {
  auto read = base::ReadFile(path, 1 << 20);
  if (!read.ok()) return absl::Status(read.status().code(), absl::StrCat(option, ": ", read.status().message()));
  std::string pem = std::move(*read);
  if (pem.find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(option, ": '", path, "' is not a PEM file"));
  }
  return pem;
}

}  // namespace

absl::Status ChannelOptions::Validate() const {
  if (target.empty()) return absl::InvalidArgumentError("target: required (host:port)");
  if (max_message_bytes < kMinMessageBytes || max_message_bytes > kMaxMessageBytes) {
    return absl::InvalidArgumentError("max_message_bytes: must be between 1 KiB and 1 GiB");
  }
  if (!agency.empty() && !IsValidAgencyId(agency)) {
    return absl::InvalidArgumentError("agency: not a valid agency id ([a-z0-9][a-z0-9._-]{1,63})");
  }
  if (insecure_dev) {
    if (agency.empty()) return absl::InvalidArgumentError("agency: required with insecure_dev");
    if (!ca_file.empty() || !cert_file.empty() || !key_file.empty()) {
      return absl::InvalidArgumentError(
          "insecure_dev: cannot be combined with ca_file, cert_file or key_file");
    }
    return absl::OkStatus();
  }
  if (ca_file.empty()) return absl::InvalidArgumentError("ca_file: required unless insecure_dev");
  if (cert_file.empty()) return absl::InvalidArgumentError("cert_file: required unless insecure_dev");
  if (key_file.empty()) return absl::InvalidArgumentError("key_file: required unless insecure_dev");
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options) {
  ACCORD_RETURN_IF_ERROR(options.Validate());
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(static_cast<int>(options.max_message_bytes));
  args.SetMaxSendMessageSize(static_cast<int>(options.max_message_bytes));
  // One connection per channel: publishers on separate channels must not
  // share (and serialise on) one TCP connection.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // Notice dead connections of long-lived feeds.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);

  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.insecure_dev) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    ACCORD_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPemFile("ca_file", options.ca_file));
    ACCORD_ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPemFile("cert_file", options.cert_file));
    ACCORD_ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPemFile("key_file", options.key_file));
    credentials = grpc::SslCredentials(ssl);
    if (!options.server_name_override.empty()) {
      args.SetSslTargetNameOverride(options.server_name_override);
    }
  }
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options.target, credentials, args);
  if (channel == nullptr) return absl::InternalError("grpc::CreateCustomChannel returned null");
  return channel;
}

void PrepareContext(const ChannelOptions& options, grpc::ClientContext* context) {
  if (options.insecure_dev) {
    context->AddMetadata(std::string(kAgencyMetadataKey), options.agency);
  }
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

bool IsRetryable(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnavailable:
      return true;
    default:
      return false;
  }
}

}  // namespace accord::client
