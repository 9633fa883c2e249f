#!/usr/bin/python3
"""Dataplane benchmark in the namespace lab (tests/integration/lab.py):
gate64d against TAYGA, same lab, same generator, same pinning.

For each translator, a fresh lab; the translator pinned to CPU 1 (TAYGA
with taskset, gate64d by its [dpdk] lcores: worker on 1, main lcore on
0); trafgen pinned to CPU 0 in the client namespace sends IPv6/UDP
packets (UDP payload --payload bytes, hop limit 64) to the server's image
under pool6, port 9, from 1 source port and from --flows source ports,
on the client veth, as fast as it can (TX_RING, qdisc bypass).  The
server holds a UDP socket on port 9 that never reads (no ICMP port
unreachable flows back; the kernel drops at the full socket buffer).

Measured over --seconds after a warm-up (first packets through, then
--warmup seconds):
  sent pps        tx packets of the client veth / s
  delivered pps   rx packets of the server veth / s (translated packets
                  the server's stack received)
  delivery        delivered / sent
  proc s/Mpkt     utime+stime of the translator process (all threads),
                  CPU seconds per million delivered packets
  cpu1 s/Mpkt     busy time of CPU 1 from /proc/stat (user, nice, system,
                  irq, softirq, steal) per million delivered packets:
                  everything that ran there, including kernel work done
                  for the translator that its process may not be charged
                  for (softirqs: the IPv4 forwarding after TAYGA's TUN
                  writes or gate64d's af_packet sends, the server's
                  receive path)
  busy s/Mpkt     gate64d only: its workers poll without pause, so their
                  process time is always a whole CPU; this is the time of
                  the iterations that had frames (counter dp_busy_us,
                  read with SIGUSR1), CPU seconds per million delivered
                  packets: the CPU time per translated packet
  cpu0 %, cpu1 %  busy share of each CPU during the window
Below the table, per run: the user/system/softirq split of both CPUs, the
CPU share of the translator and of every other process on the machine
(other people's work: the noise), and counters that say where packets
were lost (client veth tx_dropped, gw interfaces' rx/tx dropped, TUN
tx_dropped = TAYGA's queue full) and that the server's UDP got valid
datagrams.  Each figure is the best of --repeat runs (most delivered),
the delivered pps of all runs are listed.

CPU 0 carries the generator and the receive softirq of gw6 for both
translators (trafgen's veth transmit runs the peer's receive path on the
same CPU); with TAYGA that includes the kernel's IPv6 forwarding into the
TUN device.  A poll-mode gate64d worker is 100 % busy whatever the load,
so its proc s/Mpkt is 1 / delivered Mpps.  When delivery is close to 1
the generator, not the translator, is the limit: the delivered-pps ratio
is then a lower bound.

TAYGA 0.9.2 refuses documentation addresses under 64:ff9b::/96 (see
lab.TAYGA_POOL6), so both translators use --pool6 (default
2001:db8:46::/96) here: the same prefix, the same per-packet work.

Output: the table on stdout and in build/bench/dp.txt; ratios gate64 / TAYGA
when build/gate64d exists.  Needs root, trafgen (netsniff-ng), tayga,
taskset, ethtool, iproute2.
"""
import argparse
import datetime
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
OUT = os.path.join(ROOT, "build", "bench", "dp.txt")
HZ = os.sysconf("SC_CLK_TCK")
SINK = ("import socket, time\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n"
        "s.bind(('0.0.0.0', 9))\n"
        "print('sink: ready', flush=True)\n"
        "time.sleep(1e9)\n")


class BenchError(RuntimeError):
    pass


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
    if lab.mode == "tayga":
        want.append(("gw", L.TAYGA_TUN, "tun"))
    return {label: lab.counters(ns, d) for ns, d, label in want}


def server_udp(lab):
    """The server's Udp: counters of /proc/net/snmp (its namespace)."""
    out = lab.run("server", ["cat", "/proc/net/snmp"], check=True).stdout
    rows = [line.split()[1:] for line in out.splitlines()
            if line.startswith("Udp:")]
    return dict(zip(rows[0], (int(v) for v in rows[1])))


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

def trafgen_conf(lab, flows, payload, dmac):
    """One trafgen packet per source port (1024 up); trafgen sends them
    round robin, checksums computed once at compile time."""
    smac = lab.mac("client", lab.ifname["client"])
    dst = lab.v6(L.SERVER4)
    pkts = []
    for i in range(flows):
        pkts.append("{ eth(da=%s, sa=%s, type=0x86dd), "
                    "ipv6(sa=%s, da=%s, hl=64), "
                    "udp(sp=%d, dp=9), fill(0x61, %d) }"
                    % (dmac, smac, L.CLIENT6, dst, 1024 + i, payload))
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


