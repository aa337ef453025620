#include "accord/hub/server/hub.h"

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "accord/hub/core/ledger_store.h"
#include "accord/hub/core/thread_name.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "accord/base/clock.h"
#include "accord/base/read_file.h"
#include "accord/hub/core/agreement_registry.h"
#include "accord/hub/core/feed_notifier.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/key_registry.h"
#include "accord/hub/core/rocksdb_ingest_log.h"
#include "accord/hub/core/disclosure_index.h"
#include "accord/hub/kafka/feed_mirror.h"
#include "accord/hub/kafka/kafka_ingest_log.h"
#include "accord/hub/kafka/kafka_journal.h"
#include "accord/hub/kafka/kafka_probe.h"
#include "accord/hub/kafka/kafka_quarantine.h"
#include "accord/hub/core/outcome_committer.h"
#include "accord/hub/core/policy_stage.h"
#include "accord/hub/core/record_store.h"
#include "accord/hub/core/retention.h"
#include "accord/hub/ledger/merkle_log.h"
#include "accord/hub/ledger/tree_head.h"
#include "accord/policy/field_protection.h"
#include "accord/policy/redactor.h"
#include "agreement_service.h"
#include "audit_service.h"
#include "accord/ops/logging.h"
#include "delivery_timer.h"
#include "health.h"
#include "metrics_store.h"
#include "feed_service.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "httplib.h"
#include "hub_context.h"
#include "hub_keys.h"
#include "ingest_service.h"
#include "key_service.h"
#include "log_backend.h"
#include "quarantine_service.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

namespace fs = std::filesystem;

class HubImpl final : public Hub {
 public:
  explicit HubImpl(HubConfig config) : config_(std::move(config)) {}
  ~HubImpl() override { Shutdown(); }

  absl::Status Init();
  int port() const override { return port_; }
  int metrics_port() const override { return metrics_port_; }
  void Shutdown() override;

 private:
  // Applies an agreement, withdrawal or key event read from the journal (the
  // only place any process applies them with the Kafka backend) and answers
  // this process's caller when the event was proposed here.
  void ApplyJournalEvent(const v1::AgreementEvent& event);
  // Carries the policy stage's quarantine count into the (persisted)
  // accord_records_quarantined_total counter. Thread-safe.
  void SyncQuarantined();
  absl::Status StartServer();
  absl::Status StartMetrics();

  HubConfig config_;
  LogBackend backend_ = LogBackend::kEmbedded;  // config_.log_backend, parsed
  std::unique_ptr<HubDb> db_;
  std::unique_ptr<ledger::TreeHeadSigner> signer_;
  std::unique_ptr<ledger::MerkleLog> ledger_;
  std::unique_ptr<LedgerStore> ledger_store_;  // what the services read of the ledger's storage
  std::unique_ptr<AgreementRegistry> agreements_;
  std::unique_ptr<KeyRegistry> keys_;  // agencies' signing keys + key log
  FeedNotifier feeds_;
  std::unique_ptr<PeriodKeyring> keyring_;  // the data keys of what is kept (retention)
  std::unique_ptr<FeedStore> feed_store_;   // the one sealed copy of each disclosure
  std::unique_ptr<RecordStore> records_;    // the audit store's index of it
  // Cleared records from the policy stage's finished entries back to the
  // Publish decoders (embedded backend; outlives ingest_ and the reactors).
  // 2048: four 500-record batches' worth; a cleared loadgen record keeps its
  // 16 Field objects and their names' strings, roughly 1.5 KB: about 3 MB.
  RecordPool record_pool_{2048};
  std::unique_ptr<IngestLog> ingest_;
  RocksDbIngestLog* embedded_log_ = nullptr;  // ingest_, with the embedded backend
  PipelineStats pipeline_stats_;                // counted by committer_
  std::atomic<uint64_t> quarantined_synced_{0};  // stats.quarantined already added to metrics_
  std::unique_ptr<OutcomeCommitter> committer_;  // the stage's sink (embedded) or the journal's (Kafka)
  // Kafka backend: changes awaiting the journal (outlives journal_, whose thread resolves them).
  std::unique_ptr<JournalProposals> proposals_;
  std::unique_ptr<KafkaJournal> journal_;        // Kafka backend
  std::unique_ptr<PolicyStage> policy_;
  std::unique_ptr<FeedMirror> feed_mirror_;  // Kafka feed topics (kafka backend only)
  std::unique_ptr<KafkaProbe> kafka_probe_;  // Kafka backend: brokers reachable (readiness)
  HubMetrics metrics_;
  StreamRegistry streams_;
  HubContext context_;
  std::unique_ptr<IngestServiceImpl> ingest_service_;
  std::unique_ptr<FeedServiceImpl> feed_service_;
  std::unique_ptr<AgreementServiceImpl> agreement_service_;
  std::unique_ptr<AuditServiceImpl> audit_service_;
  std::unique_ptr<KeyServiceImpl> key_service_;
  std::unique_ptr<KafkaQuarantine> kafka_quarantine_;  // Kafka backend: the quarantine topic's reader
  std::unique_ptr<QuarantineServiceImpl> quarantine_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HealthMonitor> health_;  // grpc.health.v1 per service, /readyz
  std::atomic<grpc::Server*> serving_{nullptr};  // server_, once started (for the refresher)
  std::unique_ptr<httplib::Server> http_;
  std::thread http_thread_;
  std::thread refresher_;
  std::unique_ptr<Retention> retention_;  // what is kept leaves on time (retention.h)
  std::thread retention_thread_;          // retention_->RunOnce() at start and every 10 minutes
  absl::Notification stop_refresher_;  // stops refresher_ and retention_thread_
  std::atomic<bool> shut_down_{false};
  int port_ = 0;
  int metrics_port_ = 0;
};

