#include "accord/hub/kafka/kafka_ingest_log.h"

#include <map>

#include "accord/hub/core/thread_name.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "pending_delivery.h"
#include "rdkafka.h"
#include "record_seal.h"
#include "spdlog/spdlog.h"
#include "topics.h"

namespace accord::hub {

using kafka::FromKafka;
using kafka::KafkaPtr;
using kafka::MessagePtr;
using kafka::PartitionListPtr;
using kafka::PendingDelivery;

namespace {

constexpr char kKeyIdHeader[] = "accord-key-id";
using kafka::kRecordIdField;
using kafka::kRefPrefix;
using kafka::RestoreRecordId;

// The error of a batch Kafka did not store whole (nothing of it is acknowledged).
absl::Status Unstored(const absl::Status& error) {
  return absl::UnavailableError(absl::StrCat("Kafka did not store the batch: ", error.message()));
}

// The data key that sealed `stored` (a serialized record as the ingest topic
// holds it): that of its first sealed field, else `fallback`. Uses `scratch`.
std::string_view SealingKeyId(const std::string& stored, std::string_view fallback, v1::Record* scratch) {
  if (!scratch->ParseFromString(stored)) return fallback;
  for (const v1::Field& f : scratch->fields()) {
    if (f.value().has_sealed()) return f.value().sealed().key_fingerprint();
  }
  return fallback;
}

}  // namespace

struct KafkaIngestLog::Impl {
  KafkaConfig config;
  std::string topic;
  ProtectFn protect;
  std::unique_ptr<FieldCrypto> crypto;
  absl::Mutex keyer_mu;
  std::unique_ptr<policy::Pseudonymiser> keyer ABSL_GUARDED_BY(keyer_mu);
  KafkaPtr producer;
  KafkaPtr consumer;
  std::atomic<size_t> inflight{0};
  std::atomic<bool> stopping{false};
  // Serves the producer's delivery reports; every batch's `done` runs there.
  std::unique_ptr<kafka::DeliveryPoller> poller;

  // `record` as it is kept in Kafka, serialized into `value`: personal fields
  // sealed, and the record id sealed too (moved into a last field), its
  // place taken by the hex of `ref`, the keyed digest of (provider, dataset,
  // record id).
  absl::Status SealForKafka(v1::Record& record, std::string_view ref, std::string* value) {
    v1::Field* id = record.add_fields();
    id->set_name(kRecordIdField);
    id->mutable_value()->set_text(std::move(*record.mutable_record_id()));
    record.set_record_id(absl::StrCat(kRefPrefix, absl::BytesToHexString(absl::string_view(ref.data(), ref.size()))));
    auto sealed = crypto->Seal(&record, [&](const v1::Field& f) {
      return f.name() == kRecordIdField || protect(record, f);
    });
    if (!sealed.ok()) return sealed.status();
    value->clear();
    record.SerializeToString(value);
    return absl::OkStatus();
  }
};

KafkaIngestLog::KafkaIngestLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

absl::StatusOr<std::unique_ptr<KafkaIngestLog>> KafkaIngestLog::Open(const KafkaConfig& config,
                                                                     std::string key_secret,
                                                                     std::string data_master_key,
                                                                     ProtectFn protect) {
  if (auto s = config.Validate(); !s.ok()) return s;
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->topic = config.ingest_topic();
  impl->protect = std::move(protect);
  auto keyer = policy::Pseudonymiser::Create(key_secret);
  if (!keyer.ok()) return keyer.status();
  {
    absl::MutexLock lock(&impl->keyer_mu);
    impl->keyer = std::make_unique<policy::Pseudonymiser>(std::move(keyer).value());
  }
  auto crypto = FieldCrypto::Create(std::move(data_master_key), config.data_key_id);
  if (!crypto.ok()) return crypto.status();
  impl->crypto = std::move(crypto).value();

  // Pass-through properties first, then the ones the guarantees depend on.
  auto producer = kafka::NewPendingDeliveryProducer(kafka::IdempotentProducerProperties(config));
  if (!producer.ok()) return producer.status();
  impl->producer = std::move(producer).value();

  if (auto s = kafka::EnsureTopic(impl->producer.get(), config.quarantine_topic(), 1,
                                  config.replication_factor);
      !s.ok()) {
    return s;
  }
  if (auto s = kafka::EnsureTopic(impl->producer.get(), impl->topic, config.partitions,
                                  config.replication_factor);
      !s.ok()) {
    return s;
  }

  std::map<std::string, std::string> consumer_props = kafka::CommonProperties(config);
  consumer_props["group.id"] = config.consumer_group();
  consumer_props["enable.auto.commit"] = "false";
  consumer_props["enable.auto.offset.store"] = "false";
  if (!consumer_props.count("auto.offset.reset")) consumer_props["auto.offset.reset"] = "earliest";
  // How long a fetch with nothing new waits at the broker. Real brokers answer
  // as soon as a record arrives; the mock cluster (tests, load figures) always
  // waits this long, so librdkafka's default of 500 ms became latency there.
  if (!consumer_props.count("fetch.wait.max.ms")) consumer_props["fetch.wait.max.ms"] = "20";
  auto cconf = kafka::MakeConf(consumer_props);
  if (!cconf.ok()) return cconf.status();
  char err[512];
  impl->consumer.reset(rd_kafka_new(RD_KAFKA_CONSUMER, cconf->release(), err, sizeof(err)));
  if (!impl->consumer) return absl::InvalidArgumentError(absl::StrCat("Kafka consumer: ", err));
  rd_kafka_poll_set_consumer(impl->consumer.get());
  PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), impl->topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto e = rd_kafka_subscribe(impl->consumer.get(), topics.get())) {
    return FromKafka(e, absl::StrCat("subscribing to ", impl->topic));
  }

  impl->poller = std::make_unique<kafka::DeliveryPoller>(impl->producer.get(), "ingest-poll");
  return std::unique_ptr<KafkaIngestLog>(new KafkaIngestLog(std::move(impl)));
}

