/*
 * test_pool4.c - the stateful NAT64 IPv4 pool (dataplane/xlat/pool4.h):
 * configuration errors, the per-worker slices and pool4_owner, RFC 6056
 * Algorithm 3 port selection within the source port's class (RFC 6146
 * §3.5.1.1), exhaustion and the bounded search's fallback scan, paired
 * pooling (RFC 4787 REQ-2), RFC 7422 port blocks, static reservations and
 * the usage counters.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/xlat/pool4.h"

#define A1 0xc0000201u /* 192.0.2.1 */
#define A2 0xc0000202u /* 192.0.2.2 */
#define A3 0xc0000203u /* 192.0.2.3 */

static void cfg_reset(struct pool4_cfg *c, unsigned nworkers)
{
	memset(c, 0, sizeof(*c));
	c->nworkers = nworkers;
	c->key[0] = 0x0123456789abcdefull;
	c->key[1] = 0xfedcba9876543210ull;
}

static void cfg_add(struct pool4_cfg *c, uint32_t addr, uint8_t proto,
		    uint16_t min, uint16_t max)
{
	c->r[c->n].addr = addr;
	c->r[c->n].proto = proto;
	c->r[c->n].min = min;
	c->r[c->n].max = max;
	c->n++;
}

static struct pool4 *init_ok(const struct pool4_cfg *c, unsigned w)
{
	char err[256] = "";
	struct pool4 *p = pool4_init(c, w, err, sizeof(err));
	if (!p)
		fail_msg("pool4_init: %s", err);
	return p;
}

/* A distinct IPv6 source per i. */
static void src(uint8_t *a, uint32_t i)
{
	static const uint8_t base[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					 0,    0,    0,	   0,	 0, 0, 0, 0};
	memcpy(a, base, 16);
	a[12] = (uint8_t)(i >> 24);
	a[13] = (uint8_t)(i >> 16);
	a[14] = (uint8_t)(i >> 8);
	a[15] = (uint8_t)i;
}

static int get(struct pool4 *p, uint8_t proto, uint32_t i, uint16_t sport,
	       uint32_t sub, uint32_t *addr, uint16_t *port)
{
	uint8_t s6[16];
	src(s6, i);
	return pool4_get(p, proto, s6, sport, sub, NULL, addr, port, NULL);
}

static int getb(struct pool4 *p, uint8_t proto, uint32_t i, uint32_t sub,
		struct pool4_blocks *blk, uint32_t *addr, uint16_t *port,
		struct pool4_event *ev)
{
	uint8_t s6[16];
	src(s6, i);
	return pool4_get(p, proto, s6, (uint16_t)(1024 + i), sub, blk, addr,
			 port, ev);
}

static void check_err(const struct pool4_cfg *c, const char *want1,
		      const char *want2)
{
	char err[256] = "";
	assert_int_equal(pool4_cfg_check(c, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want1) || (want2 && !strstr(err, want2)))
		fail_msg("message '%s' lacks '%s' / '%s'", err, want1,
			 want2 ? want2 : "");
	/* pool4_init refuses it the same way */
	err[0] = 0;
	assert_null(pool4_init(c, 0, err, sizeof(err)));
	assert_non_null(strstr(err, want1));
}

/* RFC 6146 §3.5.1.1: one transport address is one BIB entry: two ranges of
 * one protocol on one address must not overlap; the message names both. */
static void test_rfc6146_3_5_1_1_cfg_overlap(void **state)
{
	struct pool4_cfg c;
	(void)state;

	cfg_reset(&c, 1);
	cfg_add(&c, A1, NAT64_TCP, 1000, 2000);
	cfg_add(&c, A1, NAT64_UDP, 1000, 2000); /* other protocol: fine */
	cfg_add(&c, A2, NAT64_TCP, 1000, 2000); /* other address: fine */
	cfg_add(&c, A1, NAT64_TCP, 3000, 4000);
	assert_int_equal(pool4_cfg_check(&c, NULL, 0), 0);
	cfg_add(&c, A1, NAT64_TCP, 2000, 2999);
	check_err(&c, "192.0.2.1 TCP 1000-2000", "192.0.2.1 TCP 2000-2999");
	c.r[4].min = 2001;
	c.r[4].max = 3000;
	check_err(&c, "TCP 3000-4000", "TCP 2001-3000");
	c.r[4].max = 2999;
	assert_int_equal(pool4_cfg_check(&c, NULL, 0), 0);
	/* a range inside another */
	cfg_add(&c, A2, NAT64_TCP, 1500, 1600);
	check_err(&c, "192.0.2.2 TCP 1000-2000", "192.0.2.2 TCP 1500-1600");
}

/* RFC 7422 §4 (block size): 0 or 8..32768 ports, max_blocks 1..cap. */
static void test_rfc7422_cfg_block_size(void **state)
{
	struct pool4_cfg c;
	(void)state;

	cfg_reset(&c, 1);
	cfg_add(&c, A1, NAT64_UDP, 1024, 65535);
	c.block_size = 4;
	c.max_blocks = 4;
	check_err(&c, "block size 4", "8 to 32768");
	c.block_size = 40000;
	check_err(&c, "block size 40000", NULL);
	c.block_size = 100; /* not a power of two: allowed */
	assert_int_equal(pool4_cfg_check(&c, NULL, 0), 0);
	c.max_blocks = 0;
	check_err(&c, "0 blocks per subscriber", NULL);
	c.max_blocks = POOL4_SUB_BLOCKS_MAX + 1;
	check_err(&c, "blocks per subscriber", NULL);
	c.block_size = 0; /* max_blocks is ignored without blocks */
	assert_int_equal(pool4_cfg_check(&c, NULL, 0), 0);
}

