#include "accord/policy/flow_engine.h"

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "accord/base/civil_text.h"
#include "accord/base/proto_time.h"
#include "accord/policy/normalise.h"
#include "accord/policy/canonical.h"
#include "accord/policy/generalise.h"
#include "accord/policy/openssl.h"

namespace accord::policy {
namespace {

Rejection Reject(v1::RejectReason reason, std::string_view field, std::string message) {
  return Rejection{reason, std::string(field), std::move(message)};
}

using base::ToTime;

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* ts) { base::ToTimestampMicros(t, ts); }

std::optional<IdentifierKind> KnownKind(const FieldSpec& spec) {
  switch (spec.type) {
    case FieldType::kName: return IdentifierKind::kName;
    case FieldType::kPhone: return IdentifierKind::kPhone;
    case FieldType::kEmail: return IdentifierKind::kEmail;
    case FieldType::kPostcode: return IdentifierKind::kPostcode;
    case FieldType::kNhsNumber: return IdentifierKind::kNhsNumber;
    case FieldType::kDate: return IdentifierKind::kDateOfBirth;
    case FieldType::kString: return IdentifierKind::kOther;
    default: return std::nullopt;
  }
}

// The schema index of each record field, found by name. Records usually send
// fields in schema order, so the scan starts where the last match was.
void IndexFields(const v1::Record& record, const DatasetSpec& schema,
                 std::vector<const v1::Field*>* by_index) {
  by_index->assign(schema.fields.size(), nullptr);
  size_t hint = 0;
  const size_t n = schema.fields.size();
  for (const v1::Field& field : record.fields()) {
    for (size_t k = 0; k < n; ++k) {
      const size_t i = hint + k < n ? hint + k : hint + k - n;
      if (schema.fields[i].name == field.name()) {
        (*by_index)[i] = &field;
        hint = i + 1;
        break;
      }
    }
  }
}

}  // namespace

FlowEngine::FlowEngine(std::shared_ptr<const Redactor> redactor)
    : redactor_(std::move(redactor)), policy_(PolicySet::Empty()) {}

void FlowEngine::SetPolicy(std::shared_ptr<const PolicySet> policy) {
  if (policy == policy_) return;
  policy_ = std::move(policy);
  pseudonymisers_.clear();
  pseudonymisers_.resize(policy_->agreements().size());
}

Pseudonymiser& FlowEngine::PseudonymiserFor(const CompiledAgreement& agreement) {
  auto& slot = pseudonymisers_[agreement.slot()];
  if (slot == nullptr) {
    auto clone = agreement.pseudonymiser().Clone();
    // Cloning a keyed MAC context only fails on allocation failure.
    if (!clone.ok()) std::abort();
    slot = std::make_unique<Pseudonymiser>(std::move(clone).value());
  }
  return *slot;
}

namespace {

// What ApplyFlow() would fail on but is knowable at ingest: an age band from
// a date of birth after the event date.
Rejection CheckDatesAgree(const CompiledFlow& flow, const v1::Record& record) {
  std::string event_day;
  for (const CompiledFieldPlan& plan : flow.plans) {
    if (plan.treatment->kind != TreatmentKind::kGeneralise ||
        plan.treatment->generalisation != Generalisation::kAgeBand) {
      continue;
    }
    for (const v1::Field& f : record.fields()) {
      if (f.name() != plan.spec->name || f.value().kind_case() != v1::Value::kDate) continue;
      auto dob = NormaliseDate(f.value().date());  // "YYYY-MM-DD": compares as text
      if (!dob.ok()) break;                         // the schema check reports it
      if (event_day.empty()) {
        const absl::Time event = absl::FromUnixSeconds(record.event_time().seconds());
        const absl::CivilDay day = absl::ToCivilDay(event, absl::UTCTimeZone());
        if (base::AbslFormatsAsFourDigits(day.year())) {
          base::AppendCivilDay(day, &event_day);
        } else {
          event_day = absl::FormatCivilTime(day);
        }
      }
      if (*dob > event_day) {
        return Reject(v1::REJECT_CONTRADICTORY_DATES, plan.spec->name,
                      absl::StrCat("field '", plan.spec->name,
                                   "' (a date of birth) is after the event date; check both dates"));
      }
      break;
    }
  }
  return {};
}

}  // namespace

