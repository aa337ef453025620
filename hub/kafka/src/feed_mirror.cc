#include "accord/hub/kafka/feed_mirror.h"

#include <atomic>
#include <limits>
#include <set>
#include <thread>

#include "accord/hub/core/meta_keys.h"
#include "accord/hub/core/thread_name.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "accord/v1/feed_service.pb.h"
#include "rdkafka.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"
#include "spdlog/spdlog.h"
#include "topics.h"

namespace accord::hub {
namespace {

constexpr const auto& kPositionPrefix = meta_keys::kKafkaFeedPositionPrefix;
constexpr size_t kMaxBatch = 5000;
constexpr int kMaxProducerBatchBytes = 256 * 1024;

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  if (msg->err) {
    static_cast<std::atomic<int>*>(opaque)->fetch_add(1);
  }
}

// The mirror lease: whichever hub process the group <group>.feed-mirror
// assigns the journal's partition mirrors. Partitions are paused at once: the
// lease is the group membership, no message is read.
void OnLeaseRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                      void* opaque) {
  auto* leader = static_cast<std::atomic<int>*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk, partitions);
    rd_kafka_pause_partitions(rk, partitions);
    // 2: leader, position not yet read back from the topics.
    leader->store(partitions->cnt > 0 ? 2 : 0);
  } else {
    rd_kafka_assign(rk, nullptr);
    leader->store(0);
  }
}

}  // namespace

struct FeedMirror::Impl {
  explicit Impl(FeedStore::Reader r) : feed_reader(std::move(r)) {}

  KafkaConfig config;
  HubDb* db = nullptr;
  FeedStore::Reader feed_reader;  // the mirror thread's
  HeadsFn heads;
  absl::Duration interval;
  kafka::KafkaPtr producer;
  kafka::KafkaPtr lease;   // consumer whose group membership is the mirror lease
  kafka::KafkaPtr reader;  // reads the last message of a feed topic on takeover
  std::atomic<int> leader{0};  // 0: not the mirror; 1: the mirror; 2: just became it
  std::atomic<int> failed{0};
  std::set<std::string> topics_ready;
  mutable absl::Mutex mu;
  std::map<std::string, uint64_t> mirrored ABSL_GUARDED_BY(mu);
  absl::Mutex stop_mu;
  bool stopping ABSL_GUARDED_BY(stop_mu) = false;
  std::thread thread;

  uint64_t Mirrored(const std::string& recipient) {
    {
      absl::MutexLock lock(&mu);
      if (auto it = mirrored.find(recipient); it != mirrored.end()) return it->second;
    }
    // A recipient whose feed began after the takeover.
    const uint64_t position = Stored(recipient);
    absl::MutexLock lock(&mu);
    mirrored[recipient] = position;
    return position;
  }

