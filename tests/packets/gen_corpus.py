#!/usr/bin/python3
"""Generate the golden packet corpus (tests/packets/<rfc>/<name>.case).

Run with Debian's interpreter (it has python3-scapy):

    /usr/bin/python3 tests/packets/gen_corpus.py

Every case states its input and, built independently from the rule in
docs/translation.md (and the RFC it cites), its expected output.  There is
deliberately no generic translator here: each expected packet is written out
field by field with scapy; the helpers below only assemble headers and let
scapy compute lengths and checksums.  Deterministic: fixed payloads, every
scapy field that could be random or time-based is set explicitly.
"""

import os
import struct
import sys

from scapy.all import (IP, UDP, TCP, IPv6, Raw, IPOption, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrRouting, PadN, Jumbo, raw, conf as sconf)
from scapy.utils import checksum
from scapy.layers.inet6 import in6_chksum

sconf.verb = 0
HERE = os.path.dirname(os.path.abspath(__file__))
DIRS = ["rfc6052", "rfc7915", "rfc7757", "rfc6791", "rfc4884", "rfc8021",
        "robustness"]

# --------------------------------------------------------------------------
# Addresses used throughout (default.conf: pool6 64:ff9b::/96, pool6791
# 203.0.113.1, icmp6-source 2001:db8:ffff::1, id-seed 4660).
H4 = "192.0.2.33"            # a host on the IPv4 side
H4_6 = "64:ff9b::c000:221"   # its RFC 6052 image under the WKP
V6 = "198.51.100.7"          # the IPv4 address of a host on the IPv6 side
V6_6 = "64:ff9b::c633:6407"  # the host's IPv6 address (inside pool6)
R4 = "192.0.2.1"             # an IPv4 router
R4_6 = "64:ff9b::c000:201"
R6 = "64:ff9b::c633:6401"    # an IPv6 router inside pool6 (198.51.100.1)
R6_4 = "198.51.100.1"
POOL6791 = "203.0.113.1"
ICMP6_SRC = "2001:db8:ffff::1"
IDSEED = 4660

CASES = []


def pay(n, seed=0):
    """Fixed payload of n bytes."""
    return bytes(((i * 7 + seed * 13 + 3) & 0xFF) for i in range(n))


# ---------------------------------------------------------------- builders
def ip4(src, dst, proto, payload, ttl=64, tos=0, id=0, flags=0, frag=0,
        options=None, totlen=None):
    kw = dict(src=src, dst=dst, proto=proto, ttl=ttl, tos=tos, id=id,
              flags=flags, frag=frag)
    if options is not None:
        kw["options"] = [IPOption(options)]
    if totlen is not None:
        kw["len"] = totlen
    b = raw(IP(**kw) / Raw(payload))
    if options is not None:
        assert b[20:20 + len(options)] == options
    return b


def ip6(src, dst, nh, payload, hlim=64, tc=0, fl=0, plen=None):
    kw = dict(src=src, dst=dst, nh=nh, hlim=hlim, tc=tc, fl=fl)
    if plen is not None:
        kw["plen"] = plen
    return raw(IPv6(**kw) / Raw(payload))


def udp4(src, dst, sport, dport, data, csum=None):
    b = raw(IP(src=src, dst=dst) / UDP(sport=sport, dport=dport, chksum=csum)
            / Raw(data))
    return b[20:]


def udp6(src, dst, sport, dport, data):
    b = raw(IPv6(src=src, dst=dst) / UDP(sport=sport, dport=dport)
            / Raw(data))
    return b[40:]


def tcp4(src, dst, sport, dport, data=b"", flags="S", seq=1000, ack=0,
         opts=()):
    b = raw(IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags,
                                       seq=seq, ack=ack, window=65535,
                                       options=list(opts)) / Raw(data))
    return b[20:]


def tcp6(src, dst, sport, dport, data=b"", flags="S", seq=1000, ack=0,
         opts=()):
    b = raw(IPv6(src=src, dst=dst) / TCP(sport=sport, dport=dport,
                                         flags=flags, seq=seq, ack=ack,
                                         window=65535, options=list(opts))
            / Raw(data))
    return b[40:]


def icmp4(type, code, rest, payload, bad_csum=False):
    assert len(rest) == 4
    b = bytes([type, code, 0, 0]) + rest + payload
    ck = checksum(b)
    if bad_csum:
        ck ^= 0x5555
    return b[:2] + struct.pack("!H", ck) + b[4:]


def icmp6(src, dst, type, code, rest, payload, bad_csum=False):
    """ICMPv6 message with its checksum over the IPv6 pseudo-header."""
    assert len(rest) == 4
    b = bytes([type, code, 0, 0]) + rest + payload
    p = IPv6(src=src, dst=dst, nh=58) / Raw(b)
    ck = in6_chksum(58, p[Raw], b)
    if bad_csum:
        ck ^= 0x5555
    return b[:2] + struct.pack("!H", ck) + b[4:]


def echo4(type, ident, seq, data):
    return icmp4(type, 0, struct.pack("!HH", ident, seq), data)


def echo6(src, dst, type, ident, seq, data):
    return icmp6(src, dst, type, 0, struct.pack("!HH", ident, seq), data)


def frag6(nh, offset, m, ident):
    return raw(IPv6ExtHdrFragment(nh=nh, offset=offset, m=m, id=ident))


def hbh(nh):
    return raw(IPv6ExtHdrHopByHop(nh=nh, options=[PadN(optdata=b"\0\0\0\0")]))


def dstopt(nh):
    return raw(IPv6ExtHdrDestOpt(nh=nh, options=[PadN(optdata=b"\0\0\0\0")]))


def rthdr(nh, segleft):
    return raw(IPv6ExtHdrRouting(nh=nh, type=0, segleft=segleft,
                                 addresses=["2001:db8::99"]))


def rest_unused():
    return b"\0\0\0\0"


def rest_mtu4(mtu):
    return struct.pack("!HH", 0, mtu)


def rest_ptr4(ptr, length=0):
    return bytes([ptr, length, 0, 0])


def rest_len4(length):          # RFC 4884 length, ICMPv4 byte 5
    return bytes([0, length, 0, 0])


def rest_len6(length):          # RFC 4884 length, ICMPv6 byte 4
    return bytes([length, 0, 0, 0])


def r32(v):
    return struct.pack("!I", v)


# translator-generated errors (docs/translation.md "Errors the translator
# generates")
def gen_err4(dst, type, code, rest, offending, ident=IDSEED):
    return ip4(POOL6791, dst, 1, icmp4(type, code, rest,
                                       offending[:576 - 28]),
               ttl=64, tos=0, id=ident, flags=0)


def gen_err6(dst, type, code, rest, offending):
    return ip6(ICMP6_SRC, dst, 58,
               icmp6(ICMP6_SRC, dst, type, code, rest, offending[:1280 - 48]),
               hlim=64, tc=0, fl=0)


# ---------------------------------------------------------------- cases
def case(d, name, rfc, desc, inp, expect, reason="none", outs=(),
         config="default", sets=(), dir="4to6"):
    assert d in DIRS, d
    if isinstance(outs, (bytes, bytearray)):
        outs = [outs]
    CASES.append(dict(d=d, name=name, rfc=rfc, desc=desc, config=config,
                      sets=list(sets), dir=dir, inp=bytes(inp),
                      expect=expect, reason=reason,
                      outs=[bytes(o) for o in outs]))


def fwd(d, name, rfc, desc, inp, out, **kw):
    case(d, name, rfc, desc, inp, "forward", "none", [out], **kw)


def drop(d, name, rfc, desc, inp, reason, **kw):
    case(d, name, rfc, desc, inp, "drop", reason, [], **kw)


def icmp(d, name, rfc, desc, inp, reason, out, **kw):
    case(d, name, rfc, desc, inp, "icmp", reason, [out], **kw)


def write_all():
    names = set()
    for d in DIRS:
        p = os.path.join(HERE, d)
        os.makedirs(p, exist_ok=True)
        for f in os.listdir(p):
            if f.endswith(".case"):
                os.unlink(os.path.join(p, f))
    for c in CASES:
        key = (c["d"], c["name"])
        assert key not in names, key
        names.add(key)
        lines = ["# generated by tests/packets/gen_corpus.py; do not edit",
                 "rfc: " + c["rfc"], "desc: " + c["desc"],
                 "config: " + c["config"]]
        lines += ["set: " + s for s in c["sets"]]
        lines += ["dir: " + c["dir"], "in: " + c["inp"].hex(),
                  "expect: " + c["expect"], "reason: " + c["reason"]]
        lines += ["out: " + o.hex() for o in c["outs"]]
        with open(os.path.join(HERE, c["d"], c["name"] + ".case"), "w") as f:
            f.write("\n".join(lines) + "\n")
    per = {}
    for c in CASES:
        per[c["d"]] = per.get(c["d"], 0) + 1
    for d in DIRS:
        print("%-12s %d" % (d, per.get(d, 0)))
    print("%-12s %d" % ("total", len(CASES)))


