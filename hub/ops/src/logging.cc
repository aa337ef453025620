#include "accord/ops/logging.h"

#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "accord/ops/rate_limiter.h"
#include "grpc/support/log.h"
#include "spdlog/sinks/base_sink.h"
#include "spdlog/spdlog.h"

namespace accord::ops {
namespace {

using Json = nlohmann::json;

// The event LogEvent() is logging on this thread, read by the sink (spdlog
// loggers call their sinks synchronously on the logging thread).
struct PendingEvent {
  std::string_view component;
  std::string_view event;
  const Json* fields;
};
thread_local const PendingEvent* tl_event = nullptr;

void WriteStderr(std::string_view line) {
  std::string buf(line);
  buf.push_back('\n');
  size_t off = 0;
  while (off < buf.size()) {
    const ssize_t n = ::write(STDERR_FILENO, buf.data() + off, buf.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsWord(std::string_view w) {
  if (w.empty() || !absl::ascii_isalpha(static_cast<unsigned char>(w[0]))) return false;
  for (char c : w) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

std::string_view UpToFirstDigit(std::string_view s) {
  for (size_t i = 0; i < s.size() && i < 64; ++i) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return s.substr(0, i);
  }
  return s.substr(0, std::min<size_t>(s.size(), 64));
}

// A text value: bare when it is one token, else quoted with escapes.
void AppendTextValue(const Json& v, std::string* out) {
  if (!v.is_string()) {
    absl::StrAppend(out, v.dump(-1, ' ', false, Json::error_handler_t::replace));
    return;
  }
  const std::string& s = v.get_ref<const std::string&>();
  bool bare = !s.empty();
  for (char c : s) bare &= c > ' ' && c != '"' && c != '=' && c != '\\' && c != 0x7f;
  if (bare) {
    out->append(s);
  } else {
    out->append(Json(s).dump(-1, ' ', false, Json::error_handler_t::replace));
  }
}

class StructuredSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit StructuredSink(LogOptions o)
      : options_(std::move(o)), limiter_(options_.burst, options_.window) {
    if (!options_.output) options_.output = WriteStderr;
    if (!options_.clock) options_.clock = [] { return absl::Now(); };
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const absl::Time now = options_.clock();
    ReportExpired(now, msg.time);
    std::string component, event, key;
    Json fields = Json::object();
    if (tl_event != nullptr) {
      component = tl_event->component;
      event = tl_event->event;
      if (tl_event->fields != nullptr && tl_event->fields->is_object()) fields = *tl_event->fields;
      key = absl::StrCat(component, "\x1f", event);
    } else {
      const std::string_view m(msg.payload.data(), msg.payload.size());
      std::string_view rest = m;
      const size_t colon = m.find(": ");
      std::vector<std::string_view> words;
      if (colon != std::string_view::npos && colon <= 40) {
        for (absl::string_view w : absl::StrSplit(AV(m.substr(0, colon)), ' ')) words.emplace_back(w.data(), w.size());
      }
      if (!words.empty() && words.size() <= 2 && IsWord(words[0]) && (words.size() == 1 || IsWord(words[1]))) {
        component = absl::AsciiStrToLower(AV(words[0]));
        event = words.size() == 2 ? std::string(words[1]) : "message";
        rest = m.substr(colon + 2);
      } else {
        component = msg.logger_name.size() ? std::string(msg.logger_name.data(), msg.logger_name.size())
                                           : options_.program;
        event = "message";
      }
      fields["msg"] = std::string(rest);
      key = absl::StrCat(component, "\x1f", event, "\x1f", AV(UpToFirstDigit(rest)));
    }
    const LogRateLimiter::Decision d = limiter_.Admit(key, now);
    if (!d.write) return;
    if (d.suppressed_before > 0) fields["suppressed"] = d.suppressed_before;
    Emit(msg.time, msg.level, component, event, fields);
  }

  // Reports pending suppressed counts (spdlog's periodic flusher, and FlushLogging()).
  void flush_() override {
    ReportExpired(options_.clock(), std::chrono::system_clock::now(), /*force=*/false);
  }

 public:
  void FlushAll() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [key, n] : limiter_.TakeAll()) EmitSuppressed(std::chrono::system_clock::now(), key, n);
  }

 private:
  void ReportExpired(absl::Time now, spdlog::log_clock::time_point t, bool force = false) {
    if (!force && now < next_sweep_) return;
    next_sweep_ = now + absl::Seconds(1);
    for (const auto& [key, n] : limiter_.Expired(now)) EmitSuppressed(t, key, n);
  }

  void EmitSuppressed(spdlog::log_clock::time_point t, const std::string& key, uint64_t n) {
    std::vector<std::string> parts = absl::StrSplit(key, '\x1f');
    Json fields = Json::object();
    fields["component"] = parts.size() > 0 ? parts[0] : "";
    fields["event"] = parts.size() > 1 ? parts[1] : "";
    if (parts.size() > 2) fields["like"] = parts[2];
    fields["count"] = n;
    Emit(t, spdlog::level::warn, "log", "suppressed", fields);
  }

  void Emit(spdlog::log_clock::time_point t, spdlog::level::level_enum level, std::string_view component,
            std::string_view event, const Json& fields) {
    const std::string time =
        absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromChrono(t), absl::UTCTimeZone());
    const auto level_name = spdlog::level::to_string_view(level);
    std::string line;
    if (options_.format == LogFormat::kJson) {
      nlohmann::ordered_json j;
      j["time"] = time;
      j["level"] = std::string(level_name.data(), level_name.size());
      j["component"] = std::string(component);
      j["event"] = std::string(event);
      j["fields"] = fields;
      line = j.dump(-1, ' ', false, Json::error_handler_t::replace);
    } else {
      line = absl::StrCat(time, " ", absl::string_view(level_name.data(), level_name.size()), " ",
                          AV(component), " ", AV(event));
      for (const auto& [k, v] : fields.items()) {
        absl::StrAppend(&line, " ", k, "=");
        AppendTextValue(v, &line);
      }
      for (char& c : line) {
        if (c == '\n' || c == '\r') c = ' ';  // one line per event, whatever a message holds
      }
    }
    options_.output(line);
  }

