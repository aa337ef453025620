// The wire bytes of a SubscribeResponse (feed_service.proto), written
// straight from the feed's stored CleanedRecord bytes: a delivery costs a copy
// of its bytes, not a parse into a message and a serialization back.
//
// The bytes are exactly what serializing the equivalent v1::SubscribeResponse
// gives (fields in number order, zero values omitted), provided each record's
// bytes are a serialized v1::CleanedRecord, as the feed stores them.
//
// Thread safety: one thread at a time per object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "grpcpp/support/byte_buffer.h"

namespace accord::hub {

class FeedResponseBuilder {
 public:
  // Starts a new response (keeps the buffer's capacity).
  void Clear();
  // Adds Delivery{position, record}; `record` is a serialized CleanedRecord.
  void Add(uint64_t position, std::string_view record);
  // Deliveries added since Clear().
  size_t deliveries() const { return deliveries_; }
  // Ends the response with `head_position` and returns its bytes.
  grpc::ByteBuffer Finish(uint64_t head_position);

 private:
  std::string bytes_;
  size_t deliveries_ = 0;
};

}  // namespace accord::hub
