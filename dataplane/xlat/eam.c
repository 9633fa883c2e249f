/*
 * eam.c - the RFC 7757 Explicit Address Mapping table.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "eam.h"
#include "hdr.h"

void eam_init(struct xlat_eamt *t)
{
	t->n = 0;
	t->nrun4 = 0;
	t->nrun6 = 0;
}

static int v6_host_bits_zero(const uint8_t *a, uint8_t len)
{
	for (int i = 0; i < 16; i++) {
		int bits = len - i * 8; /* prefix bits inside byte i */
		uint8_t mask = bits >= 8   ? 0xff
			       : bits <= 0 ? 0
					   : (uint8_t)(0xff << (8 - bits));
		if (a[i] & ~mask)
			return 0;
	}
	return 1;
}

int eam_add(struct xlat_eamt *t, uint32_t v4, uint8_t v4len, const uint8_t *v6,
	    uint8_t v6len, char *msg, size_t msglen)
{
	uint32_t h4 = xlat_ntohl(v4);

	if (v4len > 32 || v6len > 128 || 32 - v4len != 128 - v6len) {
		snprintf(msg, msglen,
			 "EAM /%u <-> /%u: both prefixes must leave the same "
			 "number of host bits (RFC 7757 §3.2)",
			 v4len, v6len);
		return -EINVAL;
	}
	if ((h4 & ~eam_v4_mask(v4len)) || !v6_host_bits_zero(v6, v6len)) {
		snprintf(msg, msglen,
			 "EAM prefix has host bits set: write the network "
			 "address of the prefix");
		return -EINVAL;
	}
	for (uint32_t i = 0; i < t->n; i++) {
		const struct xlat_eam *e = &t->by4[i];
		if ((e->v4len == v4len && e->v4 == h4) ||
		    (e->v6len == v6len && !memcmp(e->v6, v6, 16))) {
			snprintf(msg, msglen,
				 "EAM prefix already in the table: remove the "
				 "old entry first");
			return -EEXIST;
		}
	}
	if (t->n >= XLAT_EAM_MAX) {
		snprintf(msg, msglen, "EAM table full (%d entries)",
			 XLAT_EAM_MAX);
		return -ENOSPC;
	}
	struct xlat_eam *e = &t->by4[t->n++];
	e->v4 = h4;
	e->v4len = v4len;
	e->v6len = v6len;
	memcpy(e->v6, v6, 16);
	return 0;
}

static int cmp4(const void *a, const void *b)
{
	const struct xlat_eam *x = a, *y = b;
	if (x->v4len != y->v4len)
		return x->v4len > y->v4len ? -1 : 1;
	return x->v4 < y->v4 ? -1 : x->v4 > y->v4;
}

static int cmp6(const void *a, const void *b)
{
	const struct xlat_eam *x = a, *y = b;
	if (x->v6len != y->v6len)
		return x->v6len > y->v6len ? -1 : 1;
	return memcmp(x->v6, y->v6, 16);
}

void eam_build(struct xlat_eamt *t)
{
	qsort(t->by4, t->n, sizeof(t->by4[0]), cmp4);
	memcpy(t->by6, t->by4, t->n * sizeof(t->by4[0]));
	qsort(t->by6, t->n, sizeof(t->by6[0]), cmp6);
	t->nrun4 = 0;
	t->nrun6 = 0;
	for (uint32_t i = 0; i < t->n; i++) {
		if (i == 0 || t->by4[i].v4len != t->by4[i - 1].v4len)
			t->run4[t->nrun4++] = (struct xlat_eam_run){
			    .first = (uint16_t)i, .len = t->by4[i].v4len};
		t->run4[t->nrun4 - 1].n++;
		if (i == 0 || t->by6[i].v6len != t->by6[i - 1].v6len)
			t->run6[t->nrun6++] = (struct xlat_eam_run){
			    .first = (uint16_t)i, .len = t->by6[i].v6len};
		t->run6[t->nrun6 - 1].n++;
	}
}

/* Copy the host bits of 'from' (beyond plen) into 'to'. */
static void v6_or_suffix(uint8_t *to, const uint8_t *from, uint8_t plen)
{
	for (int i = 0; i < 16; i++) {
		int bits = plen - i * 8;
		uint8_t mask = bits >= 8   ? 0xff
			       : bits <= 0 ? 0
					   : (uint8_t)(0xff << (8 - bits));
		to[i] = (uint8_t)((to[i] & mask) | (from[i] & ~mask));
	}
}

int eam_4to6(const struct xlat_eamt *t, uint32_t v4, uint8_t *out)
{
	uint32_t h4 = xlat_ntohl(v4);

	if (!t)
		return 0;
	for (int r = 0; r < t->nrun4; r++) {
		const struct xlat_eam_run *run = &t->run4[r];
		uint32_t key = h4 & eam_v4_mask(run->len);
		int lo = run->first, hi = run->first + run->n - 1;
		while (lo <= hi) {
			int mid = (lo + hi) / 2;
			const struct xlat_eam *e = &t->by4[mid];
			if (e->v4 == key) {
				/* RFC 7757 §3.3: suffix of the IPv4 address
				 * appended to the IPv6 prefix */
				eam_entry_4to6(e, v4, out);
				return 1;
			}
			if (e->v4 < key)
				lo = mid + 1;
			else
				hi = mid - 1;
		}
	}
	return 0;
}

int eam_6to4(const struct xlat_eamt *t, const uint8_t *v6, uint32_t *out)
{
	if (!t)
		return 0;
	for (int r = 0; r < t->nrun6; r++) {
		const struct xlat_eam_run *run = &t->run6[r];
		uint8_t key[16];
		uint8_t zero[16] = {0};
		memcpy(key, v6, 16);
		v6_or_suffix(key, zero, run->len);
		int lo = run->first, hi = run->first + run->n - 1;
		while (lo <= hi) {
			int mid = (lo + hi) / 2;
			const struct xlat_eam *e = &t->by6[mid];
			int c = memcmp(e->v6, key, 16);
			if (c == 0) {
				*out = eam_entry_6to4(e, v6);
				return 1;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid - 1;
		}
	}
	return 0;
}
