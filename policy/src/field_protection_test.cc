#include "accord/policy/field_protection.h"

#include "gtest/gtest.h"

namespace accord::policy {
namespace {

FieldSpec Spec(Classification c, FieldType t = FieldType::kString) {
  FieldSpec s;
  s.name = "f";
  s.classification = c;
  s.type = t;
  return s;
}

TEST(FieldProtectionTest, OnlyFieldsEveryFlowDeclaresNonPersonalTravelInClear) {
  const FieldSpec direct = Spec(Classification::kDirectIdentifier);
  const FieldSpec quasi = Spec(Classification::kQuasiIdentifier);  // a postcode, a date of birth
  const FieldSpec sensitive = Spec(Classification::kSensitive);
  const FieldSpec none = Spec(Classification::kNonPersonal);
  const FieldSpec notes = Spec(Classification::kNonPersonal, FieldType::kFreeText);
  EXPECT_TRUE(SealedInSharedLog({&direct}));
  EXPECT_TRUE(SealedInSharedLog({&quasi}));
  EXPECT_TRUE(SealedInSharedLog({&sensitive}));
  EXPECT_TRUE(SealedInSharedLog({&notes})) << "free text may name anyone";
  EXPECT_FALSE(SealedInSharedLog({&none}));
  EXPECT_FALSE(SealedInSharedLog({&none, &none}));
  EXPECT_TRUE(SealedInSharedLog({&none, &quasi})) << "one flow's classification is enough";
  EXPECT_TRUE(SealedInSharedLog({&none, nullptr})) << "a flow that does not describe it";
  EXPECT_TRUE(SealedInSharedLog({})) << "described by no agreement";
}

}  // namespace
}  // namespace accord::policy
