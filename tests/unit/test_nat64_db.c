/*
 * test_nat64_db.c - the state of stateful NAT64 (dataplane/xlat/nat64_db.h,
 * RFC 6146 §3): configuration defaults and checks, BIB and sessions in both
 * directions, endpoint-independent mapping, the ADF lookup, subscribers and
 * their quota, full tables, expiry by the sweep, worker ownership, port
 * blocks (RFC 7422), the mapping-log events, and the adoption of a previous
 * instance's sessions (hybrid restart).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/xlat/nat64_db.h"
#include "dataplane/xlat/xlat_reason.h"

static uint32_t v4(const char *s)
{
	uint32_t a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a);
}

static void v6(const char *s, uint8_t *a)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static void range(struct nat64_cfg *c, const char *a, uint8_t proto,
		  uint16_t min, uint16_t max)
{
	struct pool4_range *r = &c->pool4.r[c->pool4.n++];
	r->addr = v4(a);
	r->proto = proto;
	r->min = min;
	r->max = max;
}

/* Defaults with 192.0.2.1 for every protocol, ports 1024-65535. */
static void cfg_std(struct nat64_cfg *c)
{
	nat64_cfg_default(c);
	range(c, "192.0.2.1", NAT64_TCP, 1024, 65535);
	range(c, "192.0.2.1", NAT64_UDP, 1024, 65535);
	range(c, "192.0.2.1", NAT64_ICMP, 1024, 65535);
	c->pool4.key[0] = 0x0123456789abcdefull;
	c->pool4.key[1] = 0xfedcba9876543210ull;
}

struct fix {
	struct nat64_db *db;
	struct nat64_log_ring ring;
};

static struct nat64_db *open_db(struct fix *f, const struct nat64_cfg *c)
{
	char err[256] = "";
	f->db = nat64_db_init(c, 0, &f->ring, err, sizeof(err));
	if (!f->db)
		fail_msg("nat64_db_init: %s", err);
	return f->db;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	if (!f || nat64_log_ring_init(&f->ring, 1024))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	nat64_db_fini(f->db);
	nat64_log_ring_fini(&f->ring);
	free(f);
	return 0;
}

/* Pop every event; returns how many, the events in ev. */
static unsigned events(struct fix *f, struct nat64_log_event *ev, unsigned max)
{
	return nat64_log_pop(&f->ring, ev, max);
}

static unsigned count_event(const struct nat64_log_event *ev, unsigned n,
			    uint8_t type)
{
	unsigned c = 0;
	for (unsigned i = 0; i < n; i++)
		c += ev[i].event == type;
	return c;
}

/* A new BIB and session for ([src]:sport) -> raddr:rport; fails the test
 * if refused. */
static uint32_t flow(struct nat64_db *db, uint8_t proto, const char *src,
		     uint16_t sport, const char *raddr, uint16_t rport,
		     uint8_t timer, uint32_t now)
{
	uint8_t a[16];
	int why = -1;
	uint32_t b, s;

	v6(src, a);
	b = nat64_bib_find6(db, proto, a, sport);
	if (b == NAT64_NONE)
		b = nat64_bib_add(db, proto, a, sport, now, &why);
	if (b == NAT64_NONE)
		fail_msg("bib_add refused: reason %d", why);
	s = nat64_sess_add(db, b, v4(raddr), rport, 0, timer, now, &why);
	if (s == NAT64_NONE)
		fail_msg("sess_add refused: reason %d", why);
	return s;
}

static int cfg_err(const struct nat64_cfg *c, char *err, size_t len)
{
	err[0] = 0;
	return nat64_cfg_check(c, err, len);
}

/* RFC 6146 §4: the default lifetimes, EIF, /56 subscribers. */
static void test_rfc6146_4_cfg_default(void **state)
{
	struct nat64_cfg c;
	char err[256];

	(void)state;
	nat64_cfg_default(&c);
	assert_int_equal(c.timeout[NAT64_T_UDP], 300);
	assert_int_equal(c.timeout[NAT64_T_ICMP], 60);
	assert_int_equal(c.timeout[NAT64_T_TCP_EST], 7440);
	assert_int_equal(c.timeout[NAT64_T_TCP_TRANS], 240);
	assert_int_equal(c.timeout[NAT64_T_TCP_SYN], 6);
	assert_int_equal(c.adf, 0);
	assert_int_equal(c.sub_len, 56);
	assert_int_equal(c.held_syn_max, 64);
	assert_int_equal(c.sweep_budget, 64);
	assert_int_equal(c.pool4.n, 0);
	assert_int_equal(c.pool4.nworkers, 1);
	assert_true(c.max_bib > 0 && c.max_sessions > 0 && c.max_subs > 0);
	/* an empty pool4 is the one thing the defaults lack */
	assert_int_equal(cfg_err(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "pool4"));
	cfg_std(&c);
	assert_int_equal(cfg_err(&c, err, sizeof(err)), 0);
}

/* RFC 6146 §3.5.1 (UDP >= 2 min) and §3.5.2.2 (TCP_EST >= 2 h 4 min,
 * TCP_TRANS >= 4 min); subscriber prefix lengths. */
