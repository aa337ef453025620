// Structural parse of an agreement document: YAML -> Agreement, with every
// problem reported. Semantic cross-checks live in lint.cc.
#include "accord/policy/agreement_parser.h"

#include <sstream>
#include <string>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "accord/policy/signing.h"
#include "agreement_parser_support.h"
#include "lint.h"

namespace accord::policy {
namespace {

using internal::Ctx;
using internal::DiagnosticSink;
using internal::Fields;
using internal::KeyValue;
using internal::Loc;
using internal::NodeReader;
using internal::Quoted;
using internal::SourceMap;
using internal::PreScan;
using internal::SyntaxError;

constexpr std::string_view kTopKeys[] = {
    "id", "version", "title", "purpose", "legal_basis", "valid_from", "valid_until",
    "review_by", "retention_days", "small_number_threshold", "parties", "datasets", "flows",
    "signatures"};
constexpr std::string_view kPartyKeys[] = {"id", "name", "role", "contact", "signing_key",
                                           "signing_key_fingerprint", "encryption_key"};
constexpr std::string_view kDatasetKeys[] = {"name", "version", "fields"};
constexpr std::string_view kFieldKeys[] = {"name", "type", "class", "required", "values",
                                           "max_length"};
constexpr std::string_view kFlowKeys[] = {"id", "from", "to", "dataset", "purpose", "mode",
                                          "event_time", "area", "fields"};
constexpr std::string_view kGeneraliseKeys[] = {"generalise", "bands", "metres", "width"};
constexpr std::string_view kSignatureKeys[] = {"party", "fingerprint", "signed_at", "signature",
                                               "public_key"};

constexpr std::pair<std::string_view, PartyRole> kRoles[] = {
    {"provider", PartyRole::kProvider}, {"recipient", PartyRole::kRecipient},
    {"both", PartyRole::kBoth}};
constexpr std::pair<std::string_view, FieldType> kTypes[] = {
    {"string", FieldType::kString},     {"name", FieldType::kName},
    {"integer", FieldType::kInteger},   {"decimal", FieldType::kDecimal},
    {"boolean", FieldType::kBoolean},   {"date", FieldType::kDate},
    {"datetime", FieldType::kDateTime}, {"postcode", FieldType::kPostcode},
    {"nhs_number", FieldType::kNhsNumber}, {"phone", FieldType::kPhone},
    {"email", FieldType::kEmail},       {"geo_point", FieldType::kGeoPoint},
    {"category", FieldType::kCategory}, {"free_text", FieldType::kFreeText}};
constexpr std::pair<std::string_view, Classification> kClasses[] = {
    {"direct_identifier", Classification::kDirectIdentifier},
    {"quasi_identifier", Classification::kQuasiIdentifier},
    {"sensitive", Classification::kSensitive},
    {"non_personal", Classification::kNonPersonal}};
constexpr std::pair<std::string_view, FlowMode> kModes[] = {
    {"depersonalised", FlowMode::kDepersonalised}, {"personal", FlowMode::kPersonal}};
constexpr std::pair<std::string_view, Generalisation> kEventTimes[] = {
    {"hour", Generalisation::kHour}, {"day", Generalisation::kDay},
    {"week", Generalisation::kIsoWeek}, {"month", Generalisation::kMonth}};
constexpr std::pair<std::string_view, Generalisation> kGeneralisations[] = {
    {"sector", Generalisation::kPostcodeSector}, {"district", Generalisation::kPostcodeDistrict},
    {"age_band", Generalisation::kAgeBand},      {"hour", Generalisation::kHour},
    {"day", Generalisation::kDay},               {"week", Generalisation::kIsoWeek},
    {"month", Generalisation::kMonth},           {"grid", Generalisation::kGrid},
    {"bucket", Generalisation::kBucket}};
constexpr std::pair<std::string_view, TreatmentKind> kPlainTreatments[] = {
    {"keep", TreatmentKind::kKeep},           {"drop", TreatmentKind::kDrop},
    {"pseudonymise", TreatmentKind::kPseudonymise}, {"redact", TreatmentKind::kRedact},
    {"encrypt", TreatmentKind::kEncrypt}};

bool IsTextType(FieldType t) {
  switch (t) {
    case FieldType::kString:
    case FieldType::kName:
    case FieldType::kPostcode:
    case FieldType::kNhsNumber:
    case FieldType::kPhone:
    case FieldType::kEmail:
    case FieldType::kCategory:
    case FieldType::kFreeText:
      return true;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------

// The scalar value of `key` in mapping `node`, if there is one; used to name
// an item in messages before its keys are read.
std::string PeekScalar(const YAML::Node& node, std::string_view key) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key && it->second.IsScalar() &&
        internal::IsValidId(it->second.Scalar())) {
      return it->second.Scalar();
    }
  }
  return "";
}

class AgreementReader {
 public:
  AgreementReader(DiagnosticSink& sink, SourceMap& where) : r_(sink, where) {}

