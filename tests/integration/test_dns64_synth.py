"""gate64-dns64 synthesizing (RFC 6147) in front of a real authoritative
server (NSD) on loopback, queried with dig; answers compared section by
section with what the RFC requires.  Each test names its section.

Zones: example.test (A-only, dual-stack, ::ffff-only, CNAME chain, private
A, 30 A records, SOA MINIMUM 120 below the record TTLs), the reverse zone
100.51.198.in-addr.arpa, and signed.test, signed with ldns-signzone (DNSSEC
cases).  Needs (scripts/deps.sh): nsd, bind9-dnsutils (dig), ldnsutils,
python3-pytest.  Loopback only, temporary directories; every process is
stopped by its fixture (conftest.py).
"""
import ipaddress
import shutil
import socket
import subprocess

import pytest

from dns64_util import BIN, dig, norm

SOA_MIN = 120  # SOA MINIMUM: the negative TTL of a NODATA answer
ZONE = """$ORIGIN example.test.
$TTL 300
@        3600 IN SOA ns.example.test. host.example.test. 1 3600 600 86400 %d
@        IN NS  ns
ns       IN A   127.0.0.1
a-only   IN A   192.0.2.1
short 60 IN A   192.0.2.3
dual     IN A   192.0.2.2
dual     IN AAAA 2001:db8::2
mapped   IN AAAA ::ffff:192.0.2.1
mapped   IN A   192.0.2.5
c1       IN CNAME c2
c2       IN CNAME a-only
private  IN A   10.0.0.1
""" % SOA_MIN
MANY = 30  # 30 AAAA of 28 bytes: above 512, below 1232
ZONE += "".join("many IN A 198.51.100.%d\n" % (i + 1) for i in range(MANY))

REV = """$ORIGIN 100.51.198.in-addr.arpa.
$TTL 300
@  IN SOA ns.example.test. host.example.test. 1 3600 600 86400 120
@  IN NS  ns.example.test.
7  IN PTR host7.example.test.
"""

SIGNED = """$ORIGIN signed.test.
$TTL 300
@        IN SOA ns.signed.test. host.signed.test. 1 3600 600 86400 120
@        IN NS  ns
ns       IN A   127.0.0.1
a-only   IN A   192.0.2.9
"""

WKP = "64:ff9b::/96"


def embed(prefix, v4):
    """RFC 6052 §2.2, written again from the text: the IPv4 address after
    the prefix, skipping bits 64-71 (the u-octet)."""
    net = ipaddress.ip_network(prefix)
    b = bytearray(net.network_address.packed)
    v = ipaddress.ip_address(v4).packed
    pos = net.prefixlen // 8
    for byte in v:
        if pos == 8:
            pos += 1  # the u-octet stays zero
        b[pos] = byte
        pos += 1
    return str(ipaddress.ip_address(bytes(b)))


def records(r, sec="ANSWER", rtype=None):
    return [x for x in r["sections"].get(sec, [])
            if rtype is None or x[3] == rtype]


def aaaa_set(r):
    return sorted(str(ipaddress.ip_address(x[4]))
                  for x in records(r, rtype="AAAA"))


def sign_zone(d):
    """signed.test signed with a fresh ECDSA key (ldns-keygen,
    ldns-signzone from ldnsutils); returns the signed file."""
    for tool in ("ldns-keygen", "ldns-signzone"):
        if not shutil.which(tool):
            pytest.fail("%s missing: run scripts/deps.sh (ldnsutils)" % tool)
    (d / "signed.test.zone").write_text(SIGNED)
    key = subprocess.run(["ldns-keygen", "-a", "ECDSAP256SHA256",
                          "signed.test"], cwd=d, capture_output=True,
                         text=True, check=True, timeout=30).stdout.strip()
    out = d / "signed.test.zone.signed"
    subprocess.run(["ldns-signzone", "-f", str(out), "signed.test.zone",
                    key], cwd=d, check=True, timeout=30,
                   capture_output=True)
    return out


@pytest.fixture(scope="module")
def nsd(nsd_factory, tmp_path_factory):
    signed = sign_zone(tmp_path_factory.mktemp("sign"))
    return nsd_factory({"example.test": ZONE,
                        "100.51.198.in-addr.arpa": REV,
                        "signed.test": signed}, "a-only.example.test")


@pytest.fixture
def dns64(nsd, dns64_factory):
    port, _ = dns64_factory("127.0.0.1:%d" % nsd)
    return port


