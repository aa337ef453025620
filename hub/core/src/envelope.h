// The envelope of a cleaned record: every member but its values (`fields`).
// Routing, the audit store, the indexes and the journal need only this; the
// values travel as the serialized bytes beside it.
//
// Private to hub/core. CopyEnvelope assigns member by member into `to`'s
// strings, so a recycled envelope allocates nothing. A member added to
// v1::CleanedRecord must be added here too: core_envelope_test fills every
// member by reflection and fails if the copy leaves one out.
#pragma once

#include "accord/v1/record.pb.h"

namespace accord::hub {

// Makes `*to` every member of `from` but `fields` (which `*to` ends without).
void CopyEnvelope(const v1::CleanedRecord& from, v1::CleanedRecord* to);

}  // namespace accord::hub
