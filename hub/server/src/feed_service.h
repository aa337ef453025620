// FeedService: Subscribe (server streaming). One SubscribeReactor per call.
#pragma once

#include "accord/v1/feed_service.grpc.pb.h"
#include "hub_context.h"

namespace accord::hub {

// Subscribe is served on raw bytes: responses are written from the feed's
// stored record bytes (feed_response.h) without parsing and re-serializing
// every delivery. The wire format is exactly feed_service.proto's.
class FeedServiceImpl final
    : public v1::FeedService::WithRawCallbackMethod_Subscribe<v1::FeedService::Service> {
 public:
  explicit FeedServiceImpl(const HubContext* hub) : hub_(hub) {}
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* ctx,
                                                        const grpc::ByteBuffer* request) override;

 private:
  const HubContext* hub_;
};

}  // namespace accord::hub
