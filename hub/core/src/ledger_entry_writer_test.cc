#include "ledger_entry_writer.h"

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "accord/policy/flow_engine.h"
#include "accord/policy/policy_set.h"
#include "accord/policy/redactor.h"
#include "flow_test_data.h"
#include "gtest/gtest.h"

namespace accord::hub {
namespace {

// The test agreement (two flows, one per provider), with the purposes changed
// by `edit`.
std::shared_ptr<const policy::PolicySet> Policy(void (*edit)(policy::Agreement*) = nullptr) {
  auto parsed = policy::ParseAgreement(policy::testdata::LinkageAgreementYaml(), "test.yaml");
  EXPECT_TRUE(parsed.ok());
  policy::Agreement agreement = std::move(*parsed.agreement);
  if (edit != nullptr) edit(&agreement);
  auto shared = std::make_shared<const policy::Agreement>(std::move(agreement));
  auto set = policy::PolicySet::Build(
      {policy::ActiveAgreement{shared, policy::Fingerprint(*shared), std::string(32, 'k')}});
  EXPECT_TRUE(set.ok()) << set.status();
  return *set;
}

std::vector<const policy::CompiledFlow*> FlowsOf(const policy::PolicySet& set) {
  std::vector<const policy::CompiledFlow*> flows;
  for (const auto& a : set.agreements()) {
    for (const auto& f : a->flows()) flows.push_back(f.get());
  }
  return flows;
}

std::vector<absl::Time> Times() {
  return {absl::Now(),
          absl::UnixEpoch(),
          absl::FromUnixMicros(-1),                      // before 1970: negative seconds, nanos
          absl::FromUnixNanos(1234567891234567891),      // sub-microsecond: truncated
          absl::FromUnixSeconds(253402300799),           // 9999-12-31T23:59:59
          absl::FromUnixMicros(1700000000000001)};
}

std::vector<Sha256Digest> Digests() {
  Sha256Digest zeros{};
  return {policy::Sha256("a cleaned record"), zeros};
}

// Compares WriteLedgerEntry with the entry built as a message, for `record`
// of every flow of `set`, at every time, digest and hub instance.
void ExpectSameBytes(const policy::PolicySet& set, const v1::CleanedRecord& record) {
  FlowLedgerPartsCache cache;
  cache.Rebuild(std::shared_ptr<const policy::PolicySet>(&set, [](const policy::PolicySet*) {}));
  std::string written = "left over from an earlier entry, longer than most entries are: " + std::string(600, 'x');
  v1::LedgerEntry entry;
  std::string reference;
  for (const policy::CompiledFlow* flow : FlowsOf(set)) {
    const FlowLedgerParts* parts = cache.Find(flow);
    ASSERT_NE(parts, nullptr);
    for (absl::Time t : Times()) {
      for (const Sha256Digest& digest : Digests()) {
        for (const std::string& instance : {std::string("hub-1"), std::string(), std::string(300, 'h')}) {
          LedgerEntryMessage(*flow, record, digest, t, instance, &entry);
          ASSERT_TRUE(entry.SerializeToString(&reference));
          WriteLedgerEntry(*parts, record, digest, BatchLedgerPart(t, instance), &written);
          EXPECT_EQ(written, reference) << "flow " << flow->flow->id << " at " << absl::FormatTime(t);
        }
      }
    }
  }
}

TEST(LedgerEntryWriterTest, FlowOutputsAreByteIdenticalToSerializeToString) {
  auto set = Policy();
  policy::FlowEngine engine(std::move(policy::Redactor::Create()).value());
  engine.SetPolicy(set);
  int outputs = 0;
  for (int n = 0; n < 6; ++n) {
    for (const char* provider : {"herts-police", "nhs-lister-ae"}) {
      policy::ProcessResult result;
      engine.Apply(policy::testdata::TypicalRecord(provider, n), &result);
      ASSERT_TRUE(result.rejection.ok()) << result.rejection.message;
      for (const auto& out : result.outputs) {
        ++outputs;
        ExpectSameBytes(*set, out.record);
      }
    }
  }
  EXPECT_GE(outputs, 12);
}

TEST(LedgerEntryWriterTest, EmptyAndMissingFieldsAreLeftOutAsProtobufDoes) {
  auto set = Policy();
  // Every field empty, version 0, no event time.
  v1::CleanedRecord empty;
  ExpectSameBytes(*set, empty);
  // Some fields empty, no event time.
  v1::CleanedRecord partial;
  partial.set_provider("herts-police");
  partial.set_agreement_version(3);
  partial.set_record_ref("ref");
  partial.set_dataset("incidents");
  ExpectSameBytes(*set, partial);
  // Long fields (two-byte lengths), the largest version.
  v1::CleanedRecord large;
  large.set_delivery_id(std::string(200, 'd'));
  large.set_agreement_id(std::string(130, 'a'));
  large.set_agreement_version(UINT32_MAX);
  large.set_agreement_fingerprint("sha256:" + std::string(64, 'f'));
  large.set_flow_id(std::string(128, 'w'));
  large.set_provider(std::string(127, 'p'));
  large.set_recipient(std::string(20000, 'r'));
  large.set_dataset(std::string(300, 's'));
  large.set_dataset_version(7);
  large.set_record_ref(std::string(64, 'e'));
  large.mutable_event_time()->set_seconds(1700000000);
  large.set_area("AL1 3");
  large.add_fields()->set_name("values are not read");
  ExpectSameBytes(*set, large);
}

TEST(LedgerEntryWriterTest, PurposeFallsBackToTheAgreementsOrIsLeftOut) {
  v1::CleanedRecord record;
  record.set_provider("herts-police");
  record.set_recipient("csp-herts-analyst");
  record.set_delivery_id("d-1");
  // The flows' own purposes (longer than 127 bytes: a two-byte length).
  auto own = Policy(+[](policy::Agreement* a) {
    for (auto& f : a->flows) f.purpose = "Flow purpose: " + std::string(150, 'q');
  });
  ExpectSameBytes(*own, record);
  // No flow purpose: the agreement's.
  auto agreements = Policy(+[](policy::Agreement* a) {
    for (auto& f : a->flows) f.purpose.clear();
  });
  ExpectSameBytes(*agreements, record);
  // Neither: no purpose field at all.
  auto none = Policy(+[](policy::Agreement* a) {
    a->purpose.clear();
    for (auto& f : a->flows) f.purpose.clear();
  });
  for (const policy::CompiledFlow* flow : FlowsOf(*none)) {
    EXPECT_TRUE(FlowLedgerParts::For(*flow).purpose.empty());
  }
  ExpectSameBytes(*none, record);
}

TEST(LedgerEntryWriterTest, CacheHoldsTheFlowsOfItsSnapshotOnly) {
  auto a = Policy();
  auto b = Policy();
  FlowLedgerPartsCache cache;
  cache.Rebuild(a);
  for (const policy::CompiledFlow* flow : FlowsOf(*a)) {
    const FlowLedgerParts* parts = cache.Find(flow);
    ASSERT_NE(parts, nullptr);
    EXPECT_EQ(parts->fields, FlowLedgerParts::For(*flow).fields);
    EXPECT_FALSE(parts->fields.empty());
  }
  for (const policy::CompiledFlow* flow : FlowsOf(*b)) EXPECT_EQ(cache.Find(flow), nullptr);
  cache.Rebuild(b);
  for (const policy::CompiledFlow* flow : FlowsOf(*b)) EXPECT_NE(cache.Find(flow), nullptr);
  for (const policy::CompiledFlow* flow : FlowsOf(*a)) EXPECT_EQ(cache.Find(flow), nullptr);
}

}  // namespace
}  // namespace accord::hub
