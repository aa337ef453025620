#include "accord/hub/kafka/kafka_journal.h"

#include <atomic>
#include <thread>

#include "accord/hub/core/meta_keys.h"
#include "accord/hub/core/thread_name.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "pending_delivery.h"
#include "rdkafka.h"
#include "spdlog/spdlog.h"
#include "topics.h"

namespace accord::hub {

using kafka::FromKafka;
using kafka::KafkaPtr;
using kafka::MessagePtr;
using kafka::PartitionListPtr;
using kafka::PendingDelivery;

namespace {

constexpr const auto& kNextOffsetKey = meta_keys::kJournalNextOffset;
constexpr uint32_t kFormat = 1;
constexpr int32_t kPartition = 0;

}  // namespace

struct KafkaJournal::Impl {
  KafkaConfig config;
  std::string topic;
  std::string hub_instance;
  HubDb* db = nullptr;
  OutcomeCommitter* committer = nullptr;
  AgreementFn apply_agreement;
  KafkaPtr producer;
  KafkaPtr consumer;
  std::atomic<uint64_t> next{0};
  std::atomic<bool> healthy{true};
  std::atomic<bool> stopping{false};
  // Serves the producer's delivery reports; every append's `done` runs there.
  std::unique_ptr<kafka::DeliveryPoller> poller;
  std::thread applier;

  // Queues `messages` (serialized JournalEntry) for partition 0; `done` runs once.
  void Produce(const std::vector<std::string>& messages, std::function<void(absl::Status)> done) {
    PendingDelivery* p = poller->Begin(
        messages.size(), "producing to the journal", [done](absl::Status s) {
          done(s.ok() ? s
                      : absl::UnavailableError(
                            absl::StrCat("Kafka did not store the journal entry: ", s.message())));
        });
    if (p == nullptr) {
      done(absl::UnavailableError("the journal is stopping"));
      return;
    }
    size_t queued = 0;
    for (const std::string& value : messages) {
      rd_kafka_resp_err_t err;
      for (;;) {
        err = rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                                RD_KAFKA_V_PARTITION(kPartition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY(hub_instance.data(), hub_instance.size()),
                                RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                RD_KAFKA_V_OPAQUE(p), RD_KAFKA_V_END);
        // A full local queue drains as Kafka acknowledges: wait, do not drop.
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || stopping.load()) break;
        absl::SleepFor(absl::Milliseconds(5));
      }
      if (err) {
        p->Fail(FromKafka(err, "queueing a journal entry"));
        break;
      }
      ++queued;
    }
    poller->Queued(p, queued);
  }

  absl::Status WriteNext(uint64_t next_offset) {
    rocksdb::WriteBatch wb;
    wb.Put(db->cf(HubDb::kMeta), kNextOffsetKey, EncodeU64(next_offset));
    return db->WriteSync(&wb);
  }

  // Applies the entry at `offset`; retries storage errors until it succeeds or
  // the journal stops.
  void ApplyOne(uint64_t offset, const rd_kafka_message_t& msg) {
    v1::JournalEntry entry;
    absl::StatusOr<StageOutcome> outcome = absl::UnknownError("not an outcome");
    if (!entry.ParseFromArray(msg.payload, static_cast<int>(msg.len))) {
      spdlog::error("journal entry {} is not an accord.v1.JournalEntry: skipped", offset);
    } else if (entry.format() != kFormat) {
      spdlog::error("journal entry {} has format {} (this hub knows {}): skipped; upgrade this hub",
                    offset, entry.format(), kFormat);
    } else if (entry.has_agreement()) {
      if (apply_agreement) apply_agreement(entry.agreement());
    } else if (entry.has_outcome()) {
      // Envelopes only: the disclosed values are not parsed (FromJournal).
      outcome = FromJournal(std::move(*entry.mutable_outcome()));
      if (!outcome.ok()) {
        spdlog::error("journal entry {} from {}: {}: skipped", offset, entry.hub_instance(),
                      std::string(outcome.status().message()));
      }
    }
    for (;;) {
      absl::Status s = outcome.ok()
                           ? committer->Commit(*outcome,
                                               [&](rocksdb::WriteBatch* wb) {
                                                 wb->Put(db->cf(HubDb::kMeta), kNextOffsetKey,
                                                         EncodeU64(offset + 1));
                                               })
                           : WriteNext(offset + 1);
      if (s.ok()) break;
      spdlog::warn("applying journal entry {}: {} (retrying)", offset, std::string(s.message()));
      if (stopping.load()) return;
      absl::SleepFor(absl::Milliseconds(100));
    }
    next.store(offset + 1);
  }

  void Apply() {
    PartitionListPtr assignment(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), kPartition)->offset =
        static_cast<int64_t>(next.load());
    if (auto err = rd_kafka_assign(consumer.get(), assignment.get())) {
      spdlog::critical("cannot read the journal: {}", rd_kafka_err2str(err));
      healthy.store(false);
      return;
    }
    while (!stopping.load()) {
      MessagePtr msg(rd_kafka_consumer_poll(consumer.get(), 100));
      if (!msg) continue;
      if (msg->err) {
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
        if (msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
            msg->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
          spdlog::critical(
              "the journal no longer holds entry {}, which this hub process has not applied "
              "(topic retention too short?): it stops applying and can no longer serve the shared "
              "ledger; re-seed its data directory from a healthy process (deploy/kafka/OPERATIONS.md)",
              next.load());
          healthy.store(false);
          return;
        }
        spdlog::warn("journal reader: {}", rd_kafka_message_errstr(msg.get()));
        continue;
      }
      const auto offset = static_cast<uint64_t>(msg->offset);
      if (offset < next.load()) continue;  // applied before
      ApplyOne(offset, *msg);
    }
  }
};

