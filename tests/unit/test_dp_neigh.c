/*
 * test_dp_neigh.c - the dpdk mode's neighbour cache
 * (dataplane/dpdk/dp_neigh.h): resolution started once per miss and
 * rate-limited (RFC 4861 §7.2.2, RETRANS_TIMER), INCOMPLETE given up after
 * MAX_MULTICAST_SOLICIT probes (§7.3.3), learning and confirmation
 * (§7.2.5, §7.3.1), REACHABLE -> STALE -> removed (§7.3.3), static
 * entries, keys, a full table, deletion keeping the other entries
 * reachable, and a reader/writer race that must never return a torn MAC.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/dpdk/dp_neigh.h"

#define REACH  30000
#define STALE  60000
#define RETRAN 1000

static const uint8_t MAC_A[6] = {0x02, 0xaa, 0xaa, 0xaa, 0xaa, 0x01};
static const uint8_t MAC_B[6] = {0x02, 0xbb, 0xbb, 0xbb, 0xbb, 0x02};

static int setup(void **state)
{
	struct dp_neigh *t = dp_neigh_init(64, REACH, STALE, RETRAN);
	assert_non_null(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	dp_neigh_fini(*state);
	return 0;
}

static void ip4(uint8_t *ip, uint32_t i)
{
	memset(ip, 0, 16);
	ip[0] = 192;
	ip[1] = 0;
	ip[2] = (uint8_t)(2 + (i >> 8));
	ip[3] = (uint8_t)i;
}

static void ip6(uint8_t *ip, uint32_t i)
{
	static const uint8_t base[16] = {0x20, 0x01, 0x0d, 0xb8};
	memcpy(ip, base, 16);
	ip[14] = (uint8_t)(i >> 8);
	ip[15] = (uint8_t)i;
}

static int look(struct dp_neigh *t, const uint8_t *ip, uint64_t now,
		struct dp_neigh_info *o)
{
	return dp_neigh_lookup(t, 0, 0, ip, now, o);
}

static int count_cb(uint16_t port, int is6, const uint8_t *ip,
		    const struct dp_neigh_info *info, void *arg)
{
	(void)port;
	(void)is6;
	(void)ip;
	(void)info;
	(*(unsigned *)arg)++;
	return 0;
}

static unsigned count(struct dp_neigh *t)
{
	unsigned n = 0;
	dp_neigh_foreach(t, count_cb, &n);
	return n;
}

/* RFC 4861 §7.2.2: a packet to a neighbour without an entry creates an
 * INCOMPLETE one and one probe is sent, by one caller only. */
static void test_rfc4861_7_2_2_miss_creates_incomplete_probe_once(void **s)
{
	struct dp_neigh *t = *s;
	struct dp_neigh_info o;
	uint8_t ip[16];

	ip4(ip, 1);
	assert_int_equal(look(t, ip, 100, &o), 0);
	assert_int_equal(o.state, DP_NEIGH_INCOMPLETE);
	assert_int_equal(o.probe_due, 1);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(look(t, ip, 100 + i, &o), 0);
		assert_int_equal(o.state, DP_NEIGH_INCOMPLETE);
		assert_int_equal(o.probe_due, 0);
	}
	assert_int_equal(count(t), 1);
}

/* RFC 4861 §7.2.2: retransmit every RetransTimer, no faster. */
static void test_rfc4861_7_2_2_probe_rate_limit(void **s)
{
	struct dp_neigh *t = *s;
	struct dp_neigh_info o;
	uint8_t ip[16];

	ip4(ip, 2);
	look(t, ip, 0, &o);
	assert_int_equal(o.probe_due, 1);
	look(t, ip, RETRAN - 1, &o);
	assert_int_equal(o.probe_due, 0);
	look(t, ip, RETRAN, &o);
	assert_int_equal(o.probe_due, 1);
	look(t, ip, RETRAN, &o);
	assert_int_equal(o.probe_due, 0);
	look(t, ip, 2 * RETRAN - 1, &o);
	assert_int_equal(o.probe_due, 0);
}

/* RFC 4861 §7.3.3: after MAX_MULTICAST_SOLICIT (3) unanswered probes the
 * entry goes; a later packet starts resolution again. */