static void test_rfc6146_3_5_cfg_check(void **state)
{
	struct nat64_cfg c;
	char err[256];

	(void)state;
	cfg_std(&c);
	c.timeout[NAT64_T_UDP] = 60;
	assert_int_equal(cfg_err(&c, err, sizeof(err)), -EINVAL);
	assert_string_equal(
	    err, "udp-timeout 60: RFC 6146 §3.5.1 requires at least 120 s");
	c.timeout[NAT64_T_UDP] = 120;
	assert_int_equal(cfg_err(&c, err, sizeof(err)), 0);

	c.timeout[NAT64_T_TCP_EST] = 7439;
	assert_int_equal(cfg_err(&c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "tcp-est-timeout 7439: RFC 6146 §3.5.2.2 "
				 "requires at least 7440 s");
	c.timeout[NAT64_T_TCP_EST] = 7440;

	c.timeout[NAT64_T_TCP_TRANS] = 239;
	assert_int_equal(cfg_err(&c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "tcp-trans-timeout 239: RFC 6146 §3.5.2.2 "
				 "requires at least 240 s");
	c.timeout[NAT64_T_TCP_TRANS] = 240;

	c.timeout[NAT64_T_ICMP] = 0;
	assert_int_equal(cfg_err(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "icmp-timeout 0"));
	c.timeout[NAT64_T_ICMP] = 60;

	c.sub_len = 48;
	assert_int_equal(cfg_err(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "sub-len 48"));
	assert_non_null(strstr(err, "56, 64 or 128"));
	c.sub_len = 64;
	assert_int_equal(cfg_err(&c, err, sizeof(err)), 0);
	c.sub_len = 128;
	assert_int_equal(cfg_err(&c, err, sizeof(err)), 0);

	c.max_sessions = 0;
	assert_int_equal(cfg_err(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "max-sessions 0"));
	c.max_sessions = 100;
	c.sweep_budget = 0;
	assert_int_equal(cfg_err(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "sweep-budget 0"));
	c.sweep_budget = 64;

	/* pool4's own check runs too */
	c.pool4.nworkers = 0;
	assert_int_equal(cfg_err(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "pool4"));
}

/* RFC 6146 §3.1: a BIB entry is found from both sides; §3.5.1.1: a
 * second lookup of the same (src6, sport) gives the same entry (the
 * caller finds before it adds). */
static void test_rfc6146_3_1_bib_both_sides(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	uint8_t a[16];
	int why = -1;

	cfg_std(&c);
	struct nat64_db *db = open_db(f, &c);
	v6("2001:db8::1", a);
	uint32_t b = nat64_bib_add(db, NAT64_UDP, a, 40000, 5, &why);
	assert_int_not_equal(b, NAT64_NONE);
	struct nat64_bib *e = nat64_bib_get(db, b);
	assert_non_null(e);
	assert_memory_equal(e->src6, a, 16);
	assert_int_equal(e->sport6, 40000);
	assert_int_equal(e->proto, NAT64_UDP);
	assert_int_equal(e->addr4, v4("192.0.2.1"));
	assert_true(e->port4 >= 1024);
	assert_int_equal(e->is_static, 0);
	assert_int_equal(e->nsess, 0);
	assert_int_equal(nat64_bib_find6(db, NAT64_UDP, a, 40000), b);
	assert_int_equal(nat64_bib_find6(db, NAT64_UDP, a, 40000), b);
	assert_int_equal(nat64_bib_find4(db, NAT64_UDP, e->addr4, e->port4), b);
	/* the protocol is part of the key */
	assert_int_equal(nat64_bib_find6(db, NAT64_TCP, a, 40000), NAT64_NONE);
	assert_int_equal(nat64_bib_find4(db, NAT64_TCP, e->addr4, e->port4),
			 NAT64_NONE);
	assert_int_equal(nat64_bib_find6(db, NAT64_UDP, a, 40001), NAT64_NONE);
	assert_int_equal(nat64_db_nbib(db), 1);
	assert_int_equal(nat64_db_stats(db)->bib_created, 1);
	/* a BIB without session (its session refused): nat64_bib_del */
	nat64_bib_del(db, b, 6);
	assert_int_equal(nat64_db_nbib(db), 0);
	assert_int_equal(nat64_bib_find6(db, NAT64_UDP, a, 40000), NAT64_NONE);
}

/* RFC 6146 §3.2: a session is found by (BIB, remote address, port) and
 * removed. */
static void test_rfc6146_3_2_session_add_find_del(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;

	cfg_std(&c);
	struct nat64_db *db = open_db(f, &c);
	uint32_t s = flow(db, NAT64_TCP, "2001:db8::1", 1234, "198.51.100.7",
			  80, NAT64_T_TCP_TRANS, 10);
	struct nat64_sess *e = nat64_sess_get(db, s);
	assert_non_null(e);
	uint32_t b = e->bib;
	assert_int_equal(e->raddr4, v4("198.51.100.7"));
	assert_int_equal(e->rport, 80);
	assert_int_equal(e->timer, NAT64_T_TCP_TRANS);
	assert_int_equal(e->last, 10);
	assert_int_equal(nat64_sess_find(db, b, v4("198.51.100.7"), 80), s);
	assert_int_equal(nat64_sess_find(db, b, v4("198.51.100.7"), 81),
			 NAT64_NONE);
	assert_int_equal(nat64_sess_find(db, b, v4("198.51.100.8"), 80),
			 NAT64_NONE);
	assert_int_equal(nat64_bib_get(db, b)->nsess, 1);
	assert_int_equal(nat64_db_nsess(db), 1);
	nat64_sess_del(db, s, 20);
	assert_int_equal(nat64_sess_find(db, b, v4("198.51.100.7"), 80),
			 NAT64_NONE);
	assert_int_equal(nat64_db_nsess(db), 0);
	assert_int_equal(e->bib, NAT64_NONE);
	assert_int_equal(e->timer, 0);
	/* deleting a free slot again is harmless */
	nat64_sess_del(db, s, 20);
	assert_int_equal(nat64_db_nsess(db), 0);
}

/* RFC 6146 §3.5: when its last session goes, a dynamic BIB entry goes
 * too and its port returns to pool4. */
static void test_rfc6146_3_5_last_session_frees_bib(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	uint8_t a[16], other[16];
	int why = -1;

	nat64_cfg_default(&c);
	range(&c, "192.0.2.1", NAT64_UDP, 5000, 5000); /* one port */
	struct nat64_db *db = open_db(f, &c);
	uint32_t s1 = flow(db, NAT64_UDP, "2001:db8::1", 1000, "198.51.100.7",
			   53, NAT64_T_UDP, 0);
	uint32_t s2 = flow(db, NAT64_UDP, "2001:db8::1", 1000, "198.51.100.8",
			   53, NAT64_T_UDP, 0);
	uint32_t b = nat64_sess_get(db, s1)->bib;
	assert_int_equal(nat64_bib_get(db, b)->port4, 5000);
	v6("2001:db8:1::1", other);
	assert_int_equal(nat64_bib_add(db, NAT64_UDP, other, 1000, 0, &why),
			 NAT64_NONE);
	assert_int_equal(why, XLAT_R_NAT64_POOL4_EXHAUSTED);
	assert_int_equal(nat64_db_stats(db)->pool4_exhausted, 1);

	nat64_sess_del(db, s1, 1);
	assert_int_equal(nat64_db_nbib(db), 1); /* s2 still uses it */
	nat64_sess_del(db, s2, 1);
	assert_int_equal(nat64_db_nbib(db), 0);
	v6("2001:db8::1", a);
	assert_int_equal(nat64_bib_find6(db, NAT64_UDP, a, 1000), NAT64_NONE);
	assert_int_equal(nat64_bib_find4(db, NAT64_UDP, v4("192.0.2.1"), 5000),
			 NAT64_NONE);
	assert_int_equal(nat64_db_stats(db)->bib_deleted, 1);
	/* the same port is handed out again */
	b = nat64_bib_add(db, NAT64_UDP, other, 1000, 2, &why);
	assert_int_not_equal(b, NAT64_NONE);
	assert_int_equal(nat64_bib_get(db, b)->port4, 5000);
}

/* RFC 6146 §3.5: a static BIB entry outlives its sessions and has no
 * subscriber accounting. */
static void test_rfc6146_3_5_static_bib_kept(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	uint8_t a[16];
	int why = -1;

	cfg_std(&c);
	c.sub_max_sessions = 1;
	struct nat64_db *db = open_db(f, &c);
	v6("2001:db8:80::80", a);
	assert_int_equal(
	    nat64_bib_add_static(db, NAT64_TCP, a, 80, v4("192.0.2.1"), 8080),
	    0);
	assert_int_equal(
	    nat64_bib_add_static(db, NAT64_TCP, a, 80, v4("192.0.2.1"), 8081),
	    -EEXIST);
	assert_int_equal(
	    nat64_bib_add_static(db, NAT64_TCP, a, 81, v4("192.0.2.9"), 8081),
	    -ENOENT);
	uint32_t b = nat64_bib_find4(db, NAT64_TCP, v4("192.0.2.1"), 8080);
	assert_int_not_equal(b, NAT64_NONE);
	assert_int_equal(nat64_bib_find6(db, NAT64_TCP, a, 80), b);
	assert_int_equal(nat64_bib_get(db, b)->is_static, 1);
	assert_int_equal(nat64_bib_get(db, b)->sub, NAT64_NONE);
	/* no quota on a static entry's sessions */
	uint32_t s1 =
	    nat64_sess_add(db, b, v4("203.0.113.1"), 5555, NAT64_TCP_V4_INIT,
			   NAT64_T_TCP_SYN, 0, &why);
	uint32_t s2 =
	    nat64_sess_add(db, b, v4("203.0.113.2"), 5555, NAT64_TCP_V4_INIT,
			   NAT64_T_TCP_SYN, 0, &why);
	assert_int_not_equal(s1, NAT64_NONE);
	assert_int_not_equal(s2, NAT64_NONE);
	nat64_sess_del(db, s1, 1);
	nat64_sess_del(db, s2, 1);
	assert_int_equal(nat64_db_nbib(db), 1);
	assert_int_equal(nat64_bib_find4(db, NAT64_TCP, v4("192.0.2.1"), 8080),
			 b);
	/* and its port is not handed out dynamically */
	assert_int_equal(
	    nat64_bib_add_static(db, NAT64_TCP, a, 82, v4("192.0.2.1"), 8080),
	    -EEXIST);
}

/* RFC 6146 §3.5.1: endpoint-independent mapping, two remotes share one
 * BIB entry (one pool4 port). */
static void test_rfc6146_3_5_1_eim_two_sessions(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;

	cfg_std(&c);
	struct nat64_db *db = open_db(f, &c);
	uint32_t s1 = flow(db, NAT64_UDP, "2001:db8::1", 4000, "198.51.100.1",
			   53, NAT64_T_UDP, 0);
	uint32_t s2 = flow(db, NAT64_UDP, "2001:db8::1", 4000, "198.51.100.2",
			   53, NAT64_T_UDP, 0);
	uint32_t b = nat64_sess_get(db, s1)->bib;
	assert_int_equal(nat64_sess_get(db, s2)->bib, b);
	assert_int_equal(nat64_db_nbib(db), 1);
	assert_int_equal(nat64_db_nsess(db), 2);
	assert_int_equal(nat64_bib_get(db, b)->nsess, 2);
	assert_int_equal(nat64_sess_find(db, b, v4("198.51.100.1"), 53), s1);
	assert_int_equal(nat64_sess_find(db, b, v4("198.51.100.2"), 53), s2);
	nat64_sess_del(db, s1, 1);
	assert_int_equal(nat64_sess_find(db, b, v4("198.51.100.2"), 53), s2);
	assert_int_equal(nat64_bib_get(db, b)->nsess, 1);
}

/* RFC 6146 §3.5.1 / §3.5.2.2: address-dependent filtering asks whether the
 * BIB has a session with the remote address, whatever its port. */
static void test_rfc6146_3_5_1_adf_has_remote(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;

	cfg_std(&c);
	c.adf = 1;
	struct nat64_db *db = open_db(f, &c);
	uint32_t s1 = flow(db, NAT64_UDP, "2001:db8::1", 4000, "198.51.100.1",
			   53, NAT64_T_UDP, 0);
	uint32_t s2 = flow(db, NAT64_UDP, "2001:db8::1", 4000, "198.51.100.2",
			   53, NAT64_T_UDP, 0);
	uint32_t b = nat64_sess_get(db, s1)->bib;
	assert_true(nat64_bib_has_remote(db, b, v4("198.51.100.1")));
	assert_true(nat64_bib_has_remote(db, b, v4("198.51.100.2")));
	assert_false(nat64_bib_has_remote(db, b, v4("198.51.100.3")));
	nat64_sess_del(db, s1, 1);
	assert_false(nat64_bib_has_remote(db, b, v4("198.51.100.1")));
	assert_true(nat64_bib_has_remote(db, b, v4("198.51.100.2")));
	(void)s2;
}

/* RFC 6146 §3.5.1: many sessions under one BIB (one client port talking
 * to many peers), deleted in any order: the BIB's list stays whole. */
static void test_rfc6146_3_5_1_bib_session_list(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	enum { N = 200 };
	uint32_t s[N], live = N;
	uint8_t gone[N] = {0};

	cfg_std(&c);
	c.adf = 1;
	struct nat64_db *db = open_db(f, &c);
	for (uint32_t i = 0; i < N; i++) {
		char r[32];
		snprintf(r, sizeof(r), "198.51.%u.%u", 100 + i / 250, i % 250);
		s[i] = flow(db, NAT64_UDP, "2001:db8::1", 4000, r, 53,
			    NAT64_T_UDP, 0);
	}
	uint32_t b = nat64_sess_get(db, s[0])->bib;
	/* a permutation: 7 is prime to 200 */
	for (uint32_t k = 0; k < N; k++) {
		uint32_t i = (k * 7 + 3) % N;
		uint32_t raddr = nat64_sess_get(db, s[i])->raddr4;
		nat64_sess_del(db, s[i], 1);
		gone[i] = 1;
		live--;
		if (!live)
			break;
		assert_false(nat64_bib_has_remote(db, b, raddr));
		assert_int_equal(nat64_bib_get(db, b)->nsess, live);
		/* the circular list holds exactly the live sessions */
		uint32_t tail = nat64_bib_get(db, b)->sess, j = tail, n = 0;
		do {
			j = nat64_sess_get(db, j)->bnext;
			assert_int_equal(nat64_sess_get(db, j)->bib, b);
			n++;
		} while (j != tail && n <= N);
		assert_int_equal(n, live);
		for (uint32_t x = 0; x < N; x += 37)
			if (!gone[x])
				assert_true(nat64_bib_has_remote(
				    db, b, nat64_sess_get(db, s[x])->raddr4));
	}
	assert_int_equal(nat64_db_nbib(db), 0);
}

/* RFC 6146 §5.3 (resource exhaustion): the addresses of one /56 are one
 * subscriber; its session limit refuses the next flow, keeps the others,
 * and logs QUOTA_EXCEEDED once per 10 s. */
static void test_rfc6146_5_3_subscriber_quota(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	struct nat64_log_event ev[64];
	uint8_t a[16];
	int why = -1;

	cfg_std(&c);
	c.sub_max_sessions = 2;
	struct nat64_db *db = open_db(f, &c);
	uint32_t s1 = flow(db, NAT64_UDP, "2001:db8:0:1::1", 1000,
			   "198.51.100.1", 53, NAT64_T_UDP, 0);
	uint32_t s2 = flow(db, NAT64_TCP, "2001:db8:0:ff::2", 1000,
			   "198.51.100.1", 80, NAT64_T_TCP_EST, 0);
	uint32_t b1 = nat64_sess_get(db, s1)->bib;
	assert_int_equal(nat64_bib_get(db, b1)->sub,
			 nat64_bib_get(db, nat64_sess_get(db, s2)->bib)->sub);
	(void)events(f, ev, 64);

	/* a third flow, new BIB: refused */
	v6("2001:db8:0:42::3", a);
	assert_int_equal(nat64_bib_add(db, NAT64_UDP, a, 1000, 1, &why),
			 NAT64_NONE);
	assert_int_equal(why, XLAT_R_NAT64_QUOTA);
	/* a third session under an existing BIB: refused too */
	why = -1;
	assert_int_equal(nat64_sess_add(db, b1, v4("198.51.100.2"), 53, 0,
					NAT64_T_UDP, 2, &why),
			 NAT64_NONE);
	assert_int_equal(why, XLAT_R_NAT64_QUOTA);
	assert_int_equal(nat64_db_stats(db)->quota, 2);
	/* one QUOTA_EXCEEDED for both refusals (within 10 s) */
	unsigned n = events(f, ev, 64);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].event, NAT64_EV_QUOTA_EXCEEDED);
	assert_int_equal(ev[0].sub_len, 56);
	v6("2001:db8::", a);
	assert_memory_equal(ev[0].src6, a, 16);
	/* 10 s later, logged again */
	assert_int_equal(nat64_sess_add(db, b1, v4("198.51.100.2"), 53, 0,
					NAT64_T_UDP, 11, &why),
			 NAT64_NONE);
	assert_int_equal(events(f, ev, 64), 1);

	/* the existing sessions are untouched */
	assert_int_equal(nat64_db_nsess(db), 2);
	assert_int_equal(nat64_sess_find(db, b1, v4("198.51.100.1"), 53), s1);
	/* another /56 is another subscriber */
	flow(db, NAT64_UDP, "2001:db8:0:100::1", 1000, "198.51.100.1", 53,
	     NAT64_T_UDP, 3);
	/* a session freed: the subscriber may open one again */
	nat64_sess_del(db, s1, 4);
	flow(db, NAT64_UDP, "2001:db8:0:42::3", 1000, "198.51.100.1", 53,
	     NAT64_T_UDP, 5);
}

