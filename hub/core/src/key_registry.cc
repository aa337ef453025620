#include "accord/hub/core/key_registry.h"

#include <openssl/evp.h>

#include <algorithm>
#include <openssl/pem.h>

#include "accord/base/clock.h"
#include "absl/strings/str_cat.h"
#include "accord/base/proto_time.h"
#include "accord/hub/core/key_log.h"
#include "accord/hub/ledger/merkle.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "accord/policy/canonical.h"
#include "accord/policy/openssl.h"
#include "hub_db_internal.h"
#include "rocksdb/iterator.h"

namespace accord::hub {
namespace {

// PKCS#8 PEM of the Ed25519 key whose 32-byte seed is `seed`.
absl::StatusOr<std::string> Ed25519PemFromSeed(std::string_view seed) {
  if (seed.size() != 32) return absl::InvalidArgumentError("the key log seed must be 32 bytes");
  policy::EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed.data()), seed.size()));
  if (key == nullptr) return policy::OpenSslError("making the key log signing key");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return policy::OpenSslError("encoding the key log signing key");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<size_t>(len));
  OPENSSL_cleanse(data, static_cast<size_t>(len));
  return pem;
}

std::string Digest(std::string_view bytes) {
  auto d = policy::Sha256(bytes);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

absl::Status CallerIs(std::string_view caller_sv, std::string_view named_sv) {
  const std::string caller(caller_sv), named(named_sv);
  if (named.empty() || named == caller) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "you are connected as '", caller, "' (your certificate), so you can register, rotate or "
      "revoke only '", caller, "' keys, not those of '", named,
      "'. Each agency manages its own key with its own certificate"));
}

// The instant of `agency`'s latest key event (registration, retirement or
// revocation), or the infinite past.
absl::Time LastChange(const policy::KeyDirectory& keys, std::string_view agency) {
  absl::Time last = absl::InfinitePast();
  for (const auto& k : keys.keys) {
    if (k.agency != agency) continue;
    last = std::max(last, k.registered_at);
    if (k.retired_at != absl::InfiniteFuture()) last = std::max(last, k.retired_at);
    if (k.revoked_at != absl::InfiniteFuture()) last = std::max(last, k.revoked_at);
  }
  return last;
}

}  // namespace

void ToKeyTimestamp(absl::Time t, google::protobuf::Timestamp* out) { base::ToTimestamp(t, out); }

absl::StatusOr<std::unique_ptr<KeyRegistry>> KeyRegistry::Open(HubDb* db, KeyRegistryOptions options) {
  if (options.clock == nullptr) options.clock = base::RealClock::Get();
  auto pem = Ed25519PemFromSeed(options.log_signing_seed);
  if (!pem.ok()) return pem.status();
  std::unique_ptr<KeyRegistry> r(new KeyRegistry(db, std::move(options)));
  auto signer = ledger::TreeHeadSigner::FromPrivatePem(*pem);
  if (!signer.ok()) return signer.status();
  r->signer_ = std::move(signer).value();
  auto log = ledger::MerkleLog::Open(HubDbInternal::Raw(*db), KeyLogColumnFamilies(*db), r->signer_.get());
  if (!log.ok()) return log.status();
  r->log_ = std::move(log).value();
  if (auto s = r->Load(); !s.ok()) return s;
  return r;
}

absl::Status KeyRegistry::Load() {
  absl::MutexLock lock(&mu_);
  auto keys = std::make_shared<policy::KeyDirectory>();
  for (uint64_t i = 0; i < log_->size(); ++i) {
    auto bytes = log_->Entry(i);
    if (!bytes.ok()) return bytes.status();
    v1::KeyEvent event;
    if (!event.ParseFromString(*bytes)) {
      return absl::DataLossError(absl::StrCat("key log entry ", i, " does not parse"));
    }
    if (auto s = ApplyKeyEvent(event, keys.get()); !s.ok()) {
      return absl::DataLossError(absl::StrCat("key log entry ", i, " does not replay: ", s.message()));
    }
    applied_.emplace(Digest(*bytes), i);
  }
  keys_ = std::move(keys);
  return absl::OkStatus();
}

std::shared_ptr<const policy::KeyDirectory> KeyRegistry::directory() const {
  absl::MutexLock lock(&mu_);
  return keys_;
}

void KeyRegistry::Changed() {
  if (on_change_) on_change_();
}

