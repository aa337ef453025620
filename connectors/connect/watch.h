// Watched drop directory: files are picked up as they arrive and moved to
// <dir>/done/ once every row is final (accepted, duplicate, or dead-lettered
// with the reason into done/<name>.dead-letter.jsonl).
//
// A file is picked up when its name ends in the mapping's extension (.csv
// or .jsonl; .jsonl without a mapping), does not start with '.', and has not
// changed for `settle` (so a file still being copied in is left alone; the
// usual write-then-rename into the directory is picked up at once).
// Files are taken in name order. Checkpoints live in <dir>/.accord/. A file
// that cannot be read as a whole (no header, a mapped column missing) is
// moved to <dir>/failed/ with <name>.error.txt saying why, and the watcher
// carries on; errors about the hub or the connection stop it.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "delivery.h"
#include "source_runner.h"

namespace accord::connect {

struct WatchOptions {
  absl::Duration settle = absl::Seconds(2);
  absl::Duration poll = absl::Seconds(1);
  bool once = false;  // return when no file is waiting
};

// Runs until `run.stop` is set (or, with once, the directory is empty).
// `on_file` is called after each file with its status.
absl::Status WatchDirectory(const std::string& dir, const WatchOptions& watch, RunOptions run,
                            Deliverer* deliverer, Progress* progress,
                            const std::function<void(const std::string&, const absl::Status&)>& on_file);

}  // namespace accord::connect
