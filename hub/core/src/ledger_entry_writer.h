// The disclosure's ledger entry (DPA 2018 s62): who, to whom, under what,
// which fields with which treatment, a digest of what was sent; never values.
//
// Private to hub/core (the policy stage). Writes a serialized
// accord.v1.LedgerEntry without building the message: most of an entry is
// the same for every disclosure of a flow (purpose, the field list with each
// field's treatment) or of a batch (disclosed_at, hub_instance), so those
// parts are serialized once and copied, and only the record's own fields are
// written per entry (protobuf's WireFormatLite).
//
// Byte-identical: the result is exactly what v1::LedgerEntry::
// SerializeToString gives for the entry LedgerEntryMessage() builds (fields in
// field-number order, proto3 defaults left out). Entries are Merkle leaves and
// exports verify across versions, so it must stay so:
// core_ledger_entry_writer_test compares the two. A field added to
// LedgerEntry must be added to both.
//
// Threading: FlowLedgerParts and a built FlowLedgerPartsCache are immutable
// and safe to read from any thread; Rebuild() needs exclusive access.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "accord/policy/policy_set.h"
#include "accord/v1/audit_service.pb.h"
#include "accord/v1/record.pb.h"

namespace accord::hub {

using Sha256Digest = std::array<uint8_t, 32>;

// A flow's serialized constant fields, each with its tags: purpose (7; the
// flow's, else its agreement's; nothing when both are empty) and fields (9,
// one DisclosedField per plan, in plan order).
struct FlowLedgerParts {
  std::string purpose;
  std::string fields;

  static FlowLedgerParts For(const policy::CompiledFlow& flow);
};

// FlowLedgerParts of every flow of one policy snapshot, which it keeps alive
// (so a CompiledFlow* key cannot be reused by another flow).
class FlowLedgerPartsCache {
 public:
  // Builds the parts of every flow of `snapshot` unless they are built for it
  // already (the same snapshot: nothing to do).
  void Rebuild(std::shared_ptr<const policy::PolicySet> snapshot);
  // The parts of `flow`, a flow of the snapshot; nullptr for another flow.
  const FlowLedgerParts* Find(const policy::CompiledFlow* flow) const;

 private:
  std::shared_ptr<const policy::PolicySet> snapshot_;
  absl::flat_hash_map<const policy::CompiledFlow*, FlowLedgerParts> parts_;
};

// The serialized fields the entries of one batch share: disclosed_at (11,
// `disclosed_at` truncated to microseconds) and hub_instance (12).
std::string BatchLedgerPart(absl::Time disclosed_at, std::string_view hub_instance);

// Replaces `*out` with the serialized entry of the disclosure `record`
// (the cleaned record as sent; its values are not read) of the flow whose
// parts are `flow`, whose serialized bytes have SHA-256 `digest`, in the batch
// whose part is `batch_part`. Reuses `*out`'s capacity.
void WriteLedgerEntry(const FlowLedgerParts& flow, const v1::CleanedRecord& record, const Sha256Digest& digest,
                      std::string_view batch_part, std::string* out);

// The same entry as a message, field by field (how the stage built entries
// before WriteLedgerEntry): the reference the tests compare with.
void LedgerEntryMessage(const policy::CompiledFlow& flow, const v1::CleanedRecord& record,
                        const Sha256Digest& digest, absl::Time disclosed_at, std::string_view hub_instance,
                        v1::LedgerEntry* entry);

}  // namespace accord::hub