absl::Status HubImpl::Init() {
  if (auto s = config_.Validate(); !s.ok()) return s;
  std::error_code ec;
  fs::create_directories(config_.data_dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot create ", config_.data_dir, ": ", ec.message()));

  auto backend = ParseLogBackend(config_.log_backend);
  if (!backend.ok()) return backend.status();
  backend_ = *backend;
  auto keys = LoadHubKeys(config_.keys);
  if (!keys.ok()) return keys.status();
  const HubKeys& hub_keys = *keys;
  signer_ = std::move(keys->ledger_signer);

  HubDbOptions db_options;
  db_options.path = config_.data_dir + "/db";
  {
    // Off a full disk (disk_guard.h): refuse ingest, then hold every write, before RocksDB meets ENOSPC.
    DiskGuardOptions guard_options;
    guard_options.path = config_.data_dir;
    guard_options.ingest_min_free_bytes = config_.storage.ingest_min_free_mib << 20;
    guard_options.reserve_free_bytes = config_.storage.reserve_free_mib << 20;
    auto guard = DiskGuard::Open(std::move(guard_options));
    if (!guard.ok()) return guard.status();
    db_options.disk_guard = std::move(guard).value();
  }
  auto records_filter = std::make_shared<ErasedRecordsFilter>();
  db_options.records_filter = records_filter;
  auto db = HubDb::Open(db_options);
  if (!db.ok()) return db.status();
  db_ = std::move(db).value();
  if (auto s = RestoreMetrics(*db_, &metrics_); !s.ok()) {
    ops::LogEvent(spdlog::level::warn, "metrics", "restore_failed", {{"error", std::string(s.message())}});
  }

  auto log = OpenDisclosureLedger(db_.get(), signer_.get());
  if (!log.ok()) return log.status();
  ledger_ = std::move(log).value();
  // Ledgers written before the disclosure index existed are indexed now.
  if (auto s = BackfillDisclosureIndex(db_.get(), *ledger_); !s.ok()) return s;

  // Agency signing keys (issue 12): signatures count only under keys the
  // agencies registered themselves; the key log is signed with a key derived
  // from the secrets, so every process of one hub signs it alike.
  KeyRegistryOptions key_options;
  key_options.log_signing_seed = hub_keys.key_log_signing_seed;
  key_options.hub_instance = config_.hub_instance;
  auto key_registry = KeyRegistry::Open(db_.get(), std::move(key_options));
  if (!key_registry.ok()) return key_registry.status();
  keys_ = std::move(key_registry).value();

  AgreementRegistryOptions reg_options;
  reg_options.linkage_master_key = hub_keys.linkage_master_key;
  reg_options.keys = [this] { return keys_->directory(); };
  auto registry = AgreementRegistry::Open(db_.get(), std::move(reg_options));
  if (!registry.ok()) return registry.status();
  agreements_ = std::move(registry).value();
  keys_->SetOnChange([this] { agreements_->OnKeysChanged(); });

  auto keyring = PeriodKeyring::Open(db_.get(), hub_keys.secret, records_filter);
  if (!keyring.ok()) return keyring.status();
  keyring_ = std::move(keyring).value();
  auto feed_store = FeedStore::Open(db_.get(), keyring_.get());
  if (!feed_store.ok()) return feed_store.status();
  feed_store_ = std::move(feed_store).value();
  auto records = RecordStore::Open(db_.get(), keyring_.get(), feed_store_.get());
  if (!records.ok()) return records.status();
  records_ = std::move(records).value();
  auto redactor = policy::Redactor::Create();
  if (!redactor.ok()) return redactor.status();
  std::shared_ptr<const policy::Redactor> shared_redactor = std::move(redactor).value();

  if (backend_ == LogBackend::kKafka) {
    // Personal fields are encrypted while in Kafka (policy/field_protection.h):
    // every field the flows that take the record do not all declare
    // non-personal, and any field no agreement describes.
    auto protect = [this](const v1::Record& record, const v1::Field& field) {
      auto policy = agreements_->policy();
      std::vector<const policy::FieldSpec*> specs;
      for (const policy::CompiledFlow* flow : policy->FlowsFor(record.provider(), record.dataset())) {
        specs.push_back(flow->dataset->FindField(field.name()));
      }
      return policy::SealedInSharedLog(specs);
    };
    auto kafka_log = KafkaIngestLog::Open(config_.kafka, hub_keys.dedupe_key, hub_keys.linkage_master_key,
                                          protect);
    if (!kafka_log.ok()) return kafka_log.status();
    // Timed from each message's create time to its outcome in the journal.
    ingest_ = std::make_unique<StampedIngestLog>(std::move(kafka_log).value(), &metrics_.publish_delivery_seconds,
                                                 base::RealClock::Get());
    auto kafka_quarantine = KafkaQuarantine::Open(config_.kafka, hub_keys.linkage_master_key);
    if (!kafka_quarantine.ok()) return kafka_quarantine.status();
    kafka_quarantine_ = std::move(kafka_quarantine).value();
    spdlog::info("log backend: Kafka at {} (topic {})", config_.kafka.brokers, config_.kafka.ingest_topic());
  } else {
    RocksDbIngestLogOptions log_options;
    log_options.dedupe_key = hub_keys.dedupe_key;
    log_options.quarantine_key = hub_keys.quarantine_key;
    log_options.record_key = hub_keys.ingest_record_key;
    log_options.quarantine_retention = absl::Hours(24) * config_.quarantine_retention_days;
    log_options.record_pool = &record_pool_;
    // The live tail holds the whole backlog: the stage never reads a record
    // back from storage while the hub runs (only after a restart).
    log_options.max_backlog_records = config_.limits.max_ingest_backlog_records;
    log_options.tail_records = config_.limits.max_ingest_backlog_records;
    auto ingest_log = RocksDbIngestLog::Open(db_.get(), std::move(log_options));
    if (!ingest_log.ok()) return ingest_log.status();
    embedded_log_ = ingest_log->get();
    const uint64_t waiting = (*ingest_log)->backlog();
    ingest_ = std::make_unique<TimedIngestLog>(std::move(ingest_log).value(), waiting,
                                               &metrics_.publish_delivery_seconds, base::RealClock::Get());
  }

  // The stage resumes after the log's consumed position: anything ingested
  // but not processed before a restart is processed now.
  PolicyStageOptions stage_options;
  stage_options.hub_instance = config_.hub_instance;
  stage_options.workers = config_.policy_workers;
  auto count_disclosure = [this](const v1::CleanedRecord& record) {
    metrics_.disclosures.With({record.agreement_id(), record.recipient()}).Add();
  };
  // The outcome committer: the embedded hub commits each batch's outcome
  // with it directly; on Kafka every process commits the shared journal
  // with it, in journal order, after dropping deliveries seen before
  // (Kafka's logs are at-least-once).
  const bool kafka = backend_ == LogBackend::kKafka;
  auto committer = OutcomeCommitter::Open(db_.get(), ledger_.get(), feed_store_.get(), records_.get(), &feeds_,
                                          /*dedupe_deliveries=*/kafka, &pipeline_stats_, count_disclosure);
  if (!committer.ok()) return committer.status();
  committer_ = std::move(committer).value();
  OutcomeSink* sink = committer_.get();
  if (kafka) {
    // Several hub processes share the work: each applies the flows to its
    // share of the ingest partitions and appends the outcome to the journal;
    // every process commits the whole journal in order (hub/README.md).
    proposals_ = std::make_unique<JournalProposals>(config_.hub_instance, base::RealClock::Get());
    auto journal = KafkaJournal::Open(
        config_.kafka, config_.hub_instance, db_.get(), committer_.get(),
        [this](const v1::AgreementEvent& event) { ApplyJournalEvent(event); });
    if (!journal.ok()) return journal.status();
    journal_ = std::move(journal).value();
    sink = journal_.get();
  }
  auto stage = PolicyStage::Start(ingest_.get(), sink, [this] { return agreements_->policy(); }, shared_redactor,
                                  stage_options);
  if (!stage.ok()) return stage.status();
  policy_ = std::move(stage).value();

  if (backend_ == LogBackend::kKafka) {
    auto probe = KafkaProbe::Start(config_.kafka);
    if (!probe.ok()) return probe.status();
    kafka_probe_ = std::move(probe).value();
  }
  if (backend_ == LogBackend::kKafka && config_.kafka.feed_topics) {
    auto mirror = FeedMirror::Start(config_.kafka, db_.get(), feed_store_.get(), [this] { return feeds_.Heads(); });
    if (!mirror.ok()) return mirror.status();
    feed_mirror_ = std::move(mirror).value();
  }

  refresher_ = std::thread([this] {
    NameThisThread("agreement-watch");
    // Agreements' status every 200 ms.
    int ticks = 0;
    do {
      agreements_->Refresh();
      if (proposals_) proposals_->Expire();  // callers whose change this process has not applied in time
      if (proposals_) proposals_->RetryDue();  // failed journal appends whose backoff has passed
      // Per-service health (a process that missed journal entries stops taking traffic).
      if (grpc::Server* server = serving_.load()) health_->Publish(server->GetHealthCheckService());
      if (++ticks % 50 == 0) {  // counters to the DB every 10 s
        SyncQuarantined();
        // A full disk is the disk guard's to report (once), not every 10 s here.
        if (auto s = SaveMetrics(*db_, metrics_, /*sync=*/false); !s.ok() && !absl::IsResourceExhausted(s)) {
          ops::LogEvent(spdlog::level::err, "metrics", "save_failed", {{"error", std::string(s.message())}});
        }
      }
    } while (!stop_refresher_.WaitForNotificationWithTimeout(absl::Milliseconds(200)));
  });
  // Retention at start and every 10 minutes, on a thread of its own: erasing
  // a month compacts whole column families, which must not hold up the
  // agreements' 200 ms status refresh (expiry takes effect within a second).
  auto retention = Retention::ForHub(agreements_.get(), records_.get(), embedded_log_);
  if (!retention.ok()) return retention.status();
  retention_ = std::move(retention).value();
  retention_thread_ = std::thread([this] {
    NameThisThread("retention");
    do {
      retention_->RunOnce().IgnoreError();  // logged and counted by Retention (accord_retention_errors_total)
    } while (!stop_refresher_.WaitForNotificationWithTimeout(absl::Minutes(10)));
  });

  ledger_store_ = std::make_unique<LedgerStore>(db_.get());
  context_ = HubContext{&config_,       ledger_store_.get(), ingest_.get(),  agreements_.get(),
                        &feeds_,        feed_store_.get(), records_.get(), ledger_.get(), signer_.get(),
                        &metrics_,      &streams_,     journal_.get(), proposals_.get(),
                        backend_ == LogBackend::kEmbedded ? &record_pool_ : nullptr};
  metrics_.AddGaugeSource([this](std::string* out) {
    SyncQuarantined();
    AppendGauge(out, "accord_ledger_entries", "Entries in the disclosure ledger", ledger_->size());
    AppendGauge(out, "accord_ingest_backlog_records", "Records accepted at ingest, not yet processed by the policy stage",
                ingest_->backlog());
    // Records that arrived for a month already erased (retention): neither fed nor stored.
    const PipelineStats& stats = pipeline_stats_;
    AppendCounter(out, "accord_disclosures_past_retention_total",
                  "Disclosures neither fed nor stored: their month was already erased (retention)",
                  stats.past_retention.load(std::memory_order_relaxed));
    AppendCounter(out, "accord_store_keys_written_total",
                  "RocksDB keys the policy commits wrote (over accord disclosures: keys per disclosure)",
                  stats.store_keys.load(std::memory_order_relaxed));
    AppendCounter(out, "accord_retention_errors_total",
                  "Retention runs whose erasure or quarantine sweep failed (logged; retried at the next run)",
                  retention_->stats().erase_errors.load(std::memory_order_relaxed) +
                      retention_->stats().quarantine_errors.load(std::memory_order_relaxed));
    AppendCounter(out, "accord_retention_periods_erased_total",
                  "Agreement months crypto-shredded by retention since the hub started",
                  retention_->stats().periods_erased.load(std::memory_order_relaxed));
    AppendCounter(out, "accord_policy_poll_errors_total",
                  "Failed reads of the ingest log by the policy stage, each retried after 100 ms",
                  policy_->stats().poll_errors.load(std::memory_order_relaxed));
    if (journal_) {
      // Journal entries not applied here yet; healthy 0 = this process lost entries it needed.
      AppendGauge(out, "accord_journal_lag_entries", "Journal entries not yet applied by this process",
                  journal_->lag());
      AppendGauge(out, "accord_journal_healthy",
                  "1 while this process can apply the journal; 0 when it missed entries (re-seed it)",
                  journal_->healthy() ? 1 : 0);
      AppendCounter(out, "accord_journal_append_retries_total",
                    "Agreement and key changes appended to the journal again after a failed append",
                    proposals_->retries());
    }
    if (kafka_probe_) {
      AppendGauge(out, "accord_kafka_reachable",
                  "1 while a Kafka broker has answered this process within the last 10 s; 0 otherwise",
                  kafka_probe_->reachable() ? 1 : 0);
    }
    // Per open subscription: how far it is behind its feed (the largest lag
    // per recipient). Counts only; agency ids are not personal data.
    absl::flat_hash_map<std::string, uint64_t> lag;
    streams_.ForEachSubscription([&](const std::string& recipient, uint64_t delivered) {
      const uint64_t head = feeds_.Head(recipient);
      uint64_t& l = lag[recipient];
      l = std::max(l, head > delivered ? head - delivered : 0);
    });
    AppendGauge(out, "accord_open_streams", "Open Publish and Subscribe streams", streams_.size());
    if (DiskGuard* guard = db_->disk_guard()) {
      guard->Refresh();
      AppendGauge(out, "accord_storage_free_bytes", "Free bytes on the data directory's file system (last measured)",
                  guard->free_bytes());
      AppendGauge(out, "accord_storage_ingest_refused",
                  "1 while new records are refused because the data directory's file system is nearly full",
                  guard->ingest_refused() ? 1 : 0);
      AppendCounter(out, "accord_storage_full_refusals_total",
                    "Ingest batches refused because the data directory's file system was nearly full",
                    guard->ingest_refusals());
      AppendCounter(out, "accord_storage_writes_held_total",
                    "Internal writes held back (retried later) below the storage reserve", guard->internal_refusals());
    }
    AppendFamilyHeader(out, "accord_subscriber_lag_records", "gauge",
                       "Records in a recipient's feed not yet sent to its furthest-behind open subscription");
    for (const auto& [recipient, l] : lag) {
      absl::StrAppend(out, "accord_subscriber_lag_records{recipient=\"", recipient, "\"} ", l, "\n");
    }
  });
  health_ = std::make_unique<HealthMonitor>([this] {
    return HealthInputs{.db_open = db_ != nullptr,
                        .shutting_down = shut_down_.load(),
                        .policy_running = policy_ != nullptr,
                        .journal_healthy = journal_ == nullptr || journal_->healthy(),
                        .kafka_reachable = kafka_probe_ == nullptr || kafka_probe_->reachable()};
  });
  // Started: from now on no write goes below the storage reserve (disk_guard.h).
  db_->HoldWritesBelowReserve();
  if (auto s = StartServer(); !s.ok()) return s;
  if (auto s = StartMetrics(); !s.ok()) return s;
  spdlog::info("accord-hub {} listening on port {} (data in {}, ledger log id {})",
               config_.hub_instance, port_, config_.data_dir, signer_->log_id());
  return absl::OkStatus();
}

absl::Status HubImpl::StartServer() {
  ingest_service_ = std::make_unique<IngestServiceImpl>(&context_);
  feed_service_ = std::make_unique<FeedServiceImpl>(&context_);
  agreement_service_ = std::make_unique<AgreementServiceImpl>(&context_);
  audit_service_ = std::make_unique<AuditServiceImpl>(&context_);
  key_service_ = std::make_unique<KeyServiceImpl>(&context_, keys_.get());
  quarantine_service_ = std::make_unique<QuarantineServiceImpl>(&context_, embedded_log_, kafka_quarantine_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> creds;
  if (config_.insecure_dev) {
    spdlog::warn("************************************************************************");
    spdlog::warn("* INSECURE DEV MODE: plaintext gRPC, identities taken from request     *");
    spdlog::warn("* metadata. Anyone who can reach {} can impersonate any agency. *", config_.listen);
    spdlog::warn("* Never use this with real data.                                       *");
    spdlog::warn("************************************************************************");
    creds = grpc::InsecureServerCredentials();
  } else {
    auto ca = base::ReadFile(config_.tls.ca);
    auto cert = base::ReadFile(config_.tls.cert);
    auto key = base::ReadFile(config_.tls.key);
    for (const auto* s : {&ca.status(), &cert.status(), &key.status()}) {
      if (!s->ok()) return *s;
    }
    grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = *ca;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    creds = grpc::SslServerCredentials(ssl);
  }
  builder.AddListeningPort(config_.listen, creds, &port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config_.limits.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(config_.limits.max_message_bytes));
  builder.RegisterService(ingest_service_.get());
  builder.RegisterService(feed_service_.get());
  builder.RegisterService(agreement_service_.get());
  builder.RegisterService(audit_service_.get());
  builder.RegisterService(key_service_.get());
  builder.RegisterService(quarantine_service_.get());
  server_ = builder.BuildAndStart();
  serving_.store(server_.get());
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.listen));
  }
  health_->Publish(server_->GetHealthCheckService());
  return absl::OkStatus();
}

