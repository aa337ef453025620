// AnalystStore: the analyst's own state in RocksDB (a directory it owns).
//
//   meta/next_position   the feed position to resume from (decimal)
//   rec/<delivery_id>    received-at (8 bytes, big-endian unix micros) +
//                        the CleanedRecord's serialized bytes
//   agr/<agreement_id>   the latest v1::AgreementInfo seen (dates, document)
//   reg/<kind>/<id>      the data-difficulties register (register.h): JSON
//   pub/last             the last published figures and the facts they came
//                        from (outputs.h): JSON, for the attacker check
//                        across versions (attack.h, PublishedVersion)
//
// Deliveries and the new next_position are written in one WriteBatch, so a
// crash never loses a record it has acknowledged nor double-counts one: after
// a restart the Subscriber resumes at next_position, and any redelivery
// (at-least-once) is dropped by its delivery id.
//
// Thread safety: all methods are thread-safe (RocksDB is); AddDelivery should
// be called from one thread (the subscriber's) so positions only grow.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accord/v1/agreement_service.pb.h"
#include "accord/v1/feed_service.pb.h"
#include "analysis_config.h"
#include "fact.h"

namespace rocksdb {
class DB;
}

namespace accord::analyst {

class AnalystStore {
 public:
  // Opens (creating if needed) the store in `dir`.
  static absl::StatusOr<std::unique_ptr<AnalystStore>> Open(const std::string& dir);
  ~AnalystStore();

  // 1 for a new store.
  uint64_t next_position() const { return next_position_.load(); }

  // Stores the delivery's record unless its delivery id is known, and sets
  // next_position to position + 1. True if the record was new.
  absl::StatusOr<bool> AddDelivery(const v1::Delivery& delivery, absl::Time received_at);
  // The same for consecutive deliveries in one WriteBatch (what Sync uses:
  // one write per feed response, not per record). Returns how many were new.
  absl::StatusOr<uint64_t> AddDeliveries(const std::vector<v1::Delivery>& deliveries, absl::Time received_at);
  // Stores a record from a backfill (positions unchanged). True if new.
  absl::StatusOr<bool> AddRecord(const v1::CleanedRecord& record, absl::Time received_at);

  absl::Status PutAgreement(const v1::AgreementInfo& info);
  absl::StatusOr<std::vector<v1::AgreementInfo>> Agreements() const;

  // Every stored record as a Fact (received_at set), in delivery-id order,
  // its fields found by `config`'s roles (conventional names if null).
  absl::StatusOr<std::vector<Fact>> LoadFacts(const AnalysisConfig* config = nullptr) const;
  absl::StatusOr<uint64_t> RecordCount() const;

  // The data-difficulties register's entries (register.h), under "reg/".
  absl::Status PutRegisterEntry(const std::string& key, const std::string& value);
  // (key without "reg/", value) for every entry whose key starts with `prefix`.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> RegisterEntries(const std::string& prefix) const;

  // The last published figures (opaque text, written by outputs.cc; synced).
  absl::Status PutLastPublished(const std::string& value);
  // Empty string if nothing has been published from this state.
  absl::StatusOr<std::string> LastPublished() const;

 private:
  explicit AnalystStore(std::unique_ptr<rocksdb::DB> db, uint64_t next_position);
  absl::StatusOr<bool> Add(const v1::CleanedRecord& record, absl::Time received_at,
                           uint64_t next_position);
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> next_position_;
};

}  // namespace accord::analyst
