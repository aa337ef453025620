#include "quarantine_service.h"

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "accord/hub/core/thread_name.h"
#include "identity.h"
#include "quarantine_query.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* ctx, const grpc::Status& status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

const grpc::Status kNoBackend(grpc::StatusCode::UNIMPLEMENTED,
                              "this hub keeps no quarantined records it can list (no log backend was given "
                              "to the quarantine service)");
const grpc::Status kBusy(grpc::StatusCode::RESOURCE_EXHAUSTED,
                         "the hub is answering other quarantine requests; try again in a minute");
const grpc::Status kStopping(grpc::StatusCode::UNAVAILABLE,
                             "the hub is shutting down: nothing was replayed; try again once it is back");

}  // namespace

QuarantineServiceImpl::QuarantineServiceImpl(const HubContext* hub, const RocksDbIngestLog* kept,
                                             KafkaQuarantine* kafka)
    : hub_(hub), kept_(kept), kafka_(kafka) {
  if (kept_ == nullptr && kafka_ == nullptr) return;  // nothing to work on
  worker_ = std::thread([this] {
    NameThisThread("quarantine");
    Work();
  });
}

QuarantineServiceImpl::~QuarantineServiceImpl() { Stop(); }

void QuarantineServiceImpl::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (worker_.joinable()) worker_.join();
}

grpc::Status QuarantineServiceImpl::Enqueue(Job job) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return kStopping;
  if (jobs_.size() >= kMaxWaiting) return kBusy;
  jobs_.push_back(std::move(job));
  return grpc::Status::OK;
}

void QuarantineServiceImpl::Work() {
  for (;;) {
    Job job;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](QuarantineServiceImpl* q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(q->mu_) {
            return q->stopping_ || !q->jobs_.empty();
          },
          this));
      if (jobs_.empty()) return;  // stopping, nothing waits
      job = std::move(jobs_.front());
      jobs_.pop_front();
      stopping = stopping_;
    }
    job(stopping);
  }
}

grpc::ServerUnaryReactor* QuarantineServiceImpl::ListQuarantined(grpc::CallbackServerContext* ctx,
                                                                 const v1::ListQuarantinedRequest* req,
                                                                 v1::ListQuarantinedResponse* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  if (kept_ == nullptr && kafka_ == nullptr) return Done(ctx, kNoBackend);
  auto* reactor = ctx->DefaultReactor();
  grpc::Status queued = Enqueue([this, reactor, caller = *caller, req, resp](bool stopping) {
        if (stopping) return reactor->Finish(kStopping);
        absl::StatusOr<v1::ListQuarantinedResponse> listed;
        if (kept_ != nullptr) {
          listed = ListKept(*kept_, caller, *req);
        } else if (auto limit = ListLimit(*req); !limit.ok()) {
          listed = limit.status();
        } else {
          listed = kafka_->List(caller, *limit, req->after_handle());
        }
        if (!listed.ok()) return reactor->Finish(ToGrpc(listed.status()));
        *resp = *std::move(listed);
        reactor->Finish(grpc::Status::OK);
      });
  if (!queued.ok()) reactor->Finish(queued);
  return reactor;
}

grpc::ServerUnaryReactor* QuarantineServiceImpl::ReplayQuarantined(grpc::CallbackServerContext* ctx,
                                                                   const v1::ReplayQuarantinedRequest* req,
                                                                   v1::ReplayQuarantinedResponse* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  if (kept_ == nullptr && kafka_ == nullptr) return Done(ctx, kNoBackend);
  auto* reactor = ctx->DefaultReactor();
  grpc::Status queued = Enqueue([this, reactor, caller = *caller, req, resp](bool stopping) {
    if (stopping) return reactor->Finish(kStopping);
    if (kafka_ != nullptr) return ReplayOnKafka(reactor, caller, req, resp);
    Replay(reactor, caller, req, resp);
  });
  if (!queued.ok()) reactor->Finish(queued);
  return reactor;
}

