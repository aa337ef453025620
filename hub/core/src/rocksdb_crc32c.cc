#include "accord/hub/core/rocksdb_crc32c.h"

#include <atomic>
#include <cstddef>
#include <cstdint>

#if ACCORD_FAST_CRC32C
#include <isa-l/crc.h>
#endif

namespace accord::hub {
namespace {
std::atomic<uint64_t> wrapped_calls{0};
}  // namespace

#if ACCORD_FAST_CRC32C
// RocksDB's util/crc32c.h (not installed) declares
//   uint32_t rocksdb::crc32c::Extend(uint32_t init_crc, const char* data, size_t n)
// : the CRC32C of `data` appended to a message whose CRC32C is `init_crc`.
// ld --wrap=_ZN7rocksdb6crc32c6ExtendEjPKcm binds RocksDB's calls to the
// function below (the names are ld's convention, hence the reserved
// identifiers). ISA-L's crc32_iscsi works on the raw register (no inversion
// in or out), so the standard form is ~crc32_iscsi(data, n, ~init_crc).
extern "C" uint32_t __wrap__ZN7rocksdb6crc32c6ExtendEjPKcm(uint32_t init_crc, const char* data, size_t n) {
  wrapped_calls.fetch_add(1, std::memory_order_relaxed);
  uint32_t crc = ~init_crc;
  auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(data));  // ISA-L only reads it
  constexpr size_t kChunk = size_t{1} << 30;  // crc32_iscsi takes an int length
  while (n > kChunk) {
    crc = crc32_iscsi(p, static_cast<int>(kChunk), crc);
    p += kChunk;
    n -= kChunk;
  }
  return ~crc32_iscsi(p, static_cast<int>(n), crc);
}
#endif

std::string_view RocksDbCrc32cImplementation() {
#if ACCORD_FAST_CRC32C
  return "isa-l";
#else
  return "rocksdb-software";
#endif
}

uint64_t RocksDbCrc32cWrappedCalls() { return wrapped_calls.load(std::memory_order_relaxed); }

}  // namespace accord::hub
