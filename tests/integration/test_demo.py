"""make demo's script (scripts/demo.py), non-interactively: it runs to
the end, prints the fetched page and every step, and leaves nothing
behind, also when interrupted (issue: one-command demo)."""
import os
import re
import signal
import subprocess
import time

import lab as L

DEMO = os.path.join(L.ROOT, "scripts", "demo.py")


def suffix_of(out):
    """The demo's lab (it prints its namespaces' suffix): what it must
    leave nothing of, whatever other labs run beside it."""
    m = re.search(r"network namespaces g64-\*-([0-9a-f]+),", out)
    assert m, out
    return m.group(1)


def leftovers(suffix):
    tag = "g64lab-" + suffix
    ns = subprocess.run(["ip", "netns", "list"], capture_output=True,
                        text=True).stdout
    left = [l for l in ns.splitlines()
            if l.startswith("g64-") and suffix in l]
    for d in ("/run/gate64", "/var/run/dpdk"):
        if os.path.isdir(d):
            left += [os.path.join(d, n) for n in os.listdir(d)
                     if n.startswith(tag)]
    left += [p for p in subprocess.run(
        ["pgrep", "-a", "gate64d"], capture_output=True,
        text=True).stdout.splitlines() if tag in p]
    with open("/proc/mounts") as f:  # the xdp demo's BPF file system
        left += [ln for ln in f if "/" + tag in ln]
    return left


def test_demo_runs_to_the_end():
    r = subprocess.run([L.PYTHON, DEMO], capture_output=True, text=True,
                       timeout=300)
    out = r.stdout
    assert r.returncode == 0, out + r.stderr
    for text in ("=== 2. The client resolves www.portal.example",
                 "IN\tAAAA\t64:ff9b::c633:6402",
                 "<h1>Agency portal</h1>",
                 "curl -6 http://[2001:db8:64::10]/",
                 "192.0.2.1:", "198.51.100.2:80",
                 "forward ", "NAT64_BIB_CREATE proto=tcp "
                 "src=[2001:db8:1::2]:", "demo: done"):
        assert text in out, "missing %r in:\n%s" % (text, out)
    assert out.count("<h1>Agency portal</h1>") == 2, out
    left = leftovers(suffix_of(out))
    assert not left, left


def test_demo_interrupted_cleans_up():
    p = subprocess.Popen([L.PYTHON, DEMO], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    seen = ""
    deadline = time.time() + 120
    while "gate64d: ready" not in seen and time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        seen += line
    assert "gate64d: ready" in seen, seen
    p.send_signal(signal.SIGINT)
    rest, _ = p.communicate(timeout=60)
    assert p.returncode != 0
    assert "interrupted" in rest, seen + rest
    left = leftovers(suffix_of(seen))
    assert not left, left


def test_demo_xdp_runs_to_the_end():
    """make demo MODE=xdp: the same name and page through NAT64 done by the
    XDP program, the session from its maps, the mapping-log line naming
    the client, a --keep-state restart during which the page is still
    served; nothing left (no namespace, process, pin, BPF file system)."""
    r = subprocess.run([L.PYTHON, DEMO, "--mode", "xdp"],
                       capture_output=True, text=True, timeout=300)
    out = r.stdout
    assert r.returncode == 0, out + r.stderr
    for text in ("xdp mode: NAT64 in the XDP program",
                 "IN\tAAAA\t2001:db8:46::c633:6402",
                 "192.0.2.1:", "198.51.100.2:80", "xdp-redirect ",
                 "xdp-sessions-created ",
                 "NAT64_BIB_CREATE proto=tcp src=[2001:db8:1::2]:",
                 "(gate64d stopped; the XDP program and its maps stay)",
                 "adopted the running program and its state",
                 "demo: done"):
        assert text in out, "missing %r in:\n%s" % (text, out)
    assert out.count("<h1>Agency portal</h1>") == 2, out
    left = leftovers(suffix_of(out))
    assert not left, left


def test_demo_hybrid_runs_to_the_end():
    """make demo MODE=hybrid: the same name and page; the DPDK workers
    (over AF_XDP) made the session, the XDP program carried the rest; the
    session, the workers' counters, the mapping-log line; nothing left."""
    r = subprocess.run([L.PYTHON, DEMO, "--mode", "hybrid"],
                       capture_output=True, text=True, timeout=300)
    out = r.stdout
    assert r.returncode == 0, out + r.stderr
    for text in ("hybrid mode: NAT64 in the XDP program for established",
                 "IN\tAAAA\t2001:db8:46::c633:6402",
                 "192.0.2.1:", "198.51.100.2:80", "nat64_sess_created ",
                 "NAT64_BIB_CREATE proto=tcp src=[2001:db8:1::2]:",
                 "demo: done"):
        assert text in out, "missing %r in:\n%s" % (text, out)
    assert out.count("<h1>Agency portal</h1>") == 1, out
    xdp = re.search(r"^xdp-translated\s+(\d+)", out, re.M)
    workers = re.search(r"^xdp-to-workers\s+(\d+)", out, re.M)
    assert xdp and workers and int(xdp.group(1)) > 0 and \
        int(workers.group(1)) > 0, out
    left = leftovers(suffix_of(out))
    assert not left, left