v1::KeyEvent KeyRegistry::NewEvent(v1::KeyEvent::Kind kind, std::string_view caller,
                                   std::string_view reason) const {
  v1::KeyEvent event;
  event.set_kind(kind);
  event.set_agency(std::string(caller));
  event.set_hub_instance(options_.hub_instance);
  event.set_reason(std::string(reason));
  ToKeyTimestamp(options_.clock->Now(), event.mutable_at());
  return event;
}

absl::StatusOr<KeyRegistry::Proposal> KeyRegistry::ProposeRegister(std::string_view caller,
                                                                   const v1::RegisterKeyRequest& req) const {
  return ProposeKey(caller, req, v1::KeyEvent::REGISTER);
}

absl::StatusOr<KeyRegistry::Proposal> KeyRegistry::ProposeRotate(std::string_view caller,
                                                                 const v1::RegisterKeyRequest& req) const {
  return ProposeKey(caller, req, v1::KeyEvent::ROTATE);
}

absl::StatusOr<KeyRegistry::Proposal> KeyRegistry::ProposeKey(std::string_view caller,
                                                              const v1::RegisterKeyRequest& req,
                                                              v1::KeyEvent::Kind kind) const {
  if (auto s = CallerIs(caller, req.agency()); !s.ok()) return s;
  auto fp = policy::PublicKeyFingerprint(req.public_key_pem(), policy::KeyType::kEd25519);
  if (!fp.ok()) return absl::InvalidArgumentError(absl::StrCat("the key ", fp.status().message()));
  if (auto s = policy::VerifyKeyRegistration(caller, req.public_key_pem(), req.proof_of_possession());
      !s.ok()) {
    return s;
  }
  Proposal p;
  p.event = NewEvent(kind, caller, req.reason());
  p.event.set_public_key_pem(req.public_key_pem());
  p.event.set_key_fingerprint(*fp);
  p.event.set_proof_of_possession(req.proof_of_possession());
  std::shared_ptr<const policy::KeyDirectory> keys = directory();
  const policy::RegisteredSigningKey* current = keys->CurrentKey(caller, KeyEventTime(p.event));
  if (kind == v1::KeyEvent::REGISTER && current != nullptr && current->fingerprint == *fp) {
    p.unchanged = true;
    return p;
  }
  if (kind == v1::KeyEvent::ROTATE && current != nullptr) {
    p.event.set_previous_fingerprint(current->fingerprint);
  }
  policy::KeyDirectory trial = *keys;
  if (auto s = ApplyKeyEvent(p.event, &trial); !s.ok()) return s;
  p.event_bytes = p.event.SerializeAsString();
  return p;
}

absl::StatusOr<KeyRegistry::Proposal> KeyRegistry::ProposeRevoke(std::string_view caller,
                                                                 const v1::RevokeKeyRequest& req) const {
  if (auto s = CallerIs(caller, req.agency()); !s.ok()) return s;
  if (req.key_fingerprint().empty()) {
    return absl::InvalidArgumentError("name the key to revoke by its fingerprint (sha256:...)");
  }
  Proposal p;
  p.event = NewEvent(v1::KeyEvent::REVOKE, caller, req.reason());
  p.event.set_key_fingerprint(req.key_fingerprint());
  policy::KeyDirectory trial = *directory();
  if (auto s = ApplyKeyEvent(p.event, &trial); !s.ok()) return s;
  p.event_bytes = p.event.SerializeAsString();
  return p;
}

absl::StatusOr<KeyRegistry::Result> KeyRegistry::CommitProposal(absl::StatusOr<Proposal> proposal) {
  if (!proposal.ok()) return proposal.status();
  if (proposal->unchanged) {
    Result same;
    same.unchanged = true;
    same.event = std::move(proposal->event);
    return same;
  }
  return Commit(proposal->event_bytes);
}

absl::StatusOr<KeyRegistry::Result> KeyRegistry::Register(std::string_view caller,
                                                          const v1::RegisterKeyRequest& req) {
  return CommitProposal(ProposeRegister(caller, req));
}

absl::StatusOr<KeyRegistry::Result> KeyRegistry::Rotate(std::string_view caller,
                                                        const v1::RegisterKeyRequest& req) {
  return CommitProposal(ProposeRotate(caller, req));
}

absl::StatusOr<KeyRegistry::Result> KeyRegistry::Revoke(std::string_view caller,
                                                        const v1::RevokeKeyRequest& req) {
  return CommitProposal(ProposeRevoke(caller, req));
}

