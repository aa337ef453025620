// The ONE registry of the keys of HubDb's `meta` column family.
//
// Many components keep small values in `meta` (positions, heads, receipts,
// wrapped keys). A key defined in two places, or a key that falls inside
// another component's prefix, would make one component read or erase
// another's data (a prefix scan over "feed_head/" must never meet anything
// but feed heads). So every meta key and key prefix is defined here, listed
// in kAllMetaKeys, and meta_keys_test checks that no two collide: no two
// equal, no exact key inside a prefix, no prefix inside another.
//
// The names are stored on disk: never change a value (old data dirs would
// lose it); add a new key instead, and add it to kAllMetaKeys.
#pragma once

#include <string_view>

namespace accord::hub::meta_keys {

// Exact keys.
// RocksDbIngestLog: the last offset the policy stage consumed (name kept for existing data dirs).
inline constexpr char kPolicyOffset[] = "policy_offset";
// RocksDbIngestLog: the last offset appended.
inline constexpr char kIngestLast[] = "ingest_last";
// Disclosure index (disclosure_index.h): ledger entries indexed so far.
inline constexpr char kDisclosureIndexUpto[] = "ledger_by_party_upto";
// hub/server metrics_store.h: the persisted counters.
inline constexpr char kMetricsCounters[] = "metrics/counters";
// hub/kafka KafkaJournal: the next journal offset to apply.
inline constexpr char kJournalNextOffset[] = "journal/next_offset";

// Prefixes (the rest of the key follows).
// AgreementRegistry: + agreement key 0 signature (base64) -> receipt time.
inline constexpr char kAgreementReceiptPrefix[] = "agreement_receipt/";
// PeriodKeyring: + "agreement/YYYY-MM" -> wrapped data key.
inline constexpr char kRecordKeyPrefix[] = "record_key/";
// PeriodKeyring: + "agreement/YYYY-MM" -> "" (the period was erased).
inline constexpr char kRecordErasedPrefix[] = "record_erased/";
// FeedStore: + recipient -> feed head (8 B BE).
inline constexpr char kFeedHeadPrefix[] = "feed_head/";
// hub/kafka FeedMirror: + recipient -> last position mirrored (8 B BE).
inline constexpr char kKafkaFeedPositionPrefix[] = "kafka_feed/";

struct MetaKey {
  std::string_view key;
  bool prefix;  // true: a key prefix; false: an exact key
};

// Every key above. meta_keys_test checks that none collides with another.
inline constexpr MetaKey kAllMetaKeys[] = {
    {kPolicyOffset, false},
    {kIngestLast, false},
    {kDisclosureIndexUpto, false},
    {kMetricsCounters, false},
    {kJournalNextOffset, false},
    {kAgreementReceiptPrefix, true},
    {kRecordKeyPrefix, true},
    {kRecordErasedPrefix, true},
    {kFeedHeadPrefix, true},
    {kKafkaFeedPositionPrefix, true},
};

// Why `a` and `b` collide (one would read or erase the other's keys), or
// empty if they do not. Exposed for the test.
constexpr std::string_view Collision(const MetaKey& a, const MetaKey& b) {
  if (a.key == b.key) return "the same key";
  if (a.prefix && b.key.substr(0, a.key.size()) == a.key) return "the second lies inside the first's prefix";
  if (b.prefix && a.key.substr(0, b.key.size()) == b.key) return "the first lies inside the second's prefix";
  return {};
}

}  // namespace accord::hub::meta_keys
