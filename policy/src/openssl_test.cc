#include "accord/policy/openssl.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace accord::policy {
namespace {

std::string Hex(const unsigned char* bytes, size_t n) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(bytes), n));
}

std::string MacHex(const HmacSha256& mac, std::string_view message) {
  unsigned char out[kSha256Bytes];
  mac.Mac(message, out);
  return Hex(out, sizeof(out));
}

// The same MAC through EVP_MAC, the reference.
std::string EvpMacHex(std::string_view key, std::string_view message) {
  EvpMacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  EXPECT_EQ(EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                         params), 1);
  EXPECT_EQ(EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(message.data()),
                           message.size()), 1);
  EXPECT_EQ(EVP_MAC_final(ctx.get(), out, &len, sizeof(out)), 1);
  return Hex(out, len);
}

TEST(HmacSha256Test, Rfc4231Vectors) {
  // Test case 2: a short key.
  EXPECT_EQ(MacHex(HmacSha256("Jefe"), "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a 131-byte key, hashed first.
  EXPECT_EQ(MacHex(HmacSha256(std::string(131, '\xaa')),
                   "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256Test, MatchesEvpMacForEveryKeyAndMessageLength) {
  std::mt19937 rng(7);
  auto random_bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  };
  for (size_t key_len : {0, 1, 31, 32, 33, 63, 64, 65, 100, 200}) {
    const std::string key = random_bytes(key_len);
    const HmacSha256 mac(key);
    for (size_t msg_len = 0; msg_len < 200; msg_len += 7) {
      const std::string message = random_bytes(msg_len);
      EXPECT_EQ(MacHex(mac, message), EvpMacHex(key, message)) << key_len << " " << msg_len;
    }
  }
}

TEST(HmacSha256Test, CopiesAndMovesAreIndependent) {
  HmacSha256 a(std::string(32, 'k'));
  const std::string expected = EvpMacHex(std::string(32, 'k'), "record");
  HmacSha256 b(a);
  EXPECT_EQ(MacHex(a, "record"), expected);
  EXPECT_EQ(MacHex(b, "record"), expected);
  HmacSha256 c(std::move(a));
  EXPECT_EQ(MacHex(c, "record"), expected);
  HmacSha256 d(std::string(32, 'x'));
  d = std::move(c);
  EXPECT_EQ(MacHex(d, "record"), expected);
  EXPECT_EQ(MacHex(b, "record"), expected);
}

TEST(Sha256Test, KnownDigests) {
  unsigned char out[kSha256Bytes];
  Sha256("", out);
  EXPECT_EQ(Hex(out, sizeof(out)),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256("abc", out);
  EXPECT_EQ(Hex(out, sizeof(out)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace accord::policy
