// A small HTTP endpoint serving the live figures (cpp-httplib):
//   GET /figures.json   the published figures (disclosure-controlled)
//   GET /report.html    the review pack (also GET /), reloading itself every minute
//   GET /healthz        "ok"
// Figures are recomputed from the store at most once per `refresh`.
//
// Thread safety: the server runs its own threads; Stop() from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace accord::analyst {

class FiguresServer {
 public:
  using ComputeFn = std::function<absl::StatusOr<nlohmann::json>()>;
  // Binds `host`:`port` (0 = any free port) and starts serving.
  static absl::StatusOr<std::unique_ptr<FiguresServer>> Start(const std::string& host, int port, ComputeFn compute,
                                                              absl::Duration refresh = absl::Seconds(1));
  ~FiguresServer();
  int port() const;
  void Stop();

 private:
  class Impl;
  explicit FiguresServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::analyst
