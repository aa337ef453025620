#include "cell_key.h"

#include <map>

#include "gtest/gtest.h"

namespace accord::analyst {
namespace {

TEST(CellKeyTest, EveryPTableRowCoversEveryCellKey) {
  for (int64_t count = 0; count < 20; ++count) {
    uint32_t sum = 0;
    for (uint32_t n : PTableRow(count)) sum += n;
    EXPECT_EQ(sum, kKeyRange) << count;
    // No perturbation takes a count below 0.
    for (uint32_t k = 0; k < kKeyRange; ++k) EXPECT_GE(count + Perturbation(count, k), 0);
  }
}

TEST(CellKeyTest, ZerosAreNotPerturbedAndTheGeneralRowIsSymmetric) {
  for (uint32_t k = 0; k < kKeyRange; ++k) EXPECT_EQ(Perturbation(0, k), 0);
  std::map<int64_t, int> seen;
  for (uint32_t k = 0; k < kKeyRange; ++k) ++seen[Perturbation(10, k)];
  EXPECT_EQ(seen[0], 128);
  for (int p = 1; p <= kMaxPerturbation; ++p) EXPECT_EQ(seen[p], seen[-p]) << p;
  EXPECT_EQ(seen[3], 8);
  EXPECT_EQ(seen[-3], 8);
  // Row 1 folds -2 and -3 onto -1.
  auto row = PTableRow(1);
  EXPECT_EQ(row[0], 0u);
  EXPECT_EQ(row[1], 0u);
  EXPECT_EQ(row[2], 64u);
}

TEST(CellKeyTest, RecordKeysAreStableAndSpread) {
  EXPECT_EQ(RecordKey("ref-1"), RecordKey("ref-1"));
  std::map<uint32_t, int> keys;
  for (int i = 0; i < 4096; ++i) ++keys[RecordKey("ref-" + std::to_string(i))];
  EXPECT_EQ(keys.size(), kKeyRange);  // every key value used
  for (const auto& [k, n] : keys) EXPECT_LT(n, 40) << k;  // ~16 each
}

TEST(CellKeyTest, SameRecordsSameCountWhateverTheOrder) {
  CellCount a, b;
  for (int i = 0; i < 30; ++i) a.Add(RecordKey("r" + std::to_string(i)));
  for (int i = 29; i >= 0; --i) b.Add(RecordKey("r" + std::to_string(i)));
  EXPECT_EQ(a.cell_key(), b.cell_key());
  EXPECT_EQ(PublishCount(a, 10), PublishCount(b, 10));
  int64_t v = 0;
  ASSERT_TRUE(IsPublishedNumber(PublishCount(a, 10), &v));
  EXPECT_LE(std::abs(v - 30), kMaxPerturbation);
}

TEST(CellKeyTest, ThresholdOnTop) {
  CellCount small;
  for (int i = 0; i < 4; ++i) small.Add(RecordKey("s" + std::to_string(i)));
  EXPECT_EQ(PublishCount(small, 5), "<5");
  EXPECT_EQ(PublishCount(CellCount{}, 5), "<5");  // a zero is hidden with the small ones
  // Threshold 0: no suppression, still perturbed (and never negative).
  int64_t v = -1;
  ASSERT_TRUE(IsPublishedNumber(PublishCount(small, 0), &v));
  EXPECT_GE(v, 1);
  EXPECT_LE(v, 7);
  EXPECT_EQ(PublishCount(CellCount{}, 0), "0");
  // A count at the threshold may be perturbed under it: then it is "<T" too,
  // and a number is never a true count under T.
  for (int n = 0; n < 200; ++n) {
    CellCount c;
    for (int i = 0; i < 3; ++i) c.Add(RecordKey("x" + std::to_string(n * 7 + i)));
    EXPECT_EQ(PublishCount(c, 4), "<4");
  }
}

}  // namespace
}  // namespace accord::analyst
