"""Several gateways sharing the load: the issue "beyond one machine".

Two gate64d (dpdk mode, net_af_packet on veths) behind an ECMP route, each
with its own pool4 slice, in network namespaces (all named mn-*-SUFFIX):

  client   2001:db8:1::2, IPv6 only
     |
  r6       2001:db8:1::1; one ECMP route for 64:ff9b::/96 (5-tuple hash)
     +------------------------------------+
     |                                    |
  gwa      gate64d A                   gwb      gate64d B
           port6 2001:db8:a::2                  port6 2001:db8:b::2
           pool4 198.51.100.1                   pool4 198.51.100.2
           port4 192.0.2.2/30                   port4 192.0.2.6/30
     |                                    |
     +------------------------------------+
  r4       198.51.100.1/32 via A, 198.51.100.2/32 via B; 203.0.113.1/24
     |
  server   203.0.113.10, IPv4 only: HTTP, TCP echo, UDP echo

- r6 routes pool6 (64:ff9b::/96) over both gateways with one ECMP route
  that hashes each packet's 5-tuple (addresses, protocol, ports; see
  HASH_POLICY): what the BGP daemon of docs/multi-node.md installs when
  both gateways announce pool6.
- r4 routes each pool4 slice (a /32 here) to the node that owns it: what
  each gateway's own announcement of its slice does.  The answer of a
  flow therefore always comes back to the node that holds its state, and
  the two gate64d share nothing.

What is checked:

- many TCP flows (HTTP requests, one connection each) all succeed, and
  both nodes carry some: the server sees both pool4 addresses, each
  node's `gate64ctl session list` holds some of the client's ports;
- the return traffic reaches the node that holds the state: UDP
  exchanges from distinct ports all get their answer; every client port
  is held by exactly one node, each node's sessions use its own pool4
  address only, and the address the server saw for a port is the pool4
  address of the node that holds it; no node counts inbound packets
  without state (nat64-no-mapping, nat64-tcp-no-session);
- node B stopped (SIGTERM, exit 0) and removed from the ECMP route (what
  BGP does when B's announcement is withdrawn): long-lived TCP
  connections through A, opened before and exchanging data every 100 ms,
  go on without an error or a stall; the connections B held are lost
  (their clients would reconnect); every new flow goes through A;
- node B started again joins a resilient next-hop group (Linux nexthop
  objects, the kind of ECMP that moves only idle buckets): A's running
  connections go on, new flows spread over both nodes again.

The BGP daemons themselves (BIRD, FRR) are not installed by
scripts/deps.sh and not run here: their configuration is documentation
(docs/multi-node.md, which says how it was checked by hand); this test
checks the forwarding behaviour that configuration produces, with the
routes installed by `ip route`.

The namespaces, processes and EAL runtime directories are removed at the
end, also when a test fails.  Hugepages: none ([dpdk] memory = no-huge,
as lab.gate64_conf() does).
"""
import atexit
import collections
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref

import pytest

import lab as L

GATE64D = os.path.join(L.ROOT, "build", "gate64d")
GATE64CTL = os.path.join(L.ROOT, "build", "gate64ctl")

POOL6 = "64:ff9b::/96"
CLIENT6 = "2001:db8:1::2"
R6_CLIENT = "2001:db8:1::1"
SERVER4 = "203.0.113.10"
R4_SERVER = "203.0.113.1"
SERVER6 = L.nat64(SERVER4, POOL6)  # what the client dials

# The two nodes: the same pool6, their own pool4 slice, their own links.
NODES = {
    "a": {"pool4": "198.51.100.1", "port6": "2001:db8:a::2",
          "r6": "2001:db8:a::1", "port4": "192.0.2.2", "r4": "192.0.2.1",
          "lcores": "0,1"},
    "b": {"pool4": "198.51.100.2", "port6": "2001:db8:b::2",
          "r6": "2001:db8:b::1", "port4": "192.0.2.6", "r4": "192.0.2.5",
          "lcores": "1,0"},  # the two workers poll different CPUs
}

# r6's ECMP hash: policy 3 (custom) with the fields source and destination
# address, next header, source and destination port (0x37): the 5-tuple
# of the packet's headers, nothing else.  Not the default policy 0: it
# hashes the flow label too, which a Linux client changes at every
# retransmission timeout (RFC 6437 allows it), so a flow that had to
# retransmit moved to the other node and died there (nat64-tcp-no-session).
# Not policy 1 in this lab either: for a forwarded packet that already
# carries an L4 hash it uses that hash as it is, and on veth pairs the
# packet still carries the hash the client's socket gave it, which the
# client changes at the same moments (a router fed by a NIC gets the NIC's
# header hash instead).  Both were measured in this lab; docs/multi-node.md
# says the same for operators.
HASH_POLICY = 3
HASH_FIELDS = "0x37"

