// Creating and checking the hub's Kafka topics with the Admin API.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "rdkafka.h"

namespace accord::hub::kafka {

// Creates `topic` if missing (partitions, replication factor, topic
// `configs` such as retention.ms), then checks that it exists with at least
// `partitions` partitions. FailedPrecondition when it has fewer; UNAVAILABLE
// when the cluster cannot be reached. An existing topic's configs are left alone.
absl::Status EnsureTopic(rd_kafka_t* rk, const std::string& topic, int partitions,
                         int replication_factor,
                         const std::map<std::string, std::string>& configs = {},
                         int timeout_ms = 15000);

}  // namespace accord::hub::kafka
