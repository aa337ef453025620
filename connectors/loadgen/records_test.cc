#include "records.h"

#include <set>

#include "google/protobuf/arena.h"
#include "gtest/gtest.h"

namespace accord::loadgen {
namespace {

TEST(RecordFactoryTest, SixteenFieldsWithUniqueIdsAndStamps) {
  RecordFactory f("loadgen-police", "run1");
  std::set<std::string> ids;
  for (uint64_t i = 0; i < 2000; ++i) {
    v1::Record r = f.Make(i, 1234 + static_cast<int64_t>(i));
    ASSERT_EQ(r.fields_size(), 16);
    EXPECT_EQ(r.provider(), "loadgen-police");
    EXPECT_EQ(r.dataset(), "incident");
    EXPECT_TRUE(ids.insert(r.record_id()).second);
    v1::CleanedRecord c;
    *c.mutable_fields() = r.fields();
    uint64_t seq = 0;
    int64_t sent = 0;
    ASSERT_TRUE(ReadStamp(c, &seq, &sent));
    EXPECT_EQ(seq, i);
    EXPECT_EQ(sent, 1234 + static_cast<int64_t>(i));
  }
}

TEST(RecordFactoryTest, MakeIntoAnArenaRecordEqualsMake) {
  RecordFactory f("loadgen-police", "run1");
  google::protobuf::Arena arena;
  v1::Record* r = google::protobuf::Arena::CreateMessage<v1::Record>(&arena);
  for (uint64_t i = 0; i < 600; ++i) {  // reused: replaces what it held
    f.MakeInto(i, 99, r);
    ASSERT_EQ(r->SerializeAsString(), f.Make(i, 99).SerializeAsString());
  }
}

TEST(RecordFactoryTest, NhsNumbersPassTheModElevenCheck) {
  for (uint64_t n = 0; n < 1000; ++n) {
    const std::string d = SyntheticNhsNumber(n * 7919);
    ASSERT_EQ(d.size(), 10u);
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += (d[i] - '0') * (10 - i);
    int check = 11 - sum % 11;
    if (check == 11) check = 0;
    EXPECT_NE(check, 10);
    EXPECT_EQ(d[9] - '0', check) << d;
  }
}

TEST(ReadStampTest, MissingFieldsAreReported) {
  v1::CleanedRecord c;
  uint64_t seq = 0;
  int64_t sent = 0;
  EXPECT_FALSE(ReadStamp(c, &seq, &sent));
}

}  // namespace
}  // namespace accord::loadgen
