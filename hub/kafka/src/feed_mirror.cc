#include "accord/hub/kafka/feed_mirror.h"

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "accord/hub/ledger/rocksdb_status.h"
#include "accord/v1/feed_service.pb.h"
#include "rdkafka.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"
#include "spdlog/spdlog.h"
#include "topics.h"

namespace accord::hub {
namespace {

constexpr char kPositionPrefix[] = "kafka_feed/";
constexpr size_t kMaxBatch = 5000;

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  if (msg->err) {
    static_cast<std::atomic<int>*>(opaque)->fetch_add(1);
  }
}

}  // namespace

struct FeedMirror::Impl {
  KafkaConfig config;
  HubDb* db = nullptr;
  HeadsFn heads;
  absl::Duration interval;
  kafka::KafkaPtr producer;
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
    uint64_t position = 0;
    auto stored = db->Get(HubDb::kMeta, absl::StrCat(kPositionPrefix, recipient));
    if (stored.ok() && stored->size() == 8) position = DecodeU64(*stored);
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
    const std::string begin = NameU64Key(recipient, from + 1);
    const std::string end = NameU64Key(recipient, last + 1);
    rocksdb::Slice upper(end);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db->db()->NewIterator(ro, db->cf(HubDb::kFeeds)));
    failed.store(0);
    v1::Delivery delivery;
    std::string value;
    uint64_t position = from;
    for (it->Seek(begin); it->Valid(); it->Next()) {
      position = DecodeU64(it->key().ToStringView().substr(recipient.size() + 1));
      delivery.Clear();
      if (!delivery.mutable_record()->ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError(absl::StrCat("feed entry ", position, " of ", recipient, " is unreadable"));
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
                                      RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(producer.get(), 10);
      }
      if (err) return kafka::FromKafka(err, "queueing a feed record");
    }
    if (!it->status().ok()) return ledger::FromRocksDb(it->status(), "reading a feed to mirror");
    if (rd_kafka_flush(producer.get(), config.message_timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        failed.load() > 0) {
      return absl::UnavailableError(absl::StrCat("Kafka did not store the feed batch of ", recipient));
    }
    rocksdb::WriteBatch wb;
    wb.Put(db->cf(HubDb::kMeta), absl::StrCat(kPositionPrefix, recipient), EncodeU64(position));
    if (auto s = db->Write(&wb); !s.ok()) return s;
    return position;
  }

  void Run() {
    bool warned = false;
    for (;;) {
      {
        absl::MutexLock lock(&stop_mu);
        if (stop_mu.AwaitWithTimeout(absl::Condition(&stopping), interval)) return;
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
                                                              HeadsFn heads, absl::Duration interval) {
  if (auto s = config.Validate(); !s.ok()) return s;
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->db = db;
  impl->heads = std::move(heads);
  impl->interval = interval;
  std::map<std::string, std::string> props = config.properties;
  props["bootstrap.servers"] = config.brokers;
  props["enable.idempotence"] = "true";
  props["acks"] = "all";
  props["linger.ms"] = std::to_string(config.linger_ms);
  props["batch.size"] = std::to_string(config.batch_bytes);
  props["message.timeout.ms"] = std::to_string(config.message_timeout_ms);
  auto conf = kafka::MakeConf(props);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &OnDelivery);
  rd_kafka_conf_set_opaque(conf->get(), &impl->failed);
  char err[512];
  impl->producer.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf->release(), err, sizeof(err)));
  if (!impl->producer) return absl::InvalidArgumentError(absl::StrCat("Kafka feed producer: ", err));
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Run(); });
  spdlog::info("feed topics: mirroring each recipient's feed to {}", config.feed_topic("<recipient>"));
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
}

uint64_t FeedMirror::mirrored(const std::string& recipient) const {
  absl::MutexLock lock(&impl_->mu);
  auto it = impl_->mirrored.find(recipient);
  return it == impl_->mirrored.end() ? 0 : it->second;
}

}  // namespace accord::hub
