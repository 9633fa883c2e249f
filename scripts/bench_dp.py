#!/usr/bin/python3
"""Dataplane benchmark in the namespace lab (tests/integration/lab.py):
gate64d's modes against TAYGA and against plain XDP forwarding, same lab,
same generator, same pinning, side by side in one run.

The runs (--only picks some; all by default):
  tayga   TAYGA 0.9.2 on a TUN device (the baseline), taskset to CPU 1
  dpdk    gate64d mode = dpdk (NAT64), one worker on CPU 1 ([dpdk]
          lcores GEN,XLAT), on net_af_packet (or --gate64-device af_xdp);
          "--only gate64" is the old name of this run
  hybrid  gate64d mode = hybrid: run only when gate64d --check accepts
          the mode; otherwise a row that says why not
  xdp     gate64d mode = xdp: stateless SIIT, /96 pool6, the XDP program
          (bpf/xlat_xdp.c) translating natively on gw6/gw4 and forwarding
          with bpf_fib_lookup + bpf_redirect; gate64d (a control thread
          only) taskset to CPU 1.  The client sends from its
          IPv4-translatable address (192.0.2.2 under pool6), so both
          addresses translate; gw routes it back to the client.
  plain   the ceiling: plain XDP forwarding of untranslated frames
          between the same veths (bpf/xdp_plain_fwd.c: bpf/xdp_fwd.h's
          fwd_out() on the frame as it came in, no translation), loaded by
          build/bench/xdp_plain taskset to CPU 1.  IPv4 in, IPv4 out: the
          client sends what the xdp run's gw sends the server, IPv4/UDP
          from 192.0.2.2 to 198.51.100.2 (the lab's client has IPv4
          enabled, just no address: trafgen needs none), which gw routes
          natively (ip_forward is on; a permanent neighbour entry for the
          server on gw4, since the program asks nobody to resolve it).
          So the FIB lookup (IPv4), the redirect, the egress frame and the
          server's whole receive path -- the biggest cost of all -- are
          the xdp run's; what differs is the translation and a 20-byte
          shorter frame into gw6.  --plain-family 6 forwards IPv6
          instead: the xdp run's ingress frames, from 2001:db8:1::2 to
          2001:db8:2::2, an address the server gets for the run (IPv6
          enabled in its namespace, gw 2001:db8:2::1/64 on gw4); but then
          the server receives IPv6, whose stack costs it more than IPv4's
          (measured: plain-6 delivers about 6 % less than xdp).
  gen     the generator's own cost: the xdp run's frames, dropped on
          arrival by an XDP_DROP program on gw6 (xdp_plain --drop); what
          CPU 0 spends per sent frame there is trafgen, its veth transmit
          and the veth receive up to the program, and nothing after.

The xdp-family runs (xdp, plain, gen, hybrid) use the lab's "tayga"
topology without TAYGA (the kernel keeps the addresses, forwarding on),
with the settings native XDP on veth needs (docs/xdp.md): offloads off on
the client and server veths (the senders compute their checksums) and GRO
on there (a frame redirected into a veth reaches its peer only in NAPI
mode).

For each run, a fresh lab; trafgen pinned to CPU 0 in the client
namespace sends IPv6/UDP packets (plain: IPv4) (UDP payload --payload bytes, hop limit
64) to the run's destination, port 9 (the server's image under pool6,
or the server itself for plain), from 1 source port and from --flows
source ports, on the client veth, as fast as it can (TX_RING, qdisc
bypass).  The server holds a UDP socket on port 9 that never reads (no
ICMP port unreachable flows back; the kernel drops at the full socket
buffer).

Where the work runs.  TAYGA and the dpdk worker run on CPU 1, as pinned.
The XDP program cannot be pinned: on a veth it runs in the receive
softirq (NAPI) of gw6, which runs on the CPU that transmitted, trafgen's
CPU 0; its redirect into gw4 schedules the server veth's NAPI on the same
CPU, so in the xdp and plain runs the translation or forwarding, and the
server's whole receive path, share CPU 0 with the generator, and CPU 1
idles.  (Threaded NAPI, which could move it, stalls trafgen on veth with
XDP on this kernel: docs/performance.md.)  So a process's time says
nothing for them; the CPU figures come from /proc/stat per CPU.

Measured over --seconds after a warm-up (first packets through, then
--warmup seconds):
  sent pps        tx packets of the client veth / s
  delivered pps   rx packets of the server veth / s (translated packets
                  the server's stack received)
  delivery        delivered / sent
  proc s/Mpkt     utime+stime of the translator process (all threads),
                  CPU seconds per million delivered packets
  cpu0 s/Mpkt,    busy time of CPU 0 and CPU 1 from /proc/stat (user,
  cpu1 s/Mpkt     nice, system, irq, softirq, steal) per million delivered
                  packets: everything that ran there, including kernel
                  work done for the translator that its process may not
                  be charged for (softirqs: the IPv4 forwarding after
                  TAYGA's TUN writes or gate64d's af_packet sends, the
                  XDP program, the server's receive path); for gen, per
                  million sent packets
  net s/Mpkt      the CPU time per delivered packet of everything but the
                  generator: the busy time of both CPUs, less other
                  processes' time (the machine's noise, see below), less
                  the dpdk worker's idle polling (its process time minus
                  dp_busy_us), less the generator's cost (gen's time per
                  sent packet, same flow count, times the packets sent),
                  per million delivered packets.  It includes the
                  server's receive path (the same for every run) and, for
                  TAYGA, the packets it received and dropped.
  si s/Mpkt       the same from softirq time alone (both CPUs, less gen's
                  softirq time per sent packet): where the XDP program,
                  the kernel's forwarding and the server's receive run;
                  blind to TAYGA's and the dpdk worker's own process time,
                  and to other processes' noise unless it is network work.
  busy s/Mpkt     gate64d only: its workers poll without pause, so their
                  process time is always a whole CPU; this is the time of
                  the iterations that had frames (counter dp_busy_us,
                  read with SIGUSR1), CPU seconds per million delivered
                  packets: the CPU time per translated packet
  cpu0 %, cpu1 %  busy share of each CPU during the window
  noise           other processes' share of the CPUs the run works on
                  (below the table): their whole CPU time, or, in the
                  XDP runs, where nothing of the run is busy on CPU 1,
                  what is left of it after CPU 1's busy time
Below the table, per run: the user/system/softirq split of both CPUs, the
CPU share of the translator and of every other process on the machine
(other people's work: the noise), and counters that say where packets
were lost (client veth tx_dropped, gw interfaces' rx/tx dropped, TUN
tx_dropped = TAYGA's queue full) and that the server's UDP got valid
datagrams.  Each figure is the best of --repeat runs (most delivered;
gen: most sent), the delivered pps of all runs are listed.  A window in
which the noise was above --max-others % of a CPU (default 25) is set
aside and measured again, and so is one in which trafgen
stalled (GeneratorStalled), up to 3 x --repeat windows; the set-aside
windows are counted below the table, and a figure for which no quiet
window came is marked NOISY.

CPU 0 carries the generator and the receive softirq of gw6 in every run
(trafgen's veth transmit runs the peer's receive path on the same CPU);
with TAYGA that includes the kernel's IPv6 forwarding into the TUN
device, in the XDP runs everything up to the server's socket.  A
poll-mode gate64d worker is 100 % busy whatever the load, so its proc
s/Mpkt is 1 / delivered Mpps.  When delivery is close to 1 the
generator, not the translator, is the limit: the delivered-pps ratio is
then a lower bound.  In the XDP runs delivery is always close to 1 (the
program runs inline in trafgen's transmit, so trafgen slows down with
it): their delivered pps is what CPU 0 can do with generator and path
together, and gen's sent pps bounds every run's.

TAYGA 0.9.2 refuses documentation addresses under 64:ff9b::/96 (see
lab.TAYGA_POOL6), so every translator uses --pool6 (default
2001:db8:46::/96) here: the same prefix, the same per-packet work.

Output: the table on stdout and in build/bench/dp.txt; the ratios
dpdk / TAYGA, xdp / TAYGA and xdp / plain (the xdp mode's targets: >= 10x
TAYGA's delivered rate, >= 0.8x the plain-forwarding ceiling) when both
runs were made.  Needs root, trafgen (netsniff-ng), tayga, taskset,
ethtool, iproute2; build/gate64d for dpdk, xdp and hybrid,
build/bench/xdp_plain for plain and gen (make bench builds both).
"""
import argparse
import ctypes
import datetime
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import lab as L  # noqa: E402