KafkaIngestLog::~KafkaIngestLog() {
  Stop();
  if (impl_->consumer) rd_kafka_consumer_close(impl_->consumer.get());
}

bool KafkaIngestLog::TryAppend(Batch& batch) {
  Impl& im = *impl_;
  if (im.stopping.load()) return false;
  if (im.inflight.fetch_add(1) >= im.config.max_inflight_batches) {
    im.inflight.fetch_sub(1);
    return false;
  }
  const size_t records = batch.records.size();
  PendingDelivery* pb = im.poller->Begin(
      records, "producing to the ingest topic",
      [done = std::move(batch.done), records, inflight = &im.inflight](absl::Status s) {
        if (s.ok()) {
          done(absl::OkStatus(), std::vector<IngestLog::Outcome>(records, IngestLog::Outcome::kAccepted));
        } else {
          done(Unstored(s), {});
        }
        inflight->fetch_sub(1);
      });
  if (pb == nullptr) {  // stopping
    im.inflight.fetch_sub(1);
    return false;
  }
  std::string key, value;
  size_t queued = 0;
  for (v1::Record& record : batch.records) {
    key.clear();
    {
      absl::MutexLock lock(&im.keyer_mu);
      im.keyer->RecordRef(record.provider(), record.dataset(), record.record_id(), &key);
    }
    if (auto s = im.SealForKafka(record, key, &value); !s.ok()) {
      pb->Fail(std::move(s));
      break;
    }
    const std::string& key_id = im.crypto->key_id();
    rd_kafka_resp_err_t err = rd_kafka_producev(
        im.producer.get(), RD_KAFKA_V_TOPIC(im.topic.c_str()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(value.data(), value.size()),
        RD_KAFKA_V_HEADER(kKeyIdHeader, key_id.data(), static_cast<ssize_t>(key_id.size())),
        RD_KAFKA_V_OPAQUE(pb), RD_KAFKA_V_END);
    if (err) {
      pb->Fail(FromKafka(err, "queueing a record for Kafka"));
      break;
    }
    ++queued;
  }
  batch.records.clear();
  im.poller->Queued(pb, queued);
  return true;
}

absl::Status KafkaIngestLog::Poll(absl::Duration wait, size_t max, std::vector<Entry>* out) {
  Impl& im = *impl_;
  const absl::Time deadline = absl::Now() + wait;
  // Entries are reused (Entry::Reset keeps their memory); `n` are filled.
  size_t n = 0;
  while (n < max) {
    const int timeout_ms =
        n == 0 ? static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now()))) : 0;
    MessagePtr msg(rd_kafka_consumer_poll(im.consumer.get(), timeout_ms));
    if (!msg) {
      if (n == 0 && absl::Now() < deadline) continue;
      break;
    }
    if (msg->err) {
      if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      // Broker trouble is retried inside librdkafka; report it and go on.
      spdlog::warn("kafka consumer: {}", rd_kafka_message_errstr(msg.get()));
      if (n == 0) {
        out->clear();
        return FromKafka(msg->err, "reading the ingest topic");
      }
      break;
    }
    if (n == out->size()) out->emplace_back();
    Entry& e = (*out)[n++];
    e.Reset();
    e.partition = msg->partition;
    e.offset = static_cast<uint64_t>(msg->offset);
    rd_kafka_timestamp_type_t ts_type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    const int64_t ts_ms = rd_kafka_message_timestamp(msg.get(), &ts_type);
    if (ts_type == RD_KAFKA_TIMESTAMP_CREATE_TIME && ts_ms >= 0) e.accepted_at = absl::FromUnixMillis(ts_ms);
    // The message as the topic holds it: what a quarantined copy keeps.
    if (msg->payload != nullptr) e.stored.assign(static_cast<const char*>(msg->payload), msg->len);
    if (!e.record.ParseFromString(e.stored)) {
      e.record.Clear();
      e.unreadable_reason = "the ingest message is not an accord.v1.Record";
      continue;
    }
    const bool id_sealed = absl::StartsWith(e.record.record_id(), kRefPrefix);
    absl::Status opened = im.crypto->Open(&e.record);
    if (opened.ok()) opened = RestoreRecordId(&e.record);
    if (!opened.ok()) {
      e.record.Clear();
      e.unreadable_reason = std::string(opened.message());
      continue;
    }
    // A record from before ids were sealed holds its id in clear in the
    // topic; its quarantined copy is sealed afresh (Quarantine) instead.
    if (!id_sealed) e.stored.clear();
  }
  out->resize(n);
  return absl::OkStatus();
}

