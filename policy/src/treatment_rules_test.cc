#include "accord/policy/treatment_rules.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace accord::policy {
namespace {

Treatment Plain(TreatmentKind k) {
  Treatment t;
  t.kind = k;
  return t;
}
Treatment Gen(Generalisation g) {
  Treatment t;
  t.kind = TreatmentKind::kGeneralise;
  t.generalisation = g;
  return t;
}
FieldSpec Field(FieldType type, Classification c = Classification::kNonPersonal) {
  FieldSpec f;
  f.name = "f";
  f.type = type;
  f.classification = c;
  return f;
}

TEST(TreatmentRulesTest, Table) {
  using FT = FieldType;
  EXPECT_TRUE(TreatmentFitsType(Plain(TreatmentKind::kKeep), FT::kGeoPoint));
  EXPECT_TRUE(TreatmentFitsType(Plain(TreatmentKind::kDrop), FT::kFreeText));
  EXPECT_TRUE(TreatmentFitsType(Plain(TreatmentKind::kEncrypt), FT::kBoolean));
  for (FT t : {FT::kString, FT::kName, FT::kInteger, FT::kDate, FT::kDateTime, FT::kPostcode,
               FT::kNhsNumber, FT::kPhone, FT::kEmail, FT::kCategory}) {
    EXPECT_TRUE(TreatmentFitsType(Plain(TreatmentKind::kPseudonymise), t)) << FieldTypeName(t);
  }
  for (FT t : {FT::kDecimal, FT::kBoolean, FT::kGeoPoint, FT::kFreeText}) {
    EXPECT_FALSE(TreatmentFitsType(Plain(TreatmentKind::kPseudonymise), t)) << FieldTypeName(t);
  }
  EXPECT_TRUE(TreatmentFitsType(Gen(Generalisation::kPostcodeSector), FT::kPostcode));
  EXPECT_FALSE(TreatmentFitsType(Gen(Generalisation::kPostcodeDistrict), FT::kString));
  EXPECT_TRUE(TreatmentFitsType(Gen(Generalisation::kAgeBand), FT::kDate));
  EXPECT_FALSE(TreatmentFitsType(Gen(Generalisation::kAgeBand), FT::kDateTime));
  EXPECT_TRUE(TreatmentFitsType(Gen(Generalisation::kHour), FT::kDateTime));
  EXPECT_FALSE(TreatmentFitsType(Gen(Generalisation::kHour), FT::kDate));
  for (Generalisation g : {Generalisation::kDay, Generalisation::kIsoWeek, Generalisation::kMonth}) {
    EXPECT_TRUE(TreatmentFitsType(Gen(g), FT::kDate));
    EXPECT_TRUE(TreatmentFitsType(Gen(g), FT::kDateTime));
    EXPECT_FALSE(TreatmentFitsType(Gen(g), FT::kInteger));
  }
  EXPECT_TRUE(TreatmentFitsType(Gen(Generalisation::kGrid), FT::kGeoPoint));
  EXPECT_TRUE(TreatmentFitsType(Gen(Generalisation::kBucket), FT::kInteger));
  EXPECT_TRUE(TreatmentFitsType(Gen(Generalisation::kBucket), FT::kDecimal));
  EXPECT_FALSE(TreatmentFitsType(Gen(Generalisation::kBucket), FT::kDate));
  EXPECT_TRUE(TreatmentFitsType(Plain(TreatmentKind::kRedact), FT::kFreeText));
  EXPECT_TRUE(TreatmentFitsType(Plain(TreatmentKind::kRedact), FT::kString));
  EXPECT_FALSE(TreatmentFitsType(Plain(TreatmentKind::kRedact), FT::kName));
  EXPECT_FALSE(TreatmentFitsType(Gen(Generalisation::kNone), FT::kString));
}

TEST(TreatmentRulesTest, MessagesNameTheFittingTreatments) {
  absl::Status s = CheckTreatmentType(Gen(Generalisation::kPostcodeSector), FieldType::kGeoPoint);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "treatment 'generalise: sector' cannot be applied to a field of type geo_point; "
            "treatments that fit geo_point are: keep, drop, generalise: grid, encrypt (personal "
            "flows)");
}

