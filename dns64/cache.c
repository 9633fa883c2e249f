/*
 * cache.c - the DNS64 answer cache (see cache.h for the contract).
 *
 * Each slab: an entry table, hash buckets chaining entries by index, and a
 * pool of fixed-size blocks chained by index.  An entry's bytes are its
 * serialised key, the offsets of the TTL fields in the message, then the
 * message.  CLOCK: a hit sets the entry's reference bit; the hand clears
 * set bits and evicts the first entry whose bit is clear.
 */
#define _GNU_SOURCE
#include "dns64/cache.h"
#include "dataplane/xlat/siphash.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define NIL	  UINT32_MAX
#define KEY_MAX	  (1 + DNS_NAME_MAX + 5)
#define TTLS_MAX  (DNS_SEC_MAX * DNS_RR_MAX)
#define ENTRY_MAX (KEY_MAX + 2 * TTLS_MAX + DNS_MSG_MAX)

static const char *const ctr_names[] = {
#define DNS64_CACHE_CTR_NAME(e, n, x) n,
    DNS64_CACHE_CTR_LIST(DNS64_CACHE_CTR_NAME)
#undef DNS64_CACHE_CTR_NAME
};
static const char *const ctr_explain[] = {
#define DNS64_CACHE_CTR_X(e, n, x) x,
    DNS64_CACHE_CTR_LIST(DNS64_CACHE_CTR_X)
#undef DNS64_CACHE_CTR_X
};

const char *dns64_cache_ctr_name(int c)
{
	return c >= 0 && c < DNS64_CACHE_CTR_MAX ? ctr_names[c] : "?";
}

const char *dns64_cache_ctr_explain(int c)
{
	return c >= 0 && c < DNS64_CACHE_CTR_MAX ? ctr_explain[c] : "?";
}

struct centry {
	uint64_t hash;
	uint64_t stored_ms;
	uint64_t expire_ms;
	uint32_t next;	/* hash chain, or the free list */
	uint32_t block; /* first block; NIL when the entry is free */
	uint32_t nblocks;
	uint16_t keylen;
	uint16_t nttl;
	uint16_t msglen;
	uint8_t ref;
};

struct slab {
	pthread_mutex_t lock;
	struct centry *ent;
	uint32_t nent;
	uint32_t efree; /* free entries, chained by next */
	uint32_t nused;
	uint32_t hand;
	uint32_t *bucket;
	uint32_t bmask;
	uint8_t *pool;
	uint32_t *bnext;
	uint32_t nblocks;
	uint32_t bfree; /* free blocks, chained by bnext */
	uint32_t nbfree;
	uint64_t ctr[DNS64_CACHE_CTR_MAX];
};

struct dns64_cache {
	uint64_t key[2]; /* SipHash key */
	unsigned nslabs;
	struct slab slab[];
};

/* ---- keys and TTLs ------------------------------------------------------- */

void dns64_cache_key_make(struct dns64_cache_key *k, const struct dns_msg *q)
{
	memset(k, 0, sizeof(*k));
	k->name_len = (uint8_t)dns_name_lower(q->qname, k->name);
	k->qtype = q->qtype;
	k->qclass = q->qclass;
	if (q->has_opt) {
		k->flags |= DNS64_CK_EDNS;
		if (q->opt.flags & DNS_EDNS_DO)
			k->flags |= DNS64_CK_DO;
	}
	if (q->flags & DNS_F_CD)
		k->flags |= DNS64_CK_CD;
}

static size_t key_bytes(const struct dns64_cache_key *k, uint8_t *out)
{
	size_t n = 0;
	out[n++] = k->name_len;
	memcpy(out + n, k->name, k->name_len);
	n += k->name_len;
	out[n++] = (uint8_t)(k->qtype >> 8);
	out[n++] = (uint8_t)k->qtype;
	out[n++] = (uint8_t)(k->qclass >> 8);
	out[n++] = (uint8_t)k->qclass;
	out[n++] = k->flags;
	return n;
}

/* RFC 2181 §8: a TTL with the top bit set is treated as zero. */
static uint32_t ttl_of(uint32_t ttl)
{
	return ttl > 0x7fffffffu ? 0 : ttl;
}