/* Each worker needs at least one port (one block) of every range; the
 * message says how many workers the range can feed. */
static void test_pool4_cfg_workers(void **state)
{
	struct pool4_cfg c;
	(void)state;

	cfg_reset(&c, POOL4_MAX_WORKERS + 1);
	cfg_add(&c, A1, NAT64_TCP, 1024, 65535);
	check_err(&c, "65 workers", "1 and 64");
	c.nworkers = 0;
	check_err(&c, "0 workers", NULL);
	c.nworkers = 4;
	cfg_add(&c, A1, NAT64_ICMP, 0, 2); /* 3 identifiers */
	check_err(&c, "192.0.2.1 ICMP 0-2", "at most 3 workers, not 4");
	c.nworkers = 3;
	assert_int_equal(pool4_cfg_check(&c, NULL, 0), 0);
	/* block mode: 100 ports = 3 blocks of 32 */
	c.r[1].max = 99;
	c.block_size = 32;
	c.max_blocks = 2;
	c.nworkers = 4;
	check_err(&c, "3 blocks of 32", "at most 3 workers, not 4");
	c.nworkers = 3;
	assert_int_equal(pool4_cfg_check(&c, NULL, 0), 0);
}

/* Malformed entries: reversed range, unknown protocol, TCP/UDP port 0,
 * no entry at all. */
static void test_pool4_cfg_entries(void **state)
{
	struct pool4_cfg c;
	(void)state;

	cfg_reset(&c, 1);
	check_err(&c, "0 entries", NULL);
	cfg_add(&c, A1, NAT64_UDP, 2000, 1000);
	check_err(&c, "192.0.2.1 UDP 2000-1000", "above the last");
	c.r[0].max = 3000;
	c.r[0].proto = NAT64_NPROTO;
	check_err(&c, "protocol 3", NULL);
	c.r[0].proto = NAT64_UDP;
	c.r[0].min = 0;
	check_err(&c, "port 0", NULL);
	c.r[0].proto = NAT64_ICMP; /* identifier 0 is fine */
	assert_int_equal(pool4_cfg_check(&c, NULL, 0), 0);
}

/* Per-worker databases (DESIGN, VPP nat64): for 1..4 workers every port
 * of a range is owned by exactly one worker, pool4_owner says which, and
 * only that worker's pool4_get returns it. */
static void test_pool4_owner_slices(void **state)
{
	(void)state;

	for (unsigned nw = 1; nw <= 4; nw++) {
		struct pool4_cfg c;
		struct pool4 *p[4];
		static uint8_t seen[65536];

		cfg_reset(&c, nw);
		cfg_add(&c, A1, NAT64_TCP, 1000, 1100); /* 101 ports */
		cfg_add(&c, A2, NAT64_TCP, 60000, 60006);
		cfg_add(&c, A1, NAT64_ICMP, 0, 9);
		for (unsigned ri = 0; ri < c.n; ri++) {
			const struct pool4_range *r = &c.r[ri];
			unsigned total = 0;

			memset(seen, 0, sizeof(seen));
			for (unsigned w = 0; w < nw; w++) {
				uint32_t addr;
				uint16_t port;
				unsigned i = 0;

				p[w] = init_ok(&c, w);
				/* sub_hash ri steers to this range first */
				while (get(p[w], r->proto, i, 5000, ri, &addr,
					   &port) == 0) {
					i++;
					if (addr != r->addr)
						continue; /* another range */
					assert_true(port >= r->min &&
						    port <= r->max);
					assert_int_equal(seen[port], 0);
					seen[port] = 1;
					total++;
					assert_int_equal(pool4_owner(&c, addr,
								     r->proto,
								     port),
							 w);
				}
				pool4_fini(p[w]);
			}
			assert_int_equal(total, r->max - r->min + 1u);
		}
		/* reserve agrees with pool4_owner port by port */
		for (unsigned w = 0; w < nw; w++)
			p[w] = init_ok(&c, w);
		for (uint32_t port = 990; port <= 1110; port++)
			for (unsigned w = 0; w < nw; w++) {
				int r = pool4_reserve(p[w], NAT64_TCP, A1,
						      (uint16_t)port);
				int mine = port >= 1000 && port <= 1100 &&
					   pool4_owner(&c, A1, NAT64_TCP,
						       (uint16_t)port) == w;
				assert_int_equal(r, mine ? 0 : -ENOENT);
			}
		/* not in the pool: worker 0 */
		assert_int_equal(pool4_owner(&c, A3, NAT64_TCP, 1000), 0);
		assert_int_equal(pool4_owner(&c, A1, NAT64_UDP, 1000), 0);
		assert_int_equal(pool4_owner(&c, A1, NAT64_TCP, 999), 0);
		for (unsigned w = 0; w < nw; w++)
			pool4_fini(p[w]);
	}
}

/* RFC 7422 with workers: slices are whole blocks counted from the range's
 * min; pool4_owner agrees with the blocks each worker hands out. */
