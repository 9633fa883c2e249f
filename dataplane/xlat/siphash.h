/*
 * siphash.h - SipHash-c-d (Aumasson and Bernstein, 2012), the keyed hash of
 * the places where a remote party must not be able to predict or aim a
 * value: RFC 6056 port offsets (pool4), the worker that owns a subscriber
 * (nat64_db), the DNS64 cache index.  One implementation for all of them.
 *
 * Contract: pure, no state; the message is read byte by byte as
 * little-endian 64-bit words, as the algorithm defines it, so the result
 * is the same on every host.  Not for the per-packet table indexes, which
 * use a cheaper keyed mix (nat64_db.c).
 */
#ifndef GATE64_XLAT_SIPHASH_H
#define GATE64_XLAT_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t siphash_rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void siphash_rounds(uint64_t v[4], int n)
{
	for (int i = 0; i < n; i++) {
		v[0] += v[1];
		v[1] = siphash_rotl(v[1], 13);
		v[1] ^= v[0];
		v[0] = siphash_rotl(v[0], 32);
		v[2] += v[3];
		v[3] = siphash_rotl(v[3], 16);
		v[3] ^= v[2];
		v[0] += v[3];
		v[3] = siphash_rotl(v[3], 21);
		v[3] ^= v[0];
		v[2] += v[1];
		v[1] = siphash_rotl(v[1], 17);
		v[1] ^= v[2];
		v[2] = siphash_rotl(v[2], 32);
	}
}

/* SipHash-c-d of len bytes at m under key[0..1]: c compression rounds per
 * word, d finalization rounds (SipHash-2-4: c = 2, d = 4). */
static inline uint64_t siphash(const uint64_t key[2], const uint8_t *m,
			       size_t len, int c, int d)
{
	uint64_t v[4] = {
	    key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
	    key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull};
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w = 0;
		for (int j = 7; j >= 0; j--)
			w = w << 8 | m[i + (size_t)j];
		v[3] ^= w;
		siphash_rounds(v, c);
		v[0] ^= w;
	}
	uint64_t b = (uint64_t)(len & 0xff) << 56;
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)m[i + j] << (8 * j);
	v[3] ^= b;
	siphash_rounds(v, c);
	v[0] ^= b;
	v[2] ^= 0xff;
	siphash_rounds(v, d);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

#endif
