// A real Apache Kafka cluster (3 KRaft broker+controller nodes on loopback,
// scripts/kafka.sh) for the tests. ctest starts one per run (the fixture
// kafka_cluster, tests/kafka/CMakeLists.txt) and passes its directory in
// ACCORD_KAFKA_CLUSTER_DIR; the tests share it, each under its own topic prefix
// and consumer groups, and leave every node running when they finish.
// Thread safety: none; use from the test thread.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"

namespace accord::testing {

// Runs a shell command; returns its exit status and standard output.
inline int RunShell(const std::string& command, std::string* out = nullptr) {
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
    if (out != nullptr) out->append(buf, n);
  }
  return pclose(p);
}

class RealCluster {
 public:
  // The cluster of this ctest run; fails the test (empty bootstraps) if none.
  RealCluster() {
    const char* dir = std::getenv("ACCORD_KAFKA_CLUSTER_DIR");
#ifdef ACCORD_KAFKA_CLUSTER_DIR_DEFAULT
    if (dir == nullptr || *dir == '\0') dir = ACCORD_KAFKA_CLUSTER_DIR_DEFAULT;
#endif
    if (dir == nullptr || *dir == '\0') {
      ADD_FAILURE() << "ACCORD_KAFKA_CLUSTER_DIR is not set: run through ctest (fixture kafka_cluster), "
                       "or start one with scripts/kafka.sh start DIR and export it";
      return;
    }
    dir_ = dir;
    std::ifstream in(dir_ + "/bootstrap");
    std::getline(in, bootstraps_);
    if (bootstraps_.empty()) ADD_FAILURE() << dir_ << "/bootstrap is empty: the cluster did not start";
  }
  // A cluster in `dir` whose configs exist (e.g. from compose_brokers.py): starts it.
  static std::string Start(const std::string& dir) {
    std::string out;
    const int rc = RunShell(absl::StrCat("bash ", KafkaSh(), " start ", dir, " 2>&1"), &out);
    EXPECT_EQ(rc, 0) << out;
    return std::string(absl::StripAsciiWhitespace(out.substr(out.rfind('\n', out.size() - 2) + 1)));
  }
  static void Stop(const std::string& dir) { RunShell(absl::StrCat("bash ", KafkaSh(), " stop ", dir)); }

  const std::string& bootstraps() const { return bootstraps_; }
  const std::string& dir() const { return dir_; }

  // SIGKILL one node (1..3); its data stays on disk.
  void Kill(int node) {
    std::string out;
    EXPECT_EQ(RunShell(absl::StrCat("bash ", KafkaSh(), " kill ", dir_, " ", node, " 2>&1"), &out), 0) << out;
  }
  // Starts a killed node again on its data and waits until it runs.
  void Restart(int node) {
    std::string out;
    EXPECT_EQ(RunShell(absl::StrCat("bash ", KafkaSh(), " restart ", dir_, " ", node, " 2>&1"), &out), 0)
        << out;
  }
  // Every node running (a test that killed one and failed midway must not
  // leave the next test a degraded cluster).
  // Running is not enough: a restarted node takes a while to register with
  // the controller, and until every broker is in the cluster's metadata a
  // topic with 3 replicas cannot be created (a hub started then waits on
  // Kafka past its test's start budget). So this also waits, up to 2 min,
  // until the metadata lists all three.
  void EnsureAllUp() {
    for (int node = 1; node <= 3; ++node) Restart(node);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    int brokers = 0;
    while ((brokers = BrokersInMetadata()) < 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_EQ(brokers, 3) << "the cluster's metadata lists " << brokers << " of its 3 brokers";
  }
  // How many brokers the cluster's metadata lists (registered and unfenced).
  int BrokersInMetadata() const {
    rd_kafka_t* rk = Client();
    const rd_kafka_metadata_t* md = nullptr;
    int n = 0;
    if (rd_kafka_metadata(rk, 0, nullptr, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      n = md->broker_cnt;
      rd_kafka_metadata_destroy(md);
    }
    rd_kafka_destroy(rk);
    return n;
  }
  // The node leading the KRaft metadata quorum (the active controller), or -1.
  // Asks the controllers (a JVM tool; retried, since a loaded machine or a
  // quorum mid-election can fail one attempt).
  int QuorumLeader() {
    for (int attempt = 0; attempt < 5; ++attempt) {
      std::string out;
      RunShell(absl::StrCat("bash ", KafkaSh(), " quorum-leader ", dir_, " 2>/dev/null"), &out);
      if (std::atoi(out.c_str()) > 0) return std::atoi(out.c_str());
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return -1;
  }

  // Leader and in-sync replicas of one partition, from broker metadata.
  struct PartitionState {
    int leader = -1;
    std::vector<int> isr;
  };
  PartitionState Partition(const std::string& topic, int partition) const {
    PartitionState state;
    rd_kafka_t* rk = Client();
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    if (rd_kafka_metadata(rk, 0, t, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < md->topic_cnt; ++i) {
        for (int p = 0; p < md->topics[i].partition_cnt; ++p) {
          const auto& pm = md->topics[i].partitions[p];
          if (pm.id != partition) continue;
          state.leader = pm.leader;
          state.isr.assign(pm.isrs, pm.isrs + pm.isr_cnt);
        }
      }
      rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(t);
    rd_kafka_destroy(rk);
    return state;
  }

  // Sets topic configs (AlterConfigs: Debian's librdkafka 2.0 has no incremental
  // variant, so the topic's other dynamic configs return to the broker defaults).
  void SetTopicConfig(const std::string& topic, const std::map<std::string, std::string>& configs) const {
    rd_kafka_t* rk = Client();
    rd_kafka_ConfigResource_t* res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    for (const auto& [k, v] : configs) {
      EXPECT_EQ(rd_kafka_ConfigResource_set_config(res, k.c_str(), v.c_str()), RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_AlterConfigs(rk, &res, 1, nullptr, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ(rd_kafka_event_error(ev), RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_event_error_string(ev);
    const auto* result = rd_kafka_event_AlterConfigs_result(ev);
    size_t n = 0;
    const rd_kafka_ConfigResource_t** rs = rd_kafka_AlterConfigs_result_resources(result, &n);
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(rd_kafka_ConfigResource_error(rs[i]), 0);
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy(res);
    rd_kafka_destroy(rk);
  }

  // The low and high watermarks of a partition.
  std::pair<int64_t, int64_t> Watermarks(const std::string& topic, int partition) const {
    rd_kafka_t* rk = Client();
    int64_t lo = -1, hi = -1;
    rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &lo, &hi, 10000);
    rd_kafka_destroy(rk);
    return {lo, hi};
  }

  static std::string KafkaSh() {
    const char* s = std::getenv("ACCORD_KAFKA_SH");
    if (s != nullptr && *s != '\0') return s;
#ifdef ACCORD_KAFKA_SH_DEFAULT
    return ACCORD_KAFKA_SH_DEFAULT;
#else
    return "scripts/kafka.sh";
#endif
  }

 private:
  rd_kafka_t* Client() const {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps_.c_str(), err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    return rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  }

  std::string dir_;
  std::string bootstraps_;
};

}  // namespace accord::testing
