#include "accord/policy/agreement_diff.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace accord::policy {
namespace {

using FieldKey = std::tuple<std::string, std::string, std::string, std::string>;

// How much a treatment reveals; higher reveals more.
int Rank(const Treatment& t) {
  switch (t.kind) {
    case TreatmentKind::kDrop: return 0;
    case TreatmentKind::kRedact: return 1;
    case TreatmentKind::kGeneralise: return 2;
    case TreatmentKind::kPseudonymise: return 3;
    case TreatmentKind::kEncrypt: return 4;
    case TreatmentKind::kKeep: return 5;
  }
  return 0;
}

// Within generalise: how fine the result is; higher is finer.
int64_t Fineness(const Treatment& t) {
  switch (t.generalisation) {
    case Generalisation::kPostcodeDistrict: return 1;
    case Generalisation::kPostcodeSector: return 2;
    case Generalisation::kMonth: return 1;
    case Generalisation::kIsoWeek: return 2;
    case Generalisation::kDay: return 3;
    case Generalisation::kHour: return 4;
    case Generalisation::kGrid: return t.grid_metres > 0 ? -t.grid_metres : 0;
    case Generalisation::kBucket: return -t.bucket_width;
    case Generalisation::kAgeBand: return static_cast<int64_t>(t.age_bands.size());
    case Generalisation::kNone: return 0;
  }
  return 0;
}

bool MoreRevealing(const Treatment& before, const Treatment& after) {
  if (Rank(after) != Rank(before)) return Rank(after) > Rank(before);
  if (after.kind == TreatmentKind::kGeneralise && after.generalisation == before.generalisation) {
    return Fineness(after) > Fineness(before);
  }
  return false;
}

// Every (recipient, provider, dataset, field) that leaves, with its most
// revealing treatment across flows.
std::map<FieldKey, const Treatment*> Disclosures(const Agreement& a) {
  std::map<FieldKey, const Treatment*> out;
  for (const Flow& flow : a.flows) {
    for (const std::string& recipient : flow.recipients) {
      for (const FieldTreatment& ft : flow.fields) {
        if (ft.treatment.kind == TreatmentKind::kDrop) continue;
        auto [it, inserted] = out.try_emplace(
            FieldKey{recipient, flow.provider, flow.dataset, ft.field}, &ft.treatment);
        if (!inserted && MoreRevealing(*it->second, ft.treatment)) it->second = &ft.treatment;
      }
    }
  }
  return out;
}

template <typename T>
void Compare(std::vector<std::string>* out, const std::string& what, const T& before, const T& after) {
  if (before != after) out->push_back(absl::StrCat(what, " changed from ", before, " to ", after));
}

void CompareText(std::vector<std::string>* out, const std::string& what, const std::string& before,
                 const std::string& after) {
  if (before != after) {
    out->push_back(absl::StrCat(what, " changed from \"", before, "\" to \"", after, "\""));
  }
}

std::string FieldSignature(const FieldSpec& f) {
  return absl::StrCat(std::string(FieldTypeName(f.type)), ", ", std::string(ClassificationName(f.classification)),
                      f.required ? ", required" : "",
                      f.allowed_values.empty() ? "" : absl::StrCat(", values [", absl::StrJoin(f.allowed_values, ", "), "]"));
}

void CompareParties(const Agreement& before, const Agreement& after, std::vector<std::string>* out) {
  for (const Party& p : before.parties) {
    const Party* q = after.FindParty(p.id);
    if (q == nullptr) {
      out->push_back(absl::StrCat("party '", p.id, "' removed"));
      continue;
    }
    if (p.role != q->role) {
      out->push_back(absl::StrCat("party '", p.id, "' role changed from ", std::string(PartyRoleName(p.role)),
                                  " to ", std::string(PartyRoleName(q->role))));
    }
    if (p.signing_key_fingerprint != q->signing_key_fingerprint || p.signing_key_pem != q->signing_key_pem) {
      out->push_back(absl::StrCat("party '", p.id, "' signing key changed"));
    }
    if (p.encryption_key_pem != q->encryption_key_pem) {
      out->push_back(absl::StrCat("party '", p.id, "' encryption key changed"));
    }
    if (p.name != q->name || p.contact != q->contact) {
      out->push_back(absl::StrCat("party '", p.id, "' name or contact changed"));
    }
  }
  for (const Party& q : after.parties) {
    if (before.FindParty(q.id) == nullptr) {
      out->push_back(absl::StrCat("party '", q.id, "' (", q.name, ") added as ", std::string(PartyRoleName(q.role))));
    }
  }
}

void CompareDatasets(const Agreement& before, const Agreement& after, std::vector<std::string>* out) {
  for (const DatasetSpec& d : before.datasets) {
    const DatasetSpec* e = after.FindDataset(d.name);
    if (e == nullptr) {
      out->push_back(absl::StrCat("dataset '", d.name, "' removed"));
      continue;
    }
    Compare(out, absl::StrCat("dataset '", d.name, "' version"), d.version, e->version);
    for (const FieldSpec& f : d.fields) {
      const FieldSpec* g = e->FindField(f.name);
      if (g == nullptr) {
        out->push_back(absl::StrCat("dataset '", d.name, "' field '", f.name, "' removed"));
      } else if (FieldSignature(f) != FieldSignature(*g) || f.max_length != g->max_length) {
        out->push_back(absl::StrCat("dataset '", d.name, "' field '", f.name, "' changed from (",
                                    FieldSignature(f), ") to (", FieldSignature(*g), ")"));
      }
    }
    for (const FieldSpec& g : e->fields) {
      if (d.FindField(g.name) == nullptr) {
        out->push_back(absl::StrCat("dataset '", d.name, "' field '", g.name, "' added (",
                                    FieldSignature(g), ")"));
      }
    }
  }
  for (const DatasetSpec& e : after.datasets) {
    if (before.FindDataset(e.name) == nullptr) {
      out->push_back(absl::StrCat("dataset '", e.name, "' added"));
    }
  }
}

}  // namespace

