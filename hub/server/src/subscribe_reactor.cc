// The Subscribe reactor: streams a recipient's feed from a position, then
// follows it live.
//
// Feeds are persistent logs in RocksDB, read at the subscriber's own pace: a
// slow subscriber only falls behind, it never holds up ingest or others.
// The reactor writes one response at a time; the next read of the feed
// happens in OnWriteDone (back-pressure) or, once caught up, when the policy
// stage reports that the feed grew (FeedWatcher::OnFeedAdvanced). A feed read
// is a bounded RocksDB range scan (<= max_subscribe_batch entries, served
// from memtable or block cache) and the entries' AES-GCM opening (feeds are
// sealed at rest), the only work done in a reaction.
//
// Threading: OnWriteDone/OnCancel run on gRPC threads, OnFeedAdvanced on the
// policy thread; state is under mu_. Finish() happens once, when no write is
// pending; OnDone unregisters the watcher and only then deletes the reactor.
#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "accord/hub/core/hub_db.h"
#include "feed_response.h"
#include "feed_service.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "identity.h"
#include "rocksdb/iterator.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

class SubscribeReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                               public FeedWatcher,
                               public StoppableStream {
 public:
  SubscribeReactor(const HubContext* hub, std::string recipient, const v1::SubscribeRequest& req)
      : hub_(hub), recipient_(std::move(recipient)),
        agreement_filter_(req.agreement_ids().begin(), req.agreement_ids().end()),
        flow_filter_(req.flow_ids().begin(), req.flow_ids().end()),
        reader_(hub->feed_store->NewReader()) {
    const size_t limit = hub_->config->limits.max_subscribe_batch;
    max_batch_ = req.max_batch() == 0 ? limit : std::min<size_t>(req.max_batch(), limit);
    const uint64_t head = hub_->feeds->Head(recipient_);
    next_ = req.from_position() == 0 ? head + 1 : req.from_position();
    delivered_.store(next_ - 1, std::memory_order_relaxed);
    hub_->feeds->Add(recipient_, this);
    const bool registered = hub_->streams->Add(this);
    absl::MutexLock lock(&mu_);
    if (!registered) {
      stopping_ = true;
      error_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "the hub is shutting down; resubscribe shortly");
      MaybeFinishLocked();
      return;
    }
    known_head_ = std::max(known_head_, head);
    MaybeWriteLocked();
  }

  void OnFeedAdvanced(uint64_t head) override {
    absl::MutexLock lock(&mu_);
    known_head_ = std::max(known_head_, head);
    MaybeWriteLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) stopping_ = true;
    // A cancel that arrived while this write was in flight left the Finish to
    // us: whenever we are stopping, finish now (exactly once).
    if (stopping_) {
      MaybeFinishLocked();
      return;
    }
    MaybeWriteLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    MaybeFinishLocked();
  }

  void StopForShutdown() override {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (!error_.has_value()) {
      error_ = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "the hub is shutting down; resubscribe from your last position");
    }
    MaybeFinishLocked();
  }

  bool FeedPosition(std::string* recipient, uint64_t* delivered) const override {
    *recipient = recipient_;
    *delivered = delivered_.load(std::memory_order_relaxed);
    return true;
  }

  // Unregistering here (never under the notifier's lock) guarantees no
  // OnFeedAdvanced runs once we are deleted.
  void OnDone() override {
    hub_->streams->Remove(this);
    hub_->feeds->Remove(recipient_, this);
    delete this;
  }

 private:
  bool Wanted(const v1::CleanedRecord& r) const {
    if (!agreement_filter_.empty() && !agreement_filter_.contains(r.agreement_id())) return false;
    if (!flow_filter_.empty() && !flow_filter_.contains(r.flow_id())) return false;
    return true;
  }

  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || stopping_ || finished_) return;
    const bool filtered = !agreement_filter_.empty() || !flow_filter_.empty();
    while (next_ <= known_head_) {
      response_.Clear();
      // Entries are sealed at rest; an entry whose period was erased
      // (retention) is skipped. At most 4 batches' worth of entries are
      // looked at per response, so a filtered stream does bounded work.
      auto covered = reader_.Read(recipient_, next_ - 1, known_head_, max_batch_ * 4,
                                  [&](uint64_t position, std::string_view plain) {
                                    // Only a filtered subscription needs to look inside a record.
                                    if (filtered &&
                                        (!filter_record_.ParseFromArray(plain.data(), static_cast<int>(plain.size())) || !Wanted(filter_record_))) {
                                      return true;
                                    }
                                    response_.Add(position, plain);
                                    return response_.deliveries() < max_batch_;
                                  });
      if (covered.ok()) {
        next_ = *covered + 1;
      } else if (absl::IsDataLoss(covered.status())) {
        spdlog::error("the feed of {} is unreadable: {}", recipient_, std::string(covered.status().message()));
        stopping_ = true;
        // The message names the position, never a value.
        error_ = grpc::Status(grpc::StatusCode::DATA_LOSS,
                              absl::StrCat(covered.status().message(), "; the operator has been told"));
        // What precedes it is still delivered below; then the stream ends.
      } else {
        spdlog::warn("the feed of {} could not be read: {}", recipient_, std::string(covered.status().message()));
        stopping_ = true;
        error_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "the feed could not be read; resubscribe");
        MaybeFinishLocked();
        return;
      }
      if (response_.deliveries() > 0) {
        out_ = response_.Finish(known_head_);
        delivered_.store(next_ - 1, std::memory_order_relaxed);
        writing_ = true;
        StartWrite(&out_);
        return;  // OnWriteDone goes on, or finishes if stopping
      }
      if (stopping_) {
        MaybeFinishLocked();
        return;
      }
    }
    delivered_.store(next_ - 1, std::memory_order_relaxed);  // caught up (or all filtered out)
  }

  void MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || writing_) return;
    finished_ = true;
    Finish(error_.value_or(grpc::Status::CANCELLED));
  }

  const HubContext* const hub_;
  const std::string recipient_;
  const absl::flat_hash_set<std::string> agreement_filter_;
  const absl::flat_hash_set<std::string> flow_filter_;
  size_t max_batch_ = 500;
  absl::Mutex mu_;
  uint64_t next_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t known_head_ ABSL_GUARDED_BY(mu_) = 0;
  FeedStore::Reader reader_ ABSL_GUARDED_BY(mu_);
  FeedResponseBuilder response_ ABSL_GUARDED_BY(mu_);
  grpc::ByteBuffer out_ ABSL_GUARDED_BY(mu_);  // the write in flight
  v1::CleanedRecord filter_record_ ABSL_GUARDED_BY(mu_);  // filtered subscriptions only
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> error_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> delivered_{0};  // last position handed to gRPC (metrics only)
};

class RejectReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit RejectReactor(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* FeedServiceImpl::Subscribe(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* raw_request) {
  auto agency = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!agency.ok()) return new RejectReactor(ToGrpc(agency.status()));
  v1::SubscribeRequest parsed;
  grpc::ByteBuffer copy(*raw_request);  // shares the slices
  if (!grpc::SerializationTraits<v1::SubscribeRequest>::Deserialize(&copy, &parsed).ok()) {
    return new RejectReactor(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                          "the request is not a valid accord.v1.SubscribeRequest"));
  }
  const v1::SubscribeRequest* request = &parsed;
  if (!request->recipient().empty() && request->recipient() != *agency) {
    return new RejectReactor(grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED,
        absl::StrCat("you are '", *agency, "'; you may only subscribe to your own feed")));
  }
  if (!hub_->agreements->policy()->IsRecipient(*agency) && hub_->feeds->Head(*agency) == 0) {
    return new RejectReactor(grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED,
        absl::StrCat("'", *agency, "' is not a recipient of any agreement in force")));
  }
  return new SubscribeReactor(hub_, *std::move(agency), *request);
}

}  // namespace accord::hub