/* RFC 6146 §5.3: full tables refuse the new flow, count it, and evict
 * nothing. */
static void test_rfc6146_5_3_tables_full(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	uint8_t a[16];
	int why = -1;

	cfg_std(&c);
	c.max_bib = 4;
	c.max_sessions = 6;
	c.max_subs = 3;
	struct nat64_db *db = open_db(f, &c);
	uint32_t s[6];
	/* 4 BIBs of subscribers 1, 2, 3 */
	s[0] = flow(db, NAT64_UDP, "2001:db8:1::1", 1, "198.51.100.1", 53,
		    NAT64_T_UDP, 0);
	s[1] = flow(db, NAT64_UDP, "2001:db8:2::1", 1, "198.51.100.1", 53,
		    NAT64_T_UDP, 0);
	s[2] = flow(db, NAT64_UDP, "2001:db8:3::1", 1, "198.51.100.1", 53,
		    NAT64_T_UDP, 0);
	/* subscriber 4: subscriber table full */
	v6("2001:db8:4::1", a);
	assert_int_equal(nat64_bib_add(db, NAT64_UDP, a, 1, 0, &why),
			 NAT64_NONE);
	assert_int_equal(why, XLAT_R_NAT64_SUBS_FULL);
	assert_int_equal(nat64_db_stats(db)->subs_full, 1);
	s[3] = flow(db, NAT64_UDP, "2001:db8:3::1", 2, "198.51.100.1", 53,
		    NAT64_T_UDP, 0);
	/* BIB table full */
	v6("2001:db8:3::1", a);
	assert_int_equal(nat64_bib_add(db, NAT64_UDP, a, 3, 0, &why),
			 NAT64_NONE);
	assert_int_equal(why, XLAT_R_NAT64_BIB_FULL);
	assert_int_equal(nat64_db_stats(db)->bib_full, 1);
	/* sessions: 4 used, 2 more, then full */
	s[4] = flow(db, NAT64_UDP, "2001:db8:3::1", 2, "198.51.100.2", 53,
		    NAT64_T_UDP, 0);
	s[5] = flow(db, NAT64_UDP, "2001:db8:3::1", 2, "198.51.100.3", 53,
		    NAT64_T_UDP, 0);
	uint32_t b = nat64_sess_get(db, s[0])->bib;
	assert_int_equal(nat64_sess_add(db, b, v4("198.51.100.9"), 53, 0,
					NAT64_T_UDP, 0, &why),
			 NAT64_NONE);
	assert_int_equal(why, XLAT_R_NAT64_SESS_FULL);
	assert_int_equal(nat64_db_stats(db)->sess_full, 1);
	/* nothing evicted */
	assert_int_equal(nat64_db_nsess(db), 6);
	assert_int_equal(nat64_db_nbib(db), 4);
	for (int i = 0; i < 6; i++)
		assert_int_not_equal(nat64_sess_get(db, s[i])->bib, NAT64_NONE);
	/* room again after a deletion */
	nat64_sess_del(db, s[5], 1);
	flow(db, NAT64_UDP, "2001:db8:3::1", 2, "198.51.100.4", 53, NAT64_T_UDP,
	     1);
}

/* One session on 'timer' at t0; the sweep keeps it until exactly
 * t0 + timeout and removes it then. */
static void expire_at(struct fix *f, uint8_t proto, uint8_t timer,
		      uint32_t timeout, uint32_t t0)
{
	struct nat64_db *db = f->db;
	uint32_t s =
	    flow(db, proto, "2001:db8::1", 999, "198.51.100.1", 7, timer, t0);
	uint64_t before = nat64_db_stats(db)->sess_expired;

	assert_int_equal(nat64_db_sweep(db, t0 + timeout - 1), 0);
	assert_int_equal(nat64_sess_get(db, s)->bib != NAT64_NONE, 1);
	assert_int_equal(nat64_db_sweep(db, t0 + timeout), 1);
	assert_int_equal(nat64_sess_get(db, s)->bib, NAT64_NONE);
	assert_int_equal(nat64_db_stats(db)->sess_expired, before + 1);
	assert_int_equal(nat64_db_nbib(db), 0);
}

/* RFC 6146 §3.5 / §4: each lifetime, exactly, across a wrap of 'now'. */
static void test_rfc6146_4_sweep_timeouts(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;

	cfg_std(&c);
	c.max_sessions = 64; /* the budget covers the table */
	struct nat64_db *db = open_db(f, &c);
	expire_at(f, NAT64_UDP, NAT64_T_UDP, 300, 1000);
	expire_at(f, NAT64_ICMP, NAT64_T_ICMP, 60, 1000);
	expire_at(f, NAT64_TCP, NAT64_T_TCP_EST, 7440, 1000);
	expire_at(f, NAT64_TCP, NAT64_T_TCP_TRANS, 240, 1000);
	expire_at(f, NAT64_TCP, NAT64_T_TCP_SYN, 6, 1000);
	/* the seconds counter wraps */
	expire_at(f, NAT64_UDP, NAT64_T_UDP, 300, UINT32_MAX - 100);
	assert_int_equal(nat64_db_nsess(db), 0);
}

/* RFC 6146 §3.5: a 'last' refreshed by another writer (XDP stores it
 * directly) keeps the session; one slightly ahead of 'now' is young. */