# ---------------------------------------------------------------- RFC 6052
def embed(prefix_bytes, plen, v4):
    """RFC 6052 §2.2 Figure 1 layout (used to build bad-suffix variants and
    cross-checked against the RFC 6052 §2.4 examples below)."""
    pos = {32: (4, 5, 6, 7), 40: (5, 6, 7, 9), 48: (6, 7, 9, 10),
           56: (7, 9, 10, 11), 64: (9, 10, 11, 12), 96: (12, 13, 14, 15)}[plen]
    out = bytearray(prefix_bytes[:plen // 8] + bytes(16 - plen // 8))
    for i, o in enumerate(bytes(int(x) for x in v4.split("."))):
        out[pos[i]] = o
    return out


def a6(b):
    import ipaddress
    return str(ipaddress.IPv6Address(bytes(b)))


def pfx(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


# prefix length -> (conf, prefix, image of 192.0.2.33 from RFC 6052 §2.4
# Table (except /96, whose conf prefix differs))
NSP = {
    32: ("nsp32", "2001:db8::", "2001:db8:c000:221::"),
    40: ("nsp40", "2001:db8:100::", "2001:db8:1c0:2:21::"),
    48: ("nsp48", "2001:db8:122::", "2001:db8:122:c000:2:2100::"),
    56: ("nsp56", "2001:db8:122:300::", "2001:db8:122:3c0:0:221::"),
    64: ("nsp64", "2001:db8:122:344::", "2001:db8:122:344:c0:2:2100:0"),
    96: ("nsp96", "2001:db8:1:2:3:4::", "2001:db8:1:2:3:4:c000:221"),
}
# image of 198.51.100.7 (c6.33.64.07) for each prefix length
NSP_V6 = {
    32: "2001:db8:c633:6407::",
    40: "2001:db8:1c6:3364:7::",
    48: "2001:db8:122:c633:64:700::",
    56: "2001:db8:122:3c6:33:6407::",
    64: "2001:db8:122:344:c6:3364:700:0",
    96: "2001:db8:1:2:3:4:c633:6407",
}


def gen_rfc6052():
    D = "rfc6052"
    data = pay(24)
    for plen, (cf, p, img) in sorted(NSP.items()):
        assert pfx(a6(embed(pfx(p), plen, H4))) == pfx(img)
        assert pfx(a6(embed(pfx(p), plen, V6))) == pfx(NSP_V6[plen])
        v6 = NSP_V6[plen]
        # 4to6: IPv4 host 192.0.2.33 -> IPv6 host 198.51.100.7
        fwd(D, "nsp%d-4to6" % plen, "RFC 6052 §2.2",
            "/%d prefix: both IPv4 addresses embedded at the /%d positions "
            "(u-octet zero)" % (plen, plen),
            ip4(H4, V6, 17, udp4(H4, V6, 5000, 53, data), id=0x100),
            ip6(img, v6, 17, udp6(img, v6, 5000, 53, data), hlim=63),
            config=cf)
        fwd(D, "nsp%d-6to4" % plen, "RFC 6052 §2.2",
            "/%d prefix: IPv4 addresses extracted from the /%d positions"
            % (plen, plen),
            ip6(v6, img, 17, udp6(v6, img, 53, 5000, data)),
            ip4(V6, H4, 17, udp4(V6, H4, 53, 5000, data), ttl=63,
                id=IDSEED), config=cf, dir="6to4")
        if plen == 96:
            continue
        pos3 = {32: 7, 40: 9, 48: 10, 56: 11, 64: 12}[plen]
        good_d = embed(pfx(p), plen, H4)
        good_s = embed(pfx(p), plen, V6)
        for which in ("dst", "src"):
            for bad in ("u-octet", "suffix"):
                a = bytearray(good_d if which == "dst" else good_s)
                if bad == "u-octet":
                    a[8] = 0x01
                else:
                    assert pos3 < 15
                    a[15] = 0x01
                s, dd = (v6, a6(a)) if which == "dst" else (a6(a), img)
                drop(D, "nsp%d-6to4-%s-%s" % (plen, which, bad),
                     "RFC 6052 §2.2",
                     "/%d: %s inside pool6 with a non-zero %s is not "
                     "translated" % (plen, which, bad),
                     ip6(s, dd, 17, udp6(s, dd, 53, 5000, data)),
                     "rfc6052-suffix", config=cf, dir="6to4")
    # /32 non-global IPv4 addresses are fine with a network-specific prefix
    fwd(D, "nsp32-nonglobal-ok-4to6", "RFC 6052 §3.1",
        "the non-global check is for the WKP only: 10.1.2.3 translated with "
        "a /32 NSP",
        ip4("10.1.2.3", V6, 17, udp4("10.1.2.3", V6, 5000, 53, data)),
        ip6("2001:db8:a01:203::", NSP_V6[32], 17,
            udp6("2001:db8:a01:203::", NSP_V6[32], 5000, 53, data), hlim=63),
        config="nsp32")
    fwd(D, "nsp32-nonglobal-ok-6to4", "RFC 6052 §3.1",
        "the non-global check is for the WKP only: 2001:db8:c0a8:101:: -> "
        "192.168.1.1 with a /32 NSP",
        ip6(NSP_V6[32], "2001:db8:c0a8:101::", 17,
            udp6(NSP_V6[32], "2001:db8:c0a8:101::", 53, 5000, data)),
        ip4(V6, "192.168.1.1", 17, udp4(V6, "192.168.1.1", 53, 5000, data),
            ttl=63, id=IDSEED), config="nsp32", dir="6to4")

    # Well-Known Prefix with non-global addresses
    ng = [("10.1.2.3", "10-8"), ("100.64.0.1", "100-64-10"),
          ("172.16.5.5", "172-16-12"), ("192.0.0.9", "192-0-0-24"),
          ("192.168.1.1", "192-168-16"), ("198.18.0.1", "198-18-15"),
          ("240.0.0.1", "240-4")]
    for a, tag in ng:
        drop(D, "wkp-nonglobal-4to6-dst-%s" % tag, "RFC 6052 §3.1",
             "WKP: IPv4 destination %s is non-global, not translated" % a,
             ip4(H4, a, 17, udp4(H4, a, 5000, 53, data)), "wkp-non-global")
        drop(D, "wkp-nonglobal-6to4-dst-%s" % tag, "RFC 6052 §3.1",
             "WKP: destination 64:ff9b::%s is non-global, not translated" % a,
             ip6(V6_6, "64:ff9b::" + a, 17,
                 udp6(V6_6, "64:ff9b::" + a, 53, 5000, data)),
             "wkp-non-global", dir="6to4")
    for a, tag in ng[:3]:
        drop(D, "wkp-nonglobal-4to6-src-%s" % tag, "RFC 6052 §3.1",
             "WKP: IPv4 source %s is non-global, not translated" % a,
             ip4(a, V6, 17, udp4(a, V6, 5000, 53, data)), "wkp-non-global")
        drop(D, "wkp-nonglobal-6to4-src-%s" % tag, "RFC 6052 §3.1",
             "WKP: source 64:ff9b::%s is non-global, not translated" % a,
             ip6("64:ff9b::" + a, H4_6, 17,
                 udp6("64:ff9b::" + a, H4_6, 53, 5000, data)),
             "wkp-non-global", dir="6to4")
    # documentation ranges allowed
    for a, img in [("203.0.113.5", "64:ff9b::cb00:7105"),
                   ("198.51.100.200", "64:ff9b::c633:64c8"),
                   ("192.0.2.250", "64:ff9b::c000:2fa")]:
        fwd(D, "wkp-docrange-4to6-%s" % a.replace(".", "-"),
            "RFC 6052 §3.1, §2.4",
            "WKP: documentation address %s is translated" % a,
            ip4(a, V6, 17, udp4(a, V6, 5000, 53, data)),
            ip6(img, V6_6, 17, udp6(img, V6_6, 5000, 53, data), hlim=63))
        fwd(D, "wkp-docrange-6to4-%s" % a.replace(".", "-"),
            "RFC 6052 §3.1, §2.4",
            "WKP: documentation address 64:ff9b::%s is translated" % a,
            ip6(V6_6, img, 17, udp6(V6_6, img, 53, 5000, data)),
            ip4(V6, a, 17, udp4(V6, a, 53, 5000, data), ttl=63, id=IDSEED),
            dir="6to4")
    # EAM entries escape the WKP check
    fwd(D, "wkp-check-not-for-eam-4to6", "RFC 6052 §3.1, RFC 7757",
        "EAM 10.1.1.0/24 beside the WKP: 10.1.1.5 translated through the EAM",
        ip4(H4, "10.1.1.5", 17, udp4(H4, "10.1.1.5", 5000, 53, data)),
        ip6(H4_6, "2001:db8:e::5", 17,
            udp6(H4_6, "2001:db8:e::5", 5000, 53, data), hlim=63),
        config="eam-private")
    fwd(D, "wkp-check-not-for-eam-6to4", "RFC 6052 §3.1, RFC 7757",
        "EAM 10.1.1.0/24 beside the WKP: source 2001:db8:e::5 -> 10.1.1.5",
        ip6("2001:db8:e::5", H4_6, 17,
            udp6("2001:db8:e::5", H4_6, 53, 5000, data)),
        ip4("10.1.1.5", H4, 17, udp4("10.1.1.5", H4, 53, 5000, data),
            ttl=63, id=IDSEED), config="eam-private", dir="6to4")

    # reserved IPv4 addresses, both sides, source and destination
    res = [("0.1.2.3", "0-8"), ("127.0.0.1", "127-8"),
           ("169.254.1.1", "169-254-16"), ("224.0.0.5", "224-4"),
           ("239.1.2.3", "239")]
    for a, tag in res:
        drop(D, "reserved-4to6-dst-%s" % tag, "RFC 6890 (design)",
             "IPv4 destination %s is never translated" % a,
             ip4(H4, a, 17, udp4(H4, a, 5000, 53, data)), "addr-reserved")
        drop(D, "reserved-6to4-dst-%s" % tag, "RFC 6890 (design)",
             "destination 64:ff9b::%s (reserved IPv4) is never translated" % a,
             ip6(V6_6, "64:ff9b::" + a, 17,
                 udp6(V6_6, "64:ff9b::" + a, 53, 5000, data)),
             "addr-reserved", dir="6to4")
    for a, tag in res[:3]:
        drop(D, "reserved-4to6-src-%s" % tag, "RFC 6890 (design)",
             "IPv4 source %s is never translated" % a,
             ip4(a, V6, 17, udp4(a, V6, 5000, 53, data)), "addr-reserved")
        drop(D, "reserved-6to4-src-%s" % tag, "RFC 6890 (design)",
             "source 64:ff9b::%s (reserved IPv4) is never translated" % a,
             ip6("64:ff9b::" + a, H4_6, 17,
                 udp6("64:ff9b::" + a, H4_6, 53, 5000, data)),
             "addr-reserved", dir="6to4")
    # broadcast with a NSP (under the WKP it would also be 240/4)
    drop(D, "reserved-4to6-dst-broadcast", "RFC 6890 (design)",
         "255.255.255.255 is never translated (/32 NSP)",
         ip4(H4, "255.255.255.255", 17,
             udp4(H4, "255.255.255.255", 5000, 53, data)),
         "addr-reserved", config="nsp32")
    drop(D, "reserved-6to4-dst-broadcast", "RFC 6890 (design)",
         "2001:db8:ffff:ffff:: (255.255.255.255) is never translated",
         ip6(NSP_V6[32], "2001:db8:ffff:ffff::", 17,
             udp6(NSP_V6[32], "2001:db8:ffff:ffff::", 53, 5000, data)),
         "addr-reserved", config="nsp32", dir="6to4")
    drop(D, "reserved-6to4-src-multicast-nsp64", "RFC 6890 (design)",
         "source 224.0.0.1 embedded in a /64 NSP is never translated",
         ip6(a6(embed(pfx("2001:db8:122:344::"), 64, "224.0.0.1")),
             NSP[64][2], 17,
             udp6(a6(embed(pfx("2001:db8:122:344::"), 64, "224.0.0.1")),
                  NSP[64][2], 53, 5000, data)),
         "addr-reserved", config="nsp64", dir="6to4")


# ---------------------------------------------------------------- RFC 7915
def gen_rfc7915_basic():
    D = "rfc7915"
    data = pay(32)
    # UDP, TCP, other protocols
    fwd(D, "4to6-udp", "RFC 7915 §4.1, §4.5",
        "UDP: IPv6 header from the IPv4 one, hop limit TTL-1, checksum "
        "updated for the pseudo-header",
        ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data), id=0x1234,
            flags="DF"),
        ip6(H4_6, V6_6, 17, udp6(H4_6, V6_6, 40000, 53, data), hlim=63))
    fwd(D, "6to4-udp", "RFC 7915 §5.1, §5.5",
        "UDP: IPv4 header from the IPv6 one, ID from id-seed, DF=0 (<=1260)",
        ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 53, 40000, data)),
        ip4(V6, H4, 17, udp4(V6, H4, 53, 40000, data), ttl=63, id=IDSEED),
        dir="6to4")
    fwd(D, "4to6-tcp-syn", "RFC 7915 §4.5",
        "TCP SYN with MSS option: checksum updated, options untouched",
        ip4(H4, V6, 6, tcp4(H4, V6, 40001, 80, opts=[("MSS", 1460)]),
            id=7, flags="DF"),
        ip6(H4_6, V6_6, 6, tcp6(H4_6, V6_6, 40001, 80, opts=[("MSS", 1460)]),
            hlim=63))
    fwd(D, "6to4-tcp-data", "RFC 7915 §5.5",
        "TCP segment with data: checksum updated",
        ip6(V6_6, H4_6, 6, tcp6(V6_6, H4_6, 80, 40001, data, flags="PA",
                                seq=5000, ack=1001)),
        ip4(V6, H4, 6, tcp4(V6, H4, 80, 40001, data, flags="PA", seq=5000,
                            ack=1001), ttl=63, id=IDSEED), dir="6to4")
    fwd(D, "4to6-other-proto", "RFC 7915 §4.5",
        "protocol 253: translated with the payload unchanged",
        ip4(H4, V6, 253, data, id=9),
        ip6(H4_6, V6_6, 253, data, hlim=63))
    fwd(D, "6to4-other-proto", "RFC 7915 §5.1",
        "next header 253: copied to the protocol field, payload unchanged",
        ip6(V6_6, H4_6, 253, data),
        ip4(V6, H4, 253, data, ttl=63, id=IDSEED), dir="6to4")
    # UDP checksum zero
    fwd(D, "4to6-udp-zero-csum-compute", "RFC 7915 §4.5",
        "UDP checksum 0, udp-zero-checksum compute: computed over the IPv6 "
        "pseudo-header",
        ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data, csum=0), id=3),
        ip6(H4_6, V6_6, 17, udp6(H4_6, V6_6, 40000, 53, data), hlim=63))
    drop(D, "4to6-udp-zero-csum-drop", "RFC 7915 §4.5",
         "UDP checksum 0, udp-zero-checksum drop: dropped",
         ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data, csum=0), id=3),
         "udp-zero-checksum", sets=["udp-zero-checksum drop"])
    full = udp4(H4, V6, 40000, 53, pay(200), csum=0)
    drop(D, "4to6-udp-zero-csum-fragment", "RFC 7915 §4.5",
         "first fragment of a UDP datagram with checksum 0: dropped",
         ip4(H4, V6, 17, full[:104], id=0x77, flags="MF"),
         "udp-zero-checksum-fragment")
    # 6to4: UDP checksum that becomes 0 is sent as 0xffff
    d2 = data[:30] + b"\0\0"
    u0 = udp4(V6, H4, 53, 40000, d2, csum=0)
    for x in range(65536):
        u = u0[:-2] + struct.pack("!H", x)
        d2 = u[8:]
        # checksum over pseudo-header + segment (field 0) comes out as 0
        if in4sum(V6, H4, u) == 0:
            break
    else:
        raise SystemExit("no zero-checksum payload")
    out_u = u[:6] + b"\xff\xff" + u[8:]
    fwd(D, "6to4-udp-csum-becomes-zero", "RFC 7915 §5.5, RFC 768",
        "UDP checksum that becomes 0 after translation is sent as 0xffff",
        ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 53, 40000, d2)),
        ip4(V6, H4, 17, out_u, ttl=63, id=IDSEED), dir="6to4")

    # traffic class / TOS
    fwd(D, "4to6-tos-copied", "RFC 7915 §4.1",
        "traffic class = TOS (0xb9)",
        ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data), tos=0xb9, id=1),
        ip6(H4_6, V6_6, 17, udp6(H4_6, V6_6, 40000, 53, data), hlim=63,
            tc=0xb9))
    fwd(D, "4to6-reset-traffic-class", "RFC 7915 §4.1",
        "reset-traffic-class on: traffic class 0 whatever the TOS",
        ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data), tos=0xb9, id=1),
        ip6(H4_6, V6_6, 17, udp6(H4_6, V6_6, 40000, 53, data), hlim=63),
        sets=["reset-traffic-class on"])
    fwd(D, "6to4-tc-copied", "RFC 7915 §5.1",
        "TOS = traffic class (0x2a); flow label dropped",
        ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 53, 40000, data), tc=0x2a,
            fl=0xabcde),
        ip4(V6, H4, 17, udp4(V6, H4, 53, 40000, data), ttl=63, tos=0x2a,
            id=IDSEED), dir="6to4")
    fwd(D, "6to4-reset-tos", "RFC 7915 §5.1",
        "reset-tos on, new-tos 32: TOS 32 whatever the traffic class",
        ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 53, 40000, data), tc=0x2a),
        ip4(V6, H4, 17, udp4(V6, H4, 53, 40000, data), ttl=63, tos=32,
            id=IDSEED), dir="6to4", sets=["reset-tos on", "new-tos 32"])

    # TTL / hop limit
    fwd(D, "4to6-ttl2", "RFC 7915 §4.1", "TTL 2 -> hop limit 1",
        ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data), ttl=2, id=1),
        ip6(H4_6, V6_6, 17, udp6(H4_6, V6_6, 40000, 53, data), hlim=1))
    fwd(D, "6to4-hlim2", "RFC 7915 §5.1", "hop limit 2 -> TTL 1",
        ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 53, 40000, data), hlim=2),
        ip4(V6, H4, 17, udp4(V6, H4, 53, 40000, data), ttl=1, id=IDSEED),
        dir="6to4")
    for ttl in (1, 0):
        p = ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data), ttl=ttl, id=1)
        icmp(D, "4to6-ttl%d-time-exceeded" % ttl, "RFC 7915 §4.1, §4.4",
             "TTL %d: ICMPv4 11/0 from the RFC 6791 pool, packet quoted" % ttl,
             p, "ttl-expired", gen_err4(H4, 11, 0, rest_unused(), p))
        p = ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 53, 40000, data), hlim=ttl)
        icmp(D, "6to4-hlim%d-time-exceeded" % ttl, "RFC 7915 §5.1, §5.4",
             "hop limit %d: ICMPv6 3/0 from icmp6-source, packet quoted" % ttl,
             p, "ttl-expired", gen_err6(V6_6, 3, 0, rest_unused(), p),
             dir="6to4")
    p = ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, pay(1000)), ttl=1, id=1)
    icmp(D, "4to6-ttl1-time-exceeded-576", "RFC 7915 §4.4, RFC 1812 §4.3.2.3",
         "TTL 1 on a 1028-byte packet: the ICMPv4 error is cut to 576 bytes",
         p, "ttl-expired", gen_err4(H4, 11, 0, rest_unused(), p))
    p = ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 53, 40000, pay(1400)), hlim=1)
    icmp(D, "6to4-hlim1-time-exceeded-1280", "RFC 7915 §5.4, RFC 4443 §2.4",
         "hop limit 1 on a 1448-byte packet: the ICMPv6 error is cut to 1280",
         p, "ttl-expired", gen_err6(V6_6, 3, 0, rest_unused(), p), dir="6to4")
    p = ip4(R4, V6, 1, icmp4(3, 1, rest_unused(),
                             ip4(V6, H4, 17, udp4(V6, H4, 1, 2, data),
                                 id=5)[:28]), ttl=1)
    drop(D, "4to6-ttl1-icmp-error-no-reply", "RFC 7915 §4.4, RFC 1812",
         "TTL 1 on an ICMPv4 error: dropped, no error about an error", p,
         "ttl-expired")
    inner = ip6(H4_6, V6_6, 17, udp6(H4_6, V6_6, 1, 2, data))
    p = ip6(R6, H4_6, 58, icmp6(R6, H4_6, 1, 0, rest_unused(), inner), hlim=1)
    drop(D, "6to4-hlim1-icmp-error-no-reply", "RFC 7915 §5.4, RFC 4443 §2.4",
         "hop limit 1 on an ICMPv6 error: dropped, no error about an error",
         p, "ttl-expired", dir="6to4")
    # icmp-errors off
    p = ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data), ttl=1, id=1)
    drop(D, "4to6-ttl1-icmp-errors-off", "RFC 7915 §4.4",
         "TTL 1 with icmp-errors off: dropped", p, "icmp-errors-off",
         sets=["icmp-errors off"])
    p = ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 53, 40000, data), hlim=1)
    drop(D, "6to4-hlim1-icmp-errors-off", "RFC 7915 §5.4",
         "hop limit 1 with icmp-errors off: dropped", p, "icmp-errors-off",
         sets=["icmp-errors off"], dir="6to4")
    p = ip4(H4, V6, 17, udp4(H4, V6, 1, 2, pay(1480)), flags="DF", id=1)
    drop(D, "4to6-too-big-icmp-errors-off", "RFC 7915 §4.4",
         "DF packet too big with icmp-errors off: dropped", p,
         "icmp-errors-off", sets=["icmp-errors off"])
    p = ip6(V6_6, H4_6, 43, rthdr(17, 1) + udp6(V6_6, H4_6, 1, 2, data))
    drop(D, "6to4-routing-hdr-icmp-errors-off", "RFC 7915 §5.4",
         "routing header segments left 1 with icmp-errors off: dropped", p,
         "icmp-errors-off", sets=["icmp-errors off"], dir="6to4")
    inner4 = ip4(V6, H4, 17, udp4(V6, H4, 40000, 53, data), id=IDSEED)
    inner6 = ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 40000, 53, data))
    fwd(D, "4to6-icmp-error-translated-icmp-errors-off", "RFC 7915 §4.3",
        "icmp-errors off only stops generated errors: a 3/3 is translated",
        ip4(R4, V6, 1, icmp4(3, 3, rest_unused(), inner4), id=1),
        ip6(R4_6, V6_6, 58, icmp6(R4_6, V6_6, 1, 4, rest_unused(), inner6),
            hlim=63), sets=["icmp-errors off"])

    # IPv4 options
    for opt, tag, what in [
            (b"\x94\x04\x00\x00", "router-alert", "router alert"),
            (b"\x01\x01\x01\x00", "nop-eol", "NOP NOP NOP EOL"),
            (b"\x07\x07\x04\x00\x00\x00\x00\x00", "record-route",
             "record route"),
            (b"\x83\x07\x08\xc0\x00\x02\x63\x00", "lsrr-expired",
             "expired LSRR (pointer 8 > length 7)"),
            (b"\x89\x07\x08\xc0\x00\x02\x63\x00", "ssrr-expired",
             "expired SSRR (pointer 8 > length 7)")]:
        fwd(D, "4to6-options-%s" % tag, "RFC 7915 §4.1",
            "IPv4 option %s ignored; payload length excludes it" % what,
            ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data), id=2,
                options=opt),
            ip6(H4_6, V6_6, 17, udp6(H4_6, V6_6, 40000, 53, data), hlim=63))
    for t, tag in [(0x83, "lsrr"), (0x89, "ssrr")]:
        p = ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data), id=2,
                options=bytes([t, 7, 4, 0xc0, 0, 2, 0x63, 0]))
        icmp(D, "4to6-%s-unexpired" % tag, "RFC 7915 §4.1, §4.4",
             "unexpired %s: not translated, ICMPv4 3/5 source route failed"
             % tag.upper(), p, "source-route",
             gen_err4(H4, 3, 5, rest_unused(), p))

    # IPv6 extension headers
    u = udp6(V6_6, H4_6, 53, 40000, data)
    u4 = udp4(V6, H4, 53, 40000, data)
    out = ip4(V6, H4, 17, u4, ttl=63, id=IDSEED)
    fwd(D, "6to4-hop-by-hop", "RFC 7915 §5.1",
        "hop-by-hop options header skipped; total length excludes it",
        ip6(V6_6, H4_6, 0, hbh(17) + u), out, dir="6to4")
    fwd(D, "6to4-dest-opts", "RFC 7915 §5.1",
        "destination options header skipped",
        ip6(V6_6, H4_6, 60, dstopt(17) + u), out, dir="6to4")
    fwd(D, "6to4-routing-segleft0", "RFC 7915 §5.1",
        "routing header with segments left 0 skipped",
        ip6(V6_6, H4_6, 43, rthdr(17, 0) + u), out, dir="6to4")
    fwd(D, "6to4-hbh-dst-rt-dst", "RFC 7915 §5.1",
        "hop-by-hop, dest opts, routing (segs left 0), dest opts: all skipped",
        ip6(V6_6, H4_6, 0, hbh(60) + dstopt(43) + rthdr(60, 0) + dstopt(17)
            + u), out, dir="6to4")
    chain = hbh(60) + b"".join(dstopt(60) for _ in range(6)) + dstopt(17)
    fwd(D, "6to4-ext-8-headers", "RFC 7915 §5.1",
        "8 extension headers (the maximum): translated",
        ip6(V6_6, H4_6, 0, chain + u), out, dir="6to4")
    chain = hbh(60) + b"".join(dstopt(60) for _ in range(7)) + dstopt(17)
    drop(D, "6to4-ext-9-headers", "RFC 7915 §5.1",
         "9 extension headers: dropped", ip6(V6_6, H4_6, 0, chain + u),
         "ext-header-chain", dir="6to4")
    drop(D, "6to4-hbh-not-first", "RFC 8200 §4.1, RFC 7915 §5.1",
         "hop-by-hop header after a destination options header: dropped",
         ip6(V6_6, H4_6, 60, dstopt(0) + hbh(17) + u), "ext-header-chain",
         dir="6to4")
    p = ip6(V6_6, H4_6, 43, rthdr(17, 1) + u)
    icmp(D, "6to4-routing-segleft1", "RFC 7915 §5.1, §5.4",
         "routing header segments left 1: ICMPv6 4/0 pointer 43",
         p, "routing-header", gen_err6(V6_6, 4, 0, r32(43), p), dir="6to4")
    p = ip6(V6_6, H4_6, 0, hbh(43) + rthdr(17, 2) + u)
    icmp(D, "6to4-hbh-routing-segleft2", "RFC 7915 §5.1, §5.4",
         "hop-by-hop then routing header segments left 2: ICMPv6 4/0 "
         "pointer 51", p, "routing-header",
         gen_err6(V6_6, 4, 0, r32(51), p), dir="6to4")

    # ICMP echo
    for t4, t6, nm in [(8, 128, "request"), (0, 129, "reply")]:
        fwd(D, "4to6-echo-%s" % nm, "RFC 7915 §4.2",
            "ICMPv4 echo %s %d -> ICMPv6 %d, id/seq/data kept, checksum "
            "computed" % (nm, t4, t6),
            ip4(H4, V6, 1, echo4(t4, 0x4242, 7, data), id=11),
            ip6(H4_6, V6_6, 58, echo6(H4_6, V6_6, t6, 0x4242, 7, data),
                hlim=63))
        fwd(D, "6to4-echo-%s" % nm, "RFC 7915 §5.2",
            "ICMPv6 echo %s %d -> ICMPv4 %d" % (nm, t6, t4),
            ip6(V6_6, H4_6, 58, echo6(V6_6, H4_6, t6, 0x4242, 7, data)),
            ip4(V6, H4, 1, echo4(t4, 0x4242, 7, data), ttl=63, id=IDSEED),
            dir="6to4")
    # ICMP fragments
    drop(D, "4to6-icmp-fragmented-first", "RFC 7915 §4.2 (checksum)",
         "first fragment of an ICMPv4 echo: dropped",
         ip4(H4, V6, 1, echo4(8, 1, 1, pay(200))[:104], id=12, flags="MF"),
         "icmp-fragmented")
    drop(D, "4to6-icmp-fragmented-last", "RFC 7915 §4.2 (checksum)",
         "last fragment of an ICMPv4 echo: dropped",
         ip4(H4, V6, 1, pay(104), id=12, frag=13), "icmp-fragmented")
    e = echo6(V6_6, H4_6, 128, 1, 1, pay(200))
    drop(D, "6to4-icmp-fragmented", "RFC 7915 §5.2 (checksum)",
         "first fragment of an ICMPv6 echo: dropped",
         ip6(V6_6, H4_6, 44, frag6(58, 0, 1, 0x99) + e[:104]),
         "icmp-fragmented", dir="6to4")

    # addresses not ours / untranslatable
    case(D, "6to4-dst-not-ours", "RFC 7915 §5",
         "destination outside pool6 and EAM: pass to the host",
         ip6(V6_6, "2001:db8:99::1", 17,
             udp6(V6_6, "2001:db8:99::1", 53, 40000, data)),
         "pass", "dst-not-ours", dir="6to4")
    drop(D, "6to4-src-untranslatable", "RFC 7915 §5.1",
         "source outside pool6 and EAM: dropped",
         ip6("2001:db8:99::1", H4_6, 17,
             udp6("2001:db8:99::1", H4_6, 53, 40000, data)),
         "src-untranslatable", dir="6to4")
    drop(D, "6to4-echo-src-untranslatable", "RFC 7915 §5.1, RFC 6791",
         "ICMPv6 echo (not an error) from outside pool6: dropped, no RFC "
         "6791 source", ip6("2001:db8:99::1", H4_6, 58,
                            echo6("2001:db8:99::1", H4_6, 128, 1, 1, data)),
         "src-untranslatable", dir="6to4")
    case(D, "4to6-no-pool6-dst-not-ours", "RFC 7915 §4",
         "no pool6, destination in no EAM entry: pass",
         ip4("192.0.2.1", "203.0.113.9", 17,
             udp4("192.0.2.1", "203.0.113.9", 1, 2, data)),
         "pass", "dst-not-ours", config="eam-only")
    drop(D, "4to6-no-pool6-src-untranslatable", "RFC 7915 §4",
         "no pool6, source in no EAM entry: dropped",
         ip4("203.0.113.9", "192.0.2.1", 17,
             udp4("203.0.113.9", "192.0.2.1", 1, 2, data)),
         "src-untranslatable", config="eam-only")
    fwd(D, "4to6-no-pool6-eam-both", "RFC 7915 §4, RFC 7757 §3.3",
        "no pool6, both addresses in EAM entries: translated",
        ip4("198.51.100.7", "192.0.2.1", 17,
            udp4("198.51.100.7", "192.0.2.1", 1, 2, data)),
        ip6("2001:db8:c::7", "2001:db8:a::1", 17,
            udp6("2001:db8:c::7", "2001:db8:a::1", 1, 2, data), hlim=63),
        config="eam-only")