GATE64D = os.path.join(ROOT, "build", "gate64d")
XDP_PLAIN = os.path.join(ROOT, "build", "bench", "xdp_plain")
OUT = os.path.join(ROOT, "build", "bench", "dp.txt")
HZ = os.sysconf("SC_CLK_TCK")
# argv[1]: 4 or 6, the family of the socket
SINK = ("import socket, sys, time\n"
        "six = sys.argv[1] == '6'\n"
        "s = socket.socket(socket.AF_INET6 if six else socket.AF_INET,\n"
        "                  socket.SOCK_DGRAM)\n"
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n"
        "s.bind(('::' if six else '0.0.0.0', 9))\n"
        "print('sink: ready', flush=True)\n"
        "time.sleep(1e9)\n")

RUNS = ("tayga", "dpdk", "hybrid", "xdp", "plain", "gen")
# the xdp run: the client's IPv4-translatable address (192.0.2.2 under
# pool6), as in tests/integration/test_xdp_gateway.py
CLIENT4_SIIT = "192.0.2.2"
# the plain run: the server's IPv6 side, for this run only
SERVER6 = "2001:db8:2::2"
GW6_SERVER_SIDE = "2001:db8:2::1"
SERVER6_NET = "2001:db8:2::/64"


class BenchError(RuntimeError):
    pass


class GeneratorStalled(BenchError):
    """trafgen gave up: its socket's send buffer was full (EAGAIN).  The
    frames it sent are held until the receiving veth's NAPI takes them off
    its ring (256 frames: about the 208 KiB of net.core.wmem_default,
    which a network namespace cannot raise); when that softirq is
    deferred to ksoftirqd, which then competes with trafgen for CPU 0,
    the ring fills and trafgen 0.6.8 exits on the EAGAIN.  The window is
    measured again."""


def trafgen_exited(lab, gen, what):
    text = lab.log_text(gen)
    if "Resource temporarily unavailable" in text:
        raise GeneratorStalled("trafgen stalled (EAGAIN) %s" % what)
    raise BenchError("trafgen exited %s: %s" % (what, text))


# --- reading the counters ------------------------------------------------

def proc_cpu(pid):
    """utime + stime of pid (all threads), seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq",
               "softirq", "steal")


def cpu_times():
    """{cpu index: {user, ..., steal, busy, total}} in seconds, from
    /proc/stat; busy is all but idle and iowait."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if not line.startswith("cpu") or line.startswith("cpu "):
                continue
            name, *v = line.split()
            t = {k: int(x) / HZ for k, x in zip(STAT_FIELDS, v)}
            t["total"] = sum(t.values())
            t["busy"] = t["total"] - t["idle"] - t["iowait"]
            out[int(name[3:])] = t
    return out


def links(lab):
    """The interfaces whose counters the bench reads: {label: stats64}."""
    want = [("client", lab.ifname["client"], "client"),
            ("gw", lab.gw6, "gw6"), ("gw", lab.gw4, "gw4"),
            ("server", lab.ifname["server"], "server")]
    if getattr(lab, "tayga_running", False):
        want.append(("gw", L.TAYGA_TUN, "tun"))
    return {label: lab.counters(ns, d) for ns, d, label in want}


def server_udp(lab):
    """The server's UDP counters (its namespace): Udp: of /proc/net/snmp
    plus the same Udp6 ones of /proc/net/snmp6 (the plain run is IPv6)."""
    out = lab.run("server", ["cat", "/proc/net/snmp"], check=True).stdout
    rows = [line.split()[1:] for line in out.splitlines()
            if line.startswith("Udp:")]
    udp = dict(zip(rows[0], (int(v) for v in rows[1])))
    r = lab.run("server", ["cat", "/proc/net/snmp6"])
    for line in r.stdout.splitlines() if r.returncode == 0 else ():
        k, _, v = line.partition(" ")
        if k.startswith("Udp6") and k[4:] in udp:
            udp[k[4:]] += int(v)
    return udp


