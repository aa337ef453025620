#include "accord/hub/kafka/kafka_quarantine.h"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <functional>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "accord/hub/kafka/field_crypto.h"
#include "google/protobuf/util/time_util.h"
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

constexpr int32_t kPartition = 0;
constexpr char kReasonHeader[] = "accord-reason";
// A read that gets nothing from Kafka for this long gives up (UNAVAILABLE).
constexpr absl::Duration kQuietLimit = absl::Seconds(30);

// A record's copies share this: a digest of its keyed reference (provider,
// dataset and the stored record id member, itself a keyed digest of the id).
using Group = std::array<char, 16>;

Group GroupOf(const v1::Record& stored) {
  const std::string ref = absl::StrCat(stored.provider(), "\x1f", stored.dataset(), "\x1f", stored.record_id());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(ref.data()), ref.size(), digest);
  Group g;
  std::copy(digest, digest + g.size(), g.begin());
  return g;
}

bool Header(const rd_kafka_message_t& msg, const char* name, std::string* value) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&msg, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR || headers == nullptr) return false;
  const void* v = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &v, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
  value->assign(static_cast<const char*>(v), v == nullptr ? 0 : size);
  return true;
}

int64_t TimeMs(const rd_kafka_message_t& msg) {
  rd_kafka_timestamp_type_t type;
  return rd_kafka_message_timestamp(&msg, &type);
}

}  // namespace

struct KafkaQuarantine::Impl {
  KafkaConfig config;
  std::string topic;
  std::unique_ptr<FieldCrypto> crypto;
  KafkaPtr producer;
  std::unique_ptr<kafka::DeliveryPoller> poller;
  mutable absl::Mutex read_mu;  // one read at a time on `consumer`
  KafkaPtr consumer ABSL_GUARDED_BY(read_mu);

  // A caller's quarantined copy that opens (first pass).
  struct Copy {
    int64_t offset = 0;
    int64_t at_ms = 0;
    Group group{};
  };
  struct Survey {
    std::vector<Copy> copies;  // in offset order
    absl::flat_hash_set<int64_t> marked;
    // The ingest positions (message keys) of the caller's quarantined copies,
    // replayed or not: a batch the policy stage ran twice (at-least-once, e.g.
    // across a rebalance) may have written one position twice.
    absl::flat_hash_set<std::string> positions;
    // Per record (group): the index in `copies` of its newest unmarked copy.
    absl::flat_hash_map<Group, size_t> newest;
    bool Visible(size_t i) const {
      auto it = newest.find(copies[i].group);
      return it != newest.end() && it->second == i;
    }
  };

