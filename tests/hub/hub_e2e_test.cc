// End to end through real gRPC with mTLS on loopback: agreements, publish,
// subscribe, record queries, the signed ledger; and bad input of every kind.
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/ledger/merkle.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/hub/ledger/verify.h"
#include "accord/hub/server/hub.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "accord/v1/audit_service.grpc.pb.h"
#include "accord/v1/feed_service.grpc.pb.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "httplib.h"
#include "gtest/gtest.h"
#include "re2/re2.h"
#include "hub_fixture.h"
#include "test_support.h"

namespace accord::testing {
namespace {

namespace ledger = ::accord::hub::ledger;

class HubE2eTest : public InProcessHubTest {
 protected:
  size_t CountRecords(const std::string& dataset) {
    auto audit = v1::AuditService::NewStub(Channel(kAnalyst));
    grpc::ClientContext ctx;
    v1::QueryRecordsRequest q;
    q.set_dataset(dataset);
    auto reader = audit->QueryRecords(&ctx, q);
    v1::QueryRecordsResponse page;
    size_t n = 0;
    while (reader->Read(&page)) n += page.records_size();
    EXPECT_TRUE(reader->Finish().ok());
    return n;
  }

  v1::AgreementInfo Submit(const std::string& doc, const std::string& as = kPolice,
                           grpc::StatusCode expect = grpc::StatusCode::OK) {
    auto stub = v1::AgreementService::NewStub(Channel(as));
    grpc::ClientContext ctx;
    v1::SubmitAgreementRequest req;
    req.set_document(doc);
    req.set_source_name("test.yaml");
    v1::SubmitAgreementResponse resp;
    grpc::Status s = stub->SubmitAgreement(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), expect) << s.error_message();
    return resp.agreement();
  }

  // Publishes `records` in one batch; returns the outcomes (or the stream status).
  grpc::Status Publish(const std::string& as, const std::vector<v1::Record>& records,
                       std::vector<v1::RecordOutcome>* outcomes, bool rogue = false, bool no_cert = false) {
    auto stub = v1::IngestService::NewStub(Channel(as, rogue, no_cert));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto stream = stub->Publish(&ctx);
    v1::PublishRequest req;
    req.set_sequence(1);
    for (const auto& r : records) *req.add_records() = r;
    stream->Write(req);
    stream->WritesDone();
    v1::PublishResponse resp;
    while (stream->Read(&resp)) {
      for (const auto& o : resp.outcomes()) outcomes->push_back(o);
    }
    return stream->Finish();
  }

  // Reads the analyst's feed from `from` until `want` deliveries or a timeout.
  // `filter` (optional) sets the request's agreement and flow filters.
  std::vector<v1::Delivery> ReadFeed(size_t want, uint64_t from = 1, const std::string& as = kAnalyst,
                                     grpc::Status* status = nullptr,
                                     const v1::SubscribeRequest* filter = nullptr,
                                     std::chrono::seconds wait = std::chrono::seconds(10)) {
    auto stub = v1::FeedService::NewStub(Channel(as));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + wait);
    v1::SubscribeRequest req;
    if (filter != nullptr) req = *filter;
    req.set_from_position(from);
    auto reader = stub->Subscribe(&ctx, req);
    std::vector<v1::Delivery> out;
    v1::SubscribeResponse resp;
    while (out.size() < want && reader->Read(&resp)) {
      for (const auto& d : resp.deliveries()) out.push_back(d);
    }
    ctx.TryCancel();
    grpc::Status s = reader->Finish();
    if (status != nullptr) *status = s;
    return out;
  }

};

