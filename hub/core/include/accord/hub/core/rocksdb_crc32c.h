// RocksDB's CRC32C in hardware.
//
// Debian's RocksDB is built for baseline x86-64, so every checksum it makes
// (each WAL record, each SST block, read and written) goes through its
// table-driven software CRC32C: 0.3-0.9 GB/s on this project's VM, ~6% of
// the hub's CPU. With CMake's ACCORD_FAST_CRC32C (on by default), an
// executable built with accord_use_fast_crc32c (accord-hub, the stage bench)
// is linked with `ld --wrap=<rocksdb::crc32c::Extend>`: every call RocksDB's
// own objects make to Extend (log writer and reader, block format, file
// writer) goes to the wrapper in rocksdb_crc32c.cc instead, which computes
// the same CRC32C with Intel ISA-L's `crc32_iscsi` (Debian's libisal: it picks
// its SSE4.2/PCLMUL code at run time and has a portable fallback). The values
// are identical (core_rocksdb_crc32c_test checks them against RocksDB's own
// code), so data written either way reads back either way. RocksDB stays the
// static library; no RocksDB code is changed.
//
// Thread safety: pure functions; the call counter is atomic.
#pragma once

#include <cstdint>
#include <string_view>

namespace accord::hub {

// What computes this process's RocksDB checksums, for the start log:
// "isa-l" in an executable built with the wrapper, else "rocksdb-software".
std::string_view RocksDbCrc32cImplementation();

// How many checksums the wrapper has computed (0 without it): lets a test
// see that RocksDB's own calls reach it.
uint64_t RocksDbCrc32cWrappedCalls();

}  // namespace accord::hub
