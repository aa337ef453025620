// RunSource: delivers one source end to end: resume from its checkpoint,
// read, map, send, dead-letter, rewind and retry while the hub is away, save
// checkpoints (atomically, at most once a `checkpoint_every`), and report
// progress.
//
// Thread safety: one RunSource per Deliverer at a time.
#pragma once

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "accord/policy/agreement.h"
#include "delivery.h"
#include "mapping.h"
#include "progress.h"

namespace accord::connect {

struct RunOptions {
  const Mapping* mapping = nullptr;             // null: record JSON Lines
  const policy::DatasetSpec* schema = nullptr;  // optional: validate rows before sending
  std::string checkpoint_dir;                   // empty: beside the source
  bool use_checkpoint = true;                   // false for stdin and dry runs
  absl::Duration checkpoint_every = absl::Seconds(1);
  // Set by a signal handler: stop reading, drain, checkpoint, return Cancelled.
  const std::atomic<bool>* stop = nullptr;
};

// Delivers `path` ("-" = stdin). OK when every row is final (accepted,
// duplicate, rejected or dead-lettered) and the checkpoint says so.
absl::Status RunSource(const std::string& path, const RunOptions& options, Deliverer* deliverer,
                       Progress* progress);

}  // namespace accord::connect
