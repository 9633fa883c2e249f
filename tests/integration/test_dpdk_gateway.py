"""gate64d in DPDK mode (net_af_packet on the lab's veths) end to end: the
issue "DPDK dataplane and the gate64d daemon".

  client 2001:db8:1::2 -- gate64d (2001:db8:1::1 | 198.51.100.1) -- server
                                 pool6 64:ff9b::/96, pool4 192.0.2.1

What is checked, each test naming its RFC section:

- an IPv6-only client fetches an IPv4-only server's page with curl -6
  through pool6 (RFC 6146, RFC 6052 §2.2) and through an EAM address
  (RFC 7757); a UDP exchange (RFC 6146 §3.5.1); ping through the gateway
  and to its own addresses; an inbound connection to a static BIB entry
  (RFC 6146 §3.5.2);
- hop limit 1 gives the gateway's own ICMPv6 Time Exceeded, and a Time
  Exceeded of an IPv4 router behind it comes back translated (RFC 7915
  §4.2, §5.1, RFC 6146 §3.5.3); a small-MTU IPv4 link gives Packet Too Big
  with MTU + 20 (RFC 7915 §4.2);
- ARP and ND (proxy ND for pool6 and EAM) are answered with the gateway's
  MAC and the right flags (RFC 826, RFC 4861 §7.2.4, §7.2.8);
- SIGTERM stops it cleanly (exit 0, counters, no EAL runtime directory
  left), two instances with their own file prefixes run side by side,
  memory = in-memory works on hugepages, configuration and device errors
  name the key.

Most tests share one lab per class (they do not disturb each other: each
uses its own ports); the others build their own.  Every lab is closed, and
checked gone, even when a test fails.  Frames are built and captured with
scapy inside the lab's namespaces only.
"""
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

import lab as L

GATE64D = os.path.join(L.ROOT, "build", "gate64d")

PAGE = "gate64 dpdk lab: IPv4-only portal\n"
PORTAL_PAGE = "gate64 dpdk lab: the EAM portal 198.51.100.10\n"
CLIENT_PAGE = "gate64 dpdk lab: IPv6 web server behind a static BIB entry\n"

HTTP_PORT = 8080      # the server, at 198.51.100.2
PORTAL_PORT = 8082    # the server's second address 198.51.100.10 (EAM)
STATIC_PORT = 8081    # the client, published as 192.0.2.1:8081
UDP_ECHO_PORT = 7007  # the server's UDP echo

# What every lab of this file adds to lab.gate64_conf(): the static BIB
# entry of the IPv6 client's web server (its port inside tcp-ports).
CONF_EXTRA = {
    "pool4": {"tcp-ports": "1024-65535"},
    "static-bib": {"web": "tcp %s %d %s %d" % (L.CLIENT6, STATIC_PORT,
                                               L.POOL4, STATIC_PORT)},
}

# A UDP echo server (server namespace): answers "echo <ip>:<port> <data>"
# (the source it saw) and logs every source.
UDP_ECHO = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    data, peer = s.recvfrom(4096)
    print("from %s:%d" % peer, flush=True)
    s.sendto(b"echo %s:%d " % (peer[0].encode(), peer[1]) + data, peer)
"""

# One UDP exchange from the client: JSON {"data", "from"} or {"error"}.
UDP_CLIENT = r"""
import json, socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))
try:
    data, peer = s.recvfrom(4096)
    print(json.dumps({"data": data.decode(), "from": list(peer[:2])}))
except socket.timeout:
    print(json.dumps({"error": "no answer in 3 s"}))
"""

# Scapy inside a namespace: exchange() sends frames on an interface and
# returns the frames received there (not sent by us) that match, within a
# timeout; the test's body (below it) prints one JSON line.  Parameters
# arrive as JSON in argv[1] (P).
SCAPY_PRELUDE = r"""
import json, select, sys, time
from scapy.all import (ARP, Ether, ICMPv6DestUnreach, ICMPv6EchoReply,
                       ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig,
                       ICMPv6TimeExceeded, IPerror6, IPv6, Raw, UDP,
                       UDPerror, conf, in6_getnsma, in6_getnsmac, inet_ntop,
                       inet_pton, socket)
conf.verb = 0
P = json.loads(sys.argv[1])

