#!/usr/bin/python3
"""Checks the deployment files in deploy/kafka work as written (ctest kafka_deploy_files).

- compose.yaml: compose_brokers.py accepts it (a cluster id Kafka accepts, log.dirs on a
  data volume, restart policies, healthchecks; kafka_compose_acl_test then starts those
  brokers); every path hub.kafka.yaml names is mounted into the hub containers, the keys
  directory writable in the first; the commands in the header run as written
  (make-kafka-certs.sh, accordctl pki init) with the built binaries.
- accord-hub.service: `systemd-analyze verify` (systemd's own checker, with ExecStart
  pointed at the built hub, since /usr/local/bin/accord-hub does not exist here), and
  under ProtectSystem=strict every path the hub writes with either example config lies in
  a directory the unit makes writable, relative paths resolved from WorkingDirectory=.

Prints one line per check and '<n> passed, <m> failed'; exit 1 on any failure.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail and not ok else ''}")


def header_commands(compose_text):
    """The shell commands numbered in the compose header, e.g. '#   1. ./make-kafka-certs.sh ...'."""
    cmds = []
    for line in compose_text.splitlines():
        if not line.startswith("#"):
            break
        m = re.match(r"#\s+\d+\.\s+(.*)", line)
        if m:
            cmds.append(m.group(1).strip())
    return cmds


def check_compose(deploy, accordctl, work):
    kdir = os.path.join(deploy, "kafka")
    compose_path = os.path.join(kdir, "compose.yaml")
    text = open(compose_path).read()
    compose = yaml.safe_load(text)

    r = subprocess.run(["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "..", "..", "scripts",
                                                          "kafka", "compose_brokers.py"),
                        compose_path, os.path.join(work, "brokers")], capture_output=True, text=True)
    check("compose brokers: cluster id, data volumes, restart policies, healthchecks", r.returncode == 0,
          r.stderr.strip())

    # Header commands, run as written.
    cmds = header_commands(text)
    certs = [c for c in cmds if c.startswith("./make-kafka-certs.sh")]
    check("compose header names make-kafka-certs.sh", len(certs) == 1, str(cmds))
    if certs:
        env = dict(os.environ, CERTS_DIR=os.path.join(work, "certs"))
        argv = shlex.split(certs[0].split("(")[0])
        r = subprocess.run(["bash", os.path.join(kdir, "make-kafka-certs.sh")] + argv[1:], env=env,
                           capture_output=True, text=True)
        made = all(os.path.exists(os.path.join(work, "certs", f"{n}.pem")) for n in argv[1:])
        check("compose header: " + certs[0], r.returncode == 0 and made, r.stderr[-500:])
    pki = [c for c in cmds if c.startswith("accordctl pki init")]
    check("compose header names accordctl pki init", len(pki) == 1, str(cmds))
    if pki:
        line = pki[0].split("(")[0].replace("<agency-id>", "herts-police").replace("[--agency ...]", "")
        argv = shlex.split(line)
        r = subprocess.run([accordctl] + argv[1:], cwd=work, capture_output=True, text=True)
        made = os.path.exists(os.path.join(work, "pki", "ca.crt")) and os.path.exists(
            os.path.join(work, "pki", "hub.crt"))
        check("compose header: " + line, r.returncode == 0 and made, (r.stdout + r.stderr)[-500:])

    # Every path hub.kafka.yaml names is mounted into each hub container.
    config = yaml.safe_load(open(os.path.join(kdir, "hub.kafka.yaml")))
    paths = {"tls.ca": config["tls"]["ca"], "tls.cert": config["tls"]["cert"], "tls.key": config["tls"]["key"],
             "data_dir": config["data_dir"]}
    for k, v in config.get("keys", {}).items():
        paths[f"keys.{k}"] = v
    for k, v in config["kafka"].get("properties", {}).items():
        if k.endswith(".location"):
            paths[f"kafka.properties.{k}"] = v
    for svc_name in ("hub", "hub2"):
        svc = compose["services"][svc_name]
        check(f"compose {svc_name}: restart policy", svc.get("restart") not in (None, "no"))
        mounts = {}
        for v in svc.get("volumes", []):
            parts = v.split(":")
            mounts[parts[1]] = len(parts) < 3 or parts[2] != "ro"
        config_mounted = any(svc["command"][i + 1] == dst for i, a in enumerate(svc["command"]) if a == "--config"
                             for dst in mounts)
        check(f"compose {svc_name}: the --config file is mounted", config_mounted, str(svc["command"]))
        for key, path in paths.items():
            under = [dst for dst in mounts if path == dst or path.startswith(dst.rstrip("/") + "/")]
            check(f"compose {svc_name}: {key} ({path}) is mounted", bool(under), str(sorted(mounts)))
            if svc_name == "hub" and (key.startswith("keys.") or key == "data_dir") and under:
                deepest = max(under, key=len)
                check(f"compose hub: {key} is writable (the first hub creates it)", mounts[deepest])


def unit_settings(path):
    settings = {}
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("["):
            continue
        k, _, v = line.partition("=")
        settings.setdefault(k.strip(), []).append(v.strip())
    return settings


def check_unit(deploy, hub, work):
    unit_path = os.path.join(deploy, "kafka", "accord-hub.service")
    s = unit_settings(unit_path)
    exec_start = s["ExecStart"][0].split()
    analyze = shutil.which("systemd-analyze")
    if analyze:
        # systemd-analyze verify, with the binary that exists here.
        unit_dir = os.path.join(work, "unit")
        os.makedirs(unit_dir, exist_ok=True)
        text = open(unit_path).read().replace(exec_start[0], hub)
        copy = os.path.join(unit_dir, "accord-hub.service")
        open(copy, "w").write(text)
        r = subprocess.run([analyze, "verify", "--man=no", copy], capture_output=True, text=True)
        # The 'accord' user exists only on a prepared VM; anything else is a defect.
        problems = [l for l in (r.stdout + r.stderr).splitlines() if l.strip() and "accord-hub.service" in l
                    and "user" not in l.lower()]
        check("systemd-analyze verify accord-hub.service", not problems, "\n".join(problems))
    else:
        print("note: systemd-analyze is not installed; structural checks only")
    for key in ("ExecStart", "User", "WorkingDirectory", "StateDirectory"):
        check(f"unit sets {key}=", key in s)
    # Writable under ProtectSystem=strict: StateDirectory, LogsDirectory, CacheDirectory,
    # RuntimeDirectory and ReadWritePaths.
    writable = [os.path.join("/var/lib", d) for v in s.get("StateDirectory", []) for d in v.split()]
    writable += [os.path.join("/var/log", d) for v in s.get("LogsDirectory", []) for d in v.split()]
    writable += [os.path.join("/var/cache", d) for v in s.get("CacheDirectory", []) for d in v.split()]
    writable += [os.path.join("/run", d) for v in s.get("RuntimeDirectory", []) for d in v.split()]
    writable += [p.lstrip("-") for v in s.get("ReadWritePaths", []) for p in v.split()]
    strict = s.get("ProtectSystem", [""])[-1] == "strict"
    cwd = s.get("WorkingDirectory", ["/"])[-1]
    config_path = exec_start[exec_start.index("--config") + 1] if "--config" in exec_start else None
    check("unit passes --config", config_path is not None)
    check("unit: WorkingDirectory is writable", not strict or any(
        cwd == w or cwd.startswith(w + "/") for w in writable), cwd)
    # The unit serves either example config (installed as its --config).
    for name in ("hub.example.yaml", os.path.join("kafka", "hub.kafka.yaml")):
        config = yaml.safe_load(open(os.path.join(deploy, name)))
        written = {"data_dir": config["data_dir"]}
        for k, v in config.get("keys", {}).items():
            written[f"keys.{k}"] = v
        for key, path in written.items():
            full = os.path.normpath(os.path.join(cwd, path))
            ok = not strict or any(full == w or full.startswith(w.rstrip("/") + "/") for w in writable)
            check(f"unit with {name}: {key} ({full}) is writable under ProtectSystem=strict", ok, str(writable))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deploy", required=True)
    ap.add_argument("--accordctl", required=True)
    ap.add_argument("--hub", required=True)
    args = ap.parse_args()
    args.accordctl, args.hub = os.path.abspath(args.accordctl), os.path.abspath(args.hub)
    with tempfile.TemporaryDirectory() as work:
        check_compose(args.deploy, args.accordctl, work)
        check_unit(args.deploy, args.hub, work)
    failed = results.count(False)
    print(f"{results.count(True)} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