def test_a_only_synthesized_ttl(nsd, dns64):
    """RFC 6147 §5.1.6, §5.1.7, §5.2: no AAAA → A queried, 64:ff9b:: + A;
    TTL min(A TTL, SOA negative TTL); not authoritative, not AD (§5.4)."""
    r = dig(dns64, "a-only.example.test", "AAAA")
    assert r["status"] == "NOERROR"
    assert aaaa_set(r) == [embed(WKP, "192.0.2.1")]
    (rr,) = records(r)
    assert rr[0] == "a-only.example.test."
    assert int(rr[1]) == min(300, SOA_MIN)
    assert "aa" not in r["flags"] and "ad" not in r["flags"]
    # the A TTL below the SOA's: the A TTL
    s = dig(dns64, "short.example.test", "AAAA")
    assert aaaa_set(s) == [embed(WKP, "192.0.2.3")]
    assert int(records(s)[0][1]) == 60
    # cached under the client's question: same answer, TTL not above
    again = dig(dns64, "a-only.example.test", "AAAA")
    assert aaaa_set(again) == aaaa_set(r)
    assert int(records(again)[0][1]) <= int(rr[1])
    # the A query itself is forwarded untouched (§5.3.3)
    a = dig(dns64, "a-only.example.test", "A")
    assert norm(a["sections"]) == norm(dig(nsd, "a-only.example.test",
                                           "A")["sections"])


def test_dual_stack_passed(nsd, dns64):
    """RFC 6147 §5.1.1: real AAAA records are returned as they are."""
    r = dig(dns64, "dual.example.test", "AAAA")
    direct = dig(nsd, "dual.example.test", "AAAA")
    assert r["status"] == "NOERROR"
    assert aaaa_set(r) == ["2001:db8::2"]
    assert norm(r["sections"], ("ANSWER",)) == \
        norm(direct["sections"], ("ANSWER",))


def test_mapped_only_excluded(dns64):
    """RFC 6147 §5.1.4: ::ffff:0:0/96 is in the exclusion set: an answer
    with only such AAAA is treated as no AAAA; synthesized from the A."""
    r = dig(dns64, "mapped.example.test", "AAAA")
    assert r["status"] == "NOERROR"
    assert aaaa_set(r) == [embed(WKP, "192.0.2.5")]


def test_cname_chain(dns64):
    """RFC 6147 §5.1.5: the CNAMEs are kept, the AAAA synthesized for the
    final name of the chain."""
    r = dig(dns64, "c1.example.test", "AAAA")
    assert r["status"] == "NOERROR"
    cn = [(x[0], x[4]) for x in records(r, rtype="CNAME")]
    assert cn == [("c1.example.test.", "c2.example.test."),
                  ("c2.example.test.", "a-only.example.test.")]
    aaaa = records(r, rtype="AAAA")
    assert [x[0] for x in aaaa] == ["a-only.example.test."]
    assert aaaa_set(r) == [embed(WKP, "192.0.2.1")]


def test_nxdomain_passed(nsd, dns64):
    """RFC 6147 §5.1.2: NXDOMAIN is handled as normal: passed, with its
    SOA, no A query, no synthesis."""
    r = dig(dns64, "nope.example.test", "AAAA")
    direct = dig(nsd, "nope.example.test", "AAAA")
    assert r["status"] == "NXDOMAIN"
    assert not records(r)
    assert norm(r["sections"]) == norm(direct["sections"])


def test_private_a_not_synthesized_with_wkp(dns64):
    """RFC 6052 §3.1 (RFC 6147 §5.1.6, mapped set): 10.0.0.1 is never
    synthesized with the Well-Known Prefix: the NODATA answer goes back."""
    r = dig(dns64, "private.example.test", "AAAA")
    assert r["status"] == "NOERROR"
    assert not records(r)
    assert records(r, "AUTHORITY", "SOA")


def test_network_specific_prefixes(nsd, dns64_factory):
    """RFC 6147 §5.2 / RFC 6052 §2.2: a /96 and a /64 network-specific
    prefix: one AAAA per A and prefix, in the configured order; a private A
    is synthesized with them (the §3.1 rule is the WKP's only)."""
    p96, p64 = "2001:db8:64::/96", "2001:db8:122:344::/64"
    port, _ = dns64_factory("127.0.0.1:%d" % nsd,
                            "prefix = %s, %s\n" % (p96, p64))
    r = dig(port, "a-only.example.test", "AAAA")
    got = [str(ipaddress.ip_address(x[4]))
           for x in records(r, rtype="AAAA")]
    assert got == [embed(p96, "192.0.2.1"), embed(p64, "192.0.2.1")]
    assert got[1] == "2001:db8:122:344:c0:2:100:0"
    r = dig(port, "private.example.test", "AAAA")
    assert aaaa_set(r) == sorted([embed(p96, "10.0.0.1"),
                                  embed(p64, "10.0.0.1")])
    # ipv4only.arpa (RFC 8880 §7.2) lists every prefix too
    r = dig(port, "ipv4only.arpa", "AAAA")
    assert aaaa_set(r) == sorted(embed(p, a) for p in (p96, p64)
                                 for a in ("192.0.0.170", "192.0.0.171"))


