#!/usr/bin/env python3
"""Example Accord feed subscriber in Python: prints cleaned records as they arrive.

Shows that the accord.v1 wire contract works outside C++. Uses Debian's
python3-grpcio and stubs generated from proto/ (never committed):

    python3 -m grpc_tools.protoc -I proto -I /usr/include \
        --python_out=STUBS --grpc_python_out=STUBS proto/accord/v1/*.proto
    python3 connectors/python/subscriber.py --stubs STUBS --hub localhost:7443 \
        --ca ca.crt --cert csp-herts-analyst.crt --key csp-herts-analyst.key

It follows the caller's feed (FeedService.Subscribe) from --from, prints one
line per record (position, agreement, dataset, area and fields; values are
already depersonalised by the hub), skips redeliveries by delivery_id, and
stops after --expect records or --idle seconds without one.
"""
import argparse
import sys
import threading
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stubs", required=True, help="directory holding the generated accord/v1/*_pb2*.py")
    p.add_argument("--hub", required=True, help="the hub's address HOST:PORT")
    p.add_argument("--ca", required=True, help="CA that issued the hub's certificate (PEM)")
    p.add_argument("--cert", required=True, help="your agency's client certificate (PEM)")
    p.add_argument("--key", required=True, help="your agency's client key (PEM)")
    p.add_argument("--from", dest="from_position", type=int, default=1, help="first feed position (default 1)")
    p.add_argument("--expect", type=int, default=0, help="stop after this many records (0 = until idle)")
    p.add_argument("--idle", type=float, default=3.0, help="stop after this many idle seconds (default 3)")
    return p.parse_args(argv)


def value_text(value):
    kind = value.WhichOneof("kind")
    if kind is None:
        return ""
    if kind == "datetime":
        return value.datetime.ToJsonString()
    if kind == "geo":
        return "%.5f,%.5f" % (value.geo.lat, value.geo.lon)
    if kind == "sealed":
        return "<sealed for %s>" % value.sealed.recipient
    return str(getattr(value, kind))


def main(argv):
    args = parse_args(argv)
    sys.path.insert(0, args.stubs)
    import grpc  # noqa: E402  (after the argument check, so --help works without grpc)
    from accord.v1 import feed_service_pb2, feed_service_pb2_grpc  # noqa: E402

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(read(args.ca), read(args.key), read(args.cert))
    channel = grpc.secure_channel(args.hub, credentials)
    stub = feed_service_pb2_grpc.FeedServiceStub(channel)
    request = feed_service_pb2.SubscribeRequest(from_position=args.from_position)
    stream = stub.Subscribe(request)

    seen = set()
    last = [time.monotonic()]
    done = threading.Event()

    def watchdog():
        while not done.wait(0.2):
            if time.monotonic() - last[0] > args.idle:
                stream.cancel()
                return

    threading.Thread(target=watchdog, daemon=True).start()
    printed = 0
    try:
        for response in stream:
            last[0] = time.monotonic()
            for delivery in response.deliveries:
                r = delivery.record
                if r.delivery_id in seen:
                    continue
                seen.add(r.delivery_id)
                printed += 1
                fields = " ".join("%s=%s" % (f.name, value_text(f.value)) for f in r.fields)
                print("#%d %s/%s %s area=%s %s" % (delivery.position, r.agreement_id, r.flow_id, r.dataset,
                                                   r.area or "-", fields), flush=True)
                if args.expect and printed >= args.expect:
                    done.set()
                    stream.cancel()
                    break
            if done.is_set():
                break
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.CANCELLED:
            print("subscriber.py: %s: %s" % (e.code().name, e.details()), file=sys.stderr)
            return 1
    finally:
        done.set()
    print("Received %d cleaned records" % printed, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
