#include "mapping_check.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace accord::connect {

ValueKind KindForType(policy::FieldType type) {
  using policy::FieldType;
  switch (type) {
    case FieldType::kInteger: return ValueKind::kInteger;
    case FieldType::kDecimal: return ValueKind::kDecimal;
    case FieldType::kBoolean: return ValueKind::kBoolean;
    case FieldType::kDate: return ValueKind::kDate;
    case FieldType::kDateTime: return ValueKind::kDateTime;
    case FieldType::kGeoPoint: return ValueKind::kGeo;
    default: return ValueKind::kText;
  }
}

CheckReport CheckMapping(const Mapping& m, const policy::Agreement& a) {
  CheckReport report;
  auto error = [&](std::string s) { report.errors.push_back(std::move(s)); };
  const policy::Party* party = a.FindParty(m.provider);
  if (party == nullptr) {
    error(absl::StrCat("provider ", m.provider, " is not a party to agreement ", a.id));
  } else if (!party->IsProvider()) {
    error(absl::StrCat("provider ", m.provider, " is only a recipient in agreement ", a.id));
  }
  const policy::DatasetSpec* ds = a.FindDataset(m.dataset);
  if (ds == nullptr) {
    error(absl::StrCat("dataset ", m.dataset, " is not in agreement ", a.id));
    return report;
  }
  if (ds->version != m.dataset_version) {
    error(absl::StrCat("dataset ", m.dataset, " is version ", ds->version,
                       " in the agreement; the mapping says ", m.dataset_version));
  }
  for (const FieldMapping& f : m.fields) {
    const policy::FieldSpec* spec = ds->FindField(f.field);
    const std::string at = absl::StrCat("field ", f.field, " (mapping line ", f.yaml_line, "): ");
    if (spec == nullptr) {
      error(at + absl::StrCat("not in dataset ", m.dataset));
      continue;
    }
    const ValueKind want = KindForType(spec->type);
    if (want != f.kind) {
      error(at + absl::StrCat("the schema type is ", std::string(policy::FieldTypeName(spec->type)),
                              ", sent as ", std::string(ValueKindName(want)),
                              "; the mapping makes ", std::string(ValueKindName(f.kind))));
    }
    if (spec->type == policy::FieldType::kCategory) {
      const auto& allowed = spec->allowed_values;
      auto check_value = [&](const std::string& v, absl::string_view what) {
        if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
          error(at + absl::StrCat(what, " \"", v, "\" is not an allowed value"));
        }
      };
      if (f.constant) check_value(*f.constant, "constant");
      if (f.default_value) check_value(*f.default_value, "default");
      for (const auto& [from, to] : f.values) check_value(to, "recoded value");
      if (!f.constant && f.values.empty()) {
        report.warnings.push_back(at + "category values are sent as found (after trim/case); "
                                       "unknown ones are rejected per row");
      }
    }
  }
  for (const policy::FieldSpec& spec : ds->fields) {
    const bool mapped = std::any_of(m.fields.begin(), m.fields.end(),
                                    [&](const FieldMapping& f) { return f.field == spec.name; });
    if (mapped) continue;
    if (spec.required) {
      error(absl::StrCat("field ", spec.name, ": required by dataset ", m.dataset, " but not mapped"));
    } else {
      report.warnings.push_back(absl::StrCat("field ", spec.name, ": in the schema, not mapped"));
    }
  }
  return report;
}

}  // namespace accord::connect
