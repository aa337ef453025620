#include "accord/hub/core/disk_guard.h"

#include <atomic>
#include <memory>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "accord/hub/core/hub_db.h"
#include "accord/hub/core/rocksdb_ingest_log.h"
#include "core_test_util.h"
#include "accord/base/clock.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

// A file system whose free space and clock the test sets.
struct FakeDisk {
  std::shared_ptr<std::atomic<uint64_t>> free = std::make_shared<std::atomic<uint64_t>>(100 * kMiB);
  std::shared_ptr<std::atomic<bool>> fails = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<base::ManualClock> clock = std::make_shared<base::ManualClock>(absl::FromUnixMillis(1000000));
  std::shared_ptr<std::atomic<int>> measured = std::make_shared<std::atomic<int>>(0);

  std::unique_ptr<DiskGuard> Guard(DiskGuardOptions options = Options()) const {
    auto guard = DiskGuard::Create(
        std::move(options),
        [free = free, fails = fails, measured = measured]() -> absl::StatusOr<uint64_t> {
          ++*measured;
          if (*fails) return absl::UnavailableError("cannot measure");
          return free->load();
        },
        clock.get());
    EXPECT_TRUE(guard.ok()) << guard.status();
    return std::move(guard).value();
  }
  static DiskGuardOptions Options() {
    DiskGuardOptions o;
    o.path = "/data";
    o.ingest_min_free_bytes = 16 * kMiB;  // resumes at 18 MiB (16 + 16/8)
    o.reserve_free_bytes = 4 * kMiB;
    o.check_every = absl::Milliseconds(100);
    return o;
  }
  // Sets the free space and lets the next Admit*() measure it.
  void Set(uint64_t bytes) const {
    *free = bytes;
    clock->Advance(absl::Milliseconds(100));
  }
};

TEST(DiskGuardTest, OptionsAreValidated) {
  DiskGuardOptions o = FakeDisk::Options();
  EXPECT_TRUE(o.Validate().ok());
  EXPECT_EQ(o.ResumeFreeBytes(), 18 * kMiB);
  o.reserve_free_bytes = o.ingest_min_free_bytes;
  EXPECT_FALSE(o.Validate().ok());
  o = FakeDisk::Options();
  o.ingest_resume_free_bytes = 15 * kMiB;
  EXPECT_FALSE(o.Validate().ok());
  o = FakeDisk::Options();
  o.path.clear();
  EXPECT_FALSE(o.Validate().ok());
  o = FakeDisk::Options();
  o.check_every = absl::ZeroDuration();
  EXPECT_FALSE(o.Validate().ok());
  // The small default hysteresis: at least 1 MiB.
  o = FakeDisk::Options();
  o.ingest_min_free_bytes = 4 * kMiB;
  o.reserve_free_bytes = 1 * kMiB;
  EXPECT_EQ(o.ResumeFreeBytes(), 5 * kMiB);
}

TEST(DiskGuardTest, IngestIsRefusedBelowTheWatermarkAndResumesAboveTheHysteresis) {
  FakeDisk disk;
  auto guard = disk.Guard();
  EXPECT_TRUE(guard->AdmitIngest());
  EXPECT_TRUE(guard->AdmitInternal());
  EXPECT_EQ(guard->free_bytes(), 100 * kMiB);

  disk.Set(16 * kMiB - 1);
  EXPECT_FALSE(guard->AdmitIngest());
  EXPECT_TRUE(guard->ingest_refused());
  EXPECT_TRUE(guard->AdmitInternal());  // above the reserve: accepted records are still processed
  EXPECT_EQ(guard->ingest_refusals(), 1u);
  EXPECT_FALSE(guard->AdmitIngest(3));
  EXPECT_EQ(guard->ingest_refusals(), 4u);

  // Back above the watermark, but not above the hysteresis: still refused
  // (no flapping around one level).
  disk.Set(17 * kMiB);
  EXPECT_FALSE(guard->AdmitIngest());
  disk.Set(18 * kMiB);
  EXPECT_TRUE(guard->AdmitIngest());
  EXPECT_FALSE(guard->ingest_refused());
  // And admitted down to the watermark again.
  disk.Set(16 * kMiB);
  EXPECT_TRUE(guard->AdmitIngest());
  EXPECT_EQ(guard->ingest_refusals(), 5u);
}

TEST(DiskGuardTest, BelowTheReserveEveryWriteWaits) {
  FakeDisk disk;
  auto guard = disk.Guard();
  disk.Set(4 * kMiB - 1);
  EXPECT_FALSE(guard->AdmitInternal());
  EXPECT_FALSE(guard->AdmitIngest());
  EXPECT_EQ(guard->internal_refusals(), 1u);
  disk.Set(4 * kMiB);
  EXPECT_TRUE(guard->AdmitInternal());
  EXPECT_FALSE(guard->AdmitIngest());
}

TEST(DiskGuardTest, MeasuresAtMostOncePerInterval) {
  FakeDisk disk;
  auto guard = disk.Guard();
  const int first = *disk.measured;
  *disk.free = 1 * kMiB;  // the clock has not moved: the last measurement holds
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(guard->AdmitIngest());
  EXPECT_EQ(*disk.measured, first);
  disk.clock->Advance(absl::Milliseconds(99));
  EXPECT_TRUE(guard->AdmitIngest());
  disk.clock->Advance(absl::Milliseconds(1));
  EXPECT_FALSE(guard->AdmitIngest());
  EXPECT_EQ(*disk.measured, first + 1);
}

