#include "accord/hub/server/config.h"

#include <unistd.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "accord/base/read_file.h"
#include "yaml-cpp/yaml.h"

namespace accord::hub {
namespace {

template <typename T>
void Read(const YAML::Node& node, const char* key, T* out, std::vector<std::string>* errors) {
  const YAML::Node v = node[key];
  if (!v) return;
  try {
    *out = v.as<T>();
  } catch (const YAML::Exception&) {
    errors->push_back(absl::StrCat("line ", v.Mark().line + 1, ": '", key, "' has the wrong type"));
  }
}

void CheckKeys(const YAML::Node& node, std::string_view where,
               std::initializer_list<std::string_view> allowed, std::vector<std::string>* errors) {
  if (!node.IsMap()) return;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>("");
    bool ok = false;
    for (auto a : allowed) ok |= a == key;
    if (!ok) {
      errors->push_back(absl::StrCat("line ", kv.first.Mark().line + 1, ": unknown key '", key,
                                     "' in ", std::string(where)));
    }
  }
}

}  // namespace

absl::Status HubConfig::Validate() {
  std::vector<std::string> errors;
  if (listen.empty() || listen.find(':') == std::string::npos) {
    errors.push_back("listen must be host:port, e.g. 127.0.0.1:7443");
  }
  if (!insecure_dev && (tls.ca.empty() || tls.cert.empty() || tls.key.empty())) {
    errors.push_back("tls.ca, tls.cert and tls.key are required (or run with --insecure-dev for local development)");
  }
  if (data_dir.empty()) errors.push_back("data_dir is required");
  if (log_backend != "embedded" && log_backend != "kafka") {
    errors.push_back(absl::StrCat("log_backend must be 'embedded' or 'kafka', not '", log_backend, "'"));
  }
  if (log_backend == "kafka") {
    if (auto s = kafka.Validate(); !s.ok()) errors.push_back(std::string(s.message()));
  }
  if (limits.max_message_bytes < 1024 || limits.max_message_bytes > (64u << 20)) {
    errors.push_back("limits.max_message_bytes must be between 1 KiB and 64 MiB");
  }
  if (limits.max_batch_records == 0 || limits.max_batch_records > 10000) {
    errors.push_back("limits.max_batch_records must be between 1 and 10000");
  }
  if (limits.max_inflight_batches == 0 || limits.max_inflight_batches > 64) {
    errors.push_back("limits.max_inflight_batches must be between 1 and 64");
  }
  if (limits.max_record_bytes < 256 || limits.max_record_bytes > limits.max_message_bytes) {
    errors.push_back("limits.max_record_bytes must be at least 256 and at most max_message_bytes");
  }
  if (limits.max_subscribe_batch == 0 || limits.max_subscribe_batch > 5000) {
    errors.push_back("limits.max_subscribe_batch must be between 1 and 5000");
  }
  if (limits.max_ingest_backlog_records < 1024 || limits.max_ingest_backlog_records > (1u << 20)) {
    errors.push_back("limits.max_ingest_backlog_records must be between 1024 and 1048576");
  }
  if (storage.reserve_free_mib == 0 || storage.reserve_free_mib >= storage.ingest_min_free_mib ||
      storage.ingest_min_free_mib > (1u << 20)) {
    errors.push_back(
        "storage.reserve_free_mib must be at least 1 and below storage.ingest_min_free_mib (at most 1048576)");
  }
  if (policy_workers > 64) errors.push_back("policy_workers must be between 0 (one per core) and 64");
  if (quarantine_retention_days == 0 || quarantine_retention_days > 3650) {
    errors.push_back("quarantine_retention_days must be between 1 and 3650");
  }
  if (hub_instance.empty()) {
    char host[256] = {0};
    hub_instance = gethostname(host, sizeof(host) - 1) == 0 && host[0] ? host : "accord-hub";
  }
  if (keys.ledger_signing_key.empty()) keys.ledger_signing_key = data_dir + "/keys/ledger.key";
  if (keys.secrets.empty()) keys.secrets = data_dir + "/keys/secrets.bin";
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid hub configuration:\n  ",
                                                   absl::StrJoin(errors, "\n  ")));
  }
  return absl::OkStatus();
}

