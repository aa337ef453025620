#include "accord/hub/core/key_log.h"

#include "absl/strings/str_cat.h"
#include "accord/base/proto_time.h"
#include "accord/hub/ledger/merkle.h"
#include "accord/hub/ledger/tree_head.h"

namespace accord::hub {
namespace {

bool KeyInLog(const policy::KeyDirectory& keys, std::string_view fingerprint) {
  for (const auto& k : keys.keys) {
    if (k.fingerprint == fingerprint) return true;
  }
  return false;
}

}  // namespace

absl::Time KeyEventTime(const v1::KeyEvent& event) {
  return base::ToTime(event.at());
}

absl::Status ApplyKeyEvent(const v1::KeyEvent& event, policy::KeyDirectory* keys) {
  const std::string& agency = event.agency();
  if (agency.empty()) return absl::InvalidArgumentError("a key event names no agency");
  const absl::Time at = KeyEventTime(event);
  const policy::RegisteredSigningKey* current = keys->CurrentKey(agency, at);
  switch (event.kind()) {
    case v1::KeyEvent::REGISTER:
    case v1::KeyEvent::ROTATE: {
      auto fp = policy::PublicKeyFingerprint(event.public_key_pem(), policy::KeyType::kEd25519);
      if (!fp.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("the key ", fp.status().message()));
      }
      if (*fp != event.key_fingerprint()) {
        return absl::InvalidArgumentError("the key event's fingerprint is not its key's");
      }
      if (auto s = policy::VerifyKeyRegistration(agency, event.public_key_pem(),
                                                 event.proof_of_possession());
          !s.ok()) {
        return s;
      }
      if (KeyInLog(*keys, *fp)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "key ", *fp, " is already in the key log; a key is registered once, by one agency. "
            "Create a new one with `accordctl keygen`"));
      }
      if (event.kind() == v1::KeyEvent::REGISTER && current != nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(
            "'", agency, "' already has signing key ", current->fingerprint,
            "; replace it with `accordctl key rotate`, or revoke it first with `accordctl key "
            "revoke`"));
      }
      if (event.kind() == v1::KeyEvent::ROTATE) {
        if (current == nullptr) {
          return absl::FailedPreconditionError(absl::StrCat(
              "'", agency, "' has no current signing key to rotate; use `accordctl key register`"));
        }
        if (current->fingerprint != event.previous_fingerprint()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "the rotation replaces ", event.previous_fingerprint(), ", but '", agency,
              "' now holds ", current->fingerprint));
        }
        for (auto& k : keys->keys) {
          if (k.agency == agency && k.fingerprint == current->fingerprint) k.retired_at = at;
        }
      }
      policy::RegisteredSigningKey k;
      k.agency = agency;
      k.fingerprint = *fp;
      k.public_pem = event.public_key_pem();
      k.registered_at = at;
      keys->keys.push_back(std::move(k));
      return absl::OkStatus();
    }
    case v1::KeyEvent::REVOKE: {
      for (auto& k : keys->keys) {
        if (k.agency != agency || k.fingerprint != event.key_fingerprint()) continue;
        if (k.revoked_at != absl::InfiniteFuture()) {
          return absl::FailedPreconditionError(absl::StrCat("key ", k.fingerprint, " is already revoked"));
        }
        k.revoked_at = at;
        k.revoke_reason = event.reason();
        return absl::OkStatus();
      }
      return absl::NotFoundError(absl::StrCat("'", agency, "' has registered no key ",
                                              event.key_fingerprint(), " (see `accordctl key list`)"));
    }
    default:
      return absl::InvalidArgumentError("a key event of an unknown kind");
  }
}

absl::StatusOr<VerifiedKeyLog> VerifyKeyLogExport(const v1::KeyLogExport& exported,
                                                  std::string_view expect_key_pem) {
  if (exported.format() != kKeyLogExportFormat) {
    return absl::InvalidArgumentError(absl::StrCat("not a key log export (format '", exported.format(),
                                                   "', expected '", std::string(kKeyLogExportFormat), "')"));
  }
  auto log_id = ledger::LogIdFromPublicPem(exported.log_public_key_pem());
  if (!log_id.ok()) return absl::DataLossError("the key log export carries no valid public key");
  if (!expect_key_pem.empty()) {
    auto expected = ledger::LogIdFromPublicPem(expect_key_pem);
    if (!expected.ok() || *expected != *log_id) {
      return absl::PermissionDeniedError(absl::StrCat(
          "the key log is signed by ", *log_id, ", not by the key you expect"));
    }
  }
  VerifiedKeyLog out;
  out.log_id = *log_id;
  ledger::TreeBuilder tree;
  for (int i = 0; i < exported.entries_size(); ++i) {
    tree.Append(ledger::LeafHash(exported.entries(i)));
  }
  const uint64_t n = static_cast<uint64_t>(exported.entries_size());
  if (n > 0 || exported.has_head()) {
    const v1::SignedTreeHead& h = exported.head();
    if (h.tree_size() != n) {
      return absl::DataLossError(absl::StrCat("the key log's signed head covers ", h.tree_size(),
                                              " entries, but the export holds ", n));
    }
    ledger::SignedTreeHead sth;
    sth.head.tree_size = h.tree_size();
    if (h.root_hash().size() != sth.head.root.size()) {
      return absl::DataLossError("the key log's signed head has no 32-byte root");
    }
    std::copy(h.root_hash().begin(), h.root_hash().end(), sth.head.root.begin());
    sth.head.timestamp = base::ToTime(h.timestamp());
    sth.log_id = h.log_id();
    sth.signature = h.signature();
    if (auto s = ledger::VerifyTreeHead(sth, exported.log_public_key_pem()); !s.ok()) {
      return absl::PermissionDeniedError(absl::StrCat("the key log's head: ", s.message()));
    }
    if (sth.head.root != tree.Root()) {
      return absl::DataLossError(
          "the key log's entries do not hash to its signed root: the export was altered");
    }
    out.head_time = sth.head.timestamp;
  }
  for (int i = 0; i < exported.entries_size(); ++i) {
    v1::KeyEvent event;
    if (!event.ParseFromString(exported.entries(i))) {
      return absl::DataLossError(absl::StrCat("key log entry ", i, " is not a KeyEvent"));
    }
    if (auto s = ApplyKeyEvent(event, &out.keys); !s.ok()) {
      return absl::DataLossError(absl::StrCat("key log entry ", i, " does not follow: ", s.message()));
    }
  }
  out.size = n;
  return out;
}

}  // namespace accord::hub
