// accord-loadgen: load generator for accord-hub (a benchmark tool, not a test).
//
// N publishers stream synthetic 16-field records (deploy/loadgen/agreement.yaml)
// over mTLS, at a target rate or as fast as the hub acknowledges; M
// subscribers follow the recipients' feeds from "now". It reports records/s
// acknowledged and delivered end to end, publish->ack and publish->delivery
// latency percentiles (after a warm-up), and the hub's peak RSS when given
// its pid. scripts/loadgen.sh sets up a hub and runs it.
//
// Threads: one per publisher (plus the Publisher's own two), one per
// subscriber (the Subscriber's), one RSS sampler, and main.
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "CLI/CLI.hpp"
#include "accord/ops/cli.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "accord/base/read_file.h"
#include "accord/client/channel.h"
#include "accord/client/publisher.h"
#include "accord/client/subscriber.h"
#include "flow_cost.h"
#include "latency.h"
#include "nlohmann/json.hpp"
#include "records.h"

namespace accord::loadgen {
namespace {

struct Options {
  std::string hub;
  std::string ca;
  std::string pki_dir;
  bool insecure_dev = false;
  std::string provider = "loadgen-police";
  std::vector<std::string> recipients = {"loadgen-csp", "loadgen-council"};
  int publishers = 2;
  int subscribers = 2;
  double rate = 0;  // records/s in all; 0 = as fast as the hub acknowledges
  double duration_s = 10;
  double warmup_s = 2;
  double drain_s = 30;
  size_t batch = 500;
  size_t inflight = 8;
  int hub_pid = 0;
  bool json = false;
  std::string agreement;  // the agreement the hub was given: measures the flows' own cost
};

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

client::ChannelOptions ChannelFor(const Options& o, const std::string& agency) {
  client::ChannelOptions c;
  c.target = o.hub;
  c.agency = agency;
  if (o.insecure_dev) {
    c.insecure_dev = true;
  } else {
    c.ca_file = o.ca.empty() ? o.pki_dir + "/ca.crt" : o.ca;
    c.cert_file = o.pki_dir + "/" + agency + ".crt";
    c.key_file = o.pki_dir + "/" + agency + ".key";
  }
  return c;
}

// VmRSS / VmHWM of a process in KiB, 0 if unreadable.
int64_t ProcStatusKib(int pid, const std::string& key) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::atoll(line.c_str() + key.size() + 1);
  }
  return 0;
}

// User + system CPU seconds a process has used, -1 if unreadable.
double ProcCpuSeconds(int pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) is in parentheses and may hold spaces.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::atof(field.c_str());  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct PublisherStats {
  uint64_t sent = 0;
  uint64_t accepted = 0;
  std::map<std::string, uint64_t> rejected;
  int64_t last_ack_us = 0;
  // Set by the outcome callback when the hub refuses for overload: the
  // publisher pauses until then, as a real connector backs off.
  std::atomic<int64_t> backoff_until_us{0};
  LatencyRecorder ack_latency;
  std::string error;
};

struct SubscriberStats {
  std::string recipient;
  std::atomic<uint64_t> received{0};
  std::atomic<int64_t> last_delivery_us{0};
  std::mutex mu;
  LatencyRecorder delivery_latency;  // guarded by mu (written on the subscriber thread)
};