def others_cpu(lab):
    """CPU seconds of every process that is neither in the lab's
    namespaces nor this script nor a ksoftirqd thread: other people's
    work on the machine, the noise of the figures.  utime+stime plus
    cutime+cstime (the children they reaped), so that the difference of
    two readings also counts processes that started and ended between them
    (a compiler run under make)."""
    ours = {os.getpid()}
    for name in lab.ns.values():
        r = subprocess.run(["ip", "netns", "pids", name], capture_output=True,
                           text=True)
        ours.update(int(p) for p in r.stdout.split())
    out = 0.0
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in ours:
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                text = f.read()
        except OSError:
            continue
        comm = text[text.index("(") + 1:text.rindex(")")]
        if comm.startswith("ksoftirqd"):
            continue
        v = text.rsplit(")", 1)[1].split()
        out += sum(int(x) for x in v[11:15]) / HZ
    return out


def snapshot(lab, pid):
    return {"t": time.monotonic(), "links": links(lab),
            "proc": proc_cpu(pid), "cpu": cpu_times(),
            "others": others_cpu(lab)}


# --- the generator ---------------------------------------------------------

class Traffic:
    """What trafgen sends in a run: IPv6 source and destination, whether
    the frames are to be delivered to the server (gen: dropped at gw6,
    counted as sent), and whether the run's work is all on the
    generator's CPU (the XDP runs: nothing of theirs is busy on the
    translator's CPU, so the other processes' time there is not noise)."""

    def __init__(self, src, dst, deliver=True, gen_cpu_only=False):
        self.src, self.dst, self.deliver = src, dst, deliver
        self.gen_cpu_only = gen_cpu_only


def trafgen_conf(lab, flows, payload, dmac, traffic):
    """One trafgen packet per source port (1024 up); trafgen sends them
    round robin, checksums computed once at compile time."""
    smac = lab.mac("client", lab.ifname["client"])
    if ":" in traffic.src:
        ip = "eth(da=%s, sa=%s, type=0x86dd), ipv6(sa=%s, da=%s, hl=64)"
    else:  # the plain run's IPv4 (as the xdp run's frames leave gw)
        ip = "eth(da=%s, sa=%s, type=0x0800), ipv4(sa=%s, da=%s, ttl=64, df)"
    ip %= (dmac, smac, traffic.src, traffic.dst)
    pkts = []
    for i in range(flows):
        pkts.append("{ %s, udp(sp=%d, dp=9), fill(0x61, %d) }"
                    % (ip, 1024 + i, payload))
    return "\n".join(pkts) + "\n"


def start_trafgen(lab, conf_text, cpu, name):
    path = os.path.join(lab.tmpdir, name + ".cfg")
    with open(path, "w") as f:
        f.write(conf_text)
    # -P 1: one worker process (trafgen pins it to the first allowed
    # CPU); --no-sock-mem, --notouch-irq: leave the system's socket memory
    # and IRQ affinity alone (trafgen 0.6.8 does not parse -A)
    return lab.popen("client", ["taskset", "-c", str(cpu), "trafgen",
                                "-o", lab.ifname["client"], "-i", path,
                                "-P", "1", "-n", "0", "--no-sock-mem",
                                "--notouch-irq"],
                     log=name + ".log")


def stop_trafgen(lab, proc):
    """SIGINT to trafgen's group: the worker it forked stops too."""
    L.signal_group(proc, signal.SIGINT)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass
    lab.stop(proc)


# --- one measurement -------------------------------------------------------

def gate64_busy(lab, proc):
    """Seconds the gate64d workers spent on iterations that had frames:
    dp_busy_us from the counters it prints on SIGUSR1 (the block ends
    with nat64_sessions)."""
    def blocks():
        return lab.log_text(proc).count("nat64_sessions")
    n = blocks()
    os.kill(proc.pid, signal.SIGUSR1)
    L.wait_for(lambda: blocks() > n, 5, what="gate64d's counters")
    vals = re.findall(r"^dp_busy_us\s+(\d+)", lab.log_text(proc), re.M)
    return int(vals[-1]) / 1e6 if vals else 0.0


def measure(lab, pid, flows, args, dmac, xlat_cpu, busy=None,
            traffic=None):
    """trafgen at saturation with `flows` source ports; the figures of the
    window (see the module docstring)."""
    traffic = traffic or Traffic(L.CLIENT6, lab.v6(L.SERVER4))
    conf = trafgen_conf(lab, flows, args.payload, dmac, traffic)
    gen = start_trafgen(lab, conf, args.gen_cpu, "trafgen-%d" % flows)
    try:
        if traffic.deliver:
            where, d_ = ("server", lab.ifname["server"]), "rx"
        else:
            where, d_ = ("client", lab.ifname["client"]), "tx"
        base = lab.counters(*where)[d_]["packets"]

        def flowing():
            if gen.poll() is not None:
                trafgen_exited(lab, gen, "before the window")
            return lab.counters(*where)[d_]["packets"] > base + 100
        L.wait_for(flowing, 10, what="packets at the %s" % where[0])
        time.sleep(args.warmup)
        udp_a = server_udp(lab)
        a = snapshot(lab, pid)
        busy_a = busy() if busy else None
        time.sleep(args.seconds)
        b = snapshot(lab, pid)
        busy_b = busy() if busy else None
        udp_b = server_udp(lab)
        if gen.poll() is not None:
            trafgen_exited(lab, gen, "in the window")
    finally:
        stop_trafgen(lab, gen)

    dt = b["t"] - a["t"]

    def d(label, direction, key="packets"):
        return (b["links"][label][direction][key]
                - a["links"][label][direction][key])
    sent = d("client", "tx")
    got = d("server", "rx")
    # (iowait, hence busy, may step back a tick: never below zero)
    cpu = {c: {k: max(0.0, b["cpu"][c][k] - a["cpu"][c][k])
               for k in b["cpu"][c]}
           for c in b["cpu"]}

    def pct(c, k="busy"):
        return 100.0 * cpu[c][k] / cpu[c]["total"]
    drops = {"client tx_dropped": d("client", "tx", "dropped"),
             "gw6 rx_dropped": d("gw6", "rx", "dropped"),
             "gw4 tx_dropped": d("gw4", "tx", "dropped"),
             "server rx_dropped": d("server", "rx", "dropped")}
    if "tun" in b["links"]:
        drops["tun tx_dropped"] = d("tun", "tx", "dropped")
    # what the server's UDP made of them (snapshots around the window:
    # a little wider): all should reach the sink's socket, whose full
    # buffer drops them (RcvbufErrors); checksum errors mean bad packets
    udp = {k: udp_b[k] - udp_a[k] for k in udp_b}
    drops["server UDP to socket"] = udp["InDatagrams"] + udp["RcvbufErrors"]
    drops["UDP csum errors"] = udp["InCsumErrors"]
    drops["UDP no port"] = udp["NoPorts"]
    # per million delivered packets (gen: sent)
    mpkt = (got if traffic.deliver else sent) / 1e6
    others = max(0.0, b["others"] - a["others"])
    proc_s = b["proc"] - a["proc"]
    busy_s = (busy_b - busy_a) if busy else None
    return {
        "flows": flows, "seconds": dt, "sent": sent, "got": got,
        "sent_pps": sent / dt, "delivered_pps": got / dt,
        "delivery": got / sent if sent else 0.0,
        "proc_s_per_mpkt": proc_s / mpkt if mpkt else None,
        "busy_s_per_mpkt": busy_s / mpkt if busy and mpkt else None,
        "cpu0_s_per_mpkt": cpu[args.gen_cpu]["busy"] / mpkt if mpkt else None,
        "cpu1_s_per_mpkt": cpu[xlat_cpu]["busy"] / mpkt if mpkt else None,
        # for net s/Mpkt (table()): CPU seconds of the window
        "busy_all_s": sum(c["busy"] for c in cpu.values()),
        "softirq_all_s": sum(c["softirq"] for c in cpu.values()),
        "others_s": others,
        "idle_poll_s": max(0.0, proc_s - busy_s) if busy else 0.0,
        "cpu0_pct": pct(args.gen_cpu), "cpu1_pct": pct(xlat_cpu),
        "proc_pct": 100.0 * (b["proc"] - a["proc"]) / dt,
        "others_pct": 100.0 * others / dt,
        # other processes' share of the CPUs the run works on: all of it,
        # or (XDP runs) what is left after the translator's CPU, where
        # only they were busy
        "noise_pct": (max(0.0, 100.0 * others / dt - pct(xlat_cpu))
                      if traffic.gen_cpu_only else 100.0 * others / dt),
        "cpu_split": {c: {k: pct(c, k) for k in ("user", "system", "softirq",
                                                  "irq", "steal")}
                      for c in (args.gen_cpu, xlat_cpu)},
        "drops": drops,
    }


