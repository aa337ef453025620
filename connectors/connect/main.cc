// accord-connect: streams an agency's records into the hub.
//
//   accord-connect publish --config connect.yaml
//   accord-connect publish --hub H:P --ca ca.crt --cert me.crt --key me.key \
//       --mapping police.yaml --source incidents.csv
//   accord-connect publish ... --mapping police.yaml --watch /srv/drop
//   accord-connect publish --mapping police.yaml --source incidents.csv --dry-run
//   accord-connect check --mapping police.yaml --agreement isa.yaml
//
// See connectors/README.md. Exit status: 0 every row delivered; 2 some rows
// dead-lettered or (--watch) a file set aside in failed/ (the run still
// completed); 1 an error stopped the run (the checkpoint keeps what was
// delivered).
#include <csignal>
#include <iostream>

#include "CLI/CLI.hpp"
#include "accord/ops/cli.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "accord/base/read_file.h"
#include "accord/policy/agreement_parser.h"
#include "config.h"
#include "dead_letter.h"
#include "delivery.h"
#include "mapping.h"
#include "malloc_tuning.h"
#include "mapping_check.h"
#include "source_runner.h"
#include "watch.h"
#include "nlohmann/json.hpp"

namespace {

using accord::connect::Config;

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

absl::StatusOr<accord::policy::Agreement> LoadAgreement(const std::string& path) {
  auto text = accord::base::ReadFile(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat("agreement: ", text.status().message()));
  }
  return accord::policy::ParseAgreementOrError(*text, path);
}

int Fail(const absl::Status& s) {
  std::cerr << "accord-connect: " << s.message() << "\n";
  return 1;
}

int RunCheck(const std::string& mapping_path, const std::string& agreement_path) {
  auto mapping = accord::connect::LoadMapping(mapping_path);
  if (!mapping.ok()) return Fail(mapping.status());
  auto agreement = LoadAgreement(agreement_path);
  if (!agreement.ok()) return Fail(agreement.status());
  auto report = accord::connect::CheckMapping(*mapping, *agreement);
  for (const auto& e : report.errors) std::cout << "error: " << e << "\n";
  for (const auto& w : report.warnings) std::cout << "warning: " << w << "\n";
  if (!report.ok()) {
    std::cout << mapping_path << ": " << report.errors.size() << " mismatch(es) with dataset "
              << mapping->dataset << " of " << agreement->id << "; refused\n";
    return 1;
  }
  std::cout << mapping_path << ": matches dataset " << mapping->dataset << " v"
            << mapping->dataset_version << " of " << agreement->id << "\n";
  return 0;
}