static void test_rfc6146_3_5_refresh_keeps_session(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;

	cfg_std(&c);
	c.max_sessions = 64;
	struct nat64_db *db = open_db(f, &c);
	uint32_t s = flow(db, NAT64_UDP, "2001:db8::1", 999, "198.51.100.1", 7,
			  NAT64_T_UDP, 0);
	nat64_sess_get(db, s)->last = 200;
	assert_int_equal(nat64_db_sweep(db, 300), 0);
	assert_int_equal(nat64_db_sweep(db, 499), 0);
	nat64_sess_get(db, s)->last = 502; /* writer's clock ahead */
	assert_int_equal(nat64_db_sweep(db, 500), 0);
	assert_int_equal(nat64_db_sweep(db, 802), 1);
}

/* RFC 6146 §3.5 with design's "expiry without a spike": one sweep call
 * examines at most sweep_budget slots and resumes where it stopped. */
static void test_rfc6146_3_5_sweep_budget(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	char src[64];

	cfg_std(&c);
	c.max_sessions = 16;
	c.sweep_budget = 4;
	struct nat64_db *db = open_db(f, &c);
	for (int i = 0; i < 10; i++) {
		snprintf(src, sizeof(src), "2001:db8:%x::1", i);
		flow(db, NAT64_UDP, src, 1, "198.51.100.1", 53, NAT64_T_UDP, 0);
	}
	/* slots 0..9 used: 4 + 4 + 2, then slots 12..15 are empty */
	assert_int_equal(nat64_db_sweep(db, 300), 4);
	assert_int_equal(nat64_db_nsess(db), 6);
	assert_int_equal(nat64_db_sweep(db, 300), 4);
	assert_int_equal(nat64_db_sweep(db, 300), 2);
	assert_int_equal(nat64_db_sweep(db, 300), 0);
	assert_int_equal(nat64_db_nsess(db), 0);
	assert_int_equal(nat64_db_nbib(db), 0);
	assert_int_equal(nat64_db_stats(db)->sess_expired, 10);
}

/* RFC 6146 §3.5.1.1 with per-worker shards: every address of a /56 is
 * owned by the same worker; subscribers spread over the workers. */
static void test_rfc6146_3_5_1_1_owner6(void **state)
{
	struct nat64_cfg c;
	uint8_t a[16];
	unsigned seen = 0;
	char s[64];

	(void)state;
	cfg_std(&c);
	c.pool4.nworkers = 4;
	v6("2001:db8:0:100::1", a);
	unsigned w = nat64_db_owner6(&c, a);
	assert_true(w < 4);
	const char *same[] = {"2001:db8:0:100::2", "2001:db8:0:1ff::1",
			      "2001:db8:0:1ab:1:2:3:4", "2001:db8:0:100::"};
	for (unsigned i = 0; i < 4; i++) {
		v6(same[i], a);
		assert_int_equal(nat64_db_owner6(&c, a), w);
	}
	for (int i = 0; i < 64; i++) {
		snprintf(s, sizeof(s), "2001:db8:%x:%x00::1", i, i);
		v6(s, a);
		seen |= 1u << nat64_db_owner6(&c, a);
	}
	assert_int_equal(seen, 0xf);
}

/* RFC 7422 port blocks: a subscriber's first mapping allocates a block
 * (logged once), its next mappings share it, the last one releases it;
 * no per-BIB events. */
static void test_rfc6146_3_5_1_1_port_blocks(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	struct nat64_log_event ev[64];
	uint8_t pfx[16];

	cfg_std(&c);
	c.pool4.block_size = 64;
	c.pool4.max_blocks = 2;
	c.log_sessions = 1; /* no session events in block mode either */
	struct nat64_db *db = open_db(f, &c);
	nat64_db_set_clock(db, 1700000000000ull);
	uint32_t s1 = flow(db, NAT64_UDP, "2001:db8:0:1::1", 1000,
			   "198.51.100.1", 53, NAT64_T_UDP, 10);
	uint32_t s2 = flow(db, NAT64_UDP, "2001:db8:0:2::1", 2000,
			   "198.51.100.1", 53, NAT64_T_UDP, 11);
	struct nat64_bib *b1 = nat64_bib_get(db, nat64_sess_get(db, s1)->bib);
	struct nat64_bib *b2 = nat64_bib_get(db, nat64_sess_get(db, s2)->bib);
	unsigned n = events(f, ev, 64);
	assert_int_equal(count_event(ev, n, NAT64_EV_BIB_CREATE), 0);
	assert_int_equal(count_event(ev, n, NAT64_EV_SESSION_CREATE), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].event, NAT64_EV_BLOCK_ALLOC);
	assert_int_equal(ev[0].proto, NAT64_UDP);
	assert_int_equal(ev[0].sub_len, 56);
	assert_int_equal(ev[0].time_ms, 1700000000000ull + 10000);
	v6("2001:db8::", pfx);
	assert_memory_equal(ev[0].src6, pfx, 16);
	assert_int_equal(ev[0].addr4, b1->addr4);
	assert_int_equal(ev[0].port4_end - ev[0].port4, 63);
	assert_int_equal(ev[0].port4 % 64, 1024 % 64);
	/* both BIBs in the block */
	assert_int_equal(b2->addr4, b1->addr4);
	assert_true(b1->port4 >= ev[0].port4 && b1->port4 <= ev[0].port4_end);
	assert_true(b2->port4 >= ev[0].port4 && b2->port4 <= ev[0].port4_end);
	assert_int_not_equal(b1->port4, b2->port4);
	uint16_t start = ev[0].port4, end = ev[0].port4_end;

	nat64_sess_del(db, s1, 20);
	assert_int_equal(events(f, ev, 64), 0);
	nat64_sess_del(db, s2, 21);
	n = events(f, ev, 64);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].event, NAT64_EV_BLOCK_RELEASE);
	assert_int_equal(ev[0].port4, start);
	assert_int_equal(ev[0].port4_end, end);
	assert_int_equal(ev[0].time_ms, 1700000000000ull + 21000);
	assert_memory_equal(ev[0].src6, pfx, 16);
	assert_int_equal(nat64_db_nbib(db), 0);
}

/* RFC 7422 port blocks: a subscriber whose blocks are full and who holds
 * max_blocks is refused with the quota reason. */
static void test_rfc6146_5_3_block_quota(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	uint8_t a[16];
	int why = -1;

	cfg_std(&c);
	c.pool4.block_size = 8;
	c.pool4.max_blocks = 1;
	struct nat64_db *db = open_db(f, &c);
	v6("2001:db8::1", a);
	for (uint16_t p = 0; p < 8; p++)
		assert_int_not_equal(nat64_bib_add(db, NAT64_UDP, a,
						   (uint16_t)(100 + p), 0,
						   &why),
				     NAT64_NONE);
	assert_int_equal(nat64_bib_add(db, NAT64_UDP, a, 200, 0, &why),
			 NAT64_NONE);
	assert_int_equal(why, XLAT_R_NAT64_QUOTA);
	assert_int_equal(nat64_db_stats(db)->quota, 1);
	assert_int_equal(nat64_db_nbib(db), 8);
}

/* RFC 6146 §3.1 mapping log (RFC 6888 REQ-12): BIB_CREATE and BIB_DELETE
 * carry the mapping; PORTS_EXHAUSTED is rate-limited per shard. */
static void test_rfc6146_3_1_log_bib_events(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	struct nat64_log_event ev[64];
	uint8_t a[16], b6[16];
	int why = -1;

	nat64_cfg_default(&c);
	range(&c, "192.0.2.7", NAT64_TCP, 6000, 6000);
	struct nat64_db *db = open_db(f, &c);
	nat64_db_set_clock(db, 1000000);
	v6("2001:db8:0:1::5", a);
	uint32_t b = nat64_bib_add(db, NAT64_TCP, a, 33000, 3, &why);
	assert_int_not_equal(b, NAT64_NONE);
	uint32_t s =
	    nat64_sess_add(db, b, v4("198.51.100.1"), 443, NAT64_TCP_V6_INIT,
			   NAT64_T_TCP_TRANS, 3, &why);
	unsigned n = events(f, ev, 64);
	assert_int_equal(n, 1); /* no session events unless log_sessions */
	assert_int_equal(ev[0].event, NAT64_EV_BIB_CREATE);
	assert_int_equal(ev[0].proto, NAT64_TCP);
	assert_int_equal(ev[0].time_ms, 1003000);
	assert_memory_equal(ev[0].src6, a, 16);
	assert_int_equal(ev[0].sport6, 33000);
	assert_int_equal(ev[0].addr4, v4("192.0.2.7"));
	assert_int_equal(ev[0].port4, 6000);
	assert_int_equal(ev[0].port4_end, 6000);
	assert_int_equal(ev[0].sub_len, 56);

	/* exhausted: one PORTS_EXHAUSTED per 10 s */
	v6("2001:db8:9::1", b6);
	for (uint32_t t = 4; t < 14; t++)
		assert_int_equal(nat64_bib_add(db, NAT64_TCP, b6, 1, t, &why),
				 NAT64_NONE);
	assert_int_equal(nat64_bib_add(db, NAT64_TCP, b6, 1, 14, &why),
			 NAT64_NONE);
	assert_int_equal(nat64_db_stats(db)->pool4_exhausted, 11);
	n = events(f, ev, 64);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].event, NAT64_EV_PORTS_EXHAUSTED);
	assert_int_equal(ev[1].time_ms, 1014000);

	nat64_sess_del(db, s, 50);
	n = events(f, ev, 64);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].event, NAT64_EV_BIB_DELETE);
	assert_int_equal(ev[0].time_ms, 1050000);
	assert_memory_equal(ev[0].src6, a, 16);
	assert_int_equal(ev[0].sport6, 33000);
	assert_int_equal(ev[0].addr4, v4("192.0.2.7"));
	assert_int_equal(ev[0].port4, 6000);
}