def runs(lab, pid, args, dmac, busy=None, traffic=None):
    """For each flow count, args.repeat runs; the one that delivered most
    (gen: sent most) -- the least disturbed by whatever else the machine
    runs -- stands for it, with the delivered pps and others' CPU of all
    runs in "all".  A window in which other processes used more than
    args.max_others % of a CPU of those the run works on (noise_pct) is
    measured again, and so is one in which
    trafgen stalled (GeneratorStalled), up to 3 * args.repeat windows in
    all; the windows set aside are counted ("noisy", "stalled")."""
    out = []
    key = ("delivered_pps" if traffic is None or traffic.deliver
           else "sent_pps")
    for f in args.flows:
        rs, noisy, stalled = [], [], 0
        for _ in range(3 * args.repeat):
            try:
                r = measure(lab, pid, f, args, dmac, args.xlat_cpu, busy,
                            traffic)
            except GeneratorStalled:
                stalled += 1
                continue
            (rs if r["noise_pct"] <= args.max_others else noisy).append(r)
            if len(rs) == args.repeat:
                break
        if not rs and not noisy:
            raise BenchError("trafgen stalled in every window (%d)"
                             % stalled)
        pool = rs or noisy  # only noisy windows: the best of them, said so
        best = max(pool, key=lambda r: r[key])
        best["all"] = [(r[key], r["proc_pct"], r["others_pct"],
                        r["noise_pct"]) for r in pool]
        best["set_aside"] = (len(noisy), stalled)
        best["noisy"] = not rs
        out.append(best)
    return out


def start_sink(lab, family=4):
    sink = lab.popen("server", [L.PYTHON, "-c", SINK, str(family)],
                     log="sink.log")
    L.wait_for(lambda: "sink: ready" in lab.log_text(sink), 10,
               what="the UDP sink on the server")
    return sink


def check_pid(pid, name):
    with open("/proc/%d/comm" % pid) as f:
        comm = f.read().strip()
    if not comm.startswith(name[:15]):
        raise BenchError("pid %d is %r, not %s" % (pid, comm, name))


# --- the translators ---------------------------------------------------------

def run_tayga(lab, args):
    """TAYGA (the baseline) pinned to CPU args.xlat_cpu."""
    proc = lab.start_tayga(cpu=args.xlat_cpu)
    lab.tayga_running = True
    check_pid(proc.pid, "tayga")
    start_sink(lab)
    dmac = lab.mac("gw", lab.gw6)
    return runs(lab, proc.pid, args, dmac)


# gate64d mode = dpdk: called only when build/gate64d exists;
# Lab(mode="gate64") gives bare gw6/gw4 ports and lab.gate64_conf() the INI
# text for them.
def run_gate64(lab, args, conf_template=None):
    """gate64d -c CONF in gw, CONF = conf_template (INI text, or a
    callable lab -> INI text) or lab.gate64_conf(); waits for its
    "gate64d: ready" line, then the same runs as TAYGA.  [dpdk] lcores
    "GEN,XLAT" puts the worker on the translator's CPU."""
    if callable(conf_template):
        text = conf_template(lab)
    elif conf_template is not None:
        text = conf_template
    else:
        extra = {"dpdk": {"lcores": "%d,%d" % (args.gen_cpu, args.xlat_cpu)}}
        if args.gate64_device == "af_xdp":
            # the PMD loads its own XDP program (no libxdp dispatcher)
            os.environ["LIBXDP_SKIP_DISPATCHER"] = "1"
            extra["port6"] = {"device": "net_af_xdp0,iface=%s" % lab.gw6}
            extra["port4"] = {"device": "net_af_xdp1,iface=%s" % lab.gw4}
        text = lab.gate64_conf(extra)
    proc = lab.start_gate64(GATE64D, conf_text=text, timeout=60)
    check_pid(proc.pid, "gate64d")
    start_sink(lab)
    # the frames go to the port's MAC: the veth's own unless the
    # configuration overrides it
    dmac = lab.mac("gw", lab.gw6)
    sec = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("["):
            sec = s
        elif sec == "[port6]" and s.replace(" ", "").startswith("mac="):
            dmac = s.split("=", 1)[1].strip()
    out = runs(lab, proc.pid, args, dmac, lambda: gate64_busy(lab, proc))
    # it must stop cleanly on SIGTERM: say so when it does not
    lab.stop(proc, grace=10)
    if proc.returncode != 0:
        print("bench-dp: gate64d exited %s on SIGTERM; its log ends:\n%s"
              % (proc.returncode, lab.log_text(proc)[-2000:]),
              file=sys.stderr)
    return out