TEST(TreatmentRulesTest, Parameters) {
  Treatment bands = Gen(Generalisation::kAgeBand);
  EXPECT_FALSE(CheckTreatmentParameters(bands).ok());
  bands.age_bands = {0, 18, 25};
  EXPECT_TRUE(CheckTreatmentParameters(bands).ok());
  bands.age_bands = {0, 18, 18};
  EXPECT_FALSE(CheckTreatmentParameters(bands).ok());
  bands.age_bands = {-1, 18};
  EXPECT_FALSE(CheckTreatmentParameters(bands).ok());
  Treatment grid = Gen(Generalisation::kGrid);
  for (int m : {1, 100, 250, 500, 1000, 100000}) {
    grid.grid_metres = m;
    EXPECT_TRUE(CheckTreatmentParameters(grid).ok()) << m;
  }
  for (int m : {0, -100, 300, 333, 200000}) {
    grid.grid_metres = m;
    EXPECT_FALSE(CheckTreatmentParameters(grid).ok()) << m;
  }
  Treatment bucket = Gen(Generalisation::kBucket);
  EXPECT_FALSE(CheckTreatmentParameters(bucket).ok());
  bucket.bucket_width = 10;
  EXPECT_TRUE(CheckTreatmentParameters(bucket).ok());
}

TEST(TreatmentRulesTest, ModeRules) {
  FieldSpec nhs = Field(FieldType::kNhsNumber, Classification::kDirectIdentifier);
  EXPECT_FALSE(CheckTreatmentForField(Plain(TreatmentKind::kKeep), nhs, FlowMode::kDepersonalised).ok());
  EXPECT_FALSE(CheckTreatmentForField(Plain(TreatmentKind::kKeep), nhs, FlowMode::kPersonal).ok());
  EXPECT_FALSE(CheckTreatmentForField(Plain(TreatmentKind::kEncrypt), nhs, FlowMode::kDepersonalised).ok());
  EXPECT_TRUE(CheckTreatmentForField(Plain(TreatmentKind::kEncrypt), nhs, FlowMode::kPersonal).ok());
  EXPECT_TRUE(CheckTreatmentForField(Plain(TreatmentKind::kPseudonymise), nhs, FlowMode::kDepersonalised).ok());
  EXPECT_TRUE(CheckTreatmentForField(Plain(TreatmentKind::kPseudonymise), nhs, FlowMode::kPersonal).ok());
  EXPECT_TRUE(CheckTreatmentForField(Plain(TreatmentKind::kDrop), nhs, FlowMode::kPersonal).ok());
  absl::Status s = CheckTreatmentForField(Plain(TreatmentKind::kRedact), nhs, FlowMode::kPersonal);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().substr(0, 40), "field 'f': treatment 'redact' cannot be ");
}

