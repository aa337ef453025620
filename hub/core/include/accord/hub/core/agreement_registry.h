// The hub's agreements: stored documents and withdrawals, their live status,
// and the compiled policy snapshot the pipeline uses.
//
// Submit()/SubmitWithdrawal() lint, verify and persist; the policy snapshot is
// rebuilt at once when the set of active agreements changes. Refresh(), called
// by the hub every 200 ms, re-evaluates agreements whose state can change with
// time (valid_from, valid_until, review_by, a withdrawal's effective time), so
// expiry takes effect within a second without a restart. Signatures are
// verified only when a document or withdrawal arrives, never on the hot path.
//
// For each agreement id the highest active version is in force; lower active
// versions are reported as superseded.
//
// Consent is judged against the keys the agencies registered themselves
// (KeyRegistry, options.keys), never against keys written in the document: a
// party's signature counts only if it verifies with a key that party
// registered, which was its current key when this hub first accepted the
// signature (a receipt, stored in meta) and is not revoked now. Otherwise the
// agreement is pending_signatures and the reason names the party ("'x' has
// not signed with its registered key: ..."). Withdrawals must verify with the
// withdrawing party's current registered key when submitted, and are bound to
// one agreement id, version and fingerprint. OnKeysChanged() re-judges every
// agreement at once (a revocation takes effect immediately).
//
// A new version of an id in force must name every party of the version in
// force (FailedPrecondition otherwise): nobody takes over an agreement id by
// dropping its other parties. It replaces the old version only once every
// party of it has signed with its registered key.
//
// Threading: all members are thread-safe. policy() is lock-free to read
// (an atomically swapped std::shared_ptr<const PolicySet>).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "accord/hub/core/hub_db.h"
#include "accord/policy/agreement.h"
#include "accord/policy/diagnostics.h"
#include "accord/policy/lifecycle.h"
#include "absl/container/flat_hash_map.h"
#include "accord/policy/policy_set.h"
#include "accord/policy/signing.h"

namespace accord::base {
class Clock;  // accord/base/clock.h
}  // namespace accord::base

namespace accord::hub {

struct AgreementRegistryOptions {
  // Secret (>= 32 bytes) from which each agreement's linkage key is derived
  // (HKDF-SHA256, info = "accord.linkage.v1" 0x00 agreement id). Required.
  std::string linkage_master_key;
  // Clock (borrowed; must outlive the registry). Default (null): the real clock.
  const base::Clock* clock = nullptr;
  // The agencies' registered signing keys (KeyRegistry::directory). Without
  // it no signature counts and no agreement becomes active.
  std::function<std::shared_ptr<const policy::KeyDirectory>()> keys;

  absl::Status Validate() const;
};

// One stored version of an agreement and its current status.
struct AgreementView {
  std::shared_ptr<const policy::Agreement> agreement;
  std::string fingerprint;
  std::string document;
  policy::AgreementStatus status;
  // Active, but a higher active version of the same id is in force.
  bool superseded = false;
  std::vector<policy::Withdrawal> withdrawals;
};

class AgreementRegistry {
 public:
  static absl::StatusOr<std::unique_ptr<AgreementRegistry>> Open(HubDb* db,
                                                                 AgreementRegistryOptions options);

  // Parses and lints `document` without storing it: InvalidArgument listing
  // every error diagnostic (also returned through `diagnostics`).
  static absl::StatusOr<std::shared_ptr<const policy::Agreement>> Lint(
      std::string_view document, std::string_view source_name,
      std::vector<policy::Diagnostic>* diagnostics = nullptr);

  // Lints and stores `document`. InvalidArgument listing every diagnostic if
  // it is invalid (the diagnostics are also returned through `diagnostics`).
  // A document whose signatures are incomplete is stored (pending).
  // AlreadyExists if the same id and version is stored with another
  // fingerprint and is active (publish a new version instead).
  absl::StatusOr<AgreementView> Submit(std::string_view document, std::string_view source_name,
                                       std::vector<policy::Diagnostic>* diagnostics = nullptr);
  // Verifies and stores a withdrawal. NotFound if the agreement is unknown,
  // PermissionDenied if it does not verify.
  absl::StatusOr<AgreementView> SubmitWithdrawal(std::string_view document);

  std::vector<AgreementView> List() const;
  // version 0 = the highest stored version.
  absl::StatusOr<AgreementView> Get(std::string_view id, uint32_t version) const;

  // The compiled policy of every agreement in force.
  std::shared_ptr<const policy::PolicySet> policy() const { return policy_.load(); }

  // Agreement fingerprint -> the instant it stops being in force (end of its
  // valid_until day, or the earliest effective time of its withdrawals), for
  // every agreement of policy(); updated before policy() when it changes and
  // when a withdrawal is submitted. Publish checks each record against it,
  // so expiry and withdrawal apply at their exact instant, not at the next
  // Refresh(). Lock-free to read.
  using Deadlines = absl::flat_hash_map<std::string, absl::Time>;
  std::shared_ptr<const Deadlines> deadlines() const { return deadlines_.load(); }

  // Re-evaluates time-dependent states; rebuilds the policy if the active set changed.
  void Refresh();
  // Re-evaluates every agreement against the current registered keys (after
  // a registration, rotation or revocation); rebuilds the policy at once.
  void OnKeysChanged();

 private:
  struct Entry {
    AgreementView view;
    absl::Time next_change;  // when the state can next change by time alone
    // signature_b64 -> when this hub first accepted it under its party's
    // registered key (persisted in meta).
    std::map<std::string, absl::Time> receipts;
  };

  AgreementRegistry(HubDb* db, AgreementRegistryOptions options)
      : db_(db), options_(std::move(options)) {}
  absl::Status Load();
  absl::Status LoadReceipts() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void TakeReceipts(Entry& e, const policy::KeyDirectory& keys, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::shared_ptr<const policy::KeyDirectory> Keys() const;
  void Evaluate(Entry& e, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RebuildIfChanged() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::string> LinkageKey(const std::string& id) const;

  HubDb* const db_;
  const AgreementRegistryOptions options_;
  mutable absl::Mutex mu_;
  // (id, version) -> entry.
  std::map<std::pair<std::string, uint32_t>, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> active_fingerprints_ ABSL_GUARDED_BY(mu_);
  bool built_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<std::shared_ptr<const policy::PolicySet>> policy_{policy::PolicySet::Empty()};
  std::atomic<std::shared_ptr<const Deadlines>> deadlines_{std::make_shared<const Deadlines>()};
};

}  // namespace accord::hub
