"""The network-namespace lab of the dataplane tests and benchmarks.

  client (IPv6 only)  gw (translator)      [r4, optional]    server (IPv4 only)
  c6-S ------------- gw6-S  gw4-S ------ r4g-S  r4s-S ------ s4-S
  2001:db8:1::2/64   (2001:db8:1::1,     198.51.100.254     198.51.100.2/24
                      198.51.100.1)                         198.51.100.10/32
  (S: the instance's random suffix)

The client routes pool6 (lab.pool6: 64:ff9b::/96, but 2001:db8:46::/96 by
default with TAYGA, see TAYGA_POOL6) and 2001:db8:64::/64 (the EAM range)
via 2001:db8:1::1; the server routes 192.0.2.0/24 (pool4) and
203.0.113.0/24 (RFC 6791 sources) via 198.51.100.1.  Both are the
gateway's addresses:

- mode "tayga": gw6/gw4 carry them as kernel addresses, forwarding is on,
  and start_tayga() runs TAYGA on a TUN device (the baseline);
- mode "gate64": gw6/gw4 are up with the given MTU but carry no address
  and have IPv6 disabled, so that only gate64d (DPDK net_af_packet on
  them) answers ARP/ND and forwards; start_gate64() runs it on the
  configuration gate64_conf() writes.  Checksum and segmentation offloads
  are off on every veth: af_packet would otherwise hand the dataplane
  packets whose checksums the sender's kernel left to "hardware".

r4=True puts an IPv4 router namespace between gw and server: the gw-r4
link stays 198.51.100.0/24 (r4 is 198.51.100.254, and answers ARP for the
server's addresses by proxy ARP, so the gateway sees the server on-link as
before), the r4-server link has MTU r4_mtu, so r4 sends ICMP
"fragmentation needed" back to the gateway for bigger DF packets.

Every name (namespaces, interfaces <= 15 characters) carries a random
suffix.  close() kills the processes the lab started and any other process
left in its namespaces, deletes the namespaces and the temporary
directory; it is idempotent, and called on exit from a `with` block and at
interpreter exit.  Needs root, iproute2 (ip, ss) and ethtool.
No pytest dependency: the tests and scripts/bench_dp.py both use it.
"""
import atexit
import ipaddress
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import weakref

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PYTHON = "/usr/bin/python3"

CLIENT6 = "2001:db8:1::2"
GW6 = "2001:db8:1::1"
SERVER4 = "198.51.100.2"
GW4 = "198.51.100.1"
R4 = "198.51.100.254"
PORTAL4 = "198.51.100.10"
PORTAL6 = "2001:db8:64::10"
POOL6 = "64:ff9b::/96"
EAM6_RANGE = "2001:db8:64::/64"
POOL4 = "192.0.2.1"
POOL4_NET = "192.0.2.0/24"
POOL6791 = "203.0.113.1"
POOL6791_NET = "203.0.113.0/24"
TAYGA4 = "192.0.2.254"  # TAYGA's own IPv4 address (taken out of its pool)
# TAYGA 0.9.2 (Debian 12) applies RFC 6052 section 3.1 to every documentation
# range: it refuses 64:ff9b::198.51.100.2 ("Destination unreachable: No
# route") and refuses static maps inside 64:ff9b::/96, with no option to
# turn that off.  Its labs therefore use this network-specific prefix;
# gate64 allows the documentation ranges under the WKP (rfc6052.h).
TAYGA_POOL6 = "2001:db8:46::/96"
TAYGA_TUN = "nat64"

MODES = ("tayga", "gate64")


class LabError(RuntimeError):
    pass