def exchange(iface, frame, match, timeout=3.0):
    me = frame[Ether].src
    s = conf.L2socket(iface=iface)
    try:
        s.send(frame)
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([s], [], [], left)
            if not r:
                return None
            p = s.recv()
            if p is not None and Ether in p and p[Ether].src != me \
                    and match(p):
                return p
    finally:
        s.close()

def nsma(addr):
    return inet_ntop(socket.AF_INET6,
                     in6_getnsma(inet_pton(socket.AF_INET6, addr)))

def icmp6_error(p):
    for t in (ICMPv6TimeExceeded, ICMPv6PacketTooBig, ICMPv6DestUnreach):
        if t in p:
            e = p[t]
            out = {"esrc": p[Ether].src, "src": p[IPv6].src,
                   "dst": p[IPv6].dst, "type": e.type, "code": e.code,
                   "mtu": getattr(e, "mtu", None), "len": len(p[IPv6])}
            if IPerror6 in p:
                out["inner_src"] = p[IPerror6].src
                out["inner_dst"] = p[IPerror6].dst
            if UDPerror in p:
                out["inner_sport"] = p[UDPerror].sport
                out["inner_dport"] = p[UDPerror].dport
            return out
    return None
"""

# Send one UDP datagram from the client (hop limit, size) straight to the
# gateway's MAC and report the first ICMPv6 error that comes back to it.
SCAPY_UDP_ERROR = SCAPY_PRELUDE + r"""
f = (Ether(src=P["mac"], dst=P["gwmac"]) /
     IPv6(src=P["src"], dst=P["dst"], hlim=P["hlim"]) /
     UDP(sport=P["sport"], dport=P["dport"]) / Raw(b"g" * P["size"]))
def match(p):
    return IPv6 in p and p[IPv6].dst == P["src"] and icmp6_error(p) \
        and UDPerror in p and p[UDPerror].sport == P["sport"]
p = exchange(P["iface"], f, match)
print(json.dumps({"sent_len": len(f[IPv6]),
                  "error": icmp6_error(p) if p else None}))
"""

# ARP who-has for each target from the server's interface: the replies.
SCAPY_ARP = SCAPY_PRELUDE + r"""
out = {}
for t in P["targets"]:
    f = (Ether(src=P["mac"], dst="ff:ff:ff:ff:ff:ff") /
         ARP(op=1, hwsrc=P["mac"], psrc=P["src"], pdst=t))
    p = exchange(P["iface"], f, lambda p, t=t: ARP in p and p[ARP].op == 2
                 and p[ARP].psrc == t)
    out[t] = None if p is None else {
        "esrc": p[Ether].src, "edst": p[Ether].dst, "op": p[ARP].op,
        "hwsrc": p[ARP].hwsrc, "psrc": p[ARP].psrc, "hwdst": p[ARP].hwdst,
        "pdst": p[ARP].pdst}
print(json.dumps(out))
"""

# Neighbor Solicitation (to the solicited-node group, with our source
# link-layer option) for each target from the client: the advertisements.
SCAPY_ND = SCAPY_PRELUDE + r"""
out = {}
for t in P["targets"]:
    group = nsma(t)
    f = (Ether(src=P["mac"],
               dst=in6_getnsmac(inet_pton(socket.AF_INET6, group))) /
         IPv6(src=P["src"], dst=group, hlim=255) / ICMPv6ND_NS(tgt=t) /
         ICMPv6NDOptSrcLLAddr(lladdr=P["mac"]))
    p = exchange(P["iface"], f, lambda p, t=t: ICMPv6ND_NA in p
                 and p[ICMPv6ND_NA].tgt == t)
    if p is None:
        out[t] = None
        continue
    na = p[ICMPv6ND_NA]
    out[t] = {"esrc": p[Ether].src, "edst": p[Ether].dst,
              "src": p[IPv6].src, "dst": p[IPv6].dst, "hlim": p[IPv6].hlim,
              "R": na.R, "S": na.S, "O": na.O,
              "tlla": p[ICMPv6NDOptDstLLAddr].lladdr
              if ICMPv6NDOptDstLLAddr in p else None}
