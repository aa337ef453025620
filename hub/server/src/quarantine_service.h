// QuarantineService (proto/accord/v1/quarantine_service.proto): a provider
// lists its own kept quarantined records, with why each was quarantined, and
// replays them after an agreement fix. The provider is always the caller's
// verified agency id (identity.h), never a request field: one agency never
// sees or replays another's records.
//
// Both log backends: the embedded log (RocksDbIngestLog keeps the records,
// quarantine_query.h finds the caller's), and Kafka (the quarantine topic
// keeps them; KafkaQuarantine, accord/hub/kafka/kafka_quarantine.h, reads it,
// so any hub process sharing the cluster answers alike).
//
// Replay hands the records to the hub's ingest log (the same path, and
// back-pressure, as Publish) as one batch marked as a replay: the log
// re-appends them without the dedupe check and removes the kept copies in
// the same durable write (rocksdb_ingest_log.h), so the policy stage re-runs
// them under the agreements in force now. One that fails again is
// quarantined again with its new reason. The RPC finishes once the batch is
// durable (from the log's thread, never blocking a reaction); the records'
// outcome follows within the policy stage's usual delay.
//
// Kafka replay, in two steps on the worker thread: (1) the records go back to
// the ingest topic (the same TryAppend; Kafka's ingest has no dedupe index to
// bypass) and the worker waits for Kafka's acks; (2) then a "replayed" marker
// per copy goes to the quarantine topic (KafkaQuarantine::MarkReplayed), and
// the RPC finishes. A crash (or a marker write that fails) between (1) and (2)
// leaves the records listed although re-appended; replaying them again
// re-appends them again, and the committer's delivery-id de-duplication
// (the OutcomeCommitter's dedupe_deliveries, on for Kafka) keeps the second copy
// out of feeds and ledger: the delivery id is a digest of the agreement id and
// version, flow, recipient and the record's keyed reference, the same for
// both copies while the agreement version is the same. (Markers first would
// lose the record instead, if the crash came before the re-append.)
//
// Threading: unary callback RPCs (DefaultReactor). Reading the kept set
// (every kept record is opened: quarantine_query.h) never runs in a
// reaction: the service's one worker thread ("quarantine") does it, from a
// bounded queue (kMaxWaiting requests; beyond, RESOURCE_EXHAUSTED), and
// finishes the reactor (an embedded replay: from the ingest log's thread once
// the batch is durable; a Kafka replay: from the worker, which waits for the
// ingest acks and then the markers, each bounded by the Kafka message
// timeout). Stop() (the hub calls it after the gRPC server's shutdown,
// before the ingest log goes) finishes what waits with UNAVAILABLE and joins
// the worker.
#pragma once

#include <deque>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "accord/hub/core/rocksdb_ingest_log.h"
#include "accord/hub/kafka/kafka_quarantine.h"
#include "accord/v1/quarantine_service.grpc.pb.h"
#include "hub_context.h"

namespace accord::hub {

class QuarantineServiceImpl final : public v1::QuarantineService::CallbackService {
 public:
  static constexpr size_t kMaxWaiting = 8;

  // None is owned; all outlive the service. `kept` is the embedded log (the
  // inner log of hub->ingest), or null on a Kafka hub; `kafka` the Kafka
  // hub's quarantine topic reader, or null on an embedded hub.
  QuarantineServiceImpl(const HubContext* hub, const RocksDbIngestLog* kept, KafkaQuarantine* kafka = nullptr);
  ~QuarantineServiceImpl() override;
  void Stop();

  grpc::ServerUnaryReactor* ListQuarantined(grpc::CallbackServerContext* ctx,
                                            const v1::ListQuarantinedRequest* req,
                                            v1::ListQuarantinedResponse* resp) override;
  grpc::ServerUnaryReactor* ReplayQuarantined(grpc::CallbackServerContext* ctx,
                                              const v1::ReplayQuarantinedRequest* req,
                                              v1::ReplayQuarantinedResponse* resp) override;

 private:
  // A request's work on the worker thread; `stopping` = finish it with UNAVAILABLE.
  using Job = std::function<void(bool stopping)>;
  // OK, or why nothing was queued (kMaxWaiting jobs wait, or the service stopped).
  grpc::Status Enqueue(Job job);
  void Work();
  void Replay(grpc::ServerUnaryReactor* reactor, const std::string& caller,
              const v1::ReplayQuarantinedRequest* req, v1::ReplayQuarantinedResponse* resp);
  void ReplayOnKafka(grpc::ServerUnaryReactor* reactor, const std::string& caller,
                     const v1::ReplayQuarantinedRequest* req, v1::ReplayQuarantinedResponse* resp);

  const HubContext* hub_;
  const RocksDbIngestLog* kept_;
  KafkaQuarantine* kafka_;
  absl::Mutex mu_;
  std::deque<Job> jobs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace accord::hub
