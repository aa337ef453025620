#include "accord/client/publisher.h"

#include <deque>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "accord/policy/status_macros.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"

namespace accord::client {

absl::Status PublisherOptions::Validate() const {
  if (batch_records < 1 || batch_records > 100000) {
    return absl::InvalidArgumentError("batch_records: must be between 1 and 100000");
  }
  if (max_inflight < 1 || max_inflight > 1024) {
    return absl::InvalidArgumentError("max_inflight: must be between 1 and 1024");
  }
  if (linger < absl::ZeroDuration()) return absl::InvalidArgumentError("linger: must not be negative");
  if (close_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("close_timeout: must be positive");
  }
  return absl::OkStatus();
}

// Threads and state:
//  - the caller fills open_; a full (or lingered, or flushed) open_ becomes a
//    Batch in ready_; the sender thread moves it to inflight_ and writes it;
//  - the reader thread reads acks, runs the OutcomeFn for the front of
//    inflight_, then pops it (so "inflight_ empty" means "all outcomes delivered");
//  - window = ready_.size() + inflight_.size() <= max_inflight.
// When the stream ends, the reader waits for the sender to stop, calls
// Finish() (both sides quiet, as the sync API requires) and delivers synthetic
// outcomes for whatever is left, in order.
class Publisher::Impl {
 public:
  Impl(std::shared_ptr<grpc::Channel> channel, const ChannelOptions& channel_options,
       PublisherOptions options, OutcomeFn on_outcome)
      : channel_(std::move(channel)),
        stub_(v1::IngestService::NewStub(channel_)),
        options_(options),
        on_outcome_(std::move(on_outcome)) {
    PrepareContext(channel_options, &context_);
    stream_ = stub_->Publish(&context_);
    sender_ = std::thread([this] { SenderLoop(); });
    reader_ = std::thread([this] { ReaderLoop(); });
  }

  ~Impl() {
    if (sender_.joinable() || reader_.joinable()) {
      context_.TryCancel();
      JoinThreads();
    }
  }

  absl::Status Publish(v1::Record record) {
    absl::MutexLock lock(&mu_);
    if (close_called_) return absl::FailedPreconditionError("Publish after Close");
    // Back-pressure: a full open batch waits for a window slot.
    auto can_proceed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stream_ended_ || OpenSize() < options_.batch_records || HasRoomLocked();
    };
    while (!can_proceed()) cv_.Wait(&mu_);
    if (stream_ended_) return AwaitFinalStatusLocked();
    if (OpenSize() >= options_.batch_records) CloseOpenBatchLocked();
    *open_.add_records() = std::move(record);
    if (OpenSize() == 1) {
      open_deadline_ = absl::Now() + options_.linger;
      cv_.SignalAll();  // the sender arms its linger timer
    }
    if (OpenSize() >= options_.batch_records && HasRoomLocked()) CloseOpenBatchLocked();
    return absl::OkStatus();
  }

  absl::Status Flush() {
    absl::MutexLock lock(&mu_);
    if (close_called_) return final_status_;
    ++flush_waiters_;
    cv_.SignalAll();
    while (!(done_ || (OpenSize() == 0 && ready_.empty() && inflight_.empty()))) cv_.Wait(&mu_);
    --flush_waiters_;
    if (done_) return final_status_;
    return absl::OkStatus();
  }

  absl::Status Close() {
    {
      absl::MutexLock lock(&mu_);
      if (close_called_) return final_status_;
    }
    // A failed flush still ends in Finish below, which yields the status.
    (void)Flush();
    {
      absl::MutexLock lock(&mu_);
      close_called_ = true;
      closing_ = true;
      cv_.SignalAll();
      const absl::Time deadline = absl::Now() + options_.close_timeout;
      while (!done_) {
        if (cv_.WaitWithDeadline(&mu_, deadline)) break;
      }
    }
    bool timed_out;
    {
      absl::MutexLock lock(&mu_);
      timed_out = !done_;
    }
    if (timed_out) context_.TryCancel();
    JoinThreads();
    absl::MutexLock lock(&mu_);
    return final_status_;
  }

  uint64_t acked_batches() const {
    absl::MutexLock lock(&mu_);
    return acked_batches_;
  }

 private:
  struct Batch {
    uint64_t sequence = 0;
    v1::PublishRequest request;
  };

