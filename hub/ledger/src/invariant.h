// The ledger's one way to stop on a broken invariant (a caller's bug, never
// untrusted input: that gets an error Status). Names the invariant on stderr
// and aborts, so that a damaged tree is never written.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace accord::hub::ledger {

[[noreturn]] inline void Die(const char* what) {
  std::fprintf(stderr, "accord ledger: broken invariant: %s\n", what);
  std::abort();
}

}  // namespace accord::hub::ledger
