// The information-sharing agreement model.
//
// An Agreement is a plain value: parsed from YAML by ParseAgreement()
// (agreement_parser.h), reduced to canonical bytes and a fingerprint by
// canonical.h, signed and checked by signing.h. It owns all its data and is
// immutable once parsed; share it as std::shared_ptr<const Agreement>.
// Thread safety: none needed (a value type); const access from many threads is safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"

namespace accord::policy {

// Where something was written in the source document (1-based; 0 = unknown).
struct SourceLocation {
  int line = 0;
  int column = 0;
};

enum class FieldType {
  kString,
  kName,       // a person's name (normalised for pseudonyms and redaction)
  kInteger,
  kDecimal,
  kBoolean,
  kDate,
  kDateTime,
  kPostcode,
  kNhsNumber,
  kPhone,
  kEmail,
  kGeoPoint,
  kCategory,   // one of FieldSpec::allowed_values
  kFreeText,
};

enum class Classification {
  kDirectIdentifier,
  kQuasiIdentifier,
  kSensitive,
  kNonPersonal,
};

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kString;
  Classification classification = Classification::kNonPersonal;
  bool required = false;
  // kCategory only: the permitted values, exactly as sent.
  std::vector<std::string> allowed_values;
  // Maximum length in bytes of a text value. Default: 256, free text 4096.
  uint32_t max_length = 0;
  SourceLocation location;
};

struct DatasetSpec {
  std::string name;
  uint32_t version = 0;
  std::vector<FieldSpec> fields;
  SourceLocation location;

  const FieldSpec* FindField(std::string_view field) const;
};

enum class PartyRole { kProvider, kRecipient, kBoth };

struct Party {
  std::string id;       // agency id; equals the CN/SAN of its certificate
  std::string name;
  PartyRole role = PartyRole::kProvider;
  std::string contact;
  // Ed25519 signing key, PEM SubjectPublicKeyInfo. May be empty when only the
  // fingerprint is given (then the signature entry must carry the key).
  std::string signing_key_pem;
  // "sha256:<hex>" of the DER SubjectPublicKeyInfo. Derived from the PEM when
  // the PEM is given.
  std::string signing_key_fingerprint;
  // X25519 public key, PEM. Needed only by recipients of `encrypt` treatments.
  std::string encryption_key_pem;
  SourceLocation location;

  bool IsProvider() const { return role != PartyRole::kRecipient; }
  bool IsRecipient() const { return role != PartyRole::kProvider; }
};

enum class TreatmentKind { kKeep, kDrop, kPseudonymise, kGeneralise, kRedact, kEncrypt };

// What a `generalise` treatment reduces a value to.
enum class Generalisation {
  kNone,
  kPostcodeSector,    // "AL1 3XY" -> "AL1 3"
  kPostcodeDistrict,  // "AL1 3XY" -> "AL1"
  kAgeBand,           // date of birth -> age band at the event date
  kHour,              // datetime -> start of its hour
  kDay,               // datetime/date -> the day
  kIsoWeek,           // datetime/date -> "2026-W47"
  kMonth,             // datetime/date -> "2026-11"
  kGrid,              // geo point -> British National Grid cell of grid_metres
  kBucket,            // integer/decimal -> [lo, lo+width)
};

struct Treatment {
  TreatmentKind kind = TreatmentKind::kDrop;
  Generalisation generalisation = Generalisation::kNone;
  // kAgeBand: ascending lower bounds in years, e.g. {0, 18, 25, 35, 50, 65}.
  std::vector<int> age_bands;
  // kGrid: cell size in metres (positive, divides 100000).
  int grid_metres = 0;
  // kBucket: bucket width (positive integer) for integer and decimal values.
  int64_t bucket_width = 0;
  SourceLocation location;
};

struct FieldTreatment {
  std::string field;
  Treatment treatment;
  SourceLocation location;
};

enum class FlowMode { kDepersonalised, kPersonal };

struct Flow {
  std::string id;
  std::string provider;                 // party id
  std::vector<std::string> recipients;  // party ids
  std::string dataset;                  // dataset name
  std::string purpose;
  FlowMode mode = FlowMode::kDepersonalised;
  // Granularity of the cleaned record's event_time: kHour, kDay (default),
  // kIsoWeek or kMonth.
  Generalisation event_time = Generalisation::kDay;
  // Optional: the field whose generalised value is the record's area key.
  std::string area_field;
  // Every field that leaves; anything not named here is dropped (default deny).
  std::vector<FieldTreatment> fields;
  SourceLocation location;

  const FieldTreatment* FindField(std::string_view field) const;
};

// A party's signature over the agreement's fingerprint. Not part of the
// canonical form.
struct Signature {
  std::string party;
  std::string fingerprint;      // "sha256:<hex>" the party believes it signed
  std::string signed_at;        // RFC 3339, informational
  std::string signature_b64;    // Ed25519 signature, base64
  std::string public_key_pem;   // optional: the key, when the party lists only its fingerprint
  SourceLocation location;
};

struct Agreement {
  std::string id;
  uint32_t version = 0;
  std::string title;
  std::string purpose;
  std::string legal_basis;
  std::vector<Party> parties;
  std::vector<DatasetSpec> datasets;
  std::vector<Flow> flows;
  absl::CivilDay valid_from;
  absl::CivilDay valid_until;   // inclusive
  absl::CivilDay review_by;
  uint32_t retention_days = 0;
  uint32_t small_number_threshold = 0;
  // Outside the fingerprint.
  std::vector<Signature> signatures;
  std::string source_name;      // file name for diagnostics

  const Party* FindParty(std::string_view party) const;
  const DatasetSpec* FindDataset(std::string_view dataset) const;
  const Flow* FindFlow(std::string_view flow) const;
};

std::string_view FieldTypeName(FieldType type);
std::string_view ClassificationName(Classification c);
std::string_view PartyRoleName(PartyRole role);
std::string_view TreatmentKindName(TreatmentKind kind);
std::string_view GeneralisationName(Generalisation g);
std::string_view FlowModeName(FlowMode mode);

// Human text for a treatment, e.g. "generalise to postcode sector",
// "generalise to age band (0,18,25,35,50,65)". Used by `show` and `diff`.
std::string DescribeTreatment(const Treatment& t);

}  // namespace accord::policy
