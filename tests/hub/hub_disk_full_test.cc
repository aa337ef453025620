// A full disk: a real accord-hub on a small tmpfs (mounted by the test, so it
// needs root; skipped otherwise) whose space a filler file takes. Publishers
// get a clear, path-free refusal (REJECT_UNAVAILABLE, "storage is full"),
// never a server file path, and the hub does not crash.
// DISABLED: it reproduces a crash not fixed yet. When the WAL write fails for
// want of space, the next write makes accord-hub abort inside Debian's
// librocksdb (WritableFileWriter::AssertFalseAndGetStatusForPrevError:
// assertion `sync_without_flush_called_`), before and after issue 12's
// changes. Run it with --gtest_also_run_disabled_tests.
// NOT YET COVERED (issue 12 item 5): resuming by itself once space is back,
// and restarting with a few MiB free.
// The disk is real (tmpfs), so this test waits on real time, in bounded polls.
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "accord/v1/feed_service.grpc.pb.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "hub_process.h"
#include "test_support.h"

namespace accord::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> HubArgs(const std::string& dir, const std::string& data) {
  return {"--listen", "127.0.0.1:0", "--data-dir", data, "--tls-ca", dir + "/pki/ca.crt",
          "--tls-cert", dir + "/pki/hub.crt", "--tls-key", dir + "/pki/hub.key",
          "--metrics-listen", "", "--hub-instance", "disk-full-hub", "--policy-workers", "1"};
}

uint64_t FreeBytes(const std::string& path) {
  struct statvfs st;
  if (::statvfs(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

// Takes all but `leave` bytes of the file system of `path` into `filler`.
void Fill(const std::string& filler, const std::string& path, uint64_t leave) {
  std::ofstream out(filler, std::ios::binary | std::ios::app);
  const std::string chunk(64 * 1024, 'x');
  while (FreeBytes(path) > leave + chunk.size() && out.write(chunk.data(), chunk.size())) out.flush();
}

class HubDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MakePki(dir_.path());
    mnt_ = dir_.path() + "/mnt";
    fs::create_directories(mnt_);
    if (::mount("tmpfs", mnt_.c_str(), "tmpfs", 0, "size=40m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs (needs root): " << std::strerror(errno);
    }
    mounted_ = true;
    data_ = mnt_ + "/data";
  }
  void TearDown() override {
    if (mounted_) ::umount2(mnt_.c_str(), MNT_DETACH);
  }

  // One batch of `n` new records on a fresh stream; the outcomes.
  std::vector<v1::RecordOutcome> Publish(int port, int n) {
    auto stub = v1::IngestService::NewStub(AgencyChannel(dir_.path(), port, kPolice));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto stream = stub->Publish(&ctx);
    v1::PublishRequest req;
    req.set_sequence(1);
    std::vector<std::string> refs;
    for (int i = 0; i < n; ++i) {
      v1::Record r = PoliceRecord(next_++);
      refs.push_back(r.fields(0).value().text());
      *req.add_records() = std::move(r);
    }
    stream->Write(req);
    stream->WritesDone();
    std::vector<v1::RecordOutcome> out;
    v1::PublishResponse resp;
    while (stream->Read(&resp)) {
      for (int i = 0; i < resp.outcomes_size(); ++i) {
        out.push_back(resp.outcomes(i));
        if (resp.outcomes(i).status() == v1::RecordOutcome::ACCEPTED) acked_.insert(refs[i]);
      }
    }
    stream->Finish().IgnoreError();
    return out;
  }

  std::set<std::string> Fed(int port) {
    auto stub = v1::FeedService::NewStub(AgencyChannel(dir_.path(), port, kAnalyst));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::SubscribeRequest req;
    req.set_from_position(1);
    auto reader = stub->Subscribe(&ctx, req);
    std::set<std::string> refs;
    v1::SubscribeResponse resp;
    while (reader->Read(&resp)) {
      uint64_t last = 0;
      for (const auto& d : resp.deliveries()) {
        for (const auto& f : d.record().fields()) {
          if (f.name() == "crime_ref") refs.insert(f.value().text());
        }
        last = d.position();
      }
      if (last >= resp.head_position()) break;
    }
    ctx.TryCancel();
    reader->Finish().IgnoreError();
    return refs;
  }

  TempDir dir_;
  std::string mnt_, data_;
  bool mounted_ = false;
  int next_ = 0;
  std::set<std::string> acked_;
};

TEST_F(HubDiskFullTest, DISABLED_AFullDiskIsRefusedWithAClearPathFreeStatus) {
  const std::string filler = mnt_ + "/filler";
  {
    HubProcess hub;
    ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, HubArgs(dir_.path(), data_)));
    {
      auto stub = v1::AgreementService::NewStub(AgencyChannel(dir_.path(), hub.port(), kPolice));
      grpc::ClientContext ctx;
      v1::SubmitAgreementRequest req;
      req.set_document(SignedPoliceAgreement());
      v1::SubmitAgreementResponse resp;
      ASSERT_TRUE(stub->SubmitAgreement(&ctx, req, &resp).ok());
    }
    ASSERT_EQ(Publish(hub.port(), 50).size(), 50u);
    ASSERT_EQ(acked_.size(), 50u);

    // The disk fills up while records keep coming.
    Fill(filler, mnt_, 2u << 20);
    std::string refusal;
    for (int i = 0; i < 400 && refusal.empty(); ++i) {
      for (const v1::RecordOutcome& o : Publish(hub.port(), 200)) {
        if (o.status() == v1::RecordOutcome::REJECTED) {
          EXPECT_EQ(o.reason(), v1::REJECT_UNAVAILABLE) << o.message();
          refusal = o.message();
        }
      }
    }
    ASSERT_FALSE(refusal.empty()) << "the disk never filled up";
    EXPECT_TRUE(absl::StrContains(refusal, "storage is full")) << refusal;
    EXPECT_FALSE(absl::StrContains(refusal, "/")) << "a server path in a client's message: " << refusal;

    // Nothing acknowledged was lost: what was fed before the disk filled
    // is still served.
    EXPECT_GE(Fed(hub.port()).size(), 50u);
    EXPECT_EQ(::unlink(filler.c_str()), 0);
    EXPECT_EQ(hub.Terminate(30), 0);
  }
}

}  // namespace
}  // namespace accord::testing
