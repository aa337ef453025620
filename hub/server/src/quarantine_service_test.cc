#include "quarantine_service.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "grpcpp/grpcpp.h"
#include "quarantine_query.h"

namespace accord::hub {
namespace {

TEST(QuarantineHandleTest, AHandleNamesItsKeptCopyAndNothingElseIsAHandle) {
  const std::string handle = KeptHandle(1764720000123, 42);
  EXPECT_EQ(handle, "1764720000123-42");
  auto key = KeptKeyFromHandle(handle);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, RocksDbIngestLog::KeptKeyOf(1764720000123, 42));
  uint64_t at_ms = 0, offset = 0;
  ASSERT_TRUE(RocksDbIngestLog::DecodeKeptKey(*key, &at_ms, &offset).ok());
  EXPECT_EQ(at_ms, 1764720000123u);
  EXPECT_EQ(offset, 42u);
  for (const char* bad : {"", "12", "12-", "-12", "12-0", "a-1", "1-2-3", "1 -2", "99999999999999999999-1"}) {
    auto k = KeptKeyFromHandle(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(k.status())) << bad;
    if (!k.ok()) EXPECT_TRUE(absl::StrContains(k.status().message(), "accordctl quarantine list"));
  }
  EXPECT_FALSE(KeptKeyFromHandle(std::string(1000, '1')).ok());
}

// Who calls is checked before anything else. (Both backends list and replay:
// the embedded one in tests/hub/hub_quarantine_test.cc, Kafka in
// tests/kafka/kafka_quarantine_test.cc; a service given neither says so.)
TEST(QuarantineServiceTest, RefusesAnUnidentifiedCallerFirst) {
  HubConfig config;
  config.insecure_dev = true;
  HubContext context;
  context.config = &config;
  QuarantineServiceImpl service(&context, /*kept=*/nullptr, /*kafka=*/nullptr);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = v1::QuarantineService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext ctx;  // no agency claimed
    v1::ListQuarantinedResponse resp;
    EXPECT_EQ(stub->ListQuarantined(&ctx, {}, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext ctx;  // no agency claimed
    v1::ReplayQuarantinedResponse resp;
    EXPECT_EQ(stub->ReplayQuarantined(&ctx, {}, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-accord-agency", "herts-police");
    v1::ListQuarantinedResponse resp;
    grpc::Status s = stub->ListQuarantined(&ctx, {}, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_TRUE(absl::StrContains(s.error_message(), "no log backend")) << s.error_message();
  }
  server->Shutdown();
}

}  // namespace
}  // namespace accord::hub
