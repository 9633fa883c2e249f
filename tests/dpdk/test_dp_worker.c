/*
 * test_dp_worker.c - the DPDK workers (dataplane/dpdk/dp.c) beyond the
 * golden corpus: start-up announcements, ARP and ping answered through a
 * worker, packets held until ARP resolves their next hop (and dropped when
 * it never does), no route, and the hand-off of NAT64 packets to the
 * worker owning their state.  Two workers, two net_ring ports of two
 * queues each, driven from this thread (dp_worker_poll); the EAL runs
 * without hugepages and without PCI.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dpdk/dp.h"
#include "dataplane/dpdk/dp_neigh.h"
#include "dataplane/xlat/csum.h"

#define NQ 2

static struct rte_ring *rxr[2][NQ], *txr[2][NQ];
static struct rte_mempool *pool;
static unsigned nports_made;

static const uint8_t PEER[6] = {0x02, 0, 0, 0, 0, 0x99};
static const uint8_t SERVER[6] = {0x02, 0, 0, 0, 0, 0x44};
static const uint8_t CLIENT[6] = {0x02, 0, 0, 0, 0, 0x66};
static const uint8_t SRV4[4] = {198, 51, 100, 2};
static const uint8_t POOL4[4] = {192, 0, 2, 1};
static const uint8_t addr6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
				  0,	0,    0,    0,	  0, 0, 0, 1};

struct fx {
	struct xlat_cfg xc;
	struct nat64_cfg nc;
	struct dp_cfg d;
	struct dp *dp;
	uint8_t mac[2][6];
};

static uint32_t v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return rte_cpu_to_be_32((uint32_t)a << 24 | (uint32_t)b << 16 |
				(uint32_t)c << 8 | d);
}

static int setup(void **state)
{
	static struct fx f;
	char err[512];
	uint16_t ids[2];
	memset(&f, 0, sizeof(f));
	for (unsigned p = 0; p < 2; p++) {
		char n[32];
		snprintf(n, sizeof(n), "wport%u_%u", nports_made, p);
		int r = rte_eth_from_rings(n, rxr[p], NQ, txr[p], NQ, 0);
		assert_true(r >= 0);
		ids[p] = (uint16_t)r;
	}
	nports_made++;
	xlat_cfg_default(&f.xc);
	f.xc.pool6.addr[1] = 0x64;
	f.xc.pool6.addr[2] = 0xff;
	f.xc.pool6.addr[3] = 0x9b;
	f.xc.pool6.len = 96;
	f.xc.pool6791[0] = v4(203, 0, 113, 1);
	f.xc.pool6791_n = 1;
	nat64_cfg_default(&f.nc);
	f.nc.pool4.r[0] =
	    (struct pool4_range){0xc0000201u, NAT64_UDP, 1024, 65535};
	f.nc.pool4.n = 1;
	f.nc.pool4.nworkers = NQ;
	f.nc.pool4.key[0] = 7;
	f.nc.max_bib = f.nc.max_sessions = 1024;
	f.nc.max_subs = 64;
	f.d.mode = DP_NAT64;
	f.d.nworkers = NQ;
	f.d.xlat = &f.xc;
	f.d.nat64 = &f.nc;
	f.d.burst = 32;
	f.d.mbufs = 1023;
	f.d.neigh.pending_max = 8;
	snprintf(f.d.port[0].name, 16, "port6");
	f.d.port[0].has6 = 1;
	memcpy(f.d.port[0].addr6, addr6, 16);
	f.d.port[0].plen6 = 48; /* every /56 subscriber below is on-link */
	snprintf(f.d.port[1].name, 16, "port4");
	f.d.port[1].has4 = 1;
	f.d.port[1].addr4 = v4(198, 51, 100, 1);
	f.d.port[1].plen4 = 24;
	f.dp = dp_create(&f.d, ids, err, sizeof(err));
	if (!f.dp)
		fail_msg("dp_create: %s", err);
	assert_int_equal(dp_start(f.dp, err, sizeof(err)), 0);
	for (unsigned p = 0; p < 2; p++) {
		struct rte_ether_addr a;
		rte_eth_macaddr_get(ids[p], &a);
		memcpy(f.mac[p], a.addr_bytes, 6);
	}
	for (unsigned q = 0; q < NQ; q++)
		dp_worker_set_clock(dp_worker(f.dp, q), 100);
	*state = &f;
	return 0;
}

