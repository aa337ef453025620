// Throughput of the Kafka ingest log against librdkafka's mock cluster (3
// brokers on loopback, in this process), next to raw librdkafka producing and
// consuming the same record bytes: the hub/raw ratio of the Kafka issue.
//
//   ./build/hub/kafka/kafka_log_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "accord/hub/core/outcome_committer.h"
#include "accord/hub/kafka/kafka_ingest_log.h"
#include "accord/hub/kafka/field_crypto.h"
#include "benchmark/benchmark.h"
#include "raw_client.h"
#include "record_seal.h"

namespace accord::hub {
namespace {

// The mock cluster keeps about 5 MB per partition and deletes older messages,
// so one round stays well below that (about 750 bytes per sealed record).
constexpr int kRecords = 15000;
constexpr int kBatch = 500;

v1::Record MakeRecord(int n) {
  v1::Record r;
  r.set_provider("herts-police");
  r.set_dataset("police_incident");
  r.set_dataset_version(1);
  r.set_record_id(absl::StrCat("R", n));
  r.mutable_event_time()->set_seconds(1795000000 + n);
  auto add = [&](const char* name, const std::string& v) {
    auto* f = r.add_fields();
    f->set_name(name);
    f->mutable_value()->set_text(v);
  };
  add("crime_ref", absl::StrCat("41/", 100000 + n, "/26"));
  add("offence", "assault");
  add("victim_name", "John Smith");
  add("victim_nhs", "943 476 5919");
  add("victim_phone", "07700 900123");
  add("postcode", "AL1 3XY");
  add("narrative", "Victim SMITH, John assaulted outside The Crown, George St AL1 3XY. Called from 07700 900123.");
  return r;
}

struct Cluster {
  Cluster() {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    mc = rd_kafka_mock_cluster_new(rk, 3);
  }
  ~Cluster() {
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
  }
  rd_kafka_t* rk;
  rd_kafka_mock_cluster_t* mc;
};

rd_kafka_t* NewClient(rd_kafka_type_t type, const std::string& brokers, const std::string& group) {
  kafka_tools::RawClientOptions options;
  options.brokers = brokers;
  options.group = group;
  options.log_level = "0";
  std::string error;
  rd_kafka_t* rk = kafka_tools::NewRawClient(type, options, &error);
  if (rk == nullptr) {
    std::fprintf(stderr, "kafka_log_bench: %s\n", error.c_str());
    std::abort();
  }
  return rk;
}

// Raw librdkafka: produce kRecords copies of one serialized record, wait for
// every ack, consume them all and commit per batch.
void BM_RawLibrdkafkaProduceConsume(benchmark::State& state) {
  Cluster cluster;
  const std::string brokers = rd_kafka_mock_cluster_bootstraps(cluster.mc);
  std::string bytes;
  MakeRecord(1).SerializeToString(&bytes);
  int round = 0;
  for (auto _ : state) {
    // Untimed: the consumer joins its group first (the mock delays a new group ~3 s).
    state.PauseTiming();
    const std::string topic = absl::StrCat("raw", round++);
    rd_kafka_mock_topic_create(cluster.mc, topic.c_str(), 3, 3);
    rd_kafka_t* consumer = NewClient(RD_KAFKA_CONSUMER, brokers, topic);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(consumer, list);
    rd_kafka_topic_partition_list_destroy(list);
    for (int assigned = 0; assigned == 0;) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
      if (m) rd_kafka_message_destroy(m);
      rd_kafka_topic_partition_list_t* a = nullptr;
      rd_kafka_assignment(consumer, &a);
      assigned = a ? a->cnt : 0;
      if (a) rd_kafka_topic_partition_list_destroy(a);
    }
    rd_kafka_t* producer = NewClient(RD_KAFKA_PRODUCER, brokers, "");
    state.ResumeTiming();
    for (int i = 0; i < kRecords; ++i) {
      const std::string key = absl::StrCat(i);
      while (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                               RD_KAFKA_V_KEY(key.data(), key.size()),
                               RD_KAFKA_V_VALUE(bytes.data(), bytes.size()), RD_KAFKA_V_END) ==
             RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(producer, 1);
      }
    }
    rd_kafka_flush(producer, 60000);
    int got = 0;
    while (got < kRecords) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
      if (m == nullptr) continue;
      if (!m->err) ++got;
      rd_kafka_message_destroy(m);
      if (got % kBatch == 0) rd_kafka_commit(consumer, nullptr, 0);
    }
    state.PauseTiming();
    rd_kafka_destroy(producer);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_RawLibrdkafkaProduceConsume)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

