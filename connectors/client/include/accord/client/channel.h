// Channels to accord-hub: mutual TLS by default, plaintext only for development.
//
//   accord::client::ChannelOptions opts;
//   opts.target = "hub.example:7443";
//   opts.ca_file = "ca.pem"; opts.cert_file = "herts-police.pem"; opts.key_file = "herts-police.key";
//   ACCORD_ASSIGN_OR_RETURN(auto channel, accord::client::MakeChannel(opts));
//
// The hub knows a caller by the agency id in its client certificate (CN or SAN).
// In insecure-dev mode (hub started with --insecure-dev) there is no TLS and the
// caller names itself in the "x-accord-agency" request metadata; PrepareContext()
// adds it. Every RPC this library makes goes through PrepareContext().
//
// Thread safety: ChannelOptions is a value type. MakeChannel() and
// PrepareContext() are reentrant; a grpc::Channel is safe to share between threads.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace accord::client {

// Metadata key carrying the caller's agency id in insecure-dev mode.
inline constexpr absl::string_view kAgencyMetadataKey = "x-accord-agency";

struct ChannelOptions {
  // "host:port" (any gRPC target URI), e.g. "127.0.0.1:7443". Required.
  std::string target;
  // mTLS: PEM file paths of the CA that issued the hub's certificate, and of
  // this agency's certificate (chain) and private key. All three are required
  // unless insecure_dev is set, and must be empty when it is.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // Plaintext, DEVELOPMENT ONLY: the hub must run with --insecure-dev. Sends
  // "x-accord-agency: <agency>" with every call. Default: false.
  bool insecure_dev = false;
  // The caller's agency id. Required for insecure_dev (it is the identity
  // then); informational with TLS (the certificate is the identity). Syntax:
  // [a-z0-9][a-z0-9._-]{1,63}.
  std::string agency;
  // Optional TLS host name to verify instead of the target's host (tests, or
  // a hub reached by IP address). Ignored for insecure_dev.
  std::string server_name_override;
  // Largest message sent or received, in bytes. Default 4 MiB; 1 KiB .. 1 GiB.
  size_t max_message_bytes = 4 << 20;

  // OK, or InvalidArgument naming the first bad option. Does not touch files.
  absl::Status Validate() const;
};

// Validates `options`, reads the PEM files (NotFound / PermissionDenied naming
// the option when one cannot be read) and creates a channel. Each channel gets
// its own connection (no subchannel sharing between channels), so N
// publishers on N channels use N TCP connections. The channel connects lazily.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options);

// Adds the insecure-dev identity metadata to `context` when
// options.insecure_dev is set; does nothing otherwise. Call before the RPC starts.
void PrepareContext(const ChannelOptions& options, grpc::ClientContext* context);

// grpc::Status -> absl::Status (the codes are the same numbers).
absl::Status FromGrpcStatus(const grpc::Status& status);

// True for the codes after which a streaming call should be retried later:
// OK (the server ended the stream), CANCELLED, UNKNOWN, DEADLINE_EXCEEDED,
// RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE. False for codes that
// retrying cannot fix: PERMISSION_DENIED, UNAUTHENTICATED, INVALID_ARGUMENT,
// NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, OUT_OF_RANGE, UNIMPLEMENTED,
// DATA_LOSS.
bool IsRetryable(absl::StatusCode code);

}  // namespace accord::client
