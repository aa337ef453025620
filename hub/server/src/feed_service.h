// FeedService: Subscribe (server streaming). One SubscribeReactor per call.
#pragma once

#include "accord/v1/feed_service.grpc.pb.h"
#include "hub_context.h"

namespace accord::hub {

class FeedServiceImpl final : public v1::FeedService::CallbackService {
 public:
  explicit FeedServiceImpl(const HubContext* hub) : hub_(hub) {}
  grpc::ServerWriteReactor<v1::SubscribeResponse>* Subscribe(
      grpc::CallbackServerContext* ctx, const v1::SubscribeRequest* request) override;

 private:
  const HubContext* hub_;
};

}  // namespace accord::hub
