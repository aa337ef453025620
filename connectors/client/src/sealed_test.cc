// client::RecipientKey against values sealed by the hub's own sealer.
#include "accord/client/sealed.h"

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "accord/policy/sealed_value.h"
#include "accord/policy/signing.h"
#include "gtest/gtest.h"

namespace accord::client {
namespace {

class RecipientKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = policy::GenerateX25519KeyPair();
    ASSERT_TRUE(pair.ok());
    pair_ = *pair;
    auto sealer = policy::RecipientSealer::Create("csp-herts-analyst", pair_.public_pem);
    ASSERT_TRUE(sealer.ok());
    sealer_.emplace(std::move(*sealer));
  }
  v1::Field* AddSealed(v1::CleanedRecord* r, const std::string& name, const std::string& text) {
    v1::Value plain;
    plain.set_text(text);
    v1::Field* f = r->add_fields();
    f->set_name(name);
    EXPECT_TRUE(sealer_->Seal(name, plain, f->mutable_value()->mutable_sealed()).ok());
    return f;
  }
  v1::CleanedRecord Record() {
    v1::CleanedRecord r;
    r.set_recipient("csp-herts-analyst");
    AddSealed(&r, "victim_name", "Zoe Smith");
    v1::Field* clear = r.add_fields();
    clear->set_name("offence");
    clear->mutable_value()->set_text("assault");
    AddSealed(&r, "victim_nhs", "943 476 5919");
    return r;
  }
  policy::KeyPair pair_;
  std::optional<policy::RecipientSealer> sealer_;
};

TEST_F(RecipientKeyTest, OpensEverySealedFieldOfARecord) {
  auto key = RecipientKey::FromPem(pair_.private_pem);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->fingerprint(), sealer_->key_fingerprint());
  v1::CleanedRecord r = Record();
  auto n = key->OpenRecord(&r);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(r.fields(0).value().text(), "Zoe Smith");
  EXPECT_EQ(r.fields(1).value().text(), "assault");
  EXPECT_EQ(r.fields(2).value().text(), "943 476 5919");
  // One value on its own.
  v1::CleanedRecord again = Record();
  auto v = key->Open("csp-herts-analyst", "victim_nhs", again.fields(2).value().sealed());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->text(), "943 476 5919");
}

TEST_F(RecipientKeyTest, AllOrNothingWithTheFieldNamed) {
  auto key = RecipientKey::FromPem(pair_.private_pem);
  ASSERT_TRUE(key.ok());
  v1::CleanedRecord r = Record();
  (*r.mutable_fields(2)->mutable_value()->mutable_sealed()->mutable_ciphertext())[0] ^= 1;
  const std::string before = r.SerializeAsString();
  auto n = key->OpenRecord(&r);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(n.status().message().find("field 'victim_nhs'"), std::string::npos) << n.status();
  EXPECT_EQ(r.SerializeAsString(), before) << "nothing opened on an error";

  // Another agency's record, or another key: not addressed to this key.
  v1::CleanedRecord theirs = Record();
  theirs.set_recipient("herts-police");
  EXPECT_EQ(key->OpenRecord(&theirs).status().code(), absl::StatusCode::kPermissionDenied);
  auto other = policy::GenerateX25519KeyPair();
  auto other_key = RecipientKey::FromPem(other->private_pem);
  ASSERT_TRUE(other_key.ok());
  v1::CleanedRecord mine = Record();
  EXPECT_EQ(other_key->OpenRecord(&mine).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(RecipientKeyTest, KeyFilesAreCheckedWithoutEchoingThem) {
  const std::string dir = ::testing::TempDir();
  const std::string path = dir + "/recipient_key_test.key";
  {
    std::ofstream out(path);
    out << pair_.private_pem;
  }
  auto key = RecipientKey::FromFile(path);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->fingerprint(), sealer_->key_fingerprint());
  {
    std::ofstream out(path, std::ios::trunc);
    out << pair_.public_pem;  // the public half cannot open anything
  }
  auto pub = RecipientKey::FromFile(path);
  ASSERT_FALSE(pub.ok());
  EXPECT_EQ(pub.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(pub.status().message().find("accordctl keygen --type x25519"), std::string::npos);
  EXPECT_EQ(pub.status().message().find("BEGIN"), std::string::npos);
  std::remove(path.c_str());
  EXPECT_EQ(RecipientKey::FromFile(path).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace accord::client
