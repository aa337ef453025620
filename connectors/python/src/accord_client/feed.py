"""An mTLS channel to the hub, and your feed (FeedService.Subscribe).

    from accord_client import feed
    channel = feed.secure_channel("hub:7443", "ca.crt", "me.crt", "me.key")
    for response in feed.subscribe(channel, from_position=1):
        for delivery in response.deliveries: ...

The stream follows the feed live until cancelled (``stream.cancel()``).
Delivery is at-least-once: resume from the position after the last one you
processed and de-duplicate on ``record.delivery_id``.
"""


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def secure_channel(hub, ca, cert, key):
    """A gRPC channel to ``hub`` (HOST:PORT) over mTLS with your agency's certificate."""
    import grpc

    credentials = grpc.ssl_channel_credentials(_read(ca), _read(key), _read(cert))
    return grpc.secure_channel(hub, credentials)


def subscribe(channel, from_position=1, recipient="", agreement_ids=(), flow_ids=()):
    """Starts FeedService.Subscribe; returns the response stream (iterable, cancellable)."""
    from accord.v1 import feed_service_pb2, feed_service_pb2_grpc

    stub = feed_service_pb2_grpc.FeedServiceStub(channel)
    request = feed_service_pb2.SubscribeRequest(
        recipient=recipient, from_position=from_position,
        agreement_ids=list(agreement_ids), flow_ids=list(flow_ids))
    return stub.Subscribe(request)
