// What a Kafka hub process tells load balancers, on real Apache Kafka (the
// ctest cluster, scripts/kafka.sh): /readyz (plain HTTP on the metrics port)
// and grpc.health.v1 per service.
//   - Every node frozen (SIGSTOP: no broker answers, as in a network
//     partition; killing all three would leave KRaft without a quorum to
//     restart one node at a time): the process reports itself not ready
//     ("kafka: no broker has answered"), Ingest and Agreement NOT_SERVING,
//     and ready again by itself once the nodes run again (SIGCONT).
//   - The journal's first entries deleted (DeleteRecords, as retention would)
//     before a new process read them: it cannot build the shared ledger, so
//     Feed, Agreement and Audit turn NOT_SERVING and /readyz names the journal.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "accord/v1/audit_service.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "hub_fixture.h"
#include "hub_process.h"
#include "real_cluster.h"
#include "real_cluster_hub_test.h"
#include "test_support.h"

namespace accord::testing {
namespace {

// The grpc.health.v1 status byte of `service` ("" = the whole server):
// 1 SERVING, 2 NOT_SERVING, 0 on error.
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service = "") {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  // HealthCheckRequest{service}: field 1, length-delimited.
  std::string request;
  if (!service.empty()) request = absl::StrCat(std::string(1, '\x0a'), std::string(1, static_cast<char>(service.size())), service);
  grpc::Slice slice(request);
  grpc::ByteBuffer req(&slice, 1), resp;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &req, &resp, [&](grpc::Status s) {
    std::lock_guard<std::mutex> lock(mu);
    status = std::move(s);
    done = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  std::vector<grpc::Slice> slices;
  if (!status.ok() || !resp.Dump(&slices).ok()) return 0;
  std::string body;
  for (const grpc::Slice& sl : slices) body.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  return body.size() == 2 && body[0] == '\x08' ? body[1] : 0;
}

// A loopback TCP port free at the time of the call.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

struct Readyz {
  int status = 0;
  std::string body;
};

class KafkaReadinessTest : public RealClusterHubTest {
 protected:
  void SetUp() override {
    SetUpCluster();
    ShareKeys();
  }
  void TearDown() override {
    for (int node = 1; node <= 3; ++node) Signal(node, SIGCONT);
    cluster_.EnsureAllUp();
  }

  // Sends `sig` to cluster node `node` (1..3).
  void Signal(int node, int sig) {
    std::ifstream pidfile(absl::StrCat(cluster_.dir(), "/node-", node, "/pid"));
    pid_t pid = 0;
    if (pidfile >> pid && pid > 0) kill(pid, sig);
  }

  // Polls the grpc.health.v1 status of `service` until it is `want` (at most `seconds`).
  static int WaitHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service, int want,
                        int seconds = 10) {
    int status = HealthStatus(channel, service);
    for (int i = 0; i < seconds * 10 && status != want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      status = HealthStatus(channel, service);
    }
    return status;
  }

  std::vector<std::string> ArgsWithMetrics(const std::string& data, const std::string& instance, int metrics_port) {
    std::vector<std::string> args = Args(data, instance);
    for (size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == "--metrics-listen") args[i + 1] = absl::StrCat("127.0.0.1:", metrics_port);
    }
    return args;
  }

  static Readyz GetReadyz(int metrics_port) {
    httplib::Client client("127.0.0.1", metrics_port);
    client.set_connection_timeout(3);
    client.set_read_timeout(5);
    auto res = client.Get("/readyz");
    if (!res) return {};
    return {res->status, res->body};
  }