absl::Status HubImpl::StartMetrics() {
  if (config_.metrics_listen.empty()) return absl::OkStatus();
  const auto colon = config_.metrics_listen.rfind(':');
  if (colon == std::string::npos) return absl::InvalidArgumentError("metrics_listen must be host:port");
  const std::string host = config_.metrics_listen.substr(0, colon);
  const int port = std::atoi(config_.metrics_listen.c_str() + colon + 1);
  http_ = std::make_unique<httplib::Server>();
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.Render(), "text/plain; version=0.0.4");
  });
  // For load balancers: plain HTTP, no client certificate (health.h).
  http_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  http_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    const HealthReport r = health_->Check();
    std::string body = r.ready ? "ready\n" : "";
    for (const std::string& p : r.problems) absl::StrAppend(&body, p, "\n");
    res.status = r.ready ? 200 : 503;
    res.set_content(body, "text/plain");
  });
  metrics_port_ = port == 0 ? http_->bind_to_any_port(host) : (http_->bind_to_port(host, port) ? port : -1);
  if (metrics_port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for metrics on ", config_.metrics_listen));
  }
  http_thread_ = std::thread([this] {
    NameThisThread("metrics-http");
    http_->listen_after_bind();
  });
  return absl::OkStatus();
}

void HubImpl::SyncQuarantined() {
  const PipelineStats& stats = pipeline_stats_;
  const uint64_t now = stats.quarantined.load(std::memory_order_relaxed);
  const uint64_t before = quarantined_synced_.exchange(now);
  if (now > before) metrics_.quarantined.Add(now - before);
}

