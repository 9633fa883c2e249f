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
XLAT_INLINE int rfc6052_pos(uint8_t plen, int i)
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

/* Never translated, whatever the prefix: "this network" 0/8, loopback
 * 127/8, link-local 169.254/16, multicast 224/4, limited broadcast.
 * a in network order. */
static inline int ip4_is_reserved(uint32_t a_net)
{
	uint32_t a = xlat_ntohl(a_net);
	return (a >> 24) == 0 || (a >> 24) == 127 || (a >> 16) == 0xa9fe ||
	       (a >> 28) == 0xe || a == 0xffffffffu;
}

/*
 * RFC 6052 §3.1: the Well-Known Prefix MUST NOT be used with non-global
 * IPv4 addresses: RFC 1918, shared 100.64/10 (RFC 6598), IETF protocol
 * assignments 192.0.0/24, benchmarking 198.18/15 and 240/4.  The
 * documentation ranges (TEST-NET-1/2/3) stay allowed: RFC 6052 §2.4's own
 * example is 64:ff9b::192.0.2.33.  See docs/translation.md.
 */
static inline int ip4_is_nonglobal(uint32_t a_net)
{
	uint32_t a = xlat_ntohl(a_net);
	return (a >> 24) == 10 || (a & 0xffc00000u) == 0x64400000u ||
	       (a & 0xfff00000u) == 0xac100000u ||
	       (a & 0xffffff00u) == 0xc0000000u || (a >> 16) == 0xc0a8 ||
	       (a & 0xfffe0000u) == 0xc6120000u || (a >> 28) == 0xf;
}

/*
 * The per-packet form: a prefix prepared once (rfc6052_pfx_init) so that
 * matching, the u-octet/suffix check and extraction are a few 64-bit
 * operations.  The functions above are the reference it is tested against.
 */
struct rfc6052_pfx {
	uint64_t p[2]; /* prefix bytes 0-7 and 8-15, as loaded from memory */
	uint64_t m[2]; /* bits that must equal the prefix */
	uint64_t z;    /* bits of bytes 8-15 that must be zero */
	uint32_t sum;  /* one's complement sum of the prefix's 16-bit words */
	uint8_t len;   /* 0: no prefix */
	uint8_t wkp;
};

XLAT_INLINE uint64_t rfc6052_ld64(const uint8_t *a)
{
	uint64_t v;
	__builtin_memcpy(&v, a, 8);
	return v;
}

static inline void rfc6052_pfx_init(struct rfc6052_pfx *f,
				    const uint8_t *prefix, uint8_t plen)
{
	uint8_t m[16], z[16];
	int last = rfc6052_pos(plen, 3);

	for (int i = 0; i < 16; i++) {
		m[i] = i < plen / 8 ? 0xff : 0;
		z[i] = plen < 96 && i >= 8 && (i == 8 || i > last) ? 0xff : 0;
	}
	f->len = rfc6052_len_valid(plen) ? plen : 0;
	f->p[0] = rfc6052_ld64(prefix) & rfc6052_ld64(m);
	f->p[1] = rfc6052_ld64(prefix + 8) & rfc6052_ld64(m + 8);
	f->m[0] = rfc6052_ld64(m);
	f->m[1] = rfc6052_ld64(m + 8);
	f->z = rfc6052_ld64(z + 8);
	f->wkp = f->len && rfc6052_is_wkp(prefix, plen);
	f->sum = 0;
	for (int i = 0; i < 16; i += 2) {
		uint16_t w;
		__builtin_memcpy(&w, &((const uint8_t *)f->p)[i], 2);
		f->sum += w;
	}
}

/* 0: a is inside the prefix, *v4 extracted; 1: a is not inside; -1: inside
 * but its u-octet or suffix is not zero (RFC 6052 §2.2). */
XLAT_INLINE int rfc6052_pfx_extract(const struct rfc6052_pfx *f,
				    const uint8_t *a, uint32_t *v4)
{
	uint64_t hi = rfc6052_ld64(a), lo = rfc6052_ld64(a + 8);

	if (!f->len || ((hi ^ f->p[0]) & f->m[0]) | ((lo ^ f->p[1]) & f->m[1]))
		return 1;
	if (lo & f->z)
		return -1;
	if (f->len == 96) {
		__builtin_memcpy(v4, a + 12, 4);
		return 0;
	}
	uint8_t *b = (uint8_t *)v4;
	for (int i = 0; i < 4; i++)
		b[i] = a[rfc6052_pos(f->len, i)];
	return 0;
}

/* The /96 case of rfc6052_pfx_extract (f->len == 96 known): no u-octet, no
 * suffix, the IPv4 address in the last four bytes. */
XLAT_INLINE int rfc6052_pfx96_extract(const struct rfc6052_pfx *f,
				      const uint8_t *a, uint32_t *v4)
{
	uint64_t hi = rfc6052_ld64(a), lo = rfc6052_ld64(a + 8);

	if ((hi ^ f->p[0]) | ((lo ^ f->p[1]) & f->m[1]))
		return 1;
	__builtin_memcpy(v4, a + 12, 4);
	return 0;
}

XLAT_INLINE void rfc6052_pfx_embed(const struct rfc6052_pfx *f, uint32_t v4,
				   uint8_t *out)
{
	__builtin_memcpy(out, &f->p[0], 8);
	__builtin_memcpy(out + 8, &f->p[1], 8);
	if (f->len == 96) {
		__builtin_memcpy(out + 12, &v4, 4);
		return;
	}
	const uint8_t *b = (const uint8_t *)&v4;
	for (int i = 0; i < 4; i++)
		out[rfc6052_pos(f->len, i)] = b[i];
}

#endif
