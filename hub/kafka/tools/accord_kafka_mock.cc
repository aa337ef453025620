// accord-kafka-mock: librdkafka's mock cluster as a process, for load tests
// and development where no Kafka broker can run (CI, this project's VMs). It
// speaks the real Kafka protocol on loopback, so accord-hub, kcat and any
// client can use it. It is not a broker: it keeps about 5 MB per partition,
// deletes older messages, and does not serve CreateTopics (create topics with
// --topic).
//
//   accord-kafka-mock serve --topic accord.ingest:12 --topic accord.journal:1
//       prints "bootstraps HOST:PORT,..." on stdout, then runs until SIGTERM/SIGINT.
//   accord-kafka-mock raw --bootstrap B --from-topic accord.ingest --topic raw --records N
//       [--create-partitions P]
//       raw librdkafka throughput on that cluster (the mock, or a real one such as
//       scripts/kafka.sh starts) with the same record bytes:
//       copies up to N messages' values out of --from-topic, produces them to
//       --topic (idempotent, acks=all) and consumes them back; prints JSON.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "accord/ops/cli.h"
#include "nlohmann/json.hpp"
#include "raw_client.h"

namespace {

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

double Seconds(std::chrono::steady_clock::time_point from) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count();
}

rd_kafka_t* NewClient(rd_kafka_type_t type, const std::string& brokers, const std::string& group) {
  accord::hub::kafka_tools::RawClientOptions options;
  options.brokers = brokers;
  options.group = group;
  options.partition_eof = true;
  std::string error;
  rd_kafka_t* rk = accord::hub::kafka_tools::NewRawClient(type, options, &error);
  if (rk == nullptr) {
    std::cerr << "accord-kafka-mock: " << error << "\n";
    std::exit(2);
  }
  return rk;
}

// Reads every message of `topic` until each partition reported EOF (or
// `max` values), calling `on_value` for each.
template <typename Fn>
size_t ConsumeAll(const std::string& brokers, const std::string& topic, const std::string& group, size_t max,
                  Fn on_value) {
  rd_kafka_t* consumer = NewClient(RD_KAFKA_CONSUMER, brokers, group);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(consumer, list);
  rd_kafka_topic_partition_list_destroy(list);
  size_t n = 0;
  int eofs = 0, partitions = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (n < max && std::chrono::steady_clock::now() < deadline && !g_stop) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
    if (partitions < 0) {
      rd_kafka_topic_partition_list_t* a = nullptr;
      if (rd_kafka_assignment(consumer, &a) == RD_KAFKA_RESP_ERR_NO_ERROR && a != nullptr) {
        if (a->cnt > 0) partitions = a->cnt;
        rd_kafka_topic_partition_list_destroy(a);
      }
    }
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (++eofs >= partitions && partitions > 0 && n > 0) {
        rd_kafka_message_destroy(m);
        break;
      }
    } else if (!m->err) {
      on_value(static_cast<const char*>(m->payload), m->len);
      ++n;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return n;
}

int Serve(int brokers, const std::vector<std::string>& topics) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  rd_kafka_mock_cluster_t* mc = rk ? rd_kafka_mock_cluster_new(rk, brokers) : nullptr;
  if (mc == nullptr) {
    std::cerr << "accord-kafka-mock: cannot start the mock cluster\n";
    return 1;
  }
  for (const std::string& t : topics) {
    const size_t colon = t.rfind(':');
    const std::string name = t.substr(0, colon);
    const int partitions = colon == std::string::npos ? 1 : std::stoi(t.substr(colon + 1));
    if (rd_kafka_mock_topic_create(mc, name.c_str(), partitions, std::min(3, brokers)) != 0) {
      std::cerr << "accord-kafka-mock: cannot create topic " << name << "\n";
      return 1;
    }
  }
  std::cout << "bootstraps " << rd_kafka_mock_cluster_bootstraps(mc) << std::endl;
  while (!g_stop) usleep(100000);
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}

