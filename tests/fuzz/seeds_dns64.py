#!/usr/bin/python3
"""Seed inputs for the DNS64 fuzz targets (tests/fuzz/fuzz_dns64_*.c).

    seeds_dns64.py dns64 OUTDIR        (fuzz_dns64_wire: one message each)
    seeds_dns64.py dns64_query OUTDIR  (fuzz_dns64_query: query sequences)

dns64 writes one file per DNS message: queries (plain, EDNS(0) with DO and a
cookie, PTR under ip6.arpa, mixed case for 0x20), upstream responses (a
CNAME chain ending in A, NXDOMAIN with the SOA, AAAA with RRSIG and OPT,
every name-bearing type the codec knows, TC set, ipv4only.arpa), names
compressed the way real servers compress them.  dns64_query writes the
input format of fuzz_dns64_query.c: a configuration byte, then the client
query and the upstream answers the step will ask for, each with a 2-byte
length (A-only, dual-stack, ::ffff-only, CNAME chain, NXDOMAIN, SERVFAIL,
private A, PTR under the prefix, ipv4only.arpa, CD, DO with a signed
answer, many A records, timeouts).  Standard library only.
"""

import os
import struct
import sys

QR, AA, TC, RD, RA, AD, CD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x20, 0x10
T = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MINFO": 14, "MX": 15,
     "TXT": 16, "RP": 17, "AFSDB": 18, "RT": 21, "PX": 26, "AAAA": 28,
     "SRV": 33, "DNAME": 39, "OPT": 41, "RRSIG": 46, "NULL": 10}
IN, CH = 1, 3


class Msg:
    """A DNS message writer with RFC 1035 §4.1.4 compression."""

    def __init__(self, mid, flags):
        self.b = bytearray(struct.pack(">HHHHHH", mid, flags, 0, 0, 0, 0))
        self.counts = [0, 0, 0, 0]
        self.names = {}  # suffix (exact case) -> offset

    def name(self, text, compress=True):
        labels = [l for l in text.rstrip(".").split(".") if l]
        out = bytearray()
        for i in range(len(labels)):
            suffix = ".".join(labels[i:])
            if compress and suffix in self.names:
                out += struct.pack(">H", 0xC000 | self.names[suffix])
                return bytes(out)
            pos = len(self.b) + len(out)
            if compress and pos < 0x4000:
                self.names[suffix] = pos
            lab = labels[i].encode()
            out += bytes([len(lab)]) + lab
        return bytes(out + b"\0")

    def question(self, qname, qtype, qclass=IN):
        self.b += self.name(qname) + struct.pack(">HH", T[qtype], qclass)
        self.counts[0] += 1

    def rr(self, sec, owner, rtype, rdata_parts, ttl=300, rclass=IN):
        """rdata_parts: bytes, or ("name", text[, compress])."""
        self.b += self.name(owner)
        self.b += struct.pack(">HHI", T[rtype], rclass, ttl)
        lenpos = len(self.b)
        self.b += b"\0\0"
        for p in rdata_parts:
            if isinstance(p, tuple):
                self.b += self.name(p[1], p[2] if len(p) > 2 else True)
            else:
                self.b += p
        struct.pack_into(">H", self.b, lenpos, len(self.b) - lenpos - 2)
        self.counts[1 + sec] += 1

    def opt(self, udp=1232, do=False, ext=0, version=0, options=b""):
        ttl = ext << 24 | version << 16 | (0x8000 if do else 0)
        self.b += b"\0" + struct.pack(">HHIH", T["OPT"], udp, ttl,
                                      len(options)) + options
        self.counts[3] += 1

    def bytes(self):
        struct.pack_into(">HHHH", self.b, 4, *self.counts)
        return bytes(self.b)


AN, NS, AR = 0, 1, 2
A1 = bytes([192, 0, 2, 1])
A2 = bytes([198, 51, 100, 7])
AAAA1 = bytes.fromhex("20010db8000000000000000000000001")
COOKIE = struct.pack(">HH", 10, 8) + bytes(range(8))


def soa(m, zone):
    return [("name", "ns1." + zone), ("name", "hostmaster." + zone),
            struct.pack(">IIIII", 2024010101, 3600, 600, 86400, 900)]


