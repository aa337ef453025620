#include "accord/hub/core/agreement_registry.h"


#include <algorithm>

#include "accord/base/clock.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "accord/hub/core/meta_keys.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "accord/policy/agreement_parser.h"
#include "accord/policy/canonical.h"
#include "accord/policy/diagnostics.h"
#include "accord/policy/openssl.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

std::string AgreementKey(std::string_view id, uint32_t version) {
  std::string key(id);
  key.push_back('\0');
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>(version >> shift));
  return key;
}

std::string WithdrawalKey(const policy::Withdrawal& w) {
  std::string key = AgreementKey(w.agreement_id, w.version);
  key.push_back('\0');
  key.append(w.party);
  return key;
}

// meta key of a signature receipt: prefix, agreement key, 0, signature (base64).
constexpr std::string_view kReceiptPrefix = meta_keys::kAgreementReceiptPrefix;

std::string ReceiptKey(std::string_view id, uint32_t version, std::string_view signature_b64) {
  std::string key(kReceiptPrefix);
  key.append(AgreementKey(id, version));
  key.push_back('\0');
  key.append(signature_b64);
  return key;
}

absl::Time DayStart(absl::CivilDay d) { return absl::FromCivil(d, absl::UTCTimeZone()); }

// The earliest instant after `now` at which the state could change by time alone.
absl::Time NextChange(const AgreementView& v, absl::Time now) {
  const auto& a = *v.agreement;
  absl::Time next = absl::InfiniteFuture();
  for (absl::Time t : {DayStart(a.valid_from), DayStart(a.valid_until + 1), DayStart(a.review_by + 1)}) {
    if (t > now) next = std::min(next, t);
  }
  for (const auto& w : v.withdrawals) {
    if (w.effective > now) next = std::min(next, w.effective);
  }
  return next;
}

// When an agreement in force stops being in force: the end of its
// valid_until day, or the earliest effective time of its withdrawals.
absl::Time Ends(const AgreementView& v) {
  absl::Time ends = DayStart(v.agreement->valid_until + 1);
  for (const auto& w : v.withdrawals) ends = std::min(ends, w.effective);
  return ends;
}

}  // namespace

absl::Status AgreementRegistryOptions::Validate() const {
  if (linkage_master_key.size() < 32) {
    return absl::InvalidArgumentError("linkage master key must be at least 32 bytes");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<AgreementRegistry>> AgreementRegistry::Open(
    HubDb* db, AgreementRegistryOptions options) {
  if (auto s = options.Validate(); !s.ok()) return s;
  if (options.clock == nullptr) options.clock = base::RealClock::Get();
  std::unique_ptr<AgreementRegistry> r(new AgreementRegistry(db, std::move(options)));
  if (auto s = r->Load(); !s.ok()) return s;
  return r;
}

absl::Status AgreementRegistry::Load() {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(HubDb::kAgreements));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string doc = it->value().ToString();
    auto parsed = policy::ParseAgreement(doc, "stored agreement");
    if (!parsed.ok()) {
      // Stored under older rules that this hub refuses (or damaged): it is
      // not in force, and the hub still starts. Its parties must submit a
      // version that passes today's lint.
      const std::string_view key = it->key().ToStringView();
      const std::string id(key.substr(0, key.find('\0')));
      std::string first;
      for (const auto& d : parsed.diagnostics) {
        if (d.severity == policy::Diagnostic::Severity::kError) {
          first = policy::FormatDiagnostic(d);
          break;
        }
      }
      spdlog::error(
          "stored agreement '{}' is not in force: it does not pass this hub's rules ({}); its parties must "
          "submit a corrected version",
          id, first);
      continue;
    }
    Entry e;
    e.view.agreement = std::make_shared<const policy::Agreement>(std::move(*parsed.agreement));
    e.view.fingerprint = policy::Fingerprint(*e.view.agreement);
    e.view.document = doc;
    entries_[{e.view.agreement->id, e.view.agreement->version}] = std::move(e);
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "loading agreements");
  it = db_->NewIterator(HubDb::kWithdrawals);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto w = policy::ParseWithdrawal(it->value().ToStringView(), "stored withdrawal");
    if (!w.ok()) return absl::DataLossError("a stored withdrawal no longer parses");
    auto found = entries_.find({w->agreement_id, w->version});
    if (found != entries_.end()) found->second.view.withdrawals.push_back(std::move(w).value());
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "loading withdrawals");
  if (auto s = LoadReceipts(); !s.ok()) return s;
  const absl::Time now = options_.clock->Now();
  for (auto& [key, e] : entries_) Evaluate(e, now);
  RebuildIfChanged();
  return absl::OkStatus();
}