HTTP_PORT = 8080
TCP_ECHO_PORT = 7000
UDP_ECHO_PORT = 7007
PAGE = "gate64 multi-node lab: IPv4-only server\n"

# --- programs run inside the namespaces --------------------------------------

# A line-echo TCP server (server namespace), one thread per connection.
TCP_ECHO = r"""
import socket, socketserver, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        print("from %s:%d" % self.client_address[:2], flush=True)
        for line in self.rfile:
            self.wfile.write(line)
class S(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
S((sys.argv[1], int(sys.argv[2])), H).serve_forever()
"""

# A UDP echo server (server namespace): answers with the source it saw.
UDP_ECHO = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    data, peer = s.recvfrom(4096)
    s.sendto(b"%s:%d " % (peer[0].encode(), peer[1]) + data, peer)
"""

# N HTTP/1.0 requests, each on its own connection (so from its own source
# port), 8 at a time: one JSON line
# [{"port": client port, "ok": bool, "error": text}, ...].
HTTP_CLIENTS = r"""
import json, socket, sys
from concurrent.futures import ThreadPoolExecutor
dst, port, n, page = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4]
def one(i):
    out = {"port": None, "ok": False, "error": None}
    try:
        s = socket.create_connection((dst, port), timeout=5)
        out["port"] = s.getsockname()[1]
        s.sendall(b"GET / HTTP/1.0\r\nHost: server\r\n\r\n")
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        out["ok"] = head.startswith(b"HTTP/1.0 200") and \
            body.decode() == page
        if not out["ok"]:
            out["error"] = "answer %r" % data[:200]
    except OSError as e:
        out["error"] = repr(e)
    return out
with ThreadPoolExecutor(8) as ex:
    print(json.dumps(list(ex.map(one, range(n)))))
"""

# N UDP exchanges from N sockets (N source ports): one JSON line
# [{"port": client port, "seen": "IPV4:PORT" the server saw, or None}].
UDP_CLIENTS = r"""
import json, select, socket, sys, time
dst, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::", 0))
    socks.append(s)
seen = {}
for attempt in range(3):  # a lost first datagram (ND, ARP) is resent
    for s in socks:
        if s not in seen:
            s.sendto(b"x%d" % s.getsockname()[1], (dst, port))
    end = time.monotonic() + 2
    while len(seen) < n and time.monotonic() < end:
        r, _, _ = select.select([s for s in socks if s not in seen], [], [],
                                max(0, end - time.monotonic()))
        for s in r:
            data, _ = s.recvfrom(4096)
            seen[s] = data.decode().split()[0]
    if len(seen) == n:
        break
print(json.dumps([{"port": s.getsockname()[1], "seen": seen.get(s)}
                  for s in socks]))
"""

# N long-lived TCP connections to the echo server; each sends a numbered
# line every 100 ms (when its previous line came back) until the file
# argv[5] exists.  A connection whose line is not back within 2 s, or that
# fails, is given up.  It prints {"ready": [ports]} once all are open, and
# at the end {"conns": [{"port", "sent", "echoed", "max_rtt", "max_gap",
# "last_echo", "failed_at", "error"}]} (times: time.time()).
LONG_FLOWS = r"""
import json, os, select, socket, sys, time
dst, port, n, stop_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4]
conns = []
for i in range(n):
    s = socket.create_connection((dst, port), timeout=5)
    s.setblocking(False)
    conns.append({"sock": s, "port": s.getsockname()[1], "sent": 0,
                  "echoed": 0, "max_rtt": 0.0, "max_gap": 0.0,
                  "last_echo": time.time(), "failed_at": None,
                  "error": None, "out_at": None, "next": 0.0, "buf": b""})
for c in conns:
    c["last_echo"] = time.time()
print(json.dumps({"ready": [c["port"] for c in conns]}), flush=True)
def fail(c, why):
    c["failed_at"] = time.time()
    c["error"] = why
    c["sock"].close()
