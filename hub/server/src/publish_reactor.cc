// The Publish reactor.
//
// Flow: read a batch -> validate each record against the active policy ->
// hand the valid ones to the IngestLog -> when it reports them durable,
// queue the batch's response -> write responses in order, one at a time
// (from OnWriteDone). At most max_inflight_batches batches are unacknowledged:
// the next read starts only below that, which is the stream's back-pressure.
//
// Threading: gRPC calls OnReadDone/OnWriteDone/OnCancel on its threads, maybe
// concurrently; the IngestLog calls the batch completion on its thread.
// All mutable state is under mu_. Finish() is called exactly once, only when
// no batch is in flight and no write is pending, so OnDone (which deletes the
// reactor) can never race a completion. The one exception is shutdown
// (StopForShutdown): Finish may then be called with a read pending, and a
// batch that read returns is dropped unacknowledged.
#include <deque>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "accord/ops/logging.h"
#include "accord/policy/flow_engine.h"
#include "identity.h"
#include "batch_decoder.h"
#include "ingest_checks.h"
#include "ingest_service.h"

namespace accord::hub {
namespace {

int32_t CodeFor(v1::RejectReason reason) {
  switch (reason) {
    case v1::REJECT_NO_AGREEMENT: return grpc::StatusCode::FAILED_PRECONDITION;
    case v1::REJECT_WRONG_PROVIDER: return grpc::StatusCode::PERMISSION_DENIED;
    case v1::REJECT_TOO_LARGE: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case v1::REJECT_UNAVAILABLE: return grpc::StatusCode::UNAVAILABLE;
    default: return grpc::StatusCode::INVALID_ARGUMENT;
  }
}

class PublishReactor final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>,
                             public StoppableStream {
 public:
  PublishReactor(const HubContext* hub, std::string agency)
      : hub_(hub), agency_(std::move(agency)), engine_(nullptr) {
    const bool registered = hub_->streams->Add(this);
    absl::MutexLock lock(&mu_);
    if (!registered) {
      shutting_down_ = true;
      FailLocked(ShuttingDown());
      return;
    }
    reading_ = true;
    StartRead(&read_buffer_);
  }

  // Stops reading; batches already read are still acknowledged, then the
  // stream ends with UNAVAILABLE. A pending read is left to complete after
  // Finish (gRPC runs OnDone only after every reaction).
  void StopForShutdown() override {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    FailLocked(ShuttingDown());
  }

  void OnReadDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    reading_ = false;
    if (!ok) {  // the client half-closed (or the call broke)
      half_closed_ = true;
      MaybeFinishLocked();
      return;
    }
    if (shutting_down_ || finished_) {
      // Read as the hub began to stop: not stored, never acknowledged; the
      // client resends it after reconnecting.
      MaybeFinishLocked();
      return;
    }
    HandleRequestLocked();
    MaybeReadLocked();
    MaybeFinishLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      cancelled_ = true;
      responses_.clear();
    }
    MaybeWriteLocked();
    MaybeReadLocked();
    MaybeFinishLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    responses_.clear();
    MaybeFinishLocked();
  }

  void OnDone() override {
    hub_->streams->Remove(this);
    delete this;
  }