uint32_t dns64_cache_ttl(const struct dns_msg *r)
{
	uint16_t rcode = dns_msg_rcode(r);
	uint32_t ttl = UINT32_MAX, soa = UINT32_MAX;
	bool have_answer = false;

	if (r->flags & DNS_F_TC)
		return 0;
	if (rcode != DNS_RC_NOERROR && rcode != DNS_RC_NXDOMAIN)
		return 0;
	for (int s = 0; s < DNS_SEC_MAX; s++) {
		for (unsigned i = 0; i < r->nrr[s]; i++) {
			const struct dns_rr *rr = &r->rr[s][i];
			uint32_t t = ttl_of(rr->ttl);
			if (t < ttl)
				ttl = t;
			if (s == DNS_SEC_AN &&
			    (rr->type == r->qtype || r->qtype == DNS_T_ANY))
				have_answer = true;
			if (s == DNS_SEC_NS && rr->type == DNS_T_SOA) {
				uint32_t min = 0;
				if (dns_rr_soa_minimum(r, rr, &min))
					return 0;
				/* RFC 2308 §5: min(SOA TTL, MINIMUM) */
				min = ttl_of(min);
				if (t < min)
					min = t;
				if (min < soa)
					soa = min;
			}
		}
	}
	if (rcode == DNS_RC_NXDOMAIN || !have_answer) {
		/* RFC 2308 §5: negative answers without SOA are not cached */
		if (soa == UINT32_MAX)
			return 0;
		if (soa < ttl)
			ttl = soa;
		return ttl > DNS64_CACHE_NEG_TTL_MAX ? DNS64_CACHE_NEG_TTL_MAX
						     : ttl;
	}
	return ttl > DNS64_CACHE_TTL_MAX ? DNS64_CACHE_TTL_MAX : ttl;
}

/* ---- blocks ---------------------------------------------------------------
 */

static void chain_write(struct slab *s, uint32_t b, size_t at, const void *src,
			size_t n)
{
	const uint8_t *p = src;
	if (!n)
		return;
	while (at >= DNS64_CACHE_BLOCK) {
		b = s->bnext[b];
		at -= DNS64_CACHE_BLOCK;
	}
	while (n) {
		size_t k = DNS64_CACHE_BLOCK - at;
		if (k > n)
			k = n;
		memcpy(s->pool + (size_t)b * DNS64_CACHE_BLOCK + at, p, k);
		p += k;
		n -= k;
		at = 0;
		b = s->bnext[b];
	}
}

static void chain_read(const struct slab *s, uint32_t b, size_t at, void *dst,
		       size_t n)
{
	uint8_t *p = dst;
	if (!n)
		return;
	while (at >= DNS64_CACHE_BLOCK) {
		b = s->bnext[b];
		at -= DNS64_CACHE_BLOCK;
	}
	while (n) {
		size_t k = DNS64_CACHE_BLOCK - at;
		if (k > n)
			k = n;
		memcpy(p, s->pool + (size_t)b * DNS64_CACHE_BLOCK + at, k);
		p += k;
		n -= k;
		at = 0;
		b = s->bnext[b];
	}
}

/* ---- entries --------------------------------------------------------------
 */

static void entry_unlink(struct slab *s, uint32_t i)
{
	uint32_t *pp = &s->bucket[s->ent[i].hash & s->bmask];
	while (*pp != NIL && *pp != i)
		pp = &s->ent[*pp].next;
	if (*pp == i)
		*pp = s->ent[i].next;
}

static void entry_free(struct slab *s, uint32_t i)
{
	struct centry *e = &s->ent[i];
	uint32_t b = e->block, last = b;

	entry_unlink(s, i);
	while (s->bnext[last] != NIL)
		last = s->bnext[last];
	s->bnext[last] = s->bfree;
	s->bfree = b;
	s->nbfree += e->nblocks;
	e->block = NIL;
	e->next = s->efree;
	s->efree = i;
	s->nused--;
}

/* CLOCK: evict until one entry and nblocks blocks are free. */
static int make_room(struct slab *s, uint32_t nblocks)
{
	for (size_t steps = 0; s->efree == NIL || s->nbfree < nblocks;
	     steps++) {
		if (steps > 2 * (size_t)s->nent + 2)
			return -E2BIG;
		struct centry *e = &s->ent[s->hand];
		uint32_t i = s->hand;
		s->hand = s->hand + 1 == s->nent ? 0 : s->hand + 1;
		if (e->block == NIL)
			continue;
		if (e->ref) {
			e->ref = 0;
			continue;
		}
		entry_free(s, i);
		s->ctr[DNS64_CACHE_EVICT]++;
	}
	return 0;
}

static uint32_t entry_find(struct slab *s, uint64_t h, const uint8_t *kb,
			   size_t klen)
{
	uint8_t tmp[KEY_MAX];
	for (uint32_t i = s->bucket[h & s->bmask]; i != NIL;
	     i = s->ent[i].next) {
		const struct centry *e = &s->ent[i];
		if (e->hash != h || e->keylen != klen)
			continue;
		chain_read(s, e->block, 0, tmp, klen);
		if (memcmp(tmp, kb, klen) == 0)
			return i;
	}
	return NIL;
}