while not os.path.exists(stop_file):
    now = time.time()
    live = [c for c in conns if c["failed_at"] is None]
    for c in live:
        if c["out_at"] is None and now >= c["next"]:
            try:
                c["sock"].send(b"%d\n" % c["sent"])
            except OSError as e:
                fail(c, repr(e))
                continue
            c["sent"] += 1
            c["out_at"] = now
        elif c["out_at"] is not None and now - c["out_at"] > 2.0:
            fail(c, "no echo in 2 s")
    live = [c for c in conns if c["failed_at"] is None]
    r, _, _ = select.select([c["sock"] for c in live], [], [], 0.02)
    now = time.time()
    for c in live:
        if c["sock"] not in r:
            continue
        try:
            data = c["sock"].recv(4096)
        except OSError as e:
            fail(c, repr(e))
            continue
        if not data:
            fail(c, "closed by the peer")
            continue
        c["buf"] += data
        while b"\n" in c["buf"] and c["out_at"] is not None:
            line, c["buf"] = c["buf"].split(b"\n", 1)
            if int(line) != c["sent"] - 1:
                fail(c, "echo %r for line %d" % (line, c["sent"] - 1))
                break
            c["echoed"] += 1
            c["max_rtt"] = max(c["max_rtt"], now - c["out_at"])
            c["max_gap"] = max(c["max_gap"], now - c["last_echo"])
            c["last_echo"] = now
            c["out_at"] = None
            c["next"] = now + 0.1
keep = ("port", "sent", "echoed", "max_rtt", "max_gap", "last_echo",
        "failed_at", "error")
print(json.dumps({"conns": [{k: c[k] for k in keep} for c in conns]}),
      flush=True)