def measure(lab, pid, flows, args, dmac, xlat_cpu, busy=None):
    """trafgen at saturation with `flows` source ports; the figures of the
    window (see the module docstring)."""
    conf = trafgen_conf(lab, flows, args.payload, dmac)
    gen = start_trafgen(lab, conf, args.gen_cpu, "trafgen-%d" % flows)
    try:
        srv = lab.ifname["server"]
        base = lab.counters("server", srv)["rx"]["packets"]

        def flowing():
            if gen.poll() is not None:
                raise BenchError("trafgen exited: %s" % lab.log_text(gen))
            return lab.counters("server", srv)["rx"]["packets"] > base + 100
        L.wait_for(flowing, 10, what="translated packets at the server")
        time.sleep(args.warmup)
        udp_a = server_udp(lab)
        a = snapshot(lab, pid)
        busy_a = busy() if busy else None
        time.sleep(args.seconds)
        b = snapshot(lab, pid)
        busy_b = busy() if busy else None
        udp_b = server_udp(lab)
        if gen.poll() is not None:
            raise BenchError("trafgen exited early: %s" % lab.log_text(gen))
    finally:
        stop_trafgen(lab, gen)

    dt = b["t"] - a["t"]

    def d(label, direction, key="packets"):
        return (b["links"][label][direction][key]
                - a["links"][label][direction][key])
    sent = d("client", "tx")
    got = d("server", "rx")
    cpu = {c: {k: b["cpu"][c][k] - a["cpu"][c][k] for k in b["cpu"][c]}
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
    mpkt = got / 1e6
    others = max(0.0, b["others"] - a["others"])
    return {
        "flows": flows, "seconds": dt,
        "sent_pps": sent / dt, "delivered_pps": got / dt,
        "delivery": got / sent if sent else 0.0,
        "proc_s_per_mpkt": (b["proc"] - a["proc"]) / mpkt if mpkt else None,
        "busy_s_per_mpkt": ((busy_b - busy_a) / mpkt
                            if busy and mpkt else None),
        "cpu1_s_per_mpkt": cpu[xlat_cpu]["busy"] / mpkt if mpkt else None,
        "cpu0_pct": pct(args.gen_cpu), "cpu1_pct": pct(xlat_cpu),
        "proc_pct": 100.0 * (b["proc"] - a["proc"]) / dt,
        "others_pct": 100.0 * others / dt,
        "cpu_split": {c: {k: pct(c, k) for k in ("user", "system", "softirq",
                                                  "irq", "steal")}
                      for c in (args.gen_cpu, xlat_cpu)},
        "drops": drops,
    }


def runs(lab, pid, args, dmac, busy=None):
    """For each flow count, args.repeat runs; the one that delivered most
    (the least disturbed by whatever else the machine runs) stands for
    it, with the delivered pps and others' CPU of all runs in "all"."""
    out = []
    for f in args.flows:
        rs = [measure(lab, pid, f, args, dmac, args.xlat_cpu, busy)
              for _ in range(args.repeat)]
        best = max(rs, key=lambda r: r["delivered_pps"])
        best["all"] = [(r["delivered_pps"], r["proc_pct"], r["others_pct"])
                       for r in rs]
        out.append(best)
    return out


def start_sink(lab):
    sink = lab.popen("server", [L.PYTHON, "-c", SINK], log="sink.log")
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
    check_pid(proc.pid, "tayga")
    start_sink(lab)
    dmac = lab.mac("gw", lab.gw6)
    return runs(lab, proc.pid, args, dmac)


# ============================================================================
# gate64d: called only when build/gate64d exists.  Not run yet (gate64d
# is being written); the lab side is ready: Lab(mode="gate64") gives bare
# gw6/gw4 ports and lab.gate64_conf() the INI text for them.
# ============================================================================
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


# --- the report ------------------------------------------------------------

def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def table(results, args):
    lines = []
    lines.append("gate64 dataplane bench (%s), %s, kernel %s" % (
        datetime.datetime.now().isoformat(timespec="seconds"),
        cpu_model(), platform.release()))
    lines.append("  trafgen on CPU %d, translator on CPU %d; IPv6/UDP, "
                 "payload %d B, to %s port 9; %.0f s per run after %.1f s "
                 "warm-up" % (args.gen_cpu, args.xlat_cpu, args.payload,
                              L.nat64(L.SERVER4, args.pool6), args.seconds,
                              args.warmup))
    lines.append("")
    hdr = ("%-8s %6s %12s %14s %9s %12s %12s %12s %6s %6s"
           % ("xlat", "flows", "sent pps", "delivered pps", "delivery",
              "proc s/Mpkt", "busy s/Mpkt", "cpu1 s/Mpkt", "cpu0%",
              "cpu1%"))
    lines.append(hdr)
    lines.append("-" * len(hdr))
    for name, rows in results.items():
        if isinstance(rows, str):
            lines.append("%-8s %s" % (name, rows))
            continue
        for r in rows:
            lines.append("%-8s %6d %12.0f %14.0f %9.3f %12s %12s %12s %6.1f "
                         "%6.1f"
                         % (name, r["flows"], r["sent_pps"],
                            r["delivered_pps"], r["delivery"],
                            fmt(r["proc_s_per_mpkt"], ".3f"),
                            fmt(r.get("busy_s_per_mpkt"), ".3f"),
                            fmt(r["cpu1_s_per_mpkt"], ".3f"),
                            r["cpu0_pct"], r["cpu1_pct"]))
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
                             name, r["flows"], r["proc_pct"],
                             r["others_pct"]))
            lines.append("    delivered pps of the %d runs (translator %%, "
                         "others %%): %s" % (len(r["all"]), ", ".join(
                             "%.0f (%.0f%%, %.0f%%)" % x for x in r["all"])))
            for c, split in sorted(r["cpu_split"].items()):
                lines.append("    cpu%d: %s" % (c, ", ".join(
                    "%s %.1f%%" % kv for kv in split.items())))
            items = ["%s %d" % kv for kv in r["drops"].items()]
            for i in range(0, len(items), 4):
                lines.append("    " + ", ".join(items[i:i + 4]))
    lines.append("")
    t, g = results.get("tayga"), results.get("gate64")
    if isinstance(t, list) and isinstance(g, list):
        lines.append("gate64 / TAYGA   delivered pps   proc s/Mpkt   "
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
    else:
        lines.append("gate64 / TAYGA: no ratios (gate64 not measured)")
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
    p.add_argument("--only", choices=("tayga", "gate64"))
    p.add_argument("--gate64-conf", metavar="FILE",
                   help="gate64d configuration to use instead of "
                   "lab.gate64_conf(): Python format text, {gw6} {gw4} "
                   "{file_prefix} {pool6} replaced")
    p.add_argument("--gate64-device", choices=("af_packet", "af_xdp"),
                   default="af_packet",
                   help="the DPDK virtual device gate64d uses on the "
                   "veths (net_af_packet or net_af_xdp)")
    p.add_argument("--out", default=OUT)
    a = p.parse_args(argv)
    a.flows = [int(x) for x in a.flows.split(",")]
    if a.repeat < 1:
        p.error("--repeat: at least 1")
    if any(f < 1 or f > 64512 for f in a.flows):
        p.error("--flows: 1..64512 each")
    if a.gen_cpu == a.xlat_cpu:
        p.error("--gen-cpu and --xlat-cpu must differ")
    if max(a.gen_cpu, a.xlat_cpu) >= (os.cpu_count() or 1):
        p.error("needs CPUs %d and %d" % (a.gen_cpu, a.xlat_cpu))
    return a


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
    if args.only in (None, "tayga"):
        print("bench-dp: TAYGA...", file=sys.stderr)
        with L.Lab(mode="tayga", pool6=args.pool6) as lab:
            results["tayga"] = run_tayga(lab, args)
    if args.only in (None, "gate64"):
        if os.path.exists(GATE64D):
            template = None
            if args.gate64_conf:
                with open(args.gate64_conf) as f:
                    raw = f.read()

                def template(lab, raw=raw):
                    return raw.format(gw6=lab.gw6, gw4=lab.gw4,
                                      file_prefix=lab.file_prefix,
                                      pool6=lab.pool6)
            print("bench-dp: gate64d...", file=sys.stderr)
            with L.Lab(mode="gate64", pool6=args.pool6) as lab:
                results["gate64"] = run_gate64(lab, args, template)
        else:
            results["gate64"] = "not run: %s missing" % os.path.relpath(
                GATE64D, ROOT)
    text = table(results, args)
    sys.stdout.write(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
