/*
 * bench_dp.c - throughput of one DPDK worker (dataplane/dpdk/dp.c) with no
 * kernel in the loop: its two ports are net_ring devices; the benchmark
 * thread puts pre-built frames of established UDP flows into the RX ring,
 * runs one worker iteration (dp_worker_poll: rx_burst, NAT64 hit path,
 * Ethernet rewrite, tx_burst) and takes the frames back from the TX ring,
 * restoring their headers for the next round.  All on one core.
 *
 * Baseline in the same run: the same generator and the same ring ports
 * with a do-nothing forwarder (rx_burst -> tx_burst, l2fwd without
 * processing).  Reported: Mpps of the worker loop (generator included, so
 * a lower bound of the worker's own rate), Mpps of the baseline, and the
 * worker's own cost per packet = (t_worker - t_baseline) / packets.
 *
 * Usage: bench_dp [-f FLOWS] [-n PACKETS] [-r REPEATS]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dpdk/dp.h"
#include "dataplane/dpdk/dp_neigh.h"
#include "dataplane/xlat/csum.h"

#define BURST 32u
#define POOL  4096 /* frames in circulation */

static struct rte_ring *rxr[2], *txr[2];
static uint16_t ids[2];
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
static uint8_t own_mac[2][6];

struct tmpl {
	uint16_t len;	  /* frame length */
	uint16_t hlen;	  /* header bytes the worker rewrites */
	uint8_t hdr[128]; /* Ethernet + IP + UDP as sent */
};

/* The frames: an IPv6 client 2001:db8:1::X port P to 198.51.100.2:9 via
 * 64:ff9b::/96 (6to4), and the server's answers to 192.0.2.1:PORT4
 * (4to6). */
static void ip6_udp(struct tmpl *t, uint32_t flow, uint16_t size)
{
	uint8_t *f = t->hdr;
	uint16_t pl = (uint16_t)(size - 14 - 40); /* UDP length */
	memset(f, 0, sizeof(t->hdr));
	memcpy(f, own_mac[0], 6);
	memcpy(f + 6, peer_mac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	uint8_t *ip = f + 14;
	ip[0] = 0x60;
	ip[4] = (uint8_t)(pl >> 8);
	ip[5] = (uint8_t)pl;
	ip[6] = 17;
	ip[7] = 64;
	const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
				 0,    0,    0,	   0,	 0, 0, 0, 0};
	memcpy(ip + 8, src, 16);
	ip[8 + 14] = (uint8_t)(flow >> 12); /* 16 clients ... */
	ip[8 + 15] = (uint8_t)((flow >> 12) + 2);
	const uint8_t dst[16] = {0, 0x64, 0xff, 0x9b, 0,   0,  0,   0,
				 0, 0,	  0,	0,    198, 51, 100, 2};
	memcpy(ip + 24, dst, 16);
	uint8_t *u = ip + 40;
	uint16_t sport = (uint16_t)(10000 + (flow & 0xfff));
	u[0] = (uint8_t)(sport >> 8);
	u[1] = (uint8_t)sport;
	u[2] = 0;
	u[3] = 9;
	u[4] = (uint8_t)(pl >> 8);
	u[5] = (uint8_t)pl;
	t->len = size;
	t->hlen = 14 + 40 + 8;
}

