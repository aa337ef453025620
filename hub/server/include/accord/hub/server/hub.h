// accord-hub: the whole server in one object.
//
// Start() opens the data directory (RocksDB: ingest log, feeds, audit store,
// ledger, agreements), loads or creates the hub's keys, starts the ingest
// writer, the policy stage, the agreement refresher (200 ms), the gRPC server
// (TLS with required client certificates, or plaintext only with
// insecure_dev) with health checking and reflection, and the metrics
// endpoint. Shutdown() refuses new streams, ends open Publish streams after
// acknowledging the batches already read and open Subscribe streams at once
// (both with UNAVAILABLE, so clients reconnect and resume), waits for them
// (at most 5 s), stops the server without waiting for idle client
// connections, drains the stages and closes the DB.
//
// Threading: Start/Shutdown/Wait from one controlling thread; port() anywhere.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "accord/hub/server/config.h"

namespace accord::hub {

class Hub {
 public:
  static absl::StatusOr<std::unique_ptr<Hub>> Start(HubConfig config);
  virtual ~Hub() = default;

  // The bound gRPC port (useful with listen port 0).
  virtual int port() const = 0;
  // The bound metrics port, or 0 when metrics are off.
  virtual int metrics_port() const = 0;
  virtual void Shutdown() = 0;
};

}  // namespace accord::hub
