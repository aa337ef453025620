// Issue 12 §4: what the policy stage still quarantines after ingest is
// reported back to its provider, and re-run after an agreement fix.
//
// Records reach the quarantine realistically: they are ACCEPTED and stored in
// the ingest log while no agreement covering them is in force when the
// policy stage processes them (here: stored with the hub stopped, as a
// record accepted under an agreement that is withdrawn or replaced before
// the stage reaches it). The provider lists them with the reasons, nobody
// else sees them, the agreement is (re)made and signed by both parties, and
// a replay delivers them exactly once; one that still does not fit is
// quarantined again with its new reason.
#include <stdio.h>
#include <sys/wait.h>

#include <algorithm>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/server/hub.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "accord/v1/feed_service.grpc.pb.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "accord/v1/quarantine_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "rocksdb/write_batch.h"
#include "hub_fixture.h"
#include "test_support.h"

namespace accord::testing {
namespace {

class HubQuarantineTest : public InProcessHubTest {
 protected:
  // Stops the hub, stores `records` in its ingest log as accepted and not
  // yet processed, and starts it again: the policy stage processes them
  // under the agreements in force now.
  void StoreAccepted(const std::vector<v1::Record>& records) {
    hub_.reset();
    {
      hub::HubDbOptions options;
      options.path = config_.data_dir + "/db";
      auto db = hub::HubDb::Open(options);
      ASSERT_TRUE(db.ok()) << db.status();
      auto last = (*db)->GetU64(hub::HubDb::kMeta, "ingest_last");
      ASSERT_TRUE(last.ok());
      rocksdb::WriteBatch wb;
      uint64_t offset = *last;
      for (const v1::Record& r : records) {
        wb.Put((*db)->cf(hub::HubDb::kIngest), hub::EncodeU64(++offset), r.SerializeAsString());
      }
      wb.Put((*db)->cf(hub::HubDb::kMeta), "ingest_last", hub::EncodeU64(offset));
      ASSERT_TRUE((*db)->WriteSync(&wb).ok());
    }
    Restart();
  }

  grpc::Status List(const std::string& as, v1::ListQuarantinedResponse* resp, uint32_t limit = 0,
                    const std::string& after = "") {
    auto stub = v1::QuarantineService::NewStub(Channel(as));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ListQuarantinedRequest req;
    req.set_limit(limit);
    req.set_after_handle(after);
    return stub->ListQuarantined(&ctx, req, resp);
  }

