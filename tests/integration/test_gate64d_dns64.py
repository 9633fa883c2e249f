"""gate64d with a [dns64] section: the DNS64 synthesizer runs inside the
gateway, from the same file, so the AAAA records it synthesizes use the
translator's pool6 (DESIGN.md "DNS64"), and an IPv6-only client reaches
an IPv4-only portal by its name.

The lab (lab.py) with gate64d in dpdk mode; NSD, authoritative for a
zone that has only an A record for the portal, and gate64d's DNS64
listener both on the gateway namespace's loopback (in dpdk mode the
gateway's ports belong to DPDK, so its own sockets live on the host side:
here the namespace's loopback).  Everything is removed by the fixture,
also on failure."""
import os
import signal
import subprocess

import pytest

import lab as L
from dns64_util import DIG, NSD

NSD_PORT = 5301
DNS64_PORT = 5300
ZONE = """$ORIGIN portal.test.
$TTL 300
@   IN SOA ns.portal.test. admin.portal.test. 1 3600 600 86400 60
@   IN NS  ns.portal.test.
ns  IN A   127.0.0.1
www IN A   %s
""" % L.SERVER4


@pytest.fixture(scope="module")
def gw():
    for tool in (NSD, DIG, "/usr/bin/curl"):
        if not os.path.exists(tool):
            pytest.fail("%s missing: run scripts/deps.sh" % tool)
    lab = L.Lab(mode="gate64")
    try:
        lab.start_http("server", L.SERVER4, 8080, "dns64 portal page")
        lab.start_nsd("gw", "portal.test", ZONE, NSD_PORT,
                      "www.portal.test", L.SERVER4)
        proc = lab.start_gate64(extra=(
            "[dns64]\nlisten = 127.0.0.1:%d\nupstream = 127.0.0.1:%d\n"
            "threads = 1\n" % (DNS64_PORT, NSD_PORT)))
        lab.gate64d = proc

        yield lab
    finally:
        lab.close()


def aaaa_records(out):
    """(ttl, address) of every AAAA record in dig's output."""
    recs = []
    for line in out.splitlines():
        f = line.split()
        if not line.startswith(";") and len(f) == 5 and f[3] == "AAAA":
            recs.append((int(f[1]), f[4]))
    return recs


def dig_aaaa(lab, name):
    r = lab.run("gw", [DIG, "+time=2", "+tries=1", "-p", str(DNS64_PORT),
                       "@127.0.0.1", name, "AAAA"], check=True)
    return r.stdout


def test_rfc6147_5_1_7_aaaa_synthesized_with_pool6(gw):
    """RFC 6147 §5.1.7: the name has only an A record; gate64d's DNS64
    answers AAAA with the A address embedded in the translator's pool6
    (64:ff9b::/96, RFC 6052 §2.2) and TTL min(A TTL, SOA minimum)."""
    out = dig_aaaa(gw, "www.portal.test")
    assert "status: NOERROR" in out, out
    recs = aaaa_records(out)
    assert [a for _, a in recs] == ["64:ff9b::c633:6402"], out
    assert recs[0][0] <= 60, out  # SOA minimum 60 < A TTL 300


def test_rfc8880_ipv4only_arpa(gw):
    """RFC 8880 §7.1: ipv4only.arpa AAAA is answered locally with the
    well-known addresses under pool6."""
    out = dig_aaaa(gw, "ipv4only.arpa")
    assert "64:ff9b::c000:aa" in out and "64:ff9b::c000:ab" in out, out


def test_client_reaches_portal_by_synthesized_address(gw):
    """The synthesized address works through the translator: curl -6 from
    the IPv6-only client to it fetches the IPv4-only portal's page."""
    out = dig_aaaa(gw, "www.portal.test")
    addr = aaaa_records(out)[0][1]
    r = gw.run("client", ["curl", "-6", "-s", "-m", "10",
                          "http://[%s]:8080/" % addr])
    assert "dns64 portal page" in r.stdout, (r.stdout, r.stderr)


def test_counters_show_dns64_and_translation(gw):
    """SIGUSR1: gate64d prints the translator's and DNS64's counters."""
    proc = gw.gate64d
    before = gw.log_text(proc).count("dns64-synthesized ")
    proc.send_signal(signal.SIGUSR1)
    L.wait_for(lambda: gw.log_text(proc).count("dns64-synthesized ")
               > before, 5, what="counters after SIGUSR1")
    text = gw.log_text(proc)
    assert "dp_rx" in text and "nat64_sessions" in text, text[-2000:]
    synth = [l for l in text.splitlines()
             if l.startswith("dns64-synthesized ")][-1]
    assert int(synth.split()[1]) >= 1, synth


def test_check_validates_dns64_section(tmp_path):
    """gate64d --check validates [dns64] too: a bad key is named."""
    lab_conf = tmp_path / "bad.conf"
    lab_conf.write_text(
        "[port6]\ndevice = net_af_packet0,iface=x6\n"
        "address = 2001:db8:1::1/64\n"
        "[port4]\ndevice = net_af_packet1,iface=x4\n"
        "address = 198.51.100.1/24\n[pool4]\naddress = 192.0.2.1\n"
        "[dns64]\nlisten = 127.0.0.1:5300\nupstream = 127.0.0.1:5301\n"
        "threads = 0\n")
    r = subprocess.run([os.path.join(L.ROOT, "build", "gate64d"), "--check",
                        "-c", str(lab_conf)], capture_output=True,
                       text=True)
    assert r.returncode != 0
    assert "[dns64] threads = 0" in r.stderr, r.stderr


def test_gate64ctl_dns64_stats(gw):
    """gate64ctl dns64 stats, as text and as JSON: the synthesis counted."""
    import json
    sock = "/run/gate64/%s.sock" % gw.file_prefix
    ctl = os.path.join(L.ROOT, "build", "gate64ctl")
    t = subprocess.run([ctl, "-s", sock, "dns64", "stats"],
                       capture_output=True, text=True)
    assert t.returncode == 0, t.stderr
    kv = dict(l.split() for l in t.stdout.splitlines())
    assert int(kv["dns64-synthesized"]) >= 1, t.stdout
    j = subprocess.run([ctl, "-s", sock, "--json", "dns64", "stats"],
                       capture_output=True, text=True)
    assert json.loads(j.stdout)["dns64-synthesized"][0] >= 1, j.stdout