  LogOptions options_;
  LogRateLimiter limiter_;
  absl::Time next_sweep_ = absl::InfinitePast();
};

std::shared_ptr<StructuredSink>& CurrentSink() {
  static auto* sink = new std::shared_ptr<StructuredSink>();
  return *sink;
}

void GrpcLog(gpr_log_func_args* args) {
  std::string_view file = args->file != nullptr ? args->file : "";
  if (auto slash = file.rfind('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
  std::string_view event = file.substr(0, file.find('.'));
  if (event.empty()) event = "core";
  // gRPC's INFO lines are start-up chatter (poller, builder): our debug.
  const spdlog::level::level_enum level =
      args->severity == GPR_LOG_SEVERITY_ERROR ? spdlog::level::err : spdlog::level::debug;
  LogEvent(level, "grpc", event,
           Json{{"file", std::string(file)}, {"line", args->line},
                {"msg", args->message != nullptr ? args->message : ""}});
}

}  // namespace

absl::StatusOr<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(absl::StrCat("log format must be 'text' or 'json', not '", AV(name), "'"));
}

absl::StatusOr<spdlog::level::level_enum> ParseLogLevel(std::string_view name) {
  const std::string n = absl::AsciiStrToLower(AV(name));
  if (n == "trace") return spdlog::level::trace;
  if (n == "debug") return spdlog::level::debug;
  if (n == "info") return spdlog::level::info;
  if (n == "warn" || n == "warning") return spdlog::level::warn;
  if (n == "error") return spdlog::level::err;
  if (n == "critical") return spdlog::level::critical;
  if (n == "off") return spdlog::level::off;
  return absl::InvalidArgumentError(absl::StrCat(
      "log level must be one of trace, debug, info, warn, error, critical, off; not '", AV(name), "'"));
}

std::shared_ptr<spdlog::sinks::sink> MakeStructuredSink(const LogOptions& options) {
  return std::make_shared<StructuredSink>(options);
}

void InitLogging(const LogOptions& options) {
  auto sink = std::make_shared<StructuredSink>(options);
  auto logger = std::make_shared<spdlog::logger>(options.program, sink);
  logger->set_level(options.level);
  logger->flush_on(spdlog::level::off);
  spdlog::set_default_logger(logger);
  CurrentSink() = sink;
  // Pending "suppressed" counts are reported within a few seconds even when
  // nothing else is logged.
  spdlog::flush_every(std::chrono::seconds(2));
  if (options.capture_grpc) {
    gpr_set_log_function(GrpcLog);
    gpr_set_log_verbosity(options.level <= spdlog::level::debug ? GPR_LOG_SEVERITY_INFO
                                                                : GPR_LOG_SEVERITY_ERROR);
  }
}

void FlushLogging() {
  if (auto sink = CurrentSink()) sink->FlushAll();
}

void LogEvent(spdlog::level::level_enum level, std::string_view component, std::string_view event,
              const nlohmann::json& fields) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  if (logger == nullptr || !logger->should_log(level)) return;
  // The message other sinks see: "component event k=v ...".
  std::string text = absl::StrCat(AV(component), " ", AV(event));
  if (fields.is_object()) {
    for (const auto& [k, v] : fields.items()) {
      absl::StrAppend(&text, " ", k, "=");
      AppendTextValue(v, &text);
    }
  }
  PendingEvent pending{component, event, &fields};
  tl_event = &pending;
  logger->log(level, "{}", text);
  tl_event = nullptr;
}

}  // namespace accord::ops
