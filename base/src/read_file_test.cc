#include "accord/base/read_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "temp_dir_test_util.h"

namespace accord::base {
namespace {

namespace fs = std::filesystem;

class ReadFileTest : public testing::TempDirTest {
 protected:
  std::string Write(const std::string& name, const std::string& data) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << data;
    return path;
  }
};

TEST_F(ReadFileTest, ReturnsEveryByteIncludingNulsAndCarriageReturns) {
  std::string data("line\r\n\0binary\xff", 15);
  data += std::string(200000, 'x');  // several read(2) calls
  auto got = ReadFile(Write("f", data));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, data);
}

TEST_F(ReadFileTest, EmptyFileIsEmptyString) {
  auto got = ReadFile(Write("empty", ""));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "");
}

TEST_F(ReadFileTest, MissingFileIsNotFoundNamingPathAndErrno) {
  const std::string path = (dir_ / "absent.pem").string();
  auto got = ReadFile(path);
  ASSERT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(got.status().message().find(path), std::string::npos) << got.status();
  EXPECT_NE(got.status().message().find("No such file or directory"), std::string::npos) << got.status();
}

TEST_F(ReadFileTest, DirectoryIsFailedPrecondition) {
  auto got = ReadFile(dir_.string());
  ASSERT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition) << got.status();
  EXPECT_NE(got.status().message().find(dir_.string()), std::string::npos);
  EXPECT_NE(got.status().message().find("Is a directory"), std::string::npos) << got.status();
}

TEST_F(ReadFileTest, UnreadableFileIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  const std::string path = Write("secret", "s3cret");
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  auto got = ReadFile(path);
  ASSERT_EQ(got.status().code(), absl::StatusCode::kPermissionDenied) << got.status();
  EXPECT_NE(got.status().message().find(path), std::string::npos);
  EXPECT_EQ(got.status().message().find("s3cret"), std::string::npos);
}

TEST_F(ReadFileTest, LargerThanTheCapIsFailedPreconditionWithoutTheContent) {
  const std::string path = Write("big", "0123456789");
  auto exact = ReadFile(path, 10);
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(*exact, "0123456789");
  auto over = ReadFile(path, 9);
  ASSERT_EQ(over.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(over.status().message().find("larger than 9 bytes"), std::string::npos) << over.status();
  EXPECT_EQ(over.status().message().find("0123"), std::string::npos);
}

}  // namespace
}  // namespace accord::base
