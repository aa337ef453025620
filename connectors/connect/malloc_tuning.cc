#include "malloc_tuning.h"

#if __has_include(<malloc.h>)
#include <malloc.h>
#endif

namespace accord::connect {

void TuneMallocForPublishing() {
#if defined(__GLIBC__) && defined(M_MXFAST)
  (void)mallopt(M_MXFAST, 0);  // 0: no fastbins (see the header)
#endif
}

}  // namespace accord::connect
