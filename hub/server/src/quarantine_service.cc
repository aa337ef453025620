#include "quarantine_service.h"

#include "absl/strings/str_cat.h"
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
                            "(the hub logs them) and to re-publish them");

}  // namespace

grpc::ServerUnaryReactor* QuarantineServiceImpl::ListQuarantined(grpc::CallbackServerContext* ctx,
                                                                 const v1::ListQuarantinedRequest* req,
                                                                 v1::ListQuarantinedResponse* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  if (kept_ == nullptr) return Done(ctx, kOnKafka);
  auto listed = ListKept(*kept_, *caller, *req);
  if (!listed.ok()) return Done(ctx, ToGrpc(listed.status()));
  *resp = *std::move(listed);
  return Done(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* QuarantineServiceImpl::ReplayQuarantined(grpc::CallbackServerContext* ctx,
                                                                   const v1::ReplayQuarantinedRequest* req,
                                                                   v1::ReplayQuarantinedResponse* resp) {
  auto caller = CallerAgency(ctx, hub_->config->insecure_dev);
  if (!caller.ok()) return Done(ctx, ToGrpc(caller.status()));
  if (kept_ == nullptr) return Done(ctx, kOnKafka);
  auto plan = PlanReplay(*kept_, *caller, *req);
  if (!plan.ok()) return Done(ctx, ToGrpc(plan.status()));
  for (const std::string& h : plan->not_found) resp->add_not_found(h);
  resp->set_left_for_next_call(plan->left_for_next_call);
  if (plan->batch.records.empty()) return Done(ctx, grpc::Status::OK);

  auto* reactor = ctx->DefaultReactor();
  IngestLog::Batch batch = std::move(plan->batch);
  batch.done = [reactor, resp, handles = std::move(plan->handles), metrics = hub_->metrics,
                agency = *caller](absl::Status s, const std::vector<IngestLog::Outcome>& outcomes) {
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
  return reactor;
}

}  // namespace accord::hub
