#include "register.h"

#include <filesystem>

#include "gtest/gtest.h"

namespace accord::analyst {
namespace {

class RegisterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("accord-register-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<AnalystStore> Open() {
    auto s = AnalystStore::Open(dir_.string());
    EXPECT_TRUE(s.ok()) << s.status();
    return std::move(*s);
  }
  std::filesystem::path dir_;
  absl::Time now_ = absl::FromUnixSeconds(1790000000);
};

TEST_F(RegisterTest, NotesSurviveARestartAndIdentifiersAreRedacted) {
  {
    auto store = Open();
    auto id = AddNote(*store, "J Bloggs", "herts-police", "Export fails; ring 07700 900123 about it", now_);
    ASSERT_TRUE(id.ok()) << id.status();
    EXPECT_EQ(*id, "N1");
    EXPECT_FALSE(AddNote(*store, "", "x", "y", now_).ok());
    ASSERT_TRUE(SetNoteStatus(*store, "N1", "in hand", now_).ok());
    EXPECT_EQ(SetNoteStatus(*store, "N9", "open", now_).code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(SetNoteStatus(*store, "N1", "done", now_).code(), absl::StatusCode::kInvalidArgument);
  }
  auto store = Open();  // a restart
  RegisterInput in;
  in.as_of = now_;
  auto rows = DataDifficulties(*store, in);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0]["kind"], "note");
  EXPECT_EQ((*rows)[0]["owner"], "J Bloggs");
  EXPECT_EQ((*rows)[0]["status"], "in hand");
  EXPECT_EQ((*rows)[0]["detail"].get<std::string>().find("07700"), std::string::npos) << (*rows)[0];
}

TEST_F(RegisterTest, RejectionTotalsSurviveAHubRestart) {
  auto store = Open();
  auto t1 = AccumulateRejections(*store, {{"herts-police", "recorded_crime", "schema", 7}});
  ASSERT_TRUE(t1.ok());
  ASSERT_EQ(t1->size(), 1u);
  EXPECT_EQ((*t1)[0].records, 7);
  // The hub restarts: its counter starts again and reaches 2.
  auto t2 = AccumulateRejections(*store, {{"herts-police", "recorded_crime", "schema", 2}});
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ((*t2)[0].records, 9);
  // The hub unreachable: the totals are still there (and after an analyst restart).
  store.reset();
  store = Open();
  auto t3 = StoredRejections(*store);
  ASSERT_TRUE(t3.ok());
  EXPECT_EQ((*t3)[0].records, 9);
}

TEST_F(RegisterTest, MissingFeedsPendingSignaturesAndEmptyFields) {
  auto store = Open();
  v1::AgreementInfo pending;
  pending.set_id("isa-asb");
  pending.set_version(1);
  pending.set_state(v1::PENDING_SIGNATURES);
  auto* p = pending.add_parties();
  p->set_party("st-albans-council");
  p->set_signed_(false);
  auto since = TrackPending(*store, {pending}, now_ - absl::Hours(24 * 12));
  ASSERT_TRUE(since.ok());
  since = TrackPending(*store, {pending}, now_);  // first seen 12 days ago: kept
  ASSERT_TRUE(since.ok());
  RegisterInput in;
  in.as_of = now_;
  in.agreements = {pending};
  in.pending_since = *since;
  DatasetHealth stale;
  stale.provider = "nhs-lister-ae";
  stale.dataset = "ae_assault";
  stale.records = 10;
  stale.last_received = now_ - absl::Hours(24 * 20);
  stale.missing_rate = {{"location_description", 1.0}, {"arrival_time", 0.0}};
  in.datasets = {stale};
  in.expected_datasets = {{"ae_assault", {}}, {"asb_report", {}}};
  in.rejections = {{"herts-police", "recorded_crime", "schema", 3}};
  auto rows = DataDifficulties(*store, in);
  ASSERT_TRUE(rows.ok());
  std::set<std::string> details;
  for (const auto& r : *rows) details.insert(r["kind"].get<std::string>() + ": " + r["detail"].get<std::string>());
  EXPECT_TRUE(details.count("missing feed: no record received for 20 days")) << rows->dump();
  EXPECT_TRUE(details.count("missing feed: the agreements send it, but no record has arrived")) << rows->dump();
  EXPECT_TRUE(details.count("always-empty field: field 'location_description' is empty in every record received"));
  EXPECT_TRUE(details.count("pending signature: waiting 12 days for: st-albans-council")) << rows->dump();
  EXPECT_TRUE(details.count("rejections: 3 records rejected: schema")) << rows->dump();
}

}  // namespace
}  // namespace accord::analyst
