// Status propagation macros (Debian's Abseil 20220623 has none). Header-only;
// part of accord_base_headers, which the pure policy library may use too.
//
//   ACCORD_RETURN_IF_ERROR(DoThing());
//   ACCORD_ASSIGN_OR_RETURN(auto value, ComputeValue());
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ACCORD_STATUS_CONCAT_INNER_(a, b) a##b
#define ACCORD_STATUS_CONCAT_(a, b) ACCORD_STATUS_CONCAT_INNER_(a, b)

#define ACCORD_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::absl::Status accord_status_ = (expr);          \
    if (!accord_status_.ok()) return accord_status_; \
  } while (0)

#define ACCORD_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()

#define ACCORD_ASSIGN_OR_RETURN(lhs, expr) \
  ACCORD_ASSIGN_OR_RETURN_IMPL_(ACCORD_STATUS_CONCAT_(accord_statusor_, __LINE__), lhs, expr)
