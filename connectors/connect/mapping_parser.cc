// ParseMapping: reads and validates a mapping file (see mapping.h).
#include "mapping.h"


#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "accord/base/read_file.h"
#include "yaml-cpp/yaml.h"

namespace accord::connect {

std::string_view ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kText: return "text";
    case ValueKind::kInteger: return "integer";
    case ValueKind::kDecimal: return "decimal";
    case ValueKind::kBoolean: return "boolean";
    case ValueKind::kDate: return "date";
    case ValueKind::kDateTime: return "datetime";
    case ValueKind::kGeo: return "geo";
  }
  return "?";
}

namespace {

class Parser {
 public:
  explicit Parser(absl::string_view source) : source_(source) {}

  void Error(const YAML::Node& node, absl::string_view what) {
    const int line = node.IsDefined() ? node.Mark().line + 1 : 0;
    errors_.push_back(absl::StrCat(source_, ":", line, ": ", what));
  }
  void Error(int line, absl::string_view what) {
    errors_.push_back(absl::StrCat(source_, ":", line, ": ", what));
  }

  // Returns the scalar or nullopt (and records an error if required).
  std::optional<std::string> Scalar(const YAML::Node& parent, const char* key, bool required) {
    YAML::Node n = parent[key];
    if (!n.IsDefined() || n.IsNull()) {
      if (required) Error(parent, absl::StrCat("missing `", key, "`"));
      return std::nullopt;
    }
    if (!n.IsScalar()) {
      Error(n, absl::StrCat("`", key, "` must be a scalar"));
      return std::nullopt;
    }
    return n.Scalar();
  }

  void CheckKeys(const YAML::Node& map, std::initializer_list<const char*> allowed) {
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      bool ok = false;
      for (const char* a : allowed) ok = ok || key == a;
      if (!ok) Error(kv.first, absl::StrCat("unknown key `", key, "`"));
    }
  }

  int Column(Mapping* m, const std::string& name) {
    for (size_t i = 0; i < m->columns.size(); ++i) {
      if (m->columns[i] == name) return static_cast<int>(i);
    }
    m->columns.push_back(name);
    return static_cast<int>(m->columns.size() - 1);
  }