// A direct identifier never leaves in clear, on any flow; the message says what to use.
TEST(TreatmentRulesTest, DirectIdentifierOnlyDroppedPseudonymisedGeneralisedOrEncrypted) {
  FieldSpec dob = Field(FieldType::kDate, Classification::kDirectIdentifier);
  dob.name = "date_of_birth";
  for (FlowMode mode : {FlowMode::kDepersonalised, FlowMode::kPersonal}) {
    std::optional<ModeViolation> v = CheckModeRules(Plain(TreatmentKind::kKeep), dob, mode);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->code, "keep-identifier");
    EXPECT_NE(v->message.find("'date_of_birth' is a direct_identifier"), std::string::npos);
    EXPECT_NE(v->message.find("{generalise: age_band"), std::string::npos) << v->message;
    EXPECT_FALSE(CheckModeRules(Plain(TreatmentKind::kPseudonymise), dob, mode).has_value());
    EXPECT_FALSE(CheckModeRules(Gen(Generalisation::kMonth), dob, mode).has_value());
    EXPECT_FALSE(CheckModeRules(Plain(TreatmentKind::kDrop), dob, mode).has_value());
  }
  std::optional<ModeViolation> personal =
      CheckModeRules(Plain(TreatmentKind::kKeep), dob, FlowMode::kPersonal);
  EXPECT_EQ(personal->message,
            "'date_of_birth' is a direct_identifier and cannot be kept as sent, not even on a "
            "personal flow; use encrypt, pseudonymise, {generalise: age_band, bands: [0, 18, 25, "
            "35, 50, 65]} or drop; encrypt seals it so that only the recipient's X25519 key opens "
            "it");
  std::optional<ModeViolation> deperson =
      CheckModeRules(Plain(TreatmentKind::kKeep), dob, FlowMode::kDepersonalised);
  EXPECT_EQ(deperson->message.find("use encrypt"), std::string::npos) << deperson->message;
  EXPECT_NE(deperson->message.find("mode: personal"), std::string::npos) << deperson->message;

  // Redacting a whole identifier does not protect it.
  FieldSpec ref = Field(FieldType::kString, Classification::kDirectIdentifier);
  std::optional<ModeViolation> redact =
      CheckModeRules(Plain(TreatmentKind::kRedact), ref, FlowMode::kPersonal);
  ASSERT_TRUE(redact.has_value());
  EXPECT_EQ(redact->code, "keep-identifier");
  EXPECT_NE(redact->message.find("redact only removes identifiers"), std::string::npos);
  // A boolean identifier can only be encrypted or dropped.
  FieldSpec flag = Field(FieldType::kBoolean, Classification::kDirectIdentifier);
  EXPECT_NE(CheckModeRules(Plain(TreatmentKind::kKeep), flag, FlowMode::kPersonal)
                ->message.find("use encrypt or drop"),
            std::string::npos);
  EXPECT_NE(CheckModeRules(Plain(TreatmentKind::kKeep), flag, FlowMode::kDepersonalised)
                ->message.find("use drop;"),
            std::string::npos);
}

TEST(TreatmentRulesTest, PersonalFlowsRedactOrEncryptSensitiveFreeText) {
  FieldSpec notes = Field(FieldType::kFreeText, Classification::kSensitive);
  notes.name = "triage_notes";
  std::optional<ModeViolation> v =
      CheckModeRules(Plain(TreatmentKind::kKeep), notes, FlowMode::kPersonal);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->code, "sensitive-text-in-clear");
  EXPECT_NE(v->message.find("use redact, encrypt or drop"), std::string::npos) << v->message;
  EXPECT_FALSE(CheckModeRules(Plain(TreatmentKind::kRedact), notes, FlowMode::kPersonal));
  EXPECT_FALSE(CheckModeRules(Plain(TreatmentKind::kEncrypt), notes, FlowMode::kPersonal));
  EXPECT_FALSE(CheckModeRules(Plain(TreatmentKind::kDrop), notes, FlowMode::kPersonal));
  EXPECT_EQ(CheckTreatmentMode(Plain(TreatmentKind::kKeep), notes, FlowMode::kPersonal).code(),
            absl::StatusCode::kInvalidArgument);
  // Non-sensitive text and quasi-identifiers are not affected by this rule.
  FieldSpec method = Field(FieldType::kFreeText, Classification::kNonPersonal);
  EXPECT_FALSE(CheckModeRules(Plain(TreatmentKind::kKeep), method, FlowMode::kPersonal));
  FieldSpec sex = Field(FieldType::kCategory, Classification::kQuasiIdentifier);
  EXPECT_FALSE(CheckModeRules(Plain(TreatmentKind::kKeep), sex, FlowMode::kPersonal));
}

}  // namespace
}  // namespace accord::policy