/* ---- API ------------------------------------------------------------------
 */

static int slab_init(struct slab *s, size_t nent, size_t nblocks)
{
	size_t nb = 1;
	while (nb < nent)
		nb <<= 1;
	memset(s, 0, sizeof(*s));
	s->ent = calloc(nent, sizeof(*s->ent));
	s->bucket = malloc(nb * sizeof(*s->bucket));
	s->pool = malloc(nblocks * DNS64_CACHE_BLOCK);
	s->bnext = malloc(nblocks * sizeof(*s->bnext));
	if (!s->ent || !s->bucket || !s->pool || !s->bnext)
		return -ENOMEM;
	if (pthread_mutex_init(&s->lock, NULL))
		return -ENOMEM;
	s->nent = (uint32_t)nent;
	s->bmask = (uint32_t)nb - 1;
	for (size_t i = 0; i < nb; i++)
		s->bucket[i] = NIL;
	for (size_t i = 0; i < nent; i++) {
		s->ent[i].block = NIL;
		s->ent[i].next = i + 1 < nent ? (uint32_t)i + 1 : NIL;
	}
	s->efree = 0;
	s->nblocks = (uint32_t)nblocks;
	for (size_t i = 0; i < nblocks; i++)
		s->bnext[i] = i + 1 < nblocks ? (uint32_t)i + 1 : NIL;
	s->bfree = 0;
	s->nbfree = (uint32_t)nblocks;
	return 0;
}

static void slab_fini(struct slab *s)
{
	free(s->ent);
	free(s->bucket);
	free(s->pool);
	free(s->bnext);
	if (s->nent)
		pthread_mutex_destroy(&s->lock);
}

int dns64_cache_init(struct dns64_cache **cp, size_t entries, size_t bytes,
		     unsigned slabs)
{
	struct dns64_cache *c;
	uint64_t key[2];

	*cp = NULL;
	if (!slabs || !entries || entries >= NIL / 2 ||
	    bytes / DNS64_CACHE_BLOCK >= NIL / 2)
		return -EINVAL;
	if (slabs > entries)
		slabs = (unsigned)entries;
	size_t nblocks = bytes / DNS64_CACHE_BLOCK / slabs;
	if (nblocks < 1)
		return -EINVAL;
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		return -EIO;
	c = calloc(1, sizeof(*c) + slabs * sizeof(struct slab));
	if (!c)
		return -ENOMEM;
	c->key[0] = key[0];
	c->key[1] = key[1];
	for (unsigned i = 0; i < slabs; i++) {
		c->nslabs = i + 1;
		if (slab_init(&c->slab[i], entries / slabs, nblocks)) {
			c->slab[i].nent = 0;
			dns64_cache_fini(c);
			return -ENOMEM;
		}
	}
	*cp = c;
	return 0;
}

void dns64_cache_fini(struct dns64_cache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->nslabs; i++)
		slab_fini(&c->slab[i]);
	free(c);
}

