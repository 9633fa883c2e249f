/*
 * test_nat64_log.c - the NAT64 mapping log (dataplane/xlat/nat64_log.h):
 * the SPSC ring (order, wrap-around, a full ring drops and counts, a
 * producer and a consumer thread), the line format (RFC 6888 §4 REQ-12:
 * who held which IPv4 transport address when; event numbers from RFC 8158
 * §4.1.1 natEvent) and its parser, and the time lookup over a log file in
 * BIB mode and in port-block mode (RFC 7422).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/xlat/nat64_log.h"
#include "dataplane/xlat/pool4.h"

#define T0 UINT64_C(1795613400000) /* 2026-11-25T13:30:00.000Z */

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

static struct nat64_log_event seq_event(uint32_t i)
{
	struct nat64_log_event e;
	memset(&e, 0, sizeof(e));
	e.time_ms = i;
	e.event = NAT64_EV_BIB_CREATE;
	e.port4 = (uint16_t)i;
	e.port4_end = (uint16_t)i;
	e.addr4 = ~i;
	return e;
}

/* ---- the ring ---- */

static void test_ring_init_rejects_bad_capacity(void **state)
{
	(void)state;
	struct nat64_log_ring r;
	assert_int_equal(nat64_log_ring_init(&r, 0), -EINVAL);
	assert_int_equal(nat64_log_ring_init(&r, 1), -EINVAL);
	assert_int_equal(nat64_log_ring_init(&r, 3), -EINVAL);
	assert_int_equal(nat64_log_ring_init(&r, 1000), -EINVAL);
	assert_int_equal(nat64_log_ring_init(&r, 2), 0);
	nat64_log_ring_fini(&r);
	assert_null(r.ev);
}

static void test_ring_push_pop_order(void **state)
{
	(void)state;
	struct nat64_log_ring r;
	struct nat64_log_event out[8];
	assert_int_equal(nat64_log_ring_init(&r, 8), 0);
	assert_int_equal(nat64_log_pop(&r, out, 8), 0);
	for (uint32_t i = 0; i < 5; i++) {
		struct nat64_log_event e = seq_event(i);
		assert_int_equal(nat64_log_push(&r, &e), 0);
	}
	assert_int_equal(nat64_log_pop(&r, out, 2), 2);
	assert_int_equal(out[0].time_ms, 0);
	assert_int_equal(out[1].time_ms, 1);
	assert_int_equal(nat64_log_pop(&r, out, 8), 3);
	for (uint32_t i = 0; i < 3; i++) {
		struct nat64_log_event want = seq_event(i + 2);
		assert_memory_equal(&out[i], &want, sizeof(want));
	}
	assert_int_equal(nat64_log_pop(&r, out, 8), 0);
	nat64_log_ring_fini(&r);
}

static void test_ring_wraps_around(void **state)
{
	(void)state;
	struct nat64_log_ring r;
	struct nat64_log_event out[4];
	uint32_t next = 0, want = 0;
	assert_int_equal(nat64_log_ring_init(&r, 4), 0);
	/* Start near the top of uint32_t: the free-running indexes wrap. */
	atomic_store(&r.head, UINT32_MAX - 5);
	atomic_store(&r.tail, UINT32_MAX - 5);
	for (int round = 0; round < 10; round++) {
		for (int k = 0; k < 3; k++) {
			struct nat64_log_event e = seq_event(next++);
			assert_int_equal(nat64_log_push(&r, &e), 0);
		}
		unsigned n = nat64_log_pop(&r, out, 4);
		assert_int_equal(n, 3);
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(out[i].time_ms, want++);
	}
	assert_true(atomic_load(&r.head) < 100); /* it did wrap */
	assert_int_equal(atomic_load(&r.dropped), 0);
	nat64_log_ring_fini(&r);
}