/* RFC 6146 §3.2 with log_sessions: SESSION_CREATE / SESSION_DELETE carry
 * the remote endpoint. */
static void test_rfc6146_3_2_log_session_events(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	struct nat64_log_event ev[64];

	cfg_std(&c);
	c.log_sessions = 1;
	struct nat64_db *db = open_db(f, &c);
	uint32_t s = flow(db, NAT64_UDP, "2001:db8::1", 999, "198.51.100.1", 53,
			  NAT64_T_UDP, 0);
	nat64_sess_del(db, s, 1);
	unsigned n = events(f, ev, 64);
	assert_int_equal(n, 4);
	assert_int_equal(ev[0].event, NAT64_EV_BIB_CREATE);
	assert_int_equal(ev[1].event, NAT64_EV_SESSION_CREATE);
	assert_int_equal(ev[1].raddr4, v4("198.51.100.1"));
	assert_int_equal(ev[1].rport, 53);
	assert_int_equal(ev[2].event, NAT64_EV_SESSION_DELETE);
	assert_int_equal(ev[3].event, NAT64_EV_BIB_DELETE);
}

/* A full log ring loses events, counted; the mapping is still made. */
static void test_rfc6146_3_1_log_ring_full(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	char src[64];

	cfg_std(&c);
	struct nat64_db *db = open_db(f, &c);
	for (int i = 0; i < 1100; i++) {
		snprintf(src, sizeof(src), "2001:db8::%x", i + 1);
		flow(db, NAT64_UDP, src, 1, "198.51.100.1", 53, NAT64_T_UDP, 0);
	}
	assert_int_equal(nat64_db_nbib(db), 1100);
	assert_int_equal(nat64_db_stats(db)->log_dropped, 1100 - 1024);
}

/* Scale: 10 000 mappings added, all found from both sides, all deleted,
 * tables back to empty. */
static void test_rfc6146_3_scale_10000(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	enum { N = 10000 };
	static uint32_t sess[N];
	uint8_t a[16];
	int why = -1;

	cfg_std(&c);
	c.max_bib = N;
	c.max_sessions = N;
	struct nat64_db *db = open_db(f, &c);
	nat64_db_set_clock(db, 0);
	v6("2001:db8::", a);
	for (uint32_t i = 0; i < N; i++) {
		a[8] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)i;
		uint32_t b = nat64_bib_add(db, NAT64_UDP, a, 5353, 0, &why);
		assert_int_not_equal(b, NAT64_NONE);
		sess[i] = nat64_sess_add(db, b, 0xc6336400u + (i & 0xff),
					 (uint16_t)i, 0, NAT64_T_UDP, 0, &why);
		assert_int_not_equal(sess[i], NAT64_NONE);
	}
	assert_int_equal(nat64_db_nbib(db), N);
	assert_int_equal(nat64_db_nsess(db), N);
	for (uint32_t i = 0; i < N; i++) {
		a[8] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)i;
		uint32_t b = nat64_bib_find6(db, NAT64_UDP, a, 5353);
		assert_int_not_equal(b, NAT64_NONE);
		struct nat64_bib *e = nat64_bib_get(db, b);
		assert_int_equal(
		    nat64_bib_find4(db, NAT64_UDP, e->addr4, e->port4), b);
		assert_int_equal(nat64_sess_find(db, b,
						 0xc6336400u + (i & 0xff),
						 (uint16_t)i),
				 sess[i]);
	}
	for (uint32_t i = 0; i < N; i++)
		nat64_sess_del(db, sess[i], 1);
	assert_int_equal(nat64_db_nbib(db), 0);
	assert_int_equal(nat64_db_nsess(db), 0);
	uint64_t used, total;
	pool4_usage(nat64_db_pool4(db), NAT64_UDP, &used, &total);
	assert_int_equal(used, 0);
	/* and the tables take a second round */
	for (uint32_t i = 0; i < N; i++) {
		a[8] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)i;
		assert_int_not_equal(
		    nat64_bib_add(db, NAT64_UDP, a, 5353, 2, &why), NAT64_NONE);
	}
}

/* The memory budget (docs/nat64.md): at most 128 bytes per session,
 * indexes included, at a size whose bucket rounding (2^20 / 600 000 =
 * 1.75) is as bad as 10 M's (2^24 / 10 M = 1.68). */
static void test_nat64_db_memory_budget(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;

	cfg_std(&c);
	c.max_sessions = 600000;
	c.max_bib = 600000;
	struct nat64_db *db = open_db(f, &c);
	size_t bytes = nat64_db_bytes(db);
	assert_true(bytes > 600000u * (24 + 48));
	assert_true(bytes / 600000 <= 128);
	assert_int_equal(nat64_db_cfg(db)->max_sessions, 600000);
}

/* The control plane's walk of the subscriber table (gate64ctl stats,
 * the subscribers-over-alert gauge): each live subscriber once, with its
 * sessions, limit, and in port-block mode its ports in use per protocol;
 * a subscriber whose last BIB entry went is not listed. */
static void test_nat64_db_sub_slot_walk(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	struct nat64_sub_info si;
	uint8_t a[16], b[16];
	int why = -1;

	cfg_std(&c);
	c.pool4.block_size = 8;
	c.pool4.max_blocks = 2;
	c.sub_max_sessions = 10;
	struct nat64_db *db = open_db(f, &c);
	v6("2001:db8:1::1", a);
	v6("2001:db8:2::1", b);
	for (uint16_t p = 0; p < 3; p++)
		assert_int_not_equal(nat64_bib_add(db, NAT64_UDP, a,
						   (uint16_t)(100 + p), 0,
						   &why),
				     NAT64_NONE);
	uint32_t bb = nat64_bib_add(db, NAT64_TCP, b, 100, 0, &why);
	assert_int_not_equal(bb, NAT64_NONE);
	assert_int_not_equal(nat64_sess_add(db, bb, 0xc6336402u, 80,
					    NAT64_TCP_ESTABLISHED,
					    NAT64_T_TCP_EST, 0, &why),
			     NAT64_NONE);
	unsigned seen = 0;
	for (uint32_t i = 0; i < c.max_subs; i++) {
		if (!nat64_db_sub_slot(db, i, &si))
			continue;
		seen++;
		assert_int_equal(si.limit, 10);
		assert_int_equal(si.len, 56);
		if (si.prefix[5] == 1) { /* 2001:db8:1::/56 */
			assert_int_equal(si.nbib, 3);
			assert_int_equal(si.nsess, 0);
			assert_int_equal(si.ports[NAT64_UDP], 3);
			assert_int_equal(si.blocks[NAT64_UDP], 1);
		} else {
			assert_int_equal(si.nbib, 1);
			assert_int_equal(si.nsess, 1);
			assert_int_equal(si.ports[NAT64_TCP], 1);
			assert_int_equal(si.ports[NAT64_UDP], 0);
		}
	}
	assert_int_equal(seen, 2);
	assert_int_equal(nat64_db_sub_slot(db, c.max_subs, &si), 0);
	/* b's session and BIB go: b is no longer listed */
	nat64_sess_del(db, nat64_bib_get(db, bb)->sess, 1);
	seen = 0;
	for (uint32_t i = 0; i < c.max_subs; i++)
		seen += (unsigned)nat64_db_sub_slot(db, i, &si);
	assert_int_equal(seen, 1);
}

/* ---- adoption (hybrid restart, nat64_sess_adopt) ---- */

/* A session as a previous instance hands it over: 192.0.2.1:port4, TCP
 * ESTABLISHED on TCP_EST, the others on their protocol's timer. */
static struct nat64_adopt adopt_rec(uint8_t proto, const char *src,
				    uint16_t sport6, uint16_t port4,
				    const char *raddr, uint16_t rport,
				    uint32_t last)
{
	struct nat64_adopt a;

	memset(&a, 0, sizeof(a));
	a.proto = proto;
	a.state = proto == NAT64_TCP ? NAT64_TCP_ESTABLISHED : 0;
	a.timer = proto == NAT64_TCP   ? NAT64_T_TCP_EST
		  : proto == NAT64_UDP ? NAT64_T_UDP
				       : NAT64_T_ICMP;
	v6(src, a.src6);
	a.sport6 = sport6;
	a.addr4 = v4("192.0.2.1");
	a.port4 = port4;
	a.raddr4 = v4(raddr);
	a.rport = rport;
	a.last = last;
	return a;
}

/* The adopted session as both directions find it at 'now'. */
static void check_adopted(struct nat64_db *db, const struct nat64_adopt *a,
			  uint32_t now)
{
	struct nat64_bib *b6 = NULL, *b4 = NULL;
	struct nat64_sess *s6 = nat64_hit6(db, a->proto, a->src6, a->sport6,
					   a->raddr4, a->rport, now, &b6);
	struct nat64_sess *s4 = nat64_hit4(db, a->proto, a->addr4, a->port4,
					   a->raddr4, a->rport, now, &b4);

	assert_non_null(s6);
	assert_ptr_equal(s6, s4);
	assert_ptr_equal(b6, b4);
	assert_int_equal(b6->addr4, a->addr4);
	assert_int_equal(b6->port4, a->port4);
	assert_memory_equal(b6->src6, a->src6, 16);
	assert_int_equal(b6->sport6, a->sport6);
	assert_int_equal(s6->state, a->state);
	assert_int_equal(s6->timer, a->timer);
	assert_int_equal(s6->last, a->last);
}