  // Mirrors up to kMaxBatch entries after `from`; returns the new position.
  absl::StatusOr<uint64_t> MirrorBatch(const std::string& recipient, uint64_t from, uint64_t head) {
    const std::string topic = config.feed_topic(recipient);
    if (!topics_ready.count(topic)) {
      if (auto s = kafka::EnsureTopic(producer.get(), topic, 1, config.replication_factor); !s.ok()) return s;
      topics_ready.insert(topic);
    }
    const uint64_t last = std::min<uint64_t>(head, from + kMaxBatch);
    failed.store(0);
    v1::Delivery delivery;
    std::string value;
    absl::Status produced;
    auto read = feed_reader.Read(recipient, from, last, std::numeric_limits<size_t>::max(),
                            [&](uint64_t position, std::string_view plain) {
      delivery.Clear();
      if (!delivery.mutable_record()->ParseFromArray(plain.data(), static_cast<int>(plain.size()))) {
        produced = absl::DataLossError(absl::StrCat("feed entry ", position, " of ", recipient, " does not parse"));
        return false;
      }
      delivery.set_position(position);
      value.clear();
      delivery.SerializeToString(&value);
      const std::string& key = delivery.record().delivery_id();
      const std::string pos = absl::StrCat(position);
      rd_kafka_resp_err_t err;
      while ((err = rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                      RD_KAFKA_V_KEY(key.data(), key.size()),
                                      RD_KAFKA_V_VALUE(value.data(), value.size()),
                                      RD_KAFKA_V_HEADER("accord-position", pos.data(),
                                                        static_cast<ssize_t>(pos.size())),
                                      RD_KAFKA_V_HEADER("accord-schema", "accord.v1.Delivery", -1),
                                      RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(producer.get(), 10);
      }
      if (err) {
        produced = kafka::FromKafka(err, "queueing a feed record");
        return false;
      }
      return true;
    });
    if (!produced.ok()) return produced;
    if (!read.ok()) return read.status();
    uint64_t position = last;  // every entry up to `last` was read (positions may have no entry: erased)
    if (rd_kafka_flush(producer.get(), config.message_timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        failed.load() > 0) {
      return absl::UnavailableError(absl::StrCat("Kafka did not store the feed batch of ", recipient));
    }
    rocksdb::WriteBatch wb;
    wb.Put(db->cf(HubDb::kMeta), absl::StrCat(kPositionPrefix, recipient), EncodeU64(position));
    if (auto s = db->Write(&wb); !s.ok()) return s;
    return position;
  }

  // The last position in `recipient`'s feed topic (0 if it holds none).
  absl::StatusOr<uint64_t> LastPositionInTopic(const std::string& recipient) {
    const std::string topic = config.feed_topic(recipient);
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(reader.get(), topic.c_str(), 0, &low, &high, 5000);
    if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
        err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
      return 0;
    }
    if (err) return kafka::FromKafka(err, absl::StrCat("reading the end of ", topic));
    if (high <= low) return Stored(recipient);  // empty (or all past retention): our own record
    kafka::PartitionListPtr at(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(at.get(), topic.c_str(), 0)->offset = high - 1;
    if (auto e = rd_kafka_assign(reader.get(), at.get())) return kafka::FromKafka(e, "reading a feed topic");
    absl::StatusOr<uint64_t> result = absl::UnavailableError(absl::StrCat("no answer reading the end of ", topic));
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      kafka::MessagePtr msg(rd_kafka_consumer_poll(reader.get(), 100));
      if (!msg || msg->err || msg->offset != high - 1) continue;
      const void* value = nullptr;
      size_t size = 0;
      rd_kafka_headers_t* headers = nullptr;
      uint64_t position = 0;
      if (rd_kafka_message_headers(msg.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          rd_kafka_header_get_last(headers, "accord-position", &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          absl::SimpleAtoi(absl::string_view(static_cast<const char*>(value), size), &position)) {
        result = position;
      } else {
        result = absl::DataLossError(absl::StrCat("the last message of ", topic, " has no accord-position header"));
      }
      break;
    }
    rd_kafka_assign(reader.get(), nullptr);
    return result;
  }

  uint64_t Stored(const std::string& recipient) {
    // Unreadable: mirror from the start (the topic may then hold a position
    // twice; consumers de-duplicate by delivery id).
    return db->GetU64(HubDb::kMeta, absl::StrCat(kPositionPrefix, recipient)).value_or(0);
  }

  void Run() {
    bool warned = false;
    for (;;) {
      {
        absl::MutexLock lock(&stop_mu);
        if (stop_mu.AwaitWithTimeout(absl::Condition(&stopping), interval)) return;
      }
      // Serves the lease's group protocol; the paused partition yields no messages.
      kafka::MessagePtr(rd_kafka_consumer_poll(lease.get(), 0));
      if (leader.load() == 0) continue;
      if (leader.load() == 2) {
        // Taking over: go on from what the topic holds (another process may
        // have mirrored further than this one's own record says).
        std::map<std::string, uint64_t> from;
        bool ok = true;
        for (const auto& [recipient, head] : heads()) {
          auto last = LastPositionInTopic(recipient);
          if (!last.ok()) {
            spdlog::warn("feed topic for {}: {} (retrying)", recipient, std::string(last.status().message()));
            ok = false;
            break;
          }
          from[recipient] = *last;
        }
        if (!ok) continue;
        {
          absl::MutexLock lock(&mu);
          mirrored = std::move(from);
        }
        int expected = 2;
        leader.compare_exchange_strong(expected, 1);
        spdlog::info("feed topics: this hub process is the mirror");
      }
      bool ok = true;
      for (const auto& [recipient, head] : heads()) {
        uint64_t position = Mirrored(recipient);
        while (position < head && ok) {
          auto next = MirrorBatch(recipient, position, head);
          if (!next.ok()) {
            if (!warned) spdlog::warn("feed topic for {}: {} (retrying)", recipient, std::string(next.status().message()));
            warned = true;
            ok = false;
            break;
          }
          if (position == 0) spdlog::info("feed topic {}: mirroring started", config.feed_topic(recipient));
          position = *next;
          absl::MutexLock lock(&mu);
          mirrored[recipient] = position;
        }
      }
      if (ok) warned = false;
    }
  }
};

absl::StatusOr<std::unique_ptr<FeedMirror>> FeedMirror::Start(const KafkaConfig& config, HubDb* db,
                                                              FeedStore* feeds, HeadsFn heads,
                                                              absl::Duration interval) {
  if (auto s = config.Validate(); !s.ok()) return s;
  if (feeds == nullptr) return absl::InvalidArgumentError("the feed mirror needs the feed store");
  auto impl = std::make_unique<Impl>(feeds->NewReader());
  impl->config = config;
  impl->db = db;
  impl->heads = std::move(heads);
  impl->interval = interval;
  auto props = kafka::IdempotentProducerProperties(config);
  // Readers are any Kafka client with default fetch sizes (1 MiB per
  // partition): keep each produced batch well below that.
  props["batch.size"] = std::to_string(std::min(config.batch_bytes, kMaxProducerBatchBytes));
  auto conf = kafka::MakeConf(props);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &OnDelivery);
  rd_kafka_conf_set_opaque(conf->get(), &impl->failed);
  char err[512];
  impl->producer.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf->release(), err, sizeof(err)));
  if (!impl->producer) return absl::InvalidArgumentError(absl::StrCat("Kafka feed producer: ", err));