def test_prefix_from_translator_pool6(nsd, dns64_factory):
    """DESIGN.md "DNS64": without [dns64] prefix, the translator's pool6
    is the DNS64 prefix (RFC 6147 §5.2 with the translator's Pref64)."""
    port, _ = dns64_factory("127.0.0.1:%d" % nsd,
                            "[translator]\npool6 = 2001:db8:46::/96\n")
    r = dig(port, "a-only.example.test", "AAAA")
    assert aaaa_set(r) == ["2001:db8:46::c000:201"]


def test_ptr_under_prefix(dns64):
    """RFC 6147 §5.3.1: PTR for an ip6.arpa name under the prefix: a CNAME
    to the in-addr.arpa name, then the upstream's answer for that name."""
    name = ipaddress.ip_address(embed(WKP, "198.51.100.7")).reverse_pointer
    r = dig(dns64, name, "PTR")
    assert r["status"] == "NOERROR"
    cn = records(r, rtype="CNAME")
    assert [(x[0], x[4]) for x in cn] == \
        [(name + ".", "7.100.51.198.in-addr.arpa.")]
    ptr = records(r, rtype="PTR")
    assert [(x[0], x[4]) for x in ptr] == \
        [("7.100.51.198.in-addr.arpa.", "host7.example.test.")]
    # no PTR record for .8: the CNAME, then the NXDOMAIN of its target
    # (RFC 6604 §3: the RCODE of the last name)
    name8 = ipaddress.ip_address(embed(WKP, "198.51.100.8")).reverse_pointer
    r = dig(dns64, name8, "PTR")
    assert r["status"] == "NXDOMAIN"
    assert [x[4] for x in records(r, rtype="CNAME")] == \
        ["8.100.51.198.in-addr.arpa."]
    assert records(r, "AUTHORITY", "SOA")


def test_ipv4only_arpa(dns64):
    """RFC 8880 §7.2 (RFC 7050 §3): ipv4only.arpa AAAA answered locally
    with the well-known addresses synthesized; A with them as they are."""
    r = dig(dns64, "ipv4only.arpa", "AAAA")
    assert r["status"] == "NOERROR"
    assert aaaa_set(r) == ["64:ff9b::c000:aa", "64:ff9b::c000:ab"]
    assert all(x[1] == "86400" for x in records(r))
    r = dig(dns64, "ipv4only.arpa", "A")
    assert sorted(x[4] for x in records(r)) == ["192.0.0.170",
                                                "192.0.0.171"]


def test_cd_passed(nsd, dns64):
    """RFC 6147 §5.5: with CD the client validates: no synthesis, the
    upstream answer (NODATA) as it is."""
    r = dig(dns64, "a-only.example.test", "AAAA", "+cd")
    assert r["status"] == "NOERROR"
    assert "cd" in r["flags"]
    assert not records(r)
    assert records(r, "AUTHORITY", "SOA")


def test_do_signed_not_synthesized(nsd, dns64, dns64_factory):
    """RFC 6147 §5.5: DO set and the answers signed: no synthesis (the
    client would validate the signed denial); break-dnssec synthesizes.
    DO on an unsigned zone synthesizes."""
    r = dig(dns64, "a-only.signed.test", "AAAA", "+dnssec")
    assert r["status"] == "NOERROR"
    assert not records(r, rtype="AAAA")
    auth = {x[3] for x in records(r, "AUTHORITY")}
    assert {"SOA", "RRSIG", "NSEC"} <= auth
    # without DO, the signed zone is synthesized from
    r = dig(dns64, "a-only.signed.test", "AAAA")
    assert aaaa_set(r) == [embed(WKP, "192.0.2.9")]
    # DO, unsigned zone: synthesized
    r = dig(dns64, "a-only.example.test", "AAAA", "+dnssec")
    assert aaaa_set(r) == [embed(WKP, "192.0.2.1")]
    port, _ = dns64_factory("127.0.0.1:%d" % nsd, "break-dnssec = on\n")
    r = dig(port, "a-only.signed.test", "AAAA", "+dnssec")
    assert aaaa_set(r) == [embed(WKP, "192.0.2.9")]
    assert "ad" not in r["flags"]


