// Subscriber: follows the caller's feed (FeedService.Subscribe) from a
// position, reconnecting with exponential backoff after retryable errors.
//
//   auto sub = Subscriber::Start(channel, channel_options, {.from_position = saved + 1},
//       [&](const v1::Delivery& d) { Process(d); Save(d.position()); return true; });
//   ...
//   sub->Stop();
//
// Resume: each reconnect asks for the position after the last delivery handed
// to the callback (next_position()). Delivery is at-least-once across
// reconnects of the hub; deliveries whose position is below next_position()
// are skipped, but a callback that must be exactly-once should still
// de-duplicate on CleanedRecord.delivery_id.
//
// Errors: UNAVAILABLE and the other codes IsRetryable() accepts (including the
// hub ending the stream with OK) lead to a reconnect after a backoff
// (initial_backoff doubling up to max_backoff, +-20% jitter, reset once a
// stream delivers something). Any other code (PERMISSION_DENIED,
// UNAUTHENTICATED, INVALID_ARGUMENT, ...) stops the subscriber; status()
// then returns it.
//
// Threads: the Subscriber owns one thread; the DeliveryFn runs on it, one
// call at a time, in feed order. Return false from the DeliveryFn to stop
// (do not call Stop() from inside it). Slow callbacks slow only this feed:
// the hub keeps the feed for you.
//
// Thread safety: all public methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "accord/client/channel.h"
#include "accord/v1/feed_service.pb.h"
#include "grpcpp/channel.h"

namespace accord::client {

struct SubscriberOptions {
  // First position to deliver; 1 = the beginning, 0 = "from now" (the hub's
  // head when the first stream starts). Default 1.
  uint64_t from_position = 1;
  // Optional filters: only these agreements / flows. Empty = all.
  std::vector<std::string> agreement_ids;
  std::vector<std::string> flow_ids;
  // Largest number of deliveries per response; the hub caps it at 500.
  // Default 500.
  uint32_t max_batch = 500;
  // Optional; the hub defaults it to the caller's own agency, and refuses any
  // other with PERMISSION_DENIED.
  std::string recipient;
  // Reconnect backoff. Defaults 100 ms and 10 s.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
};

class Subscriber {
 public:
  // Called once per delivery, in feed order; return false to stop.
  using DeliveryFn = std::function<bool(const v1::Delivery& delivery)>;

  // Starts following the feed on a new thread. Never returns null. Bad
  // arguments (null channel, empty callback, invalid options) give a
  // Subscriber that is already stopped with status() InvalidArgument; a
  // configuration the hub refuses shows up as status() once it does.
  static std::unique_ptr<Subscriber> Start(std::shared_ptr<grpc::Channel> channel,
                                           const ChannelOptions& channel_options,
                                           SubscriberOptions options, DeliveryFn on_delivery);

  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;
  ~Subscriber();  // Stop()

  // The position a reconnect would ask for: one after the last delivery given
  // to the callback (from_position before any; 0 while "from now" is unresolved).
  uint64_t next_position() const;

  // The feed's head position in the latest response (0 before any).
  uint64_t head_position() const;

  // Streams opened so far (1 + reconnects).
  uint64_t streams_opened() const;

  // Cancels the current stream, ends the thread and joins it. Idempotent.
  void Stop();

  // Waits until the subscriber stops by itself (the callback returned false,
  // or a non-retryable error) or `timeout` passes. True if it has stopped.
  bool WaitUntilStopped(absl::Duration timeout) const;

  // OK while running, after Stop() and after the callback returned false;
  // the error after a non-retryable one (e.g. PERMISSION_DENIED).
  absl::Status status() const;

 private:
  class Impl;
  explicit Subscriber(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::client