static uint16_t csum_fold16(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void ip4_udp(struct tmpl *t, uint16_t port4, uint16_t size)
{
	uint8_t *f = t->hdr;
	uint16_t tl = (uint16_t)(size - 14);
	memset(f, 0, sizeof(t->hdr));
	memcpy(f, own_mac[1], 6);
	memcpy(f + 6, peer_mac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tl >> 8);
	ip[3] = (uint8_t)tl;
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 17;
	const uint8_t s4[4] = {198, 51, 100, 2}, d4[4] = {192, 0, 2, 1};
	memcpy(ip + 12, s4, 4);
	memcpy(ip + 16, d4, 4);
	uint32_t s = 0;
	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	uint16_t c = (uint16_t)~csum_fold16(s);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	uint8_t *u = ip + 20;
	u[0] = 0;
	u[1] = 9;
	u[2] = (uint8_t)(port4 >> 8);
	u[3] = (uint8_t)port4;
	uint16_t ul = (uint16_t)(tl - 20);
	u[4] = (uint8_t)(ul >> 8);
	u[5] = (uint8_t)ul;
	u[6] = u[7] = 0; /* fixed below: checksum over a zero payload */
	uint32_t cs = 0x11 + ul;
	for (int i = 12; i < 20; i += 2)
		cs += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	for (int i = 0; i < 8; i += 2)
		cs += (uint32_t)(u[i] << 8 | u[i + 1]);
	uint16_t uc = (uint16_t)~csum_fold16(cs);
	if (!uc)
		uc = 0xffff;
	u[6] = (uint8_t)(uc >> 8);
	u[7] = (uint8_t)uc;
	t->len = size;
	t->hlen = 14 + 20 + 8;
}

static void ip6_fix_csum(struct tmpl *t)
{
	uint8_t *ip = t->hdr + 14, *u = ip + 40;
	uint16_t ul = (uint16_t)(u[4] << 8 | u[5]);
	uint32_t cs = 17 + ul;
	for (int i = 8; i < 40; i += 2)
		cs += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	for (int i = 0; i < 8; i += 2)
		cs += (uint32_t)(u[i] << 8 | u[i + 1]);
	uint16_t uc = (uint16_t)~csum_fold16(cs);
	if (!uc)
		uc = 0xffff;
	u[6] = (uint8_t)(uc >> 8);
	u[7] = (uint8_t)uc;
}

/* Frame i of the circulation: its template and its mbuf. */
static struct rte_mbuf *mb[POOL];
static const struct tmpl *mt[POOL];

static void restore(struct rte_mbuf *m, const struct tmpl *t)
{
	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->data_len = t->len;
	m->pkt_len = t->len;
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), t->hdr, t->hlen);
}

static struct dp *g_dp;

/* One measured run: the generator with the worker (w), with the
 * do-nothing forwarder (w == NULL, fwd), or alone (w == NULL, !fwd: it
 * takes its frames back from the RX ring, as it would from the TX ring). */
static uint64_t run(struct dp_worker *w, int fwd, unsigned side, uint64_t npkts)
{
	uint64_t done = 0, i = 0;
	struct rte_mbuf *b[BURST];
	uint64_t t0 = rte_rdtsc();
	while (done < npkts) {
		for (unsigned k = 0; k < BURST; k++) {
			unsigned j = (unsigned)((i + k) % POOL);
			restore(mb[j], mt[j]);
			b[k] = mb[j];
		}
		rte_ring_enqueue_burst(rxr[side], (void **)b, BURST, NULL);
		if (w) {
			dp_worker_poll(w);
		} else if (fwd) { /* l2fwd without processing */
			struct rte_mbuf *f[BURST];
			uint16_t n = rte_eth_rx_burst(ids[side], 0, f, BURST);
			uint16_t s = rte_eth_tx_burst(ids[!side], 0, f, n);
			(void)s;
		} else { /* the generator alone: its frames come straight
			    back from the RX ring */
			unsigned n = rte_ring_dequeue_burst(
			    rxr[side], (void **)b, BURST, NULL);
			if (n != BURST)
				exit(1);
			i += BURST;
			done += BURST;
			continue;
		}
		unsigned got = 0;
		for (unsigned s = 0; s < 2; s++)
			got += rte_ring_dequeue_burst(txr[s], (void **)b, BURST,
						      NULL);
		if (got != BURST) {
			fprintf(stderr, "bench_dp: %u of %u frames came back\n",
				got, BURST);
			dp_stats_print(g_dp, stderr);
			exit(1);
		}
		i += BURST;
		done += BURST;
	}
	return rte_rdtsc() - t0;
}

