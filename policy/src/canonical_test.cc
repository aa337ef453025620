#include "accord/policy/canonical.h"

#include <string>

#include "gtest/gtest.h"
#include "lint_test_util.h"

namespace accord::policy {
namespace {

using testing::Dump;
using testing::ReadSourceFile;

std::string Example() { return ReadSourceFile("deploy/agreements/ae-violence-cardiff.yaml"); }

Agreement Parse(const std::string& text) {
  ParseResult r = ParseAgreement(text, "t.yaml");
  EXPECT_TRUE(r.ok()) << Dump(r.diagnostics);
  return r.ok() ? *r.agreement : Agreement{};
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

TEST(CanonicalTest, Sha256KnownVector) {
  EXPECT_EQ(Sha256Text(Sha256("abc")),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CanonicalTest, BytesAreDomainPrefixedSortedJson) {
  Agreement a = Parse(Example());
  std::string bytes = CanonicalBytes(a);
  ASSERT_EQ(bytes.rfind("accord.agreement.v1\n{", 0), 0u) << bytes.substr(0, 40);
  // Keys sorted, defaults explicit, drops left out, keys as SPKI fingerprints.
  EXPECT_EQ(bytes.rfind("accord.agreement.v1\n{\"datasets\":[{\"fields\":[{\"class\":", 0), 0u);
  EXPECT_NE(bytes.find("{\"class\":\"non_personal\",\"max_length\":"
                       "256,\"name\":\"assault_method\",\"required\":true,\"type\":\"category\","
                       "\"values\":[\"blunt_object\",\"feet\",\"firearm\",\"fist\",\"glass_bottle\""),
            std::string::npos)
      << bytes;
  EXPECT_NE(bytes.find("[\"date_of_birth\",{\"bands\":[0,11,16,18,25,35,50,65],\"generalise\":"
                       "\"age_band\",\"kind\":\"generalise\"}]"),
            std::string::npos);
  EXPECT_EQ(bytes.find("patient_name\",{"), std::string::npos);  // explicit drop omitted
  EXPECT_NE(bytes.find("\"signing_key\":\"sha256:04541ef9aa16a73de8e05ddb2a19baaee496e631cd0dad44f9fdb6945eebfbef\""),
            std::string::npos);
  EXPECT_NE(bytes.find("\"event_time\":\"hour\""), std::string::npos);
  EXPECT_EQ(bytes.find('\n', 20), std::string::npos);  // compact
  EXPECT_EQ(Fingerprint(a), Sha256Text(Sha256(bytes)));
  EXPECT_EQ(Fingerprint(a).size(), 71u);
}

TEST(CanonicalTest, FormattingOrderAndCommentsDoNotChangeFingerprint) {
  std::string base = Example();
  std::string fp = Fingerprint(Parse(base));
  std::vector<std::string> variants;
  // Comments, blank lines, quoting.
  variants.push_back("# a new comment\n\n" +
                     Replace(base, "id: isa-herts-ae-violence", "id: 'isa-herts-ae-violence'  # id"));
  // Parties in another order.
  {
    std::string t = base;
    size_t a = t.find("  - id: nhs-lister-ae");
    size_t b = t.find("  - id: csp-herts-analyst");
    size_t c = t.find("\ndatasets:");
    std::string first = t.substr(a, b - a), second = t.substr(b, c - b);
    t.replace(a, c - a, second + "\n" + first.substr(0, first.size() - 1));
    variants.push_back(t);
  }
  // Fields and flow treatments reordered.
  variants.push_back(Replace(
      Replace(base, "      - {name: nhs_number, type: nhs_number, class: direct_identifier}\n", ""),
      "      - {name: triage_notes, type: free_text, class: sensitive}\n",
      "      - {name: triage_notes, type: free_text, class: sensitive}\n"
      "      - {name: nhs_number, type: nhs_number, class: direct_identifier}\n"));
  variants.push_back(Replace(Replace(base, "      sex: keep\n", ""), "      triage_notes: drop",
                             "      triage_notes: drop\n      sex: keep"));
  // Category values reordered; flow-style vs block lists.
  variants.push_back(Replace(base, "values: [female, male, other, not_known]",
                             "values: [male, female, not_known, other]"));
  variants.push_back(Replace(base, "    to: csp-herts-analyst\n", "    to:\n      - csp-herts-analyst\n"));
  // Defaults written out: required false, max_length, flow purpose, single recipient as list.
  variants.push_back(Replace(base, "{name: nhs_number, type: nhs_number, class: direct_identifier}",
                             "{name: nhs_number, type: nhs_number, class: direct_identifier, "
                             "required: false, max_length: 256}"));
  variants.push_back(Replace(base, "    to: csp-herts-analyst\n", "    to: [csp-herts-analyst]\n"));
  // An explicit drop means the same as leaving the field out.
  variants.push_back(Replace(base, "      patient_name: drop\n", ""));
  // Signatures are outside the fingerprint.
  variants.push_back(base + "signatures:\n  - party: nhs-lister-ae\n    fingerprint: " + fp +
                     "\n    signed_at: \"2026-01-01T00:00:00Z\"\n    signature: " +
                     std::string(86, 'A') + "==\n");
  for (size_t i = 0; i < variants.size(); ++i) {
    EXPECT_EQ(Fingerprint(Parse(variants[i])), fp) << "variant " << i;
  }
  // Flow purpose written out equal to the agreement purpose.
  Agreement a = Parse(base);
  a.flows[0].purpose.clear();
  EXPECT_EQ(Fingerprint(a), fp);
}

TEST(CanonicalTest, EveryChangeOfMeaningChangesFingerprint) {
  std::string base = Example();
  std::string fp = Fingerprint(Parse(base));
  struct Change {
    const char* from;
    const char* to;
  } changes[] = {
      {"sex: keep", "sex: drop"},
      {"home_postcode: {generalise: sector}", "home_postcode: {generalise: district}"},
      {"bands: [0, 11, 16, 18, 25, 35, 50, 65]", "bands: [0, 16, 18, 25, 35, 50, 65]"},
      {"nhs_number: pseudonymise", "nhs_number: drop"},
      {"assault_time: {generalise: hour}", "assault_time: {generalise: day}"},
      {"valid_until: 2027-12-31", "valid_until: 2027-12-30"},
      {"valid_from: 2026-01-01", "valid_from: 2026-01-02"},
      {"review_by: 2027-06-30", "review_by: 2027-06-29"},
      {"version: 1\ntitle", "version: 2\ntitle"},
      {"retention_days: 1095", "retention_days: 1094"},
      {"small_number_threshold: 5", "small_number_threshold: 3"},
      {"{name: sex, type: category, class: quasi_identifier,",
       "{name: sex, type: category, class: sensitive,"},
      {"values: [female, male, other, not_known]", "values: [female, male, not_known]"},
      {"{name: assault_time, type: datetime, class: quasi_identifier}",
       "{name: assault_time, type: datetime, class: quasi_identifier, required: true}"},
      {"{name: location_description, type: free_text, class: sensitive, max_length: 512}",
       "{name: location_description, type: free_text, class: sensitive, max_length: 513}"},
      {"{name: triage_notes, type: free_text,", "{name: triage_notes, type: string,"},
      {"    event_time: hour\n", "    event_time: day\n"},
      {"    event_time: hour\n", "    event_time: hour\n    purpose: \"Another purpose\"\n"},
      {"    event_time: hour\n", "    event_time: hour\n    area: home_postcode\n"},
      {"legal_basis: \"Crime", "legal_basis: \"The Crime"},
      {"title: \"A&E", "title: \"The A&E"},
      {"contact: \"csp.analysts", "contact: \"csp.analyst"},
      {"MCowBQYDK2VwAyEAvXP5MTJ3cZTFBiiSt8foKgwIc2Q7ZItD883LD40MzxA=",
       "MCowBQYDK2VwAyEAx9VwKRjDqQfzDnC9hjHbOL+bTHuD8sij2cEOR3+SVhg="},
      {"    role: recipient\n", "    role: both\n"},
  };
  for (const Change& c : changes) {
    EXPECT_NE(Fingerprint(Parse(Replace(base, c.from, c.to))), fp) << c.from << " -> " << c.to;
  }
  // A second recipient.
  Agreement a = Parse(base);
  a.flows[0].recipients.push_back("nhs-lister-ae");
  EXPECT_NE(Fingerprint(a), fp);
}

}  // namespace
}  // namespace accord::policy