  std::vector<std::string>& errors() { return errors_; }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

// "dd/mm/yyyy HH:MM" -> "%d/%m/%Y %H:%M". Unknown letters are an error.
std::optional<std::string> ConvertPattern(absl::string_view pattern) {
  static const std::pair<const char*, const char*> kTokens[] = {
      {"yyyy", "%Y"}, {"yy", "%y"}, {"dd", "%d"}, {"mm", "%m"},
      {"HH", "%H"},   {"MM", "%M"}, {"SS", "%S"}, {"fff", "%E*f"}};
  std::string out;
  while (!pattern.empty()) {
    bool matched = false;
    for (const auto& [token, spec] : kTokens) {
      if (absl::StartsWith(pattern, token)) {
        out += spec;
        pattern.remove_prefix(strlen(token));
        matched = true;
        break;
      }
    }
    if (matched) continue;
    const char c = pattern.front();
    if (absl::ascii_isalpha(static_cast<unsigned char>(c)) && c != 'T') return std::nullopt;
    if (c == '%') out += "%%";
    else out += c;
    pattern.remove_prefix(1);
  }
  return out;
}

ValueKind ParseKind(const std::string& s, bool* ok) {
  *ok = true;
  if (s == "text" || s == "string") return ValueKind::kText;
  if (s == "integer") return ValueKind::kInteger;
  if (s == "decimal") return ValueKind::kDecimal;
  if (s == "boolean") return ValueKind::kBoolean;
  if (s == "date") return ValueKind::kDate;
  if (s == "datetime") return ValueKind::kDateTime;
  if (s == "geo" || s == "geo_point") return ValueKind::kGeo;
  *ok = false;
  return ValueKind::kText;
}

void ParseField(Parser& p, const YAML::Node& node, Mapping* m) {
  if (!node.IsMap()) {
    p.Error(node, "each entry of `fields` must be a map");
    return;
  }
  p.CheckKeys(node, {"field", "column", "type", "trim", "case", "values", "default", "constant",
                     "format", "timezone", "lat", "lon", "true", "false"});
  FieldMapping f;
  f.yaml_line = node.Mark().line + 1;
  f.field = p.Scalar(node, "field", true).value_or("");
  const std::string where = absl::StrCat("field `", f.field, "`: ");
  if (auto type = p.Scalar(node, "type", false)) {
    bool ok;
    f.kind = ParseKind(*type, &ok);
    if (!ok) p.Error(node["type"], absl::StrCat(where, "unknown type `", *type, "`"));
  }
  f.constant = p.Scalar(node, "constant", false);
  f.default_value = p.Scalar(node, "default", false);
  auto column = p.Scalar(node, "column", false);
  if (f.kind == ValueKind::kGeo) {
    auto lat = p.Scalar(node, "lat", !f.constant.has_value());
    auto lon = p.Scalar(node, "lon", !f.constant.has_value());
    if (lat) f.lat_column = p.Column(m, *lat);
    if (lon) f.lon_column = p.Column(m, *lon);
    if (f.constant) p.Error(node, where + "a geo field takes `lat` and `lon` columns");
  } else if (column && f.constant) {
    p.Error(node, where + "give `column` or `constant`, not both");
  } else if (column) {
    f.column = p.Column(m, *column);
  } else if (!f.constant) {
    p.Error(node, where + "needs `column` or `constant`");
  }
  if (auto trim = p.Scalar(node, "trim", false)) f.trim = (*trim == "true" || *trim == "yes");
  if (auto c = p.Scalar(node, "case", false)) {
    if (*c == "lower") f.letter_case = 1;
    else if (*c == "upper") f.letter_case = 2;
    else p.Error(node["case"], where + "`case` is lower or upper");
  }
  if (YAML::Node v = node["values"]; v.IsDefined()) {
    if (!v.IsMap()) p.Error(v, where + "`values` must map source values to dataset values");
    else for (const auto& kv : v) f.values[kv.first.Scalar()] = kv.second.Scalar();
  }
  // `format`: one pattern, or a list tried in order ("dd/mm/yyyy" and
  // "yyyy-mm-dd" mixed in one column).
  std::vector<std::string> formats;
  YAML::Node format_node = node["format"];
  const bool has_format = format_node.IsDefined() && !format_node.IsNull();
  if (has_format && format_node.IsSequence()) {
    for (const auto& item : format_node) {
      if (!item.IsScalar()) p.Error(item, where + "each `format` in the list must be a pattern");
      else formats.push_back(item.Scalar());
    }
    if (formats.empty()) p.Error(format_node, where + "`format` list is empty");
  } else if (has_format && format_node.IsScalar()) {
    formats.push_back(format_node.Scalar());
  } else if (has_format) {
    p.Error(format_node, where + "`format` must be a pattern or a list of patterns");
  }
  if (f.kind == ValueKind::kDate) {
    if (formats.empty()) formats.push_back("yyyy-mm-dd");
    for (const std::string& pat : formats) {
      if (auto conv = ConvertPattern(pat)) f.time_formats.push_back(*conv);
      else p.Error(format_node, where + "unknown date format (use dd mm yyyy yy and separators)");
    }
    f.format_names = formats;
  } else if (f.kind == ValueKind::kDateTime) {
    if (formats.empty()) formats.push_back("iso8601");
    for (const std::string& pat : formats) {
      if (pat == "iso8601") {
        f.iso8601 = true;
        for (const char* sep : {"T", " "}) {
          for (const char* secs : {":%E*S", ""}) {
            f.time_formats.push_back(absl::StrCat("%Y-%m-%d", sep, "%H:%M", secs, "%Ez"));
            f.time_formats.push_back(absl::StrCat("%Y-%m-%d", sep, "%H:%M", secs));
          }
        }
      } else if (auto conv = ConvertPattern(pat)) {
        f.time_formats.push_back(*conv);
      } else {
        p.Error(format_node, where + "unknown datetime format (iso8601, or dd mm yyyy HH MM SS)");
      }
    }
    f.format_names = formats;
  } else if (has_format) {
    p.Error(format_node, where + "`format` applies to date and datetime fields only");
  }
  if (auto tz = p.Scalar(node, "timezone", false)) {
    if (f.kind != ValueKind::kDateTime) {
      p.Error(node["timezone"], where + "`timezone` applies to datetime fields only");
    } else if (!absl::LoadTimeZone(*tz, &f.zone)) {
      p.Error(node["timezone"], absl::StrCat(where, "unknown time zone `", *tz,
                                             "` (is tzdata installed?)"));
    }
  }
  auto list = [&](const char* key, std::vector<std::string>* out,
                  std::initializer_list<const char*> dflt) {
    YAML::Node n = node[key];
    if (!n.IsDefined()) {
      for (const char* d : dflt) out->push_back(d);
      return;
    }
    if (!n.IsSequence()) {
      p.Error(n, absl::StrCat(where, "`", key, "` must be a list"));
      return;
    }
    for (const auto& item : n) out->push_back(absl::AsciiStrToLower(item.Scalar()));
  };
  if (f.kind == ValueKind::kBoolean) {
    list("true", &f.true_values, {"true", "yes", "y", "1"});
    list("false", &f.false_values, {"false", "no", "n", "0"});
  } else if (node["true"].IsDefined() || node["false"].IsDefined()) {
    p.Error(node, where + "`true`/`false` apply to boolean fields only");
  }
  for (const auto& other : m->fields) {
    if (other.field == f.field) p.Error(node, where + "mapped twice");
  }
  m->fields.push_back(std::move(f));
}

absl::StatusOr<Mapping> ParseNode(Parser& p, const YAML::Node& root) {
  Mapping m;
  if (!root.IsMap()) {
    p.Error(root, "a mapping file is a YAML map");
    return absl::InvalidArgumentError(absl::StrJoin(p.errors(), "\n"));
  }
  p.CheckKeys(root, {"provider", "dataset", "dataset_version", "source", "record_id",
                     "event_time", "fields"});
  m.provider = p.Scalar(root, "provider", true).value_or("");
  m.dataset = p.Scalar(root, "dataset", true).value_or("");
  if (auto v = p.Scalar(root, "dataset_version", true)) {
    if (!absl::SimpleAtoi(*v, &m.dataset_version) || m.dataset_version == 0) {
      p.Error(root["dataset_version"], "`dataset_version` must be a positive integer");
    }
  }
  if (YAML::Node src = root["source"]; src.IsDefined()) {
    p.CheckKeys(src, {"format", "delimiter", "quote"});
    const std::string fmt = p.Scalar(src, "format", false).value_or("csv");
    if (fmt == "csv") m.format = SourceFormat::kCsv;
    else if (fmt == "jsonl") m.format = SourceFormat::kJsonl;
    else p.Error(src["format"], "`source.format` is csv or jsonl");
    if (auto d = p.Scalar(src, "delimiter", false)) {
      if (*d == "\\t" || *d == "tab") m.csv.delimiter = '\t';
      else if (d->size() == 1) m.csv.delimiter = (*d)[0];
      else p.Error(src["delimiter"], "`delimiter` is one character (or tab)");
    }
    if (auto q = p.Scalar(src, "quote", false)) {
      if (q->size() == 1) m.csv.quote = (*q)[0];
      else p.Error(src["quote"], "`quote` is one character");
    }
  }
  if (YAML::Node fields = root["fields"]; !fields.IsDefined() || !fields.IsSequence()) {
    p.Error(root, "`fields` must be a list of field mappings");
  } else {
    for (const auto& f : fields) ParseField(p, f, &m);
  }
  if (YAML::Node rid = root["record_id"]; !rid.IsDefined()) {
    p.Error(root, "missing `record_id` (the column holding the provider's record id)");
  } else if (rid.IsScalar()) {
    m.record_id_column = p.Column(&m, rid.Scalar());
  } else {
    p.CheckKeys(rid, {"column", "prefix"});
    if (auto c = p.Scalar(rid, "column", true)) m.record_id_column = p.Column(&m, *c);
    m.record_id_prefix = p.Scalar(rid, "prefix", false).value_or("");
  }
  if (auto et = p.Scalar(root, "event_time", true)) {
    for (size_t i = 0; i < m.fields.size(); ++i) {
      if (m.fields[i].field == *et) m.event_time_field = static_cast<int>(i);
    }
    if (m.event_time_field < 0) {
      p.Error(root["event_time"], absl::StrCat("`event_time` names `", *et, "`, which is not mapped"));
    } else if (ValueKind k = m.fields[m.event_time_field].kind;
               k != ValueKind::kDateTime && k != ValueKind::kDate) {
      p.Error(root["event_time"], "`event_time` must name a date or datetime field");
    }
  }
  if (!p.errors().empty()) return absl::InvalidArgumentError(absl::StrJoin(p.errors(), "\n"));
  return m;
}

}  // namespace

absl::StatusOr<Mapping> ParseMapping(absl::string_view yaml, absl::string_view source_name) {
  Parser p(source_name);
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return ParseNode(p, root);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ":", e.mark.line + 1, ": not valid YAML: ", e.msg));
  }
}

absl::StatusOr<Mapping> LoadMapping(const std::string& path) {
  auto text = base::ReadFile(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat("mapping: ", text.status().message()));
  }
  return ParseMapping(*text, path);
}

}  // namespace accord::connect
