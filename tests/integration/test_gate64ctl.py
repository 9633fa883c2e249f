"""gate64ctl against a running gate64d (dpdk mode, in the namespace lab):
status, stats, session and BIB lists in both output formats, filters,
paging, errors, and a control socket that survives malformed, oversized
and silent clients (DESIGN.md "Security and robustness baseline"); the
Prometheus endpoint scraped with curl after a known traffic pattern.
The lab and gate64d are removed by the fixture, also on failure."""
import json
import os
import socket
import subprocess
import time

import pytest

import lab as L

CTL = os.path.join(L.ROOT, "build", "gate64ctl")
PAGE_TEXT = "ctl portal page"
METRICS_PORT = 9464


@pytest.fixture(scope="module")
def gw():
    if not os.path.exists(CTL):
        pytest.fail("%s missing: run make" % CTL)
    lab = L.Lab(mode="gate64")
    try:
        lab.start_http("server", L.SERVER4, 8080, PAGE_TEXT)
        lab.sock = os.path.join(lab.tmpdir, "gate64.sock")
        lab.maplog = os.path.join(lab.tmpdir, "mapping.log")
        lab.gate64d = lab.start_gate64(
            extra={"gate64": {"control-socket": lab.sock,
                              "control-socket-group": "nogroup"},
                   "nat64": {"mapping-log": lab.maplog},
                   "metrics": {"listen": "127.0.0.1:%d" % METRICS_PORT}})
        url = "http://[%s]:8080/" % L.nat64(L.SERVER4)
        r = lab.run("client", ["curl", "-6", "-sS", "-m", "5", url])
        assert r.stdout == PAGE_TEXT, r.stderr
        r = lab.run("client", ["ping", "-6", "-c", "1", "-W", "2",
                               L.nat64(L.SERVER4)])
        assert r.returncode == 0, r.stdout
        yield lab
        lab.stop(lab.gate64d)
        assert lab.gate64d.returncode == 0, lab.log_text(lab.gate64d)
        assert not os.path.exists(lab.sock), "control socket left behind"
    finally:
        lab.close()


def ctl(gw, *args):
    return subprocess.run([CTL, "-s", gw.sock] + list(args),
                          capture_output=True, text=True, timeout=10)


def test_socket_mode_and_group(gw):
    """[gate64] control-socket-mode and -group set the socket file's
    permissions (0660 by default) and group."""
    import grp
    st = os.stat(gw.sock)
    assert st.st_mode & 0o777 == 0o660
    assert st.st_gid == grp.getgrnam("nogroup").gr_gid


def test_status(gw):
    r = ctl(gw, "status")
    assert r.returncode == 0, r.stderr
    kv = dict(l.split(" ", 1) for l in r.stdout.splitlines())
    assert kv["mode"] == "dpdk" and kv["type"] == "nat64", r.stdout
    assert kv["pool6"] == "64:ff9b::/96"
    assert int(kv["sessions"]) >= 2 and int(kv["bib"]) >= 2, r.stdout
    j = json.loads(ctl(gw, "--json", "status").stdout)
    assert j["workers"] == 1 and j["sessions"] == int(kv["sessions"])


def test_stats_every_counter_explained(gw):
    r = ctl(gw, "stats")
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if l]
    names = {l.split()[0]: int(l.split()[1]) for l in lines}
    assert names["dp_rx"] > 0 and names["xlat_in_ipv6"] > 0, r.stdout
    assert all("# " in l for l in lines), r.stdout
    j = json.loads(ctl(gw, "--json", "stats").stdout)
    assert j["dp_rx"][0] >= names["dp_rx"]
    assert j["dp_rx"][1] == "frames received"


def test_session_list_shows_the_flows(gw):
    """RFC 6146 §3.2: the session of the curl (TCP to :8080) and of the
    ping (ICMP), each with its BIB mapping onto pool4."""
    r = ctl(gw, "session", "list")
    assert r.returncode == 0, r.stderr
    rows = [l.split() for l in r.stdout.splitlines()[1:]]
    tcp = [x for x in rows if x[0] == "tcp"]
    assert tcp, r.stdout
    assert tcp[0][1].startswith("[%s]:" % L.CLIENT6)
    assert tcp[0][2].startswith(L.POOL4 + ":")
    assert tcp[0][3] == "%s:8080" % L.SERVER4
    assert any(x[0] == "icmp" for x in rows), r.stdout
    j = json.loads(ctl(gw, "--json", "session", "list").stdout)
    assert {e["proto"] for e in j["entries"]} >= {"tcp", "icmp"}
    e = [e for e in j["entries"] if e["proto"] == "tcp"][0]
    assert e["src6"] == L.CLIENT6 and e["addr4"] == L.POOL4
    assert e["remote4"] == L.SERVER4 and e["rport"] == 8080


