// Private: typed reading of yaml-cpp nodes with diagnostics. Shared by the
// agreement parser and the withdrawal parser.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "accord/policy/agreement.h"
#include "lint.h"

namespace accord::policy::internal {

SourceLocation Loc(const YAML::Mark& mark);

// One known key of a mapping, in document order.
struct KeyValue {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
  SourceLocation key_at;
  SourceLocation value_at;  // key_at when the value has no mark (null)
};

class Fields {
 public:
  const KeyValue* Find(std::string_view key) const;
  std::vector<KeyValue> entries;
};

// Describes the item being read, for messages ("party 'x'") and for the
// source map ("parties[2]").
struct Ctx {
  std::string desc;
  std::string path;
  SourceLocation at;
};

// Reads values out of a yaml-cpp tree into typed values, reporting every
// problem to the sink. Never throws for well-formed yaml-cpp trees.
class NodeReader {
 public:
  NodeReader(DiagnosticSink& sink, SourceMap& where) : sink_(sink), where_(where) {}

  DiagnosticSink& sink() { return sink_; }
  SourceMap& where() { return where_; }

  // False (and an error) unless `node` is a mapping.
  bool ExpectMap(const YAML::Node& node, const Ctx& ctx);
  // Known keys of a mapping; unknown and repeated keys are reported.
  Fields ReadMapping(const YAML::Node& node, const Ctx& ctx,
                     absl::Span<const std::string_view> allowed);

  // Each reader reports a missing key only when `required`. A present but
  // unusable value is always reported. nullopt when absent or unusable.
  std::optional<std::string> Text(const Fields& f, std::string_view key, const Ctx& ctx,
                                  bool required, std::string_view hint = "");
  std::optional<std::string> Id(const Fields& f, std::string_view key, const Ctx& ctx,
                                bool required);
  std::optional<int64_t> Integer(const Fields& f, std::string_view key, const Ctx& ctx,
                                 bool required, int64_t min, int64_t max);
  std::optional<absl::CivilDay> Date(const Fields& f, std::string_view key, const Ctx& ctx,
                                     bool required);
  std::optional<bool> Bool(const Fields& f, std::string_view key, const Ctx& ctx);
  template <typename E>
  std::optional<E> Enum(const Fields& f, std::string_view key, const Ctx& ctx, bool required,
                        absl::Span<const std::pair<std::string_view, E>> names);
  // A list of plain values (also accepts one scalar when `allow_single`).
  std::optional<std::vector<std::pair<std::string, SourceLocation>>> ScalarList(
      const KeyValue& kv, const Ctx& ctx, bool allow_single);

  // The scalar of kv, or nullopt with an error (wrong-type / empty-value).
  std::optional<std::string> ScalarOf(const KeyValue& kv, const Ctx& ctx);
  std::optional<absl::CivilDay> ParseDateText(std::string_view text);
  std::optional<int64_t> ParseIntegerText(std::string_view text);

 private:
  DiagnosticSink& sink_;
  SourceMap& where_;
};

std::string Quoted(std::string_view s);  // 'x'

// Streams `text` through yaml-cpp's event parser first, rejecting anchors,
// aliases, nesting deeper than 64 and multiple documents, and reporting
// syntax errors. True when the tree may be built with YAML::Load.
bool PreScan(const std::string& text, DiagnosticSink& sink);
// Reports a yaml-cpp exception as a "yaml-syntax" error.
void SyntaxError(DiagnosticSink& sink, const YAML::Exception& e);

template <typename E>
std::optional<E> NodeReader::Enum(const Fields& f, std::string_view key, const Ctx& ctx,
                                  bool required,
                                  absl::Span<const std::pair<std::string_view, E>> names) {
  std::optional<std::string> text = Text(f, key, ctx, required);
  if (!text) return std::nullopt;
  std::vector<std::string_view> candidates;
  for (const auto& [name, value] : names) {
    if (name == *text) return value;
    candidates.push_back(name);
  }
  std::string all;
  for (std::string_view c : candidates) all += (all.empty() ? "" : ", ") + std::string(c);
  sink_.Error(f.Find(key)->value_at, "unknown-value",
              ctx.desc + ": " + std::string(key) + " " + Quoted(*text) + " is not one of " + all +
                  DidYouMean(*text, absl::MakeConstSpan(candidates)));
  return std::nullopt;
}

}  // namespace accord::policy::internal
