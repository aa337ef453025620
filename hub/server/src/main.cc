// accord-hub: the Accord data-sharing hub.
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <iostream>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "accord/hub/core/rocksdb_crc32c.h"
#include "accord/hub/server/config.h"
#include "accord/hub/server/hub.h"
#include "accord/ops/cli.h"
#include "accord/ops/logging.h"
#include "spdlog/spdlog.h"

#if ACCORD_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace {
int g_signal_pipe[2] = {-1, -1};

// The allocator this binary runs on (CMake's ACCORD_JEMALLOC), for the
// operator's log: the hub's CPU per record depends on it.
std::string AllocatorName() {
#if ACCORD_JEMALLOC
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (mallctl("version", &version, &size, nullptr, 0) == 0 && version != nullptr) {
    return std::string("jemalloc ") + version;
  }
  return "jemalloc";
#else
  return "the C library's malloc";
#endif
}
}  // namespace

int main(int argc, char** argv) {
  using accord::hub::HubConfig;
  CLI::App app{
      "accord-hub: shares partnership data only as signed agreements allow, depersonalised, "
      "with a tamper-evident disclosure ledger"};
  app.footer(
      "Exit codes: 0 stopped cleanly (SIGTERM/SIGINT); 1 could not start (the log says why); "
      "2 usage or configuration error.");
  accord::ops::AddVersionFlag(app, "accord-hub");
  accord::ops::LogFlags log_flags;
  accord::ops::AddLogFlags(app, &log_flags);
  std::string config_path;
  app.add_option("--config,-c", config_path, "YAML config file (see deploy/hub.example.yaml)");
  std::optional<std::string> listen, data_dir, tls_ca, tls_cert, tls_key, metrics_listen, instance;
  bool insecure_dev = false;
  std::optional<size_t> policy_workers;
  std::optional<uint32_t> quarantine_retention_days;
  app.add_option("--listen", listen, "gRPC address host:port (default 127.0.0.1:7443; port 0 picks one)");
  app.add_option("--data-dir", data_dir, "Directory for the hub's RocksDB and keys (default ./accord-data)");
  app.add_option("--tls-ca", tls_ca, "CA certificate that issued agency client certificates (PEM)");
  app.add_option("--tls-cert", tls_cert, "The hub's TLS certificate (PEM)");
  app.add_option("--tls-key", tls_key, "The hub's TLS private key (PEM)");
  app.add_option("--metrics-listen", metrics_listen,
                 "Prometheus metrics address host:port (default 127.0.0.1:9464; empty = off)");
  app.add_option("--hub-instance", instance, "Name of this hub in ledger entries (default: host name)");
  app.add_option("--policy-workers", policy_workers,
                 "Threads applying flows to ingested records (default 0 = one per core, at most 8)");
  app.add_option("--quarantine-retention-days", quarantine_retention_days,
                 "Embedded log: days to keep records the policy stage quarantined, sealed, for "
                 "investigation (default 30)");
  app.add_flag("--insecure-dev", insecure_dev,
               "DEVELOPMENT ONLY: plaintext gRPC, agency identity from x-accord-agency metadata");
  if (auto rc = accord::ops::ParseCommandLine(app, argc, argv)) return *rc;
  // Logs go to stderr (structured, --log-format); stdout carries only the
  // "ready" line scripts wait for.
  auto log_options = accord::ops::ToLogOptions(log_flags, "accord-hub");
  if (!log_options.ok()) {
    std::cerr << "accord-hub: " << log_options.status().message() << "\n";
    return 2;
  }
  accord::ops::InitLogging(*log_options);
  accord::ops::LogEvent(spdlog::level::info, "hub", "allocator", {{"allocator", AllocatorName()}});
  accord::ops::LogEvent(spdlog::level::info, "hub", "rocksdb_crc32c",
                        {{"implementation", std::string(accord::hub::RocksDbCrc32cImplementation())}});

  HubConfig config;
  if (!config_path.empty()) {
    auto loaded = accord::hub::LoadHubConfig(config_path);
    if (!loaded.ok()) {
      std::cerr << "accord-hub: " << loaded.status().message() << "\n";
      return 2;
    }
    config = std::move(loaded).value();
  }
  if (listen) config.listen = *listen;
  if (data_dir) config.data_dir = *data_dir;
  if (tls_ca) config.tls.ca = *tls_ca;
  if (tls_cert) config.tls.cert = *tls_cert;
  if (tls_key) config.tls.key = *tls_key;
  if (metrics_listen) config.metrics_listen = *metrics_listen;
  if (instance) config.hub_instance = *instance;
  if (insecure_dev) config.insecure_dev = true;
  if (policy_workers) config.policy_workers = *policy_workers;
  if (quarantine_retention_days) config.quarantine_retention_days = *quarantine_retention_days;

  if (auto s = config.Validate(); !s.ok()) {
    std::cerr << "accord-hub: invalid configuration:\n" << s.message() << "\n";
    return 2;
  }

  // SIGTERM / SIGINT: graceful shutdown. The handler only writes to a pipe
  // (async-signal-safe), whichever thread the signal lands on; main waits on it.
  if (pipe(g_signal_pipe) != 0) return 1;
  struct sigaction sa {};
  sa.sa_handler = [](int sig) {
    const char c = static_cast<char>(sig);
    [[maybe_unused]] ssize_t n = write(g_signal_pipe[1], &c, 1);
  };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto hub = accord::hub::Hub::Start(std::move(config));
  if (!hub.ok()) {
    accord::ops::LogEvent(spdlog::level::critical, "hub", "start_failed",
                          {{"error", std::string(hub.status().message())}});
    accord::ops::FlushLogging();
    return 1;
  }
  // A line scripts can wait for.
  std::cout << "accord-hub ready on port " << (*hub)->port() << " (metrics port "
            << (*hub)->metrics_port() << ")" << std::endl;
  char sig = 0;
  while (read(g_signal_pipe[0], &sig, 1) < 0 && errno == EINTR) {
  }
  accord::ops::LogEvent(spdlog::level::info, "hub", "signal", {{"signal", static_cast<int>(sig)}});
  (*hub)->Shutdown();
  accord::ops::FlushLogging();
  return 0;
}
