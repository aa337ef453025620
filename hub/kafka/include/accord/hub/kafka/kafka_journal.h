// KafkaJournal: the Journal (accord/hub/core/journal.h) on Kafka, the topic
// <prefix>.journal (partition 0; created with one partition when missing).
//
// Appending: an idempotent producer (enable.idempotence, acks=all, lz4). An
// outcome is split into messages of at most kMaxMessageBytes, each a
// self-contained accord.v1.JournalEntry (and so one ledger append).
//
// Applying: one thread reads the topic from this process's next offset
// (HubDb meta key "journal/next_offset"), outside any consumer group, since
// every process reads all of it. Each outcome is committed by the
// OutcomeCommitter with the next offset in the same WriteBatch, so it is
// applied exactly once here however the process stops; agreement events go to
// `apply_agreement`. An entry that does not parse, or has a newer format, is
// skipped and logged (every process skips it alike, so they stay identical).
// If the topic no longer holds the next offset (retention deleted it before
// this process applied it), applying stops and healthy() turns false: this
// process can no longer build the shared ledger; re-seed its data directory
// from a healthy process (deploy/kafka/OPERATIONS.md).
//
// Threading: all members are thread-safe. Open() starts two threads: the
// applier and the producer's delivery-report poller. `apply_agreement` and
// `done` callbacks run on them and must not block.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/journal.h"
#include "accord/hub/core/outcome_committer.h"
#include "accord/hub/kafka/kafka_config.h"

namespace accord::hub {

class KafkaJournal final : public Journal {
 public:
  // Largest journal message (serialized JournalEntry) the journal produces,
  // below Kafka's default 1 MB message limit.
  static constexpr size_t kMaxMessageBytes = 512 * 1024;

  using AgreementFn = std::function<void(const v1::AgreementEvent&)>;

  // `db`, `committer` are borrowed and must outlive the journal; the committer
  // must have no other writer.
  static absl::StatusOr<std::unique_ptr<KafkaJournal>> Open(const KafkaConfig& config,
                                                            std::string hub_instance, HubDb* db,
                                                            OutcomeCommitter* committer,
                                                            AgreementFn apply_agreement);
  ~KafkaJournal() override;

  absl::Status AppendOutcome(const StageOutcome& outcome) override;
  // One attempt: a failed append is reported to `done` and not retried here
  // (librdkafka would fail an immediate re-produce with its cached error);
  // hub/server's JournalProposals appends it again after a backoff.
  void AppendAgreement(const v1::AgreementEvent& event, std::function<void(absl::Status)> done) override;

  // The offset of the next entry this process will apply.
  uint64_t next_offset() const;
  // Entries in the journal this process has not applied yet (for metrics).
  uint64_t lag() const;
  // False once applying stopped because the journal lost entries this process needed.
  bool healthy() const;

  // Stops applying and flushes appends in flight. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit KafkaJournal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::hub
