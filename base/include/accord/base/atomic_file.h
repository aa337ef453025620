// Atomic, durable whole-file writes: the one helper every component uses to
// put a file in place (hub keys and secrets, accordctl outputs, the dev PKI,
// connector checkpoints, analyst reports).
//
// WriteFileAtomically(path, data, options):
//   1. creates a fresh temporary file beside `path` (".<name>.tmp-<pid>-<n>",
//      O_EXCL) with mode `options.mode`, and sets that exact mode with
//      fchmod before a single byte is written (the umask cannot widen or
//      narrow it; a secret is never readable by others, not even briefly);
//   2. writes every byte and fsyncs the file;
//   3. renames it over `path` (options.overwrite) or links it to `path`
//      (AlreadyExists if `path` appeared meanwhile: never replaces a file);
//   4. fsyncs the directory, so the new name survives a power cut.
// On any failure the temporary file is removed and `path` is untouched (it
// holds either its old content or, after step 3, the complete new content).
// Missing parent directories are created when options.create_parents.
//
// Errors name the local path and the system error (for operators and CLI
// users; never send them to a remote client): NotFound (a missing
// directory), AlreadyExists, PermissionDenied, ResourceExhausted (disk or
// quota full), Internal otherwise.
//
// Thread safety: free functions; concurrent writers of the same path each
// write their own temporary file and the last rename wins.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace accord::base {

struct AtomicWriteOptions {
  // Permission bits of the file. Default: 0600 (owner only).
  unsigned mode = 0600;
  // Replace an existing file. Default: true. When false, AlreadyExists if
  // `path` exists (checked atomically by link(2)).
  bool overwrite = true;
  // Create missing parent directories (mode 0700). Default: false.
  bool create_parents = false;
};

absl::Status WriteFileAtomically(const std::string& path, std::string_view data,
                                 const AtomicWriteOptions& options = {});

// fsync of a directory (after creating, renaming or removing entries in it).
absl::Status SyncDirectory(const std::string& dir);

}  // namespace accord::base
