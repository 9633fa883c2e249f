"""gate64d in mode = xdp (native XDP on the lab's veths) end to end: the
first slice of the issue "XDP/eBPF offload" — stateless SIIT (RFC 7915)
with a /96 pool6, translated by the XDP program alone and forwarded with
the kernel's FIB (bpf_fib_lookup + bpf_redirect).

  client 2001:db8:1::2 and 2001:db8:46::c000:202 (= 192.0.2.2 under pool6)
     |  c6-S                                   RFC 6052 §2.2, /96
  gw6-S  (2001:db8:1::1)   gate64d mode = xdp   gw4-S (198.51.100.1)
                                                   |
                                        server 198.51.100.2 (IPv4 only)

The gw namespace is the lab's "tayga" topology without TAYGA: the kernel
keeps its addresses, forwarding is on, and the only translator is the XDP
program.  The client reaches the server's image under pool6 from its
IPv4-translatable address; the server answers 192.0.2.2, routed back to gw.

What is checked, each naming its RFC section: curl -6 fetches the
IPv4-only server's page (RFC 7915 §4.1, §5.1, TCP checksums §4.5/§5.5);
ping through (ICMP echo, RFC 7915 §4.2, §5.2); the host's own traffic (ND,
ping to gw's addresses) still reaches the kernel; what XDP does not
translate (IPv6 fragments, RFC 7915 §5.1.1) is counted and dropped,
never forwarded half-translated; the counters; SIGTERM and SIGKILL leave
no XDP program behind; configuration and start-up errors name the fix.
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
METRICS = "127.0.0.1:9464"  # in gw's own namespace
POOL6 = L.TAYGA_POOL6                # 2001:db8:46::/96 (a /96, not WKP)
CLIENT_SIIT6 = L.nat64("192.0.2.2", POOL6)
PAGE = "gate64 xdp lab: IPv4-only portal\n"
HTTP_PORT = 8080
BIG_PORT = 8081
BIG = 40 * 1024 * 1024  # 40 MiB at 4 MB/s: 10 s, across a restart


def pin_dir(lab, name="pins"):
    """A directory on the lab's own BPF file system (`ip netns exec`
    remounts /sys, which hides /sys/fs/bpf; /tmp stays visible)."""
    return os.path.join(lab.bpffs(), name)


def conf_text(lab, extra="", pins="pins"):
    return ("[gate64]\nmode = xdp\n"
            "control-socket = %s/ctl.sock\n"
            "[translator]\ntype = siit\npool6 = %s\npool6791 = %s\n"
            "[xdp]\ninterfaces = %s, %s\npin-dir = %s\n"
            "[metrics]\nlisten = %s\n%s"
            % (lab.tmpdir, POOL6, L.POOL6791, lab.gw6, lab.gw4,
               pin_dir(lab, pins), METRICS, extra))


def start(lab, text=None, wait=True, args=()):
    return lab.start_gate64d(text if text is not None else conf_text(lab),
                             args, wait, name="gate64d-xdp", timeout=20)


def routes64(lab):
    return lab.routes64()


def xdp_attached(lab, ifname):
    """The id of the XDP program on ifname in gw, or None."""
    info = lab.link("gw", ifname)
    return (info.get("xdp") or {}).get("prog", {}).get("id")


def stats(lab, proc):
    """SIGUSR1: the counters gate64d prints, as {name: value}."""
    before = len(lab.log_text(proc))
    proc.send_signal(signal.SIGUSR1)
    L.wait_for(lambda: "neighbour-requests" in lab.log_text(proc)[before:],
               5, what="counters after SIGUSR1")
    out = {}
    text = lab.log_text(proc)[before:]
    for line in text.splitlines():
        m = re.match(r"^(\S+)\s+(\d+)\s", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    assert "xdp-translated" in out, text
    return out


@pytest.fixture(scope="module")
def lab():
    with L.Lab(mode="tayga", pool6=POOL6) as lb:
        lb.prepare_xdp(CLIENT_SIIT6)
        lb.start_http("server", "0.0.0.0", HTTP_PORT, PAGE)
        # a big file for the transfer across a restart
        lb.start_big_file("server", BIG_PORT, BIG)
        yield lb


@pytest.fixture(scope="class")
def gw(lab):
    proc = start(lab)
    yield proc
    lab.stop(proc)


def curl(lab, url, tries=3):
    """curl -6 from the client; the first SYN may meet an unresolved next
    hop (dropped and counted, the kernel asked to resolve it), so a retry
    after a second is expected at most once."""
    r = None
    for _ in range(tries):
        r = lab.run("client", ["curl", "-6", "-sS", "--max-time", "3", url])
        if r.returncode == 0:
            return r
    return r


class TestTranslating:
    """One gate64d for these (the class's fixture gw)."""

    def test_attached_native_on_both(self, lab, gw):
        """[xdp] interfaces: the program is attached to both sides, natively."""
        for ifname in (lab.gw6, lab.gw4):
            info = lab.link("gw", ifname)
            assert (info.get("xdp") or {}).get("mode") == 1, info  # XDP_ATTACHED_DRV
        assert "xdp on %s, %s (native), siit" % (lab.gw6, lab.gw4) in \
            lab.log_text(gw)


    def test_curl_through_siit(self, lab, gw):
        """RFC 7915 §4.1/§5.1 (+ §4.5/§5.5 TCP checksums): curl -6 to the
        IPv4-only server's image under pool6 returns its page, translated by
        XDP both ways."""
        before = stats(lab, gw)
        r = curl(lab, "http://[%s]:%d/" % (L.nat64(L.SERVER4, POOL6),
                                            HTTP_PORT))
        assert r.returncode == 0, r.stderr
        assert r.stdout == PAGE
        after = stats(lab, gw)
        assert after["xdp-translated"] - before["xdp-translated"] >= 6
        assert after["xdp-redirect"] - before["xdp-redirect"] >= 6
        # the server saw the client's IPv4 image, not the gateway
        with open(os.path.join(lab.tmpdir, "http-server-%d.log" % HTTP_PORT)) as f:
            assert "192.0.2.2" in f.read()


    def test_ping_through(self, lab, gw):
        """RFC 7915 §4.2, §5.2: ICMPv6 echo <-> ICMPv4 echo, both ways."""
        # the first packets each way may meet an unresolved next hop
        # (dropped, counted, the kernel asked to resolve it): warm up
        ping = ["ping", "-6", "-c", "4", "-i", "0.2", "-W", "2", "-I",
                CLIENT_SIIT6, L.nat64(L.SERVER4, POOL6)]
        lab.run("client", ping)
        before = stats(lab, gw)
        r = lab.run("client", ping)
        m = re.search(r"(\d+) received", r.stdout)
        assert m and int(m.group(1)) == 4, r.stdout + r.stderr
        # packets and bytes per direction: 4 requests of 56 data bytes
        # became 84-byte IPv4 packets (20 + 8 + 56); each reply a 104-byte
        # IPv6 packet (40 + 8 + 56)
        after = stats(lab, gw)
        d = {k: after[k] - before[k] for k in after}
        assert d["xdp-6to4-packets"] == 4 and d["xdp-6to4-bytes"] == 4 * 84
        n = int(m.group(1))
        assert d["xdp-4to6-packets"] == n and d["xdp-4to6-bytes"] == n * 104


    def test_host_traffic_reaches_the_kernel(self, lab, gw):
        """Not the translator's: ND, and ping to gw's own addresses, pass to
        the kernel (XDP_PASS, counted as xdp-to-host)."""
        before = stats(lab, gw)
        r = lab.run("client", ["ping", "-6", "-c", "2", "-i", "0.2", "-W", "2",
                               L.GW6])
        assert r.returncode == 0, r.stdout
        r = lab.run("server", ["ping", "-c", "2", "-i", "0.2", "-W", "2",
                               L.GW4])
        assert r.returncode == 0, r.stdout
        after = stats(lab, gw)
        assert after["xdp-to-host"] - before["xdp-to-host"] >= 4


    def test_fragments_dropped_and_counted(self, lab, gw):
        """RFC 7915 §5.1.1 fragments are the full core's: in mode = xdp they
        are counted (xdp-unhandled) and dropped, and nothing half-translated
        reaches the server."""
        before = stats(lab, gw)
        srv = lab.counters("server", lab.ifname["server"])["rx"]["packets"]
        r = lab.run("client", ["ping", "-6", "-c", "2", "-i", "0.2", "-W", "1",
                               "-s", "3000", "-I", CLIENT_SIIT6,
                               L.nat64(L.SERVER4, POOL6)])
        assert " 0 received" in r.stdout
        after = stats(lab, gw)
        assert after["xdp-unhandled"] - before["xdp-unhandled"] >= 4  # 2 x 3
        srv2 = lab.counters("server", lab.ifname["server"])["rx"]["packets"]
        assert srv2 - srv <= 2  # at most ARP, never a translated fragment


    def test_errors_say_how_to_fix(self, lab, gw):
        """Start-up errors name the key and the fix: an interface that is not
        there, a second program on an interface, forwarding off; and
        configuration errors at --check."""
        bad = conf_text(lab).replace(lab.gw4, "nosuch0")
        p = start(lab, bad, wait=False)
        assert p.wait(10) == 1
        assert "[xdp] interfaces = nosuch0: no such interface" in \
            lab.log_text(p)
        # gw (the class's instance) holds its pin-dir and both interfaces
        p = start(lab, wait=False)
        assert p.wait(10) == 1
        assert "another gate64d uses it" in lab.log_text(p)
        p = start(lab, conf_text(lab, pins="other"), wait=False)
        assert p.wait(10) == 1
        assert "another XDP program is attached" in lab.log_text(p)
        assert not os.path.exists(pin_dir(lab, "other"))

        for text, want in (
                (conf_text(lab) + "[port6]\ndevice = net_null0\n",
                 "[port6]: not used with mode = xdp"),):
            path = os.path.join(lab.tmpdir, "bad.conf")
            with open(path, "w") as f:
                f.write(text)
            r = subprocess.run([GATE64D, "--check", "-c", path],
                               capture_output=True, text=True)
            assert r.returncode == 1 and want in r.stderr, r.stderr


    def test_gate64ctl_and_metrics(self, lab, gw):
        """The control socket in mode = xdp: status and stats in both
        formats, from the program's counters; what this mode has not
        (tables, changes) is refused with the reason; the metrics
        endpoint gives the same counters."""
        sock = os.path.join(lab.tmpdir, "ctl.sock")

        def ctl(*args):
            return subprocess.run([GATE64CTL, "-s", sock] + list(args),
                                  capture_output=True, text=True)
        r = ctl("status")
        assert r.returncode == 0, r.stderr
        assert "mode xdp" in r.stdout and "pool6 %s" % POOL6 in r.stdout
        st = json.loads(ctl("--json", "status").stdout)
        assert st["mode"] == "xdp" and st["interfaces"] == [lab.gw6,
                                                             lab.gw4]
        text = ctl("stats").stdout
        assert re.search(r"^xdp-redirect\s+\d+\s+# translated and sent",
                         text, re.M), text
        js = json.loads(ctl("--json", "stats").stdout)
        assert js["xdp-translated"][0] > 0
        assert js["xdp-unhandled"][1].startswith("dropped: for the")
        r = ctl("session", "list")
        assert r.returncode != 0 and "no NAT64 state" in \
            (r.stdout + r.stderr)
        r = ctl("eam", "add", "x", "198.51.100.10", "2001:db8:64::10")
        assert r.returncode != 0 and "not in mode = xdp" in \
            (r.stdout + r.stderr)
        m = lab.run("gw", ["curl", "-sS", "http://%s/metrics" % METRICS])
        assert m.returncode == 0, m.stderr
        got = re.search(r'^gate64_xdp_total\{counter="xdp-translated"\} '
                        r'(\d+)$', m.stdout, re.M)
        assert got and int(got.group(1)) >= js["xdp-translated"][0]

    def test_reload_swaps_the_program(self, lab, gw):
        """Transactional reload in mode = xdp (gate64ctl reload): a live key
        changed ([translator] reset-tos / new-tos, RFC 7915 §5.1 TOS)
        rebuilds the program and swaps it in on both links at once
        (bpf_link_update: new program id, the same pinned counters), and
        the server then sees the new TOS; a key that needs a restart
        (pool6), or a broken file, changes nothing."""
        sock = os.path.join(lab.tmpdir, "ctl.sock")
        conf = gw.conf_path
        with open(conf) as f:
            orig = f.read()

        def reload():
            return subprocess.run([GATE64CTL, "-s", sock, "reload"],
                                  capture_output=True, text=True)

        def tos_seen():
            """The TOS of the client's next echo request at the server."""
            sniff = lab.popen("server", [
                L.PYTHON, "-c",
                "from scapy.all import sniff, IP\n"
                "p = sniff(iface=%r, count=1, timeout=8, filter='icmp "
                "and icmp[0] = 8')\nprint('TOS', p[0][IP].tos if p else "
                "None, flush=True)" % lab.ifname["server"]], log=None)
            time.sleep(1.0)  # scapy up
            lab.run("client", ["ping", "-6", "-c", "3", "-i", "0.3", "-I",
                               CLIENT_SIIT6, L.nat64(L.SERVER4, POOL6)])
            sniff.wait(15)
            m = re.search(r"TOS (\d+)", lab.log_text(sniff))
            return int(m.group(1)) if m else None

        prog = xdp_attached(lab, lab.gw6)
        before = stats(lab, gw)["xdp-translated"]
        assert tos_seen() == 0
        try:
            with open(conf, "w") as f:
                f.write(orig.replace("[translator]\n", "[translator]\n"
                                     "reset-tos = yes\nnew-tos = 32\n"))
            r = reload()
            assert r.returncode == 0, r.stdout + r.stderr
            assert "new-tos" in r.stdout + r.stderr
            prog2 = xdp_attached(lab, lab.gw6)
            assert prog2 != prog and xdp_attached(lab, lab.gw4) == prog2
            assert tos_seen() == 32
            assert stats(lab, gw)["xdp-translated"] > before  # pinned
            # a restart key: refused, nothing changed
            with open(conf, "w") as f:
                f.write(orig.replace(POOL6, "2001:db8:47::/96"))
            r = reload()
            assert r.returncode != 0
            assert "pool6" in r.stdout + r.stderr, r.stdout + r.stderr
            assert xdp_attached(lab, lab.gw6) == prog2
            # a broken file: refused, nothing changed
            with open(conf, "w") as f:
                f.write(orig.replace("attach", "atach"))
            with open(conf, "a") as f:
                f.write("[xdp]\nbogus = 1\n")
            r = reload()
            assert r.returncode != 0 and "refused" in r.stdout + r.stderr
            assert xdp_attached(lab, lab.gw6) == prog2
        finally:
            with open(conf, "w") as f:
                f.write(orig)
            reload()
        assert tos_seen() == 0

    def test_link_down_withdraws_pool6(self, lab, gw):
        """Netlink: pool6 is a route (protocol 64) for as long as gate64d
        runs, for a routing daemon to announce; the IPv6 side going down
        takes it away (the announcement is withdrawn) and gate64d says so;
        back up, gate64d installs it again."""
        assert routes64(lab) == [(POOL6, lab.gw6)]
        lab._ip("gw", "link", "set", lab.gw6, "down")
        try:
            L.wait_for(lambda: "link %s down" % lab.gw6 in
                       lab.log_text(gw), 5, what="link down reported")
            assert routes64(lab) == []
        finally:
            lab._ip("gw", "link", "set", lab.gw6, "up")
        L.wait_for(lambda: routes64(lab) == [(POOL6, lab.gw6)], 5,
                   what="pool6 route back after link up")
        # the link's own IPv6 address and the route to the client went
        # with it (the lab's, not gate64d's): the operator's part again
        lab._ip("gw", "addr", "replace", L.GW6 + "/64", "dev", lab.gw6,
                "nodad")
        lab._ip("gw", "-6", "route", "replace", CLIENT_SIIT6 + "/128",
                "via", L.CLIENT6, "dev", lab.gw6)
        # and translation goes on (the neighbours were flushed: retries)
        r = curl(lab, "http://[%s]:%d/" % (L.nat64(L.SERVER4, POOL6),
                                            HTTP_PORT))
        assert r.returncode == 0 and r.stdout == PAGE, r.stderr


EAM_CONF = "[eam]\nportal = %s/32 %s/128\n" % (L.PORTAL4, L.PORTAL6)


class TestEam:
    """RFC 7757 in XDP: gate64d mode = xdp with the lab's EAM entry (the
    server's 198.51.100.10 <-> 2001:db8:64::10), its own gate64d."""

    @pytest.fixture(scope="class")
    def gw_eam(self, lab):
        proc = start(lab, conf_text(lab, EAM_CONF))
        yield proc
        lab.stop(proc)

    def test_curl_to_the_portal_eam_address(self, lab, gw_eam):
        """RFC 7757 §3.3: curl -6 to the portal's EAM address returns its
        page; the destination is mapped through the EAM entry (not pool6),
        the reply's source back to the EAM address, both by XDP
        (xdp-translated grows; the route to the EAM prefix is gate64d's)."""
        assert (L.PORTAL6 + "/128", lab.gw6) in routes64(lab) or \
            (L.PORTAL6, lab.gw6) in routes64(lab), routes64(lab)
        before = stats(lab, gw_eam)
        r = None
        for _ in range(3):  # the first SYN may meet an unresolved next hop
            r = lab.run("client", ["curl", "-6", "-sS", "--max-time", "3",
                                   "--interface", CLIENT_SIIT6,
                                   "http://[%s]:%d/" % (L.PORTAL6,
                                                        HTTP_PORT)])
            if r.returncode == 0:
                break
        assert r.returncode == 0, r.stderr
        assert r.stdout == PAGE
        after = stats(lab, gw_eam)
        assert after["xdp-translated"] - before["xdp-translated"] >= 6
        assert after["xdp-6to4-packets"] - before["xdp-6to4-packets"] >= 3
        assert after["xdp-4to6-packets"] - before["xdp-4to6-packets"] >= 3
        # the server saw the client's pool6 image, on its EAM address
        with open(os.path.join(lab.tmpdir,
                               "http-server-%d.log" % HTTP_PORT)) as f:
            assert "192.0.2.2" in f.read()


@pytest.fixture
def stop_all(lab):
    """Whatever gate64d a test started is stopped after it, even when it
    fails (so the next test finds its interfaces free), and then every
    pin is removed (the program detaches with its last link)."""
    yield
    for p in lab.procs:
        if p.poll() is None and "gate64d" in " ".join(p.args):
            lab.stop(p)
    subprocess.run(["rm", "-rf", pin_dir(lab)], check=False)


def gone(lab):
    return (xdp_attached(lab, lab.gw6) is None and
            xdp_attached(lab, lab.gw4) is None and
            not os.path.exists(pin_dir(lab)))


def test_sigterm_removes_everything(lab, stop_all):
    """SIGTERM without --keep-state: exit 0, the counters printed, no
    program on either interface, the pinned links and maps gone."""
    proc = start(lab)
    assert xdp_attached(lab, lab.gw6)
    assert routes64(lab) == [(POOL6, lab.gw6)]
    pins = os.listdir(pin_dir(lab))
    assert {"link-" + lab.gw4, "link-" + lab.gw6, "xdp_counters"} <= \
        set(pins), pins
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0, lab.log_text(proc)
    assert "xdp-translated" in lab.log_text(proc)
    assert gone(lab), os.listdir(lab.bpffs())
    assert routes64(lab) == []


def test_restart_keeps_a_transfer_running(lab, stop_all):
    """Issue 5, state: gate64d --keep-state stopped in the middle of a long
    TCP transfer and started again: the program kept translating (pinned
    links), the new gate64d adopts it (bpf_link_update) and its counters
    (pinned maps), and the transfer completes, every byte."""
    proc = start(lab, args=["--keep-state"])
    url = "http://[%s]:%d/big.bin" % (L.nat64(L.SERVER4, POOL6), BIG_PORT)
    out = os.path.join(lab.tmpdir, "big.out")
    dl = lab.download_under_way(url, out, log="curl-big.log")
    before = stats(lab, proc)["xdp-translated"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0, lab.log_text(proc)
    assert "--keep-state" in lab.log_text(proc)
    assert xdp_attached(lab, lab.gw6) and xdp_attached(lab, lab.gw4)
    assert routes64(lab) == [(POOL6, lab.gw6)]  # still announced
    # no gate64d: the pinned program translates alone (curl's rate
    # limit reads in bursts: allow it a few seconds to show progress)
    size = os.path.getsize(out)
    L.wait_for(lambda: os.path.getsize(out) > size, 5,
               what="progress of the transfer without gate64d")
    assert dl.poll() is None, "finished before the restart: make BIG larger"
    proc2 = start(lab)
    assert "adopted the running program" in lab.log_text(proc2)
    assert dl.wait(60) == 0, lab.log_text(dl)
    assert os.path.getsize(out) == BIG
    # the counters carried over the restart (pinned maps)
    assert stats(lab, proc2)["xdp-translated"] > before
    assert "already present" not in lab.log_text(proc2)  # adopted
    proc2.send_signal(signal.SIGTERM)
    assert proc2.wait(10) == 0
    assert gone(lab)
    assert routes64(lab) == []


def test_sigkill_then_adopted(lab, stop_all):
    """Killed, gate64d leaves the program translating (pinned links: the
    dataplane outlives its control plane); the next gate64d adopts it, and
    its clean stop removes everything."""
    proc = start(lab)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert xdp_attached(lab, lab.gw6) and xdp_attached(lab, lab.gw4)
    r = curl(lab, "http://[%s]:%d/" % (L.nat64(L.SERVER4, POOL6),
                                        HTTP_PORT))
    assert r.returncode == 0 and r.stdout == PAGE, r.stderr
    proc2 = start(lab)
    assert "adopted the running program" in lab.log_text(proc2)
    proc2.send_signal(signal.SIGTERM)
    assert proc2.wait(10) == 0
    assert gone(lab)


def test_counters_of_another_version_carried(lab, stop_all):
    """An upgrade across a version that added a counter: the forwarding
    counters map pinned by the older gate64d has fewer entries.  gate64d
    makes a new one, carries the old counts into it and starts (the
    other pinned maps, the flows' state, are kept as they are)."""
    d = pin_dir(lab)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "xdp_fwd_counters")
    subprocess.run(["bpftool", "map", "create", path, "type",
                    "percpu_array", "key", "4", "value", "8", "entries",
                    "5", "name", "xdp_fwd_counter"], check=True)
    # entry 0, xdp-6to4-packets: 7 on every CPU
    subprocess.run(["bpftool", "map", "update", "pinned", path, "key",
                    "0", "0", "0", "0", "value", "7", "0", "0", "0", "0",
                    "0", "0", "0"], check=True)
    ncpu = os.cpu_count()
    proc = start(lab)
    log = lab.log_text(proc)
    assert "xdp_fwd_counters pinned by another gate64 version has 5 " \
        "entries" in log, log
    assert stats(lab, proc)["xdp-6to4-packets"] >= 7 * ncpu
    info = json.loads(subprocess.run(["bpftool", "-j", "map", "show",
                                      "pinned", path], capture_output=True,
                                     text=True, check=True).stdout)
    assert info["max_entries"] > 5, info
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    assert gone(lab)


def test_forwarding_off_refused():
    """bpf_fib_lookup does not forward when forwarding is off: gate64d
    refuses to start and says which sysctl to set."""
    with L.Lab(mode="tayga", pool6=POOL6) as lb:
        lb.sysctl("gw", **{"net.ipv6.conf.all.forwarding": 0})
        p = start(lb, wait=False)
        assert p.wait(10) == 1
        assert "IPv6 forwarding is off" in lb.log_text(p)
        assert "net.ipv6.conf.all.forwarding=1" in lb.log_text(p)