  auto consumer = [&](const std::string& group, bool lease) -> absl::StatusOr<kafka::KafkaPtr> {
    auto props = kafka::CommonProperties(config);
    props["group.id"] = group;
    props["enable.auto.commit"] = "false";
    props["enable.auto.offset.store"] = "false";
    props["auto.offset.reset"] = "latest";
    auto cconf = kafka::MakeConf(props);
    if (!cconf.ok()) return cconf.status();
    if (lease) {
      rd_kafka_conf_set_rebalance_cb(cconf->get(), &OnLeaseRebalance);
      rd_kafka_conf_set_opaque(cconf->get(), &impl->leader);
    }
    kafka::KafkaPtr rk(rd_kafka_new(RD_KAFKA_CONSUMER, cconf->release(), err, sizeof(err)));
    if (!rk) return absl::InvalidArgumentError(absl::StrCat("Kafka feed mirror consumer: ", err));
    rd_kafka_poll_set_consumer(rk.get());
    return rk;
  };
  auto lease = consumer(absl::StrCat(config.consumer_group(), ".feed-mirror"), true);
  if (!lease.ok()) return lease.status();
  impl->lease = std::move(lease).value();
  auto reader = consumer(absl::StrCat(config.consumer_group(), ".feed-mirror-reader"), false);
  if (!reader.ok()) return reader.status();
  impl->reader = std::move(reader).value();
  kafka::PartitionListPtr journal(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(journal.get(), config.journal_topic().c_str(), RD_KAFKA_PARTITION_UA);
  if (auto e = rd_kafka_subscribe(impl->lease.get(), journal.get())) {
    return kafka::FromKafka(e, "joining the feed mirror group");
  }

  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    NameThisThread("feed-mirror");
    raw->Run();
  });
  spdlog::info("feed topics: the hub process holding the mirror lease copies each recipient's feed to {}",
               config.feed_topic("<recipient>"));
  return std::unique_ptr<FeedMirror>(new FeedMirror(std::move(impl)));
}

FeedMirror::FeedMirror(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FeedMirror::~FeedMirror() { Stop(); }

void FeedMirror::Stop() {
  {
    absl::MutexLock lock(&impl_->stop_mu);
    impl_->stopping = true;
  }
  if (impl_->thread.joinable()) impl_->thread.join();
  if (impl_->lease) {
    rd_kafka_consumer_close(impl_->lease.get());  // hands the lease over at once
    impl_->lease.reset();
  }
  if (impl_->reader) {
    rd_kafka_consumer_close(impl_->reader.get());
    impl_->reader.reset();
  }
}

uint64_t FeedMirror::mirrored(const std::string& recipient) const {
  absl::MutexLock lock(&impl_->mu);
  auto it = impl_->mirrored.find(recipient);
  return it == impl_->mirrored.end() ? 0 : it->second;
}

}  // namespace accord::hub