 private:
  static grpc::Status ShuttingDown() {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the hub is shutting down; every acknowledged record is stored, "
                        "reconnect and resend the rest");
  }

  // A dataset name fit for a metric label: one this agency has an active
  // flow for (so bounded, and never a value a caller made up), else "unknown".
  std::string DatasetLabel(const v1::Record& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return engine_.policy() != nullptr && !engine_.policy()->FlowsFor(agency_, record.dataset()).empty()
               ? record.dataset()
               : std::string("unknown");
  }

  struct Pending;
  void CountUnavailableBySource(const Pending& pending) {
    for (const auto& [dataset, n] : pending.dataset_runs) {
      hub_->metrics->records_rejected_by_source.With({agency_, dataset, "REJECT_UNAVAILABLE"}).Add(n);
    }
  }

  struct Pending {
    v1::PublishResponse response;
    std::vector<int> accepted_slots;  // response outcome index of each submitted record
    // Dataset label and count of the submitted records, in runs (for the
    // per-source rejection metric should the log fail the batch).
    std::vector<std::pair<std::string, size_t>> dataset_runs;
    bool complete = false;
    absl::Time received;
  };

  // The stream fails (INVALID_ARGUMENT) for a batch that is not a valid
  // PublishRequest.
  void FailUndecodableLocked(const absl::Status& st) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    FailLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            absl::StrCat("batch after sequence ", last_sequence_,
                                         " is not a valid accord.v1.PublishRequest (", st.message(),
                                         "); nothing in it was stored")));
  }

  // The checks of a decoded batch as a whole: false (the stream failed) for
  // a sequence not above the last one or too many records.
  bool CheckBatchLocked(uint64_t sequence, size_t records) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const auto& limits = hub_->config->limits;
    if (sequence <= last_sequence_ && last_sequence_ != 0) {
      FailLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              absl::StrCat("batch sequence ", sequence, " is not greater than the previous ",
                                           last_sequence_)));
      return false;
    }
    last_sequence_ = sequence;
    if (records > limits.max_batch_records) {
      FailLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                              absl::StrCat("batch of ", records, " records exceeds the limit of ",
                                           limits.max_batch_records)));
      return false;
    }
    return true;
  }

  // The ingest log has no room: the batch is refused unread, each record
  // REJECT_UNAVAILABLE as when the log refuses a decoded batch (the client
  // retries them). Decoding and checking records the hub cannot take would
  // only slow it down while it catches up. Counted per agency under the
  // dataset "unknown" (the records are not read).
  void RefuseUnreadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    HubMetrics* m = hub_->metrics;
    grpc::ProtoBufferReader reader(&read_buffer_);
    uint64_t sequence = 0;
    size_t records = 0;
    if (auto st = CountPublishRequest(&reader, &sequence, &records); !st.ok()) {
      FailUndecodableLocked(st);
      return;
    }
    read_buffer_.Clear();
    if (!CheckBatchLocked(sequence, records)) return;
    m->records_received.Add(records);
    auto pending = std::make_shared<Pending>();
    pending->received = absl::Now();
    pending->response.set_sequence(sequence);
    pending->response.mutable_outcomes()->Reserve(static_cast<int>(records));
    for (size_t i = 0; i < records; ++i) SetOverloaded(pending->response.add_outcomes());
    m->records_rejected.With({"REJECT_UNAVAILABLE"}).Add(records);
    m->records_rejected_by_source.With({agency_, "unknown", "REJECT_UNAVAILABLE"}).Add(records);
    pending->complete = true;
    pending_.push_back(std::move(pending));
    MaybeWriteLocked();
  }

  static void SetOverloaded(v1::RecordOutcome* o) {
    o->set_status(v1::RecordOutcome::REJECTED);
    o->set_reason(v1::REJECT_UNAVAILABLE);
    o->set_code(grpc::StatusCode::UNAVAILABLE);
    o->set_message("the hub is overloaded and stored nothing of this batch; retry it");
  }

  void HandleRequestLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (hub_->ingest->Full()) {
      RefuseUnreadLocked();
      return;
    }
    const auto& limits = hub_->config->limits;
    HubMetrics* m = hub_->metrics;
    grpc::ProtoBufferReader reader(&read_buffer_);
    if (auto st = DecodePublishRequest(&reader, &batch_, hub_->record_pool); !st.ok()) {
      FailUndecodableLocked(st);
      return;
    }
    read_buffer_.Clear();
    if (!CheckBatchLocked(batch_.sequence, batch_.records.size())) return;
    for (size_t i = 0; i < batch_.records.size(); ++i) {
      if (batch_.bad[i].ok() && batch_.records[i].provider().empty()) {
        m->records_rejected.With({"REJECT_WRONG_PROVIDER"}).Add(batch_.records.size());
        FailLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                absl::StrCat("record ", i + 1, " of batch ", batch_.sequence,
                                             " has no provider (an empty record?); set provider to '", agency_,
                                             "'. Nothing in this batch was stored")));
        return;
      }
      if (batch_.bad[i].ok() && batch_.records[i].provider() != agency_) {
        m->records_rejected.With({"REJECT_WRONG_PROVIDER"}).Add(batch_.records.size());
        m->records_rejected_by_source.With({agency_, "unknown", "REJECT_WRONG_PROVIDER"})
            .Add(batch_.records.size());
        FailLocked(grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                absl::StrCat("you are '", agency_,
                                             "' but a record claims another provider; nothing in "
                                             "this batch was stored")));
        return;
      }
    }
    m->records_received.Add(batch_.records.size());
    auto pending = std::make_shared<Pending>();
    pending->received = absl::Now();
    pending->response.set_sequence(batch_.sequence);
    IngestLog::Batch batch;
    engine_.SetPolicy(hub_->agreements->policy());
    // Each record against this instant: event times in the future, months
    // past retention, and the exact deadlines of the agreements in force.
    const std::shared_ptr<const AgreementRegistry::Deadlines> deadlines = hub_->agreements->deadlines();
    const absl::Time now = absl::Now();
    IngestChecker checker(*engine_.policy(), now, *deadlines);
    // Sized once for the batch, not grown (and moved) record by record.
    batch.records.reserve(batch_.records.size());
    batch.serialized.reserve(batch_.records.size());
    pending->accepted_slots.reserve(batch_.records.size());
    pending->response.mutable_outcomes()->Reserve(static_cast<int>(batch_.records.size()));
    policy::RecordLimits record_limits;
    record_limits.max_record_bytes = limits.max_record_bytes;
    size_t rejected = 0;
    v1::RejectReason first_reason = v1::RejectReason();
    for (int i = 0; i < static_cast<int>(batch_.records.size()); ++i) {
      v1::Record* record = &batch_.records[i];
      v1::RecordOutcome* outcome = pending->response.add_outcomes();
      policy::Rejection rej = batch_.bad[i].ok()
                                  ? engine_.Validate(*record, batch_.wire[i].size(), record_limits)
                                  : batch_.bad[i];
      if (rej.ok()) rej = checker.Check(*record);
      if (!rej.ok()) {
        outcome->set_status(v1::RecordOutcome::REJECTED);
        outcome->set_reason(rej.reason);
        outcome->set_message(rej.message);
        outcome->set_field(rej.field);
        outcome->set_code(CodeFor(rej.reason));
        m->records_rejected.With({v1::RejectReason_Name(rej.reason)}).Add();
        if (rejected++ == 0) first_reason = rej.reason;
        m->records_rejected_by_source.With({agency_, DatasetLabel(*record), v1::RejectReason_Name(rej.reason)})
            .Add();
        continue;
      }
      pending->accepted_slots.push_back(i);
      if (pending->dataset_runs.empty() || pending->dataset_runs.back().first != record->dataset()) {
        pending->dataset_runs.emplace_back(DatasetLabel(*record), 0);
      }
      ++pending->dataset_runs.back().second;
      batch.records.push_back(std::move(*record));
      batch.serialized.push_back(std::move(batch_.wire[i]));
    }
    // Counts and reason codes only: never a value (rate-limited by the log sink).
    if (rejected > 0) ops::LogEvent(spdlog::level::info, "publish", "records_rejected", {{"agency", agency_}, {"records", rejected}, {"of", batch_.records.size()}, {"first_reason", v1::RejectReason_Name(first_reason)}});
    pending_.push_back(pending);
    if (batch.records.empty()) {
      pending->complete = true;
      MaybeWriteLocked();
      return;
    }
    ++inflight_;
    batch.done = [this, pending](absl::Status status,
                                 const std::vector<IngestLog::Outcome>& outcomes) {
      OnBatchDurable(pending, status, outcomes);
    };
    if (!hub_->ingest->TryAppend(batch)) {
      --inflight_;
      for (int slot : pending->accepted_slots) SetOverloaded(pending->response.mutable_outcomes(slot));
      m->records_rejected.With({"REJECT_UNAVAILABLE"}).Add(pending->accepted_slots.size());
      CountUnavailableBySource(*pending);
      pending->complete = true;
      MaybeWriteLocked();
    }
  }

  void OnBatchDurable(const std::shared_ptr<Pending>& pending, const absl::Status& status,
                      const std::vector<IngestLog::Outcome>& outcomes) {
    absl::MutexLock lock(&mu_);
    HubMetrics* m = hub_->metrics;
    if (!status.ok()) CountUnavailableBySource(*pending);
    for (size_t k = 0; k < pending->accepted_slots.size(); ++k) {
      auto* o = pending->response.mutable_outcomes(pending->accepted_slots[k]);
      if (!status.ok()) {
        o->set_status(v1::RecordOutcome::REJECTED);
        o->set_reason(v1::REJECT_UNAVAILABLE);
        o->set_code(grpc::StatusCode::UNAVAILABLE);
        o->set_message(std::string(status.message()));
        m->records_rejected.With({"REJECT_UNAVAILABLE"}).Add();
      } else if (outcomes[k] == IngestLog::Outcome::kDuplicate) {
        o->set_status(v1::RecordOutcome::DUPLICATE);
        m->records_duplicate.Add();
      } else {
        o->set_status(v1::RecordOutcome::ACCEPTED);
        m->records_accepted.Add();
      }
    }
    m->publish_ack_seconds.Observe(absl::ToDoubleSeconds(absl::Now() - pending->received));
    pending->complete = true;
    --inflight_;
    MaybeWriteLocked();
    MaybeReadLocked();
    MaybeFinishLocked();
  }

  // Writes the oldest response if it is complete and no write is pending.
  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (!pending_.empty() && pending_.front()->complete) {
      if (!cancelled_) responses_.push_back(std::move(pending_.front()->response));
      pending_.pop_front();
    }
    // Responses of batches already stored are still written after an error,
    // so the client learns what was acknowledged before the stream fails.
    if (writing_ || responses_.empty() || cancelled_) return;
    bool own_buffer = false;
    write_buffer_.Clear();
    if (!grpc::SerializationTraits<v1::PublishResponse>::Serialize(responses_.front(), &write_buffer_,
                                                                   &own_buffer).ok()) {
      std::abort();  // serialising our own message cannot fail
    }
    responses_.pop_front();
    writing_ = true;
    StartWrite(&write_buffer_);
  }

  void MaybeReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reading_ || half_closed_ || cancelled_ || finish_requested_) return;
    if (inflight_ >= hub_->config->limits.max_inflight_batches) return;
    reading_ = true;
    StartRead(&read_buffer_);
  }

  void FailLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!shutting_down_) ops::LogEvent(spdlog::level::warn, "publish", "refused", {{"agency", agency_}, {"code", absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()))}, {"after_sequence", last_sequence_}});
    if (!error_.has_value()) error_ = std::move(status);
    finish_requested_ = true;
    MaybeFinishLocked();
  }

  void MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || inflight_ > 0 || writing_ || (reading_ && !shutting_down_)) return;
    const bool drained = pending_.empty() && responses_.empty();
    if (cancelled_) {
      finished_ = true;
      Finish(grpc::Status::CANCELLED);
    } else if (error_.has_value() && drained) {
      finished_ = true;
      Finish(*error_);
    } else if (half_closed_ && drained) {
      finished_ = true;
      Finish(grpc::Status::OK);
    }
  }

  const HubContext* const hub_;
  const std::string agency_;
  absl::Mutex mu_;
  grpc::ByteBuffer read_buffer_ ABSL_GUARDED_BY(mu_);
  DecodedBatch batch_ ABSL_GUARDED_BY(mu_);
  grpc::ByteBuffer write_buffer_ ABSL_GUARDED_BY(mu_);
  policy::FlowEngine engine_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<Pending>> pending_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::PublishResponse> responses_ ABSL_GUARDED_BY(mu_);
  uint64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  size_t inflight_ ABSL_GUARDED_BY(mu_) = 0;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool half_closed_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> error_ ABSL_GUARDED_BY(mu_);
};

// A reactor that only reports an error (e.g. no client identity).
class RejectReactor final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  explicit RejectReactor(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* IngestServiceImpl::Publish(
    grpc::CallbackServerContext* ctx) {
  auto agency = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!agency.ok()) return new RejectReactor(ToGrpc(agency.status()));
  return new PublishReactor(hub_, *std::move(agency));
}

}  // namespace accord::hub
