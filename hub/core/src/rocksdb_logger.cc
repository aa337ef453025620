#include "rocksdb_logger.h"

#include <cstdarg>
#include <algorithm>
#include <cstdio>
#include <string_view>

#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

class SpdlogLogger final : public rocksdb::Logger {
 public:
  SpdlogLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buf[1024];
    const int n = std::vsnprintf(buf, sizeof(buf), format, ap);
    if (n < 0) return;
    std::string_view line(buf, std::min<size_t>(static_cast<size_t>(n), sizeof(buf) - 1));
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.remove_suffix(1);
    switch (level) {
      case rocksdb::InfoLogLevel::WARN_LEVEL: spdlog::warn("rocksdb: {}", line); break;
      case rocksdb::InfoLogLevel::ERROR_LEVEL: spdlog::error("rocksdb: {}", line); break;
      case rocksdb::InfoLogLevel::FATAL_LEVEL: spdlog::critical("rocksdb: {}", line); break;
      default: spdlog::info("rocksdb: {}", line); break;
    }
  }
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewRocksDbSpdlogLogger() { return std::make_shared<SpdlogLogger>(); }

}  // namespace accord::hub
