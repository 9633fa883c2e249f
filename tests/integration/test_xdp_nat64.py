"""gate64d mode = xdp with type = nat64: stateful NAT64 (RFC 6146) with the
state created and kept by the XDP program itself (bpf/xdp_state.h), the
control thread sweeping it (control/xdp_nat64.c).

  client 2001:db8:1::2 -- gw6 | gate64d mode = xdp | gw4 -- server 198.51.100.2
                     pool6 2001:db8:46::/96, pool4 192.0.2.1

The gw namespace is the lab's "tayga" topology without TAYGA: the kernel
keeps its addresses and routes, gate64d adds 192.0.2.1 (pool4) to the
IPv4 side over netlink so that the kernel answers ARP for it.  pool4's
TCP and UDP ports are 61000-65535, outside the host's ephemeral ports
(gate64d refuses an overlap in this mode).

Checked, each naming its RFC section: curl -6 to the IPv4-only server
through NAT64, the server seeing pool4 (RFC 6146 §3.5.2); a UDP exchange
(§3.5.1) and ping (§3.5.3), the mapping endpoint-independent (§3.5.1:
the same pool4 port towards two remotes); gate64ctl session list / bib
list / status from the program's maps; an inbound connection to a static
BIB entry (§3.5.2.2 V4 SYN to a static entry); inbound traffic without a
mapping dropped and counted; the mapping log (RFC 6888) names the client;
the pool4 address installed and removed over netlink; configuration
errors.
"""
import json
import os
import re
import signal
import subprocess
import time

import pytest

import lab as L

GATE64D = os.path.join(L.ROOT, "build", "gate64d")
GATE64CTL = os.path.join(L.ROOT, "build", "gate64ctl")
POOL6 = L.TAYGA_POOL6
PAGE = "gate64 xdp nat64 lab: IPv4-only portal\n"
CLIENT_PAGE = "gate64 xdp nat64 lab: the client's own server\n"
HTTP_PORT = 8080
UDP_PORT = 7007
STATIC_PORT = 61080  # the client's web server, published as pool4:61080
BIG_PORT = 8081
BIG = 40 * 1024 * 1024  # 40 MiB at 4 MB/s: 10 s, across a restart

UDP_ECHO = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
while True:
    data, peer = s.recvfrom(4096)
    s.sendto(b"echo %s:%d " % (peer[0].encode(), peer[1]) + data, peer)
"""

# UDP from one client socket to two destinations (RFC 6146 §3.5.1: one
# mapping for both): JSON list of the answers.
UDP_CLIENT = r"""
import json, socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
out = []
for dst in sys.argv[2:]:
    for attempt in range(3):  # a first packet may meet an unresolved hop
        s.sendto(b"hello", (dst, int(sys.argv[1])))
        try:
            data, peer = s.recvfrom(4096)
            out.append(data.decode())
            break
        except socket.timeout:
            continue
    else:
        out.append(None)