static void test_rfc7422_owner_slices(void **state)
{
	(void)state;

	for (unsigned nw = 1; nw <= 4; nw++) {
		struct pool4_cfg c;
		struct pool4 *p[4];

		cfg_reset(&c, nw);
		cfg_add(&c, A1, NAT64_UDP, 1001, 1100); /* 12 blocks + 4 */
		c.block_size = 8;
		c.max_blocks = 1;
		for (unsigned w = 0; w < nw; w++) {
			unsigned nblk = 0;
			uint32_t sub = 0;
			p[w] = init_ok(&c, w);
			for (;;) {
				struct pool4_blocks blk;
				struct pool4_event ev;
				uint32_t addr;
				uint16_t port;

				memset(&blk, 0, sizeof(blk));
				if (getb(p[w], NAT64_UDP, sub, sub, &blk, &addr,
					 &port, &ev) != 0)
					break;
				sub++;
				assert_int_equal(ev.block_new, 1);
				assert_int_equal((ev.block_start - 1001) % 8,
						 0);
				assert_true(ev.block_start + 7 <= 1096);
				for (unsigned k = 0; k < 8; k++)
					assert_int_equal(
					    pool4_owner(
						&c, A1, NAT64_UDP,
						(uint16_t)(ev.block_start + k)),
					    w);
				nblk++;
			}
			assert_int_equal(nblk, 12 * (w + 1) / nw - 12 * w / nw);
			pool4_fini(p[w]);
		}
		/* the 4-port tail is in no slice */
		assert_int_equal(pool4_owner(&c, A1, NAT64_UDP, 1100), 0);
	}
}

/* RFC 6146 §3.5.1.1: the allocated port is in the range of the source
 * port (0-1023, 1024-49151, 49152-65535) when the pool has such ports. */
static void test_rfc6146_3_5_1_1_port_class(void **state)
{
	struct pool4_cfg c;
	uint32_t addr;
	uint16_t port;
	(void)state;

	cfg_reset(&c, 1);
	cfg_add(&c, A1, NAT64_TCP, 1, 65535);
	struct pool4 *p = init_ok(&c, 0);
	for (uint32_t i = 0; i < 200; i++) {
		assert_int_equal(get(p, NAT64_TCP, i, 80, 0, &addr, &port), 0);
		assert_true(port < 1024);
		assert_int_equal(get(p, NAT64_TCP, i, 5000, 0, &addr, &port),
				 0);
		assert_true(port >= 1024 && port <= 49151);
		assert_int_equal(get(p, NAT64_TCP, i, 60000, 0, &addr, &port),
				 0);
		assert_true(port >= 49152);
	}
	pool4_fini(p);

	/* no port below 1024 in the pool: anywhere in the slice */
	cfg_reset(&c, 1);
	cfg_add(&c, A1, NAT64_UDP, 2000, 2999);
	p = init_ok(&c, 0);
	assert_int_equal(get(p, NAT64_UDP, 1, 80, 0, &addr, &port), 0);
	assert_true(port >= 2000 && port <= 2999);
	pool4_fini(p);

	/* with 4 workers, each slice keeps the classes it has */
	cfg_reset(&c, 4);
	cfg_add(&c, A1, NAT64_TCP, 1, 65535);
	for (unsigned w = 0; w < 4; w++) {
		p = init_ok(&c, w);
		for (uint32_t i = 0; i < 50; i++) {
			assert_int_equal(
			    get(p, NAT64_TCP, i, 60000, 0, &addr, &port), 0);
			if (w == 3)
				assert_true(port >= 49152);
			if (w == 1 || w == 2)
				assert_true(port >= 1024 && port <= 49151);
			assert_int_equal(
			    get(p, NAT64_TCP, i, 80, 0, &addr, &port), 0);
			if (w == 0)
				assert_true(port < 1024);
		}
		pool4_fini(p);
	}

	/* a full class falls back to the rest of the slice */
	cfg_reset(&c, 1);
	cfg_add(&c, A1, NAT64_TCP, 1000, 1100);
	p = init_ok(&c, 0);
	for (uint32_t i = 0; i < 24; i++) {
		assert_int_equal(get(p, NAT64_TCP, i, 80, 0, &addr, &port), 0);
		assert_true(port < 1024);
	}
	assert_int_equal(get(p, NAT64_TCP, 99, 80, 0, &addr, &port), 0);
	assert_true(port >= 1024 && port <= 1100);
	pool4_fini(p);
}

/* RFC 6056 §3.3.3: the port is min + (F(src6, sport, key) + i) % n: the
 * same key gives the same port, other keys give other offsets. */
static void test_rfc6056_3_3_3_keyed_offset(void **state)
{
	struct pool4_cfg c;
	uint32_t addr;
	uint16_t a[8], b[8], k2[8];
	(void)state;

	cfg_reset(&c, 1);
	cfg_add(&c, A1, NAT64_UDP, 1024, 65535);
	for (uint32_t i = 0; i < 8; i++) {
		struct pool4 *p1 = init_ok(&c, 0), *p2 = init_ok(&c, 0);
		assert_int_equal(get(p1, NAT64_UDP, i, 40000, 0, &addr, &a[i]),
				 0);
		assert_int_equal(get(p2, NAT64_UDP, i, 40000, 0, &addr, &b[i]),
				 0);
		assert_int_equal(a[i], b[i]);
		pool4_fini(p1);
		pool4_fini(p2);
	}
	c.key[0] ^= 1;
	struct pool4 *p = init_ok(&c, 0);
	unsigned differ = 0, distinct = 0;
	for (uint32_t i = 0; i < 8; i++) {
		assert_int_equal(get(p, NAT64_UDP, i, 40000, 0, &addr, &k2[i]),
				 0);
		differ += k2[i] != a[i];
		/* different sources spread over the range */
		distinct += i == 0 || a[i] != a[i - 1];
	}
	assert_true(differ >= 7);
	assert_true(distinct >= 7);
	/* the source port is part of F too */
	uint16_t other;
	pool4_fini(p);
	p = init_ok(&c, 0);
	assert_int_equal(get(p, NAT64_UDP, 0, 40001, 0, &addr, &other), 0);
	assert_int_not_equal(other, k2[0]);
	pool4_fini(p);
}

/* RFC 6146 §3.5.1.1: when no port is left the flow is refused (-ENOSPC);
 * a port given back can be allocated again. */
