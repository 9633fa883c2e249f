"""Transactional reload of gate64d (SIGHUP and `gate64ctl reload`) in the
namespace lab, under traffic: what may change live is applied and
logged, established flows go on without a lost packet, a bad file or a
change that needs a restart leaves the running configuration untouched,
and only root (or gate64d's user) may reload while anyone allowed on the
socket may read (DESIGN.md, control/reload.h)."""
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

import lab as L

CTL = os.path.join(L.ROOT, "build", "gate64ctl")
ECHO_PORT = 7008
PORTAL2_4 = "198.51.100.11"
PORTAL2_6 = "2001:db8:64::11"

ECHO_SERVER = r"""
import socket, sys, threading
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", %d)); s.listen(8)
print("echo: ready", flush=True)
def serve(c):
    while True:
        b = c.recv(4096)
        if not b:
            return
        c.sendall(b)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
""" % ECHO_PORT

# a TCP client in the client namespace that keeps one connection and
# exchanges a line every 20 ms until told to stop; it reports how many
# exchanges worked and whether any failed
TCP_CLIENT = r"""
import socket, sys, time
s = socket.create_connection((sys.argv[1], %d), timeout=2)
ok = bad = 0
print("client: connected", flush=True)
while True:
    try:
        s.sendall(b"x" * 32)
        got = b""
        while len(got) < 32:
            b = s.recv(64)
            if not b:
                raise OSError("closed")
            got += b
        ok += 1
    except OSError as e:
        bad += 1
        print("client: error %%s" %% e, flush=True)
        break
    if ok %% 10 == 0:
        print("client: ok %%d bad %%d" %% (ok, bad), flush=True)
    time.sleep(0.02)
""" % ECHO_PORT


def base_extra(lab):
    # the default socket (/run/gate64/FILE-PREFIX.sock, its directory
    # 0755), open to every user: the uid check is what is tested
    return {"gate64": {"control-socket-mode": "0666"},
            "nat64": {"timeout-udp": "300"},
            "translator": {"icmp-rate": "100"}}


@pytest.fixture
def gw():
    for tool in (CTL, "/usr/bin/setpriv"):
        if not os.path.exists(tool):
            pytest.fail("%s missing (make; util-linux)" % tool)
    lab = L.Lab(mode="gate64")
    try:
        lab.sock = "/run/gate64/%s.sock" % lab.file_prefix
        lab.extra = base_extra(lab)
        lab.gate64d = lab.start_gate64(extra=lab.extra)
        lab.conf = lab.gate64d.conf_path
        lab.popen("server", [L.PYTHON, "-c", ECHO_SERVER], log="echo.log")
        L.wait_for(lambda: lab.listening("server", ECHO_PORT), 10,
                   what="the echo server")
        yield lab
    finally:
        lab.close()


def ctl(gw, *args, user=None):
    cmd = [CTL, "-s", gw.sock] + list(args)
    if user is not None:
        cmd = ["/usr/bin/setpriv", "--reuid=%d" % user, "--regid=%d" % user,
               "--clear-groups"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=20)


def rewrite(gw, extra_text=None, **changes):
    """The lab's configuration with changes {section: {key: value}} and
    extra INI text appended."""
    conf = {s: dict(kv) for s, kv in gw.extra.items()}
    for s, kv in changes.items():
        conf.setdefault(s, {}).update(kv)
    text = gw.gate64_conf(conf)
    if extra_text:
        text += extra_text
    with open(gw.conf, "w") as f:
        f.write(text)


def start_traffic(gw):
    """A TCP connection through the gateway exchanging every 20 ms, and a
    ping every 50 ms."""
    tcp = gw.popen("client", [L.PYTHON, "-c", TCP_CLIENT,
                              L.nat64(L.SERVER4)], log="tcp-client.log")
    L.wait_for(lambda: "client: ok 10 " in gw.log_text(tcp), 10,
               what="the TCP exchange through the gateway")
    ping = gw.popen("client", ["ping", "-6", "-i", "0.05", "-W", "1",
                               L.nat64(L.SERVER4)], log="ping.log")
    time.sleep(0.5)
    return tcp, ping


