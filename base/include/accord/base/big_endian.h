// Big-endian fixed-width integer encodings: the ONE copy of the 4-byte
// length prefixes of stored runs (the ledger's entry bundles, the feed
// store's segments). Big-endian so that byte order is numeric order in keys.
//
// Header-only, no allocation beyond the appended bytes; thread-safe (pure).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace accord::base {

// Appends `v` as 4 bytes, most significant first.
inline void AppendU32(std::string* out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                     static_cast<char>(v)};
  out->append(b, 4);
}

// The first 4 bytes of `b` as a big-endian integer. Requires b.size() >= 4
// (callers check the length of untrusted input first).
inline uint32_t DecodeU32(std::string_view b) {
  return (uint32_t{static_cast<unsigned char>(b[0])} << 24) | (uint32_t{static_cast<unsigned char>(b[1])} << 16) |
         (uint32_t{static_cast<unsigned char>(b[2])} << 8) | uint32_t{static_cast<unsigned char>(b[3])};
}

}  // namespace accord::base
