#include "accord/policy/flow_engine.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "accord/policy/generalise.h"
#include "flow_test_data.h"
#include "gtest/gtest.h"

namespace accord::policy {
namespace {

const std::string kKeyA(32, 'a');
const std::string kKeyB(32, 'b');

std::shared_ptr<const Agreement> Parse(const std::string& yaml) {
  auto r = ParseAgreement(yaml, "test.yaml");
  for (const auto& d : r.diagnostics) ADD_FAILURE() << FormatDiagnostic(d);
  if (!r.ok()) std::abort();
  return std::make_shared<const Agreement>(std::move(*r.agreement));
}

std::shared_ptr<const PolicySet> Build(std::vector<std::pair<std::shared_ptr<const Agreement>, std::string>> in) {
  std::vector<ActiveAgreement> active;
  for (auto& [a, key] : in) active.push_back(ActiveAgreement{a, Fingerprint(*a), key});
  auto set = PolicySet::Build(std::move(active));
  if (!set.ok()) {
    ADD_FAILURE() << set.status();
    std::abort();
  }
  return *set;
}

std::shared_ptr<const Redactor> MakeRedactor() {
  auto r = Redactor::Create();
  if (!r.ok()) std::abort();
  return std::move(r).value();
}

const v1::Field* FindField(const v1::CleanedRecord& r, std::string_view name) {
  for (const auto& f : r.fields()) if (f.name() == name) return &f;
  return nullptr;
}

class FlowEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agreement_ = Parse(testdata::LinkageAgreementYaml());
    engine_.SetPolicy(Build({{agreement_, kKeyA}}));
  }
  std::shared_ptr<const Agreement> agreement_;
  FlowEngine engine_{MakeRedactor()};
  RecordLimits limits_;
};

TEST_F(FlowEngineTest, AppliesEveryTreatment) {
  v1::Record record = testdata::TypicalRecord("herts-police", 7);
  ProcessResult result;
  engine_.Process(record, record.ByteSizeLong(), limits_, &result);
  ASSERT_TRUE(result.rejection.ok()) << result.rejection.message;
  ASSERT_EQ(result.outputs.size(), 1u);
  const v1::CleanedRecord& out = result.outputs[0].record;
  EXPECT_EQ(out.flow_id(), "police-to-csp");
  EXPECT_EQ(out.recipient(), "csp-herts-analyst");
  EXPECT_EQ(out.provider(), "herts-police");
  EXPECT_EQ(out.agreement_id(), "isa-test-linkage");
  EXPECT_EQ(out.agreement_version(), 2u);
  EXPECT_EQ(out.agreement_fingerprint(), Fingerprint(*agreement_));
  EXPECT_EQ(out.area(), "AL1 3");
  // event time truncated to the hour.
  EXPECT_EQ(out.event_time().seconds() % 3600, 0);
  EXPECT_LE(out.event_time().seconds(), record.event_time().seconds());
  EXPECT_GT(out.event_time().seconds() + 3600, record.event_time().seconds());

  // Kept as sent.
  EXPECT_EQ(FindField(out, "incident_ref")->value().text(), "41/100007/26");
  EXPECT_EQ(FindField(out, "weapon")->value().text(), "glass");
  EXPECT_EQ(FindField(out, "injury_severity")->value().integer(), 3);
  EXPECT_TRUE(FindField(out, "alcohol_involved")->value().boolean());
  // Dropped explicitly, and dropped because the flow does not name it (default deny).
  EXPECT_EQ(FindField(out, "vehicle_reg"), nullptr);
  EXPECT_EQ(FindField(out, "officer_id"), nullptr);
  EXPECT_EQ(out.fields_size(), 14);

  // Pseudonyms equal an independent computation with the same key.
  auto p = Pseudonymiser::Create(kKeyA);
  ASSERT_TRUE(p.ok());
  std::string expected;
  ASSERT_TRUE(p->PseudonymiseText(FieldType::kNhsNumber, "9434765919", &expected).ok());
  EXPECT_EQ(FindField(out, "nhs_number")->value().text(), expected);
  ASSERT_TRUE(p->PseudonymiseText(FieldType::kName, "JOHN SMITH", &expected).ok());
  EXPECT_EQ(FindField(out, "victim_name")->value().text(), expected);
  ASSERT_TRUE(p->PseudonymiseText(FieldType::kPhone, "+44 7700 900123", &expected).ok());
  EXPECT_EQ(FindField(out, "phone")->value().text(), expected);
  std::string ref;
  p->RecordRef("herts-police", "incident", "INC-7", &ref);
  EXPECT_EQ(out.record_ref(), ref);

  // Generalised.
  EXPECT_EQ(FindField(out, "postcode")->value().text(), "AL1 3");
  EXPECT_EQ(FindField(out, "date_of_birth")->value().text(), "35-49");
  EXPECT_TRUE(absl::StartsWith(FindField(out, "location")->value().text(), "BNG500:"))
      << FindField(out, "location")->value().text();

  // Redacted: none of the record's identifiers survive in the narrative.
  const std::string& narrative = FindField(out, "narrative")->value().text();
  for (const char* raw : {"SMITH", "John", "14/03/1990", "AL1 3XY", "07700 900123", "AB12 CDE",
                          "john.smith@example.com", "943 476 5919"}) {
    EXPECT_FALSE(absl::StrContains(narrative, raw)) << raw << " in: " << narrative;
  }
  EXPECT_TRUE(absl::StrContains(narrative, "[NAME]")) << narrative;
  EXPECT_TRUE(absl::StrContains(narrative, "The Crown, George Street")) << narrative;

  // No raw value anywhere in the serialized output.
  const std::string bytes = out.SerializeAsString();
  for (const char* raw : {"Smith", "9434765919", "943 476 5919", "07700", "1990-03-14", "INC-7", "AB12"}) {
    EXPECT_FALSE(absl::StrContains(bytes, raw)) << raw;
  }
}

