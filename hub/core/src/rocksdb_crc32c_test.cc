#include "accord/hub/core/rocksdb_crc32c.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "accord/hub/core/hub_db.h"
#include "core_test_util.h"
#include "gtest/gtest.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace rocksdb::crc32c {
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);  // RocksDB's util/crc32c.h
}
#if ACCORD_FAST_CRC32C
// With --wrap, this test's own calls to Extend reach the wrapper too, and
// __real_ names RocksDB's definition.
extern "C" uint32_t __real__ZN7rocksdb6crc32c6ExtendEjPKcm(uint32_t init_crc, const char* data, size_t n);
#endif

namespace accord::hub {
namespace {

#if ACCORD_FAST_CRC32C
TEST(RocksDbCrc32cTest, RocksDbsChecksumsGoThroughIsaL) {
  EXPECT_EQ(RocksDbCrc32cImplementation(), "isa-l");
  testing::TempDir dir;
  auto db = testing::OpenDb(dir.path());
  const uint64_t before = RocksDbCrc32cWrappedCalls();
  rocksdb::WriteBatch wb;
  wb.Put(db->cf(HubDb::kMeta), "crc/wal", "a WAL record is checksummed");
  ASSERT_TRUE(db->WriteSync(&wb).ok());
  EXPECT_GT(RocksDbCrc32cWrappedCalls(), before) << "RocksDB's WAL writer did not call the wrapper";
}

// The interposed definition gives RocksDB's own values, so data written with
// either reads back with the other.
TEST(RocksDbCrc32cTest, AgreesWithRocksDbsOwnCodeOnRandomBuffersAndChains) {
  auto own = &__real__ZN7rocksdb6crc32c6ExtendEjPKcm;  // RocksDB's software CRC32C
  std::mt19937 rng(17);
  for (int i = 0; i < 3000; ++i) {
    std::string data(rng() % 9000, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    const uint32_t init = i % 3 == 0 ? 0 : static_cast<uint32_t>(rng());
    ASSERT_EQ(rocksdb::crc32c::Extend(init, data.data(), data.size()), own(init, data.data(), data.size()))
        << "size " << data.size();
    const size_t cut = data.empty() ? 0 : rng() % data.size();
    EXPECT_EQ(rocksdb::crc32c::Extend(rocksdb::crc32c::Extend(init, data.data(), cut), data.data() + cut,
                                      data.size() - cut),
              own(init, data.data(), data.size()));
  }
}
#else
TEST(RocksDbCrc32cTest, WithoutTheOptionRocksDbKeepsItsSoftwareCrc) {
  EXPECT_EQ(RocksDbCrc32cImplementation(), "rocksdb-software");
  EXPECT_EQ(RocksDbCrc32cWrappedCalls(), 0u);
}
#endif

TEST(RocksDbCrc32cTest, TheStandardCheckValue) {
  // CRC-32C of "123456789" (RFC 3720's polynomial; the catalogue's check value).
  EXPECT_EQ(rocksdb::crc32c::Extend(0, "123456789", 9), 0xE3069283u);
  EXPECT_EQ(rocksdb::crc32c::Extend(0, "", 0), 0u);
}

// Every RocksDB checksum path with the interposed CRC: WAL records replayed at
// reopen, then SST blocks written by a flush, read back and rewritten by a
// compaction (each verifies the blocks it reads).
TEST(RocksDbCrc32cTest, DataSurvivesWalReplayFlushAndCompaction) {
  testing::TempDir dir;
  std::mt19937 rng(5);
  std::vector<std::string> values;
  {
    auto db = testing::OpenDb(dir.path());
    for (int i = 0; i < 200; ++i) {
      rocksdb::WriteBatch wb;
      std::string& v = values.emplace_back(rng() % 5000 + 1, '\0');
      for (char& c : v) c = static_cast<char>(rng());
      wb.Put(db->cf(HubDb::kMeta), "crc/" + std::to_string(i), v);
      ASSERT_TRUE(db->WriteSync(&wb).ok());
    }
  }
  auto check = [&](HubDb* db) {
    for (size_t i = 0; i < values.size(); ++i) {
      auto got = db->Get(HubDb::kMeta, "crc/" + std::to_string(i));
      ASSERT_TRUE(got.ok()) << got.status();
      ASSERT_EQ(*got, values[i]) << i;
    }
  };
  {
    auto db = testing::OpenDb(dir.path());  // replays the WAL
    check(db.get());
    ASSERT_TRUE(db->Flush(HubDb::kMeta).ok());
  }
  {
    auto db = testing::OpenDb(dir.path());  // reads the flushed SST
    check(db.get());
    ASSERT_TRUE(db->CompactAll(HubDb::kMeta, rocksdb::CompactRangeOptions()).ok());
    check(db.get());
  }
}

}  // namespace
}  // namespace accord::hub
