#include "accord/hub/kafka/field_crypto.h"

#include "gtest/gtest.h"

namespace accord::hub {
namespace {

v1::Record Sample() {
  v1::Record r;
  r.set_provider("herts-police");
  r.set_dataset("crime");
  r.set_record_id("CR-1");
  auto add = [&](const std::string& name, const std::string& text) {
    auto* f = r.add_fields();
    f->set_name(name);
    f->mutable_value()->set_text(text);
  };
  add("victim_name", "Jane Smith");
  add("victim_nhs", "943 476 5919");
  add("offence", "assault");
  return r;
}

bool Personal(const v1::Field& f) { return f.name() != "offence"; }

TEST(FieldCryptoTest, SealsOnlyProtectedFieldsAndOpensThemBack) {
  auto crypto = FieldCrypto::Create(std::string(32, 'm'), "k1");
  ASSERT_TRUE(crypto.ok()) << crypto.status();
  v1::Record r = Sample();
  auto n = (*crypto)->Seal(&r, Personal);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2);
  std::string wire;
  r.SerializeToString(&wire);
  EXPECT_EQ(wire.find("Smith"), std::string::npos);
  EXPECT_EQ(wire.find("5919"), std::string::npos);
  EXPECT_NE(wire.find("assault"), std::string::npos);
  EXPECT_EQ(r.fields(0).value().sealed().scheme(), FieldCrypto::kScheme);
  EXPECT_EQ(r.fields(0).value().sealed().key_fingerprint(), "k1");
  ASSERT_TRUE((*crypto)->Open(&r).ok());
  v1::Record original = Sample();
  EXPECT_EQ(r.SerializeAsString(), original.SerializeAsString());
}

TEST(FieldCryptoTest, RotatedKeysStillOpenOldRecords) {
  auto old_crypto = FieldCrypto::Create(std::string(32, 'm'), "k1");
  auto new_crypto = FieldCrypto::Create(std::string(32, 'm'), "k2");
  ASSERT_TRUE(old_crypto.ok() && new_crypto.ok());
  v1::Record r = Sample();
  ASSERT_TRUE((*old_crypto)->Seal(&r, Personal).ok());
  ASSERT_TRUE((*new_crypto)->Open(&r).ok());
  EXPECT_EQ(r.fields(0).value().text(), "Jane Smith");
}

TEST(FieldCryptoTest, TamperingMovingOrAnotherMasterKeyIsDataLoss) {
  auto crypto = FieldCrypto::Create(std::string(32, 'm'), "k1");
  ASSERT_TRUE(crypto.ok());
  v1::Record sealed = Sample();
  ASSERT_TRUE((*crypto)->Seal(&sealed, Personal).ok());

  v1::Record flipped = sealed;
  std::string* ct = flipped.mutable_fields(0)->mutable_value()->mutable_sealed()->mutable_ciphertext();
  (*ct)[0] ^= 1;
  EXPECT_EQ((*crypto)->Open(&flipped).code(), absl::StatusCode::kDataLoss);

  v1::Record moved = sealed;  // a ciphertext moved to another record id
  moved.set_record_id("CR-2");
  absl::Status s = (*crypto)->Open(&moved);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(std::string(s.message()).find("Smith"), std::string::npos);

  auto other = FieldCrypto::Create(std::string(32, 'x'), "k1");
  v1::Record copy = sealed;
  EXPECT_EQ((*other)->Open(&copy).code(), absl::StatusCode::kDataLoss);

  EXPECT_FALSE(FieldCrypto::Create(std::string(31, 'm'), "k1").ok());
}

}  // namespace
}  // namespace accord::hub
