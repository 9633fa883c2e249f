/*
 * csum.h - Internet checksum arithmetic (RFC 1071) and incremental update
 * (RFC 1624), over bytes in network order.
 *
 * Contract: pure functions, no state, constant-bound loops where the BPF
 * program uses them (csum_add_addr6/4, csum_replace*); csum_partial loops
 * over a caller-given length and is for the host and DPDK builds only.
 */
#ifndef GATE64_XLAT_CSUM_H
#define GATE64_XLAT_CSUM_H

#include <stdint.h>

#include "hdr.h"

/* Fold a 32-bit one's complement accumulator to 16 bits (not inverted). */
static inline uint16_t csum_fold32(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static inline uint32_t csum_add16(uint32_t s, uint16_t v)
{
	return s + v;
}

/* Sum of the 16-bit words of a 16-byte address, as stored in memory. */
static inline uint32_t csum_addr6(const uint8_t *a)
{
	const uint16_t *w = (const uint16_t *)(const void *)a;
	uint32_t s = 0;
	for (int i = 0; i < 8; i++)
		s += w[i];
	return s;
}

static inline uint32_t csum_addr4(uint32_t a)
{
	return (a & 0xffff) + (a >> 16);
}

/*
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').  'rem' and 'add' are folded sums
 * of what leaves and what enters the checksummed data, in memory order.
 */
static inline uint16_t csum_update(uint16_t old, uint32_t rem, uint32_t add)
{
	uint32_t s = (uint16_t)~old;
	s += (uint16_t)~csum_fold32(rem);
	s += csum_fold32(add);
	return (uint16_t)~csum_fold32(s);
}

/* Same for UDP, where 0 means "no checksum" and a computed 0 is sent as
 * 0xffff (RFC 768). */
static inline uint16_t csum_update_udp(uint16_t old, uint32_t rem, uint32_t add)
{
	uint16_t c = csum_update(old, rem, add);
	return c ? c : 0xffff;
}

/* Sum of len bytes at p (host/DPDK builds). */
static inline uint32_t csum_partial(const void *p, uint32_t len, uint32_t s)
{
	const uint8_t *b = (const uint8_t *)p;
	while (len >= 2) {
		uint16_t w;
		__builtin_memcpy(&w, b, 2);
		s += w;
		b += 2;
		len -= 2;
		if (s & 0x80000000u)
			s = (s & 0xffff) + (s >> 16);
	}
	if (len) {
		uint16_t w = 0;
		__builtin_memcpy(&w, b, 1);
		s += w;
	}
	return s;
}

/* IPv4 header checksum of a 20-byte header (options are never emitted). */
static inline uint16_t csum_ip4_hdr(const struct xlat_ip4 *ip)
{
	const uint16_t *w = (const uint16_t *)(const void *)ip;
	uint32_t s = 0;
	for (int i = 0; i < 10; i++)
		s += w[i];
	return (uint16_t)~csum_fold32(s);
}

/* Pseudo-header sums (RFC 8200 §8.1, RFC 793/768), in memory order. */
static inline uint32_t csum_pseudo6(const struct xlat_ip6 *ip, uint32_t l4len,
				    uint8_t proto)
{
	return csum_addr6(ip->saddr) + csum_addr6(ip->daddr) +
	       xlat_htons((uint16_t)(l4len >> 16)) +
	       xlat_htons((uint16_t)l4len) + xlat_htons(proto);
}

static inline uint32_t csum_pseudo4(uint32_t saddr, uint32_t daddr,
				    uint16_t l4len, uint8_t proto)
{
	return csum_addr4(saddr) + csum_addr4(daddr) + xlat_htons(l4len) +
	       xlat_htons(proto);
}

#endif
