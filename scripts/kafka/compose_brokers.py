#!/usr/bin/python3
"""Derives loopback broker configs from deploy/kafka/compose.yaml, so CI runs the
brokers with the same settings the compose file gives them (docker is not available).

    compose_brokers.py COMPOSE DIR [--bind HOST_SRC=PATH ...]

For every service with KAFKA_NODE_ID it writes DIR/node-<id>/server.properties,
translating the environment the way the apache/kafka image does (KAFKA_FOO_BAR ->
foo.bar; '__' -> '_', '___' -> '-'), mapping each (host name, port) to a free
loopback port, and each container path to its volume on the host: bind mounts to
their source (or the --bind override), named volumes to DIR/node-<id>/volumes/<name>.
CLUSTER_ID goes to DIR/cluster-id. Then `scripts/kafka.sh start DIR` formats and
starts them.

It refuses (exit 1, naming the service) a compose file whose brokers cannot run or
lose data: a cluster id Kafka rejects, log.dirs not on a volume, no restart policy,
no healthcheck.
"""
import base64
import os
import re
import socket
import sys

import yaml


def fail(msg):
    print(f"compose_brokers.py: {msg}", file=sys.stderr)
    sys.exit(1)


def env_to_property(name):
    key = name[len("KAFKA_"):].lower()
    return key.replace("___", "-").replace("__", "\0").replace("_", ".").replace("\0", "_")


def check_cluster_id(cid):
    # Kafka's Uuid.fromString: base64url of exactly 16 bytes (22 characters, no padding).
    if not isinstance(cid, str) or len(cid) != 22 or not re.fullmatch(r"[A-Za-z0-9_-]{22}", cid):
        fail(f"CLUSTER_ID {cid!r} is not a Kafka Uuid (22 characters of base64url, 16 bytes)")
    if len(base64.urlsafe_b64decode(cid + "==")) != 16:
        fail(f"CLUSTER_ID {cid!r} does not decode to 16 bytes")


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    compose_path, out = argv[1], os.path.abspath(argv[2])
    binds = {}
    rest = argv[3:]
    while rest:
        if rest[0] != "--bind" or len(rest) < 2 or "=" not in rest[1]:
            fail(f"bad arguments {rest}")
        src, path = rest[1].split("=", 1)
        binds[src] = os.path.abspath(path)
        rest = rest[2:]
    compose_dir = os.path.dirname(os.path.abspath(compose_path))
    with open(compose_path) as f:
        compose = yaml.safe_load(f)
    named_volumes = set((compose.get("volumes") or {}).keys())
    brokers = {name: svc for name, svc in compose["services"].items()
               if "KAFKA_NODE_ID" in (svc.get("environment") or {})}
    if len(brokers) < 3:
        fail(f"expected at least 3 brokers, found {sorted(brokers)}")

    # One free loopback port per (host name, container port) any listener names.
    ports = {}
    socks = []

    def port_for(host, port):
        key = (host, int(port))
        if key not in ports:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports[key] = s.getsockname()[1]
        return ports[key]

    hostnames = {name: svc.get("hostname", name) for name, svc in brokers.items()}
    cluster_ids = set()
    configs = {}
    for name, svc in sorted(brokers.items()):
        env = svc["environment"]
        node = int(env["KAFKA_NODE_ID"])
        host = hostnames[name]
        node_dir = os.path.join(out, f"node-{node}")
        if "restart" not in svc or svc["restart"] == "no":
            fail(f"service {name}: no restart policy")
        if "healthcheck" not in svc or not svc["healthcheck"].get("test"):
            fail(f"service {name}: no healthcheck")
        cluster_ids.add(env.get("CLUSTER_ID"))
        # Container path -> host path.
        mounts = {}
        for v in svc.get("volumes") or []:
            parts = v.split(":")
            src, dst = parts[0], parts[1]
            if src in named_volumes:
                mounts[dst] = os.path.join(node_dir, "volumes", src)
            elif src.startswith(".") or src.startswith("/"):
                mounts[dst] = binds.get(src, os.path.normpath(os.path.join(compose_dir, src)))
            else:
                fail(f"service {name}: volume {src} is not declared under volumes:")

        def host_path(p):
            for dst, src in sorted(mounts.items(), key=lambda kv: -len(kv[0])):
                if p == dst or p.startswith(dst + "/"):
                    return src + p[len(dst):]
            return None

        def listeners(value, advertised):
            out_l = []
            for item in str(value).split(","):
                m = re.fullmatch(r"([A-Za-z0-9_]+)://([^:]*):(\d+)", item.strip())
                if not m:
                    fail(f"service {name}: cannot read listener {item!r}")
                lname, lhost, lport = m.groups()
                if advertised and lhost not in hostnames.values():
                    fail(f"service {name}: advertised listener {item} is not a broker host name")
                out_l.append(f"{lname}://127.0.0.1:{port_for(lhost or host, lport)}")
            return ",".join(out_l)

        props = {}
        for k, v in env.items():
            if not k.startswith("KAFKA_"):
                continue
            key = env_to_property(k)
            v = str(v)
            if key == "controller.quorum.voters":
                voters = []
                for item in v.split(","):
                    m = re.fullmatch(r"(\d+)@([^:]+):(\d+)", item.strip())
                    if not m or m.group(2) not in hostnames.values():
                        fail(f"service {name}: cannot read voter {item!r}")
                    voters.append(f"{m.group(1)}@127.0.0.1:{port_for(m.group(2), m.group(3))}")
                v = ",".join(voters)
            elif key == "listeners":
                v = listeners(v, False)
            elif key == "advertised.listeners":
                v = listeners(v, True)
            elif v.startswith("/"):
                mapped = host_path(v)
                if mapped is None and key in ("log.dirs", "log.dir"):
                    fail(f"service {name}: {key} {v} is not on a volume: the broker's data "
                         "would not survive the container")
                if mapped is None:
                    fail(f"service {name}: {key} {v} is not on a mounted volume")
                v = mapped
            props[key] = v
        if "log.dirs" not in props:
            fail(f"service {name}: KAFKA_LOG_DIRS is not set (the image's default is not on a volume)")
        os.makedirs(props["log.dirs"], exist_ok=True)
        configs[node] = (node_dir, props)

    if len(cluster_ids) != 1:
        fail(f"brokers disagree on CLUSTER_ID: {cluster_ids}")
    cluster_id = cluster_ids.pop()
    check_cluster_id(cluster_id)
    for s in socks:
        s.close()
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cluster-id"), "w") as f:
        f.write(cluster_id + "\n")
    # Test-only speed-ups that do not change security or durability.
    extra = {"num.network.threads": "2", "num.io.threads": "2", "background.threads": "2",
             "offsets.topic.num.partitions": "6", "group.initial.rebalance.delay.ms": "0",
             # the log cleaner's default 128 MB buffer does not fit a 256 MB test heap
             "log.cleaner.dedupe.buffer.size": "16777216"}
    for node, (node_dir, props) in sorted(configs.items()):
        os.makedirs(node_dir, exist_ok=True)
        with open(os.path.join(node_dir, "server.properties"), "w") as f:
            f.write(f"# derived from {compose_path} by compose_brokers.py\n")
            for k, v in sorted(props.items()):
                f.write(f"{k}={v}\n")
            for k, v in extra.items():
                if k not in props:
                    f.write(f"{k}={v}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