static void test_rfc4861_7_3_3_incomplete_removed_after_3_probes(void **s)
{
	struct dp_neigh *t = *s;
	struct dp_neigh_info o;
	uint8_t ip[16];

	ip4(ip, 3);
	for (int i = 0; i < 3; i++) {
		look(t, ip, (uint64_t)i * RETRAN, &o);
		assert_int_equal(o.probe_due, 1);
	}
	/* two probes unanswered is not yet the end */
	assert_int_equal(dp_neigh_expire(t, 3 * RETRAN - 1), 0);
	assert_int_equal(count(t), 1);
	/* the third went unanswered: removed by housekeeping */
	assert_int_equal(dp_neigh_expire(t, 3 * RETRAN), 1);
	assert_int_equal(count(t), 0);
	/* a later packet restarts: new entry, probe now */
	assert_int_equal(look(t, ip, 3 * RETRAN + 5, &o), 0);
	assert_int_equal(o.state, DP_NEIGH_INCOMPLETE);
	assert_int_equal(o.probe_due, 1);
	/* the same through a lookup instead of housekeeping */
	look(t, ip, 4 * RETRAN + 5, &o);
	look(t, ip, 5 * RETRAN + 5, &o);
	assert_int_equal(look(t, ip, 6 * RETRAN + 5, &o), 0);
	assert_int_equal(o.state, DP_NEIGH_INCOMPLETE);
	assert_int_equal(o.probe_due, 1);
	look(t, ip, 6 * RETRAN + 6, &o);
	assert_int_equal(o.probe_due, 0); /* a fresh rate limit */
	assert_int_equal(count(t), 1);
}

/* RFC 4861 §7.2.5: a solicited advertisement (or ARP reply) makes the
 * entry REACHABLE with its link-layer address. */
static void test_rfc4861_7_2_5_learn_confirm(void **s)
{
	struct dp_neigh *t = *s;
	struct dp_neigh_info o;
	uint8_t ip[16];

	ip6(ip, 1);
	assert_int_equal(dp_neigh_lookup(t, 1, 1, ip, 0, &o), 0);
	dp_neigh_learn(t, 1, 1, ip, MAC_A, 1, 10);
	assert_int_equal(dp_neigh_lookup(t, 1, 1, ip, 20, &o), 1);
	assert_int_equal(o.state, DP_NEIGH_REACHABLE);
	assert_int_equal(o.probe_due, 0);
	assert_memory_equal(o.mac, MAC_A, 6);
	assert_int_equal(count(t), 1);
}

/* RFC 4861 §7.2.3/§7.2.5 (simplified as dp_neigh.h says): unconfirmed
 * news makes an INCOMPLETE or a changed entry REACHABLE, and leaves an
 * unchanged one in its state. */
static void test_rfc4861_7_2_5_learn_unconfirmed(void **s)
{
	struct dp_neigh *t = *s;
	struct dp_neigh_info o;
	uint8_t ip[16];

	ip4(ip, 5);
	look(t, ip, 0, &o);
	dp_neigh_learn(t, 0, 0, ip, MAC_A, 0, 100); /* was INCOMPLETE */
	assert_int_equal(look(t, ip, 100, &o), 1);
	assert_int_equal(o.state, DP_NEIGH_REACHABLE);
	assert_memory_equal(o.mac, MAC_A, 6);
	/* same MAC, unconfirmed: the age is not reset */
	dp_neigh_learn(t, 0, 0, ip, MAC_A, 0, 100 + REACH - 1);
	assert_int_equal(look(t, ip, 100 + REACH, &o), 1);
	assert_int_equal(o.state, DP_NEIGH_STALE);
	/* same MAC while STALE, unconfirmed: stays STALE */
	dp_neigh_learn(t, 0, 0, ip, MAC_A, 0, 100 + REACH + 1);
	assert_int_equal(look(t, ip, 100 + REACH + 2, &o), 1);
	assert_int_equal(o.state, DP_NEIGH_STALE);
	/* a new MAC: taken, REACHABLE */
	dp_neigh_learn(t, 0, 0, ip, MAC_B, 0, 100 + REACH + 3);
	assert_int_equal(look(t, ip, 100 + REACH + 4, &o), 1);
	assert_int_equal(o.state, DP_NEIGH_REACHABLE);
	assert_memory_equal(o.mac, MAC_B, 6);
	/* unknown neighbour learned from a request: created */
	ip4(ip, 6);
	dp_neigh_learn(t, 0, 0, ip, MAC_A, 0, 500);
	assert_int_equal(look(t, ip, 501, &o), 1);
	assert_int_equal(o.state, DP_NEIGH_REACHABLE);
}

/* RFC 4861 §7.3.3: REACHABLE for ReachableTime, then STALE (still used,
 * a probe due, rate-limited), confirmed back to REACHABLE, or removed
 * once stale too long. */
