#include "cell_key.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "accord/policy/canonical.h"

namespace accord::analyst {
namespace {

// The general row, for counts of 4 and more: of the 256 cell keys, 128 leave
// the count as it is and 128 move it (about half the cells), symmetrically,
// so the expected perturbation is 0.
//                       -3  -2  -1    0   +1  +2  +3
constexpr std::array<uint32_t, 7> kGeneralRow = {8, 16, 40, 128, 40, 16, 8};

}  // namespace

uint32_t RecordKey(std::string_view record_ref) {
  std::string input = "accord-analyst/cell-key/v1";
  input.push_back('\0');
  input.append(record_ref);
  return policy::Sha256(input)[0] % kKeyRange;
}

std::array<uint32_t, 2 * kMaxPerturbation + 1> PTableRow(int64_t count) {
  std::array<uint32_t, 7> row{};
  if (count <= 0) {
    row[kMaxPerturbation] = kKeyRange;  // zeros are not perturbed
    return row;
  }
  row = kGeneralRow;
  // Perturbations that would make the count negative land on -count.
  for (int64_t p = -kMaxPerturbation; p < -count; ++p) {
    row[-count + kMaxPerturbation] += row[p + kMaxPerturbation];
    row[p + kMaxPerturbation] = 0;
  }
  return row;
}

int64_t Perturbation(int64_t count, uint32_t cell_key) {
  const auto row = PTableRow(count);
  uint32_t k = cell_key % kKeyRange, upto = 0;
  for (size_t i = 0; i < row.size(); ++i) {
    upto += row[i];
    if (k < upto) return static_cast<int64_t>(i) - kMaxPerturbation;
  }
  return 0;  // unreachable: each row sums to kKeyRange
}

int64_t PerturbedCount(const CellCount& cell) {
  if (cell.count <= 0) return 0;
  int64_t v = cell.count + Perturbation(cell.count, cell.cell_key());
  return v < 0 ? 0 : v;
}

std::string PublishCount(const CellCount& cell, int64_t threshold) {
  if (threshold > 0 && cell.count < threshold) return absl::StrCat("<", threshold);
  int64_t v = PerturbedCount(cell);
  if (threshold > 0 && v < threshold) return absl::StrCat("<", threshold);
  return absl::StrCat(v);
}

bool IsPublishedNumber(const std::string& published, int64_t* value) {
  int64_t v = 0;
  if (published.empty() || !absl::SimpleAtoi(published, &v)) return false;
  if (value != nullptr) *value = v;
  return true;
}

}  // namespace accord::analyst