def test_large_synthesized_tc_then_tcp(dns64):
    """RFC 6147 §5.4 with RFC 1035 §4.2.1 / RFC 6891 §7: a synthesized
    answer above 512 bytes gets TC over UDP without EDNS (no partial
    RRset, RFC 2181 §9), fits 1232 with EDNS, comes whole over TCP."""
    udp = dig(dns64, "many.example.test", "AAAA", "+ignore", "+noedns")
    assert "tc" in udp["flags"]
    assert not records(udp)
    want = sorted(embed(WKP, "198.51.100.%d" % (i + 1)) for i in range(MANY))
    edns = dig(dns64, "many.example.test", "AAAA", "+ignore",
               "+bufsize=1232")
    assert "tc" not in edns["flags"]
    assert aaaa_set(edns) == want
    tcp = dig(dns64, "many.example.test", "AAAA", "+tcp", "+noedns")
    assert "tc" not in tcp["flags"]
    assert aaaa_set(tcp) == want


def test_upstream_down_servfail(dns64_factory):
    """RFC 6147 §5.1.3: no answer from upstream is treated as SERVFAIL,
    for the AAAA query and for the PTR one; ipv4only.arpa needs none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))
        port, _ = dns64_factory("127.0.0.1:%d" % sink.getsockname()[1],
                                probe="ipv4only.arpa")
        assert dig(port, "a-only.example.test", "AAAA")["status"] == \
            "SERVFAIL"
        name = ipaddress.ip_address(embed(WKP, "198.51.100.7"))
        assert dig(port, name.reverse_pointer, "PTR")["status"] == \
            "SERVFAIL"
        assert dig(port, "ipv4only.arpa", "AAAA")["status"] == "NOERROR"


def test_ptr_ipv4only_off_forwarded(nsd, dns64_factory):
    """RFC 6147 §5.3.1 ("MAY"), RFC 8880: with ptr and ipv4only off the
    queries go upstream (NSD, not authoritative for them, refuses)."""
    port, _ = dns64_factory("127.0.0.1:%d" % nsd, "ptr = off\n"
                            "ipv4only = off\n")
    name = ipaddress.ip_address(embed(WKP, "198.51.100.7")).reverse_pointer
    assert not records(dig(port, name, "PTR"), rtype="CNAME")
    assert not records(dig(port, "ipv4only.arpa", "AAAA"))


def check(tmp_path, text):
    conf = tmp_path / "c.conf"
    conf.write_text(text)
    return subprocess.run([BIN, "--check", "-c", str(conf)],
                          capture_output=True, text=True, timeout=10)


@pytest.mark.parametrize("lines,message", [
    ("prefix = 2001:db8::/33",
     "[dns64] prefix = 2001:db8::/33: RFC 6052 §2.2 allows only"),
    ("prefix = 2001:db8:0:0:100::/96",
     "[dns64] prefix = 2001:db8:0:0:100::/96: non-zero u-octet"),
    ("prefix = 64:ff9b::/96, 64:ff9b::/96",
     "[dns64] prefix = 64:ff9b::/96: listed twice"),
    ("prefix = 192.0.2.0/24",
     "[dns64] prefix = 192.0.2.0/24: not an IPv6 prefix"),
    ("exclude = ::ffff:0:1/96",
     "[dns64] exclude = ::ffff:0:1/96: address has bits set beyond"),
    ("mapped = 2001:db8::/32",
     "[dns64] mapped = 2001:db8::/32: not an IPv4 prefix"),
    ("ptr = maybe", "[dns64] ptr = maybe: expected on or off"),
    ("[translator]\npool6 = 192.0.2.0/24",
     "[translator] pool6 = 192.0.2.0/24: not an IPv6 prefix"),
])
def test_check_synthesis_errors(tmp_path, lines, message):
    """The synthesis keys are validated (dns64_cfg_check); the error names
    the file, section, key, value and why."""
    r = check(tmp_path, "[dns64]\nlisten = 127.0.0.1:53\n"
              "upstream = 127.0.0.1\n%s\n" % lines)
    assert r.returncode == 1
    assert str(tmp_path / "c.conf") + ": " + message in r.stderr


def test_check_prefix_differs_from_pool6_warns(tmp_path):
    """DESIGN.md: one place for the prefix; a [dns64] prefix that differs
    from [translator] pool6 is legal (several prefixes) but warned about."""
    base = "[translator]\npool6 = 64:ff9b::/96\n[dns64]\n" \
           "listen = 127.0.0.1:53\nupstream = 127.0.0.1\n"
    r = check(tmp_path, base + "prefix = 2001:db8:64::/96\n")
    assert r.returncode == 0
    assert "warning" in r.stderr and "differs from [translator] pool6" \
        in r.stderr and "translates none" in r.stderr
    r = check(tmp_path, base + "prefix = 64:ff9b::/96, 2001:db8:64::/96\n")
    assert r.returncode == 0 and "need another translator" in r.stderr
    r = check(tmp_path, base + "prefix = 64:ff9b::/96\n")
    assert r.returncode == 0 and "warning" not in r.stderr
    r = check(tmp_path, base)
    assert r.returncode == 0 and "warning" not in r.stderr
