// The in-process hub fixture of the hub integration tests (e2e, trust,
// quarantine): a dev PKI in a temp dir, an embedded-log hub over mTLS on
// loopback (port 0), and the test agencies' signing keys registered.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "accord/hub/server/hub.h"
#include "gtest/gtest.h"
#include "test_support.h"

namespace accord::testing {

class InProcessHubTest : public ::testing::Test {
 protected:
  // `hub_instance` and `metrics_listen` ("" for none) go into config_.
  explicit InProcessHubTest(std::string hub_instance = "test-hub", std::string metrics_listen = "127.0.0.1:0") {
    config_.listen = "127.0.0.1:0";
    config_.metrics_listen = std::move(metrics_listen);
    config_.hub_instance = std::move(hub_instance);
    config_.limits.max_message_bytes = 1 << 20;
  }

  void SetUp() override {
    MakePki(dir_.path());
    config_.tls = {dir_.path() + "/pki/ca.crt", dir_.path() + "/pki/hub.crt", dir_.path() + "/pki/hub.key"};
    config_.data_dir = dir_.path() + "/data";
    Restart();
    if (HasFatalFailure()) return;
    RegisterTestKeys(dir_.path(), hub_->port());
  }

  // Stops the hub (if running) and starts it again on config_ (the same data).
  void Restart() {
    hub_.reset();
    auto hub = hub::Hub::Start(config_);
    ASSERT_TRUE(hub.ok()) << hub.status();
    hub_ = std::move(hub).value();
  }

  // mTLS channel to the hub as `agency` (AgencyChannel).
  std::shared_ptr<grpc::Channel> Channel(const std::string& agency, bool rogue = false, bool no_cert = false) {
    return AgencyChannel(dir_.path(), hub_->port(), agency, rogue, no_cert);
  }

  TempDir dir_;
  hub::HubConfig config_;
  std::unique_ptr<hub::Hub> hub_;
};

}  // namespace accord::testing
