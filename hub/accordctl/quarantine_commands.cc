#include "quarantine_commands.h"

#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "accord/v1/quarantine_service.grpc.pb.h"
#include "exit_codes.h"
#include "hub_client.h"
#include "nlohmann/json.hpp"

namespace accord::ctl {
namespace {

using Json = nlohmann::ordered_json;

struct QuarantineListOptions {
  HubOptions hub;
  bool json = false;
};

struct QuarantineReplayOptions {
  HubOptions hub;
  bool all = false;
  std::vector<std::string> handles;
  bool json = false;
};

std::string Utc(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(ts.seconds()), absl::UTCTimeZone());
}

int RunQuarantineList(const QuarantineListOptions& o) {
  auto channel = Connect(o.hub);
  if (!channel.ok()) {
    std::cerr << "accordctl: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  auto stub = v1::QuarantineService::NewStub(*channel);
  std::vector<v1::QuarantinedRecord> records;
  uint64_t total = 0, ever = 0;
  std::string after;
  // Every page (the hub sends at most 1000 a call).
  for (;;) {
    grpc::ClientContext ctx;
    Prepare(o.hub, &ctx);
    v1::ListQuarantinedRequest req;
    req.set_after_handle(after);
    v1::ListQuarantinedResponse resp;
    grpc::Status s = stub->ListQuarantined(&ctx, req, &resp);
    if (!s.ok()) return FailRpc(s);
    total = resp.total();
    ever = resp.quarantined_ever();
    for (const auto& r : resp.records()) records.push_back(r);
    if (resp.records().empty() || records.size() >= total) break;
    after = resp.records(resp.records_size() - 1).handle();
  }
  if (o.json) {
    Json rows = Json::array();
    for (const auto& r : records) {
      rows.push_back(Json{{"handle", r.handle()},
                          {"record_id", r.record_id()},
                          {"dataset", r.dataset()},
                          {"reason", r.reason()},
                          {"quarantined_at", Utc(r.quarantined_at())},
                          {"event_time", r.has_event_time() ? Utc(r.event_time()) : ""}});
    }
    std::cout << Json{{"total", total}, {"quarantined_ever", ever}, {"records", rows}}.dump(2) << "\n";
    return kExitOk;
  }
  if (records.empty()) {
    std::cout << "The hub keeps no quarantined record of your agency (" << ever
              << " quarantined in all, since replayed or past retention).\n";
    return kExitOk;
  }
  for (const auto& r : records) {
    std::cout << r.handle() << "  " << r.dataset() << "  record " << r.record_id() << "\n  event "
              << (r.has_event_time() ? Utc(r.event_time()) : "-") << ", quarantined "
              << Utc(r.quarantined_at()) << "\n  why: " << r.reason() << "\n";
  }
  std::cout << total << " quarantined records kept for your agency (" << ever
            << " quarantined in all). Once the agreement is fixed, re-run them with "
               "`accordctl quarantine replay --all` (or name their handles).\n";
  return kExitOk;
}

int RunQuarantineReplay(const QuarantineReplayOptions& o) {
  if (o.all == !o.handles.empty()) {
    std::cerr << "accordctl: say which records to replay: --all, or their handles from "
                 "`accordctl quarantine list` (not both)\n";
    return kExitUsage;
  }
  auto channel = Connect(o.hub);
  if (!channel.ok()) {
    std::cerr << "accordctl: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  auto stub = v1::QuarantineService::NewStub(*channel);
  grpc::ClientContext ctx;
  Prepare(o.hub, &ctx);
  v1::ReplayQuarantinedRequest req;
  for (const auto& h : o.handles) req.add_handles(h);
  v1::ReplayQuarantinedResponse resp;
  grpc::Status s = stub->ReplayQuarantined(&ctx, req, &resp);
  if (!s.ok()) return FailRpc(s);
  const int rc = resp.not_found().empty() ? kExitOk : kExitUsage;
  if (o.json) {
    Json missing = Json::array();
    for (const auto& h : resp.not_found()) missing.push_back(h);
    std::cout << Json{{"replayed", resp.replayed()},
                      {"not_found", missing},
                      {"left_for_next_call", resp.left_for_next_call()}}
                     .dump(2)
              << "\n";
    return rc;
  }
  std::cout << "Replayed " << resp.replayed()
            << " records: the hub re-runs them under the agreements in force now. Those that still do "
               "not fit are quarantined again with the new reason: check `accordctl quarantine list` "
               "in a moment.\n";
  if (resp.left_for_next_call() > 0) {
    std::cout << resp.left_for_next_call()
              << " more records are kept (a call replays at most 10,000): run the command again.\n";
  }
  for (const auto& h : resp.not_found()) {
    std::cerr << "accordctl: " << h
              << " is not kept for your agency (already replayed, past quarantine retention, or not "
                 "your agency's record); `accordctl quarantine list` shows what is kept\n";
  }
  return rc;
}

}  // namespace

void AddQuarantineCommands(CLI::App& app, int* rc, const AddHubOptions& add_hub_options) {
  auto* q = app.add_subcommand(
      "quarantine", "Your agency's records that the hub accepted but could not process, with why; and "
                    "re-running them once the agreement is fixed");
  q->require_subcommand(1);

  static QuarantineListOptions list;
  static QuarantineReplayOptions replay;

  auto* list_cmd = q->add_subcommand(
      "list", "Your agency's quarantined records kept by the hub: handle, dataset, your record id, event "
              "and quarantine times, and why (fields and rules, never values)");
  add_hub_options(list_cmd, &list.hub, true);
  list_cmd->add_flag("--json", list.json, "Machine-readable output");
  list_cmd->callback([rc] { *rc = RunQuarantineList(list); });

  auto* replay_cmd = q->add_subcommand(
      "replay", "Re-run kept quarantined records of your agency under the agreements in force now "
                "(each is delivered at most once; one that still fails is quarantined again)");
  add_hub_options(replay_cmd, &replay.hub, true);
  replay_cmd->add_flag("--all", replay.all, "Every kept record of your agency");
  replay_cmd->add_option("handles", replay.handles, "Handles from `accordctl quarantine list`");
  replay_cmd->add_flag("--json", replay.json, "Machine-readable output");
  replay_cmd->callback([rc] { *rc = RunQuarantineReplay(replay); });
}

}  // namespace accord::ctl