def in4sum(src, dst, seg):
    """One's complement checksum over the IPv4 pseudo-header + segment
    (checksum field zero)."""
    import socket
    ph = (socket.inet_aton(src) + socket.inet_aton(dst) +
          struct.pack("!BBH", 0, 17, len(seg)))
    return checksum(ph + seg)


def gen_fragments_and_size():
    D = "rfc7915"
    big = pay(1000, 1)
    # --- 4to6 fragments of a 1008-byte UDP datagram (512 + 496)
    u4 = udp4(H4, V6, 40000, 53, big)
    u6 = udp6(H4_6, V6_6, 40000, 53, big)
    parts = [(0, 1, u4[:256], u6[:256]), (32, 1, u4[256:512], u6[256:512]),
             (64, 0, u4[512:], u6[512:])]
    for (off, mf, p4, p6), nm in zip(parts, ("first", "middle", "last")):
        fwd(D, "4to6-fragment-%s" % nm, "RFC 7915 §4.1",
            "%s fragment: Fragment header, offset %d, M %d, ID 0x0000abcd%s"
            % (nm, off, mf, ", UDP checksum updated" if off == 0 else ""),
            ip4(H4, V6, 17, p4, id=0xabcd, flags="MF" if mf else 0, frag=off),
            ip6(H4_6, V6_6, 44, frag6(17, off, mf, 0xabcd) + p6, hlim=63))
    t4 = tcp4(H4, V6, 40001, 80, big, flags="PA")
    t6 = tcp6(H4_6, V6_6, 40001, 80, big, flags="PA")
    fwd(D, "4to6-fragment-first-tcp", "RFC 7915 §4.1, §4.5",
        "first fragment of a TCP segment: checksum updated, Fragment header",
        ip4(H4, V6, 6, t4[:400], id=0xfffe, flags="MF"),
        ip6(H4_6, V6_6, 44, frag6(6, 0, 1, 0xfffe) + t6[:400], hlim=63))
    # --- 6to4 fragments
    u6b = udp6(V6_6, H4_6, 53, 40000, big)
    u4b = udp4(V6, H4, 53, 40000, big)
    parts = [(0, 1, u6b[:512], u4b[:512]), (64, 1, u6b[512:768],
                                             u4b[512:768]),
             (96, 0, u6b[768:], u4b[768:])]
    for (off, mf, p6, p4), nm in zip(parts, ("first", "middle", "last")):
        fwd(D, "6to4-fragment-%s" % nm, "RFC 7915 §5.1, §5.1.1",
            "%s fragment: IPv4 ID = low 16 bits of 0x12345678, MF %d, "
            "offset %d, DF 0" % (nm, mf, off),
            ip6(V6_6, H4_6, 44, frag6(17, off, mf, 0x12345678) + p6),
            ip4(V6, H4, 17, p4, ttl=63, id=0x5678, flags="MF" if mf else 0,
                frag=off), dir="6to4")
    big2 = pay(1400, 2)
    u6c = udp6(V6_6, H4_6, 53, 40000, big2)
    u4c = udp4(V6, H4, 53, 40000, big2)
    fwd(D, "6to4-fragment-large-df0", "RFC 7915 §5.1.1",
        "1344-byte first fragment: IPv4 1316 bytes, DF 0 despite > 1260",
        ip6(V6_6, H4_6, 44, frag6(17, 0, 1, 0x42) + u6c[:1296]),
        ip4(V6, H4, 17, u4c[:1304 - 8], ttl=63, id=0x42, flags="MF"),
        dir="6to4")

    # --- 6to4 DF rule
    for n, df in [(1232, 0), (1233, 1), (1000, 0), (1400, 1)]:
        # IPv4 length = 20 + 8 + n
        d = pay(n, 3)
        fwd(D, "6to4-df-rule-%d" % (28 + n), "RFC 7915 §5.1",
            "unfragmented: IPv4 %d bytes -> DF %d, ID from id-seed"
            % (28 + n, df),
            ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 53, 40000, d)),
            ip4(V6, H4, 17, udp4(V6, H4, 53, 40000, d), ttl=63, id=IDSEED,
                flags="DF" if df else 0), dir="6to4")

    # --- 4to6 DF=1 too big
    p = ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, pay(1453)), id=21,
            flags="DF")     # 1481 bytes -> IPv6 1501
    icmp(D, "4to6-df-too-big", "RFC 7915 §4.1, §4.4",
         "DF, IPv6 packet 1501 > ipv6-mtu 1500: ICMPv4 3/4, MTU 1480",
         p, "too-big", gen_err4(H4, 3, 4, rest_mtu4(1480), p))
    p = ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, pay(1452)), id=21,
            flags="DF")     # 1480 -> 1500: fits
    fwd(D, "4to6-df-fits-1500", "RFC 7915 §4.1",
        "DF, IPv6 packet exactly ipv6-mtu 1500: forwarded, no Fragment header",
        p, ip6(H4_6, V6_6, 17, udp6(H4_6, V6_6, 40000, 53, pay(1452)),
               hlim=63))
    p = ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, pay(1372)), id=21,
            flags="DF")     # 1400 -> 1420
    icmp(D, "4to6-df-too-big-ipv6-mtu-1400", "RFC 7915 §4.1, §4.4",
         "ipv6-mtu 1400, DF packet 1400 -> 1420: ICMPv4 3/4, MTU 1380",
         p, "too-big", gen_err4(H4, 3, 4, rest_mtu4(1380), p),
         sets=["ipv6-mtu 1400"])
    p = ip4(H4, V6, 17, pay(1480), id=21, flags="DF", frag=100)
    icmp(D, "4to6-df-too-big-fragment", "RFC 7915 §4.1, §4.4",
         "DF last fragment 1500 -> 1528 with Fragment header: 3/4, MTU 1472",
         p, "too-big", gen_err4(H4, 3, 4, rest_mtu4(1472), p))

    # --- 4to6 DF=0 larger than lowest-ipv6-mtu: fragment
    d = pay(1372, 4)   # UDP 1380, IPv4 1400, IPv6 1420
    u4 = udp4(H4, V6, 40000, 53, d)
    u6 = udp6(H4_6, V6_6, 40000, 53, d)
    case(D, "4to6-df0-fragment-1280", "RFC 7915 §4.1",
         "DF 0, IPv6 1420 > lowest-ipv6-mtu 1280: two fragments of <= 1280",
         ip4(H4, V6, 17, u4, id=0x1111),
         "fragment", "none",
         [ip6(H4_6, V6_6, 44, frag6(17, 0, 1, 0x1111) + u6[:1232], hlim=63),
          ip6(H4_6, V6_6, 44, frag6(17, 154, 0, 0x1111) + u6[1232:],
              hlim=63)])
    d = pay(1472, 5)   # UDP 1480, IPv4 1500
    u4 = udp4(H4, V6, 40000, 53, d)
    u6 = udp6(H4_6, V6_6, 40000, 53, d)
    case(D, "4to6-df0-fragment-1400", "RFC 7915 §4.1",
         "lowest-ipv6-mtu 1400, DF 0 IPv4 1500: fragments of 1352+128 bytes",
         ip4(H4, V6, 17, u4, id=0x2222),
         "fragment", "none",
         [ip6(H4_6, V6_6, 44, frag6(17, 0, 1, 0x2222) + u6[:1352], hlim=63),
          ip6(H4_6, V6_6, 44, frag6(17, 169, 0, 0x2222) + u6[1352:],
              hlim=63)], sets=["lowest-ipv6-mtu 1400"])
    d = pay(3000, 6)
    u4 = udp4(H4, V6, 40000, 53, d)
    u6 = udp6(H4_6, V6_6, 40000, 53, d)
    case(D, "4to6-df0-fragment-of-first-fragment", "RFC 7915 §4.1",
         "IPv4 first fragment (MF 1) of 1400 bytes: both IPv6 fragments M 1",
         ip4(H4, V6, 17, u4[:1380], id=0x3333, flags="MF"),
         "fragment", "none",
         [ip6(H4_6, V6_6, 44, frag6(17, 0, 1, 0x3333) + u6[:1232], hlim=63),
          ip6(H4_6, V6_6, 44, frag6(17, 154, 1, 0x3333) + u6[1232:1380],
              hlim=63)])
    d = pay(1380, 7)
    case(D, "4to6-df0-fragment-of-last-fragment", "RFC 7915 §4.1",
         "IPv4 last fragment at offset 185: IPv6 fragments at 185 and 339",
         ip4(H4, V6, 17, d, id=0x4444, frag=185),
         "fragment", "none",
         [ip6(H4_6, V6_6, 44, frag6(17, 185, 1, 0x4444) + d[:1232], hlim=63),
          ip6(H4_6, V6_6, 44, frag6(17, 339, 0, 0x4444) + d[1232:],
              hlim=63)])

    # --- 6to4 too big for ipv4-mtu
    p = ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 53, 40000, pay(1292)))
    icmp(D, "6to4-too-big-ipv4-mtu-1300", "RFC 7915 §5.1, §5.4",
         "ipv4-mtu 1300, IPv4 packet 1320: ICMPv6 2/0 MTU 1320",
         p, "too-big", gen_err6(V6_6, 2, 0, r32(1320), p), dir="6to4",
         sets=["ipv4-mtu 1300"])
    p = ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 53, 40000, pay(1473)))
    icmp(D, "6to4-too-big-ipv4-mtu-1500", "RFC 7915 §5.1, §5.4",
         "IPv4 packet 1501 > ipv4-mtu 1500: ICMPv6 2/0 MTU 1520, quote cut "
         "to 1280", p, "too-big", gen_err6(V6_6, 2, 0, r32(1520), p),
         dir="6to4")
    p = ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 53, 40000, pay(1300)))
    icmp(D, "6to4-too-big-ipv4-mtu-1260", "RFC 7915 §5.1, §5.4",
         "ipv4-mtu 1260, IPv4 packet 1328: ICMPv6 2/0 MTU max(1280, 1280)",
         p, "too-big", gen_err6(V6_6, 2, 0, r32(1280), p), dir="6to4",
         sets=["ipv4-mtu 1260"])


