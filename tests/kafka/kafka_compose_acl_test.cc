// Three Apache Kafka brokers started with exactly the settings of
// deploy/kafka/compose.yaml (scripts/kafka/compose_brokers.py: the same cluster
// id, listeners, TLS on every listener, StandardAuthorizer, log.dirs on the data
// volume; host names and ports mapped to loopback), certificates from
// deploy/kafka/make-kafka-certs.sh, and the ACL grants of OPERATIONS.md. A hub
// works through them; recipient A's certificate reads A's feed topic but not
// B's; no agency's certificate reads the ingest, journal or quarantine topics.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "hub_fixture.h"
#include "hub_process.h"
#include "real_cluster.h"
#include "test_support.h"

namespace accord::testing {
namespace {

constexpr char kOtherRecipient[] = "other-recipient";

class ComposeCluster : public KafkaHubBase {
 protected:
  void SetUp() override {
    certs_ = dir_.path() + "/certs";
    cluster_dir_ = dir_.path() + "/cluster";
    std::string out;
    ASSERT_EQ(RunShell(absl::StrCat("CERTS_DIR=", certs_, " bash ", ACCORD_DEPLOY_KAFKA,
                                    "/make-kafka-certs.sh kafka1 kafka2 kafka3 admin hub ", kAnalyst, " ",
                                    kOtherRecipient, " ", kPolice, " 2>&1"),
                       &out),
              0)
        << out;
    out.clear();
    ASSERT_EQ(RunShell(absl::StrCat("/usr/bin/python3 ", ACCORD_COMPOSE_BROKERS, " ", ACCORD_DEPLOY_KAFKA,
                                    "/compose.yaml ", cluster_dir_, " --bind ./certs=", certs_, " 2>&1"),
                       &out),
              0)
        << out;
    started_ = true;
    bootstraps_ = RealCluster::Start(cluster_dir_);
    ASSERT_FALSE(bootstraps_.empty());
  }
  void TearDown() override {
    if (started_) RealCluster::Stop(cluster_dir_);
  }

  // librdkafka properties for `name`'s certificate.
  std::vector<std::pair<std::string, std::string>> Tls(const std::string& name) const {
    return {{"security.protocol", "ssl"},
            {"ssl.ca.location", certs_ + "/ca.crt"},
            {"ssl.certificate.location", certs_ + "/" + name + ".crt"},
            {"ssl.key.location", certs_ + "/" + name + ".key"}};
  }

  rd_kafka_t* Client(rd_kafka_type_t type, const std::string& principal, const std::string& group = "") const {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps_.c_str(), err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    for (const auto& [k, v] : Tls(principal)) {
      EXPECT_EQ(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)), RD_KAFKA_CONF_OK) << err;
    }
    if (!group.empty()) {
      rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof(err));
      rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
      rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof(err));
    }
    rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
    EXPECT_NE(rk, nullptr) << err;
    return rk;
  }

  // The grants OPERATIONS.md lists, made with the operator's admin certificate.
  void Grant(const std::string& principal, rd_kafka_ResourceType_t type, const std::string& name,
             rd_kafka_ResourcePatternType_t pattern, std::vector<rd_kafka_AclOperation_t> ops) {
    rd_kafka_t* rk = Client(RD_KAFKA_PRODUCER, "admin");
    std::vector<rd_kafka_AclBinding_t*> bindings;
    char err[512];
    for (rd_kafka_AclOperation_t op : ops) {
      bindings.push_back(rd_kafka_AclBinding_new(type, name.c_str(), pattern, ("User:CN=" + principal).c_str(), "*",
                                                 op, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, err, sizeof(err)));
      ASSERT_NE(bindings.back(), nullptr) << err;
    }
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_CreateAcls(rk, bindings.data(), bindings.size(), nullptr, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
    ASSERT_NE(ev, nullptr);
    EXPECT_EQ(rd_kafka_event_error(ev), 0) << rd_kafka_event_error_string(ev);
    size_t n = 0;
    const rd_kafka_acl_result_t** results =
        rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      const rd_kafka_error_t* e = rd_kafka_acl_result_error(results[i]);
      EXPECT_EQ(e, nullptr) << (e ? rd_kafka_error_string(e) : "");
    }
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    for (auto* b : bindings) rd_kafka_AclBinding_destroy(b);
    rd_kafka_destroy(rk);
  }

  void CreateTopic(const std::string& topic) {
    rd_kafka_t* rk = Client(RD_KAFKA_PRODUCER, "admin");
    char err[512];
    rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(topic.c_str(), 1, 3, err, sizeof(err));
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &t, 1, nullptr, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
    ASSERT_NE(ev, nullptr);
    size_t n = 0;
    const rd_kafka_topic_result_t** r = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(rd_kafka_topic_result_error(r[0]), 0) << rd_kafka_topic_result_error_string(r[0]);
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(t);
    // One message, so that a reader allowed in has something to read.
    ASSERT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_VALUE(const_cast<char*>("x"), 1),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              0);
    EXPECT_EQ(rd_kafka_flush(rk, 30000), 0);
    rd_kafka_destroy(rk);
  }

  struct ReadResult {
    size_t messages = 0;
    rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  };
  // Reads `topic` from the start as `principal` (subscribed, group
  // <principal>.reader), until `expect` messages, an error other than the end
  // of a partition, or 20 s; with nothing read and no error, the error the
  // brokers' metadata gives this principal for the topic.
  ReadResult Read(const std::string& principal, const std::string& topic, size_t expect, int seconds = 20) {
    ReadResult result;
    rd_kafka_t* rk = Client(RD_KAFKA_CONSUMER, principal, principal + ".reader");
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (result.messages < expect && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
      if (m == nullptr) continue;
      if (!m->err) {
        ++result.messages;
      } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        result.error = m->err;
        rd_kafka_message_destroy(m);
        break;
      }
      rd_kafka_message_destroy(m);
    }
    if (result.messages == 0 && result.error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Nothing read and no error on the consumer: what the brokers say about
      // the topic to this principal.
      const rd_kafka_metadata_t* md = nullptr;
      rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
      if (rd_kafka_metadata(rk, 0, t, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (md->topic_cnt == 1) result.error = md->topics[0].err;
        rd_kafka_metadata_destroy(md);
      }
      rd_kafka_topic_destroy(t);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return result;
  }

  std::string certs_;
  std::string cluster_dir_;
  bool started_ = false;
};