def test_filters_and_paging(gw):
    r = ctl(gw, "session", "list", "--proto", "icmp")
    rows = r.stdout.splitlines()[1:]
    assert rows and all(l.startswith("icmp") for l in rows), r.stdout
    r = ctl(gw, "session", "list", "--src", "2001:db8:ffff::1")
    assert r.returncode == 0 and r.stdout.splitlines()[1:] == [], r.stdout
    r = ctl(gw, "bib", "list", "--limit", "1")
    assert len(r.stdout.splitlines()[1:]) == 1, r.stdout
    j = json.loads(ctl(gw, "--json", "bib", "list").stdout)
    assert len(j["entries"]) >= 2
    assert all(e["static"] is False for e in j["entries"])


def test_errors_say_what_is_wrong(gw):
    r = ctl(gw, "session", "list", "--proto", "sctp")
    assert r.returncode == 1
    assert "proto=sctp: tcp, udp or icmp" in r.stderr, r.stderr
    r = ctl(gw, "frobnicate")
    assert r.returncode == 2 and "unknown command" in r.stderr
    r = subprocess.run([CTL, "-s", "/nonexistent/gate64.sock", "status"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "is gate64d running" in r.stderr


def raw(gw, data, wait=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(gw.sock)
    s.sendall(data)
    if not wait:
        return s
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    return out.decode()


def test_malformed_and_oversized_requests(gw):
    assert raw(gw, b"2 status\n").startswith("error: protocol version")
    assert raw(gw, b"x" * 3000).startswith("error: request longer")
    assert raw(gw, b"1 session list limit=0\n").startswith(
        "error: limit=0")
    assert raw(gw, b"1 status\n").startswith("ok\n")


def test_silent_client_does_not_block_others(gw):
    """A client that connects and says nothing is dropped after the
    socket's timeout; the next client is served."""
    silent = raw(gw, b"", wait=False)
    t = time.monotonic()
    r = ctl(gw, "status")
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - t < 5
    silent.close()


def scrape(gw, path="/metrics"):
    r = gw.run("gw", ["curl", "-sS", "-m", "5", "-w", "\n%{http_code}",
                      "http://127.0.0.1:%d%s" % (METRICS_PORT, path)])
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body


def metric(body, name):
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError("%s not in the metrics:\n%s" % (name, body))


def test_metrics_after_known_traffic(gw):
    """Ten pings through the gateway move the packet counters by ten
    each way and leave one ICMP session (RFC 6146 §3.5.3)."""
    code, before = scrape(gw)
    assert code == 200, before
    assert "# TYPE gate64_packets counter" in before
    r = gw.run("client", ["ping", "-6", "-c", "10", "-i", "0.05", "-W", "2",
                          L.nat64(L.SERVER4)])
    assert r.returncode == 0, r.stdout
    code, after = scrape(gw)
    assert code == 200
    for side in ("ipv6", "ipv4"):
        name = 'gate64_packets_total{from="%s"}' % side
        assert metric(after, name) - metric(before, name) == 10, side
    fwd = 'gate64_verdicts_total{verdict="forward"}'
    assert metric(after, fwd) - metric(before, fwd) == 20
    assert metric(after, "gate64_nat64_sessions") >= 2  # + the curl's
    assert metric(after, 'gate64_reasons_total{reason="nat64-no-mapping"}') \
        == metric(before, 'gate64_reasons_total{reason="nat64-no-mapping"}')
    # pool4 utilisation per address: the ping's identifier holds one
    assert metric(after, 'gate64_pool4_ports_used{address="%s",'
                  'proto="icmp"}' % L.POOL4) >= 1
    assert metric(after, 'gate64_pool4_ports{address="%s",proto="tcp"}'
                  % L.POOL4) == 64512


def test_metrics_unknown_path(gw):
    code, body = scrape(gw, "/other")
    assert code == 404 and "GET /metrics" in body


def test_timeouts_eam_pool4(gw):
    """The running configuration: RFC 6146 §4 timeouts, the EAM table
    (RFC 7757), pool4 with the ports the flows use."""
    r = ctl(gw, "timeouts", "show")
    assert r.returncode == 0, r.stderr
    t = dict(l.split() for l in r.stdout.splitlines())
    assert t == {"udp": "300", "icmp": "60", "tcp-est": "7440",
                 "tcp-trans": "240", "tcp-syn": "6"}, r.stdout
    assert json.loads(ctl(gw, "--json", "timeouts", "show").stdout)[
        "tcp-est"] == 7440
    r = ctl(gw, "eam", "list")
    assert "%s/32 %s/128" % (L.PORTAL4, L.PORTAL6) in r.stdout, r.stdout
    r = ctl(gw, "pool4", "list")
    assert "range %s tcp 1024-65535" % L.POOL4 in r.stdout, r.stdout
    used = {l.split()[1]: int(l.split()[2]) for l in r.stdout.splitlines()
            if l.startswith("usage ")}
    assert used["tcp"] >= 1 and used["icmp"] >= 1, r.stdout
    j = json.loads(ctl(gw, "--json", "pool4", "list").stdout)
    assert j["usage"]["tcp"]["total"] == 64512


def test_log_lookup_names_the_client(gw):
    """RFC 6888 §4: the pool4 port of the curl's session, looked up at
    the current time, names the IPv6 client that held it."""
    rows = [l.split() for l in ctl(gw, "session", "list").stdout
            .splitlines()[1:] if l.startswith("tcp")]
    assert rows
    port = rows[0][2].split(":")[1]
    deadline = time.time() + 5
    while True:  # the control thread writes the log every 50 ms
        r = ctl(gw, "log", "lookup", L.POOL4, port, "tcp",
                str(int(time.time())))
        if "NAT64_BIB_CREATE" in r.stdout or time.time() > deadline:
            break
        time.sleep(0.1)
    assert r.returncode == 0, r.stderr
    assert "src=[%s]:" % L.CLIENT6 in r.stdout, r.stdout
    assert "still held" in r.stdout
    r = ctl(gw, "log", "lookup", L.POOL4, "1", "udp", "2000-01-01T00:00:00Z")
    assert r.stdout.strip() == "nobody", r.stdout


def test_dns64_stats_without_dns64(gw):
    r = ctl(gw, "dns64", "stats")
    assert r.returncode == 1 and "no [dns64] section" in r.stderr


def test_privileges_dropped_after_setup(gw):
    """After set-up the control thread, the workers and the DNS64 threads
    keep only CAP_NET_ADMIN (bit 12: the ports detach at exit); the EAL's
    own service threads are the documented exception (docs/control.md)."""
    pid = gw.gate64d.pid
    threads = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            st = dict(l.split(":", 1) for l in f.read().splitlines()
                      if ":" in l)
        threads[tid] = (st["Name"].strip(), int(st["CapEff"], 16))
    ours = {t: v for t, v in threads.items()
            if v[0] == "gate64d" or v[0].startswith("rte-worker")}
    assert str(pid) in ours and any(
        n.startswith("rte-worker") for n, _ in ours.values()), threads
    for tid, (name, cap) in ours.items():
        assert cap == 1 << 12, "%s (%s) CapEff %x" % (tid, name, cap)
    with open("/proc/%d/status" % pid) as f:
        assert "NoNewPrivs:\t1" in f.read()


def test_subscriber_show(gw):
    """The client's /56 (RFC 6146 §3.5.1.1 subscriber accounting): its
    sessions and mappings, from the worker that owns it."""
    r = ctl(gw, "subscriber", "show", L.CLIENT6)
    assert r.returncode == 0, r.stderr
    kv = dict(l.split(" ", 1) for l in r.stdout.splitlines())
    assert kv["subscriber"] == "2001:db8:1::/56", r.stdout
    assert int(kv["sessions"].split()[0]) >= 1 and int(kv["bib"]) >= 1
    j = json.loads(ctl(gw, "--json", "subscriber", "show",
                       "2001:db8:1:ff::/64").stdout)
    assert j["subscriber"] == "2001:db8:1::/56" and j["active"] is True
    r = ctl(gw, "subscriber", "show", "2001:db8:99::1")
    assert "no state" in r.stdout, r.stdout


@pytest.mark.parametrize("cmd", [
    ["status"], ["stats"], ["session", "list"], ["bib", "list"],
    ["timeouts", "show"], ["eam", "list"], ["pool4", "list"],
    ["subscriber", "show", L.CLIENT6],
    ["log", "lookup", L.POOL4, "1", "udp", "0"]],
    ids=lambda c: " ".join(c[:2]))
def test_every_read_command_in_both_formats(gw, cmd):
    """Issue (control plane): every gate64ctl command against a running
    gateway, as text and as JSON (that parses)."""
    t = ctl(gw, *cmd)
    assert t.returncode == 0 and t.stdout.strip(), t.stderr
    j = ctl(gw, "--json", *cmd)
    assert j.returncode == 0, j.stderr
    json.loads(j.stdout)


def stats_json(gw):
    r = ctl(gw, "--json", "stats")
    assert r.returncode == 0, r.stderr
    return {k: v[0] for k, v in json.loads(r.stdout).items()}


def stats_text(gw):
    r = ctl(gw, "stats")
    assert r.returncode == 0, r.stderr
    return {l.split()[0]: int(l.split()[1]) for l in r.stdout.splitlines()
            if l.strip()}


BYTES = ("dp_bytes_6to4_in", "dp_bytes_6to4_out", "dp_bytes_4to6_in",
         "dp_bytes_4to6_out")


def test_byte_counters_after_ten_pings(gw):
    """Ten echo requests of 56 data bytes and their replies: 6to4 takes in
    10 x 104 IPv6 bytes (40 + 8 + 56) and sends 10 x 84 IPv4 bytes
    (20 + 8 + 56, RFC 7915 §5.1 drops the 20-byte difference of the
    headers); 4to6 the reverse.  In stats (text and JSON) and in the
    metrics, exactly."""
    before, j0 = stats_text(gw), stats_json(gw)
    _, m0 = scrape(gw)
    r = gw.run("client", ["ping", "-6", "-c", "10", "-s", "56", "-i", "0.05",
                          "-W", "2", L.nat64(L.SERVER4)])
    assert r.returncode == 0, r.stdout
    after, j1 = stats_text(gw), stats_json(gw)
    _, m1 = scrape(gw)
    want = dict(zip(BYTES, (1040, 840, 840, 1040)))
    for name, n in want.items():
        assert after[name] - before.get(name, 0) == n, (name, before, after)
        assert j1[name] - j0.get(name, 0) == n, name
    for (d, stage), n in {("6to4", "in"): 1040, ("6to4", "out"): 840,
                          ("4to6", "in"): 840, ("4to6", "out"): 1040}.items():
        name = 'gate64_bytes_total{direction="%s",stage="%s"}' % (d, stage)
        assert metric(m1, name) - metric(m0, name) == n, name


SMALL_SOCK = "small.sock"
UDP_SEND = r"""
import socket, sys
dst = sys.argv[1]
for sport in sys.argv[2:]:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::", int(sport)))
    s.sendto(b"gate64", (dst, 9999))
    s.close()
"""


@pytest.fixture(scope="module")
def small():
    """A gateway with a pool4 of two UDP ports (192.0.2.1 udp 5000-5001)
    and a limit of 4 sessions per subscriber, alert at 75 %."""
    lab = L.Lab(mode="gate64")
    try:
        lab.sock = os.path.join(lab.tmpdir, SMALL_SOCK)
        lab.gate64d = lab.start_gate64(
            extra={"gate64": {"control-socket": lab.sock},
                   "pool4": {"udp-ports": "5000-5001"},
                   "nat64": {"sessions-per-subscriber": "4",
                             "subscriber-alert": "75"},
                   "metrics": {"listen": "127.0.0.1:%d" % METRICS_PORT}})
        yield lab
        lab.stop(lab.gate64d)
        assert lab.gate64d.returncode == 0, lab.log_text(lab.gate64d)
    finally:
        lab.close()


def udp_flows(gw, *sports):
    gw.run("client", [L.PYTHON, "-c", UDP_SEND, L.nat64(L.SERVER4)] +
           [str(p) for p in sports], check=True)
    time.sleep(0.3)


def udp_sessions(gw):
    """{IPv6 source port: pool4 address:port} of the UDP sessions."""
    j = json.loads(ctl(gw, "--json", "session", "list", "--proto",
                       "udp").stdout)
    return {e["sport6"]: "%s:%d" % (e["addr4"], e["port4"])
            for e in j["entries"]}


def subs_gauges(gw):
    t, j = stats_text(gw), stats_json(gw)
    _, m = scrape(gw)
    assert t["nat64_subscribers"] == j["nat64_subscribers"] \
        == metric(m, "gate64_nat64_subscribers")
    assert t["nat64_subscribers_over_alert"] == \
        j["nat64_subscribers_over_alert"] == \
        metric(m, "gate64_nat64_subscribers_over_alert")
    return t["nat64_subscribers"], t["nat64_subscribers_over_alert"]


def test_pool4_add_del_and_subscriber_alert(small):
    """pool4 add gives new flows an address when the pool is exhausted
    (RFC 6146 §3.5.1.1: a port from pool4); pool4 del is refused while
    a range's ports are in use and takes an unused one out; the
    subscriber gauge counts the client once its sessions reach 75 % of
    its limit of 4 (3 sessions), in stats (text, JSON) and metrics."""
    gw = small
    assert subs_gauges(gw) == (0, 0)
    udp_flows(gw, 40001, 40002)
    got = udp_sessions(gw)
    assert sorted(got.values()) == ["%s:5000" % L.POOL4,
                                    "%s:5001" % L.POOL4], got
    assert subs_gauges(gw) == (1, 0)  # 2 of 4 sessions: 50 %
    # the pool is exhausted: the third flow is refused
    ex = stats_text(gw).get("nat64_pool4_exhausted", 0)
    udp_flows(gw, 40003)
    assert 40003 not in udp_sessions(gw)
    assert stats_text(gw)["nat64_pool4_exhausted"] == ex + 1
    # a second address, UDP only, with its own range
    r = ctl(gw, "pool4", "add", "192.0.2.2", "udp", "6000-6009")
    assert r.returncode == 0, r.stderr
    assert "pool4:address: 192.0.2.1 -> 192.0.2.1, 192.0.2.2 udp " \
        "6000-6009" in r.stdout, r.stdout
    assert "unsaved-changes 1" in ctl(gw, "status").stdout
    r = ctl(gw, "pool4", "list")
    assert "range 192.0.2.2 udp 6000-6009 used 0 of 10" in r.stdout, r.stdout
    j = json.loads(ctl(gw, "--json", "pool4", "list").stdout)
    assert j["usage"]["udp"]["total"] == 2 + 10, j
    udp_flows(gw, 40003)
    got = udp_sessions(gw)
    assert got[40003].startswith("192.0.2.2:"), got
    assert 6000 <= int(got[40003].split(":")[1]) <= 6009
    assert got[40001].startswith(L.POOL4 + ":")  # the others stay
    assert subs_gauges(gw) == (1, 1)  # 3 of 4: at 75 %
    # removing what is in use is refused, nothing changes
    r = ctl(gw, "pool4", "del", "192.0.2.2", "udp", "6000-6009")
    assert r.returncode == 1
    assert "pool4 192.0.2.2 udp 6000-6009 has 1 port in use" in r.stderr, \
        r.stderr
    r = ctl(gw, "pool4", "del", L.POOL4)
    assert r.returncode == 1 and "has 2 ports in use" in r.stderr, r.stderr
    assert "range 192.0.2.2 udp" in ctl(gw, "pool4", "list").stdout
    # an unused address comes and goes
    assert ctl(gw, "pool4", "add", "192.0.2.3").returncode == 0
    assert "range 192.0.2.3 tcp" in ctl(gw, "pool4", "list").stdout
    r = ctl(gw, "pool4", "del", "192.0.2.3")
    assert r.returncode == 0, r.stderr
    assert "192.0.2.3" not in ctl(gw, "pool4", "list").stdout
    # what is not there, what the file would refuse
    r = ctl(gw, "pool4", "del", "192.0.2.99")
    assert r.returncode == 1 and "not in [pool4] address" in r.stderr
    r = ctl(gw, "pool4", "add", L.GW4)
    assert r.returncode == 1 and "nothing changed" in r.stderr
    assert "[port4]'s own address" in r.stderr, r.stderr
    r = ctl(gw, "pool4", "add", "192.0.2.4", "sctp", "1-2")
    assert r.returncode == 1, r.stderr
    assert "192.0.2.4 sctp 1-2: the protocol is tcp, udp or icmp" in \
        r.stderr, r.stderr
    # the flows went on: the first one still answers on its mapping
    udp_flows(gw, 40001)
    assert udp_sessions(gw)[40001] == got[40001]
    # saved: the file has the entry
    assert ctl(gw, "config", "save").returncode == 0
    text = open(gw.gate64d.conf_path).read()
    assert "192.0.2.2 udp 6000-6009" in text, text
