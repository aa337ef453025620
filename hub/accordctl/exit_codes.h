// accordctl exit codes. Stable: scripts may rely on them.
#pragma once

namespace accord::ctl {

inline constexpr int kExitOk = 0;
// Bad command line, unreadable file, or an internal error.
inline constexpr int kExitUsage = 1;
// The document is invalid (lint errors, malformed withdrawal).
inline constexpr int kExitInvalid = 2;
// Valid, but some party's signature is missing or does not verify
// (including a document changed after signing).
inline constexpr int kExitUnsigned = 3;
// Valid and signed, but not in force: expired, not yet valid, or withdrawn.
inline constexpr int kExitInactive = 4;
// Audit verification found tampering or inconsistency: an altered, removed,
// inserted or reordered entry, a bad signed head, or a history rewritten since
// a pinned head.
inline constexpr int kExitTampered = 5;

}  // namespace accord::ctl
