#include "topics.h"

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace accord::hub::kafka {
namespace {

struct TopicDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};

absl::Status CheckPartitions(rd_kafka_t* rk, const std::string& topic, int partitions, int timeout_ms) {
  std::unique_ptr<rd_kafka_topic_t, TopicDeleter> handle(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, handle.get(), &raw, timeout_ms);
  MetadataPtr md(raw);
  if (err) return FromKafka(err, absl::StrCat("reading metadata of topic ", topic));
  if (md->topic_cnt != 1 || md->topics[0].err) {
    return FromKafka(md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                     absl::StrCat("topic ", topic));
  }
  if (md->topics[0].partition_cnt < partitions) {
    return absl::FailedPreconditionError(absl::StrCat(
        "topic ", topic, " has ", md->topics[0].partition_cnt, " partitions but the config asks for ",
        partitions, "; add partitions with your Kafka tools or lower kafka.partitions"));
  }
  // A topic just created has partitions before it has leaders; a message
  // produced to a partition without one fails ("unknown partition"), so the
  // topic is ready only once every partition has a leader.
  for (int p = 0; p < md->topics[0].partition_cnt; ++p) {
    const rd_kafka_metadata_partition_t& part = md->topics[0].partitions[p];
    if (part.err != RD_KAFKA_RESP_ERR_NO_ERROR || part.leader < 0) {
      return absl::UnavailableError(absl::StrCat("topic ", topic, " partition ", part.id, " has no leader yet"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EnsureTopic(rd_kafka_t* rk, const std::string& topic, int partitions,
                         int replication_factor, const std::map<std::string, std::string>& configs,
                         int timeout_ms) {
  // Already there (created by the hub before, or by the cluster's operators):
  // only check it.
  absl::Status existing = CheckPartitions(rk, topic, partitions, timeout_ms);
  if (existing.ok() || absl::IsFailedPrecondition(existing)) return existing;
  char err[512];
  NewTopicPtr new_topic(rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, err, sizeof(err)));
  if (!new_topic) return absl::InvalidArgumentError(absl::StrCat("topic ", topic, ": ", err));
  for (const auto& [name, value] : configs) {
    if (auto e = rd_kafka_NewTopic_set_config(new_topic.get(), name.c_str(), value.c_str())) {
      return FromKafka(e, absl::StrCat("topic ", topic, " config ", name));
    }
  }
  QueuePtr queue(rd_kafka_queue_new(rk));
  AdminOptionsPtr options(rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, err, sizeof(err));
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_ms, err, sizeof(err));
  rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
  rd_kafka_CreateTopics(rk, topics, 1, options.get(), queue.get());
  // Waited for in slices, so that a slow cluster (a broker restarting, a
  // controller election) shows in the log instead of as a silent start.
  const auto started = std::chrono::steady_clock::now();
  const auto answer_by = started + std::chrono::milliseconds(timeout_ms + 2000);
  EventPtr event;
  while (!event && std::chrono::steady_clock::now() < answer_by) {
    event.reset(rd_kafka_queue_poll(queue.get(), 5000));
    if (!event) {
      spdlog::warn("creating Kafka topic {}: no answer yet after {} s; still waiting", topic,
                   std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
                       .count());
    }
  }
  if (!event) return absl::UnavailableError(absl::StrCat("creating topic ", topic, ": no answer from Kafka"));
  rd_kafka_resp_err_t result = rd_kafka_event_error(event.get());
  if (!result) {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(event.get());
    size_t count = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &count);
    if (count == 1) result = rd_kafka_topic_result_error(results[0]);
  }
  // Exists already, or a cluster that does not offer CreateTopics: check it.
  if (result && result != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS &&
      result != RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION && result != RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE &&
      result != RD_KAFKA_RESP_ERR_INVALID_REQUEST) {
    return FromKafka(result, absl::StrCat("creating topic ", topic));
  }
  // A real cluster answers CreateTopics once the controller has the topic; the
  // brokers' metadata follows a moment later (UNKNOWN_TOPIC_OR_PART meanwhile).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  absl::Status created = CheckPartitions(rk, topic, partitions, timeout_ms);
  auto next_report = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (absl::IsUnavailable(created) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    created = CheckPartitions(rk, topic, partitions, timeout_ms);
    if (!created.ok() && std::chrono::steady_clock::now() >= next_report) {
      next_report += std::chrono::seconds(5);
      spdlog::warn("Kafka topic {} is created but not ready yet ({}); still waiting", topic,
                   std::string(created.message()));
    }
  }
  return created;
}

}  // namespace accord::hub::kafka
