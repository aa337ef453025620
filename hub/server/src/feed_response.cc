#include "feed_response.h"

#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/support/slice.h"

namespace accord::hub {
namespace {

using google::protobuf::internal::WireFormatLite;

// Field numbers of feed_service.proto.
constexpr int kResponseDeliveries = 1;
constexpr int kResponseHeadPosition = 2;
constexpr int kDeliveryPosition = 1;
constexpr int kDeliveryRecord = 2;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutTag(int field, WireFormatLite::WireType type, std::string* out) {
  PutVarint(WireFormatLite::MakeTag(field, type), out);
}

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

}  // namespace

void FeedResponseBuilder::Clear() {
  bytes_.clear();
  deliveries_ = 0;
}

void FeedResponseBuilder::Add(uint64_t position, std::string_view record) {
  // Delivery: position (omitted when 0, as proto3 does), then record (a
  // message field: always present once set, even if empty).
  size_t delivery = 0;
  if (position != 0) delivery += 1 + VarintSize(position);
  delivery += 1 + VarintSize(record.size()) + record.size();
  PutTag(kResponseDeliveries, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, &bytes_);
  PutVarint(delivery, &bytes_);
  if (position != 0) {
    PutTag(kDeliveryPosition, WireFormatLite::WIRETYPE_VARINT, &bytes_);
    PutVarint(position, &bytes_);
  }
  PutTag(kDeliveryRecord, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, &bytes_);
  PutVarint(record.size(), &bytes_);
  bytes_.append(record.data(), record.size());
  ++deliveries_;
}

grpc::ByteBuffer FeedResponseBuilder::Finish(uint64_t head_position) {
  if (head_position != 0) {
    PutTag(kResponseHeadPosition, WireFormatLite::WIRETYPE_VARINT, &bytes_);
    PutVarint(head_position, &bytes_);
  }
  grpc::Slice slice(bytes_.data(), bytes_.size());
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace accord::hub
