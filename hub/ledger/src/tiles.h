// The tiles.v1 storage layout of the Merkle log (private), after C2SP
// tlog-tiles / Tessera:
//
//  - Hash tiles. Tile level L, index N holds the hashes of tree level 8L,
//    indexes [256N, 256N + 256): level 0 tiles hold the leaf hashes, level 1
//    tiles the roots of the level-0 tiles, and so on. Value: the hashes
//    concatenated, 32 bytes each, 1..256 of them. A full tile (256 hashes) is
//    written once; the partial tile on the right edge of each level is
//    rewritten by every append that adds to it. Nodes of the other tree levels
//    (8L+1 .. 8L+7) are not stored: they are recomputed from one tile.
//  - Entry bundles. Bundle N holds entries [256N, 256N + 256), each as a
//    4-byte big-endian length and the bytes. Full bundles are written once,
//    the partial last bundle is rewritten by every append.
//
// An append of n entries therefore writes O(n / 256 + levels) keys instead
// of O(n log n): one per bundle and tile it touches.
//
// Pure helpers, no I/O, thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "accord/hub/ledger/merkle.h"

namespace accord::hub::ledger {

inline constexpr uint32_t kTileHeight = 8;
inline constexpr uint64_t kTileWidth = 256;  // 1 << kTileHeight
inline constexpr size_t kHashSize = 32;
inline constexpr uint64_t kBundleSize = 256;

// Appends `entry` to an encoded bundle.
void AppendToBundle(std::string_view entry, std::string* bundle);

// Splits an encoded bundle into its entries (views into `bundle`). DataLoss
// ("... entry bundle ...") if it is malformed or holds more than 256 entries.
absl::Status DecodeBundle(std::string_view bundle, std::vector<std::string_view>* entries);

// Hash `i` of a tile value (requires (i + 1) * 32 <= tile.size()).
Hash TileHashAt(std::string_view tile, uint64_t i);
std::string_view HashView(const Hash& h);

// Where the tree node (level, index) lives: the hashes [offset, offset +
// count) of tile (tile_level, tile_index), count = 2^(level % 8). The node is
// their MTH (the hash itself when count == 1).
struct TileSpan {
  uint32_t tile_level;
  uint64_t tile_index;
  uint32_t offset;
  uint32_t count;
};
TileSpan NodeTileSpan(uint32_t level, uint64_t index);

// MTH of a perfect run of `count` (a power of two) hashes of `tile` from
// `offset`. Requires the tile to hold them.
Hash SubtreeFromTile(std::string_view tile, uint32_t offset, uint32_t count);

// Number of tree level 8L hashes a tree of `size` leaves has (size >> 8L).
inline uint64_t HashesAtTileLevel(uint64_t size, uint32_t tile_level) {
  const uint32_t shift = kTileHeight * tile_level;
  return shift >= 64 ? 0 : size >> shift;
}

}  // namespace accord::hub::ledger
