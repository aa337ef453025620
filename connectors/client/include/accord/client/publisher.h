// Publisher: streams records to IngestService.Publish in batches, with a
// bounded window of unacknowledged batches.
//
//   auto publisher = Publisher::Open(channel, channel_options, {},
//       [](const v1::Record& r, const v1::RecordOutcome& o) { ... });
//   for (...) {                       // zero-copy: build each record in the batch
//     ACCORD_ASSIGN_OR_RETURN(v1::Record* r, (*publisher)->NewRecord());
//     if (!Fill(r)) { (*publisher)->AbandonRecord(); continue; }
//     ACCORD_RETURN_IF_ERROR((*publisher)->CommitRecord());
//   }
//   ACCORD_RETURN_IF_ERROR((*publisher)->Publish(std::move(record)));  // or a ready record (copied)
//   ACCORD_RETURN_IF_ERROR((*publisher)->Close());
//
// Batching: records are collected into a batch that is sent when it holds
// `batch_records` records, or `linger` after its first record, or on Flush().
// Back-pressure: at most `max_inflight` batches are unacknowledged (sent or
// waiting to be sent); Publish()/NewRecord() block while a full batch waits
// for a slot.
//
// Memory: each batch owns a google::protobuf::Arena that holds its request
// and every record in it. NewRecord() hands out a record on the open batch's
// arena, so the caller maps its data straight into the batch: no heap record
// and no copy. Once all of a batch's outcomes are delivered, the batch goes
// back to a free list; the calling thread resets its arena when it opens its
// next batch (so the memory it allocated is freed on the thread that
// allocated it, all at once rather than per field on the reader thread), and
// the arena keeps its first block, grown to the batch's high-water mark
// (at most 16 MiB), so steady-state publishing allocates neither records nor
// arena blocks. Only string values over 15 bytes still have their own heap
// buffers (std::string). At most max_inflight + 2 batches exist, so memory is
// bounded by about (max_inflight + 2) * batch_records records.
//
// Outcomes: every record that Publish() or CommitRecord() accepted (returned
// OK) gets exactly one call of the OutcomeFn, in that order: the hub's outcome
// (ACCEPTED, DUPLICATE, REJECTED with reason) once its batch is acked, or, if
// the stream fails first, a synthetic REJECTED outcome with reason
// REJECT_UNAVAILABLE and `code` set to the stream's final gRPC status code
// (e.g. 7 PERMISSION_DENIED, 14 UNAVAILABLE). A record for which Publish() or
// CommitRecord() returned an error, or that was abandoned, was not queued and
// gets no outcome. Records are not retried: resend the ones whose outcome
// says so (the hub de-duplicates on (provider, dataset, record_id)).
//
// Threads: the Publisher owns two threads, a sender (writes batches and
// sends a batch once its linger has passed on options.clock) and a reader
// (reads acks). The OutcomeFn runs on the reader thread, one call at
// a time; it must not call into the Publisher and should be quick (it delays
// the acks behind it and, through the window, Publish()).
//
// Thread safety: thread-compatible. One thread at a time calls Publish(),
// NewRecord(), CommitRecord(), AbandonRecord(), Flush() and Close(); use one
// thread for all of them (the arena's first block serves the thread that
// resets it, so another thread's records would go to fresh heap blocks).
// Destroying an unclosed Publisher cancels the stream (outcomes for unacked
// records are delivered, with code CANCELLED) and joins.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "accord/base/clock.h"
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
  // The clock `linger` and `close_timeout` are measured on. Default: the
  // real clock. Borrowed: it must outlive the Publisher. Tests pass a
  // base::ManualClock and move it instead of sleeping (the sender thread
  // waits on a base::ClockCondVar, which the ManualClock wakes when moved).
  const base::Clock* clock = base::RealClock::Get();

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

  // Zero-copy publishing, step 1: returns an empty record in the open batch,
  // on the batch's arena, owned by the Publisher. Fill it in place, then call
  // CommitRecord() to queue it or AbandonRecord() to drop it; until then make
  // no other call on the Publisher, and do not use the pointer afterwards
  // (the batch's arena is reset once its outcomes are delivered). Blocks
  // while the window is full. Errors: the stream's final status if it has
  // failed, FailedPrecondition after Close() or while a record is open.
  absl::StatusOr<v1::Record*> NewRecord();

  // Queues the record from NewRecord(). OK, or the stream's final status if
  // it failed meanwhile (the record is then dropped and gets no outcome);
  // FailedPrecondition if no record is open.
  absl::Status CommitRecord();

  // Drops the record from NewRecord() (e.g. the row did not map); it gets no
  // outcome. No-op if no record is open.
  void AbandonRecord();

  // Queues a copy of `record` (it is copied onto the batch's arena; prefer
  // NewRecord() on hot paths). Blocks while the window is full. Returns the
  // stream's final status if it has failed (the record is then not queued),
  // and FailedPrecondition after Close() or while a record is open.
  absl::Status Publish(v1::Record record);

  // Sends the partial batch and waits until every queued record has its
  // outcome. OK, or the stream's final status if it failed;
  // FailedPrecondition while a record is open.
  absl::Status Flush();

  // Abandons an open record, Flush(), then half-closes the stream and returns
  // the hub's final status (OK, or e.g. PERMISSION_DENIED, UNAUTHENTICATED,
  // RESOURCE_EXHAUSTED). Joins the threads. Idempotent: later calls return
  // the same status.
  absl::Status Close();

  // Batches acknowledged so far (for metrics and tests). Thread-safe.
  uint64_t acked_batches() const;

 private:
  class Impl;
  class Batch;
  explicit Publisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::client