/* nat64_log.h contract: a full ring drops the new event and counts it. */
static void test_ring_full_drops_and_counts(void **state)
{
	(void)state;
	struct nat64_log_ring r;
	struct nat64_log_event out[4];
	assert_int_equal(nat64_log_ring_init(&r, 4), 0);
	for (uint32_t i = 0; i < 4; i++) {
		struct nat64_log_event e = seq_event(i);
		assert_int_equal(nat64_log_push(&r, &e), 0);
	}
	struct nat64_log_event x = seq_event(99);
	assert_int_equal(nat64_log_push(&r, &x), -ENOSPC);
	assert_int_equal(nat64_log_push(&r, &x), -ENOSPC);
	assert_int_equal(atomic_load(&r.dropped), 2);
	/* The old events are intact, the new ones were not written. */
	assert_int_equal(nat64_log_pop(&r, out, 4), 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(out[i].time_ms, i);
	assert_int_equal(nat64_log_push(&r, &x), 0);
	assert_int_equal(nat64_log_pop(&r, out, 4), 1);
	assert_int_equal(out[0].time_ms, 99);
	assert_int_equal(atomic_load(&r.dropped), 2);
	nat64_log_ring_fini(&r);
}

#define SPSC_N 1000000u

struct spsc {
	struct nat64_log_ring r;
	_Atomic int done;
	uint64_t pushed, pushed_sum;
};

static void *producer(void *arg)
{
	struct spsc *s = arg;
	for (uint32_t i = 1; i <= SPSC_N; i++) {
		struct nat64_log_event e = seq_event(i);
		if (nat64_log_push(&s->r, &e) == 0) {
			s->pushed++;
			s->pushed_sum += i;
		}
	}
	atomic_store(&s->done, 1);
	return NULL;
}

/* One worker, one control thread: nothing lost but what dropped says. */
static void test_ring_two_threads(void **state)
{
	(void)state;
	static struct spsc s;
	struct nat64_log_event out[64];
	uint64_t got = 0, sum = 0, last = 0;
	int torn = 0, unordered = 0;
	pthread_t t;

	memset(&s, 0, sizeof(s));
	assert_int_equal(nat64_log_ring_init(&s.r, 1024), 0);
	assert_int_equal(pthread_create(&t, NULL, producer, &s), 0);
	for (;;) {
		int done = atomic_load(&s.done);
		unsigned n = nat64_log_pop(&s.r, out, 64);
		for (unsigned i = 0; i < n; i++) {
			uint32_t seq = (uint32_t)out[i].time_ms;
			struct nat64_log_event want = seq_event(seq);
			if (memcmp(&out[i], &want, sizeof(want)) != 0)
				torn++;
			if (out[i].time_ms <= last)
				unordered++;
			last = out[i].time_ms;
			got++;
			sum += seq;
		}
		if (done && n == 0)
			break;
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(torn, 0);
	assert_int_equal(unordered, 0);
	assert_int_equal(got, s.pushed);
	assert_int_equal(sum, s.pushed_sum);
	assert_int_equal(s.pushed + atomic_load(&s.r.dropped), SPSC_N);
	print_message("spsc: %llu delivered, %llu dropped (ring full)\n",
		      (unsigned long long)got,
		      (unsigned long long)atomic_load(&s.r.dropped));
	nat64_log_ring_fini(&s.r);
}

/* ---- the line format ---- */

static struct nat64_log_event bib(uint8_t ev, uint64_t t, uint8_t proto,
				  const char *src, uint16_t sport,
				  uint8_t sub_len, const char *a4,
				  uint16_t port4)
{
	struct nat64_log_event e;
	memset(&e, 0, sizeof(e));
	e.time_ms = t;
	e.event = ev;
	e.proto = proto;
	v6(src, e.src6);
	e.sport6 = sport;
	e.sub_len = sub_len;
	e.addr4 = v4(a4);
	e.port4 = port4;
	e.port4_end = port4;
	return e;
}

static struct nat64_log_event block(uint8_t ev, uint64_t t, uint8_t proto,
				    const char *pfx, uint8_t sub_len,
				    const char *a4, uint16_t lo, uint16_t hi)
{
	struct nat64_log_event e;
	memset(&e, 0, sizeof(e));
	e.time_ms = t;
	e.event = ev;
	e.proto = proto;
	v6(pfx, e.src6);
	e.sub_len = sub_len;
	e.addr4 = v4(a4);
	e.port4 = lo;
	e.port4_end = hi;
	return e;
}

/* RFC 6888 §4 REQ-12: the golden line of one BIB creation. */
static void test_format_golden_line(void **state)
{
	(void)state;
	char buf[256];
	struct nat64_log_event e =
	    bib(NAT64_EV_BIB_CREATE, T0 + 123, NAT64_TCP, "2001:db8::1", 1234,
		56, "192.0.2.1", 40000);
	const char *want = "2026-11-25T13:30:00.123Z NAT64_BIB_CREATE "
			   "proto=tcp src=[2001:db8::1]:1234 sub=2001:db8::/56 "
			   "pool4=192.0.2.1:40000";
	assert_int_equal(nat64_log_format(&e, buf, sizeof(buf)),
			 (int)strlen(want));
	assert_string_equal(buf, want);

	struct nat64_log_event b =
	    block(NAT64_EV_BLOCK_ALLOC, T0, NAT64_UDP, "2001:db8::", 56,
		  "192.0.2.1", 2048, 2559);
	assert_true(nat64_log_format(&b, buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
			    "2026-11-25T13:30:00.000Z PORT_BLOCK_ALLOCATION "
			    "proto=udp sub=2001:db8::/56 "
			    "pool4=192.0.2.1:2048-2559");

	struct nat64_log_event s =
	    bib(NAT64_EV_SESSION_CREATE, T0 + 5, NAT64_ICMP, "2001:db8::1:2",
		77, 0, "192.0.2.9", 12);
	s.raddr4 = v4("198.51.100.7");
	s.rport = 80;
	assert_true(nat64_log_format(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
			    "2026-11-25T13:30:00.005Z NAT64_SESSION_CREATE "
			    "proto=icmp src=[2001:db8::1:2]:77 "
			    "pool4=192.0.2.9:12 dst=198.51.100.7:80");

	/* Too small a buffer, or an unknown event: -1. */
	assert_int_equal(nat64_log_format(&e, buf, 40), -1);
	e.event = 1;
	assert_int_equal(nat64_log_format(&e, buf, sizeof(buf)), -1);
}

static void round_trip(const struct nat64_log_event *e)
{
	char buf[384];
	struct nat64_log_event back;
	assert_true(nat64_log_format(e, buf, sizeof(buf)) > 0);
	assert_int_equal(nat64_log_parse(buf, &back), 0);
	if (memcmp(&back, e, sizeof(back)) != 0) {
		char again[384];
		nat64_log_format(&back, again, sizeof(again));
		fail_msg("round trip changed the event:\n  %s\n  %s", buf,
			 again);
	}
}

/* RFC 8158 §4.1.1: every natEvent gate64 logs reads back as written. */
static void test_format_parse_round_trip_every_event(void **state)
{
	(void)state;
	static const uint8_t evs[] = {
#define NAT64_EVENT_VAL(e, v, n) v,
	    NAT64_EVENT_LIST(NAT64_EVENT_VAL)
#undef NAT64_EVENT_VAL
	};
	int seen = 0;
	for (size_t i = 0; i < sizeof(evs); i++) {
		uint8_t ev = evs[i];
		for (uint8_t proto = 0; proto < NAT64_NPROTO; proto++) {
			struct nat64_log_event e;
			if (ev == NAT64_EV_BLOCK_ALLOC ||
			    ev == NAT64_EV_BLOCK_RELEASE) {
				e = block(ev, T0 + 999, proto,
					  "2001:db8:ab:cd00::", 56,
					  "203.0.113.255", 1024, 2047);
			} else {
				e = bib(ev, T0 + 7 * i, proto,
					"2001:db8::dead:beef", 65535, 64,
					"0.0.0.1", 65535);
				if (ev == NAT64_EV_SESSION_CREATE ||
				    ev == NAT64_EV_SESSION_DELETE) {
					e.raddr4 = v4("198.51.100.7");
					e.rport = 443;
				}
			}
			round_trip(&e);
			seen++;
		}
	}
	assert_int_equal(seen, 9 * NAT64_NPROTO);

	/* Exhaustion and quota events print what they have. */
	struct nat64_log_event q;
	memset(&q, 0, sizeof(q));
	q.time_ms = 1;
	q.event = NAT64_EV_ADDR_EXHAUSTED;
	round_trip(&q);
	q.event = NAT64_EV_PORTS_EXHAUSTED;
	q.addr4 = v4("192.0.2.1");
	round_trip(&q);
	q.event = NAT64_EV_QUOTA_EXCEEDED;
	q.addr4 = 0;
	q.sub_len = 56;
	v6("2001:db8:1:200::", q.src6); /* no src: sub is the prefix */
	round_trip(&q);
	v6("2001:db8:1:2ff::9", q.src6); /* src and sub */
	q.sport6 = 5;
	round_trip(&q);
	/* A /128 subscriber and an unknown protocol number. */
	struct nat64_log_event o =
	    bib(NAT64_EV_BIB_DELETE, 0, 17, "::", 0, 128, "255.255.255.255", 0);
	round_trip(&o);
}

static void test_parse_rejects_malformed(void **state)
{
	(void)state;
	struct nat64_log_event e;
	static const char *const bad[] = {
	    "",
	    "\n",
	    "garbage",
	    "2026-11-25T13:30:00.123Z",
	    "2026-11-25T13:30:00.123Z NO_SUCH_EVENT proto=tcp",
	    "2026-11-25T13:30:00.123Z NAT64_BIB_CREATE",
	    "2026-13-25T13:30:00.123Z NAT64_BIB_CREATE proto=tcp",
	    "2026-02-29T13:30:00.123Z NAT64_BIB_CREATE proto=tcp",
	    "2026-11-25T24:30:00.123Z NAT64_BIB_CREATE proto=tcp",
	    "2026-11-25 13:30:00.123Z NAT64_BIB_CREATE proto=tcp",
	    "2026-11-25T13:30:00.123 NAT64_BIB_CREATE proto=tcp",
	    "2026-11-25T13:30:00.Z NAT64_BIB_CREATE proto=tcp",
	    "2026-11-25T13:30:00.123Z NAT64_BIB_CREATE proto=sctp",
	    "2026-11-25T13:30:00.123Z NAT64_BIB_CREATE proto=tcp proto=udp",
	    "2026-11-25T13:30:00.123Z NAT64_BIB_CREATE proto=tcp "
	    "src=2001:db8::1:1234",
	    "2026-11-25T13:30:00.123Z NAT64_BIB_CREATE proto=tcp "
	    "src=[2001:db8::1]:65536",
	    "2026-11-25T13:30:00.123Z NAT64_BIB_CREATE proto=tcp "
	    "sub=2001:db8::/129",
	    "2026-11-25T13:30:00.123Z NAT64_BIB_CREATE proto=tcp "
	    "pool4=192.0.2.256:1",
	    "2026-11-25T13:30:00.123Z NAT64_BIB_CREATE proto=tcp "
	    "pool4=192.0.2.1:",
	    "2026-11-25T13:30:00.123Z PORT_BLOCK_ALLOCATION proto=tcp "
	    "pool4=192.0.2.1:2559-2048",
	    "2026-11-25T13:30:00.123Z NAT64_SESSION_CREATE proto=tcp "
	    "dst=198.51.100.7:1-2",
	    "2026-11-25T13:30:00.123Z NAT64_BIB_CREATE proto=tcp nokey",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (nat64_log_parse(bad[i], &e) != -1)
			fail_msg("parsed: '%s'", bad[i]);

	/* Accepted: trailing newline, a key from a newer version, a time
	 * without milliseconds. */
	assert_int_equal(
	    nat64_log_parse("2026-11-25T13:30:00Z NAT64_BIB_CREATE proto=udp "
			    "pool4=192.0.2.1:9 future=1\n",
			    &e),
	    0);
	assert_int_equal(e.time_ms, T0);
	assert_int_equal(e.proto, NAT64_UDP);
	assert_int_equal(e.port4, 9);
	assert_int_equal(e.port4_end, 9);
}

static void test_time_parse_and_format(void **state)
{
	(void)state;
	uint64_t t;
	char buf[32];
	const char *s = "1970-01-01T00:00:00Z";
	assert_int_equal(nat64_log_parse_time(s, strlen(s), &t), 0);
	assert_int_equal(t, 0);
	s = "2026-11-25T13:30:00.5Z";
	assert_int_equal(nat64_log_parse_time(s, strlen(s), &t), 0);
	assert_int_equal(t, T0 + 500);
	s = "2024-02-29T23:59:59.999999Z";
	assert_int_equal(nat64_log_parse_time(s, strlen(s), &t), 0);
	assert_int_equal(nat64_log_format_time(t, buf, sizeof(buf)), 24);
	assert_string_equal(buf, "2024-02-29T23:59:59.999Z");
	s = "1969-12-31T23:59:59Z";
	assert_int_equal(nat64_log_parse_time(s, strlen(s), &t), -1);
	s = "2026-11-25T13:30:00+01:00";
	assert_int_equal(nat64_log_parse_time(s, strlen(s), &t), -1);
}

static void test_drain_writes_lines(void **state)
{
	(void)state;
	struct nat64_log_ring r;
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	assert_non_null(f);
	assert_int_equal(nat64_log_ring_init(&r, 128), 0);
	for (unsigned i = 0; i < 100; i++) {
		struct nat64_log_event e =
		    bib(NAT64_EV_BIB_CREATE, T0 + i, NAT64_TCP, "2001:db8::1",
			(uint16_t)i, 0, "192.0.2.1", (uint16_t)(1000 + i));
		assert_int_equal(nat64_log_push(&r, &e), 0);
	}
	assert_int_equal(nat64_log_drain(&r, f), 100);
	assert_int_equal(nat64_log_drain(&r, f), 0);
	fclose(f);
	unsigned lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += mem[i] == '\n';
	assert_int_equal(lines, 100);
	struct nat64_log_event back;
	assert_int_equal(nat64_log_parse(mem, &back), 0);
	assert_int_equal(back.port4, 1000);
	free(mem);
	nat64_log_ring_fini(&r);
}

/* ---- lookup: RFC 6888 §4 REQ-12, who held A:P at T ---- */

static void put_line(FILE *f, const struct nat64_log_event *e)
{
	char buf[384];
	assert_true(nat64_log_format(e, buf, sizeof(buf)) > 0);
	fprintf(f, "%s\n", buf);
}

#define A4   "192.0.2.1"
#define PORT 40000

static int setup_bib_log(void **state)
{
	FILE *f = tmpfile();
	if (!f)
		return -1;
	/* A holds 40000/tcp [1000, 2000), B [3000, 5000), C from 6000. */
	struct nat64_log_event ev[] = {
	    bib(NAT64_EV_BIB_CREATE, T0 + 1000, NAT64_TCP, "2001:db8::a", 1111,
		56, A4, PORT),
	    bib(NAT64_EV_BIB_CREATE, T0 + 1500, NAT64_UDP, "2001:db8::d", 4444,
		56, A4, PORT),
	    bib(NAT64_EV_SESSION_CREATE, T0 + 1600, NAT64_TCP, "2001:db8::a",
		1111, 56, A4, PORT),
	    bib(NAT64_EV_BIB_DELETE, T0 + 2000, NAT64_TCP, "2001:db8::a", 1111,
		56, A4, PORT),
	    bib(NAT64_EV_BIB_CREATE, T0 + 2500, NAT64_TCP, "2001:db8::e", 5555,
		56, A4, PORT + 1),
	    bib(NAT64_EV_BIB_CREATE, T0 + 3000, NAT64_TCP, "2001:db8:1::b",
		2222, 64, A4, PORT),
	    bib(NAT64_EV_BIB_DELETE, T0 + 5000, NAT64_TCP, "2001:db8:1::b",
		2222, 64, A4, PORT),
	    bib(NAT64_EV_BIB_CREATE, T0 + 6000, NAT64_TCP, "2001:db8:2::c",
		3333, 56, A4, PORT),
	};
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		put_line(f, &ev[i]);
		if (i == 3)
			fputs("this line is not a log line\n", f);
	}
	fflush(f);
	*state = f;
	return 0;
}

static int teardown_log(void **state)
{
	fclose(*state);
	return 0;
}

/* Looks A4:port/proto up at T0 + dt; returns the holder's sport6 (0:
 * nobody) and its until time relative to T0 (or UINT64_MAX). */
static int who_at(FILE *f, uint16_t port, uint8_t proto, uint64_t dt,
		  uint64_t *until_rel)
{
	struct nat64_log_event who;
	uint64_t until = 0;
	rewind(f);
	int r = nat64_log_lookup(f, v4(A4), port, proto, T0 + dt, &who, &until);
	assert_true(r == 0 || r == 1);
	if (r == 0)
		return 0;
	if (until_rel)
		*until_rel = until == UINT64_MAX ? UINT64_MAX : until - T0;
	return who.sport6;
}

static void test_lookup_bib_intervals(void **state)
{
	FILE *f = *state;
	uint64_t until;

	assert_int_equal(who_at(f, PORT, NAT64_TCP, 999, NULL), 0);
	/* Create is inclusive: held from its own millisecond. */
	assert_int_equal(who_at(f, PORT, NAT64_TCP, 1000, &until), 1111);
	assert_int_equal(until, 2000);
	assert_int_equal(who_at(f, PORT, NAT64_TCP, 1700, &until), 1111);
	assert_int_equal(who_at(f, PORT, NAT64_TCP, 1999, &until), 1111);
	/* Delete is exclusive: at 2000 nobody holds it. */
	assert_int_equal(who_at(f, PORT, NAT64_TCP, 2000, NULL), 0);
	assert_int_equal(who_at(f, PORT, NAT64_TCP, 2999, NULL), 0);
	assert_int_equal(who_at(f, PORT, NAT64_TCP, 3000, &until), 2222);
	assert_int_equal(until, 5000);
	assert_int_equal(who_at(f, PORT, NAT64_TCP, 4999, &until), 2222);
	assert_int_equal(who_at(f, PORT, NAT64_TCP, 5000, NULL), 0);
	/* Still held at the end of the file. */
	assert_int_equal(who_at(f, PORT, NAT64_TCP, 6000, &until), 3333);
	assert_true(until == UINT64_MAX);
	assert_int_equal(who_at(f, PORT, NAT64_TCP, 86400000, &until), 3333);
	assert_true(until == UINT64_MAX);
}

static void test_lookup_bib_holder_fields(void **state)
{
	FILE *f = *state;
	struct nat64_log_event who;
	uint64_t until;
	uint8_t want[16];
	rewind(f);
	assert_int_equal(nat64_log_lookup(f, v4(A4), PORT, NAT64_TCP, T0 + 4000,
					  &who, &until),
			 1);
	v6("2001:db8:1::b", want);
	assert_memory_equal(who.src6, want, 16);
	assert_int_equal(who.sub_len, 64);
	assert_int_equal(who.time_ms, T0 + 3000);
	assert_int_equal(who.event, NAT64_EV_BIB_CREATE);
	assert_int_equal(until, T0 + 5000);
}

static void test_lookup_other_proto_port_addr(void **state)
{
	FILE *f = *state;
	struct nat64_log_event who;
	uint64_t until;

	/* The same port in UDP is another holder; ICMP has none. */
	assert_int_equal(who_at(f, PORT, NAT64_UDP, 1700, NULL), 4444);
	assert_int_equal(who_at(f, PORT, NAT64_UDP, 1499, NULL), 0);
	assert_int_equal(who_at(f, PORT, NAT64_ICMP, 1700, NULL), 0);
	/* The neighbour port, still held (its delete never came). */
	assert_int_equal(who_at(f, PORT + 1, NAT64_TCP, 2600, NULL), 5555);
	assert_int_equal(who_at(f, PORT + 2, NAT64_TCP, 2600, NULL), 0);
	rewind(f);
	assert_int_equal(nat64_log_lookup(f, v4("192.0.2.2"), PORT, NAT64_TCP,
					  T0 + 1700, &who, &until),
			 0);
}

/* If a release was lost (ring full), the next create ends the interval. */
static void test_lookup_lost_delete(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	assert_non_null(f);
	struct nat64_log_event a = bib(NAT64_EV_BIB_CREATE, T0 + 100, NAT64_TCP,
				       "2001:db8::a", 1, 0, A4, PORT);
	struct nat64_log_event b = bib(NAT64_EV_BIB_CREATE, T0 + 200, NAT64_TCP,
				       "2001:db8::b", 2, 0, A4, PORT);
	put_line(f, &a);
	put_line(f, &b);
	fflush(f);
	uint64_t until;
	assert_int_equal(who_at(f, PORT, NAT64_TCP, 150, &until), 1);
	assert_int_equal(until, 200);
	assert_int_equal(who_at(f, PORT, NAT64_TCP, 250, &until), 2);
	assert_true(until == UINT64_MAX);
	fclose(f);
}

/* RFC 7422 port blocks: the holder of a port is the block's subscriber. */
static void test_lookup_block_mode(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	assert_non_null(f);
	struct nat64_log_event ev[] = {
	    block(NAT64_EV_BLOCK_ALLOC, T0 + 10000, NAT64_UDP,
		  "2001:db8:aa::", 56, A4, 2048, 2559),
	    block(NAT64_EV_BLOCK_ALLOC, T0 + 11000, NAT64_UDP,
		  "2001:db8:cc::", 56, A4, 2560, 3071),
	    block(NAT64_EV_BLOCK_RELEASE, T0 + 20000, NAT64_UDP,
		  "2001:db8:aa::", 56, A4, 2048, 2559),
	    block(NAT64_EV_BLOCK_ALLOC, T0 + 30000, NAT64_UDP,
		  "2001:db8:bb::", 56, A4, 2048, 2559),
	};
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		put_line(f, &ev[i]);
	fflush(f);

	struct nat64_log_event who;
	uint64_t until;
	uint8_t want[16];
	rewind(f);
	assert_int_equal(nat64_log_lookup(f, v4(A4), 2100, NAT64_UDP,
					  T0 + 15000, &who, &until),
			 1);
	v6("2001:db8:aa::", want);
	assert_memory_equal(who.src6, want, 16);
	assert_int_equal(who.sub_len, 56);
	assert_int_equal(who.port4, 2048);
	assert_int_equal(who.port4_end, 2559);
	assert_int_equal(until, T0 + 20000);

	/* Block edges are in the block. */
	rewind(f);
	assert_int_equal(nat64_log_lookup(f, v4(A4), 2048, NAT64_UDP,
					  T0 + 10000, &who, &until),
			 1);
	rewind(f);
	assert_int_equal(nat64_log_lookup(f, v4(A4), 2559, NAT64_UDP,
					  T0 + 19999, &who, &until),
			 1);
	/* Released at 20000: nobody. */
	rewind(f);
	assert_int_equal(nat64_log_lookup(f, v4(A4), 2559, NAT64_UDP,
					  T0 + 20000, &who, &until),
			 0);
	/* The next subscriber, still holding it. */
	rewind(f);
	assert_int_equal(nat64_log_lookup(f, v4(A4), 2300, NAT64_UDP,
					  T0 + 40000, &who, &until),
			 1);
	v6("2001:db8:bb::", want);
	assert_memory_equal(who.src6, want, 16);
	assert_true(until == UINT64_MAX);
	/* The neighbouring block is another subscriber's. */
	rewind(f);
	assert_int_equal(nat64_log_lookup(f, v4(A4), 2560, NAT64_UDP,
					  T0 + 15000, &who, &until),
			 1);
	v6("2001:db8:cc::", want);
	assert_memory_equal(who.src6, want, 16);
	/* Wrong protocol: nobody. */
	rewind(f);
	assert_int_equal(nat64_log_lookup(f, v4(A4), 2100, NAT64_TCP,
					  T0 + 15000, &who, &until),
			 0);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ring_init_rejects_bad_capacity),
	    cmocka_unit_test(test_ring_push_pop_order),
	    cmocka_unit_test(test_ring_wraps_around),
	    cmocka_unit_test(test_ring_full_drops_and_counts),
	    cmocka_unit_test(test_ring_two_threads),
	    cmocka_unit_test(test_format_golden_line),
	    cmocka_unit_test(test_format_parse_round_trip_every_event),
	    cmocka_unit_test(test_parse_rejects_malformed),
	    cmocka_unit_test(test_time_parse_and_format),
	    cmocka_unit_test(test_drain_writes_lines),
	    cmocka_unit_test_setup_teardown(test_lookup_bib_intervals,
					    setup_bib_log, teardown_log),
	    cmocka_unit_test_setup_teardown(test_lookup_bib_holder_fields,
					    setup_bib_log, teardown_log),
	    cmocka_unit_test_setup_teardown(test_lookup_other_proto_port_addr,
					    setup_bib_log, teardown_log),
	    cmocka_unit_test(test_lookup_lost_delete),
	    cmocka_unit_test(test_lookup_block_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
