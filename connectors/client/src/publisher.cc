#include "accord/client/publisher.h"

#include <algorithm>
#include <deque>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/arena.h"
#include "accord/base/status_macros.h"
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
  if (clock == nullptr) return absl::InvalidArgumentError("clock: must not be null");
  return absl::OkStatus();
}

namespace {

// A batch's arena starts with a kFirstBlock block of its own; after each use
// the block grows to the batch's high-water mark (whole kBlockGrain units,
// at most kMaxFirstBlock), so a recycled batch of the same shape allocates
// no arena blocks. Beyond it, blocks come from malloc, up to kMaxBlock each.
constexpr size_t kFirstBlock = 64 << 10;
constexpr size_t kBlockGrain = 64 << 10;
constexpr size_t kMaxFirstBlock = 16 << 20;
constexpr size_t kMaxBlock = 1 << 20;

}  // namespace

// One PublishRequest and its records, all on the batch's own arena.
// Owned by exactly one of: the Impl's open_, ready_, inflight_, free_ or
// acked_while_writing_ (and the thread holding it between those).
class Publisher::Batch {
 public:
  Batch() { MakeArena(kFirstBlock); }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  v1::PublishRequest& request() { return *request_; }
  int size() const { return request_->records_size(); }

  // The record being built: the cleared spare one, or a new one on the arena.
  // It is not in request() until Commit().
  v1::Record* Start() {
    if (building_ == nullptr) building_ = google::protobuf::Arena::CreateMessage<v1::Record>(arena_.get());
    return building_;
  }
  // Moves the record being built into the request (same arena: no copy).
  void Commit() {
    request_->mutable_records()->AddAllocated(building_);
    building_ = nullptr;
  }
  // Clears the record being built and keeps it for the next Start().
  void Drop() {
    if (building_ != nullptr) building_->Clear();
  }

  // Empties the batch for reuse: one arena reset (destructors of the string
  // values, frees of the blocks beyond the first), the first block grown to
  // what this use needed.
  void Recycle() {
    request_ = nullptr;
    building_ = nullptr;
    const uint64_t used = arena_->Reset();
    if (used > first_block_size_ && first_block_size_ < kMaxFirstBlock) {
      const size_t grown = std::min<size_t>(kMaxFirstBlock, (used + kBlockGrain - 1) / kBlockGrain * kBlockGrain);
      MakeArena(grown);
    } else {
      request_ = google::protobuf::Arena::CreateMessage<v1::PublishRequest>(arena_.get());
    }
  }

  uint64_t sequence = 0;

 private:
  void MakeArena(size_t first_block_size) {
    arena_.reset();  // before its first block goes
    first_block_size_ = first_block_size;
    first_block_.reset(new char[first_block_size]);
    google::protobuf::ArenaOptions options;
    options.initial_block = first_block_.get();
    options.initial_block_size = first_block_size;
    options.start_block_size = kBlockGrain;
    options.max_block_size = kMaxBlock;
    arena_ = std::make_unique<google::protobuf::Arena>(options);
    request_ = google::protobuf::Arena::CreateMessage<v1::PublishRequest>(arena_.get());
    building_ = nullptr;
  }

  std::unique_ptr<char[]> first_block_;
  size_t first_block_size_ = 0;
  std::unique_ptr<google::protobuf::Arena> arena_;  // declared after the block it uses
  v1::PublishRequest* request_ = nullptr;           // on arena_
  v1::Record* building_ = nullptr;                  // on arena_, not in request_
};

