// The compiled set of active agreements, and the O(1) flow lookup.
//
// A PolicySet is built off the hot path whenever the set of active agreements
// changes, then shared read-only as std::shared_ptr<const PolicySet> and
// swapped atomically by the owner. Every const member is thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "accord/policy/agreement.h"
#include "accord/policy/pseudonymiser.h"
#include "accord/policy/sealed_value.h"

namespace accord::policy {

class CompiledAgreement;

// One field of a flow, resolved against the dataset schema at build time.
struct CompiledFieldPlan {
  int schema_index = -1;          // index into DatasetSpec::fields
  const FieldSpec* spec = nullptr;
  const Treatment* treatment = nullptr;
  std::string treatment_label;    // e.g. "generalise:sector"; for the ledger
};

// A flow ready to apply. Owned by its CompiledAgreement.
struct CompiledFlow {
  const CompiledAgreement* agreement = nullptr;
  const Flow* flow = nullptr;
  const DatasetSpec* dataset = nullptr;
  // In schema order; dropped fields are absent.
  std::vector<CompiledFieldPlan> plans;
  // Schema indexes of the dataset's direct identifiers (for redaction).
  std::vector<int> direct_identifiers;
  int area_plan = -1;             // index into plans, or -1
  // One sealer per recipient (same order as flow->recipients) when the flow
  // has an encrypt treatment; empty otherwise.
  std::vector<std::unique_ptr<RecipientSealer>> sealers;
};

// What the policy needs to know about one active agreement.
struct ActiveAgreement {
  std::shared_ptr<const Agreement> agreement;
  // "sha256:<hex>" (canonical.h).
  std::string fingerprint;
  // Secret linkage key for this agreement's pseudonyms (>= 32 bytes). Never
  // logged or output.
  std::string linkage_key;
};

class CompiledAgreement {
 public:
  const Agreement& agreement() const { return *input_.agreement; }
  const std::string& fingerprint() const { return input_.fingerprint; }
  // Dense index of this agreement inside its PolicySet.
  int slot() const { return slot_; }
  // The pre-keyed pseudonymiser; clone it per thread (it is not thread-safe).
  const Pseudonymiser& pseudonymiser() const { return pseudonymiser_; }
  const std::vector<std::unique_ptr<CompiledFlow>>& flows() const { return flows_; }

 private:
  friend class PolicySet;
  CompiledAgreement(ActiveAgreement input, int slot, Pseudonymiser p)
      : input_(std::move(input)), slot_(slot), pseudonymiser_(std::move(p)) {}
  ActiveAgreement input_;
  int slot_;
  Pseudonymiser pseudonymiser_;
  std::vector<std::unique_ptr<CompiledFlow>> flows_;
};

class PolicySet {
 public:
  // Compiles `active`. InvalidArgument if an agreement references something
  // that does not resolve, or a treatment breaks the rules of
  // treatment_rules.h (e.g. a direct_identifier kept as sent, on any flow):
  // such an agreement never becomes policy. A lint-clean agreement always
  // compiles.
  static absl::StatusOr<std::shared_ptr<const PolicySet>> Build(std::vector<ActiveAgreement> active);

  // An empty set: every record is rejected for want of an agreement.
  static std::shared_ptr<const PolicySet> Empty();

  // Flows that apply to a record from `provider` of `dataset` (any version),
  // in a deterministic order. O(1) expected; no allocation. Empty if none.
  absl::Span<const CompiledFlow* const> FlowsFor(std::string_view provider,
                                                 std::string_view dataset) const;

  // True if `party` is a party of any active agreement.
  bool IsParty(std::string_view party) const;
  // True if `party` is a recipient of any active flow.
  bool IsRecipient(std::string_view party) const;

  const std::vector<std::unique_ptr<CompiledAgreement>>& agreements() const { return agreements_; }

 private:
  PolicySet() = default;
  std::vector<std::unique_ptr<CompiledAgreement>> agreements_;
  // Key: provider + '\x1f' + dataset.
  absl::flat_hash_map<std::string, std::vector<const CompiledFlow*>> by_provider_dataset_;
  absl::flat_hash_map<std::string, bool> parties_;  // value: is a recipient of some flow
};

}  // namespace accord::policy