// A KafkaIngestLog on a fresh ingest topic of the mock cluster (3
// partitions, 3 replicas), its consumer in its group: the mock delays a new
// group ~3 s, which a first Poll waits out. Null (and the benchmark skipped)
// when it cannot be opened.
std::unique_ptr<KafkaIngestLog> OpenLog(Cluster& cluster, const std::string& topic_prefix,
                                        benchmark::State& state) {
  KafkaConfig config;
  config.brokers = rd_kafka_mock_cluster_bootstraps(cluster.mc);
  config.topic_prefix = topic_prefix;
  config.partitions = 3;
  config.replication_factor = 3;
  config.properties["log_level"] = "0";
  rd_kafka_mock_topic_create(cluster.mc, config.ingest_topic().c_str(), 3, 3);
  auto log = KafkaIngestLog::Open(config, std::string(32, 'k'), std::string(32, 'm'),
                                  [](const v1::Record&, const v1::Field& f) {
                                    return f.name() != "offence" && f.name() != "crime_ref" &&
                                           f.name() != "postcode";
                                  });
  if (!log.ok()) {
    state.SkipWithError(std::string(log.status().message()).c_str());
    return nullptr;
  }
  std::vector<IngestLog::Entry> none;
  (*log)->Poll(absl::Seconds(4), 1, &none).IgnoreError();
  return std::move(log).value();
}

// kRecords records in Publish-sized batches.
std::vector<IngestLog::Batch> MakeBatches() {
  std::vector<IngestLog::Batch> batches(kRecords / kBatch);
  for (int b = 0; b < kRecords / kBatch; ++b) {
    for (int i = 0; i < kBatch; ++i) batches[b].records.push_back(MakeRecord(b * kBatch + i));
  }
  return batches;
}

// Appends every batch (durable acks) and waits until all are acknowledged.
void AppendAll(IngestLog& log, std::vector<IngestLog::Batch>& batches) {
  std::atomic<int> acked{0};
  absl::Notification all_acked;
  for (auto& batch : batches) {
    batch.done = [&](absl::Status s, const std::vector<IngestLog::Outcome>& o) {
      if (acked.fetch_add(static_cast<int>(o.size())) + static_cast<int>(o.size()) == kRecords) {
        all_acked.Notify();
      }
    };
    while (!log.TryAppend(batch)) absl::SleepFor(absl::Milliseconds(1));
  }
  all_acked.WaitForNotification();
}

// Polls kRecords records in batches of up to 2000, as the policy stage does,
// hands each to `use` and commits each batch; returns what `use` summed.
size_t ConsumeAll(IngestLog& log, size_t (*use)(const IngestLog::Entry&)) {
  std::vector<IngestLog::Entry> entries;
  int got = 0;
  size_t sum = 0;
  while (got < kRecords) {
    if (!log.Poll(absl::Milliseconds(100), 2000, &entries).ok()) continue;
    got += static_cast<int>(entries.size());
    for (const IngestLog::Entry& e : entries) sum += use(e);
    if (!entries.empty()) log.Consumed(entries).IgnoreError();
  }
  return sum;
}

