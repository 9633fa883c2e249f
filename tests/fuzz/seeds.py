#!/usr/bin/python3
"""Seed inputs for the translation fuzz targets.

    seeds.py DIR OUTDIR      DIR is 4to6 or 6to4
    seeds.py nat64 OUTDIR    multi-packet inputs for fuzz_nat64

Writes one file per golden-corpus case (tests/packets/**/*.case, format in
tests/packets/README.md) whose `dir:` is DIR: the `in:` packet, hex-decoded,
after one selector byte that picks the harness configuration
(tests/fuzz/fuzz_xlat.h: 0 = WKP + EAM, 1 = 2001:db8:100::/40,
2 = 2001:db8:122:344::/64, 3 = WKP without EAM), chosen from the case's `config:`.  It also
writes a handful of hand-made packets (valid checksums, both directions,
every configuration), so fuzzing has a start even without a corpus.
The nat64 mode writes hand-made sequences of records (layout in
tests/fuzz/fuzz_nat64.c): flows of each protocol with their replies,
TCP from open to close, held SYNs, expiry, ICMP errors both ways,
hairpinning, static entries, pool4 exhaustion; and every hand-made
packet of the WKP configuration as a one-record input.
Standard library only.
"""

import os
import struct
import sys
import ipaddress

HERE = os.path.dirname(os.path.abspath(__file__))
PACKETS = os.path.join(HERE, "..", "packets")

# corpus configuration name -> harness configuration (same pool6)
SELECTOR = {"nsp40": 1, "nsp64": 2, "default": 3, "noicmpsrc": 3}

POOL6 = {0: ("64:ff9b::", 96), 1: ("2001:db8:100::", 40),
         2: ("2001:db8:122:344::", 64), 3: ("64:ff9b::", 96)}


def parse_case(path):
    kv = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or ":" not in line:
                continue
            k, v = line.split(":", 1)
            kv.setdefault(k.strip(), v.strip())
    return kv


def corpus_seeds(direction):
    out = []
    for root, _dirs, files in os.walk(PACKETS):
        for name in sorted(files):
            if not name.endswith(".case"):
                continue
            path = os.path.join(root, name)
            kv = parse_case(path)
            if kv.get("dir") != direction or "in" not in kv:
                continue
            try:
                pkt = bytes.fromhex(kv["in"])
            except ValueError:
                print(f"seeds: {path}: bad hex in 'in:'", file=sys.stderr)
                continue
            sel = SELECTOR.get(kv.get("config", ""), 0)
            rel = os.path.relpath(path, PACKETS)[:-len(".case")]
            out.append((rel.replace(os.sep, "_"), bytes([sel]) + pkt))
    return out


# ----------------------------------------------------------- hand-made seeds
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def a4(s):
    return ipaddress.IPv4Address(s).packed


def a6(s):
    return ipaddress.IPv6Address(s).packed