void HubImpl::ApplyJournalEvent(const v1::AgreementEvent& event) {
  AppliedChange applied;
  absl::StatusOr<KeyRegistry::Result> key;
  absl::StatusOr<AgreementView> view;
  std::vector<policy::Diagnostic> diagnostics;
  switch (event.kind()) {
    case v1::AgreementEvent::KEY:
      key = keys_->Commit(event.key_event());
      applied.status = key.status();
      if (key.ok()) applied.key = &*key;
      break;
    case v1::AgreementEvent::WITHDRAWAL:
      view = agreements_->SubmitWithdrawal(event.document());
      applied.status = view.status();
      if (view.ok()) applied.agreement = &*view;
      break;
    default:
      view = agreements_->Submit(event.document(), event.source_name(), &diagnostics);
      applied.status = view.status();
      if (view.ok()) {
        applied.agreement = &*view;
        applied.diagnostics = &diagnostics;
      }
      break;
  }
  // Every process refuses alike (same events, same order); the proposer's
  // caller gets the reason, the others note it.
  if (!applied.status.ok()) {
    ops::LogEvent(spdlog::level::warn, "journal", "event_refused",
                  {{"kind", v1::AgreementEvent::Kind_Name(event.kind())},
                   {"code", absl::StatusCodeToString(applied.status.code())},
                   {"reason", std::string(applied.status.message())}});
  }
  if (!event.proposal_id().empty()) proposals_->Resolve(event.proposal_id(), applied);
}

