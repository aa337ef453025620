// Fixture for the accordctl audit tests: a real accord-hub process over mTLS
// with an active police -> analyst agreement, record publishing, accordctl
// runs, and record-level access to export files (to tamper with them).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "accord/v1/ledger_export.pb.h"
#include "gtest/gtest.h"
#include "hub_process.h"
#include "test_support.h"

namespace accord::testing {

struct CtlResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

class AuditCliTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // Starts accord-hub on `data_dir` (under the temp dir) and, unless it is a
  // restart on old data, submits the agreement. Stops any hub this fixture
  // started before.
  void StartHub(const std::string& data_dir, bool submit_agreement = true);
  // Publishes `n` police records numbered from `first` and waits until the
  // ledger's latest signed head has at least `want_size` entries.
  void PublishAndWait(int first, int n, uint64_t want_size);
  uint64_t LedgerSize();

  // Runs accordctl with `args`; `hub` adds --hub and the analyst's mTLS files.
  CtlResult Ctl(const std::vector<std::string>& args, bool hub = false);

  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }

  TempDir dir_;
  std::unique_ptr<HubProcess> hub_;
};

// The records of an export file, in file order; and writing them back.
std::vector<v1::LedgerExportRecord> ReadExportRecords(const std::string& path);
void WriteExportRecords(const std::string& path, const std::vector<v1::LedgerExportRecord>& records);
// Index in `records` of the record holding entry `index`.
size_t EntryPosition(const std::vector<v1::LedgerExportRecord>& records, uint64_t index);

}  // namespace accord::testing
