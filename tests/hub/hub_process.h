// Runs accord-hub as a child process (for crash tests).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace accord::testing {

class HubProcess {
 public:
  // Starts `binary args...` and waits (up to 30 s) for its "ready on port N" line.
  // Returns false if it exits or never becomes ready.
  bool Start(const std::string& binary, const std::vector<std::string>& args);
  ~HubProcess();
  int port() const { return port_; }
  void Kill(int signal);  // and reaps it
  // Sends SIGTERM and waits up to `seconds` for a graceful exit; returns the
  // exit status (as from waitpid), or -1 if it had to be killed.
  int Terminate(int seconds);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int stdout_fd_ = -1;
};

}  // namespace accord::testing
