#include "accord/hub/core/record_pool.h"

#include <algorithm>
#include <iterator>

namespace accord::hub {

RecordPool::RecordPool(size_t capacity) : capacity_(capacity) {
  absl::MutexLock lock(&mu_);
  spare_.reserve(capacity_);
}

void RecordPool::Take(size_t n, std::vector<v1::Record>* out) {
  absl::MutexLock lock(&mu_);
  const size_t k = std::min(n, spare_.size());
  const auto first = spare_.end() - static_cast<std::ptrdiff_t>(k);
  out->insert(out->end(), std::make_move_iterator(first), std::make_move_iterator(spare_.end()));
  spare_.erase(first, spare_.end());
}

void RecordPool::Give(std::vector<v1::Record>* records) {
  size_t room;
  {
    absl::MutexLock lock(&mu_);
    room = capacity_ - spare_.size();
  }
  // Cleared outside the lock (clearing is the costly part), and only as many
  // as may fit: the rest are destroyed as they are.
  const size_t keep = std::min(room, records->size());
  for (size_t i = 0; i < keep; ++i) (*records)[i].Clear();
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < keep && spare_.size() < capacity_; ++i) {
      v1::Record& r = (*records)[i];
      if (r.GetArena() == nullptr) spare_.push_back(std::move(r));
    }
  }
  records->clear();  // destroys what was not kept (moved-from records hold nothing)
}

size_t RecordPool::size() const {
  absl::MutexLock lock(&mu_);
  return spare_.size();
}

}  // namespace accord::hub