absl::Status AgreementRegistry::LoadReceipts() {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(HubDb::kMeta));
  for (it->Seek(rocksdb::Slice(kReceiptPrefix.data(), kReceiptPrefix.size()));
       it->Valid() && it->key().starts_with(rocksdb::Slice(kReceiptPrefix.data(), kReceiptPrefix.size()));
       it->Next()) {
    std::string_view rest = it->key().ToStringView().substr(kReceiptPrefix.size());
    const size_t nul = rest.find('\0');
    if (nul == std::string_view::npos || rest.size() < nul + 6 || rest[nul + 5] != '\0' ||
        it->value().size() != 8) {
      return absl::DataLossError("a stored signature receipt is damaged");
    }
    uint32_t version = 0;
    for (size_t i = 0; i < 4; ++i) version = (version << 8) | static_cast<uint8_t>(rest[nul + 1 + i]);
    auto found = entries_.find({std::string(rest.substr(0, nul)), version});
    if (found == entries_.end()) continue;
    found->second.receipts[std::string(rest.substr(nul + 6))] =
        absl::FromUnixMicros(static_cast<int64_t>(DecodeU64(it->value().ToStringView())));
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "loading signature receipts");
  return absl::OkStatus();
}

std::shared_ptr<const policy::KeyDirectory> AgreementRegistry::Keys() const {
  static const auto* const kNone = new std::shared_ptr<const policy::KeyDirectory>(
      std::make_shared<const policy::KeyDirectory>());
  if (!options_.keys) return *kNone;
  auto keys = options_.keys();
  return keys != nullptr ? keys : *kNone;
}

// A signature seen for the first time that verifies with its party's current
// registered key gets a receipt: it keeps counting after a later rotation.
void AgreementRegistry::TakeReceipts(Entry& e, const policy::KeyDirectory& keys, absl::Time now) {
  const policy::Agreement& a = *e.view.agreement;
  rocksdb::WriteBatch wb;
  for (const policy::Signature& s : a.signatures) {
    if (e.receipts.contains(s.signature_b64)) continue;
    if (!policy::VerifyRegisteredSignature(a, s, keys, now, now).ok()) continue;
    e.receipts[s.signature_b64] = now;
    wb.Put(db_->cf(HubDb::kMeta), ReceiptKey(a.id, a.version, s.signature_b64),
           EncodeU64(static_cast<uint64_t>(absl::ToUnixMicros(now))));
  }
  if (wb.Count() > 0) {
    // Without the receipt the signature is judged again later, by the key
    // then current: losing it can only withhold consent, never grant it.
    (void)db_->WriteSync(&wb);
  }
}

void AgreementRegistry::Evaluate(Entry& e, absl::Time now) {
  const std::shared_ptr<const policy::KeyDirectory> keys = Keys();
  TakeReceipts(e, *keys, now);
  policy::RegisteredKeyContext ctx;
  ctx.keys = keys.get();
  ctx.accepted_at = [&e, now](const policy::Signature& s) {
    auto it = e.receipts.find(s.signature_b64);
    return it != e.receipts.end() ? it->second : now;
  };
  ctx.withdrawals_verified = true;  // SubmitWithdrawal keeps only verified ones
  e.view.status = policy::EvaluateStatus(*e.view.agreement, e.view.withdrawals, now, ctx);
  e.next_change = NextChange(e.view, now);
}

absl::StatusOr<std::string> AgreementRegistry::LinkageKey(const std::string& id) const {
  return policy::HkdfSha256(options_.linkage_master_key,
                            absl::StrCat("accord.linkage.v1", std::string(1, '\0'), id), "deriving a linkage key");
}