def stop_traffic(gw, tcp, ping):
    time.sleep(0.5)
    ping.send_signal(signal.SIGINT)
    ping.wait(5)
    text = gw.log_text(ping)
    assert " 0% packet loss" in text, text[-500:]
    log = gw.log_text(tcp)
    assert "client: error" not in log, log[-500:]
    last = [l for l in log.splitlines() if l.startswith("client: ok")][-1]
    assert int(last.split()[2]) >= 20, log[-300:]
    gw.stop(tcp)


def test_reload_under_traffic_applies_live_changes(gw):
    """A new EAM entry, a new static BIB entry, other timeouts and ICMP
    rate, applied while a TCP connection and a ping run: no packet of
    either is lost, the sessions stay, and every change is logged."""
    tcp, ping = start_traffic(gw)
    before = ctl(gw, "session", "list").stdout
    rewrite(gw,
            nat64={"timeout-udp": "120"},
            translator={"icmp-rate": "50"},
            eam={"portal2": "%s/32 %s/128" % (PORTAL2_4, PORTAL2_6)},
            **{"static-bib": {"web2": "tcp %s 8090 %s 8090" % (
                L.CLIENT6, L.POOL4)}},
            pool4={"tcp-ports": "1024-65535"})
    r = ctl(gw, "reload")
    # a pool4 key added: pool4 needs a restart, so all of it is refused
    assert r.returncode == 1, r.stdout + r.stderr
    assert "[pool4] tcp-ports added" in r.stderr, r.stderr
    rewrite(gw,
            nat64={"timeout-udp": "120"},
            translator={"icmp-rate": "50"},
            eam={"portal2": "%s/32 %s/128" % (PORTAL2_4, PORTAL2_6)})
    r = ctl(gw, "reload")
    assert r.returncode == 0, r.stderr
    for line in ("nat64:timeout-udp: 300 -> 120",
                 "translator:icmp-rate: 100 -> 50",
                 "eam:portal2: (unset) -> %s/32 %s/128" % (PORTAL2_4,
                                                            PORTAL2_6)):
        assert line in r.stdout, r.stdout
    assert "reload: eam:portal2" in gw.log_text(gw.gate64d)
    stop_traffic(gw, tcp, ping)
    after = ctl(gw, "session", "list").stdout
    def flows(text):  # proto, source, pool4, remote (not the times)
        return {tuple(l.split()[:4]) for l in text.splitlines()
                if l.startswith("tcp")}
    assert flows(before) and flows(before) <= flows(after), (before, after)
    # the new EAM entry works: the server's second address, by its EAM
    # IPv6 address (RFC 7757)
    gw.run("server", ["ip", "addr", "add", PORTAL2_4 + "/24", "dev",
                      gw.ifname["server"]], check=True)
    r = gw.run("client", ["ping", "-6", "-c", "2", "-W", "2", PORTAL2_6])
    assert r.returncode == 0, r.stdout


def test_bad_reload_changes_nothing(gw):
    """A file with an error anywhere is refused whole: its other changes
    (a new EAM entry) are not applied."""
    rewrite(gw, eam={"portal2": "%s/32 %s/128" % (PORTAL2_4, PORTAL2_6)},
            translator={"pool6791": "203.0.113.1", "lowest-ipv6-mtu": "1"})
    r = ctl(gw, "reload")
    assert r.returncode == 1
    assert "nothing changed" in r.stderr and "lowest-ipv6-mtu" in r.stderr
    gw.run("server", ["ip", "addr", "add", PORTAL2_4 + "/24", "dev",
                      gw.ifname["server"]], check=True)
    r = gw.run("client", ["ping", "-6", "-c", "1", "-W", "1", PORTAL2_6])
    assert r.returncode != 0, "the refused EAM entry was applied"
    assert gw.gate64d.poll() is None


