// Wakes feed subscribers when their feed grows.
//
// Subscribe reactors register a Watcher for their recipient; the policy stage
// calls Notify() after each durable commit. Watchers are called on the
// notifying thread and must not block (a reactor just schedules its next
// read/write).
//
// Threading: all members are thread-safe. A watcher may be removed from
// inside its own callback's reactor teardown: Remove() waits for an ongoing
// callback of that watcher to return.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"

namespace accord::hub {

class FeedWatcher {
 public:
  virtual ~FeedWatcher() = default;
  // The feed of this watcher's recipient now ends at `head`.
  virtual void OnFeedAdvanced(uint64_t head) = 0;
};

class FeedNotifier {
 public:
  void Add(const std::string& recipient, FeedWatcher* watcher);
  void Remove(const std::string& recipient, FeedWatcher* watcher);
  void Notify(const std::string& recipient, uint64_t head);
  // Last head notified for `recipient` (0 if none yet).
  uint64_t Head(const std::string& recipient) const;
  void SetHead(const std::string& recipient, uint64_t head);
  // Every recipient's last head (a copy).
  std::map<std::string, uint64_t> Heads() const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::flat_hash_set<FeedWatcher*>> watchers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint64_t> heads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace accord::hub