Rejection FlowEngine::Validate(const v1::Record& record, size_t serialized_size,
                               const RecordLimits& limits) const {
  Rejection r = CheckRecordEnvelope(record, serialized_size, limits);
  if (!r.ok()) return r;
  auto flows = policy_->FlowsFor(record.provider(), record.dataset());
  if (flows.empty()) {
    return Reject(v1::REJECT_NO_AGREEMENT, "",
                  absl::StrCat("no active agreement lets '", record.provider(),
                               "' share dataset '", record.dataset(), "'"));
  }
  const DatasetSpec* last_checked = nullptr;
  bool version_matched = false;
  for (const CompiledFlow* flow : flows) {
    if (flow->dataset->version != record.dataset_version()) continue;
    version_matched = true;
    if (flow->dataset != last_checked) {
      r = ValidateAgainstSchema(record, *flow->dataset);
      if (!r.ok()) return r;
      last_checked = flow->dataset;
    }
    r = CheckDatesAgree(*flow, record);
    if (!r.ok()) return r;
  }
  if (!version_matched) {
    return Reject(v1::REJECT_UNKNOWN_DATASET, "",
                  absl::StrCat("no active agreement covers version ", record.dataset_version(),
                               " of dataset '", record.dataset(), "'"));
  }
  return {};
}

void FlowEngine::Process(const v1::Record& record, size_t serialized_size,
                         const RecordLimits& limits, ProcessResult* result) {
  result->rejection = Validate(record, serialized_size, limits);
  if (!result->rejection.ok()) return;
  Apply(record, result);
}

void FlowEngine::Recycle(ProcessResult* result) {
  constexpr size_t kMaxSpare = 8;
  for (FlowOutput& out : result->outputs) {
    if (spare_.size() == kMaxSpare) break;
    out.record.Clear();  // keeps its repeated fields' elements and string capacity
    spare_.push_back(std::move(out.record));
  }
  result->outputs.clear();
  result->rejection = {};
}

void FlowEngine::Apply(const v1::Record& record, ProcessResult* result) {
  const size_t first_output = result->outputs.size();
  for (const CompiledFlow* flow : policy_->FlowsFor(record.provider(), record.dataset())) {
    if (flow->dataset->version != record.dataset_version()) continue;
    absl::Status s = ApplyFlow(*flow, record, result);
    if (!s.ok()) {
      result->outputs.resize(first_output);
      result->rejection = Reject(v1::REJECT_INVALID_VALUE, "", std::string(s.message()));
      return;
    }
  }
}

