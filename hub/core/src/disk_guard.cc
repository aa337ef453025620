#include "accord/hub/core/disk_guard.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "accord/base/clock.h"
#include "spdlog/spdlog.h"

namespace accord::hub {
namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr absl::Duration kSummaryEvery = absl::Minutes(1);

absl::StatusOr<uint64_t> StatvfsFree(const std::string& path) {
  struct statvfs st;
  if (::statvfs(path.c_str(), &st) != 0) {
    return absl::UnavailableError(absl::StrCat("statvfs ", path, ": ", std::strerror(errno)));
  }
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

double Mib(uint64_t bytes) { return static_cast<double>(bytes) / kMiB; }

}  // namespace

uint64_t DiskGuardOptions::ResumeFreeBytes() const {
  if (ingest_resume_free_bytes != 0) return ingest_resume_free_bytes;
  return ingest_min_free_bytes + std::max<uint64_t>(kMiB, ingest_min_free_bytes / 8);
}

absl::Status DiskGuardOptions::Validate() const {
  if (path.empty()) return absl::InvalidArgumentError("the disk guard needs the data directory");
  if (reserve_free_bytes >= ingest_min_free_bytes) {
    return absl::InvalidArgumentError(
        "the storage reserve must be smaller than the free space below which ingest is refused");
  }
  if (ingest_resume_free_bytes != 0 && ingest_resume_free_bytes < ingest_min_free_bytes) {
    return absl::InvalidArgumentError(
        "ingest must resume at no less free space than the level at which it is refused");
  }
  if (check_every <= absl::ZeroDuration()) return absl::InvalidArgumentError("check_every must be > 0");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<DiskGuard>> DiskGuard::Open(DiskGuardOptions options) {
  std::string path = options.path;
  return Create(
      std::move(options), [path] { return StatvfsFree(path); }, base::RealClock::Get());
}

absl::StatusOr<std::unique_ptr<DiskGuard>> DiskGuard::Create(DiskGuardOptions options, FreeSpace free_space,
                                                             const base::Clock* clock) {
  if (auto s = options.Validate(); !s.ok()) return s;
  if (!free_space || clock == nullptr) return absl::InvalidArgumentError("the disk guard needs a free-space source and a clock");
  std::unique_ptr<DiskGuard> guard(new DiskGuard(std::move(options), std::move(free_space), clock));
  guard->Refresh();
  return guard;
}

DiskGuard::DiskGuard(DiskGuardOptions options, FreeSpace free_space, const base::Clock* clock)
    : options_(std::move(options)),
      resume_free_bytes_(options_.ResumeFreeBytes()),
      free_space_(std::move(free_space)),
      clock_(clock) {}

bool DiskGuard::AdmitIngest(uint64_t batches) {
  Refresh();
  if (!refusing_.load(std::memory_order_relaxed)) return true;
  ingest_refusals_.fetch_add(batches, std::memory_order_relaxed);
  return false;
}

bool DiskGuard::AdmitInternal() {
  Refresh();
  if (!reserve_reached_.load(std::memory_order_relaxed)) return true;
  internal_refusals_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void DiskGuard::Refresh() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  if (now < checked_at_ + options_.check_every) return;
  checked_at_ = now;
  absl::StatusOr<uint64_t> measured = free_space_();
  if (!measured.ok()) {
    if (!measure_failed_logged_) {
      spdlog::warn("disk guard: cannot measure free space, writes are not held back: {}",
                   std::string(measured.status().message()));
      measure_failed_logged_ = true;
    }
    refusing_.store(false, std::memory_order_relaxed);
    reserve_reached_.store(false, std::memory_order_relaxed);
    return;
  }
  measure_failed_logged_ = false;
  const uint64_t free = *measured;
  free_.store(free, std::memory_order_relaxed);
  const bool was_refusing = refusing_.load(std::memory_order_relaxed);
  const bool refusing = was_refusing ? free < resume_free_bytes_ : free < options_.ingest_min_free_bytes;
  const bool was_reserve = reserve_reached_.load(std::memory_order_relaxed);
  const bool reserve = free < options_.reserve_free_bytes;
  refusing_.store(refusing, std::memory_order_relaxed);
  reserve_reached_.store(reserve, std::memory_order_relaxed);
  const uint64_t refused = ingest_refusals_.load(std::memory_order_relaxed);
  if (refusing && !was_refusing) {
    spdlog::warn(
        "disk guard: {:.1f} MiB free on the file system of {} (below {:.1f} MiB): new records are refused until "
        "{:.1f} MiB are free; free space or grow the volume, the hub resumes by itself",
        Mib(free), options_.path, Mib(options_.ingest_min_free_bytes), Mib(resume_free_bytes_));
    summary_at_ = now + kSummaryEvery;
    refusals_at_summary_ = refused;
  } else if (!refusing && was_refusing) {
    spdlog::info("disk guard: {:.1f} MiB free on the file system of {}: accepting records again ({} batches "
                 "refused since the last report)",
                 Mib(free), options_.path, refused - refusals_at_summary_);
  } else if (refusing && now >= summary_at_) {
    spdlog::warn("disk guard: still {:.1f} MiB free on the file system of {}; {} batches refused in the last "
                 "minute",
                 Mib(free), options_.path, refused - refusals_at_summary_);
    summary_at_ = now + kSummaryEvery;
    refusals_at_summary_ = refused;
  }
  if (reserve && !was_reserve) {
    spdlog::error("disk guard: {:.1f} MiB free on the file system of {} (below the {:.1f} MiB reserve): the "
                  "hub holds back every write; accepted records wait in the ingest log",
                  Mib(free), options_.path, Mib(options_.reserve_free_bytes));
  } else if (!reserve && was_reserve) {
    spdlog::info("disk guard: {:.1f} MiB free on the file system of {}: writes resume", Mib(free), options_.path);
  }
}

}  // namespace accord::hub