# ICMP error tables -------------------------------------------------------
def inner_4to6(q4=None, proto=17, totlen_data=64, ttl=63, ident=IDSEED,
               dst4=H4, dst6=H4_6):
    """The packet the IPv6 host sent, as it left the translator towards the
    IPv4 side (inner of a 4to6 error), and its IPv6 original.  Both full;
    q4 = number of IPv4 bytes quoted (None: all)."""
    d = pay(totlen_data, 9)
    if proto == 17:
        l4, l6 = (udp4(V6, dst4, 40000, 53, d),
                  udp6(V6_6, dst6, 40000, 53, d))
    elif proto == 6:
        l4, l6 = (tcp4(V6, dst4, 40000, 80, d, flags="PA"),
                  tcp6(V6_6, dst6, 40000, 80, d, flags="PA"))
    else:
        l4, l6 = (echo4(8, 0x77, 3, d), echo6(V6_6, dst6, 128, 0x77, 3, d))
    i4 = ip4(V6, dst4, proto, l4, ttl=ttl, id=ident, flags=0)
    i6 = ip6(V6_6, dst6, 58 if proto == 1 else proto, l6, hlim=ttl)
    if q4 is not None:
        i4, i6 = i4[:q4], i6[:q4 + 20]
    return i4, i6


def err4in(t, c, rest, inner, src=R4, ttl=64, bad=False):
    return ip4(src, V6, 1, icmp4(t, c, rest, inner, bad_csum=bad), ttl=ttl,
               id=0x5151)


def err6out(t, c, rest, inner, src=R4_6, hlim=63):
    return ip6(src, V6_6, 58, icmp6(src, V6_6, t, c, rest, inner), hlim=hlim)


def gen_icmp_4to6():
    D = "rfc7915"
    i4, i6 = inner_4to6(q4=48)
    # 3/x rows
    rows = {0: (1, 0), 1: (1, 0), 3: (1, 4), 5: (1, 0), 6: (1, 0),
            7: (1, 0), 8: (1, 0), 11: (1, 0), 12: (1, 0), 9: (1, 1),
            10: (1, 1), 13: (1, 1), 15: (1, 1)}
    for c, (t6, c6) in sorted(rows.items()):
        fwd(D, "4to6-icmp-3-%d" % c, "RFC 7915 §4.2",
            "ICMPv4 3/%d -> ICMPv6 %d/%d, inner UDP header translated"
            % (c, t6, c6),
            err4in(3, c, rest_unused(), i4), err6out(t6, c6, rest_unused(),
                                                     i6))
    fwd(D, "4to6-icmp-3-2", "RFC 7915 §4.2",
        "ICMPv4 3/2 protocol unreachable -> ICMPv6 4/1 pointer 6",
        err4in(3, 2, rest_unused(), i4), err6out(4, 1, r32(6), i6))
    for c in (14, 16):
        drop(D, "4to6-icmp-3-%d" % c, "RFC 7915 §4.2",
             "ICMPv4 3/%d has no translation: dropped" % c,
             err4in(3, c, rest_unused(), i4), "icmp-untranslatable")
    for c in (0, 1):
        fwd(D, "4to6-icmp-11-%d" % c, "RFC 7915 §4.2",
            "ICMPv4 11/%d -> ICMPv6 3/%d" % (c, c),
            err4in(11, c, rest_unused(), i4), err6out(3, c, rest_unused(),
                                                      i6))
    ptrs = {0: 0, 1: 1, 2: 4, 3: 4, 8: 7, 9: 6, 12: 8, 13: 8, 14: 8, 15: 8,
            16: 24, 17: 24, 18: 24, 19: 24}
    for p4, p6 in sorted(ptrs.items()):
        fwd(D, "4to6-icmp-12-0-ptr%d" % p4, "RFC 7915 §4.2",
            "ICMPv4 12/0 pointer %d -> ICMPv6 4/0 pointer %d" % (p4, p6),
            err4in(12, 0, rest_ptr4(p4), i4), err6out(4, 0, r32(p6), i6))
    fwd(D, "4to6-icmp-12-2-ptr2", "RFC 7915 §4.2",
        "ICMPv4 12/2 bad length pointer 2 -> ICMPv6 4/0 pointer 4",
        err4in(12, 2, rest_ptr4(2), i4), err6out(4, 0, r32(4), i6))
    for p4 in (4, 10, 20):
        drop(D, "4to6-icmp-12-0-ptr%d-unmappable" % p4, "RFC 7915 §4.2",
             "ICMPv4 12/0 pointer %d has no IPv6 counterpart: dropped" % p4,
             err4in(12, 0, rest_ptr4(p4), i4), "icmp-pointer")
    drop(D, "4to6-icmp-12-1", "RFC 7915 §4.2",
         "ICMPv4 12/1 missing option: dropped",
         err4in(12, 1, rest_unused(), i4), "icmp-untranslatable")
    for t in (4, 5, 6, 9, 10, 13, 14, 15, 16, 17, 18, 42):
        body = i4 if t in (4, 5) else pay(20, t)
        rest = rest_unused() if t != 5 else bytes([192, 0, 2, 2])
        drop(D, "4to6-icmp-type-%d" % t, "RFC 7915 §4.2",
             "ICMPv4 type %d (single-hop, obsolete or unknown): dropped" % t,
             ip4(R4, V6, 1, icmp4(t, 0, rest, body), id=3),
             "icmp-untranslatable")

    # inner packets: TCP, echo, truncations
    for q, nm in [(20, "ip-only"), (24, "udp-4"), (28, "udp-8"),
                  (None, "full")]:
        a, b = inner_4to6(q4=q)
        fwd(D, "4to6-icmp-inner-udp-%s" % nm, "RFC 7915 §4.3",
            "3/3 quoting %s of the inner UDP packet: inner translated, "
            "UDP checksum updated when quoted" % nm,
            err4in(3, 3, rest_unused(), a), err6out(1, 4, rest_unused(), b))
    for q, nm in [(28, "tcp-8"), (None, "full")]:
        a, b = inner_4to6(q4=q, proto=6)
        fwd(D, "4to6-icmp-inner-tcp-%s" % nm, "RFC 7915 §4.3",
            "11/0 quoting %s of an inner TCP segment" % nm,
            err4in(11, 0, rest_unused(), a), err6out(3, 0, rest_unused(), b))
    for q, nm in [(28, "8"), (None, "full")]:
        a, b = inner_4to6(q4=q, proto=1)
        fwd(D, "4to6-icmp-inner-echo-%s" % nm, "RFC 7915 §4.3",
            "3/1 quoting an inner ICMPv4 echo request (%s): type 128, "
            "checksum over the declared length" % nm,
            err4in(3, 1, rest_unused(), a), err6out(1, 0, rest_unused(), b))
    a, b = inner_4to6(q4=None, ttl=1)
    fwd(D, "4to6-icmp-inner-ttl-copied", "RFC 7915 §4.3",
        "inner TTL 1 copied to the inner hop limit, no TTL check inside",
        err4in(11, 0, rest_unused(), a), err6out(3, 0, rest_unused(), b))
    a, b = inner_4to6(q4=None, dst4="192.168.1.1", dst6="64:ff9b::c0a8:101")
    fwd(D, "4to6-icmp-inner-nonglobal", "RFC 7915 §4.1 (ICMP errors)",
        "inner destination 192.168.1.1 mapped without the WKP check",
        err4in(3, 1, rest_unused(), a), err6out(1, 0, rest_unused(), b))
    fwd(D, "4to6-icmp-outer-src-private", "RFC 7915 §4.1",
        "ICMPv4 error from router 10.0.0.1: source still translated "
        "(64:ff9b::a00:1)",
        err4in(3, 1, rest_unused(), i4, src="10.0.0.1"),
        err6out(1, 0, rest_unused(), i6, src="64:ff9b::a00:1"))
    fwd(D, "4to6-icmp-outer-src-shared", "RFC 7915 §4.1",
        "ICMPv4 error from router 100.64.1.1: source still translated",
        err4in(11, 0, rest_unused(), i4, src="100.64.1.1"),
        err6out(3, 0, rest_unused(), i6, src="64:ff9b::6440:101"))
    nested = ip4(V6, H4, 1, icmp4(3, 3, rest_unused(), i4[:28]), id=1)
    drop(D, "4to6-icmp-nested", "RFC 7915 §4.3",
         "ICMPv4 error quoting an ICMPv4 error: dropped",
         err4in(3, 1, rest_unused(), nested), "icmp-nested")
    drop(D, "4to6-icmp-inner-short", "RFC 7915 §4.3",
         "ICMPv4 error quoting 12 bytes (less than an IPv4 header): dropped",
         err4in(3, 1, rest_unused(), i4[:12]), "icmp-inner-bad")
    drop(D, "4to6-icmp-bad-checksum", "RFC 7915 §4.3",
         "ICMPv4 error with a wrong checksum: dropped",
         err4in(3, 1, rest_unused(), i4, bad=True), "icmp-bad-checksum")
    drop(D, "4to6-icmp-ttl1-error", "RFC 7915 §4.4",
         "ICMPv4 error with TTL 1: dropped, never an error about an error",
         err4in(3, 1, rest_unused(), i4, ttl=1), "ttl-expired")
    # truncation to 1280
    a, b = inner_4to6(q4=None, totlen_data=1272)   # inner IPv4 1300 bytes
    fwd(D, "4to6-icmp-truncated-1280", "RFC 7915 §4.3",
        "ICMPv4 error quoting 1300 bytes: ICMPv6 error cut to 1280 bytes",
        err4in(3, 3, rest_unused(), a),
        err6out(1, 4, rest_unused(), b[:1280 - 48]))

    # Packet Too Big MTU arithmetic
    def ptb(name, desc, adv, inner_tot, mtu, sets=()):
        a, b = inner_4to6(q4=28, totlen_data=inner_tot - 28)
        a = a[:28]
        fwd(D, "4to6-ptb-" + name, "RFC 7915 §4.2", desc,
            err4in(3, 4, rest_mtu4(adv), a), err6out(2, 0, r32(mtu), b),
            sets=sets)
    ptb("normal", "3/4 MTU 1400 -> PTB MTU 1420", 1400, 1500, 1420)
    ptb("ipv6-mtu", "3/4 MTU 1492 -> min(1512, ipv6-mtu 1500) = 1500", 1492,
        1500, 1500)
    ptb("ipv6-mtu-1400", "ipv6-mtu 1400: 3/4 MTU 1480 -> 1400", 1480, 1500,
        1400, sets=["ipv6-mtu 1400"])
    ptb("ipv4-mtu", "ipv4-mtu 1300: 3/4 MTU 1400 -> min(1420, 1320) = 1320",
        1400, 1500, 1320, sets=["ipv4-mtu 1300"])
    ptb("floor", "3/4 MTU 1000 -> 1020, raised to the 1280 floor", 1000,
        1500, 1280)
    ptb("zero-plateau-1492", "MTU 0, inner 1500: plateau 1492 -> 1512 "
        "(ipv6/ipv4-mtu 9000)", 0, 1500, 1512,
        sets=["ipv6-mtu 9000", "ipv4-mtu 9000"])
    ptb("zero-plateau-4352", "MTU 0, inner 4400: plateau 4352 -> 4372 "
        "(ipv6/ipv4-mtu 9000)", 0, 4400, 4372,
        sets=["ipv6-mtu 9000", "ipv4-mtu 9000"])
    ptb("zero-plateau-floor", "MTU 0, inner 1400: plateau 1006 -> 1026 -> "
        "floor 1280", 0, 1400, 1280)


def inner_6to4(q6=None, nh=17, n=64, hlim=63, frag=None, plen_total=None,
               src6=H4_6, src4=H4, dst6=V6_6, dst4=V6):
    """The packet the IPv4 host sent, as it left the translator to the IPv6
    side (inner of a 6to4 error), and its expected IPv4 form: ID 0 (or the
    Fragment header's), DF by the 1260 rule, TTL = hop limit."""
    d = pay(n, 10)
    if nh == 17:
        l6, l4 = (udp6(src6, dst6, 40000, 53, d),
                  udp4(src4, dst4, 40000, 53, d))
    elif nh == 6:
        l6, l4 = (tcp6(src6, dst6, 40000, 80, d, flags="PA"),
                  tcp4(src4, dst4, 40000, 80, d, flags="PA"))
    else:
        l6, l4 = (echo6(src6, dst6, 128, 0x66, 4, d), echo4(8, 0x66, 4, d))
    proto = 1 if nh == 58 else nh
    if frag is None:
        i6 = ip6(src6, dst6, nh, l6, hlim=hlim)
        df = "DF" if len(l4) + 20 > 1260 else 0
        i4 = ip4(src4, dst4, proto, l4, ttl=hlim, id=0, flags=df)
    else:
        # first fragment carrying the first `frag` bytes of the datagram
        i6 = ip6(src6, dst6, 44, frag6(nh, 0, 1, 0xabcd5678) + l6[:frag],
                 hlim=hlim)
        i4 = ip4(src4, dst4, proto, l4[:frag], ttl=hlim, id=0x5678,
                 flags="MF")
    if q6 is not None:
        ext = 8 if frag is not None else 0
        i6, i4 = i6[:q6], i4[:q6 - 20 - ext]
    return i6, i4


def err6in(t, c, rest, inner, src=R6, hlim=64, bad=False):
    return ip6(src, H4_6, 58, icmp6(src, H4_6, t, c, rest, inner,
                                    bad_csum=bad), hlim=hlim)


def err4out(t, c, rest, inner, src=R6_4, ttl=63):
    return ip4(src, H4, 1, icmp4(t, c, rest, inner), ttl=ttl, id=IDSEED)


