#include "watch.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "checkpoint.h"
#include "dead_letter.h"

namespace accord::connect {

namespace fs = std::filesystem;

absl::Status WatchDirectory(const std::string& dir, const WatchOptions& watch, RunOptions run,
                            Deliverer* deliverer, Progress* progress,
                            const std::function<void(const std::string&, const absl::Status&)>& on_file) {
  const std::string ext =
      run.mapping != nullptr && run.mapping->format == SourceFormat::kCsv ? ".csv" : ".jsonl";
  const fs::path done = fs::path(dir) / "done";
  const fs::path state = fs::path(dir) / ".accord";
  std::error_code ec;
  fs::create_directories(done, ec);
  fs::create_directories(state, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot create ", done.string(), " or ", state.string()));
  run.checkpoint_dir = state.string();
  for (;;) {
    if (run.stop != nullptr && run.stop->load()) return absl::OkStatus();
    std::vector<fs::path> ready;
    const auto now = fs::file_time_type::clock::now();
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (!entry.is_regular_file() || name.empty() || name[0] == '.' || !absl::EndsWith(name, ext)) continue;
      const auto age = now - entry.last_write_time();
      if (age < std::chrono::milliseconds(absl::ToInt64Milliseconds(watch.settle))) continue;
      ready.push_back(entry.path());
    }
    if (ec) return absl::UnavailableError(absl::StrCat("cannot list ", dir, ": ", ec.message()));
    std::sort(ready.begin(), ready.end());
    if (ready.empty() && watch.once) return absl::OkStatus();
    for (const fs::path& file : ready) {
      if (run.stop != nullptr && run.stop->load()) return absl::OkStatus();
      const std::string name = file.filename().string();
      DeadLetter dead((done / (name + ".dead-letter.jsonl")).string());
      deliverer->set_dead_letter(&dead);
      absl::Status s = RunSource(file.string(), run, deliverer, progress);
      dead.Flush();
      deliverer->set_dead_letter(nullptr);
      if (s.ok()) {
        fs::rename(file, done / name, ec);
        if (ec) s = absl::PermissionDeniedError(absl::StrCat("cannot move ", name, " to done/"));
        fs::remove(CheckpointPath(file.string(), run.checkpoint_dir), ec);
      } else if (absl::IsFailedPrecondition(s) || absl::IsInvalidArgument(s) || absl::IsDataLoss(s)) {
        // Something about this file (no header, a mapped column missing):
        // set it aside with the reason and carry on with the others.
        const fs::path failed = fs::path(dir) / "failed";
        fs::create_directories(failed, ec);
        fs::rename(file, failed / name, ec);
        std::ofstream(failed / (name + ".error.txt")) << s.message() << "\n";
        fs::remove(CheckpointPath(file.string(), run.checkpoint_dir), ec);
        on_file(file.string(), s);
        continue;
      }
      on_file(file.string(), s);
      if (!s.ok()) return s;
    }
    if (ready.empty()) absl::SleepFor(watch.poll);
  }
}

}  // namespace accord::connect