  Agreement Read(const YAML::Node& root);

 private:
  void ReadParty(const YAML::Node& node, size_t i, Agreement& a);
  void ReadDataset(const YAML::Node& node, size_t i, Agreement& a);
  void ReadField(const YAML::Node& node, const Ctx& parent, size_t j, DatasetSpec& ds);
  void ReadFlow(const YAML::Node& node, size_t i, Agreement& a);
  std::optional<Treatment> ReadTreatment(const KeyValue& kv, const Ctx& ctx);
  void ReadSignature(const YAML::Node& node, size_t i, Agreement& a);
  // Calls `each` for every item of a top-level list `key`.
  template <typename F>
  void ForEachItem(const Fields& top, std::string_view key, bool required, F each);

  DiagnosticSink& sink() { return r_.sink(); }

  NodeReader r_;
  Ctx doc_{"the agreement", "", {1, 1}};
};

template <typename F>
void AgreementReader::ForEachItem(const Fields& top, std::string_view key, bool required,
                                  F each) {
  const KeyValue* kv = top.Find(key);
  if (kv == nullptr) {
    if (required) {
      sink().Error(doc_.at, "missing-key", absl::StrCat("the agreement has no ", Quoted(key)));
    }
    return;
  }
  if (kv->value.IsNull()) {
    if (required) {
      sink().Error(kv->value_at, "empty-value", absl::StrCat("the agreement's ", Quoted(key),
                                                             " list is empty"));
    }
    return;
  }
  if (!kv->value.IsSequence()) {
    sink().Error(kv->value_at, "wrong-type",
                 absl::StrCat(Quoted(key), " must be a list of entries, each starting with '- '"));
    return;
  }
  size_t i = 0;
  for (auto it = kv->value.begin(); it != kv->value.end(); ++it, ++i) each(*it, i);
  if (i == 0 && required) {
    sink().Error(kv->value_at, "empty-value",
                 absl::StrCat("the agreement's ", Quoted(key), " list is empty"));
  }
}

Agreement AgreementReader::Read(const YAML::Node& root) {
  Agreement a;
  if (!root.IsMap()) {
    sink().Error(Loc(root.Mark()), "wrong-type",
                 "an agreement must be a YAML mapping of 'key: value' lines starting with 'id:'");
    return a;
  }
  Fields top = r_.ReadMapping(root, doc_, kTopKeys);

  if (auto v = r_.Id(top, "id", doc_, true)) a.id = *v;
  if (auto v = r_.Integer(top, "version", doc_, true, 1, UINT32_MAX)) a.version = *v;
  if (auto v = r_.Text(top, "title", doc_, true)) a.title = *v;
  if (auto v = r_.Text(top, "purpose", doc_, true,
                       "say why the data is shared, e.g. \"to reduce violent crime in the "
                       "night-time economy\"")) {
    a.purpose = *v;
  }
  if (auto v = r_.Text(top, "legal_basis", doc_, true,
                       "state the lawful basis, e.g. \"Crime and Disorder Act 1998 s115; UK "
                       "GDPR Art 6(1)(e)\"")) {
    a.legal_basis = *v;
  }
  auto from = r_.Date(top, "valid_from", doc_, true);
  auto until = r_.Date(top, "valid_until", doc_, true);
  auto review = r_.Date(top, "review_by", doc_, true);
  if (from) a.valid_from = *from;
  if (until) a.valid_until = *until;
  if (review) a.review_by = *review;
  if (from && until && *until < *from) {
    sink().Error(top.Find("valid_until")->value_at, "date-order",
                 absl::StrCat("valid_until (", absl::FormatCivilTime(*until),
                              ") is before valid_from (", absl::FormatCivilTime(*from), ")"));
  } else if (from && until && review && (*review < *from || *review > *until)) {
    sink().Error(top.Find("review_by")->value_at, "review-outside-validity",
                 absl::StrCat("review_by (", absl::FormatCivilTime(*review),
                              ") must fall within the validity period ",
                              absl::FormatCivilTime(*from), " to ", absl::FormatCivilTime(*until)));
  }
  if (auto v = r_.Integer(top, "retention_days", doc_, true, 1, 36500)) a.retention_days = *v;
  if (auto v = r_.Integer(top, "small_number_threshold", doc_, true, 0, 1000)) {
    a.small_number_threshold = *v;
  }

  ForEachItem(top, "parties", true,
              [&](const YAML::Node& n, size_t i) { ReadParty(n, i, a); });
  ForEachItem(top, "datasets", true,
              [&](const YAML::Node& n, size_t i) { ReadDataset(n, i, a); });
  ForEachItem(top, "flows", true, [&](const YAML::Node& n, size_t i) { ReadFlow(n, i, a); });
  ForEachItem(top, "signatures", false,
              [&](const YAML::Node& n, size_t i) { ReadSignature(n, i, a); });

  if (const KeyValue* sigs = top.Find("signatures");
      sigs != nullptr && &top.entries.back() != sigs) {
    sink().Warning(sigs->key_at, "signatures-not-last",
                   "'signatures' should be the last section of the document, so that "
                   "`accordctl agreement sign` can append to it");
  }

  for (Flow& flow : a.flows) {
    if (flow.purpose.empty()) flow.purpose = a.purpose;
  }
  return a;
}

void AgreementReader::ReadParty(const YAML::Node& node, size_t i, Agreement& a) {
  Ctx ctx{absl::StrCat("party #", i + 1), absl::StrCat("parties[", i, "]"), Loc(node.Mark())};
  if (!r_.ExpectMap(node, ctx)) return;
  if (std::string id = PeekScalar(node, "id"); !id.empty()) ctx.desc = absl::StrCat("party ", Quoted(id));
  Fields f = r_.ReadMapping(node, ctx, kPartyKeys);
  Party p;
  p.location = ctx.at;
  if (auto v = r_.Id(f, "id", ctx, true)) {
    p.id = *v;
    ctx.desc = absl::StrCat("party ", Quoted(p.id));
  }
  if (auto v = r_.Text(f, "name", ctx, true)) p.name = *v;
  if (auto v = r_.Enum(f, "role", ctx, true, absl::MakeConstSpan(kRoles))) p.role = *v;
  if (auto v = r_.Text(f, "contact", ctx, false)) p.contact = *v;

  const KeyValue* key_kv = f.Find("signing_key");
  const KeyValue* fp_kv = f.Find("signing_key_fingerprint");
  if (auto pem = r_.Text(f, "signing_key", ctx, false)) {
    absl::StatusOr<std::string> fp = PublicKeyFingerprint(*pem, KeyType::kEd25519);
    if (fp.ok()) {
      p.signing_key_pem = *pem;
      p.signing_key_fingerprint = *fp;
    } else {
      sink().Error(key_kv->value_at, "bad-key",
                   absl::StrCat(ctx.desc, ": signing_key ", fp.status().message()));
    }
  }
  if (auto fp = r_.Text(f, "signing_key_fingerprint", ctx, false)) {
    if (!internal::IsSha256Text(*fp)) {
      sink().Error(fp_kv->value_at, "bad-fingerprint",
                   absl::StrCat(ctx.desc,
                                ": signing_key_fingerprint must be 'sha256:' followed by 64 "
                                "lower-case hex digits (see `accordctl keygen`)"));
    } else if (!p.signing_key_fingerprint.empty() && p.signing_key_fingerprint != *fp) {
      sink().Error(fp_kv->value_at, "key-mismatch",
                   absl::StrCat(ctx.desc,
                                ": signing_key_fingerprint does not match signing_key; give "
                                "one or the other, or correct the fingerprint"));
    } else {
      p.signing_key_fingerprint = *fp;
    }
  }
  if (key_kv == nullptr && fp_kv == nullptr) {
    sink().Error(ctx.at, "missing-key",
                 absl::StrCat(ctx.desc,
                              " has no signing key: add signing_key (its Ed25519 public key "
                              "PEM) or signing_key_fingerprint"));
  }
  if (auto pem = r_.Text(f, "encryption_key", ctx, false)) {
    absl::StatusOr<std::string> fp = PublicKeyFingerprint(*pem, KeyType::kX25519);
    if (fp.ok()) {
      p.encryption_key_pem = *pem;
    } else {
      sink().Error(f.Find("encryption_key")->value_at, "bad-key",
                   absl::StrCat(ctx.desc, ": encryption_key ", fp.status().message()));
    }
  }
  a.parties.push_back(std::move(p));
}

void AgreementReader::ReadDataset(const YAML::Node& node, size_t i, Agreement& a) {
  Ctx ctx{absl::StrCat("dataset #", i + 1), absl::StrCat("datasets[", i, "]"),
          Loc(node.Mark())};
  if (!r_.ExpectMap(node, ctx)) return;
  if (std::string id = PeekScalar(node, "name"); !id.empty()) ctx.desc = absl::StrCat("dataset ", Quoted(id));
  Fields f = r_.ReadMapping(node, ctx, kDatasetKeys);
  DatasetSpec ds;
  ds.location = ctx.at;
  if (auto v = r_.Id(f, "name", ctx, true)) {
    ds.name = *v;
    ctx.desc = absl::StrCat("dataset ", Quoted(ds.name));
  }
  if (auto v = r_.Integer(f, "version", ctx, true, 1, UINT32_MAX)) ds.version = *v;
  const KeyValue* fields = f.Find("fields");
  if (fields == nullptr || fields->value.IsNull() ||
      (fields->value.IsSequence() && fields->value.size() == 0)) {
    sink().Error(fields ? fields->key_at : ctx.at, "missing-key",
                 absl::StrCat(ctx.desc, " declares no fields"));
  } else if (!fields->value.IsSequence()) {
    sink().Error(fields->value_at, "wrong-type",
                 absl::StrCat(ctx.desc, ": 'fields' must be a list of field entries"));
  } else {
    size_t j = 0;
    for (auto it = fields->value.begin(); it != fields->value.end(); ++it, ++j) {
      ReadField(*it, ctx, j, ds);
    }
  }
  a.datasets.push_back(std::move(ds));
}

void AgreementReader::ReadField(const YAML::Node& node, const Ctx& parent, size_t j,
                                DatasetSpec& ds) {
  Ctx ctx{absl::StrCat("field #", j + 1, " of ", parent.desc),
          absl::StrCat(parent.path, ".fields[", j, "]"), Loc(node.Mark())};
  if (!r_.ExpectMap(node, ctx)) return;
  if (std::string id = PeekScalar(node, "name"); !id.empty()) {
    ctx.desc = absl::StrCat("field ", Quoted(id), " of ", parent.desc);
  }
  Fields f = r_.ReadMapping(node, ctx, kFieldKeys);
  FieldSpec field;
  field.location = ctx.at;
  bool broken = false;
  if (auto v = r_.Id(f, "name", ctx, true)) {
    field.name = *v;
    ctx.desc = absl::StrCat("field ", Quoted(field.name), " of ", parent.desc);
  } else {
    broken = true;
  }
  if (auto v = r_.Enum(f, "type", ctx, true, absl::MakeConstSpan(kTypes))) {
    field.type = *v;
  } else {
    broken = true;
  }
  if (auto v = r_.Enum(f, "class", ctx, true, absl::MakeConstSpan(kClasses))) {
    field.classification = *v;
  }
  if (auto v = r_.Bool(f, "required", ctx)) field.required = *v;
  if (const KeyValue* values = f.Find("values")) {
    if (auto list = r_.ScalarList(*values, ctx, false)) {
      for (const auto& [value, at] : *list) {
        if (std::find(field.allowed_values.begin(), field.allowed_values.end(), value) !=
            field.allowed_values.end()) {
          sink().Error(at, "duplicate-value",
                       absl::StrCat(ctx.desc, " lists the value ", Quoted(value), " twice"));
          continue;
        }
        field.allowed_values.push_back(value);
      }
    }
  }
  const KeyValue* max_kv = f.Find("max_length");
  if (auto v = r_.Integer(f, "max_length", ctx, false, 1, 1 << 20)) {
    if (!broken && !IsTextType(field.type)) {
      sink().Error(max_kv->key_at, "bad-value",
                   absl::StrCat(ctx.desc, ": max_length applies only to text fields, not to ",
                                internal::Sv(FieldTypeName(field.type))));
    }
    field.max_length = *v;
  }
  if (field.max_length == 0 && IsTextType(field.type)) {
    field.max_length = field.type == FieldType::kFreeText ? 4096 : 256;
  }
  if (broken) r_.where().MarkBroken(ctx.path);
  ds.fields.push_back(std::move(field));
}

std::optional<Treatment> AgreementReader::ReadTreatment(const KeyValue& kv, const Ctx& ctx) {
  Treatment t;
  t.location = kv.value_at;
  if (kv.value.IsNull()) {
    sink().Error(kv.key_at, "empty-value",
                 absl::StrCat(ctx.desc, ": field ", Quoted(kv.key),
                              " has no treatment; write keep, drop, pseudonymise, redact, "
                              "encrypt or {generalise: ...}"));
    return std::nullopt;
  }
  if (kv.value.IsScalar()) {
    const std::string& name = kv.value.Scalar();
    for (const auto& [word, kind] : kPlainTreatments) {
      if (word == name) {
        t.kind = kind;
        return t;
      }
    }
    if (name == "generalise") {
      sink().Error(kv.value_at, "bad-treatment",
                   absl::StrCat(ctx.desc, ": field ", Quoted(kv.key),
                                ": generalise needs a target, e.g. {generalise: sector}"));
      return std::nullopt;
    }
    std::vector<std::string_view> words = {"keep", "drop", "pseudonymise", "redact", "encrypt",
                                           "generalise"};
    sink().Error(kv.value_at, "unknown-treatment",
                 absl::StrCat(ctx.desc, ": field ", Quoted(kv.key), " has unknown treatment ",
                              Quoted(name), internal::DidYouMean(name, absl::MakeConstSpan(words)),
                              "; use keep, drop, pseudonymise, redact, encrypt or {generalise: ...}"));
    return std::nullopt;
  }
  if (!kv.value.IsMap()) {
    sink().Error(kv.value_at, "wrong-type",
                 absl::StrCat(ctx.desc, ": the treatment of field ", Quoted(kv.key),
                              " must be a word (keep, drop, ...) or {generalise: ...}"));
    return std::nullopt;
  }
  Ctx tctx{absl::StrCat(ctx.desc, ", field ", Quoted(kv.key)),
           absl::StrCat(ctx.path, ".fields.", kv.key), kv.value_at};
  Fields f = r_.ReadMapping(kv.value, tctx, kGeneraliseKeys);
  t.kind = TreatmentKind::kGeneralise;
  auto g = r_.Enum(f, "generalise", tctx, true, absl::MakeConstSpan(kGeneralisations));
  if (!g) return std::nullopt;
  t.generalisation = *g;
  bool ok = true;
  auto only_for = [&](std::string_view key, Generalisation wanted, std::string_view name) {
    const KeyValue* p = f.Find(key);
    if (p != nullptr && t.generalisation != wanted) {
      sink().Error(p->key_at, "bad-value",
                   absl::StrCat(tctx.desc, ": ", Quoted(key), " applies only to generalise: ",
                                internal::Sv(name)));
      ok = false;
      return false;
    }
    return p != nullptr;
  };
  if (only_for("bands", Generalisation::kAgeBand, "age_band")) {
    const KeyValue* p = f.Find("bands");
    if (auto list = r_.ScalarList(*p, tctx, false)) {
      for (const auto& [text, at] : *list) {
        std::optional<int64_t> v = r_.ParseIntegerText(text);
        if (!v || *v < -1000 || *v > 1000) {
          sink().Error(at, "bad-age-bands",
                       absl::StrCat(tctx.desc, ": every age band must be a whole number of years"));
          ok = false;
          break;
        }
        t.age_bands.push_back(static_cast<int>(*v));
      }
    } else {
      ok = false;
    }
  }
  if (only_for("metres", Generalisation::kGrid, "grid")) {
    if (auto v = r_.Integer(f, "metres", tctx, true, -1000000, 1000000)) {
      t.grid_metres = static_cast<int>(*v);
    } else {
      ok = false;
    }
  }
  if (only_for("width", Generalisation::kBucket, "bucket")) {
    if (auto v = r_.Integer(f, "width", tctx, true, -1000000000, 1000000000)) {
      t.bucket_width = *v;
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return t;
}

void AgreementReader::ReadFlow(const YAML::Node& node, size_t i, Agreement& a) {
  Ctx ctx{absl::StrCat("flow #", i + 1), absl::StrCat("flows[", i, "]"), Loc(node.Mark())};
  if (!r_.ExpectMap(node, ctx)) return;
  if (std::string id = PeekScalar(node, "id"); !id.empty()) ctx.desc = absl::StrCat("flow ", Quoted(id));
  Fields f = r_.ReadMapping(node, ctx, kFlowKeys);
  Flow flow;
  flow.location = ctx.at;
  if (auto v = r_.Id(f, "id", ctx, true)) {
    flow.id = *v;
    ctx.desc = absl::StrCat("flow ", Quoted(flow.id));
  }
  if (auto v = r_.Text(f, "from", ctx, true)) flow.provider = *v;
  if (const KeyValue* to = f.Find("to")) {
    if (auto list = r_.ScalarList(*to, ctx, true)) {
      size_t j = 0;
      for (auto& [id, at] : *list) {
        r_.where().Set(absl::StrCat(ctx.path, ".to[", j++, "]"), at);
        flow.recipients.push_back(std::move(id));
      }
    }
  } else {
    sink().Error(ctx.at, "missing-key",
                 absl::StrCat(ctx.desc, " has no 'to': name the recipient party or parties"));
  }
  if (auto v = r_.Text(f, "dataset", ctx, true)) flow.dataset = *v;
  if (auto v = r_.Text(f, "purpose", ctx, false)) flow.purpose = *v;
  if (auto v = r_.Enum(f, "mode", ctx, true, absl::MakeConstSpan(kModes))) flow.mode = *v;
  if (auto v = r_.Enum(f, "event_time", ctx, false, absl::MakeConstSpan(kEventTimes))) {
    flow.event_time = *v;
  }
  if (auto v = r_.Text(f, "area", ctx, false)) flow.area_field = *v;
  if (const KeyValue* fields = f.Find("fields")) {
    if (fields->value.IsMap()) {
      Ctx fctx{ctx.desc, absl::StrCat(ctx.path, ".fields"), fields->value_at};
      for (auto it = fields->value.begin(); it != fields->value.end(); ++it) {
        SourceLocation key_at = Loc(it->first.Mark());
        if (!it->first.IsScalar()) {
          sink().Error(key_at, "wrong-type",
                       absl::StrCat(ctx.desc, ": field names must be plain words"));
          continue;
        }
        std::string name = it->first.Scalar();
        if (const FieldTreatment* first = flow.FindField(name)) {
          sink().Error(key_at, "duplicate-key",
                       absl::StrCat(ctx.desc, " lists field ", Quoted(name),
                                    " twice (first at line ", first->location.line, ")"));
          continue;
        }
        SourceLocation value_at = Loc(it->second.Mark());
        KeyValue kv{name, it->first, it->second, key_at, value_at.line ? value_at : key_at};
        r_.where().Set(absl::StrCat(fctx.path, ".", name), key_at);
        std::optional<Treatment> t = ReadTreatment(kv, fctx);
        if (!t) {
          r_.where().MarkBroken(absl::StrCat(fctx.path, ".", name));
          // Keep the entry so the flow is not reported as empty; it is
          // skipped by the treatment checks.
          t = Treatment{};
          t->kind = TreatmentKind::kDrop;
        }
        flow.fields.push_back({name, *t, key_at});
      }
    } else if (!fields->value.IsNull()) {
      sink().Error(fields->value_at, "wrong-type",
                   absl::StrCat(ctx.desc, ": 'fields' must map each field name to its "
                                          "treatment, one per line"));
    }
  }
  a.flows.push_back(std::move(flow));
}

void AgreementReader::ReadSignature(const YAML::Node& node, size_t i, Agreement& a) {
  Ctx ctx{absl::StrCat("signature #", i + 1), absl::StrCat("signatures[", i, "]"),
          Loc(node.Mark())};
  if (!r_.ExpectMap(node, ctx)) return;
  Fields f = r_.ReadMapping(node, ctx, kSignatureKeys);
  Signature s;
  s.location = ctx.at;
  bool ok = true;
  if (auto v = r_.Text(f, "party", ctx, true)) {
    s.party = *v;
    ctx.desc = absl::StrCat("the signature of ", Quoted(s.party));
  } else {
    ok = false;
  }
  if (auto v = r_.Text(f, "fingerprint", ctx, true)) {
    if (internal::IsSha256Text(*v)) {
      s.fingerprint = *v;
    } else {
      sink().Error(f.Find("fingerprint")->value_at, "bad-fingerprint",
                   absl::StrCat(ctx.desc, ": fingerprint must be 'sha256:' and 64 hex digits"));
      ok = false;
    }
  } else {
    ok = false;
  }
  if (auto v = r_.Text(f, "signed_at", ctx, true)) s.signed_at = *v;
  if (auto v = r_.Text(f, "signature", ctx, true)) {
    std::string raw;
    if (absl::Base64Unescape(*v, &raw) && raw.size() == 64) {
      s.signature_b64 = *v;
    } else {
      sink().Error(f.Find("signature")->value_at, "bad-signature",
                   absl::StrCat(ctx.desc, ": signature must be a base64 Ed25519 signature "
                                          "(64 bytes)"));
      ok = false;
    }
  } else {
    ok = false;
  }
  if (auto pem = r_.Text(f, "public_key", ctx, false)) {
    absl::StatusOr<std::string> fp = PublicKeyFingerprint(*pem, KeyType::kEd25519);
    if (fp.ok()) {
      s.public_key_pem = *pem;
    } else {
      sink().Error(f.Find("public_key")->value_at, "bad-key",
                   absl::StrCat(ctx.desc, ": public_key ", fp.status().message()));
      ok = false;
    }
  }
  if (ok) a.signatures.push_back(std::move(s));
}

}  // namespace

ParseResult ParseAgreement(std::string_view yaml_text, std::string_view source_name) {
  DiagnosticSink sink{std::string(source_name)};
  ParseResult result;
  if (yaml_text.size() > kMaxAgreementBytes) {
    sink.Error({}, "oversize",
               absl::StrCat("the document is ", yaml_text.size(), " bytes; agreements are limited to ",
                            kMaxAgreementBytes, " bytes (1 MiB)"));
    result.diagnostics = sink.Take();
    return result;
  }
  std::string text(yaml_text);
  if (!PreScan(text, sink)) {
    result.diagnostics = sink.Take();
    return result;
  }
  try {
    YAML::Node root = YAML::Load(text);
    SourceMap where;
    AgreementReader reader(sink, where);
    Agreement a = reader.Read(root);
    internal::LintAgreement(a, where, sink);
    a.source_name = std::string(source_name);
    if (!sink.has_errors()) result.agreement = std::move(a);
  } catch (const YAML::Exception& e) {
    SyntaxError(sink, e);
  } catch (const std::exception&) {
    sink.Error({}, "yaml-syntax", "this is not valid YAML");
  }
  result.diagnostics = sink.Take();
  if (HasErrors(result.diagnostics)) result.agreement.reset();
  return result;
}

absl::StatusOr<Agreement> ParseAgreementOrError(std::string_view yaml_text,
                                                std::string_view source_name) {
  ParseResult r = ParseAgreement(yaml_text, source_name);
  if (r.ok()) return std::move(*r.agreement);
  std::vector<std::string> lines;
  for (const Diagnostic& d : r.diagnostics) {
    if (d.severity == Diagnostic::Severity::kError) lines.push_back(FormatDiagnostic(d));
  }
  return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
}

}  // namespace accord::policy
