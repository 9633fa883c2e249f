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
XLAT_INLINE uint16_t csum_fold32(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

XLAT_INLINE uint32_t csum_add16(uint32_t s, uint16_t v)
{
	return s + v;
}

/* Sum of the 16-bit words of a 16-byte address, as stored in memory. */
XLAT_INLINE uint32_t csum_addr6(const uint8_t *a)
{
	uint32_t s = 0;
	for (int i = 0; i < 16; i += 2) {
		uint16_t w; /* any alignment: a is wherever the packet is */
		__builtin_memcpy(&w, a + i, 2);
		s += w;
	}
	return s;
}

XLAT_INLINE uint32_t csum_addr4(uint32_t a)
{
	return (a & 0xffff) + (a >> 16);
}

/*
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').  'rem' and 'add' are sums (not
 * folded) of the 16-bit words that leave and enter the checksummed data,
 * in memory order, each of at most 64 words.  ~m is taken as K - m with K
 * a multiple of 0xffff above any such sum, so one fold at the end does.
 */
XLAT_INLINE uint16_t csum_update(uint16_t old, uint32_t rem, uint32_t add)
{
	const uint32_t k = 0xffffu * 64;
	return (uint16_t)~csum_fold32((uint16_t)~old + (k - rem) + add);
}

/* Same for UDP, where 0 means "no checksum" and a computed 0 is sent as
 * 0xffff (RFC 768). */
XLAT_INLINE uint16_t csum_update_udp(uint16_t old, uint32_t rem, uint32_t add)
{
	uint16_t c = csum_update(old, rem, add);
	return c ? c : 0xffff;
}

/* Sum of len bytes at p (host/DPDK builds). */
XLAT_INLINE uint32_t csum_partial(const void *p, uint32_t len, uint32_t s)
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

/* IPv4 header checksum of a 20-byte header (options are never emitted):
 * five 32-bit words summed in 64 bits, then folded; the same value as the
 * 16-bit sum (RFC 1071 §2(B): the sum is independent of word size). */
XLAT_INLINE uint16_t csum_ip4_hdr(const struct xlat_ip4 *ip)
{
	const uint8_t *b = (const uint8_t *)ip;
	uint32_t w0, w1, w2, w3, w4;

	__builtin_memcpy(&w0, b, 4);
	__builtin_memcpy(&w1, b + 4, 4);
	__builtin_memcpy(&w2, b + 8, 4);
	__builtin_memcpy(&w3, b + 12, 4);
	__builtin_memcpy(&w4, b + 16, 4);
	uint64_t s = (uint64_t)w0 + w1 + w2 + w3 + w4;
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint16_t)~csum_fold32((uint32_t)(s & 0xffff) +
				      (uint32_t)(s >> 16));
}

/* Pseudo-header sums (RFC 8200 §8.1, RFC 793/768), in memory order. */
XLAT_INLINE uint32_t csum_pseudo6(const struct xlat_ip6 *ip, uint32_t l4len,
				  uint8_t proto)
{
	return csum_addr6(ip->saddr) + csum_addr6(ip->daddr) +
	       xlat_htons((uint16_t)(l4len >> 16)) +
	       xlat_htons((uint16_t)l4len) + xlat_htons(proto);
}

XLAT_INLINE uint32_t csum_pseudo4(uint32_t saddr, uint32_t daddr,
				  uint16_t l4len, uint8_t proto)
{
	return csum_addr4(saddr) + csum_addr4(daddr) + xlat_htons(l4len) +
	       xlat_htons(proto);
}

#endif