print(json.dumps(out))
"""


# --- helpers ---------------------------------------------------------------

def netns_names():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True,
                         text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def runtime_dirs(prefix):
    """The EAL runtime directories of a file prefix that exist."""
    return [d for d in ("/run/dpdk/" + prefix, "/var/run/dpdk/" + prefix)
            if os.path.exists(d)]


def close_and_check(lab):
    """Close the lab; nothing of it may remain."""
    lab.close()
    left = set(lab.ns.values()) & netns_names()
    assert not left, "namespaces left behind: %s" % left
    for p in lab.procs:
        assert p.poll() is not None, "pid %d still running" % p.pid
    assert not runtime_dirs(lab.file_prefix)


def same_ip(a, b):
    return ipaddress.ip_address(a) == ipaddress.ip_address(b)


COUNTER_LINE = re.compile(r"^([a-z][a-z0-9_]*)\s+(\d+)(?:\s+#.*)?$")


def parse_counters(text):
    out = {}
    for line in text.splitlines():
        m = COUNTER_LINE.match(line.strip())
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


class Gateway:
    """A lab with gate64d running in it."""

    def __init__(self, lab, proc):
        self.lab = lab
        self.proc = proc

    def log(self):
        return L.Lab.log_text(self.proc)

    def counters_text(self, timeout=3.0):
        """SIGUSR1, and what gate64d printed for it."""
        if self.proc.poll() is not None:
            return "(gate64d exited %s)" % self.proc.returncode
        before = len(self.log())
        os.kill(self.proc.pid, signal.SIGUSR1)
        end = time.monotonic() + timeout
        seen = before
        while time.monotonic() < end:
            time.sleep(0.1)
            n = len(self.log())
            if n > before and n == seen:
                break  # printed, and nothing more for 100 ms
            seen = n
        return self.log()[before:]

    def counters(self):
        return parse_counters(self.counters_text())

    def diag(self, what=""):
        """For assertion messages: what went wrong, and the counters."""
        return "%s\n--- gate64d counters (SIGUSR1) ---\n%s" % (
            what, self.counters_text())

    # the frames' view of the gateway
    def mac6(self):
        return self.lab.mac("gw", self.lab.gw6)

    def mac4(self):
        return self.lab.mac("gw", self.lab.gw4)

    def scapy(self, ns, code, params, timeout=30):
        lab = self.lab
        iface = lab.ifname["client" if ns == "client" else "server"]
        params = dict(params, iface=iface, mac=lab.mac(ns, iface))
        r = lab.run(ns, [L.PYTHON, "-c", code, json.dumps(params)],
                    timeout=timeout)
        assert r.returncode == 0, "scapy in %s: %s" % (ns, r.stderr)
        return json.loads(r.stdout.strip().splitlines()[-1])

    def udp_error(self, dst, hlim=64, size=32, sport=40000, dport=33434):
        """Send UDP from the client with this hop limit and payload size;
        the ICMPv6 error that came back (dict) or None."""
        return self.scapy("client", SCAPY_UDP_ERROR, {
            "gwmac": self.mac6(), "src": L.CLIENT6, "dst": dst,
            "hlim": hlim, "size": size, "sport": sport, "dport": dport})

    def stop(self, timeout=10):
        """SIGTERM; gate64d's exit status."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None


def start(lab, extra=None):
    """gate64d on lab with CONF_EXTRA (+ extra) merged into the lab's
    configuration."""
    conf = {sec: dict(kv) for sec, kv in CONF_EXTRA.items()}
    for sec, kv in (extra or {}).items():
        conf.setdefault(sec, {}).update(kv)
    return Gateway(lab, lab.start_gate64(binary=GATE64D, extra=conf))


def assert_stopped_cleanly(gw):
    rc = gw.stop()
    log = gw.log()
    assert rc == 0, "gate64d did not exit 0 on SIGTERM (%s):\n%s" % (rc, log)
    assert "gate64d: stopping" in log, log
    final = parse_counters(log.split("gate64d: stopping", 1)[1])
    assert final.get("dp_rx", 0) > 0, \
        "no counters printed at exit:\n%s" % log
    assert not runtime_dirs(gw.lab.file_prefix), \
        "EAL runtime directory left: %s" % runtime_dirs(gw.lab.file_prefix)
    return final


def curl(lab, ns, url, family="-6"):
    return lab.run(ns, ["curl", family, "-sS", "--max-time", "5", url])


