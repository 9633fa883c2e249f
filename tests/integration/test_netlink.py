"""control/nl.c (the netlink module of the xdp and hybrid modes) through
build/tests/nl_tool, in a network namespace of its own with a veth pair:

- addresses, routes (main table and another one) and proxy entries (ND and
  ARP) appear as `ip -j` shows them, our routes with protocol 64;
- what was already there is reported "found" and left alone at exit;
- everything installed is gone after exit: end of input, SIGTERM, or a
  failed install (what came before it is removed too);
- the watcher reports a link going down and up, the objects the kernel
  drops with it (IPv6 addresses, IPv4 routes, proxy entries), an object
  the operator removed, a link deleted; --restore installs them again;
- error messages name the object and say what to check (missing
  interface, unreachable gateway, host bits).

Each test gets a fresh namespace (fixture `ns`), deleted afterwards even
on failure, and the nl_tool processes it started are killed first.
Documentation prefixes only.  Needs root; never skips.
"""
import json
import os
import queue
import secrets
import signal
import subprocess
import threading
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOL = os.path.join(ROOT, "build", "tests", "nl_tool")

POOL4 = "192.0.2.1"
GW6 = "2001:db8:1::1"
NEXT6 = "2001:db8:1::2"
POOL6 = "64:ff9b::/96"
EAM6 = "2001:db8:64::/64"
RFC6791 = "203.0.113.0/24"
PROXY6 = "2001:db8:1::99"
PROXY4 = "198.51.100.77"


