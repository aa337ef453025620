// ForwardingIngestLog: an IngestLog decorator's base. It owns (or borrows) an
// inner log and forwards every IngestLog method to it, so a decorator (delivery_timer.h's
// TimedIngestLog and StampedIngestLog) overrides only what it changes and
// picks up any method added to IngestLog without repeating it.
//
// Ownership: owns `inner` given as a unique_ptr, borrows it given as a
// pointer (it must then outlive this object); never null. Threading: as the inner log; this
// class adds no state.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "accord/hub/core/ingest_log.h"

namespace accord::hub {

class ForwardingIngestLog : public IngestLog {
 public:
  explicit ForwardingIngestLog(std::unique_ptr<IngestLog> inner) : owned_(std::move(inner)), inner_(owned_.get()) {}
  explicit ForwardingIngestLog(IngestLog* inner) : inner_(inner) {}

  bool TryAppend(Batch& batch) override { return inner_->TryAppend(batch); }
  absl::Status Poll(absl::Duration wait, size_t max, std::vector<Entry>* out) override {
    return inner_->Poll(wait, max, out);
  }
  void StageConsumed(const std::vector<Entry>& consumed, rocksdb::WriteBatch* wb) override {
    inner_->StageConsumed(consumed, wb);
  }
  absl::Status Consumed(const std::vector<Entry>& consumed) override { return inner_->Consumed(consumed); }
  absl::Status Quarantine(const std::vector<QuarantinedEntry>& records) override {
    return inner_->Quarantine(records);
  }
  uint64_t backlog() const override { return inner_->backlog(); }
  bool Full() const override { return inner_->Full(); }
  void Stop() override { inner_->Stop(); }

  // The decorated log.
  IngestLog* inner() const { return inner_; }

 private:
  const std::unique_ptr<IngestLog> owned_;  // null when borrowed
  IngestLog* const inner_;
};

}  // namespace accord::hub
