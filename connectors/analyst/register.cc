#include "register.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "accord/policy/redactor.h"

namespace accord::analyst {
namespace {

using nlohmann::json;

std::string Iso(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

absl::StatusOr<json> ParseEntry(const std::string& key, const std::string& value) {
  json j = json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return absl::DataLossError("analyst store: corrupt register entry " + key);
  return j;
}

// The rejection key: agency, dataset and reason joined by a unit separator.
constexpr char kSep = '\x1f';

}  // namespace

absl::StatusOr<std::string> AddNote(AnalystStore& store, const std::string& owner, const std::string& subject,
                                    const std::string& text, absl::Time now) {
  if (owner.empty()) return absl::InvalidArgumentError("a note needs an owner (--owner)");
  if (text.empty()) return absl::InvalidArgumentError("a note needs a text (--text)");
  static const auto* redactor = [] {
    auto r = policy::Redactor::Create();
    return r.ok() ? r->release() : nullptr;
  }();
  if (redactor == nullptr) return absl::InternalError("redactor unavailable");
  std::string clean_text, clean_subject;
  if (auto s = redactor->Redact(text, {}, &clean_text); !s.ok()) {
    return absl::InvalidArgumentError("the note's text is not valid UTF-8");
  }
  if (auto s = redactor->Redact(subject, {}, &clean_subject); !s.ok()) {
    return absl::InvalidArgumentError("the note's subject is not valid UTF-8");
  }
  auto notes = store.RegisterEntries("note/");
  if (!notes.ok()) return notes.status();
  int next = 1;
  for (const auto& [key, value] : *notes) {
    int n = 0;
    if (absl::SimpleAtoi(key.substr(sizeof("note/N") - 1), &n)) next = std::max(next, n + 1);
  }
  const std::string id = absl::StrCat("N", next);
  json note = {{"id", id},         {"owner", owner},       {"subject", clean_subject}, {"text", clean_text},
               {"status", "open"}, {"created", Iso(now)}, {"updated", Iso(now)}};
  if (auto s = store.PutRegisterEntry(absl::StrFormat("note/N%06d", next), note.dump()); !s.ok()) return s;
  return id;
}

absl::Status SetNoteStatus(AnalystStore& store, const std::string& id, const std::string& status, absl::Time now) {
  if (status != "open" && status != "in hand" && status != "resolved") {
    return absl::InvalidArgumentError("status must be open, in hand or resolved");
  }
  auto notes = store.RegisterEntries("note/");
  if (!notes.ok()) return notes.status();
  for (const auto& [key, value] : *notes) {
    auto note = ParseEntry(key, value);
    if (!note.ok()) return note.status();
    if ((*note)["id"] != id) continue;
    (*note)["status"] = status;
    (*note)["updated"] = Iso(now);
    return store.PutRegisterEntry(key, note->dump());
  }
  return absl::NotFoundError(absl::StrCat("no note ", id));
}

absl::StatusOr<std::vector<SourceRejections>> StoredRejections(const AnalystStore& store) {
  auto entries = store.RegisterEntries("rej/");
  if (!entries.ok()) return entries.status();
  std::vector<SourceRejections> out;
  for (const auto& [key, value] : *entries) {
    auto e = ParseEntry(key, value);
    if (!e.ok()) return e.status();
    std::vector<std::string> parts = absl::StrSplit(key.substr(4), kSep);
    if (parts.size() != 3) continue;
    out.push_back({parts[0], parts[1], parts[2], e->value("base", int64_t{0}) + e->value("last", int64_t{0})});
  }
  return out;
}

absl::StatusOr<std::vector<SourceRejections>> AccumulateRejections(AnalystStore& store,
                                                                   const std::vector<SourceRejections>& current) {
  for (const SourceRejections& r : current) {
    const std::string key = absl::StrCat("rej/", r.agency, std::string(1, kSep), r.dataset, std::string(1, kSep), r.reason);
    auto entries = store.RegisterEntries(key);
    if (!entries.ok()) return entries.status();
    int64_t base = 0, last = 0;
    for (const auto& [k, v] : *entries) {
      if (k != key) continue;
      auto e = ParseEntry(k, v);
      if (!e.ok()) return e.status();
      base = e->value("base", int64_t{0});
      last = e->value("last", int64_t{0});
    }
    // A counter below its last reading: the hub restarted and counts from 0
    // again; what it had counted before is kept in the base.
    if (r.records < last) base += last;
    if (r.records == last && base == 0 && !entries->empty()) continue;
    if (auto s = store.PutRegisterEntry(key, json({{"base", base}, {"last", r.records}}).dump()); !s.ok()) return s;
  }
  return StoredRejections(store);
}

absl::StatusOr<std::map<std::string, absl::Time>> TrackPending(AnalystStore& store,
                                                               const std::vector<v1::AgreementInfo>& agreements,
                                                               absl::Time now) {
  std::map<std::string, absl::Time> out;
  auto entries = store.RegisterEntries("pending/");
  if (!entries.ok()) return entries.status();
  std::map<std::string, absl::Time> seen;
  for (const auto& [key, value] : *entries) {
    auto e = ParseEntry(key, value);
    if (!e.ok()) return e.status();
    absl::Time t;
    std::string err;
    if (absl::ParseTime("%Y-%m-%dT%H:%M:%SZ", e->value("since", ""), &t, &err)) seen[key.substr(8)] = t;
  }
  for (const auto& a : agreements) {
    if (a.state() != v1::PENDING_SIGNATURES) continue;
    const std::string id = absl::StrCat(a.id(), "@v", a.version());
    auto it = seen.find(id);
    if (it == seen.end()) {
      if (auto s = store.PutRegisterEntry("pending/" + id, json({{"since", Iso(now)}}).dump()); !s.ok()) return s;
      out[a.id()] = now;
    } else {
      out[a.id()] = it->second;
    }
  }
  return out;
}

absl::StatusOr<json> DataDifficulties(const AnalystStore& store, const RegisterInput& in) {
  json rows = json::array();
  auto add = [&](const std::string& kind, const std::string& subject, const std::string& detail,
                 const std::string& since, const std::string& owner = "", const std::string& status = "open") {
    rows.push_back({{"kind", kind}, {"subject", subject}, {"detail", detail}, {"since", since},
                    {"owner", owner}, {"status", status}});
  };
  // Missing feeds.
  std::set<std::string> arrived;
  for (const DatasetHealth& d : in.datasets) {
    arrived.insert(d.dataset);
    if (d.last_received == absl::InfinitePast()) continue;
    const int64_t days = absl::ToInt64Hours(in.as_of - d.last_received) / 24;
    if (days >= in.stale_days) {
      add("missing feed", absl::StrCat(d.provider, " / ", d.dataset),
          absl::StrCat("no record received for ", days, " days"), Iso(d.last_received));
    }
    for (const auto& [field, rate] : d.missing_rate) {
      if (rate >= 1.0 && d.records > 0) {
        add("always-empty field", absl::StrCat(d.provider, " / ", d.dataset),
            absl::StrCat("field '", field, "' is empty in every record received"), "");
      }
    }
  }
  for (const auto& [dataset, fields] : in.expected_datasets) {
    if (!arrived.count(dataset)) add("missing feed", dataset, "the agreements send it, but no record has arrived", "");
  }
  // Agreements waiting for signatures.
  for (const auto& a : in.agreements) {
    if (a.state() != v1::PENDING_SIGNATURES) continue;
    std::string missing;
    for (const auto& p : a.parties()) {
      if (!p.signed_()) absl::StrAppend(&missing, missing.empty() ? "" : ", ", p.party());
    }
    auto it = in.pending_since.find(a.id());
    const absl::Time since = it == in.pending_since.end() ? in.as_of : it->second;
    add("pending signature", a.id(),
        absl::StrCat("waiting ", absl::ToInt64Hours(in.as_of - since) / 24, " days for: ",
                     missing.empty() ? "a party" : missing),
        Iso(since));
  }
  // Incompatible data: what the hub rejected, by agency.
  for (const SourceRejections& r : in.rejections) {
    if (r.records <= 0) continue;
    add("rejections", absl::StrCat(r.agency, " / ", r.dataset), absl::StrCat(r.records, " records rejected: ", r.reason), "");
  }
  // The officers' notes.
  auto notes = store.RegisterEntries("note/");
  if (!notes.ok()) return notes.status();
  for (const auto& [key, value] : *notes) {
    auto n = ParseEntry(key, value);
    if (!n.ok()) return n.status();
    add("note", absl::StrCat((*n)["id"].get<std::string>(), " ", n->value("subject", "")), n->value("text", ""),
        n->value("created", ""), n->value("owner", ""), n->value("status", "open"));
  }
  return rows;
}

}  // namespace accord::analyst
