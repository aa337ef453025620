// KafkaQuarantine: a provider's view of its quarantined records on a Kafka
// hub (log_backend: kafka), read from the quarantine topic, and the durable
// "replayed" markers that take a replayed record out of that view. Behind
// QuarantineService (hub/server/src/quarantine_service.h) with the same
// contract as the embedded log's kept records.
//
// The topic <prefix>.quarantine (one partition) holds two kinds of message:
//   - a quarantined record, as KafkaIngestLog::Quarantine() writes it: the
//     accord.v1.Record sealed as in the ingest topic (personal fields and the
//     record id under AES-256-GCM; provider and dataset in clear), headers
//     accord-reason (field and rule names, never values),
//     accord-ingest-position, accord-key-id;
//   - a marker written by MarkReplayed(): empty value, key
//     "replayed:<offset>", header accord-replayed = the decimal offset of
//     the quarantined record it takes out. Markers carry positions only.
// Kafka cannot delete one message, so a record is out of the view once a
// marker names it; both age out with the topic's retention (a marker is
// younger than the record it names, so retention takes the record first; a
// marker whose record is gone names nothing).
//
// Handles: "<quarantined-at ms>-<offset + 1>" (the embedded hub's format; the
// offset is the record's in the quarantine topic). A handle is honoured only
// if the message at that offset is a quarantined record of the caller with
// that time.
//
// One record, several copies: a record quarantined again after a replay (or
// published twice under one id, which the Kafka backend accepts) has several
// unmarked copies with the same keyed record reference (provider, dataset,
// record id). The view shows each record once, under its NEWEST copy (the
// reason that applies now); replaying any of its handles re-appends the
// newest copy and marks every copy.
//
// Reading: every call reads the topic from its low to its high watermark at
// the start of the call (any hub process answers alike: nothing is in
// process memory between calls), in two passes: the first parses every
// message (opening only the caller's, to know they open) and keeps, per
// caller's copy, its offset, time and a 16-byte digest of its reference,
// plus the set of marked offsets; the second reads only the range of the
// answer's records and opens them. Memory is bounded by kMaxScanned
// messages a call (under 100 bytes each, for the caller's copies and the
// markers; nothing for the rest); a longer topic answers
// RESOURCE_EXHAUSTED (an operator matter: retention, or replays).
//
// Thread safety: all methods are thread-safe; reads are serialized (one
// consumer). Calls block on Kafka (up to the config's message timeout): call
// them from a worker thread, never from a gRPC reaction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "accord/hub/kafka/kafka_config.h"
#include "accord/v1/quarantine_service.pb.h"
#include "accord/v1/record.pb.h"

namespace accord::hub {

class KafkaQuarantine {
 public:
  // Messages a call reads at most.
  static constexpr uint64_t kMaxScanned = 1000000;
  static constexpr char kReplayedHeader[] = "accord-replayed";

  // `data_master_key` is KafkaIngestLog's (it opens the sealed copies).
  // Creates the quarantine topic if missing, as the ingest log does.
  static absl::StatusOr<std::unique_ptr<KafkaQuarantine>> Open(const KafkaConfig& config,
                                                               std::string data_master_key);
  ~KafkaQuarantine();
  KafkaQuarantine(const KafkaQuarantine&) = delete;
  KafkaQuarantine& operator=(const KafkaQuarantine&) = delete;

  static std::string Handle(int64_t at_ms, int64_t offset);
  struct Position {
    int64_t at_ms = 0;
    int64_t offset = 0;
  };
  // InvalidArgument (naming the handle, the hub's own opaque string) when
  // `handle` is not one.
  static absl::StatusOr<Position> ParseHandle(const std::string& handle);

  // `provider`'s records in the view, oldest (by newest copy) first: at most
  // `limit` after `after_handle` (empty: from the start), with the total and
  // how many of the provider's quarantinings are still in the topic (replayed
  // included; counted by ingest position, so a copy written twice by a batch
  // the policy stage re-ran counts once, a record quarantined again after a
  // replay twice).
  absl::StatusOr<v1::ListQuarantinedResponse> List(const std::string& provider, uint32_t limit,
                                                   const std::string& after_handle) const;

  struct ReplayPlan {
    std::vector<v1::Record> records;   // opened (record id restored), for IngestLog::TryAppend
    std::vector<std::string> handles;  // one per record: the handle it is listed under
    std::vector<int64_t> marks;        // every copy of those records, for MarkReplayed()
    std::vector<std::string> not_found;
    uint64_t left_for_next_call = 0;
  };
  // The records `handles` name (none: every record in `provider`'s view), at
  // most `max_records`; handles that name no record in the caller's view are
  // `not_found`.
  absl::StatusOr<ReplayPlan> PlanReplay(const std::string& provider, const std::vector<std::string>& handles,
                                        size_t max_records) const;

  // Writes a marker for each offset and returns once Kafka has them all
  // (acks=all, idempotent producer). Call it only after the records are
  // durably re-appended to the ingest topic.
  absl::Status MarkReplayed(const std::vector<int64_t>& offsets);

 private:
  struct Impl;
  explicit KafkaQuarantine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::hub