TEST_F(FlowEngineTest, DeliveryIdsAreStable) {
  v1::Record record = testdata::TypicalRecord("herts-police", 1);
  ProcessResult a, b;
  engine_.Process(record, record.ByteSizeLong(), limits_, &a);
  engine_.Process(record, record.ByteSizeLong(), limits_, &b);
  ASSERT_EQ(a.outputs.size(), 1u);
  EXPECT_EQ(a.outputs[0].record.delivery_id(), b.outputs[0].record.delivery_id());
  EXPECT_TRUE(absl::StartsWith(a.outputs[0].record.delivery_id(), "d1_"));
  v1::Record other = testdata::TypicalRecord("herts-police", 2);
  ProcessResult c;
  engine_.Process(other, other.ByteSizeLong(), limits_, &c);
  EXPECT_NE(a.outputs[0].record.delivery_id(), c.outputs[0].record.delivery_id());
}

TEST_F(FlowEngineTest, RecycledResultsGiveExactlyTheOutputsOfAFreshEngine) {
  // Records of both providers, so recycled records change shape between calls.
  FlowEngine fresh(MakeRedactor());
  fresh.SetPolicy(engine_.policy());
  ProcessResult recycled;
  for (int i = 0; i < 40; ++i) {
    v1::Record record = testdata::TypicalRecord(i % 3 ? "herts-police" : "nhs-lister-ae", i);
    engine_.Recycle(&recycled);
    engine_.Process(record, record.ByteSizeLong(), limits_, &recycled);
    ProcessResult expected;
    fresh.Process(record, record.ByteSizeLong(), limits_, &expected);
    ASSERT_TRUE(recycled.rejection.ok()) << recycled.rejection.message;
    ASSERT_EQ(recycled.outputs.size(), expected.outputs.size());
    for (size_t k = 0; k < expected.outputs.size(); ++k) {
      EXPECT_EQ(recycled.outputs[k].record.SerializeAsString(), expected.outputs[k].record.SerializeAsString())
          << "record " << i;
    }
  }
}

