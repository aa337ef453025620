#include "fact.h"

#include <initializer_list>

#include "absl/time/civil_time.h"
#include "accord/base/proto_time.h"
#include "analysis_config.h"
#include "cell_key.h"

namespace accord::analyst {
namespace {

const v1::Field* Find(const v1::CleanedRecord& r, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    for (const auto& f : r.fields()) {
      if (f.name() == name) return &f;
    }
  }
  return nullptr;
}

std::string Text(const v1::Field* f) {
  if (f == nullptr) return "";
  return f->value().kind_case() == v1::Value::kText ? f->value().text() : "";
}

std::string FirstText(const v1::CleanedRecord& r, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    std::string v = Text(Find(r, {name.c_str()}));
    if (!v.empty()) return v;
  }
  return "";
}

using base::ToTime;

}  // namespace

bool IsViolence(const std::string& category) {
  return category == "violence_with_injury" || category == "violence_without_injury" ||
         category == "robbery" || category == "sexual_offences";
}

Fact FactFromRecord(const v1::CleanedRecord& r) { return FactFromRecord(r, ConventionalRoles()); }

Fact FactFromRecord(const v1::CleanedRecord& r, const DatasetRoles& roles) {
  Fact f;
  f.agreement_id = r.agreement_id();
  f.provider = r.provider();
  f.dataset = r.dataset();
  f.event_time = ToTime(r.event_time());
  f.record_key = RecordKey(r.record_ref().empty() ? r.delivery_id() : r.record_ref());
  for (const auto& field : r.fields()) f.fields_present.push_back(field.name());
  const v1::Field* arrival = Find(r, {"arrival_time"});
  f.source = arrival != nullptr ? Source::kAe : Source::kPolice;
  f.category = FirstText(r, roles.category);
  for (const std::string& name : roles.area) {
    f.area = name == "area" ? r.area() : Text(Find(r, {name.c_str()}));
    if (!f.area.empty()) break;
  }
  for (const std::string& name : roles.place) {
    f.postcode_area = Text(Find(r, {name.c_str()}));
    if (!f.postcode_area.empty()) {
      f.incident_place = name.find("home") == std::string::npos;
      break;
    }
  }
  f.location = FirstText(r, roles.location);
  std::string victim;
  if (!roles.victim.empty()) {
    for (const std::string& name : roles.victim) {
      std::string v = Text(Find(r, {name.c_str()}));
      if (v.empty()) {
        victim.clear();
        break;
      }
      victim += (victim.empty() ? "" : "/") + v;
    }
  } else if (!roles.from_config) {
    victim = Text(Find(r, {"victim_nhs_number", "nhs_number"}));
    if (victim.empty()) {
      std::string name = Text(Find(r, {"victim_name"}));
      std::string dob = Text(Find(r, {"victim_date_of_birth"}));
      if (!name.empty() && !dob.empty()) victim = name + "/" + dob;
    }
  }
  if (!victim.empty()) f.victim = r.agreement_id() + "|" + victim;
  // Hour of week, only where the flow keeps hour precision: a datetime on
  // the hour, or the hub's hour label "YYYY-MM-DDTHH".
  const v1::Field* when = nullptr;
  for (const std::string& name : roles.hour) {
    if ((when = Find(r, {name.c_str()})) != nullptr) break;
  }
  if (when != nullptr) {
    absl::CivilHour hour;
    bool found = false;
    if (when->value().kind_case() == v1::Value::kDatetime) {
      absl::CivilSecond s = absl::ToCivilSecond(ToTime(when->value().datetime()), absl::UTCTimeZone());
      // Police datetimes generalised to the day land on midnight: not an hour.
      found = s.minute() == 0 && s.second() == 0 && (s.hour() != 0 || f.source == Source::kAe);
      hour = absl::CivilHour(s);
    } else if (when->value().kind_case() == v1::Value::kText) {
      const std::string& text = when->value().text();
      found = text.size() == 13 && absl::ParseCivilTime(text, &hour);
    }
    if (found) {
      int weekday = static_cast<int>(absl::GetWeekday(absl::CivilDay(hour)));  // Monday = 0
      f.hour_of_week = weekday * 24 + static_cast<int>(hour.hour());
    }
  }
  return f;
}

}  // namespace accord::analyst