def ping(lab, ns, dst, count=3, extra=()):
    fam = "-6" if ":" in dst else "-4"
    return lab.run(ns, ["ping", fam, "-c", str(count), "-i", "0.2", "-W",
                        "2"] + list(extra) + [dst])


# --- fixtures ----------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def prerequisites():
    if os.geteuid() != 0:
        pytest.fail("the DPDK lab tests need root (ip netns, af_packet)")
    if not os.path.exists(GATE64D):
        pytest.fail("%s missing: run make build/gate64d" % GATE64D)
    for tool in ("curl", "ping", "traceroute", "ethtool", "ss"):
        if not shutil.which(tool):
            pytest.fail("%s missing" % tool)


@pytest.fixture
def make_lab():
    """make(**Lab options) -> a Lab(mode="gate64"); every lab made is
    closed and checked gone, even when the test fails."""
    labs = []

    def make(**kw):
        lab = L.Lab(mode="gate64", **kw)
        labs.append(lab)
        return lab

    yield make
    errors = []
    for lab in labs:
        try:
            close_and_check(lab)
        except Exception as e:  # close the others first
            errors.append(e)
    if errors:
        raise errors[0]


def shared_gateway(**lab_kw):
    """The body of a class-scoped fixture: one lab with gate64d and the
    servers every test of the class uses; gate64d must still run at the
    end and stop cleanly."""
    lab = L.Lab(mode="gate64", **lab_kw)
    try:
        gw = start(lab)
        gw.http = {
            HTTP_PORT: lab.start_http("server", L.SERVER4, HTTP_PORT, PAGE),
            PORTAL_PORT: lab.start_http("server", L.PORTAL4, PORTAL_PORT,
                                        PORTAL_PAGE),
            STATIC_PORT: lab.start_http("client", L.CLIENT6, STATIC_PORT,
                                        CLIENT_PAGE)}
        echo = lab.popen("server", [L.PYTHON, "-u", "-c", UDP_ECHO, L.SERVER4,
                                    str(UDP_ECHO_PORT)], log="udp-echo.log")
        lab.wait_for(lambda: lab.listening("server", UDP_ECHO_PORT, "udp"),
                     10, what="the UDP echo server")
        gw.echo = echo
        yield gw
        assert gw.proc.poll() is None, \
            "gate64d died during the tests:\n%s" % gw.log()
        assert_stopped_cleanly(gw)
    finally:
        close_and_check(lab)


@pytest.fixture(scope="class")
def gw():
    """Client and server on the gateway's two links."""
    yield from shared_gateway()


@pytest.fixture(scope="class")
def gw_r4():
    """The IPv4 router r4 between the gateway and the server; r4's link to
    the server has MTU 1400."""
    yield from shared_gateway(r4=True, r4_mtu=1400)


# --- through the gateway ----------------------------------------------------

