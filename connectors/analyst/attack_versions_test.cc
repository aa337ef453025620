// The attacker check across published versions (attack.h,
// AttackOptions::previous): a reader who keeps version N and N+1 of the
// live pack and differences them. It catches a pair built to leak that way
// (each version clean on its own), and passes cell-key packs through normal
// updates.
#include <cstdio>
#include <functional>
#include <random>
#include <string>

#include "attack.h"
#include "attack_fixtures.h"
#include "gtest/gtest.h"
#include "publish.h"

namespace accord::analyst {
namespace {

using nlohmann::json;
using namespace fixtures;  // NOLINT: the test fixtures

// `n` recorded crimes at random over the 8 weeks from 1 September 2026 (four
// categories, three areas; the same for the same `seed`), record i received
// at received(i): the facts of the cell-key versions below.
std::vector<Fact> RandomFacts(uint32_t seed, int n, const std::function<absl::Time(int)>& received) {
  std::mt19937 rng(seed);
  std::vector<Fact> facts;
  const absl::Time start = At(2026, 9, 1);
  for (int i = 0; i < n; ++i) {
    Fact f = Record("recorded_crime", start + absl::Hours(24 * (rng() % 56)),
                    std::vector<std::string>{"theft", "robbery", "arson", "burglary"}[rng() % 4],
                    std::vector<std::string>{"a1", "a2", "a3"}[rng() % 3]);
    f.received_at = received(i);
    facts.push_back(f);
  }
  return facts;
}

// The attack on `pack` alone, then with the earlier `previous` versions:
// both reports, and the options of the second run (options.previous points
// at `previous`, which must outlive them).
struct AloneThenWithPrevious {
  AttackReport alone;
  AttackReport with_previous;
  AttackOptions options;
};
AloneThenWithPrevious AttackAloneThenWithPrevious(const json& pack, const std::vector<Fact>& facts,
                                                  const std::vector<PublishedVersion>& previous) {
  AloneThenWithPrevious out;
  out.alone = AttackPack(pack, facts);
  out.options.previous = &previous;
  out.with_previous = AttackPack(pack, facts, out.options);
  return out;
}

// Version N: robbery x a1 is "<10" (true 9) beside two more hidden cells and
// a visible one: each hidden cell could be 1..9. One robbery arrives; version
// N+1 shows robbery x a1 = 10. Across the two, a count can only grow by the
// records that arrived (the total grew by 1): robbery x a1 was 9 in N.
TEST(AttackVersionsTest, CatchesACountGivenAwayByTheNextVersion) {
  std::vector<Fact> facts;
  const absl::Time then = At(2026, 9, 20), now = At(2026, 9, 27);
  auto add = [&](const std::string& c, int n, absl::Time received) {
    for (int i = 0; i < n; ++i) {
      Fact f = Record("recorded_crime", At(2026, 9, 16), c, "a1");
      f.received_at = received;
      facts.push_back(f);
    }
  };
  add("robbery", 9, then);
  add("arson", 5, then);
  add("burglary", 5, then);
  add("theft", 20, then);
  add("robbery", 1, now);
  std::vector<Fact> old_facts;
  for (const Fact& f : facts) {
    if (f.received_at <= then) old_facts.push_back(f);
  }
  const absl::Time as_of = At(2026, 10, 20);
  const json before = ThresholdOnlyPack(old_facts, 10, as_of);
  const json after = ThresholdOnlyPack(facts, 10, as_of);
  ASSERT_EQ((*CountRow(const_cast<json&>(before), "week", "2026-W38", "robbery", "a1"))["count"], "<10");
  ASSERT_EQ((*CountRow(const_cast<json&>(after), "week", "2026-W38", "robbery", "a1"))["count"], "10");
  // Each version on its own: nothing.
  AttackReport r = AttackPack(before, old_facts);
  EXPECT_TRUE(r.inconsistent.empty()) << Describe(r);
  EXPECT_TRUE(r.leaks.empty()) << Describe(r);
  const std::vector<PublishedVersion> previous = {{before, then}};
  const AloneThenWithPrevious run = AttackAloneThenWithPrevious(after, facts, previous);
  const AttackOptions& options = run.options;
  EXPECT_TRUE(run.alone.inconsistent.empty()) << Describe(run.alone);
  EXPECT_TRUE(run.alone.leaks.empty()) << Describe(run.alone);
  // Together: the robbery count of version N, 9.
  r = run.with_previous;
  EXPECT_TRUE(r.inconsistent.empty()) << Describe(r);
  EXPECT_EQ(r.versions, 1u);
  EXPECT_TRUE(LeaksFigure(r, "(published version -1) recorded_crime week 2026-W38 robbery x a1", 9)) << Describe(r);
  for (const Leak& l : r.leaks) EXPECT_EQ(l.pointer.rfind("/previous/0/", 0), 0u) << l.pointer;
  // The backstop withholds a figure of the NEW version (the earlier one is
  // out already) until the pair is clean.
  json published = after;
  json check = ProtectAgainstAttack(published, facts, options);
  EXPECT_EQ(check["recoverable_small_counts"], 0) << check.dump();
  EXPECT_GT(check["withheld"].size(), 0u);
  EXPECT_FALSE(published.contains("previous"));
}

// The day period added between two versions: version N had weeks, months
// and quarters (robbery x a1 in 2026-W38: 21); version N+1 has days too,
// with nothing new, and shows Monday 20 and Tuesday "<10" (true 1), every
// total of the week withheld. On its own N+1 gives Tuesday 1..9. Together:
// the week did not change, so its count then IS Monday + Tuesday now, and
// Tuesday is 21 - 20 = 1 (a count that "can only grow" would only say
// Tuesday >= 1).
TEST(AttackVersionsTest, CatchesADayGivenAwayByTheWeeksBefore) {
  std::vector<Fact> facts;
  const absl::Time then = At(2026, 9, 20);
  for (int i = 0; i < 21; ++i) {
    Fact f = Record("recorded_crime", At(2026, 9, i < 20 ? 14 : 15), "robbery", "a1");
    f.received_at = then;
    facts.push_back(f);
  }
  const absl::Time as_of = At(2026, 10, 20);
  const json before = ThresholdOnlyPack(facts, 10, as_of);
  json after = ThresholdOnlyPack(facts, 10, as_of,
                                 {PeriodKind::kDay, PeriodKind::kWeek, PeriodKind::kMonth, PeriodKind::kQuarter});
  for (auto& r : after["counts"]) {
    if (r["period_kind"] != "day") r["count"] = "[c]";
  }
  after["health"]["datasets"][0]["records_received"] = "[c]";
  ASSERT_EQ((*CountRow(const_cast<json&>(before), "week", "2026-W38", "robbery", "a1"))["count"], "21");
  ASSERT_EQ((*CountRow(after, "day", "2026-09-14", "robbery", "a1"))["count"], "20");
  ASSERT_EQ((*CountRow(after, "day", "2026-09-15", "robbery", "a1"))["count"], "<10");
  const std::vector<PublishedVersion> previous = {{before, then}};
  const AloneThenWithPrevious run = AttackAloneThenWithPrevious(after, facts, previous);
  const AttackOptions& options = run.options;
  EXPECT_TRUE(run.alone.inconsistent.empty()) << Describe(run.alone);
  EXPECT_TRUE(run.alone.leaks.empty()) << Describe(run.alone);
  const AttackReport& r = run.with_previous;
  EXPECT_TRUE(r.inconsistent.empty()) << Describe(r);
  EXPECT_EQ(r.versions, 1u);
  EXPECT_TRUE(LeaksFigure(r, "recorded_crime day 2026-09-15 robbery x a1", 1)) << Describe(r);
  json published = after;
  json check = ProtectAgainstAttack(published, facts, options);
  EXPECT_EQ(check["recoverable_small_counts"], 0) << check.dump();
  EXPECT_EQ((*CountRow(published, "day", "2026-09-14", "robbery", "a1"))["count"], "[c]");
}

// The day period added between two versions (the demo: a report, then the
// same with the analyst config), with and without records arriving in
// between: the cell-key packs pass, the model holds, and the runs that did
// not change are solved as the sums of their days (the earlier version's
// figures over them, the same as this version's, are not added again).
TEST(AttackVersionsTest, DayPeriodAddedBetweenVersionsPasses) {
  for (int arrivals : {0, 12}) {
    const std::vector<Fact> facts = RandomFacts(11 + arrivals, 160 + arrivals, [](int i) {
      return i < 160 ? At(2026, 11, 1) : At(2026, 11, 2);
    });
    std::vector<Fact> old_facts(facts.begin(), facts.begin() + 160);
    PublishInput before = InputFor(old_facts, 5, At(2026, 11, 10));
    const json first = PublishFigures(before);
    ASSERT_EQ(first["disclosure"]["attacker_check"]["recoverable_small_counts"], 0);
    PublishInput in = InputFor(facts, 5, At(2026, 11, 10));
    in.config.periods.push_back(PeriodKind::kDay);
    in.terms.event_time_by_dataset = {{"recorded_crime", {"day", "isa-recorded_crime"}}};  // the day kept
    const json alone = PublishFigures(in)["disclosure"]["attacker_check"];
    in.previous = {{first, At(2026, 11, 1)}};
    const json check = PublishFigures(in)["disclosure"]["attacker_check"];
    std::printf("arrivals %d: small counts checked %zu (this version alone %zu, the earlier one %zu)\n", arrivals,
                check["small_counts_checked"].get<size_t>(), alone["small_counts_checked"].get<size_t>(),
                first["disclosure"]["attacker_check"]["small_counts_checked"].get<size_t>());
    EXPECT_EQ(check["recoverable_small_counts"], 0) << "arrivals " << arrivals;
    EXPECT_EQ(check["model_errors"], 0) << "arrivals " << arrivals;
    EXPECT_EQ(check["earlier_versions"], 1);
    EXPECT_EQ(check["earlier_versions_skipped"], 0);
    EXPECT_LT(check["small_counts_checked"].get<size_t>(),
              alone["small_counts_checked"].get<size_t>() +
                  first["disclosure"]["attacker_check"]["small_counts_checked"].get<size_t>())
        << "arrivals " << arrivals;
  }
}

// The cell key method over normal updates: version after version (records
// arriving a few at a time), each checked together with the one before,
// nothing is recoverable, the model holds, and a cell no new record touched
// keeps its published count exactly.
TEST(AttackVersionsTest, CellKeyUpdatesPass) {
  const std::vector<Fact> facts = RandomFacts(7, 160, [](int i) {
    return At(2026, 11, 1) + absl::Hours(24 * (i / 40));  // four deliveries
  });
  std::vector<PublishedVersion> previous;
  json last;
  for (int version = 0; version < 4; ++version) {
    const absl::Time through = At(2026, 11, 1) + absl::Hours(24 * version);
    std::vector<Fact> now;
    for (const Fact& f : facts) {
      if (f.received_at <= through) now.push_back(f);
    }
    PublishInput in = InputFor(now, 5, At(2026, 11, 10));
    in.previous = previous;
    json f = PublishFigures(in);
    const json check = f["disclosure"]["attacker_check"];
    EXPECT_EQ(check["recoverable_small_counts"], 0) << "version " << version;
    EXPECT_EQ(check["model_errors"], 0) << "version " << version;
    EXPECT_EQ(check["earlier_versions"], version == 0 ? 0 : 1);
    EXPECT_EQ(check["earlier_versions_skipped"], 0);
    if (version > 0) {
      // The same records, the same published count (where nothing withheld it).
      size_t same = 0;
      for (const auto& r : f["counts"]) {
        for (const auto& o : last["counts"]) {
          if (o["period_kind"] == r["period_kind"] && o["period"] == r["period"] && o["category"] == r["category"] &&
              o["area"] == r["area"] && o["count"] != "[c]" && r["count"] != "[c]") {
            same += o["count"] == r["count"];
          }
        }
      }
      EXPECT_GT(same, 0u);
    }
    previous = {{f, through}};
    last = f;
  }
}

// A stored version the facts no longer reproduce (the analyst config changed
// the roles since) cannot be compared: it is left out and said so, and the
// new pack is not blocked by it.
TEST(AttackVersionsTest, AVersionTheFactsNoLongerReproduceIsLeftOut) {
  std::vector<Fact> facts;
  for (int i = 0; i < 30; ++i) facts.push_back(Record("recorded_crime", At(2026, 9, 1 + i % 20), "theft", "a1"));
  PublishInput in = InputFor(facts, 5, At(2026, 10, 20));
  json stale = PublishFigures(in);
  for (auto& r : stale["counts"]) r["category"] = "old_name";
  in.previous = {{stale, absl::InfiniteFuture()}};
  json f = PublishFigures(in);
  EXPECT_EQ(f["disclosure"]["attacker_check"]["earlier_versions"], 0);
  EXPECT_EQ(f["disclosure"]["attacker_check"]["earlier_versions_skipped"], 1);
  EXPECT_EQ(f["disclosure"]["attacker_check"]["model_errors"], 0);
  EXPECT_EQ(f["disclosure"]["attacker_check"]["recoverable_small_counts"], 0);
}

}  // namespace
}  // namespace accord::analyst