"""


# --- the lab -----------------------------------------------------------------

def netns_names():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True,
                         text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def _close_ref(ref):
    lab = ref()
    if lab is not None:
        lab.close()


class MultiLab(L.Lab):
    """The topology of the module docstring.  It reuses lab.Lab's process
    and namespace handling (run, popen, sysctl, start_http, close) with
    its own namespaces: roles client, r6, gwa, gwb, r4, server."""

    def __init__(self):
        if os.geteuid() != 0:
            raise L.LabError("the lab needs root (ip netns)")
        for tool in ("ip", "ethtool", "ss"):
            if not shutil.which(tool):
                raise L.LabError("%s missing" % tool)
        self.mode = "gate64"
        self.pool6 = POOL6
        self.suffix = secrets.token_hex(3)
        s = self.suffix
        roles = ("client", "r6", "gwa", "gwb", "r4", "server")
        self.ns = {r: "mn-%s-%s" % (r, s) for r in roles}
        self.ifname = {
            "client": "c6-" + s, "r6c": "r6c-" + s,
            "r6a": "r6a-" + s, "ga6": "ga6-" + s,
            "r6b": "r6b-" + s, "gb6": "gb6-" + s,
            "ga4": "ga4-" + s, "r4a": "r4a-" + s,
            "gb4": "gb4-" + s, "r4b": "r4b-" + s,
            "r4s": "r4s-" + s, "server": "s4-" + s}
        self.file_prefixes = {n: "mn-%s-%s" % (n, s) for n in NODES}
        self.file_prefix = self.file_prefixes["a"]  # Lab.close() removes it
        self.tmpdir = tempfile.mkdtemp(prefix="mn-lab-%s-" % s)
        self.procs = []
        self._made_ns = []
        self._closed = False
        atexit.register(_close_ref, weakref.ref(self))
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def _build(self):
        ifn = self.ifname
        self._add_namespaces()
        links = [("client", "client", "r6", "r6c"),
                 ("r6", "r6a", "gwa", "ga6"), ("r6", "r6b", "gwb", "gb6"),
                 ("gwa", "ga4", "r4", "r4a"), ("gwb", "gb4", "r4", "r4b"),
                 ("r4", "r4s", "server", "server")]
        for ns_a, if_a, ns_b, if_b in links:
            self._veth(ns_a, ifn[if_a], ns_b, ifn[if_b], 1500)
            # af_packet needs real checksums and real frames (lab.py)
            for ns, i in ((ns_a, if_a), (ns_b, if_b)):
                self._offloads_off(ns, ifn[i])

        # client: IPv6 only, pool6 via r6
        c = ifn["client"]
        self._ip("client", "addr", "add", CLIENT6 + "/64", "dev", c, "nodad")
        self._ip("client", "link", "set", c, "up")
        self._ip("client", "-6", "route", "add", POOL6, "via", R6_CLIENT,
                 "dev", c)

        # r6: the IPv6 router with the ECMP route, hashing on L4 ports
        # the 5-tuple and nothing else (HASH_POLICY, HASH_FIELDS: why)
        self.sysctl("r6", **{"net.ipv6.conf.all.forwarding": 1,
                             "net.ipv6.fib_multipath_hash_policy":
                             HASH_POLICY,
                             "net.ipv6.fib_multipath_hash_fields":
                             HASH_FIELDS})
        self._ip("r6", "addr", "add", R6_CLIENT + "/64", "dev", ifn["r6c"],
                 "nodad")
        for n in NODES:
            self._ip("r6", "addr", "add", NODES[n]["r6"] + "/64", "dev",
                     ifn["r6" + n], "nodad")
        for i in ("r6c", "r6a", "r6b"):
            self._ip("r6", "link", "set", ifn[i], "up")
        self.set_pool6_route(["a", "b"])

        # the gateways: their ports belong to gate64d (lab.py's gate64 mode)
        for n in NODES:
            ns, p6, p4 = "gw" + n, ifn["g%s6" % n], ifn["g%s4" % n]
            self.sysctl(ns, **{"net.ipv4.ip_forward": 0,
                               "net.ipv6.conf.all.forwarding": 0,
                               "net.ipv6.conf.%s.disable_ipv6" % p6: 1,
                               "net.ipv6.conf.%s.disable_ipv6" % p4: 1,
                               "net.ipv4.conf.%s.arp_ignore" % p4: 8})
            self._ip(ns, "link", "set", p6, "up")
            self._ip(ns, "link", "set", p4, "up")

        # r4: the IPv4 router; each pool4 slice routed to its own node
        self.sysctl("r4", **{"net.ipv4.ip_forward": 1,
                             "net.ipv6.conf.all.disable_ipv6": 1,
                             "net.ipv6.conf.default.disable_ipv6": 1})
        for n in NODES:
            self._ip("r4", "addr", "add", NODES[n]["r4"] + "/30", "dev",
                     ifn["r4" + n])
            self._ip("r4", "link", "set", ifn["r4" + n], "up")
            self._ip("r4", "route", "add", NODES[n]["pool4"] + "/32", "via",
                     NODES[n]["port4"], "dev", ifn["r4" + n])
        self._ip("r4", "addr", "add", R4_SERVER + "/24", "dev", ifn["r4s"])
        self._ip("r4", "link", "set", ifn["r4s"], "up")

        # server: IPv4 only
        sv = ifn["server"]
        self.sysctl("server", **{"net.ipv6.conf.all.disable_ipv6": 1,
                                 "net.ipv6.conf.default.disable_ipv6": 1})
        self._ip("server", "addr", "add", SERVER4 + "/24", "dev", sv)
        self._ip("server", "link", "set", sv, "up")
        self._ip("server", "route", "add", "default", "via", R4_SERVER,
                 "dev", sv)

    def set_pool6_route(self, nodes):
        """r6's route to pool6: one next hop per node in nodes (ECMP when
        there are several); what BGP installs from the nodes'
        announcements."""
        args = []
        for n in nodes:
            args += ["nexthop", "via", NODES[n]["port6"], "dev",
                     self.ifname["r6" + n]]
        self._ip("r6", "-6", "route", "replace", POOL6, *args)

    def set_pool6_group(self, nodes, buckets=32, idle=1):
        """r6's route to pool6 through a resilient next-hop group (Linux
        nexthop objects: 1 is A, 2 is B; group 10) of the nodes in nodes:
        replacing the group's members moves only buckets that have been
        idle for `idle` seconds (unbalanced_timer 0: never a busy one)."""
        ids = []
        for i, n in enumerate(NODES, 1):
            self._ip("r6", "nexthop", "replace", "id", i, "via",
                     NODES[n]["port6"], "dev", self.ifname["r6" + n])
            if n in nodes:
                ids.append(str(i))
        self._ip("r6", "nexthop", "replace", "id", 10, "group",
                 "/".join(ids), "type", "resilient", "buckets", buckets,
                 "idle_timer", idle, "unbalanced_timer", 0)
        self._ip("r6", "-6", "route", "replace", POOL6, "nhid", 10)

    def pool6_route(self):
        return self._ip("r6", "-6", "route", "show", POOL6)

    def socket_path(self, n):
        return os.path.join(self.tmpdir, "gate64-%s.sock" % n)

    def conf_text(self, n):
        node = NODES[n]
        return "\n".join([
            "[gate64]", "mode = dpdk",
            "control-socket = %s" % self.socket_path(n),
            "[translator]", "type = nat64", "pool6 = %s" % POOL6,
            "[pool4]", "address = %s" % node["pool4"],
            "[nat64]", "max-bib = 4096", "max-sessions = 4096",
            "max-subscribers = 1024",
            "[port6]",
            "device = net_af_packet0,iface=%s" % self.ifname["g%s6" % n],
            "mtu = 1500", "address = %s/64" % node["port6"],
            "gateway = %s" % node["r6"],
            "[port4]",
            "device = net_af_packet1,iface=%s" % self.ifname["g%s4" % n],
            "mtu = 1500", "address = %s/30" % node["port4"],
            "gateway = %s" % node["r4"],
            "[dpdk]", "lcores = %s" % node["lcores"], "memory = no-huge",
            "file-prefix = %s" % self.file_prefixes[n], ""])

    def start_node(self, n, timeout=30):
        """gate64d of node n in its namespace; returns once it is ready."""
        conf = os.path.join(self.tmpdir, "gate64d-%s.conf" % n)
        with open(conf, "w") as f:
            f.write(self.conf_text(n))
        proc = self.popen("gw" + n, [GATE64D, "-c", conf],
                          log="gate64d-%s.log" % n)

        def ready():
            if proc.poll() is not None:
                raise L.LabError("gate64d %s exited %s: %s"
                                 % (n, proc.returncode, self.log_text(proc)))
            return "gate64d: ready" in self.log_text(proc)
        L.wait_for(ready, timeout, what="gate64d %s: ready" % n)
        return proc

    def runtime_dirs(self):
        """The EAL runtime directories of the two file prefixes that exist
        (/var/run is usually /run)."""
        return sorted({os.path.realpath(os.path.join(d, p))
                       for p in self.file_prefixes.values()
                       for d in ("/run/dpdk", "/var/run/dpdk")
                       if os.path.exists(os.path.join(d, p))})

    def close(self):
        try:
            super().close()
        finally:
            for p in self.file_prefixes.values():
                for d in ("/run/dpdk", "/var/run/dpdk"):
                    shutil.rmtree(os.path.join(d, p), ignore_errors=True)


class Node:
    """One running gate64d of the lab."""

    def __init__(self, lab, name, proc):
        self.lab, self.name, self.proc = lab, name, proc
        self.pool4 = NODES[name]["pool4"]

    def log(self):
        return L.Lab.log_text(self.proc)

    def ctl(self, *args):
        r = subprocess.run([GATE64CTL, "-s", self.lab.socket_path(self.name)]
                           + list(args), capture_output=True, text=True,
                           timeout=15)
        assert r.returncode == 0, "gate64ctl %s on node %s: %s%s" % (
            " ".join(args), self.name, r.stdout, r.stderr)
        return r.stdout

    def sessions(self, proto):
        """The node's sessions of proto with the client: a list of
        (client port, pool4 address, pool4 port, remote)."""
        out = []
        for line in self.ctl("session", "list", "--proto", proto,
                             "--src", CLIENT6).splitlines():
            f = line.split()
            if len(f) < 4 or f[0] != proto:
                continue
            src, pool4, remote = f[1], f[2], f[3]
            m6 = re.fullmatch(r"\[?([0-9a-f:]+)\]?[#:.](\d+)", src)
            m4 = re.fullmatch(r"([0-9.]+)[#:](\d+)", pool4)
            assert m6 and m4, "unexpected session line: %r" % line
            out.append((int(m6.group(2)), m4.group(1), int(m4.group(2)),
                        remote))
        return out

    def stats(self):
        """gate64ctl stats as {name: value}."""
        out = {}
        for line in self.ctl("stats").splitlines():
            m = re.match(r"\s*([a-z][a-z0-9_-]*)\s+(\d+)", line)
            if m:
                out[m.group(1)] = int(m.group(2))
        return out

    def diag(self):
        try:
            stats = self.ctl("stats")
        except AssertionError as e:
            stats = str(e)
        return "--- node %s (pool4 %s) stats ---\n%s" % (self.name,
                                                        self.pool4, stats)


def diag(mn, what):
    """For assertion messages: what went wrong, r6's route, both nodes'
    counters."""
    text = "%s\n--- r6: %s" % (what, mn.lab.pool6_route())
    for node in mn.nodes.values():
        if node.proc.poll() is None:
            text += "\n" + node.diag()
    return text


# --- fixtures ----------------------------------------------------------------

@pytest.fixture(scope="module")
def mn():
    """The lab, both gate64d running, the servers; everything removed at
    the end (and checked gone), also when a test fails."""
    if os.geteuid() != 0:
        pytest.fail("the multi-node lab needs root (ip netns, af_packet)")
    for f in (GATE64D, GATE64CTL):
        if not os.path.exists(f):
            pytest.fail("%s missing: run make" % f)
    if not shutil.which("curl"):
        pytest.fail("curl missing")
    lab = MultiLab()
    try:
        state = type("MN", (), {})()
        state.lab = lab
        # both start at once: their EAL and table set-up overlap
        procs = {}
        threads = [threading.Thread(
            target=lambda n=n: procs.__setitem__(n, lab.start_node(n)))
            for n in NODES]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if set(procs) != set(NODES):
            raise L.LabError("a gate64d did not start:\n%s" % "\n".join(
                L.Lab.log_text(p) for p in lab.procs))
        state.nodes = {n: Node(lab, n, procs[n]) for n in NODES}
        state.http = lab.start_http("server", SERVER4, HTTP_PORT, PAGE)
        state.tcp_echo = lab.popen("server", [L.PYTHON, "-u", "-c", TCP_ECHO,
                                              SERVER4, str(TCP_ECHO_PORT)],
                                   log="tcp-echo.log")
        state.udp_echo = lab.popen("server", [L.PYTHON, "-u", "-c", UDP_ECHO,
                                              SERVER4, str(UDP_ECHO_PORT)],
                                   log="udp-echo.log")
        L.wait_for(lambda: lab.listening("server", TCP_ECHO_PORT) and
                   lab.listening("server", UDP_ECHO_PORT, "udp"), 10,
                   what="the echo servers")
        yield state
    finally:
        lab.close()
        left = set(lab.ns.values()) & netns_names()
        assert not left, "namespaces left behind: %s" % left
        assert not lab.runtime_dirs(), lab.runtime_dirs()
        for p in lab.procs:
            assert p.poll() is not None, "pid %d still running" % p.pid


def http_flows(mn, n):
    """n HTTP requests from the client, one connection each; the list of
    per-connection results (every one must have succeeded)."""
    r = mn.lab.run("client", [L.PYTHON, "-c", HTTP_CLIENTS, SERVER6,
                              str(HTTP_PORT), str(n), PAGE], timeout=60)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    bad = [g for g in got if not g["ok"]]
    assert not bad, diag(mn, "%d of %d HTTP requests failed: %s"
                         % (len(bad), n, bad[:5]))
    return got


def server_saw(proc, pattern):
    """The addresses in a server's log lines "from ADDR:PORT" (the TCP
    echo) or in http.server's access log ("ADDR - - ...")."""
    return collections.Counter(re.findall(pattern, L.Lab.log_text(proc),
                                          re.M))