  // Reads [from, to) of the topic in order, calling `visit` for each message.
  absl::Status Scan(int64_t from, int64_t to, const std::function<void(const rd_kafka_message_t&)>& visit) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu) {
    if (from >= to) return absl::OkStatus();
    PartitionListPtr assignment(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), kPartition)->offset = from;
    if (auto err = rd_kafka_assign(consumer.get(), assignment.get())) {
      return FromKafka(err, "reading the quarantine topic");
    }
    absl::Status status;
    int64_t next = from;
    absl::Time quiet_until = absl::Now() + kQuietLimit;
    while (next < to) {
      MessagePtr msg(rd_kafka_consumer_poll(consumer.get(), 200));
      if (!msg) {
        if (absl::Now() > quiet_until) {
          status = absl::UnavailableError("reading the quarantine topic: no answer from Kafka; try again in a minute");
          break;
        }
        continue;
      }
      if (msg->err) {
        // Nothing more to read (retention took the rest meanwhile): done.
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) break;
        absl::Status error = FromKafka(msg->err, "reading the quarantine topic");
        if (!absl::IsUnavailable(error)) {  // e.g. not authorized: retrying will not help
          status = std::move(error);
          break;
        }
        spdlog::warn("quarantine topic: {}", rd_kafka_message_errstr(msg.get()));
        continue;  // librdkafka retries broker trouble
      }
      quiet_until = absl::Now() + kQuietLimit;
      if (msg->offset < next) continue;
      next = msg->offset + 1;
      visit(*msg);
    }
    rd_kafka_assign(consumer.get(), nullptr);
    return status;
  }

  absl::Status Watermarks(int64_t* low, int64_t* high) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu) {
    return FromKafka(rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), kPartition, low, high, 10000),
                     "reading the quarantine topic's offsets");
  }

  // Parses a quarantined record's message into `record` and opens it; false
  // when it is not one or does not open (then its provider is unknown).
  bool Open(const rd_kafka_message_t& msg, v1::Record* record) const {
    if (!record->ParseFromArray(msg.payload, static_cast<int>(msg.len))) return false;
    return crypto->Open(record).ok() && kafka::RestoreRecordId(record).ok();
  }

  // First pass over the whole topic, for `provider`.
  absl::StatusOr<Survey> SurveyFor(const std::string& provider) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu) {
    int64_t low = 0, high = 0;
    if (auto s = Watermarks(&low, &high); !s.ok()) return s;
    if (high - low > static_cast<int64_t>(kMaxScanned)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the hub's quarantine topic holds more than ", kMaxScanned,
          " messages, more than one call may look through; ask the hub's operator to shorten its retention "
          "or to have the agreements fixed and the records replayed"));
    }
    Survey survey;
    uint64_t unreadable = 0;
    v1::Record record;
    std::string marker;
    absl::Status s = Scan(low, high, [&](const rd_kafka_message_t& msg) {
      if (Header(msg, kReplayedHeader, &marker)) {
        int64_t offset = 0;
        if (absl::SimpleAtoi(marker, &offset)) survey.marked.insert(offset);
        return;
      }
      record.Clear();
      if (!record.ParseFromArray(msg.payload, static_cast<int>(msg.len))) {
        ++unreadable;  // its provider is unknown: nobody's to list
        return;
      }
      if (record.provider() != provider) return;
      survey.positions.emplace(static_cast<const char*>(msg.key), msg.key == nullptr ? 0 : msg.key_len);
      const Group group = GroupOf(record);
      if (!crypto->Open(&record).ok() || !kafka::RestoreRecordId(&record).ok()) {
        ++unreadable;
        return;
      }
      survey.copies.push_back({msg.offset, TimeMs(msg), group});
    });
    if (!s.ok()) return s;
    for (size_t i = 0; i < survey.copies.size(); ++i) {
      if (!survey.marked.contains(survey.copies[i].offset)) survey.newest[survey.copies[i].group] = i;
    }
    if (unreadable > 0) {
      spdlog::warn("quarantine: {} quarantined records do not open or parse; they cannot be listed or replayed",
                   unreadable);
    }
    return survey;
  }

  // Second pass: opens the messages at `offsets` (sorted, the caller's copies).
  absl::Status Fetch(const std::vector<int64_t>& offsets,
                     const std::function<void(const rd_kafka_message_t&, v1::Record&)>& visit) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(read_mu) {
    if (offsets.empty()) return absl::OkStatus();
    const absl::flat_hash_set<int64_t> wanted(offsets.begin(), offsets.end());
    v1::Record record;
    return Scan(offsets.front(), offsets.back() + 1, [&](const rd_kafka_message_t& msg) {
      if (!wanted.contains(msg.offset)) return;
      record.Clear();
      if (Open(msg, &record)) visit(msg, record);
    });
  }
};

KafkaQuarantine::KafkaQuarantine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KafkaQuarantine::~KafkaQuarantine() {
  if (impl_->poller) impl_->poller->Stop(impl_->config.message_timeout_ms);
  absl::MutexLock lock(&impl_->read_mu);
  if (impl_->consumer) rd_kafka_consumer_close(impl_->consumer.get());
}

