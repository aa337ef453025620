#include "agreement_parser_support.h"

#include <algorithm>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace accord::policy::internal {

SourceLocation Loc(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

// ---------------------------------------------------------------------------
// Pre-scan: rejects anchors, aliases, deep nesting and multiple documents
// before the tree is built.

namespace {

constexpr int kMaxDepth = 64;

struct ScanAbort {};

class PreScanner : public YAML::EventHandler {
 public:
  explicit PreScanner(DiagnosticSink& sink) : sink_(sink) {}
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { CheckAnchor(m, a); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { Reject(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t a,
                const std::string&) override {
    CheckAnchor(m, a);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a,
                       YAML::EmitterStyle::value) override {
    Enter(m, a);
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a,
                  YAML::EmitterStyle::value) override {
    Enter(m, a);
  }
  void OnMapEnd() override { --depth_; }
  void OnAnchor(const YAML::Mark& m, const std::string&) override { Reject(m); }

 private:
  void CheckAnchor(const YAML::Mark& m, YAML::anchor_t a) {
    if (a != YAML::NullAnchor) Reject(m);
  }
  void Enter(const YAML::Mark& m, YAML::anchor_t a) {
    CheckAnchor(m, a);
    if (++depth_ > kMaxDepth) {
      sink_.Error(Loc(m), "too-deep",
                  absl::StrCat("the document nests more than ", kMaxDepth,
                               " levels deep; agreements never need this"));
      throw ScanAbort{};
    }
  }
  void Reject(const YAML::Mark& m) {
    sink_.Error(Loc(m), "yaml-anchor",
                "YAML anchors (&name) and aliases (*name) are not allowed in agreements; "
                "write each value out in full so every reader sees the same text");
    throw ScanAbort{};
  }

  DiagnosticSink& sink_;
  int depth_ = 0;
};

}  // namespace

void SyntaxError(DiagnosticSink& sink, const YAML::Exception& e) {
  sink.Error(Loc(e.mark), "yaml-syntax",
             absl::StrCat("this is not valid YAML: ", e.msg,
                          " (check indentation, colons and quotes on or just before this line)"));
}

// True when the tree may be built.
bool PreScan(const std::string& text, DiagnosticSink& sink) {
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    PreScanner scanner(sink);
    if (!parser.HandleNextDocument(scanner)) return true;
    if (parser.HandleNextDocument(scanner)) {
      sink.Error({}, "multiple-documents",
                 "the file holds more than one YAML document ('---'); put one agreement per file");
      return false;
    }
    return true;
  } catch (const ScanAbort&) {
    return false;
  } catch (const YAML::Exception& e) {
    SyntaxError(sink, e);
    return false;
  } catch (const std::exception&) {
    sink.Error({}, "yaml-syntax", "this is not valid YAML");
    return false;
  }
}

std::string JoinViews(absl::Span<const std::string_view> items) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::string Quoted(std::string_view s) {
  // Names and keys only; long or multi-line junk is cut so messages stay readable.
  std::string out(s.substr(0, 80));
  std::replace(out.begin(), out.end(), '\n', ' ');
  return "'" + out + (s.size() > 80 ? "...'" : "'");
}

const KeyValue* Fields::Find(std::string_view key) const {
  for (const KeyValue& kv : entries) {
    if (kv.key == key) return &kv;
  }
  return nullptr;
}

bool NodeReader::ExpectMap(const YAML::Node& node, const Ctx& ctx) {
  if (node.IsMap()) return true;
  sink_.Error(ctx.at, "wrong-type",
              absl::StrCat(ctx.desc, " must be a mapping of 'key: value' lines"));
  return false;
}

Fields NodeReader::ReadMapping(const YAML::Node& node, const Ctx& ctx,
                               absl::Span<const std::string_view> allowed) {
  Fields fields;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: it->first lives in a temporary proxy
    SourceLocation key_at = Loc(key.Mark());
    if (!key.IsScalar()) {
      sink_.Error(key_at, "wrong-type",
                  absl::StrCat(ctx.desc, " has a key that is not a plain word"));
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      sink_.Error(key_at, "unknown-key",
                  absl::StrCat(ctx.desc, " has unknown key ", Quoted(name),
                               DidYouMean(name, allowed), "; allowed keys are ",
                               JoinViews(allowed)));
      continue;
    }
    if (const KeyValue* first = fields.Find(name)) {
      sink_.Error(key_at, "duplicate-key",
                  absl::StrCat(ctx.desc, " sets ", Quoted(name), " twice (first at line ",
                               first->key_at.line, ")"));
      continue;
    }
    SourceLocation value_at = Loc(it->second.Mark());
    if (value_at.line == 0) value_at = key_at;
    where_.Set(ctx.path.empty() ? name : absl::StrCat(ctx.path, ".", name), key_at);
    fields.entries.push_back({name, key, it->second, key_at, value_at});
  }
  return fields;
}

std::optional<std::string> NodeReader::ScalarOf(const KeyValue& kv, const Ctx& ctx) {
  if (kv.value.IsNull()) {
    sink_.Error(kv.value_at, "empty-value",
                absl::StrCat(ctx.desc, ": ", Quoted(kv.key), " is empty"));
    return std::nullopt;
  }
  if (!kv.value.IsScalar()) {
    sink_.Error(kv.value_at, "wrong-type",
                absl::StrCat(ctx.desc, ": ", Quoted(kv.key),
                             " must be a single value, not a list or mapping"));
    return std::nullopt;
  }
  return kv.value.Scalar();
}

std::optional<std::string> NodeReader::Text(const Fields& f, std::string_view key,
                                            const Ctx& ctx, bool required,
                                            std::string_view hint) {
  const KeyValue* kv = f.Find(key);
  if (kv == nullptr) {
    if (required) {
      sink_.Error(ctx.at, "missing-key",
                  absl::StrCat(ctx.desc, " has no ", Quoted(key), hint.empty() ? "" : ": ", Sv(hint)));
    }
    return std::nullopt;
  }
  std::optional<std::string> text = ScalarOf(*kv, ctx);
  if (text && absl::StripAsciiWhitespace(*text).empty()) {
    sink_.Error(kv->value_at, "empty-value",
                absl::StrCat(ctx.desc, ": ", Quoted(key), " is empty", hint.empty() ? "" : ": ",
                             Sv(hint)));
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> NodeReader::Id(const Fields& f, std::string_view key, const Ctx& ctx,
                                          bool required) {
  std::optional<std::string> text = Text(f, key, ctx, required);
  if (!text) return std::nullopt;
  if (!IsValidId(*text)) {
    sink_.Error(f.Find(key)->value_at, "bad-id",
                absl::StrCat(ctx.desc, ": ", Sv(key), " ", Quoted(*text),
                             " must be 2 to 64 characters of lower-case letters, digits, '.', "
                             "'_' or '-', starting with a letter or digit"));
    return std::nullopt;
  }
  return text;
}

std::optional<int64_t> NodeReader::ParseIntegerText(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  size_t start = text[0] == '-' ? 1 : 0;
  if (start == text.size()) return std::nullopt;
  for (size_t i = start; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(Sv(text), &value)) return std::nullopt;
  return value;
}

std::optional<int64_t> NodeReader::Integer(const Fields& f, std::string_view key,
                                           const Ctx& ctx, bool required, int64_t min,
                                           int64_t max) {
  std::optional<std::string> text = Text(f, key, ctx, required);
  if (!text) return std::nullopt;
  std::optional<int64_t> value = ParseIntegerText(*text);
  if (!value || *value < min || *value > max) {
    sink_.Error(f.Find(key)->value_at, "bad-integer",
                absl::StrCat(ctx.desc, ": ", Quoted(key), " must be a whole number from ", min,
                             " to ", max));
    return std::nullopt;
  }
  return value;
}

std::optional<absl::CivilDay> NodeReader::ParseDateText(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
  }
  int y = 0, m = 0, d = 0;
  if (!absl::SimpleAtoi(Sv(t.substr(0, 4)), &y) || !absl::SimpleAtoi(Sv(t.substr(5, 2)), &m) ||
      !absl::SimpleAtoi(Sv(t.substr(8, 2)), &d)) {
    return std::nullopt;
  }
  absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d) return std::nullopt;
  return day;
}

std::optional<absl::CivilDay> NodeReader::Date(const Fields& f, std::string_view key,
                                               const Ctx& ctx, bool required) {
  std::optional<std::string> text = Text(f, key, ctx, required);
  if (!text) return std::nullopt;
  std::optional<absl::CivilDay> day = ParseDateText(*text);
  if (!day) {
    sink_.Error(f.Find(key)->value_at, "bad-date",
                absl::StrCat(ctx.desc, ": ", Quoted(key),
                             " must be a real calendar date written YYYY-MM-DD, e.g. 2026-01-31"));
  }
  return day;
}

std::optional<bool> NodeReader::Bool(const Fields& f, std::string_view key, const Ctx& ctx) {
  std::optional<std::string> text = Text(f, key, ctx, false);
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  sink_.Error(f.Find(key)->value_at, "bad-value",
              absl::StrCat(ctx.desc, ": ", Quoted(key), " must be true or false"));
  return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, SourceLocation>>> NodeReader::ScalarList(
    const KeyValue& kv, const Ctx& ctx, bool allow_single) {
  std::vector<std::pair<std::string, SourceLocation>> out;
  if (allow_single && kv.value.IsScalar()) {
    out.emplace_back(kv.value.Scalar(), kv.value_at);
    return out;
  }
  if (!kv.value.IsSequence()) {
    sink_.Error(kv.value_at, "wrong-type",
                absl::StrCat(ctx.desc, ": ", Quoted(kv.key), " must be a list, e.g. [a, b]"));
    return std::nullopt;
  }
  bool ok = true;
  for (auto it = kv.value.begin(); it != kv.value.end(); ++it) {
    const YAML::Node item = *it;
    SourceLocation at = Loc(item.Mark());
    if (at.line == 0) at = kv.value_at;
    if (!item.IsScalar() || absl::StripAsciiWhitespace(item.Scalar()).empty()) {
      sink_.Error(at, "wrong-type",
                  absl::StrCat(ctx.desc, ": every entry of ", Quoted(kv.key),
                               " must be a single non-empty value"));
      ok = false;
      continue;
    }
    out.emplace_back(item.Scalar(), at);
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace accord::policy::internal