print(json.dumps(out))
"""


def conf_text(lab, extra=""):
    return ("[gate64]\nmode = xdp\ncontrol-socket = %s/ctl.sock\n"
            "[translator]\ntype = nat64\npool6 = %s\npool6791 = %s\n"
            "[pool4]\naddress = %s\ntcp-ports = 61000-65535\n"
            "udp-ports = 61000-65535\n"
            "[nat64]\nmapping-log = %s/maplog\n"
            "[static-bib]\nweb = tcp %s %d %s %d\n"
            "[xdp]\ninterfaces = %s, %s\npin-dir = %s/pins\n"
            "[metrics]\nlisten = 127.0.0.1:9464\n%s"
            % (lab.tmpdir, POOL6, L.POOL6791, L.POOL4, lab.tmpdir,
               L.CLIENT6, STATIC_PORT, L.POOL4, STATIC_PORT, lab.gw6,
               lab.gw4, lab.bpffs(), extra))


def start(lab, text=None, wait=True, args=()):
    return lab.start_gate64d(text if text is not None else conf_text(lab),
                             args, wait, name="gate64d-nat64", timeout=20)


def ctl(lab, *args):
    return subprocess.run([GATE64CTL, "-s",
                           os.path.join(lab.tmpdir, "ctl.sock")] +
                          list(args), capture_output=True, text=True)


def curl(lab, url, tries=3):
    r = None
    for _ in range(tries):
        r = lab.run("client", ["curl", "-6", "-sS", "--max-time", "3", url])
        if r.returncode == 0:
            return r
    return r


def addrs4(lab):
    out = lab.run("gw", ["ip", "-4", "-j", "addr", "show", "dev",
                         lab.gw4]).stdout
    return [a["local"] for i in json.loads(out or "[]")
            for a in i.get("addr_info", [])]


@pytest.fixture(scope="module")
def lab():
    with L.Lab(mode="tayga", pool6=POOL6) as lb:
        lb.hosts_like_nics()
        lb.start_http("server", "0.0.0.0", HTTP_PORT, PAGE)
        # a big file for the transfer across a restart
        lb.start_big_file("server", BIG_PORT, BIG)
        lb.start_http("client", L.CLIENT6, STATIC_PORT, CLIENT_PAGE)
        lb.popen("server", [L.PYTHON, "-c", UDP_ECHO, str(UDP_PORT)],
                 log="udp-echo.log")
        # the lab's server has a second address (PORTAL4): a second
        # remote for the EIM check
        yield lb


@pytest.fixture(scope="module")
def gw(lab):
    proc = start(lab)
    yield proc
    lab.stop(proc)


def test_pool4_address_installed(lab, gw):
    """The kernel answers ARP for pool4: gate64d added 192.0.2.1/32 to the
    IPv4 side over netlink (control/nl.c)."""
    assert L.POOL4 in addrs4(lab)


def test_curl_through_nat64(lab, gw):
    """RFC 6146 §3.5.2: a TCP connection from the IPv6-only client to the
    IPv4-only server through NAT64 in XDP; the server sees pool4."""
    r = curl(lab, "http://[%s]:%d/" % (L.nat64(L.SERVER4, POOL6),
                                        HTTP_PORT))
    assert r.returncode == 0, r.stderr + lab.log_text(gw)
    assert r.stdout == PAGE
    with open(os.path.join(lab.tmpdir, "http-server-%d.log"
                           % HTTP_PORT)) as f:
        assert L.POOL4 in f.read()


def test_udp_endpoint_independent_mapping(lab, gw):
    """RFC 6146 §3.5.1: UDP answers come back; the same client socket
    reaches two remotes from the same pool4 address and port (EIM)."""
    r = lab.run("client", [L.PYTHON, "-c", UDP_CLIENT, str(UDP_PORT),
                           L.nat64(L.SERVER4, POOL6),
                           L.nat64(L.PORTAL4, POOL6)])
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert None not in got, got
    ports = {re.match(r"echo ([0-9.]+):(\d+) hello", g).groups()
             for g in got}
    assert len(ports) == 1, got  # one mapping for both remotes
    addr, port = ports.pop()
    assert addr == L.POOL4 and 61000 <= int(port) <= 65535


def test_ping_through(lab, gw):
    """RFC 6146 §3.5.3: ICMP echo through NAT64 in XDP."""
    r = lab.run("client", ["ping", "-6", "-c", "4", "-i", "0.2", "-W", "2",
                           L.nat64(L.SERVER4, POOL6)])
    m = re.search(r"(\d+) received", r.stdout)
    assert m and int(m.group(1)) >= 3, r.stdout + r.stderr


def test_tables_and_status(lab, gw):
    """gate64ctl session list / bib list / status from the program's maps
    (the sweep counts them once a second)."""
    curl(lab, "http://[%s]:%d/" % (L.nat64(L.SERVER4, POOL6), HTTP_PORT))
    r = ctl(lab, "session", "list")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^tcp\s+\[%s\]:\d+\s+%s:6\d{4}\s+%s:%d\s" % (
        re.escape(L.CLIENT6), re.escape(L.POOL4), re.escape(L.SERVER4),
        HTTP_PORT), r.stdout, re.M), r.stdout
    js = json.loads(ctl(lab, "--json", "bib", "list").stdout)
    static = [e for e in js["entries"] if e["static"]]
    assert static and static[0]["port4"] == STATIC_PORT
    L.wait_for(lambda: json.loads(ctl(lab, "--json", "status").stdout)
               ["sessions"] > 0, 5, what="the sweep's count")
    st = json.loads(ctl(lab, "--json", "status").stdout)
    assert st["type"] == "nat64" and st["bib"] >= 1
    # pool4 usage per address and protocol, from the maps: gate64ctl and
    # the metrics endpoint (the same families as in mode = dpdk)
    p4 = json.loads(ctl(lab, "--json", "pool4", "list").stdout)
    tcp = [r for r in p4["ranges"] if r["proto"] == "tcp"][0]
    assert tcp["address"] == L.POOL4 and tcp["total"] == 65535 - 61000 + 1
    assert tcp["used"] >= 2  # the client's connection(s), the static entry
    m = lab.run("gw", ["curl", "-sS", "http://127.0.0.1:9464/metrics"])
    got = re.search(r'^gate64_pool4_ports_used\{address="%s",proto="tcp"\} '
                    r'(\d+)$' % re.escape(L.POOL4), m.stdout, re.M)
    assert got and int(got.group(1)) == tcp["used"], m.stdout[-2000:]


def test_inbound_to_static_bib(lab, gw):
    """RFC 6146 §3.5.2.2: an IPv4 host opens a connection to a static BIB
    entry (pool4:61080 -> the client's web server)."""
    r = None
    for _ in range(3):
        r = lab.run("server", ["curl", "-sS", "--max-time", "3",
                               "http://%s:%d/" % (L.POOL4, STATIC_PORT)])
        if r.returncode == 0:
            break
    assert r.returncode == 0, r.stderr
    assert r.stdout == CLIENT_PAGE


def test_inbound_without_mapping_dropped(lab, gw):
    """RFC 6146 §3.5.1/§3.5.2: inbound traffic to a pool4 port with no
    mapping is dropped (counted), not passed to the host."""
    before = json.loads(ctl(lab, "--json", "stats").stdout)
    lab.run("server", ["curl", "-sS", "--max-time", "1",
                       "http://%s:61999/" % L.POOL4])
    after = json.loads(ctl(lab, "--json", "stats").stdout)
    dropped = sum(after[k][0] - before[k][0] for k in after
                  if k in before and ("no-mapping" in k or
                                      "unhandled" in k or
                                      "filtered" in k))
    assert dropped >= 1, after


def test_mapping_log_names_the_client(lab, gw):
    """RFC 6888 §4: the mapping log ties pool4 address and port back to
    the IPv6 client (gate64ctl log lookup)."""
    r = ctl(lab, "session", "list")
    # a dynamic entry: the static one (pool4:61080) is configured, not
    # logged
    row = [ln.split() for ln in r.stdout.splitlines()
           if ln.split()[:2] and ln.split()[0] == "tcp" and
           ln.split()[1].startswith("[%s]" % L.CLIENT6) and
           not ln.split()[2].endswith(":%d" % STATIC_PORT)][0]
    addr, port = row[2].rsplit(":", 1)
    out = ""
    for _ in range(20):
        out = ctl(lab, "log", "lookup", addr, port, "tcp",
                  str(int(time.time()))).stdout
        if "NAT64_BIB_CREATE" in out:
            break
        time.sleep(0.1)
    assert "NAT64_BIB_CREATE" in out and L.CLIENT6 in out, out


def test_second_instance_refused(lab, gw):
    """A second gate64d on the same interfaces (its own socket and pins)
    is refused at attach, and leaves the first one's pool4 alone."""
    proc = start(lab, conf_text(lab).replace("/ctl.sock", "/ctl2.sock")
                 .replace("/pins", "/pins2"), wait=False)
    assert proc.wait(10) == 1
    assert "another XDP program is attached" in lab.log_text(proc)
    assert L.POOL4 in addrs4(lab)


def test_config_errors(lab):
    """What XDP cannot honour is refused at --check, with the reason."""
    good = conf_text(lab)
    for text, want in (
            (good.replace("[nat64]\n",
                          "[nat64]\nsessions-per-subscriber = 10\n"),
             "not enforced in XDP"),
            (good.replace("[pool4]\n", "[pool4]\nblock-size = 64\n"),
             "port blocks (RFC 7422) are not built in XDP"),
            # pool4 ports inside the host's ephemeral range
            (good.replace("tcp-ports = 61000-65535",
                          "tcp-ports = 1024-65535"),
             "ip_local_port_range")):
        path = os.path.join(lab.tmpdir, "bad.conf")
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run([GATE64D, "--check", "-c", path],
                           capture_output=True, text=True)
        assert r.returncode == 1 and want in r.stderr, r.stderr


def test_sigterm_removes_everything(lab, gw):
    """Last: SIGTERM removes the pool4 address, the pool6 route and the
    pins; the program detaches."""
    gw.send_signal(signal.SIGTERM)
    assert gw.wait(10) == 0, lab.log_text(gw)
    assert L.POOL4 not in addrs4(lab)
    assert not os.path.exists(os.path.join(lab.bpffs(), "pins"))
    assert (lab.link("gw", lab.gw6).get("xdp") or {}).get("prog") is None


def test_restart_keeps_nat64_flows(lab):
    """Issue 5, state: gate64d --keep-state stopped in the middle of a long
    TCP transfer through NAT64 and started again: the program and its
    BIB and session maps (pinned) kept translating, the new gate64d adopts
    them, the transfer completes, every byte; a clean stop then removes
    everything."""
    proc = start(lab, args=["--keep-state"])
    url = "http://[%s]:%d/big.bin" % (L.nat64(L.SERVER4, POOL6), BIG_PORT)
    out = os.path.join(lab.tmpdir, "big.out")
    try:
        dl = lab.download_under_way(url, out)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0, lab.log_text(proc)
        assert L.POOL4 in addrs4(lab)  # kept, with the program
        size = os.path.getsize(out)
        L.wait_for(lambda: os.path.getsize(out) > size, 5,
                   what="progress of the transfer without gate64d")
        assert dl.poll() is None, "finished before the restart"
        proc2 = start(lab)
        assert "adopted the running program" in lab.log_text(proc2)
        assert dl.wait(60) == 0, lab.log_text(dl)
        assert os.path.getsize(out) == BIG
        r = ctl(lab, "session", "list")
        assert ":%d" % BIG_PORT in r.stdout, r.stdout
        proc2.send_signal(signal.SIGTERM)
        assert proc2.wait(10) == 0
        assert L.POOL4 not in addrs4(lab)
        assert not os.path.exists(os.path.join(lab.bpffs(), "pins"))
    finally:
        for p in lab.procs:
            if p.poll() is None and GATE64D in " ".join(p.args):
                lab.stop(p)
        subprocess.run(["rm", "-rf", os.path.join(lab.bpffs(), "pins")])
