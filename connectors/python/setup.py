"""Build hook for accord-client: generates the accord.v1 protobuf and gRPC
modules from the repository's proto/ into the wheel (never committed), and
pins grpcio/protobuf to at least the versions that generated them.

Everything else is declared in pyproject.toml.
"""
import pathlib

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = pathlib.Path(__file__).resolve().parent
PROTO_ROOT = HERE.parent.parent / "proto"


def _proto_files():
    protos = sorted((PROTO_ROOT / "accord" / "v1").glob("*.proto"))
    if not protos:
        raise SystemExit(
            "accord-client: no proto/accord/v1/*.proto at %s; build the package from a checkout "
            "of the Accord repository (pip install ./connectors/python)" % PROTO_ROOT)
    return protos


class BuildPyWithProtos(build_py):
    """build_py, then protoc (from grpcio-tools) into the build directory."""

    def run(self):
        super().run()
        import grpc_tools
        from grpc_tools import protoc

        out = pathlib.Path(self.build_lib)
        well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
        args = ["grpc_tools.protoc", "-I%s" % PROTO_ROOT, "-I%s" % well_known,
                "--python_out=%s" % out, "--grpc_python_out=%s" % out]
        args += [str(p) for p in _proto_files()]
        if protoc.main(args) != 0:
            raise SystemExit("accord-client: protoc failed on %s" % PROTO_ROOT)
        for package in (out / "accord", out / "accord" / "v1"):
            (package / "__init__.py").touch()


def _requirements():
    # Generated code checks at import time that the runtime is at least as new
    # as the generator (and, for protobuf, the same major version).
    from importlib.metadata import version

    tools = version("grpcio-tools")
    pb = version("protobuf")
    major = int(pb.split(".")[0])
    return ["grpcio>=%s" % tools, "protobuf>=%s,<%d" % (pb, major + 1), "cryptography>=3.4"]


setup(
    cmdclass={"build_py": BuildPyWithProtos},
    install_requires=_requirements(),
)
