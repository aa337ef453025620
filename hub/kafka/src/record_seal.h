// How a record's id travels sealed in Kafka (ingest and quarantine topics),
// shared by the ingest log (which seals and restores it) and the quarantine
// reader (which restores it). Private to accord_hub_kafka.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "accord/v1/record.pb.h"

namespace accord::hub::kafka {

// The record id travels sealed, as the last field of the record under this
// name (a '.' is never in an agreement's field names, and a provider's field
// of that name would be refused at ingest as unknown); the record_id member
// holds kRefPrefix + hex of the message key (the keyed digest) instead.
inline constexpr char kRecordIdField[] = "accord.record_id";
inline constexpr char kRefPrefix[] = "accord-ref:";

// Undoes the ingest log's move of the record id (after FieldCrypto::Open).
// Records produced before the id was sealed carry it in clear: unchanged.
inline absl::Status RestoreRecordId(v1::Record* record) {
  if (!absl::StartsWith(record->record_id(), kRefPrefix)) return absl::OkStatus();
  const int last = record->fields_size() - 1;
  if (last < 0 || record->fields(last).name() != kRecordIdField ||
      record->fields(last).value().kind_case() != v1::Value::kText) {
    return absl::DataLossError("the ingest message has no sealed record id");
  }
  record->set_record_id(std::move(*record->mutable_fields(last)->mutable_value()->mutable_text()));
  record->mutable_fields()->RemoveLast();
  return absl::OkStatus();
}

}  // namespace accord::hub::kafka
