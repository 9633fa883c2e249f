/*
 * hdr.h - wire header layouts and byte-order helpers for the translation core.
 *
 * Contract: plain structs over packet bytes, in network byte order, with no
 * padding; usable by the host build, the DPDK workers and clang -target bpf.
 * The caller bounds-checks before it dereferences one.  No state.
 */
#ifndef GATE64_XLAT_HDR_H
#define GATE64_XLAT_HDR_H

#include <stdint.h>

/* Hot helpers are inlined whatever the compiler's heuristics say: they
 * run per packet, and the BPF target needs them inline anyway. */
#define XLAT_INLINE static inline __attribute__((always_inline))

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#define XLAT_BIG_ENDIAN 1
static inline uint16_t xlat_htons(uint16_t v)
{
	return v;
}
static inline uint32_t xlat_htonl(uint32_t v)
{
	return v;
}
#else
static inline uint16_t xlat_htons(uint16_t v)
{
	return __builtin_bswap16(v);
}
static inline uint32_t xlat_htonl(uint32_t v)
{
	return __builtin_bswap32(v);
}
#endif
#define xlat_ntohs xlat_htons
#define xlat_ntohl xlat_htonl

#define XLAT_IPPROTO_HOPOPTS  0
#define XLAT_IPPROTO_ICMP     1
#define XLAT_IPPROTO_TCP      6
#define XLAT_IPPROTO_UDP      17
#define XLAT_IPPROTO_ROUTING  43
#define XLAT_IPPROTO_FRAGMENT 44
#define XLAT_IPPROTO_ICMPV6   58
#define XLAT_IPPROTO_NONE     59
#define XLAT_IPPROTO_DSTOPTS  60

#define XLAT_IP4_DF	 0x4000
#define XLAT_IP4_MF	 0x2000
#define XLAT_IP4_OFFMASK 0x1fff

struct xlat_ip4 {
	uint8_t ver_ihl;
	uint8_t tos;
	uint16_t tot_len;
	uint16_t id;
	uint16_t frag_off; /* flags (DF, MF) and offset in 8-byte units */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum;
	uint32_t saddr;
	uint32_t daddr;
};

struct xlat_ip6 {
	uint32_t
	    ver_tc_flow; /* version 4 bits, traffic class 8, flow label 20 */
	uint16_t plen;
	uint8_t nexthdr;
	uint8_t hlim;
	uint8_t saddr[16];
	uint8_t daddr[16];
};

/* hop-by-hop, destination options and routing headers share this start */
struct xlat_ip6_ext {
	uint8_t nexthdr;
	uint8_t len;	   /* in 8-byte units, not counting the first 8 */
	uint8_t type;	   /* routing header only */
	uint8_t segs_left; /* routing header only */
};

#define XLAT_IP6F_OFFMASK 0xfff8
#define XLAT_IP6F_MORE	  0x0001

struct xlat_ip6_frag {
	uint8_t nexthdr;
	uint8_t reserved;
	uint16_t off_m; /* offset << 3 | M */
	uint32_t id;
};

struct xlat_udp {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;
	uint16_t csum;
};

struct xlat_tcp {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t doff; /* data offset in the high 4 bits */
	uint8_t flags;
	uint16_t win;
	uint16_t csum;
	uint16_t urg;
};

/* ICMPv4 and ICMPv6 share the first 8 bytes' layout */
struct xlat_icmp {
	uint8_t type;
	uint8_t code;
	uint16_t csum;
	union {
		struct {
			uint16_t id;
			uint16_t seq;
		} echo;
		struct {
			uint16_t unused;
			uint16_t mtu;
		} frag4;       /* ICMPv4 3/4: next-hop MTU in the low 16 bits */
		uint32_t mtu6; /* ICMPv6 Packet Too Big */
		uint32_t pointer6; /* ICMPv6 Parameter Problem */
		uint8_t b[4]; /* b[0]: ICMPv4 pointer; b[1] / b[0]: RFC 4884
				 length */
	} un;
};

#define XLAT_IP4_HLEN  20
#define XLAT_IP6_HLEN  40
#define XLAT_FRAG_HLEN 8
#define XLAT_ICMP_HLEN 8

#endif
