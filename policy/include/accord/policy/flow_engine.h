// Applies the active flows to a record: validation, then every flow's
// treatments, producing one CleanedRecord per (flow, recipient).
//
// Threading: a FlowEngine is NOT thread-safe; give each worker thread its
// own. It holds per-thread clones of the pre-keyed pseudonymisers and reusable
// scratch buffers, so steady-state processing does not allocate keys or
// contexts. The PolicySet it reads is immutable and shared.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "accord/policy/openssl.h"
#include "accord/policy/policy_set.h"
#include "accord/policy/record_validator.h"
#include "accord/policy/redactor.h"
#include "accord/v1/record.pb.h"

namespace accord::policy {

// One disclosure produced by a flow.
struct FlowOutput {
  const CompiledFlow* flow = nullptr;
  int recipient_index = 0;          // into flow->flow->recipients
  v1::CleanedRecord record;
};

// Result of processing one record.
struct ProcessResult {
  // Non-OK rejection: the record must not be stored.
  Rejection rejection;
  // The flows that apply, one output per (flow, recipient).
  std::vector<FlowOutput> outputs;
};

class FlowEngine {
 public:
  explicit FlowEngine(std::shared_ptr<const Redactor> redactor);

  // Switches to another policy snapshot (cheap; clones keys lazily).
  void SetPolicy(std::shared_ptr<const PolicySet> policy);
  const std::shared_ptr<const PolicySet>& policy() const { return policy_; }

  // Validates `record` (envelope, then the schema of each applicable
  // agreement). REJECT_NO_AGREEMENT when no active flow covers (provider,
  // dataset, version); REJECT_CONTRADICTORY_DATES for a date of birth after
  // the event (a record Apply() could not band). Does not apply any
  // treatment.
  Rejection Validate(const v1::Record& record, size_t serialized_size,
                     const RecordLimits& limits) const;

  // Applies every applicable flow to a record that passed Validate(),
  // appending outputs to *result. A value that a treatment cannot process
  // (e.g. an unparseable date for an age band) rejects the whole record with
  // REJECT_INVALID_VALUE naming the field, and produces no outputs.
  void Apply(const v1::Record& record, ProcessResult* result);

  // Validate() then Apply().
  void Process(const v1::Record& record, size_t serialized_size,
               const RecordLimits& limits, ProcessResult* result);

  // Empties `result` for the next record like `result->outputs.clear()`, but
  // keeps (a few of) its cleaned records' memory for this engine's next
  // outputs: callers that consume each result before the next record save
  // most per-field allocations. `result` must have been filled by this engine.
  void Recycle(ProcessResult* result);

 private:
  absl::Status ApplyFlow(const CompiledFlow& flow, const v1::Record& record,
                         ProcessResult* result);
  Pseudonymiser& PseudonymiserFor(const CompiledAgreement& agreement);

  std::shared_ptr<const Redactor> redactor_;
  std::shared_ptr<const PolicySet> policy_;
  std::vector<std::unique_ptr<Pseudonymiser>> pseudonymisers_;  // by agreement slot
  std::vector<const v1::Field*> by_schema_index_;                // scratch
  std::string scratch_;
  std::vector<v1::CleanedRecord> spare_;  // cleared records from Recycle(), reused by ApplyFlow

};

}  // namespace accord::policy