def gen_icmp_6to4():
    D = "rfc7915"
    i6, i4 = inner_6to4(q6=68)
    rows = {0: 1, 1: 10, 2: 1, 3: 1, 4: 3}
    for c, c4 in sorted(rows.items()):
        fwd(D, "6to4-icmp-1-%d" % c, "RFC 7915 §5.2",
            "ICMPv6 1/%d -> ICMPv4 3/%d, inner translated (ID 0, TTL = hop "
            "limit)" % (c, c4),
            err6in(1, c, rest_unused(), i6),
            err4out(3, c4, rest_unused(), i4), dir="6to4")
    for c in (5, 6, 7):
        drop(D, "6to4-icmp-1-%d" % c, "RFC 7915 §5.2",
             "ICMPv6 1/%d has no translation: dropped" % c,
             err6in(1, c, rest_unused(), i6), "icmp-untranslatable",
             dir="6to4")
    for c in (0, 1):
        fwd(D, "6to4-icmp-3-%d" % c, "RFC 7915 §5.2",
            "ICMPv6 3/%d -> ICMPv4 11/%d" % (c, c),
            err6in(3, c, rest_unused(), i6),
            err4out(11, c, rest_unused(), i4), dir="6to4")
    ptrs = {0: 0, 1: 1, 4: 2, 5: 2, 6: 9, 7: 8, 8: 12, 15: 12, 23: 12,
            24: 16, 31: 16, 39: 16}
    for p6, p4 in sorted(ptrs.items()):
        fwd(D, "6to4-icmp-4-0-ptr%d" % p6, "RFC 7915 §5.2",
            "ICMPv6 4/0 pointer %d -> ICMPv4 12/0 pointer %d" % (p6, p4),
            err6in(4, 0, r32(p6), i6), err4out(12, 0, rest_ptr4(p4), i4),
            dir="6to4")
    for p6 in (2, 3, 40, 0x10000):
        drop(D, "6to4-icmp-4-0-ptr%d-unmappable" % p6, "RFC 7915 §5.2",
             "ICMPv6 4/0 pointer %d has no IPv4 counterpart: dropped" % p6,
             err6in(4, 0, r32(p6), i6), "icmp-pointer", dir="6to4")
    fwd(D, "6to4-icmp-4-1", "RFC 7915 §5.2",
        "ICMPv6 4/1 unrecognized next header -> ICMPv4 3/2",
        err6in(4, 1, r32(40), i6), err4out(3, 2, rest_unused(), i4),
        dir="6to4")
    for c in (2, 3):
        drop(D, "6to4-icmp-4-%d" % c, "RFC 7915 §5.2",
             "ICMPv6 4/%d: dropped" % c, err6in(4, c, r32(40), i6),
             "icmp-untranslatable", dir="6to4")
    for t in (130, 131, 132, 133, 134, 135, 136, 137, 143, 150):
        drop(D, "6to4-icmp-type-%d" % t, "RFC 7915 §5.2",
             "ICMPv6 type %d (MLD/ND/other): dropped" % t,
             ip6(V6_6, H4_6, 58, icmp6(V6_6, H4_6, t, 0, rest_unused(),
                                      pay(16, t)), hlim=255),
             "icmp-untranslatable", dir="6to4")

    # inner variants
    for q, nm in [(40, "ip-only"), (44, "udp-4"), (48, "udp-8"),
                  (None, "full")]:
        a, b = inner_6to4(q6=q)
        fwd(D, "6to4-icmp-inner-udp-%s" % nm, "RFC 7915 §5.3",
            "1/4 quoting %s of the inner UDP packet" % nm,
            err6in(1, 4, rest_unused(), a),
            err4out(3, 3, rest_unused(), b), dir="6to4")
    for q, nm in [(60, "tcp-20"), (None, "full")]:
        a, b = inner_6to4(q6=q, nh=6)
        fwd(D, "6to4-icmp-inner-tcp-%s" % nm, "RFC 7915 §5.3",
            "3/0 quoting %s of an inner TCP segment" % nm,
            err6in(3, 0, rest_unused(), a),
            err4out(11, 0, rest_unused(), b), dir="6to4")
    for q, nm in [(48, "8"), (None, "full")]:
        a, b = inner_6to4(q6=q, nh=58)
        fwd(D, "6to4-icmp-inner-echo-%s" % nm, "RFC 7915 §5.3",
            "1/0 quoting an inner ICMPv6 echo request (%s): type 8, checksum "
            "without pseudo-header" % nm,
            err6in(1, 0, rest_unused(), a),
            err4out(3, 1, rest_unused(), b), dir="6to4")
    a, b = inner_6to4(q6=88, n=1400)
    fwd(D, "6to4-icmp-inner-df1", "RFC 7915 §5.3",
        "inner declared 1448 bytes: inner IPv4 1428 > 1260 gets DF 1",
        err6in(1, 4, rest_unused(), a), err4out(3, 3, rest_unused(), b),
        dir="6to4")
    a, b = inner_6to4(q6=None, src6="64:ff9b::a00:5", src4="10.0.0.5")
    fwd(D, "6to4-icmp-inner-nonglobal", "RFC 7915 §5.3",
        "inner source 64:ff9b::10.0.0.5 mapped without the WKP check",
        err6in(1, 4, rest_unused(), a), err4out(3, 3, rest_unused(), b),
        dir="6to4")
    nested = ip6(H4_6, V6_6, 58, icmp6(H4_6, V6_6, 1, 4, rest_unused(),
                                        i6[:48]))
    drop(D, "6to4-icmp-nested", "RFC 7915 §5.3",
         "ICMPv6 error quoting an ICMPv6 error: dropped",
         err6in(1, 0, rest_unused(), nested), "icmp-nested", dir="6to4")
    drop(D, "6to4-icmp-inner-short", "RFC 7915 §5.3",
         "ICMPv6 error quoting 24 bytes (less than an IPv6 header): dropped",
         err6in(1, 0, rest_unused(), i6[:24]), "icmp-inner-bad", dir="6to4")
    drop(D, "6to4-icmp-bad-checksum", "RFC 7915 §5.3",
         "ICMPv6 error with a wrong checksum: dropped",
         err6in(1, 0, rest_unused(), i6, bad=True), "icmp-bad-checksum",
         dir="6to4")
    a, b = inner_6to4(q6=1000, n=1200)
    fwd(D, "6to4-icmp-truncated-576", "RFC 7915 §5.3",
        "ICMPv6 error quoting 1000 bytes: ICMPv4 error cut to 576 bytes",
        err6in(1, 4, rest_unused(), a),
        err4out(3, 3, rest_unused(), b[:576 - 28]), dir="6to4")

    # PTB arithmetic
    def ptb(name, desc, adv, mtu, sets=(), frag=None):
        if frag:
            a, b = inner_6to4(q6=56, n=1400, frag=1000)
        else:
            a, b = inner_6to4(q6=48, n=1400)
        fwd(D, "6to4-ptb-" + name, "RFC 7915 §5.2", desc,
            err6in(2, 0, r32(adv), a), err4out(3, 4, rest_mtu4(mtu), b),
            sets=sets, dir="6to4")
    ptb("normal", "PTB MTU 1400 -> 3/4 MTU 1380", 1400, 1380)
    ptb("1280", "PTB MTU 1280 -> 3/4 MTU 1260", 1280, 1260)
    ptb("ipv6-mtu", "PTB MTU 1600 -> min(1580, 1500, ipv6-mtu-20 1480)",
        1600, 1480)
    ptb("ipv4-mtu", "ipv6-mtu 9000: PTB MTU 9000 -> min(8980, ipv4-mtu "
        "1500) = 1500", 9000, 1500, sets=["ipv6-mtu 9000"])
    ptb("ipv4-mtu-1400", "ipv4-mtu 1400: PTB MTU 1500 -> 1400", 1500, 1400,
        sets=["ipv4-mtu 1400"])
    ptb("huge", "ipv4/ipv6-mtu 9000: PTB MTU 70000 -> 8980", 70000, 8980,
        sets=["ipv6-mtu 9000", "ipv4-mtu 9000"])
    ptb("inner-frag", "PTB MTU 1400 quoting a fragment: 1400 - 28 = 1372, "
        "inner ID from the Fragment header", 1400, 1372, frag=True)


# ---------------------------------------------------------------- RFC 6791
def gen_rfc6791():
    D = "rfc6791"
    i6, i4 = inner_6to4(q6=68)
    rtr = "2001:db8:1::1"
    for t, c, t4, c4, rest6, rest4, nm in [
            (1, 0, 3, 1, rest_unused(), rest_unused(), "dest-unreach"),
            (3, 0, 11, 0, rest_unused(), rest_unused(), "time-exceeded"),
            (2, 0, 3, 4, r32(1400), rest_mtu4(1380), "ptb"),
            (4, 0, 12, 0, r32(8), rest_ptr4(12), "param-problem")]:
        fwd(D, "6to4-%s-untranslatable-router" % nm, "RFC 6791 §4",
            "ICMPv6 %d/%d from %s (outside pool6): IPv4 source 203.0.113.1"
            % (t, c, rtr),
            err6in(t, c, rest6, i6, src=rtr),
            err4out(t4, c4, rest4, i4, src=POOL6791), dir="6to4")
    drop(D, "6to4-untranslatable-router-no-pool", "RFC 6791 §4",
         "ICMPv6 1/0 from outside pool6 and no RFC 6791 pool: dropped",
         err6in(1, 0, rest_unused(), i6, src=rtr), "no-icmp-source",
         config="noicmpsrc", dir="6to4")
    fwd(D, "6to4-translatable-router-no-pool", "RFC 6791 §4",
        "ICMPv6 1/0 from inside pool6 needs no RFC 6791 pool",
        err6in(1, 0, rest_unused(), i6),
        err4out(3, 1, rest_unused(), i4), config="noicmpsrc", dir="6to4")
    p = ip4(H4, V6, 17, udp4(H4, V6, 1, 2, pay(16)), ttl=1)
    icmp(D, "4to6-generated-error-source", "RFC 6791 §4, RFC 7915 §4.4",
         "ICMPv4 error generated by the translator comes from 203.0.113.1",
         p, "ttl-expired", gen_err4(H4, 11, 0, rest_unused(), p))
    drop(D, "4to6-generated-error-no-pool", "RFC 6791 §4",
         "TTL 1 without an RFC 6791 pool: dropped", p, "no-icmp-source",
         config="noicmpsrc")
    p = ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 1, 2, pay(16)), hlim=1)
    drop(D, "6to4-generated-error-no-icmp6-source", "RFC 7915 §5.4",
         "hop limit 1 without icmp6-source: dropped", p, "no-icmp-source",
         config="noicmpsrc", dir="6to4")


# ---------------------------------------------------------------- RFC 4884
def ext_struct(n=4):
    """RFC 4884 extension structure: header + one object with n data bytes
    (class 1 MPLS, c-type 1)."""
    obj = struct.pack("!HBB", 4 + n, 1, 1) + pay(n, 14)
    hdr = b"\x20\x00\x00\x00" + obj
    ck = checksum(hdr)
    return hdr[:2] + struct.pack("!H", ck) + hdr[4:]