absl::StatusOr<KeyRegistry::Result> KeyRegistry::Commit(std::string_view event_bytes) {
  Result result;
  if (!result.event.ParseFromArray(event_bytes.data(), static_cast<int>(event_bytes.size()))) {
    return absl::InvalidArgumentError("a key event does not parse");
  }
  const std::string digest = Digest(event_bytes);
  {
    absl::MutexLock lock(&mu_);
    if (auto it = applied_.find(digest); it != applied_.end()) {
      result.unchanged = true;
      result.log_index = it->second;
      return result;
    }
    // An agency's history is judged by time (its key at each instant), so its
    // events must reach the log in time order. Two processes may propose at
    // once; the later-made one can come first in the journal. The earlier-made
    // one is then refused, alike by every process.
    const absl::Time at = KeyEventTime(result.event);
    if (const absl::Time last = LastChange(*keys_, result.event.agency()); at < last) {
      return absl::FailedPreconditionError(absl::StrCat(
          "a later key change of '", result.event.agency(), "' (", absl::FormatTime(last),
          ") reached the key log first; see `accordctl key list` and send this one again if it "
          "is still wanted"));
    }
    auto next = std::make_shared<policy::KeyDirectory>(*keys_);
    if (auto s = ApplyKeyEvent(result.event, next.get()); !s.ok()) return s;
    auto appended = log_->Append({std::string(event_bytes)}, KeyEventTime(result.event), /*sync=*/true);
    if (!appended.ok()) return appended.status();
    result.log_index = appended->first_index;
    result.event_bytes = std::string(event_bytes);
    applied_.emplace(digest, result.log_index);
    keys_ = std::move(next);
  }
  Changed();
  return result;
}

v1::ListKeysResponse KeyRegistry::List(std::string_view agency) const {
  v1::ListKeysResponse resp;
  std::shared_ptr<const policy::KeyDirectory> keys = directory();
  const absl::Time now = options_.clock->Now();
  for (const auto& k : keys->keys) {
    if (!agency.empty() && k.agency != agency) continue;
    auto* out = resp.add_keys();
    out->set_agency(k.agency);
    out->set_fingerprint(k.fingerprint);
    out->set_public_key_pem(k.public_pem);
    ToKeyTimestamp(k.registered_at, out->mutable_registered_at());
    if (k.retired_at != absl::InfiniteFuture()) ToKeyTimestamp(k.retired_at, out->mutable_retired_at());
    if (k.revoked_at != absl::InfiniteFuture()) ToKeyTimestamp(k.revoked_at, out->mutable_revoked_at());
    out->set_revoke_reason(k.revoke_reason);
    out->set_status(now >= k.revoked_at ? "revoked" : now >= k.retired_at ? "retired" : "current");
  }
  const ledger::SignedTreeHead head = log_->LatestHead();
  auto* h = resp.mutable_head();
  h->set_tree_size(head.head.tree_size);
  h->set_root_hash(head.head.root.data(), head.head.root.size());
  const int64_t ms = ledger::ToUnixMillisFloor(head.head.timestamp);
  ToKeyTimestamp(absl::FromUnixMillis(ms), h->mutable_timestamp());
  h->set_log_id(head.log_id);
  h->set_signature(head.signature);
  resp.set_log_public_key_pem(signer_->public_pem());
  return resp;
}

v1::KeyLogExport KeyRegistry::Export(std::string_view source) const {
  v1::KeyLogExport out;
  out.set_format(std::string(kKeyLogExportFormat));
  out.set_log_public_key_pem(signer_->public_pem());
  out.set_source(std::string(source));
  ToKeyTimestamp(options_.clock->Now(), out.mutable_exported_at());
  absl::MutexLock lock(&mu_);  // no append between the head and the entries
  const ledger::SignedTreeHead head = log_->LatestHead();
  for (uint64_t i = 0; i < head.head.tree_size; ++i) {
    auto bytes = log_->Entry(i);
    if (!bytes.ok()) break;  // the verifier will report the short export
    out.add_entries(*bytes);
  }
  if (head.head.tree_size > 0) {
    auto* h = out.mutable_head();
    h->set_tree_size(head.head.tree_size);
    h->set_root_hash(head.head.root.data(), head.head.root.size());
    ToKeyTimestamp(absl::FromUnixMillis(ledger::ToUnixMillisFloor(head.head.timestamp)),
                   h->mutable_timestamp());
    h->set_log_id(head.log_id);
    h->set_signature(head.signature);
  }
  return out;
}

}  // namespace accord::hub
