/*
 * pool4.c - the IPv4 transport addresses of stateful NAT64: configuration
 * check, the per-worker slices of every range, RFC 6056 port selection
 * and RFC 7422 port blocks.
 *
 * Layout: every configured range (address, protocol, min..max) is cut into
 * nworkers contiguous slices; worker w's struct pool4 holds one slice per
 * range, each with a bitmap of its ports (1 bit per port, set = in use)
 * and, in block mode, a bitmap of its blocks (set = held by a subscriber).
 * The owner of a port is computed from the port alone (pool4_owner), so the
 * IPv4 side steers a packet to the worker whose slice holds its port.
 *
 * Every search here is bounded: at most POOL4_MAX_TRIES random probes,
 * then a scan of at most one bitmap word per 64 ports of the slice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool4.h"
#include "siphash.h"

#define P4_BLOCK_MIN 8u
#define P4_BLOCK_MAX 32768u

/* One range's share for this worker: ports lo .. lo + len - 1. */
struct p4_slice {
	uint32_t addr;
	uint8_t proto;
	uint16_t lo;
	uint32_t len;	   /* ports in the slice (block mode: nblk * bs) */
	uint32_t used;	   /* bits set in bits */
	uint64_t *bits;	   /* len bits: port lo + i in use */
	uint32_t nblk;	   /* block mode: blocks in the slice */
	uint32_t blk_used; /* block mode: bits set in blkbits */
	uint64_t *blkbits; /* block mode: nblk bits: block i held */
};

struct pool4 {
	unsigned worker;
	unsigned n;
	uint16_t bs; /* block size, 0 = no blocks */
	uint16_t max_blocks;
	uint64_t key[2];
	struct p4_slice s[POOL4_MAX_RANGES];
	/* this worker's slices of each protocol, in configuration order */
	uint8_t nby[NAT64_NPROTO];
	uint8_t by[NAT64_NPROTO][POOL4_MAX_RANGES];
	uint64_t *mem; /* every bitmap, one allocation */
};

static const char *const p4_proto_name[NAT64_NPROTO] = {"TCP", "UDP", "ICMP"};

/* ---- keyed hash: SipHash-2-4 (Aumasson, Bernstein 2012) ---- */

/* RFC 6056 §3.3.3 (Algorithm 3): offset = F(local id, secret key).  The
 * mapping is endpoint-independent (RFC 6146 §3.5.1.1), so the remote
 * endpoint is left out: F(src6, sport, proto, key). */
static uint64_t p4_port_hash(const uint64_t key[2], const uint8_t *src6,
			     uint16_t sport, uint8_t proto)
{
	uint8_t m[19];

	memcpy(m, src6, 16);
	m[16] = (uint8_t)(sport >> 8);
	m[17] = (uint8_t)sport;
	m[18] = proto;
	return siphash(key, m, sizeof(m), 2, 4);
}

/* Where a subscriber's search for a free block starts. */
static uint64_t p4_block_hash(const uint64_t key[2], uint32_t sub_hash,
			      uint8_t proto)
{
	uint8_t m[5] = {(uint8_t)(sub_hash >> 24), (uint8_t)(sub_hash >> 16),
			(uint8_t)(sub_hash >> 8), (uint8_t)sub_hash, proto};

	return siphash(key, m, sizeof(m), 2, 4);
}

/* ---- bitmaps ---- */

static int bit_test(const uint64_t *b, uint32_t i)
{
	return (int)((b[i >> 6] >> (i & 63)) & 1);
}

static void bit_set(uint64_t *b, uint32_t i)
{
	b[i >> 6] |= 1ull << (i & 63);
}

static void bit_clear(uint64_t *b, uint32_t i)
{
	b[i >> 6] &= ~(1ull << (i & 63));
}

static uint32_t words(uint32_t nbits)
{
	return (nbits + 63) / 64;
}

/* First clear bit in [a, b] (inclusive), or -1: one word read per 64 bits,
 * (b - a) / 64 + 2 reads at most. */
