// Moved to base (header-only, no I/O): include "accord/base/status_macros.h"
// (target accord_base_headers, or accord_base). Kept so that code still
// including this path builds where base/include is on its include path.
#pragma once

#include "accord/base/status_macros.h"
