#include "accord/hub/pki/pki_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "accord/base/atomic_file.h"
#include "accord/hub/pki/agency_id.h"
#include "accord/base/status_macros.h"

namespace accord::hub::pki {
namespace {

constexpr char kDevCaName[] = "Accord dev CA";
constexpr mode_t kCertMode = 0644;
constexpr mode_t kKeyMode = 0600;
constexpr mode_t kDirMode = 0700;
constexpr off_t kMaxPemFileSize = 1 << 20;

struct PendingFile {
  std::string path;
  std::string contents;
  mode_t mode;
};

absl::Status ErrnoError(std::string_view op, const std::string& path, int err) {
  std::string msg = absl::StrCat(std::string(op), " ", path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT: return absl::NotFoundError(msg);
    case EEXIST: return absl::AlreadyExistsError(msg);
    case EACCES:
    case EPERM: return absl::PermissionDeniedError(msg);
    default: return absl::InternalError(msg);
  }
}

std::string Join(const std::string& dir, std::string_view name) {
  return (std::filesystem::path(dir) / std::string(name)).string();
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { if (fd_ >= 0) ::close(fd_); }
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

absl::Status EnsureDir(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("dir: empty");
  std::error_code ec;
  bool created = std::filesystem::create_directories(dir, ec);
  if (ec) return ErrnoError("creating directory", dir, ec.value());
  if (created && ::chmod(dir.c_str(), kDirMode) != 0) return ErrnoError("chmod", dir, errno);
  if (!std::filesystem::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(absl::StrCat("not a directory: ", dir));
  }
  return absl::OkStatus();
}

absl::Status ValidateNewAgency(std::string_view agency_id) {
  ACCORD_RETURN_IF_ERROR(ValidateAgencyId(agency_id));
  if (agency_id == "ca" || agency_id == "hub") {
    return absl::InvalidArgumentError("agency id: \"ca\" and \"hub\" are reserved file names");
  }
  return absl::OkStatus();
}

void AddPair(const std::string& dir, std::string_view name, IssuedCert issued,
             std::vector<PendingFile>& files) {
  files.push_back({Join(dir, absl::StrCat(std::string(name), ".crt")), std::move(issued.cert_pem), kCertMode});
  files.push_back({Join(dir, absl::StrCat(std::string(name), ".key")), std::move(issued.key_pem), kKeyMode});
}

// Writes every file (after checking, unless overwrite, that none exists).
absl::StatusOr<std::vector<std::string>> WriteAllFiles(const std::string& dir,
                                                       const std::vector<PendingFile>& files,
                                                       bool overwrite) {
  if (!overwrite) {
    for (const PendingFile& file : files) {
      struct stat st;
      if (::lstat(file.path.c_str(), &st) == 0) {
        return absl::AlreadyExistsError(
            absl::StrCat(file.path, " exists (pass overwrite to replace it)"));
      }
    }
  }
  std::vector<std::string> written;
  for (const PendingFile& file : files) {
    ACCORD_RETURN_IF_ERROR(base::WriteFileAtomically(file.path, file.contents,
                                                     {.mode = file.mode, .overwrite = overwrite}));
    written.push_back(file.path);
  }
  return written;
}

}  // namespace

absl::StatusOr<std::string> ReadPemFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError("opening", path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoError("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  if (st.st_size > kMaxPemFileSize) return absl::InvalidArgumentError(absl::StrCat(path, ": larger than 1 MiB"));
  std::string contents;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("reading", path, errno);
    }
    if (n == 0) break;
    contents.append(buf, static_cast<std::size_t>(n));
    if (contents.size() > static_cast<std::size_t>(kMaxPemFileSize)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": larger than 1 MiB"));
    }
  }
  return contents;
}

absl::StatusOr<IssuedCert> LoadIssuedCert(const std::string& dir, std::string_view name) {
  IssuedCert issued;
  ACCORD_ASSIGN_OR_RETURN(issued.cert_pem, ReadPemFile(Join(dir, absl::StrCat(std::string(name), ".crt"))));
  ACCORD_ASSIGN_OR_RETURN(issued.key_pem, ReadPemFile(Join(dir, absl::StrCat(std::string(name), ".key"))));
  return issued;
}

absl::StatusOr<std::vector<std::string>> WriteDevPki(const std::string& dir,
                                                     std::string_view hub_name,
                                                     absl::Span<const std::string> agencies,
                                                     bool overwrite, const CertOptions& options) {
  ACCORD_RETURN_IF_ERROR(ValidateAgencyId(hub_name, "hub name"));
  absl::flat_hash_set<std::string> seen;
  for (const std::string& agency : agencies) {
    ACCORD_RETURN_IF_ERROR(ValidateNewAgency(agency));
    if (!seen.insert(agency).second) return absl::InvalidArgumentError("agencies: duplicate agency id");
  }

  std::vector<PendingFile> files;
  ACCORD_ASSIGN_OR_RETURN(IssuedCert ca, CreateCa(kDevCaName, options));
  ACCORD_ASSIGN_OR_RETURN(IssuedCert hub, IssueServerCert(ca, hub_name, {}, options));
  std::vector<IssuedCert> clients;
  for (const std::string& agency : agencies) {
    ACCORD_ASSIGN_OR_RETURN(IssuedCert client, IssueClientCert(ca, agency, options));
    clients.push_back(std::move(client));
  }
  AddPair(dir, "ca", std::move(ca), files);
  AddPair(dir, "hub", std::move(hub), files);
  for (std::size_t i = 0; i < agencies.size(); ++i) AddPair(dir, agencies[i], std::move(clients[i]), files);

  ACCORD_RETURN_IF_ERROR(EnsureDir(dir));
  return WriteAllFiles(dir, files, overwrite);
}

absl::StatusOr<std::vector<std::string>> AddAgencyCert(const std::string& dir,
                                                       std::string_view agency_id, bool overwrite,
                                                       const CertOptions& options) {
  ACCORD_RETURN_IF_ERROR(ValidateNewAgency(agency_id));
  ACCORD_ASSIGN_OR_RETURN(IssuedCert ca, LoadIssuedCert(dir, "ca"));
  ACCORD_ASSIGN_OR_RETURN(IssuedCert client, IssueClientCert(ca, agency_id, options));
  std::vector<PendingFile> files;
  AddPair(dir, agency_id, std::move(client), files);
  return WriteAllFiles(dir, files, overwrite);
}

}  // namespace accord::hub::pki
