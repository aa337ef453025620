#include "accord/hub/core/meta_keys.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace accord::hub::meta_keys {
namespace {

TEST(MetaKeysTest, NoTwoKeysCollide) {
  constexpr size_t n = std::size(kAllMetaKeys);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_FALSE(kAllMetaKeys[i].key.empty());
    for (size_t j = i + 1; j < n; ++j) {
      EXPECT_EQ(Collision(kAllMetaKeys[i], kAllMetaKeys[j]), "")
          << "'" << kAllMetaKeys[i].key << "' and '" << kAllMetaKeys[j].key << "'";
    }
  }
}

TEST(MetaKeysTest, EveryKeyIsListedOnce) {
  // The named constants and the table agree (a key added above but not to
  // the table would escape the collision check).
  const std::set<std::string> listed = [] {
    std::set<std::string> s;
    for (const MetaKey& k : kAllMetaKeys) s.insert(std::string(k.key));
    return s;
  }();
  EXPECT_EQ(listed.size(), std::size(kAllMetaKeys)) << "a key is listed twice";
  for (const char* key : {kPolicyOffset, kIngestLast, kDisclosureIndexUpto, kMetricsCounters, kJournalNextOffset,
                          kAgreementReceiptPrefix, kRecordKeyPrefix, kRecordErasedPrefix, kFeedHeadPrefix,
                          kKafkaFeedPositionPrefix}) {
    EXPECT_TRUE(listed.contains(key)) << key << " is not in kAllMetaKeys";
  }
}

TEST(MetaKeysTest, TheCheckCatchesCollisions) {
  EXPECT_NE(Collision({"feed_head/", true}, {"feed_head/", true}), "");
  EXPECT_NE(Collision({"feed_head/", true}, {"feed_head/x", false}), "");
  EXPECT_NE(Collision({"feed_head/x", false}, {"feed_head/", true}), "");
  EXPECT_NE(Collision({"record_", true}, {"record_key/", true}), "");
  EXPECT_NE(Collision({"ingest_last", false}, {"ingest_last", false}), "");
  EXPECT_EQ(Collision({"ingest_last", false}, {"ingest_last_x", false}), "") << "two exact keys may share a start";
  EXPECT_EQ(Collision({"record_key/", true}, {"record_erased/", true}), "");
}

// The registry is consistent at compile time too.
constexpr bool NoCollisions() {
  for (size_t i = 0; i < std::size(kAllMetaKeys); ++i) {
    for (size_t j = i + 1; j < std::size(kAllMetaKeys); ++j) {
      if (!Collision(kAllMetaKeys[i], kAllMetaKeys[j]).empty()) return false;
    }
  }
  return true;
}
static_assert(NoCollisions(), "two meta keys collide (meta_keys.h)");

}  // namespace
}  // namespace accord::hub::meta_keys
