#!/usr/bin/python3
"""Syntax check of the golden packet corpus (tests/packets/*/*.case).

Every file must parse; rfc, desc, config, dir, in, expect and reason must be
present; the config must exist; set keys must be configuration keys; reason
names must exist in dataplane/xlat/xlat_reason.h; hex must be lowercase,
even-length, without spaces; the number of out lines must match the verdict.
Prints the number of cases per directory and in total; exits 1 on any
problem.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REASON_H = os.path.join(ROOT, "dataplane", "xlat", "xlat_reason.h")
DIRS = ["rfc6052", "rfc7915", "rfc7757", "rfc6791", "rfc4884", "rfc8021",
        "robustness"]
SINGLE = {"rfc", "desc", "config", "dir", "in", "expect", "reason"}
MULTI = {"set", "out"}
VERDICTS = {"forward", "hairpin", "fragment", "icmp", "pass", "drop"}
CONF_KEYS = {"pool6", "eam", "pool6791", "icmp6-source", "lowest-ipv6-mtu",
             "ipv6-mtu", "ipv4-mtu", "udp-zero-checksum",
             "reset-traffic-class", "reset-tos", "new-tos", "icmp-errors",
             "eam-hairpin", "icmp-rate", "icmp-burst", "id-seed"}
HEX = re.compile(r"^([0-9a-f]{2})*$")


def reasons():
    with open(REASON_H) as f:
        return set(re.findall(r'X\(\s*\w+\s*,\s*"([^"]+)"', f.read()))


def check_conf(path, errs):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.split()[0] not in CONF_KEYS:
                errs.append("%s:%d: unknown key %r" % (path, n, line.split()[0]))


def check_case(path, names, errs):
    def err(msg):
        errs.append("%s: %s" % (os.path.relpath(path, ROOT), msg))
    kv = {}
    multi = {"set": [], "out": []}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if ":" not in line:
                err("line %d: not key: value" % n)
                continue
            k, v = line.split(":", 1)
            k, v = k.strip(), v.strip()
            if k in MULTI:
                multi[k].append(v)
            elif k in SINGLE:
                if k in kv:
                    err("line %d: %s repeated" % (n, k))
                kv[k] = v
            else:
                err("line %d: unknown key %r" % (n, k))
    for k in sorted(SINGLE):
        if k not in kv:
            err("missing %s" % k)
    if any(k not in kv for k in SINGLE):
        return
    if not kv["rfc"].startswith("RFC "):
        err("rfc does not name an RFC: %r" % kv["rfc"])
    if not kv["desc"]:
        err("empty desc")
    if not os.path.isfile(os.path.join(HERE, "conf", kv["config"] + ".conf")):
        err("no conf/%s.conf" % kv["config"])
    for s in multi["set"]:
        parts = s.split()
        if len(parts) < 2 or parts[0] not in CONF_KEYS:
            err("bad set %r" % s)
    if kv["dir"] not in ("4to6", "6to4"):
        err("bad dir %r" % kv["dir"])
    if not HEX.match(kv["in"]):
        err("in is not lowercase even-length hex")
    e, r = kv["expect"], kv["reason"]
    if e not in VERDICTS:
        err("bad expect %r" % e)
    if r not in names:
        err("reason %r not in xlat_reason.h" % r)
    if e in ("icmp", "pass", "drop") and r == "none":
        err("expect %s needs a reason" % e)
    if e in ("forward", "hairpin", "fragment") and r != "none":
        err("expect %s takes reason none" % e)
    outs = multi["out"]
    for o in outs:
        if not HEX.match(o) or not o:
            err("out is not lowercase even-length hex")
    want = {"forward": (1, 1), "hairpin": (1, 1), "icmp": (1, 1),
            "fragment": (1, 1 << 16), "pass": (0, 0), "drop": (0, 0)}
    lo, hi = want.get(e, (0, 1 << 16))
    if not lo <= len(outs) <= hi:
        err("%d out lines for expect %s" % (len(outs), e))


def main():
    names = reasons()
    if "none" not in names or len(names) < 10:
        print("cannot read reason names from %s" % REASON_H)
        return 1
    errs = []
    for c in sorted(os.listdir(os.path.join(HERE, "conf"))):
        if c.endswith(".conf"):
            check_conf(os.path.join(HERE, "conf", c), errs)
    total = 0
    for d in DIRS:
        p = os.path.join(HERE, d)
        files = sorted(f for f in os.listdir(p) if f.endswith(".case")) \
            if os.path.isdir(p) else []
        for f in files:
            check_case(os.path.join(p, f), names, errs)
        print("%-12s %d" % (d, len(files)))
        total += len(files)
    print("%-12s %d" % ("total", total))
    for e in errs:
        print("error:", e)
    if total == 0:
        print("error: no cases")
        return 1
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
