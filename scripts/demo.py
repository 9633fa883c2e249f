#!/usr/bin/python3
"""make demo: gate64 in one command.

A lab of network namespaces (tests/integration/lab.py): an IPv6-only
client network, the gateway, an IPv4-only "legacy portal" running a real
HTTP server; NSD, authoritative for portal.example with only an A record
for the portal.  gate64d runs NAT64 with DNS64 in the chosen mode, and the
demo shows, step by step: the client resolving the portal's name (AAAA
synthesized), curl -6 fetching the page, the same page through a
published EAM address, gate64ctl session list and stats, and the mapping
log line that ties the IPv4 side back to the client.  Everything is
removed at the end, also on an error or Ctrl-C.

--mode xdp shows the xdp mode (docs/xdp.md): the same name resolution
and page through NAT64 done by the XDP program, which keeps the state in
BPF maps; gate64ctl session list and stats from the program's maps and
counters; the mapping-log line; then gate64d restarted with --keep-state
while the program and its state keep serving.  (EAM is not in XDP yet.)

Usage: scripts/demo.py [--mode dpdk|xdp|hybrid]
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
import lab as L  # noqa: E402

ROOT = L.ROOT
GATE64CTL = os.path.join(ROOT, "build", "gate64ctl")
NSD = "/usr/sbin/nsd"
DIG = "/usr/bin/dig"
DNS6_GW, DNS6_CLIENT = "2001:db8:53::1", "2001:db8:53::2"
NSD_PORT = 5301
NAME = "www.portal.example"
PAGE = ("<html><body><h1>Agency portal</h1>"
        "<p>This IPv4-only server was reached over IPv6 through gate64."
        "</p></body></html>\n")
ZONE = """$ORIGIN portal.example.
$TTL 300
@   IN SOA ns.portal.example. hostmaster.portal.example. 1 3600 600 86400 60
@   IN NS  ns.portal.example.
ns  IN A   127.0.0.1
www IN A   %s
""" % L.SERVER4


def step(n, text):
    print("\n=== %d. %s ===" % (n, text), flush=True)


def show(cmdline, out):
    print("$ " + cmdline)
    print(out.rstrip("\n"), flush=True)


def dns_link(lab):
    """A kernel-owned link client <-> gateway for DNS: in dpdk mode the
    gateway's ports belong to DPDK, so its own sockets (the DNS64
    listener) live on a management link, as on a real host."""
    c, g = "cd-" + lab.suffix, "gd-" + lab.suffix
    lab._veth("client", c, "gw", g, 1500)
    lab.sysctl("gw", **{"net.ipv6.conf.%s.disable_ipv6" % g: 0})
    for ns, ifn, addr in (("client", c, DNS6_CLIENT), ("gw", g, DNS6_GW)):
        lab.run(ns, ["ip", "addr", "add", addr + "/64", "dev", ifn,
                     "nodad"], check=True)
        lab.run(ns, ["ip", "link", "set", ifn, "up"], check=True)


def ctl(lab, *args):
    r = subprocess.run([GATE64CTL, "-s", lab.sock] + list(args),
                       capture_output=True, text=True, timeout=20)
    if r.returncode:
        raise L.LabError("gate64ctl %s: %s" % (" ".join(args), r.stderr))
    return r.stdout


def show_mapping(lab):
    """The pool4 address and port of the first TCP session, and what the
    mapping log says of them now (it may take a moment to be written)."""
    rows = [ln.split() for ln in ctl(lab, "session", "list")
            .splitlines()[1:] if ln.startswith("tcp")]
    addr, port = rows[0][2].rsplit(":", 1)
    deadline = time.time() + 5
    while True:
        out = ctl(lab, "log", "lookup", addr, port, "tcp",
                  str(int(time.time())))
        if "NAT64_BIB_CREATE" in out or time.time() > deadline:
            break
        time.sleep(0.1)
    show("gate64ctl log lookup %s %s tcp now" % (addr, port), out)
    return addr, port


def demo(mode):
    with L.Lab(mode="gate64") as lab:
        step(1, "The lab: an IPv6-only client, the gateway, an IPv4-only "
             "legacy portal")
        print("(network namespaces g64-*-%s, removed at the end)"
              % lab.suffix)
        print("client  %s (IPv6 only)\ngateway %s | %s (gate64d, %s mode)"
              "\nportal  %s (IPv4 only), HTTP on port 80\n"
              "DNS     NSD: %s has only an A record (%s)" % (
                  L.CLIENT6, L.GW6, L.GW4, mode, L.SERVER4, NAME,
                  L.SERVER4))
        dns_link(lab)
        lab.start_nsd("gw", "portal.example", ZONE, NSD_PORT, NAME,
                      L.SERVER4)
        lab.start_http("server", "0.0.0.0", 80, PAGE)
        lab.sock = "/run/gate64/%s.sock" % lab.file_prefix
        maplog = os.path.join(lab.tmpdir, "mapping.log")
        gw = lab.start_gate64(extra=(
            "[nat64]\nmapping-log = %s\n"
            "[dns64]\nlisten = [%s]:53\nupstream = 127.0.0.1:%d\n"
            "allow = 2001:db8::/32\nthreads = 1\n"
            % (maplog, DNS6_GW, NSD_PORT)))
        print(lab.log_text(gw).strip().splitlines()[-1])

        step(2, "The client resolves %s: the AAAA is synthesized by DNS64 "
             "(RFC 6147)" % NAME)
        r = lab.run("client", [DIG, "+noall", "+answer", "@" + DNS6_GW,
                               NAME, "AAAA"], check=True)
        show("dig @%s %s AAAA" % (DNS6_GW, NAME), r.stdout)
        aaaa = [ln.split()[-1] for ln in r.stdout.splitlines()
                if ln.split()[3:4] == ["AAAA"]]
        if not aaaa:
            raise L.LabError("no AAAA was synthesized: %s" % r.stdout)

        step(3, "curl -6 fetches the page over IPv6 (NAT64, RFC 6146)")
        url = "http://[%s]/" % aaaa[0]
        r = lab.run("client", ["curl", "-6", "-sS", "-m", "10", url],
                    check=True)
        show("curl -6 %s" % url, r.stdout)

        step(4, "The same page through the published EAM address %s "
             "(RFC 7757)" % L.PORTAL6)
        lab.run("server", ["ip", "addr", "add", L.PORTAL4 + "/24", "dev",
                           lab.ifname["server"]], check=True)
        url = "http://[%s]/" % L.PORTAL6
        r = lab.run("client", ["curl", "-6", "-sS", "-m", "10", url],
                    check=True)
        show("curl -6 %s" % url, r.stdout)

        step(5, "gate64ctl session list: the flows, IPv6 client -> pool4 "
             "-> portal")
        show("gate64ctl session list", ctl(lab, "session", "list"))

        step(6, "gate64ctl stats: the translator's counters")
        lines = ctl(lab, "stats").splitlines()
        xlat = [ln for ln in lines if "#" in ln]  # DNS64's have no "#"
        show("gate64ctl stats", "\n".join(xlat) + "\n(and %d DNS64 "
             "counters: gate64ctl dns64 stats)" % (len(lines) - len(xlat)))

        step(7, "The mapping log ties the IPv4 side back to the client "
             "(RFC 6888)")
        addr, port = show_mapping(lab)
        print("\nThe portal saw the connection from %s:%s; the log says "
              "which IPv6 client that was." % (addr, port))

        step(8, "Cleaning up")
        lab.stop(gw)
    print("namespaces, processes, sockets and DPDK files removed.\n"
          "demo: done", flush=True)


XDP_POOL6 = L.TAYGA_POOL6  # a /96 network-specific prefix


def start_xdp(lab, conf, args=()):
    with open(conf) as f:
        gw = lab.start_gate64d(f.read(), args)
    print(lab.log_text(gw).strip().splitlines()[-1], flush=True)
    return gw


def fetch(lab, url):
    """curl -6 from the client; a first SYN towards a next hop the kernel
    has not resolved yet is dropped (counted) and resent after a second."""
    r = lab.run("client", ["curl", "-6", "-sS", "-m", "10", url],
                check=True)
    show("curl -6 %s" % url, r.stdout)
    return r


def demo_xdp(mode="xdp"):
    """mode xdp (the program alone) or hybrid (the program, and DPDK
    workers over AF_XDP for what it hands on: here a flow's first
    packets, which make its session)."""
    with L.Lab(mode="tayga", pool6=XDP_POOL6) as lab:
        step(1, "The lab: an IPv6-only client, the gateway (XDP), an "
             "IPv4-only legacy portal")
        print("(network namespaces g64-*-%s, removed at the end)"
              % lab.suffix)
        how = ("xdp mode: NAT64 in the XDP program, state in BPF maps"
               if mode == "xdp" else
               "hybrid mode: NAT64 in the XDP program for established "
               "flows, DPDK workers over AF_XDP for the rest")
        print("client  %s (IPv6 only)\ngateway %s | %s (gate64d, %s)\n"
              "portal  %s (IPv4 only), HTTP on port 80\n"
              "DNS     NSD: %s has only an A record (%s)" % (
                  L.CLIENT6, L.GW6, L.GW4, how, L.SERVER4, NAME, L.SERVER4))
        lab.hosts_like_nics()
        lab.start_nsd("gw", "portal.example", ZONE, NSD_PORT, NAME,
                      L.SERVER4)
        lab.start_http("server", "0.0.0.0", 80, PAGE)
        lab.sock = "/run/gate64/%s.sock" % lab.file_prefix
        maplog = os.path.join(lab.tmpdir, "mapping.log")
        conf = os.path.join(lab.tmpdir, "gate64d.conf")
        if mode == "xdp":
            engine = "[xdp]\ninterfaces = %s, %s\npin-dir = %s/pins\n" % (
                lab.gw6, lab.gw4, lab.bpffs())
        else:  # the workers' ports are net_af_xdp on the same interfaces
            engine = ("[xdp]\ninterfaces = %s, %s\n"
                      "[dpdk]\nlcores = 0,1\nmemory = no-huge\n"
                      "file-prefix = %s\n[port6]\naddress = %s/64\n"
                      "[port4]\naddress = %s/24\n" % (
                          lab.gw6, lab.gw4, lab.file_prefix, L.GW6, L.GW4))
        with open(conf, "w") as f:
            f.write("[gate64]\nmode = %s\ncontrol-socket = %s\n"
                    "[translator]\ntype = nat64\npool6 = %s\n"
                    "pool6791 = %s\n"
                    "[pool4]\naddress = %s\ntcp-ports = 61000-65535\n"
                    "udp-ports = 61000-65535\n"
                    "[nat64]\nmapping-log = %s\n%s"
                    "[dns64]\nlisten = [%s]:53\nupstream = 127.0.0.1:%d\n"
                    "allow = 2001:db8::/32\nthreads = 1\n"
                    % (mode, lab.sock, XDP_POOL6, L.POOL6791, L.POOL4,
                       maplog, engine, L.GW6, NSD_PORT))
        gw = start_xdp(lab, conf, ["--keep-state"] if mode == "xdp" else [])

        step(2, "The client resolves %s: the AAAA is synthesized by DNS64 "
             "(RFC 6147)" % NAME)
        r = lab.run("client", [DIG, "+noall", "+answer", "@" + L.GW6,
                               NAME, "AAAA"], check=True)
        show("dig @%s %s AAAA" % (L.GW6, NAME), r.stdout)
        aaaa = [ln.split()[-1] for ln in r.stdout.splitlines()
                if ln.split()[3:4] == ["AAAA"]]
        if not aaaa:
            raise L.LabError("no AAAA was synthesized: %s" % r.stdout)

        step(3, "curl -6 fetches the page over IPv6 (NAT64, RFC 6146%s)"
             % (", in XDP" if mode == "xdp" else
                ": the workers make the session, XDP carries the rest"))
        url = "http://[%s]/" % aaaa[0]
        fetch(lab, url)
        print("(EAM translates in XDP with SIIT, docs/xdp.md; beside "
              "NAT64 it is the workers' or the dpdk mode's: make demo "
              "MODE=dpdk shows it)")

        step(4, "gate64ctl session list: the flow, IPv6 client -> pool4 "
             "-> portal%s" % (", from the program's maps" if mode == "xdp"
                              else ""))
        show("gate64ctl session list", ctl(lab, "session", "list"))

        step(5, "gate64ctl stats: the %s counters"
             % ("XDP program's" if mode == "xdp" else "workers'"))
        lines = [ln for ln in ctl(lab, "stats").splitlines()
                 if "#" in ln and not re.search(r"\s0  #", ln)]
        show("gate64ctl stats (non-zero)", "\n".join(lines))

        step(6, "The mapping log ties the IPv4 side back to the client "
             "(RFC 6888)")
        addr, port = show_mapping(lab)

        if mode == "xdp":
            step(7, "gate64d restarts with --keep-state: the program and "
                 "its state keep serving meanwhile")
            lab.stop(gw)
            print("(gate64d stopped; the XDP program and its maps stay)")
            fetch(lab, url)
            gw = start_xdp(lab, conf)
            show("gate64ctl session list", ctl(lab, "session", "list"))

        step(8 if mode == "xdp" else 7, "Cleaning up")
        lab.stop(gw)
        if mode == "hybrid":
            print("(who carried the packets, as gate64d printed at exit: "
                  "the XDP program, and the workers it handed on to)")
            print("\n".join(ln for ln in lab.log_text(gw).splitlines()
                            if re.match(r"^xdp-(translated|to-workers) ",
                                        ln)))
    print("namespaces, processes, sockets, XDP programs, BPF pins and "
          "pool4 addresses removed.\ndemo: done", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mode", default="dpdk",
                   choices=("dpdk", "xdp", "hybrid"))
    args = p.parse_args()
    if os.geteuid() != 0:
        sys.exit("demo: run as root (it creates network namespaces)")
    for tool in (GATE64CTL, NSD, DIG, "/usr/bin/curl"):
        if not os.path.exists(tool):
            sys.exit("demo: %s missing: run make deps all" % tool)
    # Ctrl-C and SIGTERM unwind through the lab's context manager
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    try:
        if args.mode in ("xdp", "hybrid"):
            demo_xdp(args.mode)
        else:
            demo(args.mode)
    except KeyboardInterrupt:
        sys.exit("demo: interrupted; the lab was removed")
    except L.LabError as e:
        sys.exit("demo: failed: %s" % e)


if __name__ == "__main__":
    main()