static int64_t find_zero(const uint64_t *bits, uint32_t a, uint32_t b)
{
	uint32_t w = a >> 6, last = b >> 6;
	uint64_t word = ~bits[w] & (~0ull << (a & 63));

	for (;;) {
		if (w == last)
			word &= ~0ull >> (63 - (b & 63));
		if (word)
			return (int64_t)w * 64 + __builtin_ctzll(word);
		if (w == last)
			return -1;
		word = ~bits[++w];
	}
}

/* First clear bit in [a, b] at or after 'from', wrapping to a. */
static int64_t find_zero_from(const uint64_t *bits, uint32_t a, uint32_t b,
			      uint32_t from)
{
	int64_t r = find_zero(bits, from, b);

	if (r < 0 && from > a)
		r = find_zero(bits, a, from - 1);
	return r;
}

/*
 * RFC 6056 §3.3.3: probe a + (offset + i) % n for i < POOL4_MAX_TRIES in
 * the interval [a, b] of slice bit indexes (n = b - a + 1).  When every
 * probe hits a port in use, scan on from the last probe position (wrapping)
 * so that a free port is found whenever the interval has one: the scan
 * reads at most n / 64 + 3 bitmap words, so the whole search stays bounded
 * by POOL4_MAX_TRIES + slice_len / 64 memory reads.  Returns the bit index
 * or -1 when the interval is full.
 */
static int64_t p4_pick(const struct p4_slice *s, uint32_t a, uint32_t b,
		       uint64_t offset)
{
	uint32_t n = b - a + 1;
	uint32_t off = (uint32_t)(offset % n);
	uint32_t tries = n < POOL4_MAX_TRIES ? n : POOL4_MAX_TRIES;

	for (uint32_t i = 0; i < tries; i++) {
		uint32_t idx = a + (off + i) % n;
		if (!bit_test(s->bits, idx))
			return idx;
	}
	if (tries == n)
		return -1;
	return find_zero_from(s->bits, a, b, a + (off + tries) % n);
}

static void p4_take(struct p4_slice *s, uint32_t idx)
{
	bit_set(s->bits, idx);
	s->used++;
}

/* ---- configuration ---- */

static void fmt_range(char *buf, size_t len, unsigned i,
		      const struct pool4_range *r)
{
	snprintf(buf, len, "pool4 entry %u (%u.%u.%u.%u %s %u-%u)", i,
		 r->addr >> 24, (r->addr >> 16) & 0xff, (r->addr >> 8) & 0xff,
		 r->addr & 0xff,
		 r->proto < NAT64_NPROTO ? p4_proto_name[r->proto] : "?",
		 r->min, r->max);
}

