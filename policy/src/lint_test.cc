// Lint: each bad document produces the expected code on the expected line.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "lint_test_util.h"

namespace accord::policy {
namespace {

using testing::Dump;
using testing::FindDiagnostic;
using testing::LineOf;
using testing::ReadSourceFile;

std::string Example() { return ReadSourceFile("deploy/agreements/ae-violence-cardiff.yaml"); }

// Parses `text`; expects an error `code` on the line containing `marker`.
void ExpectError(const std::string& text, std::string_view code, std::string_view marker,
                 std::string_view message_part = "") {
  ParseResult r = ParseAgreement(text, "t.yaml");
  EXPECT_FALSE(r.ok());
  int line = marker.empty() ? 0 : LineOf(text, marker);
  ASSERT_TRUE(marker.empty() || line > 0) << "marker not in text: " << marker;
  const Diagnostic* d = FindDiagnostic(r.diagnostics, code, line);
  ASSERT_NE(d, nullptr) << "want " << code << " at line " << line << "; got:\n"
                        << Dump(r.diagnostics);
  EXPECT_EQ(d->severity, Diagnostic::Severity::kError);
  EXPECT_EQ(d->file, "t.yaml");
  if (!message_part.empty()) {
    EXPECT_NE(d->message.find(message_part), std::string::npos) << d->message;
  }
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  EXPECT_NE(text.find(from), std::string::npos) << from;
  size_t pos = text.find(from);
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

TEST(LintTest, ManyProblemsAreAllReported) {
  std::string text = ReadSourceFile("policy/testdata/agreements/many-problems.yaml");
  ParseResult r = ParseAgreement(text, "many-problems.yaml");
  EXPECT_FALSE(r.ok());
  struct Want {
    const char* code;
    const char* marker;
  } wants[] = {
      {"bad-id", "id: Bad_ID!"},
      {"bad-integer", "version: 0"},
      {"empty-value", "purpose: \"\""},
      {"bad-date", "valid_from: 2026-02-30"},
      {"unknown-key", "colour: blue"},
      {"unknown-key", "signing_kye: x"},
      {"bad-key", "signing_key: |              # bad-key: RSA"},
      {"bad-key", "signing_key: |              # bad-key: P-256"},
      {"bad-key", "signing_key: \"not a key at all\""},
      {"duplicate-id", "- id: csp-analyst              # duplicate-id"},
      {"category-without-values", "{name: method"},
      {"duplicate-id", "{name: notes, type: string"},
      {"unknown-key", "colour: red"},
      {"unknown-party", "csp-analsyt"},
      {"unknown-field", "nhs_no: pseudonymise"},
      {"keep-identifier", "nhs_number: keep"},
      {"bad-treatment", "notes: {generalise: sector}"},
      {"bad-age-bands", "bands: [0, 18, 16]"},
      {"bad-grid", "metres: 300"},
      {"encrypt-depersonalised", "phone: encrypt"},
      {"duplicate-id", "- id: ae-to-csp                            # duplicate-id"},
      {"wrong-role", "from: csp-analyst"},
      {"wrong-role", "to: nhs-lister-ae"},
      {"bad-area", "area: postcode"},
      {"unknown-dataset", "dataset: ae_assualt"},
      {"no-fields", "fields: {}"},
      {"empty-value", "legal_basis: \"\""},
  };
  for (const Want& w : wants) {
    int line = LineOf(text, w.marker);
    ASSERT_GT(line, 0) << w.marker;
    EXPECT_NE(FindDiagnostic(r.diagnostics, w.code, line), nullptr)
        << w.code << " at line " << line << "\n" << Dump(r.diagnostics);
  }
  // The signatures-not-last warning, and did-you-mean hints.
  const Diagnostic* warn =
      FindDiagnostic(r.diagnostics, "signatures-not-last", LineOf(text, "signatures:"));
  ASSERT_NE(warn, nullptr);
  EXPECT_EQ(warn->severity, Diagnostic::Severity::kWarning);
  EXPECT_EQ(FindDiagnostic(r.diagnostics, "unknown-field", 0)->message,
            "flow 'ae-to-csp' names field 'nhs_no', which dataset 'ae_assault' does not have "
            "(did you mean 'nhs_number'?)");
  EXPECT_NE(FindDiagnostic(r.diagnostics, "unknown-party", 0)->message.find(
                "(did you mean 'csp-analyst'?)"),
            std::string::npos);
  EXPECT_NE(FindDiagnostic(r.diagnostics, "unknown-key", LineOf(text, "signing_kye"))
                ->message.find("party 'nhs-lister-ae' has unknown key 'signing_kye' (did you "
                               "mean 'signing_key'?)"),
            std::string::npos);
  // Ordered by line, and formatted with file:line:col.
  for (size_t i = 1; i < r.diagnostics.size(); ++i) {
    EXPECT_LE(r.diagnostics[i - 1].line, r.diagnostics[i].line);
  }
  EXPECT_EQ(FormatDiagnostic(*FindDiagnostic(r.diagnostics, "bad-integer", 0)),
            "many-problems.yaml:4:10: error: the agreement: 'version' must be a whole number "
            "from 1 to 4294967295 [bad-integer]");
}

TEST(LintTest, KeyTypesAreNamed) {
  std::string text = ReadSourceFile("policy/testdata/agreements/many-problems.yaml");
  ParseResult r = ParseAgreement(text, "m");
  std::string all = Dump(r.diagnostics);
  EXPECT_NE(all.find("signing_key is an RSA key; it must be an Ed25519 public key"),
            std::string::npos);
  EXPECT_NE(all.find("signing_key is an EC (e.g. P-256) key"), std::string::npos);
  EXPECT_NE(all.find("signing_key is not a PEM key"), std::string::npos);
}

TEST(LintTest, PrivateKeyInDocumentIsFlagged) {
  std::string text = ReadSourceFile("policy/testdata/agreements/private-key.yaml");
  ExpectError(text, "bad-key", "signing_key: |", "is a PRIVATE key");
  ExpectError(text, "bad-fingerprint", "signing_key_fingerprint: sha256:abc");
  ExpectError(text, "bad-bucket", "width: 0");
}

TEST(LintTest, EncryptNeedsRecipientKeyAndReviewWithinValidity) {
  std::string text = ReadSourceFile("policy/testdata/agreements/encrypt-without-key.yaml");
  ParseResult r = ParseAgreement(text, "t.yaml");
  EXPECT_FALSE(r.ok());
  const Diagnostic* d = FindDiagnostic(r.diagnostics, "missing-encryption-key",
                                       LineOf(text, "child_name: encrypt"));
  ASSERT_NE(d, nullptr) << Dump(r.diagnostics);
  EXPECT_NE(d->message.find("'mash-herts'"), std::string::npos);
  // social-care has a key: no error about it.
  EXPECT_EQ(Dump(r.diagnostics).find("'social-care', but"), std::string::npos);
  EXPECT_NE(FindDiagnostic(r.diagnostics, "review-outside-validity", LineOf(text, "review_by:")),
            nullptr);
}

// Issue 12: the personal copy of the Cardiff example that a recipient once
// activated (identifiers and triage notes kept) is refused line by line.
TEST(LintTest, PersonalFlowNeverCarriesIdentifiersInClear) {
  std::string text = Replace(Example(), "mode: depersonalised", "mode: personal");
  text = Replace(text, "nhs_number: pseudonymise", "nhs_number: keep");
  text = Replace(text, "patient_name: drop", "patient_name: keep");
  text = Replace(text, "triage_notes: drop", "triage_notes: keep");
  ExpectError(text, "keep-identifier", "nhs_number: keep",
              "flow 'ae-to-csp', field 'nhs_number': 'nhs_number' is a direct_identifier and "
              "cannot be kept as sent, not even on a personal flow; use encrypt, pseudonymise or "
              "drop");
  ExpectError(text, "keep-identifier", "patient_name: keep", "use encrypt, pseudonymise or drop");
  ExpectError(text, "sensitive-text-in-clear", "triage_notes: keep",
              "must be redacted or encrypted to the recipient: use redact, encrypt or drop");
  // location_description stays redacted: no diagnostic for it.
  ParseResult r = ParseAgreement(text, "t.yaml");
  EXPECT_EQ(Dump(r.diagnostics).find("location_description"), std::string::npos);
}

TEST(LintTest, DepersonalisedFlowNeverKeepsOrRedactsAnIdentifier) {
  ExpectError(Replace(Example(), "nhs_number: pseudonymise", "nhs_number: keep"), "keep-identifier",
              "nhs_number: keep", "use pseudonymise or drop; if the recipient needs the value "
              "itself, use a personal flow (mode: personal) and encrypt it to the recipient");
  // redact fits a string, but does not protect an identifier field.
  std::string police = ReadSourceFile("deploy/agreements/police-crime-analyst.yaml");
  ASSERT_NE(police.find("crime_reference: "), std::string::npos);
  size_t at = police.find("crime_reference: ", police.find("flows:"));
  ASSERT_NE(at, std::string::npos);
  size_t eol = police.find('\n', at);
  police.replace(at, eol - at, "crime_reference: redact");
  ExpectError(police, "keep-identifier", "crime_reference: redact",
              "redact only removes identifiers it recognises inside text");
}

TEST(LintTest, EncryptedIdentifierOnPersonalFlowIsAccepted) {
  std::string text = ReadSourceFile("policy/testdata/agreements/personal-encrypt.yaml");
  ParseResult r = ParseAgreement(text, "personal-encrypt.yaml");
  EXPECT_TRUE(r.ok()) << Dump(r.diagnostics);
}

TEST(LintTest, MissingEncryptionKeyNamesTheRealCommand) {
  std::string text = ReadSourceFile("policy/testdata/agreements/encrypt-without-key.yaml");
  ExpectError(text, "missing-encryption-key", "child_name: encrypt",
              "`accordctl keygen --type x25519 --out NAME`");
  ParseResult r = ParseAgreement(text, "t.yaml");
  EXPECT_EQ(Dump(r.diagnostics).find("--x25519"), std::string::npos);
}

TEST(LintTest, SyntaxErrorHasLine) {
  std::string text = ReadSourceFile("policy/testdata/agreements/syntax-error.yaml");
  ParseResult r = ParseAgreement(text, "s.yaml");
  ASSERT_EQ(r.diagnostics.size(), 1u) << Dump(r.diagnostics);
  EXPECT_EQ(r.diagnostics[0].code, "yaml-syntax");
  EXPECT_EQ(r.diagnostics[0].line, 4);
}

TEST(LintTest, AnchorsAndAliasesAreRejected) {
  ParseResult r =
      ParseAgreement(ReadSourceFile("policy/testdata/agreements/alias-bomb.yaml"), "b.yaml");
  ASSERT_EQ(r.diagnostics.size(), 1u) << Dump(r.diagnostics);
  EXPECT_EQ(r.diagnostics[0].code, "yaml-anchor");
  EXPECT_EQ(r.diagnostics[0].line, 1);
}

TEST(LintTest, DeepNestingIsRejected) {
  std::string text = "id: " + std::string(500, '[') + std::string(500, ']') + "\n";
  ParseResult r = ParseAgreement(text, "d.yaml");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(FindDiagnostic(r.diagnostics, "too-deep", 1), nullptr) << Dump(r.diagnostics);
}

TEST(LintTest, OversizeDocumentIsRejectedUnparsed) {
  std::string text = Example() + "# " + std::string(kMaxAgreementBytes, 'x') + "\n";
  ParseResult r = ParseAgreement(text, "big.yaml");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "oversize");
}

TEST(LintTest, MultipleDocumentsAreRejected) {
  ParseResult r = ParseAgreement(Example() + "---\nid: other\n", "m.yaml");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(FindDiagnostic(r.diagnostics, "multiple-documents", 0), nullptr);
}

TEST(LintTest, NotAMappingOrEmpty) {
  for (const char* text : {"", "- a\n- b\n", "just text\n", "~\n"}) {
    ParseResult r = ParseAgreement(text, "e.yaml");
    EXPECT_FALSE(r.ok());
    EXPECT_NE(FindDiagnostic(r.diagnostics, "wrong-type", 0), nullptr) << Dump(r.diagnostics);
  }
}

TEST(LintTest, MissingPurposeAndLegalBasis) {
  std::string text = Example();
  size_t start = text.find("purpose: >-");
  size_t end = text.find("valid_from:");
  text.erase(start, end - start);
  ParseResult r = ParseAgreement(text, "t.yaml");
  EXPECT_FALSE(r.ok());
  const Diagnostic* p = FindDiagnostic(r.diagnostics, "missing-key", 0);
  ASSERT_NE(p, nullptr);
  std::string all = Dump(r.diagnostics);
  EXPECT_NE(all.find("the agreement has no 'purpose'"), std::string::npos) << all;
  EXPECT_NE(all.find("the agreement has no 'legal_basis'"), std::string::npos) << all;
}

TEST(LintTest, ValidUntilBeforeValidFrom) {
  ExpectError(Replace(Example(), "valid_until: 2027-12-31", "valid_until: 2025-12-31"),
              "date-order", "valid_until:", "is before valid_from");
}

TEST(LintTest, ReviewByBeforeValidity) {
  ExpectError(Replace(Example(), "review_by: 2027-06-30", "review_by: 2025-06-30"),
              "review-outside-validity", "review_by:");
}

TEST(LintTest, BadDates) {
  for (const char* bad : {"2027-13-01", "27-12-31", "2027/12/31", "tomorrow", "2027-02-29"}) {
    ExpectError(Replace(Example(), "valid_until: 2027-12-31", absl::StrCat("valid_until: ", bad)),
                "bad-date", "valid_until:");
  }
}

TEST(LintTest, BadIdCharset) {
  ExpectError(Replace(Example(), "- id: nhs-lister-ae", "- id: NHS Lister"), "bad-id",
              "- id: NHS Lister");
  ExpectError(Replace(Example(), "- id: ae-to-csp", "- id: -ae"), "bad-id", "- id: -ae");
}

TEST(LintTest, UnknownFlowKey) {
  ExpectError(Replace(Example(), "    event_time: hour\n", "    event_tme: hour\n"), "unknown-key",
              "event_tme", "(did you mean 'event_time'?)");
}

TEST(LintTest, UnknownTreatmentWithHint) {
  ExpectError(Replace(Example(), "sex: keep", "sex: pseudonymize"), "unknown-treatment",
              "sex: pseudonymize", "(did you mean 'pseudonymise'?)");
  ExpectError(Replace(Example(), "sex: keep", "sex: generalise"), "bad-treatment",
              "sex: generalise", "generalise needs a target");
}

TEST(LintTest, TreatmentNotValidForType) {
  ExpectError(Replace(Example(), "arrival_time: {generalise: hour}",
                      "arrival_time: {generalise: sector}"),
              "bad-treatment", "arrival_time: {generalise: sector}",
              "treatment 'generalise: sector' cannot be applied to a field of type datetime");
  ExpectError(Replace(Example(), "location_description: redact", "location_description: pseudonymise"),
              "bad-treatment", "location_description: pseudonymise");
}

TEST(LintTest, FlowToNonPartyAndUnknownDataset) {
  ExpectError(Replace(Example(), "    to: csp-herts-analyst\n", "    to: csp-herts-analysts\n"),
              "unknown-party", "to: csp-herts-analysts", "did you mean 'csp-herts-analyst'");
  ExpectError(Replace(Example(), "    dataset: ae_assault\n", "    dataset: ae_assaults\n"),
              "unknown-dataset", "dataset: ae_assaults");
}

TEST(LintTest, DuplicateDataset) {
  std::string text = Example();
  size_t start = text.find("  - name: ae_assault");
  size_t end = text.find("\nflows:");
  std::string dataset = text.substr(start, end - start);
  text.insert(end, "\n" + dataset);
  ParseResult r = ParseAgreement(text, "t.yaml");
  EXPECT_FALSE(r.ok());
  size_t second = text.find("  - name: ae_assault", start + 1);
  int line = LineOf(text.substr(0, second) + "@@", "@@");
  EXPECT_NE(FindDiagnostic(r.diagnostics, "duplicate-id", line), nullptr) << Dump(r.diagnostics);
}

TEST(LintTest, FlowWithOnlyDropsSendsNothing) {
  std::string text = Example();
  size_t start = text.find("      nhs_number: pseudonymise");
  text.erase(start);
  text += "      nhs_number: drop\n";
  ParseResult r = ParseAgreement(text, "t.yaml");
  int line = LineOf(text.substr(0, text.rfind("    fields:")) + "@@", "@@");
  EXPECT_NE(FindDiagnostic(r.diagnostics, "no-fields", line), nullptr) << Dump(r.diagnostics);
}

TEST(LintTest, AreaMustBeGeneralisedAndSent) {
  ExpectError(Replace(Example(), "    event_time: hour\n", "    area: sex\n"), "bad-area", "area: sex",
              "must be generalised to sector, district or grid");
  ExpectError(Replace(Example(), "    event_time: hour\n", "    area: triage_notes\n"), "bad-area",
              "area: triage_notes", "does not send that field");
}

TEST(LintTest, ValuesOnlyOnCategories) {
  ExpectError(Replace(Example(), "{name: triage_notes, type: free_text, class: sensitive}",
                      "{name: triage_notes, type: free_text, class: sensitive, values: [a]}"),
              "bad-value", "values: [a]");
}

TEST(LintTest, WrongValueTypes) {
  ExpectError(Replace(Example(), "retention_days: 1095", "retention_days: [1095]"), "wrong-type",
              "retention_days:");
  ExpectError(Replace(Example(), "retention_days: 1095", "retention_days: 3 years"), "bad-integer",
              "retention_days:");
  ExpectError(Replace(Example(), "    role: provider\n", "    role: sender\n"), "unknown-value",
              "role: sender", "is not one of provider, recipient, both");
}

TEST(LintTest, DuplicateYamlKeyInMapping) {
  ExpectError(Replace(Example(), "retention_days: 1095", "retention_days: 1095\nretention_days: 10"),
              "duplicate-key", "retention_days: 10 ");
}

TEST(LintTest, SignatureByNonParty) {
  std::string text = Example() +
                     "signatures:\n  - party: someone-else\n    fingerprint: sha256:" +
                     std::string(64, 'a') +
                     "\n    signed_at: \"2026-01-01T00:00:00Z\"\n    signature: " +
                     std::string(86, 'A') + "==\n";
  ExpectError(text, "unknown-signer", "party: someone-else");
}

TEST(LintTest, NeverThrowsOnOddInput) {
  for (std::string text :
       {std::string("\0\0\0", 3), std::string("{"), std::string("id: [\n"),
        std::string("parties: {a: b}\n"), std::string("flows:\n  - fields: [1, 2]\n"),
        std::string("datasets:\n  - fields: {a: 1}\n"), std::string("\xff\xfe\x00"),
        std::string("? [a, b]\n: c\n"), std::string("!!binary aGVsbG8=\n"),
        std::string("flows:\n  - fields:\n      x: {generalise: grid, metres: [1]}\n")}) {
    ParseResult r = ParseAgreement(text, "odd");
    EXPECT_FALSE(r.ok());
    EXPECT_FALSE(r.diagnostics.empty());
  }
}

}  // namespace
}  // namespace accord::policy
