// Journal: the one ordered log that every hub process of a partnership
// shares when the hub runs on Kafka (<prefix>.journal, one partition; see
// hub/README.md, "Several hub processes").
//
// Each process's policy stage applies the flows to its share of the ingest
// partitions and appends the outcome here instead of committing it locally;
// agreements and withdrawals accepted by any process are appended too. Every
// process then applies the whole journal in order (OutcomeCommitter, the
// agreement registry), so all hold the same feeds, agreements and ledger.
//
// Threading: all members are thread-safe.
#pragma once

#include <functional>

#include "absl/status/status.h"
#include "accord/hub/core/outcome_committer.h"
#include "accord/hub/core/outcome_sink.h"
#include "accord/v1/journal.pb.h"

namespace accord::hub {

class Journal : public OutcomeSink {
 public:
  ~Journal() override = default;

  // OutcomeSink: AppendOutcome(). The stage marks the entries consumed in
  // its log once the journal holds the outcome.
  absl::Status Take(IngestLog* log, const std::vector<IngestLog::Entry>& entries,
                    StageOutcome& outcome) final {
    return AppendOutcome(outcome);
  }

  // Appends `outcome` durably; blocks until the journal has stored all of it
  // (OK) or could not (UNAVAILABLE: retry; part of it may be stored, which is
  // harmless because committing de-duplicates by delivery id).
  virtual absl::Status AppendOutcome(const StageOutcome& outcome) = 0;

  // Appends an agreement event without blocking; `done` runs once, on the
  // journal's thread, when it is stored or failed. Must not block.
  virtual void AppendAgreement(const v1::AgreementEvent& event,
                               std::function<void(absl::Status)> done) = 0;
};

}  // namespace accord::hub
