#include "accord/client/subscriber.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "accord/v1/feed_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"

namespace accord::client {

class Subscriber::Impl {
 public:
  Impl(std::shared_ptr<grpc::Channel> channel, const ChannelOptions& channel_options,
       SubscriberOptions options, DeliveryFn on_delivery)
      : channel_(std::move(channel)),
        stub_(channel_ != nullptr ? v1::FeedService::NewStub(channel_) : nullptr),
        channel_options_(channel_options),
        options_(std::move(options)),
        on_delivery_(std::move(on_delivery)),
        next_position_(options_.from_position) {
    absl::Status valid = Validate();
    if (!valid.ok()) {
      absl::MutexLock lock(&mu_);
      status_ = std::move(valid);
      stopped_ = true;
      return;
    }
    thread_ = std::thread([this] { Run(); });
  }

  ~Impl() { Stop(); }

  uint64_t next_position() const { return next_position_.load(std::memory_order_acquire); }
  uint64_t head_position() const { return head_position_.load(std::memory_order_relaxed); }
  uint64_t streams_opened() const { return streams_opened_.load(std::memory_order_relaxed); }

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stop_requested_ = true;
      if (context_ != nullptr) context_->TryCancel();
      cv_.SignalAll();
    }
    // From inside the callback the thread cannot join itself; it ends when
    // the callback returns (the stream is cancelled).
    if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) {
      absl::MutexLock lock(&join_mu_);
      if (thread_.joinable()) thread_.join();
    }
  }

  bool WaitUntilStopped(absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    const absl::Time deadline = absl::Now() + timeout;
    while (!stopped_) {
      if (cv_.WaitWithDeadline(&mu_, deadline)) break;
    }
    return stopped_;
  }

  absl::Status status() const {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  enum class StreamEnd { kStop, kRetry };

  absl::Status Validate() const {
    if (channel_ == nullptr) return absl::InvalidArgumentError("channel: must not be null");
    if (!on_delivery_) return absl::InvalidArgumentError("on_delivery: must not be empty");
    if (options_.max_batch == 0) return absl::InvalidArgumentError("max_batch: must be positive");
    if (options_.initial_backoff <= absl::ZeroDuration() ||
        options_.max_backoff < options_.initial_backoff) {
      return absl::InvalidArgumentError(
          "initial_backoff, max_backoff: need 0 < initial_backoff <= max_backoff");
    }
    return channel_options_.Validate();
  }

  void Run() {
    absl::BitGen rng;
    absl::Duration backoff = options_.initial_backoff;
    while (true) {
      bool delivered = false;
      const StreamEnd end = RunOneStream(&delivered);
      if (end == StreamEnd::kStop) break;
      if (delivered) backoff = options_.initial_backoff;
      const absl::Duration sleep = backoff * absl::Uniform(rng, 0.8, 1.2);
      backoff = std::min(backoff * 2, options_.max_backoff);
      absl::MutexLock lock(&mu_);
      const absl::Time deadline = absl::Now() + sleep;
      while (!stop_requested_) {
        if (cv_.WaitWithDeadline(&mu_, deadline)) break;
      }
      if (stop_requested_) break;
    }
    absl::MutexLock lock(&mu_);
    stopped_ = true;
    cv_.SignalAll();
  }

  StreamEnd RunOneStream(bool* delivered) {
    grpc::ClientContext context;
    PrepareContext(channel_options_, &context);
    {
      absl::MutexLock lock(&mu_);
      if (stop_requested_) return StreamEnd::kStop;
      context_ = &context;
    }
    v1::SubscribeRequest request;
    request.set_recipient(options_.recipient);
    request.set_from_position(next_position());
    for (const auto& id : options_.agreement_ids) request.add_agreement_ids(id);
    for (const auto& id : options_.flow_ids) request.add_flow_ids(id);
    request.set_max_batch(options_.max_batch);
    streams_opened_.fetch_add(1, std::memory_order_relaxed);

    std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader =
        stub_->Subscribe(&context, request);
    v1::SubscribeResponse response;
    bool callback_stopped = false;
    while (!callback_stopped && reader->Read(&response)) {
      head_position_.store(response.head_position(), std::memory_order_relaxed);
      for (const v1::Delivery& delivery : response.deliveries()) {
        const uint64_t next = next_position();
        if (next != 0 && delivery.position() < next) continue;  // already handed over
        *delivered = true;
        const bool keep_going = on_delivery_(delivery);
        next_position_.store(delivery.position() + 1, std::memory_order_release);
        if (!keep_going) {
          callback_stopped = true;
          break;
        }
      }
    }
    if (callback_stopped) {
      context.TryCancel();
      while (reader->Read(&response)) {
      }
    }
    const absl::Status status = FromGrpcStatus(reader->Finish());
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
    if (stop_requested_ || callback_stopped) return StreamEnd::kStop;
    if (IsRetryable(status.code())) return StreamEnd::kRetry;
    status_ = status;
    return StreamEnd::kStop;
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::FeedService::Stub> stub_;
  const ChannelOptions channel_options_;
  const SubscriberOptions options_;
  const DeliveryFn on_delivery_;

  std::atomic<uint64_t> next_position_;
  std::atomic<uint64_t> head_position_{0};
  std::atomic<uint64_t> streams_opened_{0};

  mutable absl::Mutex mu_;
  mutable absl::CondVar cv_;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;  // the live stream's
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);

  absl::Mutex join_mu_;
  std::thread thread_;
};

Subscriber::Subscriber(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Subscriber::~Subscriber() = default;

std::unique_ptr<Subscriber> Subscriber::Start(std::shared_ptr<grpc::Channel> channel,
                                              const ChannelOptions& channel_options,
                                              SubscriberOptions options, DeliveryFn on_delivery) {
  return std::unique_ptr<Subscriber>(new Subscriber(std::make_unique<Impl>(
      std::move(channel), channel_options, std::move(options), std::move(on_delivery))));
}

uint64_t Subscriber::next_position() const { return impl_->next_position(); }
uint64_t Subscriber::head_position() const { return impl_->head_position(); }
uint64_t Subscriber::streams_opened() const { return impl_->streams_opened(); }
void Subscriber::Stop() { impl_->Stop(); }
bool Subscriber::WaitUntilStopped(absl::Duration timeout) const {
  return impl_->WaitUntilStopped(timeout);
}
absl::Status Subscriber::status() const { return impl_->status(); }

}  // namespace accord::client