TEST_F(HubE2eTest, PublishSubscribeQueryAndVerifiedLedger) {
  v1::AgreementInfo info = Submit(SignedPoliceAgreement());
  EXPECT_EQ(info.state(), v1::ACTIVE) << info.reason();
  EXPECT_TRUE(info.review_overdue());

  std::vector<v1::Record> records;
  for (int i = 0; i < 100; ++i) records.push_back(PoliceRecord(i));
  std::vector<v1::RecordOutcome> outcomes;
  ASSERT_TRUE(Publish(kPolice, records, &outcomes).ok());
  ASSERT_EQ(outcomes.size(), 100u);
  for (const auto& o : outcomes) EXPECT_EQ(o.status(), v1::RecordOutcome::ACCEPTED) << o.message();

  // Idempotent: the same record ids again are duplicates, stored once.
  outcomes.clear();
  ASSERT_TRUE(Publish(kPolice, {records[0], records[1]}, &outcomes).ok());
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].status(), v1::RecordOutcome::DUPLICATE);
  EXPECT_EQ(outcomes[1].status(), v1::RecordOutcome::DUPLICATE);

  // Rejections are counted per agency and dataset; a dataset the agency has
  // no flow for is labelled "unknown", never with the name the caller sent.
  {
    v1::Record unknown_field = PoliceRecord(1000);
    auto* f = unknown_field.add_fields();
    f->set_name("shoe_size");
    f->mutable_value()->set_integer(9);
    v1::Record made_up = PoliceRecord(1001);
    made_up.set_dataset("Smith-family-dataset");
    outcomes.clear();
    ASSERT_TRUE(Publish(kPolice, {unknown_field, made_up}, &outcomes).ok());
    ASSERT_EQ(outcomes.size(), 2u);
    EXPECT_EQ(outcomes[0].reason(), v1::REJECT_UNKNOWN_FIELD);
    EXPECT_EQ(outcomes[1].status(), v1::RecordOutcome::REJECTED);
    httplib::Client metrics("127.0.0.1", hub_->metrics_port());
    auto res = metrics.Get("/metrics");
    ASSERT_TRUE(res);
    EXPECT_TRUE(absl::StrContains(res->body, absl::StrCat(
        "accord_records_rejected_by_source_total{agency=\"herts-police\",dataset=\"",
        records[0].dataset(), "\",reason=\"REJECT_UNKNOWN_FIELD\"} 1\n"))) << res->body;
    EXPECT_TRUE(absl::StrContains(res->body, absl::StrCat(
        "accord_records_rejected_by_source_total{agency=\"herts-police\",dataset=\"unknown\",reason=\"",
        v1::RejectReason_Name(outcomes[1].reason()), "\"} 1\n"))) << res->body;
    EXPECT_FALSE(absl::StrContains(res->body, "Smith")) << res->body;
  }

  std::vector<v1::Delivery> feed = ReadFeed(100);
  ASSERT_EQ(feed.size(), 100u);

  // Filtered subscriptions: only the named agreements' and flows' records.
  {
    v1::SubscribeRequest filter;
    filter.add_agreement_ids("test-police-analyst");
    std::vector<v1::Delivery> same = ReadFeed(100, 1, kAnalyst, nullptr, &filter);
    ASSERT_EQ(same.size(), 100u);
    for (size_t i = 0; i < same.size(); ++i) {
      EXPECT_EQ(same[i].SerializeAsString(), feed[i].SerializeAsString()) << i;
    }
    filter.add_flow_ids(feed[0].record().flow_id());
    EXPECT_EQ(ReadFeed(100, 1, kAnalyst, nullptr, &filter).size(), 100u);
    filter.clear_flow_ids();
    filter.add_flow_ids("no-such-flow");
    grpc::Status s;
    EXPECT_TRUE(ReadFeed(1, 1, kAnalyst, &s, &filter, std::chrono::seconds(2)).empty());
    v1::SubscribeRequest other;
    other.add_agreement_ids("another-agreement");
    EXPECT_TRUE(ReadFeed(1, 1, kAnalyst, &s, &other, std::chrono::seconds(2)).empty());
    // From the middle of the feed: exactly the rest, positions intact.
    std::vector<v1::Delivery> rest = ReadFeed(60, 41);
    ASSERT_EQ(rest.size(), 60u);
    EXPECT_EQ(rest.front().position(), 41u);
    EXPECT_EQ(rest.back().SerializeAsString(), feed.back().SerializeAsString());
  }

  // Prometheus metrics: counts, never values.
  {
    httplib::Client metrics("127.0.0.1", hub_->metrics_port());
    auto res = metrics.Get("/metrics");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_TRUE(absl::StrContains(res->body, "accord_records_accepted_total 100\n")) << res->body;
    EXPECT_TRUE(absl::StrContains(res->body, "accord_records_duplicate_total 2\n")) << res->body;
    EXPECT_TRUE(absl::StrContains(res->body,
        "accord_disclosures_total{agreement=\"test-police-analyst\",recipient=\"csp-herts-analyst\"} 100"))
        << res->body;
    EXPECT_TRUE(absl::StrContains(res->body, "accord_publish_ack_seconds_count")) << res->body;
    EXPECT_FALSE(absl::StrContains(res->body, "Smith"));
  }
  std::set<std::string> crime_refs, delivery_ids;
  for (size_t i = 0; i < feed.size(); ++i) {
    const v1::CleanedRecord& r = feed[i].record();
    EXPECT_EQ(feed[i].position(), i + 1);
    EXPECT_EQ(r.recipient(), kAnalyst);
    EXPECT_EQ(r.provider(), kPolice);
    EXPECT_EQ(r.agreement_id(), "test-police-analyst");
    EXPECT_EQ(r.area(), "AL1 3");
    delivery_ids.insert(r.delivery_id());
    // No raw personal value anywhere in what the analyst receives. Keyed
    // digests and fingerprints are hex and may hold any digit run by chance
    // ("07700" turned up in a delivery id once), so they are checked for
    // their form and left out of the search.
    v1::CleanedRecord visible = r;
    for (const std::string* digest : {&r.delivery_id(), &r.record_ref()}) {
      EXPECT_TRUE(RE2::FullMatch(*digest, "[a-z0-9]+_[0-9a-f]{32}")) << *digest;
    }
    visible.clear_delivery_id();
    visible.clear_record_ref();
    visible.clear_agreement_fingerprint();
    for (auto& f : *visible.mutable_fields()) {
      if (absl::StartsWith(f.value().text(), "pz1_")) {
        EXPECT_TRUE(RE2::FullMatch(f.value().text(), "pz1_[0-9a-f]{32}")) << f.ShortDebugString();
        f.mutable_value()->clear_text();
      }
    }
    const std::string bytes = visible.SerializeAsString();
    for (const char* raw : {"Smith", "SMITH", "O'Brien", "OBrien", "9434765919", "943 476 5919",
                            "07700", "AL1 3XY", "1990-03-14", "14/03/1990", "victim_phone", "R1"}) {
      EXPECT_FALSE(absl::StrContains(bytes, raw)) << raw << " leaked in " << r.ShortDebugString();
    }
    for (const auto& f : r.fields()) {
      if (f.name() == "crime_ref") crime_refs.insert(f.value().text());
      if (f.name() == "victim_name" || f.name() == "victim_nhs") {
        EXPECT_TRUE(absl::StartsWith(f.value().text(), "pz1_")) << f.ShortDebugString();
      }
      if (f.name() == "victim_dob") {
        EXPECT_EQ(f.value().text(), "35-49");
      }
      if (f.name() == "postcode") {
        EXPECT_EQ(f.value().text(), "AL1 3");
      }
      if (f.name() == "narrative") {
        EXPECT_TRUE(absl::StrContains(f.value().text(), "[PHONE]"));
      }
    }
  }
  EXPECT_EQ(crime_refs.size(), 100u);
  EXPECT_EQ(delivery_ids.size(), 100u);
  // Same person, same token: the NHS number pseudonym is identical in every record.
  std::set<std::string> nhs_tokens;
  for (const auto& d : feed) {
    for (const auto& f : d.record().fields()) {
      if (f.name() == "victim_nhs") nhs_tokens.insert(f.value().text());
    }
  }
  EXPECT_EQ(nhs_tokens.size(), 1u);

  // Resume from a position.
  std::vector<v1::Delivery> tail = ReadFeed(10, 91);
  ASSERT_EQ(tail.size(), 10u);
  EXPECT_EQ(tail.front().position(), 91u);
  EXPECT_EQ(tail.front().record().delivery_id(), feed[90].record().delivery_id());

  // Records in the audit store, by dataset and area.
  auto audit = v1::AuditService::NewStub(Channel(kAnalyst));
  {
    grpc::ClientContext ctx;
    v1::QueryRecordsRequest q;
    q.set_dataset("police_incident");
    q.set_area("AL1 3");
    q.set_page_size(30);
    auto reader = audit->QueryRecords(&ctx, q);
    v1::QueryRecordsResponse page;
    size_t n = 0;
    while (reader->Read(&page)) n += page.records_size();
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_EQ(n, 100u);
  }
  // The police are not a recipient: they see none.
  {
    auto police_audit = v1::AuditService::NewStub(Channel(kPolice));
    grpc::ClientContext ctx;
    v1::QueryRecordsRequest q;
    q.set_dataset("police_incident");
    auto reader = police_audit->QueryRecords(&ctx, q);
    v1::QueryRecordsResponse page;
    size_t n = 0;
    while (reader->Read(&page)) n += page.records_size();
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_EQ(n, 0u);
  }

  // The ledger: 100 disclosures, signed head, proofs, and a full offline verification of the export.
  v1::SignedTreeHead head;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(audit->GetTreeHead(&ctx, v1::GetTreeHeadRequest(), &head).ok());
  }
  EXPECT_EQ(head.tree_size(), 100u);
  LedgerExport exported = ExportLedger(audit.get());
  ASSERT_TRUE(exported.status.ok()) << exported.status.error_message();
  ASSERT_EQ(exported.entries.size(), 100u);
  ASSERT_FALSE(exported.heads.empty());
  for (size_t i = 0; i < exported.entries.size(); ++i) {
    const v1::Disclosure& d = exported.entries[i];
    EXPECT_EQ(d.index(), i);
    EXPECT_EQ(d.entry().recipient(), kAnalyst);
    EXPECT_EQ(d.entry().hub_instance(), "test-hub");
    EXPECT_TRUE(absl::StartsWith(d.entry().record_ref(), "rr1_"));
    EXPECT_FALSE(absl::StrContains(d.entry_bytes(), "Smith"));
  }
  auto report = VerifyExport(exported);
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries_checked, 100u);

  v1::InclusionProof proof;
  {
    grpc::ClientContext ctx;
    v1::GetInclusionProofRequest req;
    req.set_index(42);
    ASSERT_TRUE(audit->GetInclusionProof(&ctx, req, &proof).ok());
  }
  std::vector<ledger::Hash> path;
  for (const auto& h : proof.hashes()) {
    ledger::Hash x;
    std::copy(h.begin(), h.end(), x.begin());
    path.push_back(x);
  }
  ledger::Hash root;
  std::copy(head.root_hash().begin(), head.root_hash().end(), root.begin());
  EXPECT_TRUE(ledger::VerifyInclusion(42, proof.tree_size(), ledger::LeafHash(proof.entry_bytes()), path, root).ok());
}