// Creates `topic` (replication 3, or the cluster's brokers if fewer) unless it
// exists; a real cluster with auto.create.topics.enable=false needs it. The
// mock cluster does not serve CreateTopics: there, create topics with serve.
bool CreateTopic(const std::string& brokers, const std::string& topic, int partitions) {
  rd_kafka_t* rk = NewClient(RD_KAFKA_PRODUCER, brokers, "");
  char err[512];
  rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(topic.c_str(), partitions, 3, err, sizeof(err));
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &t, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
  rd_kafka_resp_err_t result = ev == nullptr ? RD_KAFKA_RESP_ERR__TIMED_OUT : rd_kafka_event_error(ev);
  if (ev != nullptr && !result) {
    size_t n = 0;
    const rd_kafka_topic_result_t** r =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    if (n == 1) result = rd_kafka_topic_result_error(r[0]);
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(t);
  rd_kafka_destroy(rk);
  if (result && result != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    std::cerr << "accord-kafka-mock: creating topic " << topic << ": " << rd_kafka_err2str(result) << "\n";
    return false;
  }
  return true;
}

int Raw(const std::string& brokers, const std::string& from_topic, const std::string& topic, size_t records,
        int create_partitions) {
  if (create_partitions > 0 && !CreateTopic(brokers, topic, create_partitions)) return 1;
  std::vector<std::string> values;
  ConsumeAll(brokers, from_topic, "accord-kafka-mock-sample", records,
             [&](const char* p, size_t n) { values.emplace_back(p, n); });
  if (values.empty()) {
    std::cerr << "accord-kafka-mock: no messages in " << from_topic << "\n";
    return 1;
  }
  size_t bytes = 0;
  for (const auto& v : values) bytes += v.size();
  rd_kafka_t* producer = NewClient(RD_KAFKA_PRODUCER, brokers, "");
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < records; ++i) {
    const std::string& v = values[i % values.size()];
    const std::string key = std::to_string(i);
    while (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_KEY(key.data(), key.size()),
                             RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()),
                             RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer, 1);
    }
  }
  rd_kafka_flush(producer, 120000);
  const double produce_s = Seconds(start);
  rd_kafka_destroy(producer);
  const auto consume_start = std::chrono::steady_clock::now();
  const size_t consumed = ConsumeAll(brokers, topic, "accord-kafka-mock-raw", records, [](const char*, size_t) {});
  const double consume_s = Seconds(consume_start);
  nlohmann::json report = {{"records", records},
                           {"distinct_values", values.size()},
                           {"mean_value_bytes", static_cast<double>(bytes) / values.size()},
                           {"produced_per_second", records / produce_s},
                           {"consumed", consumed},
                           {"consumed_per_second", consumed / consume_s},
                           {"produce_then_consume_per_second", consumed / (produce_s + consume_s)}};
  std::cout << report.dump() << "\n";
  return consumed == records ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"librdkafka's mock Kafka cluster as a process (loopback; for load tests and development)"};
  app.footer("Exit codes: 0 done; 1 error; 2 usage error.");
  app.require_subcommand(1);
  accord::ops::AddVersionFlag(app, "accord-kafka-mock");
  auto* serve = app.add_subcommand("serve", "Run a mock cluster until SIGTERM; prints 'bootstraps LIST'");
  int brokers = 3;
  std::vector<std::string> topics;
  serve->add_option("--brokers", brokers, "Brokers (default 3)")->check(CLI::Range(1, 9));
  serve->add_option("--topic", topics, "Create NAME:PARTITIONS (repeatable)");
  auto* raw = app.add_subcommand("raw", "Raw librdkafka produce+consume throughput with a topic's record bytes");
  std::string bootstrap, from_topic = "accord.ingest", topic = "raw";
  size_t records = 20000;
  raw->add_option("--bootstrap", bootstrap, "The cluster (from 'serve')")->required();
  raw->add_option("--from-topic", from_topic, "Topic whose message values are replayed (default accord.ingest)");
  raw->add_option("--topic", topic, "Topic to produce to and consume from (create it with serve)");
  raw->add_option("--records", records, "Messages to produce and consume (default 20000)")
      ->check(CLI::Range(size_t{1}, size_t{10000000}));
  int create_partitions = 0;
  raw->add_option("--create-partitions", create_partitions,
                  "Create --topic with this many partitions first (real clusters; default: do not)")
      ->check(CLI::Range(1, 1000));
  if (auto rc = accord::ops::ParseCommandLine(app, argc, argv)) return *rc;
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  if (*serve) return Serve(brokers, topics);
  return Raw(bootstrap, from_topic, topic, records, create_partitions);
}
