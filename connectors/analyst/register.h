// The partnership's record of data difficulties (the seeds' "register"):
// what stops data arriving or being usable, kept in the analyst's store so it
// survives restarts of the analyst AND of the hub, shown in the pack and the
// live endpoint.
//
//   missing feed        a dataset the agreements send you with no record for
//                       `stale_days` (or none ever)
//   pending signature   an agreement waiting for a party's signature, with
//                       the days since this analyst first saw it pending
//   rejections          the hub's rejections per agency, dataset and reason,
//                       accumulated here: when the hub restarts its counters
//                       start again from 0, and the totals seen before are kept
//   always-empty field  a field the agreement sends that no record carries
//   note                an officer's free-text note with owner and status
//                       (identifiers in the text are redacted before it is
//                       stored, with the hub's own redactor)
//
// Thread safety: the functions only use the store's thread-safe methods;
// call the writing ones from one thread.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accord/v1/agreement_service.pb.h"
#include "health.h"
#include "nlohmann/json.hpp"
#include "store.h"

namespace accord::analyst {

// Adds a note; returns its id ("N1", "N2", ...). InvalidArgument for an empty
// owner or text, or text that is not UTF-8.
absl::StatusOr<std::string> AddNote(AnalystStore& store, const std::string& owner, const std::string& subject,
                                    const std::string& text, absl::Time now);
// status: "open", "in hand" or "resolved". NotFound for an unknown id.
absl::Status SetNoteStatus(AnalystStore& store, const std::string& id, const std::string& status, absl::Time now);

// Folds the hub's current counters into the stored totals and returns the
// totals (what the hub has rejected since this analyst started watching).
absl::StatusOr<std::vector<SourceRejections>> AccumulateRejections(AnalystStore& store,
                                                                   const std::vector<SourceRejections>& current);
// The stored totals without a new reading (the hub's metrics unreachable).
absl::StatusOr<std::vector<SourceRejections>> StoredRejections(const AnalystStore& store);

// Records when each pending agreement was first seen pending; returns
// id -> first seen.
absl::StatusOr<std::map<std::string, absl::Time>> TrackPending(AnalystStore& store,
                                                               const std::vector<v1::AgreementInfo>& agreements,
                                                               absl::Time now);

struct RegisterInput {
  absl::Time as_of;
  int stale_days = 14;
  std::vector<DatasetHealth> datasets;                            // what arrived
  std::map<std::string, std::set<std::string>> expected_datasets;  // dataset -> fields the agreements send
  std::vector<v1::AgreementInfo> agreements;
  std::map<std::string, absl::Time> pending_since;
  std::vector<SourceRejections> rejections;  // accumulated
};

// The register as JSON rows {kind, subject, detail, since, owner, status}.
absl::StatusOr<nlohmann::json> DataDifficulties(const AnalystStore& store, const RegisterInput& in);

}  // namespace accord::analyst
