#include "store.h"

#include <filesystem>

#include "gtest/gtest.h"

namespace accord::analyst {
namespace {

v1::Delivery MakeDelivery(uint64_t position, const std::string& id) {
  v1::Delivery d;
  d.set_position(position);
  d.mutable_record()->set_delivery_id(id);
  d.mutable_record()->set_agreement_id("isa-x");
  d.mutable_record()->set_dataset("recorded_crime");
  auto* f = d.mutable_record()->add_fields();
  f->set_name("offence_category");
  f->mutable_value()->set_text("robbery");
  return d;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("analyst_store_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(StoreTest, ResumesFromTheLastPositionAndDeduplicates) {
  {
    auto store = AnalystStore::Open(dir_.string());
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ((*store)->next_position(), 1u);
    EXPECT_TRUE(*(*store)->AddDelivery(MakeDelivery(1, "d1"), absl::Now()));
    EXPECT_TRUE(*(*store)->AddDelivery(MakeDelivery(2, "d2"), absl::Now()));
    EXPECT_EQ((*store)->next_position(), 3u);
  }
  auto store = AnalystStore::Open(dir_.string());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->next_position(), 3u);
  // A redelivery (at-least-once) of d2 at a new position is not stored twice.
  EXPECT_FALSE(*(*store)->AddDelivery(MakeDelivery(3, "d2"), absl::Now()));
  EXPECT_EQ((*store)->next_position(), 4u);
  // Backfill of a known record is a no-op; a new one is added.
  EXPECT_FALSE(*(*store)->AddRecord(MakeDelivery(0, "d1").record(), absl::Now()));
  EXPECT_TRUE(*(*store)->AddRecord(MakeDelivery(0, "d9").record(), absl::Now()));
  EXPECT_EQ(*(*store)->RecordCount(), 3u);
  auto facts = (*store)->LoadFacts();
  ASSERT_TRUE(facts.ok());
  ASSERT_EQ(facts->size(), 3u);
  EXPECT_EQ((*facts)[0].category, "robbery");
}

TEST_F(StoreTest, RejectsRecordsWithoutDeliveryId) {
  auto store = AnalystStore::Open(dir_.string());
  ASSERT_TRUE(store.ok());
  auto added = (*store)->AddDelivery(MakeDelivery(1, ""), absl::Now());
  EXPECT_EQ(added.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*store)->next_position(), 1u);
}

TEST_F(StoreTest, KeepsAgreements) {
  auto store = AnalystStore::Open(dir_.string());
  ASSERT_TRUE(store.ok());
  v1::AgreementInfo info;
  info.set_id("isa-a");
  info.set_review_by("2027-01-01");
  ASSERT_TRUE((*store)->PutAgreement(info).ok());
  auto all = (*store)->Agreements();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].review_by(), "2027-01-01");
}

}  // namespace
}  // namespace accord::analyst

namespace accord::analyst {
namespace {

TEST_F(StoreTest, BatchOfDeliveriesDeduplicatesInsideAndAcross) {
  auto store = AnalystStore::Open(dir_.string());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(*(*store)->AddDelivery(MakeDelivery(1, "d1"), absl::Now()));
  auto added = (*store)->AddDeliveries(
      {MakeDelivery(2, "d1"), MakeDelivery(3, "d2"), MakeDelivery(4, "d2"), MakeDelivery(5, "d3")}, absl::Now());
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, 2u);
  EXPECT_EQ((*store)->next_position(), 6u);
  EXPECT_EQ(*(*store)->RecordCount(), 3u);
  auto bad = (*store)->AddDeliveries({MakeDelivery(6, "d4"), MakeDelivery(7, "")}, absl::Now());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*store)->next_position(), 6u);  // nothing of a bad batch is written
  EXPECT_EQ(*(*store)->RecordCount(), 3u);
}

}  // namespace
}  // namespace accord::analyst
