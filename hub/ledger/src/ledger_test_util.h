// Helpers shared by the ledger tests and benchmark (header-only, test code).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "accord/hub/ledger/ledger_db.h"
#include "accord/hub/ledger/tree_head.h"

namespace accord::hub::ledger::testing {

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/accord-ledger-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A deterministic ~300-byte entry, like a serialised LedgerEntry.
inline std::string SampleEntry(uint64_t i) {
  std::string e = "accord.ledger.entry/";
  e += std::to_string(i);
  e.resize(300, static_cast<char>('a' + i % 26));
  return e;
}

}  // namespace accord::hub::ledger::testing