// The hub's KafkaIngestLog: records sealed (4 personal fields) and produced
// in Publish-sized batches with durable acks, then polled (opened) and
// committed by the consumer side, as the policy stage does.
void BM_KafkaIngestLogAppendAndConsume(benchmark::State& state) {
  Cluster cluster;
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<KafkaIngestLog> log = OpenLog(cluster, absl::StrCat("hub", round++), state);
    if (log == nullptr) return;
    std::vector<IngestLog::Batch> batches = MakeBatches();
    state.ResumeTiming();
    AppendAll(*log, batches);
    ConsumeAll(*log, [](const IngestLog::Entry&) -> size_t { return 0; });
    state.PauseTiming();
    log.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_KafkaIngestLogAppendAndConsume)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

// The consumer side alone, as the policy stage sees it: kRecords already in
// the topic (produced untimed), then polled in batches of 2000 until each is
// a decoded, opened v1::Record the flows can take, and committed. (Since
// issue 17 Poll hands over decoded records; before, the stage parsed the
// bytes Poll had re-serialized: the DECODE_FOR_STAGE step below.)
void BM_KafkaIngestLogConsumeForTheStage(benchmark::State& state) {
  Cluster cluster;
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<KafkaIngestLog> log = OpenLog(cluster, absl::StrCat("consume", round++), state);
    if (log == nullptr) return;
    std::vector<IngestLog::Batch> batches = MakeBatches();
    AppendAll(*log, batches);
    state.ResumeTiming();
    const size_t fields = ConsumeAll(*log, [](const IngestLog::Entry& e) {
      return static_cast<size_t>(e.record.fields_size());  // DECODE_FOR_STAGE
    });
    benchmark::DoNotOptimize(fields);
    state.PauseTiming();
    log.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_KafkaIngestLogConsumeForTheStage)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

// The decode itself, without Kafka: a batch of 2000 ingest messages as the
// topic holds them (personal fields and record id sealed) made ready for the
// flows, CPU per record. twice:1 is the path before issue 17 (Poll parses,
// opens and re-serializes each record, the stage parses it again); twice:0
// today's (Poll copies the message for a quarantine, parses and opens it into
// the entry the stage reads; entries reused from batch to batch).
void BM_DecodeABatchForTheStage(benchmark::State& state) {
  constexpr int kBatchRecords = 2000;
  auto crypto = FieldCrypto::Create(std::string(32, 'm'), "k1");
  if (!crypto.ok()) {
    state.SkipWithError("crypto");
    return;
  }
  std::vector<std::string> messages(kBatchRecords);
  for (int i = 0; i < kBatchRecords; ++i) {
    v1::Record r = MakeRecord(i);
    v1::Field* id = r.add_fields();  // as the ingest log seals the record id
    id->set_name(kafka::kRecordIdField);
    id->mutable_value()->set_text(std::move(*r.mutable_record_id()));
    r.set_record_id(absl::StrCat(kafka::kRefPrefix, "4be0c2a61f9d83e7b5a0c4d2e6f8a1b3", i));
    auto sealed = (*crypto)->Seal(&r, [](const v1::Field& f) {
      return f.name() != "offence" && f.name() != "crime_ref" && f.name() != "postcode";
    });
    if (!sealed.ok()) state.SkipWithError("seal");
    r.SerializeToString(&messages[i]);
  }
  const bool twice = state.range(0) == 1;
  std::vector<IngestLog::Entry> entries;  // today's: reused
  std::vector<std::string> bytes(kBatchRecords);  // before: one string per entry
  v1::Record poll_record, stage_record;
  size_t fields = 0;
  for (auto _ : state) {
    if (twice) {
      for (int i = 0; i < kBatchRecords; ++i) {
        bytes[i].clear();
        if (!poll_record.ParseFromString(messages[i]) || !(*crypto)->Open(&poll_record).ok() ||
            !kafka::RestoreRecordId(&poll_record).ok()) {
          state.SkipWithError("decode");
        }
        poll_record.SerializeToString(&bytes[i]);
      }
      for (int i = 0; i < kBatchRecords; ++i) {
        if (!stage_record.ParseFromString(bytes[i])) state.SkipWithError("parse");
        fields += static_cast<size_t>(stage_record.fields_size());
      }
    } else {
      entries.resize(kBatchRecords);
      for (int i = 0; i < kBatchRecords; ++i) {
        IngestLog::Entry& e = entries[i];
        e.Reset();
        e.stored.assign(messages[i]);
        if (!e.record.ParseFromString(e.stored) || !(*crypto)->Open(&e.record).ok() ||
            !kafka::RestoreRecordId(&e.record).ok()) {
          state.SkipWithError("decode");
        }
      }
      for (const IngestLog::Entry& e : entries) fields += static_cast<size_t>(e.record.fields_size());
    }
  }
  benchmark::DoNotOptimize(fields);
  state.SetItemsProcessed(state.iterations() * kBatchRecords);
}
BENCHMARK(BM_DecodeABatchForTheStage)->ArgName("twice")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

