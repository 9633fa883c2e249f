#!/usr/bin/python3
"""Syntax check of the golden packet corpus (tests/packets/*/*.case).

Every file must parse; rfc, desc, config, dir, in, expect and reason must be
present; the config must exist; set keys must be configuration keys; reason
names must exist in dataplane/xlat/xlat_reason.h; hex must be lowercase,
even-length, without spaces; the number of out lines must match the verdict.
A stateful case (mode: stateful, README "Stateful cases") has rfc, desc,
config and one or more steps instead of dir/in/expect/reason/out: each step
is checked the same way (a tick step has no in and expects icmp with out
lines, or none), step times never go back, and NAT64 keys appear only in
stateful cases (their values are checked for form).
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
        "robustness", "rfc6146"]
SINGLE = {"rfc", "desc", "config", "dir", "in", "expect", "reason"}
MULTI = {"set", "out"}
VERDICTS = {"forward", "hairpin", "fragment", "icmp", "pass", "drop"}
CONF_KEYS = {"pool6", "eam", "pool6791", "icmp6-source", "lowest-ipv6-mtu",
             "ipv6-mtu", "ipv4-mtu", "udp-zero-checksum",
             "reset-traffic-class", "reset-tos", "new-tos", "icmp-errors",
             "eam-hairpin", "icmp-rate", "icmp-burst", "id-seed"}
# stateful NAT64 keys (mode: stateful only)
NAT64_KEYS = {"pool4", "adf", "sub-len", "drop-inbound-syn",
              "sub-max-sessions", "static-bib", "udp-timeout",
              "icmp-timeout", "tcp-est-timeout", "tcp-trans-timeout",
              "tcp-syn-timeout"}
CONF_KEYS |= NAT64_KEYS
IPV4 = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")
PROTOS = ("tcp", "udp", "icmp")
HEX = re.compile(r"^([0-9a-f]{2})*$")


def reasons():
    with open(REASON_H) as f:
        return set(re.findall(r'X\(\s*\w+\s*,\s*"([^"]+)"', f.read()))


def is_ipv4(s):
    m = IPV4.match(s)
    return bool(m) and all(int(g) <= 255 for g in m.groups())


def is_port(s):
    return s.isdigit() and int(s) <= 65535


def nat64_value_error(key, val):
    """None, or what is wrong with the value of a NAT64 key."""
    p = val.split()
    if key == "pool4":
        ok = (len(p) == 3 and is_ipv4(p[0]) and p[1] in PROTOS
              and re.match(r"^\d+-\d+$", p[2])
              and all(is_port(x) for x in p[2].split("-"))
              and int(p[2].split("-")[0]) <= int(p[2].split("-")[1]))
        return None if ok else "pool4 ADDR tcp|udp|icmp MIN-MAX"
    if key == "static-bib":
        ok = (len(p) == 5 and p[0] in PROTOS and ":" in p[1]
              and is_port(p[2]) and is_ipv4(p[3]) and is_port(p[4]))
        return None if ok else "static-bib PROTO IPV6 PORT IPV4 PORT"
    if key in ("adf", "drop-inbound-syn"):
        return None if val in ("on", "off") else "on or off"
    if key == "sub-len":
        return None if val in ("56", "64", "128") else "56, 64 or 128"
    return None if val.isdigit() else "a number of seconds / sessions"


def conf_keys(path):
    """The keys a configuration file uses."""
    keys = set()
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                keys.add(line.split()[0])
    return keys


def check_conf(path, errs):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            k = line.split()[0]
            if k not in CONF_KEYS:
                errs.append("%s:%d: unknown key %r" % (path, n, k))
            elif k in NAT64_KEYS:
                why = nat64_value_error(k, line[len(k):].strip())
                if why:
                    errs.append("%s:%d: %s: want %s" % (path, n, k, why))


def check_packet(err, names, e, r, inp, outs, where=""):
    """One packet's in/expect/reason/out (a stateless case or a step)."""
    if inp is not None and not HEX.match(inp):
        err(where + "in is not lowercase even-length hex")
    if e not in VERDICTS:
        err(where + "bad expect %r" % e)
    if r not in names:
        err(where + "reason %r not in xlat_reason.h" % r)
    if e in ("icmp", "pass", "drop") and r == "none":
        err(where + "expect %s needs a reason" % e)
    if e in ("forward", "hairpin", "fragment") and r != "none":
        err(where + "expect %s takes reason none" % e)
    for o in outs:
        if not HEX.match(o) or not o:
            err(where + "out is not lowercase even-length hex")
    want = {"forward": (1, 1), "hairpin": (1, 1), "icmp": (1, 1),
            "fragment": (1, 1 << 16), "pass": (0, 0), "drop": (0, 0)}
    lo, hi = want.get(e, (0, 1 << 16))
    if not lo <= len(outs) <= hi:
        err(where + "%d out lines for expect %s" % (len(outs), e))