def embed(sel, v4):
    """RFC 6052 §2.2 address of v4 under the configuration's pool6."""
    pfx, plen = POOL6[sel]
    p = bytearray(a6(pfx))
    b = a4(v4)
    pos = {32: [4, 5, 6, 7], 40: [5, 6, 7, 9], 48: [6, 7, 9, 10],
           56: [7, 9, 10, 11], 64: [9, 10, 11, 12],
           96: [12, 13, 14, 15]}[plen]
    for i in range(plen // 8, 16):
        p[i] = 0
    for i in range(4):
        p[pos[i]] = b[i]
    return bytes(p)


def ip4(src, dst, proto, l4, ttl=64, ident=1, frag=0, opts=b""):
    hl = 20 + len(opts)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, 0, hl + len(l4), ident,
                    frag, ttl, proto, 0, a4(src), a4(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def l4_4(src, dst, proto, body, cpos):
    """Fill the checksum at cpos of an IPv4 upper-layer body."""
    body = bytearray(body)
    ph = a4(src) + a4(dst) + struct.pack("!BBH", 0, proto, len(body))
    c = csum((ph if proto != 1 else b"") + bytes(body))
    if proto == 17 and c == 0:
        c = 0xFFFF
    body[cpos:cpos + 2] = struct.pack("!H", c)
    return bytes(body)


def ip6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, hlim, src,
                       dst) + payload


def l4_6(src, dst, proto, body, cpos):
    body = bytearray(body)
    ph = src + dst + struct.pack("!IxxxB", len(body), proto)
    c = csum(ph + bytes(body))
    if proto == 17 and c == 0:
        c = 0xFFFF
    body[cpos:cpos + 2] = struct.pack("!H", c)
    return bytes(body)


def pay(n):
    return bytes((i * 7 + 3) & 0xFF for i in range(n))


def udp(n=32):
    return struct.pack("!HHHH", 1234, 53, 8 + n, 0) + pay(n)


def tcp(n=32):
    return struct.pack("!HHIIBBHHH", 1234, 80, 1, 0, 0x50, 0x18, 8192, 0,
                       0) + pay(n)


def echo(t, n=32):
    return struct.pack("!BBHHH", t, 0, 0, 7, 1) + pay(n)


def hand_4to6():
    H, V = "192.0.2.33", "198.51.100.7"   # IPv4 host, IPv6 host's v4
    seeds = []
    for sel in (0, 1, 2, 3):
        s = bytes([sel])
        seeds += [
            ("udp", s + ip4(H, V, 17, l4_4(H, V, 17, udp(), 6))),
            ("udp0", s + ip4(H, V, 17, udp())),
            ("tcp", s + ip4(H, V, 6, l4_4(H, V, 6, tcp(), 16))),
            ("echo", s + ip4(H, V, 1, l4_4(H, V, 1, echo(8), 2))),
            ("ttl1", s + ip4(H, V, 17, l4_4(H, V, 17, udp(), 6), ttl=1)),
            ("big-df0", s + ip4(H, V, 17, l4_4(H, V, 17, udp(1400), 6))),
            ("big-df1", s + ip4(H, V, 17, l4_4(H, V, 17, udp(1480), 6),
                                frag=0x4000)),
            ("frag", s + ip4(H, V, 17, udp(64)[:48], frag=0x2000)),
            ("lsrr", s + ip4(H, V, 17, l4_4(H, V, 17, udp(), 6),
                             opts=bytes([131, 7, 4]) + a4(H) + b"\0")),
        ]
        inner = ip4(V, H, 17, l4_4(V, H, 17, udp(), 6))
        for t, c in ((3, 3), (3, 4), (11, 0), (12, 0), (3, 2)):
            body = struct.pack("!BBHI", t, c, 0,
                               1400 if (t, c) == (3, 4) else 0) + inner
            seeds.append((f"err{t}-{c}",
                          s + ip4("192.0.2.1", V, 1, _icmp4(body))))
    return seeds


def _icmp4(body):
    body = bytearray(body)
    body[2:4] = struct.pack("!H", csum(bytes(body)))
    return bytes(body)


def hand_6to4():
    seeds = []
    for sel in (0, 1, 2, 3):
        s = bytes([sel])
        src = (a6("2001:db8:a::1") if sel in (0, 1)
               else embed(sel, "192.0.2.33"))
        dst = embed(sel, "203.0.113.77")
        seeds += [
            ("udp", s + ip6(src, dst, 17, l4_6(src, dst, 17, udp(), 6))),
            ("tcp", s + ip6(src, dst, 6, l4_6(src, dst, 6, tcp(), 16))),
            ("echo", s + ip6(src, dst, 58,
                             l4_6(src, dst, 58, echo(128), 2))),
            ("hlim1", s + ip6(src, dst, 17, l4_6(src, dst, 17, udp(), 6),
                              hlim=1)),
            ("big", s + ip6(src, dst, 17, l4_6(src, dst, 17, udp(1440),
                                               6))),
            ("frag", s + ip6(src, dst, 44, struct.pack("!BBHI", 17, 0, 1,
                                                       0x1234) + udp(40))),
            ("exthdrs", s + ip6(src, dst, 0, bytes([60, 0, 1, 4, 0, 0, 0, 0,
                                                    17, 0, 1, 4, 0, 0, 0, 0])
                                + l4_6(src, dst, 17, udp(), 6))),
            ("routing", s + ip6(src, dst, 43, bytes([17, 0, 0, 1, 0, 0, 0,
                                                     0]) + udp())),
            ("hairpin", s + ip6(src, embed(sel, "192.0.2.1"), 17,
                                l4_6(src, embed(sel, "192.0.2.1"), 17,
                                     udp(), 6))),
        ]
        inner = ip6(dst, src, 17, l4_6(dst, src, 17, udp(), 6))
        for t, c, rest in ((1, 4, 0), (2, 0, 1400), (3, 0, 0), (4, 0, 6),
                           (4, 1, 6)):
            body = struct.pack("!BBHI", t, c, 0, rest) + inner
            r = embed(sel, "198.51.100.1")
            seeds.append((f"err{t}-{c}",
                          s + ip6(r, src, 58, l4_6(r, src, 58, body, 2))))
    return seeds


# ------------------------------------------------------- nat64 sequences
# record kinds (fuzz_nat64.c): ctl bits 0-1 kind, 2-4 time step, 5-6 ticks,
# 7 fix checksums
K6, K4, K4AIM, KCTL = 0, 1, 2, 3
FIX = 0x80


def rec(kind, body, t=0, ticks=0, fix=False):
    ctl = kind | (t << 2) | (ticks << 5) | (FIX if fix else 0)
    return bytes([ctl]) + struct.pack("!H", len(body)) + body


def nat64_udp6(src, sport, dst4, dport, n=16, hlim=64, proto=17):
    s, d = a6(src), embed(0, dst4)
    if proto == 17:
        body = struct.pack("!HHHH", sport, dport, 8 + n, 0) + pay(n)
        return ip6(s, d, 17, l4_6(s, d, 17, body, 6), hlim=hlim)
    return None


def nat64_tcp6(src, sport, dst4, dport, flags):
    s, d = a6(src), embed(0, dst4)
    body = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, flags, 8192,
                       0, 0)
    return ip6(s, d, 6, l4_6(s, d, 6, body, 16))