absl::Status FlowEngine::ApplyFlow(const CompiledFlow& cf, const v1::Record& record,
                                   ProcessResult* result) {
  const Flow& flow = *cf.flow;
  const CompiledAgreement& ca = *cf.agreement;
  const Agreement& agreement = ca.agreement();
  Pseudonymiser& pseudonymiser = PseudonymiserFor(ca);
  IndexFields(record, *cf.dataset, &by_schema_index_);

  const absl::Time event_time = ToTime(record.event_time());
  v1::CleanedRecord base;
  if (!spare_.empty()) {
    base.Swap(&spare_.back());  // a cleared record whose memory is reused
    spare_.pop_back();
  }
  base.set_agreement_id(agreement.id);
  base.set_agreement_version(agreement.version);
  base.set_agreement_fingerprint(ca.fingerprint());
  base.set_flow_id(flow.id);
  base.set_provider(record.provider());
  base.set_dataset(record.dataset());
  base.set_dataset_version(record.dataset_version());
  pseudonymiser.RecordRef(record.provider(), record.dataset(), record.record_id(),
                          base.mutable_record_ref());
  SetTimestamp(TruncateTime(event_time, flow.event_time), base.mutable_event_time());

  // Known identifiers of this record, for redaction of its free text.
  // Every one of them, however many the dataset declares (inline up to 32).
  absl::InlinedVector<KnownIdentifier, 32> known;
  bool has_redaction = false;
  for (const CompiledFieldPlan& plan : cf.plans) {
    has_redaction |= plan.treatment->kind == TreatmentKind::kRedact;
  }
  if (has_redaction) {
    for (int index : cf.direct_identifiers) {
      const v1::Field* f = by_schema_index_[index];
      if (f == nullptr) continue;
      auto kind = KnownKind(cf.dataset->fields[index]);
      if (!kind) continue;
      const v1::Value& v = f->value();
      if (v.kind_case() == v1::Value::kText) {
        known.push_back(KnownIdentifier{*kind, v.text()});
      } else if (v.kind_case() == v1::Value::kDate) {
        known.push_back(KnownIdentifier{*kind, v.date()});
      }
    }
  }

  // (output field position, schema index) of fields sealed per recipient.
  std::vector<std::pair<int, int>> sealed_plans;
  for (size_t p = 0; p < cf.plans.size(); ++p) {
    const CompiledFieldPlan& plan = cf.plans[p];
    const v1::Field* in = by_schema_index_[plan.schema_index];
    if (in == nullptr) continue;  // optional field not sent
    const Treatment& t = *plan.treatment;
    v1::Field* out = base.add_fields();
    out->set_name(plan.spec->name);
    switch (t.kind) {
      case TreatmentKind::kKeep:
        *out->mutable_value() = in->value();
        break;
      case TreatmentKind::kPseudonymise: {
        absl::Status s = pseudonymiser.Pseudonymise(plan.spec->type, in->value(),
                                                    out->mutable_value()->mutable_text());
        if (!s.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("field '", plan.spec->name, "' cannot be pseudonymised: ", s.message()));
        }
        break;
      }
      case TreatmentKind::kGeneralise: {
        absl::Status s = Generalise(t, plan.spec->type, in->value(), event_time, out->mutable_value());
        if (!s.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("field '", plan.spec->name, "' cannot be generalised: ", s.message()));
        }
        if (static_cast<int>(p) == cf.area_plan && out->value().kind_case() == v1::Value::kText) {
          base.set_area(out->value().text());
        }
        break;
      }
      case TreatmentKind::kRedact: {
        absl::Status s = redactor_->Redact(in->value().text(),
                                           absl::MakeConstSpan(known),
                                           out->mutable_value()->mutable_text());
        if (!s.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("field '", plan.spec->name, "' cannot be redacted: ", s.message()));
        }
        break;
      }
      case TreatmentKind::kEncrypt:
        sealed_plans.emplace_back(base.fields_size() - 1, plan.schema_index);
        break;
      case TreatmentKind::kDrop:
        break;
    }
  }

  for (size_t r = 0; r < flow.recipients.size(); ++r) {
    FlowOutput& output = result->outputs.emplace_back();
    output.flow = &cf;
    output.recipient_index = static_cast<int>(r);
    // The last recipient takes the base record; earlier ones get copies.
    if (r + 1 == flow.recipients.size()) {
      output.record = std::move(base);
    } else {
      output.record = base;
    }
    v1::CleanedRecord& rec = output.record;
    const std::string& recipient = flow.recipients[r];
    rec.set_recipient(recipient);
    for (const auto& [field_pos, schema_index] : sealed_plans) {
      v1::Field* f = rec.mutable_fields(field_pos);
      const v1::Field* in = by_schema_index_[schema_index];
      absl::Status s = cf.sealers[r]->Seal(f->name(), in->value(),
                                           f->mutable_value()->mutable_sealed());
      if (!s.ok()) return s;
    }
    // delivery_id = "d1_" + hex(SHA-256(agreement id, version, flow, recipient, record_ref)[0..16)).
    scratch_.clear();
    absl::StrAppend(&scratch_, agreement.id, "\x1f", agreement.version, "\x1f", flow.id, "\x1f",
                    recipient, "\x1f", rec.record_ref());
    const std::array<uint8_t, 32> digest = Sha256(scratch_);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string* id = rec.mutable_delivery_id();
    id->assign("d1_");
    id->resize(3 + 32);
    for (size_t k = 0; k < 16; ++k) {
      (*id)[3 + 2 * k] = kHex[digest[k] >> 4];
      (*id)[4 + 2 * k] = kHex[digest[k] & 0x0f];
    }
  }
  return absl::OkStatus();
}

}  // namespace accord::policy