static void test_rfc4861_7_3_3_aging_reachable_stale_removed(void **s)
{
	struct dp_neigh *t = *s;
	struct dp_neigh_info o;
	uint8_t ip[16];

	ip4(ip, 7);
	dp_neigh_learn(t, 0, 0, ip, MAC_A, 1, 0);
	assert_int_equal(look(t, ip, REACH - 1, &o), 1);
	assert_int_equal(o.state, DP_NEIGH_REACHABLE);
	assert_int_equal(o.probe_due, 0);
	assert_int_equal(look(t, ip, REACH, &o), 1);
	assert_int_equal(o.state, DP_NEIGH_STALE);
	assert_int_equal(o.probe_due, 1);
	assert_memory_equal(o.mac, MAC_A, 6);
	assert_int_equal(look(t, ip, REACH + 1, &o), 1);
	assert_int_equal(o.probe_due, 0);
	assert_int_equal(look(t, ip, REACH + RETRAN, &o), 1);
	assert_int_equal(o.probe_due, 1);
	/* the probe is answered */
	dp_neigh_learn(t, 0, 0, ip, MAC_A, 1, REACH + RETRAN + 1);
	assert_int_equal(look(t, ip, REACH + RETRAN + 2, &o), 1);
	assert_int_equal(o.state, DP_NEIGH_REACHABLE);
	assert_int_equal(o.probe_due, 0);

	/* never answered again: STALE until REACH + STALE after it */
	uint64_t t0 = REACH + RETRAN + 1;
	assert_int_equal(look(t, ip, t0 + REACH + STALE - 1, &o), 1);
	assert_int_equal(o.state, DP_NEIGH_STALE);
	assert_int_equal(look(t, ip, t0 + REACH + STALE, &o), 0);
	assert_int_equal(o.state, DP_NEIGH_INCOMPLETE);
	assert_int_equal(o.probe_due, 1);
	assert_int_equal(count(t), 1);

	/* housekeeping removes a stale entry nobody looks up */
	ip4(ip, 8);
	dp_neigh_learn(t, 0, 0, ip, MAC_B, 1, 0);
	assert_int_equal(dp_neigh_expire(t, REACH + STALE - 1), 0);
	assert_int_equal(count(t), 2);
	assert_int_equal(dp_neigh_expire(t, REACH + STALE), 1);
	assert_int_equal(count(t), 1);
}

/* Static entries (configured; RFC 4861 §5.1 leaves them to the node)
 * never age and are not overwritten by learning. */
static void test_rfc4861_5_1_static_never_ages(void **s)
{
	struct dp_neigh *t = *s;
	struct dp_neigh_info o;
	uint8_t ip[16];

	ip6(ip, 9);
	assert_int_equal(dp_neigh_set_static(t, 2, 1, ip, MAC_A), 0);
	for (uint64_t now = 0; now < 100ull * (REACH + STALE);
	     now += REACH / 3) {
		assert_int_equal(dp_neigh_lookup(t, 2, 1, ip, now, &o), 1);
		assert_int_equal(o.state, DP_NEIGH_STATIC);
		assert_int_equal(o.probe_due, 0);
		assert_memory_equal(o.mac, MAC_A, 6);
	}
	dp_neigh_learn(t, 2, 1, ip, MAC_B, 1, 5);
	assert_int_equal(dp_neigh_lookup(t, 2, 1, ip, 6, &o), 1);
	assert_memory_equal(o.mac, MAC_A, 6);
	assert_int_equal(dp_neigh_expire(t, UINT64_MAX / 2), 0);
	assert_int_equal(count(t), 1);
	/* a static entry replaces a learned one */
	ip6(ip, 10);
	dp_neigh_learn(t, 2, 1, ip, MAC_A, 1, 0);
	assert_int_equal(dp_neigh_set_static(t, 2, 1, ip, MAC_B), 0);
	assert_int_equal(dp_neigh_lookup(t, 2, 1, ip, 1, &o), 1);
	assert_int_equal(o.state, DP_NEIGH_STATIC);
	assert_memory_equal(o.mac, MAC_B, 6);
}

/* RFC 4861 §5.1: one Neighbor Cache per interface; the key is (port,
 * family, address), none of them alone. */
