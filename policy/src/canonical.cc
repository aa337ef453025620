#include "accord/policy/canonical.h"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/time/civil_time.h"
#include "accord/policy/signing.h"

namespace accord::policy {
namespace {

using Json = nlohmann::json;

std::string Day(absl::CivilDay d) { return absl::FormatCivilTime(d); }

uint32_t MaxLength(const FieldSpec& f) {
  if (f.max_length != 0) return f.max_length;
  switch (f.type) {
    case FieldType::kFreeText: return 4096;
    case FieldType::kString:
    case FieldType::kName:
    case FieldType::kPostcode:
    case FieldType::kNhsNumber:
    case FieldType::kPhone:
    case FieldType::kEmail:
    case FieldType::kCategory:
      return 256;
    default:
      return 0;
  }
}

// A key's identity in the canonical form: its SPKI fingerprint, so PEM
// layout does not matter. A key that does not parse (never in a linted
// agreement) is hashed as text so that it still changes the fingerprint.
std::string KeyId(const std::string& pem) {
  if (pem.empty()) return "";
  absl::StatusOr<std::string> fp = PublicKeyFingerprint(pem);
  if (fp.ok()) return *fp;
  return "unparsed:" + Sha256Text(Sha256(pem));
}

Json TreatmentJson(const Treatment& t) {
  Json j;
  j["kind"] = std::string(TreatmentKindName(t.kind));
  if (t.kind == TreatmentKind::kGeneralise) {
    j["generalise"] = std::string(GeneralisationName(t.generalisation));
    switch (t.generalisation) {
      case Generalisation::kAgeBand: j["bands"] = t.age_bands; break;
      case Generalisation::kGrid: j["metres"] = t.grid_metres; break;
      case Generalisation::kBucket: j["width"] = t.bucket_width; break;
      default: break;
    }
  }
  return j;
}

template <typename T, typename Key>
std::vector<const T*> SortedBy(const std::vector<T>& items, Key key) {
  std::vector<const T*> out;
  for (const T& item : items) out.push_back(&item);
  std::stable_sort(out.begin(), out.end(),
                   [&](const T* a, const T* b) { return key(*a) < key(*b); });
  return out;
}

}  // namespace

// Sha256() is defined in hmac_sha256.cc, with the other hot-path hashing.

std::string Sha256Text(const std::array<uint8_t, 32>& digest) {
  return "sha256:" + absl::BytesToHexString(
                         absl::string_view(reinterpret_cast<const char*>(digest.data()), 32));
}

std::string CanonicalBytes(const Agreement& a) {
  Json doc;
  doc["id"] = a.id;
  doc["version"] = a.version;
  doc["title"] = a.title;
  doc["purpose"] = a.purpose;
  doc["legal_basis"] = a.legal_basis;
  doc["valid_from"] = Day(a.valid_from);
  doc["valid_until"] = Day(a.valid_until);
  doc["review_by"] = Day(a.review_by);
  doc["retention_days"] = a.retention_days;
  doc["small_number_threshold"] = a.small_number_threshold;

  Json parties = Json::array();
  for (const Party* p : SortedBy(a.parties, [](const Party& p) { return p.id; })) {
    Json j;
    j["id"] = p->id;
    j["name"] = p->name;
    j["role"] = std::string(PartyRoleName(p->role));
    j["contact"] = p->contact;
    j["signing_key"] = p->signing_key_pem.empty() ? p->signing_key_fingerprint
                                                  : KeyId(p->signing_key_pem);
    j["encryption_key"] = KeyId(p->encryption_key_pem);
    parties.push_back(std::move(j));
  }
  doc["parties"] = std::move(parties);

  Json datasets = Json::array();
  for (const DatasetSpec* d : SortedBy(a.datasets, [](const DatasetSpec& d) { return d.name; })) {
    Json j;
    j["name"] = d->name;
    j["version"] = d->version;
    Json fields = Json::array();
    for (const FieldSpec* f : SortedBy(d->fields, [](const FieldSpec& f) { return f.name; })) {
      Json fj;
      fj["name"] = f->name;
      fj["type"] = std::string(FieldTypeName(f->type));
      fj["class"] = std::string(ClassificationName(f->classification));
      fj["required"] = f->required;
      fj["max_length"] = MaxLength(*f);
      std::vector<std::string> values = f->allowed_values;
      std::sort(values.begin(), values.end());
      fj["values"] = values;
      fields.push_back(std::move(fj));
    }
    j["fields"] = std::move(fields);
    datasets.push_back(std::move(j));
  }
  doc["datasets"] = std::move(datasets);

  Json flows = Json::array();
  for (const Flow* f : SortedBy(a.flows, [](const Flow& f) { return f.id; })) {
    Json j;
    j["id"] = f->id;
    j["from"] = f->provider;
    std::vector<std::string> to = f->recipients;
    std::sort(to.begin(), to.end());
    j["to"] = to;
    j["dataset"] = f->dataset;
    j["purpose"] = f->purpose.empty() ? a.purpose : f->purpose;
    j["mode"] = std::string(FlowModeName(f->mode));
    j["event_time"] = std::string(GeneralisationName(f->event_time));
    j["area"] = f->area_field;
    Json fields = Json::array();
    for (const FieldTreatment* ft :
         SortedBy(f->fields, [](const FieldTreatment& t) { return t.field; })) {
      // An explicit drop means the same as leaving the field out (default deny).
      if (ft->treatment.kind == TreatmentKind::kDrop) continue;
      fields.push_back(Json::array({ft->field, TreatmentJson(ft->treatment)}));
    }
    j["fields"] = std::move(fields);
    flows.push_back(std::move(j));
  }
  doc["flows"] = std::move(flows);

  // ensure_ascii keeps the bytes independent of how the dumper treats UTF-8;
  // replace invalid UTF-8 rather than throw.
  return std::string(kAgreementDomain) +
         doc.dump(-1, ' ', true, Json::error_handler_t::replace);
}

std::array<uint8_t, 32> FingerprintBytes(const Agreement& agreement) {
  return Sha256(CanonicalBytes(agreement));
}

std::string Fingerprint(const Agreement& agreement) {
  return Sha256Text(FingerprintBytes(agreement));
}

}  // namespace accord::policy