void AgreementRegistry::RebuildIfChanged() {
  // Highest active version per id is in force.
  std::map<std::string, Entry*> in_force;
  for (auto& [key, e] : entries_) {
    e.view.superseded = false;
    if (e.view.status.state != policy::AgreementState::kActive) continue;
    auto [it, inserted] = in_force.try_emplace(key.first, &e);
    if (!inserted) {
      it->second->view.superseded = true;  // entries_ is ordered: later = higher version
      it->second = &e;
    }
  }
  // The deadlines first: a reader of the new policy then finds its deadlines.
  // (A new withdrawal changes an agreement's deadline, not its fingerprint.)
  auto deadlines = std::make_shared<Deadlines>();
  for (const auto& [id, e] : in_force) (*deadlines)[e->view.fingerprint] = Ends(e->view);
  if (*deadlines != *deadlines_.load()) deadlines_.store(std::move(deadlines));
  std::vector<std::string> fingerprints;
  for (const auto& [id, e] : in_force) fingerprints.push_back(e->view.fingerprint);
  if (built_ && fingerprints == active_fingerprints_) return;
  std::vector<policy::ActiveAgreement> active;
  for (const auto& [id, e] : in_force) {
    auto key = LinkageKey(id);
    if (!key.ok()) std::abort();  // HKDF is always available in OpenSSL 3
    active.push_back(policy::ActiveAgreement{e->view.agreement, e->view.fingerprint, *key});
  }
  auto set = policy::PolicySet::Build(active);
  if (!set.ok()) {
    // A lint-clean agreement always compiles, but one stored under older
    // rules may not: leave out each agreement that does not compile on its
    // own (logged), and put the rest in force.
    std::vector<policy::ActiveAgreement> compiling;
    for (auto& a : active) {
      if (auto alone = policy::PolicySet::Build({a}); alone.ok()) {
        compiling.push_back(std::move(a));
      } else {
        spdlog::error("agreement '{}' version {} is not in force: {}", a.agreement->id, a.agreement->version,
                      std::string(alone.status().message()));
      }
    }
    set = policy::PolicySet::Build(std::move(compiling));
    if (!set.ok()) {
      spdlog::error("the agreements in force do not compile together ({}); the previous policy stays",
                    std::string(set.status().message()));
      return;
    }
  }
  policy_.store(*set);
  active_fingerprints_ = std::move(fingerprints);
  built_ = true;
}

absl::StatusOr<std::shared_ptr<const policy::Agreement>> AgreementRegistry::Lint(
    std::string_view document, std::string_view source_name, std::vector<policy::Diagnostic>* diagnostics) {
  auto parsed = policy::ParseAgreement(document, source_name);
  if (diagnostics != nullptr) *diagnostics = parsed.diagnostics;
  if (!parsed.ok()) {
    std::vector<std::string> lines;
    for (const auto& d : parsed.diagnostics) {
      if (d.severity == policy::Diagnostic::Severity::kError) lines.push_back(policy::FormatDiagnostic(d));
    }
    return absl::InvalidArgumentError(absl::StrCat("the agreement is invalid:\n", absl::StrJoin(lines, "\n")));
  }
  return std::make_shared<const policy::Agreement>(std::move(*parsed.agreement));
}

