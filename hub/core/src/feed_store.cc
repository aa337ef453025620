#include "accord/hub/core/feed_store.h"

#include "absl/strings/str_cat.h"
#include "accord/base/big_endian.h"
#include "accord/hub/core/meta_keys.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "rocksdb/iterator.h"

namespace accord::hub {
namespace {

using meta_keys::kFeedHeadPrefix;

// A stored feed value: one entry (kSealedEntry) or a segment of entries.
// Entry i (0-based) of the value at key position `first` is position first+i.
struct StoredFeedValue {
  std::string ap;                       // "agreement/YYYY-MM"
  std::vector<std::string_view> sealed; // per entry: nonce || ciphertext || tag
};

absl::Status ParseFeedValue(std::string_view value, uint64_t first, StoredFeedValue* out) {
  const auto damaged = [&](std::string_view why) {
    return absl::DataLossError(absl::StrCat("feed entry ", first, " is damaged (", std::string(why), ")"));
  };
  SealedHeader h;
  if (value.empty()) return damaged("empty");
  if (value[0] != kSealedEntry && value[0] != kSealedSegment) return damaged("unknown format");
  if (!ParseSealedHeader(value, &h)) return damaged("truncated header");
  out->ap = h.AgreementPeriod();
  out->sealed.clear();
  if (h.format == kSealedEntry) {
    out->sealed.push_back(h.body);
    return absl::OkStatus();
  }
  std::string_view body = h.body;
  if (body.size() < 4) return damaged("truncated count");
  const uint32_t count = base::DecodeU32(body);
  body.remove_prefix(4);
  if (count == 0 || count > body.size() / (4 + PeriodKeyring::kOverhead)) return damaged("bad count");
  out->sealed.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (body.size() < 4) return damaged("truncated entry");
    const uint32_t n = base::DecodeU32(body);
    body.remove_prefix(4);
    if (n < PeriodKeyring::kOverhead || n > body.size()) return damaged("bad entry length");
    out->sealed.push_back(body.substr(0, n));
    body.remove_prefix(n);
  }
  if (!body.empty()) return damaged("trailing bytes");
  return absl::OkStatus();
}

// The position of feed key `key` of `recipient`, or 0 if it is not one
// (positions start at 1).
uint64_t PositionOf(std::string_view recipient, std::string_view key) {
  uint64_t position = 0;
  return ParseNameU64Key(recipient, key, &position) ? position : 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FeedStore>> FeedStore::Open(HubDb* db, PeriodKeyring* keyring) {
  if (db == nullptr || keyring == nullptr) return absl::InvalidArgumentError("FeedStore needs a db and a keyring");
  std::unique_ptr<FeedStore> store(new FeedStore(db, keyring));
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(HubDb::kMeta));
  absl::MutexLock lock(&store->mu_);
  for (it->Seek(kFeedHeadPrefix); it->Valid() && it->key().starts_with(kFeedHeadPrefix); it->Next()) {
    if (it->value().size() != 8) return absl::DataLossError("a stored feed head is damaged");
    store->heads_[it->key().ToString().substr(sizeof(kFeedHeadPrefix) - 1)] = DecodeU64(it->value().ToStringView());
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading feed heads");
  return store;
}

absl::StatusOr<FeedStore::PendingAppend> FeedStore::Stage(const std::vector<Item>& items,
                                                          rocksdb::WriteBatch* batch) {
  PendingAppend pending;
  pending.positions.resize(items.size());
  pending.stored.assign(items.size(), false);
  // Each recipient's items keep their outcome order (feed order is ledger
  // order); a run of consecutive items of one period becomes one segment.
  std::vector<std::string> recipients;  // in order of first appearance
  absl::flat_hash_map<std::string, std::vector<size_t>> by_recipient;
  for (size_t i = 0; i < items.size(); ++i) {
    auto& list = by_recipient[items[i].record->recipient()];
    if (list.empty()) recipients.push_back(items[i].record->recipient());
    list.push_back(i);
  }
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& recipient : recipients) {
      auto known = heads_.find(recipient);
      pending.new_heads[recipient] = known == heads_.end() ? 0 : known->second;
    }
  }
  // Taken before sealing: an erasure that begins meanwhile keeps this
  // batch's entries out of the recent ones.
  const uint64_t erasures_at_stage = keyring_->erasures();
  std::vector<std::string>& periods = pending.periods;  // per item, "agreement/YYYY-MM"
  periods.reserve(items.size());
  for (const Item& item : items) periods.push_back(RecordPeriod(*item.record));
  // Reused from commit to commit (writer thread only): a segment's buffer
  // grows once instead of faulting in fresh pages per segment.
  std::string& value = segment_;
  std::string& aad = aad_;
  for (const std::string& recipient : recipients) {
    uint64_t& head = pending.new_heads[recipient];
    const std::vector<size_t>& list = by_recipient[recipient];
    for (size_t run = 0; run < list.size();) {
      const std::string& ap = periods[list[run]];
      size_t end = run + 1;
      while (end < list.size() && periods[list[end]] == ap) ++end;
      const uint64_t first = head + 1;
      head += end - run;
      value.clear();
      AppendSealedHeader(kSealedSegment, ap, &value);
      base::AppendU32(&value, static_cast<uint32_t>(end - run));
      bool erased = false;
      for (size_t k = run; k < end; ++k) {
        const size_t i = list[k];
        const uint64_t position = first + (k - run);
        pending.positions[i] = position;
        if (erased) continue;
        const size_t at = value.size();
        base::AppendU32(&value, 0);
        AssignNameU64Key(recipient, position, &aad);
        auto sealed = keyring_->SealAppend(ap, items[i].serialized, aad, &value);
        if (!sealed.ok()) return sealed.status();
        if (!*sealed) {  // the period is past retention (or was erased just now): stored nowhere
          for (size_t j = run; j < k; ++j) pending.stored[list[j]] = false;
          erased = true;
          continue;
        }
        const uint32_t n = static_cast<uint32_t>(value.size() - at - 4);
        value[at] = static_cast<char>(n >> 24);
        value[at + 1] = static_cast<char>(n >> 16);
        value[at + 2] = static_cast<char>(n >> 8);
        value[at + 3] = static_cast<char>(n);
        pending.stored[i] = true;
      }
      run = end;
      if (erased) continue;
      batch->Put(db_->cf(HubDb::kFeeds), NameU64Key(recipient, first), value);
      ++pending.keys_written;
    }
    // The recipient's entries in clear, for the recent entries (Commit()).
    auto chunk = std::make_shared<RecentChunk>();
    chunk->first = list.empty() ? 0 : pending.positions[list.front()];
    chunk->erasures = erasures_at_stage;
    size_t bytes = 0;
    for (size_t i : list) bytes += pending.stored[i] ? items[i].serialized.size() : 0;
    chunk->bytes.reserve(bytes);
    chunk->ends.reserve(list.size());
    chunk->stored.reserve(list.size());
    for (size_t i : list) {
      if (pending.stored[i]) chunk->bytes.append(items[i].serialized);
      chunk->ends.push_back(static_cast<uint32_t>(chunk->bytes.size()));
      chunk->stored.push_back(pending.stored[i]);
    }
    if (!list.empty()) pending.recent.emplace_back(recipient, std::move(chunk));
  }
  for (const auto& [recipient, head] : pending.new_heads) {
    batch->Put(db_->cf(HubDb::kMeta), absl::StrCat(kFeedHeadPrefix, recipient), EncodeU64(head));
    ++pending.keys_written;
  }
  return pending;
}