static void test_keys_port_family_address(void **s)
{
	struct dp_neigh *t = *s;
	struct dp_neigh_info o;
	uint8_t a[16], b6[16];

	ip4(a, 11);
	memcpy(b6, a, 16); /* an IPv6 key with the same first bytes */
	dp_neigh_learn(t, 0, 0, a, MAC_A, 1, 0);
	dp_neigh_learn(t, 1, 0, a, MAC_B, 1, 0);
	dp_neigh_learn(t, 0, 1, b6, MAC_B, 1, 0);
	assert_int_equal(count(t), 3);
	assert_int_equal(dp_neigh_lookup(t, 0, 0, a, 1, &o), 1);
	assert_memory_equal(o.mac, MAC_A, 6);
	assert_int_equal(dp_neigh_lookup(t, 1, 0, a, 1, &o), 1);
	assert_memory_equal(o.mac, MAC_B, 6);
	/* IPv4: only the first 4 bytes are the address */
	memset(a + 4, 0xee, 12);
	assert_int_equal(dp_neigh_lookup(t, 0, 0, a, 1, &o), 1);
	assert_memory_equal(o.mac, MAC_A, 6);
	assert_int_equal(count(t), 3);
}

/* RFC 6583 §6/§7.1: a bounded table under exhaustion.  A full table:
 * -ENOSPC for static entries, nothing tracked (and no
 * probe) for a miss, learning ignored; expired slots are reused. */
static void test_table_full(void **s)
{
	struct dp_neigh *t = dp_neigh_init(16, REACH, STALE, RETRAN);
	struct dp_neigh_info o;
	uint8_t ip[16];
	unsigned n = 0;
	(void)s;

	assert_non_null(t);
	for (uint32_t i = 0; i < 16; i++) {
		ip4(ip, i);
		if (dp_neigh_set_static(t, 0, 0, ip, MAC_A) == 0)
			n++;
		else
			break;
	}
	assert_int_equal(n, 14); /* 7/8 of the slots */
	ip4(ip, 100);
	assert_int_equal(dp_neigh_set_static(t, 0, 0, ip, MAC_A), -ENOSPC);
	assert_int_equal(look(t, ip, 0, &o), 0);
	assert_int_equal(o.state, DP_NEIGH_NONE);
	assert_int_equal(o.probe_due, 0);
	dp_neigh_learn(t, 0, 0, ip, MAC_B, 1, 0);
	assert_int_equal(count(t), 14);
	/* existing entries are still found and updated */
	ip4(ip, 3);
	assert_int_equal(dp_neigh_set_static(t, 0, 0, ip, MAC_B), 0);
	assert_int_equal(look(t, ip, 0, &o), 1);
	assert_memory_equal(o.mac, MAC_B, 6);
	dp_neigh_fini(t);

	/* learned entries that expired make room */
	t = dp_neigh_init(16, REACH, STALE, RETRAN);
	assert_non_null(t);
	for (uint32_t i = 0; i < 14; i++) {
		ip4(ip, i);
		dp_neigh_learn(t, 0, 0, ip, MAC_A, 1, 0);
	}
	assert_int_equal(count(t), 14);
	ip4(ip, 200);
	assert_int_equal(look(t, ip, 1, &o), 0);
	assert_int_equal(o.state, DP_NEIGH_NONE);
	dp_neigh_learn(t, 0, 0, ip, MAC_B, 1, REACH + STALE);
	assert_int_equal(look(t, ip, REACH + STALE, &o), 1);
	assert_memory_equal(o.mac, MAC_B, 6);
	/* the new entry took an expired slot on its probe path (14 live), or
	 * found a free slot with the table at its limit and the sweep removed
	 * every expired entry (1 live): which one depends on the random hash
	 * key */
	unsigned live = count(t);
	assert_true(live == 14 || live == 1);
	dp_neigh_fini(t);
}

/* RFC 4861 §7.3.3 removal of expired entries (backward shift) keeps
 * every other entry reachable. */
static void test_delete_keeps_others(void **s)
{
	struct dp_neigh *t = dp_neigh_init(64, REACH, STALE, RETRAN);
	struct dp_neigh_info o;
	uint8_t ip[16];
	(void)s;

	assert_non_null(t);
	for (uint32_t i = 0; i < 56; i++) {
		ip6(ip, i);
		/* even ones learned early: they expire first */
		dp_neigh_learn(t, 0, 1, ip, (i & 1) ? MAC_B : MAC_A, 1,
			       (i & 1) ? 20000 : 0);
	}
	assert_int_equal(count(t), 56);
	assert_int_equal(dp_neigh_expire(t, REACH + STALE), 28);
	assert_int_equal(count(t), 28);
	for (uint32_t i = 1; i < 56; i += 2) {
		ip6(ip, i);
		assert_int_equal(
		    dp_neigh_lookup(t, 0, 1, ip, REACH + STALE, &o), 1);
		assert_memory_equal(o.mac, MAC_B, 6);
	}
	assert_int_equal(count(t), 28);
	dp_neigh_fini(t);
}