static void test_rfc6146_3_5_1_1_exhaustion(void **state)
{
	struct pool4_cfg c;
	uint32_t addr;
	uint16_t port;
	uint8_t seen[20] = {0};
	(void)state;

	cfg_reset(&c, 1);
	cfg_add(&c, A1, NAT64_TCP, 5000, 5019);
	struct pool4 *p = init_ok(&c, 0);
	for (uint32_t i = 0; i < 20; i++) {
		assert_int_equal(get(p, NAT64_TCP, i, 6000, 0, &addr, &port),
				 0);
		assert_int_equal(addr, A1);
		assert_true(port >= 5000 && port <= 5019);
		assert_int_equal(seen[port - 5000], 0);
		seen[port - 5000] = 1;
	}
	assert_int_equal(get(p, NAT64_TCP, 20, 6000, 0, &addr, &port), -ENOSPC);
	assert_int_equal(get(p, NAT64_UDP, 20, 6000, 0, &addr, &port),
			 -ENOSPC); /* no UDP range at all */
	assert_int_equal(pool4_put(p, NAT64_TCP, A1, 5007, NULL, NULL), 0);
	assert_int_equal(pool4_put(p, NAT64_TCP, A1, 5007, NULL, NULL),
			 -ENOENT); /* not in use any more */
	assert_int_equal(get(p, NAT64_TCP, 21, 6000, 0, &addr, &port), 0);
	assert_int_equal(port, 5007);
	assert_int_equal(get(p, NAT64_TCP, 22, 6000, 0, &addr, &port), -ENOSPC);
	pool4_fini(p);
}

/* RFC 6146 §5 / DESIGN: the search is bounded (POOL4_MAX_TRIES probes),
 * yet its fallback scan finds the last free port, even one just before
 * the first probe (the scan wraps). */
static void test_rfc6056_3_3_3_bounded_scan(void **state)
{
	struct pool4_cfg c;
	uint32_t addr;
	uint16_t first, port;
	uint64_t used, total;
	(void)state;

	cfg_reset(&c, 1);
	cfg_add(&c, A1, NAT64_UDP, 10000, 10999); /* 1000 > MAX_TRIES */
	struct pool4 *p = init_ok(&c, 0);
	assert_int_equal(get(p, NAT64_UDP, 7, 20000, 0, &addr, &first), 0);
	assert_int_equal(pool4_put(p, NAT64_UDP, A1, first, NULL, NULL), 0);
	/* the one free port: just before the first probe position */
	uint16_t last = first == 10000 ? 10999 : (uint16_t)(first - 1);
	for (uint32_t q = 10000; q <= 10999; q++)
		if (q != last)
			assert_int_equal(
			    pool4_reserve(p, NAT64_UDP, A1, (uint16_t)q), 0);
	assert_int_equal(get(p, NAT64_UDP, 7, 20000, 0, &addr, &port), 0);
	assert_int_equal(port, last);
	pool4_usage(p, NAT64_UDP, &used, &total);
	assert_int_equal(used, 1000);
	assert_int_equal(total, 1000);
	assert_int_equal(get(p, NAT64_UDP, 8, 20000, 0, &addr, &port), -ENOSPC);
	pool4_fini(p);
}

/* The same bounded search inside an RFC 7422 block larger than
 * POOL4_MAX_TRIES; a free block whose ports are all static entries is
 * skipped. */
static void test_rfc7422_bounded_scan(void **state)
{
	struct pool4_cfg c;
	struct pool4_blocks b1, b2;
	struct pool4_event ev;
	uint32_t addr;
	uint16_t port;
	(void)state;

	cfg_reset(&c, 1);
	cfg_add(&c, A1, NAT64_UDP, 1024, 2047); /* 2 blocks of 512 */
	c.block_size = 512;
	c.max_blocks = 1;
	struct pool4 *p = init_ok(&c, 0);
	for (uint32_t q = 1024; q <= 1535; q++)
		assert_int_equal(pool4_reserve(p, NAT64_UDP, A1, (uint16_t)q),
				 0);
	for (uint32_t q = 1536; q <= 2047; q++)
		if (q != 1800)
			assert_int_equal(
			    pool4_reserve(p, NAT64_UDP, A1, (uint16_t)q), 0);
	memset(&b1, 0, sizeof(b1));
	memset(&b2, 0, sizeof(b2));
	assert_int_equal(getb(p, NAT64_UDP, 3, 3, &b1, &addr, &port, &ev), 0);
	assert_int_equal(ev.block_new, 1);
	assert_int_equal(ev.block_start, 1536);
	assert_int_equal(port, 1800);
	assert_int_equal(getb(p, NAT64_UDP, 4, 3, &b1, &addr, &port, &ev),
			 -EDQUOT);
	assert_int_equal(getb(p, NAT64_UDP, 5, 5, &b2, &addr, &port, &ev),
			 -ENOSPC);
	pool4_fini(p);
}

/* RFC 4787 REQ-2 (paired pooling, RFC 6146 §3.5.1.1): a subscriber keeps
 * one address while it has ports, and moves only when it is full. */