// Threads and state:
//  - the caller fills open_ (NewRecord .. CommitRecord, building_ in between,
//    when nobody else may close or take open_); a full (or lingered, or
//    flushed) open_ goes to ready_; the sender thread moves it to inflight_
//    and writes it;
//  - the reader thread reads acks, runs the OutcomeFn for the front of
//    inflight_, then pops it (so "inflight_ empty" means "all outcomes
//    delivered") to free_, or, if the sender is still in its Write(), to
//    acked_while_writing_, which the sender moves to free_ after the Write;
//  - the caller takes a batch from free_ (or makes one) when it needs an
//    open batch and recycles it outside the lock;
//  - window = ready_.size() + inflight_.size() <= max_inflight.
// When the stream ends, the reader waits for the sender to stop, calls
// Finish() (both sides quiet, as the sync API requires) and delivers synthetic
// outcomes for whatever is left, in order. It leaves every batch where it is
// (the caller may be building a record on open_'s arena): after
// stream_ended_ no record is added to any batch.
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

  absl::StatusOr<v1::Record*> NewRecord() {
    absl::MutexLock lock(&mu_);
    if (close_called_) return absl::FailedPreconditionError("NewRecord after Close");
    if (building_) {
      return absl::FailedPreconditionError("NewRecord before the last record was committed or abandoned");
    }
    // Back-pressure: a full open batch waits for a window slot.
    auto can_proceed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stream_ended_ || OpenSize() < options_.batch_records || HasRoomLocked();
    };
    while (!can_proceed()) cv_.Wait();
    if (stream_ended_) return AwaitFinalStatusLocked();
    if (OpenSize() >= options_.batch_records) CloseOpenBatchLocked();
    if (open_ == nullptr) {
      // Only this thread sets open_; the others leave a null open_ alone.
      std::unique_ptr<Batch> batch;
      if (!free_.empty()) {
        batch = std::move(free_.back());
        free_.pop_back();
      }
      mu_.Unlock();
      if (batch != nullptr) {
        batch->Recycle();
      } else {
        batch = std::make_unique<Batch>();
      }
      mu_.Lock();
      open_ = std::move(batch);
      if (stream_ended_) return AwaitFinalStatusLocked();
    }
    building_ = true;
    return open_->Start();
  }

  absl::Status CommitRecord() {
    absl::MutexLock lock(&mu_);
    if (!building_) return absl::FailedPreconditionError("CommitRecord without NewRecord");
    EndBuildingLocked();
    if (stream_ended_) {
      open_->Drop();
      return AwaitFinalStatusLocked();
    }
    open_->Commit();
    if (OpenSize() == 1) {
      open_deadline_ = options_.clock->Now() + options_.linger;
      cv_.SignalAll();  // the sender arms its linger timer
    }
    if (OpenSize() >= options_.batch_records && HasRoomLocked()) CloseOpenBatchLocked();
    return absl::OkStatus();
  }

  void AbandonRecord() {
    absl::MutexLock lock(&mu_);
    AbandonLocked();
  }

  absl::Status Publish(v1::Record record) {
    absl::StatusOr<v1::Record*> slot = NewRecord();
    if (!slot.ok()) return slot.status();
    **slot = std::move(record);  // another arena: a copy
    return CommitRecord();
  }

  absl::Status Flush() {
    absl::MutexLock lock(&mu_);
    if (close_called_) return final_status_;
    if (building_) return absl::FailedPreconditionError("Flush while a record is open");
    ++flush_waiters_;
    cv_.SignalAll();
    while (!(done_ || (OpenSize() == 0 && ready_.empty() && inflight_.empty()))) cv_.Wait();
    --flush_waiters_;
    if (done_) return final_status_;
    return absl::OkStatus();
  }

  absl::Status Close() {
    {
      absl::MutexLock lock(&mu_);
      if (close_called_) return final_status_;
      AbandonLocked();
    }
    // A failed flush still ends in Finish below, which yields the status.
    (void)Flush();
    {
      absl::MutexLock lock(&mu_);
      close_called_ = true;
      closing_ = true;
      cv_.SignalAll();
      const absl::Time deadline = options_.clock->Now() + options_.close_timeout;
      while (!done_) {
        if (cv_.WaitWithDeadline(deadline)) break;
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
  size_t OpenSize() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return open_ == nullptr ? 0 : static_cast<size_t>(open_->size());
  }
  bool HasRoomLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return ready_.size() + inflight_.size() < options_.max_inflight;
  }

  void EndBuildingLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    building_ = false;
    if (sender_awaits_commit_) {
      sender_awaits_commit_ = false;
      cv_.SignalAll();
    }
  }

  void AbandonLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!building_) return;
    EndBuildingLocked();
    open_->Drop();
  }

  // Moves the open batch to ready_. Requires a free window slot and no
  // record being built.
  void CloseOpenBatchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    open_->sequence = next_sequence_++;
    open_->request().set_sequence(open_->sequence);
    ready_.push_back(std::move(open_));
    cv_.SignalAll();
  }

  absl::Status AwaitFinalStatusLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (!done_) cv_.Wait();
    return final_status_;
  }

  void SenderLoop() {
    absl::MutexLock lock(&mu_);
    while (!stream_ended_) {
      const bool open_due = OpenSize() > 0 && HasRoomLocked() &&
                            (flush_waiters_ > 0 || closing_ || options_.clock->Now() >= open_deadline_);
      if (ready_.empty() && open_due && !building_) CloseOpenBatchLocked();
      if (!ready_.empty()) {
        Batch* batch = ready_.front().get();
        inflight_.push_back(std::move(ready_.front()));
        ready_.pop_front();
        writing_ = batch;
        mu_.Unlock();
        const bool ok = stream_->Write(batch->request());
        mu_.Lock();
        writing_ = nullptr;
        if (acked_while_writing_ != nullptr) free_.push_back(std::move(acked_while_writing_));
        if (!ok) break;  // the call is over; the reader reports why
        continue;
      }
      if (closing_ && OpenSize() == 0) {
        mu_.Unlock();
        stream_->WritesDone();
        mu_.Lock();
        break;
      }
      if (open_due) {
        // Due, but the caller is building a record in it: CommitRecord() or
        // AbandonRecord() wakes us.
        sender_awaits_commit_ = true;
        cv_.Wait();
      } else if (OpenSize() > 0 && HasRoomLocked()) {
        cv_.WaitWithDeadline(open_deadline_);
      } else {
        cv_.Wait();
      }
    }
    sender_done_ = true;
    cv_.SignalAll();
  }

  void ReaderLoop() {
    absl::Status protocol_error;
    v1::PublishResponse response;
    while (stream_->Read(&response)) {
      // The front batch stays put until this thread pops it.
      Batch* batch = nullptr;
      {
        absl::MutexLock lock(&mu_);
        if (!inflight_.empty()) batch = inflight_.front().get();
      }
      if (batch == nullptr || response.sequence() != batch->sequence) {
        protocol_error = absl::InternalError(
            "hub acknowledged a batch sequence that is not the oldest unacknowledged one");
        break;
      }
      if (response.outcomes_size() != batch->size()) {
        protocol_error = absl::InternalError(
            "hub acknowledged a batch with a different number of outcomes than records");
        break;
      }
      const v1::PublishRequest& request = batch->request();
      for (int i = 0; i < response.outcomes_size(); ++i) {
        on_outcome_(request.records(i), response.outcomes(i));
      }
      absl::MutexLock lock(&mu_);
      std::unique_ptr<Batch> acked = std::move(inflight_.front());
      inflight_.pop_front();
      // Recycled by the caller's thread (NewRecord), never freed here.
      if (acked.get() == writing_) {
        acked_while_writing_ = std::move(acked);
      } else {
        free_.push_back(std::move(acked));
      }
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
      while (!sender_done_) cv_.Wait();
    }
    absl::Status status = protocol_error.ok() ? FromGrpcStatus(stream_->Finish()) : protocol_error;

    // Whatever is left never got an ack. Nothing can be added (stream_ended_)
    // and nothing else removes a batch now, so the batches stay valid; open_
    // may hold a record being built, but not in its request.
    std::vector<Batch*> left;
    bool closing;
    {
      absl::MutexLock lock(&mu_);
      closing = closing_;
      for (auto& b : inflight_) left.push_back(b.get());
      for (auto& b : ready_) left.push_back(b.get());
      if (OpenSize() > 0) left.push_back(open_.get());
    }
    size_t unacked = 0;
    for (Batch* b : left) unacked += static_cast<size_t>(b->size());
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
      for (Batch* b : left) {
        for (const v1::Record& record : b->request().records()) on_outcome_(record, outcome);
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
  base::ClockCondVar cv_{options_.clock, &mu_};  // timed waits (linger, close_timeout) on options_.clock
  std::unique_ptr<Batch> open_ ABSL_GUARDED_BY(mu_);  // null until the next NewRecord()
  bool building_ ABSL_GUARDED_BY(mu_) = false;         // between NewRecord and Commit/Abandon
  bool sender_awaits_commit_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time open_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::deque<std::unique_ptr<Batch>> ready_ ABSL_GUARDED_BY(mu_);
  std::deque<std::unique_ptr<Batch>> inflight_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Batch>> free_ ABSL_GUARDED_BY(mu_);  // acked, to recycle
  Batch* writing_ ABSL_GUARDED_BY(mu_) = nullptr;  // in the sender's Write()
  std::unique_ptr<Batch> acked_while_writing_ ABSL_GUARDED_BY(mu_);
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

absl::StatusOr<v1::Record*> Publisher::NewRecord() { return impl_->NewRecord(); }
absl::Status Publisher::CommitRecord() { return impl_->CommitRecord(); }
void Publisher::AbandonRecord() { impl_->AbandonRecord(); }
absl::Status Publisher::Publish(v1::Record record) { return impl_->Publish(std::move(record)); }
absl::Status Publisher::Flush() { return impl_->Flush(); }
absl::Status Publisher::Close() { return impl_->Close(); }
uint64_t Publisher::acked_batches() const { return impl_->acked_batches(); }

}  // namespace accord::client
