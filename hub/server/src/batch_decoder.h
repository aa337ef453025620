// Decodes a PublishRequest record by record, so that one undecodable record
// (typically a text value that is not valid UTF-8, which protobuf refuses for
// proto3 strings) is rejected on its own with a specific reason, instead of
// the whole batch failing. A record carrying protobuf fields accord.v1 does
// not define is rejected too (REJECT_UNKNOWN_FIELD): the hub stores nothing
// outside the contract.
//
// The wire walk uses protobuf's own CodedInputStream and UnknownFieldSet: no
// hand-written parsing of values.
//
// Thread safety: stateless functions (a RecordPool is thread-safe).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "accord/hub/core/record_pool.h"
#include "accord/policy/flow_engine.h"
#include "accord/v1/ingest_service.pb.h"
#include "google/protobuf/io/zero_copy_stream.h"

namespace accord::hub {

struct DecodedBatch {
  uint64_t sequence = 0;
  // One per record on the wire, in order; for an undecodable record the
  // Record is empty and `bad[i]` says why.
  std::vector<v1::Record> records;
  std::vector<policy::Rejection> bad;  // same size as records; ok() = decoded
  // Same size as records: each record's bytes as received (so also its size
  // on the wire). A decoded record has no field outside accord.v1 (such a
  // record is rejected), so these are exactly its content and can be stored
  // without serializing it again.
  std::vector<std::string> wire;
  // Cleared records taken from the RecordPool and not parsed into yet (a
  // few, kept for the next batch).
  std::vector<v1::Record> spare;
};

// InvalidArgument when the batch itself is not a well-formed PublishRequest
// (then nothing in it can be trusted, and nothing is stored).
// With a `pool`, each record is parsed into a cleared record taken from it
// (taken in chunks, one lock per chunk), else into a fresh one; the decoded
// records are the same either way.
absl::Status DecodePublishRequest(google::protobuf::io::ZeroCopyInputStream* in, DecodedBatch* out,
                                  RecordPool* pool = nullptr);

// Reads only a PublishRequest's sequence and how many records it carries,
// parsing none of them (for a batch the hub refuses unread). The same
// InvalidArgument as DecodePublishRequest when the batch itself is not a
// well-formed PublishRequest.
absl::Status CountPublishRequest(google::protobuf::io::ZeroCopyInputStream* in, uint64_t* sequence,
                                 size_t* records);

// Why `bytes` (one Record's encoding) does not parse; never echoes a value.
policy::Rejection DiagnoseRecord(const std::string& bytes);

}  // namespace accord::hub
