// RocksDB key encodings of the Merkle log (private; tests use them to tamper).
//
// Two layouts exist (hub/ledger/README.md, "Storage layout"):
//  - tiles.v1 (current): entry bundles and hash tiles, keyed with a one-byte
//    prefix ('b', 't') so that they never collide with legacy keys while a
//    store is being migrated; meta keys in the nodes family start with 'm'.
//  - legacy (before tiles): one key per entry (U64Key) and one per node
//    (NodeKey). Only the migration and the tests' legacy writer use these.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "rocksdb/slice.h"

namespace accord::hub::ledger {

// 8-byte big-endian key: tree size (ledger_heads), or a legacy entry index.
class U64Key {
 public:
  explicit U64Key(uint64_t v) {
    for (int i = 7; i >= 0; --i, v >>= 8) bytes_[i] = static_cast<char>(v & 0xff);
  }
  rocksdb::Slice slice() const { return rocksdb::Slice(bytes_.data(), bytes_.size()); }

 private:
  std::array<char, 8> bytes_;
};

// Legacy node key: level (1 byte) || index (8 bytes big-endian). Levels are
// below 64, so every legacy node key sorts before kMetaPrefix and kTilePrefix.
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

// ledger_entries: 'b' || bundle index (8 BE) -> entry bundle (tiles.h).
inline constexpr char kBundlePrefix = 'b';
// ledger_nodes: 't' || tile level (1) || tile index (8 BE) -> tile hashes.
inline constexpr char kTilePrefix = 't';
// ledger_nodes: meta keys, all starting with 'm'.
inline constexpr char kMetaPrefix = 'm';
// The storage format of the log; absent in legacy stores.
inline constexpr std::string_view kFormatKey = "m/format";
inline constexpr std::string_view kFormatTilesV1 = "tiles.v1";
// Present only while a legacy store is being migrated: where to resume.
inline constexpr std::string_view kMigrationKey = "m/migration";

// 'b' || bundle index (8 bytes big-endian).
class BundleKey {
 public:
  explicit BundleKey(uint64_t bundle) {
    bytes_[0] = kBundlePrefix;
    for (int i = 8; i >= 1; --i, bundle >>= 8) bytes_[i] = static_cast<char>(bundle & 0xff);
  }
  rocksdb::Slice slice() const { return rocksdb::Slice(bytes_.data(), bytes_.size()); }

 private:
  std::array<char, 9> bytes_;
};

// 't' || tile level (1 byte) || tile index (8 bytes big-endian).
class TileKey {
 public:
  TileKey(uint32_t tile_level, uint64_t tile_index) {
    bytes_[0] = kTilePrefix;
    bytes_[1] = static_cast<char>(tile_level);
    for (int i = 9; i >= 2; --i, tile_index >>= 8) bytes_[i] = static_cast<char>(tile_index & 0xff);
  }
  rocksdb::Slice slice() const { return rocksdb::Slice(bytes_.data(), bytes_.size()); }

 private:
  std::array<char, 10> bytes_;
};

// Decodes an 8-byte big-endian key; false if the size is wrong.
inline bool DecodeU64Key(rocksdb::Slice key, uint64_t* out) {
  if (key.size() != 8) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(key[i]);
  *out = v;
  return true;
}

// Decodes a BundleKey; false if `key` is not one.
inline bool DecodeBundleKey(rocksdb::Slice key, uint64_t* bundle) {
  if (key.size() != 9 || key[0] != kBundlePrefix) return false;
  return DecodeU64Key(rocksdb::Slice(key.data() + 1, 8), bundle);
}

}  // namespace accord::hub::ledger
