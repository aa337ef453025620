// HmacSha256 of openssl.h and Sha256 of canonical.h. The low-level SHA256_*
// API is deprecated in OpenSSL 3.0; openssl.h says why it is used here, and
// only here.
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "accord/policy/canonical.h"
#include "accord/policy/openssl.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>

namespace accord::policy {
namespace {

constexpr size_t kBlock = 64;

// SHA256_* fail only on a null argument; a failure is a broken invariant.
void Check(int ok) {
  if (ok != 1) std::abort();
}

}  // namespace

struct HmacSha256::State {
  SHA256_CTX inner;  // after absorbing key ^ ipad
  SHA256_CTX outer;  // after absorbing key ^ opad
};

HmacSha256::HmacSha256(std::string_view key) : state_(std::make_unique<State>()) {
  unsigned char block[kBlock] = {};
  if (key.size() > kBlock) {
    const std::array<uint8_t, 32> digest = Sha256(key);
    std::copy(digest.begin(), digest.end(), block);
  } else {
    for (size_t i = 0; i < key.size(); ++i) block[i] = static_cast<unsigned char>(key[i]);
  }
  unsigned char pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  Check(SHA256_Init(&state_->inner));
  Check(SHA256_Update(&state_->inner, pad, kBlock));
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  Check(SHA256_Init(&state_->outer));
  Check(SHA256_Update(&state_->outer, pad, kBlock));
  OPENSSL_cleanse(block, sizeof(block));
  OPENSSL_cleanse(pad, sizeof(pad));
}

HmacSha256::HmacSha256(const HmacSha256& other)
    : state_(std::make_unique<State>(*other.state_)) {}

HmacSha256::HmacSha256(HmacSha256&&) noexcept = default;
HmacSha256& HmacSha256::operator=(HmacSha256&& other) noexcept {
  if (this != &other) {
    if (state_ != nullptr) OPENSSL_cleanse(state_.get(), sizeof(State));
    state_ = std::move(other.state_);
  }
  return *this;
}

HmacSha256::~HmacSha256() {
  if (state_ != nullptr) OPENSSL_cleanse(state_.get(), sizeof(State));
}

void HmacSha256::Mac(std::string_view message, unsigned char* out) const {
  SHA256_CTX ctx = state_->inner;
  Check(SHA256_Update(&ctx, message.data(), message.size()));
  unsigned char inner[kSha256Bytes];
  Check(SHA256_Final(inner, &ctx));
  ctx = state_->outer;
  Check(SHA256_Update(&ctx, inner, sizeof(inner)));
  Check(SHA256_Final(out, &ctx));
  OPENSSL_cleanse(&ctx, sizeof(ctx));
}

// SHA-256 on the stack: no EVP context, no algorithm fetch, no allocation.
// (OpenSSL 3's one-shot SHA256() goes through EVP_Q_digest, which fetches
// the algorithm and allocates a context on every call.)
std::array<uint8_t, 32> Sha256(std::string_view data) {
  std::array<uint8_t, 32> out;
  SHA256_CTX ctx;
  Check(SHA256_Init(&ctx));
  Check(SHA256_Update(&ctx, data.data(), data.size()));
  Check(SHA256_Final(out.data(), &ctx));
  return out;
}

}  // namespace accord::policy
