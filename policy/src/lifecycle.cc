#include "accord/policy/lifecycle.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "accord/policy/canonical.h"

namespace accord::policy {

std::string_view AgreementStateName(AgreementState state) {
  switch (state) {
    case AgreementState::kActive: return "active";
    case AgreementState::kPendingSignatures: return "pending_signatures";
    case AgreementState::kNotYetValid: return "not_yet_valid";
    case AgreementState::kExpired: return "expired";
    case AgreementState::kWithdrawn: return "withdrawn";
    case AgreementState::kInvalid: return "invalid";
  }
  return "?";
}

namespace {

using SignatureCheck = std::function<absl::Status(const Signature&)>;
using WithdrawalCheck = std::function<bool(const Withdrawal&)>;

AgreementStatus Evaluate(const Agreement& agreement, absl::Span<const Withdrawal> withdrawals,
                         absl::Time now, const SignatureCheck& verify_signature,
                         const WithdrawalCheck& withdrawal_counts, bool registered_keys) {
  AgreementStatus status;
  const absl::TimeZone utc = absl::UTCTimeZone();
  std::vector<std::string> invalid;  // forged or malformed signature entries
  std::vector<std::string> missing;
  std::string fingerprint = Fingerprint(agreement);

  for (const Party& party : agreement.parties) {
    PartySignatureStatus ps{party.id, false, ""};
    std::string stale;
    for (const Signature& s : agreement.signatures) {
      if (s.party != party.id) continue;
      absl::Status v = verify_signature(s);
      if (v.ok()) {
        ps.signed_valid = true;
        continue;
      }
      // Against registered keys, a signature by another key is no consent
      // (the party has not signed), not a damaged entry.
      if (v.code() == absl::StatusCode::kFailedPrecondition ||
          (registered_keys && v.code() == absl::StatusCode::kPermissionDenied)) {
        stale = std::string(v.message());
      } else {
        invalid.push_back(std::string(v.message()));
        if (ps.problem.empty()) ps.problem = std::string(v.message());
      }
    }
    if (!ps.signed_valid) {
      if (!stale.empty()) ps.problem = stale;
      if (ps.problem.empty()) {
        ps.problem = registered_keys
                         ? absl::StrCat("'", party.id, "' has not signed with its registered key: "
                                        "there is no signature by it over ", fingerprint)
                         : absl::StrCat("party '", party.id, "' has not signed fingerprint ", fingerprint);
      }
      missing.push_back(party.id);
    } else {
      ps.problem.clear();
    }
    status.parties.push_back(std::move(ps));
  }
  for (const Signature& s : agreement.signatures) {
    if (agreement.FindParty(s.party) == nullptr) {
      invalid.push_back(absl::StrCat("a signature is by '", s.party, "', which is not a party"));
    }
  }

  const Withdrawal* withdrawn = nullptr;
  for (const Withdrawal& w : withdrawals) {
    if (w.effective <= now && withdrawal_counts(w)) {
      if (withdrawn == nullptr || w.effective < withdrawn->effective) withdrawn = &w;
    }
  }

  absl::Time start = absl::FromCivil(absl::CivilSecond(agreement.valid_from), utc);
  absl::Time end = absl::FromCivil(absl::CivilSecond(agreement.valid_until + 1), utc);  // exclusive
  absl::Time review = absl::FromCivil(absl::CivilSecond(agreement.review_by + 1), utc);
  status.review_overdue = now >= review;

  std::vector<std::string> reasons;
  if (withdrawn != nullptr) {
    status.state = AgreementState::kWithdrawn;
    reasons.push_back(absl::StrCat(
        "party '", withdrawn->party, "' withdrew with effect from ",
        absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", withdrawn->effective, utc), ": ",
        withdrawn->reason));
  }
  if (!invalid.empty()) {
    if (reasons.empty()) status.state = AgreementState::kInvalid;
    reasons.push_back(absl::StrCat("invalid signature entries: ", absl::StrJoin(invalid, "; ")));
  }
  if (now >= end) {
    if (reasons.empty()) status.state = AgreementState::kExpired;
    reasons.push_back(absl::StrCat("expired at the end of ",
                                   absl::FormatCivilTime(agreement.valid_until)));
  }
  if (!missing.empty()) {
    if (reasons.empty()) status.state = AgreementState::kPendingSignatures;
    std::string waiting = absl::StrCat("waiting for a valid signature over ", fingerprint, " from ",
                                       absl::StrJoin(missing, ", "));
    if (registered_keys) {
      for (const PartySignatureStatus& ps : status.parties) {
        if (!ps.signed_valid) absl::StrAppend(&waiting, "; ", ps.problem);
      }
    }
    reasons.push_back(std::move(waiting));
  }
  if (now < start) {
    if (reasons.empty()) status.state = AgreementState::kNotYetValid;
    reasons.push_back(absl::StrCat("valid only from ", absl::FormatCivilTime(agreement.valid_from)));
  }
  if (reasons.empty()) {
    status.state = AgreementState::kActive;
    reasons.push_back(absl::StrCat("signed by all ", agreement.parties.size(),
                                   " parties and valid until the end of ",
                                   absl::FormatCivilTime(agreement.valid_until)));
  }
  if (status.review_overdue) {
    reasons.push_back(absl::StrCat("review was due by ", absl::FormatCivilTime(agreement.review_by)));
  }
  status.reason = absl::StrJoin(reasons, "; ");
  return status;
}

}  // namespace

AgreementStatus EvaluateStatus(const Agreement& agreement,
                               absl::Span<const Withdrawal> withdrawals, absl::Time now) {
  return Evaluate(
      agreement, withdrawals, now,
      [&](const Signature& s) { return VerifySignature(agreement, s); },
      [&](const Withdrawal& w) { return VerifyWithdrawal(agreement, w).ok(); },
      /*registered_keys=*/false);
}

AgreementStatus EvaluateStatus(const Agreement& agreement,
                               absl::Span<const Withdrawal> withdrawals, absl::Time now,
                               const RegisteredKeyContext& ctx) {
  static const KeyDirectory kNoKeys;
  const KeyDirectory& keys = ctx.keys != nullptr ? *ctx.keys : kNoKeys;
  return Evaluate(
      agreement, withdrawals, now,
      [&](const Signature& s) {
        const absl::Time accepted = ctx.accepted_at ? ctx.accepted_at(s) : now;
        return VerifyRegisteredSignature(agreement, s, keys, accepted, now);
      },
      [&](const Withdrawal& w) {
        if (ctx.withdrawals_verified) return CheckWithdrawalBinding(agreement, w).ok();
        return VerifyRegisteredWithdrawal(agreement, w, keys, absl::InfinitePast(), now).ok();
      },
      /*registered_keys=*/true);
}

}  // namespace accord::policy