static struct slab *slab_of(struct dns64_cache *c, uint64_t h)
{
	return &c->slab[(h >> 32) % c->nslabs];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

size_t dns64_cache_find(struct dns64_cache *c, const struct dns64_cache_key *k,
			const struct dns_msg *q, uint8_t *out, size_t cap,
			uint64_t now_ms)
{
	uint8_t kb[KEY_MAX];
	uint16_t offs[TTLS_MAX];
	size_t klen = key_bytes(k, kb);
	uint64_t h = siphash(c->key, kb, klen, 2, 4);
	struct slab *s = slab_of(c, h);
	size_t len = 0;
	uint32_t elapsed = 0;

	pthread_mutex_lock(&s->lock);
	uint32_t i = entry_find(s, h, kb, klen);
	if (i != NIL && s->ent[i].expire_ms <= now_ms) {
		entry_free(s, i);
		s->ctr[DNS64_CACHE_EXPIRE]++;
		i = NIL;
	}
	if (i == NIL || s->ent[i].msglen > cap) {
		s->ctr[DNS64_CACHE_MISS]++;
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	struct centry *e = &s->ent[i];
	e->ref = 1;
	len = e->msglen;
	chain_read(s, e->block, e->keylen, offs, e->nttl * sizeof(offs[0]));
	chain_read(s, e->block, e->keylen + e->nttl * sizeof(offs[0]), out,
		   len);
	elapsed = (uint32_t)((now_ms - e->stored_ms) / 1000);
	unsigned nttl = e->nttl;
	s->ctr[DNS64_CACHE_HIT]++;
	pthread_mutex_unlock(&s->lock);

	/* RFC 1035 §7.1: the client sees what is left of each TTL. */
	for (unsigned t = 0; t < nttl; t++) {
		uint8_t *p = out + offs[t];
		uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			     (uint32_t)p[2] << 8 | p[3];
		v = ttl_of(v);
		put32(p, v > elapsed ? v - elapsed : 0);
	}
	if (q) {
		out[0] = (uint8_t)(q->id >> 8);
		out[1] = (uint8_t)q->id;
		out[2] = (uint8_t)((out[2] & ~(DNS_F_RD >> 8)) |
				   ((q->flags & DNS_F_RD) >> 8));
		if (len >= DNS_HDR_LEN + (size_t)q->qname_len &&
		    q->qname_len == k->name_len)
			memcpy(out + DNS_HDR_LEN, q->qname, q->qname_len);
	}
	return len;
}

int dns64_cache_add(struct dns64_cache *c, const struct dns64_cache_key *k,
		    const struct dns_msg *r, uint64_t now_ms)
{
	uint8_t kb[KEY_MAX];
	uint16_t offs[TTLS_MAX];
	size_t klen = key_bytes(k, kb);
	uint64_t h = siphash(c->key, kb, klen, 2, 4);
	struct slab *s = slab_of(c, h);
	uint32_t ttl = dns64_cache_ttl(r);
	unsigned nttl = 0;

	if (ttl == 0) {
		pthread_mutex_lock(&s->lock);
		s->ctr[DNS64_CACHE_UNCACHEABLE]++;
		pthread_mutex_unlock(&s->lock);
		return -EINVAL;
	}
	for (int sec = 0; sec < DNS_SEC_MAX; sec++)
		for (unsigned i = 0; i < r->nrr[sec]; i++)
			offs[nttl++] = (uint16_t)(r->rr[sec][i].rdata_off - 6);
	size_t total = klen + nttl * sizeof(offs[0]) + r->len;
	uint32_t need =
	    (uint32_t)((total + DNS64_CACHE_BLOCK - 1) / DNS64_CACHE_BLOCK);

	pthread_mutex_lock(&s->lock);
	uint32_t old = entry_find(s, h, kb, klen);
	if (old != NIL)
		entry_free(s, old);
	if (need > s->nblocks || make_room(s, need)) {
		s->ctr[DNS64_CACHE_TOO_BIG]++;
		pthread_mutex_unlock(&s->lock);
		return -E2BIG;
	}
	uint32_t i = s->efree;
	struct centry *e = &s->ent[i];
	s->efree = e->next;
	/* take need blocks off the free list */
	uint32_t first = s->bfree, last = first;
	for (uint32_t n = 1; n < need; n++)
		last = s->bnext[last];
	s->bfree = s->bnext[last];
	s->bnext[last] = NIL;
	s->nbfree -= need;

	e->hash = h;
	e->block = first;
	e->nblocks = need;
	e->keylen = (uint16_t)klen;
	e->nttl = (uint16_t)nttl;
	e->msglen = r->len;
	e->stored_ms = now_ms;
	e->expire_ms = now_ms + (uint64_t)ttl * 1000;
	e->ref = 0;
	chain_write(s, first, 0, kb, klen);
	chain_write(s, first, klen, offs, nttl * sizeof(offs[0]));
	chain_write(s, first, klen + nttl * sizeof(offs[0]), r->buf, r->len);
	e->next = s->bucket[h & s->bmask];
	s->bucket[h & s->bmask] = i;
	s->nused++;
	s->ctr[DNS64_CACHE_INSERT]++;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

size_t dns64_cache_count(struct dns64_cache *c)
{
	size_t n = 0;
	for (unsigned i = 0; i < c->nslabs; i++) {
		pthread_mutex_lock(&c->slab[i].lock);
		n += c->slab[i].nused;
		pthread_mutex_unlock(&c->slab[i].lock);
	}
	return n;
}

void dns64_cache_counters(struct dns64_cache *c,
			  uint64_t out[DNS64_CACHE_CTR_MAX])
{
	memset(out, 0, sizeof(uint64_t) * DNS64_CACHE_CTR_MAX);
	for (unsigned i = 0; i < c->nslabs; i++) {
		pthread_mutex_lock(&c->slab[i].lock);
		for (int k = 0; k < DNS64_CACHE_CTR_MAX; k++)
			out[k] += c->slab[i].ctr[k];
		pthread_mutex_unlock(&c->slab[i].lock);
	}
}