def owners(mn, proto, port):
    """{client port: (node name, pool4 address, pool4 port)} of the
    client's sessions with the server's port, from both nodes' session
    lists; a client port held by both nodes fails.  (One client port may
    serve connections to two server ports: the key is the whole flow.)"""
    out = {}
    for name, node in mn.nodes.items():
        if node.proc.poll() is not None:
            continue
        for cport, pool4, pport, remote in node.sessions(proto):
            if remote != "%s:%d" % (SERVER4, port):
                continue
            assert cport not in out, diag(
                mn, "client port %d/%s to port %d held by nodes %s and %s"
                % (cport, proto, port, out[cport][0], name))
            out[cport] = (name, pool4, pport)
    return out


def start_long_flows(mn, n, name):
    """n long-lived connections from the client to the TCP echo server
    (LONG_FLOWS); returns (process, stop file, their client ports) once
    all are open."""
    lab = mn.lab
    stop_file = os.path.join(lab.tmpdir, name + ".stop")
    proc = lab.popen("client", [L.PYTHON, "-u", "-c", LONG_FLOWS, SERVER6,
                                str(TCP_ECHO_PORT), str(n), stop_file],
                     log=name + ".log")

    def ready():
        if proc.poll() is not None:
            raise L.LabError("long flows exited: %s" % lab.log_text(proc))
        for line in lab.log_text(proc).splitlines():
            if line.startswith('{"ready"'):
                return json.loads(line)["ready"]
        return None
    ports = L.wait_for(ready, 30, what="%d long-lived connections" % n)
    return proc, stop_file, ports


