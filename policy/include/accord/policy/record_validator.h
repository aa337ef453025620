// Validation of incoming records against a dataset schema.
//
// Pure functions; thread-safe. Errors never contain field values: they name the
// field and the rule broken.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "accord/policy/agreement.h"
#include "accord/v1/record.pb.h"

namespace accord::policy {

// Limits applied to every record, whatever its schema.
struct RecordLimits {
  // Largest serialized record, in bytes. Default: 64 KiB.
  size_t max_record_bytes = 64 * 1024;
  // Most fields in one record. Default: 256.
  int max_fields = 256;
  // Longest record id, in bytes. Default: 128.
  size_t max_record_id_bytes = 128;
};

// The outcome of validating one record: OK, or a reason code, the offending
// field (if any) and an officer-readable message.
struct Rejection {
  v1::RejectReason reason = v1::REJECT_REASON_UNSPECIFIED;
  std::string field;
  std::string message;

  bool ok() const { return reason == v1::REJECT_REASON_UNSPECIFIED; }
};

// Checks the parts of a record that do not depend on a schema: record id,
// event time (present, a valid protobuf Timestamp, not before 1900: else
// REJECT_TIME_OUT_OF_RANGE naming "event_time"), size, field count, duplicate
// field names, UTF-8 in every text.
// `serialized_size` is the record's wire size (pass record.ByteSizeLong()).
Rejection CheckRecordEnvelope(const v1::Record& record, size_t serialized_size,
                              const RecordLimits& limits);

// Checks every field against `schema`: known field, value kind matches the
// type, text length within max_length, category in allowed values, NHS
// number checksum, postcode shape, calendar dates, geo ranges, decimal syntax;
// and that every required field is present.
Rejection ValidateAgainstSchema(const v1::Record& record, const DatasetSpec& schema);

}  // namespace accord::policy
