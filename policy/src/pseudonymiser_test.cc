#include "accord/policy/pseudonymiser.h"

#include <openssl/hmac.h>

#include <string>
#include <thread>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace accord::policy {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr std::string_view kKey = "accord-test-linkage-key-0123456789abcdef";
constexpr std::string_view kOtherKey = "another-agreement-linkage-key-9876543210";

// Independent computation with OpenSSL's one-shot HMAC().
std::string Expected(std::string_view prefix, std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(prefix);
  for (int i = 0; i < 16; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

std::string Msg(std::string_view tag, std::string_view value) {
  return std::string(tag) + '\x1f' + std::string(value);
}

v1::Value Text(std::string_view s) {
  v1::Value v;
  v.set_text(std::string(s));
  return v;
}

class PseudonymiserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = Pseudonymiser::Create(kKey);
    ASSERT_TRUE(p.ok()) << p.status();
    p_.emplace(std::move(*p));
  }
  std::string Token(FieldType type, std::string_view text) {
    std::string out;
    absl::Status s = p_->PseudonymiseText(type, text, &out);
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }
  std::optional<Pseudonymiser> p_;
};

TEST_F(PseudonymiserTest, KnownVectors) {
  // Literal vectors computed with Python's hmac module, and recomputed with HMAC().
  EXPECT_EQ(Token(FieldType::kNhsNumber, "9434765919"), "pz1_6866c526278ddda2ab661fb2732c27ff");
  EXPECT_EQ(Token(FieldType::kNhsNumber, "9434765919"), Expected("pz1_", kKey, Msg("nhs", "9434765919")));
  EXPECT_EQ(Token(FieldType::kName, "Zoë"), "pz1_4cabbec1a1535b7cc469f78d4bed4268");
  EXPECT_EQ(Token(FieldType::kPostcode, "al1 3xy"), "pz1_69fac59095973a7eb606a11d82b7a43d");
  EXPECT_EQ(Token(FieldType::kPhone, "+44 7700 900123"),
            Expected("pz1_", kKey, Msg("phone", "07700900123")));
  EXPECT_EQ(Token(FieldType::kEmail, " A.B@Example.org"),
            Expected("pz1_", kKey, Msg("email", "a.b@example.org")));
  EXPECT_EQ(Token(FieldType::kDate, "22/11/2026"), Expected("pz1_", kKey, Msg("date", "2026-11-22")));
  EXPECT_EQ(Token(FieldType::kString, "Knife"), Expected("pz1_", kKey, Msg("text", "Knife")));
  EXPECT_EQ(Token(FieldType::kInteger, "-042"), "pz1_a379156125c59f580dd6f7d385bee15e");
}

TEST_F(PseudonymiserTest, TypedValues) {
  std::string out;
  v1::Value i;
  i.set_integer(-42);
  ASSERT_TRUE(p_->Pseudonymise(FieldType::kInteger, i, &out).ok());
  EXPECT_EQ(out, "pz1_a379156125c59f580dd6f7d385bee15e");

  v1::Value dt;
  absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 11, 22, 8, 5, 0), absl::UTCTimeZone());
  dt.mutable_datetime()->set_seconds(absl::ToUnixSeconds(t));
  ASSERT_TRUE(p_->Pseudonymise(FieldType::kDateTime, dt, &out).ok());
  EXPECT_EQ(out, "pz1_7cabe827d2dc1120ea4d34ee31b1127d");
  dt.mutable_datetime()->set_nanos(500000000);
  ASSERT_TRUE(p_->Pseudonymise(FieldType::kDateTime, dt, &out).ok());
  EXPECT_EQ(out, Expected("pz1_", kKey, Msg("text", "2026-11-22T08:05:00.5Z")));

  v1::Value d;
  d.set_date("2026-11-22");
  ASSERT_TRUE(p_->Pseudonymise(FieldType::kDate, d, &out).ok());
  EXPECT_EQ(out, Expected("pz1_", kKey, Msg("date", "2026-11-22")));

  ASSERT_TRUE(p_->Pseudonymise(FieldType::kNhsNumber, Text("943 476 5919"), &out).ok());
  EXPECT_EQ(out, "pz1_6866c526278ddda2ab661fb2732c27ff");
}

