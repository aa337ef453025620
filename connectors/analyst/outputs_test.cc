// ComputeFigures (outputs.h) remembers the last published figures in the
// store and checks the next pack together with them (attack.h,
// PublishedVersion): across a restart of the analyst too.
#include "outputs.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "store.h"

namespace accord::analyst {
namespace {

v1::Delivery Crime(uint64_t position, int day, const std::string& category) {
  v1::Delivery d;
  d.set_position(position);
  v1::CleanedRecord* r = d.mutable_record();
  r->set_delivery_id(absl::StrCat("d", position));
  r->set_record_ref(absl::StrCat("ref", position));
  r->set_agreement_id("isa-x");
  r->set_provider("herts-police");
  r->set_dataset("recorded_crime");
  r->set_area("BNG250:514000:207000");
  r->mutable_event_time()->set_seconds(
      absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2026, 9, day), absl::UTCTimeZone())));
  auto* f = r->add_fields();
  f->set_name("offence_category");
  f->mutable_value()->set_text(category);
  return d;
}

TEST(OutputsTest, TheLastPublishedVersionIsKeptAndCheckedWithTheNext) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("analyst_outputs_", ::getpid());
  std::filesystem::remove_all(dir);
  FigureOptions options;
  options.as_of = absl::FromCivil(absl::CivilDay(2026, 10, 20), absl::UTCTimeZone());
  {
    auto store = AnalystStore::Open(dir.string());
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ(*(*store)->LastPublished(), "");
    std::vector<v1::Delivery> batch;
    for (uint64_t i = 1; i <= 30; ++i) batch.push_back(Crime(i, 1 + static_cast<int>(i % 20), i % 3 ? "theft" : "robbery"));
    ASSERT_TRUE((*store)->AddDeliveries(batch, options.as_of - absl::Hours(48)).ok());
    auto first = ComputeFigures(**store, options);
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_EQ((*first)["disclosure"]["attacker_check"]["earlier_versions"], 0);
    EXPECT_NE(*(*store)->LastPublished(), "");
  }
  // The analyst restarts; a record arrives; the next pack is checked together
  // with the one published before.
  auto store = AnalystStore::Open(dir.string());
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->AddDeliveries({Crime(31, 5, "robbery")}, options.as_of - absl::Hours(1)).ok());
  auto second = ComputeFigures(**store, options);
  ASSERT_TRUE(second.ok()) << second.status();
  const nlohmann::json check = (*second)["disclosure"]["attacker_check"];
  EXPECT_EQ(check["earlier_versions"], 1) << check.dump();
  EXPECT_EQ(check["earlier_versions_skipped"], 0) << check.dump();
  EXPECT_EQ(check["recoverable_small_counts"], 0);
  EXPECT_EQ(check["model_errors"], 0);
  // A corrupt memory of the last version is refused, not silently ignored.
  ASSERT_TRUE((*store)->PutLastPublished("not json").ok());
  auto refused = ComputeFigures(**store, options);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace accord::analyst
