// A full disk: a real accord-hub on a small file system (a 40 MiB tmpfs, and
// a 44 MiB ext4 image on a loop device; mounted by the test, so it needs
// root; skipped otherwise) whose space a filler file takes. The hub's
// disk guard (accord/hub/core/disk_guard.h; small watermarks from the
// config: ingest refused below 8 MiB free, every write held below 2 MiB)
// keeps RocksDB off ENOSPC. Publishers get a clear, path-free refusal
// (REJECT_UNAVAILABLE, "storage is full"), never a server file path; every
// acknowledged record is fed; once the filler is deleted the hub accepts
// records again within seconds without a restart; and a hub restarted with
// ~12 MiB free starts, serves its feeds, refuses new records while below its
// watermark and resumes by itself. The hub never crashes (it exits 0 on
// SIGTERM).
// The disk is real (tmpfs), so this test waits on real time, in bounded polls.
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "accord/v1/feed_service.grpc.pb.h"
#include "accord/v1/ingest_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "hub_process.h"
#include "test_support.h"

namespace accord::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> HubArgs(const std::string& dir, const std::string& data, const std::string& config) {
  return {"--config", config, "--listen", "127.0.0.1:0", "--data-dir", data, "--tls-ca", dir + "/pki/ca.crt",
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

// The file system under test: a tmpfs, or ext4 on a loop device (where
// RocksDB's fallocate preallocation really takes space; skipped where loop
// devices or mkfs.ext4 are missing).
class HubDiskFullTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    MakePki(dir_.path());
    mnt_ = dir_.path() + "/mnt";
    fs::create_directories(mnt_);
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a file system needs root";
    if (GetParam() == "tmpfs") {
      if (::mount("tmpfs", mnt_.c_str(), "tmpfs", 0, "size=40m") != 0) {
        GTEST_SKIP() << "cannot mount a tmpfs (needs root): " << std::strerror(errno);
      }
    } else {
      const std::string image = dir_.path() + "/ext4.img";
      fs::resize_file((std::ofstream(image), image), 44u << 20);
      if (std::system(absl::StrCat("mkfs.ext4 -q -F -m 0 ", image, " >/dev/null 2>&1").c_str()) != 0) {
        GTEST_SKIP() << "no mkfs.ext4";
      }
      if (std::system(absl::StrCat("mount -o loop ", image, " ", mnt_, " >/dev/null 2>&1").c_str()) != 0) {
        GTEST_SKIP() << "cannot mount an ext4 image (no loop device?)";
      }
    }
    mounted_ = true;
    data_ = mnt_ + "/data";
    filler_ = mnt_ + "/filler";
    config_ = WriteConfig("hub.yaml", 8);
  }