def stop_long_flows(mn, proc, stop_file):
    """Stop them; {client port: its record (LONG_FLOWS)}."""
    with open(stop_file, "w"):
        pass
    proc.wait(15)
    for line in mn.lab.log_text(proc).splitlines():
        if line.startswith('{"conns"'):
            return {c["port"]: c for c in json.loads(line)["conns"]}
    raise AssertionError("long flows printed no result: %s"
                         % mn.lab.log_text(proc))


def assert_went_on(mn, c, since, why):
    """Connection record c had no error, no stall of 1 s or more, and was
    still echoing at time `since` - 1 s."""
    assert c["failed_at"] is None, diag(
        mn, "connection %d through A failed %s: %s" % (c["port"], why, c))
    assert c["last_echo"] > since - 1.0, diag(
        mn, "connection %d through A stalled %s: %s" % (c["port"], why, c))
    assert c["max_gap"] < 1.0, diag(
        mn, "connection %d through A: a %.2f s gap %s"
        % (c["port"], c["max_gap"], why))


# --- the tests ---------------------------------------------------------------

def test_ecmp_route_and_both_nodes_ready(mn):
    """r6 has one pool6 route with a next hop per node, hashing on the
    5-tuple (policy 3, fields 0x37); both gate64d run, each with its own EAL
    file prefix and control socket, and say so in status."""
    route = mn.lab.pool6_route()
    for n in NODES:
        assert "via %s" % NODES[n]["port6"] in route, route
    r = mn.lab.run("r6", ["sysctl", "-n",
                          "net.ipv6.fib_multipath_hash_policy",
                          "net.ipv6.fib_multipath_hash_fields"])
    assert r.stdout.split() == [str(HASH_POLICY), str(int(HASH_FIELDS, 16))], \
        r.stdout
    assert len(set(mn.lab.file_prefixes.values())) == 2
    assert len(mn.lab.runtime_dirs()) == 2, mn.lab.runtime_dirs()
    for node in mn.nodes.values():
        status = node.ctl("status")
        assert "nat64" in status and POOL6.split("/")[0] in status, status


