// IngestService: Publish (bidirectional streaming). One PublishReactor per
// call; see publish_reactor.cc for its threading.
#pragma once

#include "accord/v1/ingest_service.grpc.pb.h"
#include "hub_context.h"

namespace accord::hub {

// Publish is served on raw bytes so that a batch that does not parse (for
// example a text value that is not valid UTF-8, which protobuf refuses) gets
// a specific INVALID_ARGUMENT instead of vanishing inside the framework.
class IngestServiceImpl final
    : public v1::IngestService::WithRawCallbackMethod_Publish<v1::IngestService::Service> {
 public:
  explicit IngestServiceImpl(const HubContext* hub) : hub_(hub) {}
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Publish(
      grpc::CallbackServerContext* ctx) override;

 private:
  const HubContext* hub_;
};

}  // namespace accord::hub
