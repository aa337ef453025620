// OutcomeSink: where the policy stage (policy_stage.h) makes each batch's
// outcome durable. Two implementations:
//   - OutcomeCommitter (outcome_committer.h), the embedded hub: writes the
//     outcome and the log's consumed position in ONE fsync'd WriteBatch;
//   - Journal (journal.h), hub processes sharing Kafka: appends the outcome
//     to the shared journal, which every process then commits in order.
//
// Threading: Take() is called on the stage's commit thread only, one batch
// at a time, in poll order.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "accord/hub/core/ingest_log.h"

namespace accord::hub {

struct StageOutcome;

class OutcomeSink {
 public:
  virtual ~OutcomeSink() = default;

  // Makes `outcome`, computed from `entries` (polled from `log`, borrowed),
  // durable. OK: durable, never to be retried; the stage then marks the
  // entries consumed in `log`. An error: nothing needs undoing; the stage
  // retries the same outcome. A sink that can, stages the consumed position
  // in its own write (IngestLog::StageConsumed).
  virtual absl::Status Take(IngestLog* log, const std::vector<IngestLog::Entry>& entries,
                            StageOutcome& outcome) = 0;
};

}  // namespace accord::hub