class Proc:
    """An nl_tool process whose stdout lines are read by a thread."""

    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  start_new_session=True)
        self.lines = []
        self.q = queue.Queue()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            self.q.put(line.rstrip("\n"))
        self.q.put(None)

    def expect(self, pred, timeout=10.0, what=None):
        """The first new line for which pred(line) is true; fails with the
        output so far after timeout seconds or at end of output."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            try:
                line = self.q.get(timeout=max(left, 0.01))
            except queue.Empty:
                line = False
            if line is None or line is False:
                pytest.fail("nl_tool: no line %s after %.0f s; output:\n%s"
                            "\nstderr: %s"
                            % (what or pred, timeout, "\n".join(self.lines),
                               self.p.stderr.read() if line is None
                               else "(still running)"))
            self.lines.append(line)
            if pred(line):
                return line

    def expect_all(self, wanted, timeout=10.0):
        """Every line of the set wanted, in any order."""
        left = set(wanted)
        while left:
            left.discard(self.expect(lambda l: l in left, timeout,
                                     what="any of %s" % sorted(left)))

    def finish(self, sig=None, timeout=10):
        """End it by end of input (or signal sig); (status, stderr)."""
        if sig:
            os.kill(self.p.pid, sig)
        else:
            self.p.stdin.close()
        rc = self.p.wait(timeout)
        self.t.join(5)
        while True:
            try:
                line = self.q.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return rc, self.p.stderr.read()

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(5)


class Netns:
    """One namespace with the veth pair a <-> b, both up, no DAD."""

    def __init__(self):
        s = secrets.token_hex(3)
        self.name = "g64nl-" + s
        self.a = "nla-" + s
        self.b = "nlb-" + s
        self.procs = []
        subprocess.run(["ip", "netns", "add", self.name], check=True,
                       capture_output=True, timeout=30)
        for k in ("all", "default"):
            self.sh("sysctl", "-q", "-w", "net.ipv6.conf.%s.accept_dad=0" % k)
        self.ip("link", "set", "lo", "up")
        self.ip("link", "add", self.a, "type", "veth", "peer", "name",
                self.b)
        self.ip("link", "set", self.a, "up")
        self.ip("link", "set", self.b, "up")

    def sh(self, *argv, check=True):
        r = subprocess.run(["ip", "netns", "exec", self.name] + list(argv),
                           capture_output=True, text=True, timeout=30)
        if check and r.returncode:
            raise AssertionError("%s: exit %d: %s"
                                 % (" ".join(argv), r.returncode, r.stderr))
        return r

    def ip(self, *args):
        return self.sh("ip", *args).stdout

    def j(self, *args):
        out = self.ip("-j", *args)
        return json.loads(out) if out.strip() else []

    def tool(self, *args):
        """nl_tool ARGS to completion."""
        return self.sh(TOOL, *args, check=False)

    def hold(self, *args):
        """nl_tool --hold ARGS, once it printed "ready"."""
        p = Proc(["ip", "netns", "exec", self.name, TOOL, "--hold"]
                 + list(args))
        self.procs.append(p)
        p.expect(lambda l: l == "ready", what="ready")
        return p

    # --- what the kernel has --------------------------------------------

    def addrs(self, dev):
        return {"%s/%d" % (i["local"], i["prefixlen"])
                for link in self.j("addr", "show", "dev", dev)
                for i in link.get("addr_info", [])}

    def routes(self, family):
        """{(dst, dev, table, protocol)} of every table."""
        return {(r["dst"], r.get("dev"), r.get("table", "main"),
                 r.get("protocol", "boot"))
                for r in self.j(family, "route", "show", "table", "all")}

    def proxies(self, family):
        return {(p["dst"], p["dev"])
                for p in self.j(family, "neigh", "show", "proxy")}

    def close(self):
        for p in self.procs:
            p.kill()
        subprocess.run(["ip", "netns", "del", self.name],
                       capture_output=True, timeout=30)


@pytest.fixture
def ns():
    if os.geteuid() != 0:
        pytest.fail("test_netlink needs root (ip netns, CAP_NET_ADMIN)")
    if not os.path.exists(TOOL):
        pytest.fail("%s missing: run make" % TOOL)
    n = Netns()
    try:
        yield n
    finally:
        n.close()
    assert n.name not in subprocess.run(
        ["ip", "netns", "list"], capture_output=True,
        text=True).stdout, "namespace %s left behind" % n.name


def objects(dev):
    """Arguments for nl_tool: one object of every kind."""
    return ["addr", dev, POOL4 + "/32",
            "addr", dev, GW6 + "/64",
            "route", dev, POOL6, "via", NEXT6,
            "route", dev, RFC6791,
            "route", dev, EAM6, "table", "100",
            "proxy", dev, PROXY6,
            "proxy", dev, PROXY4]


def assert_installed(ns, dev):
    assert {POOL4 + "/32", GW6 + "/64"} <= ns.addrs(dev)
    assert (POOL6, dev, "main", "64") in ns.routes("-6")
    assert (EAM6, dev, "100", "64") in ns.routes("-6")
    assert (RFC6791, dev, "main", "64") in ns.routes("-4")
    assert (PROXY6, dev) in ns.proxies("-6")
    assert (PROXY4, dev) in ns.proxies("-4")


def assert_removed(ns, dev):
    assert not {POOL4 + "/32", GW6 + "/64"} & ns.addrs(dev)
    assert not [r for r in ns.routes("-6") | ns.routes("-4")
                if r[3] == "64"], "routes of protocol 64 left"
    assert not ns.proxies("-6") and not ns.proxies("-4")


def test_install_then_remove_at_end_of_input(ns):
    p = ns.hold(*objects(ns.a))
    assert len([l for l in p.lines if l.startswith("installed: ")]) == 7
    assert_installed(ns, ns.a)
    rc, err = p.finish()
    assert rc == 0, err
    assert p.lines[-1] == "removed (7 ours, 0 found)"
    assert_removed(ns, ns.a)


def test_sigterm_removes_everything(ns):
    p = ns.hold(*objects(ns.a))
    assert_installed(ns, ns.a)
    rc, err = p.finish(signal.SIGTERM)
    assert rc == 0, err
    assert_removed(ns, ns.a)


def test_preexisting_objects_are_left_alone(ns):
    a = ns.a
    ns.ip("addr", "add", POOL4 + "/32", "dev", a)
    ns.ip("-6", "route", "add", POOL6, "dev", a)
    ns.ip("-6", "neigh", "add", "proxy", PROXY6, "dev", a)
    p = ns.hold(*objects(a))
    found = [l for l in p.lines if l.startswith("found: ")]
    assert found == [
        "found: address %s/32 on %s: already present, left as it is at exit"
        % (POOL4, a),
        "found: route %s via %s dev %s table 254: already present, left as "
        "it is at exit" % (POOL6, NEXT6, a),
        "found: proxy entry %s on %s: already present, left as it is at exit"
        % (PROXY6, a)]
    rc, err = p.finish(signal.SIGTERM)
    assert rc == 0, err
    assert p.lines[-1] == "removed (4 ours, 3 found)"
    # the operator's three are still there (the route with its protocol)
    assert POOL4 + "/32" in ns.addrs(a)
    assert (POOL6, a, "main", "boot") in ns.routes("-6")
    assert ns.proxies("-6") == {(PROXY6, a)}
    # ours are gone
    assert GW6 + "/64" not in ns.addrs(a)
    assert not [r for r in ns.routes("-6") | ns.routes("-4")
                if r[3] == "64"]
    assert not ns.proxies("-4")


def test_keep_leaves_routes_that_proto_64_finds(ns):
    r = ns.tool("--keep", *objects(ns.a))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "kept (7 ours, 0 found)"
    assert_installed(ns, ns.a)
    # what docs/control.md tells the operator after a crash
    assert ns.ip("-6", "route", "show", "proto", "64", "table", "all")
    ns.ip("-6", "route", "flush", "proto", "64", "table", "all")
    ns.ip("-4", "route", "flush", "proto", "64", "table", "all")
    assert not [r for r in ns.routes("-6") | ns.routes("-4")
                if r[3] == "64"]


def test_link_down_and_up_reported_and_restored(ns):
    a, b = ns.a, ns.b
    p = ns.hold("--restore", *objects(a), "watch", b)
    ns.ip("link", "set", a, "down")
    # the kernel drops IPv6 addresses and routes, IPv4 routes (without a
    # word: the dump after the link event finds them) and proxy entries
    # with the link; it keeps IPv4 addresses
    gone = ["address %s/64 on %s" % (GW6, a),
            "route %s via %s dev %s table 254" % (POOL6, NEXT6, a),
            "route %s dev %s table 100" % (EAM6, a),
            "route %s dev %s table 254" % (RFC6791, a),
            "proxy entry %s on %s" % (PROXY6, a),
            "proxy entry %s on %s" % (PROXY4, a)]
    p.expect_all({"event: link %s down (administratively)" % a,
                  "event: link %s down (no carrier)" % b}
                 | {"event: %s (ours) is gone" % g for g in gone})
    ns.ip("link", "set", a, "up")
    # restored when the first of the two comes up (then "restored 0")
    p.expect_all({"event: link %s up" % a, "event: link %s up" % b,
                  "restored 6"})
    assert not [l for l in p.lines if "(ours) is gone" in l
                and "%s/32" % POOL4 in l]
    assert_installed(ns, a)
    rc, err = p.finish(signal.SIGTERM)
    assert rc == 0, err
    assert_removed(ns, a)


def test_operator_removal_reported_and_exit_still_clean(ns):
    a = ns.a
    p = ns.hold(*objects(a))
    ns.ip("addr", "del", POOL4 + "/32", "dev", a)
    p.expect(lambda l: l == "event: address %s/32 on %s (ours) is gone"
             % (POOL4, a))
    ns.ip("-6", "route", "del", EAM6, "table", "100")
    p.expect(lambda l: l == "event: route %s dev %s table 100 (ours) is gone"
             % (EAM6, a))
    ns.ip("-6", "neigh", "del", "proxy", PROXY6, "dev", a)
    # proxy entries are not announced: the periodic check finds it
    p.expect(lambda l: l == "event: proxy entry %s on %s (ours) is gone"
             % (PROXY6, a), timeout=5)
    ns.ip("-6", "neigh", "add", "proxy", PROXY6, "dev", a)
    p.expect(lambda l: l == "event: proxy entry %s on %s (ours) is back"
             % (PROXY6, a), timeout=5)
    rc, err = p.finish()
    assert rc == 0, err
    assert err == ""
    assert_removed(ns, a)


def test_link_deleted_reported(ns):
    a, b = ns.a, ns.b
    p = ns.hold(*objects(a), "watch", b)
    ns.ip("link", "del", a)
    p.expect(lambda l: l == "event: link %s removed" % a)
    p.expect(lambda l: l == "event: link %s removed" % b)
    rc, err = p.finish()
    assert rc == 0, err  # gone with the link: not an error at exit


def test_missing_interface_names_object_and_hint(ns):
    hint = ("No such device: is the interface name in the configuration "
            "right? (ip link lists them)")
    cases = [
        (["addr", "nosuch0", POOL4 + "/32"],
         "add address %s/32 on nosuch0: " % POOL4),
        (["route", "nosuch0", POOL6], "add route %s dev nosuch0 table 254: "
         % POOL6),
        (["proxy", "nosuch0", PROXY6], "add proxy entry %s on nosuch0: "
         % PROXY6),
        (["watch", "nosuch0"], "watch nosuch0: "),
    ]
    for args, prefix in cases:
        r = ns.tool(*args)
        assert r.returncode == 1, r
        assert r.stderr.strip() == "nl_tool: " + prefix + hint


def test_failed_install_removes_what_came_before(ns):
    a = ns.a
    r = ns.tool("addr", a, POOL4 + "/32", "route", a, POOL6,
                "addr", "nosuch0", GW6 + "/64")
    assert r.returncode == 1
    assert "on nosuch0: No such device" in r.stderr
    assert POOL4 + "/32" not in ns.addrs(a)
    assert not [x for x in ns.routes("-6") if x[3] == "64"]


def test_kernel_refusals_name_object_and_hint(ns):
    a = ns.a
    r = ns.tool("route", a, RFC6791, "via", "198.51.100.254")
    assert r.returncode == 1
    assert r.stderr.startswith(
        "nl_tool: add route %s via 198.51.100.254 dev %s table 254: "
        "Network is unreachable" % (RFC6791, a)), r.stderr
    assert r.stderr.rstrip().endswith(
        "is the gateway on a subnet of %s?" % a), r.stderr
    r = ns.tool("route", a, "192.0.2.1/24")
    assert r.stderr.strip() == (
        "nl_tool: add route 192.0.2.1/24 dev %s table 254: the destination "
        "has bits set after the prefix length: did you mean 192.0.2.0/24?"
        % a)
    ns.sh("sysctl", "-q", "-w", "net.ipv6.conf.%s.disable_ipv6=1" % a)
    r = ns.tool("addr", a, GW6 + "/64")
    assert r.returncode == 1
    assert r.stderr.startswith("nl_tool: add address %s/64 on %s: "
                               % (GW6, a)), r.stderr
    assert r.stderr.rstrip().endswith(
        "is IPv6 disabled on %s? (sysctl net.ipv6.conf.%s.disable_ipv6)"
        % (a, a)), r.stderr
