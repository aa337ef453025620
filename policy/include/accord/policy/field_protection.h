// Which raw fields stay sealed while a record waits in a shared log (the
// Kafka ingest and quarantine topics), before the policy stage has applied
// its flows. A broker administrator is not a party to any agreement, so
// every field that can say anything about a person is sealed there: direct
// and quasi-identifiers, sensitive fields and free text. Only a field every
// flow that takes the record declares non-personal (and not free text)
// travels in clear; a field no agreement describes is sealed too.
//
// Pure; thread-safe.
#pragma once

#include <vector>

#include "accord/policy/agreement.h"

namespace accord::policy {

// `specs`: the field's description in the dataset of each flow that takes the
// record (nullptr where a flow's dataset does not describe it). True when the
// field must be sealed in transit.
bool SealedInSharedLog(const std::vector<const FieldSpec*>& specs);

}  // namespace accord::policy