def seeds():
    out = {}

    m = Msg(0x1234, RD)
    m.question("www.example.com", "AAAA")
    out["query-aaaa"] = m.bytes()

    m = Msg(0x2345, RD | AD)
    m.question("www.example.com", "AAAA")
    m.opt(udp=4096, do=True, options=COOKIE)
    out["query-edns-do"] = m.bytes()

    m = Msg(0x3456, RD | CD)
    m.question("WwW.ExAmPlE.CoM", "A")
    m.opt()
    out["query-0x20-cd"] = m.bytes()

    m = Msg(0x4567, RD)
    m.question("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
               ".ip6.arpa", "PTR")
    out["query-ptr"] = m.bytes()

    m = Msg(0x5678, QR | RD | RA)
    m.question("www.example.com", "A")
    m.rr(AN, "www.example.com", "CNAME", [("name", "web.example.com")])
    m.rr(AN, "web.example.com", "CNAME", [("name", "host.cdn.example.net")],
         ttl=120)
    m.rr(AN, "host.cdn.example.net", "A", [A1], ttl=60)
    m.rr(AN, "host.cdn.example.net", "A", [A2], ttl=60)
    out["resp-cname-chain-a"] = m.bytes()

    m = Msg(0x6789, QR | AA | RD | RA | 3)
    m.question("nope.example.com", "AAAA")
    m.rr(NS, "example.com", "SOA", soa(m, "example.com"), ttl=3600)
    out["resp-nxdomain-soa"] = m.bytes()

    m = Msg(0x789A, QR | RD | RA)
    m.question("v4only.example.com", "AAAA")
    m.rr(NS, "example.com", "SOA", soa(m, "example.com"), ttl=3600)
    m.opt(do=True)
    out["resp-nodata-soa-opt"] = m.bytes()

    m = Msg(0x89AB, QR | RD | RA | AD)
    m.question("www.example.com", "AAAA")
    m.rr(AN, "www.example.com", "AAAA", [AAAA1])
    rrsig = struct.pack(">HBBIIIH", T["AAAA"], 13, 3, 300, 1700000000,
                        1690000000, 12345)
    m.rr(AN, "www.example.com", "RRSIG",
         [rrsig, ("name", "example.com", False), bytes(64)])
    m.opt(udp=1232, do=True, options=COOKIE + struct.pack(">HH", 12, 4)
          + b"\0\0\0\0")
    out["resp-aaaa-rrsig-do"] = m.bytes()

    m = Msg(0x9ABC, QR | AA)
    m.question("example.com", "MX")
    m.rr(AN, "example.com", "MX", [struct.pack(">H", 10),
                                   ("name", "mail.example.com")])
    m.rr(AN, "example.com", "NS", [("name", "ns1.example.com")])
    m.rr(AN, "_sip._udp.example.com", "SRV",
         [struct.pack(">HHH", 0, 5, 5060), ("name", "sip.example.com", False)])
    m.rr(AN, "old.example.com", "DNAME", [("name", "new.example.net", False)])
    m.rr(AN, "example.com", "TXT", [b"\x0bhello world"])
    m.rr(AN, "example.com", "MINFO", [("name", "req.example.com"),
                                      ("name", "err.example.com")])
    m.rr(AN, "example.com", "RP", [("name", "admin.example.com", False),
                                   ("name", "info.example.com", False)])
    m.rr(AN, "example.com", "AFSDB", [struct.pack(">H", 1),
                                      ("name", "afs.example.com", False)])
    m.rr(AN, "example.com", "RT", [struct.pack(">H", 1),
                                   ("name", "rt.example.com", False)])
    m.rr(AN, "example.com", "PX", [struct.pack(">H", 1),
                                   ("name", "px.example.com", False),
                                   ("name", "x400.example.com", False)])
    m.rr(AN, "7.100.51.198.in-addr.arpa", "PTR", [("name", "host.example.com")])
    m.rr(AN, "version.bind", "TXT", [b"\x031.0"], rclass=CH)
    m.rr(AN, "chaos.example.com", "A", [b"\x01a\0\x00\x07"], rclass=CH)
    m.rr(AR, "mail.example.com", "A", [A1])
    m.rr(AR, "mail.example.com", "AAAA", [AAAA1])
    m.rr(AR, "ns1.example.com", "NULL", [b"\xc0\x0c"])
    out["resp-many-types"] = m.bytes()

    m = Msg(0xABCD, QR | TC | RD | RA)
    m.question("big.example.com", "AAAA")
    m.opt(udp=512)
    out["resp-tc"] = m.bytes()

    m = Msg(0xBCDE, QR | AA | RD)
    m.question("ipv4only.arpa", "A")
    m.rr(AN, "ipv4only.arpa", "A", [bytes([192, 0, 0, 170])], ttl=86400)
    m.rr(AN, "ipv4only.arpa", "A", [bytes([192, 0, 0, 171])], ttl=86400)
    out["resp-ipv4only-arpa"] = m.bytes()

    m = Msg(0xCDEF, QR | RD | RA | 2)
    m.question("broken.example.com", "AAAA")
    m.opt(ext=1, version=1)
    out["resp-servfail-badvers"] = m.bytes()
    return out


