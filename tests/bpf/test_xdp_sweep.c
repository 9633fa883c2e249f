/*
 * test_xdp_sweep.c - the control thread's side of NAT64 in mode = xdp
 * (control/xdp_nat64.c) on the real maps of the loaded program: the sweep
 * ends what RFC 6146 §3.5.1, §3.5.2.2 and §3.5.3 say has run out and
 * nothing else, the BIB entries go with their last session (and are
 * logged, RFC 6888), static entries stay, the lists gate64ctl shows.
 * cmocka; needs root (it loads the BPF program).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/xdp_fwd.h"
#include "bpf/xdp_state.h"
#include "control/xdp_nat64.h"
#include "xlat_xdp.skel.h"

static struct cfg_gw cfg;
static struct xlat_xdp *skel;
static const uint32_t NOW = 100000;

static void client(uint8_t *a, uint8_t last)
{
	static const uint8_t c[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
	memcpy(a, c, 16);
	a[15] = last;
}

/* A session and its BIB entry, as the program writes them. */
static void add(uint8_t proto, uint8_t who, uint16_t sport6, uint16_t port4,
		uint8_t state, uint8_t timer, uint32_t last6, uint32_t last4,
		uint32_t bib_last)
{
	uint8_t src6[16];
	struct rfc6052_pfx p6;
	static const uint8_t wkp[16] = {0, 0x64, 0xff, 0x9b};
	client(src6, who);
	rfc6052_pfx_init(&p6, wkp, 96);
	struct xdp_sess_tuple t = {.proto = proto,
				   .state = state,
				   .timer = timer,
				   .src6 = src6,
				   .sport6 = htons(sport6),
				   .port4 = htons(port4),
				   .rport = htons(proto == NAT64_ICMP ? 0 : 80),
				   .addr4 = htonl(0xc0000201),
				   .raddr4 = htonl(0xc6336402),
				   .last = last6};
	struct xdp_sess6_key k6;
	struct xdp_sess6_val v6;
	struct xdp_sess4_key k4;
	struct xdp_sess4_val v4;
	xdp_sess_fill(&t, &p6, &k6, &v6, &k4, &v4);
	v4.last = last4;
	assert_int_equal(
	    bpf_map_update_elem(bpf_map__fd(skel->maps.g64_sess6), &k6, &v6, 0),
	    0);
	assert_int_equal(
	    bpf_map_update_elem(bpf_map__fd(skel->maps.g64_sess4), &k4, &v4, 0),
	    0);
	struct xdp_bib6_key b6;
	struct xdp_bib6_val w6;
	struct xdp_bib4_key b4;
	struct xdp_bib4_val w4;
	memset(&b6, 0, sizeof(b6));
	memset(&w6, 0, sizeof(w6));
	memset(&b4, 0, sizeof(b4));
	memset(&w4, 0, sizeof(w4));
	memcpy(b6.src6, src6, 16);
	b6.sport6 = t.sport6;
	b6.proto = proto;
	w6.addr4 = t.addr4;
	w6.port4 = t.port4;
	b4.addr4 = t.addr4;
	b4.port4 = t.port4;
	b4.proto = proto;
	memcpy(w4.src6, src6, 16);
	w4.sport6 = t.sport6;
	w4.last = bib_last;
	bpf_map_update_elem(bpf_map__fd(skel->maps.g64_bib6), &b6, &w6, 0);
	bpf_map_update_elem(bpf_map__fd(skel->maps.g64_bib4), &b4, &w4, 0);
}

/* A BIB entry alone (no session). */
static void add_bib(uint8_t who, uint16_t sport6, uint16_t port4,
		    uint8_t is_static, uint32_t last)
{
	struct xdp_bib6_key b6;
	struct xdp_bib6_val w6;
	struct xdp_bib4_key b4;
	struct xdp_bib4_val w4;
	memset(&b6, 0, sizeof(b6));
	memset(&w6, 0, sizeof(w6));
	memset(&b4, 0, sizeof(b4));
	memset(&w4, 0, sizeof(w4));
	client(b6.src6, who);
	b6.sport6 = htons(sport6);
	b6.proto = NAT64_UDP;
	w6.addr4 = htonl(0xc0000201);
	w6.port4 = htons(port4);
	w6.is_static = is_static;
	b4.addr4 = w6.addr4;
	b4.port4 = w6.port4;
	b4.proto = NAT64_UDP;
	memcpy(w4.src6, b6.src6, 16);
	w4.sport6 = b6.sport6;
	w4.is_static = is_static;
	w4.last = last;
	bpf_map_update_elem(bpf_map__fd(skel->maps.g64_bib6), &b6, &w6, 0);
	bpf_map_update_elem(bpf_map__fd(skel->maps.g64_bib4), &b4, &w4, 0);
}

static unsigned entries(int fd, size_t ksz)
{
	uint8_t k[64], n[64];
	unsigned c = 0;
	void *prev = NULL;
	(void)ksz;
	while (!bpf_map_get_next_key(fd, prev, n)) {
		memcpy(k, n, sizeof(n));
		prev = k;
		c++;
	}
	return c;
}