absl::StatusOr<std::unique_ptr<KafkaQuarantine>> KafkaQuarantine::Open(const KafkaConfig& config,
                                                                       std::string data_master_key) {
  if (auto s = config.Validate(); !s.ok()) return s;
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->topic = config.quarantine_topic();
  auto crypto = FieldCrypto::Create(std::move(data_master_key), config.data_key_id);
  if (!crypto.ok()) return crypto.status();
  impl->crypto = std::move(crypto).value();

  auto producer = kafka::NewPendingDeliveryProducer(kafka::IdempotentProducerProperties(config));
  if (!producer.ok()) return producer.status();
  impl->producer = std::move(producer).value();
  if (auto s = kafka::EnsureTopic(impl->producer.get(), impl->topic, 1, config.replication_factor); !s.ok()) {
    return s;
  }

  // Reads by assignment only: the group is never joined and nothing is committed.
  std::map<std::string, std::string> props = kafka::CommonProperties(config);
  props["group.id"] = absl::StrCat(config.consumer_group(), ".quarantine-reader");
  props["enable.auto.commit"] = "false";
  props["enable.auto.offset.store"] = "false";
  props["auto.offset.reset"] = "earliest";
  props["enable.partition.eof"] = "true";
  // A read stops at the watermark it asked for; never wait at the broker for more.
  if (!props.count("fetch.wait.max.ms")) props["fetch.wait.max.ms"] = "20";
  auto cconf = kafka::MakeConf(props);
  if (!cconf.ok()) return cconf.status();
  char err[512];
  {
    absl::MutexLock lock(&impl->read_mu);
    impl->consumer.reset(rd_kafka_new(RD_KAFKA_CONSUMER, cconf->release(), err, sizeof(err)));
    if (!impl->consumer) return absl::InvalidArgumentError(absl::StrCat("Kafka consumer: ", err));
    rd_kafka_poll_set_consumer(impl->consumer.get());
  }
  impl->poller = std::make_unique<kafka::DeliveryPoller>(impl->producer.get(), "quarantine-poll");
  return std::unique_ptr<KafkaQuarantine>(new KafkaQuarantine(std::move(impl)));
}

std::string KafkaQuarantine::Handle(int64_t at_ms, int64_t offset) {
  return absl::StrCat(std::max<int64_t>(at_ms, 0), "-", offset + 1);
}

absl::StatusOr<KafkaQuarantine::Position> KafkaQuarantine::ParseHandle(const std::string& handle) {
  std::vector<absl::string_view> parts = absl::StrSplit(handle, '-');
  auto digits = [](absl::string_view p) {
    return !p.empty() && p.size() <= 18 &&
           std::all_of(p.begin(), p.end(), [](char c) { return absl::ascii_isdigit(c); });
  };
  Position pos;
  int64_t position = 0;
  if (handle.size() > 41 || parts.size() != 2 || !digits(parts[0]) || !digits(parts[1]) ||
      !absl::SimpleAtoi(parts[0], &pos.at_ms) || !absl::SimpleAtoi(parts[1], &position) || position == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", handle.substr(0, 41), "' is not a quarantine handle; use the handles `accordctl quarantine list` shows"));
  }
  pos.offset = position - 1;
  return pos;
}

absl::StatusOr<v1::ListQuarantinedResponse> KafkaQuarantine::List(const std::string& provider, uint32_t limit,
                                                                  const std::string& after_handle) const {
  int64_t after = -1;
  if (!after_handle.empty()) {
    auto pos = ParseHandle(after_handle);
    if (!pos.ok()) return pos.status();
    after = pos->offset;
  }
  absl::MutexLock lock(&impl_->read_mu);
  auto survey = impl_->SurveyFor(provider);
  if (!survey.ok()) return survey.status();
  v1::ListQuarantinedResponse resp;
  uint64_t total = 0;
  std::vector<int64_t> page;
  for (size_t i = 0; i < survey->copies.size(); ++i) {
    if (!survey->Visible(i)) continue;
    ++total;
    if (survey->copies[i].offset > after && page.size() < limit) page.push_back(survey->copies[i].offset);
  }
  std::string reason;
  auto s = impl_->Fetch(page, [&](const rd_kafka_message_t& msg, v1::Record& record) {
    v1::QuarantinedRecord* out = resp.add_records();
    out->set_handle(Handle(TimeMs(msg), msg.offset));
    out->set_record_id(record.record_id());
    out->set_dataset(record.dataset());
    if (!Header(msg, kReasonHeader, &reason) || reason.empty()) reason = "quarantined (no reason was recorded)";
    out->set_reason(reason);
    *out->mutable_quarantined_at() =
        google::protobuf::util::TimeUtil::MillisecondsToTimestamp(std::max<int64_t>(TimeMs(msg), 0));
    if (record.has_event_time()) *out->mutable_event_time() = record.event_time();
  });
  if (!s.ok()) return s;
  resp.set_total(total);
  resp.set_quarantined_ever(std::max<uint64_t>(survey->positions.size(), total));
  return resp;
}