class TestThroughGateway:
    """Client and server directly on the gateway's links."""

    def test_curl_through_pool6(self, gw):
        """RFC 6146 §3.5.2 / RFC 6052 §2.2: curl -6 to the pool6 image of the
        IPv4-only server fetches its page; the server sees pool4 as the
        client."""
        url = "http://[%s]:%d/" % (L.nat64(L.SERVER4), HTTP_PORT)
        r = curl(gw.lab, "client", url)
        assert r.returncode == 0 and r.stdout == PAGE, \
            gw.diag("curl %s: exit %d, %r %s" % (url, r.returncode,
                                                 r.stdout, r.stderr))
        text = L.Lab.log_text(gw.http[HTTP_PORT])
        assert L.POOL4 + " - - " in text, text

    def test_curl_through_eam(self, gw):
        """RFC 7757 §3: 2001:db8:64::10 is the EAM image of 198.51.100.10,
        the portal (a second address of the server): curl -6 to it fetches
        the portal's page."""
        url = "http://[%s]:%d/" % (L.PORTAL6, PORTAL_PORT)
        r = curl(gw.lab, "client", url)
        assert r.returncode == 0 and r.stdout == PORTAL_PAGE, \
            gw.diag("curl %s: exit %d, %r %s" % (url, r.returncode,
                                                 r.stdout, r.stderr))

    def test_udp_exchange(self, gw):
        """RFC 6146 §3.5.1: a UDP datagram from the client reaches the
        server from pool4 (192.0.2.1, a port of udp-ports), and the answer
        comes back from the server's pool6 image and port."""
        dst = L.nat64(L.SERVER4)
        r = gw.lab.run("client", [L.PYTHON, "-c", UDP_CLIENT, dst,
                                  str(UDP_ECHO_PORT), "hello-udp"])
        assert r.returncode == 0, r.stderr
        got = json.loads(r.stdout)
        assert "error" not in got, gw.diag(
            "UDP to [%s]:%d: %s; the echo server saw: %r" % (
                dst, UDP_ECHO_PORT, got["error"],
                L.Lab.log_text(gw.echo)))
        m = re.fullmatch(r"echo ([0-9.]+):(\d+) hello-udp", got["data"])
        assert m, got
        assert m.group(1) == L.POOL4, "server saw source %s" % m.group(1)
        assert 1024 <= int(m.group(2)) <= 65535  # udp-ports' default
        assert same_ip(got["from"][0], dst) and \
            got["from"][1] == UDP_ECHO_PORT, got

    def test_ping_through_and_to_the_gateway(self, gw):
        """ping -6 through the gateway (ICMP query translation, RFC 7915
        §4.2/§5.2 and RFC 6146 §3.5.3), and ping to the gateway's own
        addresses on both sides (RFC 4443 §4.1, RFC 792)."""
        lab = gw.lab
        for ns, dst in (("client", L.nat64(L.SERVER4)),
                        ("client", L.GW6), ("server", L.GW4)):
            r = ping(lab, ns, dst)
            assert r.returncode == 0 and " 0% packet loss" in r.stdout, \
                gw.diag("ping from %s to %s:\n%s%s" % (ns, dst, r.stdout,
                                                       r.stderr))
            shown = dst if ":" not in dst else \
                str(ipaddress.ip_address(dst))
            assert "bytes from %s" % shown in r.stdout, r.stdout

    def test_inbound_to_static_bib(self, gw):
        """RFC 6146 §3.5.2 (static BIB entry, [static-bib] web = tcp
        2001:db8:1::2 8081 192.0.2.1 8081): from the IPv4 server, curl
        http://192.0.2.1:8081/ reaches the IPv6 client's web server, which
        sees the server's pool6 image as the client."""
        url = "http://%s:%d/" % (L.POOL4, STATIC_PORT)
        r = curl(gw.lab, "server", url, family="-4")
        assert r.returncode == 0 and r.stdout == CLIENT_PAGE, \
            gw.diag("curl %s from the server: exit %d, %r %s"
                    % (url, r.returncode, r.stdout, r.stderr))
        text = L.Lab.log_text(gw.http[STATIC_PORT])
        image = str(ipaddress.ip_address(L.nat64(L.SERVER4)))
        assert image + " - - " in text, text

    def test_hop_limit_1_time_exceeded_from_gateway(self, gw):
        """RFC 7915 §5.1 / RFC 4443 §3.3: the translator is a router; an
        IPv6 packet with hop limit 1 is not forwarded, the gateway answers
        ICMPv6 Time Exceeded (type 3, code 0) from its own address
        (icmp6-source: the IPv6 port's address), quoting the packet."""
        dst = L.nat64(L.SERVER4)
        got = gw.udp_error(dst, hlim=1, sport=40001)
        err = got["error"]
        assert err, gw.diag("UDP with hop limit 1 to %s: no ICMPv6 error "
                            "came back" % dst)
        assert (err["type"], err["code"]) == (3, 0), err
        assert same_ip(err["src"], L.GW6), err
        assert same_ip(err["dst"], L.CLIENT6), err
        assert err["esrc"] == gw.mac6(), err
        assert same_ip(err["inner_src"], L.CLIENT6) and \
            same_ip(err["inner_dst"], dst), err
        assert (err["inner_sport"], err["inner_dport"]) == (40001, 33434)

    def test_arp_answered(self, gw):
        """RFC 826: ARP who-has for the port address 198.51.100.1 and for
        the pool4 address 192.0.2.1 (proxy ARP) is answered with the
        gateway's MAC, to the asker."""
        server_mac = gw.lab.mac("server", gw.lab.ifname["server"])
        got = gw.scapy("server", SCAPY_ARP, {
            "src": L.SERVER4, "targets": [L.GW4, L.POOL4]})
        for t in (L.GW4, L.POOL4):
            a = got[t]
            assert a, gw.diag("no ARP reply for %s" % t)
            assert a["op"] == 2 and a["hwsrc"] == gw.mac4() and \
                a["esrc"] == gw.mac4(), (t, a)
            assert a["psrc"] == t and a["pdst"] == L.SERVER4 and \
                a["hwdst"] == server_mac and a["edst"] == server_mac, (t, a)

    def test_nd_answered(self, gw):
        """RFC 4861 §7.2.4: an NS for the port address 2001:db8:1::1 gets a
        solicited NA (R, S, O set) with the gateway's MAC; §7.2.8: an NS
        for a pool6 address (64:ff9b::198.51.100.2) or an EAM address
        (2001:db8:64::10) gets a proxy NA: R and S set, override clear."""
        client_mac = gw.lab.mac("client", gw.lab.ifname["client"])
        pool6_addr = str(ipaddress.ip_address(L.nat64(L.SERVER4)))
        targets = {L.GW6: 1, pool6_addr: 0, L.PORTAL6: 0}  # -> O flag
        got = gw.scapy("client", SCAPY_ND, {
            "src": L.CLIENT6, "targets": list(targets)})
        for t, override in targets.items():
            na = got[t]
            assert na, gw.diag("no NA for %s" % t)
            assert na["esrc"] == gw.mac6() and na["tlla"] == gw.mac6(), \
                (t, na)
            assert (na["R"], na["S"], na["O"]) == (1, 1, override), (t, na)
            assert same_ip(na["dst"], L.CLIENT6) and \
                na["edst"] == client_mac and na["hlim"] == 255, (t, na)