static int setup(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	nat64_cfg_default(&cfg.nat64);
	cfg.dp.mode = DP_NAT64;
	skel = xlat_xdp__open();
	if (!skel)
		return -1;
	if (xdp_nat64_size_maps(skel, &cfg) || xlat_xdp__load(skel)) {
		fprintf(stderr,
			"test_xdp_sweep: loading the program: %s "
			"(needs root and BPF)\n",
			strerror(errno));
		xlat_xdp__destroy(skel);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xlat_xdp__destroy(skel);
	return 0;
}

/* RFC 6146 §3.5.1 (UDP 300 s), §3.5.3 (ICMP 60 s), §3.5.2.2 (TCP): the
 * latest packet of either direction counts; what ran out goes from both
 * maps, its BIB entry with it when it was the last; static entries and
 * entries used a moment ago stay; every BIB entry that goes is logged. */
static void test_sweep(void **state)
{
	(void)state;
	const uint32_t *to = cfg.nat64.timeout;
	/* 1: UDP, both directions older than 300 s: expired, with its BIB */
	add(NAT64_UDP, 1, 5001, 61001, 0, NAT64_T_UDP, NOW - to[NAT64_T_UDP],
	    NOW - 400, NOW - 400);
	/* 2: UDP, the IPv4 side refreshed it: alive */
	add(NAT64_UDP, 2, 5002, 61002, 0, NAT64_T_UDP, NOW - 1000, NOW - 10,
	    NOW - 10);
	/* 3: TCP established, quiet for less than 2 h 4 min: alive */
	add(NAT64_TCP, 3, 5003, 61003, NAT64_TCP_ESTABLISHED, NAT64_T_TCP_EST,
	    NOW - 7000, NOW - 7000, NOW - 7000);
	/* 4: TCP transitory past 240 s: expired */
	add(NAT64_TCP, 4, 5004, 61004, NAT64_TCP_TRANS, NAT64_T_TCP_TRANS,
	    NOW - 241, NOW - 300, NOW - 300);
	/* 5: ICMP one second short of 60 s: alive */
	add(NAT64_ICMP, 5, 77, 61005, 0, NAT64_T_ICMP, NOW - 59, NOW - 59,
	    NOW - 59);
	/* BIB entries without a session: static (kept), old (goes), just
	 * made (kept: its session may be on the way) */
	add_bib(6, 5006, 61006, 1, 0);
	add_bib(7, 5007, 61007, 0, NOW - 100);
	add_bib(8, 5008, 61008, 0, NOW);

	char *buf = NULL;
	size_t len = 0;
	FILE *log = open_memstream(&buf, &len);
	struct xdp_nat64 *s;
	assert_int_equal(xdp_nat64_init(&s, &cfg), 0);
	xdp_nat64_sweep(s, skel, NOW, log);
	fclose(log);

	struct xdp_nat64_counts c;
	xdp_nat64_counts(s, &c);
	assert_int_equal(c.expired_sessions, 2);
	assert_int_equal(c.sessions[NAT64_UDP], 1);
	assert_int_equal(c.sessions[NAT64_TCP], 1);
	assert_int_equal(c.sessions[NAT64_ICMP], 1);
	assert_int_equal(entries(bpf_map__fd(skel->maps.g64_sess6), 28), 3);
	assert_int_equal(entries(bpf_map__fd(skel->maps.g64_sess4), 16), 3);
	/* BIB: 1, 4 and 7 gone; 2, 3, 5, 6, 8 stay */
	assert_int_equal(c.expired_bib, 3);
	assert_int_equal(entries(bpf_map__fd(skel->maps.g64_bib6), 20), 5);
	assert_int_equal(entries(bpf_map__fd(skel->maps.g64_bib4), 8), 5);
	unsigned deletes = 0;
	for (char *p = buf; (p = strstr(p, "NAT64_BIB_DELETE")); p++)
		deletes++;
	assert_int_equal(deletes, 3);
	assert_non_null(strstr(buf, "192.0.2.1:61001"));
	assert_non_null(strstr(buf, "192.0.2.1:61004"));
	assert_non_null(strstr(buf, "192.0.2.1:61007"));
	free(buf);

	/* the same sweep again: nothing more runs out */
	xdp_nat64_sweep(s, skel, NOW, NULL);
	xdp_nat64_counts(s, &c);
	assert_int_equal(c.expired_sessions, 2);
	assert_int_equal(c.expired_bib, 3);

	/* the lists gate64ctl shows: sessions with their idle time and what
	 * is left; BIB entries with their session count, in pages */
	struct dp_dump_entry e[8];
	uint32_t n, next;
	assert_int_equal(xdp_nat64_dump(skel, &cfg, 1, NOW, 0, e, 8, &n, &next),
			 0);
	assert_int_equal(n, 3);
	assert_int_equal(next, DP_DUMP_END);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(e[i].addr4, 0xc0000201);
		assert_int_equal(e[i].raddr4, 0xc6336402);
		if (e[i].proto == NAT64_UDP) {
			assert_int_equal(e[i].sport6, 5002);
			assert_int_equal(e[i].idle, 10); /* the IPv4 side */
			assert_int_equal(e[i].expires, 290);
		}
		if (e[i].proto == NAT64_ICMP)
			assert_int_equal(e[i].rport, e[i].port4);
	}
	assert_int_equal(xdp_nat64_dump(skel, &cfg, 0, NOW, 0, e, 2, &n, &next),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(next, 2);
	unsigned with = 0, total = n;
	for (uint32_t i = 0; i < n; i++)
		with += e[i].nsess;
	assert_int_equal(
	    xdp_nat64_dump(skel, &cfg, 0, NOW, next, e, 8, &n, &next), 0);
	assert_int_equal(n, 3);
	assert_int_equal(next, DP_DUMP_END);
	total += n;
	for (uint32_t i = 0; i < n; i++)
		with += e[i].nsess;
	assert_int_equal(total, 5);
	assert_int_equal(with, 3); /* the three live sessions */
	xdp_nat64_fini(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sweep),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
