// Structured logs for Accord's long-running binaries.
//
// Every line carries a time (UTC, milliseconds), a level, a component, an
// event and fields, in one of two formats:
//   text: 2026-12-02T22:48:21.123Z info agreement submitted agency=herts-police agreement=isa-1
//   json: {"time":"2026-12-02T22:48:21.123Z","level":"info","component":"agreement",
//          "event":"submitted","fields":{"agency":"herts-police","agreement":"isa-1"}}
// (one JSON object per line, nothing else on the stream).
//
// New code logs with LogEvent(). Lines logged with spdlog directly (older
// code, the Kafka and core libraries) go through the same sink: "kafka FAIL:
// broker down" becomes component "kafka", event "FAIL", field msg; a message
// without such a prefix gets the program's name as component and event
// "message". gRPC core's own lines (gpr_log) go through it too: component
// "grpc", event the source file's name, fields file, line and msg; gRPC's
// errors at error, its info lines at debug.
//
// PRIVACY: fields name agencies, agreements, datasets, reasons and counts.
// Never put a record value (or anything derived from one) in a field or a
// message.
//
// Rate limiting: per key, at most `burst` lines per `window` are written; the
// rest are counted. The key is (component, event) for LogEvent() and gRPC
// lines, and for free-form spdlog lines the component plus the message up to
// its first digit (so "broker 1 down" and "broker 2 down" share a key). The
// count of suppressed lines is reported in the key's next written line (field
// "suppressed"), or, once the window has passed without one, in a line with
// component "log" and event "suppressed" (fields: key, count), and at
// FlushLogging().
//
// Threading: InitLogging() once, from main, before other threads log;
// LogEvent() and spdlog from any thread (the sink serialises lines).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "spdlog/common.h"
#include "spdlog/sinks/sink.h"

namespace accord::ops {

enum class LogFormat { kText, kJson };

struct LogOptions {
  // The program's name: the component of free-form lines. Required.
  std::string program;
  LogFormat format = LogFormat::kText;
  // Lines below this level are dropped. Default: info.
  spdlog::level::level_enum level = spdlog::level::info;
  // Rate limit per key: at most `burst` lines per `window`. Defaults: 10 per 10 s.
  size_t burst = 10;
  absl::Duration window = absl::Seconds(10);
  // Where finished lines go (each without its newline). Default: stderr.
  std::function<void(std::string_view line)> output;
  // The rate limiter's clock. Default: absl::Now. (Line times come from spdlog.)
  std::function<absl::Time()> clock;
  // Route gRPC core's gpr_log lines through this sink. Default: true.
  bool capture_grpc = true;
};

// "text" or "json"; InvalidArgument naming the choices otherwise.
absl::StatusOr<LogFormat> ParseLogFormat(std::string_view name);
// trace, debug, info, warn (or warning), error, critical, off.
absl::StatusOr<spdlog::level::level_enum> ParseLogLevel(std::string_view name);

// Makes the structured sink the default spdlog logger's only sink. Safe to
// call again (tests): the previous sink is replaced.
void InitLogging(const LogOptions& options);

// Writes every pending "suppressed" count now (e.g. at shutdown).
void FlushLogging();

// Logs one event. `fields` must be a JSON object (or null for none).
void LogEvent(spdlog::level::level_enum level, std::string_view component, std::string_view event,
              const nlohmann::json& fields = nullptr);

// The sink itself, for tests and for programs that compose their own loggers.
std::shared_ptr<spdlog::sinks::sink> MakeStructuredSink(const LogOptions& options);

}  // namespace accord::ops