void FeedStore::Commit(const PendingAppend& pending) {
  absl::MutexLock lock(&mu_);
  for (const auto& [recipient, head] : pending.new_heads) heads_[recipient] = head;
  for (const auto& [recipient, chunk] : pending.recent) {
    Recent& recent = recent_[recipient];
    // Contiguous only: a gap (never expected) starts the recent entries anew.
    if (!recent.chunks.empty() && recent.chunks.back()->last() + 1 != chunk->first) {
      recent.chunks.clear();
      recent.entries = 0;
    }
    recent.chunks.push_back(chunk);
    recent.entries += chunk->ends.size();
    while (recent.chunks.size() > 1 && recent.entries - recent.chunks.front()->ends.size() >= kRecentEntries) {
      recent.entries -= recent.chunks.front()->ends.size();
      recent.chunks.pop_front();
    }
  }
}

uint64_t FeedStore::Head(std::string_view recipient) const {
  absl::MutexLock lock(&mu_);
  auto it = heads_.find(std::string(recipient));
  return it == heads_.end() ? 0 : it->second;
}

absl::flat_hash_map<std::string, uint64_t> FeedStore::Heads() const {
  absl::MutexLock lock(&mu_);
  return heads_;
}

std::optional<uint64_t> FeedStore::Reader::ReadRecent(std::string_view recipient, uint64_t after, uint64_t upto,
                                                      size_t max_entries,
                                                      const std::function<bool(uint64_t, std::string_view)>& fn) {
  chunks_.clear();
  const uint64_t erasures = store_->keyring_->erasures();
  {
    absl::MutexLock lock(&store_->mu_);
    auto it = store_->recent_.find(absl::string_view(recipient.data(), recipient.size()));
    if (it == store_->recent_.end()) return std::nullopt;
    const std::deque<std::shared_ptr<const RecentChunk>>& chunks = it->second.chunks;
    if (chunks.empty() || chunks.front()->first > after + 1 || chunks.back()->last() < after + 1) return std::nullopt;
    for (const auto& chunk : chunks) {
      if (chunk->last() <= after) continue;
      if (chunk->first > upto) break;
      if (chunk->erasures != erasures) return std::nullopt;
      chunks_.push_back(chunk);
    }
  }
  // The callback runs outside the store's lock, on chunks that are immutable.
  size_t passed = 0;
  uint64_t covered = after;
  for (const auto& chunk : chunks_) {
    for (size_t i = 0; i < chunk->ends.size(); ++i) {
      const uint64_t position = chunk->first + i;
      if (position <= after) continue;
      if (position > upto) return upto;
      covered = position;
      if (!chunk->stored[i]) continue;  // stored nowhere (past retention)
      const uint32_t begin = i == 0 ? 0 : chunk->ends[i - 1];
      const bool more = fn(position, std::string_view(chunk->bytes).substr(begin, chunk->ends[i] - begin));
      if (!more || ++passed >= max_entries) return position;
    }
  }
  chunks_.clear();
  // The rest (positions committed after the copy, never beyond `upto`) on
  // the next call.
  return covered;
}

