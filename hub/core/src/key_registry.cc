#include "accord/hub/core/key_registry.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "absl/strings/str_cat.h"
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

}  // namespace

void ToKeyTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t ns = absl::ToUnixNanos(t);
  int64_t s = ns / 1000000000;
  int64_t n = ns % 1000000000;
  if (n < 0) {
    n += 1000000000;
    --s;
  }
  out->set_seconds(s);
  out->set_nanos(static_cast<int32_t>(n));
}

absl::StatusOr<std::unique_ptr<KeyRegistry>> KeyRegistry::Open(HubDb* db, KeyRegistryOptions options) {
  if (!options.now) options.now = [] { return absl::Now(); };
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
    applied_.insert(Digest(*bytes));
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

absl::StatusOr<KeyRegistry::Result> KeyRegistry::AppendLocked(v1::KeyEvent event) {
  auto next = std::make_shared<policy::KeyDirectory>(*keys_);
  if (auto s = ApplyKeyEvent(event, next.get()); !s.ok()) return s;
  Result result;
  result.event_bytes = event.SerializeAsString();
  auto appended = log_->Append({result.event_bytes}, KeyEventTime(event), /*sync=*/true);
  if (!appended.ok()) return appended.status();
  result.log_index = appended->first_index;
  result.event = std::move(event);
  applied_.insert(Digest(result.event_bytes));
  keys_ = std::move(next);
  return result;
}

absl::StatusOr<KeyRegistry::Result> KeyRegistry::Append(v1::KeyEvent event) {
  absl::StatusOr<Result> result;
  {
    absl::MutexLock lock(&mu_);
    result = AppendLocked(std::move(event));
  }
  if (result.ok()) Changed();
  return result;
}

absl::StatusOr<KeyRegistry::Result> KeyRegistry::Register(std::string_view caller,
                                                          const v1::RegisterKeyRequest& req) {
  if (auto s = CallerIs(caller, req.agency()); !s.ok()) return s;
  auto fp = policy::PublicKeyFingerprint(req.public_key_pem(), policy::KeyType::kEd25519);
  if (!fp.ok()) return absl::InvalidArgumentError(absl::StrCat("the key ", fp.status().message()));
  if (auto s = policy::VerifyKeyRegistration(caller, req.public_key_pem(), req.proof_of_possession());
      !s.ok()) {
    return s;
  }
  v1::KeyEvent event;
  event.set_kind(v1::KeyEvent::REGISTER);
  event.set_agency(std::string(caller));
  event.set_public_key_pem(req.public_key_pem());
  event.set_key_fingerprint(*fp);
  event.set_hub_instance(options_.hub_instance);
  event.set_reason(req.reason());
  event.set_proof_of_possession(req.proof_of_possession());
  const absl::Time now = options_.now();
  ToKeyTimestamp(now, event.mutable_at());
  absl::StatusOr<Result> result;
  {
    absl::MutexLock lock(&mu_);
    const policy::RegisteredSigningKey* current = keys_->CurrentKey(caller, now);
    if (current != nullptr && current->fingerprint == *fp) {
      Result same;
      same.unchanged = true;
      same.event = std::move(event);
      return same;
    }
    result = AppendLocked(std::move(event));
  }
  if (result.ok()) Changed();
  return result;
}

absl::StatusOr<KeyRegistry::Result> KeyRegistry::Rotate(std::string_view caller,
                                                        const v1::RegisterKeyRequest& req) {
  if (auto s = CallerIs(caller, req.agency()); !s.ok()) return s;
  auto fp = policy::PublicKeyFingerprint(req.public_key_pem(), policy::KeyType::kEd25519);
  if (!fp.ok()) return absl::InvalidArgumentError(absl::StrCat("the key ", fp.status().message()));
  if (auto s = policy::VerifyKeyRegistration(caller, req.public_key_pem(), req.proof_of_possession());
      !s.ok()) {
    return s;
  }
  v1::KeyEvent event;
  event.set_kind(v1::KeyEvent::ROTATE);
  event.set_agency(std::string(caller));
  event.set_public_key_pem(req.public_key_pem());
  event.set_key_fingerprint(*fp);
  event.set_hub_instance(options_.hub_instance);
  event.set_reason(req.reason());
  event.set_proof_of_possession(req.proof_of_possession());
  const absl::Time now = options_.now();
  ToKeyTimestamp(now, event.mutable_at());
  absl::StatusOr<Result> result;
  {
    absl::MutexLock lock(&mu_);
    const policy::RegisteredSigningKey* current = keys_->CurrentKey(caller, now);
    if (current != nullptr) event.set_previous_fingerprint(current->fingerprint);
    result = AppendLocked(std::move(event));
  }
  if (result.ok()) Changed();
  return result;
}

absl::StatusOr<KeyRegistry::Result> KeyRegistry::Revoke(std::string_view caller,
                                                        const v1::RevokeKeyRequest& req) {
  if (auto s = CallerIs(caller, req.agency()); !s.ok()) return s;
  if (req.key_fingerprint().empty()) {
    return absl::InvalidArgumentError("name the key to revoke by its fingerprint (sha256:...)");
  }
  v1::KeyEvent event;
  event.set_kind(v1::KeyEvent::REVOKE);
  event.set_agency(std::string(caller));
  event.set_key_fingerprint(req.key_fingerprint());
  event.set_hub_instance(options_.hub_instance);
  event.set_reason(req.reason());
  ToKeyTimestamp(options_.now(), event.mutable_at());
  return Append(std::move(event));
}

absl::Status KeyRegistry::ApplyShared(std::string_view event_bytes) {
  v1::KeyEvent event;
  if (!event.ParseFromString(std::string(event_bytes))) return absl::InvalidArgumentError("a shared key event does not parse");
  {
    absl::MutexLock lock(&mu_);
    if (applied_.contains(Digest(event_bytes))) return absl::OkStatus();
    auto next = std::make_shared<policy::KeyDirectory>(*keys_);
    if (auto s = ApplyKeyEvent(event, next.get()); !s.ok()) return s;
    auto appended = log_->Append({std::string(event_bytes)}, KeyEventTime(event), /*sync=*/true);
    if (!appended.ok()) return appended.status();
    applied_.insert(Digest(event_bytes));
    keys_ = std::move(next);
  }
  Changed();
  return absl::OkStatus();
}

v1::ListKeysResponse KeyRegistry::List(std::string_view agency) const {
  v1::ListKeysResponse resp;
  std::shared_ptr<const policy::KeyDirectory> keys = directory();
  const absl::Time now = options_.now();
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
  ToKeyTimestamp(options_.now(), out.mutable_exported_at());
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
