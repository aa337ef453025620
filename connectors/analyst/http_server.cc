#include "http_server.h"

#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "httplib.h"
#include "report_html.h"

namespace accord::analyst {

class FiguresServer::Impl {
 public:
  Impl(ComputeFn compute, absl::Duration refresh) : compute_(std::move(compute)), refresh_(refresh) {}

  absl::StatusOr<nlohmann::json> Figures() {
    absl::MutexLock lock(&mu_);
    if (cached_.has_value() && absl::Now() - computed_at_ < refresh_) return *cached_;
    auto f = compute_();
    if (!f.ok()) return f.status();
    cached_ = *f;
    computed_at_ = absl::Now();
    return *cached_;
  }

  httplib::Server server;
  std::thread thread;
  int port = 0;

 private:
  ComputeFn compute_;
  absl::Duration refresh_;
  absl::Mutex mu_;
  std::optional<nlohmann::json> cached_ ABSL_GUARDED_BY(mu_);
  absl::Time computed_at_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::unique_ptr<FiguresServer>> FiguresServer::Start(const std::string& host, int port,
                                                                    ComputeFn compute, absl::Duration refresh) {
  auto impl = std::make_unique<Impl>(std::move(compute), refresh);
  Impl* p = impl.get();
  auto serve = [p](const char* type, bool html) {
    return [p, type, html](const httplib::Request&, httplib::Response& res) {
      auto f = p->Figures();
      if (!f.ok()) {
        res.status = 503;
        res.set_content("figures unavailable\n", "text/plain");
        return;
      }
      res.set_content(html ? RenderHtml(*f, /*live=*/true) : f->dump(2), type);
    };
  };
  p->server.Get("/figures.json", serve("application/json", false));
  p->server.Get("/report.html", serve("text/html; charset=utf-8", true));
  p->server.Get("/", serve("text/html; charset=utf-8", true));
  p->server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  p->port = port == 0 ? p->server.bind_to_any_port(host) : (p->server.bind_to_port(host, port) ? port : -1);
  if (p->port <= 0) return absl::UnavailableError("analyst http: cannot bind " + host);
  p->thread = std::thread([p] { p->server.listen_after_bind(); });
  return std::unique_ptr<FiguresServer>(new FiguresServer(std::move(impl)));
}

FiguresServer::FiguresServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FiguresServer::~FiguresServer() { Stop(); }
int FiguresServer::port() const { return impl_->port; }

void FiguresServer::Stop() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace accord::analyst