/* A TCP ESTABLISHED and a UDP session of a previous instance come back
 * with their address, port, state, timer and 'last'; no mapping-log event
 * (the previous instance logged them); the subscriber counts each session
 * once; they expire on their adopted 'last'; a session under a static
 * entry is adopted onto it. */
static void test_nat64_db_adopt_sessions(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	struct nat64_sub_info si;
	struct nat64_log_event ev[64];
	uint8_t a6[16];
	uint64_t used, total;

	cfg_std(&c);
	c.max_sessions = 64; /* the sweep budget covers the table */
	c.log_sessions = 1;
	struct nat64_db *db = open_db(f, &c);
	struct nat64_adopt t = adopt_rec(NAT64_TCP, "2001:db8::1", 40000, 5000,
					 "198.51.100.7", 443, 90);
	struct nat64_adopt u = adopt_rec(NAT64_UDP, "2001:db8::2", 5353, 6000,
					 "198.51.100.8", 53, 95);
	assert_int_equal(nat64_sess_adopt(db, &t, 100), 0);
	assert_int_equal(nat64_sess_adopt(db, &u, 100), 0);
	check_adopted(db, &t, 100);
	check_adopted(db, &u, 100);
	assert_int_equal(events(f, ev, 64), 0);
	assert_int_equal(nat64_db_nbib(db), 2);
	assert_int_equal(nat64_db_nsess(db), 2);
	assert_int_equal(nat64_db_stats(db)->sess_adopted, 2);
	assert_int_equal(nat64_db_stats(db)->sess_created, 2);
	assert_int_equal(nat64_db_stats(db)->bib_created, 2);
	v6("2001:db8::1", a6);
	assert_int_equal(nat64_db_sub_info(db, a6, &si), 1);
	assert_int_equal(si.nbib, 2);
	assert_int_equal(si.nsess, 2);

	/* a second session under the adopted UDP BIB */
	struct nat64_adopt u2 = u;
	u2.raddr4 = v4("198.51.100.9");
	assert_int_equal(nat64_sess_adopt(db, &u2, 100), 0);
	check_adopted(db, &u2, 100);
	assert_int_equal(nat64_db_nbib(db), 2);
	assert_int_equal(nat64_db_sub_info(db, a6, &si), 1);
	assert_int_equal(si.nbib, 2);
	assert_int_equal(si.nsess, 3);

	/* under a static entry (configured first): no subscriber */
	struct nat64_adopt st = adopt_rec(NAT64_TCP, "2001:db8:1::80", 80, 8080,
					  "198.51.100.10", 33000, 90);
	assert_int_equal(
	    nat64_bib_add_static(db, NAT64_TCP, st.src6, 80, st.addr4, 8080),
	    0);
	assert_int_equal(nat64_sess_adopt(db, &st, 100), 0);
	check_adopted(db, &st, 100);
	assert_int_equal(nat64_db_sub_info(db, st.src6, &si), 0);
	assert_int_equal(events(f, ev, 64), 0);

	/* RFC 6146 §3.5: their lifetimes run from the adopted 'last' */
	assert_int_equal(nat64_db_sweep(db, 95 + 300 - 1), 0);
	assert_int_equal(nat64_db_sweep(db, 95 + 300), 2);
	assert_int_equal(nat64_db_nbib(db), 2);
	assert_int_equal(nat64_db_sweep(db, 90 + 7440 - 1), 0);
	assert_int_equal(nat64_db_sweep(db, 90 + 7440), 2);
	assert_int_equal(nat64_db_nbib(db), 1); /* the static entry */
	assert_int_equal(nat64_db_nsess(db), 0);
	pool4_usage(nat64_db_pool4(db), NAT64_TCP, &used, &total);
	assert_int_equal(used, 1);
	pool4_usage(nat64_db_pool4(db), NAT64_UDP, &used, &total);
	assert_int_equal(used, 0);
}

/* An adopted port is kept: nat64_bib_add gives the rest of a 3-port
 * range to other clients and then refuses; the port goes back to the
 * pool with the adopted session. */
static void test_nat64_db_adopt_port_kept(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	uint8_t a[16];
	int why = -1;

	nat64_cfg_default(&c);
	range(&c, "192.0.2.1", NAT64_UDP, 5000, 5002);
	struct nat64_db *db = open_db(f, &c);
	struct nat64_adopt u = adopt_rec(NAT64_UDP, "2001:db8::1", 1000, 5001,
					 "198.51.100.1", 53, 0);
	assert_int_equal(nat64_sess_adopt(db, &u, 0), 0);
	uint32_t s1 = flow(db, NAT64_UDP, "2001:db8:1::1", 1000, "198.51.100.1",
			   53, NAT64_T_UDP, 0);
	uint32_t s2 = flow(db, NAT64_UDP, "2001:db8:2::1", 1000, "198.51.100.1",
			   53, NAT64_T_UDP, 0);
	uint16_t p1 = nat64_bib_get(db, nat64_sess_get(db, s1)->bib)->port4;
	uint16_t p2 = nat64_bib_get(db, nat64_sess_get(db, s2)->bib)->port4;
	assert_true(p1 != 5001 && p2 != 5001 && p1 != p2);
	v6("2001:db8:3::1", a);
	assert_int_equal(nat64_bib_add(db, NAT64_UDP, a, 1000, 0, &why),
			 NAT64_NONE);
	assert_int_equal(why, XLAT_R_NAT64_POOL4_EXHAUSTED);
	/* the adopted session gone, its port is handed out again */
	struct nat64_bib *b = NULL;
	struct nat64_sess *s =
	    nat64_hit6(db, NAT64_UDP, u.src6, 1000, u.raddr4, 53, 1, &b);
	assert_non_null(s);
	nat64_sess_del(db, (uint32_t)(s - nat64_sess_get(db, 0)), 1);
	uint32_t bi = nat64_bib_add(db, NAT64_UDP, a, 1000, 1, &why);
	assert_int_not_equal(bi, NAT64_NONE);
	assert_int_equal(nat64_bib_get(db, bi)->port4, 5001);
}

/* Refusals leave nothing behind: a port outside this worker's slice or
 * pool4 (-ENOENT), a port or a (src6, sport6) mapped otherwise (-EBUSY),
 * bad records (-EINVAL). */
static void test_nat64_db_adopt_refused(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	struct nat64_sub_info si;
	uint64_t used, total;

	nat64_cfg_default(&c);
	range(&c, "192.0.2.1", NAT64_UDP, 5000, 5009);
	range(&c, "192.0.2.1", NAT64_TCP, 5000, 5009);
	c.pool4.nworkers = 2; /* worker 0: 5000-5004 */
	struct nat64_db *db = open_db(f, &c);
	struct nat64_adopt u = adopt_rec(NAT64_UDP, "2001:db8::1", 1000, 5002,
					 "198.51.100.1", 53, 0);
	assert_int_equal(nat64_sess_adopt(db, &u, 0), 0);
	uint32_t s = flow(db, NAT64_UDP, "2001:db8:1::1", 1000, "198.51.100.1",
			  53, NAT64_T_UDP, 0);
	uint16_t taken = nat64_bib_get(db, nat64_sess_get(db, s)->bib)->port4;

	struct nat64_adopt x = adopt_rec(NAT64_UDP, "2001:db8:2::1", 1000, 5007,
					 "198.51.100.1", 53, 0);
	assert_int_equal(nat64_sess_adopt(db, &x, 0), -ENOENT); /* worker 1 */
	x.port4 = 6000;
	assert_int_equal(nat64_sess_adopt(db, &x, 0), -ENOENT);
	x.port4 = 5003;
	x.addr4 = v4("192.0.2.9");
	assert_int_equal(nat64_sess_adopt(db, &x, 0), -ENOENT);
	x.addr4 = v4("192.0.2.1");
	x.port4 = taken; /* another client's */
	assert_int_equal(nat64_sess_adopt(db, &x, 0), -EBUSY);
	x.port4 = 5002; /* the adopted one's */
	assert_int_equal(nat64_sess_adopt(db, &x, 0), -EBUSY);
	assert_int_equal(nat64_db_sub_info(db, x.src6, &si), 0);
	/* the adopted (src6, sport6) on another port */
	struct nat64_adopt y = u;
	y.port4 = 5003;
	y.raddr4 = v4("198.51.100.2");
	assert_int_equal(nat64_sess_adopt(db, &y, 0), -EBUSY);

	/* bad records */
	y = u;
	y.timer = NAT64_T_NONE;
	assert_int_equal(nat64_sess_adopt(db, &y, 0), -EINVAL);
	y.timer = NAT64_NTIMERS;
	assert_int_equal(nat64_sess_adopt(db, &y, 0), -EINVAL);
	y = u;
	y.proto = NAT64_NPROTO;
	assert_int_equal(nat64_sess_adopt(db, &y, 0), -EINVAL);
	struct nat64_adopt t = adopt_rec(NAT64_TCP, "2001:db8:3::1", 1000, 5001,
					 "198.51.100.1", 80, 0);
	t.state = NAT64_TCP_CLOSED;
	assert_int_equal(nat64_sess_adopt(db, &t, 0), -EINVAL);
	t.state = NAT64_TCP_NSTATES;
	assert_int_equal(nat64_sess_adopt(db, &t, 0), -EINVAL);

	assert_int_equal(nat64_db_nbib(db), 2);
	assert_int_equal(nat64_db_nsess(db), 2);
	assert_int_equal(nat64_db_stats(db)->sess_adopted, 1);
	pool4_usage(nat64_db_pool4(db), NAT64_UDP, &used, &total);
	assert_int_equal(used, 2);
	pool4_usage(nat64_db_pool4(db), NAT64_TCP, &used, &total);
	assert_int_equal(used, 0);
	t.state = NAT64_TCP_V6_INIT;
	assert_int_equal(nat64_sess_adopt(db, &t, 0), 0);
}