TEST_F(HubE2eTest, BadInputGetsTheRightStatusAndStoresNothing) {
  Submit(SignedPoliceAgreement());
  std::vector<v1::RecordOutcome> outcomes;

  // Another provider's id: PERMISSION_DENIED for the stream.
  grpc::Status s = Publish(kAe, {PoliceRecord(1, kPolice)}, &outcomes);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_TRUE(outcomes.empty());

  // Unknown dataset: FAILED_PRECONDITION per record.
  v1::Record unknown = PoliceRecord(2);
  unknown.set_dataset("stop_and_search");
  // Invalid UTF-8 in a text field.
  v1::Record bad_utf8 = PoliceRecord(3);
  bad_utf8.mutable_fields(0)->mutable_value()->set_text(std::string("41/\xff\xfe/26"));
  // Bad NHS checksum; wrong type; unknown field; missing required field.
  v1::Record bad_nhs = PoliceRecord(4);
  bad_nhs.mutable_fields(3)->mutable_value()->set_text("943 476 5918");
  v1::Record wrong_type = PoliceRecord(5);
  wrong_type.mutable_fields(1)->mutable_value()->set_integer(3);
  v1::Record extra = PoliceRecord(6);
  auto* f = extra.add_fields();
  f->set_name("religion");
  f->mutable_value()->set_text("x");
  v1::Record missing = PoliceRecord(7);
  missing.mutable_fields()->DeleteSubrange(0, 1);
  outcomes.clear();
  s = Publish(kPolice, {unknown, bad_nhs, wrong_type, extra, missing}, &outcomes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(outcomes.size(), 5u);
  EXPECT_EQ(outcomes[0].reason(), v1::REJECT_NO_AGREEMENT);
  EXPECT_EQ(outcomes[0].code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(outcomes[1].reason(), v1::REJECT_INVALID_VALUE);
  EXPECT_EQ(outcomes[1].field(), "victim_nhs");
  EXPECT_EQ(outcomes[1].code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(outcomes[2].reason(), v1::REJECT_WRONG_TYPE);
  EXPECT_EQ(outcomes[3].reason(), v1::REJECT_UNKNOWN_FIELD);
  EXPECT_EQ(outcomes[4].reason(), v1::REJECT_MISSING_REQUIRED_FIELD);
  for (const auto& o : outcomes) {
    EXPECT_EQ(o.status(), v1::RecordOutcome::REJECTED);
    EXPECT_FALSE(absl::StrContains(o.message(), "5918")) << "value echoed: " << o.message();
  }

  // Invalid UTF-8 in a text value: that record is rejected on its own, naming
  // the field, never the value (UnreadableRecordIsRejectedAlone: neighbours).
  outcomes.clear();
  s = Publish(kPolice, {bad_utf8}, &outcomes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status(), v1::RecordOutcome::REJECTED);
  EXPECT_EQ(outcomes[0].reason(), v1::REJECT_INVALID_UTF8);
  EXPECT_EQ(outcomes[0].code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(outcomes[0].field(), bad_utf8.fields(0).name());
  EXPECT_TRUE(absl::StrContains(outcomes[0].message(), "UTF-8")) << outcomes[0].message();
  EXPECT_FALSE(absl::StrContains(outcomes[0].message(), "/26")) << outcomes[0].message();

  // Oversized message: RESOURCE_EXHAUSTED.
  v1::Record huge = PoliceRecord(8);
  huge.mutable_fields(8)->mutable_value()->set_text(std::string(2 << 20, 'a'));
  outcomes.clear();
  s = Publish(kPolice, {huge}, &outcomes);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();

  // No certificate, and a certificate from another CA: the handshake fails.
  outcomes.clear();
  s = Publish(kPolice, {PoliceRecord(9)}, &outcomes, /*rogue=*/false, /*no_cert=*/true);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(outcomes.empty());
  s = Publish(kPolice, {PoliceRecord(10)}, &outcomes, /*rogue=*/true);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(outcomes.empty());

  // Malformed protobuf on the wire: rejected, nothing stored.
  {
    grpc::GenericStub generic(Channel(kPolice));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    const char garbage[] = "\xff\xff\xff\xff\x0f\x0a\x05";
    grpc::Slice slice(garbage, sizeof(garbage) - 1);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status generic_status;
    generic.UnaryCall(&ctx, "/accord.v1.AgreementService/SubmitAgreement", grpc::StubOptions(),
                      &request, &response, [&](grpc::Status st) {
                        std::lock_guard<std::mutex> lock(mu);
                        generic_status = st;
                        done = true;
                        cv.notify_all();
                      });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    EXPECT_FALSE(generic_status.ok());
  }

  // Subscribing to someone else's feed.
  grpc::Status sub_status;
  {
    auto stub = v1::FeedService::NewStub(Channel(kPolice));
    grpc::ClientContext ctx;
    v1::SubscribeRequest req;
    req.set_recipient(kAnalyst);
    auto reader = stub->Subscribe(&ctx, req);
    v1::SubscribeResponse resp;
    EXPECT_FALSE(reader->Read(&resp));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }

  // Nothing at all was stored: the ledger is empty.
  auto audit = v1::AuditService::NewStub(Channel(kAnalyst));
  grpc::ClientContext ctx;
  v1::SignedTreeHead head;
  ASSERT_TRUE(audit->GetTreeHead(&ctx, v1::GetTreeHeadRequest(), &head).ok());
  EXPECT_EQ(head.tree_size(), 0u);
}

TEST_F(HubE2eTest, ExpiredAgreementAcceptsNothing) {
  v1::AgreementInfo info = Submit(SignedPoliceAgreement("expired-isa", "2021-01-01"));
  EXPECT_EQ(info.state(), v1::EXPIRED);
  std::vector<v1::RecordOutcome> outcomes;
  ASSERT_TRUE(Publish(kPolice, {PoliceRecord(1)}, &outcomes).ok());
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].reason(), v1::REJECT_NO_AGREEMENT);
  EXPECT_EQ(outcomes[0].code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(HubE2eTest, UnsignedAgreementIsPendingAndAnOutsiderCannotSubmit) {
  std::string doc = SignedPoliceAgreement("pending-isa");
  doc = doc.substr(0, doc.find("signatures:"));
  v1::AgreementInfo info = Submit(doc);
  EXPECT_EQ(info.state(), v1::PENDING_SIGNATURES);
  Submit(SignedPoliceAgreement("other-isa"), kIntruder, grpc::StatusCode::PERMISSION_DENIED);
  Submit("id: [broken", kPolice, grpc::StatusCode::INVALID_ARGUMENT);
}

// Shutdown must not wait for clients: open Publish and Subscribe streams are
// ended with UNAVAILABLE (after acknowledging what was read), and the hub
// stops promptly even though the clients keep their connections open.
TEST_F(HubE2eTest, ShutdownEndsOpenStreamsPromptlyAndKeepsWhatWasAcked) {
  Submit(SignedPoliceAgreement());
  auto publish_channel = Channel(kPolice);
  auto feed_channel = Channel(kAnalyst);
  auto ingest = v1::IngestService::NewStub(publish_channel);
  grpc::ClientContext pctx;
  auto pstream = ingest->Publish(&pctx);
  v1::PublishRequest req;
  req.set_sequence(1);
  for (int i = 0; i < 20; ++i) *req.add_records() = PoliceRecord(i);
  ASSERT_TRUE(pstream->Write(req));
  v1::PublishResponse presp;
  ASSERT_TRUE(pstream->Read(&presp));
  ASSERT_EQ(presp.outcomes_size(), 20);
  for (const auto& o : presp.outcomes()) EXPECT_EQ(o.status(), v1::RecordOutcome::ACCEPTED);

  auto feed = v1::FeedService::NewStub(feed_channel);
  grpc::ClientContext fctx;
  v1::SubscribeRequest sreq;
  sreq.set_from_position(1);
  auto reader = feed->Subscribe(&fctx, sreq);
  size_t got = 0;
  v1::SubscribeResponse sresp;
  while (got < 20 && reader->Read(&sresp)) got += sresp.deliveries_size();
  ASSERT_EQ(got, 20u);

  // While both streams are open: one open subscription, not lagging.
  {
    httplib::Client metrics("127.0.0.1", hub_->metrics_port());
    auto res = metrics.Get("/metrics");
    ASSERT_TRUE(res);
    EXPECT_TRUE(absl::StrContains(res->body, "accord_open_streams 2\n")) << res->body;
    // The disk guard's gauges (plenty of space here: ingest not refused).
    EXPECT_TRUE(absl::StrContains(res->body, "accord_storage_ingest_refused 0\n")) << res->body;
    EXPECT_TRUE(absl::StrContains(res->body, "\naccord_storage_free_bytes ")) << res->body;
    EXPECT_TRUE(absl::StrContains(res->body, "accord_storage_full_refusals_total 0\n")) << res->body;
    EXPECT_TRUE(absl::StrContains(res->body,
        "accord_subscriber_lag_records{recipient=\"csp-herts-analyst\"} 0\n")) << res->body;
  }

  const auto start = std::chrono::steady_clock::now();
  hub_->Shutdown();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(2));

  while (reader->Read(&sresp)) {
  }
  grpc::Status fs = reader->Finish();
  EXPECT_EQ(fs.error_code(), grpc::StatusCode::UNAVAILABLE) << fs.error_message();
  EXPECT_TRUE(absl::StrContains(fs.error_message(), "shutting down")) << fs.error_message();
  while (pstream->Read(&presp)) {
  }
  grpc::Status ps = pstream->Finish();
  EXPECT_EQ(ps.error_code(), grpc::StatusCode::UNAVAILABLE) << ps.error_message();

  // Restart on the same data: the acknowledged records are all there.
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(ReadFeed(20).size(), 20u);
}

// One undecodable record does not sink its batch: its neighbours are stored.
TEST_F(HubE2eTest, UnreadableRecordIsRejectedAloneAndItsNeighboursAreStored) {
  Submit(SignedPoliceAgreement());
  v1::Record bad_utf8 = PoliceRecord(3);
  bad_utf8.mutable_fields(0)->mutable_value()->set_text(std::string("41/\xff\xfe/26"));
  std::vector<v1::RecordOutcome> outcomes;
  grpc::Status s = Publish(kPolice, {PoliceRecord(1), bad_utf8, PoliceRecord(2)}, &outcomes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0].status(), v1::RecordOutcome::ACCEPTED);
  EXPECT_EQ(outcomes[1].reason(), v1::REJECT_INVALID_UTF8);
  EXPECT_EQ(outcomes[2].status(), v1::RecordOutcome::ACCEPTED);
  EXPECT_EQ(ReadFeed(2).size(), 2u);
}

}  // namespace
}  // namespace accord::testing