void RunPublisher(const Options& o, int index, int64_t start_us, int64_t warm_us, int64_t end_us,
                  PublisherStats* stats) {
  const client::ChannelOptions copts = ChannelFor(o, o.provider);
  auto channel = client::MakeChannel(copts);
  if (!channel.ok()) {
    stats->error = std::string(channel.status().message());
    return;
  }
  client::PublisherOptions popts;
  popts.batch_records = o.batch;
  popts.max_inflight = o.inflight;
  popts.linger = absl::Milliseconds(2);
  RecordFactory factory(o.provider, absl::StrCat("lg", start_us, "p", index));
  auto publisher = client::Publisher::Open(
      *channel, copts, popts, [&](const v1::Record& r, const v1::RecordOutcome& outcome) {
        const int64_t now = NowMicros();
        const int64_t sent = r.fields(r.fields_size() - 1).value().integer();
        if (outcome.status() == v1::RecordOutcome::ACCEPTED ||
            outcome.status() == v1::RecordOutcome::DUPLICATE) {
          ++stats->accepted;
          if (sent >= warm_us) stats->ack_latency.Add(now - sent);
        } else {
          ++stats->rejected[v1::RejectReason_Name(outcome.reason())];
          if (outcome.reason() == v1::REJECT_UNAVAILABLE) stats->backoff_until_us.store(now + 50000);
        }
        stats->last_ack_us = now;
      });
  if (!publisher.ok()) {
    stats->error = std::string(publisher.status().message());
    return;
  }
  const double per_publisher = o.rate / o.publishers;
  for (uint64_t n = 0;; ++n) {
    const int64_t now = NowMicros();
    if (now >= end_us) break;
    if (const int64_t until = stats->backoff_until_us.load(); until > now) {
      absl::SleepFor(absl::Microseconds(until - now));
    }
    if (per_publisher > 0 && n % 50 == 0) {
      const int64_t due = start_us + static_cast<int64_t>(static_cast<double>(n) * 1e6 / per_publisher);
      if (due > now) absl::SleepFor(absl::Microseconds(due - now));
    }
    const uint64_t sequence = n * static_cast<uint64_t>(o.publishers) + static_cast<uint64_t>(index);
    // Built in place in the open batch (on its arena): no heap record.
    absl::StatusOr<v1::Record*> record = (*publisher)->NewRecord();
    absl::Status s = record.status();
    if (s.ok()) {
      factory.MakeInto(sequence, NowMicros(), *record);
      s = (*publisher)->CommitRecord();
    }
    if (!s.ok()) {
      stats->error = std::string(s.message());
      break;
    }
    ++stats->sent;
  }
  if (auto s = (*publisher)->Close(); !s.ok() && stats->error.empty()) stats->error = std::string(s.message());
}

