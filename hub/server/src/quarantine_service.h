// QuarantineService (proto/accord/v1/quarantine_service.proto): a provider
// lists its own kept quarantined records, with why each was quarantined, and
// replays them after an agreement fix. The provider is always the caller's
// verified agency id (identity.h), never a request field: one agency never
// sees or replays another's records.
//
// Embedded log only (RocksDbIngestLog keeps the records, quarantine_query.h
// finds the caller's). On a Kafka hub, where the records are kept in the
// quarantine topic, both RPCs answer UNIMPLEMENTED saying so.
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
// Threading: unary callback RPCs (DefaultReactor). ListQuarantined reads the
// kept set in the reaction (bounded: quarantine_query.h).
#pragma once

#include "accord/hub/core/rocksdb_ingest_log.h"
#include "accord/v1/quarantine_service.grpc.pb.h"
#include "hub_context.h"

namespace accord::hub {

class QuarantineServiceImpl final : public v1::QuarantineService::CallbackService {
 public:
  // None is owned; all outlive the service. `kept` is the embedded log (the
  // inner log of hub->ingest), or null on a Kafka hub.
  QuarantineServiceImpl(const HubContext* hub, const RocksDbIngestLog* kept) : hub_(hub), kept_(kept) {}

  grpc::ServerUnaryReactor* ListQuarantined(grpc::CallbackServerContext* ctx,
                                            const v1::ListQuarantinedRequest* req,
                                            v1::ListQuarantinedResponse* resp) override;
  grpc::ServerUnaryReactor* ReplayQuarantined(grpc::CallbackServerContext* ctx,
                                              const v1::ReplayQuarantinedRequest* req,
                                              v1::ReplayQuarantinedResponse* resp) override;

 private:
  const HubContext* hub_;
  const RocksDbIngestLog* kept_;
};

}  // namespace accord::hub