void PrintSummary(const std::string& what, const accord::connect::DeliveryStats& s, double seconds,
                  const std::string& dead_letter, bool json, bool dry_run) {
  uint64_t rejected = 0, failed = 0;
  for (const auto& [r, n] : s.rejected) rejected += n;
  for (const auto& [r, n] : s.failed_local) failed += n;
  if (json) {
    nlohmann::json j{{"source", what},          {"read", s.read},
                     {"sent", s.sent},          {"resent", s.resent},
                     {"accepted", s.accepted},  {"duplicate", s.duplicate},
                     {"rejected", s.rejected},  {"unreadable_or_unmappable", s.failed_local},
                     {"dead_lettered", s.dead_lettered}, {"dead_letter_file", dead_letter},
                     {"reconnects", s.reconnects}, {"seconds", seconds}, {"dry_run", dry_run}};
    std::cout << j.dump(2) << "\n";
    return;
  }
  if (dry_run) {
    std::cout << what << " (dry run, nothing sent): " << s.read << " rows read, " << s.sent
              << " valid, " << failed << " unreadable or unmappable\n";
    for (const auto& [reason, n] : s.failed_local) std::cout << "  " << reason << ": " << n << "\n";
    return;
  }
  std::cout << what << ": sent " << s.sent
            << ", accepted " << s.accepted << ", duplicate " << s.duplicate << ", rejected "
            << rejected << ", dead-lettered " << s.dead_lettered << " (read " << s.read
            << ", unreadable or unmappable " << failed << ", " << static_cast<int64_t>(seconds * 1000)
            << " ms";
  if (s.reconnects > 0) std::cout << ", " << s.reconnects << " reconnects, " << s.resent << " resent";
  std::cout << ")\n";
  for (const auto& [reason, n] : s.rejected) std::cout << "  rejected by the hub, " << reason << ": " << n << "\n";
  for (const auto& [reason, n] : s.failed_local) std::cout << "  " << reason << ": " << n << "\n";
  if (s.dead_lettered > 0 && !dead_letter.empty()) std::cout << "  see " << dead_letter << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  accord::connect::TuneMallocForPublishing();  // before any other thread starts
  Config c;
  std::string config_file;
  CLI::App app{
      "accord-connect: stream an agency's records (CSV, JSON Lines, a drop directory or stdin) into "
      "an Accord hub over mTLS, mapped to an agreement's dataset, with checkpoints, retries and "
      "dead letters. Exit status: 0 all delivered, 2 some rows dead-lettered, 1 error."};
  app.require_subcommand(1);
  accord::ops::AddVersionFlag(app, "accord-connect");
  auto* publish = app.add_subcommand(
      "publish", "Read a source, map each row and publish it; resumes from the source's checkpoint");
  publish->add_option("--config", config_file,
                      "YAML file with any of the options below (keys: the option names without "
                      "'--', '-' as '_'); the command line wins");
  publish->add_option("--hub", c.channel.target, "The hub's address HOST:PORT");
  publish->add_option("--ca", c.channel.ca_file, "CA certificate that issued the hub's certificate (PEM)");
  publish->add_option("--cert", c.channel.cert_file, "Your agency's client certificate (PEM): your identity");
  publish->add_option("--key", c.channel.key_file, "Your agency's client private key (PEM)");
  publish->add_flag("--insecure-dev", c.channel.insecure_dev,
                    "DEVELOPMENT ONLY: plaintext to a hub run with --insecure-dev");
  publish->add_option("--as", c.channel.agency, "Your agency id (required with --insecure-dev)");
  publish->add_option("--mapping", c.mapping,
                      "Mapping YAML (columns -> dataset fields; see deploy/mappings/). Without it, "
                      "each line must be an accord.v1.Record in JSON");
  publish->add_option("--source", c.source,
                      "The file to read (CSV or JSON Lines, as the mapping says); '-' = stdin. stdin "
                      "has no checkpoint. A hub outage loses nothing (unfinished rows are kept in "
                      "memory and resent); SIGINT/SIGTERM stop reading and deliver every row already "
                      "read (the summary counts them; later input is not read). If the connector "
                      "itself dies (SIGKILL, crash) the rows not yet acknowledged are lost to it: the "
                      "caller must send the input again (all of it, or from the last row it knows "
                      "was acknowledged); rows already delivered come back DUPLICATE, since the hub "
                      "de-duplicates on the record id");
  publish->add_option("--jsonl", c.source, "Same as --source (kept for older scripts)");
  publish->add_option("--watch", c.watch,
                      "A drop directory: files are picked up as they arrive and moved to done/ when delivered");
  publish->add_flag("--once", c.once, "With --watch: stop when no file is waiting");
  publish->add_option("--agreement", c.agreement,
                      "Agreement YAML: validate every row against its dataset before sending "
                      "(bad rows are dead-lettered locally)");
  publish->add_option("--checkpoint-dir", c.checkpoint_dir,
                      "Directory for the durable checkpoints (<name>.<path hash>.accord-checkpoint) that let a "
                      "restarted connector resume where it stopped. Without it (and without --watch, "
                      "which keeps them in <dir>/.accord/) a rerun starts from the top; the hub "
                      "de-duplicates, so nothing arrives twice. Files only: ignored for stdin");
  publish->add_option("--dead-letter", c.dead_letter,
                      "Dead-letter file for rows that cannot be parsed, mapped or are rejected "
                      "(default: <source>.dead-letter.jsonl; appended to)");
  publish->add_option("--batch", c.batch, "Records per batch (default 500)");
  publish->add_option("--max-inflight", c.max_inflight, "Unacknowledged batches at most: bounds memory (default 8)");
  publish->add_option("--linger-ms", c.linger_ms, "How long a partial batch waits for more rows (default 5)");
  publish->add_option("--initial-backoff-ms", c.initial_backoff_ms,
                      "First wait before reconnecting to a hub that is away (default 200; doubles, +-25% jitter)");
  publish->add_option("--max-backoff-ms", c.max_backoff_ms, "Longest wait between reconnects (default 10000)");
  publish->add_option("--progress", c.progress,
                      "auto (bar on a terminal, else a log line every 10 s) | bar | log | none");
  publish->add_option("--settle-ms", c.settle_ms, "With --watch: a file unchanged this long is complete (default 2000)");
  publish->add_option("--poll-ms", c.poll_ms, "With --watch: how often to look for files (default 1000)");
  publish->add_flag("--dry-run", c.dry_run,
                    "Parse and map every row (and validate with --agreement) without sending; "
                    "no checkpoint, no dead-letter file");
  publish->add_flag("--json", c.json, "Print the summary as JSON");

  std::string check_mapping, check_agreement;
  auto* check = app.add_subcommand(
      "check", "List every mismatch between a mapping and an agreement's dataset schema; exit 1 if any");
  check->add_option("--mapping", check_mapping, "Mapping YAML")->required();
  check->add_option("--agreement", check_agreement, "Agreement YAML")->required();
  // Usage errors exit 1 ("1 error" above: 2 means rows were dead-lettered).
  if (auto rc = accord::ops::ParseCommandLine(app, argc, argv, /*usage_exit=*/1)) return *rc;

  if (check->parsed()) return RunCheck(check_mapping, check_agreement);

  if (!config_file.empty()) {
    std::vector<std::string> on_cli;
    for (const CLI::Option* opt : publish->get_options()) {
      if (opt->count() > 0) on_cli.push_back(opt->get_name(false, true).substr(2));
    }
    if (absl::Status s = accord::connect::LoadConfigFile(config_file, on_cli, &c); !s.ok()) return Fail(s);
  }
  if (c.source.empty() == c.watch.empty()) return Fail(absl::InvalidArgumentError("give one of --source or --watch"));
  if (!c.dry_run && c.channel.target.empty()) return Fail(absl::InvalidArgumentError("--hub is required"));

  std::optional<accord::connect::Mapping> mapping;
  if (!c.mapping.empty()) {
    auto m = accord::connect::LoadMapping(c.mapping);
    if (!m.ok()) return Fail(m.status());
    mapping = std::move(*m);
  }
  std::optional<accord::policy::Agreement> agreement;
  const accord::policy::DatasetSpec* schema = nullptr;
  if (!c.agreement.empty()) {
    auto a = LoadAgreement(c.agreement);
    if (!a.ok()) return Fail(a.status());
    agreement = std::move(*a);
    if (mapping) {
      auto report = accord::connect::CheckMapping(*mapping, *agreement);
      if (!report.ok()) {
        for (const auto& e : report.errors) std::cerr << "error: " << e << "\n";
        return Fail(absl::FailedPreconditionError("the mapping does not match the agreement (see `check`)"));
      }
      schema = agreement->FindDataset(mapping->dataset);
    }
  }

  accord::connect::DeliveryOptions dopts;
  dopts.channel = c.channel;
  dopts.publisher.batch_records = c.batch;
  dopts.publisher.max_inflight = c.max_inflight;
  dopts.publisher.linger = absl::Milliseconds(c.linger_ms);
  dopts.publisher.close_timeout = absl::Seconds(10);
  dopts.initial_backoff = absl::Milliseconds(c.initial_backoff_ms);
  dopts.max_backoff = absl::Milliseconds(c.max_backoff_ms);
  dopts.dry_run = c.dry_run;
  if (!c.dry_run) {
    if (absl::Status s = dopts.channel.Validate(); !s.ok()) return Fail(s);
    if (absl::Status s = dopts.publisher.Validate(); !s.ok()) return Fail(s);
  }
  using Mode = accord::connect::Progress::Mode;
  Mode mode = Mode::kAuto;
  if (c.progress == "bar") mode = Mode::kBar;
  else if (c.progress == "log") mode = Mode::kLog;
  else if (c.progress == "none") mode = Mode::kNone;
  else if (c.progress != "auto") return Fail(absl::InvalidArgumentError("--progress is auto, bar, log or none"));
  accord::connect::Progress progress(mode);

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  accord::connect::RunOptions run;
  run.mapping = mapping ? &*mapping : nullptr;
  run.schema = schema;
  run.checkpoint_dir = c.checkpoint_dir;
  // Checkpoints need a place to live: --checkpoint-dir (a watched directory
  // always has its own). Without one a rerun starts again from the top and the
  // hub's de-duplication keeps delivery exactly-once.
  run.use_checkpoint = !c.dry_run && (!c.checkpoint_dir.empty() || !c.watch.empty());
  run.stop = &g_stop;

  const absl::Time start = absl::Now();
  absl::Status status;
  std::string dead_path;
  accord::connect::DeadLetter null_dead(c.dry_run ? "/dev/null" : "");
  if (!c.source.empty()) {
    dead_path = c.dry_run ? "" : !c.dead_letter.empty() ? c.dead_letter
                              : c.source == "-"        ? "stdin.dead-letter.jsonl"
                                                       : c.source + ".dead-letter.jsonl";
    accord::connect::DeadLetter dead(c.dry_run ? "/dev/null" : dead_path);
    accord::connect::Deliverer deliverer(dopts, &dead);
    status = accord::connect::RunSource(c.source, run, &deliverer, &progress);
    absl::Status closed = deliverer.Close();
    if (status.ok()) status = closed;
    PrintSummary(c.source, deliverer.stats(), absl::ToDoubleSeconds(absl::Now() - start), dead_path,
                 c.json, c.dry_run);
    if (!status.ok()) return Fail(status);
    return deliverer.stats().dead_lettered > 0 ? 2 : 0;
  }
  accord::connect::Deliverer deliverer(dopts, &null_dead);
  accord::connect::WatchOptions w;
  w.settle = absl::Milliseconds(c.settle_ms);
  w.poll = absl::Milliseconds(c.poll_ms);
  w.once = c.once;
  size_t files_failed = 0;
  accord::connect::DeliveryStats before;
  status = accord::connect::WatchDirectory(
      c.watch, w, run, &deliverer, &progress, [&](const std::string& file, const absl::Status& s) {
        const auto now = deliverer.stats();
        if (s.ok()) std::cerr << "accord-connect: " << file << ": delivered, moved to done/\n";
        else ++files_failed, std::cerr << "accord-connect: " << s.message() << "\n";
        (void)before;
        before = now;
      });
  absl::Status closed = deliverer.Close();
  if (status.ok()) status = closed;
  PrintSummary(c.watch, deliverer.stats(), absl::ToDoubleSeconds(absl::Now() - start),
               c.watch + "/done/*.dead-letter.jsonl", c.json, c.dry_run);
  if (!status.ok()) return Fail(status);
  if (files_failed > 0) std::cout << "  " << files_failed << " file(s) moved to " << c.watch << "/failed/\n";
  return deliverer.stats().dead_lettered > 0 || files_failed > 0 ? 2 : 0;
}