namespace accord::testing {
namespace {

// Retention: a record whose month is already past the agreement's retention
// (365 days) is refused at Publish (it would be erased at once: ACCEPTED and
// then lost); the restart sweep erases nothing still inside retention; the
// ledger verifies. (Erasure by crypto-shredding itself: record_store_test.)
TEST_F(HubE2eTest, RetentionRefusesPastMonthsAtIngestAndTheLedgerStillVerifies) {
  Submit(SignedPoliceAgreement());
  std::vector<v1::Record> records;
  for (int i = 0; i < 20; ++i) {
    v1::Record r = PoliceRecord(i);
    if (i < 10) r.mutable_event_time()->set_seconds(1717200000 + i * 60);  // June 2024
    records.push_back(r);
  }
  std::vector<v1::RecordOutcome> outcomes;
  ASSERT_TRUE(Publish(kPolice, records, &outcomes).ok());
  ASSERT_EQ(outcomes.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    if (i < 10) {
      EXPECT_EQ(outcomes[i].status(), v1::RecordOutcome::REJECTED);
      EXPECT_EQ(outcomes[i].reason(), v1::REJECT_PAST_RETENTION);
      EXPECT_EQ(outcomes[i].field(), "event_time");
      EXPECT_TRUE(absl::StrContains(outcomes[i].message(), "retention of 365 days")) << outcomes[i].message();
    } else {
      EXPECT_EQ(outcomes[i].status(), v1::RecordOutcome::ACCEPTED) << outcomes[i].message();
    }
  }
  ASSERT_EQ(ReadFeed(10).size(), 10u);
  ASSERT_EQ(CountRecords("police_incident"), 10u);

  // Restart: the start-up sweep applies retention.
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(CountRecords("police_incident"), 10u) << "nothing inside retention is erased";
  auto fed = ReadFeed(10, 1, kAnalyst, nullptr, nullptr, std::chrono::seconds(2));
  ASSERT_EQ(fed.size(), 10u);
  {
    httplib::Client metrics("127.0.0.1", hub_->metrics_port());
    auto res = metrics.Get("/metrics");
    ASSERT_TRUE(res);
    EXPECT_TRUE(absl::StrContains(res->body, "accord_disclosures_past_retention_total 0\n")) << res->body;
  }

  auto audit = v1::AuditService::NewStub(Channel(kAnalyst));
  LedgerExport exported = ExportLedger(audit.get());
  ASSERT_TRUE(exported.status.ok()) << exported.status.error_message();
  EXPECT_EQ(exported.entries.size(), 10u) << "every disclosure is in the ledger";
  auto report = VerifyExport(exported);
  EXPECT_TRUE(report.ok) << report.problem;
}

// ACCEPTED means delivered: what the policy stage would quarantine, or the
// record store erase, for a reason knowable at ingest is refused at Publish,
// with the field and a message an officer can act on, never a value.
TEST_F(HubE2eTest, WhatWouldBeLostLaterIsRefusedAtPublish) {
  Submit(SignedPoliceAgreement());
  v1::Record born_later = PoliceRecord(1);
  for (v1::Field& f : *born_later.mutable_fields()) {
    if (f.name() == "victim_dob") f.mutable_value()->set_date("2099-01-01");
  }
  v1::Record bad_nanos = PoliceRecord(2);
  bad_nanos.mutable_event_time()->set_nanos(2000000000);
  v1::Record ancient = PoliceRecord(3);
  ancient.mutable_event_time()->set_seconds(-999999999999LL);  // year -29719
  v1::Record future = PoliceRecord(4);
  future.mutable_event_time()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(72)));
  v1::Record good = PoliceRecord(5);
  std::vector<v1::RecordOutcome> outcomes;
  ASSERT_TRUE(Publish(kPolice, {born_later, bad_nanos, ancient, future, good}, &outcomes).ok());
  ASSERT_EQ(outcomes.size(), 5u);
  const char* fields[] = {"victim_dob", "event_time", "event_time", "event_time"};
  const char* says[] = {"after the event date", "not a valid timestamp", "not a valid timestamp", "in the future"};
  const v1::RejectReason codes[] = {v1::REJECT_CONTRADICTORY_DATES, v1::REJECT_TIME_OUT_OF_RANGE,
                                    v1::REJECT_TIME_OUT_OF_RANGE, v1::REJECT_TIME_OUT_OF_RANGE};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(outcomes[i].status(), v1::RecordOutcome::REJECTED) << i;
    EXPECT_EQ(outcomes[i].reason(), codes[i]) << i;
    EXPECT_EQ(outcomes[i].code(), grpc::StatusCode::INVALID_ARGUMENT) << i;
    EXPECT_EQ(outcomes[i].field(), fields[i]) << i;
    EXPECT_TRUE(absl::StrContains(outcomes[i].message(), says[i])) << outcomes[i].message();
    EXPECT_FALSE(absl::StrContains(outcomes[i].message(), "2099")) << outcomes[i].message();
  }
  EXPECT_EQ(outcomes[4].status(), v1::RecordOutcome::ACCEPTED) << outcomes[4].message();
  auto fed = ReadFeed(1);
  ASSERT_EQ(fed.size(), 1u);
  // Nothing was quarantined: every accepted record was delivered.
  httplib::Client metrics("127.0.0.1", hub_->metrics_port());
  auto res = metrics.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_TRUE(absl::StrContains(res->body, "accord_records_quarantined_total 0\n")) << res->body;
}