absl::Status KafkaIngestLog::Consumed(const std::vector<Entry>& consumed) {
  if (consumed.empty()) return absl::OkStatus();
  std::map<int32_t, uint64_t> next;
  for (const Entry& e : consumed) {
    uint64_t& n = next[e.partition];
    n = std::max(n, e.offset + 1);
  }
  PartitionListPtr offsets(rd_kafka_topic_partition_list_new(static_cast<int>(next.size())));
  for (const auto& [partition, offset] : next) {
    rd_kafka_topic_partition_list_add(offsets.get(), impl_->topic.c_str(), partition)->offset =
        static_cast<int64_t>(offset);
  }
  return FromKafka(rd_kafka_commit(impl_->consumer.get(), offsets.get(), /*async=*/0),
                   "committing ingest offsets");
}

absl::Status KafkaIngestLog::Quarantine(const std::vector<QuarantinedEntry>& records) {
  if (records.empty()) return absl::OkStatus();
  Impl& im = *impl_;
  // Kept as the ingest topic holds records: personal fields sealed.
  absl::Notification kept;
  absl::Status result;
  PendingDelivery* pb =
      im.poller->Begin(records.size(), "producing to the quarantine topic", [&](absl::Status s) {
        result = s.ok() ? s : Unstored(s);
        kept.Notify();
      });
  if (pb == nullptr) return absl::UnavailableError("the Kafka ingest log is stopping");
  const std::string topic = im.config.quarantine_topic();
  const std::string& key_id = im.crypto->key_id();
  v1::Record record;
  std::string value;
  size_t queued = 0;
  for (const QuarantinedEntry& q : records) {
    const Entry& e = *q.entry;
    // The message exactly as the ingest topic holds it (sealed), not sealed
    // again; only a record whose id the topic holds in clear is sealed here.
    const std::string* copy = &e.stored;
    std::string_view copy_key_id = key_id;
    if (e.unreadable_reason.empty() && e.stored.empty()) {
      record = e.record;
      std::string ref;
      {
        absl::MutexLock lock(&im.keyer_mu);
        im.keyer->RecordRef(record.provider(), record.dataset(), record.record_id(), &ref);
      }
      if (auto s = im.SealForKafka(record, ref, &value); !s.ok()) {
        pb->Fail(std::move(s));
        break;
      }
      copy = &value;
    } else if (e.unreadable_reason.empty()) {
      // The header names the data key that sealed the copy (rare path: a
      // record is quarantined; the key may have rotated since ingest).
      copy_key_id = SealingKeyId(e.stored, key_id, &record);
    }
    const std::string from = absl::StrCat(e.partition, ":", e.offset);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        im.producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(from.data(), from.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(copy->data()), copy->size()),
        RD_KAFKA_V_HEADER(kKeyIdHeader, copy_key_id.data(), static_cast<ssize_t>(copy_key_id.size())),
        RD_KAFKA_V_HEADER("accord-reason", q.reason.data(), static_cast<ssize_t>(q.reason.size())),
        RD_KAFKA_V_HEADER("accord-ingest-position", from.data(), static_cast<ssize_t>(from.size())),
        RD_KAFKA_V_OPAQUE(pb), RD_KAFKA_V_END);
    if (err) {
      pb->Fail(FromKafka(err, "queueing a quarantined record"));
      break;
    }
    ++queued;
  }
  im.poller->Queued(pb, queued);
  kept.WaitForNotification();
  return result;
}

uint64_t KafkaIngestLog::backlog() const {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(impl_->consumer.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR || raw == nullptr) {
    return 0;
  }
  PartitionListPtr assigned(raw);
  rd_kafka_position(impl_->consumer.get(), assigned.get());
  uint64_t lag = 0;
  for (int i = 0; i < assigned->cnt; ++i) {
    const auto& p = assigned->elems[i];
    int64_t low = 0, high = 0;
    if (rd_kafka_get_watermark_offsets(impl_->consumer.get(), p.topic, p.partition, &low, &high) != 0) continue;
    // No position yet: nothing consumed from this partition since it was
    // assigned (it is fetched from its committed offset, unknown here); its
    // backlog shows once the first records arrive.
    if (p.offset < 0) continue;
    if (high > p.offset) lag += static_cast<uint64_t>(high - p.offset);
  }
  return lag;
}

void KafkaIngestLog::Stop() {
  Impl& im = *impl_;
  if (im.stopping.exchange(true)) return;
  // Let queued records reach Kafka (each batch is then acked or failed).
  im.poller->Stop(im.config.message_timeout_ms);
}

}  // namespace accord::hub
