// Whether an agreement is in force now, and why not.
//
// An agreement is ACTIVE only when
//   - every party has a valid signature over the CURRENT fingerprint,
//   - now is within [valid_from 00:00:00 UTC, valid_until 23:59:59 UTC], and
//   - no verified withdrawal has effective <= now.
// Past review_by it stays active but review_overdue is set.
//
// Precedence when several things are wrong: withdrawn, invalid (a signature
// entry is forged, malformed or by a non-party), expired, pending signatures,
// not yet valid. `reason` lists every problem; `parties` has one entry per
// party in document order.
//
// Pure and thread-safe. Verifies signatures (about 60 us each): cache the
// result per (fingerprint, minute) on hot paths.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "accord/policy/agreement.h"
#include "accord/policy/signing.h"

namespace accord::policy {

enum class AgreementState {
  kActive,
  kPendingSignatures,
  kNotYetValid,
  kExpired,
  kWithdrawn,
  kInvalid,
};

struct PartySignatureStatus {
  std::string party;
  bool signed_valid = false;
  std::string problem;  // empty when signed_valid
};

struct AgreementStatus {
  AgreementState state = AgreementState::kInvalid;
  bool review_overdue = false;
  std::string reason;  // officer-readable; "active" details too
  std::vector<PartySignatureStatus> parties;
};

// Withdrawals that do not verify against this agreement are ignored (they
// are not statements by its parties about it).
AgreementStatus EvaluateStatus(const Agreement& agreement,
                               absl::Span<const Withdrawal> withdrawals, absl::Time now);

// How signatures are judged against the keys the agencies registered
// themselves (signing.h, "Registered keys"), instead of the keys written into
// the document.
struct RegisteredKeyContext {
  // Required: the key history (the hub's key log, or an exported copy).
  const KeyDirectory* keys = nullptr;
  // When the hub first accepted `signature` (its receipt); return `now` for
  // one seen for the first time. Optional: default `now` for all.
  std::function<absl::Time(const Signature&)> accepted_at;
  // The withdrawals passed in were verified against registered keys when
  // they were accepted (the hub's registry): only check that each names this
  // agreement. Otherwise each must verify with a key its party registered
  // that is not revoked at `now`.
  bool withdrawals_verified = false;
};

// As above, but a party's signature counts only if it verifies with a key
// that party registered (VerifyRegisteredSignature), so the reason for a
// pending agreement names each party that "has not signed with its
// registered key".
AgreementStatus EvaluateStatus(const Agreement& agreement,
                               absl::Span<const Withdrawal> withdrawals, absl::Time now,
                               const RegisteredKeyContext& keys);

// "active", "pending_signatures", "not_yet_valid", "expired", "withdrawn", "invalid".
std::string_view AgreementStateName(AgreementState state);

}  // namespace accord::policy
