// Synthetic records for the load test dataset (deploy/loadgen/agreement.yaml,
// dataset "incident" v1: 16 fields, identifiers in valid formats and in the
// free text, so the hub does its full validation and depersonalisation work).
// All values are made up (Ofcom drama phone numbers, example.com mail).
//
// Thread safety: Make() is const and may be called from any thread.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "accord/v1/record.pb.h"

namespace accord::loadgen {

// Field names that carry the load generator's own bookkeeping; both are kept
// as sent by the flows, so a subscriber can measure publish->delivery.
inline constexpr char kSequenceField[] = "load_sequence";
inline constexpr char kSentField[] = "load_sent_us";

class RecordFactory {
 public:
  // `provider` is the publishing agency; `run` makes record ids unique per run.
  RecordFactory(std::string provider, std::string run);

  // The record number `sequence` (its id "<run>-<sequence>"), stamped with
  // `sent_us` (microseconds since the epoch).
  v1::Record Make(uint64_t sequence, int64_t sent_us) const;
  // The same, written into `*out` (e.g. a record from Publisher::NewRecord(),
  // on the batch's arena), replacing what it held.
  void MakeInto(uint64_t sequence, int64_t sent_us, v1::Record* out) const;

 private:
  std::string run_;
  std::vector<v1::Record> templates_;  // varied values; the last two fields are stamped
};

// Reads the two bookkeeping fields of a cleaned record; false if absent.
bool ReadStamp(const v1::CleanedRecord& record, uint64_t* sequence, int64_t* sent_us);

// A valid NHS number (10 digits, mod-11 check digit) derived from `n`.
std::string SyntheticNhsNumber(uint64_t n);

}  // namespace accord::loadgen
