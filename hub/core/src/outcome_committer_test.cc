#include "accord/hub/core/outcome_committer.h"

#include "absl/strings/str_cat.h"
#include "accord/hub/core/disclosure_index.h"
#include "accord/hub/core/feed_store.h"
#include "accord/hub/core/ledger_store.h"
#include "accord/hub/core/period_keyring.h"
#include "accord/hub/core/record_store.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/v1/audit_service.pb.h"
#include "core_test_util.h"
#include "store_test_util.h"
#include "gtest/gtest.h"

namespace accord::hub {
namespace {

using testing::TempDir;

// A hub's storage path, as hub.cc wires it: the stores of store_test_util.h
// with the disclosure ledger and the committer over them.
struct Storage : testing::Store {
  std::unique_ptr<ledger::TreeHeadSigner> signer;
  std::unique_ptr<ledger::MerkleLog> ledger;
  FeedNotifier notifier;
  PipelineStats stats;
  std::unique_ptr<OutcomeCommitter> committer;

  Storage(const std::string& dir, bool dedupe) : Store(dir) {
    static const std::string pem = *ledger::GenerateSigningKeyPem();
    signer = std::move(ledger::TreeHeadSigner::FromPrivatePem(pem)).value();
    ledger = std::move(OpenDisclosureLedger(db.get(), signer.get())).value();
    committer = std::move(OutcomeCommitter::Open(db.get(), ledger.get(), feeds.get(), records.get(), &notifier,
                                                 dedupe, &stats))
                    .value();
  }
};

// `n` disclosures from the police to the partnership, in one month, each
// with an area (so the area index is written too).
StageOutcome Outcome(int first, int n) {
  StageOutcome out;
  out.decided_at = absl::FromUnixSeconds(1795000000);
  for (int i = first; i < first + n; ++i) {
    StageOutcome::Disclosure& d = out.disclosures.emplace_back();
    d.record.set_agreement_id("isa-test");
    d.record.set_flow_id("police-to-csp");
    d.record.set_provider("police");
    d.record.set_recipient("csp");
    d.record.set_dataset("violence");
    d.record.set_area("AL1 3");
    d.record.set_delivery_id(absl::StrCat("delivery-", i));
    d.record.mutable_event_time()->set_seconds(1793000000 + i);
    auto* f = d.record.add_fields();
    f->set_name("offence");
    f->mutable_value()->set_text("assault");
    d.serialized = d.record.SerializeAsString();
    v1::LedgerEntry entry;
    entry.set_agreement_id("isa-test");
    entry.set_provider("police");
    entry.set_recipient("csp");
    entry.set_delivery_id(d.record.delivery_id());
    d.ledger_entry = entry.SerializeAsString();
  }
  return out;
}

// The storage cost the issue tracks: RocksDB keys written per disclosure.
// Per disclosure: the audit store's index key and, with dedupe (Kafka), the
// delivery id. Per batch: one feed segment per recipient and period, one
// feed head per recipient, one disclosure-index key per party, the indexed
// mark, the ledger's touched entry bundles and hash tiles and its signed tree
// head. It was ~9 per disclosure before feed segments, batch index keys and
// ledger tiles (issue 17 asks for <= 3).
constexpr double kMaxKeysPerDisclosure = 1.1;
constexpr double kMaxKeysPerDisclosureWithDedupe = 2.1;

TEST(OutcomeCommitterTest, KeysWrittenPerDisclosureStayBounded) {
  for (bool dedupe : {false, true}) {
    TempDir dir;
    Storage s(dir.path(), dedupe);
    for (int batch = 0; batch < 4; ++batch) {
      StageOutcome outcome = Outcome(batch * 500, 500);
      ASSERT_TRUE(s.committer->Commit(outcome, nullptr).ok());
    }
    const uint64_t disclosures = s.stats.disclosures.load();
    ASSERT_EQ(disclosures, 2000u);
    const double per = static_cast<double>(s.stats.store_keys.load()) / static_cast<double>(disclosures);
    EXPECT_LE(per, dedupe ? kMaxKeysPerDisclosureWithDedupe : kMaxKeysPerDisclosure)
        << "keys per disclosure, dedupe " << dedupe;
    EXPECT_GE(per, dedupe ? 2.0 : 1.0) << "the audit index " << (dedupe ? "and the delivery id are" : "is")
                                       << " per disclosure";
    RecordProperty(dedupe ? "keys_per_disclosure_dedupe" : "keys_per_disclosure", std::to_string(per));
    std::printf("keys per disclosure (dedupe %d): %.3f\n", dedupe, per);
  }
}

// What the committer wrote reads back through every reader: the feed, the
// audit store (by time and area) and the per-party disclosure index.
TEST(OutcomeCommitterTest, OneBatchReadsBackThroughFeedStoreAndIndexes) {
  TempDir dir;
  Storage s(dir.path(), /*dedupe=*/true);
  StageOutcome outcome = Outcome(0, 300);
  ASSERT_TRUE(s.committer->Commit(outcome, nullptr).ok());
  StageOutcome again = Outcome(0, 300);  // a redelivery: deduplicated
  ASSERT_TRUE(s.committer->Commit(again, nullptr).ok());
  EXPECT_EQ(s.stats.duplicates_skipped.load(), 300u);
  StageOutcome more = Outcome(300, 10);
  ASSERT_TRUE(s.committer->Commit(more, nullptr).ok());

  EXPECT_EQ(s.feeds->Head("csp"), 310u);
  FeedStore::Reader reader = s.feeds->NewReader();
  std::vector<std::string> fed;
  ASSERT_TRUE(reader.Read("csp", 0, 310, 1000, [&](uint64_t, std::string_view plain) {
    v1::CleanedRecord r;
    EXPECT_TRUE(r.ParseFromArray(plain.data(), static_cast<int>(plain.size())));
    fed.push_back(r.delivery_id());
    return true;
  }).ok());
  ASSERT_EQ(fed.size(), 310u);
  EXPECT_EQ(fed.front(), "delivery-0");
  EXPECT_EQ(fed.back(), "delivery-309");

  RecordQuery q;
  q.recipient = "csp";
  q.dataset = "violence";
  q.page_size = 1000;
  EXPECT_EQ(s.records->Query(q)->records.size(), 310u);
  q.area = "AL1 3";
  EXPECT_EQ(s.records->Query(q)->records.size(), 310u);

  // Each party's disclosures, from any point, including mid-batch.
  for (const std::string party : {"police", "csp"}) {
    std::vector<uint64_t> seen;
    auto next = ForEachPartyDisclosure(s.db.get(), party, 0, s.ledger->size(), [&](uint64_t i) {
      seen.push_back(i);
      return true;
    });
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(*next, 310u);
    ASSERT_EQ(seen.size(), 310u) << party;
    EXPECT_EQ(seen[299], 299u);
    EXPECT_EQ(seen[300], 300u);
  }
  std::vector<uint64_t> page;
  auto next = ForEachPartyDisclosure(s.db.get(), "csp", 150, 310, [&](uint64_t i) {
    page.push_back(i);
    return page.size() < 3;
  });
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(page, (std::vector<uint64_t>{150, 151, 152}));
  EXPECT_EQ(*next, 153u);
  next = ForEachPartyDisclosure(s.db.get(), "other", 0, 310, [](uint64_t) { return true; });
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 310u);
}

// Indexes written one key per entry (before batch keys) still read, mixed
// with batch keys.
TEST(OutcomeCommitterTest, OlderPerEntryIndexKeysStillRead) {
  TempDir dir;
  Storage s(dir.path(), /*dedupe=*/false);
  rocksdb::WriteBatch wb;
  for (uint64_t i = 0; i < 3; ++i) wb.Put(s.db->cf(HubDb::kLedgerByParty), NameU64Key("csp", i), "");
  DisclosureIndexBatch batch;
  batch.Add("police", "csp", 3);
  batch.Add("police", "csp", 4);
  batch.Stage(s.db.get(), 5, &wb);
  ASSERT_TRUE(s.db->WriteSync(&wb).ok());
  std::vector<uint64_t> seen;
  ASSERT_TRUE(ForEachPartyDisclosure(s.db.get(), "csp", 1, 5, [&](uint64_t i) {
    seen.push_back(i);
    return true;
  }).ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4}));
  // A damaged value is DataLoss, not a silent skip.
  rocksdb::WriteBatch bad;
  bad.Put(s.db->cf(HubDb::kLedgerByParty), NameU64Key("csp", 3), "xyz");
  ASSERT_TRUE(s.db->WriteSync(&bad).ok());
  auto r = ForEachPartyDisclosure(s.db.get(), "csp", 0, 5, [](uint64_t) { return true; });
  EXPECT_TRUE(absl::IsDataLoss(r.status())) << r.status();
}

}  // namespace
}  // namespace accord::hub
