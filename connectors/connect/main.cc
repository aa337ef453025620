// accord-connect: streams an agency's records into the hub.
//
// This first version reads JSON Lines, one accord.v1.Record per line in the
// protobuf JSON mapping (see deploy/sample/). Lines that do not parse, and
// records the hub rejects, go to a dead-letter file beside the source with
// their reason; nothing is skipped silently. CSV, mappings, watched
// directories and durable checkpoints are the connector issue's next steps.
#include <fstream>
#include <iostream>
#include <map>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "accord/client/channel.h"
#include "accord/client/publisher.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace {

struct Options {
  accord::client::ChannelOptions channel;
  std::string jsonl;
  std::string dead_letter;
  size_t batch = 500;
  bool json = false;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"accord-connect: stream an agency's records into an Accord hub"};
  app.require_subcommand(1);
  auto* publish = app.add_subcommand("publish", "Publish the records of a JSON Lines file");
  publish->add_option("--hub", o.channel.target, "The hub's address HOST:PORT")->required();
  publish->add_option("--ca", o.channel.ca_file, "CA that issued the hub's certificate (PEM)");
  publish->add_option("--cert", o.channel.cert_file, "Your agency's client certificate (PEM)");
  publish->add_option("--key", o.channel.key_file, "Your agency's client key (PEM)");
  publish->add_flag("--insecure-dev", o.channel.insecure_dev, "Plaintext, to a hub run with --insecure-dev");
  publish->add_option("--as", o.channel.agency, "Your agency id (required with --insecure-dev)");
  publish->add_option("--jsonl", o.jsonl, "Records, one accord.v1.Record JSON object per line")
      ->required()->check(CLI::ExistingFile);
  publish->add_option("--dead-letter", o.dead_letter,
                      "Where unparseable or rejected rows go (default: <jsonl>.dead-letter.jsonl)");
  publish->add_option("--batch", o.batch, "Records per batch (default 500)");
  publish->add_flag("--json", o.json, "Print the summary as JSON");
  CLI11_PARSE(app, argc, argv);
  if (o.dead_letter.empty()) o.dead_letter = o.jsonl + ".dead-letter.jsonl";

  auto channel = accord::client::MakeChannel(o.channel);
  if (!channel.ok()) {
    std::cerr << "accord-connect: " << channel.status().message() << "\n";
    return 1;
  }
  std::ofstream dead(o.dead_letter, std::ios::trunc);
  size_t dead_lettered = 0, sent = 0, accepted = 0, duplicate = 0;
  std::map<std::string, size_t> rejected;
  std::map<std::string, size_t> line_of;  // record id -> source line, for the dead letter
  auto write_dead = [&](size_t line, const std::string& reason, const std::string& row) {
    nlohmann::json j{{"line", line}, {"reason", reason}, {"row", row}};
    dead << j.dump() << "\n";
    ++dead_lettered;
  };
  std::ifstream in(o.jsonl);
  std::vector<std::string> rows;  // kept to dead-letter rejected rows verbatim
  accord::client::PublisherOptions popts;
  popts.batch_records = o.batch;
  auto publisher = accord::client::Publisher::Open(
      *channel, o.channel, popts,
      [&](const accord::v1::Record& r, const accord::v1::RecordOutcome& outcome) {
        switch (outcome.status()) {
          case accord::v1::RecordOutcome::ACCEPTED: ++accepted; break;
          case accord::v1::RecordOutcome::DUPLICATE: ++duplicate; break;
          default: {
            rejected[accord::v1::RejectReason_Name(outcome.reason())]++;
            const size_t line = line_of[r.record_id()];
            write_dead(line, absl::StrCat(accord::v1::RejectReason_Name(outcome.reason()), ": ",
                                          outcome.message()),
                       line > 0 && line <= rows.size() ? rows[line - 1] : "");
          }
        }
      });
  if (!publisher.ok()) {
    std::cerr << "accord-connect: " << publisher.status().message() << "\n";
    return 1;
  }
  const absl::Time start = absl::Now();
  std::string row;
  size_t line = 0;
  google::protobuf::util::JsonParseOptions parse;
  while (std::getline(in, row)) {
    ++line;
    rows.push_back(row);
    if (row.empty()) continue;
    accord::v1::Record record;
    auto st = google::protobuf::util::JsonStringToMessage(row, &record, parse);
    if (!st.ok()) {
      write_dead(line, absl::StrCat("not an accord.v1.Record: ", std::string(st.message())), row);
      continue;
    }
    line_of[record.record_id()] = line;
    ++sent;
    if (auto s = (*publisher)->Publish(std::move(record)); !s.ok()) {
      std::cerr << "accord-connect: the hub stopped the stream: " << s.message() << "\n";
      break;
    }
  }
  absl::Status closed = (*publisher)->Close();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  size_t rejected_total = 0;
  for (const auto& [reason, n] : rejected) rejected_total += n;
  if (o.json) {
    nlohmann::json j{{"file", o.jsonl}, {"sent", sent}, {"accepted", accepted}, {"duplicate", duplicate},
                     {"rejected", rejected}, {"dead_lettered", dead_lettered},
                     {"dead_letter_file", o.dead_letter}, {"seconds", seconds}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << o.jsonl << ": sent " << sent << ", accepted " << accepted << ", duplicate "
              << duplicate << ", rejected " << rejected_total << ", dead-lettered " << dead_lettered
              << " (" << absl::StrCat(static_cast<int64_t>(seconds * 1000)) << " ms)\n";
    for (const auto& [reason, n] : rejected) std::cout << "  rejected " << reason << ": " << n << "\n";
    if (dead_lettered > 0) std::cout << "  see " << o.dead_letter << "\n";
  }
  if (!closed.ok()) {
    std::cerr << "accord-connect: " << closed.message() << "\n";
    return 1;
  }
  return dead_lettered > 0 ? 2 : 0;
}
