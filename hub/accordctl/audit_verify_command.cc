// accordctl audit verify: recompute the ledger from an export file (offline)
// or from a running hub's export stream (spooled to a temporary export file),
// and check every signed head.
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "accord/hub/ledger/merkle.h"
#include "accord/hub/ledger/verify.h"
#include "audit_client.h"
#include "audit_export.h"
#include "commands.h"
#include "exit_codes.h"
#include "key_commands.h"
#include "files.h"
#include "ledger_export_file.h"
#include "nlohmann/json.hpp"
#include "pin_file.h"

namespace accord::ctl {
namespace {

namespace ledger = hub::ledger;

// OK, or FailedPrecondition naming both log ids if `public_pem` is not the
// key in `expect_key_path`.
absl::Status CheckExpectedKey(const std::string& expect_key_path, const std::string& public_pem) {
  if (expect_key_path.empty()) return absl::OkStatus();
  auto expected = ReadFile(expect_key_path, 64 * 1024);
  if (!expected.ok()) return expected.status();
  auto want = ledger::LogIdFromPublicPem(*expected);
  if (!want.ok())
    return absl::InvalidArgumentError(absl::StrCat(expect_key_path, " is not an Ed25519 public key PEM"));
  auto got = ledger::LogIdFromPublicPem(public_pem);
  if (!got.ok() || *got != *want) {
    return absl::FailedPreconditionError(
        absl::StrCat("the ledger is signed with key ", got.ok() ? *got : "(not an Ed25519 key)",
                     ", not the one you expect in ", expect_key_path, " (", *want, ")"));
  }
  return absl::OkStatus();
}

int Report(const ledger::VerifyReport& report, const std::string& public_pem, const std::string& source,
           bool json) {
  auto log_id = ledger::LogIdFromPublicPem(public_pem);
  if (json) {
    nlohmann::ordered_json j{{"ok", report.ok},
                             {"source", source},
                             {"entries", report.entries_checked},
                             {"heads", report.heads_checked},
                             {"problem", report.problem},
                             {"log_id", log_id.ok() ? *log_id : ""}};
    if (report.first_bad_index) j["first_bad_index"] = *report.first_bad_index;
    std::cout << j.dump(2) << "\n";
  } else if (report.ok) {
    std::cout << "Ledger verified: " << report.entries_checked << " disclosures, " << report.heads_checked
              << " signed tree heads, log " << (log_id.ok() ? *log_id : "?") << "\n";
  } else {
    std::cout << "LEDGER VERIFICATION FAILED: " << report.problem << "\n";
    if (report.first_bad_index) std::cout << "  first bad entry: " << *report.first_bad_index << "\n";
  }
  return report.ok ? kExitOk : kExitTampered;
}

int Tampered(const std::string& problem, bool json) {
  ledger::VerifyReport r;
  r.problem = problem;
  return Report(r, "", "", json);
}

// Adds the heads of the pin files to `heads`, so the ledger must agree with
// every head a partner pinned (a log truncated or rewritten and re-signed after
// the pin then fails). Returns an exit code, or -1 to go on.
int AddPinnedHeads(const AuditVerifyOptions& o, const std::string& public_pem,
                   std::vector<ledger::SignedTreeHead>* heads) {
  auto log_id = ledger::LogIdFromPublicPem(public_pem);
  for (const std::string& path : o.pins) {
    auto text = ReadFile(path, 1 << 20);
    if (!text.ok()) return FailStatus(text.status());
    auto pin = ParsePin(*text, path);
    if (!pin.ok()) {
      if (pin.status().code() == absl::StatusCode::kDataLoss)
        return Tampered(std::string(pin.status().message()), o.json);
      return FailStatus(pin.status());
    }
    if (!log_id.ok() || pin->head.log_id != *log_id) {
      return Tampered(absl::StrCat("the head pinned in ", path, " is from log ", pin->head.log_id,
                                   ", but this ledger is log ", log_id.ok() ? *log_id : "(no valid key)"),
                      o.json);
    }
    heads->push_back(pin->head);
  }
  return -1;
}

// Verifies the export at `path` into `*report` (with its key in `*pem` and
// its heads in `*heads`). Returns an exit code if it stopped early, else -1.
int CheckFile(const AuditVerifyOptions& o, const std::string& path, ledger::VerifyReport* report,
              std::string* pem, std::vector<ledger::SignedTreeHead>* heads) {
  auto index = ReadExportIndex(path);
  if (!index.ok()) {
    if (index.status().code() == absl::StatusCode::kDataLoss)
      return Tampered(std::string(index.status().message()), o.json);
    return FailStatus(index.status());
  }
  *pem = index->header.public_key_pem();
  if (absl::Status s = CheckExpectedKey(o.expect_key, *pem); !s.ok()) {
    if (s.code() == absl::StatusCode::kFailedPrecondition) return Tampered(std::string(s.message()), o.json);
    return FailStatus(s);
  }
  *heads = std::move(index->heads);
  if (int rc = AddPinnedHeads(o, *pem, heads); rc >= 0) return rc;
  auto entries = ExportEntryReader::Open(path);
  if (!entries.ok()) return FailStatus(entries.status());
  *report = ledger::VerifyEntriesAgainstHeads([&](ledger::SourceEntry* out) { return (*entries)->Next(out); },
                                              *heads, *pem);
  return -1;
}

int VerifyFile(const AuditVerifyOptions& o) {
  ledger::VerifyReport report;
  std::string pem;
  std::vector<ledger::SignedTreeHead> heads;
  if (int rc = CheckFile(o, o.file, &report, &pem, &heads); rc >= 0) return rc;
  return Report(report, pem, o.file, o.json);
}

// When the report names only the start of a signed interval whose root
// failed, asks the hub for each entry's inclusion proof against that signed
// head, from its stored nodes: the first entry whose bytes do not prove is the
// one that was changed after signing. At most kMaxNarrowing proofs.
void Narrow(AuditClient& client, absl::Span<const ledger::SignedTreeHead> heads,
            ledger::VerifyReport* report) {
  constexpr uint64_t kMaxNarrowing = 10000;
  if (!report->first_bad_index || !report->interval_end) return;
  const uint64_t begin = *report->first_bad_index, size = *report->interval_end;
  const ledger::SignedTreeHead* head = nullptr;
  for (const auto& h : heads) {
    if (h.head.tree_size == size) head = &h;
  }
  if (head == nullptr || size - begin > kMaxNarrowing) return;
  for (uint64_t i = begin; i < size; ++i) {
    auto proof = client.Inclusion(i, size);
    if (!proof.ok()) return;
    auto hashes = HashesFromProto(proof->hashes());
    if (!hashes.ok()) return;
    const ledger::Hash leaf = ledger::LeafHash(proof->entry_bytes());
    if (!ledger::VerifyInclusion(i, size, leaf, *hashes, head->head.root).ok()) {
      report->first_bad_index = i;
      report->interval_end.reset();
      report->problem = absl::StrCat(report->problem, "; entry ", i,
                                     " is the first whose bytes do not prove against that head (its "
                                     "inclusion proof from the hub's stored hashes fails)");
      return;
    }
  }
}

// A temporary file under $TMPDIR (or /tmp), removed on destruction.
class TempFile {
 public:
  TempFile() {
    const char* dir = std::getenv("TMPDIR");
    std::string name =
        absl::StrCat(dir != nullptr && *dir != '\0' ? dir : "/tmp", "/accordctl-verify-XXXXXX");
    const int fd = ::mkstemp(name.data());
    if (fd >= 0) {
      ::close(fd);
      path_ = name;
    }
  }
  ~TempFile() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Spools the hub's export stream to a temporary file and verifies that, so
// memory stays flat however long the ledger is.
int VerifyOnline(const AuditVerifyOptions& o) {
  auto client = AuditClient::Create(o.hub);
  if (!client.ok()) return FailStatus(client.status());
  TempFile spool;
  if (spool.path().empty()) {
    std::cerr << "accordctl: cannot create a temporary file to spool the ledger (set TMPDIR)\n";
    return kExitUsage;
  }
  auto stats = ExportFromHub(*client, spool.path(), /*overwrite=*/true);
  if (!stats.ok()) {
    if (stats.status().code() == absl::StatusCode::kDataLoss)
      return Tampered(std::string(stats.status().message()), o.json);
    return FailStatus(stats.status());
  }
  ledger::VerifyReport report;
  std::string pem;
  std::vector<ledger::SignedTreeHead> heads;
  if (int rc = CheckFile(o, spool.path(), &report, &pem, &heads); rc >= 0) return rc;
  if (!report.ok) Narrow(*client, heads, &report);
  return Report(report, pem, o.hub.target, o.json);
}

}  // namespace

int RunAuditVerify(const AuditVerifyOptions& o) {
  if (o.file.empty() == o.hub.target.empty()) {
    std::cerr << "accordctl: give exactly one of --file EXPORT (offline) or --hub HOST:PORT (online)\n";
    return kExitUsage;
  }
  if (!o.keys.empty()) {
    auto key_log = LoadKeyLogFile(o.keys);
    if (!key_log.ok()) {
      std::cerr << "accordctl: " << key_log.status().message() << "\n";
      return key_log.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitTampered;
    }
    (o.json ? std::cerr : std::cout) << "Verified " << DescribeKeyLog(o.keys, *key_log) << "\n";
  }
  return o.file.empty() ? VerifyOnline(o) : VerifyFile(o);
}

}  // namespace accord::ctl