int pool4_cfg_check(const struct pool4_cfg *cfg, char *err, size_t errlen)
{
	char a[80], b[80];

	if (cfg->n == 0 || cfg->n > POOL4_MAX_RANGES) {
		snprintf(err, errlen,
			 "pool4 has %u entries: configure 1 to %u (address, "
			 "protocol, port range) entries",
			 cfg->n, (unsigned)POOL4_MAX_RANGES);
		return -EINVAL;
	}
	if (cfg->nworkers < 1 || cfg->nworkers > POOL4_MAX_WORKERS) {
		snprintf(err, errlen,
			 "pool4: %u workers: the pool can be split between 1 "
			 "and %u workers",
			 cfg->nworkers, (unsigned)POOL4_MAX_WORKERS);
		return -EINVAL;
	}
	if (cfg->block_size != 0 && (cfg->block_size < P4_BLOCK_MIN ||
				     cfg->block_size > P4_BLOCK_MAX)) {
		snprintf(err, errlen,
			 "pool4: block size %u: use 0 (no port blocks) or %u "
			 "to %u ports per block",
			 cfg->block_size, P4_BLOCK_MIN, P4_BLOCK_MAX);
		return -EINVAL;
	}
	if (cfg->block_size != 0 &&
	    (cfg->max_blocks < 1 || cfg->max_blocks > POOL4_SUB_BLOCKS_MAX)) {
		snprintf(err, errlen,
			 "pool4: %u blocks per subscriber: use 1 to %u",
			 cfg->max_blocks, (unsigned)POOL4_SUB_BLOCKS_MAX);
		return -EINVAL;
	}
	for (unsigned i = 0; i < cfg->n; i++) {
		const struct pool4_range *r = &cfg->r[i];
		uint32_t len = (uint32_t)r->max - r->min + 1;

		fmt_range(a, sizeof(a), i, r);
		if (r->proto >= NAT64_NPROTO) {
			snprintf(err, errlen,
				 "%s: protocol %u: use TCP, UDP or ICMP", a,
				 r->proto);
			return -EINVAL;
		}
		if (r->min > r->max) {
			snprintf(err, errlen,
				 "%s: the first port is above the last: write "
				 "the range as min-max",
				 a);
			return -EINVAL;
		}
		/* Port 0 is not a valid TCP or UDP port on the wire; ICMP
		 * identifier 0 is. */
		if (r->min == 0 && r->proto != NAT64_ICMP) {
			snprintf(err, errlen,
				 "%s: port 0 is not usable for %s: start the "
				 "range at 1 or above",
				 a, p4_proto_name[r->proto]);
			return -EINVAL;
		}
		if (cfg->block_size == 0 && len < cfg->nworkers) {
			snprintf(err, errlen,
				 "%s: %u ports can feed at most %u workers, "
				 "not %u: widen the range or use fewer workers",
				 a, len, len, cfg->nworkers);
			return -EINVAL;
		}
		if (cfg->block_size != 0 &&
		    len / cfg->block_size < cfg->nworkers) {
			uint32_t nb = len / cfg->block_size;
			snprintf(err, errlen,
				 "%s: %u ports make %u blocks of %u, which can "
				 "feed at most %u workers, not %u: widen the "
				 "range, use smaller blocks or fewer workers",
				 a, len, nb, cfg->block_size, nb,
				 cfg->nworkers);
			return -EINVAL;
		}
		for (unsigned j = 0; j < i; j++) {
			const struct pool4_range *q = &cfg->r[j];
			if (q->addr != r->addr || q->proto != r->proto ||
			    q->max < r->min || r->max < q->min)
				continue;
			fmt_range(b, sizeof(b), j, q);
			snprintf(err, errlen,
				 "%s overlaps %s: ranges of one protocol on "
				 "one address must not share ports",
				 a, b);
			return -EINVAL;
		}
	}
	return 0;
}

/* Worker w's slice of range r: ports lo .. lo + len - 1; in block mode
 * whole blocks counted from r->min (a tail shorter than a block is left
 * out of every slice). */
static void p4_slice_of(const struct pool4_cfg *cfg,
			const struct pool4_range *r, unsigned w, uint16_t *lo,
			uint32_t *len, uint32_t *nblk)
{
	uint32_t rlen = (uint32_t)r->max - r->min + 1;
	unsigned n = cfg->nworkers;

	if (cfg->block_size == 0) {
		uint32_t a = rlen * w / n, b = rlen * (w + 1) / n;
		*lo = (uint16_t)(r->min + a);
		*len = b - a;
		*nblk = 0;
	} else {
		uint32_t nb = rlen / cfg->block_size;
		uint32_t a = nb * w / n, b = nb * (w + 1) / n;
		*lo = (uint16_t)(r->min + a * cfg->block_size);
		*nblk = b - a;
		*len = *nblk * cfg->block_size;
	}
}