def test_tcp_flows_spread_over_both_nodes(mn):
    """40 HTTP requests from the IPv6-only client to the IPv4-only server,
    each on its own connection: all succeed; the server saw both pool4
    addresses, and each node's session list holds some of the client's
    ports (ECMP spread the flows over both nodes)."""
    got = http_flows(mn, 40)
    ports = {g["port"] for g in got}
    seen = server_saw(mn.http, r"^(\S+) - - ")
    for node in mn.nodes.values():
        assert seen[node.pool4] > 0, diag(
            mn, "the server saw no request from %s (node %s): %s"
            % (node.pool4, node.name, dict(seen)))
    assert set(seen) <= {n["pool4"] for n in NODES.values()}, seen
    own = owners(mn, "tcp", HTTP_PORT)
    per_node = collections.Counter(own[p][0] for p in ports if p in own)
    missing = ports - set(own)
    assert not missing, diag(mn, "client ports with no session on any "
                             "node: %s" % sorted(missing))
    assert per_node["a"] > 0 and per_node["b"] > 0, diag(
        mn, "flows per node: %s" % dict(per_node))
    print("TCP flows per node: %s; server saw %s" % (dict(per_node),
                                                     dict(seen)))


def test_return_traffic_reaches_the_state_holder(mn):
    """Each node owns its pool4 slice and r4 routes the slice back to it,
    so every answer reaches the node that holds the flow's state, with no
    state shared: 40 UDP exchanges from 40 source ports all get their
    answer; each client port is held by exactly one node, every session
    of a node uses its own pool4 address, and the server saw, for each
    flow, the pool4 address and port of the node that holds it.  Neither
    node counts inbound packets without state."""
    r = mn.lab.run("client", [L.PYTHON, "-c", UDP_CLIENTS, SERVER6,
                              str(UDP_ECHO_PORT), "40"], timeout=60)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    lost = [g["port"] for g in got if g["seen"] is None]
    assert not lost, diag(mn, "UDP from client ports %s: no answer" % lost)
    own = owners(mn, "udp", UDP_ECHO_PORT)
    per_node = collections.Counter()
    for g in got:
        assert g["port"] in own, diag(mn, "client port %d/udp: no session "
                                      "on any node" % g["port"])
        name, pool4, pport = own[g["port"]]
        assert g["seen"] == "%s:%d" % (pool4, pport), diag(
            mn, "client port %d: the server saw %s, node %s holds %s:%d"
            % (g["port"], g["seen"], name, pool4, pport))
        per_node[name] += 1
    assert per_node["a"] > 0 and per_node["b"] > 0, diag(
        mn, "UDP flows per node: %s" % dict(per_node))
    for node in mn.nodes.values():
        for proto in ("tcp", "udp"):
            used = {s[1] for s in node.sessions(proto)}
            assert used <= {node.pool4}, diag(
                mn, "node %s (pool4 %s) has %s sessions on %s"
                % (node.name, node.pool4, proto, used))
        st = node.stats()
        for bad in ("nat64-no-mapping", "nat64-tcp-no-session"):
            assert st.get(bad, 0) == 0, diag(
                mn, "node %s counted %s: inbound traffic without state"
                % (node.name, bad))
    print("UDP flows per node: %s" % dict(per_node))


