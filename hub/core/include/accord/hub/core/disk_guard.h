// DiskGuard: keeps the hub off a full disk. RocksDB must never meet ENOSPC
// on its write-ahead log (Debian's librocksdb 7.8 aborts on the next write
// after a failed WAL append), so the hub stops writing before the file
// system is full, and starts again by itself once space is back.
//
// Two watermarks on the free space of the data directory's file system
// (statvfs f_bavail, what an unprivileged writer may use):
//   - ingest: below `ingest_min_free_bytes` new ingest batches are refused
//     (AdmitIngest() false: REJECT_UNAVAILABLE, "the hub's storage is
//     full"); they are admitted again once free space reaches
//     `ingest_resume_free_bytes` (hysteresis, so the hub does not flap).
//   - reserve: below `reserve_free_bytes` every other write of the hub
//     (policy stage commits, ledger, agreements) waits too (AdmitInternal()
//     false; HubDb::Write refuses with ResourceExhausted and nothing is
//     written). What is between the two watermarks is the room in which
//     already accepted records are processed and fed, so nothing accepted
//     is lost: it waits in the ingest log until there is room.
//
// The free space is measured at most every `check_every` (statvfs is cheap,
// but the writers call Admit* per batch); between measurements the last one
// holds. A measurement that fails admits (the hub does not stop because it
// cannot ask), and is logged once.
//
// Logging: one line when ingest is refused, one when it resumes (with the
// batches refused meanwhile), and while refusing one summary a minute. No
// client ever sees the path: it is in the operator's log only.
//
// Thread safety: every method is thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace accord::base {
class Clock;  // accord/base/clock.h
}  // namespace accord::base

namespace accord::hub {

struct DiskGuardOptions {
  // A directory on the watched file system (the hub's data directory). Required.
  std::string path;
  // Below this many free bytes new ingest batches are refused. Default: 256 MiB.
  uint64_t ingest_min_free_bytes = 256ull << 20;
  // Ingest is admitted again at or above this many free bytes. 0 (default):
  // ingest_min_free_bytes + max(1 MiB, ingest_min_free_bytes / 8). Must be >=
  // ingest_min_free_bytes.
  uint64_t ingest_resume_free_bytes = 0;
  // Below this many free bytes every other write waits. Default: 8 MiB; must
  // be < ingest_min_free_bytes. (The room RocksDB itself needs for a WAL
  // append, a memtable flush and the MANIFEST.)
  uint64_t reserve_free_bytes = 8ull << 20;
  // Free space is measured at most this often. Default: 100 ms; > 0.
  absl::Duration check_every = absl::Milliseconds(100);

  absl::Status Validate() const;
  // ingest_resume_free_bytes, or its default.
  uint64_t ResumeFreeBytes() const;
};

class DiskGuard {
 public:
  // Free bytes of the watched file system, or an error.
  using FreeSpace = std::function<absl::StatusOr<uint64_t>()>;

  // Watches options.path with statvfs on the real clock.
  static absl::StatusOr<std::unique_ptr<DiskGuard>> Open(DiskGuardOptions options);
  // With an injected free-space source and clock (tests; `clock` borrowed,
  // must outlive the guard).
  static absl::StatusOr<std::unique_ptr<DiskGuard>> Create(DiskGuardOptions options, FreeSpace free_space,
                                                           const base::Clock* clock);

  // May `batches` new ingest batches be written now? false counts them as
  // refused.
  bool AdmitIngest(uint64_t batches = 1);
  // May any other write go ahead now? false counts one internal refusal.
  bool AdmitInternal();

  // Measures again if check_every has passed since the last measurement
  // (Admit*() do this too; a metrics scrape calls it so that an idle hub's
  // gauges are current).
  void Refresh();
  // The last measurement (bytes free); refreshed by Admit*() and Refresh().
  uint64_t free_bytes() const { return free_.load(std::memory_order_relaxed); }
  // Is ingest refused (as of the last measurement)?
  bool ingest_refused() const { return refusing_.load(std::memory_order_relaxed); }
  // Ingest batches refused / internal writes held back, since start.
  uint64_t ingest_refusals() const { return ingest_refusals_.load(std::memory_order_relaxed); }
  uint64_t internal_refusals() const { return internal_refusals_.load(std::memory_order_relaxed); }
  const DiskGuardOptions& options() const { return options_; }

 private:
  DiskGuard(DiskGuardOptions options, FreeSpace free_space, const base::Clock* clock);

  const DiskGuardOptions options_;
  const uint64_t resume_free_bytes_;
  const FreeSpace free_space_;
  const base::Clock* const clock_;

  absl::Mutex mu_;
  absl::Time checked_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time summary_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t refusals_at_summary_ ABSL_GUARDED_BY(mu_) = 0;
  bool measure_failed_logged_ ABSL_GUARDED_BY(mu_) = false;

  std::atomic<uint64_t> free_{UINT64_MAX};
  std::atomic<bool> refusing_{false};
  std::atomic<bool> reserve_reached_{false};
  std::atomic<uint64_t> ingest_refusals_{0};
  std::atomic<uint64_t> internal_refusals_{0};
};

}  // namespace accord::hub
