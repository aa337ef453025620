#include "accord/policy/openssl.h"

#include "accord/policy/canonical.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <random>
#include <set>
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

TEST(Sha256Test, KnownDigests) {  // canonical.h's Sha256, defined in hmac_sha256.cc
  auto hex = [](std::string_view data) {
    const std::array<uint8_t, 32> d = Sha256(data);
    return Hex(d.data(), d.size());
  };
  EXPECT_EQ(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(std::string(1000, 'a')),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

std::string Unhex(std::string_view hex) { return absl::HexStringToBytes(absl::string_view(hex.data(), hex.size())); }

// NIST GCM specification, test case 16 (AES-256, 60-byte plaintext, 20-byte AAD).
TEST(AesGcmTest, NistVector) {
  const std::string key =
      Unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const std::string nonce = Unhex("cafebabefacedbaddecaf888");
  const std::string plain = Unhex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
      "49a6b525b16aedf5aa0de657ba637b39");
  const std::string aad = Unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  std::string sealed(plain.size() + kAesGcmTagBytes, '\0');
  ASSERT_TRUE(AesGcmSeal(key, nonce, plain, aad, absl::MakeSpan(sealed)).ok());
  EXPECT_EQ(absl::BytesToHexString(sealed),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
            "56828838c5f61e6393ba7a0abcc9f662"
            "76fc6ece0f4e1768cddf8853bb2d551b");
  std::string opened(plain.size(), '\0');
  ASSERT_TRUE(AesGcmOpen(key, nonce, sealed, aad, absl::MakeSpan(opened)).ok());
  EXPECT_EQ(opened, plain);
}

TEST(AesGcmTest, TamperingIsDataLossAndZeroesTheOutput) {
  const std::string key(kAesGcmKeyBytes, 'k');
  const std::string nonce(kAesGcmNonceBytes, 'n');
  const std::string plain = "a personal value";
  std::string sealed(plain.size() + kAesGcmTagBytes, '\0');
  ASSERT_TRUE(AesGcmSeal(key, nonce, plain, "aad", absl::MakeSpan(sealed)).ok());
  std::string out(plain.size(), '\0');
  std::string altered = sealed;
  altered[3] ^= 1;
  absl::Status s = AesGcmOpen(key, nonce, altered, "aad", absl::MakeSpan(out));
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_EQ(out, std::string(plain.size(), '\0'));
  EXPECT_TRUE(absl::IsDataLoss(AesGcmOpen(key, nonce, sealed, "other", absl::MakeSpan(out))));
  EXPECT_TRUE(absl::IsDataLoss(
      AesGcmOpen(std::string(kAesGcmKeyBytes, 'x'), nonce, sealed, "aad", absl::MakeSpan(out))));
  EXPECT_TRUE(AesGcmOpen(key, nonce, sealed, "aad", absl::MakeSpan(out)).ok());
  EXPECT_EQ(out, plain);
}

TEST(AesGcmTest, WrongSizesAreInvalidArgument) {
  const std::string key(kAesGcmKeyBytes, 'k');
  const std::string nonce(kAesGcmNonceBytes, 'n');
  std::string out(4 + kAesGcmTagBytes, '\0');
  EXPECT_TRUE(absl::IsInvalidArgument(AesGcmSeal("short", nonce, "abcd", "", absl::MakeSpan(out))));
  EXPECT_TRUE(absl::IsInvalidArgument(AesGcmSeal(key, "short", "abcd", "", absl::MakeSpan(out))));
  EXPECT_TRUE(absl::IsInvalidArgument(AesGcmSeal(key, nonce, "abc", "", absl::MakeSpan(out))));
  std::string plain(4, '\0');
  EXPECT_TRUE(absl::IsInvalidArgument(AesGcmOpen(key, nonce, "short", "", absl::MakeSpan(plain))));
  EXPECT_TRUE(absl::IsInvalidArgument(AesGcmOpen(key, nonce, out, "", absl::MakeSpan(out))));
}

TEST(AesGcmSealerTest, SealsExactlyLikeAesGcmSealForEveryNonce) {
  const std::string key =
      Unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  auto sealer = AesGcmSealer::Create(key);
  ASSERT_TRUE(sealer.ok()) << sealer.status();
  for (int i = 0; i < 50; ++i) {
    const std::string nonce = std::string(kAesGcmNonceBytes - 1, 'n') + static_cast<char>(i);
    const std::string plain(i * 7, static_cast<char>('a' + i % 26));
    const std::string aad = "aad" + std::to_string(i);
    std::string expected(plain.size() + kAesGcmTagBytes, '\0');
    std::string got(plain.size() + kAesGcmTagBytes, '\0');
    ASSERT_TRUE(AesGcmSeal(key, nonce, plain, aad, absl::MakeSpan(expected)).ok());
    ASSERT_TRUE(sealer->Seal(nonce, plain, aad, absl::MakeSpan(got)).ok());
    EXPECT_EQ(got, expected) << i;
    std::string opened(plain.size(), '\0');
    ASSERT_TRUE(AesGcmOpen(key, nonce, got, aad, absl::MakeSpan(opened)).ok());
    EXPECT_EQ(opened, plain);
  }
}

TEST(AesGcmSealerTest, WrongSizesAreInvalidArgument) {
  EXPECT_TRUE(absl::IsInvalidArgument(AesGcmSealer::Create("short").status()));
  auto sealer = AesGcmSealer::Create(std::string(kAesGcmKeyBytes, 'k'));
  ASSERT_TRUE(sealer.ok());
  std::string out(4 + kAesGcmTagBytes, '\0');
  EXPECT_TRUE(absl::IsInvalidArgument(sealer->Seal("short", "abcd", "", absl::MakeSpan(out))));
  EXPECT_TRUE(absl::IsInvalidArgument(
      sealer->Seal(std::string(kAesGcmNonceBytes, 'n'), "abc", "", absl::MakeSpan(out))));
}

TEST(AesGcmOpenerTest, OpensLikeAesGcmOpenAndRejectsWhatItRejects) {
  const std::string key(kAesGcmKeyBytes, 'k');
  auto opener = AesGcmOpener::Create(key);
  ASSERT_TRUE(opener.ok()) << opener.status();
  for (int i = 0; i < 50; ++i) {
    const std::string nonce = std::string(kAesGcmNonceBytes - 1, 'n') + static_cast<char>(i);
    const std::string plain(i * 7, static_cast<char>('a' + i % 26));
    const std::string aad = "aad" + std::to_string(i);
    std::string sealed(plain.size() + kAesGcmTagBytes, '\0');
    ASSERT_TRUE(AesGcmSeal(key, nonce, plain, aad, absl::MakeSpan(sealed)).ok());
    std::string opened(plain.size(), '\0');
    ASSERT_TRUE(opener->Open(nonce, sealed, aad, absl::MakeSpan(opened)).ok()) << i;
    EXPECT_EQ(opened, plain);
    // The same context keeps working after a failure.
    EXPECT_TRUE(absl::IsDataLoss(opener->Open(nonce, sealed, aad + "x", absl::MakeSpan(opened))));
    EXPECT_EQ(opened, std::string(plain.size(), '\0'));
    if (!plain.empty()) {
      std::string altered = sealed;
      altered[0] ^= 1;
      EXPECT_TRUE(absl::IsDataLoss(opener->Open(nonce, altered, aad, absl::MakeSpan(opened))));
    }
  }
  EXPECT_TRUE(absl::IsInvalidArgument(AesGcmOpener::Create("short").status()));
  std::string out(1, '\0');
  EXPECT_TRUE(absl::IsInvalidArgument(opener->Open(std::string(kAesGcmNonceBytes, 'n'), "short", "",
                                                   absl::MakeSpan(out))));
}

TEST(RandomPoolTest, NeverHandsOutTheSameBytesTwiceAcrossRefills) {
  RandomPool pool;
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {  // 24 KB: several refills of the 4 KiB pool
    std::string nonce(kAesGcmNonceBytes, '\0');
    ASSERT_TRUE(pool.Fill(absl::MakeSpan(nonce)).ok());
    EXPECT_NE(nonce, std::string(kAesGcmNonceBytes, '\0'));
    EXPECT_TRUE(seen.insert(nonce).second) << i;
  }
  std::string too_big(4097, '\0');
  EXPECT_TRUE(absl::IsInvalidArgument(pool.Fill(absl::MakeSpan(too_big))));
  std::string whole(4096, '\0');
  EXPECT_TRUE(pool.Fill(absl::MakeSpan(whole)).ok());
}

}  // namespace
}  // namespace accord::policy