  // A config file (outside the tmpfs) with the test's storage watermarks.
  std::string WriteConfig(const std::string& name, int ingest_min_free_mib) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << "storage:\n  ingest_min_free_mib: " << ingest_min_free_mib
                        << "\n  reserve_free_mib: 2\n";
    return path;
  }

  void StartWithAgreement(HubProcess* hub) {
    ASSERT_TRUE(hub->Start(ACCORD_HUB_BINARY, HubArgs(dir_.path(), data_, config_)));
    RegisterTestKeys(dir_.path(), hub->port());
    auto stub = v1::AgreementService::NewStub(AgencyChannel(dir_.path(), hub->port(), kPolice));
    grpc::ClientContext ctx;
    v1::SubmitAgreementRequest req;
    req.set_document(SignedPoliceAgreement());
    v1::SubmitAgreementResponse resp;
    ASSERT_TRUE(stub->SubmitAgreement(&ctx, req, &resp).ok());
  }

  // Publishes batches of `n` until one is refused (at most `attempts`); the
  // refusal's message, checked. Records accepted meanwhile are acked_.
  std::string PublishUntilRefused(int port, int n, int attempts) {
    std::string refusal;
    for (int i = 0; i < attempts && refusal.empty(); ++i) {
      for (const v1::RecordOutcome& o : Publish(port, n)) {
        if (o.status() == v1::RecordOutcome::REJECTED) {
          EXPECT_EQ(o.reason(), v1::REJECT_UNAVAILABLE) << o.message();
          refusal = o.message();
        }
      }
    }
    return refusal;
  }

  // Publishes batches of `n` until one is wholly accepted, for at most
  // `limit`; how long it took, or nullopt.
  std::optional<absl::Duration> PublishUntilAccepted(int port, int n, absl::Duration limit) {
    const absl::Time start = absl::Now();
    while (absl::Now() - start < limit) {
      const std::vector<v1::RecordOutcome> out = Publish(port, n);
      bool all = out.size() == static_cast<size_t>(n);
      for (const auto& o : out) all &= o.status() == v1::RecordOutcome::ACCEPTED;
      if (all) return absl::Now() - start;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::nullopt;
  }

  // Polls the feed until it holds every acknowledged record (at most `limit`);
  // the acknowledged records it lacks.
  std::vector<std::string> MissingFromFeed(int port, absl::Duration limit) {
    const absl::Time start = absl::Now();
    std::vector<std::string> missing;
    do {
      const std::set<std::string> fed = Fed(port);
      missing.clear();
      for (const std::string& ref : acked_) {
        if (!fed.count(ref)) missing.push_back(ref);
      }
      if (missing.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } while (absl::Now() - start < limit);
    return missing;
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
  std::string mnt_, data_, filler_, config_;
  bool mounted_ = false;
  int next_ = 0;
  std::set<std::string> acked_;
};

void ExpectClearAndPathFree(const std::string& refusal) {
  EXPECT_TRUE(absl::StrContains(refusal, "storage is full")) << refusal;
  EXPECT_TRUE(absl::StrContains(refusal, "retry later")) << refusal;
  EXPECT_FALSE(absl::StrContains(refusal, "/")) << "a server path in a client's message: " << refusal;
}

TEST_P(HubDiskFullTest, AFullDiskIsRefusedClearlyAndRecoversWithoutARestart) {
  HubProcess hub;
  ASSERT_NO_FATAL_FAILURE(StartWithAgreement(&hub));
  ASSERT_EQ(Publish(hub.port(), 50).size(), 50u);
  ASSERT_EQ(acked_.size(), 50u);

  // The disk fills up (5 MiB left: below the ingest watermark, above the
  // reserve) while records keep coming.
  Fill(filler_, mnt_, 5u << 20);
  const std::string refusal = PublishUntilRefused(hub.port(), 200, 100);
  ASSERT_FALSE(refusal.empty()) << "never refused";
  ExpectClearAndPathFree(refusal);
  // Above the reserve the policy stage goes on: every acknowledged record is fed.
  EXPECT_EQ(MissingFromFeed(hub.port(), absl::Seconds(30)), std::vector<std::string>{});

  // Then below the reserve (1 MiB left): every write waits; the hub still
  // refuses clearly and serves what it has. Even an agreement (a small
  // internal write) is refused, clearly and path-free, once the hub has
  // measured (at most every 100 ms: a bounded poll with fresh ids).
  Fill(filler_, mnt_, 1u << 20);
  ExpectClearAndPathFree(PublishUntilRefused(hub.port(), 20, 1));
  EXPECT_GE(Fed(hub.port()).size(), acked_.size());
  std::string agreement_refusal;
  for (int i = 0; i < 50 && agreement_refusal.empty(); ++i) {
    auto stub = v1::AgreementService::NewStub(AgencyChannel(dir_.path(), hub.port(), kPolice));
    grpc::ClientContext ctx;
    v1::SubmitAgreementRequest req;
    req.set_document(SignedPoliceAgreement(absl::StrCat("disk-full-", i)));
    v1::SubmitAgreementResponse resp;
    const grpc::Status s = stub->SubmitAgreement(&ctx, req, &resp);
    if (!s.ok()) agreement_refusal = s.error_message();
  }
  ASSERT_FALSE(agreement_refusal.empty()) << "an agreement was stored below the reserve 50 times";
  ExpectClearAndPathFree(agreement_refusal);

  // Space comes back: the hub accepts records again by itself, within seconds.
  ASSERT_EQ(::unlink(filler_.c_str()), 0);
  const std::optional<absl::Duration> resumed = PublishUntilAccepted(hub.port(), 20, absl::Seconds(15));
  ASSERT_TRUE(resumed.has_value()) << "still refusing 15 s after space was freed";
  EXPECT_LT(*resumed, absl::Seconds(5));
  // Nothing acknowledged was lost.
  EXPECT_EQ(MissingFromFeed(hub.port(), absl::Seconds(30)), std::vector<std::string>{});
  EXPECT_EQ(hub.Terminate(30), 0);
}

TEST_P(HubDiskFullTest, ARestartWithAFewMiBFreeStartsServesFeedsAndResumesByItself) {
  {
    HubProcess hub;
    ASSERT_NO_FATAL_FAILURE(StartWithAgreement(&hub));
    for (int i = 0; i < 4; ++i) ASSERT_EQ(Publish(hub.port(), 100).size(), 100u);
    ASSERT_EQ(acked_.size(), 400u);
    EXPECT_EQ(MissingFromFeed(hub.port(), absl::Seconds(30)), std::vector<std::string>{});
    EXPECT_EQ(hub.Terminate(30), 0);
  }
  // ~12 MiB free, and a watermark above that: the hub starts refusing,
  // and serves every acknowledged record.
  Fill(filler_, mnt_, 12u << 20);
  config_ = WriteConfig("hub-16.yaml", 16);
  {
    HubProcess hub;
    ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, HubArgs(dir_.path(), data_, config_)))
        << "did not start with " << FreeBytes(mnt_) / 1024 << " KiB free";
    EXPECT_EQ(MissingFromFeed(hub.port(), absl::Seconds(30)), std::vector<std::string>{});
    ExpectClearAndPathFree(PublishUntilRefused(hub.port(), 20, 1));
    EXPECT_EQ(hub.Terminate(30), 0);
  }
  // ~1 MiB free, below even the 2 MiB reserve: it still starts and serves.
  Fill(filler_, mnt_, 1u << 20);
  HubProcess hub;
  ASSERT_TRUE(hub.Start(ACCORD_HUB_BINARY, HubArgs(dir_.path(), data_, config_)))
      << "did not start with " << FreeBytes(mnt_) / 1024 << " KiB free";
  EXPECT_EQ(MissingFromFeed(hub.port(), absl::Seconds(30)), std::vector<std::string>{});
  ExpectClearAndPathFree(PublishUntilRefused(hub.port(), 20, 1));

  ASSERT_EQ(::unlink(filler_.c_str()), 0);
  const std::optional<absl::Duration> resumed = PublishUntilAccepted(hub.port(), 20, absl::Seconds(15));
  ASSERT_TRUE(resumed.has_value()) << "still refusing 15 s after space was freed";
  EXPECT_LT(*resumed, absl::Seconds(5));
  EXPECT_EQ(MissingFromFeed(hub.port(), absl::Seconds(30)), std::vector<std::string>{});
  EXPECT_EQ(hub.Terminate(30), 0);
}

INSTANTIATE_TEST_SUITE_P(FileSystems, HubDiskFullTest, ::testing::Values("tmpfs", "ext4"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace accord::testing
