#include "accord/hub/core/feed_notifier.h"

namespace accord::hub {

void FeedNotifier::Add(const std::string& recipient, FeedWatcher* watcher) {
  absl::MutexLock lock(&mu_);
  watchers_[recipient].insert(watcher);
}

void FeedNotifier::Remove(const std::string& recipient, FeedWatcher* watcher) {
  // Holding mu_ while erasing means no Notify() is inside this watcher's
  // callback afterwards (Notify calls watchers under the same lock).
  absl::MutexLock lock(&mu_);
  auto it = watchers_.find(recipient);
  if (it == watchers_.end()) return;
  it->second.erase(watcher);
  if (it->second.empty()) watchers_.erase(it);
}

void FeedNotifier::Notify(const std::string& recipient, uint64_t head) {
  absl::MutexLock lock(&mu_);
  heads_[recipient] = head;
  auto it = watchers_.find(recipient);
  if (it == watchers_.end()) return;
  for (FeedWatcher* w : it->second) w->OnFeedAdvanced(head);
}

uint64_t FeedNotifier::Head(const std::string& recipient) const {
  absl::MutexLock lock(&mu_);
  auto it = heads_.find(recipient);
  return it == heads_.end() ? 0 : it->second;
}

void FeedNotifier::SetHead(const std::string& recipient, uint64_t head) {
  absl::MutexLock lock(&mu_);
  heads_[recipient] = head;
}

std::map<std::string, uint64_t> FeedNotifier::Heads() const {
  absl::MutexLock lock(&mu_);
  return std::map<std::string, uint64_t>(heads_.begin(), heads_.end());
}

}  // namespace accord::hub
