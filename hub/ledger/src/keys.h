// RocksDB key encodings of the Merkle log (private; tests use them to tamper).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "rocksdb/slice.h"

namespace accord::hub::ledger {

// 8-byte big-endian key: entry index or tree size.
class U64Key {
 public:
  explicit U64Key(uint64_t v) {
    for (int i = 7; i >= 0; --i, v >>= 8) bytes_[i] = static_cast<char>(v & 0xff);
  }
  rocksdb::Slice slice() const { return rocksdb::Slice(bytes_.data(), bytes_.size()); }

 private:
  std::array<char, 8> bytes_;
};

// level (1 byte) || index (8 bytes big-endian).
class NodeKey {
 public:
  NodeKey(uint32_t level, uint64_t index) {
    bytes_[0] = static_cast<char>(level);
    for (int i = 8; i >= 1; --i, index >>= 8) bytes_[i] = static_cast<char>(index & 0xff);
  }
  rocksdb::Slice slice() const { return rocksdb::Slice(bytes_.data(), bytes_.size()); }

 private:
  std::array<char, 9> bytes_;
};

// Decodes an 8-byte big-endian key; false if the size is wrong.
inline bool DecodeU64Key(rocksdb::Slice key, uint64_t* out) {
  if (key.size() != 8) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(key[i]);
  *out = v;
  return true;
}

}  // namespace accord::hub::ledger
