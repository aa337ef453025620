#!/usr/bin/env python3
"""Example Accord feed subscriber in Python: prints cleaned records as they arrive.

This is `accord-subscribe` from the accord-client package (src/accord_client/cli.py)
run from the source tree, for a python3 without the package installed. It needs
grpcio (Debian python3-grpcio) and the generated stubs (never committed):

    python3 -m grpc_tools.protoc -I proto -I /usr/include \
        --python_out=STUBS --grpc_python_out=STUBS proto/accord/v1/*.proto
    python3 connectors/python/subscriber.py --stubs STUBS --hub localhost:7443 \
        --ca ca.crt --cert csp-herts-analyst.crt --key csp-herts-analyst.key

Installed (`pip install ./connectors/python`), the same is `accord-subscribe`
without --stubs. See connectors/python/README.md.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))

from accord_client.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
