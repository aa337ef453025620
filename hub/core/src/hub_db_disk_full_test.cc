// HubDb on a really full disk, without a disk guard (as when something else
// fills the disk faster than the guard looks): a tmpfs mounted by the test
// (needs root; skipped otherwise). RocksDB meets ENOSPC; the writes fail
// with a status (no abort), and once space is freed writes succeed again
// without reopening the DB, and every acknowledged write is still there.
// The disk is real, so this test waits on real time, in bounded polls
// (RocksDB's own recovery looks every 5 s).
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "accord/hub/core/hub_db.h"
#include "core_test_util.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"

namespace accord::hub {
namespace {

class HubDbDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mnt_ = dir_.path() + "/mnt";
    std::filesystem::create_directories(mnt_);
    if (::mount("tmpfs", mnt_.c_str(), "tmpfs", 0, "size=16m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs (needs root): " << std::strerror(errno);
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) ::umount2(mnt_.c_str(), MNT_DETACH);
  }

  std::unique_ptr<HubDb> Open() {
    HubDbOptions options;
    options.path = mnt_ + "/db";
    options.block_cache_bytes = 8u << 20;
    options.write_buffer_bytes = write_buffer_mib_ << 20;
    options.memtable_budget_bytes = 2 * options.write_buffer_bytes;
    auto db = HubDb::Open(options);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  absl::Status Put(HubDb& db, const std::string& key, const std::string& value) {
    rocksdb::WriteBatch wb;
    EXPECT_TRUE(wb.Put(db.cf(HubDb::kFeeds), key, value).ok());
    return db.WriteSync(&wb);
  }

  // Fills the disk up to `filler_mib`, then writes until RocksDB fails, frees
  // the filler and checks the DB takes writes again and lost nothing acked.
  void FillFailAndResume(int filler_mib);

  size_t write_buffer_mib_ = 2;
  testing::TempDir dir_;
  std::string mnt_;
  bool mounted_ = false;
};

void HubDbDiskFullTest::FillFailAndResume(int filler_mib) {
  const std::string filler = mnt_ + "/filler";
  {
    std::ofstream out(filler, std::ios::binary);
    const std::string chunk(1u << 20, 'f');
    for (int i = 0; i < filler_mib; ++i) out.write(chunk.data(), chunk.size());
  }
  std::unique_ptr<HubDb> db = Open();
  ASSERT_NE(db, nullptr);
  std::mt19937_64 rng(12);
  auto random_value = [&] {
    std::string v(100000, '\0');
    for (char& c : v) c = static_cast<char>(rng());
    return v;  // incompressible
  };
  std::map<std::string, std::string> acked;
  absl::Status first_error;
  for (int i = 0; i < 400 && first_error.ok(); ++i) {
    const std::string key = "k" + std::to_string(1000 + i);
    std::string value = random_value();
    first_error = Put(*db, key, value);
    if (first_error.ok()) acked.emplace(key, std::move(value));
  }
  ASSERT_FALSE(first_error.ok()) << "the disk never filled up";
  EXPECT_TRUE(absl::IsResourceExhausted(first_error) || absl::IsUnavailable(first_error)) << first_error;
  EXPECT_GT(acked.size(), 10u);
  // More writes on the full disk: errors, not an abort.
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(Put(*db, "more" + std::to_string(i), random_value()).ok());

  ASSERT_EQ(::unlink(filler.c_str()), 0);
  absl::Status resumed;
  const auto start = std::chrono::steady_clock::now();
  do {
    resumed = Put(*db, "after", "v");
    if (resumed.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
  ASSERT_TRUE(resumed.ok()) << "writes did not resume within 30 s of freeing space: " << resumed;

  for (const auto& [key, value] : acked) {
    auto got = db->Get(HubDb::kFeeds, key);
    ASSERT_TRUE(got.ok()) << key << ": " << got.status();
    EXPECT_TRUE(*got == value) << key;
  }
  db.reset();
  db = Open();
  ASSERT_NE(db, nullptr);
  for (const auto& [key, value] : acked) {
    auto got = db->Get(HubDb::kFeeds, key);
    ASSERT_TRUE(got.ok()) << key << " after reopening: " << got.status();
    EXPECT_TRUE(*got == value) << key;
  }
  EXPECT_TRUE(db->Get(HubDb::kFeeds, "after").ok());
}

// Small memtables: a background flush meets ENOSPC first.
TEST_F(HubDbDiskFullTest, AFlushThatMeetsENOSPCFailsCleanlyAndWritesResumeOnceSpaceIsBack) {
  write_buffer_mib_ = 2;
  FillFailAndResume(6);
}

// A memtable larger than the room left: the WAL append meets ENOSPC first
// (this aborted inside librocksdb while its info log was a file on the same disk).
TEST_F(HubDbDiskFullTest, AWalAppendThatMeetsENOSPCFailsCleanlyAndWritesResumeOnceSpaceIsBack) {
  write_buffer_mib_ = 8;
  FillFailAndResume(10);
}

}  // namespace
}  // namespace accord::hub