struct pool4 *pool4_init(const struct pool4_cfg *cfg, unsigned worker,
			 char *err, size_t errlen)
{
	struct pool4 *p;
	size_t nwords = 0, off = 0;

	if (pool4_cfg_check(cfg, err, errlen) < 0)
		return NULL;
	if (worker >= cfg->nworkers) {
		snprintf(err, errlen, "pool4: worker %u of %u does not exist",
			 worker, cfg->nworkers);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "pool4: out of memory");
		return NULL;
	}
	p->worker = worker;
	p->n = cfg->n;
	p->bs = cfg->block_size;
	p->max_blocks = cfg->max_blocks;
	p->key[0] = cfg->key[0];
	p->key[1] = cfg->key[1];
	for (unsigned i = 0; i < cfg->n; i++) {
		struct p4_slice *s = &p->s[i];
		const struct pool4_range *r = &cfg->r[i];

		s->addr = r->addr;
		s->proto = r->proto;
		p4_slice_of(cfg, r, worker, &s->lo, &s->len, &s->nblk);
		nwords += words(s->len) + words(s->nblk);
		p->by[r->proto][p->nby[r->proto]++] = (uint8_t)i;
	}
	p->mem = calloc(nwords ? nwords : 1, sizeof(uint64_t));
	if (!p->mem) {
		free(p);
		snprintf(err, errlen,
			 "pool4: out of memory for %zu bitmap words", nwords);
		return NULL;
	}
	for (unsigned i = 0; i < cfg->n; i++) {
		struct p4_slice *s = &p->s[i];

		s->bits = p->mem + off;
		off += words(s->len);
		s->blkbits = s->nblk ? p->mem + off : NULL;
		off += words(s->nblk);
	}
	return p;
}

void pool4_fini(struct pool4 *p)
{
	if (!p)
		return;
	free(p->mem);
	free(p);
}

/* Pure arithmetic: slice w of a range of len units (ports, or blocks) cut
 * in n starts at floor(len * w / n), so the unit at offset o belongs to the
 * largest w with floor(len * w / n) <= o, i.e. w = ((o + 1) * n - 1) / len.
 * An address/port in no range (or in the tail of a range that is shorter
 * than a block, which no slice holds) is reported as worker 0; worker 0
 * then refuses it (pool4_reserve -ENOENT, no BIB entry matches). */
unsigned pool4_owner(const struct pool4_cfg *cfg, uint32_t addr, uint8_t proto,
		     uint16_t port)
{
	for (unsigned i = 0; i < cfg->n; i++) {
		const struct pool4_range *r = &cfg->r[i];
		uint32_t o, len;

		if (r->addr != addr || r->proto != proto || port < r->min ||
		    port > r->max)
			continue;
		o = (uint32_t)port - r->min;
		len = (uint32_t)r->max - r->min + 1;
		if (cfg->block_size) {
			len /= cfg->block_size;
			o /= cfg->block_size;
			if (o >= len)
				return 0;
		}
		return ((o + 1) * cfg->nworkers - 1) / len;
	}
	return 0;
}

int pool4_contains(const struct pool4_cfg *cfg, uint32_t addr, uint8_t proto)
{
	for (unsigned i = 0; i < cfg->n; i++)
		if (cfg->r[i].addr == addr && cfg->r[i].proto == proto)
			return 1;
	return 0;
}

/* This worker's slice holding (addr, proto, port), or NULL. */
static struct p4_slice *p4_find(struct pool4 *p, uint8_t proto, uint32_t addr,
				uint16_t port)
{
	if (proto >= NAT64_NPROTO)
		return NULL;
	for (unsigned k = 0; k < p->nby[proto]; k++) {
		struct p4_slice *s = &p->s[p->by[proto][k]];
		if (s->addr == addr && port >= s->lo &&
		    (uint32_t)port - s->lo < s->len)
			return s;
	}
	return NULL;
}

/* ---- port selection without blocks ---- */

/* RFC 6146 §3.5.1.1: the port range of sport (0-1023, 1024-49151,
 * 49152-65535), as slice bit indexes [*a, *b]; the whole slice when the
 * slice has no port of that class, and always for ICMP identifiers. */
static void p4_class(const struct p4_slice *s, uint16_t sport, uint32_t *a,
		     uint32_t *b)
{
	uint32_t clo, chi, lo = s->lo, hi = s->lo + s->len - 1;

	*a = 0;
	*b = s->len - 1;
	if (s->proto == NAT64_ICMP)
		return;
	if (sport < 1024) {
		clo = 0;
		chi = 1023;
	} else if (sport < 49152) {
		clo = 1024;
		chi = 49151;
	} else {
		clo = 49152;
		chi = 65535;
	}
	if (clo < lo)
		clo = lo;
	if (chi > hi)
		chi = hi;
	if (clo > chi)
		return;
	*a = clo - lo;
	*b = chi - lo;
}

