// Recipients' feeds: the one sealed copy the hub keeps of each disclosure.
//
// Each recipient's feed is a sequence of positions 1, 2, 3, ... A commit
// appends a batch: its disclosures to one recipient get consecutive positions
// in outcome order (the ledger's order), and each run of them with one period
// (agreement, event month) is stored as ONE key, a segment:
//   feeds  recipient 0 first position (8 B BE) -> header(kSealedSegment, period) |
//          count (varint) | per entry: length (varint) | nonce | ciphertext | tag
// Every entry is sealed on its own under the period's data key
// (PeriodKeyring) with the entry's own key, recipient 0 position, as
// associated data, so an entry cannot be moved, and one entry can be opened
// without the rest. Entries of an erased period are unreadable (readers skip
// them) and the compaction filter drops their segments. A disclosure whose
// period is already erased is given a position but stored nowhere.
//
// Stores written before segments hold one key per position (kSealedEntry,
// the same associated data); readers take both.
//
// The audit store (RecordStore) indexes feed entries by (recipient, position)
// instead of keeping a second copy.
//
// The newest entries of each recipient's feed (up to kRecentEntries) are
// also kept in memory, in clear, as Commit() made them durable: a Reader
// that keeps up with the feed (Subscribe) takes them from there instead of
// reading and opening them again. They are served only while no erasure has
// begun since they were kept (PeriodKeyring::erasures()); otherwise, and for
// anything older, the Reader reads storage, so what it returns is the same
// either way.
//
// Threading: Stage() and Commit() on the one writer thread (the policy
// stage's commit thread); Head() and Heads() anywhere; each Reader is used by
// one thread at a time and must not outlive the store.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/period_keyring.h"
#include "accord/v1/record.pb.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {

class FeedStore {
  struct RecentChunk;

 public:
  // Entries kept in memory per recipient, at most (about 0.7 KB each for the
  // loadgen's records).
  static constexpr size_t kRecentEntries = 16384;

  // Reads the committed heads. Borrowed pointers must outlive the store.
  static absl::StatusOr<std::unique_ptr<FeedStore>> Open(HubDb* db, PeriodKeyring* keyring);

  // One disclosure to append: its envelope (recipient, agreement, event time
  // are read) and the cleaned record's bytes as the recipient receives them.
  struct Item {
    const v1::CleanedRecord* record;
    std::string_view serialized;
  };
  // What Stage() decided; apply it with Commit() once `batch` is durable.
  struct PendingAppend {
    // Per item, in order: its position in its recipient's feed, and whether
    // an entry was stored (false: its period was past retention).
    std::vector<uint64_t> positions;
    std::vector<bool> stored;
    // Per item, in order: its data-key period ("agreement/YYYY-MM",
    // RecordPeriod), computed once here for the audit store's index too.
    std::vector<std::string> periods;
    absl::flat_hash_map<std::string, uint64_t> new_heads;  // recipient -> head after the batch
    size_t keys_written = 0;
    // Per recipient, the batch's entries in clear, for the recent entries.
    std::vector<std::pair<std::string, std::shared_ptr<const RecentChunk>>> recent;
  };
  // Writer thread. Puts the segments and the new heads into `batch`. On
  // error nothing is staged that Commit() would rely on (drop the batch).
  absl::StatusOr<PendingAppend> Stage(const std::vector<Item>& items, rocksdb::WriteBatch* batch);
  // Writer thread, after the batch that Stage() filled was written.
  void Commit(const PendingAppend& pending);

  // The last position of `recipient`'s feed (0: empty).
  uint64_t Head(std::string_view recipient) const;
  absl::flat_hash_map<std::string, uint64_t> Heads() const;

  class Reader {
   public:
    // Calls `fn(position, serialized CleanedRecord)` for each readable entry
    // of `recipient` with after < position <= upto, in order, until `fn`
    // returns false or `max_entries` were passed. Entries of erased periods
    // and positions stored nowhere are skipped. Returns the last position
    // covered (every position up to it was passed or skipped), which is
    // `upto` when the range was exhausted. DataLoss for a damaged entry
    // (naming its position, never its content).
    absl::StatusOr<uint64_t> Read(std::string_view recipient, uint64_t after, uint64_t upto, size_t max_entries,
                                  const std::function<bool(uint64_t, std::string_view)>& fn);
    // One entry: false if it is stored nowhere or its period was erased.
    absl::StatusOr<bool> Get(std::string_view recipient, uint64_t position, std::string* serialized);

   private:
    friend class FeedStore;
    explicit Reader(const FeedStore* store) : store_(store), opener_(store->keyring_->NewOpener()) {}
    // Read() from the recent entries; nullopt when they do not hold
    // position after + 1 (or an erasure began since they were kept).
    std::optional<uint64_t> ReadRecent(std::string_view recipient, uint64_t after, uint64_t upto,
                                       size_t max_entries, const std::function<bool(uint64_t, std::string_view)>& fn);
    const FeedStore* store_;
    std::vector<std::shared_ptr<const RecentChunk>> chunks_;  // ReadRecent()'s scratch
    PeriodKeyring::Opener opener_;
    std::string plain_;
    std::string aad_;                        // the entry key being opened
    std::string cached_key_, cached_value_;  // the last segment Get() read
  };
  Reader NewReader() const { return Reader(this); }

 private:
  FeedStore(HubDb* db, PeriodKeyring* keyring) : db_(db), keyring_(keyring) {}

  // One batch's entries of one recipient, in clear, immutable once built.
  struct RecentChunk {
    uint64_t first = 0;     // the position of entry 0
    uint64_t erasures = 0;  // PeriodKeyring::erasures() when built
    std::string bytes;      // the stored entries' bytes, concatenated
    // Per entry: the end of its bytes in `bytes`, and whether it is stored.
    std::vector<uint32_t> ends;
    std::vector<bool> stored;
    uint64_t last() const { return first + ends.size() - 1; }
  };
  struct Recent {
    std::deque<std::shared_ptr<const RecentChunk>> chunks;  // in position order, contiguous
    size_t entries = 0;
  };

  HubDb* const db_;
  PeriodKeyring* const keyring_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, uint64_t> heads_ ABSL_GUARDED_BY(mu_);  // committed
  absl::flat_hash_map<std::string, Recent> recent_ ABSL_GUARDED_BY(mu_);
  // Stage()'s buffers, reused (writer thread only): the segment being sealed
  // and the key of the entry being sealed (its additional data).
  std::string segment_;
  std::string aad_;
};

}  // namespace accord::hub
