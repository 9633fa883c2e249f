#!/usr/bin/python3
"""Seed inputs for the control-plane fuzz targets.

    seeds_cfg.py cfg OUTDIR   (fuzz_cfg_gw: one gate64d INI file each)
    seeds_cfg.py ctl OUTDIR   (fuzz_ctl_proto: one control request each)

cfg writes conf/gate64.conf as it is, small valid files (two-arm NAT64,
one-arm SIIT with EAM, PCI devices with hugepages, no-huge with extra EAL
arguments, static BIB and port blocks, [metrics], [dns64], mode = xdp with
SIIT and NAT64, mode = hybrid) and invalid ones
(duplicate keys and sections, unknown keys, continued lines, quotes and
comments in values, bad prefixes, overlapping EAM, a port's address in
pool4, lcores listed twice, a ':' in a section name).  ctl writes valid requests (every command,
every argument, JSON) and invalid ones (no newline, wrong version, unknown
words, bad cursor, limit and src, a NUL byte, too many words, CRLF).
Standard library only.
"""

import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

PORTS = ("[port6]\ndevice = net_ring0\naddress = 2001:db8:1::1/64\n"
         "[port4]\ndevice = net_ring1\naddress = 198.51.100.1/24\n")
POOL4 = "[pool4]\naddress = 192.0.2.1\n"
BASE = POOL4 + PORTS
ONE_ARM = ("[port]\ndevice = net_af_packet0,iface=gw\n"
           "address = 2001:db8:1::1/64, 198.51.100.1/24\n"
           "gateway = 2001:db8:1::fffe, 198.51.100.254\n")