// A record the policy stage cannot read back (here: a stored raw record that
// does not authenticate, planted while the hub was stopped) is quarantined,
// kept sealed, and counted in accord_records_quarantined_total.
TEST_F(HubE2eTest, AQuarantinedRecordIsCounted) {
  Submit(SignedPoliceAgreement());
  std::vector<v1::RecordOutcome> outcomes;
  ASSERT_TRUE(Publish(kPolice, {PoliceRecord(1)}, &outcomes).ok());
  ASSERT_EQ(ReadFeed(1).size(), 1u);
  hub_.reset();
  {
    hub::HubDbOptions options;
    options.path = config_.data_dir + "/db";
    auto db = hub::HubDb::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    auto last = (*db)->GetU64(hub::HubDb::kMeta, "ingest_last");
    ASSERT_TRUE(last.ok());
    rocksdb::WriteBatch wb;
    wb.Put((*db)->cf(hub::HubDb::kIngest), hub::EncodeU64(*last + 1), std::string("\x01") + std::string(60, 'z'));
    wb.Put((*db)->cf(hub::HubDb::kMeta), "ingest_last", hub::EncodeU64(*last + 1));
    ASSERT_TRUE((*db)->WriteSync(&wb).ok());
  }
  ASSERT_NO_FATAL_FAILURE(Restart());
  std::string body;
  for (int i = 0; i < 100 && !absl::StrContains(body, "accord_records_quarantined_total 1\n"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    httplib::Client metrics("127.0.0.1", hub_->metrics_port());
    auto res = metrics.Get("/metrics");
    ASSERT_TRUE(res);
    body = res->body;
  }
  EXPECT_TRUE(absl::StrContains(body, "accord_records_quarantined_total 1\n")) << body;
}

// An empty record (no provider), and a batch carrying a field
// accord.v1.PublishRequest does not define, end the stream with
// INVALID_ARGUMENT and store nothing.
TEST_F(HubE2eTest, EmptyRecordAndUnknownBatchFieldEndTheStream) {
  Submit(SignedPoliceAgreement());
  std::vector<v1::RecordOutcome> outcomes;
  grpc::Status s = Publish(kPolice, {PoliceRecord(1), v1::Record()}, &outcomes);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "has no provider")) << s.error_message();
  EXPECT_TRUE(outcomes.empty());

  v1::PublishRequest req;
  req.set_sequence(1);
  *req.add_records() = PoliceRecord(2);
  req.GetReflection()->MutableUnknownFields(&req)->AddVarint(99, 1);
  auto stub = v1::IngestService::NewStub(Channel(kPolice));
  grpc::ClientContext raw_ctx;
  raw_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->Publish(&raw_ctx);
  stream->Write(req);  // the unknown field travels: protobuf keeps and re-serializes it
  stream->WritesDone();
  v1::PublishResponse resp;
  EXPECT_FALSE(stream->Read(&resp));
  s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "field number 99")) << s.error_message();
  EXPECT_EQ(CountRecords("police_incident"), 0u);
}

