/*
 * eam.h - the Explicit Address Mapping table (RFC 7757): IPv4 prefix <->
 * IPv6 prefix pairs, longest-prefix match in both directions.
 *
 * Contract: a table is built off the packet path (eam_add, then
 * eam_build), then only read; workers share it read-only and a change is
 * made by building a new table and swapping the pointer.  Lookups are
 * allocation-free: a binary search per distinct prefix length, longest
 * length first.  No libc on the lookup path.
 */
#ifndef GATE64_XLAT_EAM_H
#define GATE64_XLAT_EAM_H

#include <stddef.h>
#include <stdint.h>

#include "hdr.h"

#define XLAT_EAM_MAX 4096

struct xlat_eam {
	uint32_t v4;	/* host order, host bits zero */
	uint8_t v4len;	/* 0..32 */
	uint8_t v6len;	/* 0..128; 128 - v6len == 32 - v4len (RFC 7757 §3.2) */
	uint8_t v6[16]; /* host bits zero */
};

/* A run of entries of one prefix length, sorted by prefix. */
struct xlat_eam_run {
	uint16_t first;
	uint16_t n;
	uint8_t len;
};

struct xlat_eamt {
	uint32_t n;
	struct xlat_eam by4[XLAT_EAM_MAX]; /* by v4len desc, then v4 asc */
	struct xlat_eam by6[XLAT_EAM_MAX]; /* by v6len desc, then v6 asc */
	uint8_t nrun4, nrun6;
	struct xlat_eam_run run4[33];
	struct xlat_eam_run run6[129];
};

void eam_init(struct xlat_eamt *t);
/*
 * Add v4/v4len <-> v6/v6len (v4 in network order).  Returns 0, -EINVAL
 * (suffix lengths differ, host bits set; msg says which), -EEXIST (the
 * same IPv4 or IPv6 prefix is already in the table), -ENOSPC.  Entries may
 * nest: lookups take the longest match (RFC 7757 §3.2).  Call eam_build after
 * the last add and before lookups.
 */
int eam_add(struct xlat_eamt *t, uint32_t v4, uint8_t v4len, const uint8_t *v6,
	    uint8_t v6len, char *msg, size_t msglen);
void eam_build(struct xlat_eamt *t);

/*
 * RFC 7757 §3.3 on one entry e that matched: the address's suffix (the
 * bits past the entry's prefix) appended to the other side's prefix.
 * 32 - v4len == 128 - v6len <= 32, so the suffix lies in the last 32 bits
 * of the IPv6 address.  Inline, no libc: eam.c's lookups and the XDP
 * program (bpf/xlat_xdp.c, after its LPM trie lookup) share them.
 */
XLAT_INLINE uint32_t eam_v4_mask(uint8_t len)
{
	return len ? ~0u << (32 - len) : 0; /* len 1..32: shift 31..0 */
}

/* IPv4 v4 (network order) through e -> IPv6 out. */
XLAT_INLINE void eam_entry_4to6(const struct xlat_eam *e, uint32_t v4,
				uint8_t *out)
{
	uint32_t w;

	__builtin_memcpy(out, e->v6, 16);
	__builtin_memcpy(&w, out + 12, 4);
	w = xlat_htonl(xlat_ntohl(w) |
		       (xlat_ntohl(v4) & ~eam_v4_mask(e->v4len)));
	__builtin_memcpy(out + 12, &w, 4);
}

/* IPv6 v6 through e -> IPv4, network order. */
XLAT_INLINE uint32_t eam_entry_6to4(const struct xlat_eam *e, const uint8_t *v6)
{
	uint32_t host;

	__builtin_memcpy(&host, v6 + 12, 4);
	host = xlat_ntohl(host) & ~eam_v4_mask(e->v4len);
	return xlat_htonl(e->v4 | host);
}

/* IPv4 (network order) -> IPv6.  Returns 1 and fills out, or 0. */
int eam_4to6(const struct xlat_eamt *t, uint32_t v4, uint8_t *out);
/* IPv6 -> IPv4 (network order).  Returns 1 and fills *out, or 0. */
int eam_6to4(const struct xlat_eamt *t, const uint8_t *v6, uint32_t *out);

#endif