def seq(cfg, *msgs):
    """fuzz_dns64_query's input: config byte, then length-prefixed
    messages (b"" is a timeout)."""
    return bytes([cfg]) + b"".join(struct.pack(">H", len(m)) + m
                                   for m in msgs)


def query(name, qtype, flags=RD, edns=None, do=False, mid=0x4242):
    m = Msg(mid, flags)
    m.question(name, qtype)
    if edns:
        m.opt(udp=edns, do=do)
    return m.bytes()


def answer(name, qtype, records=(), rcode=0, auth_soa=None, flags=QR | RD | RA,
           edns=None, do=False, extra=()):
    """records: (owner, type, rdata parts, ttl) in the answer section."""
    m = Msg(0x1111, flags | rcode)
    m.question(name, qtype)
    for owner, rtype, parts, ttl in records:
        m.rr(AN, owner, rtype, parts, ttl=ttl)
    if auth_soa:
        m.rr(NS, auth_soa, "SOA", soa(m, auth_soa), ttl=3600)
    for owner, rtype, parts, ttl in extra:
        m.rr(AR, owner, rtype, parts, ttl=ttl)
    if edns:
        m.opt(udp=edns, do=do)
    return m.bytes()


def query_seeds():
    out = {}
    z = "example.com"
    a1 = ("a.example.com", "A", [A1], 300)
    nodata = answer("a.example.com", "AAAA", auth_soa=z)
    out["q-a-only"] = seq(0, query("a.example.com", "AAAA"), nodata,
                          answer("a.example.com", "A", [a1]))
    out["q-a-only-nsp"] = seq(1, query("A.Example.COM", "AAAA", edns=1232),
                              answer("A.Example.COM", "AAAA", auth_soa=z,
                                     edns=1232),
                              answer("a.example.com", "A", [a1],
                                     extra=[("ns1.example.com", "A", [A2],
                                             60)]))
    out["q-a-only-nsp64"] = seq(2, query("a.example.com", "AAAA"), nodata,
                                answer("a.example.com", "A", [a1]))
    out["q-dual"] = seq(0, query("d.example.com", "AAAA"),
                        answer("d.example.com", "AAAA",
                               [("d.example.com", "AAAA", [AAAA1], 300)]))
    mapped = bytes.fromhex("00000000000000000000ffffc0000201")
    out["q-mapped-only"] = seq(0, query("m.example.com", "AAAA"),
                               answer("m.example.com", "AAAA",
                                      [("m.example.com", "AAAA", [mapped],
                                        300)]),
                               answer("m.example.com", "A",
                                      [("m.example.com", "A", [A2], 300)]))
    out["q-mapped-and-real"] = seq(0, query("m.example.com", "AAAA"),
                                   answer("m.example.com", "AAAA",
                                          [("m.example.com", "AAAA",
                                            [mapped], 300),
                                           ("m.example.com", "AAAA",
                                            [AAAA1], 300)]))
    chain = [("www.example.com", "CNAME", [("name", "web.example.com")],
              300),
             ("web.example.com", "CNAME", [("name", "h.cdn.example.net")],
              120)]
    out["q-cname-chain"] = seq(0, query("www.example.com", "AAAA"),
                               answer("www.example.com", "AAAA", chain,
                                      auth_soa="cdn.example.net"),
                               answer("h.cdn.example.net", "A",
                                      [("h.cdn.example.net", "A", [A2], 60),
                                       ("h.cdn.example.net", "A", [A1],
                                        30)]))
    out["q-nxdomain"] = seq(0, query("n.example.com", "AAAA"),
                            answer("n.example.com", "AAAA", rcode=3,
                                   auth_soa=z))
    out["q-servfail"] = seq(0, query("s.example.com", "AAAA"),
                            answer("s.example.com", "AAAA", rcode=2))
    out["q-servfail-synth"] = seq(8, query("s.example.com", "AAAA"),
                                  answer("s.example.com", "AAAA", rcode=2),
                                  answer("s.example.com", "A",
                                         [("s.example.com", "A", [A1],
                                           300)]))
    out["q-refused-as-nodata"] = seq(0, query("r.example.com", "AAAA"),
                                     answer("r.example.com", "AAAA",
                                            rcode=5),
                                     answer("r.example.com", "A",
                                            [("r.example.com", "A", [A1],
                                              300)]))
    priv = bytes([10, 0, 0, 1])
    out["q-private"] = seq(0, query("p.example.com", "AAAA"),
                           answer("p.example.com", "AAAA", auth_soa=z),
                           answer("p.example.com", "A",
                                  [("p.example.com", "A", [priv], 300)]))
    out["q-private-mapped"] = seq(16 | 1, query("p.example.com", "AAAA"),
                                  answer("p.example.com", "AAAA",
                                         auth_soa=z),
                                  answer("p.example.com", "A",
                                         [("p.example.com", "A", [priv],
                                           300)]))
    ptr = ("7.100.51.198.in-addr.arpa", "PTR", [("name", "h.example.com")],
           300)
    # the ip6.arpa name of 64:ff9b::198.51.100.7, nibbles reversed
    rev = ".".join(reversed("0064ff9b0000000000000000c6336407"))
    out["q-ptr"] = seq(0, query(rev + ".ip6.arpa", "PTR"),
                       answer("7.100.51.198.in-addr.arpa", "PTR", [ptr]))
    out["q-ptr-nx"] = seq(0, query(rev + ".ip6.arpa", "PTR", edns=4096),
                          answer("7.100.51.198.in-addr.arpa", "PTR", rcode=3,
                                 auth_soa="51.198.in-addr.arpa"))
    out["q-ptr-timeout"] = seq(0, query(rev + ".ip6.arpa", "PTR"), b"")
    out["q-ipv4only"] = seq(1, query("ipv4only.arpa", "AAAA", edns=1232))
    out["q-ipv4only-below"] = seq(0, query("x.ipv4only.arpa", "A"))
    out["q-ipv4only-off"] = seq(64, query("ipv4only.arpa", "AAAA"),
                                answer("ipv4only.arpa", "AAAA", rcode=5))
    out["q-cd"] = seq(0, query("a.example.com", "AAAA", flags=RD | CD),
                      nodata)
    rrsig = struct.pack(">HBBIIIH", T["SOA"], 13, 2, 3600, 1700000000,
                        1690000000, 12345)
    m = Msg(0x2222, QR | RD | RA | AD)
    m.question("a.example.com", "AAAA")
    m.rr(NS, z, "SOA", soa(m, z), ttl=3600)
    m.rr(NS, z, "RRSIG", [rrsig, ("name", z, False), bytes(64)])
    m.opt(do=True)
    signed = m.bytes()
    arrsig = struct.pack(">HBBIIIH", T["A"], 13, 3, 300, 1700000000,
                         1690000000, 12345)
    signed_a = answer("a.example.com", "A",
                      [a1, ("a.example.com", "RRSIG",
                            [arrsig, ("name", z, False), bytes(64)], 300)],
                      edns=1232, do=True)
    out["q-do-signed"] = seq(0, query("a.example.com", "AAAA", edns=1232,
                                      do=True), signed)
    out["q-do-signed-break"] = seq(4, query("a.example.com", "AAAA",
                                            edns=1232, do=True),
                                   signed, signed_a)
    many = [("big.example.com", "A", [bytes([198, 51, 100, i])], 300)
            for i in range(1, 61)]
    out["q-many"] = seq(0, query("big.example.com", "AAAA"),
                        answer("big.example.com", "AAAA", auth_soa=z),
                        answer("big.example.com", "A", many))
    out["q-many-nsp"] = seq(2 | 128, query("big.example.com", "AAAA",
                                           edns=512),
                            answer("big.example.com", "AAAA", auth_soa=z),
                            answer("big.example.com", "A", many))
    out["q-timeout-a"] = seq(0, query("a.example.com", "AAAA"), nodata, b"")
    out["q-timeout-aaaa"] = seq(0, query("a.example.com", "AAAA"), b"")
    out["q-forward-a"] = seq(3, query("a.example.com", "A"),
                             answer("a.example.com", "A", [a1]))
    out["q-forward-mx"] = seq(0, query("example.com", "MX", edns=1232),
                              seeds()["resp-many-types"])
    return out


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("dns64", "dns64_query"):
        sys.exit("usage: seeds_dns64.py dns64|dns64_query OUTDIR")
    os.makedirs(sys.argv[2], exist_ok=True)
    gen = seeds if sys.argv[1] == "dns64" else query_seeds
    for name, data in gen().items():
        with open(os.path.join(sys.argv[2], name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