  size_t OpenSize() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return static_cast<size_t>(open_.records_size());
  }
  bool HasRoomLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return ready_.size() + inflight_.size() < options_.max_inflight;
  }

  // Moves the open batch to ready_. Requires a free window slot.
  void CloseOpenBatchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto batch = std::make_shared<Batch>();
    batch->sequence = next_sequence_++;
    open_.set_sequence(batch->sequence);
    batch->request.Swap(&open_);
    ready_.push_back(std::move(batch));
    cv_.SignalAll();
  }

  absl::Status AwaitFinalStatusLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (!done_) cv_.Wait(&mu_);
    return final_status_;
  }

  void SenderLoop() {
    absl::MutexLock lock(&mu_);
    while (!stream_ended_) {
      const bool open_due = OpenSize() > 0 && HasRoomLocked() &&
                            (flush_waiters_ > 0 || closing_ || absl::Now() >= open_deadline_);
      if (ready_.empty() && open_due) CloseOpenBatchLocked();
      if (!ready_.empty()) {
        std::shared_ptr<Batch> batch = std::move(ready_.front());
        ready_.pop_front();
        inflight_.push_back(batch);
        mu_.Unlock();
        const bool ok = stream_->Write(batch->request);
        mu_.Lock();
        if (!ok) break;  // the call is over; the reader reports why
        continue;
      }
      if (closing_ && OpenSize() == 0) {
        mu_.Unlock();
        stream_->WritesDone();
        mu_.Lock();
        break;
      }
      if (OpenSize() > 0 && HasRoomLocked()) {
        cv_.WaitWithDeadline(&mu_, open_deadline_);
      } else {
        cv_.Wait(&mu_);
      }
    }
    sender_done_ = true;
    cv_.SignalAll();
  }

  void ReaderLoop() {
    absl::Status protocol_error;
    v1::PublishResponse response;
    while (stream_->Read(&response)) {
      std::shared_ptr<Batch> batch;
      {
        absl::MutexLock lock(&mu_);
        if (!inflight_.empty()) batch = inflight_.front();
      }
      if (batch == nullptr || response.sequence() != batch->sequence) {
        protocol_error = absl::InternalError(
            "hub acknowledged a batch sequence that is not the oldest unacknowledged one");
        break;
      }
      if (response.outcomes_size() != batch->request.records_size()) {
        protocol_error = absl::InternalError(
            "hub acknowledged a batch with a different number of outcomes than records");
        break;
      }
      for (int i = 0; i < response.outcomes_size(); ++i) {
        on_outcome_(batch->request.records(i), response.outcomes(i));
      }
      absl::MutexLock lock(&mu_);
      inflight_.pop_front();
      ++acked_batches_;
      cv_.SignalAll();
    }
    if (!protocol_error.ok()) {
      context_.TryCancel();
      while (stream_->Read(&response)) {
      }
    }
    {
      absl::MutexLock lock(&mu_);
      stream_ended_ = true;
      cv_.SignalAll();
      while (!sender_done_) cv_.Wait(&mu_);
    }
    absl::Status status = protocol_error.ok() ? FromGrpcStatus(stream_->Finish()) : protocol_error;

    // Whatever is left never got an ack. Nothing can be added: stream_ended_.
    std::vector<std::shared_ptr<Batch>> left;
    bool closing;
    {
      absl::MutexLock lock(&mu_);
      closing = closing_;
      for (auto& b : inflight_) left.push_back(std::move(b));
      for (auto& b : ready_) left.push_back(std::move(b));
      inflight_.clear();
      ready_.clear();
      if (OpenSize() > 0) {
        auto b = std::make_shared<Batch>();
        b->request.Swap(&open_);
        left.push_back(std::move(b));
      }
    }
    size_t unacked = 0;
    for (const auto& b : left) unacked += static_cast<size_t>(b->request.records_size());
    if (status.ok() && (unacked > 0 || !closing)) {
      status = absl::UnavailableError(
          absl::StrCat("hub ended the publish stream with ", unacked, " records unacknowledged"));
    }
    if (unacked > 0) {
      v1::RecordOutcome outcome;
      outcome.set_status(v1::RecordOutcome::REJECTED);
      outcome.set_reason(v1::REJECT_UNAVAILABLE);
      outcome.set_code(static_cast<int32_t>(status.code()));
      outcome.set_message(absl::StrCat("publish stream ended before this record was acknowledged: ",
                                       absl::StatusCodeToString(status.code())));
      for (const auto& b : left) {
        for (const v1::Record& record : b->request.records()) on_outcome_(record, outcome);
      }
    }
    absl::MutexLock lock(&mu_);
    final_status_ = status;
    done_ = true;
    cv_.SignalAll();
  }

  void JoinThreads() {
    if (sender_.joinable()) sender_.join();
    if (reader_.joinable()) reader_.join();
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::IngestService::Stub> stub_;
  const PublisherOptions options_;
  const OutcomeFn on_outcome_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PublishRequest, v1::PublishResponse>> stream_;

  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  v1::PublishRequest open_ ABSL_GUARDED_BY(mu_);
  absl::Time open_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::deque<std::shared_ptr<Batch>> ready_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<Batch>> inflight_ ABSL_GUARDED_BY(mu_);
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t acked_batches_ ABSL_GUARDED_BY(mu_) = 0;
  int flush_waiters_ ABSL_GUARDED_BY(mu_) = 0;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;        // sender half-closes when drained
  bool close_called_ ABSL_GUARDED_BY(mu_) = false;
  bool stream_ended_ ABSL_GUARDED_BY(mu_) = false;   // Read() returned false
  bool sender_done_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;           // final_status_ is set
  absl::Status final_status_ ABSL_GUARDED_BY(mu_);

  std::thread sender_;
  std::thread reader_;
};

Publisher::Publisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Publisher::~Publisher() = default;

absl::StatusOr<std::unique_ptr<Publisher>> Publisher::Open(std::shared_ptr<grpc::Channel> channel,
                                                           const ChannelOptions& channel_options,
                                                           PublisherOptions options,
                                                           OutcomeFn on_outcome) {
  ACCORD_RETURN_IF_ERROR(options.Validate());
  ACCORD_RETURN_IF_ERROR(channel_options.Validate());
  if (channel == nullptr) return absl::InvalidArgumentError("channel: must not be null");
  if (!on_outcome) return absl::InvalidArgumentError("on_outcome: must not be empty");
  return std::unique_ptr<Publisher>(new Publisher(
      std::make_unique<Impl>(std::move(channel), channel_options, options, std::move(on_outcome))));
}

absl::Status Publisher::Publish(v1::Record record) { return impl_->Publish(std::move(record)); }
absl::Status Publisher::Flush() { return impl_->Flush(); }
absl::Status Publisher::Close() { return impl_->Close(); }
uint64_t Publisher::acked_batches() const { return impl_->acked_batches(); }

}  // namespace accord::client
