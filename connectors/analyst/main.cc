// accord-analyst: the reference downstream analysis service.
//
//   accord-analyst tail     follow the feed and print what arrives (no state)
//   accord-analyst sync     follow the feed into the state DB until idle (resumes)
//   accord-analyst backfill rebuild the state from the audit store's record query
//   accord-analyst report   write figures.json, CSVs and report.html from the state
//   accord-analyst serve    follow the feed and serve the live figures over HTTP
//   accord-analyst note     add a note to the data-difficulties register, or set its status
#include <csignal>
#include <iostream>
#include <set>

#include "CLI/CLI.hpp"
#include "accord/ops/cli.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "accord/client/channel.h"
#include "agreements.h"
#include "http_server.h"
#include "hub_client.h"
#include "outputs.h"
#include "register.h"
#include "store.h"
#include "tail.h"

namespace {

using accord::analyst::AnalystStore;

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

void AddHubOptions(CLI::App* cmd, accord::client::ChannelOptions& o) {
  cmd->add_option("--hub", o.target, "The hub's address HOST:PORT")->required();
  cmd->add_option("--ca", o.ca_file, "CA that issued the hub's certificate (PEM)");
  cmd->add_option("--cert", o.cert_file, "Your agency's client certificate (PEM)");
  cmd->add_option("--key", o.key_file, "Your agency's client key (PEM)");
  cmd->add_flag("--insecure-dev", o.insecure_dev, "Plaintext, to a hub run with --insecure-dev");
  cmd->add_option("--as", o.agency, "Your agency id (required with --insecure-dev)");
}

int Fail(const absl::Status& s) {
  std::cerr << "accord-analyst: " << s.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  accord::client::ChannelOptions channel_options;
  accord::analyst::TailOptions tail_options;
  accord::analyst::SyncOptions sync_options;
  accord::analyst::FigureOptions figure_options;
  std::string state_dir, out_dir, as_of, http = "127.0.0.1:0";
  std::vector<std::string> datasets;
  double idle_seconds = 3;

  CLI::App app{"accord-analyst: the partnership's live crime and disorder audit from Accord feeds"};
  app.footer("Exit codes: 0 done; 1 error (the message says which); 2 usage error.");
  app.require_subcommand(1);
  accord::ops::AddVersionFlag(app, "accord-analyst");
  auto* tail = app.add_subcommand("tail", "Follow your feed and print what arrives (keeps no state)");
  AddHubOptions(tail, channel_options);
  tail->add_option("--from", tail_options.from, "First feed position (default 1)");
  tail->add_option("--expect", tail_options.expect, "Stop after this many deliveries (0 = until idle)");
  tail->add_option("--idle", tail_options.idle_seconds, "Stop after this many seconds without deliveries (default 3)");
  tail->add_option("--show", tail_options.show, "Print this many records in full (default 5)");

  auto* sync = app.add_subcommand("sync", "Store your feed in the state DB, resuming where it stopped, until idle");
  AddHubOptions(sync, channel_options);
  sync->add_option("--state", state_dir, "The analyst's state directory (RocksDB)")->required();
  sync->add_option("--idle", idle_seconds, "Stop after this many seconds without deliveries (default 3)");
  sync->add_option("--expect", sync_options.expect, "Stop after this many new records (0 = until idle)");

  auto* backfill = app.add_subcommand("backfill", "Rebuild the state from the hub's audit store (QueryRecords)");
  AddHubOptions(backfill, channel_options);
  backfill->add_option("--state", state_dir, "The analyst's state directory (RocksDB)")->required();
  backfill->add_option("--dataset", datasets, "Dataset to read (repeatable; default: every dataset your agreements send you)");

  auto* report = app.add_subcommand("report", "Write figures.json, CSVs and report.html from the state");
  report->add_option("--state", state_dir, "The analyst's state directory (RocksDB)")->required();
  report->add_option("--out", out_dir, "Output directory")->required();
  report->add_option("--as", figure_options.recipient, "Your agency id (selects your agreements' flows)");
  report->add_option("--hub-metrics", figure_options.hub_metrics, "The hub's metrics endpoint HOST:PORT (rejections)");
  report->add_option("--as-of", as_of, "Report date YYYY-MM-DD (default: now)");
  report->add_option("--config", figure_options.config_path,
                     "Analyst config YAML: analysis roles per dataset, interventions (deploy/analyst/analyst.yaml)");

  auto* serve = app.add_subcommand("serve", "Follow your feed and serve the live figures over HTTP");
  AddHubOptions(serve, channel_options);
  serve->add_option("--state", state_dir, "The analyst's state directory (RocksDB)")->required();
  serve->add_option("--http", http, "Listen address HOST:PORT for the figures (default 127.0.0.1:0)");
  serve->add_option("--hub-metrics", figure_options.hub_metrics, "The hub's metrics endpoint HOST:PORT (rejections)");
  serve->add_option("--config", figure_options.config_path, "Analyst config YAML (as for report)");

  std::string note_owner, note_subject, note_text, note_id, note_status;
  auto* note = app.add_subcommand("note", "Add a note to the data-difficulties register, or set a note's status");
  note->add_option("--state", state_dir, "The analyst's state directory (RocksDB)")->required();
  note->add_option("--owner", note_owner, "Who owns the difficulty (a new note)");
  note->add_option("--subject", note_subject, "What it is about, e.g. an agency or dataset (a new note)");
  note->add_option("--text", note_text, "The note (identifiers in it are redacted before it is stored)");
  note->add_option("--id", note_id, "An existing note's id (N1, N2, ...) to set its --status");
  note->add_option("--status", note_status, "open, in hand or resolved (with --id)");
  if (auto rc = accord::ops::ParseCommandLine(app, argc, argv)) return *rc;

  if (tail->parsed()) return accord::analyst::RunTail(channel_options, tail_options);

  if (!as_of.empty()) {
    absl::CivilDay day;
    if (!absl::ParseCivilTime(as_of, &day)) return Fail(absl::InvalidArgumentError("--as-of must be YYYY-MM-DD"));
    figure_options.as_of = absl::FromCivil(day, absl::UTCTimeZone());
  }
  auto store = AnalystStore::Open(state_dir);
  if (!store.ok()) return Fail(store.status());

  if (note->parsed()) {
    if (!note_id.empty()) {
      if (auto st = accord::analyst::SetNoteStatus(**store, note_id, note_status, absl::Now()); !st.ok()) return Fail(st);
      std::cout << "Note " << note_id << " is now " << note_status << "\n";
      return 0;
    }
    auto id = accord::analyst::AddNote(**store, note_owner, note_subject, note_text, absl::Now());
    if (!id.ok()) return Fail(id.status());
    std::cout << "Added note " << *id << "\n";
    return 0;
  }

  if (report->parsed()) {
    auto figures = accord::analyst::ComputeFigures(**store, figure_options);
    if (!figures.ok()) return Fail(figures.status());
    if (auto s = accord::analyst::WriteOutputs(*figures, out_dir); !s.ok()) return Fail(s);
    std::cout << accord::analyst::Summary(*figures) << "HTML report: " << out_dir << "/report.html\n";
    return 0;
  }

  auto channel = accord::client::MakeChannel(channel_options);
  if (!channel.ok()) return Fail(channel.status());
  auto agreements = accord::analyst::FetchAgreements(*channel, channel_options, **store);
  if (!agreements.ok()) return Fail(agreements.status());

  if (backfill->parsed()) {
    if (datasets.empty()) {
      auto infos = (*store)->Agreements();
      if (!infos.ok()) return Fail(infos.status());
      for (const auto& [dataset, fields] : accord::analyst::ReadAgreementTerms(*infos, channel_options.agency).fields_by_dataset) {
        datasets.push_back(dataset);
      }
    }
    auto added = accord::analyst::Backfill(*channel, channel_options, **store, datasets);
    if (!added.ok()) return Fail(added.status());
    std::cout << "Backfilled " << *added << " new records from " << datasets.size() << " datasets\n";
    return 0;
  }

  if (sync->parsed()) {
    sync_options.idle = absl::Seconds(idle_seconds);
    auto r = accord::analyst::Sync(*channel, channel_options, **store, sync_options);
    if (!r.ok()) return Fail(r.status());
    auto total = (*store)->RecordCount();
    std::cout << "Stored " << r->stored << " new records (" << r->delivered - r->stored
              << " duplicates dropped); " << (total.ok() ? *total : 0) << " in the state; next position "
              << r->next_position << "\n";
    return 0;
  }

  // serve
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  figure_options.recipient = channel_options.agency;
  auto colon = http.rfind(':');
  if (colon == std::string::npos) return Fail(absl::InvalidArgumentError("--http must be HOST:PORT"));
  AnalystStore* s = store->get();
  auto server = accord::analyst::FiguresServer::Start(
      http.substr(0, colon), std::atoi(http.c_str() + colon + 1), [s, figure_options] {
        auto o = figure_options;
        o.as_of = absl::Now();
        return accord::analyst::ComputeFigures(*s, o);
      });
  if (!server.ok()) return Fail(server.status());
  std::cout << "accord-analyst serving live figures on port " << (*server)->port() << std::endl;
  sync_options.idle = absl::InfiniteDuration();
  sync_options.stop = &g_stop;
  auto r = accord::analyst::Sync(*channel, channel_options, **store, sync_options);
  (*server)->Stop();
  if (!r.ok()) return Fail(r.status());
  return 0;
}
