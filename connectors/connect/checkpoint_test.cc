#include "checkpoint.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace accord::connect {
namespace {

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/checkpoint_testXXXXXX";
    dir_ = mkdtemp(tmpl);
    source_ = dir_ + "/incidents.csv";
    std::ofstream(source_) << "a,b\n1,2\n3,4\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, source_;
};

TEST_F(CheckpointTest, SaveLoadRoundTripsAtomically) {
  const std::string path = CheckpointPath(source_, dir_);
  EXPECT_TRUE(absl::StartsWith(path, dir_ + "/incidents.csv.")) << path;
  EXPECT_TRUE(absl::EndsWith(path, ".accord-checkpoint")) << path;
  EXPECT_EQ(path.size(), dir_.size() + std::string("/incidents.csv.12345678.accord-checkpoint").size());
  EXPECT_NE(path, CheckpointPath("/elsewhere/incidents.csv", dir_));  // same name, other folder
  std::string note;
  auto start = ResumePoint(source_, path, &note);
  ASSERT_TRUE(start.ok());
  EXPECT_EQ(start->offset, 0u);
  EXPECT_TRUE(note.empty());
  Checkpoint c = *start;
  c.offset = 8;
  c.line = 3;
  c.rows_done = 1;
  ASSERT_TRUE(SaveCheckpoint(path, c).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto resume = ResumePoint(source_, path, &note);
  ASSERT_TRUE(resume.ok());
  EXPECT_EQ(resume->offset, 8u);
  EXPECT_EQ(resume->line, 3u);
  EXPECT_EQ(resume->rows_done, 1u);
  EXPECT_TRUE(note.empty());
}

TEST_F(CheckpointTest, AppendedFileKeepsItsCheckpoint) {
  const std::string path = CheckpointPath(source_, "");
  std::string note;
  Checkpoint c = *ResumePoint(source_, path, &note);
  c.offset = 8;
  ASSERT_TRUE(SaveCheckpoint(path, c).ok());
  std::ofstream(source_, std::ios::app) << "5,6\n";
  EXPECT_EQ(ResumePoint(source_, path, &note)->offset, 8u);
}

TEST_F(CheckpointTest, ReplacedFileStartsOver) {
  const std::string path = CheckpointPath(source_, dir_);
  std::string note;
  Checkpoint c = *ResumePoint(source_, path, &note);
  c.offset = 8;
  ASSERT_TRUE(SaveCheckpoint(path, c).ok());
  // A new export under the same name: another inode and other content.
  std::filesystem::remove(source_);
  std::ofstream(source_) << "a,b\n9,9\n8,8\n7,7\n";
  auto resume = ResumePoint(source_, path, &note);
  ASSERT_TRUE(resume.ok());
  EXPECT_EQ(resume->offset, 0u);
  EXPECT_NE(note.find("different file"), std::string::npos);
}

TEST_F(CheckpointTest, CorruptCheckpointIsReportedAndIgnored) {
  const std::string path = CheckpointPath(source_, dir_);
  std::ofstream(path) << "{not json";
  EXPECT_TRUE(absl::IsDataLoss(LoadCheckpoint(path).status()));
  std::string note;
  auto resume = ResumePoint(source_, path, &note);
  ASSERT_TRUE(resume.ok());
  EXPECT_EQ(resume->offset, 0u);
  EXPECT_FALSE(note.empty());
}

}  // namespace
}  // namespace accord::connect