def test_structural_change_needs_restart(gw):
    rewrite(gw, port6={"mtu": "1400"})
    r = ctl(gw, "reload")
    assert r.returncode == 1
    assert "[port6] mtu changed" in r.stderr
    assert "restart gate64d" in r.stderr


def test_sighup_reloads(gw):
    rewrite(gw, nat64={"timeout-udp": "200"})
    gw.gate64d.send_signal(signal.SIGHUP)
    L.wait_for(lambda: "SIGHUP: reloaded" in gw.log_text(gw.gate64d), 5,
               what="the SIGHUP reload")
    assert "nat64:timeout-udp: 300 -> 200" in gw.log_text(gw.gate64d)


def test_unprivileged_reads_but_cannot_change(gw):
    """SO_PEERCRED: uid 65534 may read, not reload."""
    r = ctl(gw, "status", user=65534)
    assert r.returncode == 0 and "mode dpdk" in r.stdout, r.stderr
    r = ctl(gw, "reload", user=65534)
    assert r.returncode == 1
    assert "not to uid 65534" in r.stderr, r.stderr


def test_runtime_changes_and_config_save(gw):
    """gate64ctl timeouts set / eam add|del / bib add: applied like a
    reload (validated whole, at the workers' quiescent point), not in
    the file until config save, which keeps the old file as .bak."""
    r = ctl(gw, "timeouts", "set", "udp", "120")
    assert r.returncode == 0, r.stderr
    assert "nat64:timeout-udp: 300 -> 120" in r.stdout, r.stdout
    assert "udp 120" in ctl(gw, "timeouts", "show").stdout
    assert "unsaved-changes 1" in ctl(gw, "status").stdout
    # RFC 7757: a published address added and removed at run time
    gw.run("server", ["ip", "addr", "add", PORTAL2_4 + "/24", "dev",
                      gw.ifname["server"]], check=True)
    r = ctl(gw, "eam", "add", "portal2", PORTAL2_4 + "/32",
            PORTAL2_6 + "/128")
    assert r.returncode == 0, r.stderr
    r = gw.run("client", ["ping", "-6", "-c", "1", "-W", "2", PORTAL2_6])
    assert r.returncode == 0, r.stdout
    assert ctl(gw, "eam", "del", "portal2").returncode == 0
    r = gw.run("client", ["ping", "-6", "-c", "1", "-W", "1", PORTAL2_6])
    assert r.returncode != 0, "the removed EAM entry still translates"
    # a static BIB entry (RFC 6146 §3.5.2.1 static mapping) at run time
    r = ctl(gw, "bib", "add", "web2", "tcp", L.CLIENT6, "8090", L.POOL4,
            "8090")
    assert r.returncode == 0, r.stderr
    rows = ctl(gw, "bib", "list").stdout
    assert "%s:8090 static" % L.POOL4 in " ".join(rows.split()), rows
    r = ctl(gw, "bib", "del", "web2")
    assert r.returncode == 1 and "removed" in r.stderr, r.stderr
    r = ctl(gw, "timeouts", "set", "forever", "5")
    assert r.returncode == 1 and "timeout-forever" in r.stderr, r.stderr
    assert ctl(gw, "timeouts", "set", "udp", "120",
               user=65534).returncode == 1
    # saved: the file now says so, the old one is kept
    r = ctl(gw, "config", "save")
    assert r.returncode == 0, r.stderr
    assert os.path.exists(gw.conf + ".bak")
    text = open(gw.conf).read()
    assert "timeout-udp" in text and "120" in text and "web2" in text
    assert "unsaved-changes 0" in ctl(gw, "status").stdout
    r = ctl(gw, "reload")
    assert r.returncode == 0 and "no change" in r.stdout, r.stdout