def nat64_echo6(src, dst4, ident):
    s, d = a6(src), embed(0, dst4)
    body = struct.pack("!BBHHH", 128, 0, 0, ident, 1) + pay(16)
    return ip6(s, d, 58, l4_6(s, d, 58, body, 2))


def nat64_udp4(src, sport, dst, dport, n=16):
    body = struct.pack("!HHHH", sport, dport, 8 + n, 0) + pay(n)
    return ip4(src, dst, 17, l4_4(src, dst, 17, body, 6))


def nat64_tcp4(src, sport, dst, dport, flags):
    body = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, flags, 8192,
                       0, 0)
    return ip4(src, dst, 6, l4_4(src, dst, 6, body, 16))


def nat64_echo4(src, dst, ident, t=0):
    body = struct.pack("!BBHHH", t, 0, 0, ident, 1) + pay(16)
    return ip4(src, dst, 1, l4_4(src, dst, 1, body, 2))


def nat64_seeds():
    H, H2 = "2001:db8:1::10", "2001:db8:2::20"
    R, R2 = "198.51.100.7", "203.0.113.9"
    P = "192.0.2.1"
    SYN, ACK, FIN, RST = 0x02, 0x10, 0x01, 0x04
    out = []

    def add(name, cfg0, cfg1, recs):
        out.append((name, bytes([cfg0, cfg1]) + b"".join(recs)))

    udp = [rec(K6, nat64_udp6(H, 1234, R, 53)),
           rec(K4AIM, nat64_udp4(R, 1, P, 1), fix=True),
           rec(K4AIM, nat64_udp4(R2, 1, P, 1), fix=True),  # other remote
           rec(K6, nat64_udp6(H, 1234, R2, 53), t=1),
           rec(K6, nat64_udp6(H, 1234, R, 53), t=6, ticks=3),
           rec(K4AIM, nat64_udp4(R, 1, P, 1), t=6, ticks=3, fix=True)]
    for c0 in (0, 1, 2, 0x21, 0x88):
        add(f"udp-cfg{c0:02x}", c0, 0, udp)
    add("udp-nsp64", 0, 1, [rec(K6, ip6(a6(H), embed(2, R), 17, l4_6(
        a6(H), embed(2, R), 17, struct.pack("!HHHH", 9, 53, 24, 0) +
        pay(16), 6))), rec(K4AIM, nat64_udp4(R, 1, P, 1), fix=True)])

    tcp = [rec(K6, nat64_tcp6(H, 40000, R, 80, SYN)),
           rec(K4AIM, nat64_tcp4(R, 1, P, 1, SYN | ACK), fix=True),
           rec(K6, nat64_tcp6(H, 40000, R, 80, ACK)),
           rec(K6, nat64_tcp6(H, 40000, R, 80, ACK), t=5, ticks=1),
           rec(K6, nat64_tcp6(H, 40000, R, 80, FIN | ACK)),
           rec(K4AIM, nat64_tcp4(R, 1, P, 1, FIN | ACK), fix=True),
           rec(K6, nat64_tcp6(H, 40000, R, 80, ACK), t=7, ticks=3),
           rec(K6, nat64_tcp6(H, 40001, R, 80, SYN)),
           rec(K4AIM, nat64_tcp4(R, 1, P, 1, RST), fix=True, ticks=1)]
    for c0 in (0, 1, 2, 0x20):
        add(f"tcp-cfg{c0:02x}", c0, 0, tcp)

    # an inbound SYN without mapping is held, then answered (§3.5.2.2)
    held = [rec(K4, nat64_tcp4(R, 5555, P, 1030, SYN)),
            rec(K4, nat64_tcp4(R2, 5555, P, 1031, SYN)),
            rec(K6, nat64_tcp6(H, 1030, R, 5555, SYN)),
            rec(K4, nat64_tcp4(R, 80, P, 1020, ACK), t=3, ticks=1),
            rec(K6, nat64_udp6(H, 7, R, 7), t=3, ticks=1)]
    add("tcp-held", 0, 0, held)
    add("tcp-held-drop", 4, 0, held)

    echo = [rec(K6, nat64_echo6(H, R, 77)),
            rec(K4AIM, nat64_echo4(R, P, 1, 0), fix=True),
            rec(K4AIM, nat64_echo4(R, P, 1, 8), fix=True),
            rec(K6, nat64_echo6(H, R, 77), t=4, ticks=3)]
    add("echo", 0, 0, echo)
    add("echo-general", 0, 2, echo)

    # ICMP errors about a flow, both ways
    inner6 = ip6(embed(0, R), a6(H), 17, l4_6(embed(0, R), a6(H), 17,
                 struct.pack("!HHHH", 53, 1234, 24, 0) + pay(16), 6))
    rtr = a6("2001:db8:ff::1")
    err6 = ip6(rtr, embed(0, R), 58, l4_6(rtr, embed(0, R), 58,
               struct.pack("!BBHI", 1, 4, 0, 0) + inner6, 2))
    ptb6 = ip6(rtr, embed(0, R), 58, l4_6(rtr, embed(0, R), 58,
               struct.pack("!BBHI", 2, 0, 0, 1280) + inner6, 2))
    inner4 = nat64_udp4(P, 1, R, 1)
    err4 = ip4("198.51.100.254", P, 1,
               _icmp4(struct.pack("!BBHI", 3, 3, 0, 0) + inner4))
    frag4 = ip4("198.51.100.254", P, 1,
                _icmp4(struct.pack("!BBHHH", 3, 4, 0, 0, 1400) + inner4))
    add("icmp-errors", 0, 0, [rec(K6, nat64_udp6(H, 1234, R, 53)),
                              rec(K6, err6), rec(K6, ptb6),
                              rec(K4AIM, err4, fix=True),
                              rec(K4AIM, frag4, fix=True)])

    # hairpinning: H's mapping, then H2 sends to its pool6 image
    add("hairpin", 0, 0, [rec(K6, nat64_udp6(H, 1234, R, 53)),
                          rec(KCTL, bytes([3]) + nat64_udp6(H2, 999, P, 1),
                              fix=True),
                          rec(KCTL, bytes([3]) + nat64_tcp6(H2, 998, P, 1,
                                                            SYN), fix=True)])

    # static entries, deletions, log drain
    st = bytes([0, 1]) + a6(H2) + struct.pack("!HBH", 8080, 0, 60010)
    add("static", 0x20, 0, [rec(KCTL, st),
                            rec(K4, nat64_udp4(R, 4444, P, 60010)),
                            rec(KCTL, bytes([1, 0, 0])),
                            rec(KCTL, bytes([2, 0, 0])),
                            rec(KCTL, bytes([4])),
                            rec(K6, nat64_udp6(H2, 8080, R, 4444), t=6,
                                ticks=3)])

    # exhaustion: many flows from many sources and ports
    many = []
    for i in range(80):
        src = f"2001:db8:{i % 20:x}::{i + 1:x}"
        many.append(rec(K6, nat64_udp6(src, 1000 + i, R, 53)))
    many.append(rec(K6, nat64_udp6(H, 1, R, 53), t=6, ticks=3))
    for c0 in (0, 2, 0x10, 0x1a, 0x80):
        add(f"exhaust-cfg{c0:02x}", c0, 0, many)

    # the one-packet seeds of both directions, as one record each
    for name, data in hand_6to4():
        if data[0] == 3:
            out.append((f"one-6to4-{name}", b"\0\0" + rec(K6, data[1:])))
    for name, data in hand_4to6():
        if data[0] == 3:
            out.append((f"one-4to6-{name}", b"\0\0" + rec(K4, data[1:])))
    return out


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("4to6", "6to4", "nat64"):
        print("usage: seeds.py 4to6|6to4|nat64 OUTDIR", file=sys.stderr)
        return 2
    direction, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    if direction == "nat64":
        seeds = nat64_seeds()
        for name, data in seeds:
            with open(os.path.join(outdir, name), "wb") as f:
                f.write(data)
        print(f"seeds: {len(seeds)} hand-made (nat64) -> {outdir}",
              file=sys.stderr)
        return 0
    seeds = corpus_seeds(direction)
    ncorpus = len(seeds)
    hand = hand_4to6() if direction == "4to6" else hand_6to4()
    for i, (name, data) in enumerate(hand):
        seeds.append((f"hand-{i:02d}-cfg{data[0]}-{name}", data))
    for name, data in seeds:
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
    print(f"seeds: {ncorpus} corpus cases + {len(hand)} hand-made "
          f"({direction}) -> {outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
