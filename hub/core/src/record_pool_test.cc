#include "accord/hub/core/record_pool.h"

#include "gtest/gtest.h"

namespace accord::hub {
namespace {

v1::Record Full(const std::string& id, int fields) {
  v1::Record r;
  r.set_provider("police");
  r.set_dataset("incidents");
  r.set_dataset_version(1);
  r.set_record_id(id);
  r.mutable_event_time()->set_seconds(1700000000);
  for (int i = 0; i < fields; ++i) {
    auto* f = r.add_fields();
    f->set_name("a_field_name_longer_than_sso_" + std::to_string(i));
    f->mutable_value()->set_text("a text value longer than the small-string buffer");
  }
  return r;
}

TEST(RecordPoolTest, KeepsClearedRecordsUpToItsCapacity) {
  RecordPool pool(3);
  std::vector<v1::Record> given;
  for (int i = 0; i < 5; ++i) given.push_back(Full(std::to_string(i), 4));
  pool.Give(&given);
  EXPECT_TRUE(given.empty());
  EXPECT_EQ(pool.size(), 3u) << "the rest are destroyed";
  std::vector<v1::Record> taken;
  pool.Take(2, &taken);
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(pool.size(), 1u);
  pool.Take(5, &taken);
  ASSERT_EQ(taken.size(), 3u) << "no more than it holds";
  EXPECT_EQ(pool.size(), 0u);
  for (const v1::Record& r : taken) {
    EXPECT_EQ(r.ByteSizeLong(), 0u) << "cleared";
    EXPECT_FALSE(r.has_event_time());
    EXPECT_EQ(r.fields_size(), 0);
  }
  pool.Take(1, &taken);
  EXPECT_EQ(taken.size(), 3u) << "empty: nothing taken";
}

// A record parsed into a recycled one is the record parsed into a fresh one:
// nothing of the earlier content survives (proto3 presence included).
TEST(RecordPoolTest, ParsingIntoATakenRecordGivesWhatAFreshOneGives) {
  RecordPool pool(4);
  std::vector<v1::Record> given;
  given.push_back(Full("old", 6));
  pool.Give(&given);
  std::vector<v1::Record> taken;
  pool.Take(1, &taken);
  ASSERT_EQ(taken.size(), 1u);
  v1::Record next;
  next.set_provider("p");
  next.set_record_id("new");
  next.add_fields()->set_name("no_value");  // a field without a value
  const std::string wire = next.SerializeAsString();
  ASSERT_TRUE(taken[0].ParseFromString(wire));
  v1::Record fresh;
  ASSERT_TRUE(fresh.ParseFromString(wire));
  EXPECT_EQ(taken[0].SerializeAsString(), fresh.SerializeAsString());
  EXPECT_FALSE(taken[0].has_event_time());
  ASSERT_EQ(taken[0].fields_size(), 1);
  EXPECT_FALSE(taken[0].fields(0).has_value());
  EXPECT_EQ(taken[0].dataset(), "");
}

}  // namespace
}  // namespace accord::hub
