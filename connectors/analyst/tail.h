// `accord-analyst tail`: follow the feed and print what arrives, with a
// summary by flow and area (no state kept). The first slice of the analyst,
// kept for the demo.
#pragma once

#include <cstddef>
#include <cstdint>

#include "accord/client/channel.h"

namespace accord::analyst {

struct TailOptions {
  uint64_t from = 1;
  size_t expect = 0;
  double idle_seconds = 3;
  size_t show = 5;
};

// Exit code: 0, or 1 on a connection or subscription error.
int RunTail(const client::ChannelOptions& channel_options, const TailOptions& options);

}  // namespace accord::analyst