  // Lists `as`'s records until there are `want` (the policy stage runs
  // asynchronously) or 10 s passed.
  v1::ListQuarantinedResponse WaitForKept(const std::string& as, uint64_t want,
                                          const std::string& reason_contains = "") {
    v1::ListQuarantinedResponse resp;
    for (int i = 0; i < 200; ++i) {
      resp.Clear();
      grpc::Status s = List(as, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      bool reasons = true;
      for (const auto& r : resp.records()) reasons &= absl::StrContains(r.reason(), reason_contains);
      if (resp.total() == want && reasons) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return resp;
  }

  grpc::Status Replay(const std::string& as, const std::vector<std::string>& handles,
                      v1::ReplayQuarantinedResponse* resp) {
    auto stub = v1::QuarantineService::NewStub(Channel(as));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ReplayQuarantinedRequest req;
    for (const auto& h : handles) req.add_handles(h);
    return stub->ReplayQuarantined(&ctx, req, resp);
  }

  v1::AgreementInfo Submit(const std::string& doc) {
    auto stub = v1::AgreementService::NewStub(Channel(kPolice));
    grpc::ClientContext ctx;
    v1::SubmitAgreementRequest req;
    req.set_document(doc);
    req.set_source_name("test.yaml");
    v1::SubmitAgreementResponse resp;
    grpc::Status s = stub->SubmitAgreement(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.agreement();
  }

  std::vector<v1::RecordOutcome> Publish(const std::vector<v1::Record>& records) {
    auto stub = v1::IngestService::NewStub(Channel(kPolice));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto stream = stub->Publish(&ctx);
    v1::PublishRequest req;
    req.set_sequence(1);
    for (const auto& r : records) *req.add_records() = r;
    stream->Write(req);
    stream->WritesDone();
    std::vector<v1::RecordOutcome> out;
    v1::PublishResponse resp;
    while (stream->Read(&resp)) {
      for (const auto& o : resp.outcomes()) out.push_back(o);
    }
    EXPECT_TRUE(stream->Finish().ok());
    return out;
  }

  // The analyst's feed from position 1: up to `want` deliveries, waiting at most `wait`.
  std::vector<v1::Delivery> ReadFeed(size_t want, std::chrono::milliseconds wait) {
    auto stub = v1::FeedService::NewStub(Channel(kAnalyst));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + wait);
    v1::SubscribeRequest req;
    req.set_from_position(1);
    auto reader = stub->Subscribe(&ctx, req);
    std::vector<v1::Delivery> out;
    v1::SubscribeResponse resp;
    while (out.size() < want && reader->Read(&resp)) {
      for (const auto& d : resp.deliveries()) out.push_back(d);
    }
    ctx.TryCancel();
    reader->Finish().IgnoreError();
    return out;
  }

  std::string Metrics() {
    httplib::Client metrics("127.0.0.1", hub_->metrics_port());
    auto res = metrics.Get("/metrics");
    return res ? res->body : "";
  }

};

// A record of a dataset version no agreement covers yet (the provider
// upgraded its schema before the agreement did).
v1::Record OfVersion2(v1::Record r) {
  r.set_dataset_version(2);
  return r;
}

TEST_F(HubQuarantineTest, AProviderListsItsQuarantinedRecordsAndReplaysThemAfterTheAgreementIsFixed) {
  v1::Record ae = PoliceRecord(900, kAe);
  ae.set_record_id("A900");
  StoreAccepted({PoliceRecord(1), PoliceRecord(2), OfVersion2(PoliceRecord(3)), ae});

  // The provider sees its three, with reasons in words and no values.
  v1::ListQuarantinedResponse police = WaitForKept(kPolice, 3, "no active agreement");
  ASSERT_EQ(police.total(), 3u);
  ASSERT_EQ(police.records_size(), 3);
  EXPECT_EQ(police.quarantined_ever(), 3u);
  std::set<std::string> ids;
  std::string first_reason_of_r3;
  for (const auto& r : police.records()) {
    ids.insert(r.record_id());
    EXPECT_EQ(r.dataset(), "police_incident");
    EXPECT_FALSE(r.handle().empty());
    EXPECT_FALSE(r.reason().empty());
    EXPECT_GT(r.quarantined_at().seconds(), 0);
    EXPECT_GT(r.event_time().seconds(), 0);
    for (const char* value : {"Smith", "943 476", "07700", "AL1"}) {
      EXPECT_FALSE(absl::StrContains(r.reason(), value)) << r.reason();
    }
    if (r.record_id() == "R3") first_reason_of_r3 = r.reason();
  }
  EXPECT_EQ(ids, (std::set<std::string>{"R1", "R2", "R3"}));

  // Nobody else sees them: the recipient sees none, A&E only its own.
  v1::ListQuarantinedResponse other;
  ASSERT_TRUE(List(kAnalyst, &other).ok());
  EXPECT_EQ(other.total(), 0u);
  EXPECT_EQ(other.records_size(), 0);
  EXPECT_EQ(other.quarantined_ever(), 0u);
  other.Clear();
  ASSERT_TRUE(List(kAe, &other).ok());
  ASSERT_EQ(other.records_size(), 1);
  EXPECT_EQ(other.records(0).record_id(), "A900");
  const std::string ae_handle = other.records(0).handle();

  // Nobody else can replay them either: another's handle is "not found".
  v1::ReplayQuarantinedResponse replay;
  ASSERT_TRUE(Replay(kPolice, {ae_handle}, &replay).ok());
  EXPECT_EQ(replay.replayed(), 0u);
  ASSERT_EQ(replay.not_found_size(), 1);
  EXPECT_EQ(replay.not_found(0), ae_handle);
  replay.Clear();
  grpc::Status bad = Replay(kPolice, {"not-a-handle"}, &replay);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(bad.error_message(), "accordctl quarantine list")) << bad.error_message();

  // The agreement is made (signed by both parties' registered keys) and the
  // provider replays everything it has kept.
  EXPECT_EQ(Submit(SignedPoliceAgreement()).state(), v1::ACTIVE);
  replay.Clear();
  ASSERT_TRUE(Replay(kPolice, {}, &replay).ok());
  EXPECT_EQ(replay.replayed(), 3u);
  EXPECT_EQ(replay.not_found_size(), 0);
  EXPECT_EQ(replay.left_for_next_call(), 0u);

  // R1 and R2 arrive exactly once; R3 does not fit the agreement now in
  // force either, and is quarantined again with that reason.
  std::vector<v1::Delivery> feed = ReadFeed(2, std::chrono::seconds(10));
  ASSERT_EQ(feed.size(), 2u);
  police = WaitForKept(kPolice, 1, "version 2");
  ASSERT_EQ(police.records_size(), 1);
  EXPECT_EQ(police.records(0).record_id(), "R3");
  EXPECT_TRUE(absl::StrContains(police.records(0).reason(), "version 2")) << police.records(0).reason();
  EXPECT_NE(police.records(0).reason(), first_reason_of_r3);
  EXPECT_EQ(police.quarantined_ever(), 4u);  // R3 twice
  EXPECT_EQ(ReadFeed(3, std::chrono::seconds(2)).size(), 2u) << "a replayed record was delivered twice";

  // Publishers cannot bypass the dedupe index the replay bypassed.
  std::vector<v1::RecordOutcome> outcomes = Publish({PoliceRecord(1)});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status(), v1::RecordOutcome::DUPLICATE);