/* The same session adopted twice (two map entries, or a retry): -EEXIST,
 * and only its 'last' moves, forward. */
static void test_nat64_db_adopt_again(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	struct nat64_sub_info si;

	cfg_std(&c);
	struct nat64_db *db = open_db(f, &c);
	struct nat64_adopt u = adopt_rec(NAT64_UDP, "2001:db8::1", 1000, 5000,
					 "198.51.100.1", 53, 100);
	struct nat64_adopt t = adopt_rec(NAT64_TCP, "2001:db8::1", 1000, 5000,
					 "198.51.100.1", 80, 100);
	assert_int_equal(nat64_sess_adopt(db, &u, 100), 0);
	assert_int_equal(nat64_sess_adopt(db, &t, 100), 0);
	struct nat64_adopt u2 = u;
	u2.last = 150;
	u2.timer = NAT64_T_ICMP;
	assert_int_equal(nat64_sess_adopt(db, &u2, 160), -EEXIST);
	u.last = 150;
	check_adopted(db, &u, 160); /* timer unchanged, last moved */
	u2.last = 120;
	assert_int_equal(nat64_sess_adopt(db, &u2, 160), -EEXIST);
	check_adopted(db, &u, 160); /* never back */
	struct nat64_adopt t2 = t;
	t2.state = NAT64_TCP_TRANS;
	t2.timer = NAT64_T_TCP_TRANS;
	t2.last = 130;
	assert_int_equal(nat64_sess_adopt(db, &t2, 160), -EEXIST);
	t.last = 130;
	check_adopted(db, &t, 160);
	assert_int_equal(nat64_db_nbib(db), 2);
	assert_int_equal(nat64_db_nsess(db), 2);
	assert_int_equal(nat64_db_stats(db)->sess_adopted, 2);
	assert_int_equal(nat64_db_sub_info(db, u.src6, &si), 1);
	assert_int_equal(si.nsess, 2);
	assert_int_equal(si.nbib, 2);
}

/* RFC 6146 §3.5: a session already past its lifetime is not adopted
 * (-ETIME), and leaves no BIB, subscriber or port behind; one a second
 * younger is; a 'last' ahead of 'now' is young. */
static void test_nat64_db_adopt_expired(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	struct nat64_sub_info si;
	uint64_t used, total;

	cfg_std(&c);
	struct nat64_db *db = open_db(f, &c);
	struct nat64_adopt u = adopt_rec(NAT64_UDP, "2001:db8::1", 1000, 5000,
					 "198.51.100.1", 53, 1000);
	assert_int_equal(nat64_sess_adopt(db, &u, 1300), -ETIME);
	assert_int_equal(nat64_db_nbib(db), 0);
	assert_int_equal(nat64_db_nsess(db), 0);
	assert_int_equal(nat64_db_sub_info(db, u.src6, &si), 0);
	pool4_usage(nat64_db_pool4(db), NAT64_UDP, &used, &total);
	assert_int_equal(used, 0);
	assert_int_equal(nat64_sess_adopt(db, &u, 1299), 0);
	/* another session, expired, of the same BIB: the BIB stays as it
	 * was; the same session expired: untouched */
	struct nat64_adopt u2 = u;
	u2.raddr4 = v4("198.51.100.2");
	u2.last = 900;
	assert_int_equal(nat64_sess_adopt(db, &u2, 1299), -ETIME);
	u2 = u;
	u2.last = 900;
	assert_int_equal(nat64_sess_adopt(db, &u2, 1299), -ETIME);
	check_adopted(db, &u, 1299);
	assert_int_equal(nat64_db_nbib(db), 1);
	assert_int_equal(nat64_db_nsess(db), 1);
	/* another client's, expired: nbib unchanged */
	struct nat64_adopt x = adopt_rec(NAT64_TCP, "2001:db8:1::1", 1000, 5001,
					 "198.51.100.1", 80, 0);
	x.timer = NAT64_T_TCP_SYN;
	x.state = NAT64_TCP_V4_INIT;
	assert_int_equal(nat64_sess_adopt(db, &x, 6), -ETIME);
	assert_int_equal(nat64_db_nbib(db), 1);
	assert_int_equal(nat64_db_sub_info(db, x.src6, &si), 0);
	/* 'last' ahead of 'now' (another writer's clock) */
	x.last = 10;
	assert_int_equal(nat64_sess_adopt(db, &x, 8), 0);
	check_adopted(db, &x, 8);
}

/* RFC 7422 port blocks: the adopted port's block becomes the subscriber's
 * (no BLOCK_ALLOC: the previous instance logged it), its next mapping
 * takes a port there; another subscriber cannot adopt a port of it; the
 * block limits hold (-EDQUOT); the block goes with its last session. */
static void test_nat64_db_adopt_blocks(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	struct nat64_sub_info si;
	struct nat64_log_event ev[64];
	uint64_t used, total, nblk;

	cfg_std(&c);
	range(&c, "192.0.2.2", NAT64_UDP, 1024, 65535);
	c.pool4.block_size = 8;
	c.pool4.max_blocks = 2;
	struct nat64_db *db = open_db(f, &c);
	struct nat64_adopt a = adopt_rec(NAT64_UDP, "2001:db8:0:1::1", 1000,
					 2003, "198.51.100.1", 53, 0);
	assert_int_equal(nat64_sess_adopt(db, &a, 0), 0);
	check_adopted(db, &a, 0);
	assert_int_equal(events(f, ev, 64), 0);
	assert_int_equal(nat64_db_sub_info(db, a.src6, &si), 1);
	assert_int_equal(si.addr4, v4("192.0.2.1"));
	assert_int_equal(si.blocks[NAT64_UDP], 1);
	assert_int_equal(si.ports[NAT64_UDP], 1);
	/* the subscriber's next mapping: in that block (2000-2007) */
	uint32_t s2 = flow(db, NAT64_UDP, "2001:db8:0:2::5", 7, "198.51.100.1",
			   53, NAT64_T_UDP, 0);
	uint16_t p2 = nat64_bib_get(db, nat64_sess_get(db, s2)->bib)->port4;
	assert_true(p2 >= 2000 && p2 <= 2007 && p2 != 2003);
	assert_int_equal(events(f, ev, 64), 0);
	/* and another adopted port of that block */
	struct nat64_adopt a1 =
	    adopt_rec(NAT64_UDP, "2001:db8:0:1::1", 1001,
		      p2 == 2006 ? 2007 : 2006, "198.51.100.1", 53, 0);
	assert_int_equal(nat64_sess_adopt(db, &a1, 0), 0);
	check_adopted(db, &a1, 0);
	assert_int_equal(nat64_db_sub_info(db, a.src6, &si), 1);
	assert_int_equal(si.blocks[NAT64_UDP], 1);
	assert_int_equal(si.ports[NAT64_UDP], 3);
	/* another subscriber: not a port of that block */
	struct nat64_adopt b = adopt_rec(NAT64_UDP, "2001:db8:1::1", 1000, 2005,
					 "198.51.100.1", 53, 0);
	assert_int_equal(nat64_sess_adopt(db, &b, 0), -EBUSY);
	assert_int_equal(nat64_db_sub_info(db, b.src6, &si), 0);
	assert_int_equal(nat64_db_nbib(db), 3);
	uint32_t sb = flow(db, NAT64_UDP, "2001:db8:1::1", 1000, "198.51.100.1",
			   53, NAT64_T_UDP, 0);
	uint16_t pb = nat64_bib_get(db, nat64_sess_get(db, sb)->bib)->port4;
	assert_true(pb < 2000 || pb > 2007);
	(void)events(f, ev, 64);
	/* the subscriber's blocks: on 192.0.2.1, at most 2 */
	struct nat64_adopt a2 = adopt_rec(NAT64_UDP, "2001:db8:0:1::2", 1000,
					  3001, "198.51.100.1", 53, 0);
	a2.addr4 = v4("192.0.2.2");
	assert_int_equal(nat64_sess_adopt(db, &a2, 0), -EDQUOT);
	a2.addr4 = v4("192.0.2.1");
	assert_int_equal(nat64_sess_adopt(db, &a2, 0), 0);
	struct nat64_adopt a3 = adopt_rec(NAT64_UDP, "2001:db8:0:1::3", 1000,
					  4001, "198.51.100.1", 53, 0);
	assert_int_equal(nat64_sess_adopt(db, &a3, 0), -EDQUOT);
	assert_int_equal(nat64_db_stats(db)->quota, 2);
	assert_int_equal(nat64_db_sub_info(db, a.src6, &si), 1);
	assert_int_equal(si.blocks[NAT64_UDP], 2);
	assert_int_equal(si.ports[NAT64_UDP], 4);
	(void)events(f, ev, 64);

	/* the sessions go: the blocks with their last port */
	struct nat64_bib *bib = NULL;
	nat64_sess_del(db, s2, 1);
	struct nat64_sess *s =
	    nat64_hit6(db, NAT64_UDP, a1.src6, 1001, a1.raddr4, 53, 1, &bib);
	assert_non_null(s);
	nat64_sess_del(db, (uint32_t)(s - nat64_sess_get(db, 0)), 1);
	assert_int_equal(events(f, ev, 64), 0);
	s = nat64_hit6(db, NAT64_UDP, a.src6, 1000, a.raddr4, 53, 1, &bib);
	assert_non_null(s);
	nat64_sess_del(db, (uint32_t)(s - nat64_sess_get(db, 0)), 1);
	unsigned n = events(f, ev, 64);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].event, NAT64_EV_BLOCK_RELEASE);
	assert_int_equal(ev[0].port4, 2000);
	s = nat64_hit6(db, NAT64_UDP, a2.src6, 1000, a2.raddr4, 53, 1, &bib);
	assert_non_null(s);
	nat64_sess_del(db, (uint32_t)(s - nat64_sess_get(db, 0)), 1);
	assert_int_equal(nat64_db_sub_info(db, a.src6, &si), 0);
	nat64_sess_del(db, sb, 1);
	pool4_usage(nat64_db_pool4(db), NAT64_UDP, &used, &total);
	assert_int_equal(used, 0);
	for (unsigned r = 0; r < c.pool4.n; r++) {
		pool4_range_usage(nat64_db_pool4(db), r, &used, &total, &nblk);
		assert_int_equal(nblk, 0);
	}
	assert_int_equal(nat64_db_nbib(db), 0);
	/* the block is free for another subscriber now */
	assert_int_equal(nat64_sess_adopt(db, &b, 2), 0);
}

