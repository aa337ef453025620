// Checkpoint: how far a source file has been delivered, kept durably beside
// it so that a connector killed at any moment (even SIGKILL) resumes there.
//
// A checkpoint holds the file's identity (device, inode, and the SHA-256 of
// its first up to 4 KiB), the byte offset and line number just after the last
// row whose outcome is final (accepted, duplicate, rejected or dead-lettered,
// with every row before it also final), and the count of such rows. Rows
// after the offset are read and sent again on restart; the hub de-duplicates
// them on (provider, dataset, record id), so each arrives exactly once.
//
// Save() writes a temporary file, fsyncs it and renames it over the old one,
// so a crash leaves either the old or the new checkpoint, never a torn one.
// Callers save periodically (not per row). Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace accord::connect {

struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t head_bytes = 0;  // how many leading bytes head_sha256 covers
  std::string head_sha256;  // hex
  bool operator==(const FileIdentity& o) const {
    return device == o.device && inode == o.inode && head_bytes == o.head_bytes &&
           head_sha256 == o.head_sha256;
  }
};

// The identity of `path` now, hashing up to `head_bytes` leading bytes
// (at most 4096; pass 0 for "as many as the file has, up to 4096").
absl::StatusOr<FileIdentity> IdentifyFile(const std::string& path, uint64_t head_bytes = 0);

struct Checkpoint {
  FileIdentity identity;
  uint64_t offset = 0;  // next byte to read
  uint64_t line = 1;    // line number at offset (1-based)
  uint64_t rows_done = 0;
};

// The checkpoint file used for `source`: beside it (<source>.accord-checkpoint)
// when `dir` is empty, else <dir>/<name>.<8 hex of SHA-256 of its absolute
// path>.accord-checkpoint.
std::string CheckpointPath(const std::string& source, const std::string& dir);

// NotFound if there is none; DataLoss if it cannot be parsed.
absl::StatusOr<Checkpoint> LoadCheckpoint(const std::string& path);
absl::Status SaveCheckpoint(const std::string& path, const Checkpoint& checkpoint);

// Where to resume `source`: the saved checkpoint if it names this same file
// (same identity, offset within its size), else the start. `note` says why
// a saved checkpoint was ignored (empty otherwise).
absl::StatusOr<Checkpoint> ResumePoint(const std::string& source, const std::string& checkpoint_path,
                                       std::string* note);

}  // namespace accord::connect
