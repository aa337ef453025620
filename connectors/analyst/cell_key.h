// The cell key method (ONS, Census 2021) for every count the analyst
// publishes.
//
//   record key   each record gets a key in [0, kKeyRange): byte 0 of
//                SHA-256("accord-analyst/cell-key/v1" || record_ref). The
//                record_ref is the hub's KEYED digest of the provider's record
//                id (per agreement key, held by the hub), so keys are fixed for
//                the record's life, identical on every run and re-sync, and
//                unknown to anyone reading a pack (no pack carries a ref).
//   cell key     the sum of the keys of a cell's records, mod kKeyRange. The
//                same set of records always has the same cell key, whatever
//                table, margin or period the cell appears in.
//   p-table      (true count, cell key) -> perturbation in
//                [-kMaxPerturbation, +kMaxPerturbation] (PTableRow below;
//                documented in connectors/analyst/README.md). 0 is never
//                perturbed; no count goes below 0.
//   threshold    on top, with the agreement's small_number_threshold T > 0:
//                a true count under T, or a perturbed one under T, is
//                published as "<T" (so "<T" covers true counts 0..T+2 and a
//                number is never a true count under T). T = 0: every count
//                is published perturbed.
//
// Thread safety: pure functions over constant tables.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace accord::analyst {

inline constexpr uint32_t kKeyRange = 256;
inline constexpr int64_t kMaxPerturbation = 3;

// The record key of a record, from its record_ref (or, for a record without
// one, its delivery id: also a hub digest). In [0, kKeyRange).
uint32_t RecordKey(std::string_view record_ref);

// A cell: its true count and the sum of its records' keys (any width; taken
// mod kKeyRange). Add records with Add().
struct CellCount {
  int64_t count = 0;
  uint64_t key_sum = 0;
  void Add(uint32_t record_key) {
    ++count;
    key_sum += record_key;
  }
  void Add(const CellCount& other) {
    count += other.count;
    key_sum += other.key_sum;
  }
  uint32_t cell_key() const { return static_cast<uint32_t>(key_sum % kKeyRange); }
};

// The p-table row used for `count` (rows 1, 2 and 3 fold the perturbations
// that would go below 0 onto -count; rows 4+ share one row): entry i is how
// many of the kKeyRange cell keys give perturbation i - kMaxPerturbation.
std::array<uint32_t, 2 * kMaxPerturbation + 1> PTableRow(int64_t count);

// The perturbation for a true count and its cell key.
int64_t Perturbation(int64_t count, uint32_t cell_key);

// The perturbed count (count + Perturbation, never below 0; 0 stays 0).
int64_t PerturbedCount(const CellCount& cell);

// The published form: "<T" (T > 0, true or perturbed count under T) or the
// perturbed count in decimal.
std::string PublishCount(const CellCount& cell, int64_t threshold);

// True if `published` is a number (not "<T", "[c]" or "").
bool IsPublishedNumber(const std::string& published, int64_t* value = nullptr);

}  // namespace accord::analyst
