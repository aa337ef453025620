#include "analysis_config.h"

#include <fstream>
#include <iterator>

#include "accord/v1/record.pb.h"
#include "agreements.h"
#include "fact.h"
#include "gtest/gtest.h"
#include "publish.h"
#include "attack.h"
#include "cell_key.h"

namespace accord::analyst {
namespace {

TEST(AnalysisConfigTest, ParsesRolesAndInterventions) {
  auto c = ParseAnalysisConfig(R"(
boundaries: b.geojson
datasets:
  asb_report:
    category: asb_type
    area: area
    victim: [reporter_ref]
interventions:
  - name: Park patrols
    datasets: [asb_report]
    start: 2026-10-05
    days: 28
    target: [A]
    buffer: [B]
    control: [C, D]
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->boundaries_path, "b.geojson");
  EXPECT_EQ(c->RolesFor("asb_report").category, std::vector<std::string>{"asb_type"});
  EXPECT_TRUE(c->RolesFor("asb_report").from_config);
  EXPECT_FALSE(c->RolesFor("other").from_config);
  ASSERT_EQ(c->interventions.size(), 1u);
  EXPECT_EQ(c->interventions[0].days, 28);
  EXPECT_EQ(c->interventions[0].control.size(), 2u);
}

TEST(AnalysisConfigTest, EveryProblemIsListed) {
  auto c = ParseAnalysisConfig(R"(
colour: blue
datasets:
  asb_report:
    kind: asb_type
interventions:
  - name: X
    start: 2026-10-06
    days: 10
    target: [A]
)");
  ASSERT_FALSE(c.ok());
  const std::string m(c.status().message());
  EXPECT_NE(m.find("unknown key 'colour'"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown role 'kind'"), std::string::npos) << m;
  EXPECT_NE(m.find("must be a Monday"), std::string::npos) << m;
  EXPECT_NE(m.find("whole number of weeks"), std::string::npos) << m;
  EXPECT_NE(m.find("needs a control area"), std::string::npos) << m;
}

TEST(AnalysisConfigTest, FieldsMustBeOnesTheAgreementsSend) {
  auto c = ParseAnalysisConfig("datasets:\n  asb_report:\n    category: asb_kind\n    area: area\n  nope:\n    category: x\n");
  ASSERT_TRUE(c.ok());
  auto problems = ValidateAgainstAgreements(*c, {{"asb_report", {"asb_type", "location"}}});
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], "asb_report: role category names field 'asb_kind', which no agreement sends you");
  EXPECT_EQ(problems[1], "nope: no agreement sends you this dataset");
}

v1::CleanedRecord Asb(int i, const std::string& type) {
  v1::CleanedRecord r;
  r.set_delivery_id("d" + std::to_string(i));
  r.set_record_ref("ref" + std::to_string(i));
  r.set_agreement_id("isa-asb");
  r.set_provider("council");
  r.set_dataset("asb_report");
  r.mutable_event_time()->set_seconds(1790000000 + i * 3600);
  r.set_area("BNG250:514000:207000");
  auto* f = r.add_fields();
  f->set_name("asb_type");
  f->mutable_value()->set_text(type);
  return r;
}

// A new dataset with its own field names: excluded (with the reason) until
// its roles are declared, then in every table.
TEST(AnalysisConfigTest, ArbitraryFieldNamesOnceRolesAreDeclared) {
  std::vector<v1::CleanedRecord> records;
  for (int i = 0; i < 40; ++i) records.push_back(Asb(i, i % 2 ? "noise" : "vehicle"));
  PublishInput in;
  in.as_of = absl::FromUnixSeconds(1790000000) + absl::Hours(24 * 60);
  in.terms.threshold["isa-asb"] = 5;
  for (const auto& r : records) in.facts.push_back(FactFromRecord(r, ConventionalRoles()));
  nlohmann::json without = PublishFigures(in);
  ASSERT_EQ(without["datasets"].size(), 1u);
  EXPECT_EQ(without["datasets"][0]["not_included"][0]["because"],
            "no field has the category role (declare it in the analyst config: datasets.asb_report.category)");
  EXPECT_TRUE(without["counts"].empty());

  auto config = ParseAnalysisConfig("datasets:\n  asb_report:\n    category: asb_type\n    area: area\n");
  ASSERT_TRUE(config.ok());
  in.config = *config;
  in.facts.clear();
  for (const auto& r : records) in.facts.push_back(FactFromRecord(r, in.config.RolesFor("asb_report")));
  nlohmann::json with = PublishFigures(in);
  EXPECT_EQ(with["datasets"][0]["roles_from"], "analyst config");
  bool noise = false, vehicle = false;
  for (const auto& r : with["counts"]) {
    noise |= r["category"] == "noise";
    vehicle |= r["category"] == "vehicle";
  }
  EXPECT_TRUE(noise && vehicle);
  AttackReport a = AttackPack(with, in.facts);
  EXPECT_TRUE(a.leaks.empty() && a.inconsistent.empty());
}

}  // namespace
}  // namespace accord::analyst

namespace accord::analyst {
namespace {

TEST(AnalysisConfigTest, PeriodsDefaultConfiguredAndChecked) {
  auto c = ParseAnalysisConfig("datasets: {}\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->periods, (std::vector<PeriodKind>{PeriodKind::kWeek, PeriodKind::kMonth, PeriodKind::kQuarter}));
  c = ParseAnalysisConfig("periods: [day, week, month, quarter]\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->periods.front(), PeriodKind::kDay);
  EXPECT_EQ(c->periods.size(), 4u);
  c = ParseAnalysisConfig("periods: [day, fortnight]\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("periods: unknown period 'fortnight' (periods: day, week, month, quarter)"),
            std::string::npos)
      << c.status();
}

// The precision of each dataset's event times comes from the signed
// agreement's flow (`event_time`), as the hub generalises them.
TEST(AgreementTermsTest, EventTimePrecisionFromTheExampleAgreements) {
  std::vector<v1::AgreementInfo> infos;
  for (const char* name : {"police-crime-analyst", "repeat-victimisation", "ae-violence-cardiff"}) {
    std::ifstream in(std::string(ACCORD_SOURCE_DIR) + "/deploy/agreements/" + name + ".yaml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(text.empty()) << name;
    v1::AgreementInfo info;
    info.set_id(name);
    info.set_document(text);
    infos.push_back(info);
  }
  AgreementTerms terms = ReadAgreementTerms(infos, "csp-herts-analyst");
  EXPECT_EQ(terms.event_time_by_dataset["recorded_crime"].unit, "day");
  EXPECT_EQ(terms.event_time_by_dataset["recorded_crime"].agreement, "isa-herts-police-crime");
  EXPECT_EQ(terms.event_time_by_dataset["police_violence_victims"].unit, "week");
  EXPECT_EQ(terms.event_time_by_dataset["ae_assault"].unit, "hour");
}

}  // namespace
}  // namespace accord::analyst