// A journal replica's decode of one outcome entry (500 disclosures of the
// loadgen's shape: 16 fields): JournalEntry parse plus FromJournal, which is
// what KafkaJournal does before committing. envelope:0 is an entry written
// before disclosures carried their envelope (each cleaned record parsed
// whole); envelope:1 today's entry (the envelope read, the values not).
void BM_JournalEntryDecode(benchmark::State& state) {
  constexpr int kDisclosures = 500;
  StageOutcome o;
  o.decided_at = absl::FromUnixSeconds(1795000000);
  for (int i = 0; i < kDisclosures; ++i) {
    StageOutcome::Disclosure& d = o.disclosures.emplace_back();
    v1::CleanedRecord& r = d.record;
    r.set_delivery_id(absl::StrCat("d6f1c0a4e9b2", i, "-flow-a"));
    r.set_agreement_id("isa-loadgen-2026");
    r.set_agreement_version(1);
    r.set_agreement_fingerprint("sha256:9f2c4e61b0d8a7f3c5e2d1b4a6978c0e3f5d2a1b4c6e8f0a2d4c6b8e0f1a3c5d7");
    r.set_flow_id("police-to-csp");
    r.set_provider("loadgen-police");
    r.set_recipient(i % 2 ? "loadgen-csp" : "loadgen-council");
    r.set_dataset("police_incident");
    r.set_dataset_version(1);
    r.set_record_ref(absl::StrCat("4be0c2a61f9d83e7b5a0c4d2e6f8a1b3", i));
    r.mutable_event_time()->set_seconds(1795000000 + i);
    r.set_area("AL1 3");
    for (int f = 0; f < 16; ++f) {
      auto* field = r.add_fields();
      field->set_name(absl::StrCat("field_", f));
      field->mutable_value()->set_text(absl::StrCat("value ", f, " of ", i));
    }
    r.SerializeToString(&d.serialized);
    d.ledger_entry.assign(260, 'l');
  }
  std::vector<v1::PolicyOutcome> parts = ToJournal(o, 16u << 20);
  if (state.range(0) == 0) {
    for (auto& j : *parts[0].mutable_disclosures()) j.clear_envelope();
  }
  v1::JournalEntry entry;
  entry.set_format(1);
  entry.set_hub_instance("hub-a");
  *entry.mutable_outcome() = parts[0];
  const std::string bytes = entry.SerializeAsString();
  for (auto _ : state) {
    v1::JournalEntry in;
    if (!in.ParseFromString(bytes)) state.SkipWithError("parse");
    auto back = FromJournal(std::move(*in.mutable_outcome()));
    if (!back.ok() || back->disclosures.size() != kDisclosures) state.SkipWithError("FromJournal");
    benchmark::DoNotOptimize(back);
  }
  state.SetItemsProcessed(state.iterations() * kDisclosures);
  state.counters["entry_bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_JournalEntryDecode)->ArgName("envelope")->Arg(0)->Arg(1);

}  // namespace
}  // namespace accord::hub

BENCHMARK_MAIN();
