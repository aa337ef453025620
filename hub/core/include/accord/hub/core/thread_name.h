// Names the calling thread, so `top -H`, perf and gdb show what each of the
// hub's threads is (the name is cut to 15 bytes, the kernel's limit).
//
// Thread safety: affects only the calling thread.
#pragma once

#include <pthread.h>

#include <string>

namespace accord::hub {

inline void NameThisThread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace accord::hub