  // A&E's record is untouched by all this.
  other.Clear();
  ASSERT_TRUE(List(kAe, &other).ok());
  EXPECT_EQ(other.records_size(), 1);

  // Replaying a handle again after it was replayed: not found, nothing appended.
  const std::string r3_handle = police.records(0).handle();
  replay.Clear();
  ASSERT_TRUE(Replay(kPolice, {r3_handle}, &replay).ok());
  EXPECT_EQ(replay.replayed(), 1u);
  police = WaitForKept(kPolice, 1);
  ASSERT_EQ(police.records_size(), 1);
  EXPECT_NE(police.records(0).handle(), r3_handle);  // kept again, anew
  replay.Clear();
  ASSERT_TRUE(Replay(kPolice, {r3_handle}, &replay).ok());
  EXPECT_EQ(replay.replayed(), 0u);
  ASSERT_EQ(replay.not_found_size(), 1);

  const std::string metrics = Metrics();
  EXPECT_TRUE(absl::StrContains(metrics, "accord_records_replayed_total 4\n")) << metrics;

  // All of it survives a restart.
  Restart();
  police = WaitForKept(kPolice, 1);
  ASSERT_EQ(police.records_size(), 1);
  EXPECT_EQ(police.records(0).record_id(), "R3");
  EXPECT_EQ(police.quarantined_ever(), 5u);
  EXPECT_TRUE(absl::StrContains(Metrics(), "accord_records_replayed_total 4\n"));
  EXPECT_EQ(ReadFeed(3, std::chrono::seconds(2)).size(), 2u);
}

TEST_F(HubQuarantineTest, ListingIsPagedAndBounded) {
  std::vector<v1::Record> records;
  for (int i = 0; i < 5; ++i) records.push_back(PoliceRecord(i));
  StoreAccepted(records);
  ASSERT_EQ(WaitForKept(kPolice, 5).total(), 5u);
  std::vector<std::string> seen;
  std::string after;
  for (int page = 0; page < 5; ++page) {
    v1::ListQuarantinedResponse resp;
    ASSERT_TRUE(List(kPolice, &resp, 2, after).ok());
    EXPECT_EQ(resp.total(), 5u);
    if (resp.records_size() == 0) break;
    EXPECT_LE(resp.records_size(), 2);
    for (const auto& r : resp.records()) seen.push_back(r.record_id());
    after = resp.records(resp.records_size() - 1).handle();
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"R0", "R1", "R2", "R3", "R4"}));

  v1::ListQuarantinedResponse resp;
  grpc::Status s = List(kPolice, &resp, 10001);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "at most 10000")) << s.error_message();
  s = List(kPolice, &resp, 0, "12-x");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Only with a partnership certificate.
  auto stub = v1::QuarantineService::NewStub(AgencyChannel(dir_.path(), hub_->port(), kPolice, false, true));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  s = stub->ListQuarantined(&ctx, v1::ListQuarantinedRequest(), &resp);
  EXPECT_NE(s.error_code(), grpc::StatusCode::OK);
}

