// TuneMallocForPublishing: glibc malloc settings for the connector's
// allocation pattern.
//
// The reading thread builds every record on the heap (the client Publisher
// takes records by value) and the Publisher's reader thread frees them once
// their batch is acked: tens of small blocks per row, allocated on one thread
// and freed on another. With glibc's fastbins those frees pile up as
// fastbin chunks, and every larger request on the reading thread (the
// Publisher's batch growing its record array) first consolidates all of
// them; in connect_publish_bench that cost about a tenth of the connector's
// CPU. Turning fastbins off (M_MXFAST 0) frees into the ordinary bins at
// once. Other allocators and non-glibc builds: no effect.
//
// Process-wide. Call once at start-up, before other threads start.
#pragma once

namespace accord::connect {

void TuneMallocForPublishing();

}  // namespace accord::connect