# --- the XDP runs: xdp, hybrid, plain, gen ----------------------------------

BPF_ENABLE_STATS = 32  # enum bpf_cmd
SYS_BPF = {"x86_64": 321, "aarch64": 280}.get(platform.machine())


def bpf_stats_fd():
    """BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): the kernel times every BPF
    program's runs (run_time_ns, run_cnt) while the returned descriptor is
    open; None where that cannot be had."""
    if SYS_BPF is None:
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    attr = (ctypes.c_uint32 * 4)()  # attr.enable_stats.type = RUN_TIME (0)
    fd = libc.syscall(SYS_BPF, BPF_ENABLE_STATS, ctypes.byref(attr),
                      ctypes.sizeof(attr))
    return fd if fd >= 0 else None


def prog_stats(lab, ifname):
    """(run_time_ns, run_cnt) of the XDP program on gw's ifname."""
    pid = (lab.link("gw", ifname).get("xdp") or {}).get("prog", {}).get("id")
    if pid is None:
        return None
    r = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(pid)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None
    info = json.loads(r.stdout)
    return info.get("run_time_ns", 0), info.get("run_cnt", 0)


def prog_time(lab, args, dmac, traffic):
    """The XDP program's own time per frame on gw6, from the kernel's BPF
    statistics, in a window of its own after the measured ones (timing
    every run costs two clock reads, which would slow the measured path):
    trafgen with the last flow count, 2 s.  The bpf_redirect's transmit
    into gw4 happens after the program returns (xdp_do_flush) and is not
    in it.  None when the statistics cannot be enabled."""
    conf = trafgen_conf(lab, args.flows[-1], args.payload, dmac, traffic)
    gen = start_trafgen(lab, conf, args.gen_cpu, "trafgen-progtime")
    fd = None
    try:
        time.sleep(args.warmup)
        fd = bpf_stats_fd()
        if fd is None:
            return None
        a = prog_stats(lab, lab.gw6)
        time.sleep(2.0)
        b = prog_stats(lab, lab.gw6)
    finally:
        if fd is not None:
            os.close(fd)
        stop_trafgen(lab, gen)
    if not a or not b or b[1] <= a[1]:
        return None
    return (b[0] - a[0]) / (b[1] - a[1])

def xdp_lab(lab):
    """The lab's "tayga" topology (kernel addresses, forwarding on) made
    ready for native XDP on its veths: lab.prepare_xdp(), as
    tests/integration/test_xdp_gateway.py does."""
    lab.prepare_xdp(L.nat64(CLIENT4_SIIT, lab.pool6))


def gate64_knows(key):
    """Whether build/gate64d has the configuration key (a string in the
    binary): [xdp] pin-dir came after mode = xdp."""
    with open(GATE64D, "rb") as f:
        return key.encode() in f.read()


def xdp_conf(lab, mode, pins):
    text = ("[gate64]\nmode = %s\ncontrol-socket = %s/ctl.sock\n"
            "[translator]\ntype = siit\npool6 = %s\npool6791 = %s\n"
            "[xdp]\ninterfaces = %s, %s\n"
            % (mode, lab.tmpdir, lab.pool6, L.POOL6791, lab.gw6, lab.gw4))
    if mode == "hybrid":
        # the workers' side: one worker on the translator's CPU, their
        # ports net_af_xdp on the same interfaces (docs/hybrid.md)
        return text + ("[dpdk]\nlcores = 0,1\nmemory = no-huge\n"
                       "file-prefix = %s\n[port6]\naddress = %s/64\n"
                       "gateway = %s\n[port4]\naddress = %s/24\n"
                       % (lab.file_prefix, L.GW6, L.CLIENT6, L.GW4))
    if gate64_knows("pin-dir"):
        text += "pin-dir = %s\n" % os.path.join(pins, "gate64")
    return text


