// An in-process IngestService for client tests (accord_client, accord-connect):
// answers every Publish batch with one outcome per record, decided by the
// test's `judge`, and remembers the record ids it received, in order. After
// `fail_after` batches on a stream it ends that stream with UNAVAILABLE, on
// every stream or, with `fail_once`, on the first only.
//
// Thread safety: `judge` runs under the stub's lock, one record at a time;
// ids() may be called from any thread. Test code only.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "accord/v1/ingest_service.grpc.pb.h"

namespace accord::client::testing {

class StubIngest final : public v1::IngestService::Service {
 public:
  using Judge = std::function<void(const v1::Record&, v1::RecordOutcome*)>;

  explicit StubIngest(Judge judge) : judge_(std::move(judge)) {}

  std::atomic<int> fail_after{-1};
  std::atomic<bool> fail_once{false};

  // Every record id received, in order (resent records appear again).
  std::vector<std::string> ids() {
    absl::MutexLock lock(&mu_);
    return ids_;
  }

  grpc::Status Publish(grpc::ServerContext*,
                       grpc::ServerReaderWriter<v1::PublishResponse, v1::PublishRequest>* stream) override {
    v1::PublishRequest request;
    int batches = 0;
    while (stream->Read(&request)) {
      if (fail_after.load() >= 0 && batches++ >= fail_after.load()) {
        if (fail_once.load()) fail_after = -1;
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stub going away");
      }
      v1::PublishResponse response;
      response.set_sequence(request.sequence());
      {
        absl::MutexLock lock(&mu_);
        for (const v1::Record& r : request.records()) {
          ids_.push_back(r.record_id());
          judge_(r, response.add_outcomes());
        }
      }
      if (!stream->Write(response)) break;
    }
    return grpc::Status::OK;
  }

 private:
  const Judge judge_;
  absl::Mutex mu_;
  std::vector<std::string> ids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace accord::client::testing