absl::StatusOr<uint64_t> FeedStore::Reader::Read(std::string_view recipient, uint64_t after, uint64_t upto,
                                                 size_t max_entries,
                                                 const std::function<bool(uint64_t, std::string_view)>& fn) {
  if (upto <= after) return after;
  if (std::optional<uint64_t> covered = ReadRecent(recipient, after, upto, max_entries, fn)) return *covered;
  const std::string begin = NameU64Key(recipient, after + 1);
  const std::string end = NameU64Key(recipient, upto + 1);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(store_->db_->NewIterator(HubDb::kFeeds, ro));
  // The segment holding position after+1 may start before it.
  it->SeekForPrev(begin);
  if (!it->Valid() || PositionOf(recipient, it->key().ToStringView()) == 0) it->Seek(begin);
  StoredFeedValue stored;
  size_t passed = 0;
  for (; it->Valid(); it->Next()) {
    const uint64_t first = PositionOf(recipient, it->key().ToStringView());
    if (first == 0) continue;  // another recipient's key before ours (SeekForPrev)
    if (first > upto) break;
    if (auto s = ParseFeedValue(it->value().ToStringView(), first, &stored); !s.ok()) return s;
    for (size_t i = 0; i < stored.sealed.size(); ++i) {
      const uint64_t position = first + i;
      if (position <= after) continue;
      if (position > upto) return upto;
      AssignNameU64Key(recipient, position, &aad_);
      auto opened = opener_.Open(stored.ap, stored.sealed[i], aad_, "feed entry", position, &plain_);
      if (!opened.ok()) return opened.status();
      if (!*opened) continue;  // erased (retention)
      const bool more = fn(position, plain_);
      if (!more || ++passed >= max_entries) return position;
    }
  }
  if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading a feed");
  return upto;
}

absl::StatusOr<bool> FeedStore::Reader::Get(std::string_view recipient, uint64_t position, std::string* serialized) {
  const std::string key = NameU64Key(recipient, position);
  uint64_t first = PositionOf(recipient, cached_key_);
  StoredFeedValue stored;
  bool have = false;
  if (first != 0 && first <= position) {
    if (auto s = ParseFeedValue(cached_value_, first, &stored); !s.ok()) return s;
    have = position - first < stored.sealed.size();
  }
  if (!have) {
    std::unique_ptr<rocksdb::Iterator> it(
        store_->db_->NewIterator(HubDb::kFeeds));
    it->SeekForPrev(key);
    if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading a feed entry");
    if (!it->Valid()) return false;
    first = PositionOf(recipient, it->key().ToStringView());
    if (first == 0) return false;
    cached_key_ = it->key().ToString();
    cached_value_ = it->value().ToString();
    if (auto s = ParseFeedValue(cached_value_, first, &stored); !s.ok()) return s;
    if (position - first >= stored.sealed.size()) return false;
  }
  return opener_.Open(stored.ap, stored.sealed[position - first], key, "feed entry", position, serialized);
}

}  // namespace accord::hub
