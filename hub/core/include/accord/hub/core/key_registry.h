// KeyRegistry: the agency signing keys the hub trusts, each registered by the
// agency itself over its own mTLS identity, and the transparency log of every
// registration, rotation and revocation.
//
// The log is a MerkleLog (RFC 6962, signed tree heads) in the key_log_*
// column families, signed with its own Ed25519 key (the hub derives it from
// its secrets, so every process of one hub signs alike). The key history
// (policy::KeyDirectory) is replayed from the log at Open() and updated by
// each event; AgreementRegistry judges every party signature against it.
//
// Rules (key_log.h, ApplyKeyEvent): an agency registers its first key, then
// rotates (the old key is retired at once: signatures the hub accepted before
// still count, new ones need the new key) or revokes (immediate: nothing
// signed with the key counts any more). Each registration carries a proof of
// possession. The caller of Register/Rotate/Revoke must be the agency itself:
// `caller` is the agency id of its verified client certificate.
//
// With several hub processes (Kafka journal) no process applies a change
// where it was asked for: Propose*() checks the request against the current
// keys and returns the event, the hub appends it to the shared journal, and
// every process (the proposer too) applies it with Commit() when it reads it
// from the journal. So every process holds the same log, in journal order,
// with the same root, and two conflicting changes asked of two processes at
// once (two first keys for one agency) resolve alike everywhere: the first
// in the journal wins, the second is refused by every process. Commit()
// skips an event it already applied (same bytes).
//
// Threading: all members are thread-safe. The change listener runs on the
// thread that made the change, after it is durable, with no registry lock held.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/policy/signing.h"
#include "accord/v1/key_service.pb.h"

namespace accord::base {
class Clock;  // accord/base/clock.h
}  // namespace accord::base

namespace accord::hub {

struct KeyRegistryOptions {
  // 32 secret bytes from which the key log's Ed25519 signing key is made
  // (the hub passes an HKDF output of its secrets). Required.
  std::string log_signing_seed;
  // Recorded in each event. Default "".
  std::string hub_instance;
  // Clock (borrowed; must outlive the registry). Default (null): the real clock.
  const base::Clock* clock = nullptr;
};

class KeyRegistry {
 public:
  struct Result {
    v1::KeyEvent event;
    uint64_t log_index = 0;
    bool unchanged = false;  // the same key registered again: nothing appended
    std::string event_bytes;  // as appended (empty when unchanged)
  };

  // A change checked against the current keys but not applied.
  struct Proposal {
    v1::KeyEvent event;
    std::string event_bytes;  // serialized `event`; empty when unchanged
    bool unchanged = false;   // the same key registered again: nothing to apply
  };

  static absl::StatusOr<std::unique_ptr<KeyRegistry>> Open(HubDb* db, KeyRegistryOptions options);

  // `caller` is the authenticated agency. PermissionDenied if the request
  // names another agency or the proof of possession fails; see key_log.h
  // for the other refusals. Each is Propose*() then Commit() (one process).
  absl::StatusOr<Result> Register(std::string_view caller, const v1::RegisterKeyRequest& req);
  absl::StatusOr<Result> Rotate(std::string_view caller, const v1::RegisterKeyRequest& req);
  absl::StatusOr<Result> Revoke(std::string_view caller, const v1::RevokeKeyRequest& req);

  // The same checks, without applying anything (several processes: the
  // event goes to the journal and is committed from there).
  absl::StatusOr<Proposal> ProposeRegister(std::string_view caller, const v1::RegisterKeyRequest& req) const;
  absl::StatusOr<Proposal> ProposeRotate(std::string_view caller, const v1::RegisterKeyRequest& req) const;
  absl::StatusOr<Proposal> ProposeRevoke(std::string_view caller, const v1::RevokeKeyRequest& req) const;

  // Applies a serialized KeyEvent: appends it to the log and updates the
  // keys, or refuses it (the rules of key_log.h against the keys as they are
  // now). Deterministic: processes that commit the same events in the same
  // order hold the same log. An event already applied (same bytes) returns
  // its log index with `unchanged` set and changes nothing.
  absl::StatusOr<Result> Commit(std::string_view event_bytes);

  // The current key history (immutable snapshot).
  std::shared_ptr<const policy::KeyDirectory> directory() const;
  // Set once, before serving.
  void SetOnChange(std::function<void()> on_change) { on_change_ = std::move(on_change); }

  v1::ListKeysResponse List(std::string_view agency) const;
  v1::KeyLogExport Export(std::string_view source) const;
  std::string log_public_pem() const { return signer_->public_pem(); }
  std::string log_id() const { return signer_->log_id(); }

 private:
  KeyRegistry(HubDb* db, KeyRegistryOptions options) : db_(db), options_(std::move(options)) {}
  absl::Status Load();
  absl::StatusOr<Proposal> ProposeKey(std::string_view caller, const v1::RegisterKeyRequest& req,
                                      v1::KeyEvent::Kind kind) const;
  absl::StatusOr<Result> CommitProposal(absl::StatusOr<Proposal> proposal);
  v1::KeyEvent NewEvent(v1::KeyEvent::Kind kind, std::string_view caller, std::string_view reason) const;
  void Changed();

  HubDb* const db_;
  const KeyRegistryOptions options_;
  std::unique_ptr<ledger::TreeHeadSigner> signer_;
  std::unique_ptr<ledger::MerkleLog> log_;
  std::function<void()> on_change_;
  mutable absl::Mutex mu_;  // serialises writers; guards the members below
  std::shared_ptr<const policy::KeyDirectory> keys_ ABSL_GUARDED_BY(mu_);
  // SHA-256 of each entry -> its log index.
  absl::flat_hash_map<std::string, uint64_t> applied_ ABSL_GUARDED_BY(mu_);
};

// Converts between absl::Time and protobuf Timestamps (nanosecond precision).
void ToKeyTimestamp(absl::Time t, google::protobuf::Timestamp* out);

}  // namespace accord::hub