static int p4_get_port(struct pool4 *p, uint8_t proto, uint64_t h,
		       uint16_t sport, uint32_t sub_hash, uint32_t *addr,
		       uint16_t *port)
{
	unsigned nr = p->nby[proto];

	/* RFC 4787 REQ-2 (paired pooling): the subscriber's hash picks the
	 * first range tried, so it keeps one address while that has ports;
	 * the next ranges are tried in turn only when it is full. */
	for (unsigned k = 0; k < nr; k++) {
		struct p4_slice *s = &p->s[p->by[proto][(sub_hash + k) % nr]];
		uint32_t a, b;
		int64_t idx;

		if (s->used >= s->len)
			continue;
		p4_class(s, sport, &a, &b);
		idx = p4_pick(s, a, b, h);
		/* The class is full: any port of the slice rather than a
		 * refused flow (the class is a SHOULD). */
		if (idx < 0)
			idx = find_zero_from(s->bits, 0, s->len - 1, a);
		if (idx < 0)
			continue; /* not reached: used < len */
		p4_take(s, (uint32_t)idx);
		*addr = s->addr;
		*port = (uint16_t)(s->lo + idx);
		return 0;
	}
	return -ENOSPC;
}

/* ---- port blocks (RFC 7422) ---- */

/* A free port in the block starting at 'start' of slice s, or -1. */
static int64_t p4_pick_in_block(const struct pool4 *p, const struct p4_slice *s,
				uint16_t start, uint64_t h)
{
	uint32_t a = (uint32_t)start - s->lo;

	return p4_pick(s, a, a + p->bs - 1, h);
}

/* Take a free block of slice s that has a free port, searching from a
 * hashed position over at most nblk blocks.  Returns the port's bit index
 * and the block's first port in *start, or -1. */
static int64_t p4_take_block(struct pool4 *p, struct p4_slice *s, uint64_t bh,
			     uint64_t h, uint16_t *start)
{
	uint32_t from, seen = 0;

	if (s->blk_used >= s->nblk)
		return -1;
	from = (uint32_t)(bh % s->nblk);
	while (seen < s->nblk) {
		int64_t k = find_zero_from(s->blkbits, 0, s->nblk - 1, from);
		int64_t idx;

		if (k < 0)
			return -1;
		*start = (uint16_t)(s->lo + (uint32_t)k * p->bs);
		/* A free block may still hold static (reserved) ports. */
		idx = p4_pick_in_block(p, s, *start, h);
		if (idx >= 0) {
			bit_set(s->blkbits, (uint32_t)k);
			s->blk_used++;
			return idx;
		}
		seen += (uint32_t)((uint32_t)k >= from
				       ? (uint32_t)k - from + 1
				       : s->nblk - from + (uint32_t)k + 1);
		from = ((uint32_t)k + 1) % s->nblk;
	}
	return -1;
}

static int p4_blocks_held(const struct pool4_blocks *blk)
{
	for (unsigned i = 0; i < NAT64_NPROTO; i++)
		if (blk->proto_n[i])
			return 1;
	return 0;
}

/*
 * RFC 7422: a subscriber's ports come from its blocks, all on one address.
 * The port range class of sport is not kept here: a block is a contiguous
 * range of block_size ports, logged once at allocation, and mapping a
 * subscriber to few log lines is the point of blocks.
 */