class TestThroughIPv4Router:
    """r4, an IPv4 router, between the gateway and the server; r4's link to
    the server has MTU 1400."""

    def test_time_exceeded_from_ipv4_router(self, gw_r4):
        """RFC 7915 §4.2 / RFC 6146 §3.5.3: hop limit 2 leaves the gateway
        as TTL 1, r4 sends ICMPv4 Time Exceeded to pool4; the gateway
        translates it into ICMPv6 Time Exceeded (type 3, code 0) from r4's
        pool6 image, quoting the client's packet.  traceroute -6 shows
        the gateway, then r4's image, then the server's."""
        gw = gw_r4
        dst = L.nat64(L.SERVER4)
        r4_image = L.nat64(L.R4)
        got = gw.udp_error(dst, hlim=2, sport=40002)
        err = got["error"]
        assert err, gw.diag("UDP with hop limit 2 to %s through r4: no "
                            "ICMPv6 error came back" % dst)
        assert (err["type"], err["code"]) == (3, 0), err
        assert same_ip(err["src"], r4_image), err
        assert same_ip(err["dst"], L.CLIENT6), err
        assert same_ip(err["inner_src"], L.CLIENT6) and \
            same_ip(err["inner_dst"], dst), err
        assert (err["inner_sport"], err["inner_dport"]) == (40002, 33434)

        # hop limit 1 is still the gateway's own
        got = gw.udp_error(dst, hlim=1, sport=40003)
        assert got["error"] and same_ip(got["error"]["src"], L.GW6) and \
            got["error"]["type"] == 3, gw.diag(str(got))

        # -w 3,0,0: up to 3 s for every probe (r4's proxy ARP answers the
        # server after up to 0.8 s, proxy_delay)
        r = gw.lab.run("client", ["traceroute", "-6", "-n", "-q", "1", "-w",
                                  "3,0,0", "-m", "4", dst])
        hops = []
        for line in r.stdout.splitlines()[1:]:
            f = line.split()
            hops.append(f[1] if len(f) > 1 else "")
        want = [L.GW6, r4_image, dst]
        assert len(hops) == 3 and all(
            h != "*" and same_ip(h, w) for h, w in zip(hops, want)), \
            gw.diag("traceroute -6 %s:\n%s%s" % (dst, r.stdout, r.stderr))

    def test_packet_too_big_from_small_ipv4_mtu(self, gw_r4):
        """RFC 7915 §4.2: r4's ICMPv4 Fragmentation Needed (next-hop MTU
        1400) for a translated DF packet becomes ICMPv6 Packet Too Big
        (type 2, code 0) with MTU 1400 + 20 = 1420 (not below 1280), from
        r4's pool6 image; ping -M do sees it, the client caches the MTU."""
        gw = gw_r4
        lab = gw.lab
        dst = L.nat64(L.SERVER4)
        r4_image = str(ipaddress.ip_address(L.nat64(L.R4)))
        # 1400 bytes of echo data: a 1448-byte IPv6 packet, 1428 in IPv4
        r = ping(lab, "client", dst, count=1, extra=["-M", "do", "-s",
                                                     "1400"])
        assert "From %s icmp_seq=1 Packet too big: mtu=1420" % r4_image \
            in r.stdout, gw.diag("ping -6 -M do -s 1400 %s:\n%s%s"
                                 % (dst, r.stdout, r.stderr))
        route = lab.run("client", ["ip", "-6", "route", "get", dst]).stdout
        assert " mtu 1420 " in route, route

        # scapy: a 1450-byte UDP packet (1430 in IPv4)
        got = gw.udp_error(dst, hlim=64, size=1402, sport=40004,
                           dport=UDP_ECHO_PORT)
        assert got["sent_len"] == 1450
        err = got["error"]
        assert err, gw.diag("1450-byte UDP to %s through r4 (MTU 1400): "
                            "no ICMPv6 error came back" % dst)
        assert (err["type"], err["code"], err["mtu"]) == (2, 0, 1420), err
        assert same_ip(err["src"], r4_image), err
        assert same_ip(err["dst"], L.CLIENT6), err
        assert same_ip(err["inner_dst"], dst) and \
            err["inner_sport"] == 40004, err
        assert err["len"] <= 1280, err  # RFC 4443 §2.4(c)

        # what does fit goes through: curl (TCP MSS from the 1400 link)
        r = curl(lab, "client", "http://[%s]:%d/" % (dst, HTTP_PORT))
        assert r.returncode == 0 and r.stdout == PAGE, \
            gw.diag("curl through r4: %s" % r.stderr)