def gate64_counters(lab, proc):
    """SIGUSR1: the counters gate64d prints (mode = xdp), {name: value}."""
    before = len(lab.log_text(proc))
    os.kill(proc.pid, signal.SIGUSR1)
    L.wait_for(lambda: "neighbour-requests" in lab.log_text(proc)[before:],
               5, what="gate64d's counters")
    out = {}
    for line in lab.log_text(proc)[before:].splitlines():
        m = re.match(r"^(\S+)\s+(\d+)\s", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def run_xdp(lab, args, mode="xdp"):
    """gate64d mode = xdp (or hybrid) in gw, taskset to CPU args.xlat_cpu
    (its control thread: the XDP program runs in the veth's softirq);
    trafgen sends from the client's IPv4-translatable address."""
    xdp_lab(lab)
    # pins on the lab's own BPF file system (unmounted by lab.close())
    path = os.path.join(lab.tmpdir, "gate64d-%s.conf" % mode)
    with open(path, "w") as f:
        f.write(xdp_conf(lab, mode, lab.bpffs()))
    # hybrid: the EAL pins its own threads ([dpdk] lcores 0,1: the worker
    # on CPU 1), so no taskset around it
    pin = ([] if mode == "hybrid"
           else ["taskset", "-c", str(args.xlat_cpu)])
    proc = lab.popen("gw", pin + [GATE64D, "-c", path],
                     log="gate64d-%s.log" % mode)

    def ready():
        if proc.poll() is not None:
            raise BenchError("gate64d exited %s: %s"
                             % (proc.returncode, lab.log_text(proc)))
        return "gate64d: ready" in lab.log_text(proc)
    L.wait_for(ready, 30, what="gate64d: ready")
    check_pid(proc.pid, "gate64d")
    start_sink(lab, 4)
    before = gate64_counters(lab, proc)
    out = runs(lab, proc.pid, args, lab.mac("gw", lab.gw6),
               traffic=Traffic(L.nat64(CLIENT4_SIIT, lab.pool6),
                               lab.v6(L.SERVER4), gen_cpu_only=True))
    after = gate64_counters(lab, proc)
    out[0]["prog_ns"] = prog_time(
        lab, args, lab.mac("gw", lab.gw6),
        Traffic(L.nat64(CLIENT4_SIIT, lab.pool6), lab.v6(L.SERVER4)))
    keys = ("xdp-translated", "xdp-redirect", "xdp-no-neighbour",
            "xdp-unhandled", "xdp-to-host")
    out[0]["notes"] = (
        "gate64d's counters over the %s runs (warm-ups included): %s"
        % (mode, ", ".join("%s %d" % (k, after[k] - before.get(k, 0))
                           for k in keys if k in after)))
    lab.stop(proc, grace=10)
    if proc.returncode != 0:
        print("bench-dp: gate64d (%s) exited %s on SIGTERM; its log "
              "ends:\n%s" % (mode, proc.returncode,
                             lab.log_text(proc)[-2000:]),
              file=sys.stderr)
    return out


def hybrid_refused(lab):
    """None when gate64d --check accepts mode = hybrid, else its reason."""
    path = os.path.join(lab.tmpdir, "hybrid-check.conf")
    with open(path, "w") as f:
        f.write(xdp_conf(lab, "hybrid", os.path.join(lab.tmpdir, "bpf")))
    r = subprocess.run([GATE64D, "--check", "-c", path],
                       capture_output=True, text=True)
    if r.returncode == 0:
        return None
    why = (r.stderr.strip().splitlines() or ["exit %d" % r.returncode])[-1]
    return why.replace("gate64d: ", "").replace(path + ": ", "")


def run_plain(lab, args, drop=False):
    """build/bench/xdp_plain on gw6 and gw4 (plain: the ceiling), or with
    --drop on gw6 alone (gen: the generator's cost), taskset to CPU
    args.xlat_cpu (its process only waits: the program runs in the veth's
    softirq)."""
    xdp_lab(lab)
    # the program leaves neighbour requests unanswered: the next hop is
    # known (a permanent entry) before the first frame
    if drop:
        traffic = Traffic(L.nat64(CLIENT4_SIIT, lab.pool6),
                          lab.v6(L.SERVER4), deliver=False,
                          gen_cpu_only=True)
        cmd = ["--drop", lab.gw6]
    elif args.plain_family == 4:
        # the frames the xdp run's gw sends to the server, sent by the
        # client instead: IPv4 from 192.0.2.2 to the server
        s = lab.ifname["server"]
        lab._ip("gw", "neigh", "replace", L.SERVER4, "lladdr",
                lab.mac("server", s), "dev", lab.gw4, "nud", "permanent")
        traffic = Traffic(CLIENT4_SIIT, L.SERVER4, gen_cpu_only=True)
        cmd = [lab.gw6, lab.gw4]
    else:
        s = lab.ifname["server"]
        lab.sysctl("server", **{"net.ipv6.conf.all.disable_ipv6": 0,
                                "net.ipv6.conf.default.disable_ipv6": 0,
                                "net.ipv6.conf.%s.disable_ipv6" % s: 0})
        lab._ip("server", "addr", "add", SERVER6 + "/64", "dev", s, "nodad")
        lab._ip("gw", "addr", "add", GW6_SERVER_SIDE + "/64", "dev",
                lab.gw4, "nodad")
        lab._ip("client", "-6", "route", "add", SERVER6_NET, "via", L.GW6,
                "dev", lab.ifname["client"])
        lab._ip("gw", "-6", "neigh", "replace", SERVER6, "lladdr",
                lab.mac("server", s), "dev", lab.gw4, "nud", "permanent")
        traffic = Traffic(L.CLIENT6, SERVER6, gen_cpu_only=True)
        cmd = [lab.gw6, lab.gw4]
    proc = lab.popen("gw", ["taskset", "-c", str(args.xlat_cpu), XDP_PLAIN]
                     + cmd, log="xdp_plain.log")

    def ready():
        if proc.poll() is not None:
            raise BenchError("xdp_plain exited %s: %s"
                             % (proc.returncode, lab.log_text(proc)))
        return "xdp_plain: ready" in lab.log_text(proc)
    L.wait_for(ready, 20, what="xdp_plain: ready")
    check_pid(proc.pid, "xdp_plain")
    start_sink(lab, 6 if not drop and args.plain_family == 6 else 4)
    out = runs(lab, proc.pid, args, lab.mac("gw", lab.gw6), traffic=traffic)
    out[0]["prog_ns"] = prog_time(lab, args, lab.mac("gw", lab.gw6),
                                  traffic)
    lab.stop(proc, grace=10)
    if not drop:
        c = dict(re.findall(r"^(xdp-\S+)\s+(\d+)$", lab.log_text(proc),
                            re.M))
        out[0]["notes"] = ("xdp_plain's counters over the whole run: "
                           + ", ".join("%s %s" % kv for kv in c.items()
                                       if kv[1] != "0"))
    return out


# --- the report ------------------------------------------------------------

def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def label(name, args):
    if name == "dpdk" and args.gate64_device != "af_packet":
        return "dpdk/" + args.gate64_device.replace("_", "")
    return name


def add_net(results, args):
    """net s/Mpkt of every measured row (see the module docstring): the
    busy time of both CPUs less others', less the dpdk worker's idle
    polling, less gen's time per sent packet (same flow count) times the
    packets sent, per million delivered.  Without a gen run: None."""
    gen = results.get("gen")
    base, base_si = {}, {}
    if isinstance(gen, list):
        for r in gen:
            if r["sent"]:
                base[r["flows"]] = ((r["busy_all_s"] - r["others_s"])
                                    / r["sent"])
                base_si[r["flows"]] = r["softirq_all_s"] / r["sent"]
    for name, rows in results.items():
        if not isinstance(rows, list):
            continue
        for r in rows:
            r["net_s_per_mpkt"] = r["si_net_s_per_mpkt"] = None
            if name == "gen" or r["flows"] not in base or not r["got"]:
                continue
            net = (r["busy_all_s"] - r["others_s"] - r["idle_poll_s"]
                   - base[r["flows"]] * r["sent"])
            r["net_s_per_mpkt"] = net / (r["got"] / 1e6)
            si = r["softirq_all_s"] - base_si[r["flows"]] * r["sent"]
            r["si_net_s_per_mpkt"] = si / (r["got"] / 1e6)


def ratio_lines(results, num, den, what, targets=()):
    """Ratios num / den per flow count: delivered pps, and CPU per packet
    den / num (how many times less CPU num needs per delivered packet)."""
    n, d = results.get(num), results.get(den)
    if not (isinstance(n, list) and isinstance(d, list)):
        return ["%s: no ratios (%s not measured)"
                % (what, num if not isinstance(n, list) else den)]
    out = ["%s   delivered pps   net CPU per packet (%s / %s: times less)"
           % (what, den, num)]
    for rn, rd in zip(n, d):
        dv = (rn["delivered_pps"] / rd["delivered_pps"]
              if rd["delivered_pps"] else None)
        cpu = (rd["net_s_per_mpkt"] / rn["net_s_per_mpkt"]
               if rd.get("net_s_per_mpkt") and rn.get("net_s_per_mpkt")
               else None)
        line = "  %5d flows   %13s   %s" % (rn["flows"], fmt(dv, ".2f"),
                                            fmt(cpu, ".2f"))
        for t in targets:
            line += ("   target delivered >= %.1fx: %s" %
                     (t, "-" if dv is None else "met" if dv >= t
                      else "NOT met"))
        out.append(line)
    return out


def table(results, args):
    add_net(results, args)
    lines = []
    lines.append("gate64 dataplane bench (%s), %s, kernel %s" % (
        datetime.datetime.now().isoformat(timespec="seconds"),
        cpu_model(), platform.release()))
    lines.append("  trafgen on CPU %d, translator on CPU %d (XDP runs: the "
                 "program runs in the veth softirq of trafgen's CPU %d); "
                 "IPv6/UDP, payload %d B, to %s port 9 (plain: IPv%d to %s)"
                 "; %.0f s per run after %.1f s warm-up; load average "
                 "before: %s"
                 % (args.gen_cpu, args.xlat_cpu, args.gen_cpu, args.payload,
                    L.nat64(L.SERVER4, args.pool6), args.plain_family,
                    L.SERVER4 if args.plain_family == 4 else SERVER6,
                    args.seconds, args.warmup, args.loadavg))
    lines.append("")
    hdr = ("%-10s %6s %11s %13s %8s %11s %11s %11s %11s %10s %10s %6s %6s"
           % ("run", "flows", "sent pps", "delivered pps", "delivery",
              "proc s/Mpkt", "busy s/Mpkt", "cpu0 s/Mpkt", "cpu1 s/Mpkt",
              "net s/Mpkt", "si s/Mpkt", "cpu0%", "cpu1%"))
    lines.append(hdr)
    lines.append("-" * len(hdr))
    for name, rows in results.items():
        if isinstance(rows, str):
            lines.append("%-10s %s" % (label(name, args), rows))
            continue
        for r in rows:
            lines.append("%-10s %6d %11.0f %13.0f %8.3f %11s %11s %11s %11s "
                         "%10s %10s %6.1f %6.1f"
                         % (label(name, args), r["flows"], r["sent_pps"],
                            r["delivered_pps"], r["delivery"],
                            fmt(r["proc_s_per_mpkt"], ".3f"),
                            fmt(r.get("busy_s_per_mpkt"), ".3f"),
                            fmt(r["cpu0_s_per_mpkt"], ".3f"),
                            fmt(r["cpu1_s_per_mpkt"], ".3f"),
                            fmt(r.get("net_s_per_mpkt"), ".3f"),
                            fmt(r.get("si_net_s_per_mpkt"), ".3f"),
                            r["cpu0_pct"], r["cpu1_pct"]))
    lines.append("  (gen: per million sent packets; net and si: see "
                 "bench_dp.py's docstring)")
    lines.append("")
    lines.append("per run: where the CPU time went (% of each CPU, and of "
                 "one CPU for the translator process), and the counters of "
                 "the window (packets)")
    for name, rows in results.items():
        if isinstance(rows, str):
            continue
        for r in rows:
            lines.append("  %s, %d flows: translator process %.1f%%, "
                         "other processes %.1f%% of a CPU" % (
                             label(name, args), r["flows"], r["proc_pct"],
                             r["others_pct"]))
            lines.append("    %s pps of the %d runs (translator %%, "
                         "others %%, others on the run's CPUs %%): %s" % (
                             "sent" if name == "gen" else "delivered",
                             len(r["all"]), ", ".join(
                                 "%.0f (%.0f%%, %.0f%%, %.0f%%)" % x
                                 for x in r["all"])))
            noisy, stalled = r["set_aside"]
            if r["noisy"]:
                lines.append("    NOISY: in every window other processes "
                             "took more than %.0f%% of the run's CPUs; the "
                             "best of them" % args.max_others)
            elif noisy or stalled:
                lines.append("    windows set aside: %d with other "
                             "processes above %.0f%% of the run's CPUs, %d "
                             "with trafgen stalled"
                             % (noisy, args.max_others, stalled))
            for c, split in sorted(r["cpu_split"].items()):
                lines.append("    cpu%d: %s" % (c, ", ".join(
                    "%s %.1f%%" % kv for kv in split.items())))
            items = ["%s %d" % kv for kv in r["drops"].items()]
            for i in range(0, len(items), 4):
                lines.append("    " + ", ".join(items[i:i + 4]))
        if rows and rows[0].get("notes"):
            lines.append("  " + rows[0]["notes"])
    progs = [(label(n, args), rows[0]["prog_ns"])
             for n, rows in results.items()
             if isinstance(rows, list) and rows[0].get("prog_ns")]
    if progs:
        lines.append("")
        lines.append("the XDP program's own time per frame on gw6 (kernel "
                     "BPF statistics, a 2 s window of its own, %d flows; "
                     "the redirect's transmit is after it): %s" % (
                         args.flows[-1], ", ".join(
                             "%s %.0f ns" % x for x in progs)))
    lines.append("")
    # the dpdk run's old ratio, gate64d busy time / TAYGA process time
    t, g = results.get("tayga"), results.get("dpdk")
    if isinstance(t, list) and isinstance(g, list):
        lines.append("dpdk / TAYGA     delivered pps   proc s/Mpkt   "
                     "cpu1 s/Mpkt   CPU per packet (gate64 busy / TAYGA "
                     "proc)")
        for rt, rg in zip(t, g):
            def ratio(k):
                if not rt[k] or rg[k] is None:
                    return "-"
                return "%.2f" % (rg[k] / rt[k])
            per_pkt = "-"
            if rt["proc_s_per_mpkt"] and rg.get("busy_s_per_mpkt"):
                per_pkt = "%.2f" % (rg["busy_s_per_mpkt"] /
                                    rt["proc_s_per_mpkt"])
            lines.append("  %5d flows     %13s   %11s   %11s   %s" % (
                rt["flows"], ratio("delivered_pps"),
                ratio("proc_s_per_mpkt"), ratio("cpu1_s_per_mpkt"),
                per_pkt))
    lines += ratio_lines(results, "dpdk", "tayga", "dpdk / TAYGA ")
    lines += ratio_lines(results, "xdp", "tayga", "xdp / TAYGA  ", (10.0,))
    lines += ratio_lines(results, "xdp", "plain", "xdp / plain  ", (0.8,))
    lines += ratio_lines(results, "hybrid", "tayga", "hybrid / TAYGA")
    return "\n".join(lines) + "\n"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


# --- main -------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--repeat", type=int, default=3,
                   help="runs per flow count; the best is reported")
    p.add_argument("--payload", type=int, default=64,
                   help="UDP payload bytes (default 64)")
    p.add_argument("--flows", default="1,1024",
                   help="source-port counts, one run each (default 1,1024)")
    p.add_argument("--gen-cpu", type=int, default=0)
    p.add_argument("--xlat-cpu", type=int, default=1)
    p.add_argument("--pool6", default=L.TAYGA_POOL6)
    p.add_argument("--plain-family", type=int, choices=(4, 6), default=4,
                   help="the plain run's frames: IPv4 (default: what the "
                   "xdp run's gw sends the server) or IPv6 (what the xdp "
                   "run's client sends, to an IPv6 address the server "
                   "gets for the run)")
    p.add_argument("--max-others", type=float, default=25.0,
                   metavar="PCT",
                   help="a window in which other processes used more than "
                   "PCT %% of a CPU is measured again (default 25)")
    p.add_argument("--only", metavar="RUN[,RUN...]",
                   help="some of %s (default: all; gate64 = dpdk)"
                   % ", ".join(RUNS))
    p.add_argument("--gate64-conf", metavar="FILE",
                   help="gate64d configuration of the dpdk run instead of "
                   "lab.gate64_conf(): Python format text, {gw6} {gw4} "
                   "{file_prefix} {pool6} replaced")
    p.add_argument("--gate64-device", choices=("af_packet", "af_xdp"),
                   default="af_packet",
                   help="the DPDK virtual device gate64d uses on the "
                   "veths in the dpdk run (net_af_packet or net_af_xdp)")
    p.add_argument("--out", default=OUT)
    a = p.parse_args(argv)
    a.flows = [int(x) for x in a.flows.split(",")]
    a.runs = list(RUNS)
    if a.only:
        want = ["dpdk" if x == "gate64" else x for x in a.only.split(",")]
        bad = [x for x in want if x not in RUNS]
        if bad:
            p.error("--only: unknown run %s (runs: %s)"
                    % (", ".join(bad), ", ".join(RUNS)))
        a.runs = [x for x in RUNS if x in want]
    if a.max_others < 0:
        p.error("--max-others: a percentage")
    if a.repeat < 1:
        p.error("--repeat: at least 1")
    if any(f < 1 or f > 64512 for f in a.flows):
        p.error("--flows: 1..64512 each")
    if a.gen_cpu == a.xlat_cpu:
        p.error("--gen-cpu and --xlat-cpu must differ")
    if max(a.gen_cpu, a.xlat_cpu) >= (os.cpu_count() or 1):
        p.error("needs CPUs %d and %d" % (a.gen_cpu, a.xlat_cpu))
    with open("/proc/loadavg") as f:
        a.loadavg = " ".join(f.read().split()[:3])
    return a


