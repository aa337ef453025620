// The one place a rocksdb::Status becomes an absl::Status. Reusable by every
// hub component that keeps state in the hub's RocksDB instance.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "rocksdb/status.h"

namespace accord::hub::ledger {

// OK for an OK status; otherwise a Status whose code follows the RocksDB code
// (NotFound -> kNotFound, Corruption -> kDataLoss, IOError -> kUnavailable or
// kResourceExhausted when the disk is full, Busy/TryAgain/Incomplete ->
// kUnavailable, TimedOut/Expired -> kDeadlineExceeded, InvalidArgument ->
// kInvalidArgument, NotSupported -> kUnimplemented, Aborted/MergeInProgress ->
// kAborted, ShutdownInProgress -> kCancelled, ColumnFamilyDropped ->
// kFailedPrecondition, anything else -> kInternal) and whose message is
// "<what>: <rocksdb message>". RocksDB messages name files and operations,
// never stored values.
absl::Status FromRocksDb(const rocksdb::Status& status, std::string_view what);

}  // namespace accord::hub::ledger