void HubImpl::Shutdown() {
  if (shut_down_.exchange(true)) return;
  spdlog::info("accord-hub shutting down");
  // End the long-lived streams ourselves (see stream_registry.h), then shut
  // the server down without waiting for idle client connections to close.
  streams_.StopAll();
  // Changes still waiting for the journal: answer their callers now, so the
  // server's shutdown does not wait on them.
  if (proposals_) {
    proposals_->FailAll(absl::UnavailableError(
        "this hub process is shutting down before it applied the change; check with `accordctl "
        "agreement list` or `accordctl key list`, and send it again if it is not there"));
  }
  if (!streams_.WaitEmpty(absl::Now() + absl::Seconds(5))) {
    spdlog::warn("{} streams did not end within 5 s; cancelling them", streams_.size());
  }
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  if (quarantine_service_) quarantine_service_->Stop();  // before the ingest log goes
  spdlog::info("gRPC server stopped");
  if (http_) http_->stop();
  if (http_thread_.joinable()) http_thread_.join();
  stop_refresher_.Notify();
  if (refresher_.joinable()) refresher_.join();
  if (retention_thread_.joinable()) retention_thread_.join();  // waits for an erasure in progress
  if (ingest_) ingest_->Stop();
  if (policy_) {
    // Let the stage finish what was acknowledged, then stop.
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (ingest_->backlog() > 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    policy_->Stop();
    spdlog::info("policy stage stopped ({} records not yet processed)", ingest_->backlog());
  }
  if (journal_) {
    // Apply what is in the journal now, so this process stops up to date.
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (journal_->healthy() && journal_->lag() > 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    spdlog::info("journal: applied up to entry {} ({} not yet applied)", journal_->next_offset(),
                 journal_->lag());
    journal_->Stop();
  }
  if (feed_mirror_) feed_mirror_->Stop();
  feed_mirror_.reset();
  if (db_) {
    if (policy_ || journal_) SyncQuarantined();
    if (auto s = SaveMetrics(*db_, metrics_, /*sync=*/true); !s.ok()) {
      ops::LogEvent(spdlog::level::err, "metrics", "save_failed", {{"error", std::string(s.message())}});
    }
  }
  policy_.reset();
  journal_.reset();
  committer_.reset();
  ingest_.reset();
  server_.reset();
  ledger_.reset();
  agreements_.reset();
  keys_.reset();
  db_.reset();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Hub>> Hub::Start(HubConfig config) {
  auto hub = std::make_unique<HubImpl>(std::move(config));
  if (auto s = hub->Init(); !s.ok()) return s;
  return hub;
}

}  // namespace accord::hub
