#include "feed_response.h"

#include <string>
#include <vector>

#include "accord/v1/feed_service.pb.h"
#include "gtest/gtest.h"

namespace accord::hub {
namespace {

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

v1::CleanedRecord Record(int i) {
  v1::CleanedRecord r;
  r.set_recipient("csp-herts-analyst");
  r.set_agreement_id("isa-" + std::to_string(i));
  r.set_delivery_id(std::string(32, static_cast<char>('a' + i % 26)));
  auto* f = r.add_fields();
  f->set_name("narrative");
  f->mutable_value()->set_text(std::string(i * 40, 'x'));  // sizes across varint lengths
  return r;
}

TEST(FeedResponseBuilderTest, BytesAreExactlyTheSerializedResponse) {
  for (uint64_t head : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{1} << 40}) {
    FeedResponseBuilder builder;
    v1::SubscribeResponse expected;
    for (int i = 0; i < 6; ++i) {
      const v1::CleanedRecord record = Record(i);
      const uint64_t position = head == 0 ? 0 : head - 5 + i;  // 0 only when head is 0
      builder.Add(position, record.SerializeAsString());
      auto* d = expected.add_deliveries();
      d->set_position(position);
      *d->mutable_record() = record;
    }
    expected.set_head_position(head);
    EXPECT_EQ(builder.deliveries(), 6u);
    const std::string got = Bytes(builder.Finish(head));
    EXPECT_EQ(got, expected.SerializeAsString()) << "head " << head;
    v1::SubscribeResponse parsed;
    ASSERT_TRUE(parsed.ParseFromString(got));
    ASSERT_EQ(parsed.deliveries_size(), 6);
    EXPECT_EQ(parsed.deliveries(3).record().agreement_id(), "isa-3");
    EXPECT_EQ(parsed.head_position(), head);
  }
}

TEST(FeedResponseBuilderTest, ClearStartsANewResponseAndAnEmptyRecordStaysPresent) {
  FeedResponseBuilder builder;
  builder.Add(7, Record(1).SerializeAsString());
  builder.Clear();
  EXPECT_EQ(builder.deliveries(), 0u);
  builder.Add(9, "");
  v1::SubscribeResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(Bytes(builder.Finish(9))));
  ASSERT_EQ(parsed.deliveries_size(), 1);
  EXPECT_EQ(parsed.deliveries(0).position(), 9u);
  EXPECT_TRUE(parsed.deliveries(0).has_record());
}

}  // namespace
}  // namespace accord::hub