def missing(path):
    return "not run: %s missing (make bench builds it)" % os.path.relpath(
        path, ROOT)


def run_one(name, args):
    """One run in a fresh lab: its rows, or a line that says why not."""
    if name == "tayga":
        with L.Lab(mode="tayga", pool6=args.pool6) as lab:
            return run_tayga(lab, args)
    if name in ("dpdk", "hybrid", "xdp") and not os.path.exists(GATE64D):
        return missing(GATE64D)
    if name in ("plain", "gen") and not os.path.exists(XDP_PLAIN):
        return missing(XDP_PLAIN)
    if name == "dpdk":
        template = None
        if args.gate64_conf:
            with open(args.gate64_conf) as f:
                raw = f.read()

            def template(lab, raw=raw):
                return raw.format(gw6=lab.gw6, gw4=lab.gw4,
                                  file_prefix=lab.file_prefix,
                                  pool6=lab.pool6)
        with L.Lab(mode="gate64", pool6=args.pool6) as lab:
            return run_gate64(lab, args, template)
    with L.Lab(mode="tayga", pool6=args.pool6) as lab:
        if name == "hybrid":
            why = hybrid_refused(lab)
            if why:
                return "not run: gate64d --check refuses it: " + why
            return run_xdp(lab, args, "hybrid")
        if name == "xdp":
            return run_xdp(lab, args)
        return run_plain(lab, args, drop=(name == "gen"))


def main(argv=None):
    args = parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("bench-dp: needs root (network namespaces)")
    for tool in ("trafgen", "tayga", "taskset", "ethtool"):
        if not shutil.which(tool):
            sys.exit("bench-dp: %s missing (apt-get install netsniff-ng "
                     "tayga util-linux ethtool)" % tool)
    # SIGTERM unwinds like Ctrl-C, so that every lab is closed
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))

    results = {}
    failed = 0
    for name in args.runs:
        print("bench-dp: %s..." % label(name, args), file=sys.stderr)
        try:
            results[name] = run_one(name, args)
        except (BenchError, L.LabError) as e:
            # the other runs still stand; the exit status says it
            failed += 1
            results[name] = "FAILED: %s" % str(e).splitlines()[0][:200]
            print("bench-dp: %s failed: %s" % (name, e), file=sys.stderr)
    text = table(results, args)
    sys.stdout.write(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
