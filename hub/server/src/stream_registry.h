// StreamRegistry: the long-lived streams (Publish, Subscribe) that are open,
// so that shutdown can end them cleanly instead of waiting for clients.
//
// gRPC's Server::Shutdown waits for every call to end and for every client
// connection to close, so an idle connector connection or a live Subscribe
// would hold a shutdown until its deadline. The hub therefore first asks each
// open stream to finish (Publish: stop reading, acknowledge what is in
// flight, then UNAVAILABLE; Subscribe: UNAVAILABLE at once), waits for them to
// end, and only then shuts the server down with an immediate deadline.
//
// Threading: all methods are thread-safe. StopAll() calls each stream's
// StopForShutdown() under the registry lock; a stream's OnDone (which calls
// Remove) is never run inline by gRPC, so it only waits for the lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace accord::hub {

class StoppableStream {
 public:
  virtual ~StoppableStream() = default;
  // Ends the stream soon with UNAVAILABLE. Called at most once; must not block.
  virtual void StopForShutdown() = 0;
  // For a feed subscription: its recipient and the last position delivered
  // to it (for the per-subscriber lag metric). Must not block.
  virtual bool FeedPosition(std::string* recipient, uint64_t* delivered) const { return false; }
};

class StreamRegistry {
 public:
  // Registers an open stream. Returns false once shutdown has begun: the
  // caller must then finish the call with UNAVAILABLE itself.
  bool Add(StoppableStream* stream) {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    streams_.insert(stream);
    return true;
  }
  void Remove(StoppableStream* stream) {
    absl::MutexLock lock(&mu_);
    streams_.erase(stream);
  }
  size_t size() const {
    absl::MutexLock lock(&mu_);
    return streams_.size();
  }
  // Calls `fn(recipient, delivered)` for every open feed subscription.
  void ForEachSubscription(const std::function<void(const std::string&, uint64_t)>& fn) const {
    absl::MutexLock lock(&mu_);
    std::string recipient;
    uint64_t delivered = 0;
    for (const StoppableStream* s : streams_) {
      if (s->FeedPosition(&recipient, &delivered)) fn(recipient, delivered);
    }
  }
  // Refuses new streams and asks every open one to finish.
  void StopAll() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (StoppableStream* s : streams_) s->StopForShutdown();
  }
  // Waits until every stream has ended or `deadline`; true if all ended.
  bool WaitEmpty(absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithDeadline(absl::Condition(&IsEmpty, &streams_), deadline);
  }

 private:
  static bool IsEmpty(absl::flat_hash_set<StoppableStream*>* s) { return s->empty(); }

  mutable absl::Mutex mu_;
  absl::flat_hash_set<StoppableStream*> streams_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace accord::hub