TEST_F(FlowEngineTest, PoliceAndAePseudonymsLinkWithinAnAgreementOnly) {
  v1::Record police = testdata::TypicalRecord("herts-police", 1);
  v1::Record ae = testdata::TypicalRecord("nhs-lister-ae", 2);
  // A&E writes the same person's identifiers differently.
  for (auto& f : *ae.mutable_fields()) {
    if (f.name() == "nhs_number") f.mutable_value()->set_text("943-476-5919");
    if (f.name() == "victim_name") f.mutable_value()->set_text("  smith  JOHN ");
    if (f.name() == "phone") f.mutable_value()->set_text("+447700900123");
  }
  // "SMITH JOHN" is a different token order: names link only when written in
  // the same order; NHS number and phone link regardless of format.
  ProcessResult rp, ra;
  engine_.Process(police, police.ByteSizeLong(), limits_, &rp);
  engine_.Process(ae, ae.ByteSizeLong(), limits_, &ra);
  ASSERT_EQ(rp.outputs.size(), 1u);
  ASSERT_EQ(ra.outputs.size(), 1u);
  EXPECT_EQ(ra.outputs[0].record.flow_id(), "ae-to-csp");
  EXPECT_EQ(FindField(rp.outputs[0].record, "nhs_number")->value().text(),
            FindField(ra.outputs[0].record, "nhs_number")->value().text());
  EXPECT_EQ(FindField(rp.outputs[0].record, "phone")->value().text(),
            FindField(ra.outputs[0].record, "phone")->value().text());

  // Another agreement (another key): unlinkable.
  FlowEngine other(MakeRedactor());
  other.SetPolicy(Build({{Parse(testdata::LinkageAgreementYaml("isa-other")), kKeyB}}));
  ProcessResult ro;
  other.Process(police, police.ByteSizeLong(), limits_, &ro);
  ASSERT_EQ(ro.outputs.size(), 1u);
  EXPECT_NE(FindField(rp.outputs[0].record, "nhs_number")->value().text(),
            FindField(ro.outputs[0].record, "nhs_number")->value().text());
}

TEST_F(FlowEngineTest, RejectsWithSpecificReasons) {
  ProcessResult result;
  v1::Record r = testdata::TypicalRecord("probation-service", 1);
  engine_.Process(r, r.ByteSizeLong(), limits_, &result);
  EXPECT_EQ(result.rejection.reason, v1::REJECT_NO_AGREEMENT);
  EXPECT_TRUE(result.outputs.empty());

  r = testdata::TypicalRecord("herts-police", 1);
  r.set_dataset_version(9);
  engine_.Process(r, r.ByteSizeLong(), limits_, &result);
  EXPECT_EQ(result.rejection.reason, v1::REJECT_UNKNOWN_DATASET);

  r = testdata::TypicalRecord("herts-police", 1);
  r.mutable_fields(3)->mutable_value()->set_text("943 476 5918");  // bad check digit
  engine_.Process(r, r.ByteSizeLong(), limits_, &result);
  EXPECT_EQ(result.rejection.reason, v1::REJECT_INVALID_VALUE);
  EXPECT_EQ(result.rejection.field, "nhs_number");
  EXPECT_FALSE(absl::StrContains(result.rejection.message, "5918"));

  r = testdata::TypicalRecord("herts-police", 1);
  r.mutable_fields(1)->mutable_value()->set_text("arson");  // not an allowed category
  engine_.Process(r, r.ByteSizeLong(), limits_, &result);
  EXPECT_EQ(result.rejection.reason, v1::REJECT_INVALID_VALUE);
  EXPECT_FALSE(absl::StrContains(result.rejection.message, "arson"));

  r = testdata::TypicalRecord("herts-police", 1);
  r.mutable_fields()->DeleteSubrange(0, 1);  // incident_ref is required
  engine_.Process(r, r.ByteSizeLong(), limits_, &result);
  EXPECT_EQ(result.rejection.reason, v1::REJECT_MISSING_REQUIRED_FIELD);
  EXPECT_EQ(result.rejection.field, "incident_ref");

  r = testdata::TypicalRecord("herts-police", 1);
  *r.add_fields() = r.fields(0);
  engine_.Process(r, r.ByteSizeLong(), limits_, &result);
  EXPECT_EQ(result.rejection.reason, v1::REJECT_DUPLICATE_FIELD);

  r = testdata::TypicalRecord("herts-police", 1);
  r.mutable_fields(15)->mutable_value()->set_text(std::string("bad \xc3\x28 utf8"));
  engine_.Process(r, r.ByteSizeLong(), limits_, &result);
  EXPECT_EQ(result.rejection.reason, v1::REJECT_INVALID_UTF8);

  r = testdata::TypicalRecord("herts-police", 1);
  r.mutable_fields(8)->mutable_value()->set_text("51.75,-0.34");  // geo point sent as text
  engine_.Process(r, r.ByteSizeLong(), limits_, &result);
  EXPECT_EQ(result.rejection.reason, v1::REJECT_WRONG_TYPE);

  r = testdata::TypicalRecord("herts-police", 1);
  r.clear_event_time();
  engine_.Process(r, r.ByteSizeLong(), limits_, &result);
  EXPECT_EQ(result.rejection.reason, v1::REJECT_MISSING_EVENT_TIME);

  r = testdata::TypicalRecord("herts-police", 1);
  engine_.Process(r, 70000, limits_, &result);
  EXPECT_EQ(result.rejection.reason, v1::REJECT_TOO_LARGE);
}

