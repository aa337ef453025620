// ChunkPool: runs `fn(0) ... fn(n-1)` on a fixed set of worker threads plus
// the calling thread, and returns when all are done. Used by the policy
// stage to apply flows to one batch's records in parallel while keeping
// their order (each chunk writes only its own output slot).
//
// There is no queue: Run() hands out at most one job (a generation) at a
// time and blocks until it is finished.
//
// Threading: Run() is called by one thread at a time (the policy stage's).
#pragma once

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "accord/hub/core/thread_name.h"

namespace accord::hub {

class ChunkPool {
 public:
  // `threads` extra workers (0 = everything runs on the caller).
  explicit ChunkPool(size_t threads) {
    for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] {
      NameThisThread("policy-worker");
      Work();
    });
  }
  ~ChunkPool() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (auto& t : workers_) t.join();
  }
  ChunkPool(const ChunkPool&) = delete;
  ChunkPool& operator=(const ChunkPool&) = delete;

  size_t parallelism() const { return workers_.size() + 1; }

  void Run(size_t n, const std::function<void(size_t)>& fn) {
    if (n == 0) return;
    {
      absl::MutexLock lock(&mu_);
      fn_ = &fn;
      n_ = n;
      next_.store(0);
      done_ = 0;
      ++generation_;
    }
    size_t mine = 0;
    for (size_t i; (i = next_.fetch_add(1)) < n;) {
      fn(i);
      ++mine;
    }
    absl::MutexLock lock(&mu_);
    done_ += mine;
    mu_.Await(absl::Condition(
        +[](ChunkPool* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
          return p->done_ == p->n_ && p->active_ == 0;
        },
        this));
    fn_ = nullptr;
  }

 private:
  void Work() {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(size_t)>* fn;
      size_t n;
      {
        absl::MutexLock lock(&mu_);
        struct Arg {
          ChunkPool* p;
          uint64_t seen;
        } arg{this, seen};
        mu_.Await(absl::Condition(
            +[](Arg* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
              return a->p->stopping_ || (a->p->generation_ != a->seen && a->p->fn_ != nullptr);
            },
            &arg));
        if (stopping_) return;
        seen = generation_;
        fn = fn_;
        n = n_;
        ++active_;  // Run() waits for us before it returns (fn stays valid)
      }
      size_t mine = 0;
      for (size_t i; (i = next_.fetch_add(1)) < n;) {
        (*fn)(i);
        ++mine;
      }
      absl::MutexLock lock(&mu_);
      done_ += mine;
      --active_;
    }
  }

  absl::Mutex mu_;
  const std::function<void(size_t)>* fn_ ABSL_GUARDED_BY(mu_) = nullptr;
  size_t n_ ABSL_GUARDED_BY(mu_) = 0;
  size_t done_ ABSL_GUARDED_BY(mu_) = 0;
  size_t active_ ABSL_GUARDED_BY(mu_) = 0;  // workers inside the current generation
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<size_t> next_{0};
  std::vector<std::thread> workers_;
};

}  // namespace accord::hub
