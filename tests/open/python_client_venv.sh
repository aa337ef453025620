#!/usr/bin/env bash
# Installs the Python client (connectors/python) as a user would: a fresh venv
# of Debian's python3, then `pip install` of the package from this checkout
# (grpcio, protobuf, cryptography and pytest from PyPI; the accord.v1 modules
# generated at build time). Usage: python_client_venv.sh PYTHON VENV_DIR REPO_ROOT
set -euo pipefail
python=$1 venv=$2 root=$3
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet "$root/connectors/python[test]"
"$venv/bin/python" - <<'PY'
import accord_client
from accord.v1 import feed_service_pb2_grpc, record_pb2  # noqa: F401
from accord_client import RecipientKey  # noqa: F401
print("accord-client", accord_client.__version__, "installed")
PY
test -x "$venv/bin/accord-subscribe"