TEST_F(PseudonymiserTest, NormalisedFormsLink) {
  std::string a = Token(FieldType::kNhsNumber, "943 476 5919");
  EXPECT_EQ(a, Token(FieldType::kNhsNumber, "9434765919"));
  EXPECT_EQ(a, Token(FieldType::kNhsNumber, "943-476-5919"));
  EXPECT_EQ(Token(FieldType::kName, "Zoë"), Token(FieldType::kName, "ZOE"));
  // Names link whatever their order (NormaliseNameForLinkage, version 2);
  // apostrophes join and a particle joins the word after it.
  EXPECT_EQ(Token(FieldType::kName, "O'Brien"), Token(FieldType::kName, "OBRIEN"));
  EXPECT_EQ(Token(FieldType::kName, "O’Brien"), Token(FieldType::kName, "obrien"));
  EXPECT_EQ(Token(FieldType::kName, "O'Brien"), Token(FieldType::kName, "O Brien"));
  const std::string oliver = Token(FieldType::kName, "Oliver Smith");
  EXPECT_EQ(oliver, Token(FieldType::kName, "SMITH, Oliver"));
  EXPECT_EQ(oliver, Token(FieldType::kName, "oliver smith"));
  EXPECT_EQ(oliver, Token(FieldType::kName, "OLIVER SMITH"));
  EXPECT_EQ(oliver, Expected("pz1_", kKey, Msg("name", "oliver smith")));
  EXPECT_NE(oliver, Token(FieldType::kName, "O. Smith"));
  std::string phone = Token(FieldType::kPhone, "07700 900123");
  EXPECT_EQ(phone, Token(FieldType::kPhone, "+44 7700 900123"));
  EXPECT_EQ(phone, Token(FieldType::kPhone, "0044 (0)7700-900-123"));
  EXPECT_EQ(Token(FieldType::kPostcode, "AL1 3XY"), Token(FieldType::kPostcode, "al13xy"));
  EXPECT_EQ(Token(FieldType::kDate, "2026-11-22"), Token(FieldType::kDate, "22/11/2026"));
}

TEST_F(PseudonymiserTest, TypeTagsSeparateGroups) {
  // The same characters as a name and as free text are different tokens.
  EXPECT_NE(Token(FieldType::kName, "smith"), Token(FieldType::kString, "smith"));
  // string and category share the "text" group.
  EXPECT_EQ(Token(FieldType::kString, "Knife"), Token(FieldType::kCategory, "Knife"));
}

TEST_F(PseudonymiserTest, DifferentKeysGiveUnlinkableTokens) {
  auto other = Pseudonymiser::Create(kOtherKey);
  ASSERT_TRUE(other.ok());
  std::string a = Token(FieldType::kNhsNumber, "9434765919");
  std::string b;
  ASSERT_TRUE(other->PseudonymiseText(FieldType::kNhsNumber, "9434765919", &b).ok());
  EXPECT_NE(a, b);
  EXPECT_EQ(b, Expected("pz1_", kOtherKey, Msg("nhs", "9434765919")));
}

TEST_F(PseudonymiserTest, FixedLengthAndForm) {
  for (std::string_view name : {"a", "Zoë", "Mary-Jane O'Neil-Smith of the very long name"}) {
    std::string t = Token(FieldType::kName, name);
    EXPECT_EQ(t.size(), Pseudonymiser::kTokenLength);
    EXPECT_THAT(t, MatchesRegex("pz1_[0-9a-f]{32}"));
  }
}

TEST_F(PseudonymiserTest, RejectsInvalidValuesWithoutEchoingThem) {
  std::string out = "unchanged";
  absl::Status s = p_->PseudonymiseText(FieldType::kNhsNumber, "9434765918", &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("check digit"));
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("9434765918")));
  EXPECT_EQ(out, "unchanged");

  EXPECT_EQ(p_->PseudonymiseText(FieldType::kPostcode, "NOT A POSTCODE", &out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(p_->PseudonymiseText(FieldType::kString, "bad \xff utf8", &out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(p_->PseudonymiseText(FieldType::kInteger, "12a", &out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(p_->PseudonymiseText(FieldType::kFreeText, "text", &out).code(),
            absl::StatusCode::kInvalidArgument);
  v1::Value i;
  i.set_integer(5);
  absl::Status kind = p_->Pseudonymise(FieldType::kName, i, &out);
  EXPECT_EQ(kind.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(kind.message()), HasSubstr("kind"));
  v1::Value dt;
  dt.mutable_datetime()->set_nanos(-1);
  EXPECT_EQ(p_->Pseudonymise(FieldType::kDateTime, dt, &out).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Pseudonymiser, ShortKeyRejectedWithoutEchoingIt) {
  auto p = Pseudonymiser::Create("short-secret-key");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(p.status().message()), Not(HasSubstr("short-secret-key")));
}

TEST_F(PseudonymiserTest, RecordRef) {
  std::string ref;
  p_->RecordRef("police", "crimes", "R-1", &ref);
  EXPECT_EQ(ref, "rr1_2ca6cb8e0ff1db8fac4da6a0c7bf93be");
  EXPECT_EQ(ref, Expected("rr1_", kKey, std::string("record\x1fpolice\x1f" "crimes\x1fR-1")));
  std::string other;
  p_->RecordRef("police", "crimesR", "-1", &other);
  EXPECT_NE(ref, other);
}

TEST_F(PseudonymiserTest, CloneIsIndependentAndEqual) {
  auto c = p_->Clone();
  ASSERT_TRUE(c.ok());
  std::string a = Token(FieldType::kName, "Zoë");
  std::string b;
  std::thread worker([&] { ASSERT_TRUE(c->PseudonymiseText(FieldType::kName, "ZOE", &b).ok()); });
  worker.join();
  EXPECT_EQ(a, b);
  EXPECT_EQ(Token(FieldType::kName, "Zoë"), a);  // the original still works
}

}  // namespace
}  // namespace accord::policy