TEST(PolicySetTest, LookupIsByProviderAndDataset) {
  auto a = Parse(testdata::LinkageAgreementYaml());
  auto set = Build({{a, kKeyA}});
  EXPECT_EQ(set->FlowsFor("herts-police", "incident").size(), 1u);
  EXPECT_EQ(set->FlowsFor("nhs-lister-ae", "incident").size(), 1u);
  EXPECT_TRUE(set->FlowsFor("herts-police", "other").empty());
  EXPECT_TRUE(set->FlowsFor("csp-herts-analyst", "incident").empty());
  EXPECT_TRUE(set->IsRecipient("csp-herts-analyst"));
  EXPECT_FALSE(set->IsRecipient("herts-police"));
  EXPECT_TRUE(set->IsParty("herts-police"));
  EXPECT_FALSE(set->IsParty("intruder"));
  EXPECT_TRUE(PolicySet::Empty()->FlowsFor("herts-police", "incident").empty());
  // A short linkage key is refused.
  EXPECT_FALSE(PolicySet::Build({ActiveAgreement{a, Fingerprint(*a), "short"}}).ok());
}

// Defence in depth: an agreement that breaks the treatment rules (built in
// memory, past the parser's lint) never compiles into the engine's policy.
TEST(PolicySetRulesTest, RefusesIdentifiersOrSensitiveTextInClear) {
  const auto parsed = Parse(testdata::LinkageAgreementYaml());
  auto with = [&](FlowMode mode, std::string_view field, TreatmentKind kind) {
    auto bad = std::make_shared<Agreement>(*parsed);
    bad->flows[0].mode = mode;
    for (FieldTreatment& ft : bad->flows[0].fields) {
      if (ft.field == field) ft.treatment = Treatment{.kind = kind};
    }
    std::shared_ptr<const Agreement> a = bad;
    return PolicySet::Build({ActiveAgreement{a, Fingerprint(*a), kKeyA}});
  };
  for (FlowMode mode : {FlowMode::kDepersonalised, FlowMode::kPersonal}) {
    for (TreatmentKind kind : {TreatmentKind::kKeep, TreatmentKind::kRedact}) {
      auto set = with(mode, "vehicle_reg", kind);
      ASSERT_FALSE(set.ok()) << FlowModeName(mode) << " " << TreatmentKindName(kind);
      EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_TRUE(absl::StrContains(set.status().message(),
                                    "flow 'police-to-csp': 'vehicle_reg' is a direct_identifier"))
          << set.status();
    }
  }
  EXPECT_FALSE(with(FlowMode::kPersonal, "nhs_number", TreatmentKind::kKeep).ok());
  auto text = with(FlowMode::kPersonal, "narrative", TreatmentKind::kKeep);
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(absl::StrContains(text.status().message(), "sensitive free text")) << text.status();
  // The same flows with the identifiers protected compile.
  EXPECT_TRUE(with(FlowMode::kPersonal, "vehicle_reg", TreatmentKind::kDrop).ok());
  EXPECT_TRUE(with(FlowMode::kPersonal, "narrative", TreatmentKind::kRedact).ok());
}

// What the policy stage would quarantine later is refused by Validate().
TEST_F(FlowEngineTest, ADateOfBirthAfterTheEventIsRefusedAtValidation) {
  v1::Record record = testdata::TypicalRecord("herts-police", 7);  // 2026-11-18
  for (v1::Field& f : *record.mutable_fields()) {
    if (f.name() == "date_of_birth") f.mutable_value()->set_date("2026-11-19");
  }
  Rejection r = engine_.Validate(record, record.ByteSizeLong(), limits_);
  EXPECT_EQ(r.reason, v1::REJECT_CONTRADICTORY_DATES) << r.message;
  EXPECT_EQ(r.field, "date_of_birth");
  EXPECT_TRUE(absl::StrContains(r.message, "after the event date")) << r.message;
  EXPECT_FALSE(absl::StrContains(r.message, "2026-11-19")) << "no value in a message";
  // The same record would have been quarantined by Apply().
  ProcessResult applied;
  engine_.Apply(record, &applied);
  EXPECT_FALSE(applied.rejection.ok());
  // Born on the day of the event: fine.
  for (v1::Field& f : *record.mutable_fields()) {
    if (f.name() == "date_of_birth") f.mutable_value()->set_date("2026-11-18");
  }
  EXPECT_TRUE(engine_.Validate(record, record.ByteSizeLong(), limits_).ok());
}