static int p4_get_block(struct pool4 *p, uint8_t proto, uint64_t h,
			uint32_t sub_hash, struct pool4_blocks *blk,
			uint32_t *addr, uint16_t *port, struct pool4_event *ev)
{
	unsigned nb = blk->proto_n[proto], nr = p->nby[proto];
	int held = p4_blocks_held(blk);
	uint64_t bh;

	/* a free port in one of the subscriber's blocks, oldest block first */
	for (unsigned j = 0; held && j < nb; j++) {
		uint16_t start = blk->start[proto][j];
		struct p4_slice *s;
		int64_t idx;

		if (blk->used[proto][j] >= p->bs)
			continue;
		s = p4_find(p, proto, blk->addr, start);
		if (!s)
			continue; /* not this worker's block: caller's bug */
		idx = p4_pick_in_block(p, s, start, h);
		if (idx < 0)
			continue;
		p4_take(s, (uint32_t)idx);
		blk->used[proto][j]++;
		*addr = s->addr;
		*port = (uint16_t)(s->lo + idx);
		return 0;
	}
	if (nb >= p->max_blocks)
		return -EDQUOT;
	/* a new block: on the subscriber's address if it holds any block,
	 * else on the address its hash picks (paired pooling, as above) */
	bh = p4_block_hash(p->key, sub_hash, proto);
	for (unsigned k = 0; k < nr; k++) {
		struct p4_slice *s = &p->s[p->by[proto][(sub_hash + k) % nr]];
		uint16_t start;
		int64_t idx;

		if (held && s->addr != blk->addr)
			continue;
		idx = p4_take_block(p, s, bh, h, &start);
		if (idx < 0)
			continue;
		p4_take(s, (uint32_t)idx);
		blk->addr = s->addr;
		blk->start[proto][nb] = start;
		blk->used[proto][nb] = 1;
		blk->proto_n[proto] = (uint8_t)(nb + 1);
		if (ev) {
			ev->block_new = 1;
			ev->block_start = start;
		}
		*addr = s->addr;
		*port = (uint16_t)(s->lo + idx);
		return 0;
	}
	return -ENOSPC;
}

int pool4_get(struct pool4 *p, uint8_t proto, const uint8_t *src6,
	      uint16_t sport, uint32_t sub_hash, struct pool4_blocks *blk,
	      uint32_t *addr, uint16_t *port, struct pool4_event *ev)
{
	uint64_t h;

	if (ev)
		ev->block_new = 0;
	if (proto >= NAT64_NPROTO)
		return -EINVAL;
	/* In block mode every port comes from a subscriber's block: a port
	 * taken outside the blocks could land in another subscriber's. */
	if (p->bs && !blk)
		return -EINVAL;
	h = p4_port_hash(p->key, src6, sport, proto);
	if (p->bs)
		return p4_get_block(p, proto, h, sub_hash, blk, addr, port, ev);
	return p4_get_port(p, proto, h, sport, sub_hash, addr, port);
}

int pool4_put(struct pool4 *p, uint8_t proto, uint32_t addr, uint16_t port,
	      struct pool4_blocks *blk, uint16_t *block_start)
{
	struct p4_slice *s = p4_find(p, proto, addr, port);
	uint32_t idx;
	unsigned nb;

	if (!s)
		return -ENOENT;
	idx = (uint32_t)port - s->lo;
	if (!bit_test(s->bits, idx))
		return -ENOENT;
	bit_clear(s->bits, idx);
	s->used--;
	if (!blk || !p->bs || blk->addr != addr)
		return 0;
	nb = blk->proto_n[proto];
	for (unsigned j = 0; j < nb; j++) {
		uint16_t start = blk->start[proto][j];

		if (port < start || (uint32_t)port - start >= p->bs)
			continue;
		if (blk->used[proto][j] > 0)
			blk->used[proto][j]--;
		if (blk->used[proto][j] > 0)
			return 0;
		/* the block's last port: release the block */
		bit_clear(s->blkbits, ((uint32_t)start - s->lo) / p->bs);
		s->blk_used--;
		memmove(&blk->start[proto][j], &blk->start[proto][j + 1],
			(nb - j - 1) * sizeof(blk->start[proto][0]));
		memmove(&blk->used[proto][j], &blk->used[proto][j + 1],
			(nb - j - 1) * sizeof(blk->used[proto][0]));
		blk->proto_n[proto] = (uint8_t)(nb - 1);
		if (block_start)
			*block_start = start;
		return 1;
	}
	return 0; /* a port outside the subscriber's blocks (static entry) */
}