static void test_rfc4787_req2_paired(void **state)
{
	struct pool4_cfg c;
	uint32_t addr, first;
	uint16_t port;
	(void)state;

	cfg_reset(&c, 1);
	cfg_add(&c, A1, NAT64_UDP, 2000, 2049);
	cfg_add(&c, A2, NAT64_UDP, 2000, 2049);
	struct pool4 *p = init_ok(&c, 0);
	assert_int_equal(get(p, NAT64_UDP, 0, 3000, 17, &first, &port), 0);
	for (uint32_t i = 1; i < 50; i++) {
		assert_int_equal(get(p, NAT64_UDP, i, (uint16_t)(3000 + i), 17,
				     &addr, &port),
				 0);
		assert_int_equal(addr, first);
	}
	/* another subscriber hash starts on the other address */
	assert_int_equal(get(p, NAT64_UDP, 100, 3000, 18, &addr, &port), 0);
	assert_int_not_equal(addr, first);
	/* first is full now: the subscriber moves */
	assert_int_equal(get(p, NAT64_UDP, 50, 3000, 17, &addr, &port), 0);
	assert_int_not_equal(addr, first);
	pool4_fini(p);
}

/* RFC 7422 §2: a subscriber's ports come from its blocks of N ports on one
 * address; a new block is logged (ev); at max_blocks -EDQUOT; the last
 * port given back releases the block, which can be allocated again. */
static void test_rfc7422_blocks(void **state)
{
	struct pool4_cfg c;
	struct pool4_blocks b1, b2;
	struct pool4_event ev;
	uint32_t addr;
	uint16_t port, start1, start2, bs = 0;
	uint16_t ports1[8];
	(void)state;

	cfg_reset(&c, 1);
	cfg_add(&c, A1, NAT64_UDP, 1024, 1039); /* 2 blocks of 8 */
	cfg_add(&c, A2, NAT64_TCP, 1024, 1279);
	c.block_size = 8;
	c.max_blocks = 2;
	struct pool4 *p = init_ok(&c, 0);
	memset(&b1, 0, sizeof(b1));
	memset(&b2, 0, sizeof(b2));

	/* without blk in block mode: refused */
	assert_int_equal(get(p, NAT64_UDP, 0, 5000, 0, &addr, &port), -EINVAL);

	assert_int_equal(getb(p, NAT64_UDP, 0, 5, &b1, &addr, &port, &ev), 0);
	assert_int_equal(ev.block_new, 1);
	start1 = ev.block_start;
	assert_true(start1 == 1024 || start1 == 1032);
	assert_int_equal(addr, A1);
	assert_int_equal(b1.addr, A1);
	assert_int_equal(b1.proto_n[NAT64_UDP], 1);
	ports1[0] = port;
	for (uint32_t i = 1; i < 8; i++) {
		assert_int_equal(
		    getb(p, NAT64_UDP, i, 5, &b1, &addr, &port, &ev), 0);
		assert_int_equal(ev.block_new, 0);
		assert_int_equal(addr, A1);
		assert_true(port >= start1 && port < start1 + 8);
		ports1[i] = port;
	}
	assert_int_equal(b1.used[NAT64_UDP][0], 8);
	/* the 9th: a second block on the same address */
	assert_int_equal(getb(p, NAT64_UDP, 8, 5, &b1, &addr, &port, &ev), 0);
	assert_int_equal(ev.block_new, 1);
	start2 = ev.block_start;
	assert_int_not_equal(start2, start1);
	assert_int_equal(addr, A1);
	for (uint32_t i = 9; i < 16; i++)
		assert_int_equal(
		    getb(p, NAT64_UDP, i, 5, &b1, &addr, &port, &ev), 0);
	assert_int_equal(getb(p, NAT64_UDP, 16, 5, &b1, &addr, &port, &ev),
			 -EDQUOT);
	/* another subscriber: no free block left on the UDP range */
	assert_int_equal(getb(p, NAT64_UDP, 0, 6, &b2, &addr, &port, &ev),
			 -ENOSPC);
	assert_int_equal(ev.block_new, 0);
	/* the subscriber's TCP must be on its address: there is none */
	assert_int_equal(getb(p, NAT64_TCP, 0, 5, &b1, &addr, &port, &ev),
			 -ENOSPC);

	/* give back the first block's ports: the last one releases it */
	for (uint32_t i = 0; i < 7; i++)
		assert_int_equal(
		    pool4_put(p, NAT64_UDP, A1, ports1[i], &b1, &bs), 0);
	assert_int_equal(pool4_put(p, NAT64_UDP, A1, ports1[7], &b1, &bs), 1);
	assert_int_equal(bs, start1);
	assert_int_equal(b1.proto_n[NAT64_UDP], 1);
	assert_int_equal(b1.start[NAT64_UDP][0], start2);

	/* the released block goes to the other subscriber */
	assert_int_equal(getb(p, NAT64_UDP, 0, 6, &b2, &addr, &port, &ev), 0);
	assert_int_equal(ev.block_new, 1);
	assert_int_equal(ev.block_start, start1);
	assert_int_equal(b2.addr, A1);

	uint64_t used, total;
	pool4_usage(p, NAT64_UDP, &used, &total);
	assert_int_equal(used, 9);
	assert_int_equal(total, 16);
	pool4_fini(p);
}

/* RFC 7422: a block is never handed to a second subscriber, and blocks of
 * one subscriber are spread from a hashed start (distinct blocks). */