static void drain_all(void)
{
	for (unsigned p = 0; p < 2; p++)
		for (unsigned q = 0; q < NQ; q++) {
			void *m;
			while (!rte_ring_dequeue(txr[p][q], &m))
				rte_pktmbuf_free(m);
		}
}

static int teardown(void **state)
{
	struct fx *f = *state;
	dp_destroy(f->dp);
	drain_all();
	for (unsigned p = 0; p < 2; p++)
		for (unsigned q = 0; q < NQ; q++) {
			void *m;
			while (!rte_ring_dequeue(rxr[p][q], &m))
				rte_pktmbuf_free(m);
		}
	return 0;
}

/* Put a frame on queue q of port p and let worker q poll once. */
static void rx(struct fx *f, unsigned p, unsigned q, const uint8_t *frame,
	       uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, len), frame, len);
	assert_int_equal(rte_ring_enqueue(rxr[p][q], m), 0);
	dp_worker_poll(dp_worker(f->dp, q));
}

/* The next frame sent on port p (any queue), or NULL. */
static struct rte_mbuf *tx(unsigned p)
{
	for (unsigned q = 0; q < NQ; q++) {
		void *m;
		if (!rte_ring_dequeue(txr[p][q], &m))
			return m;
	}
	return NULL;
}

static struct dp_stats stats(struct fx *f)
{
	struct dp_stats st;
	dp_stats_sum(f->dp, &st, NULL, NULL);
	return st;
}

/* A /56 subscriber 2001:db8:1:N00::/56 that worker 'want' owns. */
static uint8_t sub_of(const struct fx *f, unsigned want)
{
	for (unsigned n = 1; n < 256; n++) {
		uint8_t src[16];
		memcpy(src, addr6, 16);
		src[6] = (uint8_t)n;
		if (nat64_db_owner6(&f->nc, src) == want)
			return (uint8_t)n;
	}
	fail_msg("no subscriber for worker %u", want);
	return 0;
}

/* An IPv6/UDP frame from the client 2001:db8:1:N00::2, port sport, to
 * 64:ff9b::198.51.DST3.2 port 9, checksum right. */
