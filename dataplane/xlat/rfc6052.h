/*
 * rfc6052.h - IPv4-embedded IPv6 addresses (RFC 6052 §2.2): embed and
 * extract for prefix lengths 32, 40, 48, 56, 64 and 96, and the address
 * classes that RFC 6052 §3.1 and the design never translate.
 *
 * Contract: static inline, no state, no libc; the BPF program, the DPDK
 * workers and dns64/ use these same functions.  IPv4 addresses are
 * uint32_t in network order (as they sit in the packet).
 */
#ifndef GATE64_XLAT_RFC6052_H
#define GATE64_XLAT_RFC6052_H

#include <stdint.h>

#include "hdr.h"

static inline int rfc6052_len_valid(uint8_t plen)
{
	return plen == 32 || plen == 40 || plen == 48 || plen == 56 ||
	       plen == 64 || plen == 96;
}

/* Byte position of IPv4 octet i (0..3) for a valid prefix length: right
 * after the prefix, skipping the u-octet (byte 8) below /96 (RFC 6052 §2.2
 * Figure 1). */
static inline int rfc6052_pos(uint8_t plen, int i)
{
	int p = plen / 8 + i;
	return plen < 96 && p >= 8 ? p + 1 : p;
}

/* Does a match the first plen bits of prefix (plen a multiple of 8)? */
static inline int rfc6052_match(const uint8_t *prefix, uint8_t plen,
				const uint8_t *a)
{
	for (int i = 0; i < 12; i++)
		if (i < plen / 8 && a[i] != prefix[i])
			return 0;
	return 1;
}

/* RFC 6052 §2.2: prefix, then the IPv4 address around the zero u-octet,
 * then a zero suffix. */
static inline void rfc6052_embed(const uint8_t *prefix, uint8_t plen,
				 uint32_t v4, uint8_t *out)
{
	const uint8_t *b = (const uint8_t *)&v4;

	for (int i = 0; i < 16; i++)
		out[i] = i < plen / 8 ? prefix[i] : 0;
	if (!rfc6052_len_valid(plen))
		return;
	for (int i = 0; i < 4; i++)
		out[rfc6052_pos(plen, i)] = b[i];
}

/*
 * Extract the IPv4 address from a, which must match prefix/plen.
 * Returns 0, or -1 if the u-octet or the suffix is not zero (RFC 6052
 * §2.2: "bits 64 to 71 ... MUST be set to zero"; the suffix is zero by
 * construction, and an address with other bits set is not one of ours).
 */
static inline int rfc6052_extract(uint8_t plen, const uint8_t *a, uint32_t *v4)
{
	uint8_t *b = (uint8_t *)v4;
	int last = rfc6052_pos(plen, 3);

	if (!rfc6052_len_valid(plen))
		return -1;
	for (int i = 8; i < 16; i++)
		if (plen != 96 && (i == 8 || i > last) && a[i])
			return -1;
	for (int i = 0; i < 4; i++)
		b[i] = a[rfc6052_pos(plen, i)];
	return 0;
}

/* 64:ff9b::/96, the Well-Known Prefix (RFC 6052 §2.1). */
static inline int rfc6052_is_wkp(const uint8_t *prefix, uint8_t plen)
{
	static const uint8_t wkp[12] = {0x00, 0x64, 0xff, 0x9b};
	if (plen != 96)
		return 0;
	for (int i = 0; i < 12; i++)
		if (prefix[i] != wkp[i])
			return 0;
	return 1;
}

static inline int ip4_in(uint32_t a_net, uint32_t pfx_host, int len)
{
	uint32_t a = xlat_ntohl(a_net);
	uint32_t mask = len ? ~0u << (32 - len) : 0;
	return (a & mask) == pfx_host;
}

/* Never translated, whatever the prefix: "this network" 0/8, loopback
 * 127/8, link-local 169.254/16, multicast 224/4, limited broadcast. */
static inline int ip4_is_reserved(uint32_t a)
{
	return ip4_in(a, 0x00000000u, 8) || ip4_in(a, 0x7f000000u, 8) ||
	       ip4_in(a, 0xa9fe0000u, 16) || ip4_in(a, 0xe0000000u, 4) ||
	       a == 0xffffffffu;
}

/*
 * RFC 6052 §3.1: the Well-Known Prefix MUST NOT be used with non-global
 * IPv4 addresses: RFC 1918, shared 100.64/10 (RFC 6598), IETF protocol
 * assignments 192.0.0/24, benchmarking 198.18/15 and 240/4.  The
 * documentation ranges (TEST-NET-1/2/3) stay allowed: RFC 6052 §2.4's own
 * example is 64:ff9b::192.0.2.33.  See docs/translation.md.
 */
static inline int ip4_is_nonglobal(uint32_t a)
{
	return ip4_in(a, 0x0a000000u, 8) || ip4_in(a, 0x64400000u, 10) ||
	       ip4_in(a, 0xac100000u, 12) || ip4_in(a, 0xc0000000u, 24) ||
	       ip4_in(a, 0xc0a80000u, 16) || ip4_in(a, 0xc6120000u, 15) ||
	       ip4_in(a, 0xf0000000u, 4);
}

#endif