def gen_rfc4884():
    D = "rfc4884"
    ext = ext_struct()
    # 4to6 --------------------------------------------------------------
    for words, t, c, t6, c6 in [(32, 3, 1, 1, 0), (33, 11, 0, 3, 0),
                                (34, 3, 3, 1, 4)]:
        ob = words * 4
        a, b = inner_4to6(q4=None, totlen_data=400)
        a, b = a[:ob], b[:ob + 20]
        pad = (-len(b)) % 8
        fwd(D, "4to6-ext-%d-%d-len%d" % (t, c, words), "RFC 7915 §4.2, "
            "RFC 4884 §4.1",
            "ICMPv4 %d/%d with length %d (%d bytes) and an extension: %d-byte "
            "original datagram padded with %d zeros, ICMPv6 length %d"
            % (t, c, words, ob, ob + 20, pad, (ob + 20 + pad) // 8),
            err4in(t, c, rest_len4(words), a + ext),
            err6out(t6, c6, rest_len6((ob + 20 + pad) // 8),
                    b + bytes(pad) + ext))
    # too big: extension removed
    big = ext_struct(196)
    a, b = inner_4to6(q4=None, totlen_data=1300)
    a, b = a[:1020], b[:1040]
    fwd(D, "4to6-ext-too-big", "RFC 7915 §4.2, RFC 4884",
        "original datagram 1020 bytes (length 255) + 204-byte extension: "
        "48+1040+204 > 1280, extension removed, length 0",
        err4in(3, 1, rest_len4(255), a + big),
        err6out(1, 0, rest_unused(), b))
    a, _ = inner_4to6(q4=None, totlen_data=400)
    drop(D, "4to6-ext-len-past-end", "RFC 4884 §4.1",
         "ICMPv4 length 60 words (240 bytes) but only 140 bytes follow",
         err4in(3, 1, rest_len4(60), a[:128] + ext), "icmp-ext-bad")
    drop(D, "4to6-ext-len-below-128", "RFC 4884 §4.1",
         "ICMPv4 length 10 words (40 bytes) < 128",
         err4in(3, 1, rest_len4(10), a[:128] + ext), "icmp-ext-bad")
    # 6to4 --------------------------------------------------------------
    for words, t, c, t4, c4, q in [(16, 1, 0, 3, 1, 128), (17, 3, 0, 11, 0,
                                                          136),
                                   (20, 1, 4, 3, 3, 160)]:
        ob = words * 8
        a, b = inner_6to4(q6=None, n=400)
        a, b = a[:ob], b[:ob - 20]
        tgt = max(128, len(b) + (-len(b)) % 4)
        pad = tgt - len(b)
        fwd(D, "6to4-ext-%d-%d-len%d" % (t, c, words), "RFC 7915 §5.2, "
            "RFC 4884 §4.1",
            "ICMPv6 %d/%d with length %d (%d bytes) and an extension: %d-byte "
            "original datagram padded to %d, ICMPv4 length %d"
            % (t, c, words, ob, ob - 20, tgt, tgt // 4),
            err6in(t, c, rest_len6(words), a + ext),
            err4out(t4, c4, rest_len4(tgt // 4), b + bytes(pad) + ext),
            dir="6to4")
    a, b = inner_6to4(q6=None, n=700)
    a, b = a[:560], b[:540]
    fwd(D, "6to4-ext-too-big", "RFC 7915 §5.2, RFC 4884",
        "original datagram 560 bytes + extension: 580 > 576, extension "
        "removed, length 0",
        err6in(1, 0, rest_len6(70), a + ext),
        err4out(3, 1, rest_unused(), b), dir="6to4")
    a, _ = inner_6to4(q6=None, n=400)
    drop(D, "6to4-ext-len-past-end", "RFC 4884 §4.1",
         "ICMPv6 length 30 (240 bytes) but only 140 bytes follow",
         err6in(1, 0, rest_len6(30), a[:128] + ext), "icmp-ext-bad",
         dir="6to4")
    drop(D, "6to4-ext-len-below-128", "RFC 4884 §4.1",
         "ICMPv6 length 4 (32 bytes) < 128",
         err6in(1, 0, rest_len6(4), a[:128] + ext), "icmp-ext-bad",
         dir="6to4")


# ---------------------------------------------------------------- RFC 8021
def gen_rfc8021():
    D = "rfc8021"
    data = pay(40)
    u6 = udp6(V6_6, H4_6, 53, 40000, data)
    u4 = udp4(V6, H4, 53, 40000, data)
    fwd(D, "6to4-atomic-fragment", "RFC 8021, RFC 7915 §5.1.1",
        "atomic fragment (offset 0, M 0): unfragmented IPv4, DF 0, ID = low "
        "16 bits of the Fragment header's",
        ip6(V6_6, H4_6, 44, frag6(17, 0, 0, 0xdeadbeef) + u6),
        ip4(V6, H4, 17, u4, ttl=63, id=0xbeef, flags=0), dir="6to4")
    d = pay(1300, 8)
    fwd(D, "6to4-atomic-fragment-large", "RFC 8021, RFC 7915 §5.1.1",
        "1348-byte atomic fragment: IPv4 1328 bytes keeps DF 0",
        ip6(V6_6, H4_6, 44, frag6(17, 0, 0, 0x00010002)
            + udp6(V6_6, H4_6, 53, 40000, d)),
        ip4(V6, H4, 17, udp4(V6, H4, 53, 40000, d), ttl=63, id=2, flags=0),
        dir="6to4")
    for df in ("DF", 0):
        fwd(D, "4to6-no-atomic-fragment-%s" % ("df1" if df else "df0"),
            "RFC 8021, RFC 7915 §4.1",
            "unfragmented IPv4 (DF %d): no Fragment header added"
            % (1 if df else 0),
            ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data), id=0x5555,
                flags=df),
            ip6(H4_6, V6_6, 17, udp6(H4_6, V6_6, 40000, 53, data), hlim=63))


# ---------------------------------------------------------------- RFC 7757
def gen_rfc7757():
    D = "rfc7757"
    data = pay(24, 11)
    E = "eam"
    for v4, v6, nm, why in [
            ("192.0.2.1", "2001:db8:a::1", "32", "/32 entry"),
            ("192.0.2.200", "2001:db8:b::48", "25", "/25 entry"),
            ("198.51.100.7", "2001:db8:c::7", "24", "/24 entry"),
            ("198.51.100.20", "2001:db8:d::4", "28-nested",
             "/28 nested in the /24: longest match")]:
        fwd(D, "4to6-eam-dst-%s" % nm, "RFC 7757 §3.3",
            "destination %s -> %s (%s); source via pool6" % (v4, v6, why),
            ip4("203.0.113.9", v4, 17, udp4("203.0.113.9", v4, 1, 2, data)),
            ip6("64:ff9b::cb00:7109", v6, 17,
                udp6("64:ff9b::cb00:7109", v6, 1, 2, data), hlim=63),
            config=E)
        fwd(D, "6to4-eam-src-%s" % nm, "RFC 7757 §3.3",
            "source %s -> %s (%s); destination via pool6" % (v6, v4, why),
            ip6(v6, "64:ff9b::cb00:7109", 17,
                udp6(v6, "64:ff9b::cb00:7109", 1, 2, data)),
            ip4(v4, "203.0.113.9", 17, udp4(v4, "203.0.113.9", 1, 2, data),
                ttl=63, id=IDSEED), config=E, dir="6to4")
    fwd(D, "4to6-eam-src", "RFC 7757 §3.3",
        "source 192.0.2.1 via EAM, destination 203.0.113.9 via pool6",
        ip4("192.0.2.1", "203.0.113.9", 17,
            udp4("192.0.2.1", "203.0.113.9", 1, 2, data)),
        ip6("2001:db8:a::1", "64:ff9b::cb00:7109", 17,
            udp6("2001:db8:a::1", "64:ff9b::cb00:7109", 1, 2, data),
            hlim=63), config=E)
    fwd(D, "4to6-eam-both", "RFC 7757 §3.3", "both addresses via EAM",
        ip4("192.0.2.130", "198.51.100.31", 17,
            udp4("192.0.2.130", "198.51.100.31", 1, 2, data)),
        ip6("2001:db8:b::2", "2001:db8:d::f", 17,
            udp6("2001:db8:b::2", "2001:db8:d::f", 1, 2, data), hlim=63),
        config=E)
    fwd(D, "6to4-eam-dst", "RFC 7757 §3.3",
        "destination 2001:db8:a::1 via EAM: forwarded (not hairpinned)",
        ip6("2001:db8:c::7", "2001:db8:a::1", 17,
            udp6("2001:db8:c::7", "2001:db8:a::1", 1, 2, data)),
        ip4("198.51.100.7", "192.0.2.1", 17,
            udp4("198.51.100.7", "192.0.2.1", 1, 2, data), ttl=63,
            id=IDSEED), config=E, dir="6to4")
    drop(D, "6to4-eam-src-outside", "RFC 7757 §3.3",
         "source 2001:db8:c::1234 outside the /120 and pool6: dropped",
         ip6("2001:db8:c::1234", "64:ff9b::cb00:7109", 17,
             udp6("2001:db8:c::1234", "64:ff9b::cb00:7109", 1, 2, data)),
         "src-untranslatable", config=E, dir="6to4")
    fwd(D, "4to6-eam-pool6-fallback", "RFC 7757 §3.3",
        "192.0.2.33 in no EAM entry: pool6 image",
        ip4("203.0.113.9", H4, 17, udp4("203.0.113.9", H4, 1, 2, data)),
        ip6("64:ff9b::cb00:7109", H4_6, 17,
            udp6("64:ff9b::cb00:7109", H4_6, 1, 2, data), hlim=63),
        config=E)
    # IPv6-side longest prefix
    for v6, v4, why in [("2001:db8:c::15", "203.0.113.5", "/124 inside /120"),
                        ("2001:db8:c::25", "198.51.100.37", "/120 only")]:
        fwd(D, "6to4-eam-nest6-%s" % v6.split(":")[-1], "RFC 7757 §3.2, §3.3",
            "IPv6 longest match: %s -> %s (%s)" % (v6, v4, why),
            ip6(v6, H4_6, 17, udp6(v6, H4_6, 1, 2, data)),
            ip4(v4, H4, 17, udp4(v4, H4, 1, 2, data), ttl=63, id=IDSEED),
            config="eam-nest6", dir="6to4")
    # hairpinning
    for dst4, dst6e, nm in [("192.0.2.1", "2001:db8:a::1", "32"),
                            ("192.0.2.200", "2001:db8:b::48", "25")]:
        dst_in = "64:ff9b::" + dst4
        case(D, "6to4-hairpin-%s" % nm, "RFC 7757 §4.3",
             "to 64:ff9b::%s (EAM %s): hairpinned to %s, source "
             "64:ff9b::198.51.100.7, hop limit -1" % (dst4, dst4, dst6e),
             ip6("2001:db8:c::7", dst_in, 17,
                 udp6("2001:db8:c::7", dst_in, 1, 2, data), tc=0x20),
             "hairpin", "none",
             [ip6(V6_6, dst6e, 17, udp6(V6_6, dst6e, 1, 2, data), hlim=63,
                  tc=0x20)], config=E, dir="6to4")
    case(D, "6to4-hairpin-echo", "RFC 7757 §4.3",
         "ICMPv6 echo hairpinned: stays type 128, checksum for the new "
         "addresses",
         ip6("2001:db8:c::7", "64:ff9b::c000:201", 58,
             echo6("2001:db8:c::7", "64:ff9b::c000:201", 128, 9, 9, data)),
         "hairpin", "none",
         [ip6(V6_6, "2001:db8:a::1", 58,
              echo6(V6_6, "2001:db8:a::1", 128, 9, 9, data), hlim=63)],
         config=E, dir="6to4")
    fwd(D, "6to4-hairpin-off", "RFC 7757 §4.3",
        "eam-hairpin off: translated to IPv4 192.0.2.1 and forwarded",
        ip6("2001:db8:c::7", "64:ff9b::c000:201", 17,
            udp6("2001:db8:c::7", "64:ff9b::c000:201", 1, 2, data)),
        ip4("198.51.100.7", "192.0.2.1", 17,
            udp4("198.51.100.7", "192.0.2.1", 1, 2, data), ttl=63,
            id=IDSEED), config=E, sets=["eam-hairpin off"], dir="6to4")


# ---------------------------------------------------------------- robustness
def gen_robustness():
    D = "robustness"
    data = pay(20, 12)
    good4 = ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data), id=1)
    good6 = ip6(V6_6, H4_6, 17, udp6(V6_6, H4_6, 53, 40000, data))

    def fix4(b):
        b = bytearray(b)
        b[10:12] = b"\0\0"
        ihl = (b[0] & 15) * 4
        b[10:12] = struct.pack("!H", checksum(bytes(b[:max(20, min(ihl,
                                                                   len(b)))])))
        return bytes(b)
    drop(D, "4to6-truncated-header", "RFC 7915 §4, RFC 791",
         "12 bytes: shorter than an IPv4 header", good4[:12], "truncated")
    drop(D, "4to6-zero-length", "RFC 7915 §4", "empty packet", b"",
         "truncated")
    drop(D, "6to4-zero-length", "RFC 7915 §5", "empty packet", b"",
         "truncated", dir="6to4")
    drop(D, "6to4-truncated-header", "RFC 7915 §5, RFC 8200",
         "30 bytes: shorter than an IPv6 header", good6[:30], "truncated",
         dir="6to4")
    b = bytearray(good4)
    b[0] = 0x44
    drop(D, "4to6-bad-ihl-4", "RFC 791", "IHL 4 (< 5)", fix4(b), "bad-ihl")
    b = bytearray(good4)
    b[0] = 0x4f
    drop(D, "4to6-bad-ihl-beyond", "RFC 791",
         "IHL 15 (60 bytes) in a 48-byte packet", fix4(b), "bad-ihl")
    b = bytearray(good4)
    b[2:4] = struct.pack("!H", 16)
    drop(D, "4to6-total-length-small", "RFC 791",
         "total length 16 < IHL*4", fix4(b), "bad-total-length")
    b = bytearray(good4)
    b[2:4] = struct.pack("!H", 100)
    drop(D, "4to6-total-length-beyond-frame", "RFC 791",
         "total length 100 in a 48-byte frame", fix4(b), "bad-total-length")
    b = bytearray(good4)
    b[10] ^= 0xff
    drop(D, "4to6-bad-header-checksum", "RFC 791",
         "IPv4 header checksum wrong", bytes(b), "bad-ipv4-checksum")
    drop(D, "4to6-wrong-version", "RFC 7915 §4",
         "an IPv6 packet on the IPv4 side", good6, "bad-version")
    drop(D, "6to4-wrong-version", "RFC 7915 §5",
         "an IPv4 packet on the IPv6 side", good4, "bad-version", dir="6to4")
    fwd(D, "4to6-trailing-bytes-trimmed", "RFC 7915 §4",
        "6 bytes past the IPv4 total length (Ethernet padding) are trimmed",
        good4 + b"\0\0\0\0\xaa\xbb",
        ip6(H4_6, V6_6, 17, udp6(H4_6, V6_6, 40000, 53, data), hlim=63))
    fwd(D, "6to4-trailing-bytes-trimmed", "RFC 7915 §5",
        "6 bytes past the IPv6 payload length are trimmed",
        good6 + b"\0\0\0\0\xaa\xbb",
        ip4(V6, H4, 17, udp4(V6, H4, 53, 40000, data), ttl=63, id=IDSEED),
        dir="6to4")
    b = bytearray(good6)
    b[4:6] = struct.pack("!H", len(good6) - 40 + 10)
    drop(D, "6to4-payload-length-beyond-frame", "RFC 8200",
         "payload length 10 bytes past the frame", bytes(b),
         "bad-payload-length", dir="6to4")
    jumbo = raw(IPv6ExtHdrHopByHop(nh=17, options=[Jumbo(jumboplen=8 + 28)]))
    u = udp6(V6_6, H4_6, 53, 40000, data)
    drop(D, "6to4-jumbogram", "RFC 2675, RFC 7915 §5",
         "payload length 0 with a jumbo payload option: not supported",
         ip6(V6_6, H4_6, 0, jumbo + u, plen=0), "bad-payload-length",
         dir="6to4")
    drop(D, "6to4-ext-chain-truncated", "RFC 7915 §5.1",
         "destination options header whose length runs past the packet",
         ip6(V6_6, H4_6, 60, bytes([17, 4]) + bytes(6)), "ext-header-chain",
         dir="6to4")
    case(D, "6to4-dst-multicast-not-ours", "RFC 7915 §5",
         "destination ff02::1 is not in pool6: pass",
         ip6(V6_6, "ff02::1", 17, udp6(V6_6, "ff02::1", 53, 40000, data)),
         "pass", "dst-not-ours", dir="6to4")


def gen_nsp_checksums():
    """The WKP is checksum-neutral (0x0064 + 0xff9b = 0xffff), so these
    cases use the /64 NSP, whose prefix changes the pseudo-header sum."""
    D = "rfc7915"
    cf = "nsp64"
    P = pfx("2001:db8:122:344::")
    h4, v6, r4 = (a6(embed(P, 64, H4)), a6(embed(P, 64, V6)),
                  a6(embed(P, 64, R4)))
    r6 = a6(embed(P, 64, R6_4))
    assert r4 == "2001:db8:122:344:c0:2:100:0"
    data = pay(40, 15)
    fwd(D, "4to6-nsp64-udp-csum", "RFC 7915 §4.5",
        "UDP checksum updated for a non-neutral prefix (/64 NSP)",
        ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data), id=1),
        ip6(h4, v6, 17, udp6(h4, v6, 40000, 53, data), hlim=63), config=cf)
    fwd(D, "6to4-nsp64-tcp-csum", "RFC 7915 §5.5",
        "TCP checksum updated for a non-neutral prefix (/64 NSP)",
        ip6(v6, h4, 6, tcp6(v6, h4, 80, 40001, data, flags="PA")),
        ip4(V6, H4, 6, tcp4(V6, H4, 80, 40001, data, flags="PA"), ttl=63,
            id=IDSEED), config=cf, dir="6to4")
    big = pay(600, 16)
    u4, u6 = (udp4(H4, V6, 40000, 53, big), udp6(h4, v6, 40000, 53, big))
    fwd(D, "4to6-nsp64-first-fragment-csum", "RFC 7915 §4.1, §4.5",
        "first fragment: UDP checksum of the whole datagram updated (/64)",
        ip4(H4, V6, 17, u4[:304], id=0x0102, flags="MF"),
        ip6(h4, v6, 44, frag6(17, 0, 1, 0x0102) + u6[:304], hlim=63),
        config=cf)
    u6b, u4b = (udp6(v6, h4, 53, 40000, big), udp4(V6, H4, 53, 40000, big))
    fwd(D, "6to4-nsp64-first-fragment-csum", "RFC 7915 §5.1.1, §5.5",
        "first fragment: UDP checksum of the whole datagram updated (/64)",
        ip6(v6, h4, 44, frag6(17, 0, 1, 0x01020304) + u6b[:304]),
        ip4(V6, H4, 17, u4b[:304], ttl=63, id=0x0304, flags="MF"),
        config=cf, dir="6to4")
    i4 = ip4(V6, H4, 17, udp4(V6, H4, 40000, 53, data), ttl=60, id=77)
    i6 = ip6(v6, h4, 17, udp6(v6, h4, 40000, 53, data), hlim=60)
    fwd(D, "4to6-nsp64-icmp-inner-udp-csum", "RFC 7915 §4.3",
        "3/3 quoting IPv4 + 8 bytes of UDP: inner UDP checksum updated (/64)",
        ip4(R4, V6, 1, icmp4(3, 3, rest_unused(), i4[:28]), id=5),
        ip6(r4, v6, 58, icmp6(r4, v6, 1, 4, rest_unused(), i6[:48]),
            hlim=63), config=cf)
    i6 = ip6(h4, v6, 6, tcp6(h4, v6, 40000, 80, data, flags="PA"), hlim=61)
    i4 = ip4(H4, V6, 6, tcp4(H4, V6, 40000, 80, data, flags="PA"), ttl=61,
             id=0)
    fwd(D, "6to4-nsp64-icmp-inner-tcp-csum", "RFC 7915 §5.3",
        "1/4 quoting a whole TCP segment: inner TCP checksum updated (/64)",
        ip6(r6, h4, 58, icmp6(r6, h4, 1, 4, rest_unused(), i6)),
        ip4(R6_4, H4, 1, icmp4(3, 3, rest_unused(), i4), ttl=63, id=IDSEED),
        config=cf, dir="6to4")
    i4 = ip4(V6, H4, 1, echo4(8, 5, 6, data), ttl=60, id=77)
    i6 = ip6(v6, h4, 58, echo6(v6, h4, 128, 5, 6, data), hlim=60)
    fwd(D, "4to6-nsp64-icmp-inner-echo-csum", "RFC 7915 §4.3",
        "11/0 quoting IPv4 + 8 bytes of an echo: inner ICMPv6 checksum with "
        "the pseudo-header of the declared length (/64)",
        ip4(R4, V6, 1, icmp4(11, 0, rest_unused(), i4[:28]), id=5),
        ip6(r4, v6, 58, icmp6(r4, v6, 3, 0, rest_unused(), i6[:48]),
            hlim=63), config=cf)