int pool4_reserve(struct pool4 *p, uint8_t proto, uint32_t addr, uint16_t port)
{
	struct p4_slice *s = p4_find(p, proto, addr, port);
	uint32_t idx;

	if (!s)
		return -ENOENT;
	idx = (uint32_t)port - s->lo;
	if (bit_test(s->bits, idx))
		return -EBUSY;
	p4_take(s, idx);
	return 0;
}

/* The subscriber's block of proto that starts at 'start' on addr: its
 * index in blk, or -1. */
static int p4_blk_index(const struct pool4_blocks *blk, uint8_t proto,
			uint32_t addr, uint16_t start)
{
	if (!p4_blocks_held(blk) || blk->addr != addr)
		return -1;
	for (unsigned j = 0; j < blk->proto_n[proto]; j++)
		if (blk->start[proto][j] == start)
			return (int)j;
	return -1;
}

int pool4_claim(struct pool4 *p, uint8_t proto, uint32_t addr, uint16_t port,
		struct pool4_blocks *blk)
{
	struct p4_slice *s;
	uint32_t idx, k;
	uint16_t start;
	unsigned nb;
	int j;

	if (!p->bs)
		return pool4_reserve(p, proto, addr, port);
	/* as pool4_get: in block mode every port is in a subscriber's block */
	if (!blk)
		return -EINVAL;
	s = p4_find(p, proto, addr, port);
	if (!s)
		return -ENOENT;
	idx = (uint32_t)port - s->lo;
	if (bit_test(s->bits, idx))
		return -EBUSY;
	k = idx / p->bs;
	start = (uint16_t)(s->lo + k * p->bs);
	j = p4_blk_index(blk, proto, addr, start);
	if (j >= 0) {
		p4_take(s, idx);
		blk->used[proto][j]++;
		return 0;
	}
	if (bit_test(s->blkbits, k))
		return -EBUSY; /* another subscriber's block */
	/* a free block (it may hold static ports, as in p4_take_block):
	 * the subscriber's if pool4_get could have given it this one */
	nb = blk->proto_n[proto];
	if ((p4_blocks_held(blk) && blk->addr != addr) || nb >= p->max_blocks)
		return -EDQUOT;
	bit_set(s->blkbits, k);
	s->blk_used++;
	p4_take(s, idx);
	blk->addr = addr;
	blk->start[proto][nb] = start;
	blk->used[proto][nb] = 1;
	blk->proto_n[proto] = (uint8_t)(nb + 1);
	return 0;
}

void pool4_usage(const struct pool4 *p, uint8_t proto, uint64_t *used,
		 uint64_t *total)
{
	uint64_t u = 0, t = 0;

	if (proto < NAT64_NPROTO) {
		for (unsigned k = 0; k < p->nby[proto]; k++) {
			const struct p4_slice *s = &p->s[p->by[proto][k]];
			u += s->used;
			t += s->len;
		}
	}
	*used = u;
	*total = t;
}

void pool4_range_usage(const struct pool4 *p, unsigned range, uint64_t *used,
		       uint64_t *total, uint64_t *blocks)
{
	const struct p4_slice *s = range < p->n ? &p->s[range] : NULL;
	*used = s ? s->used : 0;
	*total = s ? s->len : 0;
	*blocks = s ? s->blk_used : 0;
}

unsigned pool4_carry(struct pool4 *dst, const struct pool4 *src)
{
	unsigned carried = 0;

	if (dst->bs != src->bs)
		return 0; /* another cut: nothing matches */
	for (unsigned i = 0; i < dst->n; i++) {
		struct p4_slice *d = &dst->s[i];
		for (unsigned j = 0; j < src->n; j++) {
			const struct p4_slice *o = &src->s[j];
			if (o->addr != d->addr || o->proto != d->proto ||
			    o->lo != d->lo || o->len != d->len ||
			    o->nblk != d->nblk)
				continue;
			memcpy(d->bits, o->bits,
			       words(d->len) * sizeof(uint64_t));
			d->used = o->used;
			if (d->nblk)
				memcpy(d->blkbits, o->blkbits,
				       words(d->nblk) * sizeof(uint64_t));
			d->blk_used = o->blk_used;
			carried++;
			break;
		}
	}
	return carried;
}