TEST_F(FlowEngineTest, EventTimesOutsideTheirRangeAreRefused) {
  v1::Record record = testdata::TypicalRecord("herts-police", 7);
  auto check = [&](int64_t seconds, int32_t nanos) {
    record.mutable_event_time()->set_seconds(seconds);
    record.mutable_event_time()->set_nanos(nanos);
    return engine_.Validate(record, record.ByteSizeLong(), limits_);
  };
  for (auto [seconds, nanos] : std::vector<std::pair<int64_t, int32_t>>{
           {1795000000, 2000000000},  // nanos past a second (the case)
           {1795000000, -1},
           {-62135596801LL, 0},   // before year 1
           {253402300800LL, 0},   // after 9999
           {-999999999999LL, 0},  // year -29719
           {-2208988801LL, 0},    // 1899-12-31T23:59:59Z
       }) {
    Rejection r = check(seconds, nanos);
    EXPECT_EQ(r.reason, v1::REJECT_TIME_OUT_OF_RANGE) << seconds << " " << nanos;
    EXPECT_EQ(r.field, "event_time") << seconds << " " << nanos;
  }
  EXPECT_EQ(check(1795000000, 999999999).reason, v1::REJECT_REASON_UNSPECIFIED);
  // 1900-01-01: a valid time, but the date of birth (1990) is after it.
  EXPECT_EQ(check(-2208988800LL, 0).field, "date_of_birth");
}

}  // namespace
}  // namespace accord::policy

namespace accord::policy {
namespace {

// A dataset may declare any number of direct identifiers: every one sent is
// passed to the redactor, the 33rd and later included (they were once
// silently dropped past 32).
TEST(FlowEngineManyIdentifiersTest, EveryDirectIdentifierSentIsRedactedFromFreeText) {
  std::string yaml = testdata::LinkageAgreementYaml();
  std::string fields, treatments;
  for (int i = 1; i <= 40; ++i) {
    absl::StrAppend(&fields, "      - {name: case_ref_", i, ", type: string, class: direct_identifier}\n");
    absl::StrAppend(&treatments, "      case_ref_", i, ": drop\n");
  }
  yaml = absl::StrReplaceAll(yaml, {{"      - {name: narrative, type: free_text, class: sensitive}\n",
                                     fields + "      - {name: narrative, type: free_text, class: sensitive}\n"},
                                    {"      narrative: redact\n", treatments + "      narrative: redact\n"}});
  FlowEngine engine(MakeRedactor());
  engine.SetPolicy(Build({{Parse(yaml), kKeyA}}));
  auto run = [&](bool send_last) {
    v1::Record r = testdata::TypicalRecord("herts-police", 1);
    for (int i = 1; i <= 40; ++i) {
      if (i == 40 && !send_last) continue;
      auto* f = r.add_fields();
      f->set_name(absl::StrCat("case_ref_", i));
      f->mutable_value()->set_text(absl::StrCat("casefile-q", 7700 + i, "-zz"));
    }
    for (auto& f : *r.mutable_fields()) {
      if (f.name() == "narrative") f.mutable_value()->set_text("Seen again under casefile-q7740-zz at the bus station.");
    }
    ProcessResult result;
    engine.Process(r, r.ByteSizeLong(), RecordLimits(), &result);
    EXPECT_TRUE(result.rejection.ok()) << result.rejection.message;
    if (result.outputs.empty()) return std::string();
    const v1::Field* narrative = FindField(result.outputs[0].record, "narrative");
    return narrative == nullptr ? std::string() : narrative->value().text();
  };
  EXPECT_TRUE(absl::StrContains(run(false), "casefile-q7740-zz")) << "without its field the token is not a hint";
  const std::string redacted = run(true);
  EXPECT_FALSE(absl::StrContains(redacted, "casefile-q7740-zz")) << redacted;
  EXPECT_TRUE(absl::StrContains(redacted, "bus station")) << redacted;
}

}  // namespace
}  // namespace accord::policy
