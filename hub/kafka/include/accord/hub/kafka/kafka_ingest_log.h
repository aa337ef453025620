// KafkaIngestLog: the IngestLog (accord/hub/core/ingest_log.h) on Apache
// Kafka, through librdkafka.
//
// Appends: an idempotent producer (enable.idempotence=true, acks=all,
// batched by linger.ms/batch.size) writes each record to <prefix>.ingest,
// keyed by a keyed digest of (provider, dataset, record id) so one record
// always lands on one partition. Personal fields (direct identifiers and
// sensitive fields, as the active agreements classify them) are encrypted
// first (FieldCrypto), with the data key id in the "accord-key-id" header;
// the record id never enters a topic in clear either: FieldCrypto seals it
// (as a last field, "accord.record_id") and the record_id member carries
// "accord-ref:" + hex of the keyed digest. Poll() restores it.
// A batch's `done` runs once Kafka has acknowledged every record of it (all
// in-sync replicas), or with UNAVAILABLE if any failed (message_timeout_ms
// while brokers are unreachable); at most max_inflight_batches are pending,
// beyond which TryAppend() refuses (back-pressure). Every accepted record is
// reported kAccepted: duplicates are removed downstream by delivery id
// (OutcomeCommitter::Open's dedupe_deliveries).
//
// Consumption: a consumer in the group <prefix>.policy (or group_id), no
// auto-commit; Poll() returns decrypted records; Consumed() commits the
// offsets after the policy stage's outcome is durable (at-least-once).
//
// Quarantine: records the policy stage quarantined are kept, sealed, in
// <prefix>.quarantine (Quarantine()) for investigation and replay.
//
// Topics are created with the Admin API when missing and checked (partition
// count) at Open(). Every librdkafka property can be passed through.
//
// Threading: see IngestLog. Open() starts one thread that serves producer
// delivery reports.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "accord/hub/core/ingest_log.h"
#include "accord/hub/kafka/field_crypto.h"
#include "accord/hub/kafka/kafka_config.h"
#include "accord/policy/pseudonymiser.h"

namespace accord::hub {

class KafkaIngestLog final : public IngestLog {
 public:
  // Whether a field of a record must be encrypted while in Kafka.
  using ProtectFn = std::function<bool(const v1::Record&, const v1::Field&)>;

  // `key_secret` (>= 32 bytes) keys the message keys (no record id in clear)
  // and `data_master_key` (>= 32 bytes) the field encryption.
  static absl::StatusOr<std::unique_ptr<KafkaIngestLog>> Open(const KafkaConfig& config,
                                                              std::string key_secret,
                                                              std::string data_master_key,
                                                              ProtectFn protect);
  ~KafkaIngestLog() override;

  bool TryAppend(Batch& batch) override;
  absl::Status Poll(absl::Duration wait, size_t max, std::vector<Entry>* out) override;
  void StageConsumed(const std::vector<Entry>& consumed, rocksdb::WriteBatch* wb) override {}
  absl::Status Consumed(const std::vector<Entry>& consumed) override;
  // Produces each quarantined record (personal fields sealed again, or the
  // stored bytes if it could not be read) to <prefix>.quarantine, keyed by its
  // ingest position, with headers accord-reason, accord-ingest-position and
  // accord-key-id; returns once Kafka has them all.
  absl::Status Quarantine(const std::vector<QuarantinedEntry>& records) override;
  uint64_t backlog() const override;
  void Stop() override;

 private:
  struct Impl;
  explicit KafkaIngestLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::hub