absl::StatusOr<KafkaQuarantine::ReplayPlan> KafkaQuarantine::PlanReplay(const std::string& provider,
                                                                       const std::vector<std::string>& handles,
                                                                       size_t max_records) const {
  // Wanted offset -> its handle's time.
  absl::flat_hash_map<int64_t, int64_t> wanted;
  std::map<int64_t, std::string> wanted_handle;
  for (const std::string& handle : handles) {
    auto pos = ParseHandle(handle);
    if (!pos.ok()) return pos.status();
    wanted[pos->offset] = pos->at_ms;
    wanted_handle[pos->offset] = handle;
  }
  const bool all = wanted.empty();
  absl::MutexLock lock(&impl_->read_mu);
  auto survey = impl_->SurveyFor(provider);
  if (!survey.ok()) return survey.status();

  ReplayPlan plan;
  // The records (groups) to replay: named by a handle of an unmarked copy, or all.
  absl::flat_hash_set<Group> chosen;
  for (const Impl::Copy& c : survey->copies) {
    if (all) break;
    auto it = wanted.find(c.offset);
    if (it == wanted.end() || it->second != std::max<int64_t>(c.at_ms, 0) || survey->marked.contains(c.offset)) {
      continue;
    }
    chosen.insert(c.group);
    wanted_handle.erase(c.offset);
  }
  for (const auto& [offset, handle] : wanted_handle) plan.not_found.push_back(handle);
  std::sort(plan.not_found.begin(), plan.not_found.end());

  std::vector<int64_t> targets;
  absl::flat_hash_set<Group> taken;
  for (size_t i = 0; i < survey->copies.size(); ++i) {
    const Impl::Copy& c = survey->copies[i];
    if (!survey->Visible(i) || (!all && !chosen.contains(c.group))) continue;
    if (targets.size() >= max_records) {
      ++plan.left_for_next_call;
      continue;
    }
    targets.push_back(c.offset);
    taken.insert(c.group);
  }
  for (const Impl::Copy& c : survey->copies) {
    if (taken.contains(c.group) && !survey->marked.contains(c.offset)) plan.marks.push_back(c.offset);
  }
  auto s = impl_->Fetch(targets, [&](const rd_kafka_message_t& msg, v1::Record& record) {
    plan.records.push_back(std::move(record));
    plan.handles.push_back(Handle(TimeMs(msg), msg.offset));
  });
  if (!s.ok()) return s;
  if (plan.records.size() != targets.size()) {
    return absl::UnavailableError(
        "the quarantine topic changed while it was read (retention); nothing was replayed: try again");
  }
  return plan;
}

absl::Status KafkaQuarantine::MarkReplayed(const std::vector<int64_t>& offsets) {
  if (offsets.empty()) return absl::OkStatus();
  Impl& im = *impl_;
  absl::Notification marked;
  absl::Status result;
  PendingDelivery* run = im.poller->Begin(offsets.size(), "marking quarantined records replayed",
                                          [&](absl::Status s) {
                                            result = std::move(s);
                                            marked.Notify();
                                          });
  if (run == nullptr) return absl::UnavailableError("the hub is stopping");
  size_t queued = 0;
  for (int64_t offset : offsets) {
    const std::string value = absl::StrCat(offset);
    const std::string key = absl::StrCat("replayed:", offset);
    rd_kafka_resp_err_t err;
    for (;;) {
      err = rd_kafka_producev(im.producer.get(), RD_KAFKA_V_TOPIC(im.topic.c_str()), RD_KAFKA_V_PARTITION(kPartition),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
                              RD_KAFKA_V_HEADER(kReplayedHeader, value.data(), static_cast<ssize_t>(value.size())),
                              RD_KAFKA_V_OPAQUE(run), RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      absl::SleepFor(absl::Milliseconds(5));  // drains as Kafka acknowledges
    }
    if (err) {
      run->Fail(FromKafka(err, "queueing a replayed marker"));
      break;
    }
    ++queued;
  }
  im.poller->Queued(run, queued);
  marked.WaitForNotification();
  return result;
}

}  // namespace accord::hub