int Run(const Options& o) {
  // Subscribers first, from "now", so they see exactly this run's records.
  std::vector<std::unique_ptr<SubscriberStats>> sub_stats;
  std::vector<std::unique_ptr<client::Subscriber>> subs;
  std::atomic<int64_t> warm_us{INT64_MAX};
  for (int i = 0; i < o.subscribers; ++i) {
    auto st = std::make_unique<SubscriberStats>();
    st->recipient = o.recipients[static_cast<size_t>(i) % o.recipients.size()];
    const client::ChannelOptions copts = ChannelFor(o, st->recipient);
    auto channel = client::MakeChannel(copts);
    if (!channel.ok()) {
      std::cerr << "accord-loadgen: " << channel.status().message() << "\n";
      return 2;
    }
    client::SubscriberOptions sopts;
    sopts.from_position = 0;
    SubscriberStats* raw = st.get();
    subs.push_back(client::Subscriber::Start(*channel, copts, sopts, [raw, &warm_us](const v1::Delivery& d) {
      uint64_t seq = 0;
      int64_t sent = 0;
      if (!ReadStamp(d.record(), &seq, &sent)) return true;  // not a load-test record
      const int64_t now = NowMicros();
      raw->received.fetch_add(1, std::memory_order_relaxed);
      raw->last_delivery_us.store(now, std::memory_order_relaxed);
      if (sent >= warm_us.load(std::memory_order_relaxed)) {
        std::lock_guard<std::mutex> lock(raw->mu);
        raw->delivery_latency.Add(now - sent);
      }
      return true;
    }));
    sub_stats.push_back(std::move(st));
  }
  for (int tries = 0; tries < 200; ++tries) {  // "from now" resolves on the first stream
    bool ready = true;
    for (auto& s : subs) ready &= s->next_position() != 0 || !s->status().ok();
    if (ready) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  for (auto& s : subs) {
    if (!s->status().ok()) {
      std::cerr << "accord-loadgen: subscriber: " << s->status().message() << "\n";
      return 2;
    }
  }

  std::atomic<bool> sampling{true};
  std::atomic<int64_t> peak_rss_kib{0};
  std::thread sampler([&] {
    while (o.hub_pid > 0 && sampling.load()) {
      const int64_t rss = ProcStatusKib(o.hub_pid, "VmRSS");
      if (rss > peak_rss_kib.load()) peak_rss_kib.store(rss);
      absl::SleepFor(absl::Milliseconds(100));
    }
  });

  const double hub_cpu_start = o.hub_pid > 0 ? ProcCpuSeconds(o.hub_pid) : -1;
  const double own_cpu_start = ProcCpuSeconds(getpid());
  const int64_t start_us = NowMicros();
  warm_us.store(start_us + static_cast<int64_t>(o.warmup_s * 1e6));
  const int64_t end_us = start_us + static_cast<int64_t>((o.warmup_s + o.duration_s) * 1e6);
  std::vector<PublisherStats> pub_stats(static_cast<size_t>(o.publishers));
  std::vector<std::thread> pubs;
  for (int i = 0; i < o.publishers; ++i) {
    pubs.emplace_back(RunPublisher, std::cref(o), i, start_us, warm_us.load(), end_us, &pub_stats[static_cast<size_t>(i)]);
  }
  for (auto& t : pubs) t.join();
  PublisherStats total;
  for (auto& p : pub_stats) {
    total.sent += p.sent;
    total.accepted += p.accepted;
    for (auto& [k, v] : p.rejected) total.rejected[k] += v;
    total.last_ack_us = std::max(total.last_ack_us, p.last_ack_us);
    total.ack_latency.Merge(p.ack_latency);
    if (!p.error.empty() && total.error.empty()) total.error = p.error;
  }
  // Drain: wait until every subscriber has every accepted record (one flow
  // per recipient) or the drain time is up.
  const absl::Time drain_until = absl::Now() + absl::Seconds(o.drain_s);
  while (absl::Now() < drain_until) {
    bool all = true;
    for (auto& s : sub_stats) all &= s->received.load() >= total.accepted;
    if (all) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  const double hub_cpu_end = o.hub_pid > 0 ? ProcCpuSeconds(o.hub_pid) : -1;
  const double own_cpu_end = ProcCpuSeconds(getpid());
  for (auto& s : subs) s->Stop();
  sampling = false;
  sampler.join();

  LatencyRecorder delivery;
  uint64_t min_received = UINT64_MAX;
  int64_t last_delivery = 0;
  for (auto& s : sub_stats) {
    std::lock_guard<std::mutex> lock(s->mu);
    delivery.Merge(s->delivery_latency);
    min_received = std::min<uint64_t>(min_received, s->received.load());
    last_delivery = std::max<int64_t>(last_delivery, s->last_delivery_us.load());
  }
  if (sub_stats.empty()) min_received = 0;
  const double publish_s = std::max(1e-6, (total.last_ack_us - start_us) / 1e6);
  const double e2e_s = std::max(1e-6, (last_delivery - start_us) / 1e6);
  nlohmann::json report = {
      {"publishers", o.publishers},
      {"subscribers", o.subscribers},
      {"target_rate", o.rate},
      {"sent", total.sent},
      {"accepted", total.accepted},
      {"rejected", total.rejected},
      {"acked_per_second", total.accepted / publish_s},
      {"delivered_min_per_subscriber", min_received},
      {"end_to_end_per_second", sub_stats.empty() ? 0.0 : min_received / e2e_s},
      {"ack_p50_ms", total.ack_latency.Percentile(50) / 1000.0},
      {"ack_p99_ms", total.ack_latency.Percentile(99) / 1000.0},
      {"delivery_p50_ms", delivery.Percentile(50) / 1000.0},
      {"delivery_p99_ms", delivery.Percentile(99) / 1000.0},
      {"hub_peak_rss_mib", peak_rss_kib.load() / 1024.0},
      {"hub_hwm_rss_mib", o.hub_pid > 0 ? ProcStatusKib(o.hub_pid, "VmHWM") / 1024.0 : 0.0},
      // The hub's CPU (all threads) from the first publish to the end of the
      // drain, per record delivered to every subscriber: what each record costs.
      {"hub_cpu_us_per_record", hub_cpu_start < 0 || hub_cpu_end < 0 || sub_stats.empty() || min_received == 0
                                    ? 0.0
                                    : (hub_cpu_end - hub_cpu_start) * 1e6 / static_cast<double>(min_received)},
      // The load generator's own CPU (publishers, subscribers, TLS) over the
      // same span and records: on one machine it shares the cores with the hub.
      {"loadgen_cpu_us_per_record", own_cpu_start < 0 || own_cpu_end < 0 || min_received == 0
                                        ? 0.0
                                        : (own_cpu_end - own_cpu_start) * 1e6 / static_cast<double>(min_received)},
      {"flow_engine_us_per_record", 0.0},
      {"flows_per_record", 0.0},
      {"hub_overhead_ratio", 0.0},
      {"undelivered_after_drain", sub_stats.empty() || min_received >= total.accepted ? 0 : total.accepted - min_received},
      {"error", total.error}};
  if (!o.agreement.empty()) {
    // The flows' own cost of these records, measured here after the run (the
    // hub is idle by now): the hub overhead ratio is the hub's CPU per record
    // over it (1.0 would be a hub that does nothing but apply the flows).
    const auto yaml = accord::base::ReadFile(o.agreement);
    auto cost = yaml.ok() ? MeasureFlowCost(*yaml, o.provider, 4000) : absl::StatusOr<FlowCost>(yaml.status());
    if (!cost.ok()) {
      std::cerr << "accord-loadgen: the flows' cost was not measured: " << cost.status().message() << "\n";
    } else {
      report["flow_engine_us_per_record"] = cost->us_per_record;
      report["flows_per_record"] = cost->flows_per_record;
      const double hub_us = report["hub_cpu_us_per_record"].get<double>();
      report["hub_overhead_ratio"] = cost->us_per_record > 0 ? hub_us / cost->us_per_record : 0.0;
    }
  }
  if (o.json) {
    std::cout << report.dump() << "\n";
  } else {
    std::cout << "accord-loadgen: " << o.publishers << " publishers, " << o.subscribers << " subscribers, "
              << (o.rate > 0 ? absl::StrCat(o.rate, " records/s target") : std::string("unthrottled")) << "\n";
    for (auto it = report.begin(); it != report.end(); ++it) std::cout << "  " << it.key() << ": " << it.value() << "\n";
  }
  if (!total.error.empty()) return 3;
  return report["undelivered_after_drain"].get<uint64_t>() > 0 ? 4 : 0;
}

}  // namespace
}  // namespace accord::loadgen

