#include "health.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "periods.h"
#include "re2/re2.h"

namespace accord::analyst {

std::vector<DatasetHealth> DatasetHealthFigures(
    const std::vector<Fact>& facts, absl::Time as_of,
    const std::map<std::string, std::set<std::string>>& expected_fields) {
  struct Acc {
    DatasetHealth h;
    std::map<std::string, int64_t> present;
    std::map<long, int64_t> weeks;
  };
  std::map<std::pair<std::string, std::string>, Acc> acc;
  for (const Fact& f : facts) {
    Acc& a = acc[{f.provider, f.dataset}];
    a.h.provider = f.provider;
    a.h.dataset = f.dataset;
    ++a.h.records;
    a.h.last_event = std::max(a.h.last_event, f.event_time);
    a.h.last_received = std::max(a.h.last_received, f.received_at);
    for (const auto& name : f.fields_present) ++a.present[name];
    ++a.weeks[PeriodIndex(PeriodKind::kWeek, f.event_time)];
  }
  const long last = PeriodIndex(PeriodKind::kWeek, as_of) - 1;
  std::vector<DatasetHealth> out;
  for (auto& [key, a] : acc) {
    std::set<std::string> fields;
    auto it = expected_fields.find(a.h.dataset);
    if (it != expected_fields.end()) fields = it->second;
    for (const auto& [name, n] : a.present) fields.insert(name);
    for (const auto& name : fields) {
      auto p = a.present.find(name);
      int64_t present = p == a.present.end() ? 0 : p->second;
      a.h.missing_rate[name] = 1.0 - static_cast<double>(present) / static_cast<double>(a.h.records);
    }
    a.h.last_week = a.weeks.count(last) ? a.weeks[last] : 0;
    std::vector<int64_t> before;
    for (long w = last - 8; w < last; ++w) before.push_back(a.weeks.count(w) ? a.weeks[w] : 0);
    std::sort(before.begin(), before.end());
    a.h.usual_week = (before[3] + before[4]) / 2.0;
    a.h.volume_drop = a.h.usual_week >= 4 && a.h.last_week < a.h.usual_week / 2;
    out.push_back(std::move(a.h));
  }
  return out;
}

std::vector<AgreementHealth> AgreementDates(const std::vector<v1::AgreementInfo>& agreements,
                                            absl::Time as_of, int64_t warn_days) {
  const absl::CivilDay today = absl::ToCivilDay(as_of, absl::UTCTimeZone());
  auto days_until = [&](const std::string& date, int64_t* days) {
    absl::CivilDay d;
    if (!absl::ParseCivilTime(date, &d)) return false;
    *days = d - today;
    return true;
  };
  std::vector<AgreementHealth> out;
  for (const auto& info : agreements) {
    AgreementHealth a;
    a.id = info.id();
    a.version = info.version();
    a.title = info.title();
    a.valid_until = info.valid_until();
    a.review_by = info.review_by();
    bool has_review = days_until(info.review_by(), &a.days_to_review);
    bool has_expiry = days_until(info.valid_until(), &a.days_to_expiry);
    if (has_expiry && a.days_to_expiry < 0) {
      a.flag = "expired";
    } else if (has_review && a.days_to_review < 0) {
      a.flag = "review overdue";
    } else if (has_expiry && a.days_to_expiry <= warn_days) {
      a.flag = absl::StrCat("expires in ", a.days_to_expiry, " days");
    } else if (has_review && a.days_to_review <= warn_days) {
      a.flag = absl::StrCat("review due in ", a.days_to_review, " days");
    }
    out.push_back(std::move(a));
  }
  return out;
}

absl::StatusOr<std::map<std::string, int64_t>> ParseRejections(const std::string& metrics_text) {
  static const RE2 kLine(R"re(^accord_records_rejected_total\{reason="([A-Z0-9_]+)"\} ([0-9]+)$)re");
  std::map<std::string, int64_t> out;
  bool metrics = false;
  for (absl::string_view line : absl::StrSplit(metrics_text, '\n')) {
    if (absl::StartsWith(line, "accord_")) metrics = true;
    std::string reason;
    int64_t n = 0;
    if (RE2::FullMatch(re2::StringPiece(line.data(), line.size()), kLine, &reason, &n)) out[reason] += n;
  }
  if (!metrics && !metrics_text.empty()) {
    return absl::InvalidArgumentError("hub metrics: no accord_ series in the response");
  }
  return out;
}

absl::StatusOr<std::vector<SourceRejections>> ParseRejectionsBySource(const std::string& metrics_text) {
  static const RE2 kLine(
      R"re(^accord_records_rejected_by_source_total\{agency="([a-z0-9._-]+)",dataset="([A-Za-z0-9._-]+)",reason="([A-Z0-9_]+)"\} ([0-9]+)$)re");
  std::vector<SourceRejections> out;
  bool metrics = false;
  for (absl::string_view line : absl::StrSplit(metrics_text, '\n')) {
    if (absl::StartsWith(line, "accord_")) metrics = true;
    SourceRejections r;
    if (RE2::FullMatch(re2::StringPiece(line.data(), line.size()), kLine, &r.agency, &r.dataset, &r.reason,
                       &r.records)) {
      out.push_back(std::move(r));
    }
  }
  if (!metrics && !metrics_text.empty()) {
    return absl::InvalidArgumentError("hub metrics: no accord_ series in the response");
  }
  return out;
}

}  // namespace accord::analyst