static int stop_cb(uint16_t port, int is6, const uint8_t *ip,
		   const struct dp_neigh_info *info, void *arg)
{
	(void)port;
	(void)is6;
	(void)ip;
	(void)info;
	return ++*(unsigned *)arg == 2;
}

/* RFC 4861 §5.1: the cache can be listed (gate64ctl); foreach reports
 * each live entry once and stops when asked. */
static void test_foreach(void **s)
{
	struct dp_neigh *t = *s;
	uint8_t ip[16];
	unsigned n = 0;

	for (uint32_t i = 0; i < 5; i++) {
		ip4(ip, i);
		dp_neigh_learn(t, 0, 0, ip, MAC_A, 1, 0);
	}
	assert_int_equal(count(t), 5);
	dp_neigh_foreach(t, stop_cb, &n);
	assert_int_equal(n, 2);
}

/* RFC 6583 §7.1: the table size is fixed and sane (a power of two >= 16)
 * from the start. */
static void test_init_bad_size(void **s)
{
	(void)s;
	assert_null(dp_neigh_init(0, 1, 1, 1));
	assert_null(dp_neigh_init(8, 1, 1, 1));
	assert_null(dp_neigh_init(17, 1, 1, 1));
	assert_null(dp_neigh_init(100, 1, 1, 1));
	dp_neigh_fini(NULL);
}

/* RFC 4861 §5.2: the data path reads the cache for every packet while
 * ND updates it.  The seqlock: a reader racing a writer that flips between two
 * MACs of six equal bytes never sees a mix. */
struct race {
	struct dp_neigh *t;
	atomic_int done;
	long reads, hits;
};

static void *race_writer(void *arg)
{
	struct race *r = arg;
	static const uint8_t m1[6] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
	static const uint8_t m2[6] = {0x22, 0x22, 0x22, 0x22, 0x22, 0x22};
	uint8_t ip[16], other[16];

	ip4(ip, 42);
	for (int i = 0; i < 200000; i++) {
		dp_neigh_learn(r->t, 0, 0, ip, (i & 1) ? m2 : m1, 1, 1);
		/* churn neighbours of the slot: creations and removals */
		ip4(other, 1000 + (uint32_t)(i % 40));
		if (i % 3 == 0)
			dp_neigh_learn(r->t, 0, 0, other, m1, 1,
				       (i & 4) ? 0 : 1);
		if (i % 97 == 0)
			dp_neigh_expire(r->t, REACH + STALE);
	}
	atomic_store(&r->done, 1);
	return NULL;
}

static void *race_reader(void *arg)
{
	struct race *r = arg;
	struct dp_neigh_info o;
	uint8_t ip[16];

	ip4(ip, 42);
	while (!atomic_load(&r->done)) {
		r->reads++;
		if (dp_neigh_lookup(r->t, 0, 0, ip, 2, &o) != 1)
			continue;
		r->hits++;
		for (int k = 1; k < 6; k++)
			if (o.mac[k] != o.mac[0])
				return (void *)1;
		if (o.mac[0] != 0x11 && o.mac[0] != 0x22)
			return (void *)1;
	}
	return NULL;
}

static void test_seqlock_no_torn_mac(void **s)
{
	struct race r = {.t = dp_neigh_init(64, REACH, STALE, RETRAN)};
	pthread_t w, rd;
	void *res = NULL;
	(void)s;

	assert_non_null(r.t);
	atomic_init(&r.done, 0);
	assert_int_equal(pthread_create(&rd, NULL, race_reader, &r), 0);
	assert_int_equal(pthread_create(&w, NULL, race_writer, &r), 0);
	assert_int_equal(pthread_join(w, NULL), 0);
	assert_int_equal(pthread_join(rd, &res), 0);
	assert_null(res);
	assert_true(r.reads > 0);
	assert_true(r.hits > 0);
	dp_neigh_fini(r.t);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_rfc4861_7_2_2_miss_creates_incomplete_probe_once),
	    T(test_rfc4861_7_2_2_probe_rate_limit),
	    T(test_rfc4861_7_3_3_incomplete_removed_after_3_probes),
	    T(test_rfc4861_7_2_5_learn_confirm),
	    T(test_rfc4861_7_2_5_learn_unconfirmed),
	    T(test_rfc4861_7_3_3_aging_reachable_stale_removed),
	    T(test_rfc4861_5_1_static_never_ages),
	    T(test_keys_port_family_address),
	    T(test_table_full),
	    T(test_delete_keeps_others),
	    T(test_foreach),
	    T(test_init_bad_size),
	    T(test_seqlock_no_torn_mac),
	};
	return cmocka_run_group_tests_name("dp_neigh", tests, NULL, NULL);
}
