#include "tail.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "accord/client/subscriber.h"

namespace accord::analyst {

int RunTail(const client::ChannelOptions& channel_options, const TailOptions& options) {
  const uint64_t from = options.from;
  const size_t expect = options.expect;
  const double idle_seconds = options.idle_seconds;
  const size_t show = options.show;
  auto channel = accord::client::MakeChannel(channel_options);
  if (!channel.ok()) {
    std::cerr << "accord-analyst: " << channel.status().message() << "\n";
    return 1;
  }
  absl::Mutex mu;
  size_t received = 0;
  absl::Time last = absl::Now();
  std::set<std::string> delivery_ids;
  std::map<std::string, size_t> by_flow, by_area;
  // Pseudonymised NHS numbers per flow: tokens seen in more than one flow are
  // the same person recorded by two agencies (linkage inside one agreement).
  std::map<std::string, std::set<std::string>> nhs_token_flows;
  accord::client::SubscriberOptions opts;
  opts.from_position = from;
  auto sub = accord::client::Subscriber::Start(*channel, channel_options, opts,
                                               [&](const accord::v1::Delivery& d) {
    absl::MutexLock lock(&mu);
    last = absl::Now();
    if (!delivery_ids.insert(d.record().delivery_id()).second) return true;  // de-duplicate
    ++received;
    const auto& r = d.record();
    by_flow[r.agreement_id() + " / " + r.flow_id() + " (" + r.provider() + " -> " + r.recipient() + ")"]++;
    by_area[r.area().empty() ? "(no area)" : r.area()]++;
    for (const auto& f : r.fields()) {
      if (f.name().find("nhs_number") != std::string::npos && f.value().text().rfind("pz1_", 0) == 0) {
        nhs_token_flows[r.agreement_id() + "|" + f.value().text()].insert(r.flow_id());
      }
    }
    if (received <= show) std::cout << "#" << d.position() << " " << r.ShortDebugString() << "\n";
    return expect == 0 || received < expect;
  });
  for (;;) {
    if (sub->WaitUntilStopped(absl::Milliseconds(200))) break;
    absl::MutexLock lock(&mu);
    if (absl::Now() - last > absl::Seconds(idle_seconds)) break;
  }
  sub->Stop();
  absl::MutexLock lock(&mu);
  std::cout << "\nReceived " << received << " cleaned records (next position " << sub->next_position()
            << ")\n  by agreement / flow:\n";
  for (const auto& [k, n] : by_flow) std::cout << "    " << n << "  " << k << "\n";
  std::vector<std::pair<size_t, std::string>> areas;
  for (const auto& [k, n] : by_area) areas.emplace_back(n, k);
  std::sort(areas.begin(), areas.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::cout << "  busiest areas (of " << areas.size() << "):\n";
  for (size_t i = 0; i < areas.size() && i < 8; ++i) {
    std::cout << "    " << areas[i].first << "  " << areas[i].second << "\n";
  }
  size_t linked = 0;
  for (const auto& [token, flows] : nhs_token_flows) linked += flows.size() > 1;
  std::cout << "  people (by pseudonymised NHS number) seen by both police and A&E: " << linked << "\n";
  if (!sub->status().ok()) {
    std::cerr << "accord-analyst: " << sub->status().message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace accord::analyst
