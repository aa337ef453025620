"""grpc.health.v1 Check over mTLS, without generated stubs.

Usage: grpc_health.py HOST:PORT CA CERT KEY SERVICE...
Prints one line per service: "SERVICE STATUS" where STATUS is SERVING,
NOT_SERVING, UNKNOWN or the gRPC error code name (e.g. NOT_FOUND).
"""
import sys

import grpc

STATUS = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def request(service: str) -> bytes:
    name = service.encode()
    return (b"\x0a" + bytes([len(name)]) + name) if name else b""


def status_of(response: bytes) -> str:
    # HealthCheckResponse{status = 1 (varint)}: absent means 0.
    if len(response) >= 2 and response[0] == 0x08:
        return STATUS.get(response[1], str(response[1]))
    return STATUS[0]


def main() -> int:
    target, ca, cert, key, *services = sys.argv[1:]
    creds = grpc.ssl_channel_credentials(open(ca, "rb").read(), open(key, "rb").read(), open(cert, "rb").read())
    with grpc.secure_channel(target, creds) as channel:
        check = channel.unary_unary("/grpc.health.v1.Health/Check")
        for service in services:
            try:
                print(service or '""', status_of(check(request(service), timeout=10)))
            except grpc.RpcError as e:
                print(service or '""', e.code().name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
