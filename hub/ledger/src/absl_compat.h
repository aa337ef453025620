// Debian's Abseil is built with absl::string_view distinct from
// std::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0): convert explicitly.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace accord::hub::ledger {

inline absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace accord::hub::ledger