#ifdef ACCORDCTL_BINARY
struct CtlRun {
  int rc = -1;
  std::string out;  // stdout and stderr
};

// Runs accordctl with `args` (no shell metacharacters in them) as police.
CtlRun Accordctl(const std::string& dir, int port, const std::string& args) {
  const std::string pki = dir + "/pki/";
  const std::string cmd = absl::StrCat(ACCORDCTL_BINARY, " ", args, " --hub localhost:", port, " --ca ", pki,
                                       "ca.crt --cert ", pki, kPolice, ".crt --key ", pki, kPolice, ".key 2>&1");
  CtlRun run;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return run;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) run.out.append(buf, n);
  const int status = pclose(p);
  run.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// The officer's commands: accordctl quarantine list and replay.
TEST_F(HubQuarantineTest, AccordctlListsAndReplaysTheAgencysQuarantinedRecords) {
  StoreAccepted({PoliceRecord(1), PoliceRecord(2)});
  ASSERT_EQ(WaitForKept(kPolice, 2, "no active agreement").total(), 2u);  // reasons land with the outcome batch
  const int port = hub_->port();

  CtlRun list = Accordctl(dir_.path(), port, "quarantine list --json");
  ASSERT_EQ(list.rc, 0) << list.out;
  auto json = nlohmann::json::parse(list.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(json.is_object()) << list.out;
  EXPECT_EQ(json["total"], 2);
  ASSERT_EQ(json["records"].size(), 2u);
  EXPECT_EQ(json["records"][0]["dataset"], "police_incident");
  EXPECT_TRUE(absl::StrContains(json["records"][0]["reason"].get<std::string>(), "no active agreement"));
  const std::string handle = json["records"][0]["handle"];

  list = Accordctl(dir_.path(), port, "quarantine list");
  ASSERT_EQ(list.rc, 0) << list.out;
  EXPECT_TRUE(absl::StrContains(list.out, "why: no active agreement")) << list.out;
  EXPECT_TRUE(absl::StrContains(list.out, "2 quarantined records kept for your agency")) << list.out;

  CtlRun replay = Accordctl(dir_.path(), port, "quarantine replay");
  EXPECT_EQ(replay.rc, 1) << replay.out;
  EXPECT_TRUE(absl::StrContains(replay.out, "--all, or their handles")) << replay.out;
  replay = Accordctl(dir_.path(), port, "quarantine replay 12-x");
  EXPECT_EQ(replay.rc, 2) << replay.out;
  EXPECT_TRUE(absl::StrContains(replay.out, "is not a quarantine handle")) << replay.out;

  EXPECT_EQ(Submit(SignedPoliceAgreement()).state(), v1::ACTIVE);
  replay = Accordctl(dir_.path(), port, absl::StrCat("quarantine replay ", handle));
  ASSERT_EQ(replay.rc, 0) << replay.out;
  EXPECT_TRUE(absl::StrContains(replay.out, "Replayed 1 records")) << replay.out;
  replay = Accordctl(dir_.path(), port, absl::StrCat("quarantine replay ", handle));
  EXPECT_EQ(replay.rc, 1) << replay.out;
  EXPECT_TRUE(absl::StrContains(replay.out, "is not kept for your agency")) << replay.out;
  replay = Accordctl(dir_.path(), port, "quarantine replay --all --json");
  ASSERT_EQ(replay.rc, 0) << replay.out;
  EXPECT_TRUE(absl::StrContains(replay.out, "\"replayed\": 1")) << replay.out;

  EXPECT_EQ(ReadFeed(2, std::chrono::seconds(10)).size(), 2u);
  EXPECT_EQ(WaitForKept(kPolice, 0).total(), 0u);
  list = Accordctl(dir_.path(), port, "quarantine list");
  ASSERT_EQ(list.rc, 0) << list.out;
  EXPECT_TRUE(absl::StrContains(list.out, "keeps no quarantined record of your agency (2 quarantined in all"))
      << list.out;
}
#endif

}  // namespace
}  // namespace accord::testing