TEST(DiskGuardTest, RefreshUpdatesTheStateWithoutCountingARefusal) {
  FakeDisk disk;
  auto guard = disk.Guard();
  disk.Set(1 * kMiB);
  guard->Refresh();
  EXPECT_EQ(guard->free_bytes(), 1 * kMiB);
  EXPECT_TRUE(guard->ingest_refused());
  EXPECT_EQ(guard->ingest_refusals(), 0u);
  EXPECT_EQ(guard->internal_refusals(), 0u);
}

TEST(DiskGuardTest, AFailedMeasurementAdmits) {
  FakeDisk disk;
  auto guard = disk.Guard();
  disk.Set(1 * kMiB);
  EXPECT_FALSE(guard->AdmitIngest());
  *disk.fails = true;
  disk.Set(1 * kMiB);
  EXPECT_TRUE(guard->AdmitIngest());
  EXPECT_TRUE(guard->AdmitInternal());
}

TEST(DiskGuardTest, OpenMeasuresARealDirectory) {
  testing::TempDir dir;
  DiskGuardOptions o = FakeDisk::Options();
  o.path = dir.path();
  o.ingest_min_free_bytes = 2;
  o.reserve_free_bytes = 1;
  auto guard = DiskGuard::Open(o);
  ASSERT_TRUE(guard.ok()) << guard.status();
  EXPECT_GT((*guard)->free_bytes(), 0u);
  EXPECT_NE((*guard)->free_bytes(), UINT64_MAX);
}

// HubDb with a guard: below the reserve nothing is written.
TEST(DiskGuardTest, HubDbWritesNothingBelowTheReserve) {
  testing::TempDir dir;
  FakeDisk disk;
  HubDbOptions options;
  options.path = dir.path() + "/db";
  options.block_cache_bytes = 8u << 20;
  options.write_buffer_bytes = 4u << 20;
  options.disk_guard = disk.Guard();
  auto db = HubDb::Open(options);
  ASSERT_TRUE(db.ok()) << db.status();

  disk.Set(1 * kMiB);
  rocksdb::WriteBatch wb;
  ASSERT_TRUE(wb.Put((*db)->cf(HubDb::kMeta), "started", "v").ok());
  // While the hub starts, its bookkeeping writes go ahead.
  EXPECT_TRUE((*db)->WriteSync(&wb).ok());
  (*db)->HoldWritesBelowReserve();
  wb.Clear();
  ASSERT_TRUE(wb.Put((*db)->cf(HubDb::kMeta), "k", "v").ok());
  absl::Status s = (*db)->WriteSync(&wb);
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "storage is full")) << s;
  EXPECT_FALSE(absl::StrContains(s.message(), "/")) << s;
  EXPECT_TRUE(absl::IsResourceExhausted((*db)->Write(&wb)));
  EXPECT_TRUE(absl::IsNotFound((*db)->Get(HubDb::kMeta, "k").status()));

  disk.Set(10 * kMiB);  // between the watermarks: internal writes go on
  EXPECT_TRUE((*db)->WriteSync(&wb).ok());
  EXPECT_EQ((*db)->Get(HubDb::kMeta, "k").value_or(""), "v");
}

// The ingest log refuses whole batches, path-free, below the watermark, and
// accepts them again (same log, no restart) once there is room.
TEST(DiskGuardTest, TheIngestLogRefusesBelowTheWatermarkAndResumes) {
  testing::TempDir dir;
  FakeDisk disk;
  HubDbOptions options;
  options.path = dir.path() + "/db";
  options.block_cache_bytes = 8u << 20;
  options.write_buffer_bytes = 4u << 20;
  options.disk_guard = disk.Guard();
  auto db = HubDb::Open(options);
  ASSERT_TRUE(db.ok()) << db.status();
  RocksDbIngestLogOptions log_options;
  log_options.dedupe_key = std::string(32, 'd');
  log_options.quarantine_key = std::string(32, 'q');
  log_options.record_key = std::string(32, 'r');
  auto log = RocksDbIngestLog::Open(db->get(), log_options);
  ASSERT_TRUE(log.ok()) << log.status();

  auto append = [&](const std::string& id) {
    absl::Status result;
    absl::Notification done;
    IngestLog::Batch batch;
    v1::Record& r = batch.records.emplace_back();
    r.set_provider("herts-police");
    r.set_dataset("incidents");
    r.set_dataset_version(1);
    r.set_record_id(id);
    batch.done = [&](absl::Status s, const std::vector<IngestLog::Outcome>&) {
      result = s;
      done.Notify();
    };
    EXPECT_TRUE((*log)->TryAppend(batch));
    done.WaitForNotification();
    return result;
  };

  disk.Set(10 * kMiB);
  const absl::Status refused = append("r1");
  EXPECT_TRUE(absl::IsUnavailable(refused)) << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "storage is full")) << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "retry later")) << refused;
  EXPECT_FALSE(absl::StrContains(refused.message(), "/")) << refused;
  EXPECT_EQ((*log)->last_offset(), 0u);  // nothing stored
  EXPECT_EQ((*db)->disk_guard()->ingest_refusals(), 1u);

  disk.Set(18 * kMiB);
  EXPECT_TRUE(append("r1").ok());
  EXPECT_EQ((*log)->last_offset(), 1u);
  (*log)->Stop();
}

}  // namespace
}  // namespace accord::hub