# --- start, stop, instances, memory, errors ---------------------------------

def test_clean_stop_and_two_instances(make_lab):
    """The issue: a second instance on the same host runs with its own file
    prefix.  Two labs, one gate64d each ([dpdk] lcores 0,1 and 1,0: the
    workers poll different CPUs), both forward at the same time; SIGTERM
    stops each with exit 0, its counters printed, and no EAL runtime
    directory (/var/run/dpdk/PREFIX) left."""
    a, b = make_lab(), make_lab()
    assert a.file_prefix != b.file_prefix
    gws = [start(a), start(b, {"dpdk": {"lcores": "1,0"}})]
    for g in gws:
        assert runtime_dirs(g.lab.file_prefix), \
            "no EAL runtime directory for %s" % g.lab.file_prefix
        assert g.proc.poll() is None, g.log()
    for g in gws:
        r = ping(g.lab, "client", L.nat64(L.SERVER4), count=2)
        assert r.returncode == 0, g.diag(r.stdout + r.stderr)
    for g in gws:
        assert g.proc.poll() is None, g.log()  # still both running
    for g in gws:
        final = assert_stopped_cleanly(g)
        assert final.get("xlat_in_ipv6", 0) >= 2, final
        assert final.get("xlat_in_ipv4", 0) >= 2, final


@pytest.fixture
def hugepages():
    """At least 256 x 2 MiB hugepages reserved for the test; the previous
    /proc/sys/vm/nr_hugepages is restored afterwards."""
    path = "/proc/sys/vm/nr_hugepages"
    with open(path) as f:
        before = f.read().strip()
    try:
        with open(path, "w") as f:
            f.write("%d\n" % max(256, int(before)))
        yield
    finally:
        with open(path, "w") as f:
            f.write(before + "\n")