int main(int argc, char** argv) {
  accord::loadgen::Options o;
  CLI::App app{"accord-loadgen: drive a running accord-hub with synthetic records and report throughput, "
               "latency percentiles and the hub's peak RSS (see scripts/loadgen.sh)"};
  app.footer("Exit codes: 0 done; 1 error; 2 usage error.");
  accord::ops::AddVersionFlag(app, "accord-loadgen");
  std::string recipients = "loadgen-csp,loadgen-council";
  app.add_option("--hub", o.hub, "The hub's address HOST:PORT")->required();
  app.add_option("--pki", o.pki_dir, "Directory from `accordctl pki init` (ca.crt, <agency>.crt/.key)");
  app.add_option("--ca", o.ca, "CA certificate of the hub (default: <pki>/ca.crt)");
  app.add_flag("--insecure-dev", o.insecure_dev, "Plaintext, to a hub run with --insecure-dev");
  app.add_option("--provider", o.provider, "Publishing agency (default loadgen-police)");
  app.add_option("--recipients", recipients, "Comma-separated recipient agencies the subscribers act as");
  app.add_option("--publishers,-n", o.publishers, "Publisher streams (default 2)")->check(CLI::Range(1, 256));
  app.add_option("--subscribers,-m", o.subscribers, "Subscribers, round-robin over the recipients (default 2)")
      ->check(CLI::Range(0, 256));
  app.add_option("--rate,-r", o.rate, "Target records/s in all; 0 = as fast as the hub acknowledges (default)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--duration,-d", o.duration_s, "Measured seconds after the warm-up (default 10)")
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup", o.warmup_s, "Seconds of load before latencies are recorded (default 2)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--drain", o.drain_s, "Most seconds to wait for deliveries after publishing (default 30)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--batch", o.batch, "Records per Publish batch (default 500)")->check(CLI::Range(1, 100000));
  app.add_option("--inflight", o.inflight, "Unacknowledged batches per publisher (default 8)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--hub-pid", o.hub_pid, "The hub's pid, to sample its RSS (same machine)");
  app.add_option("--agreement", o.agreement,
                 "The agreement the hub was given (YAML): reports the flows' own CPU per record and the hub "
                 "overhead ratio (hub CPU per record / flow-engine CPU per record)");
  app.add_flag("--json", o.json, "Print the report as one JSON object");
  if (auto rc = accord::ops::ParseCommandLine(app, argc, argv)) return *rc;
  o.recipients = absl::StrSplit(recipients, ',', absl::SkipEmpty());
  if (o.recipients.empty()) o.subscribers = 0;
  if (!o.insecure_dev && o.pki_dir.empty()) {
    std::cerr << "accord-loadgen: give --pki DIR (or --insecure-dev)\n";
    return 1;
  }
  return accord::loadgen::Run(o);
}
