// Publisher: streams records to IngestService.Publish in batches, with a
// bounded window of unacknowledged batches.
//
//   auto publisher = Publisher::Open(channel, channel_options, {},
//       [](const v1::Record& r, const v1::RecordOutcome& o) { ... });
//   for (...) ACCORD_RETURN_IF_ERROR((*publisher)->Publish(std::move(record)));
//   ACCORD_RETURN_IF_ERROR((*publisher)->Close());
//
// Batching: records are collected into a batch that is sent when it holds
// `batch_records` records, or `linger` after its first record, or on Flush().
// Back-pressure: at most `max_inflight` batches are unacknowledged (sent or
// waiting to be sent); Publish() blocks while a full batch waits for a slot.
// Memory is therefore bounded by about (max_inflight + 1) * batch_records records.
//
// Outcomes: every record that Publish() accepted (returned OK) gets exactly
// one call of the OutcomeFn, in Publish() order: the hub's outcome
// (ACCEPTED, DUPLICATE, REJECTED with reason) once its batch is acked, or, if
// the stream fails first, a synthetic REJECTED outcome with reason
// REJECT_UNAVAILABLE and `code` set to the stream's final gRPC status code
// (e.g. 7 PERMISSION_DENIED, 14 UNAVAILABLE). A record for which Publish()
// returned an error was not queued and gets no outcome. Records are not
// retried: resend the ones whose outcome says so (the hub de-duplicates on
// (provider, dataset, record_id)).
//
// Threads: the Publisher owns two threads, a sender (writes batches) and a
// reader (reads acks). The OutcomeFn runs on the reader thread, one call at
// a time; it must not call into the Publisher and should be quick (it delays
// the acks behind it and, through the window, Publish()).
//
// Thread safety: thread-compatible. One thread at a time calls Publish(),
// Flush() and Close(). Destroying an unclosed Publisher cancels the stream
// (outcomes for unacked records are delivered, with code CANCELLED) and joins.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accord/client/channel.h"
#include "accord/v1/ingest_service.pb.h"
#include "accord/v1/record.pb.h"
#include "grpcpp/channel.h"

namespace accord::client {

struct PublisherOptions {
  // Records per PublishRequest. Default 500; 1 .. 100000 (the hub's own limit,
  // default 1000, yields RESOURCE_EXHAUSTED above it).
  size_t batch_records = 500;
  // Most batches unacknowledged at once. Default 8 (the hub's default
  // in-flight limit); 1 .. 1024.
  size_t max_inflight = 8;
  // How long a partial batch waits for more records before it is sent.
  // Default 5 ms; zero sends each Publish() immediately when a slot is free.
  absl::Duration linger = absl::Milliseconds(5);
  // How long Close() waits for the hub to finish the stream after the last
  // ack before it cancels the call. Default 30 s.
  absl::Duration close_timeout = absl::Seconds(30);

  // OK, or InvalidArgument naming the bad option.
  absl::Status Validate() const;
};

class Publisher {
 public:
  // Called once per record, in order; see the file comment. `record` is the
  // record as published (owned by the Publisher; valid during the call only).
  using OutcomeFn = std::function<void(const v1::Record& record, const v1::RecordOutcome& outcome)>;

  // Starts a Publish stream on `channel`. Fails only on bad options; a hub
  // that cannot be reached shows up as UNAVAILABLE from Publish()/Flush()/Close().
  // `on_outcome` must not be empty.
  static absl::StatusOr<std::unique_ptr<Publisher>> Open(std::shared_ptr<grpc::Channel> channel,
                                                         const ChannelOptions& channel_options,
                                                         PublisherOptions options,
                                                         OutcomeFn on_outcome);

  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;
  ~Publisher();

  // Queues `record`. Blocks while the window is full. Returns the stream's
  // final status if it has failed (the record is then not queued), and
  // FailedPrecondition after Close().
  absl::Status Publish(v1::Record record);

  // Sends the partial batch and waits until every queued record has its
  // outcome. OK, or the stream's final status if it failed.
  absl::Status Flush();

  // Flush(), then half-closes the stream and returns the hub's final status
  // (OK, or e.g. PERMISSION_DENIED, UNAUTHENTICATED, RESOURCE_EXHAUSTED).
  // Joins the threads. Idempotent: later calls return the same status.
  absl::Status Close();

  // Batches acknowledged so far (for metrics and tests). Thread-safe.
  uint64_t acked_batches() const;

 private:
  class Impl;
  explicit Publisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::client