CFG = {
    "nat64-min": BASE,
    "nat64-full": (
        "[Gate64]\nMode = DPDK\npidfile = /run/gate64d.pid\n"
        "control-socket = /run/g.sock\ncontrol-socket-mode = 0600\n"
        "[translator]\ntype = nat64\npool6 = 2001:db8:100::/48\n"
        "pool6791 = 203.0.113.1, 203.0.113.2\nicmp6-source = 2001:db8::1\n"
        "lowest-ipv6-mtu = 1280\nudp-zero-checksum = drop\n"
        "reset-traffic-class = yes\nreset-tos = on\nnew-tos = 32\n"
        "icmp-errors = true\nicmp-rate = 0\nicmp-burst = 5\n"
        "eam-hairpin = off\n"
        "[pool4]\naddress = 192.0.2.0/30, 192.0.2.8\n"
        "tcp-ports = 1-65535\nudp-ports = 2000-3000\nicmp-ids = 0-65535\n"
        "block-size = 64\nmax-blocks = 8\n"
        "[nat64]\nsubscriber-length = 64\nfiltering = address-dependent\n"
        "max-bib = 1024\nmax-sessions = 2048\nmax-subscribers = 16\n"
        "sessions-per-subscriber = 100\ntimeout-udp = 120\n"
        "timeout-icmp = 1\ntimeout-tcp-est = 7440\n"
        "timeout-tcp-trans = 240\ntimeout-tcp-syn = 6\n"
        "drop-inbound-syn = yes\nheld-syn-max = 0\n"
        "mapping-log = /tmp/maplog\n"
        "[static-bib]\nweb = tcp 2001:db8:1::10 80 192.0.2.1 80\n"
        "dns = udp 2001:db8:1::53 53 192.0.2.2 2053\n"
        "ping = icmp 2001:db8:1::10 0 192.0.2.1 0\n"
        "[port6]\ndevice = net_tap0\nmac = 02:00:00:00:00:AB\n"
        "address = 2001:db8:1::1/64\ngateway = 2001:db8:1::fffe\n"
        "[port4]\nDEVICE = 0000:03:00.1\nmtu = 1400\n"
        "address = 198.51.100.1/24\ngateway = 198.51.100.254\n"
        "[dpdk]\nlcores = 2, 4,6,8\nmemory = hugepages\nsocket-mem = 2048\n"
        "file-prefix = lab.1\neal-args = --log-level=8 --huge-unlink\n"
        "[neighbours]\nreachable = 10\nstale = 60\nretrans-ms = 250\n"
        "pending = 0\n"),
    "siit-one-arm": (
        "[translator]\ntype = siit\npool6 = 2001:db8:64::/64\n"
        "[eam]\nportal = 198.51.100.10/32 2001:db8:64::10/128\n"
        "net = 203.0.113.0/24 2001:db8:77::/120\n"
        "inner = 203.0.113.128/25 2001:db8:77::80/121\n" + ONE_ARM +
        "mtu = 9000\n[dpdk]\nlcores = 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,"
        "15,16\nmemory = no-huge\nsocket-mem = 512\n"),
    "pci-two": (BASE.replace("net_ring0", "03:00.0").replace(
        "net_ring1", "0000:03:00.1,rxq=2") + "[dpdk]\nmemory = in-memory\n"),
    "metrics-dns64": (BASE + "[metrics]\nlisten = [::1]:9100\n"
                      "[dns64]\nlisten = 127.0.0.1:53\nwhatever = 1\n"),
    "quotes-comments": (
        "; comment\n# comment\n[gate64]\npidfile = \"/run/a;b.pid\"\n"
        "[translator]\npool6 = 64:ff9b::/96 ; the well-known prefix\n"
        "icmp-rate = '7'\n" + BASE + "\r\n\n   \n"),
    "continued": ("[translator]\npool6 = 64:ff9b::/96 \\\n"
                  "icmp-rate = 3\n" + BASE),
    # invalid
    "bad-dup-key": BASE + "[dpdk]\nlcores = 0,1\nLCORES = 0,2\n",
    "bad-dup-section": BASE + "[gate64]\n[GATE64]\n",
    "bad-unknown-key": BASE + "[gate64]\ncolour = red\n",
    "bad-unknown-section": BASE + "[foo]\nx = 1\n",
    "bad-outside": "x = 1\n" + BASE,
    "bad-no-bracket": "[gate64\n" + BASE,
    "bad-no-ports": POOL4,
    "bad-both-forms": BASE + ONE_ARM,
    "bad-pool6": BASE + "[translator]\npool6 = 64:ff9b::1/96\n",
    "bad-eam-overlap": ("[translator]\ntype = siit\n" + PORTS +
                        "[eam]\na = 198.51.100.10/32 2001:db8:64::10/128\n"
                        "b = 198.51.100.10/32 2001:db8:64::11/128\n"),
    "bad-pool4-own": ("[pool4]\naddress = 198.51.100.1\n" + PORTS),
    "bad-lcores-twice": BASE + "[dpdk]\nlcores = 1,2,1\n",
    "bad-eal-owned": BASE + "[dpdk]\neal-args = --no-pci\n",
    "bad-siit-pool4": "[translator]\ntype = siit\n" + BASE,
    "bad-static-bib": (BASE + "[static-bib]\nweb = tcp 2001:db8:1::10 80 "
                       "192.0.2.9 80\n"),
    "bad-long-line": BASE + "[gate64]\npidfile = /" + "a" * 1100 + "\n",
    "bad-nul": BASE + "[gate64]\npidfile = /run/\0x.pid\n",
    # found by fuzz_cfg_gw: "[eam:x]" was no section to iniparser but a
    # key "eam:x" with no value inside [eam] (strlen(NULL) in parse_eam)
    "bad-colon-section": ("[eam:x]\n[translator]\ntype = siit\n" + PORTS +
                          "[eam]\na = 198.51.100.10/32 2001:db8:64::10/128\n"),
    "bad-colon-section-port": BASE + "[port4:colour]\n",
    # found by fuzz_cfg_gw: a /32 port address shifted 0xffffffff by 32
    "port4-slash32": BASE.replace("198.51.100.1/24", "198.51.100.1/32"),
    "xdp-siit": ("[gate64]\nmode = xdp\n[translator]\ntype = siit\n"
                 "pool6 = 2001:db8:46::/96\n[xdp]\ninterfaces = gw6, gw4\n"
                 "attach = generic\npin-dir = /sys/fs/bpf/g64\n"),
    "xdp-nat64": ("[gate64]\nmode = xdp\n[pool4]\naddress = 192.0.2.1\n"
                  "tcp-ports = 61000-65535\nudp-ports = 61000-65535\n"
                  "[static-bib]\nweb = tcp 2001:db8:1::10 61080 192.0.2.1 "
                  "61080\n[xdp]\ninterfaces = eth1\n"),
    "hybrid-siit": ("[gate64]\nmode = hybrid\n[translator]\ntype = siit\n"
                    "pool6 = 2001:db8:46::/96\n[xdp]\ninterfaces = gw6, gw4\n"
                    "[dpdk]\nlcores = 0,1\nmemory = no-huge\n"
                    "[port6]\naddress = 2001:db8:1::1/64\n"
                    "gateway = 2001:db8:1::2\n"
                    "[port4]\naddress = 198.51.100.1/24\n"),
    "hybrid-nat64": ("[gate64]\nmode = hybrid\n" + POOL4 +
                     "tcp-ports = 61000-65535\nudp-ports = 61000-65535\n"
                     "[xdp]\ninterfaces = eth1\n[dpdk]\nlcores = 0,1\n"
                     "[port]\naddress = 2001:db8:1::1/64, 198.51.100.1/24\n"),
    "bad-hybrid-device": ("[gate64]\nmode = hybrid\n" + POOL4 + PORTS +
                          "[xdp]\ninterfaces = gw6, gw4\n"),
    "bad-xdp-ports": ("[gate64]\nmode = xdp\n[translator]\ntype = siit\n"
                      + PORTS + "[xdp]\ninterfaces = a, b, c\n"),
    "bad-xdp-blocks": ("[gate64]\nmode = xdp\n" + POOL4 +
                       "block-size = 64\n[xdp]\ninterfaces = a/b\n"),
}