// On the worker thread.
void QuarantineServiceImpl::Replay(grpc::ServerUnaryReactor* reactor, const std::string& caller,
                                   const v1::ReplayQuarantinedRequest* req, v1::ReplayQuarantinedResponse* resp) {
  auto plan = PlanReplay(*kept_, caller, *req);
  if (!plan.ok()) return reactor->Finish(ToGrpc(plan.status()));
  for (const std::string& h : plan->not_found) resp->add_not_found(h);
  resp->set_left_for_next_call(plan->left_for_next_call);
  if (plan->batch.records.empty()) return reactor->Finish(grpc::Status::OK);

  IngestLog::Batch batch = std::move(plan->batch);
  batch.done = [reactor, resp, handles = std::move(plan->handles), metrics = hub_->metrics,
                agency = caller](absl::Status s, const std::vector<IngestLog::Outcome>& outcomes) {
    if (!s.ok()) {
      // Nothing of the batch was stored: every record is still kept.
      reactor->Finish(grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                                   absl::StrCat("nothing was replayed, every record is still kept: ", s.message())));
      return;
    }
    uint64_t replayed = 0;
    for (size_t i = 0; i < outcomes.size() && i < handles.size(); ++i) {
      if (outcomes[i] == IngestLog::Outcome::kAccepted) {
        ++replayed;
      } else {
        resp->add_not_found(handles[i]);  // replayed or swept meanwhile
      }
    }
    resp->set_replayed(replayed);
    metrics->replayed.Add(replayed);
    // Agency ids and counts only.
    spdlog::info("quarantine: '{}' replayed {} kept records", agency, replayed);
    reactor->Finish(grpc::Status::OK);
  };
  if (!hub_->ingest->TryAppend(batch)) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "the hub is busy (its ingest log is full) or shutting down: nothing was "
                                 "replayed, every record is still kept; try again in a minute"));
  }
}

// On the worker thread: re-append, wait for Kafka, then mark (see the header
// for why in this order).
void QuarantineServiceImpl::ReplayOnKafka(grpc::ServerUnaryReactor* reactor, const std::string& caller,
                                          const v1::ReplayQuarantinedRequest* req,
                                          v1::ReplayQuarantinedResponse* resp) {
  if (static_cast<size_t>(req->handles_size()) > kMaxReplayPerCall) {
    return reactor->Finish(grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("name at most ", kMaxReplayPerCall, " handles a call (or none, to replay all)")));
  }
  auto plan = kafka_->PlanReplay(caller, {req->handles().begin(), req->handles().end()}, kMaxReplayPerCall);
  if (!plan.ok()) return reactor->Finish(ToGrpc(plan.status()));
  for (const std::string& h : plan->not_found) resp->add_not_found(h);
  resp->set_left_for_next_call(plan->left_for_next_call);
  if (plan->records.empty()) return reactor->Finish(grpc::Status::OK);

  const uint64_t count = plan->records.size();
  absl::Notification appended;
  absl::Status stored;
  IngestLog::Batch batch;
  batch.records = std::move(plan->records);
  batch.done = [&appended, &stored](absl::Status s, const std::vector<IngestLog::Outcome>&) {
    stored = std::move(s);
    appended.Notify();
  };
  if (!hub_->ingest->TryAppend(batch)) {
    return reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                        "the hub is busy (its ingest log is full) or shutting down: nothing was "
                                        "replayed, every record is still kept; try again in a minute"));
  }
  appended.WaitForNotification();  // bounded by kafka.message_timeout_ms
  if (!stored.ok()) {
    return reactor->Finish(grpc::Status(
        static_cast<grpc::StatusCode>(stored.code()),
        absl::StrCat("the replay did not complete and every record is still listed (Kafka may have stored some; "
                     "replaying them again is harmless, a record is not delivered twice): ",
                     stored.message())));
  }
  hub_->metrics->replayed.Add(count);
  // Agency ids and counts only.
  spdlog::info("quarantine: '{}' replayed {} quarantined records (Kafka)", caller, count);
  if (absl::Status marked = kafka_->MarkReplayed(plan->marks); !marked.ok()) {
    spdlog::warn("quarantine: {} replayed records not marked replayed: {}", count, std::string(marked.message()));
    return reactor->Finish(grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        absl::StrCat("the ", count, " records were handed back to the policy stage, but the hub could not record "
                     "that they were (", marked.message(), "); they are still listed. Replaying them again is "
                     "harmless: a record is not delivered twice")));
  }
  resp->set_replayed(count);
  reactor->Finish(grpc::Status::OK);
}

}  // namespace accord::hub