/* RFC 6146 §5.3: the subscriber's session limit holds for adopted
 * sessions too (-EDQUOT, for a new BIB and under an existing one), and
 * the refused port stays free. */
static void test_nat64_db_adopt_quota(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	struct nat64_sub_info si;

	cfg_std(&c);
	c.sub_max_sessions = 2;
	struct nat64_db *db = open_db(f, &c);
	struct nat64_adopt a1 = adopt_rec(NAT64_UDP, "2001:db8::1", 1000, 5000,
					  "198.51.100.1", 53, 0);
	struct nat64_adopt a2 = adopt_rec(NAT64_TCP, "2001:db8::2", 1001, 5001,
					  "198.51.100.1", 80, 0);
	struct nat64_adopt a3 = adopt_rec(NAT64_UDP, "2001:db8::3", 1002, 5002,
					  "198.51.100.1", 53, 0);
	assert_int_equal(nat64_sess_adopt(db, &a1, 0), 0);
	assert_int_equal(nat64_sess_adopt(db, &a2, 0), 0);
	assert_int_equal(nat64_sess_adopt(db, &a3, 0), -EDQUOT);
	struct nat64_adopt a4 = a1;
	a4.raddr4 = v4("198.51.100.2");
	assert_int_equal(nat64_sess_adopt(db, &a4, 0), -EDQUOT);
	assert_int_equal(nat64_db_stats(db)->quota, 2);
	assert_int_equal(nat64_db_nbib(db), 2);
	assert_int_equal(nat64_db_nsess(db), 2);
	assert_int_equal(nat64_db_sub_info(db, a1.src6, &si), 1);
	assert_int_equal(si.nsess, 2);
	assert_int_equal(si.nbib, 2);
	/* another subscriber takes the refused port */
	struct nat64_adopt b = adopt_rec(NAT64_UDP, "2001:db8:1::3", 1002, 5002,
					 "198.51.100.1", 53, 0);
	assert_int_equal(nat64_sess_adopt(db, &b, 0), 0);
}

/* RFC 6146 §5.3: full tables refuse adoption too (-ENOSPC, counted),
 * evict nothing and leave nothing half made (a full session table is
 * refused before a BIB is made). */
static void test_nat64_db_adopt_full(void **state)
{
	struct fix *f = *state;
	struct nat64_cfg c;
	struct nat64_sub_info si;
	uint64_t used, total;

	cfg_std(&c);
	c.max_bib = 2;
	c.max_sessions = 4;
	c.max_subs = 1;
	struct nat64_db *db = open_db(f, &c);
	struct nat64_adopt a = adopt_rec(NAT64_UDP, "2001:db8::1", 1000, 5000,
					 "198.51.100.1", 53, 0);
	assert_int_equal(nat64_sess_adopt(db, &a, 0), 0);
	/* subscriber table full */
	struct nat64_adopt x = adopt_rec(NAT64_UDP, "2001:db8:1::1", 1000, 5001,
					 "198.51.100.1", 53, 0);
	assert_int_equal(nat64_sess_adopt(db, &x, 0), -ENOSPC);
	assert_int_equal(nat64_db_stats(db)->subs_full, 1);
	assert_int_equal(nat64_db_sub_info(db, x.src6, &si), 0);
	/* BIB table full */
	struct nat64_adopt a2 = adopt_rec(NAT64_UDP, "2001:db8::1", 1001, 5001,
					  "198.51.100.1", 53, 0);
	assert_int_equal(nat64_sess_adopt(db, &a2, 0), 0);
	struct nat64_adopt a3 = adopt_rec(NAT64_UDP, "2001:db8::1", 1002, 5002,
					  "198.51.100.1", 53, 0);
	assert_int_equal(nat64_sess_adopt(db, &a3, 0), -ENOSPC);
	assert_int_equal(nat64_db_stats(db)->bib_full, 1);
	/* session table full, under an existing BIB */
	a.raddr4 = v4("198.51.100.2");
	assert_int_equal(nat64_sess_adopt(db, &a, 0), 0);
	a.raddr4 = v4("198.51.100.3");
	assert_int_equal(nat64_sess_adopt(db, &a, 0), 0);
	a.raddr4 = v4("198.51.100.4");
	assert_int_equal(nat64_sess_adopt(db, &a, 0), -ENOSPC);
	assert_int_equal(nat64_db_stats(db)->sess_full, 1);
	assert_int_equal(nat64_db_nbib(db), 2);
	assert_int_equal(nat64_db_nsess(db), 4);
	/* session table full, BIB table not: no BIB made */
	struct nat64_bib *b = NULL;
	struct nat64_sess *s =
	    nat64_hit6(db, NAT64_UDP, a2.src6, 1001, a2.raddr4, 53, 0, &b);
	assert_non_null(s);
	nat64_sess_del(db, (uint32_t)(s - nat64_sess_get(db, 0)), 0);
	assert_int_equal(nat64_sess_adopt(db, &a, 0), 0);
	assert_int_equal(nat64_db_nbib(db), 1);
	assert_int_equal(nat64_db_nsess(db), 4);
	assert_int_equal(nat64_sess_adopt(db, &a3, 0), -ENOSPC);
	assert_int_equal(nat64_db_stats(db)->sess_full, 2);
	assert_int_equal(nat64_db_stats(db)->bib_created, 2);
	assert_int_equal(nat64_db_nbib(db), 1);
	pool4_usage(nat64_db_pool4(db), NAT64_UDP, &used, &total);
	assert_int_equal(used, 1);
	assert_int_equal(nat64_db_sub_info(db, a.src6, &si), 1);
	assert_int_equal(si.nbib, 1);
	assert_int_equal(si.nsess, 4);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_rfc6146_4_cfg_default),
	    T(test_rfc6146_3_5_cfg_check),
	    T(test_rfc6146_3_1_bib_both_sides),
	    T(test_rfc6146_3_2_session_add_find_del),
	    T(test_rfc6146_3_5_last_session_frees_bib),
	    T(test_rfc6146_3_5_static_bib_kept),
	    T(test_rfc6146_3_5_1_eim_two_sessions),
	    T(test_rfc6146_3_5_1_adf_has_remote),
	    T(test_rfc6146_3_5_1_bib_session_list),
	    T(test_rfc6146_5_3_subscriber_quota),
	    T(test_rfc6146_5_3_tables_full),
	    T(test_rfc6146_4_sweep_timeouts),
	    T(test_rfc6146_3_5_refresh_keeps_session),
	    T(test_rfc6146_3_5_sweep_budget),
	    T(test_rfc6146_3_5_1_1_owner6),
	    T(test_rfc6146_3_5_1_1_port_blocks),
	    T(test_rfc6146_5_3_block_quota),
	    T(test_rfc6146_3_1_log_bib_events),
	    T(test_rfc6146_3_2_log_session_events),
	    T(test_rfc6146_3_1_log_ring_full),
	    T(test_rfc6146_3_scale_10000),
	    T(test_nat64_db_memory_budget),
	    T(test_nat64_db_sub_slot_walk),
	    T(test_nat64_db_adopt_sessions),
	    T(test_nat64_db_adopt_port_kept),
	    T(test_nat64_db_adopt_refused),
	    T(test_nat64_db_adopt_again),
	    T(test_nat64_db_adopt_expired),
	    T(test_nat64_db_adopt_blocks),
	    T(test_nat64_db_adopt_quota),
	    T(test_nat64_db_adopt_full),
	};
	return cmocka_run_group_tests_name("nat64_db", tests, NULL, NULL);
}
