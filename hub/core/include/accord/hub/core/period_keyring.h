// The data keys that seal what the hub keeps of each disclosure, one per
// (agreement, event month): the root of retention by crypto-shredding.
//
// Each key is random (32 bytes), stored in the meta column family wrapped
// (AES-256-GCM) under a key-encryption key HKDF-derived from the hub's
// secret. Erase() destroys a period's key durably; whatever was sealed under
// it can then never be read again, and ErasedRecordsFilter (the compaction
// filter of the feeds and records column families) drops its ciphertext.
//
// A sealed value starts with a header naming its period, so that the
// compaction filter and the openers can find the key without a lookup:
//   format (1 B) | agreement length (1 B) | agreement | period ("YYYY-MM", 7 B) | body
// The format byte says what the body is (kSealedEntry: nonce || ciphertext ||
// tag; other formats are the callers', e.g. FeedStore's segments).
//
// Threading: Sealer() and the sealing calls on ONE writer thread (the policy
// stage's commit thread); Key(), Erase(), ExpiredPeriods() and NewOpener()
// are thread-safe; each Opener is used by one thread at a time and must not
// outlive the keyring.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "accord/hub/core/hub_db.h"
#include "accord/policy/openssl.h"
#include "accord/v1/record.pb.h"
#include "rocksdb/compaction_filter.h"

namespace accord::hub {

// Value formats (the first byte of a sealed value).
inline constexpr char kSealedEntry = '\x01';   // one sealed CleanedRecord
inline constexpr char kSealedSegment = '\x02'; // FeedStore: a run of sealed feed entries
inline constexpr char kRecordRef = '\x03';     // RecordStore: a pointer to a feed entry

// The compaction filter of the records and feeds column families: drops
// values whose header names an erased period. Create one per HubDb, pass it
// to HubDbOptions and to PeriodKeyring::Open. Thread-safe.
class ErasedRecordsFilter : public rocksdb::CompactionFilter {
 public:
  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& value, std::string* new_value,
              bool* value_changed) const override;
  const char* Name() const override { return "accord.ErasedRecordsFilter"; }
  void MarkErased(const std::string& agreement_period);
  bool IsErased(const std::string& agreement_period) const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::string> erased_ ABSL_GUARDED_BY(mu_);
};

// "agreement/YYYY-MM": the period of `record` (its agreement and event month, UTC).
std::string RecordPeriod(const v1::CleanedRecord& record);

// A parsed value header.
struct SealedHeader {
  char format = 0;
  std::string_view agreement;
  std::string_view period;  // "YYYY-MM"
  std::string_view body;    // what follows the header
  std::string AgreementPeriod() const;
};
// False when `value` is too short to hold a header.
bool ParseSealedHeader(std::string_view value, SealedHeader* out);
// Appends a header for `agreement_period` ("agreement/YYYY-MM") to `out`.
void AppendSealedHeader(char format, std::string_view agreement_period, std::string* out);

class PeriodKeyring {
 public:
  static constexpr size_t kNonceBytes = policy::kAesGcmNonceBytes;
  static constexpr size_t kTagBytes = policy::kAesGcmTagBytes;
  static constexpr size_t kOverhead = kNonceBytes + kTagBytes;

  // `key_secret` (>= 32 bytes) derives the key-encryption key. `db` must
  // have been opened with HubDbOptions::records_filter = `filter`. Loads the
  // erased periods into `filter`.
  static absl::StatusOr<std::unique_ptr<PeriodKeyring>> Open(HubDb* db, const std::string& key_secret,
                                                             std::shared_ptr<ErasedRecordsFilter> filter);
  ~PeriodKeyring();

  // Writer thread. Appends nonce || AES-GCM(plain, aad) || tag under the key
  // of `agreement_period`, creating (durably, a write of its own) the key if
  // the period has none. False, leaving `out` alone, if the period was erased.
  absl::StatusOr<bool> SealAppend(const std::string& agreement_period, std::string_view plain,
                                  std::string_view aad, std::string* out);

  // Opens values sealed under one keyring, caching a keyed context per period.
  class Opener {
   public:
    // The plaintext of `sealed` (nonce || ciphertext || tag, sealed with
    // `aad` under `agreement_period`) into `plain`. False when the period
    // was erased (or has no key): unreadable by design, skip it. DataLoss
    // naming "`what` `position`" (e.g. "feed entry 42"; just `what` when
    // `position` is 0) if truncated or not authentic; the name is built only
    // then, not per value opened.
    absl::StatusOr<bool> Open(const std::string& agreement_period, std::string_view sealed, std::string_view aad,
                              std::string_view what, uint64_t position, std::string* plain);

   private:
    friend class PeriodKeyring;
    explicit Opener(const PeriodKeyring* ring);
    const PeriodKeyring* ring_;
    uint64_t erasures_seen_;
    absl::flat_hash_map<std::string, policy::AesGcmOpener> openers_;
  };
  Opener NewOpener() const { return Opener(this); }

  // Destroys the key of (agreement, "YYYY-MM") durably, then compacts the
  // feeds, records and meta column families so that no ciphertext or wrapped
  // key of it remains in any file. OK if already erased or never created.
  absl::Status Erase(const std::string& agreement_id, const std::string& period);
  // How many erasures have begun (Erase() counts one before its write): a
  // copy of plaintext taken at one count must not be served at another.
  uint64_t erasures() const { return erasures_.load(std::memory_order_acquire); }
  // The periods with a live key whose month ended more than their
  // agreement's retention ago at `now` (agreements absent from `retention`,
  // or with 0 days, keep their data).
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ExpiredPeriods(
      const absl::flat_hash_map<std::string, uint32_t>& retention_days, absl::Time now) const;

 private:
  PeriodKeyring() = default;
  // The data key of `ap`, or NotFound if it does not exist (or was erased).
  absl::StatusOr<std::string> Key(const std::string& ap) const;
  template <typename Cache>
  void DropErased(uint64_t* seen, Cache* cache) const;
  absl::StatusOr<policy::AesGcmSealer*> SealerFor(const std::string& ap);

  HubDb* db_ = nullptr;
  std::string kek_;
  std::shared_ptr<ErasedRecordsFilter> filter_;
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, std::string> keys_ ABSL_GUARDED_BY(mu_);
  // Writer thread only.
  absl::flat_hash_map<std::string, policy::AesGcmSealer> sealers_;
  policy::RandomPool nonces_;
  std::atomic<uint64_t> erasures_{0};
  uint64_t erasures_seen_ = 0;
};

}  // namespace accord::hub