std::string_view FieldChangeKindName(FieldChange::Kind kind) {
  switch (kind) {
    case FieldChange::Kind::kGained: return "gained";
    case FieldChange::Kind::kLost: return "lost";
    case FieldChange::Kind::kChanged: return "changed";
  }
  return "?";
}

AgreementDiff DiffAgreements(const Agreement& before, const Agreement& after) {
  AgreementDiff diff;
  auto& g = diff.general;
  CompareText(&g, "id", before.id, after.id);
  Compare(&g, "version", before.version, after.version);
  CompareText(&g, "title", before.title, after.title);
  CompareText(&g, "purpose", before.purpose, after.purpose);
  CompareText(&g, "legal basis", before.legal_basis, after.legal_basis);
  Compare(&g, "valid_from", absl::FormatCivilTime(before.valid_from), absl::FormatCivilTime(after.valid_from));
  Compare(&g, "valid_until", absl::FormatCivilTime(before.valid_until), absl::FormatCivilTime(after.valid_until));
  Compare(&g, "review_by", absl::FormatCivilTime(before.review_by), absl::FormatCivilTime(after.review_by));
  Compare(&g, "retention (days)", before.retention_days, after.retention_days);
  Compare(&g, "small-number threshold", before.small_number_threshold, after.small_number_threshold);
  CompareParties(before, after, &g);
  CompareDatasets(before, after, &g);

  auto old_fields = Disclosures(before);
  auto new_fields = Disclosures(after);
  auto emit = [&](const FieldKey& key, const Treatment* b, const Treatment* a) {
    FieldChange c;
    std::tie(c.recipient, c.provider, c.dataset, c.field) = key;
    if (b != nullptr) c.before = DescribeTreatment(*b);
    if (a != nullptr) c.after = DescribeTreatment(*a);
    if (b == nullptr) {
      c.kind = FieldChange::Kind::kGained;
      c.more_revealing = true;
    } else if (a == nullptr) {
      c.kind = FieldChange::Kind::kLost;
    } else {
      if (c.before == c.after) return;
      c.kind = FieldChange::Kind::kChanged;
      c.more_revealing = MoreRevealing(*b, *a);
    }
    diff.fields.push_back(std::move(c));
  };
  for (const auto& [key, t] : old_fields) {
    auto it = new_fields.find(key);
    emit(key, t, it == new_fields.end() ? nullptr : it->second);
  }
  for (const auto& [key, t] : new_fields) {
    if (!old_fields.contains(key)) emit(key, nullptr, t);
  }
  std::sort(diff.fields.begin(), diff.fields.end(), [](const FieldChange& x, const FieldChange& y) {
    return std::tie(x.recipient, x.provider, x.dataset, x.field) <
           std::tie(y.recipient, y.provider, y.dataset, y.field);
  });
  return diff;
}

}  // namespace accord::policy
