"""Helpers shared by the DNS64 integration tests (test_dns64_*.py): NSD as
the authoritative upstream, gate64-dns64 started on a configuration file,
dig and its output parsed.  Loopback only; every process started is stopped
by the fixture that started it (conftest.py)."""
import os
import re
import shutil
import signal
import socket
import subprocess
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("GATE64_DNS64_BIN",
                     os.path.join(ROOT, "build", "gate64-dns64"))
NSD = shutil.which("nsd") or "/usr/sbin/nsd"
DIG = shutil.which("dig") or "/usr/bin/dig"


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            t.close()
            u.close()
    raise RuntimeError("no free port")


def dig(port, name, qtype="A", *extra, server="127.0.0.1"):
    """dig's answer as {status, flags, sections {name: [rr fields]}, raw}."""
    cmd = [DIG, "@" + server, "-p", str(port), name, qtype, "+tries=1",
           "+time=3", "+nocookie", "+nostats", "+nocmd"] + list(extra)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout
    status = re.search(r"status: (\w+)", out)
    flags = re.search(r";; flags: ([a-z ]*);", out)
    sections = {}
    cur = None
    for line in out.splitlines():
        m = re.match(r";; (\w+) SECTION:", line)
        if m:
            cur = m.group(1)
            sections[cur] = []
            continue
        if cur and line and not line.startswith(";"):
            sections[cur].append(line.split())
        elif not line:
            cur = None
    return {
        "status": status.group(1) if status else None,
        "flags": set(flags.group(1).split()) if flags else set(),
        "sections": sections,
        "raw": out,
    }


def norm(sections, keep=("ANSWER", "AUTHORITY", "ADDITIONAL")):
    """Records without TTL, sorted, per section (OPT pseudo-section aside)."""
    return {s: sorted((r[0].lower(), r[2], r[3], " ".join(r[4:]))
                      for r in sections.get(s, []))
            for s in keep}


def wait_answer(port, name, deadline=10.0):
    end = time.time() + deadline
    while time.time() < end:
        r = dig(port, name)
        if r["status"]:
            return r
        time.sleep(0.1)
    raise RuntimeError("no answer on port %d" % port)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


NSD_CONF = """server:
    ip-address: 127.0.0.1@%(port)d
    port: %(port)d
    username: ""
    chroot: ""
    zonesdir: "%(d)s"
    database: ""
    zonelistfile: "%(d)s/zone.list"
    xfrdfile: "%(d)s/xfrd.state"
    xfrdir: "%(d)s"
    pidfile: "%(d)s/nsd.pid"
    logfile: "%(d)s/nsd.log"
    server-count: 1
    hide-version: yes
    verbosity: 1
remote-control:
    control-enable: no
"""


def start_nsd(d, zones):
    """NSD on 127.0.0.1 serving zones {name: zone file path} from dir d;
    returns (process, port)."""
    port = free_port()
    conf = NSD_CONF % {"port": port, "d": d}
    for name, path in zones.items():
        conf += 'zone:\n    name: %s\n    zonefile: "%s"\n' % (name, path)
    (d / "nsd.conf").write_text(conf)
    proc = subprocess.Popen([NSD, "-d", "-c", str(d / "nsd.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc, port


def write_conf(d, port, upstream, extra="", name="gate64.conf"):
    conf = d / name
    conf.write_text("""; gate64 test configuration
[dns64]
listen = 127.0.0.1:%d
upstream = %s
threads = 2
allow = 127.0.0.1/32
timeout-ms = 300
retries = 1
%s""" % (port, upstream, extra))
    return conf
