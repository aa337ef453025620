#include "quarantine_service.h"

#include "absl/strings/str_cat.h"
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

const grpc::Status kOnKafka(grpc::StatusCode::UNIMPLEMENTED,
                            "this hub runs the Kafka log backend, which keeps quarantined records in its "
                            "quarantine topic; listing and replaying them is built for the embedded backend "
                            "only so far (hub/README.md). Ask the hub's operator for the records' reasons "
                            "(the quarantine topic has them) and re-publish the records once the agreement "
                            "is fixed");
const grpc::Status kBusy(grpc::StatusCode::RESOURCE_EXHAUSTED,
                         "the hub is answering other quarantine requests; try again in a minute");
const grpc::Status kStopping(grpc::StatusCode::UNAVAILABLE,
                             "the hub is shutting down: nothing was replayed; try again once it is back");

}  // namespace

QuarantineServiceImpl::QuarantineServiceImpl(const HubContext* hub, const RocksDbIngestLog* kept)
    : hub_(hub), kept_(kept) {
  if (kept_ == nullptr) return;  // Kafka: nothing to work on
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
  if (kept_ == nullptr) return Done(ctx, kOnKafka);
  auto* reactor = ctx->DefaultReactor();
  grpc::Status queued = Enqueue([this, reactor, caller = *caller, req, resp](bool stopping) {
        if (stopping) return reactor->Finish(kStopping);
        auto listed = ListKept(*kept_, caller, *req);
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
  if (kept_ == nullptr) return Done(ctx, kOnKafka);
  auto* reactor = ctx->DefaultReactor();
  grpc::Status queued = Enqueue([this, reactor, caller = *caller, req, resp](bool stopping) {
    if (stopping) return reactor->Finish(kStopping);
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

}  // namespace accord::hub
