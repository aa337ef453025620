// Semantic checks on a structurally parsed agreement.
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "accord/policy/treatment_rules.h"
#include "agreement_parser_support.h"
#include "lint.h"

namespace accord::policy::internal {
namespace {

// Reports the second and later uses of the same id. `path_of(i)` is the
// source path of item i.
template <typename T, typename KeyFn, typename PathFn>
void CheckDuplicates(const std::vector<T>& items, KeyFn key_of, PathFn path_of,
                     std::string_view what, const SourceMap& where, DiagnosticSink& sink) {
  absl::flat_hash_map<std::string, size_t> first;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& key = key_of(items[i]);
    if (key.empty()) continue;
    auto [it, inserted] = first.emplace(key, i);
    if (inserted) continue;
    sink.Error(where.Get(path_of(i)), "duplicate-id",
               absl::StrCat(Sv(what), " ", Quoted(key), " is declared twice (first at line ",
                            where.Get(path_of(it->second)).line,
                            "); each must be unique"));
  }
}

std::string TreatmentCode(const Treatment& t) {
  switch (t.generalisation) {
    case Generalisation::kAgeBand: return "bad-age-bands";
    case Generalisation::kGrid: return "bad-grid";
    case Generalisation::kBucket: return "bad-bucket";
    default: return "bad-treatment";
  }
}

class Linter {
 public:
  Linter(const Agreement& a, const SourceMap& where, DiagnosticSink& sink)
      : a_(a), where_(where), sink_(sink) {
    for (const Party& p : a.parties) party_ids_.push_back(p.id);
    for (const DatasetSpec& d : a.datasets) dataset_names_.push_back(d.name);
  }

  void Run() {
    CheckDuplicates(a_.parties, [](const Party& p) -> const std::string& { return p.id; },
                    [](size_t i) { return absl::StrCat("parties[", i, "].id"); }, "party id",
                    where_, sink_);
    CheckDuplicates(a_.datasets,
                    [](const DatasetSpec& d) -> const std::string& { return d.name; },
                    [](size_t i) { return absl::StrCat("datasets[", i, "].name"); },
                    "dataset name", where_, sink_);
    CheckDuplicates(a_.flows, [](const Flow& f) -> const std::string& { return f.id; },
                    [](size_t i) { return absl::StrCat("flows[", i, "].id"); }, "flow id",
                    where_, sink_);
    for (size_t i = 0; i < a_.datasets.size(); ++i) CheckDataset(i);
    for (size_t i = 0; i < a_.flows.size(); ++i) CheckFlow(i);
    for (size_t i = 0; i < a_.signatures.size(); ++i) CheckSignature(i);
    for (size_t i = 0; i < a_.parties.size(); ++i) CheckPartyUsed(i);
  }

 private:
  void CheckDataset(size_t i) {
    const DatasetSpec& ds = a_.datasets[i];
    std::string path = absl::StrCat("datasets[", i, "]");
    CheckDuplicates(ds.fields, [](const FieldSpec& f) -> const std::string& { return f.name; },
                    [&](size_t j) { return absl::StrCat(path, ".fields[", j, "].name"); },
                    absl::StrCat("in dataset ", Quoted(ds.name), ", field"), where_, sink_);
    for (size_t j = 0; j < ds.fields.size(); ++j) {
      const FieldSpec& f = ds.fields[j];
      std::string fpath = absl::StrCat(path, ".fields[", j, "]");
      if (where_.IsBroken(fpath)) continue;
      if (f.type == FieldType::kCategory && f.allowed_values.empty()) {
        sink_.Error(f.location, "category-without-values",
                    absl::StrCat("field ", Quoted(f.name), " of dataset ", Quoted(ds.name),
                                 " is a category but lists no values; add e.g. "
                                 "values: [knife, blunt_object, other]"));
      }
      if (f.type != FieldType::kCategory && !f.allowed_values.empty()) {
        sink_.Error(where_.Get(fpath + ".values"), "bad-value",
                    absl::StrCat("field ", Quoted(f.name), " of dataset ", Quoted(ds.name),
                                 " lists values, but only category fields take values"));
      }
    }
  }