KafkaJournal::KafkaJournal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

absl::StatusOr<std::unique_ptr<KafkaJournal>> KafkaJournal::Open(const KafkaConfig& config,
                                                                 std::string hub_instance, HubDb* db,
                                                                 OutcomeCommitter* committer,
                                                                 AgreementFn apply_agreement) {
  if (auto s = config.Validate(); !s.ok()) return s;
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->topic = config.journal_topic();
  impl->hub_instance = std::move(hub_instance);
  impl->db = db;
  impl->committer = committer;
  impl->apply_agreement = std::move(apply_agreement);
  auto stored = db->GetU64(HubDb::kMeta, kNextOffsetKey);
  if (!stored.ok()) return stored.status();
  impl->next.store(*stored);

  auto producer_props = kafka::IdempotentProducerProperties(config);
  if (!config.properties.count("compression.type")) producer_props["compression.type"] = "lz4";
  auto producer = kafka::NewPendingDeliveryProducer(producer_props);
  if (!producer.ok()) return producer.status();
  impl->producer = std::move(producer).value();
  // Kept forever: a new process rebuilds its state from the first entry.
  if (auto s = kafka::EnsureTopic(impl->producer.get(), impl->topic, 1, config.replication_factor,
                                  {{"retention.ms", "-1"}, {"retention.bytes", "-1"}});
      !s.ok()) {
    return s;
  }

  auto consumer_props = kafka::CommonProperties(config);
  // No commits are made: the position lives in the hub's own database.
  consumer_props["group.id"] = absl::StrCat(config.consumer_group(), ".journal-reader");
  consumer_props["enable.auto.commit"] = "false";
  consumer_props["enable.auto.offset.store"] = "false";
  consumer_props["auto.offset.reset"] = "error";  // never skip entries silently
  consumer_props["enable.partition.eof"] = "false";
  if (!config.properties.count("fetch.wait.max.ms")) consumer_props["fetch.wait.max.ms"] = "10";
  auto cconf = kafka::MakeConf(consumer_props);
  if (!cconf.ok()) return cconf.status();
  char err[512];
  impl->consumer.reset(rd_kafka_new(RD_KAFKA_CONSUMER, cconf->release(), err, sizeof(err)));
  if (!impl->consumer) return absl::InvalidArgumentError(absl::StrCat("Kafka consumer: ", err));
  rd_kafka_poll_set_consumer(impl->consumer.get());

  impl->poller = std::make_unique<kafka::DeliveryPoller>(impl->producer.get(), "journal-poll");
  Impl* raw = impl.get();
  impl->applier = std::thread([raw] {
    NameThisThread("journal-apply");
    raw->Apply();
  });
  spdlog::info("journal {}: applying from entry {}", impl->topic, impl->next.load());
  return std::unique_ptr<KafkaJournal>(new KafkaJournal(std::move(impl)));
}

KafkaJournal::~KafkaJournal() {
  Stop();
  if (impl_->consumer) rd_kafka_consumer_close(impl_->consumer.get());
}

absl::Status KafkaJournal::AppendOutcome(const StageOutcome& outcome) {
  Impl& im = *impl_;
  if (im.stopping.load()) return absl::UnavailableError("the journal is stopping");
  std::vector<v1::PolicyOutcome> parts = ToJournal(outcome, kMaxMessageBytes);
  if (parts.empty()) return absl::OkStatus();
  std::vector<std::string> messages(parts.size());
  v1::JournalEntry entry;
  entry.set_format(kFormat);
  entry.set_hub_instance(im.hub_instance);
  for (size_t i = 0; i < parts.size(); ++i) {
    entry.mutable_outcome()->Swap(&parts[i]);
    entry.SerializeToString(&messages[i]);
  }
  absl::Notification stored;
  absl::Status result;
  im.Produce(messages, [&](absl::Status s) {
    result = std::move(s);
    stored.Notify();
  });
  stored.WaitForNotification();
  return result;
}

void KafkaJournal::AppendAgreement(const v1::AgreementEvent& event, std::function<void(absl::Status)> done) {
  Impl& im = *impl_;
  if (im.stopping.load()) {
    done(absl::UnavailableError("the journal is stopping"));
    return;
  }
  v1::JournalEntry entry;
  entry.set_format(kFormat);
  entry.set_hub_instance(im.hub_instance);
  *entry.mutable_agreement() = event;
  im.Produce({entry.SerializeAsString()}, std::move(done));
}

uint64_t KafkaJournal::next_offset() const { return impl_->next.load(); }

uint64_t KafkaJournal::lag() const {
  int64_t low = 0, high = 0;
  if (rd_kafka_get_watermark_offsets(impl_->consumer.get(), impl_->topic.c_str(), kPartition, &low, &high) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return 0;
  }
  const uint64_t next = impl_->next.load();
  return high > 0 && static_cast<uint64_t>(high) > next ? static_cast<uint64_t>(high) - next : 0;
}

bool KafkaJournal::healthy() const { return impl_->healthy.load(); }

void KafkaJournal::Stop() {
  Impl& im = *impl_;
  if (im.stopping.exchange(true)) return;
  if (im.applier.joinable()) im.applier.join();
  // Let queued entries reach Kafka (each append is then acknowledged or failed).
  im.poller->Stop(im.config.message_timeout_ms);
}

}  // namespace accord::hub
