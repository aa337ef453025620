#include "tiles.h"

#include <algorithm>

#include "accord/base/big_endian.h"
#include "invariant.h"

namespace accord::hub::ledger {

void AppendToBundle(std::string_view entry, std::string* bundle) {
  if (entry.size() > UINT32_MAX) Die("ledger entry above 4 GiB");
  base::AppendU32(bundle, static_cast<uint32_t>(entry.size()));
  bundle->append(entry.data(), entry.size());
}

absl::Status DecodeBundle(std::string_view bundle, std::vector<std::string_view>* entries) {
  entries->clear();
  size_t at = 0;
  while (at < bundle.size()) {
    if (entries->size() == kBundleSize) {
      return absl::DataLossError("merkle log: an entry bundle holds more than 256 entries");
    }
    if (bundle.size() - at < 4) return absl::DataLossError("merkle log: an entry bundle is cut short");
    const uint64_t n = base::DecodeU32(bundle.substr(at));
    at += 4;
    if (bundle.size() - at < n) return absl::DataLossError("merkle log: an entry bundle is cut short");
    entries->push_back(bundle.substr(at, n));
    at += n;
  }
  return absl::OkStatus();
}

Hash TileHashAt(std::string_view tile, uint64_t i) {
  Hash h;
  std::copy(tile.data() + i * kHashSize, tile.data() + (i + 1) * kHashSize,
            reinterpret_cast<char*>(h.data()));
  return h;
}

std::string_view HashView(const Hash& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

TileSpan NodeTileSpan(uint32_t level, uint64_t index) {
  const uint32_t sub = level % kTileHeight;
  const uint64_t first = index << sub;  // first covered hash of tree level 8L
  return TileSpan{level / kTileHeight, first / kTileWidth, static_cast<uint32_t>(first % kTileWidth),
                  uint32_t{1} << sub};
}

Hash SubtreeFromTile(std::string_view tile, uint32_t offset, uint32_t count) {
  if (count == 0 || (count & (count - 1)) != 0 || (offset + uint64_t{count}) * kHashSize > tile.size()) {
    Die("SubtreeFromTile: bad span");
  }
  // Pairwise reduction, at most 128 hashes wide after the first round.
  std::vector<Hash> level;
  level.reserve(count / 2 + 1);
  if (count == 1) return TileHashAt(tile, offset);
  for (uint32_t i = 0; i < count; i += 2) {
    level.push_back(NodeHash(TileHashAt(tile, offset + i), TileHashAt(tile, offset + i + 1)));
  }
  while (level.size() > 1) {
    for (size_t i = 0; i < level.size() / 2; ++i) level[i] = NodeHash(level[2 * i], level[2 * i + 1]);
    level.resize(level.size() / 2);
  }
  return level[0];
}

}  // namespace accord::hub::ledger