absl::StatusOr<HubConfig> LoadHubConfig(const std::string& path) {
  auto text = base::ReadFile(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat("config file: ", text.status().message()));
  }
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", e.mark.line + 1, ": ", e.msg));
  }
  HubConfig c;
  if (root.IsNull()) return c;
  if (!root.IsMap()) return absl::InvalidArgumentError(absl::StrCat(path, ": expected a mapping"));
  std::vector<std::string> errors;
  CheckKeys(root, "the config",
            {"listen", "insecure_dev", "tls", "data_dir", "log_backend", "hub_instance", "keys",
             "metrics_listen", "policy_workers", "quarantine_retention_days", "kafka", "limits",
             "storage"},
            &errors);
  Read(root, "listen", &c.listen, &errors);
  Read(root, "insecure_dev", &c.insecure_dev, &errors);
  Read(root, "data_dir", &c.data_dir, &errors);
  Read(root, "log_backend", &c.log_backend, &errors);
  Read(root, "hub_instance", &c.hub_instance, &errors);
  Read(root, "metrics_listen", &c.metrics_listen, &errors);
  Read(root, "policy_workers", &c.policy_workers, &errors);
  Read(root, "quarantine_retention_days", &c.quarantine_retention_days, &errors);
  if (const YAML::Node tls = root["tls"]) {
    CheckKeys(tls, "tls", {"ca", "cert", "key"}, &errors);
    Read(tls, "ca", &c.tls.ca, &errors);
    Read(tls, "cert", &c.tls.cert, &errors);
    Read(tls, "key", &c.tls.key, &errors);
  }
  if (const YAML::Node keys = root["keys"]) {
    CheckKeys(keys, "keys", {"ledger_signing_key", "secrets"}, &errors);
    Read(keys, "ledger_signing_key", &c.keys.ledger_signing_key, &errors);
    Read(keys, "secrets", &c.keys.secrets, &errors);
  }
  if (const YAML::Node kafka = root["kafka"]) {
    CheckKeys(kafka, "kafka",
              {"brokers", "topic_prefix", "partitions", "replication_factor", "group_id", "linger_ms",
               "batch_bytes", "message_timeout_ms", "max_inflight_batches", "data_key_id", "feed_topics",
               "properties"},
              &errors);
    Read(kafka, "brokers", &c.kafka.brokers, &errors);
    Read(kafka, "topic_prefix", &c.kafka.topic_prefix, &errors);
    Read(kafka, "partitions", &c.kafka.partitions, &errors);
    Read(kafka, "replication_factor", &c.kafka.replication_factor, &errors);
    Read(kafka, "group_id", &c.kafka.group_id, &errors);
    Read(kafka, "linger_ms", &c.kafka.linger_ms, &errors);
    Read(kafka, "batch_bytes", &c.kafka.batch_bytes, &errors);
    Read(kafka, "message_timeout_ms", &c.kafka.message_timeout_ms, &errors);
    Read(kafka, "max_inflight_batches", &c.kafka.max_inflight_batches, &errors);
    Read(kafka, "data_key_id", &c.kafka.data_key_id, &errors);
    Read(kafka, "feed_topics", &c.kafka.feed_topics, &errors);
    if (const YAML::Node props = kafka["properties"]) {
      if (!props.IsMap()) {
        errors.push_back("kafka.properties must be a mapping of librdkafka property to value");
      } else {
        for (const auto& kv : props) {
          if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
            errors.push_back("kafka.properties values must be plain strings or numbers");
            continue;
          }
          c.kafka.properties[kv.first.Scalar()] = kv.second.Scalar();
        }
      }
    }
  }
  if (const YAML::Node storage = root["storage"]) {
    CheckKeys(storage, "storage", {"ingest_min_free_mib", "reserve_free_mib"}, &errors);
    Read(storage, "ingest_min_free_mib", &c.storage.ingest_min_free_mib, &errors);
    Read(storage, "reserve_free_mib", &c.storage.reserve_free_mib, &errors);
  }
  if (const YAML::Node limits = root["limits"]) {
    CheckKeys(limits, "limits",
              {"max_message_bytes", "max_batch_records", "max_inflight_batches", "max_record_bytes",
               "max_subscribe_batch", "max_ingest_backlog_records"},
              &errors);
    Read(limits, "max_message_bytes", &c.limits.max_message_bytes, &errors);
    Read(limits, "max_batch_records", &c.limits.max_batch_records, &errors);
    Read(limits, "max_inflight_batches", &c.limits.max_inflight_batches, &errors);
    Read(limits, "max_record_bytes", &c.limits.max_record_bytes, &errors);
    Read(limits, "max_subscribe_batch", &c.limits.max_subscribe_batch, &errors);
    Read(limits, "max_ingest_backlog_records", &c.limits.max_ingest_backlog_records, &errors);
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":\n  ", absl::StrJoin(errors, "\n  ")));
  }
  return c;
}

}  // namespace accord::hub
