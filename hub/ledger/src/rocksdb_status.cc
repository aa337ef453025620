#include "accord/hub/ledger/rocksdb_status.h"

#include "absl/strings/str_cat.h"
#include "absl_compat.h"

namespace accord::hub::ledger {

absl::Status FromRocksDb(const rocksdb::Status& status, std::string_view what) {
  using rocksdb::Status;
  if (status.ok()) return absl::OkStatus();
  absl::StatusCode code = absl::StatusCode::kInternal;
  switch (status.code()) {
    case Status::kNotFound: code = absl::StatusCode::kNotFound; break;
    case Status::kCorruption: code = absl::StatusCode::kDataLoss; break;
    case Status::kNotSupported: code = absl::StatusCode::kUnimplemented; break;
    case Status::kInvalidArgument: code = absl::StatusCode::kInvalidArgument; break;
    case Status::kIOError:
      code = status.IsNoSpace() ? absl::StatusCode::kResourceExhausted
                                : absl::StatusCode::kUnavailable;
      break;
    case Status::kMergeInProgress:
    case Status::kAborted: code = absl::StatusCode::kAborted; break;
    case Status::kIncomplete:
    case Status::kBusy:
    case Status::kTryAgain: code = absl::StatusCode::kUnavailable; break;
    case Status::kShutdownInProgress: code = absl::StatusCode::kCancelled; break;
    case Status::kTimedOut:
    case Status::kExpired: code = absl::StatusCode::kDeadlineExceeded; break;
    case Status::kCompactionTooLarge: code = absl::StatusCode::kResourceExhausted; break;
    case Status::kColumnFamilyDropped: code = absl::StatusCode::kFailedPrecondition; break;
    default: break;
  }
  return absl::Status(code, absl::StrCat(AsAbsl(what), ": ", status.ToString()));
}

}  // namespace accord::hub::ledger