  void CheckPartyRef(const Flow& flow, const std::string& id, SourceLocation at, bool provider) {
    const Party* p = a_.FindParty(id);
    std::string verb = provider ? "sends from" : "sends to";
    if (p == nullptr) {
      sink_.Error(at, "unknown-party",
                  absl::StrCat("flow ", Quoted(flow.id), " ", verb, " ", Quoted(id),
                               ", which is not a party to this agreement",
                               DidYouMean(id, party_ids_)));
      return;
    }
    if (provider && !p->IsProvider()) {
      sink_.Error(at, "wrong-role",
                  absl::StrCat("flow ", Quoted(flow.id), " sends from ", Quoted(id),
                               ", but that party's role is recipient; make it provider or both"));
    }
    if (!provider && !p->IsRecipient()) {
      sink_.Error(at, "wrong-role",
                  absl::StrCat("flow ", Quoted(flow.id), " sends to ", Quoted(id),
                               ", but that party's role is provider; make it recipient or both"));
    }
  }

  void CheckFlow(size_t i) {
    const Flow& flow = a_.flows[i];
    std::string path = absl::StrCat("flows[", i, "]");
    if (!flow.provider.empty()) CheckPartyRef(flow, flow.provider, where_.Get(path + ".from"), true);
    absl::flat_hash_set<std::string> seen;
    for (size_t j = 0; j < flow.recipients.size(); ++j) {
      SourceLocation at = where_.Get(absl::StrCat(path, ".to[", j, "]"));
      if (!seen.insert(flow.recipients[j]).second) {
        sink_.Error(at, "duplicate-id",
                    absl::StrCat("flow ", Quoted(flow.id), " lists recipient ",
                                 Quoted(flow.recipients[j]), " twice"));
        continue;
      }
      CheckPartyRef(flow, flow.recipients[j], at, false);
    }
    bool sends_something = false;
    for (const FieldTreatment& ft : flow.fields) {
      if (ft.treatment.kind != TreatmentKind::kDrop) sends_something = true;
    }
    if (!sends_something && !flow.recipients.empty()) {
      sink_.Error(where_.Get(path + ".fields"), "no-fields",
                  absl::StrCat("flow ", Quoted(flow.id),
                               " sends no fields to its recipients; list each field that "
                               "leaves with its treatment (anything not listed is dropped)"));
    }
    if (flow.dataset.empty()) return;
    const DatasetSpec* ds = a_.FindDataset(flow.dataset);
    if (ds == nullptr) {
      sink_.Error(where_.Get(path + ".dataset"), "unknown-dataset",
                  absl::StrCat("flow ", Quoted(flow.id), " names dataset ", Quoted(flow.dataset),
                               ", which the agreement does not declare",
                               DidYouMean(flow.dataset, dataset_names_)));
      return;
    }
    size_t ds_index = ds - a_.datasets.data();
    std::vector<std::string> field_names;
    for (const FieldSpec& f : ds->fields) field_names.push_back(f.name);
    for (const FieldTreatment& ft : flow.fields) CheckTreatment(flow, path, *ds, ds_index, ft, field_names);
    CheckArea(flow, path, *ds);
  }

