// Raw librdkafka clients set up like the hub's own (an idempotent, acks=all,
// batched producer; a manual-commit consumer from the earliest offset), for
// measuring librdkafka itself beside the hub: kafka_log_bench and
// `accord-kafka-mock raw`. Tool and benchmark code, not part of the hub.
//
// Thread safety: stateless.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>

namespace accord::hub::kafka_tools {

struct RawClientOptions {
  std::string brokers;
  std::string group;              // consumers only
  std::string log_level = "3";    // librdkafka's syslog level
  bool partition_eof = false;     // consumers: report the end of each partition
};

// The client, or nullptr with *error set (a bad setting or rd_kafka_new failing).
inline rd_kafka_t* NewRawClient(rd_kafka_type_t type, const RawClientOptions& options,
                                std::string* error) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* key, const std::string& value) {
    if (rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof(err)) == RD_KAFKA_CONF_OK) return true;
    *error = std::string(key) + ": " + err;
    return false;
  };
  bool ok = set("bootstrap.servers", options.brokers) && set("log_level", options.log_level);
  if (type == RD_KAFKA_PRODUCER) {
    ok = ok && set("enable.idempotence", "true") && set("acks", "all") && set("linger.ms", "5") &&
         set("batch.size", "1048576");
  } else {
    ok = ok && set("group.id", options.group) && set("auto.offset.reset", "earliest") &&
         set("enable.auto.commit", "false") &&
         set("enable.partition.eof", options.partition_eof ? "true" : "false");
  }
  if (!ok) {
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));  // owns conf on success
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    *error = err;
    return nullptr;
  }
  if (type == RD_KAFKA_CONSUMER) rd_kafka_poll_set_consumer(rk);
  return rk;
}

}  // namespace accord::hub::kafka_tools