TEST_F(ComposeCluster, RecipientsReadOnlyTheirOwnFeedTopicAndNoAgencyReadsInternalTopics) {
  // OPERATIONS.md, "ACLs": the hub owns the accord.* topics and groups.
  Grant("hub", RD_KAFKA_RESOURCE_TOPIC, "accord", RD_KAFKA_RESOURCE_PATTERN_PREFIXED, {RD_KAFKA_ACL_OPERATION_ALL});
  Grant("hub", RD_KAFKA_RESOURCE_GROUP, "accord", RD_KAFKA_RESOURCE_PATTERN_PREFIXED, {RD_KAFKA_ACL_OPERATION_ALL});
  Grant("hub", RD_KAFKA_RESOURCE_BROKER, "kafka-cluster", RD_KAFKA_RESOURCE_PATTERN_LITERAL,
        {RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE});
  // Each recipient reads its own feed topic, in groups named after it.
  // The publisher may consume groups named after it (it has no topic to read):
  // so a denial below is the topic's ACL, not a missing group grant.
  Grant(kPolice, RD_KAFKA_RESOURCE_GROUP, kPolice, RD_KAFKA_RESOURCE_PATTERN_PREFIXED, {RD_KAFKA_ACL_OPERATION_READ});
  for (const std::string recipient : {kAnalyst, kOtherRecipient}) {
    Grant(recipient, RD_KAFKA_RESOURCE_TOPIC, "accord.feed." + recipient, RD_KAFKA_RESOURCE_PATTERN_LITERAL,
          {RD_KAFKA_ACL_OPERATION_READ, RD_KAFKA_ACL_OPERATION_DESCRIBE});
    Grant(recipient, RD_KAFKA_RESOURCE_GROUP, recipient, RD_KAFKA_RESOURCE_PATTERN_PREFIXED,
          {RD_KAFKA_ACL_OPERATION_READ});
  }
  CreateTopic(std::string("accord.feed.") + kOtherRecipient);

  // A hub through TLS and the ACLs, as hub.kafka.yaml configures it.
  std::string tls;
  for (const auto& [k, v] : Tls("hub")) tls += absl::StrCat("    ", k, ": ", v, "\n");
  WriteConfig(bootstraps_, "accord", 30000, tls);
  HubProcess hub;
  ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, Args()));
  SubmitAgreement(hub.port());
  std::atomic<bool> never{false};
  PublishUntil(hub.port(), never, 0, 300, 20);
  ASSERT_GE(Acked(), 300u);
  ExpectExactlyOnceAndVerifiedLedger(hub.port());

  // The analyst reads its feed topic (once the mirror has caught up).
  // The mirror lease is a consumer-group assignment: on real brokers the
  // topic may appear some seconds after the records were acknowledged.
  ReadResult own;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  for (;;) {
    own = Read(kAnalyst, FeedTopic(), Acked());
    if (own.messages >= Acked() || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  EXPECT_EQ(own.error, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(own.error);
  EXPECT_GE(own.messages, Acked());
  // The other recipient reads its own (the grant works) ...
  ReadResult other = Read(kOtherRecipient, std::string("accord.feed.") + kOtherRecipient, 1);
  EXPECT_EQ(other.messages, 1u) << rd_kafka_err2str(other.error);
  // ... but not the analyst's, nor the analyst the other's.
  const ReadResult cross1 = Read(kOtherRecipient, FeedTopic(), 1, 6);
  EXPECT_EQ(cross1.messages, 0u);
  EXPECT_EQ(cross1.error, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) << rd_kafka_err2str(cross1.error);
  const ReadResult cross2 = Read(kAnalyst, std::string("accord.feed.") + kOtherRecipient, 1, 6);
  EXPECT_EQ(cross2.messages, 0u);
  EXPECT_EQ(cross2.error, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) << rd_kafka_err2str(cross2.error);
  // No agency, publisher or recipient, reads the hub's internal topics.
  for (const std::string agency : {kPolice, kAnalyst, kOtherRecipient}) {
    for (const char* topic : {"accord.ingest", "accord.journal", "accord.quarantine"}) {
      const ReadResult r = Read(agency, topic, 1, 6);
      EXPECT_EQ(r.messages, 0u) << agency << " read " << topic;
      EXPECT_EQ(r.error, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
          << agency << " reading " << topic << ": " << rd_kafka_err2str(r.error);
    }
  }
  EXPECT_EQ(hub.Terminate(30), 0);
}

}  // namespace
}  // namespace accord::testing