def meminfo(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def test_in_memory_on_hugepages(make_lab, hugepages):
    """[dpdk] memory = in-memory: gate64d runs on hugepages (it takes some
    while running, gives them all back at exit, keeps no files), and
    traffic passes."""
    total, free = meminfo("HugePages_Total"), meminfo("HugePages_Free")
    assert total >= 128 and free >= 128, \
        "could not reserve hugepages: total %d free %d" % (total, free)
    lab = make_lab()
    g = start(lab, {"dpdk": {"memory": "in-memory"}})
    assert "--in-memory" in g.log(), g.log()
    used = free - meminfo("HugePages_Free")
    assert used > 0, "gate64d took no hugepages with memory = in-memory"
    lab.start_http("server", L.SERVER4, HTTP_PORT, PAGE)
    url = "http://[%s]:%d/" % (L.nat64(L.SERVER4), HTTP_PORT)
    r = curl(lab, "client", url)
    assert r.returncode == 0 and r.stdout == PAGE, \
        g.diag("curl %s: %s" % (url, r.stderr))
    assert_stopped_cleanly(g)
    assert meminfo("HugePages_Free") == free, "hugepages not given back"
    left = [n for n in os.listdir("/dev/hugepages")
            if lab.file_prefix in n] if os.path.isdir("/dev/hugepages") \
        else []
    assert not left, "hugepage files left: %s" % left


def test_af_xdp_device(make_lab, monkeypatch):
    """The ports on net_af_xdp (gate64d's DPDK PMD loads its own XDP
    program, no libxdp dispatcher): curl and ping through, clean stop."""
    monkeypatch.setenv("LIBXDP_SKIP_DISPATCHER", "1")
    lab = make_lab()
    g = start(lab, {"port6": {"device": "net_af_xdp0,iface=%s" % lab.gw6},
                    "port4": {"device": "net_af_xdp1,iface=%s" % lab.gw4}})
    assert "net_af_xdp0" in g.log(), g.log()
    lab.start_http("server", L.SERVER4, HTTP_PORT, PAGE)
    url = "http://[%s]:%d/" % (L.nat64(L.SERVER4), HTTP_PORT)
    r = curl(lab, "client", url)
    assert r.returncode == 0 and r.stdout == PAGE, \
        g.diag("curl %s: %s" % (url, r.stderr))
    r = ping(lab, "client", L.nat64(L.SERVER4))
    assert r.returncode == 0, g.diag(r.stdout + r.stderr)
    assert_stopped_cleanly(g)


@pytest.mark.parametrize("pool6", ["64:ff9b::/95", "64:ff9b::/100",
                                   "64:ff9b::/128"])
def test_check_wrong_pool6_length(make_lab, pool6):
    """RFC 6052 §2.2 allows 32, 40, 48, 56, 64 and 96: gate64d --check on a
    pool6 of another length exits non-zero naming [translator] pool6 (the
    same file with a /96 passes)."""
    lab = make_lab()  # for its configuration text and temporary directory
    for name, extra, ok in (("good.conf", CONF_EXTRA, True),
                            ("bad.conf", dict(CONF_EXTRA,
                                              translator={"pool6": pool6}),
                             False)):
        path = os.path.join(lab.tmpdir, name)
        with open(path, "w") as f:
            f.write(lab.gate64_conf(extra))
        r = subprocess.run([GATE64D, "--check", "-c", path],
                           capture_output=True, text=True, timeout=10)
        if ok:
            assert r.returncode == 0, r.stderr
            continue
        assert r.returncode != 0, r.stdout
        assert "[translator] pool6" in r.stderr and pool6 in r.stderr, \
            r.stderr
        assert path in r.stderr, r.stderr


@pytest.mark.parametrize("side", ["port6", "port4"])
def test_missing_interface_named(make_lab, side):
    """A [port6]/[port4] device on an interface that does not exist: gate64d
    exits non-zero, the message names the section and its device, and no
    EAL runtime directory is left."""
    lab = make_lab()
    prefix = lab.file_prefix + "-err"
    n = "0" if side == "port6" else "1"
    device = "net_af_packet%s,iface=nosuch%s" % (n, lab.suffix)
    conf = os.path.join(lab.tmpdir, "missing.conf")
    with open(conf, "w") as f:
        f.write(lab.gate64_conf({side: {"device": device},
                                 "dpdk": {"file-prefix": prefix}}))
    r = lab.run("gw", [GATE64D, "-c", conf], timeout=20)
    assert r.returncode != 0, r.stdout + r.stderr
    assert "[%s] device = %s" % (side, device) in r.stderr, r.stderr
    assert "gate64d: ready" not in r.stdout
    assert not runtime_dirs(prefix)
