#include "accord/base/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "accord/base/read_file.h"
#include "gtest/gtest.h"
#include "temp_dir_test_util.h"

namespace accord::base {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public testing::TempDirTest {
 protected:
  static std::string Read(const fs::path& p) {
    auto data = ReadFile(p.string());
    EXPECT_TRUE(data.ok()) << data.status();
    return data.ok() ? *data : std::string();
  }
  static unsigned Mode(const fs::path& p) {
    struct stat st;
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  size_t Entries() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++n;
    return n;
  }
};

TEST_F(AtomicFileTest, WritesWithExactModeWhateverTheUmask) {
  const mode_t old = ::umask(0);  // a umask that would leave 0666 files world-writable
  const fs::path secret = dir_ / "secrets.bin";
  ASSERT_TRUE(WriteFileAtomically(secret.string(), std::string("\0\1\2", 3)).ok());
  EXPECT_EQ(Mode(secret), 0600u);
  EXPECT_EQ(Read(secret), std::string("\0\1\2", 3));
  ::umask(077);  // a umask that would hide a public certificate
  const fs::path cert = dir_ / "hub.crt";
  ASSERT_TRUE(WriteFileAtomically(cert.string(), "cert", {.mode = 0644}).ok());
  EXPECT_EQ(Mode(cert), 0644u);
  ::umask(old);
  EXPECT_EQ(Entries(), 2u) << "no temporary file is left behind";
}

TEST_F(AtomicFileTest, ReplacesOrRefusesToReplace) {
  const fs::path p = dir_ / "pin.json";
  ASSERT_TRUE(WriteFileAtomically(p.string(), "one").ok());
  ASSERT_TRUE(WriteFileAtomically(p.string(), "two").ok());
  EXPECT_EQ(Read(p), "two");
  absl::Status s = WriteFileAtomically(p.string(), "three", {.overwrite = false});
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(Read(p), "two");
  EXPECT_EQ(Entries(), 1u);
}

TEST_F(AtomicFileTest, CreatesParentsOnlyWhenAsked) {
  const fs::path p = dir_ / "keys" / "ledger.key";
  absl::Status s = WriteFileAtomically(p.string(), "k");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  ASSERT_TRUE(WriteFileAtomically(p.string(), "k", {.create_parents = true}).ok());
  EXPECT_EQ(Read(p), "k");
  EXPECT_EQ(Mode(dir_ / "keys"), 0700u);
}

TEST_F(AtomicFileTest, FailureLeavesTheOldFile) {
  const fs::path p = dir_ / "report.html";
  ASSERT_TRUE(WriteFileAtomically(p.string(), "old").ok());
  if (::geteuid() != 0) {  // root ignores directory permissions
    ::chmod(dir_.c_str(), 0500);
    absl::Status s = WriteFileAtomically(p.string(), "new");
    ::chmod(dir_.c_str(), 0700);
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  }
  // A directory in the way of the rename: the write fails, the target keeps its content.
  const fs::path blocked = dir_ / "blocked";
  fs::create_directories(blocked / "child");
  EXPECT_FALSE(WriteFileAtomically(blocked.string(), "x").ok());
  EXPECT_EQ(Read(p), "old");
  EXPECT_EQ(Entries(), 2u) << "no temporary file is left behind";
}

TEST_F(AtomicFileTest, SyncDirectoryReportsAMissingDirectory) {
  EXPECT_TRUE(SyncDirectory(dir_.string()).ok());
  EXPECT_EQ(SyncDirectory((dir_ / "absent").string()).code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace accord::base