static void test_rfc7422_blocks_disjoint(void **state)
{
	struct pool4_cfg c;
	static struct pool4_blocks b[40];
	struct pool4_event ev;
	uint32_t addr;
	uint16_t port;
	uint8_t taken[32] = {0};
	(void)state;

	cfg_reset(&c, 1);
	cfg_add(&c, A1, NAT64_TCP, 4096, 4096 + 32 * 64 - 1); /* 32 blocks */
	cfg_add(&c, A2, NAT64_TCP, 4096, 4096 + 32 * 64 - 1);
	c.block_size = 64;
	c.max_blocks = 1;
	struct pool4 *p = init_ok(&c, 0);
	memset(b, 0, sizeof(b));
	unsigned on_a1 = 0;
	for (uint32_t s = 0; s < 40; s++) {
		assert_int_equal(
		    getb(p, NAT64_TCP, s, s, &b[s], &addr, &port, &ev), 0);
		assert_int_equal(ev.block_new, 1);
		assert_int_equal(addr, b[s].addr);
		if (addr == A1) {
			unsigned k = (ev.block_start - 4096) / 64;
			assert_int_equal(taken[k], 0);
			taken[k] = 1;
			on_a1++;
		}
		/* the subscriber's second flow: same block */
		assert_int_equal(
		    getb(p, NAT64_TCP, s + 1000, s, &b[s], &addr, &port, &ev),
		    0);
		assert_int_equal(ev.block_new, 0);
		assert_true(port >= b[s].start[NAT64_TCP][0] &&
			    port < b[s].start[NAT64_TCP][0] + 64);
	}
	assert_true(on_a1 >= 8 && on_a1 <= 32);
	pool4_fini(p);
}

/* RFC 6146 §3.5.1.1 static BIB entries: a reserved port is never handed
 * out; reserving it again is -EBUSY; another worker's port is -ENOENT. */
static void test_rfc6146_static_reserve(void **state)
{
	struct pool4_cfg c;
	uint32_t addr;
	uint16_t port;
	(void)state;

	cfg_reset(&c, 2);
	cfg_add(&c, A1, NAT64_TCP, 8000, 8099); /* worker 0: 8000-8049 */
	struct pool4 *p = init_ok(&c, 0);
	assert_int_equal(pool4_reserve(p, NAT64_TCP, A1, 8020), 0);
	assert_int_equal(pool4_reserve(p, NAT64_TCP, A1, 8020), -EBUSY);
	assert_int_equal(pool4_reserve(p, NAT64_TCP, A1, 8050), -ENOENT);
	assert_int_equal(pool4_reserve(p, NAT64_TCP, A2, 8020), -ENOENT);
	assert_int_equal(pool4_reserve(p, NAT64_UDP, A1, 8020), -ENOENT);
	for (uint32_t i = 0; i < 49; i++) {
		assert_int_equal(get(p, NAT64_TCP, i, 9000, 0, &addr, &port),
				 0);
		assert_int_not_equal(port, 8020);
		assert_true(port >= 8000 && port <= 8049);
	}
	assert_int_equal(get(p, NAT64_TCP, 49, 9000, 0, &addr, &port), -ENOSPC);
	/* the static entry removed: the port is free again */
	assert_int_equal(pool4_put(p, NAT64_TCP, A1, 8020, NULL, NULL), 0);
	assert_int_equal(get(p, NAT64_TCP, 50, 9000, 0, &addr, &port), 0);
	assert_int_equal(port, 8020);
	pool4_fini(p);
}

/* Adoption of another instance's mapping (nat64_sess_adopt), no blocks:
 * pool4_claim is pool4_reserve, blk ignored; the claimed port is never
 * handed out and goes back with pool4_put like a pool4_get port. */
static void test_pool4_claim(void **state)
{
	struct pool4_cfg c;
	struct pool4_blocks b;
	uint32_t addr;
	uint16_t port;
	uint64_t used, total;
	(void)state;

	cfg_reset(&c, 2);
	cfg_add(&c, A1, NAT64_UDP, 7000, 7019); /* worker 0: 7000-7009 */
	struct pool4 *p = init_ok(&c, 0);
	memset(&b, 0, sizeof(b));
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 7004, NULL), 0);
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 7005, &b), 0);
	assert_int_equal(b.proto_n[NAT64_UDP], 0); /* blk ignored */
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 7004, NULL), -EBUSY);
	assert_int_equal(pool4_reserve(p, NAT64_UDP, A1, 7005), -EBUSY);
	/* another worker's slice, address, protocol: not here */
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 7010, NULL), -ENOENT);
	assert_int_equal(pool4_claim(p, NAT64_UDP, A2, 7004, NULL), -ENOENT);
	assert_int_equal(pool4_claim(p, NAT64_TCP, A1, 7004, NULL), -ENOENT);
	assert_int_equal(pool4_claim(p, NAT64_NPROTO, A1, 7004, NULL), -ENOENT);
	/* the rest of the slice, then nothing: the claimed ports are kept */
	for (uint32_t i = 0; i < 8; i++) {
		assert_int_equal(get(p, NAT64_UDP, i, 40000, i, &addr, &port),
				 0);
		assert_true(port != 7004 && port != 7005);
	}
	assert_int_equal(get(p, NAT64_UDP, 8, 40000, 8, &addr, &port), -ENOSPC);
	assert_int_equal(pool4_put(p, NAT64_UDP, A1, 7004, NULL, NULL), 0);
	assert_int_equal(get(p, NAT64_UDP, 9, 40000, 9, &addr, &port), 0);
	assert_int_equal(port, 7004);
	pool4_usage(p, NAT64_UDP, &used, &total);
	assert_int_equal(used, 10);
	assert_int_equal(total, 10);
	pool4_fini(p);
}

/* RFC 7422 blocks and adoption: a claimed port's free block becomes the
 * subscriber's, its next ports (claimed or pool4_get) come from it; a
 * port in another subscriber's block is -EBUSY; max_blocks and the one
 * address are kept (-EDQUOT); pool4_put releases the block with its last
 * port, as for a block pool4_get allocated. */
