#include "accord/hub/kafka/kafka_probe.h"

#include "absl/strings/str_cat.h"
#include "accord/base/clock.h"
#include "accord/hub/core/thread_name.h"
#include "rdkafka.h"
#include "spdlog/spdlog.h"

namespace accord::hub {

struct KafkaProbe::Impl {
  KafkaProbeOptions options;
  kafka::KafkaPtr handle;
  std::atomic<int64_t> last_answer_ns{0};
  absl::Notification stop;
  std::thread thread;

  void Run() {
    NameThisThread("kafka-probe");
    bool was_reachable = true;
    do {
      const rd_kafka_metadata_t* md = nullptr;
      const rd_kafka_resp_err_t err = rd_kafka_metadata(
          handle.get(), /*all_topics=*/0, nullptr, &md, static_cast<int>(absl::ToInt64Milliseconds(options.timeout)));
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        kafka::MetadataPtr owned(md);
        if (md->broker_cnt > 0) last_answer_ns.store(absl::ToUnixNanos(options.clock->Now()));
      }
      const bool reachable = options.clock->Now() - absl::FromUnixNanos(last_answer_ns.load()) <= options.window;
      if (reachable != was_reachable) {
        // Said once per change, not per request.
        if (reachable) {
          spdlog::info("kafka: a broker answers again");
        } else {
          spdlog::error("kafka: no broker has answered for {} s ({}); this process reports itself not ready",
                        absl::ToInt64Seconds(options.window), rd_kafka_err2str(err));
        }
        was_reachable = reachable;
      }
    } while (!stop.WaitForNotificationWithTimeout(options.interval));
  }
};

absl::StatusOr<std::unique_ptr<KafkaProbe>> KafkaProbe::Start(const KafkaConfig& config, KafkaProbeOptions options) {
  if (options.clock == nullptr) options.clock = base::RealClock::Get();
  std::map<std::string, std::string> props = kafka::CommonProperties(config);
  props["log_level"] = "0";  // the hub's other handles report broker errors; the probe says its state once
  auto conf = kafka::MakeConf(props);
  if (!conf.ok()) return conf.status();
  char err[512];
  kafka::KafkaPtr handle(rd_kafka_new(RD_KAFKA_PRODUCER, conf->release(), err, sizeof(err)));
  if (handle == nullptr) return absl::InvalidArgumentError(absl::StrCat("Kafka probe: ", err));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handle = std::move(handle);
  impl->last_answer_ns.store(absl::ToUnixNanos(options.clock->Now()));  // not down before it tried
  std::unique_ptr<KafkaProbe> probe(new KafkaProbe(std::move(impl)));
  Impl* raw = probe->impl_.get();
  raw->thread = std::thread([raw] { raw->Run(); });
  return probe;
}

KafkaProbe::KafkaProbe(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KafkaProbe::~KafkaProbe() {
  impl_->stop.Notify();
  if (impl_->thread.joinable()) impl_->thread.join();
}

absl::Duration KafkaProbe::since_last_answer() const {
  return impl_->options.clock->Now() - absl::FromUnixNanos(impl_->last_answer_ns.load());
}

bool KafkaProbe::reachable() const { return since_last_answer() <= impl_->options.window; }

}  // namespace accord::hub