CTL = {
    "status": b"1 status\n",
    "stats-json": b"1 stats json\n",
    "session-list": b"1 session list proto=tcp limit=5 cursor=0:3 json\n",
    "bib-list": b"1 bib list proto=icmp src=2001:db8:1::10 limit=1000\n",
    "session-src": b"1 session list src=2001:db8::1 cursor=15:4294967295\n",
    "crlf": b"1\tstatus\r\n",
    "trailing": b"1 status\nmore after the newline",
    "reload": b"1 reload\n",
    "timeouts-show": b"1 timeouts show json\n",
    "timeouts-set": b"1 timeouts set udp 120\n",
    "eam-add": b"1 eam add portal 198.51.100.10/32 2001:db8:64::10/128\n",
    "eam-del": b"1 eam del portal\n",
    "bib-add": b"1 bib add web tcp 2001:db8:1::10 80 192.0.2.1 80\n",
    "config-save": b"1 config save\n",
    "subscriber": b"1 subscriber show src=2001:db8:1::2 json\n",
    "pool4-list": b"1 pool4 list json\n",
    "log-lookup": b"1 log lookup addr=192.0.2.1 port=80 proto=tcp "
                  b"time=2026-11-25T13:30:00Z\n",
    # invalid
    "no-newline": b"1 status",
    "empty": b"\n",
    "version": b"2 status\n",
    "unknown-cmd": b"1 reboot\n",
    "list-only": b"1 session\n",
    "bad-arg": b"1 stats verbose\n",
    "bad-proto": b"1 bib list proto=sctp\n",
    "bad-src": b"1 bib list src=192.0.2.1\n",
    "bad-cursor": b"1 session list cursor=1024:0\n",
    "bad-cursor-sep": b"1 session list cursor=3\n",
    "bad-limit": b"1 session list limit=0\n",
    "bad-limit-big": b"1 session list limit=1001\n",
    "nul": b"1 status\0\n",
    "many-words": b"1 stats" + b" json" * 20 + b"\n",
    "long": b"1 status " + b"x" * 1100 + b"\n",
    "set-args": b"1 timeouts set udp\n",
    "set-bracket": b"1 eam add [x] 1.2.3.4/32 ::/128\n",
    "lookup-missing": b"1 log lookup addr=192.0.2.1 port=80\n",
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("cfg", "ctl"):
        sys.exit("usage: seeds_cfg.py cfg|ctl OUTDIR")
    kind, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    seeds = {}
    if kind == "cfg":
        for name in ("gate64.conf", "gate64-dns64.conf"):
            with open(os.path.join(ROOT, "conf", name), "rb") as f:
                seeds["conf-" + name] = f.read()
        for name, text in CFG.items():
            seeds[name] = text.encode()
    else:
        seeds = dict(CTL)
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"seeds: {len(seeds)} hand-made ({kind}) -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