static void test_rfc7422_claim(void **state)
{
	struct pool4_cfg c;
	struct pool4_blocks b1, b2;
	struct pool4_event ev;
	uint32_t addr;
	uint16_t port, bs = 0;
	uint64_t u, t, nblk;
	(void)state;

	cfg_reset(&c, 1);
	cfg_add(&c, A1, NAT64_UDP, 1024, 1055); /* 4 blocks of 8 */
	cfg_add(&c, A2, NAT64_UDP, 1024, 1055);
	cfg_add(&c, A1, NAT64_TCP, 2048, 2079);
	cfg_add(&c, A3, NAT64_TCP, 1000, 1011); /* 1 block + a 4-port tail */
	c.block_size = 8;
	c.max_blocks = 2;
	struct pool4 *p = init_ok(&c, 0);
	memset(&b1, 0, sizeof(b1));
	memset(&b2, 0, sizeof(b2));

	/* block mode needs the subscriber's blocks */
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 1030, NULL), -EINVAL);
	/* a free block: the subscriber's now */
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 1030, &b1), 0);
	assert_int_equal(b1.addr, A1);
	assert_int_equal(b1.proto_n[NAT64_UDP], 1);
	assert_int_equal(b1.start[NAT64_UDP][0], 1024);
	assert_int_equal(b1.used[NAT64_UDP][0], 1);
	pool4_range_usage(p, 0, &u, &t, &nblk);
	assert_int_equal(u, 1);
	assert_int_equal(nblk, 1);
	/* a second port of that block: no new block */
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 1031, &b1), 0);
	assert_int_equal(b1.proto_n[NAT64_UDP], 1);
	assert_int_equal(b1.used[NAT64_UDP][0], 2);
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 1030, &b1), -EBUSY);
	/* the subscriber's next mapping takes a port of that block */
	assert_int_equal(getb(p, NAT64_UDP, 0, 5, &b1, &addr, &port, &ev), 0);
	assert_int_equal(ev.block_new, 0);
	assert_int_equal(addr, A1);
	assert_true(port >= 1024 && port < 1032);
	assert_int_equal(b1.used[NAT64_UDP][0], 3);
	/* another subscriber: not in b1's block, whether the port is free */
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 1025, &b2), -EBUSY);
	assert_int_equal(b2.proto_n[NAT64_UDP], 0);
	/* a block with a static port is free for a subscriber still */
	assert_int_equal(pool4_reserve(p, NAT64_UDP, A1, 1050), 0);
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 1050, &b2), -EBUSY);
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 1049, &b2), 0);
	assert_int_equal(b2.start[NAT64_UDP][0], 1048);
	/* b1's second block, on its address, for another protocol */
	assert_int_equal(pool4_claim(p, NAT64_TCP, A1, 2060, &b1), 0);
	assert_int_equal(b1.proto_n[NAT64_TCP], 1);
	assert_int_equal(b1.start[NAT64_TCP][0], 2056);
	/* its blocks are on A1: not on A2 */
	assert_int_equal(pool4_claim(p, NAT64_UDP, A2, 1030, &b1), -EDQUOT);
	/* UDP: a second block, then max_blocks */
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 1040, &b1), 0);
	assert_int_equal(b1.proto_n[NAT64_UDP], 2);
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 1033, &b1), -EDQUOT);
	pool4_range_usage(p, 0, &u, &t, &nblk);
	assert_int_equal(nblk, 3);
	/* the tail shorter than a block is in no slice */
	assert_int_equal(pool4_claim(p, NAT64_TCP, A3, 1009, &b2), -ENOENT);
	/* b2 holds a block on A1: none on A3 */
	assert_int_equal(pool4_claim(p, NAT64_TCP, A3, 1007, &b2), -EDQUOT);

	/* given back: the block goes with its last port, whichever way its
	 * ports were taken */
	assert_int_equal(pool4_put(p, NAT64_UDP, A1, 1030, &b1, &bs), 0);
	assert_int_equal(pool4_put(p, NAT64_UDP, A1, port, &b1, &bs), 0);
	assert_int_equal(pool4_put(p, NAT64_UDP, A1, 1031, &b1, &bs), 1);
	assert_int_equal(bs, 1024);
	assert_int_equal(b1.proto_n[NAT64_UDP], 1);
	assert_int_equal(b1.start[NAT64_UDP][0], 1040);
	assert_int_equal(pool4_put(p, NAT64_UDP, A1, 1040, &b1, &bs), 1);
	assert_int_equal(bs, 1040);
	assert_int_equal(pool4_put(p, NAT64_TCP, A1, 2060, &b1, &bs), 1);
	assert_int_equal(pool4_put(p, NAT64_UDP, A1, 1049, &b2, &bs), 1);
	assert_int_equal(pool4_put(p, NAT64_UDP, A1, 1050, NULL, NULL), 0);
	pool4_range_usage(p, 0, &u, &t, &nblk);
	assert_int_equal(u, 0);
	assert_int_equal(nblk, 0);
	pool4_range_usage(p, 2, &u, &t, &nblk);
	assert_int_equal(u, 0);
	assert_int_equal(nblk, 0);
	/* the released block can be another subscriber's */
	assert_int_equal(pool4_claim(p, NAT64_UDP, A1, 1025, &b2), 0);
	assert_int_equal(b2.addr, A1);
	pool4_fini(p);
}

/* Metrics: ports in use / ports in this worker's slices, per protocol;
 * pool4_contains looks at the whole configuration. */
