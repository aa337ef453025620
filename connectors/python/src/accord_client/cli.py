"""accord-subscribe: follow your Accord feed and print cleaned records.

    accord-subscribe --hub localhost:7443 --ca ca.crt --cert csp-herts-analyst.crt \\
        --key csp-herts-analyst.key [--decrypt-key csp-herts-analyst.x25519.key] [--json]

It follows the caller's feed (FeedService.Subscribe) from --from, prints one
line per record (position, agreement/flow, dataset, area and fields), skips
redeliveries by delivery_id, and stops after --expect records or --idle
seconds without one. With --decrypt-key, the fields a personal flow sealed to
you are opened with your X25519 private key; with --json, each delivery is
written as one protobuf-JSON line (what `accordctl open` reads).

Exit status: 0 done; 1 an RPC error; 5 a sealed value failed authentication
(altered); 6 a sealed value not addressed to your key.
"""
import argparse
import sys
import threading
import time


def parse_args(argv):
    p = argparse.ArgumentParser(prog="accord-subscribe", description=__doc__.splitlines()[0])
    p.add_argument("--stubs", help=argparse.SUPPRESS)  # legacy: a directory of generated modules
    p.add_argument("--hub", required=True, help="the hub's address HOST:PORT")
    p.add_argument("--ca", required=True, help="CA that issued the hub's certificate (PEM)")
    p.add_argument("--cert", required=True, help="your agency's client certificate (PEM)")
    p.add_argument("--key", required=True, help="your agency's client key (PEM)")
    p.add_argument("--from", dest="from_position", type=int, default=1, help="first feed position (default 1)")
    p.add_argument("--expect", type=int, default=0, help="stop after this many records (0 = until idle)")
    p.add_argument("--idle", type=float, default=3.0, help="stop after this many idle seconds (default 3)")
    p.add_argument("--decrypt-key", help="your X25519 private key (accordctl keygen --type x25519): "
                                         "open the fields sealed to you")
    p.add_argument("--json", action="store_true", help="one protobuf-JSON line per delivery")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.stubs:
        sys.path.insert(0, args.stubs)
    import grpc  # after the argument check, so --help works without grpc
    from google.protobuf import json_format

    from accord_client import feed
    from accord_client.values import value_text

    key = None
    if args.decrypt_key:
        # Only here: opening needs the cryptography package, following does not.
        from accord_client.sealed import (NotAddressedToThisKey, RecipientKey, SealedValueError,
                                          SealedValueTampered)
        try:
            key = RecipientKey.from_file(args.decrypt_key)
        except (OSError, ValueError) as e:
            print("accord-subscribe: %s" % e, file=sys.stderr)
            return 1
    channel = feed.secure_channel(args.hub, args.ca, args.cert, args.key)
    stream = feed.subscribe(channel, from_position=args.from_position)

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
    tampered = not_for_key = 0
    summary = sys.stderr if args.json else sys.stdout
    try:
        for response in stream:
            last[0] = time.monotonic()
            for delivery in response.deliveries:
                r = delivery.record
                if r.delivery_id in seen:
                    continue
                seen.add(r.delivery_id)
                printed += 1
                if key is not None:
                    try:
                        key.open_record(r)
                    except SealedValueError as e:
                        if isinstance(e, SealedValueTampered):
                            tampered += 1
                        elif isinstance(e, NotAddressedToThisKey):
                            not_for_key += 1
                        print("accord-subscribe: #%d: %s" % (delivery.position, e), file=sys.stderr)
                if args.json:
                    print(json_format.MessageToJson(delivery, indent=None), flush=True)
                else:
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
            print("accord-subscribe: %s: %s" % (e.code().name, e.details()), file=sys.stderr)
            return 1
    finally:
        done.set()
    print("Received %d cleaned records" % printed, file=summary, flush=True)
    if tampered:
        return 5
    if not_for_key:
        return 6
    return 0


if __name__ == "__main__":
    sys.exit(main())