def check_stateful(path, names, errs):
    def err(msg):
        errs.append("%s: %s" % (os.path.relpath(path, ROOT), msg))
    kv, sets, steps = {}, [], []
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
            if k == "step":
                m = re.match(r"^(6to4|4to6|tick) t=(\d+)$", v)
                if not m:
                    err("line %d: bad step %r (DIR t=SECONDS)" % (n, v))
                    m = re.match(r"^(\S*)\s*t?=?(\d*)", v)
                steps.append(dict(line=n, dir=m.group(1),
                                  t=int(m.group(2) or 0), vals={},
                                  outs=[]))
            elif k in ("in", "expect", "reason", "out"):
                if not steps:
                    err("line %d: %s before the first step" % (n, k))
                elif k == "out":
                    steps[-1]["outs"].append(v)
                elif k in steps[-1]["vals"]:
                    err("line %d: %s repeated in a step" % (n, k))
                else:
                    steps[-1]["vals"][k] = v
            elif k == "set":
                sets.append(v)
            elif k in ("rfc", "desc", "config", "mode"):
                if k in kv:
                    err("line %d: %s repeated" % (n, k))
                kv[k] = v
            else:
                err("line %d: unknown key %r in a stateful case" % (n, k))
    for k in ("rfc", "desc", "config"):
        if k not in kv:
            err("missing %s" % k)
    if not steps:
        err("no step")
    if not kv.get("rfc", "").startswith("RFC "):
        err("rfc does not name an RFC: %r" % kv.get("rfc"))
    if "config" in kv and not os.path.isfile(
            os.path.join(HERE, "conf", kv["config"] + ".conf")):
        err("no conf/%s.conf" % kv["config"])
    for s in sets:
        parts = s.split()
        if len(parts) < 2 or parts[0] not in CONF_KEYS:
            err("bad set %r" % s)
        elif parts[0] in NAT64_KEYS:
            why = nat64_value_error(parts[0], s[len(parts[0]):].strip())
            if why:
                err("set %r: want %s" % (s, why))
    last = 0
    for i, s in enumerate(steps, 1):
        where = "step %d (line %d): " % (i, s["line"])
        if s["t"] < last:
            err(where + "time goes back")
        last = s["t"]
        v = s["vals"]
        if "expect" not in v:
            err(where + "missing expect")
            continue
        if s["dir"] == "tick":
            if "in" in v:
                err(where + "a tick takes no in")
            if v.get("reason", "none") != "none":
                err(where + "a tick takes reason none")
            if v["expect"] == "none":
                if s["outs"]:
                    err(where + "expect none takes no out")
            elif v["expect"] != "icmp" or not s["outs"]:
                err(where + "a tick expects icmp (with out) or none")
            for o in s["outs"]:
                if not HEX.match(o) or not o:
                    err(where + "out is not lowercase even-length hex")
            continue
        if "in" not in v or "reason" not in v:
            err(where + "missing in or reason")
            continue
        check_packet(err, names, v["expect"], v["reason"], v["in"],
                     s["outs"], where)


def check_case(path, names, errs):
    def err(msg):
        errs.append("%s: %s" % (os.path.relpath(path, ROOT), msg))
    with open(path) as f:
        if re.search(r"^\s*mode:\s*stateful\s*$", f.read(), re.M):
            return check_stateful(path, names, errs)
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
        elif parts[0] in NAT64_KEYS:
            err("set %r: a NAT64 key needs mode: stateful" % s)
    conf = os.path.join(HERE, "conf", kv["config"] + ".conf")
    if os.path.isfile(conf) and conf_keys(conf) & NAT64_KEYS:
        err("conf/%s.conf has NAT64 keys: needs mode: stateful"
            % kv["config"])
    if kv["dir"] not in ("4to6", "6to4"):
        err("bad dir %r" % kv["dir"])
    check_packet(err, names, kv["expect"], kv["reason"], kv["in"],
                 multi["out"])


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