# ---------------------------------------------------------------- upper layer
def gen_l4_robustness():
    """docs/translation.md "Robustness of the upper layer": lying or missing
    TCP/UDP/ICMP headers are counted drops; trailing bytes past the UDP
    length are kept."""
    D = "robustness"
    data = pay(20, 21)
    P = pfx("2001:db8:122:344::")
    h4, v6 = a6(embed(P, 64, H4)), a6(embed(P, 64, V6))

    def u4(l4):
        return ip4(H4, V6, 17, l4, id=1)

    def u6(l4, nh=17):
        return ip6(V6_6, H4_6, nh, l4)

    good_u4 = udp4(H4, V6, 40000, 53, data)
    good_u6 = udp6(V6_6, H4_6, 53, 40000, data)
    for nm, l4 in [("udp-len-beyond", good_u4[:4] + struct.pack("!H", 200)
                    + good_u4[6:]),
                   ("udp-len-below-8", good_u4[:4] + struct.pack("!H", 4)
                    + good_u4[6:]),
                   ("udp-header-cut", good_u4[:4])]:
        drop(D, "4to6-" + nm, "RFC 768, RFC 7915 §4.5",
             "UDP header missing or its length field lies: counted drop",
             u4(l4), "bad-l4-header")
    for nm, l4 in [("udp-len-beyond", good_u6[:4] + struct.pack("!H", 200)
                    + good_u6[6:]),
                   ("udp-header-cut", good_u6[:6])]:
        drop(D, "6to4-" + nm, "RFC 768, RFC 7915 §5.5",
             "UDP header missing or its length field lies: counted drop",
             u6(l4), "bad-l4-header", dir="6to4")
    t4 = tcp4(H4, V6, 40000, 80, data, flags="PA")
    t6 = tcp6(V6_6, H4_6, 80, 40000, data, flags="PA")
    for nm, l4 in [("tcp-doff-beyond", t4[:12] + bytes([0xf0]) + t4[13:]),
                   ("tcp-doff-below-5", t4[:12] + bytes([0x40]) + t4[13:]),
                   ("tcp-header-cut", t4[:12])]:
        drop(D, "4to6-" + nm, "RFC 793, RFC 7915 §4.5",
             "TCP header missing or its data offset lies: counted drop",
             ip4(H4, V6, 6, l4, id=1), "bad-l4-header")
    for nm, l4 in [("tcp-doff-beyond", t6[:12] + bytes([0xf0]) + t6[13:]),
                   ("tcp-header-cut", t6[:16])]:
        drop(D, "6to4-" + nm, "RFC 793, RFC 7915 §5.5",
             "TCP header missing or its data offset lies: counted drop",
             u6(l4, nh=6), "bad-l4-header", dir="6to4")
    drop(D, "4to6-icmp-header-cut", "RFC 792, RFC 7915 §4.2",
         "ICMP message of 4 bytes: counted drop",
         ip4(H4, V6, 1, echo4(8, 1, 1, b"")[:4], id=1), "bad-l4-header")
    drop(D, "6to4-icmp-header-cut", "RFC 4443, RFC 7915 §5.2",
         "ICMPv6 message of 4 bytes: counted drop",
         u6(echo6(V6_6, H4_6, 128, 1, 1, b"")[:4], nh=58), "bad-l4-header",
         dir="6to4")
    # UDP length shorter than the packet: the trailing bytes are kept and
    # the checksum (over the UDP length) is updated; /64 NSP so that the
    # update is not checksum-neutral.
    tail = b"\xde\xad\xbe\xef"
    fwd(D, "4to6-udp-trailing-bytes", "RFC 768, RFC 7915 §4.5",
        "UDP length 28 in a 32-byte payload: trailer kept, checksum updated",
        ip4(H4, V6, 17, udp4(H4, V6, 40000, 53, data) + tail, id=1),
        ip6(h4, v6, 17, udp6(h4, v6, 40000, 53, data) + tail, hlim=63),
        config="nsp64")


def gen_review_additions():
    """Rules made explicit after review of docs/translation.md."""
    D = "rfc7915"
    # 6to4 Packet Too Big below 1280 or 0: taken as 1280 (RFC 8200 §5).
    for nm, adv in [("zero", 0), ("below-1280", 1000)]:
        a, b = inner_6to4(q6=48, n=1400)
        fwd(D, "6to4-ptb-" + nm, "RFC 7915 §5.2, RFC 8200 §5",
            "PTB advertising %d: taken as 1280 -> 3/4 MTU 1260" % adv,
            err6in(2, 0, r32(adv), a), err4out(3, 4, rest_mtu4(1260), b),
            dir="6to4")
    # An ICMPv6 error from a non-global address under the WKP is translated
    # (troubleshooting, RFC 7915 §4.1 / docs), not replaced by RFC 6791.
    a, b = inner_6to4(q6=68)
    fwd(D, "6to4-icmp-error-nonglobal-source", "RFC 7915 §5.3",
        "ICMPv6 error from 64:ff9b::10.0.0.1: source 10.0.0.1 kept for "
        "troubleshooting", err6in(1, 4, rest_unused(), a,
                                  src="64:ff9b::a00:1"),
        err4out(3, 3, rest_unused(), b, src="10.0.0.1"), dir="6to4")
    # Reserved wins over WKP: 255.255.255.255 is inside 240/4 too.
    data = pay(16, 3)
    drop("rfc6052", "6to4-wkp-broadcast-reserved", "RFC 6052 §3.1",
         "64:ff9b::255.255.255.255: addr-reserved (checked before WKP)",
         ip6(V6_6, "64:ff9b::ffff:ffff", 17,
             udp6(V6_6, "64:ff9b::ffff:ffff", 1, 2, data)),
         "addr-reserved", dir="6to4")
    drop("rfc6052", "4to6-wkp-broadcast-reserved", "RFC 6052 §3.1",
         "255.255.255.255 with the WKP: addr-reserved (checked before WKP)",
         ip4(H4, "255.255.255.255", 17,
             udp4(H4, "255.255.255.255", 1, 2, data), id=1),
         "addr-reserved")


# ---------------------------------------------------------------- RFC 6146
# Stateful NAT64 cases (README "Stateful cases"): a sequence of steps
# through one NAT64 worker.  conf/nat64.conf gives pool4 one port per
# protocol (TCP and UDP 192.0.2.1:3000, ICMP identifier 7000), so the
# mapping of a new flow is known without the RFC 6056 hash.  IPv4 packets
# the NAT64 builds (6to4 without Fragment header, and ICMPv4 errors) take
# Identification from the worker counter: id-seed 4660, then 4661, ...
# across the steps of a case.
SCASES = []
S_H6 = "2001:db8:1::10"      # an IPv6-only client (subscriber 2001:db8:1::/56)
S_H6S = "2001:db8:1::11"     # another host of the same /56
S_H6B = "2001:db8:2::20"     # a host of another subscriber
S_SRV6 = "2001:db8:1::80"    # an IPv6 server published by a static BIB
S_R = "198.51.100.7"         # an IPv4 server
S_R6 = "64:ff9b::c633:6407"
S_RB = "203.0.113.9"         # another IPv4 host
S_RB6 = "64:ff9b::cb00:7109"
S_RT = "198.51.100.1"        # an IPv4 router
S_RT6 = "64:ff9b::c633:6401"
S_P4 = "192.0.2.1"           # pool4
S_P46 = "64:ff9b::c000:201"  # its pool6 image
S_P4B = "192.0.2.2"          # a second pool4 address (hairpin cases)
S_P4B6 = "64:ff9b::c000:202"


def scase(name, rfc, desc, steps, sets=(), config="nat64"):
    SCASES.append(dict(name=name, rfc=rfc, desc=desc, config=config,
                       sets=list(sets), steps=steps))


def st(dir, t, inp=None, expect="forward", reason="none", outs=()):
    if isinstance(outs, (bytes, bytearray)):
        outs = [outs]
    return dict(dir=dir, t=t, inp=inp, expect=expect, reason=reason,
                outs=[bytes(o) for o in outs])


def s6(t, inp, out=None, expect=None, reason="none"):
    """A packet arriving on the IPv6 side."""
    if expect is None:
        expect = "forward" if out is not None else "drop"
    return st("6to4", t, inp, expect, reason, [] if out is None else [out])


def s4(t, inp, out=None, expect=None, reason="none"):
    """A packet arriving on the IPv4 side."""
    if expect is None:
        expect = "forward" if out is not None else "drop"
    return st("4to6", t, inp, expect, reason, [] if out is None else [out])


def tick(t, outs=()):
    """nat64_tick at t: the ICMPv4 errors it sends, or none."""
    if isinstance(outs, (bytes, bytearray)):
        outs = [outs]
    return st("tick", t, None, "icmp" if outs else "none", "none", outs)


# Packets on each side.  The IPv6 hosts send with hop limit 64, the IPv4
# hosts with TTL 64; the NAT64 decrements both (RFC 7915 §4.1, §5.1).
def su6(src, dst, sp, dp, data, hlim=64):
    return ip6(src, dst, 17, udp6(src, dst, sp, dp, data), hlim=hlim)


def su4(src, dst, sp, dp, data, ttl=64, id=0x4242, flags=0):
    return ip4(src, dst, 17, udp4(src, dst, sp, dp, data), ttl=ttl, id=id,
               flags=flags)


def st6(src, dst, sp, dp, flags, seq, ack=0, data=b"", hlim=64):
    return ip6(src, dst, 6, tcp6(src, dst, sp, dp, data, flags=flags,
                                 seq=seq, ack=ack), hlim=hlim)


def st4(src, dst, sp, dp, flags, seq, ack=0, data=b"", ttl=64, id=0x4242,
        df=False):
    return ip4(src, dst, 6, tcp4(src, dst, sp, dp, data, flags=flags,
                                 seq=seq, ack=ack), ttl=ttl, id=id,
               flags="DF" if df else 0)


def se6(src, dst, type, ident, seq, data, hlim=64):
    return ip6(src, dst, 58, echo6(src, dst, type, ident, seq, data),
               hlim=hlim)


def se4(src, dst, type, ident, seq, data, ttl=64, id=0x4242):
    return ip4(src, dst, 1, echo4(type, ident, seq, data), ttl=ttl, id=id)


def out4(pkt_fn, *a, ident, **kw):
    """What the NAT64 sends on the IPv4 side: TTL 63, Identification from
    the worker counter, DF 0 (<= 1260 bytes, RFC 7915 §5.1)."""
    return pkt_fn(*a, ttl=63, id=ident, **kw)


