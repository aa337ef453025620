#include "accord/policy/field_protection.h"

namespace accord::policy {

bool SealedInSharedLog(const std::vector<const FieldSpec*>& specs) {
  if (specs.empty()) return true;  // described by no agreement
  for (const FieldSpec* spec : specs) {
    if (spec == nullptr) return true;
    if (spec->classification != Classification::kNonPersonal || spec->type == FieldType::kFreeText) return true;
  }
  return false;
}

}  // namespace accord::policy
