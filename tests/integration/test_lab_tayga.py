"""The namespace lab (lab.py) proven with TAYGA as the translator: an
IPv6-only client fetches a page from an IPv4-only server's real HTTP
server and pings it through TAYGA; the EAM portal address and the r4
variant's Packet Too Big work; close() leaves no namespace, process,
interface or file behind, also when building fails half-way; the gate64
variant of gw is bare (no addresses, IPv6 off) and its configuration names
the lab's interfaces.

TAYGA 0.9.2 refuses documentation addresses under 64:ff9b::/96 (see
lab.TAYGA_POOL6), so the client dials the server's image under
2001:db8:46::/96 here: lab.v6(SERVER4)."""
import os
import shutil
import subprocess

import pytest

import lab as L

PAGE = "gate64 lab: IPv4-only portal\n"


def netns_names():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True,
                         text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def assert_gone(lab, procs=()):
    left = set(lab.ns.values()) & netns_names()
    assert not left, "namespaces left behind: %s" % left
    for p in procs:
        assert p.poll() is not None, "pid %d still running" % p.pid
    links = subprocess.run(["ip", "-o", "link"], capture_output=True,
                           text=True).stdout
    assert lab.suffix not in links, "interfaces left in the root namespace"
    assert not os.path.exists(lab.tmpdir)


@pytest.fixture
def make_lab():
    """make(**Lab options) -> a Lab; every lab made is closed and checked
    gone, even when the test fails."""
    if os.geteuid() != 0:
        pytest.fail("the lab tests need root (ip netns)")
    for tool in ("tayga", "curl", "ping", "ethtool", "ss"):
        if not shutil.which(tool):
            pytest.fail("%s missing: apt-get install tayga curl "
                        "iputils-ping ethtool iproute2" % tool)
    labs = []

    def make(**kw):
        lab = L.Lab(**kw)
        labs.append(lab)
        return lab

    yield make
    errors = []
    for lab in labs:
        try:
            lab.close()
            assert_gone(lab)
        except Exception as e:  # close the others first
            errors.append(e)
    if errors:
        raise errors[0]


@pytest.fixture
def tayga_lab(make_lab):
    lab = make_lab(mode="tayga")
    lab.start_tayga()
    lab.start_http("server", L.SERVER4, 8080, PAGE)
    return lab


def curl(lab, host, port=8080):
    return lab.run("client", ["curl", "-6", "-sS", "--max-time", "5",
                              "http://[%s]:%d/" % (host, port)])


def test_curl_through_tayga(tayga_lab):
    r = curl(tayga_lab, tayga_lab.v6(L.SERVER4))
    assert r.returncode == 0, r.stderr
    assert r.stdout == PAGE


def test_ping_through_tayga(tayga_lab):
    r = tayga_lab.run("client", ["ping", "-6", "-c", "3", "-i", "0.2", "-W",
                                 "2", tayga_lab.v6(L.SERVER4)])
    assert r.returncode == 0, r.stdout + r.stderr
    assert " 0% packet loss" in r.stdout


def test_eam_portal_through_tayga(tayga_lab):
    """2001:db8:64::10 <-> 198.51.100.10, a second address of the server
    (TAYGA's static map is an RFC 7757 EAM)."""
    tayga_lab.start_http("server", L.PORTAL4, 8081, "portal\n")
    r = curl(tayga_lab, L.PORTAL6, 8081)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "portal\n"


def test_r4_small_ipv4_mtu_gives_packet_too_big(make_lab):
    """r4's link to the server has MTU 1400: a 1448-byte IPv6 packet with
    no fragment header becomes a DF IPv4 packet of 1428 bytes, r4 answers
    "fragmentation needed, MTU 1400", TAYGA turns it into Packet Too Big
    with MTU 1420 (RFC 7915 section 4.2: + 20) and the client caches it."""
    lab = make_lab(mode="tayga", r4=True, r4_mtu=1400)
    lab.start_tayga()
    lab.start_http("server", L.SERVER4, 8080, PAGE)
    dst = lab.v6(L.SERVER4)
    r = lab.run("client", ["ping", "-6", "-c", "1", "-W", "2", "-M", "do",
                           "-s", "1400", dst])
    assert "Packet too big: mtu=1420" in r.stdout, r.stdout + r.stderr
    route = lab.run("client", ["ip", "-6", "route", "get", dst]).stdout
    assert " mtu 1420 " in route, route
    # and TCP still goes through (MSS from the 1400 link)
    r = curl(lab, dst)
    assert r.returncode == 0 and r.stdout == PAGE, r.stderr


def test_close_leaves_nothing(make_lab):
    lab = make_lab(mode="tayga", r4=True)
    assert set(lab.ns.values()) <= netns_names()
    procs = [lab.start_tayga(),
             lab.start_http("server", L.SERVER4, 8080, PAGE),
             lab.popen("client", ["sleep", "60"])]
    lab.close()
    assert_gone(lab, procs)
    lab.close()  # idempotent


def test_with_block_closes_on_error():
    class Boom(Exception):
        pass
    with pytest.raises(Boom):
        with L.Lab(mode="tayga") as lab:
            lab.start_tayga()
            raise Boom()
    assert_gone(lab)


def test_failed_build_cleans_up():
    seen = []

    class Broken(L.Lab):
        def _build(self):
            seen.append(self)
            super()._build()
            raise RuntimeError("half-built")
    with pytest.raises(RuntimeError, match="half-built"):
        Broken(mode="gate64", r4=True)
    assert_gone(seen[0])


def test_gate64_mode_gw_is_bare(make_lab):
    """What gate64d will find: gw6/gw4 up, MTU as asked, no address, IPv6
    off; the configuration names this lab's interfaces and prefix."""
    lab = make_lab(mode="gate64", mtu=1400, r4=True)
    for d in (lab.gw6, lab.gw4):
        link = lab.link("gw", d)
        assert "UP" in link["flags"] and link["mtu"] == 1400
        addrs = lab.run("gw", ["ip", "-j", "addr", "show", "dev", d]).stdout
        assert '"addr_info":[]' in addrs.replace(" ", ""), addrs
        v6off = lab.run("gw", ["sysctl", "-n",
                               "net.ipv6.conf.%s.disable_ipv6" % d]).stdout
        assert v6off.strip() == "1"
    conf = lab.gate64_conf({"translator": {"icmp-rate": 10},
                            "port4": {"mtu": None}})
    assert "device = net_af_packet0,iface=%s\n" % lab.gw6 in conf
    assert "device = net_af_packet1,iface=%s\n" % lab.gw4 in conf
    assert "pool6 = 64:ff9b::/96\n" in conf
    assert "gateway = 198.51.100.254\n" in conf
    assert "file-prefix = %s\n" % lab.file_prefix in conf
    assert "icmp-rate = 10\n" in conf
    assert conf.count("mtu = 1400") == 1