  void CheckTreatment(const Flow& flow, const std::string& path, const DatasetSpec& ds,
                      size_t ds_index, const FieldTreatment& ft,
                      const std::vector<std::string>& field_names) {
    std::string tpath = absl::StrCat(path, ".fields.", ft.field);
    const FieldSpec* field = ds.FindField(ft.field);
    if (field == nullptr) {
      sink_.Error(ft.location, "unknown-field",
                  absl::StrCat("flow ", Quoted(flow.id), " names field ", Quoted(ft.field),
                               ", which dataset ", Quoted(ds.name), " does not have",
                               DidYouMean(ft.field, field_names)));
      return;
    }
    if (where_.IsBroken(tpath)) return;
    size_t field_index = field - ds.fields.data();
    if (where_.IsBroken(absl::StrCat("datasets[", ds_index, "].fields[", field_index, "]"))) return;
    std::string prefix = absl::StrCat("flow ", Quoted(flow.id), ", field ", Quoted(ft.field), ": ");
    const Treatment& t = ft.treatment;
    SourceLocation at = t.location.line ? t.location : ft.location;
    if (absl::Status s = CheckTreatmentType(t, field->type); !s.ok()) {
      sink_.Error(at, "bad-treatment", absl::StrCat(prefix, s.message()));
      return;
    }
    if (absl::Status s = CheckTreatmentParameters(t); !s.ok()) {
      sink_.Error(at, TreatmentCode(t), absl::StrCat(prefix, s.message()));
    }
    if (std::optional<ModeViolation> v = CheckModeRules(t, *field, flow.mode)) {
      sink_.Error(at, v->code, absl::StrCat(prefix, v->message));
      return;
    }
    if (t.kind == TreatmentKind::kEncrypt) {
      for (const std::string& r : flow.recipients) {
        const Party* p = a_.FindParty(r);
        if (p != nullptr && p->encryption_key_pem.empty()) {
          sink_.Error(at, "missing-encryption-key",
                      absl::StrCat(prefix, "encrypts for recipient ", Quoted(r),
                                   ", but that party has no encryption_key (an X25519 public key "
                                   "PEM); the recipient creates one with `accordctl keygen "
                                   "--type x25519 --out NAME` and adds NAME.pub with `accordctl "
                                   "agreement set-key FILE --party ", r,
                                   " --encryption --public-key NAME.pub`"));
        }
      }
    }
  }

  void CheckArea(const Flow& flow, const std::string& path, const DatasetSpec& ds) {
    if (flow.area_field.empty()) return;
    SourceLocation at = where_.Get(path + ".area");
    const FieldTreatment* ft = flow.FindField(flow.area_field);
    if (ft == nullptr || ft->treatment.kind == TreatmentKind::kDrop) {
      sink_.Error(at, "bad-area",
                  absl::StrCat("flow ", Quoted(flow.id), " uses ", Quoted(flow.area_field),
                               " as its area, but the flow does not send that field; add it "
                               "with {generalise: sector}, {generalise: district} or "
                               "{generalise: grid, metres: N}"));
      return;
    }
    Generalisation g = ft->treatment.generalisation;
    if (ft->treatment.kind != TreatmentKind::kGeneralise ||
        (g != Generalisation::kPostcodeSector && g != Generalisation::kPostcodeDistrict &&
         g != Generalisation::kGrid)) {
      sink_.Error(at, "bad-area",
                  absl::StrCat("flow ", Quoted(flow.id), ": area field ", Quoted(flow.area_field),
                               " must be generalised to sector, district or grid, so that the "
                               "area key never identifies a person"));
    }
  }

  void CheckSignature(size_t i) {
    const Signature& s = a_.signatures[i];
    if (a_.FindParty(s.party) == nullptr) {
      sink_.Error(where_.Get(absl::StrCat("signatures[", i, "].party")), "unknown-signer",
                  absl::StrCat("signature #", i + 1, " is by ", Quoted(s.party),
                               ", which is not a party to this agreement",
                               DidYouMean(s.party, party_ids_)));
    }
  }

  void CheckPartyUsed(size_t i) {
    const Party& p = a_.parties[i];
    if (p.id.empty()) return;
    for (const Flow& f : a_.flows) {
      if (f.provider == p.id) return;
      for (const std::string& r : f.recipients) {
        if (r == p.id) return;
      }
    }
    sink_.Warning(p.location, "unused-party",
                  absl::StrCat("party ", Quoted(p.id), " takes part in no flow"));
  }

  const Agreement& a_;
  const SourceMap& where_;
  DiagnosticSink& sink_;
  std::vector<std::string> party_ids_;
  std::vector<std::string> dataset_names_;
};

}  // namespace

void LintAgreement(const Agreement& a, const SourceMap& where, DiagnosticSink& sink) {
  Linter(a, where, sink).Run();
}

}  // namespace accord::policy::internal
