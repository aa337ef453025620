#include "accord/policy/agreement_parser.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "lint_test_util.h"

namespace accord::policy {
namespace {

using testing::Dump;
using testing::FindDiagnostic;
using testing::LineOf;
using testing::ReadSourceFile;

class ExampleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ExampleTest, LintsCleanWithoutWarnings) {
  std::string path = "deploy/agreements/" + GetParam();
  std::string text = ReadSourceFile(path);
  ASSERT_FALSE(text.empty()) << path;
  ParseResult r = ParseAgreement(text, path);
  EXPECT_TRUE(r.ok()) << Dump(r.diagnostics);
  EXPECT_TRUE(r.diagnostics.empty()) << Dump(r.diagnostics);
}

INSTANTIATE_TEST_SUITE_P(Deploy, ExampleTest,
                         ::testing::Values("ae-violence-cardiff.yaml", "police-crime-analyst.yaml",
                                           "repeat-victimisation.yaml"));

TEST(ParseAgreementTest, ReadsTheCardiffExample) {
  std::string text = ReadSourceFile("deploy/agreements/ae-violence-cardiff.yaml");
  ParseResult r = ParseAgreement(text, "ae.yaml");
  ASSERT_TRUE(r.ok()) << Dump(r.diagnostics);
  const Agreement& a = *r.agreement;
  EXPECT_EQ(a.id, "isa-herts-ae-violence");
  EXPECT_EQ(a.version, 1u);
  EXPECT_EQ(a.source_name, "ae.yaml");
  EXPECT_EQ(a.valid_from, absl::CivilDay(2026, 1, 1));
  EXPECT_EQ(a.valid_until, absl::CivilDay(2027, 12, 31));
  EXPECT_EQ(a.review_by, absl::CivilDay(2027, 6, 30));
  EXPECT_EQ(a.retention_days, 1095u);
  EXPECT_EQ(a.small_number_threshold, 5u);
  ASSERT_EQ(a.parties.size(), 2u);
  EXPECT_EQ(a.parties[0].id, "nhs-lister-ae");
  EXPECT_EQ(a.parties[0].role, PartyRole::kProvider);
  EXPECT_EQ(a.parties[0].signing_key_fingerprint.size(), 7u + 64u);
  EXPECT_EQ(a.parties[0].location.line, LineOf(text, "- id: nhs-lister-ae"));
  EXPECT_EQ(a.parties[1].role, PartyRole::kRecipient);

  const DatasetSpec* ds = a.FindDataset("ae_assault");
  ASSERT_NE(ds, nullptr);
  EXPECT_EQ(ds->fields.size(), 11u);
  const FieldSpec* method = ds->FindField("assault_method");
  ASSERT_NE(method, nullptr);
  EXPECT_EQ(method->type, FieldType::kCategory);
  EXPECT_TRUE(method->required);
  EXPECT_EQ(method->allowed_values.front(), "blunt_object");
  EXPECT_EQ(method->max_length, 256u);                              // default for text
  EXPECT_EQ(ds->FindField("triage_notes")->max_length, 4096u);      // default for free text
  EXPECT_EQ(ds->FindField("location_description")->max_length, 512u);
  EXPECT_EQ(ds->FindField("arrival_time")->max_length, 0u);         // not text
  EXPECT_FALSE(ds->FindField("nhs_number")->required);              // default

  const Flow* flow = a.FindFlow("ae-to-csp");
  ASSERT_NE(flow, nullptr);
  EXPECT_EQ(flow->provider, "nhs-lister-ae");
  EXPECT_EQ(flow->recipients, std::vector<std::string>{"csp-herts-analyst"});
  EXPECT_EQ(flow->purpose, a.purpose);  // defaults to the agreement's purpose
  EXPECT_EQ(flow->mode, FlowMode::kDepersonalised);
  EXPECT_EQ(flow->event_time, Generalisation::kHour);
  const FieldTreatment* dob = flow->FindField("date_of_birth");
  ASSERT_NE(dob, nullptr);
  EXPECT_EQ(dob->treatment.kind, TreatmentKind::kGeneralise);
  EXPECT_EQ(dob->treatment.generalisation, Generalisation::kAgeBand);
  EXPECT_EQ(dob->treatment.age_bands, (std::vector<int>{0, 11, 16, 18, 25, 35, 50, 65}));
  EXPECT_EQ(dob->location.line, LineOf(text, "date_of_birth: {generalise"));
  EXPECT_EQ(flow->FindField("nhs_number")->treatment.kind, TreatmentKind::kPseudonymise);
  EXPECT_EQ(flow->FindField("location_description")->treatment.kind, TreatmentKind::kRedact);
  EXPECT_EQ(flow->FindField("home_postcode")->treatment.generalisation,
            Generalisation::kPostcodeSector);
}

TEST(ParseAgreementTest, PoliceExampleHasGridAndArea) {
  ParseResult r = ParseAgreement(ReadSourceFile("deploy/agreements/police-crime-analyst.yaml"), "p");
  ASSERT_TRUE(r.ok()) << Dump(r.diagnostics);
  const Flow* flow = r.agreement->FindFlow("police-to-csp");
  ASSERT_NE(flow, nullptr);
  EXPECT_EQ(flow->area_field, "location");
  EXPECT_EQ(flow->FindField("location")->treatment.grid_metres, 250);
  EXPECT_EQ(flow->event_time, Generalisation::kDay);
}

TEST(ParseAgreementTest, FlowPurposeOverridesAndEventTimeDefaultsToDay) {
  std::string text = ReadSourceFile("deploy/agreements/ae-violence-cardiff.yaml");
  std::string_view from = "    event_time: hour\n";
  text.replace(text.find(from), from.size(), "    purpose: \"Hotspots only\"\n");
  ParseResult r = ParseAgreement(text, "x");
  ASSERT_TRUE(r.ok()) << Dump(r.diagnostics);
  EXPECT_EQ(r.agreement->flows[0].purpose, "Hotspots only");
  EXPECT_EQ(r.agreement->flows[0].event_time, Generalisation::kDay);
}

TEST(ParseAgreementTest, FormatDiagnostic) {
  Diagnostic d{Diagnostic::Severity::kError, "a.yaml", 12, 5, "unknown-field", "flow 'x' ..."};
  EXPECT_EQ(FormatDiagnostic(d), "a.yaml:12:5: error: flow 'x' ... [unknown-field]");
  d.severity = Diagnostic::Severity::kWarning;
  d.column = 0;
  EXPECT_EQ(FormatDiagnostic(d), "a.yaml:12: warning: flow 'x' ... [unknown-field]");
  d.line = 0;
  EXPECT_EQ(FormatDiagnostic(d), "a.yaml: warning: flow 'x' ... [unknown-field]");
}

TEST(ParseAgreementTest, OrErrorJoinsErrors) {
  absl::StatusOr<Agreement> a = ParseAgreementOrError("id: x\n", "doc.yaml");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(a.status().message().find("doc.yaml:1:5: error: the agreement: id 'x' must be"),
            std::string::npos)
      << a.status().message();
  EXPECT_NE(a.status().message().find("[missing-key]"), std::string::npos);
}

}  // namespace
}  // namespace accord::policy
