#include "checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "accord/base/atomic_file.h"
#include "accord/base/read_file.h"
#include "nlohmann/json.hpp"
#include "openssl/sha.h"

namespace accord::connect {

absl::StatusOr<FileIdentity> IdentifyFile(const std::string& path, uint64_t head_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return absl::InternalError(absl::StrCat("cannot stat ", path));
  }
  FileIdentity id;
  id.device = st.st_dev;
  id.inode = st.st_ino;
  if (head_bytes == 0 || head_bytes > 4096) head_bytes = 4096;
  char buf[4096];
  ssize_t n = ::pread(fd, buf, head_bytes, 0);
  ::close(fd);
  if (n < 0) return absl::DataLossError(absl::StrCat("cannot read ", path));
  id.head_bytes = static_cast<uint64_t>(n);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(buf), static_cast<size_t>(n), digest);
  id.head_sha256 = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
  return id;
}

std::string CheckpointPath(const std::string& source, const std::string& dir) {
  if (dir.empty()) return source + ".accord-checkpoint";
  // Name plus a short hash of the absolute path: two sources with the same
  // name in different folders never share a checkpoint.
  std::error_code ec;
  std::string full = std::filesystem::weakly_canonical(source, ec).string();
  if (ec || full.empty()) full = source;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(full.data()), full.size(), digest);
  const size_t slash = source.rfind('/');
  return absl::StrCat(dir, "/", slash == std::string::npos ? source : source.substr(slash + 1), ".",
                      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), 4)),
                      ".accord-checkpoint");
}

absl::StatusOr<Checkpoint> LoadCheckpoint(const std::string& path) {
  auto text = base::ReadFile(path);
  if (!text.ok()) return text.status();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return absl::DataLossError(absl::StrCat("bad checkpoint ", path));
  Checkpoint c;
  try {
    c.identity.device = j.at("device").get<uint64_t>();
    c.identity.inode = j.at("inode").get<uint64_t>();
    c.identity.head_bytes = j.at("head_bytes").get<uint64_t>();
    c.identity.head_sha256 = j.at("head_sha256").get<std::string>();
    c.offset = j.at("offset").get<uint64_t>();
    c.line = j.at("line").get<uint64_t>();
    c.rows_done = j.at("rows_done").get<uint64_t>();
  } catch (const nlohmann::json::exception&) {
    return absl::DataLossError(absl::StrCat("bad checkpoint ", path));
  }
  return c;
}

absl::Status SaveCheckpoint(const std::string& path, const Checkpoint& c) {
  nlohmann::json j{{"device", c.identity.device},       {"inode", c.identity.inode},
                   {"head_bytes", c.identity.head_bytes}, {"head_sha256", c.identity.head_sha256},
                   {"offset", c.offset},                  {"line", c.line},
                   {"rows_done", c.rows_done}};
  const std::string text = j.dump() + "\n";
  if (auto s = base::WriteFileAtomically(path, text, {.mode = 0640}); !s.ok()) {
    return absl::DataLossError(absl::StrCat("cannot save checkpoint ", path, ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Checkpoint> ResumePoint(const std::string& source, const std::string& checkpoint_path,
                                       std::string* note) {
  note->clear();
  auto saved = LoadCheckpoint(checkpoint_path);
  Checkpoint start;
  if (!saved.ok()) {
    if (!absl::IsNotFound(saved.status())) *note = std::string(saved.status().message());
    auto id = IdentifyFile(source);
    if (!id.ok()) return id.status();
    start.identity = *id;
    return start;
  }
  auto id = IdentifyFile(source, saved->identity.head_bytes);
  if (!id.ok()) return id.status();
  struct stat st;
  const bool size_ok = ::stat(source.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) >= saved->offset;
  if (*id == saved->identity && size_ok) return *saved;
  *note = "the checkpoint is for a different file (identity changed); starting from the beginning";
  auto fresh = IdentifyFile(source);
  if (!fresh.ok()) return fresh.status();
  start.identity = *fresh;
  return start;
}

}  // namespace accord::connect
