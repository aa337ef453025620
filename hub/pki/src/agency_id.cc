#include "accord/hub/pki/agency_id.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace accord::hub::pki {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

bool IsValidAgencyId(std::string_view id) {
  if (id.size() < kMinAgencyIdLength || id.size() > kMaxAgencyIdLength) return false;
  if (!IsLowerAlnum(id.front())) return false;
  for (char c : id.substr(1)) {
    if (!IsLowerAlnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

absl::Status ValidateAgencyId(std::string_view id, std::string_view field) {
  if (IsValidAgencyId(id)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(field), ": not a valid agency id (want [a-z0-9][a-z0-9._-]{1,63})"));
}

}  // namespace accord::hub::pki