def test_stopping_one_node_leaves_the_others_flows(mn):
    """16 long-lived TCP connections (a line every 100 ms, echoed) are
    spread over both nodes.  Node B is stopped (SIGTERM: exit 0) and
    removed from the ECMP route, as BGP does when B's announcement of
    pool6 is withdrawn.  Every connection through A goes on for seconds
    after, without an error and without a stall; the connections B held
    are lost (their clients reconnect); 20 new HTTP requests all succeed,
    every one through A (only A's pool4 at the server, sessions on A)."""
    lab = mn.lab
    a, b = mn.nodes["a"], mn.nodes["b"]
    flows, stop_file, ports = start_long_flows(mn, 16, "long-flows")
    own = owners(mn, "tcp", TCP_ECHO_PORT)
    on = {n: [p for p in ports if own.get(p, (None,))[0] == n]
          for n in NODES}
    assert len(on["a"]) + len(on["b"]) == len(ports), diag(
        mn, "long flows without a session: %s"
        % [p for p in ports if p not in own])
    assert on["a"] and on["b"], diag(mn, "long flows per node: %s" % on)
    time.sleep(1.0)  # some exchanges through both nodes first

    # B goes away: gate64d stops, then its route is withdrawn
    t_stop = time.time()
    os.kill(b.proc.pid, signal.SIGTERM)
    rc = b.proc.wait(15)
    assert rc == 0, "gate64d b exited %s:\n%s" % (rc, b.log())
    lab.set_pool6_route(["a"])
    assert "via %s" % NODES["b"]["port6"] not in lab.pool6_route()
    time.sleep(3.0)  # A's flows go on meanwhile; B's run out of time

    seen_before = server_saw(mn.http, r"^(\S+) - - ")
    new = http_flows(mn, 20)
    seen_new = server_saw(mn.http, r"^(\S+) - - ") - seen_before
    assert seen_new == collections.Counter({a.pool4: 20}), diag(
        mn, "after B stopped, the server saw new requests from %s"
        % dict(seen_new))
    time.sleep(0.5)
    t_end = time.time()
    result = stop_long_flows(mn, flows, stop_file)
    for p in on["a"]:
        assert_went_on(mn, result[p], t_end, "after B stopped")
        assert result[p]["echoed"] >= 30, result[p]
    for p in on["b"]:
        c = result[p]
        assert c["failed_at"] is not None and c["failed_at"] > t_stop, \
            "connection %d held by the stopped node B still works: %s" % (
                p, c)

    # new flows: all through A
    ports_new = {g["port"] for g in new}
    own = owners(mn, "tcp", HTTP_PORT)  # A only now
    assert ports_new <= set(own), diag(
        mn, "new flows without a session on A: %s"
        % sorted(ports_new - set(own)))
    assert {own[p][1] for p in ports_new} == {a.pool4}
    print("long flows: %d through A kept going, %d through B lost; 20 new "
          "flows through A" % (len(on["a"]), len(on["b"])))
    assert a.proc.poll() is None, a.log()


def test_rejoin_with_resilient_hashing(mn):
    """Node B comes back.  With the plain multipath route of the tests
    above (hash-threshold), re-adding B's next hop gives B half of the
    hash space at once, and the flows A took over in that half break.  A
    resilient next-hop group moves only buckets that have been idle:
    r6's route becomes a resilient group of A alone, 8 long-lived
    connections run through A, B's gate64d starts again (a new process,
    empty tables) and joins the group; A's connections go on without an
    error or a stall, and 40 new HTTP requests spread over both nodes
    again (the idle buckets moved to B)."""
    lab = mn.lab
    a = mn.nodes["a"]
    assert mn.nodes["b"].proc.poll() is not None, \
        "node B should have been stopped by the previous test"
    lab.set_pool6_group(["a"])
    flows, stop_file, ports = start_long_flows(mn, 8, "rejoin-flows")
    own = owners(mn, "tcp", TCP_ECHO_PORT)
    assert all(own.get(p, (None,))[0] == "a" for p in ports), diag(
        mn, "long flows not on A: %s" % {p: own.get(p) for p in ports})
    time.sleep(0.5)

    b = Node(lab, "b", lab.start_node("b"))
    mn.nodes["b"] = b
    lab.set_pool6_group(["a", "b"])
    time.sleep(2.0)  # buckets idle for 1 s move to B
    new = http_flows(mn, 40)
    time.sleep(0.5)
    t_end = time.time()
    result = stop_long_flows(mn, flows, stop_file)
    for p in ports:
        assert_went_on(mn, result[p], t_end, "while B joined again")
    own = owners(mn, "tcp", HTTP_PORT)
    per_node = collections.Counter(own[g["port"]][0] for g in new
                                   if g["port"] in own)
    assert per_node["a"] > 0 and per_node["b"] > 0, diag(
        mn, "new flows per node after B joined again: %s" % dict(per_node))
    print("B joined again: %d long flows through A kept going; new flows "
          "per node %s" % (len(ports), dict(per_node)))
    assert a.proc.poll() is None and b.proc.poll() is None