absl::StatusOr<AgreementView> AgreementRegistry::Submit(std::string_view document,
                                                        std::string_view source_name,
                                                        std::vector<policy::Diagnostic>* diagnostics) {
  auto linted = Lint(document, source_name, diagnostics);
  if (!linted.ok()) return linted.status();
  std::shared_ptr<const policy::Agreement> agreement = *std::move(linted);
  const std::string fingerprint = policy::Fingerprint(*agreement);
  absl::MutexLock lock(&mu_);
  const auto key = std::make_pair(agreement->id, agreement->version);
  auto existing = entries_.find(key);
  if (existing != entries_.end() && existing->second.view.fingerprint != fingerprint &&
      existing->second.view.status.state == policy::AgreementState::kActive) {
    return absl::AlreadyExistsError(absl::StrCat(
        "agreement '", agreement->id, "' version ", agreement->version,
        " is already in force with different content; publish it as a new version"));
  }
  // Nobody takes over an agreement id: a later version must keep every party
  // of the version in force (and needs all their registered-key signatures
  // before it replaces it).
  for (const auto& [k, other] : entries_) {
    if (k.first != agreement->id || k.second >= agreement->version || other.view.superseded ||
        other.view.status.state != policy::AgreementState::kActive) {
      continue;
    }
    std::vector<std::string> dropped;
    for (const policy::Party& p : other.view.agreement->parties) {
      if (agreement->FindParty(p.id) == nullptr) dropped.push_back(p.id);
    }
    if (!dropped.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "agreement '", agreement->id, "' version ", k.second, " is in force between parties that "
          "version ", agreement->version, " leaves out (", absl::StrJoin(dropped, ", "),
          "). A new version must keep every party of the version in force; a party leaves by "
          "withdrawing from it (`accordctl agreement withdraw`)"));
    }
  }
  rocksdb::WriteBatch wb;
  wb.Put(db_->cf(HubDb::kAgreements), AgreementKey(agreement->id, agreement->version),
         rocksdb::Slice(document.data(), document.size()));
  if (auto s = db_->WriteSync(&wb); !s.ok()) return s;
  Entry e;
  e.view.agreement = agreement;
  e.view.fingerprint = fingerprint;
  e.view.document = std::string(document);
  if (existing != entries_.end() && existing->second.view.fingerprint == fingerprint) {
    e.view.withdrawals = existing->second.view.withdrawals;
    e.receipts = existing->second.receipts;
  }
  Evaluate(e, options_.clock->Now());
  Entry& stored = entries_[key] = std::move(e);
  RebuildIfChanged();
  return stored.view;
}

absl::StatusOr<AgreementView> AgreementRegistry::SubmitWithdrawal(std::string_view document) {
  auto w = policy::ParseWithdrawal(document, "withdrawal");
  if (!w.ok()) return w.status();
  absl::MutexLock lock(&mu_);
  auto it = entries_.find({w->agreement_id, w->version});
  if (it == entries_.end()) {
    return absl::NotFoundError(absl::StrCat("no agreement '", w->agreement_id, "' version ",
                                            w->version, " is known to this hub"));
  }
  const absl::Time now = options_.clock->Now();
  if (auto s = policy::VerifyRegisteredWithdrawal(*it->second.view.agreement, *w, *Keys(), now, now);
      !s.ok()) {
    return absl::PermissionDeniedError(absl::StrCat("the withdrawal does not verify: ", s.message()));
  }
  rocksdb::WriteBatch wb;
  wb.Put(db_->cf(HubDb::kWithdrawals), WithdrawalKey(*w), rocksdb::Slice(document.data(), document.size()));
  if (auto s = db_->WriteSync(&wb); !s.ok()) return s;
  auto& list = it->second.view.withdrawals;
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&](const policy::Withdrawal& x) { return x.party == w->party; }),
             list.end());
  list.push_back(std::move(w).value());
  Evaluate(it->second, now);
  RebuildIfChanged();
  return it->second.view;
}

std::vector<AgreementView> AgreementRegistry::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<AgreementView> out;
  for (const auto& [key, e] : entries_) out.push_back(e.view);
  return out;
}

absl::StatusOr<AgreementView> AgreementRegistry::Get(std::string_view id, uint32_t version) const {
  absl::MutexLock lock(&mu_);
  const AgreementView* best = nullptr;
  for (const auto& [key, e] : entries_) {
    if (key.first != id) continue;
    if (version == 0 || key.second == version) best = &e.view;
  }
  if (best == nullptr) {
    return absl::NotFoundError(absl::StrCat("no agreement '", std::string(id), "'",
                                            version ? absl::StrCat(" version ", version) : ""));
  }
  return *best;
}

void AgreementRegistry::OnKeysChanged() {
  const absl::Time now = options_.clock->Now();
  absl::MutexLock lock(&mu_);
  for (auto& [key, e] : entries_) Evaluate(e, now);
  RebuildIfChanged();
}

void AgreementRegistry::Refresh() {
  const absl::Time now = options_.clock->Now();
  absl::MutexLock lock(&mu_);
  bool changed = false;
  for (auto& [key, e] : entries_) {
    if (now >= e.next_change) {
      Evaluate(e, now);
      changed = true;
    }
  }
  if (changed) RebuildIfChanged();
}

}  // namespace accord::hub
