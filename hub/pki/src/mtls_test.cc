// A real mutual-TLS handshake on loopback through gRPC with the dev PKI: the
// hub's server credentials require and verify a client certificate, and the
// server derives the caller's agency id from the AuthContext.
#include <grpc/grpc_security_constants.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "accord/hub/pki/dev_pki.h"
#include "accord/hub/pki/identity.h"
#include "gtest/gtest.h"

namespace accord::hub::pki {
namespace {

constexpr char kWhoAmI[] = "/accord.test.Pki/WhoAmI";

std::vector<std::string> Values(const grpc::AuthContext& auth, const char* name) {
  std::vector<std::string> out;
  for (const grpc::string_ref& v : auth.FindPropertyValues(name)) out.emplace_back(v.data(), v.size());
  return out;
}

// Answers WhoAmI with "<id from SAN/CN properties>|<id from PEM>|<SAN values>".
class WhoAmIService final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new Reactor(ctx);
  }

 private:
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    explicit Reactor(grpc::GenericCallbackServerContext* ctx) {
      std::shared_ptr<const grpc::AuthContext> auth = ctx->auth_context();
      if (ctx->method() != kWhoAmI || !auth || !auth->IsPeerAuthenticated()) {
        Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no authenticated peer"));
        return;
      }
      std::vector<std::string> cn = Values(*auth, GRPC_X509_CN_PROPERTY_NAME);
      absl::StatusOr<std::string> from_props = AgencyIdFromAuthProperties(
          Values(*auth, GRPC_X509_SAN_PROPERTY_NAME), cn.empty() ? "" : cn.front());
      std::vector<std::string> pem = Values(*auth, GRPC_X509_PEM_CERT_PROPERTY_NAME);
      absl::StatusOr<std::string> from_pem =
          pem.empty() ? absl::StatusOr<std::string>(absl::NotFoundError("no pem"))
                      : AgencyIdFromCertPem(pem.front());
      std::string answer = absl::StrCat(
          from_props.ok() ? *from_props : from_props.status().ToString(), "|",
          from_pem.ok() ? *from_pem : from_pem.status().ToString(), "|",
          absl::StrJoin(Values(*auth, GRPC_X509_SAN_PROPERTY_NAME), ","));
      grpc::Slice slice(answer);
      response_ = grpc::ByteBuffer(&slice, 1);
      StartRead(&request_);
    }
    void OnReadDone(bool /*ok*/) override {
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnDone() override { delete this; }

   private:
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
  };
};

struct CallResult {
  grpc::Status status;
  std::string body;
};

CallResult Call(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                const std::string& request) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  grpc::Slice slice(request);
  grpc::ByteBuffer req(&slice, 1);
  grpc::ByteBuffer resp;
  CallResult result;
  absl::Notification done;
  stub.UnaryCall(&ctx, method, grpc::StubOptions(), &req, &resp, [&](grpc::Status s) {
    result.status = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  if (result.status.ok()) {
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(resp.Dump(&slices).ok());
    for (const grpc::Slice& s : slices) result.body.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return result;
}

class MtlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new IssuedCert(*CreateCa("Accord test CA"));
    other_ca_ = new IssuedCert(*CreateCa("Other CA"));
    IssuedCert hub = *IssueServerCert(*ca_, "hub", {});

    grpc::SslServerCredentialsOptions opts(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    opts.pem_root_certs = ca_->cert_pem;
    opts.pem_key_cert_pairs.push_back({hub.key_pem, hub.cert_pem});
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(opts), &port_);
    service_ = new WhoAmIService;
    builder.RegisterCallbackGenericService(service_);
    server_ = builder.BuildAndStart().release();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  static void TearDownTestSuite() {
    server_->Shutdown();
    delete server_;
    delete service_;
    delete ca_;
    delete other_ca_;
  }

  static std::shared_ptr<grpc::Channel> Channel(const std::string& root_pem, const IssuedCert* client) {
    grpc::SslCredentialsOptions opts;
    opts.pem_root_certs = root_pem;
    if (client != nullptr) {
      opts.pem_private_key = client->key_pem;
      opts.pem_cert_chain = client->cert_pem;
    }
    // Each test gets its own connection (no subchannel sharing across tests).
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port_), grpc::SslCredentials(opts), args);
  }

  static IssuedCert* ca_;
  static IssuedCert* other_ca_;
  static WhoAmIService* service_;
  static grpc::Server* server_;
  static int port_;
};
IssuedCert* MtlsTest::ca_ = nullptr;
IssuedCert* MtlsTest::other_ca_ = nullptr;
WhoAmIService* MtlsTest::service_ = nullptr;
grpc::Server* MtlsTest::server_ = nullptr;
int MtlsTest::port_ = 0;

TEST_F(MtlsTest, AgencyCertConnectsAndServerSeesTheAgencyId) {
  IssuedCert police = *IssueClientCert(*ca_, "police");
  std::shared_ptr<grpc::Channel> channel = Channel(ca_->cert_pem, &police);
  CallResult who = Call(channel, kWhoAmI, "");
  ASSERT_TRUE(who.status.ok()) << who.status.error_code() << " " << who.status.error_message();
  // gRPC exposes both SANs untyped; the URI one decides.
  EXPECT_EQ(who.body, "police|police|accord:agency:police,police");

  // The standard health service answers on the same mTLS port:
  // HealthCheckRequest{} -> HealthCheckResponse{status: SERVING (1)}.
  CallResult health = Call(channel, "/grpc.health.v1.Health/Check", "");
  ASSERT_TRUE(health.status.ok()) << health.status.error_message();
  EXPECT_EQ(health.body, std::string("\x08\x01", 2));

  IssuedCert ae = *IssueClientCert(*ca_, "nhs-ae");
  EXPECT_EQ(Call(Channel(ca_->cert_pem, &ae), kWhoAmI, "").body,
            "nhs-ae|nhs-ae|accord:agency:nhs-ae,nhs-ae");
}

TEST_F(MtlsTest, ClientWithoutCertificateIsRejected) {
  CallResult result = Call(Channel(ca_->cert_pem, nullptr), kWhoAmI, "");
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << result.status.error_message();
  EXPECT_TRUE(result.body.empty());
}

TEST_F(MtlsTest, ClientCertFromAnotherCaIsRejected) {
  IssuedCert impostor = *IssueClientCert(*other_ca_, "police");
  CallResult result = Call(Channel(ca_->cert_pem, &impostor), kWhoAmI, "");
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << result.status.error_message();
  EXPECT_TRUE(result.body.empty());
}

TEST_F(MtlsTest, ClientRejectsHubNotSignedByItsCa) {
  IssuedCert police = *IssueClientCert(*ca_, "police");
  CallResult result = Call(Channel(other_ca_->cert_pem, &police), kWhoAmI, "");
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << result.status.error_message();
}

}  // namespace
}  // namespace accord::hub::pki
