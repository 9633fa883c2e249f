"""gate64-dns64 forwarding to a real authoritative server (NSD) on loopback.

What is checked (DESIGN.md "DNS64", issue 7): answers to the queries DNS64
does not touch (RFC 6147 §5.3.3: A and other types) are forwarded exactly
(rcode, flags, every section) for an A-only name, a dual-stack name, a CNAME
chain, NODATA and NXDOMAIN (AAAA and PTR: test_dns64_synth.py); a large answer makes the upstream UDP answer truncated
(gate64-dns64 asks again over TCP, RFC 7766 §5) and the client sees TC over
UDP then the whole answer over TCP; a client outside the allow list gets
REFUSED; every upstream down gives SERVFAIL; --check names the bad key.

Needs (scripts/deps.sh): nsd, bind9-dnsutils (dig), python3-pytest.  Only
loopback, temporary directories; every process started is stopped by its
fixture's finalizer (conftest.py, helpers in dns64_util.py).
"""
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from dns64_util import BIN, ROOT, dig, norm

ZONE = """$ORIGIN example.test.
$TTL 300
@        IN SOA ns.example.test. host.example.test. 1 3600 600 86400 120
@        IN NS  ns
ns       IN A   127.0.0.1
a-only   IN A   192.0.2.1
dual     IN A   192.0.2.2
dual     IN AAAA 2001:db8::2
c1       IN CNAME c2
c2       IN CNAME a-only
"""
# 50 TXT records of 120 bytes: ~7 KB, far above 1232 bytes over UDP (and
# within the codec's DNS_RR_MAX of 64 records per section)
BIG = 50
ZONE += "".join('big IN TXT "%03d-%s"\n' % (i, "x" * 116) for i in range(BIG))


@pytest.fixture(scope="module")
def nsd(nsd_factory):
    return nsd_factory({"example.test": ZONE}, "a-only.example.test")


@pytest.fixture
def dns64(nsd, dns64_factory):
    port, _ = dns64_factory("127.0.0.1:%d" % nsd)
    return port


# AAAA queries are DNS64's business (RFC 6147 §5.1): test_dns64_synth.py
@pytest.mark.parametrize("name,qtype", [
    ("a-only.example.test", "A"),
    ("dual.example.test", "A"),
    ("c1.example.test", "A"),             # CNAME chain
    ("nope.example.test", "A"),           # NXDOMAIN
    ("a-only.example.test", "TXT"),       # NODATA: SOA in authority
    ("dual.example.test", "MX"),
])
def test_forwarded_exactly(nsd, dns64, name, qtype):
    direct = dig(nsd, name, qtype)
    via = dig(dns64, name, qtype)
    assert via["status"] == direct["status"]
    assert norm(via["sections"]) == norm(direct["sections"])
    # flags from upstream (aa from NSD) plus recursion as asked
    assert via["flags"] - {"ra"} == direct["flags"] - {"ra"}
    # second time from the cache: same records, TTLs not above the original
    again = dig(dns64, name, qtype)
    assert again["status"] == direct["status"]
    assert norm(again["sections"]) == norm(direct["sections"])
    for sec in ("ANSWER", "AUTHORITY"):
        for r1, r2 in zip(sorted(direct["sections"].get(sec, [])),
                          sorted(again["sections"].get(sec, []))):
            assert int(r2[1]) <= int(r1[1])


def test_question_case_kept(dns64):
    r = dig(dns64, "A-OnLy.ExAmPle.TeSt", "A")
    assert r["status"] == "NOERROR"
    assert "A-OnLy.ExAmPle.TeSt." in r["raw"]
    assert r["sections"]["ANSWER"][0][4] == "192.0.2.1"


def test_large_answer_tc_then_tcp(nsd, dns64):
    # RFC 7766 §5: upstream UDP answer has TC: gate64-dns64 asks over TCP;
    # the client, limited to 1232 over UDP, gets TC and no partial RRset
    udp = dig(dns64, "big.example.test", "TXT", "+ignore", "+bufsize=1232")
    assert udp["status"] == "NOERROR"
    assert "tc" in udp["flags"]
    assert not udp["sections"].get("ANSWER")
    # dig retries over TCP by itself
    full = dig(dns64, "big.example.test", "TXT", "+bufsize=1232")
    assert "tc" not in full["flags"]
    assert len(full["sections"]["ANSWER"]) == BIG
    direct = dig(nsd, "big.example.test", "TXT", "+tcp")
    assert norm(full["sections"], ("ANSWER",)) == \
        norm(direct["sections"], ("ANSWER",))
    # over TCP directly, and without EDNS (512 bytes: TC)
    tcp = dig(dns64, "big.example.test", "TXT", "+tcp")
    assert len(tcp["sections"]["ANSWER"]) == BIG
    plain = dig(dns64, "big.example.test", "TXT", "+ignore", "+noedns")
    assert "tc" in plain["flags"]


def test_acl_refused(dns64):
    # 127.0.0.2 is loopback but outside allow = 127.0.0.1/32
    r = dig(dns64, "a-only.example.test", "A", "-b", "127.0.0.2")
    assert r["status"] == "REFUSED"
    assert not r["sections"].get("ANSWER")
    ok = dig(dns64, "a-only.example.test", "A", "-b", "127.0.0.1")
    assert ok["status"] == "NOERROR"


def test_upstream_down_servfail(dns64_factory):
    # the only upstream swallows every query: each attempt times out
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))
        t0 = time.time()
        port, _ = dns64_factory("127.0.0.1:%d" % sink.getsockname()[1])
        assert time.time() - t0 < 5  # 2 attempts of 300 ms
        r = dig(port, "dual.example.test", "AAAA")
        assert r["status"] == "SERVFAIL"
        assert ";dual.example.test.\t" in r["raw"]


def test_stops_cleanly(nsd, dns64_factory):
    port, proc = dns64_factory("127.0.0.1:%d" % nsd)
    assert dig(port, "dual.example.test", "AAAA")["status"] == "NOERROR"
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0
    log = proc.log_path.read_text()
    assert "stopped" in log
    assert re.search(r"^queries [1-9]", log, re.M)


@pytest.mark.parametrize("line,message", [
    ("listen = 127.0.0.1:99999",
     "[dns64] listen = 127.0.0.1:99999: port out of range"),
    ("listen = 127.0.0.1:53\nthreads = 0",
     "[dns64] threads = 0: out of range"),
    ("listen = 127.0.0.1:53\nallow = 10.0.0.1/8",
     "[dns64] allow = 10.0.0.1/8: address has bits set beyond"),
    ("listen = 127.0.0.1:53\nfrobnicate = 1",
     "[dns64] frobnicate = 1: unknown key"),
])
def test_check_errors(tmp_path, line, message):
    conf = tmp_path / "bad.conf"
    conf.write_text("[dns64]\nupstream = 127.0.0.1\n%s\n" % line)
    r = subprocess.run([BIN, "--check", "-c", str(conf)],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1
    assert message in r.stderr


def test_check_example_conf():
    r = subprocess.run([BIN, "--check", "-c",
                        os.path.join(ROOT, "conf", "gate64-dns64.conf")],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
