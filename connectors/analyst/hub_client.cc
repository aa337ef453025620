#include "hub_client.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "accord/client/subscriber.h"
#include "accord/v1/agreement_service.grpc.pb.h"
#include "accord/v1/audit_service.grpc.pb.h"
#include "httplib.h"

namespace accord::analyst {

absl::StatusOr<SyncResult> Sync(std::shared_ptr<grpc::Channel> channel,
                                const client::ChannelOptions& channel_options, AnalystStore& store,
                                const SyncOptions& options) {
  // Deliveries are buffered and written in one WriteBatch per flush (at most
  // kMaxPending, or every 100 ms). A crash loses only unflushed deliveries,
  // and their position was not stored either, so they come again.
  constexpr size_t kMaxPending = 500;
  absl::Mutex mu;
  SyncResult result;
  absl::Status store_error;
  absl::Time last = absl::Now();
  std::vector<v1::Delivery> pending;
  auto flush = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (pending.empty() || !store_error.ok()) return;
    auto added = store.AddDeliveries(pending, absl::Now());
    if (!added.ok()) {
      store_error = added.status();
    } else {
      result.delivered += pending.size();
      result.stored += *added;
    }
    pending.clear();
  };
  client::SubscriberOptions sub_options;
  sub_options.from_position = store.next_position();
  auto sub = client::Subscriber::Start(channel, channel_options, sub_options, [&](const v1::Delivery& d) {
    absl::MutexLock lock(&mu);
    last = absl::Now();
    pending.push_back(d);
    if (pending.size() >= kMaxPending || options.expect > 0) flush();
    if (!store_error.ok()) return false;
    return options.expect == 0 || result.stored < options.expect;
  });
  for (;;) {
    bool stopped = sub->WaitUntilStopped(absl::Milliseconds(100));
    absl::MutexLock lock(&mu);
    flush();
    if (stopped || !store_error.ok()) break;
    if (options.stop != nullptr && options.stop->load()) break;
    if (absl::Now() - last > options.idle) break;
  }
  sub->Stop();
  absl::MutexLock lock(&mu);
  flush();
  if (!store_error.ok()) return store_error;
  if (!sub->status().ok()) return sub->status();
  result.next_position = store.next_position();
  return result;
}

absl::StatusOr<uint64_t> Backfill(std::shared_ptr<grpc::Channel> channel,
                                  const client::ChannelOptions& channel_options, AnalystStore& store,
                                  const std::vector<std::string>& datasets) {
  auto stub = v1::AuditService::NewStub(channel);
  uint64_t added = 0;
  for (const std::string& dataset : datasets) {
    grpc::ClientContext ctx;
    client::PrepareContext(channel_options, &ctx);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
    v1::QueryRecordsRequest req;
    req.set_dataset(dataset);
    auto reader = stub->QueryRecords(&ctx, req);
    v1::QueryRecordsResponse page;
    while (reader->Read(&page)) {
      for (const auto& r : page.records()) {
        auto is_new = store.AddRecord(r, absl::Now());
        if (!is_new.ok()) {
          ctx.TryCancel();
          while (reader->Read(&page)) {
          }
          (void)reader->Finish();
          return is_new.status();
        }
        added += *is_new;
      }
    }
    grpc::Status s = reader->Finish();
    if (!s.ok()) {
      return absl::Status(client::FromGrpcStatus(s).code(),
                          absl::StrCat("backfill of ", dataset, ": ", s.error_message()));
    }
  }
  return added;
}

absl::StatusOr<int> FetchAgreements(std::shared_ptr<grpc::Channel> channel,
                                    const client::ChannelOptions& channel_options, AnalystStore& store) {
  auto stub = v1::AgreementService::NewStub(channel);
  v1::ListAgreementsResponse list;
  {
    grpc::ClientContext ctx;
    client::PrepareContext(channel_options, &ctx);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status s = stub->ListAgreements(&ctx, v1::ListAgreementsRequest(), &list);
    if (!s.ok()) return client::FromGrpcStatus(s);
  }
  int n = 0;
  for (const auto& brief : list.agreements()) {
    grpc::ClientContext ctx;
    client::PrepareContext(channel_options, &ctx);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::GetAgreementRequest req;
    req.set_id(brief.id());
    req.set_version(brief.version());
    v1::AgreementInfo info;
    grpc::Status s = stub->GetAgreement(&ctx, req, &info);
    if (!s.ok()) return client::FromGrpcStatus(s);
    if (auto st = store.PutAgreement(info); !st.ok()) return st;
    ++n;
  }
  return n;
}

absl::StatusOr<std::string> FetchMetrics(const std::string& address) {
  auto colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) || port <= 0 ||
      port > 65535) {
    return absl::InvalidArgumentError("--hub-metrics must be HOST:PORT");
  }
  httplib::Client cli(address.substr(0, colon), port);
  cli.set_connection_timeout(5);
  cli.set_read_timeout(10);
  auto res = cli.Get("/metrics");
  if (!res) return absl::UnavailableError(absl::StrCat("hub metrics at ", address, ": no response"));
  if (res->status != 200) {
    return absl::UnavailableError(absl::StrCat("hub metrics at ", address, ": HTTP ", res->status));
  }
  return res->body;
}

}  // namespace accord::analyst
