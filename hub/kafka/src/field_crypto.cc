#include "accord/hub/kafka/field_crypto.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <atomic>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "accord/policy/openssl.h"

namespace accord::hub {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

std::string Aad(const v1::Record& r, const std::string& field) {
  std::string aad;
  aad.reserve(r.provider().size() + r.dataset().size() + r.record_id().size() + field.size() + 3);
  absl::StrAppend(&aad, r.provider(), std::string(1, '\0'), r.dataset(), std::string(1, '\0'),
                  r.record_id(), std::string(1, '\0'), field);
  return aad;
}

unsigned char* U8(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }
const unsigned char* U8(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// A cipher context that keeps its AES key schedule between values: re-keyed
// only when the (FieldCrypto instance, key id) changes, given a fresh nonce
// for every value. One per thread and direction.
struct KeyedCtx {
  uint64_t instance = 0;
  std::string key_id;
  policy::EvpCipherCtxPtr ctx{EVP_CIPHER_CTX_new()};
};

// Returns the thread's context for `encrypt`, keyed with `key` and given
// `nonce`; nullptr on an OpenSSL failure.
EVP_CIPHER_CTX* KeyedCipherCtx(bool encrypt, uint64_t instance, const std::string& key_id,
                               const std::string& key, const std::string& nonce) {
  thread_local KeyedCtx enc, dec;
  KeyedCtx& k = encrypt ? enc : dec;
  const bool rekey = k.instance != instance || k.key_id != key_id;
  const unsigned char* key_bytes = rekey ? U8(key) : nullptr;
  const EVP_CIPHER* cipher = rekey ? EVP_aes_256_gcm() : nullptr;
  const int ok = encrypt ? EVP_EncryptInit_ex2(k.ctx.get(), cipher, key_bytes, U8(nonce), nullptr)
                         : EVP_DecryptInit_ex2(k.ctx.get(), cipher, key_bytes, U8(nonce), nullptr);
  if (ok != 1) {
    k.instance = 0;
    return nullptr;
  }
  k.instance = instance;
  if (rekey) k.key_id = key_id;
  return k.ctx.get();
}

std::atomic<uint64_t> next_instance{1};

}  // namespace

FieldCrypto::FieldCrypto(std::string master_key, std::string key_id)
    : instance_(next_instance.fetch_add(1)), master_key_(std::move(master_key)), key_id_(std::move(key_id)) {}

absl::StatusOr<std::unique_ptr<FieldCrypto>> FieldCrypto::Create(std::string master_key,
                                                                  std::string key_id) {
  if (master_key.size() < 32) return absl::InvalidArgumentError("the data master key must be >= 32 bytes");
  if (key_id.empty()) return absl::InvalidArgumentError("the data key id is empty");
  std::unique_ptr<FieldCrypto> c(new FieldCrypto(std::move(master_key), std::move(key_id)));
  if (auto k = c->Key(c->key_id_); !k.ok()) return k.status();
  return c;
}

absl::StatusOr<std::string> FieldCrypto::Key(const std::string& id) const {
  {
    absl::MutexLock lock(&mu_);
    auto it = keys_.find(id);
    if (it != keys_.end()) return it->second;
  }
  auto key = policy::HkdfSha256(master_key_, absl::StrCat("accord.kafka.data.v1", std::string(1, '\0'), id),
                                "deriving a Kafka data key");
  if (!key.ok()) return key.status();
  absl::MutexLock lock(&mu_);
  if (keys_.size() > 1024) keys_.clear();  // bounded: ids are few; never grows without limit
  keys_[id] = *key;
  return key;
}

absl::StatusOr<int> FieldCrypto::Seal(v1::Record* record,
                                      const std::function<bool(const v1::Field&)>& protect) const {
  auto key = Key(key_id_);
  if (!key.ok()) return key.status();
  int sealed = 0;
  std::string plain;
  for (v1::Field& field : *record->mutable_fields()) {
    if (field.value().has_sealed() || !protect(field)) continue;
    plain.clear();
    field.value().SerializeToString(&plain);
    std::string nonce(kNonceBytes, '\0');
    if (RAND_bytes(U8(nonce), static_cast<int>(nonce.size())) != 1) {
      return policy::OpenSslError("generating a nonce");
    }
    const std::string aad = Aad(*record, field.name());
    std::string out(plain.size() + kTagBytes, '\0');
    int len = 0, fin = 0;
    EVP_CIPHER_CTX* ctx = KeyedCipherCtx(true, instance_, key_id_, *key, nonce);
    if (ctx == nullptr ||
        EVP_EncryptUpdate(ctx, nullptr, &len, U8(aad), static_cast<int>(aad.size())) != 1 ||
        EVP_EncryptUpdate(ctx, U8(out), &len, U8(plain), static_cast<int>(plain.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx, U8(out) + len, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, U8(out) + plain.size()) != 1) {
      return policy::OpenSslError("sealing a field for Kafka");
    }
    v1::SealedValue* s = field.mutable_value()->mutable_sealed();  // clears the old value
    s->set_scheme(kScheme);
    s->set_key_fingerprint(key_id_);
    s->set_nonce(std::move(nonce));
    s->set_ciphertext(std::move(out));
    ++sealed;
  }
  return sealed;
}

absl::Status FieldCrypto::Open(v1::Record* record) const {
  // Per record, not per field: the data key (looked up again only when a
  // field names another id), the additional data's record part, and the
  // buffers, reused from field to field.
  std::string key_id, key, aad, plain;
  size_t aad_prefix = 0;
  v1::Value value;
  for (v1::Field& field : *record->mutable_fields()) {
    if (!field.value().has_sealed() || field.value().sealed().scheme() != kScheme) continue;
    const v1::SealedValue& s = field.value().sealed();
    if (s.nonce().size() != kNonceBytes || s.ciphertext().size() < kTagBytes) {
      return absl::DataLossError(absl::StrCat("field '", field.name(), "' has a malformed sealed value"));
    }
    if (key.empty() || key_id != s.key_fingerprint()) {
      auto k = Key(s.key_fingerprint());
      if (!k.ok()) return k.status();
      key = std::move(k).value();
      key_id = s.key_fingerprint();
    }
    if (aad_prefix == 0) {
      aad = Aad(*record, "");
      aad_prefix = aad.size();
    }
    aad.resize(aad_prefix);
    aad += field.name();
    const size_t n = s.ciphertext().size() - kTagBytes;
    plain.resize(n);
    unsigned char tag[kTagBytes];
    std::memcpy(tag, s.ciphertext().data() + n, kTagBytes);
    int len = 0, fin = 0;
    EVP_CIPHER_CTX* ctx = KeyedCipherCtx(false, instance_, key_id, key, s.nonce());
    const bool ok =
        ctx != nullptr &&
        EVP_DecryptUpdate(ctx, nullptr, &len, U8(aad), static_cast<int>(aad.size())) == 1 &&
        EVP_DecryptUpdate(ctx, U8(plain), &len, U8(s.ciphertext()), static_cast<int>(n)) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) == 1 &&
        EVP_DecryptFinal_ex(ctx, U8(plain) + len, &fin) == 1;
    if (!ok) {
      ERR_clear_error();
      return absl::DataLossError(absl::StrCat("field '", field.name(),
                                              "' does not authenticate under data key '",
                                              s.key_fingerprint(), "'"));
    }
    if (!value.ParseFromString(plain)) {
      return absl::DataLossError(absl::StrCat("field '", field.name(), "' decrypts to an invalid value"));
    }
    field.mutable_value()->Swap(&value);  // `value` now holds the sealed one, parsed over next
  }
  return absl::OkStatus();
}

}  // namespace accord::hub
