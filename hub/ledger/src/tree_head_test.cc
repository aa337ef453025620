#include "accord/hub/ledger/tree_head.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace accord::hub::ledger {
namespace {

// RFC 8032 §7.1 TEST 1 key as PKCS#8 / SPKI PEM.
constexpr char kRfc8032PrivatePem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
constexpr char kRfc8032PublicPem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";

TreeHead SampleHead() {
  TreeHead head;
  head.tree_size = 0x0102030405060708ULL;
  head.root = LeafHash("root");
  head.timestamp = absl::FromUnixMillis(1700000000123) + absl::Microseconds(456);
  return head;
}

TEST(TreeHeadTest, SigningInputLayout) {
  TreeHead head = SampleHead();
  const std::string input = TreeHeadSigningInput(head, "sha256:ab");
  std::string want("accord.tree-head.v1\0sha256:ab\0", 30);
  want += absl::HexStringToBytes("0102030405060708");
  want += absl::HexStringToBytes("0000018bcfe5687b");  // 1700000000123 ms
  want.append(reinterpret_cast<const char*>(head.root.data()), 32);
  EXPECT_EQ(absl::BytesToHexString(input), absl::BytesToHexString(want));
  // Pre-epoch times floor, not truncate towards zero.
  EXPECT_EQ(ToUnixMillisFloor(absl::UnixEpoch() - absl::Microseconds(1)), -1);
}

TEST(TreeHeadTest, LogIdAndPublicPemOfKnownKey) {
  auto signer = TreeHeadSigner::FromPrivatePem(kRfc8032PrivatePem);
  ASSERT_TRUE(signer.ok()) << signer.status();
  EXPECT_EQ((*signer)->public_pem(), kRfc8032PublicPem);
  auto id = LogIdFromPublicPem(kRfc8032PublicPem);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ((*signer)->log_id(), *id);
  // sha256 of the 44-byte SPKI DER.
  const std::string der = absl::HexStringToBytes(
      "302a300506032b6570032100d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(der.size(), 44u);
  // sha256sum of that DER, computed independently with the openssl CLI.
  EXPECT_EQ(*id, "sha256:06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9");
}

TEST(TreeHeadTest, SignIsDeterministicAndVerifies) {
  auto signer = TreeHeadSigner::FromPrivatePem(kRfc8032PrivatePem);
  ASSERT_TRUE(signer.ok());
  auto sth = (*signer)->Sign(SampleHead());
  ASSERT_TRUE(sth.ok()) << sth.status();
  EXPECT_EQ(sth->signature.size(), 64u);
  EXPECT_EQ(sth->head.timestamp, absl::FromUnixMillis(1700000000123));
  EXPECT_EQ(sth->head.tree_size, SampleHead().tree_size);
  // Independently computed: `openssl pkeyutl -sign -rawin` over the layout above.
  EXPECT_EQ(absl::BytesToHexString(sth->signature),
            "062d358dea2d0ea0ee2585819be911789cdb5488f2ade187239528af8d601605"
            "4fb682e2e3d56c8aec03ff8a68c03775e564f212a30103908c68fca77a0c9103");
  // Ed25519 is deterministic: signing twice gives the same bytes.
  auto again = (*signer)->Sign(SampleHead());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->signature, sth->signature);
  EXPECT_TRUE(VerifyTreeHead(*sth, kRfc8032PublicPem).ok());

  SignedTreeHead bad = *sth;
  bad.head.tree_size -= 1;
  EXPECT_EQ(VerifyTreeHead(bad, kRfc8032PublicPem).code(), absl::StatusCode::kPermissionDenied);
  bad = *sth;
  bad.head.root[3] ^= 1;
  EXPECT_EQ(VerifyTreeHead(bad, kRfc8032PublicPem).code(), absl::StatusCode::kPermissionDenied);
  bad = *sth;
  bad.head.timestamp += absl::Milliseconds(1);
  EXPECT_EQ(VerifyTreeHead(bad, kRfc8032PublicPem).code(), absl::StatusCode::kPermissionDenied);
  bad = *sth;
  bad.signature[10] ^= 1;
  EXPECT_EQ(VerifyTreeHead(bad, kRfc8032PublicPem).code(), absl::StatusCode::kPermissionDenied);
  bad = *sth;
  bad.signature.pop_back();
  EXPECT_EQ(VerifyTreeHead(bad, kRfc8032PublicPem).code(), absl::StatusCode::kPermissionDenied);
}

TEST(TreeHeadTest, ForgedHeadWithAnotherKeyFails) {
  auto pem = GenerateSigningKeyPem();
  ASSERT_TRUE(pem.ok()) << pem.status();
  auto forger = TreeHeadSigner::FromPrivatePem(*pem);
  ASSERT_TRUE(forger.ok()) << forger.status();
  auto forged = (*forger)->Sign(SampleHead());
  ASSERT_TRUE(forged.ok());
  EXPECT_TRUE(VerifyTreeHead(*forged, (*forger)->public_pem()).ok());
  // Against the real log key: the log id does not match.
  EXPECT_EQ(VerifyTreeHead(*forged, kRfc8032PublicPem).code(),
            absl::StatusCode::kPermissionDenied);
  // Even claiming the real log id, the signature fails.
  auto real_id = LogIdFromPublicPem(kRfc8032PublicPem);
  ASSERT_TRUE(real_id.ok());
  TreeHead head = forged->head;
  SignedTreeHead claimed = *forged;
  claimed.log_id = *real_id;
  EXPECT_EQ(VerifyTreeHead(claimed, kRfc8032PublicPem).code(),
            absl::StatusCode::kPermissionDenied);
  (void)head;
}

TEST(TreeHeadTest, RejectsBadKeys) {
  EXPECT_EQ(TreeHeadSigner::FromPrivatePem("garbage").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TreeHeadSigner::FromPrivatePem(kRfc8032PublicPem).status().code(),
            absl::StatusCode::kInvalidArgument);
  // An EC P-256 key is not Ed25519.
  constexpr char kP256[] =
      "-----BEGIN PRIVATE KEY-----\n"
      "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgevZzL1gdAFr88hb2\n"
      "OF/2NxApJCzGCEDdfSp6VQO30hyhRANCAAQRWz+jn65BtOMvdyHKcvjBeBSDZH2r\n"
      "1RTwjmYSi9R/zpBnuQ4EiMnCqfMPWiZqB4QdbAd0E7oH50VpuZ1P087G\n"
      "-----END PRIVATE KEY-----\n";
  auto p256 = TreeHeadSigner::FromPrivatePem(kP256);
  EXPECT_EQ(p256.status().code(), absl::StatusCode::kInvalidArgument) << p256.status();
  EXPECT_EQ(LogIdFromPublicPem("-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----\n")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  auto sth = SignedTreeHead{};
  EXPECT_EQ(VerifyTreeHead(sth, "nope").code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace accord::hub::ledger