def wait_for(fn, timeout=10.0, interval=0.05, what=None):
    """fn()'s first true value, polled every interval seconds; TimeoutError
    (naming `what`, or fn) after timeout seconds."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() >= end:
            what = what or getattr(fn, "__name__", fn)
            raise TimeoutError("timed out after %.1f s waiting for %s"
                               % (timeout, what))
        time.sleep(interval)


def nat64(ipv4, prefix=POOL6):
    """The RFC 6052 /96 image of ipv4 under prefix (text)."""
    net = ipaddress.IPv6Network(prefix)
    if net.prefixlen != 96:
        raise ValueError("nat64(): /96 prefixes only")
    return str(ipaddress.IPv6Address(
        int(net.network_address) | int(ipaddress.IPv4Address(ipv4))))


def signal_group(proc, sig):
    """sig to the process group of proc (popen() makes each process the
    leader of its own), so that children it forked get it too."""
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _stop(proc, grace=3.0):
    """SIGTERM to the process and its group, then SIGKILL after grace
    seconds; reaps the process."""
    if proc.poll() is not None:
        signal_group(proc, signal.SIGKILL)  # children it left behind
        return
    signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        signal_group(proc, signal.SIGKILL)
        proc.wait(5)


def _close_all(ref):
    lab = ref()
    if lab is not None:
        lab.close()


class Lab:
    """One instance of the topology; see the module docstring.

    mode     "tayga" or "gate64" (what the gw namespace is prepared for)
    mtu      MTU of the client-gw and gw-server (gw-r4) links
    r4       put the IPv4 router namespace r4 between gw and server
    r4_mtu   MTU of the r4-server link
    pool6    the translator's /96 prefix (default: TAYGA_POOL6 with TAYGA,
             64:ff9b::/96 with gate64); v6() gives an IPv4 address's image
    """

    def __init__(self, mode="tayga", mtu=1500, r4=False, r4_mtu=1400,
                 pool6=None):
        if mode not in MODES:
            raise ValueError("mode must be one of %s" % (MODES,))
        if os.geteuid() != 0:
            raise LabError("the lab needs root (ip netns)")
        for tool in ("ip", "ethtool", "ss"):
            if not shutil.which(tool):
                raise LabError("%s missing (iproute2 / ethtool packages)"
                               % tool)
        self.mode = mode
        self.pool6 = pool6 or (TAYGA_POOL6 if mode == "tayga" else POOL6)
        nat64("0.0.0.0", self.pool6)  # a /96, or ValueError
        self.mtu = mtu
        self.r4 = r4
        self.r4_mtu = r4_mtu
        self.suffix = secrets.token_hex(3)
        s = self.suffix
        roles = ["client", "gw", "server"] + (["r4"] if r4 else [])
        self.ns = {role: "g64-%s-%s" % (role, s) for role in roles}
        # interface names: <= 9 characters, unique per instance
        self.ifname = {"client": "c6-" + s, "gw6": "gw6-" + s,
                       "gw4": "gw4-" + s, "server": "s4-" + s}
        if r4:
            self.ifname.update({"r4g": "r4g-" + s, "r4s": "r4s-" + s})
        self.gw6 = self.ifname["gw6"]
        self.gw4 = self.ifname["gw4"]
        self.file_prefix = "g64lab-" + s  # DPDK --file-prefix
        self.tmpdir = tempfile.mkdtemp(prefix="g64lab-%s-" % s)
        self.procs = []
        self._made_ns = []
        self._bpffs = None
        self._closed = False
        atexit.register(_close_all, weakref.ref(self))
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    # --- running things in a namespace ---------------------------------

    def _argv(self, ns, cmd):
        if isinstance(cmd, str):
            cmd = shlex.split(cmd)
        return ["ip", "netns", "exec", self.ns[ns]] + [str(c) for c in cmd]

    def run(self, ns, cmd, check=False, timeout=30, **kw):
        """cmd (list or shell-like string) in namespace ns ("client", "gw",
        "server", "r4"); CompletedProcess with text stdout/stderr.  check:
        raise LabError (with stderr) on a non-zero exit."""
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        argv = self._argv(ns, cmd)
        r = subprocess.run(argv, timeout=timeout, **kw)
        if check and r.returncode != 0:
            raise LabError("%s: exit %d: %s" % (" ".join(argv), r.returncode,
                                                (r.stderr or "").strip()))
        return r

    def _ip(self, ns, *args):
        """ip ARGS in ns; raises on failure."""
        argv = ["ip", "-n", self.ns[ns]] + [str(a) for a in args]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise LabError("%s: %s" % (" ".join(argv), r.stderr.strip()))
        return r.stdout

    def sysctl(self, ns, **kv):
        """sysctl in ns; keys with '.' (pass them as a dict: **{...})."""
        args = ["sysctl", "-q", "-w"] + ["%s=%s" % kv_ for kv_ in kv.items()]
        self.run(ns, args, check=True)

    def popen(self, ns, cmd, log=None, **kw):
        """Start cmd in ns, tracked (stopped by close()), in a session of
        its own (stop() and close() signal its whole process group).
        Unless stdout is given, stdout and stderr go to a log file in the
        lab's temporary directory, whose path is proc.log_path (see
        log_text())."""
        argv = self._argv(ns, cmd)
        logf = None
        if "stdout" not in kw:
            name = log or "%s-%d.log" % (os.path.basename(argv[4]),
                                         len(self.procs))
            path = os.path.join(self.tmpdir, name)
            logf = open(path, "w")
            kw["stdout"] = logf
            kw.setdefault("stderr", subprocess.STDOUT)
        else:
            path = None
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw["start_new_session"] = True
        try:
            proc = subprocess.Popen(argv, **kw)
        finally:
            if logf:
                logf.close()  # the child keeps its own descriptor
        proc.log_path = path
        self.procs.append(proc)
        return proc

    @staticmethod
    def log_text(proc):
        if not getattr(proc, "log_path", None):
            return ""
        with open(proc.log_path, errors="replace") as f:
            return f.read()

    def stop(self, proc, grace=3.0):
        """Stop one process started by popen() (and its children)."""
        _stop(proc, grace)

    wait_for = staticmethod(wait_for)

    def listening(self, ns, port, proto="tcp"):
        flag = "-Hltn" if proto == "tcp" else "-Hlun"
        r = self.run(ns, ["ss", flag, "sport = :%d" % port])
        return r.returncode == 0 and r.stdout.strip() != ""

    def start_http(self, ns, addr, port, page_text, timeout=10):
        """A real HTTP server (python3 -m http.server) on addr:port in ns,
        serving page_text as /index.html; returns its process once it
        listens."""
        d = tempfile.mkdtemp(prefix="www-", dir=self.tmpdir)
        with open(os.path.join(d, "index.html"), "w") as f:
            f.write(page_text)
        proc = self.popen(ns, [PYTHON, "-m", "http.server", "--bind", addr,
                               str(port), "--directory", d], cwd=d,
                          log="http-%s-%d.log" % (ns, port))

        def up():
            if proc.poll() is not None:
                raise LabError("http.server exited: %s" % self.log_text(proc))
            return self.listening(ns, port)
        wait_for(up, timeout, what="http.server on %s:%d" % (addr, port))
        return proc

    # --- the topology ----------------------------------------------------

    def _veth(self, ns_a, if_a, ns_b, if_b, mtu):
        self._ip(ns_a, "link", "add", "name", if_a, "mtu", mtu, "type",
                 "veth", "peer", "name", if_b, "netns", self.ns[ns_b],
                 "mtu", mtu)

    def _offloads_off(self, ns, ifname):
        # af_packet would see CHECKSUM_PARTIAL packets (and GSO super-
        # packets) from the other end's kernel; the dataplane needs real
        # frames with real checksums.
        self.run(ns, ["ethtool", "-K", ifname, "tx", "off", "rx", "off",
                      "tso", "off", "gso", "off", "gro", "off"], check=True)

    def _add_namespaces(self):
        """Every namespace of self.ns, loopback up, recorded for close();
        no router solicitations, no DAD (addresses usable at once), no
        reverse-path filter."""
        for role, name in self.ns.items():
            subprocess.run(["ip", "netns", "add", name], check=True,
                           capture_output=True, timeout=30)
            self._made_ns.append(name)
            self._ip(role, "link", "set", "lo", "up")
            self.sysctl(role, **{
                "net.ipv6.conf.all.accept_dad": 0,
                "net.ipv6.conf.default.accept_dad": 0,
                "net.ipv6.conf.all.accept_ra": 0,
                "net.ipv6.conf.default.accept_ra": 0,
                "net.ipv6.conf.default.router_solicitations": 0,
                "net.ipv4.conf.all.rp_filter": 0,
                "net.ipv4.conf.default.rp_filter": 0})

    def _build(self):
        ifn = self.ifname
        self._add_namespaces()
        self._veth("client", ifn["client"], "gw", ifn["gw6"], self.mtu)
        if self.r4:
            self._veth("gw", ifn["gw4"], "r4", ifn["r4g"], self.mtu)
            self._veth("r4", ifn["r4s"], "server", ifn["server"], self.r4_mtu)
        else:
            self._veth("gw", ifn["gw4"], "server", ifn["server"], self.mtu)

        # client: IPv6 only
        c = ifn["client"]
        self.sysctl("client", **{"net.ipv4.conf.all.forwarding": 0})
        self._ip("client", "addr", "add", CLIENT6 + "/64", "dev", c, "nodad")
        self._ip("client", "link", "set", c, "up")
        self._ip("client", "-6", "route", "add", self.pool6, "via", GW6,
                 "dev", c)
        self._ip("client", "-6", "route", "add", EAM6_RANGE, "via", GW6,
                 "dev", c)

        # server: IPv4 only, plus the EAM portal address
        s = ifn["server"]
        self.sysctl("server", **{"net.ipv6.conf.all.disable_ipv6": 1,
                                 "net.ipv6.conf.default.disable_ipv6": 1})
        self._ip("server", "addr", "add", SERVER4 + "/24", "dev", s)
        self._ip("server", "addr", "add", PORTAL4 + "/32", "dev", s)
        self._ip("server", "link", "set", s, "up")
        self._ip("server", "route", "add", POOL4_NET, "via", GW4, "dev", s)
        self._ip("server", "route", "add", POOL6791_NET, "via", GW4, "dev", s)

        if self.r4:
            g, rs = ifn["r4g"], ifn["r4s"]
            self.sysctl("r4", **{"net.ipv4.ip_forward": 1,
                                 "net.ipv4.conf.all.proxy_arp": 1,
                                 "net.ipv6.conf.all.disable_ipv6": 1,
                                 "net.ipv6.conf.default.disable_ipv6": 1})
            self._ip("r4", "addr", "add", R4 + "/24", "dev", g)
            self._ip("r4", "link", "set", g, "up")
            self._ip("r4", "link", "set", rs, "up")
            # the server's side is unnumbered: host routes to its addresses,
            # and proxy ARP on both links hides r4 from gw and server
            for a in (SERVER4, PORTAL4):
                self._ip("r4", "route", "add", a + "/32", "dev", rs)
            for d in (g, rs):
                self.sysctl("r4", **{"net.ipv4.conf.%s.proxy_arp" % d: 1})
            self._ip("r4", "route", "add", POOL4_NET, "via", GW4, "dev", g)
            self._ip("r4", "route", "add", POOL6791_NET, "via", GW4, "dev", g)

        g6, g4 = ifn["gw6"], ifn["gw4"]
        if self.mode == "tayga":
            self.sysctl("gw", **{"net.ipv4.ip_forward": 1,
                                 "net.ipv6.conf.all.forwarding": 1})
            self._ip("gw", "addr", "add", GW6 + "/64", "dev", g6, "nodad")
            self._ip("gw", "addr", "add", GW4 + "/24", "dev", g4)
        else:
            self.sysctl("gw", **{"net.ipv4.ip_forward": 0,
                                 "net.ipv6.conf.all.forwarding": 0,
                                 "net.ipv6.conf.%s.disable_ipv6" % g6: 1,
                                 "net.ipv6.conf.%s.disable_ipv6" % g4: 1,
                                 "net.ipv4.conf.%s.arp_ignore" % g4: 8})
            ends = [("client", c), ("gw", g6), ("gw", g4), ("server", s)]
            if self.r4:
                ends += [("r4", ifn["r4g"]), ("r4", ifn["r4s"])]
            for ns, d in ends:
                self._offloads_off(ns, d)
        self._ip("gw", "link", "set", g6, "up")
        self._ip("gw", "link", "set", g4, "up")

    # --- facts about the topology ---------------------------------------

    def v6(self, ipv4):
        """The image of ipv4 under this lab's pool6 (what the client
        dials): v6(SERVER4) is the server."""
        return nat64(ipv4, self.pool6)

    def link(self, ns, ifname):
        """`ip -s -j link show` of one interface, as a dict."""
        return json.loads(self._ip(ns, "-s", "-j", "link", "show", "dev",
                                   ifname))[0]

    def mac(self, ns, ifname):
        return self.link(ns, ifname)["address"]

    def counters(self, ns, ifname):
        """{"rx": {...}, "tx": {...}} (packets, bytes, dropped, ...)."""
        return self.link(ns, ifname)["stats64"]

    # --- TAYGA: the baseline translator ----------------------------------

    def start_tayga(self, cpu=None, debug=True, eam=True, timeout=10):
        """TAYGA in gw on the TUN device "nat64": prefix lab.pool6, its own
        address 192.0.2.254 (and pool6's image of it), dynamic pool
        192.0.2.0/24 (TAYGA takes .0 and its own address out itself), and
        with eam the static map 198.51.100.10 <-> 2001:db8:64::10 (TAYGA's
        "map" is an EAM).  Routes in gw: pool6, pool4 (and the EAM range)
        to nat64.
        cpu: pin it with taskset.  Returns the process (its pid is TAYGA's:
        ip netns exec and taskset exec)."""
        if self.mode != "tayga":
            raise LabError("start_tayga() needs a Lab(mode='tayga')")
        tayga = shutil.which("tayga") or "/usr/sbin/tayga"
        if not os.path.exists(tayga):
            raise LabError("tayga missing (apt-get install tayga)")
        d = tempfile.mkdtemp(prefix="tayga-", dir=self.tmpdir)
        conf = os.path.join(d, "tayga.conf")
        lines = ["tun-device %s" % TAYGA_TUN,
                 "ipv4-addr %s" % TAYGA4,
                 "prefix %s" % self.pool6,
                 "dynamic-pool %s" % POOL4_NET,
                 "data-dir %s" % d]
        if eam:
            lines.append("map %s %s" % (PORTAL4, PORTAL6))
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        # a persistent TUN device first, so that routes exist before
        # traffic; it goes away with the namespace
        self.run("gw", [tayga, "--mktun", "-c", conf], check=True)
        self._ip("gw", "link", "set", TAYGA_TUN, "up")
        self._ip("gw", "-6", "route", "add", self.pool6, "dev", TAYGA_TUN)
        self._ip("gw", "route", "add", POOL4_NET, "dev", TAYGA_TUN)
        if eam:
            self._ip("gw", "-6", "route", "add", EAM6_RANGE, "dev", TAYGA_TUN)
        cmd = [tayga, "-d" if debug else "--nodetach", "-c", conf]
        if cpu is not None:
            cmd = ["taskset", "-c", str(cpu)] + cmd
        proc = self.popen("gw", cmd, log="tayga.log")
        proc.conf_path = conf

        def attached():
            if proc.poll() is not None:
                raise LabError("tayga exited %s: %s"
                               % (proc.returncode, self.log_text(proc)))
            # NO-CARRIER until a process opens the TUN device
            return "LOWER_UP" in self.link("gw", TAYGA_TUN)["flags"]
        wait_for(attached, timeout, what="tayga to open %s" % TAYGA_TUN)
        return proc

    # --- gate64d ----------------------------------------------------------

    def gate64_conf(self, extra=None, lcores="0,1", memory="no-huge"):
        """gate64d's INI text for this lab (keys: /tmp/spec/conf-keys.md,
        [dpdk] and [port6]/[port4] on this instance's interfaces).
        extra: {section: {key: value}} merged over the defaults (a value
        None deletes the key), or INI text appended as it is."""
        conf = {
            "gate64": {"mode": "dpdk"},
            "translator": {"type": "nat64", "pool6": self.pool6,
                           "pool6791": POOL6791},
            "eam": {"portal": "%s/32 %s/128" % (PORTAL4, PORTAL6)},
            "pool4": {"address": POOL4},
            "port6": {"device": "net_af_packet0,iface=%s" % self.gw6,
                      "mtu": self.mtu, "address": GW6 + "/64"},
            "port4": {"device": "net_af_packet1,iface=%s" % self.gw4,
                      "mtu": self.mtu, "address": GW4 + "/24"},
            "dpdk": {"lcores": lcores, "memory": memory,
                     "file-prefix": self.file_prefix},
        }
        if self.r4:
            conf["port4"]["gateway"] = R4
        tail = ""
        if isinstance(extra, str):
            tail = extra
        elif extra:
            for sec, kv in extra.items():
                dst = conf.setdefault(sec, {})
                for k, v in kv.items():
                    if v is None:
                        dst.pop(k, None)
                    else:
                        dst[k] = v
        out = []
        for sec, kv in conf.items():
            out.append("[%s]" % sec)
            out += ["%s = %s" % (k, v) for k, v in kv.items()]
            out.append("")
        text = "\n".join(out)
        if tail:
            text += tail.rstrip("\n") + "\n"
        return text

    def start_nsd(self, ns, zone, text, port, probe, answer, timeout=15):
        """NSD in ns on 127.0.0.1:port, authoritative for zone (its file
        text); returns once `dig probe A` there answers with answer."""
        d = self.tmpdir
        zf = os.path.join(d, zone + ".zone")
        with open(zf, "w") as f:
            f.write(text)
        conf = os.path.join(d, "nsd-%s.conf" % zone)
        with open(conf, "w") as f:
            f.write("server:\n  ip-address: 127.0.0.1@%d\n"
                    "  zonesdir: \"%s\"\n  username: \"\"\n"
                    "  pidfile: \"%s/nsd.pid\"\n"
                    "  xfrdfile: \"%s/xfrd.state\"\n"
                    "  zonelistfile: \"%s/zone.list\"\n"
                    "  database: \"\"\n  server-count: 1\n"
                    "zone:\n  name: %s\n  zonefile: \"%s\"\n"
                    % (port, d, d, d, d, zone, zf))
        proc = self.popen(ns, ["/usr/sbin/nsd", "-d", "-c", conf],
                          log="nsd.log")
        wait_for(lambda: answer in self.run(
            ns, ["dig", "+short", "+time=1", "+tries=1", "-p", str(port),
                 "@127.0.0.1", probe, "A"]).stdout, timeout,
            what="NSD for %s" % zone)
        return proc

    def start_gate64(self, binary=None, extra=None, cpu=None, timeout=30,
                     conf_text=None):
        """gate64d -c CONF in gw (mode "gate64"), CONF written from
        conf_text or gate64_conf(extra); returns the process once its log
        has a line with "gate64d: ready".  cpu: a taskset CPU list for the
        whole process (the [dpdk] lcores pin the threads anyway)."""
        if self.mode != "gate64":
            raise LabError("start_gate64() needs a Lab(mode='gate64')")
        binary = binary or os.path.join(ROOT, "build", "gate64d")
        if not os.path.exists(binary):
            raise LabError("%s missing: run make" % binary)
        conf = os.path.join(self.tmpdir, "gate64d.conf")
        with open(conf, "w") as f:
            f.write(conf_text if conf_text is not None
                    else self.gate64_conf(extra))
        cmd = [binary, "-c", conf]
        if cpu is not None:
            cmd = ["taskset", "-c", str(cpu)] + cmd
        proc = self.popen("gw", cmd, log="gate64d.log")
        proc.conf_path = conf

        def ready():
            if proc.poll() is not None:
                raise LabError("gate64d exited %s: %s"
                               % (proc.returncode, self.log_text(proc)))
            return "gate64d: ready" in self.log_text(proc)
        wait_for(ready, timeout, what="gate64d: ready")
        return proc

    def start_big_file(self, ns, port, size):
        """An HTTP server in ns on port serving /big.bin, size random
        bytes (a long transfer); returns once it listens."""
        d = tempfile.mkdtemp(prefix="big-", dir=self.tmpdir)
        with open(os.path.join(d, "big.bin"), "wb") as f:
            f.write(os.urandom(size))
        proc = self.popen(ns, [PYTHON, "-m", "http.server", "--bind",
                               "0.0.0.0", str(port), "--directory", d],
                          log="http-big-%d.log" % port)
        wait_for(lambda: self.listening(ns, port), 10,
                 what="http.server for big.bin on port %d" % port)
        return proc

    def routes64(self):
        """gw's IPv6 routes of protocol 64 (what gate64d installs in the
        modes where the kernel keeps the NICs): [(dst, dev)]."""
        out = self.run("gw", ["ip", "-6", "-j", "route", "show", "proto",
                              "64"]).stdout
        return [(r["dst"], r.get("dev")) for r in json.loads(out or "[]")]

    def download_under_way(self, url, out, log="curl-big.log"):
        """curl -6 from the client to url into out at 4 MB/s (a long
        transfer to restart gate64d under); returns the process once
        2 MiB have arrived."""
        dl = self.popen("client", ["curl", "-6", "-sS", "--limit-rate",
                                   "4M", "--max-time", "60", "-o", out,
                                   url], log=log)
        wait_for(lambda: os.path.exists(out) and
                 os.path.getsize(out) > 2 * 1024 * 1024, 15,
                 what="the transfer under way")
        return dl

    # --- gate64d mode = xdp on the "tayga" topology -----------------------

    def bpffs(self):
        """A BPF file system of the lab's own (in its temporary directory),
        for [xdp] pin-dir: `ip netns exec` remounts /sys, which hides
        /sys/fs/bpf from gate64d.  Mounted on first use, unmounted by
        close()."""
        if not getattr(self, "_bpffs", None):
            d = os.path.join(self.tmpdir, "bpf")
            os.makedirs(d, exist_ok=True)
            subprocess.run(["mount", "-t", "bpf", "bpf", d], check=True,
                           capture_output=True, timeout=30)
            self._bpffs = d
        return self._bpffs

    def hosts_like_nics(self):
        """The client and server veth ends as native XDP on them needs:
        the hosts compute their checksums (a veth passes CHECKSUM_PARTIAL
        packets, which a real NIC never delivers and XDP cannot finish)
        and run in NAPI mode (GRO on), which a redirect into a veth
        needs."""
        for ns, d in (("client", self.ifname["client"]),
                      ("server", self.ifname["server"])):
            self._offloads_off(ns, d)
            self.run(ns, ["ethtool", "-K", d, "gro", "on"], check=True)

    def start_gate64d(self, conf_text, args=(), wait=True, name="gate64d",
                      timeout=30):
        """gate64d [args] -c CONF in gw for any mode (CONF written from
        conf_text, its own file and log each call: a second gate64d never
        truncates the first's); returns the process (proc.conf_path), once
        its log says "gate64d: ready" unless wait is false."""
        n = len(self.procs)
        path = os.path.join(self.tmpdir, "%s-%d.conf" % (name, n))
        with open(path, "w") as f:
            f.write(conf_text)
        proc = self.popen("gw", [os.path.join(ROOT, "build", "gate64d")] +
                          list(args) + ["-c", path],
                          log="%s-%d.log" % (name, n))
        proc.conf_path = path
        if wait:
            def ready():
                if proc.poll() is not None:
                    raise LabError("gate64d exited %s: %s"
                                   % (proc.returncode, self.log_text(proc)))
                return "gate64d: ready" in self.log_text(proc)
            wait_for(ready, timeout, what="gate64d: ready")
        return proc

    def prepare_xdp(self, client_siit6):
        """The topology for gate64d mode = xdp (stateless SIIT, /96 pool6;
        Lab(mode="tayga"), TAYGA not started): the client gets
        client_siit6, its IPv4-translatable address (RFC 6052 §2.2 under
        pool6), and uses it toward pool6; gw routes it back; the hosts
        compute their checksums (a veth passes CHECKSUM_PARTIAL packets,
        which a real NIC never delivers and XDP cannot finish) and run
        their veth ends in NAPI mode (GRO on), which native XDP redirect
        into a veth needs."""
        if self.mode != "tayga":
            raise LabError("prepare_xdp() needs Lab(mode='tayga')")
        c, s = self.ifname["client"], self.ifname["server"]
        self._ip("client", "addr", "add", client_siit6 + "/128", "dev", c,
                 "nodad")
        self._ip("client", "-6", "route", "replace", self.pool6, "via",
                 GW6, "dev", c, "src", client_siit6)
        self._ip("gw", "-6", "route", "add", client_siit6 + "/128", "via",
                 CLIENT6, "dev", self.gw6)
        self.hosts_like_nics()

    # --- teardown -----------------------------------------------------------

    def close(self):
        """Stop every process of the lab, delete its namespaces, its
        temporary directory and the DPDK runtime directory of its
        file prefix.  Idempotent; errors are collected and raised
        at the end, after everything has been tried."""
        if self._closed:
            return
        self._closed = True
        errors = []
        for p in reversed(self.procs):
            try:
                _stop(p)
            except Exception as e:  # keep going: the namespaces must go
                errors.append("stop pid %d: %s" % (p.pid, e))
        for name in self._made_ns:
            # anything still running in our namespaces is ours
            r = subprocess.run(["ip", "netns", "pids", name],
                               capture_output=True, text=True)
            for pid in r.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            r = subprocess.run(["ip", "netns", "del", name],
                               capture_output=True, text=True)
            if r.returncode != 0 and os.path.exists("/run/netns/" + name):
                errors.append("ip netns del %s: %s" % (name, r.stderr.strip()))
        if getattr(self, "_bpffs", None):  # after the processes
            r = subprocess.run(["umount", "-l", self._bpffs],
                               capture_output=True, text=True)
            if r.returncode != 0:
                errors.append("umount %s: %s" % (self._bpffs,
                                                  r.stderr.strip()))
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        for d in ("/run/dpdk", "/var/run/dpdk"):  # EAL runtime files
            shutil.rmtree(os.path.join(d, self.file_prefix),
                          ignore_errors=True)
        if errors:
            raise LabError("; ".join(errors))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
