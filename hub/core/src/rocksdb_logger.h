// RocksDB's own diagnostics (its info log) go to the hub's log, not to a LOG
// file in the data directory: when the disk is full, RocksDB's file logger
// fails an append and its next line aborts the process inside Debian's
// librocksdb 7.8 (WritableFileWriter::AssertFalseAndGetStatusForPrevError),
// while reporting the very error that filled the disk. Only WARN and above
// are forwarded (RocksDB's routine INFO lines and 10-minute stats dumps are
// dropped). RocksDB logs file names, sizes and statuses, never values.
//
// Thread safety: Logv() may be called from any RocksDB thread (spdlog is
// thread-safe).
#pragma once

#include <memory>

#include "rocksdb/env.h"

namespace accord::hub {

std::shared_ptr<rocksdb::Logger> NewRocksDbSpdlogLogger();

}  // namespace accord::hub