// The DPA 2018 s62 log, queried: a partner sees the disclosures it made or
// received, filtered by provider, recipient, agreement and time; entries name
// the agreement, purpose, fields and treatments, never a value.
TEST_F(HubE2eTest, DisclosureQueriesByPartyAgreementAndTime) {
  v1::AgreementInfo info = Submit(SignedPoliceAgreement());
  std::vector<v1::Record> records;
  for (int i = 0; i < 30; ++i) records.push_back(PoliceRecord(i));
  std::vector<v1::RecordOutcome> outcomes;
  ASSERT_TRUE(Publish(kPolice, records, &outcomes).ok());
  ASSERT_EQ(ReadFeed(30).size(), 30u);

  auto query = [&](const std::string& as, v1::QueryDisclosuresRequest req, grpc::Status* status = nullptr) {
    auto stub = v1::AuditService::NewStub(Channel(as));
    grpc::ClientContext ctx;
    req.set_page_size(7);  // several pages
    auto reader = stub->QueryDisclosures(&ctx, req);
    std::vector<v1::Disclosure> out;
    v1::QueryDisclosuresResponse page;
    while (reader->Read(&page)) {
      for (const auto& d : page.disclosures()) out.push_back(d);
    }
    grpc::Status s = reader->Finish();
    if (status != nullptr) *status = s;
    return out;
  };
  v1::QueryDisclosuresRequest all;
  auto received = query(kAnalyst, all);
  ASSERT_EQ(received.size(), 30u);
  std::set<uint64_t> indexes;
  for (const auto& d : received) {
    indexes.insert(d.index());
    const v1::LedgerEntry& e = d.entry();
    EXPECT_EQ(e.provider(), kPolice);
    EXPECT_EQ(e.recipient(), kAnalyst);
    EXPECT_EQ(e.agreement_id(), info.id());
    EXPECT_FALSE(e.purpose().empty());
    EXPECT_FALSE(e.fields().empty());
    EXPECT_EQ(e.hub_instance(), "test-hub");
    EXPECT_EQ(e.cleaned_record_sha256().size(), 32u);
    EXPECT_FALSE(absl::StrContains(e.DebugString(), "Smith"));
  }
  EXPECT_EQ(indexes.size(), 30u);
  // The provider sees the same disclosures; an agency that is neither sees none.
  EXPECT_EQ(query(kPolice, all).size(), 30u);
  EXPECT_EQ(query(kAe, all).size(), 0u);
  // Filters.
  v1::QueryDisclosuresRequest by_agreement;
  by_agreement.set_agreement_id(info.id());
  EXPECT_EQ(query(kAnalyst, by_agreement).size(), 30u);
  by_agreement.set_agreement_id("some-other-agreement");
  EXPECT_EQ(query(kAnalyst, by_agreement).size(), 0u);
  v1::QueryDisclosuresRequest by_provider;
  by_provider.set_provider(kAe);
  EXPECT_EQ(query(kAnalyst, by_provider).size(), 0u);
  v1::QueryDisclosuresRequest future;
  future.mutable_from_time()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
  EXPECT_EQ(query(kAnalyst, future).size(), 0u);
  v1::QueryDisclosuresRequest window;
  window.mutable_from_time()->set_seconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
  window.mutable_to_time()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
  EXPECT_EQ(query(kAnalyst, window).size(), 30u);
  // Asking for other parties' disclosures is refused.
  v1::QueryDisclosuresRequest others;
  others.set_provider(kAe);
  others.set_recipient(kPolice);
  grpc::Status status;
  query(kAnalyst, others, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // A ledger written before the disclosure index existed is indexed at start.
  hub_.reset();
  {
    hub::HubDbOptions options;
    options.path = config_.data_dir + "/db";
    auto db = hub::HubDb::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    rocksdb::WriteBatch wb;
    wb.DeleteRange((*db)->cf(hub::HubDb::kLedgerByParty), "", "\xff");
    wb.Delete((*db)->cf(hub::HubDb::kMeta), "ledger_by_party_upto");
    ASSERT_TRUE((*db)->WriteSync(&wb).ok());
  }
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(query(kAnalyst, all).size(), 30u);
  EXPECT_EQ(query(kPolice, all).size(), 30u);
}

// Feeds are sealed at rest: a feed entry altered in RocksDB does not open, and
// Subscribe says so (DATA_LOSS, naming the position, never a value) instead of
// delivering it or crashing; the entries before it are delivered first.
TEST_F(HubE2eTest, DamagedFeedEntryIsDataLossNotDelivered) {
  Submit(SignedPoliceAgreement());
  std::vector<v1::Record> records;
  for (int i = 0; i < 5; ++i) records.push_back(PoliceRecord(i));
  std::vector<v1::RecordOutcome> outcomes;
  ASSERT_TRUE(Publish(kPolice, records, &outcomes).ok());
  ASSERT_EQ(ReadFeed(5).size(), 5u);

  hub_.reset();
  {
    hub::HubDbOptions options;
    options.path = config_.data_dir + "/db";
    auto db = hub::HubDb::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    // The five entries are one segment (feed_store.h): header, count, then
    // per entry a 4-byte length and nonce || ciphertext || tag.
    const std::string key = hub::NameU64Key(kAnalyst, 1);
    auto value = (*db)->Get(hub::HubDb::kFeeds, key);
    ASSERT_TRUE(value.ok()) << value.status();
    std::string altered = *value;
    size_t at = 2 + static_cast<unsigned char>(altered[1]) + 7 + 4;
    auto length = [&](size_t i) {
      return (size_t{static_cast<unsigned char>(altered[i])} << 24) |
             (size_t{static_cast<unsigned char>(altered[i + 1])} << 16) |
             (size_t{static_cast<unsigned char>(altered[i + 2])} << 8) | static_cast<unsigned char>(altered[i + 3]);
    };
    for (int entry = 1; entry < 4; ++entry) at += 4 + length(at);
    ASSERT_LT(at + 4 + 20, altered.size());
    altered[at + 4 + 20] ^= 0x01;  // inside entry 4's ciphertext
    rocksdb::WriteBatch wb;
    wb.Put((*db)->cf(hub::HubDb::kFeeds), key, altered);
    ASSERT_TRUE((*db)->WriteSync(&wb).ok());
  }
  ASSERT_NO_FATAL_FAILURE(Restart());

  {
    // The entries before it arrive, then the stream ends with DATA_LOSS.
    auto stub = v1::FeedService::NewStub(Channel(kAnalyst));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::SubscribeRequest req;
    req.set_from_position(1);
    auto reader = stub->Subscribe(&ctx, req);
    std::vector<uint64_t> positions;
    v1::SubscribeResponse resp;
    while (reader->Read(&resp)) {
      for (const auto& d : resp.deliveries()) positions.push_back(d.position());
    }
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS) << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), "feed entry 4")) << status.error_message();
    EXPECT_EQ(positions, (std::vector<uint64_t>{1, 2, 3}));
  }
  grpc::Status status;
  // Past it, the feed reads on.
  auto fed = ReadFeed(1, 5, kAnalyst, &status, nullptr, std::chrono::seconds(3));
  ASSERT_EQ(fed.size(), 1u);
  EXPECT_EQ(fed[0].position(), 5u);
}

}  // namespace
}  // namespace accord::testing
