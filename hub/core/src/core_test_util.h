// Test helpers for hub/core: a temporary directory and an open HubDb.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "accord/hub/core/hub_db.h"
#include "gtest/gtest.h"

namespace accord::hub::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "accord-core-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::unique_ptr<HubDb> OpenDb(const std::string& dir) {
  HubDbOptions options;
  options.path = dir + "/db";
  options.block_cache_bytes = 8u << 20;
  options.write_buffer_bytes = 4u << 20;
  auto db = HubDb::Open(options);
  if (!db.ok()) {
    ADD_FAILURE() << db.status();
    std::abort();
  }
  return std::move(db).value();
}

}  // namespace accord::hub::testing
