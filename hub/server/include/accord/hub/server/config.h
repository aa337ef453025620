// accord-hub configuration: one YAML file, overridable by flags.
//
//   listen: 127.0.0.1:7443          # gRPC address (port 0 = pick one)
//   insecure_dev: false             # plaintext, identity from x-accord-agency metadata: DEV ONLY
//   tls:
//     ca: pki/ca.crt                # CA that issued agency (client) certificates
//     cert: pki/hub.crt
//     key: pki/hub.key
//   data_dir: ./accord-data         # RocksDB (ingest log, feeds, audit store, ledger) and keys
//   log_backend: embedded           # embedded (RocksDB) | kafka (then see `kafka:` below)
//   hub_instance: hub-1             # name written into ledger entries (default: host name)
//   keys:                           # generated into data_dir/keys on first start when absent
//     ledger_signing_key: ""        # Ed25519 PKCS#8 PEM that signs tree heads
//     secrets: ""                   # 64 random bytes: linkage master key + dedupe key
//   metrics_listen: 127.0.0.1:9464  # Prometheus text at /metrics ("" = off)
//   policy_workers: 0               # threads applying flows (0 = one per core, at most 8)
//   quarantine_retention_days: 30   # embedded log: days quarantined records are kept (sealed)
//   kafka:                          # only with log_backend: kafka; see accord/hub/kafka/kafka_config.h
//     brokers: k1:9092,k2:9092
//     properties: {security.protocol: SSL}
//   storage:                      # free space of data_dir's file system (accord/hub/core/disk_guard.h)
//     ingest_min_free_mib: 256    # below: new records refused (REJECT_UNAVAILABLE), resumes by itself
//     reserve_free_mib: 8         # below: every write waits (accepted records wait in the log)
//   limits:
//     max_message_bytes: 4194304    # largest gRPC message
//     max_batch_records: 1000       # records per PublishRequest
//     max_inflight_batches: 8       # unacknowledged batches per Publish stream
//     max_record_bytes: 65536       # largest single record
//     max_subscribe_batch: 500      # deliveries per SubscribeResponse
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "accord/hub/kafka/kafka_config.h"

namespace accord::hub {

struct TlsConfig {
  std::string ca;
  std::string cert;
  std::string key;
};

struct LimitsConfig {
  size_t max_message_bytes = 4u << 20;
  size_t max_batch_records = 1000;
  size_t max_inflight_batches = 8;
  size_t max_record_bytes = 64u << 10;
  size_t max_subscribe_batch = 500;
  // Embedded backend: records accepted but not yet through the policy stage.
  // Beyond it Publish answers REJECT_UNAVAILABLE ("retry") until the stage
  // catches up. All of them are also held decoded in memory (the ingest log's
  // live tail, about 2.5 KB each), so the stage never reads them back from
  // storage; a larger value absorbs longer bursts at that memory cost and
  // with more delivery latency. 1024 ... 1048576.
  size_t max_ingest_backlog_records = 16384;
};

// Free-space watermarks of the data directory's file system, MiB
// (disk_guard.h). Ingest is refused below ingest_min_free_mib and resumes,
// by itself, at ingest_min_free_mib + max(1, ingest_min_free_mib / 8);
// every other write waits below reserve_free_mib. 1 <= reserve_free_mib <
// ingest_min_free_mib.
struct StorageConfig {
  uint64_t ingest_min_free_mib = 256;
  uint64_t reserve_free_mib = 8;
};

struct KeysConfig {
  std::string ledger_signing_key;  // path; default data_dir/keys/ledger.key
  std::string secrets;             // path; default data_dir/keys/secrets.bin
};

struct HubConfig {
  std::string listen = "127.0.0.1:7443";
  bool insecure_dev = false;
  TlsConfig tls;
  std::string data_dir = "./accord-data";
  std::string log_backend = "embedded";
  std::string hub_instance;  // default: host name
  KeysConfig keys;
  std::string metrics_listen = "127.0.0.1:9464";
  size_t policy_workers = 0;
  // Embedded log: how long records the policy stage quarantined are kept,
  // sealed, for investigation (1..3650; default 30). On Kafka the quarantine
  // topic's own retention applies.
  uint32_t quarantine_retention_days = 30;
  KafkaConfig kafka;  // used when log_backend == "kafka"
  LimitsConfig limits;
  StorageConfig storage;

  // Every problem, one per line, or OK. Fills defaults that depend on others.
  absl::Status Validate();
};

// Reads a YAML config file. InvalidArgument naming the key for bad values or
// unknown keys; NotFound if the file is missing.
absl::StatusOr<HubConfig> LoadHubConfig(const std::string& path);

}  // namespace accord::hub