def gen_rfc6146():
    I = IDSEED
    d = pay(24, 21)
    r = pay(40, 22)

    # ---- UDP, RFC 6146 §3.5.1
    scase("udp-out-and-back", "RFC 6146 §3.5.1",
          "UDP out creates the mapping [H6]:40000 <-> 192.0.2.1:3000; the "
          "reply comes back to [H6]:40000 from the pool6 image of the server",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           s4(1, su4(S_R, S_P4, 53, 3000, r),
              su6(S_R6, S_H6, 53, 40000, r, hlim=63))])
    scase("udp-eim-second-remote", "RFC 6146 §3.5.1, RFC 4787 REQ-1",
          "endpoint-independent mapping: the same [H6]:40000 to a second "
          "server keeps 192.0.2.1:3000; both replies come back",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           s6(1, su6(S_H6, S_RB6, 40000, 123, d),
              out4(su4, S_P4, S_RB, 3000, 123, d, ident=I + 1)),
           s4(2, su4(S_RB, S_P4, 123, 3000, r),
              su6(S_RB6, S_H6, 123, 40000, r, hlim=63)),
           s4(3, su4(S_R, S_P4, 53, 3000, r),
              su6(S_R6, S_H6, 53, 40000, r, hlim=63))])
    scase("udp-eif-other-remote", "RFC 6146 §3.5.1, RFC 4787 REQ-8",
          "endpoint-independent filtering (default): a host the client "
          "never addressed reaches it through the mapping",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           s4(1, su4(S_RB, S_P4, 9999, 3000, r),
              su6(S_RB6, S_H6, 9999, 40000, r, hlim=63))])
    scase("udp-adf-other-remote-filtered", "RFC 6146 §3.5.1",
          "address-dependent filtering: a packet from an address the "
          "mapping has no session with is dropped (nat64-filtered)",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           s4(1, su4(S_RB, S_P4, 9999, 3000, r), reason="nat64-filtered")],
          sets=["adf on"])
    scase("udp-adf-same-address-other-port", "RFC 6146 §3.5.1",
          "address-dependent filtering: the same remote address from "
          "another port is let in (the filter is on the address only)",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           s4(1, su4(S_R, S_P4, 9999, 3000, r),
              su6(S_R6, S_H6, 9999, 40000, r, hlim=63))],
          sets=["adf on"])
    scase("udp-no-mapping", "RFC 6146 §3.5.1",
          "UDP to 192.0.2.1:3000 with no BIB entry: dropped "
          "(nat64-no-mapping), no ICMP error",
          [s4(0, su4(S_R, S_P4, 53, 3000, r), reason="nat64-no-mapping")])
    scase("udp-not-pool4", "RFC 6146 §3.5",
          "an IPv4 packet to an address outside pool4 is not the NAT64's: "
          "passed on (dst-not-ours)",
          [s4(0, su4(S_R, "192.0.2.99", 53, 3000, r), expect="pass",
              reason="dst-not-ours")])
    scase("udp-pool4-exhausted", "RFC 6146 §3.5.1.1",
          "a second source port of the client needs a second mapping; the "
          "one-port pool4 has none: ICMPv6 1/3 Address Unreachable "
          "(nat64-pool4-exhausted, docs/nat64.md \"Refused flows\")",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           s6(1, su6(S_H6, S_R6, 40001, 53, d),
              gen_err6(S_H6, 1, 3, rest_unused(),
                       su6(S_H6, S_R6, 40001, 53, d)),
              expect="icmp", reason="nat64-pool4-exhausted")])
    scase("udp-port-class-kept", "RFC 6146 §3.5.1.1",
          "pool4 UDP 1023-1024: source port 40000 gets 1024 and source "
          "port 53 gets 1023, the port of its own range class",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 1024, 53, d, ident=I)),
           s6(1, su6(S_H6B, S_R6, 53, 53, d),
              out4(su4, S_P4, S_R, 1023, 53, d, ident=I + 1))],
          config="nat64-bare", sets=["pool4 192.0.2.1 udp 1023-1024"])
    # expiry, RFC 6146 §3.5.1 / §4: UDP_DEFAULT 5 minutes
    scase("udp-expiry-301", "RFC 6146 §3.5.1, §4",
          "UDP session lifetime 300 s: at t=301 after the last packet at "
          "t=0 the session and mapping are gone: the reply is dropped",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           tick(301),
           s4(301, su4(S_R, S_P4, 53, 3000, r), reason="nat64-no-mapping")])
    scase("udp-expiry-no-sweep", "RFC 6146 §3.5.1, §4",
          "the lifetime holds even before any expiry sweep ran: at t=301 "
          "with no tick the expired session admits nothing "
          "(lookup-time expiry, docs/nat64.md)",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           s4(301, su4(S_R, S_P4, 53, 3000, r), reason="nat64-no-mapping")])
    scase("udp-expiry-no-sweep-eif", "RFC 6146 §3.5.1, §4",
          "an expired mapping admits no new remote either (EIF), sweep or "
          "not",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           s4(400, su4("203.0.113.9", S_P4, 99, 3000, r),
              reason="nat64-no-mapping")])
    scase("udp-expiry-300", "RFC 6146 §3.5.1, §4",
          "UDP session lifetime 300 s: a session expires when last + 300 "
          "<= now (docs/nat64.md), so at t=300 it is gone",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           tick(300),
           s4(300, su4(S_R, S_P4, 53, 3000, r), reason="nat64-no-mapping")])
    scase("udp-expiry-299", "RFC 6146 §3.5.1, §4",
          "UDP session lifetime 300 s: at t=299 the session still lives: "
          "the reply is forwarded",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           tick(299),
           s4(299, su4(S_R, S_P4, 53, 3000, r),
              su6(S_R6, S_H6, 53, 40000, r, hlim=63))])
    scase("udp-inbound-refresh", "RFC 6146 §3.5.1, RFC 4787 REQ-6",
          "an inbound packet at t=200 refreshes the session: still alive "
          "at t=301",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           s4(200, su4(S_R, S_P4, 53, 3000, r),
              su6(S_R6, S_H6, 53, 40000, r, hlim=63)),
           tick(301),
           s4(301, su4(S_R, S_P4, 53, 3000, r),
              su6(S_R6, S_H6, 53, 40000, r, hlim=63))])
    scase("udp-timeout-configured", "RFC 6146 §3.5.1, §4",
          "udp-timeout 120 (the minimum): replies at t=119 and t=238 "
          "pass, each refreshing; at t=358 (120 s after the last) gone",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           tick(119),
           s4(119, su4(S_R, S_P4, 53, 3000, r),
              su6(S_R6, S_H6, 53, 40000, r, hlim=63)),
           tick(238),
           s4(238, su4(S_R, S_P4, 53, 3000, r),
              su6(S_R6, S_H6, 53, 40000, r, hlim=63)),
           tick(358),
           s4(358, su4(S_R, S_P4, 53, 3000, r), reason="nat64-no-mapping")],
          sets=["udp-timeout 120"])

    # ---- TCP, RFC 6146 §3.5.2.2
    syn6 = st6(S_H6, S_R6, 40000, 80, "S", 100)
    syn4o = out4(st4, S_P4, S_R, 3000, 80, "S", 100, ident=I)
    sa4 = st4(S_R, S_P4, 80, 3000, "SA", 500, 101)
    sa6o = st6(S_R6, S_H6, 80, 40000, "SA", 500, 101, hlim=63)
    hs = [s6(0, syn6, syn4o), s4(0, sa4, sa6o),
          s6(1, st6(S_H6, S_R6, 40000, 80, "A", 101, 501),
             out4(st4, S_P4, S_R, 3000, 80, "A", 101, 501, ident=I + 1))]
    scase("tcp-handshake-and-data", "RFC 6146 §3.5.2.2",
          "SYN out (CLOSED -> V6 INIT), SYN-ACK back (-> ESTABLISHED), ACK "
          "out, then data both ways through 192.0.2.1:3000",
          hs + [s6(2, st6(S_H6, S_R6, 40000, 80, "PA", 101, 501, data=d),
                   out4(st4, S_P4, S_R, 3000, 80, "PA", 101, 501, data=d,
                        ident=I + 2)),
                s4(3, st4(S_R, S_P4, 80, 3000, "PA", 501, 125, data=r,
                          df=True),
                   st6(S_R6, S_H6, 80, 40000, "PA", 501, 125, data=r,
                       hlim=63))])
    scase("tcp-fin-both-ways", "RFC 6146 §3.5.2.2, §4",
          "handshake, FIN out (V6 FIN RCV), FIN back (V4 FIN + V6 FIN RCV, "
          "TCP_TRANS 240 s), last ACK; gone 240 s after the second FIN",
          hs + [s6(2, st6(S_H6, S_R6, 40000, 80, "FA", 101, 501),
                   out4(st4, S_P4, S_R, 3000, 80, "FA", 101, 501,
                        ident=I + 2)),
                s4(3, st4(S_R, S_P4, 80, 3000, "FA", 501, 102),
                   st6(S_R6, S_H6, 80, 40000, "FA", 501, 102, hlim=63)),
                s6(4, st6(S_H6, S_R6, 40000, 80, "A", 102, 502),
                   out4(st4, S_P4, S_R, 3000, 80, "A", 102, 502,
                        ident=I + 3)),
                tick(242),
                s4(242, st4(S_R, S_P4, 80, 3000, "A", 502, 102),
                   st6(S_R6, S_H6, 80, 40000, "A", 502, 102, hlim=63)),
                tick(243),
                s4(243, st4(S_R, S_P4, 80, 3000, "A", 502, 102),
                   reason="nat64-no-mapping")])
    scase("tcp-rst-trans-expiry", "RFC 6146 §3.5.2.2, §4",
          "RST in ESTABLISHED -> TRANS (240 s): with no other packet the "
          "session and mapping are gone at t=241",
          hs + [s4(1, st4(S_R, S_P4, 80, 3000, "R", 501),
                   st6(S_R6, S_H6, 80, 40000, "R", 501, hlim=63)),
                tick(240),
                tick(241),
                s4(241, st4(S_R, S_P4, 80, 3000, "A", 501, 101),
                   reason="nat64-no-mapping")])
    scase("tcp-non-syn-no-session-6to4", "RFC 6146 §3.5.2.2",
          "a TCP ACK from the IPv6 side with no session creates nothing: "
          "dropped (nat64-tcp-no-session)",
          [s6(0, st6(S_H6, S_R6, 40000, 80, "A", 101, 501),
              reason="nat64-tcp-no-session"),
           s4(1, st4(S_R, S_P4, 80, 3000, "PA", 501, 101, data=r),
              reason="nat64-no-mapping")])
    scase("tcp-non-syn-no-bib-4to6", "RFC 6146 §3.5.2.2",
          "a TCP ACK from the IPv4 side to 192.0.2.1:3000 with no BIB "
          "entry: dropped (nat64-no-mapping), not held",
          [s4(0, st4(S_R, S_P4, 80, 3000, "A", 501, 101),
              reason="nat64-no-mapping"),
           tick(6)])
    held = st4(S_R, S_P4, 5555, 3000, "S", 900)
    scase("tcp-inbound-syn-held-port-unreachable", "RFC 6146 §3.5.2.2",
          "inbound SYN without BIB entry: held (nat64-syn-held); no IPv6 "
          "SYN within 6 s: ICMPv4 3/3 Port Unreachable quoting it",
          [s4(0, held, reason="nat64-syn-held"),
           tick(5),
           tick(6, gen_err4(S_R, 3, 3, rest_unused(), held, ident=I)),
           tick(7)])
    scase("tcp-simultaneous-open", "RFC 6146 §3.5.2.2",
          "a held inbound SYN is matched by the client's own SYN to that "
          "peer: forwarded, no Port Unreachable; the peer's retransmitted "
          "SYN completes the open",
          [s4(0, st4(S_R, S_P4, 80, 3000, "S", 500), reason="nat64-syn-held"),
           s6(1, syn6, syn4o),
           s4(3, st4(S_R, S_P4, 80, 3000, "S", 500),
              st6(S_R6, S_H6, 80, 40000, "S", 500, hlim=63)),
           tick(10)])
    scase("tcp-drop-inbound-syn", "RFC 6146 §3.5.2.2",
          "drop-inbound-syn on: an inbound SYN without BIB entry is "
          "dropped at once (nat64-no-mapping), never held",
          [s4(0, held, reason="nat64-no-mapping"), tick(6)],
          sets=["drop-inbound-syn on"])
    # static BIB: a portal [S_SRV6]:80 published at 192.0.2.1:80
    portal = ["pool4 192.0.2.1 tcp 80-80",
              "static-bib tcp %s 80 192.0.2.1 80" % S_SRV6]
    scase("tcp-static-bib-portal", "RFC 6146 §3.5.2.2",
          "static BIB [2001:db8:1::80]:80 <-> 192.0.2.1:80: an inbound SYN "
          "opens a session (V4 INIT) and reaches the server; its SYN-ACK "
          "goes out (ESTABLISHED); the ACK comes in",
          [s4(0, st4(S_R, S_P4, 5555, 80, "S", 900),
              st6(S_R6, S_SRV6, 5555, 80, "S", 900, hlim=63)),
           s6(0, st6(S_SRV6, S_R6, 80, 5555, "SA", 300, 901),
              out4(st4, S_P4, S_R, 80, 5555, "SA", 300, 901, ident=I)),
           s4(1, st4(S_R, S_P4, 5555, 80, "A", 901, 301),
              st6(S_R6, S_SRV6, 5555, 80, "A", 901, 301, hlim=63))],
          sets=portal)
    scase("tcp-static-bib-non-syn", "RFC 6146 §3.5.2.2",
          "static BIB but no session: an inbound ACK opens nothing "
          "(nat64-tcp-no-session)",
          [s4(0, st4(S_R, S_P4, 5555, 80, "A", 901, 301),
              reason="nat64-tcp-no-session")],
          sets=portal)

    # ---- ICMP query, RFC 6146 §3.5.3
    e = pay(16, 23)
    scase("icmp-echo-out-and-back", "RFC 6146 §3.5.3",
          "echo request identifier 0x1234 mapped to 7000; the echo reply "
          "comes back with 0x1234",
          [s6(0, se6(S_H6, S_R6, 128, 0x1234, 1, e),
              out4(se4, S_P4, S_R, 8, 7000, 1, e, ident=I)),
           s4(1, se4(S_R, S_P4, 0, 7000, 1, e),
              se6(S_R6, S_H6, 129, 0x1234, 1, e, hlim=63))])
    scase("icmp-echo-no-mapping", "RFC 6146 §3.5.3",
          "an echo reply to identifier 7000 with no mapping: dropped "
          "(nat64-no-mapping)",
          [s4(0, se4(S_R, S_P4, 0, 7000, 1, e), reason="nat64-no-mapping")])
    scase("icmp-echo-expiry", "RFC 6146 §3.5.3, §4",
          "ICMP query lifetime 60 s, refreshed by every packet: replies "
          "at t=59 and t=118 pass, at t=178 (60 s after the last) the "
          "mapping is gone",
          [s6(0, se6(S_H6, S_R6, 128, 0x1234, 1, e),
              out4(se4, S_P4, S_R, 8, 7000, 1, e, ident=I)),
           tick(59),
           s4(59, se4(S_R, S_P4, 0, 7000, 1, e),
              se6(S_R6, S_H6, 129, 0x1234, 1, e, hlim=63)),
           tick(118),
           s4(118, se4(S_R, S_P4, 0, 7000, 1, e),
              se6(S_R6, S_H6, 129, 0x1234, 1, e, hlim=63)),
           tick(178),
           s4(178, se4(S_R, S_P4, 0, 7000, 1, e),
              reason="nat64-no-mapping")])

    # ---- ICMP errors, RFC 6146 §3.5.4 / RFC 7915 §4.3, §5.3
    u_out = out4(su4, S_P4, S_R, 3000, 53, d, ident=I)
    u_in6 = su6(S_H6, S_R6, 40000, 53, d)
    quoted6 = su6(S_H6, S_R6, 40000, 53, d, hlim=63)   # TTL 63 -> hlim 63
    scase("icmp4-error-about-udp-flow", "RFC 6146 §3.5.4, RFC 7915 §4.3",
          "ICMPv4 3/3 from a router quoting the translated UDP packet: "
          "ICMPv6 1/4 to the client, the quoted packet's addresses and "
          "port 3000 -> 40000 restored",
          [s6(0, u_in6, u_out),
           s4(1, ip4(S_RT, S_P4, 1, icmp4(3, 3, rest_unused(), u_out),
                     id=0x5151),
              ip6(S_RT6, S_H6, 58,
                  icmp6(S_RT6, S_H6, 1, 4, rest_unused(), quoted6),
                  hlim=63))])
    scase("icmp4-error-no-flow", "RFC 6146 §3.5.4",
          "ICMPv4 error quoting a packet of no known flow: dropped "
          "(nat64-no-mapping)",
          [s4(0, ip4(S_RT, S_P4, 1, icmp4(3, 3, rest_unused(), u_out),
                     id=0x5151), reason="nat64-no-mapping")])
    # the client answers an inbound packet with Port Unreachable
    late = su4(S_RB, S_P4, 9999, 3000, r)
    late6 = su6(S_RB6, S_H6, 9999, 40000, r, hlim=63)
    scase("icmp6-error-about-inbound", "RFC 6146 §3.5.4, RFC 7915 §5.3",
          "ICMPv6 1/4 from the client about an inbound packet: ICMPv4 3/3 "
          "from 192.0.2.1 quoting 203.0.113.9:9999 -> 192.0.2.1:3000 "
          "(inner ID 0, TTL = inner hop limit)",
          [s6(0, u_in6, u_out),
           s4(1, late, late6),
           s6(2, ip6(S_H6, S_RB6, 58,
                     icmp6(S_H6, S_RB6, 1, 4, rest_unused(), late6)),
              ip4(S_P4, S_RB, 1,
                  icmp4(3, 3, rest_unused(),
                        su4(S_RB, S_P4, 9999, 3000, r, ttl=63, id=0)),
                  ttl=63, id=I + 1))])

    # ---- hairpinning, RFC 6146 §3.8
    hd = pay(20, 24)
    scase("hairpin-static", "RFC 6146 §3.8",
          "B sends to 64:ff9b::192.0.2.1 port 3000, A's static mapping: "
          "translated and sent back in to A, from B's mapping "
          "192.0.2.2:3000; A's answer hairpins back to B",
          [s6(0, su6(S_H6B, S_P46, 41000, 3000, hd),
              su6(S_P4B6, S_H6, 3000, 40000, hd, hlim=62),
              expect="hairpin"),
           s6(1, su6(S_H6, S_P4B6, 40000, 3000, hd),
              su6(S_P46, S_H6B, 3000, 41000, hd, hlim=62),
              expect="hairpin")],
          sets=["pool4 192.0.2.2 udp 3000-3000",
                "static-bib udp %s 40000 192.0.2.1 3000" % S_H6])
    scase("hairpin-dynamic", "RFC 6146 §3.8, §3.5.1.1",
          "pool4 UDP 1023-1024: A ([H6]:500) gets 1023 by its port class; "
          "B ([H6B]:40000) sends to 64:ff9b::192.0.2.1 port 1023 and gets "
          "1024: hairpinned to A from 64:ff9b::192.0.2.1 port 1024",
          [s6(0, su6(S_H6, S_R6, 500, 53, d),
              out4(su4, S_P4, S_R, 1023, 53, d, ident=I)),
           s6(1, su6(S_H6B, S_P46, 40000, 1023, hd),
              su6(S_P46, S_H6, 1024, 500, hd, hlim=62), expect="hairpin")],
          config="nat64-bare", sets=["pool4 192.0.2.1 udp 1023-1024"])
    scase("hairpin-loop", "RFC 6146 §5.3",
          "an IPv6 source inside pool6 is a translated packet looping: "
          "dropped (nat64-hairpin-loop)",
          [s6(0, su6(S_P46, S_R6, 3000, 53, d),
              reason="nat64-hairpin-loop")])

    # ---- subscriber limits (design, RFC 6888 REQ-3/4)
    scase("quota-second-flow", "RFC 6146 §3.5.1, RFC 6888 REQ-4",
          "sub-max-sessions 1: a second session of the subscriber is "
          "refused with ICMPv6 1/1 (nat64-quota); its first flow goes on",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           s6(1, su6(S_H6, S_RB6, 40000, 53, d),
              gen_err6(S_H6, 1, 1, rest_unused(),
                       su6(S_H6, S_RB6, 40000, 53, d)),
              expect="icmp", reason="nat64-quota"),
           s6(2, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I + 1))],
          sets=["sub-max-sessions 1"])
    scase("quota-sub-len-56", "RFC 6146 §3.5.1, RFC 6888 REQ-4",
          "sub-max-sessions 1, /56 subscribers: 2001:db8:1::11 shares the "
          "subscriber of 2001:db8:1::10: its echo request is refused "
          "(ICMPv6 1/1)",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           s6(1, se6(S_H6S, S_R6, 128, 0x55, 1, e),
              gen_err6(S_H6S, 1, 1, rest_unused(),
                       se6(S_H6S, S_R6, 128, 0x55, 1, e)),
              expect="icmp", reason="nat64-quota")],
          sets=["sub-max-sessions 1"])
    scase("quota-sub-len-128", "RFC 6146 §3.5.1, RFC 6888 REQ-4",
          "sub-max-sessions 1, sub-len 128: 2001:db8:1::11 is its own "
          "subscriber: its echo request passes",
          [s6(0, su6(S_H6, S_R6, 40000, 53, d),
              out4(su4, S_P4, S_R, 3000, 53, d, ident=I)),
           s6(1, se6(S_H6S, S_R6, 128, 0x55, 1, e),
              out4(se4, S_P4, S_R, 8, 7000, 1, e, ident=I + 1))],
          sets=["sub-max-sessions 1", "sub-len 128"])


def write_stateful():
    d = os.path.join(HERE, "rfc6146")
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.endswith(".case"):
            os.unlink(os.path.join(d, f))
    names = set()
    for c in SCASES:
        assert c["name"] not in names, c["name"]
        names.add(c["name"])
        lines = ["# generated by tests/packets/gen_corpus.py; do not edit",
                 "rfc: " + c["rfc"], "desc: " + c["desc"],
                 "mode: stateful", "config: " + c["config"]]
        lines += ["set: " + s for s in c["sets"]]
        for s in c["steps"]:
            lines.append("step: %s t=%d" % (s["dir"], s["t"]))
            if s["inp"] is not None:
                lines.append("in: " + s["inp"].hex())
            lines += ["expect: " + s["expect"], "reason: " + s["reason"]]
            lines += ["out: " + o.hex() for o in s["outs"]]
        with open(os.path.join(d, c["name"] + ".case"), "w") as f:
            f.write("\n".join(lines) + "\n")
    print("%-12s %d (stateful)" % ("rfc6146", len(SCASES)))


def main():
    gen_nsp_checksums()
    gen_rfc6052()
    gen_rfc7915_basic()
    gen_fragments_and_size()
    gen_icmp_4to6()
    gen_icmp_6to4()
    gen_rfc6791()
    gen_rfc4884()
    gen_rfc8021()
    gen_rfc7757()
    gen_robustness()
    gen_l4_robustness()
    gen_review_additions()
    gen_rfc6146()
    write_all()
    write_stateful()


if __name__ == "__main__":
    sys.exit(main())