static uint16_t udp6_to(struct fx *f, uint8_t *b, uint8_t n, uint16_t sport,
			uint8_t dst3)
{
	memset(b, 0, 80);
	memcpy(b, f->mac[0], 6);
	memcpy(b + 6, CLIENT, 6);
	b[12] = 0x86;
	b[13] = 0xdd;
	uint8_t *ip = b + 14;
	ip[0] = 0x60;
	ip[5] = 12; /* payload: UDP 8 + 4 */
	ip[6] = 17;
	ip[7] = 64;
	memcpy(ip + 8, addr6, 16);
	ip[14] = n;
	ip[23] = 2;
	ip[25] = 0x64;
	ip[26] = 0xff;
	ip[27] = 0x9b;
	ip[36] = 198;
	ip[37] = 51;
	ip[38] = dst3;
	ip[39] = 2;
	uint8_t *u = ip + 40;
	u[0] = (uint8_t)(sport >> 8);
	u[1] = (uint8_t)sport;
	u[3] = 9;
	u[5] = 12;
	memcpy(u + 8, "ping", 4);
	uint32_t s = 17 + 12;
	for (int i = 8; i < 40; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	for (int i = 0; i < 12; i += 2)
		s += (uint32_t)(u[i] << 8 | u[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	u[6] = (uint8_t)(~s >> 8);
	u[7] = (uint8_t)~s;
	return 14 + 40 + 12;
}

static uint16_t udp6(struct fx *f, uint8_t *b, uint8_t n, uint16_t sport)
{
	return udp6_to(f, b, n, sport, 100);
}

/* The server's ARP reply for 198.51.100.2 to the gateway. */
static uint16_t arp_reply(struct fx *f, uint8_t *b)
{
	uint16_t len = (uint16_t)dp_arp_request(b, SERVER, v4(198, 51, 100, 2),
						v4(198, 51, 100, 1));
	memcpy(b, f->mac[1], 6);
	b[14 + 7] = 2; /* opcode: reply */
	memcpy(b + 14 + 18, f->mac[1], 6);
	return len;
}

/* RFC 5227 §3, RFC 4861 §7.2.6: worker 0's first poll announces the port
 * addresses and pool4. */
static void test_announce_at_start(void **state)
{
	struct fx *f = *state;
	dp_worker_poll(dp_worker(f->dp, 0));
	unsigned arp = 0, na = 0;
	struct rte_mbuf *m;
	while ((m = tx(1)) != NULL) {
		const uint8_t *e = rte_pktmbuf_mtod(m, const uint8_t *);
		assert_int_equal(e[12] << 8 | e[13], DP_ETH_P_ARP);
		/* sender ip == target ip */
		assert_memory_equal(e + 14 + 14, e + 14 + 24, 4);
		arp++;
		rte_pktmbuf_free(m);
	}
	while ((m = tx(0)) != NULL) {
		const uint8_t *e = rte_pktmbuf_mtod(m, const uint8_t *);
		assert_int_equal(e[12] << 8 | e[13], DP_ETH_P_IPV6);
		assert_int_equal(e[14 + 40], 136); /* NA */
		na++;
		rte_pktmbuf_free(m);
	}
	assert_int_equal(arp, 2); /* 198.51.100.1 and pool4 192.0.2.1 */
	assert_int_equal(na, 1);
	assert_int_equal(stats(f).announce, 3);
}

/* RFC 826: a request for a pool4 address is answered through a worker. */
static void test_arp_pool4_answered(void **state)
{
	struct fx *f = *state;
	uint8_t b[DP_L2_FRAME_MAX];
	dp_worker_poll(dp_worker(f->dp, 0));
	drain_all();
	uint16_t len = (uint16_t)dp_arp_request(b, SERVER, v4(198, 51, 100, 2),
						v4(192, 0, 2, 1));
	rx(f, 1, 1, b, len);
	struct rte_mbuf *m = tx(1);
	assert_non_null(m);
	const uint8_t *e = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_memory_equal(e, SERVER, 6);
	assert_int_equal(e[14 + 7], 2);
	assert_memory_equal(e + 14 + 8, f->mac[1], 6);
	rte_pktmbuf_free(m);
	assert_int_equal(stats(f).l2_replies, 1);
}

/* A translated packet whose next hop is unknown waits for ARP, which the
 * worker asks; the reply releases it with the right MAC. */
static void test_held_until_arp_answers(void **state)
{
	struct fx *f = *state;
	uint8_t b[128];
	uint16_t len;
	dp_worker_poll(dp_worker(f->dp, 0));
	drain_all();
	/* a subscriber of worker 0, fed to worker 0 */
	uint8_t n = sub_of(f, 0);
	len = udp6(f, b, n, 5000);
	rx(f, 0, 0, b, len);
	assert_int_equal(stats(f).neigh_wait, 1);
	struct rte_mbuf *m = tx(1);
	assert_non_null(m); /* the ARP request for 198.51.100.2 */
	const uint8_t *e = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_int_equal(e[12] << 8 | e[13], DP_ETH_P_ARP);
	assert_memory_equal(e + 14 + 24, SRV4, 4);
	rte_pktmbuf_free(m);
	assert_null(tx(1));
	len = arp_reply(f, b);
	rx(f, 1, 0, b, len);
	m = tx(1);
	assert_non_null(m);
	e = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_memory_equal(e, SERVER, 6);
	assert_memory_equal(e + 6, f->mac[1], 6);
	assert_int_equal(e[12] << 8 | e[13], DP_ETH_P_IPV4);
	assert_memory_equal(e + 14 + 16, SRV4, 4);
	assert_memory_equal(e + 14 + 12, POOL4, 4);
	rte_pktmbuf_free(m);
	assert_int_equal(stats(f).neigh_unresolved, 0);
}

/* Nothing answers: after 3 s the held packet is dropped and counted. */
static void test_unresolved_dropped(void **state)
{
	struct fx *f = *state;
	uint8_t b[128];
	uint16_t len;
	struct dp_worker *w;
	dp_worker_poll(dp_worker(f->dp, 0));
	drain_all();
	uint8_t n = sub_of(f, 1);
	len = udp6(f, b, n, 5001);
	rx(f, 0, 1, b, len);
	w = dp_worker(f->dp, 1);
	assert_int_equal(stats(f).neigh_wait, 1);
	dp_worker_set_clock(w, 102);
	dp_worker_tick(w);
	assert_int_equal(stats(f).neigh_unresolved, 0);
	dp_worker_set_clock(w, 104);
	dp_worker_tick(w);
	dp_worker_flush(w);
	assert_int_equal(stats(f).neigh_unresolved, 1);
	struct rte_mbuf *m;
	while ((m = tx(1)) != NULL) { /* only ARP requests went out */
		const uint8_t *e = rte_pktmbuf_mtod(m, const uint8_t *);
		assert_int_equal(e[12] << 8 | e[13], DP_ETH_P_ARP);
		rte_pktmbuf_free(m);
	}
	/* RFC 4861 §7.2.2 / RFC 1812 §5.2.7.1: the sender hears of it: an
	 * ICMPv4 host unreachable for the translated packet, translated back
	 * (RFC 7915 §4.2: type 3 code 1 -> ICMPv6 type 1 code 0) to the
	 * client, which waits for ND in its turn */
	assert_int_equal(stats(f).neigh_unreach, 1);
	uint8_t c6[16];
	memcpy(c6, addr6, 16);
	c6[6] = n;
	c6[15] = 2;
	dp_neigh_learn(dp_neigh_table(f->dp), 0, 1, c6, CLIENT, 1, 104000);
	dp_worker_set_clock(w, 104);
	dp_worker_poll(w); /* the learned flag is not set: tick */
	dp_worker_tick(w);
	dp_worker_flush(w);
	while ((m = tx(0)) != NULL) {
		const uint8_t *e = rte_pktmbuf_mtod(m, const uint8_t *);
		if ((e[12] << 8 | e[13]) == DP_ETH_P_IPV6 && e[14 + 6] == 58 &&
		    e[14 + 40] == 1)
			break;
		rte_pktmbuf_free(m);
	}
	assert_non_null(m);
	const uint8_t *e = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_memory_equal(e, CLIENT, 6);
	assert_int_equal(e[14 + 41], 0); /* no route to destination */
	assert_memory_equal(e + 14 + 24, c6, 16);
	/* it quotes the client's packet (RFC 7915 §4.3) */
	assert_memory_equal(e + 14 + 48 + 8, c6, 16);
	rte_pktmbuf_free(m);
}

/* docs/nat64.md: the subscriber names the owner worker; a packet that
 * RSS gave to another worker is handed over and translated there. */
static void test_handoff_to_owner(void **state)
{
	struct fx *f = *state;
	uint8_t b[128];
	uint16_t len;
	uint8_t mac4[16] = {198, 51, 100, 2};
	dp_neigh_set_static(dp_neigh_table(f->dp), 1, 0, mac4, SERVER);
	dp_worker_poll(dp_worker(f->dp, 0));
	drain_all();
	uint8_t n = sub_of(f, 1);
	len = udp6(f, b, n, 5002); /* to worker 0: not its own */
	rx(f, 0, 0, b, len);
	assert_int_equal(stats(f).handoff, 1);
	assert_null(tx(1));
	dp_worker_poll(dp_worker(f->dp, 1));
	struct rte_mbuf *m = tx(1);
	assert_non_null(m);
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *) + 14;
	uint16_t port4 = (uint16_t)(ip[20] << 8 | ip[21]);
	/* the port came from worker 1's pool4 slice */
	assert_int_equal(
	    pool4_owner(&f->nc.pool4, 0xc0000201u, NAT64_UDP, port4), 1);
	rte_pktmbuf_free(m);
	uint64_t nb, ns;
	dp_nat64_count(f->dp, &nb, &ns);
	assert_int_equal(ns, 1);
}

/* A destination off-link with no gateway: counted, not sent. */
static void test_no_route(void **state)
{
	struct fx *f = *state;
	uint8_t b[128];
	dp_worker_poll(dp_worker(f->dp, 0));
	drain_all();
	/* 64:ff9b::198.51.7.2: not on 198.51.100.0/24, and no gateway */
	uint16_t len = udp6_to(f, b, sub_of(f, 0), 5003, 7);
	rx(f, 0, 0, b, len);
	assert_int_equal(stats(f).no_route, 1);
	assert_null(tx(1));
}

/* RFC 4443 §4.1: ping to the port's IPv6 address answered by a worker. */
static void test_ping6_own_address(void **state)
{
	struct fx *f = *state;
	uint8_t b[128];
	dp_worker_poll(dp_worker(f->dp, 0));
	drain_all();
	memset(b, 0, sizeof(b));
	memcpy(b, f->mac[0], 6);
	memcpy(b + 6, PEER, 6);
	b[12] = 0x86;
	b[13] = 0xdd;
	uint8_t *ip = b + 14;
	ip[0] = 0x60;
	ip[5] = 8;
	ip[6] = 58;
	ip[7] = 64;
	memcpy(ip + 8, addr6, 16);
	ip[23] = 9;
	memcpy(ip + 24, addr6, 16);
	uint8_t *ic = ip + 40;
	ic[0] = 128;
	ic[5] = 1;
	uint32_t s = 58 + 8;
	for (int i = 8; i < 40; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	for (int i = 0; i < 8; i += 2)
		s += (uint32_t)(ic[i] << 8 | ic[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	ic[2] = (uint8_t)(~s >> 8);
	ic[3] = (uint8_t)~s;
	rx(f, 0, 1, b, 14 + 48);
	struct rte_mbuf *m = tx(0);
	assert_non_null(m);
	const uint8_t *e = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_memory_equal(e, PEER, 6);
	assert_int_equal(e[14 + 40], 129); /* echo reply */
	rte_pktmbuf_free(m);
}

/* One-arm: one port carries both families; a flow goes out and its
 * answer comes back through the same port. */
static int setup_one_arm(void **state)
{
	static struct fx f;
	char err[512];
	uint16_t id;
	memset(&f, 0, sizeof(f));
	char n[32];
	snprintf(n, sizeof(n), "oport%u", nports_made++);
	int r = rte_eth_from_rings(n, rxr[0], NQ, txr[0], NQ, 0);
	assert_true(r >= 0);
	id = (uint16_t)r;
	xlat_cfg_default(&f.xc);
	f.xc.pool6.addr[1] = 0x64;
	f.xc.pool6.addr[2] = 0xff;
	f.xc.pool6.addr[3] = 0x9b;
	f.xc.pool6.len = 96;
	nat64_cfg_default(&f.nc);
	f.nc.pool4.r[0] =
	    (struct pool4_range){0xc0000201u, NAT64_UDP, 1024, 65535};
	f.nc.pool4.n = 1;
	f.nc.pool4.nworkers = NQ;
	f.nc.max_bib = f.nc.max_sessions = 1024;
	f.nc.max_subs = 64;
	f.d.mode = DP_NAT64;
	f.d.nworkers = NQ;
	f.d.one_arm = 1;
	f.d.xlat = &f.xc;
	f.d.nat64 = &f.nc;
	f.d.burst = 32;
	f.d.mbufs = 1023;
	f.d.neigh.pending_max = 8;
	struct dp_port_cfg *p = &f.d.port[0];
	snprintf(p->name, 16, "port");
	p->has4 = p->has6 = 1;
	memcpy(p->addr6, addr6, 16);
	p->plen6 = 48; /* the clients of every /56 below are on-link */
	p->addr4 = v4(198, 51, 100, 1);
	p->plen4 = 24;
	f.dp = dp_create(&f.d, &id, err, sizeof(err));
	if (!f.dp)
		fail_msg("dp_create: %s", err);
	assert_int_equal(dp_start(f.dp, err, sizeof(err)), 0);
	struct rte_ether_addr a;
	rte_eth_macaddr_get(id, &a);
	memcpy(f.mac[0], a.addr_bytes, 6);
	memcpy(f.mac[1], a.addr_bytes, 6);
	for (unsigned q = 0; q < NQ; q++)
		dp_worker_set_clock(dp_worker(f.dp, q), 100);
	*state = &f;
	return 0;
}

static void test_one_arm_both_ways(void **state)
{
	struct fx *f = *state;
	uint8_t b[128];
	uint16_t len;
	uint8_t s4[16] = {198, 51, 100, 2}, c6[16];
	dp_neigh_set_static(dp_neigh_table(f->dp), 0, 0, s4, SERVER);
	dp_worker_poll(dp_worker(f->dp, 0));
	drain_all();
	uint8_t n = sub_of(f, 0);
	memcpy(c6, addr6, 16);
	c6[6] = n;
	c6[15] = 2;
	len = udp6(f, b, n, 6000);
	rx(f, 0, 0, b, len);
	struct rte_mbuf *m = tx(0);
	assert_non_null(m);
	const uint8_t *e = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_memory_equal(e, SERVER, 6);
	assert_int_equal(e[12] << 8 | e[13], DP_ETH_P_IPV4);
	uint16_t port4 = (uint16_t)(e[14 + 20] << 8 | e[14 + 21]);
	rte_pktmbuf_free(m);
	/* the answer: 198.51.100.2:9 -> 192.0.2.1:port4, on the same port */
	uint8_t a[64];
	memset(a, 0, sizeof(a));
	memcpy(a, f->mac[0], 6);
	memcpy(a + 6, SERVER, 6);
	a[12] = 0x08;
	uint8_t *ip = a + 14;
	ip[0] = 0x45;
	ip[3] = 20 + 8 + 4;
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, SRV4, 4);
	memcpy(ip + 16, POOL4, 4);
	uint32_t cs = 0;
	for (int i = 0; i < 20; i += 2)
		cs += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (cs >> 16)
		cs = (cs & 0xffff) + (cs >> 16);
	ip[10] = (uint8_t)(~cs >> 8);
	ip[11] = (uint8_t)~cs;
	uint8_t *u = ip + 20;
	u[1] = 9;
	u[2] = (uint8_t)(port4 >> 8);
	u[3] = (uint8_t)port4;
	u[5] = 12;
	memcpy(u + 8, "pong", 4); /* UDP checksum 0: computed (RFC 7915 §4.5) */
	unsigned owner =
	    pool4_owner(&f->nc.pool4, 0xc0000201u, NAT64_UDP, port4);
	c6[6] = n;
	dp_neigh_set_static(dp_neigh_table(f->dp), 0, 1, c6, CLIENT);
	rx(f, 0, owner, a, 14 + 32);
	m = tx(0);
	assert_non_null(m);
	e = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_int_equal(e[12] << 8 | e[13], DP_ETH_P_IPV6);
	assert_memory_equal(e, CLIENT, 6);
	assert_memory_equal(e + 14 + 24, c6, 16);
	rte_pktmbuf_free(m);
}

int main(void)
{
	/* a runtime directory of its own: two runs side by side (CI and a
	 * developer, say) never share, nor remove, each other's */
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=g64t-%d",
		 (int)getpid());
	char *eal[] = {"test_dp_worker",
		       "-l",
		       "0",
		       "--no-pci",
		       "--no-huge",
		       "-m",
		       "512",
		       "--no-shconf",
		       prefix,
		       "--log-level",
		       "lib.eal:error",
		       NULL};
	if (rte_eal_init((int)(sizeof(eal) / sizeof(*eal)) - 1, eal) < 0) {
		fprintf(stderr, "test_dp_worker: EAL start failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	for (unsigned p = 0; p < 2; p++)
		for (unsigned q = 0; q < NQ; q++) {
			char n[16];
			snprintf(n, sizeof(n), "r%u%u", p, q);
			rxr[p][q] = rte_ring_create(
			    n, 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
			snprintf(n, sizeof(n), "t%u%u", p, q);
			txr[p][q] = rte_ring_create(
			    n, 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		}
	pool = rte_pktmbuf_pool_create("tw", 1023, 0, 0,
				       RTE_PKTMBUF_HEADROOM + 2048, 0);
	const struct CMUnitTest tests[] = {
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	    T(test_announce_at_start),
	    T(test_arp_pool4_answered),
	    T(test_held_until_arp_answers),
	    T(test_unresolved_dropped),
	    T(test_handoff_to_owner),
	    T(test_no_route),
	    T(test_ping6_own_address),
#undef T
	    cmocka_unit_test_setup_teardown(test_one_arm_both_ways,
					    setup_one_arm, teardown),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	dp_eal_cleanup();
	return r;
}
