/*
 * xlat_reason.h - every outcome of the translation core that is not a plain
 * forward, with its name and a one-line explanation for operators.
 *
 * Contract: this list is the one place a reason is added.  It generates the
 * enum (xlat_reason), the names (xlat_reason_name), the explanations
 * (xlat_reason_explain) and the size of the per-worker counter array; the
 * BPF program and the CLI use the same list.  Header only, no state.
 */
#ifndef GATE64_XLAT_REASON_H
#define GATE64_XLAT_REASON_H

/* X(enum suffix, counter name, explanation) */
#define XLAT_REASON_LIST(X)                                                     \
	X(NONE, "none", "translated and forwarded")                             \
	X(TRUNCATED, "truncated",                                               \
	  "packet shorter than its headers or length fields say")               \
	X(BAD_VERSION, "bad-version",                                           \
	  "IP version field does not match the side")                           \
	X(BAD_IHL, "bad-ihl",                                                   \
	  "IPv4 header length below 20 or beyond the packet")                   \
	X(BAD_TOTLEN, "bad-total-length",                                       \
	  "IPv4 total length smaller than the header or larger than the "       \
	  "frame")                                                              \
	X(BAD_IP4_CSUM, "bad-ipv4-checksum", "IPv4 header checksum is wrong")   \
	X(BAD_PAYLOAD_LEN, "bad-payload-length",                                \
	  "IPv6 payload length larger than the frame")                          \
	X(BAD_L4, "bad-l4-header",                                              \
	  "TCP/UDP/ICMP header missing or its length field is inconsistent")    \
	X(EXT_CHAIN, "ext-header-chain",                                        \
	  "IPv6 extension header chain too long, misplaced or truncated")       \
	X(ROUTING_HDR, "routing-header",                                        \
	  "routing header with segments left != 0 (RFC 7915 §5.1): Parameter " \
	  "Problem")                                                            \
	X(SOURCE_ROUTE, "source-route",                                         \
	  "unexpired IPv4 source route option (RFC 7915 §4.1): source route "  \
	  "failed")                                                             \
	X(TTL_EXPIRED, "ttl-expired",                                           \
	  "TTL or hop limit ran out (RFC 7915 §4.1/§5.1): Time Exceeded")       \
	X(TOO_BIG, "too-big",                                                   \
	  "DF packet larger than the next-hop MTU: Fragmentation Needed / "     \
	  "Packet Too Big")                                                     \
	X(SRC_UNTRANSLATABLE, "src-untranslatable",                             \
	  "source address matches neither the EAM table nor pool6")             \
	X(DST_NOT_OURS, "dst-not-ours",                                         \
	  "destination matches neither the EAM table nor pool6: not for "       \
	  "translation")                                                        \
	X(ADDR_RESERVED, "addr-reserved",                                       \
	  "IPv4 address 0/8, 127/8, 169.254/16, multicast or broadcast is "     \
	  "never translated")                                                   \
	X(WKP_NONGLOBAL, "wkp-non-global",                                      \
	  "well-known prefix 64:ff9b::/96 with a non-global IPv4 address "      \
	  "(RFC 6052 §3.1)")                                                    \
	X(SUFFIX_NONZERO, "rfc6052-suffix",                                     \
	  "pool6 address with non-zero u-octet or suffix (RFC 6052 §2.2)")      \
	X(ICMP_TYPE, "icmp-untranslatable",                                     \
	  "ICMP type or code with no translation (RFC 7915 §4.2/§5.2): "      \
	  "silently dropped")                                                   \
	X(ICMP_PARAM_PTR, "icmp-pointer",                                       \
	  "Parameter Problem pointer names a field with no counterpart (RFC "   \
	  "7915 §4.2/§5.2)")                                                    \
	X(ICMP_NESTED, "icmp-nested",                                           \
	  "ICMP error inside an ICMP error (RFC 7915 §4.3/§5.3)")               \
	X(ICMP_INNER, "icmp-inner-bad",                                         \
	  "inner packet of an ICMP error is malformed or untranslatable")       \
	X(ICMP_CSUM, "icmp-bad-checksum",                                       \
	  "ICMP error with a wrong checksum is not translated")                 \
	X(ICMP_EXT, "icmp-ext-bad",                                             \
	  "RFC 4884 length field of an ICMP error is inconsistent")             \
	X(FRAG_ICMP, "icmp-fragmented",                                         \
	  "fragmented ICMP: its checksum cannot be translated without "         \
	  "reassembly")                                                         \
	X(UDP_ZERO_CSUM, "udp-zero-checksum",                                   \
	  "IPv4 UDP with checksum 0 and udp-zero-checksum = drop (RFC 7915 "    \
	  "§4.5)")                                                              \
	X(UDP_ZERO_CSUM_FRAG, "udp-zero-checksum-fragment",                     \
	  "fragmented IPv4 UDP with checksum 0 cannot be completed (RFC 7915 "  \
	  "§4.5)")                                                              \
	X(FRAG_OVERFLOW, "fragment-overflow",                                   \
	  "fragment offset plus length beyond 65535, or too many fragments")    \
	X(NO_ROOM, "no-headroom",                                               \
	  "buffer lacks the headroom or tailroom the translation needs")        \
	X(NO_ERROR_ABOUT, "icmp-not-about",                                     \
	  "no ICMP error about an ICMP error, a non-first fragment or an "      \
	  "unusable source (RFC 4443 §2.4(e), RFC 1812 §4.3.2.7)")              \
	X(ICMP_RATELIMIT, "icmp-ratelimited",                                   \
	  "ICMP error suppressed by the rate limit (RFC 4443 §2.4(f))")         \
	X(ICMP_DISABLED, "icmp-errors-off",                                     \
	  "packet needed an ICMP error but icmp-errors = off")                  \
	X(NO_ICMP_SRC, "no-icmp-source",                                        \
	  "no RFC 6791 pool / icmp6-source configured to source an ICMP "       \
	  "error")                                                              \
	X(NAT64_NO_BIB, "nat64-no-mapping",                                     \
	  "IPv4 packet for a pool4 address:port no BIB entry holds (RFC 6146 "  \
	  "§3.5)")                                                              \
	X(NAT64_FILTERED, "nat64-filtered",                                     \
	  "address-dependent filtering: no session with this remote (RFC "      \
	  "6146 §3.5.1)")                                                       \
	X(NAT64_TCP_NO_SESSION, "nat64-tcp-no-session",                         \
	  "TCP packet other than SYN for a flow without session (RFC 6146 "     \
	  "§3.5.2.2)")                                                          \
	X(NAT64_SYN_HELD, "nat64-syn-held",                                     \
	  "inbound SYN without mapping held for simultaneous open (RFC 6146 "   \
	  "§3.5.2.2)")                                                          \
	X(NAT64_SYN_QUEUE_FULL, "nat64-syn-queue-full",                         \
	  "inbound SYN dropped: the queue of held SYNs is full (RFC 6146 "      \
	  "§5.3)")                                                              \
	X(NAT64_HAIRPIN_LOOP, "nat64-hairpin-loop",                             \
	  "IPv6 source inside pool6: a translated packet looping (RFC 6146 "    \
	  "§5.3)")                                                              \
	X(NAT64_FRAGMENT, "nat64-fragment",                                     \
	  "fragment whose first fragment was not seen (out of order, "          \
	  "expired, "                                                           \
	  "or the fragment table full; RFC 6146 §3.4)")                         \
	X(NAT64_BIB_FULL, "nat64-bib-full",                                     \
	  "new mapping refused: the BIB table is full")                         \
	X(NAT64_SESS_FULL, "nat64-session-full",                                \
	  "new session refused: the session table is full")                     \
	X(NAT64_SUBS_FULL, "nat64-subscribers-full",                            \
	  "new subscriber refused: the subscriber table is full")               \
	X(NAT64_POOL4_EXHAUSTED, "nat64-pool4-exhausted",                       \
	  "new mapping refused: no pool4 port or block left (RFC 6146 "         \
	  "§3.5.1.1)")                                                          \
	X(NAT64_QUOTA, "nat64-quota",                                           \
	  "new flow refused: subscriber over its session or port-block limit")

enum xlat_reason {
#define XLAT_REASON_ENUM(e, n, x) XLAT_R_##e,
	XLAT_REASON_LIST(XLAT_REASON_ENUM)
#undef XLAT_REASON_ENUM
	    XLAT_R_MAX
};

#endif