static void test_pool4_usage_contains(void **state)
{
	struct pool4_cfg c;
	uint32_t addr;
	uint16_t port;
	uint64_t used, total;
	(void)state;

	cfg_reset(&c, 2);
	cfg_add(&c, A1, NAT64_TCP, 1024, 2047); /* 512 per worker */
	cfg_add(&c, A2, NAT64_TCP, 1024, 1034); /* 11: 5 + 6 */
	cfg_add(&c, A1, NAT64_ICMP, 0, 65535);
	struct pool4 *p = init_ok(&c, 1);
	pool4_usage(p, NAT64_TCP, &used, &total);
	assert_int_equal(used, 0);
	assert_int_equal(total, 512 + 6);
	pool4_usage(p, NAT64_ICMP, &used, &total);
	assert_int_equal(total, 32768);
	pool4_usage(p, NAT64_UDP, &used, &total);
	assert_int_equal(used, 0);
	assert_int_equal(total, 0);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(get(p, NAT64_TCP, i, 2000, i, &addr, &port),
				 0);
	assert_int_equal(get(p, NAT64_ICMP, 0, 7, 0, &addr, &port), 0);
	assert_true(port >= 32768);
	pool4_usage(p, NAT64_TCP, &used, &total);
	assert_int_equal(used, 10);
	pool4_usage(p, NAT64_ICMP, &used, &total);
	assert_int_equal(used, 1);
	assert_int_equal(pool4_put(p, NAT64_ICMP, A1, port, NULL, NULL), 0);
	pool4_usage(p, NAT64_ICMP, &used, &total);
	assert_int_equal(used, 0);

	assert_true(pool4_contains(&c, A1, NAT64_TCP));
	assert_true(pool4_contains(&c, A2, NAT64_TCP));
	assert_true(pool4_contains(&c, A1, NAT64_ICMP));
	assert_false(pool4_contains(&c, A2, NAT64_ICMP));
	assert_false(pool4_contains(&c, A1, NAT64_UDP));
	assert_false(pool4_contains(&c, A3, NAT64_TCP));
	pool4_fini(p);
}

/* pool4 changed at run time (gate64ctl pool4 add|del): a range kept as it
 * was carries the ports and blocks in use into the new pool, whatever its
 * position; a new range starts empty; a range with other ports does not
 * take another's state. */
static void test_pool4_carry(void **state)
{
	struct pool4_cfg a, b;
	uint8_t s6[16];
	uint32_t addr;
	uint16_t port, ports[3];
	uint64_t u, t, bl;
	(void)state;
	cfg_reset(&a, 2);
	cfg_add(&a, A1, NAT64_UDP, 5000, 5099);
	cfg_add(&a, A2, NAT64_TCP, 1024, 2047);
	cfg_reset(&b, 2);
	b.key[0] = a.key[0];
	b.key[1] = a.key[1];
	cfg_add(&b, A3, NAT64_UDP, 6000, 6099); /* added */
	cfg_add(&b, A1, NAT64_UDP, 5000, 5099); /* kept, moved */
	cfg_add(&b, A2, NAT64_TCP, 1024, 2048); /* other ports */
	struct pool4 *old = init_ok(&a, 1);
	for (unsigned i = 0; i < 3; i++) {
		src(s6, i);
		assert_int_equal(pool4_get(old, NAT64_UDP, s6, 40000, 0, NULL,
					   &addr, &ports[i], NULL),
				 0);
		assert_int_equal(addr, A1);
	}
	assert_int_equal(pool4_reserve(old, NAT64_TCP, A2, 2047), 0);
	struct pool4 *new = init_ok(&b, 1);
	assert_int_equal(pool4_carry(new, old), 1);
	pool4_range_usage(new, 1, &u, &t, &bl);
	assert_int_equal(u, 3);
	pool4_range_usage(new, 0, &u, &t, &bl);
	assert_int_equal(u, 0);
	assert_int_equal(t, 50);
	pool4_range_usage(new, 2, &u, &t, &bl);
	assert_int_equal(u, 0);
	/* the carried ports are still taken, and can be given back */
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(pool4_reserve(new, NAT64_UDP, A1, ports[i]),
				 -EBUSY);
	assert_int_equal(pool4_put(new, NAT64_UDP, A1, ports[0], NULL, NULL),
			 0);
	/* the new range hands out ports (to the subscribers paired pooling
	 * puts on it) */
	for (unsigned i = 0; i < 60; i++) {
		src(s6, 100 + i);
		assert_int_equal(pool4_get(new, NAT64_UDP, s6, 40000, i, NULL,
					   &addr, &port, NULL),
				 0);
	}
	pool4_range_usage(new, 0, &u, &t, &bl);
	assert_true(u > 0);
	pool4_fini(old);
	pool4_fini(new);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc6146_3_5_1_1_cfg_overlap),
	    cmocka_unit_test(test_rfc7422_cfg_block_size),
	    cmocka_unit_test(test_pool4_cfg_workers),
	    cmocka_unit_test(test_pool4_cfg_entries),
	    cmocka_unit_test(test_pool4_owner_slices),
	    cmocka_unit_test(test_rfc7422_owner_slices),
	    cmocka_unit_test(test_rfc6146_3_5_1_1_port_class),
	    cmocka_unit_test(test_rfc6056_3_3_3_keyed_offset),
	    cmocka_unit_test(test_rfc6146_3_5_1_1_exhaustion),
	    cmocka_unit_test(test_rfc6056_3_3_3_bounded_scan),
	    cmocka_unit_test(test_rfc7422_bounded_scan),
	    cmocka_unit_test(test_rfc4787_req2_paired),
	    cmocka_unit_test(test_rfc7422_blocks),
	    cmocka_unit_test(test_rfc7422_blocks_disjoint),
	    cmocka_unit_test(test_rfc6146_static_reserve),
	    cmocka_unit_test(test_pool4_usage_contains),
	    cmocka_unit_test(test_pool4_carry),
	    cmocka_unit_test(test_pool4_claim),
	    cmocka_unit_test(test_rfc7422_claim),
	};
	return cmocka_run_group_tests_name("pool4", tests, NULL, NULL);
}