int main(int argc, char **argv)
{
	/* a runtime directory of its own: two runs side by side (CI and a
	 * developer, say) never share, nor remove, each other's */
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=g64t-%d",
		 (int)getpid());
	char *eal[] = {argv[0],
		       "-l",
		       "0",
		       "--no-pci",
		       "--no-huge",
		       "-m",
		       "1024",
		       "--no-shconf",
		       prefix,
		       "--log-level",
		       "lib.eal:error",
		       NULL};
	int eargc = (int)(sizeof(eal) / sizeof(*eal)) - 1;
	unsigned flows = 4096, reps = 5;
	uint64_t npkts = 4000000;
	int o;

	if (rte_eal_init(eargc, eal) < 0) {
		fprintf(stderr, "bench_dp: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	while ((o = getopt(argc, argv, "f:n:r:")) != -1) {
		if (o == 'f')
			flows = (unsigned)atoi(optarg);
		else if (o == 'n')
			npkts = strtoull(optarg, NULL, 0);
		else if (o == 'r')
			reps = (unsigned)atoi(optarg);
	}
	if (flows < 1 || flows > POOL)
		flows = POOL;
	for (unsigned i = 0; i < 2; i++) {
		char n[16];
		snprintf(n, sizeof(n), "brx%u", i);
		rxr[i] =
		    rte_ring_create(n, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "btx%u", i);
		txr[i] =
		    rte_ring_create(n, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(n, sizeof(n), "bport%u", i);
		int r = rte_eth_from_rings(n, &rxr[i], 1, &txr[i], 1, 0);
		if (r < 0) {
			fprintf(stderr, "bench_dp: ring port: %s\n",
				rte_strerror(rte_errno));
			return 1;
		}
		ids[i] = (uint16_t)r;
	}

	/* A NAT64 gateway: pool6 64:ff9b::/96, pool4 192.0.2.1. */
	static struct xlat_cfg xc;
	static struct nat64_cfg nc;
	static struct dp_cfg d;
	char err[512];
	xlat_cfg_default(&xc);
	xc.pool6.addr[1] = 0x64;
	xc.pool6.addr[2] = 0xff;
	xc.pool6.addr[3] = 0x9b;
	xc.pool6.len = 96;
	xc.pool6791[0] = rte_cpu_to_be_32(0xcb007101u);
	xc.pool6791_n = 1;
	nat64_cfg_default(&nc);
	nc.pool4.r[0] =
	    (struct pool4_range){0xc0000201u, NAT64_UDP, 1024, 65535};
	nc.pool4.n = 1;
	nc.pool4.nworkers = 1;
	nc.pool4.key[0] = 1;
	nc.max_bib = nc.max_sessions = 1 << 16;
	nc.max_subs = 1024;
	d.mode = DP_NAT64;
	d.nworkers = 1;
	d.xlat = &xc;
	d.nat64 = &nc;
	d.burst = BURST;
	d.mbufs = 8191;
	d.neigh.pending_max = 64;
	snprintf(d.port[0].name, 16, "port6");
	d.port[0].has6 = 1;
	const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
				0,    0,    0,	  0,	0, 0, 0, 1};
	memcpy(d.port[0].addr6, a6, 16);
	d.port[0].plen6 = 64;
	snprintf(d.port[1].name, 16, "port4");
	d.port[1].has4 = 1;
	d.port[1].addr4 = rte_cpu_to_be_32(0xc6336401u); /* 198.51.100.1 */
	d.port[1].plen4 = 24;
	struct dp *dp = dp_create(&d, ids, err, sizeof(err));
	if (!dp || dp_start(dp, err, sizeof(err))) {
		fprintf(stderr, "bench_dp: %s\n", err);
		return 1;
	}
	struct dp_worker *w = dp_worker(dp, 0);
	g_dp = dp;
	for (unsigned i = 0; i < 2; i++) {
		struct rte_ether_addr a;
		rte_eth_macaddr_get(ids[i], &a);
		memcpy(own_mac[i], a.addr_bytes, 6);
	}
	/* every next hop (the clients, the server) known */
	for (unsigned c = 0; c < 256; c++) {
		uint8_t ip[16];
		memcpy(ip, a6, 16);
		ip[14] = (uint8_t)c;
		ip[15] = (uint8_t)(c + 2);
		dp_neigh_set_static(dp_neigh_table(dp), 0, 1, ip, peer_mac);
	}
	uint8_t s4[16] = {198, 51, 100, 2};
	dp_neigh_set_static(dp_neigh_table(dp), 1, 0, s4, peer_mac);

	static struct tmpl t6[8][POOL], t4[8][POOL];
	/* IMIX (7:4:1 of 64, 594, 1518) and 64 B frames */
	static const uint16_t imix[12] = {64, 64,  64,	64,  64,  64,
					  64, 594, 594, 594, 594, 1518};
	/* IPv4 -> IPv6 grows by 20 bytes: the largest IPv4 frame whose
	 * translation fits a 1500-byte IPv6 link is 1494 bytes */
	static const uint16_t imix4[12] = {64, 64,  64,	 64,  64,  64,
					   64, 594, 594, 594, 594, 1494};
	struct rte_mempool *pool = rte_pktmbuf_pool_create(
	    "bench", POOL * 2 + 1023, 256, 0, RTE_PKTMBUF_HEADROOM + 2048, 0);
	if (!pool || rte_pktmbuf_alloc_bulk(pool, mb, POOL)) {
		fprintf(stderr, "bench_dp: mbufs\n");
		return 1;
	}
	/* the sessions: one packet of each flow out, its port noted */
	dp_worker_poll(w); /* the start-up announcements: out of the way */
	for (unsigned s = 0; s < 2; s++) { /* the start-up announcements */
		struct rte_mbuf *m = NULL;
		while (!rte_ring_dequeue(txr[s], (void **)&m) && m)
			rte_pktmbuf_free(m);
	}
	static uint16_t port4[POOL];
	static struct tmpl base[POOL];
	for (unsigned f = 0; f < flows; f++) {
		ip6_udp(&base[f], f, 64);
		ip6_fix_csum(&base[f]);
		restore(mb[0], &base[f]);
		rte_ring_enqueue(rxr[0], mb[0]);
		dp_worker_poll(w);
		struct rte_mbuf *m = NULL;
		if (rte_ring_dequeue(txr[1], (void **)&m) || !m) {
			fprintf(stderr, "bench_dp: flow %u not translated\n",
				f);
			dp_stats_print(dp, stderr);
			return 1;
		}
		const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *) + 14;
		port4[f] = (uint16_t)(ip[20] << 8 | ip[21]);
		mb[0] = m;
	}
	for (unsigned i = 0; i < POOL; i++) {
		unsigned f = (unsigned)((i * 2654435761u) % flows);
		uint16_t sz = imix[i % 12];
		ip6_udp(&t6[1][i], f, sz);
		ip6_fix_csum(&t6[1][i]);
		t6[0][i] = base[f];
		ip4_udp(&t4[0][i], port4[f], 64);
		ip4_udp(&t4[1][i], port4[f], imix4[i % 12]);
	}

	printf("# bench_dp: one worker, NAT64 UDP hit, %u flows, %llu packets "
	       "per run, best of %u\n",
	       flows, (unsigned long long)npkts, reps);
	printf("# worker+gen: the loop as run; worker, l2fwd: net of the "
	       "generator alone (measured in the same run)\n");
	printf("%-12s %12s %12s %12s %10s %12s\n", "case", "worker+gen",
	       "worker", "l2fwd", "ratio", "ns/pkt");
	double hz = (double)rte_get_tsc_hz();
	const char *names[4] = {"6to4 64B", "6to4 IMIX", "4to6 64B",
				"4to6 IMIX"};
	for (unsigned c = 0; c < 4; c++) {
		unsigned side = c < 2 ? 0 : 1;
		struct tmpl(*t)[POOL] = side ? t4 : t6;
		for (unsigned i = 0; i < POOL; i++)
			mt[i] = &t[c & 1][i];
		uint64_t bw = ~0ull, bf = ~0ull, bg = ~0ull;
		for (unsigned r = 0; r < reps; r++) {
			uint64_t tw = run(w, 0, side, npkts);
			uint64_t tf = run(NULL, 1, side, npkts);
			uint64_t tg = run(NULL, 0, side, npkts);
			bw = tw < bw ? tw : bw;
			bf = tf < bf ? tf : bf;
			bg = tg < bg ? tg : bg;
		}
		double n = (double)npkts;
		double mwg = n / ((double)bw / hz) / 1e6;
		double mw = n / ((double)(bw - bg) / hz) / 1e6;
		double mf = n / ((double)(bf - bg) / hz) / 1e6;
		printf("%-12s %10.2f M %10.2f M %10.2f M %10.2f %12.1f\n",
		       names[c], mwg, mw, mf, mw / mf, 1e3 / mw);
	}
	struct dp_stats st;
	struct xlat_stats xs;
	dp_stats_sum(dp, &st, &xs, NULL);
	printf("# translated %llu, dropped %llu, sent %llu\n",
	       (unsigned long long)xs.verdict[XLAT_FORWARD],
	       (unsigned long long)xs.verdict[XLAT_DROP],
	       (unsigned long long)st.tx);
	dp_destroy(dp);
	dp_eal_cleanup();
	return 0;
}