  // Polls /readyz until its status is `want` (at most `seconds`).
  static Readyz WaitReadyz(int metrics_port, int want, int seconds) {
    Readyz r;
    for (int i = 0; i < seconds * 4; ++i) {
      r = GetReadyz(metrics_port);
      if (r.status == want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return r;
  }

};

TEST_F(KafkaReadinessTest, NoBrokerAnsweringMakesTheProcessUnreadyUntilTheyAreBack) {
  const int metrics = FreePort();
  HubProcess hub;
  ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, ArgsWithMetrics("data", "hub-a", metrics)));
  Readyz r = WaitReadyz(metrics, 200, 30);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "ready\n");
  auto channel = AgencyChannel(dir_.path(), hub.port(), kAnalyst);
  EXPECT_EQ(HealthStatus(channel, "accord.v1.IngestService"), 1);

  // While it is up, publish->delivery is timed on Kafka too (from each
  // message's create time to its outcome in the journal).
  SubmitAgreement(hub.port());
  std::atomic<bool> never{false};
  PublishUntil(hub.port(), never, 0, 100, 0);
  uint64_t timed = 0;
  for (int i = 0; i < 120 && timed < Acked(); ++i) {
    httplib::Client client("127.0.0.1", metrics);
    auto res = client.Get("/metrics");
    const std::string key = "accord_publish_delivery_seconds_count ";
    if (res && res->status == 200) {
      const size_t at = res->body.find(key);
      if (at != std::string::npos) timed = std::stoull(res->body.substr(at + key.size()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_GT(Acked(), 0u);
  EXPECT_EQ(timed, Acked()) << "accord_publish_delivery_seconds observed every acknowledged record";

  for (int node = 1; node <= 3; ++node) Signal(node, SIGSTOP);
  r = WaitReadyz(metrics, 503, 60);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_TRUE(absl::StrContains(r.body, "kafka: no broker has answered")) << r.body;
  EXPECT_EQ(WaitHealth(channel, "accord.v1.IngestService", 2), 2) << "Ingest NOT_SERVING";
  EXPECT_EQ(WaitHealth(channel, "accord.v1.AgreementService", 2), 2) << "Agreement NOT_SERVING";
  EXPECT_EQ(WaitHealth(channel, "", 2), 2) << "the whole server is not ready";
  EXPECT_EQ(HealthStatus(channel, "accord.v1.AuditService"), 1) << "Audit still answers";

  for (int node = 1; node <= 3; ++node) Signal(node, SIGCONT);
  r = WaitReadyz(metrics, 200, 120);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(WaitHealth(channel, "accord.v1.IngestService", 1), 1);
  EXPECT_EQ(hub.Terminate(30), 0);
}

// A process whose next journal entries the topic no longer holds (retention
// shorter than its downtime, or a new process after entries aged out) cannot
// build the shared ledger: it says so, and load balancers route around it.
TEST_F(KafkaReadinessTest, AProcessThatMissedDeletedJournalEntriesStopsServing) {
  {
    HubProcess a;
    ASSERT_TRUE(a.Start(ACCORD_HUB_BINARY, Args("data-a", "hub-a")));
    SubmitAgreement(a.port());  // key events and the agreement: journal entries
    EXPECT_EQ(a.Terminate(30), 0);
  }
  // Delete every journal entry written so far (what retention does).
  const std::string journal = prefix_ + ".journal";
  {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", cluster_.bootstraps().c_str(), err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    ASSERT_NE(rk, nullptr) << err;
    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(offsets, journal.c_str(), 0)->offset = RD_KAFKA_OFFSET_END;
    rd_kafka_DeleteRecords_t* del = rd_kafka_DeleteRecords_new(offsets);
    rd_kafka_topic_partition_list_destroy(offsets);
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
    rd_kafka_DeleteRecords(rk, &del, 1, nullptr, queue);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 30000);
    ASSERT_NE(ev, nullptr) << "DeleteRecords answered";
    EXPECT_EQ(rd_kafka_event_error(ev), RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_event_error_string(ev);
    const rd_kafka_DeleteRecords_result_t* result = rd_kafka_event_DeleteRecords_result(ev);
    ASSERT_NE(result, nullptr);
    const rd_kafka_topic_partition_list_t* done = rd_kafka_DeleteRecords_result_offsets(result);
    ASSERT_EQ(done->cnt, 1);
    EXPECT_EQ(done->elems[0].err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(done->elems[0].err);
    EXPECT_GT(done->elems[0].offset, 0) << "the low watermark moved past the entries";
    rd_kafka_event_destroy(ev);
    rd_kafka_DeleteRecords_destroy(del);
    rd_kafka_queue_destroy(queue);
    rd_kafka_destroy(rk);
  }
  const int metrics = FreePort();
  HubProcess b;
  ASSERT_TRUE(b.Start(ACCORD_HUB_BINARY, ArgsWithMetrics("data-b", "hub-b", metrics)));
  auto channel = AgencyChannel(dir_.path(), b.port(), kAnalyst);
  EXPECT_EQ(WaitHealth(channel, "accord.v1.AuditService", 2, 20), 2) << "Audit NOT_SERVING expected";
  EXPECT_EQ(HealthStatus(channel, "accord.v1.FeedService"), 2);
  EXPECT_EQ(HealthStatus(channel, "accord.v1.IngestService"), 1) << "records still go to Kafka";
  Readyz r = GetReadyz(metrics);
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(absl::StrContains(r.body, "journal: this process missed entries")) << r.body;
  auto stub = v1::AuditService::NewStub(channel);
  grpc::ClientContext ctx;
  v1::SignedTreeHead sth;
  ASSERT_TRUE(stub->GetTreeHead(&ctx, v1::GetTreeHeadRequest(), &sth).ok());
  EXPECT_EQ(sth.tree_size(), 0u) << "applied a journal with a hole";
  EXPECT_EQ(b.Terminate(30), 0);
}

}  // namespace
}  // namespace accord::testing
