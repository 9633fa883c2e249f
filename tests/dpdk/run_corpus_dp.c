/*
 * run_corpus_dp.c - the golden packet corpus through the DPDK workers
 * (dataplane/dpdk/dp.c): each case's input is put in an Ethernet frame,
 * handed to a worker whose two ports are net_ring devices, and what the
 * worker transmits is compared, byte for byte after the Ethernet header,
 * with the case's expected output (the core's bytes).  Stateful cases run
 * their steps through one worker with its clock frozen at each step's
 * time.  The EAL runs without hugepages and without PCI.
 *
 * Usage: run_corpus_dp [-v] DIR|FILE...  (prints "corpus-dpdk: N passed,
 * N failed")
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dpdk/dp.h"
#include "dataplane/dpdk/dp_neigh.h"
#include "tests/lib/corpus.h"

/* The lab around the worker: each port's next hop is a static
 * neighbour, so that every output leaves at once. */
static const uint8_t peer6_mac[6] = {0x02, 0, 0, 0, 0x06, 0x01};
static const uint8_t peer4_mac[6] = {0x02, 0, 0, 0, 0x04, 0x01};
static const uint8_t own6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff, 0xfe,
				 0,    0,    0,	   0,	 0,    0,    0,	   1};
static const uint8_t gw6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff, 0xfe,
				0,    0,    0,	  0,	0,    0,    0,	  2};

static struct rte_ring *rx_ring[2], *tx_ring[2];
static struct rte_mempool *in_pool;
static unsigned ncreated;
static int verbose;

static int make_ports(uint16_t *ids)
{
	for (unsigned i = 0; i < 2; i++) {
		char name[32];
		snprintf(name, sizeof(name), "corpus%u_%u", ncreated, i);
		int r =
		    rte_eth_from_rings(name, &rx_ring[i], 1, &tx_ring[i], 1, 0);
		if (r < 0) {
			printf("rte_eth_from_rings: %s\n",
			       rte_strerror(rte_errno));
			return -1;
		}
		ids[i] = (uint16_t)r;
	}
	ncreated++;
	return 0;
}

static void fill_cfg(struct dp_cfg *d, const struct corpus_case *c)
{
	memset(d, 0, sizeof(*d));
	d->mode = c->mode == CORPUS_STATEFUL ? DP_NAT64 : DP_SIIT;
	d->nworkers = 1;
	struct dp_port_cfg *p6 = &d->port[0], *p4 = &d->port[1];
	snprintf(p6->name, sizeof(p6->name), "port6");
	snprintf(p6->device, sizeof(p6->device), "net_ring");
	p6->has6 = 1;
	p6->mtu = 0;
	memcpy(p6->addr6, own6, 16);
	p6->plen6 = 128;
	p6->gw6_set = 1;
	memcpy(p6->gw6, gw6, 16);
	snprintf(p4->name, sizeof(p4->name), "port4");
	snprintf(p4->device, sizeof(p4->device), "net_ring");
	p4->has4 = 1;
	p4->addr4 = rte_cpu_to_be_32(0xcb0071feu); /* 203.0.113.254/32 */
	p4->plen4 = 32;
	p4->gw4_set = 1;
	p4->gw4 = rte_cpu_to_be_32(0xcb0071fdu);
	d->xlat = &c->cfg;
	d->eamt = c->eamt;
	if (d->mode == DP_NAT64)
		d->nat64 = &c->ncfg;
	d->burst = 32;
	d->mbufs = 1023;
	d->neigh.pending_max = 16;
}

static struct dp_static_bib sbib[CORPUS_MAX_STATIC_BIB];

/* A dataplane of one worker for case c, seeded like the core runner. */
static struct dp *setup(const struct corpus_case *c, struct dp_cfg *d)
{
	uint16_t ids[2];
	char err[512];
	fill_cfg(d, c);
	for (unsigned i = 0; i < c->n_static; i++) {
		const struct corpus_static_bib *s = &c->static_bib[i];
		sbib[i].proto = s->proto;
		memcpy(sbib[i].src6, s->src6, 16);
		sbib[i].sport6 = s->sport6;
		sbib[i].addr4 = s->addr4;
		sbib[i].port4 = s->port4;
	}
	d->static_bib = c->n_static ? sbib : NULL;
	d->n_static_bib = c->n_static;
	if (make_ports(ids))
		return NULL;
	struct dp *dp = dp_create(d, ids, err, sizeof(err));
	if (!dp) {
		printf("FAIL %s\n  dp_create: %s\n", c->path, err);
		return NULL;
	}
	if (dp_start(dp, err, sizeof(err))) {
		printf("FAIL %s\n  dp_start: %s\n", c->path, err);
		dp_destroy(dp);
		return NULL;
	}
	dp_neigh_set_static(dp_neigh_table(dp), 0, 1, gw6, peer6_mac);
	uint8_t g4[16] = {0};
	memcpy(g4, &d->port[1].gw4, 4);
	dp_neigh_set_static(dp_neigh_table(dp), 1, 0, g4, peer4_mac);
	struct xlat_ctx *x = dp_worker_xlat(dp_worker(dp, 0));
	/* the core runner's seeds: same RFC 6791 choice, same IDs */
	xlat_ctx_init(x, &c->cfg, c->eamt, x->st, 1);
	x->ip4_id = c->id_seed;
	return dp;
}

/* Feed one packet as received on side (0: IPv6 port, 1: IPv4 port). */
static int feed(struct dp *dp, unsigned side, const uint8_t *pkt, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(in_pool);
	if (!m)
		return -1;
	uint8_t *e = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(len + 14));
	if (!e) {
		rte_pktmbuf_free(m);
		return -1;
	}
	struct rte_ether_addr own;
	rte_eth_macaddr_get(0, &own); /* any: the worker does not check dst */
	memcpy(e, own.addr_bytes, 6);
	memcpy(e + 6, side ? peer4_mac : peer6_mac, 6);
	/* the link says the family, not the packet (a wrong version
	 * nibble must reach the core) */
	e[12] = side ? 0x08 : 0x86;
	e[13] = side ? 0x00 : 0xdd;
	memcpy(e + 14, pkt, len);
	dp_worker_input(dp_worker(dp, 0), side, &m, 1);
	dp_worker_flush(dp_worker(dp, 0));
	return 0;
}

struct out {
	unsigned n;
	struct rte_mbuf *m[CORPUS_MAX_OUT + 1];
	unsigned side[CORPUS_MAX_OUT + 1];
};

static void drain(struct out *o)
{
	o->n = 0;
	for (unsigned s = 0; s < 2; s++) {
		void *m;
		while (rte_ring_dequeue(tx_ring[s], &m) == 0) {
			if (o->n <= CORPUS_MAX_OUT) {
				o->side[o->n] = s;
				o->m[o->n++] = m;
			} else {
				rte_pktmbuf_free(m);
			}
		}
	}
}

static void out_free(struct out *o)
{
	for (unsigned i = 0; i < o->n; i++)
		rte_pktmbuf_free(o->m[i]);
	o->n = 0;
}

/* Compare the frames with the expected packets; 1 when equal. */
static int compare(const char *path, const char *what, struct out *o,
		   unsigned side, unsigned n_want, uint8_t *const *want,
		   const uint32_t *want_len)
{
	if (o->n != n_want) {
		printf("FAIL %s\n  %s: want %u packets, got %u\n", path, what,
		       n_want, o->n);
		return 0;
	}
	for (unsigned i = 0; i < o->n; i++) {
		const uint8_t *f = rte_pktmbuf_mtod(o->m[i], const uint8_t *);
		uint32_t len = o->m[i]->data_len;
		const uint8_t *peer = o->side[i] ? peer4_mac : peer6_mac;
		if (o->side[i] != side) {
			printf(
			    "FAIL %s\n  %s: output %u left by the IPv%c port\n",
			    path, what, i, o->side[i] ? '4' : '6');
			return 0;
		}
		if (len < 14 || memcmp(f, peer, 6)) {
			printf("FAIL %s\n  %s: output %u: not to the next hop "
			       "(Ethernet destination)\n",
			       path, what, i);
			return 0;
		}
		int v6 = (f[14] >> 4) == 6;
		if (f[12] != (v6 ? 0x86 : 0x08) || f[13] != (v6 ? 0xdd : 0)) {
			printf("FAIL %s\n  %s: output %u: wrong EtherType\n",
			       path, what, i);
			return 0;
		}
		if (len - 14 != want_len[i] ||
		    memcmp(f + 14, want[i], len - 14)) {
			printf("FAIL %s\n  %s: output %u differs (want %u "
			       "bytes, got %u):\n",
			       path, what, i, want_len[i], len - 14);
			corpus_hexdiff(stdout, want[i], want_len[i], f + 14,
				       len - 14);
			return 0;
		}
	}
	return 1;
}

/* The port a verdict sends to: 0 the IPv6 one, 1 the IPv4 one. */
static unsigned out_side(enum xlat_verdict v, enum corpus_dir dir)
{
	if (v == XLAT_FORWARD)
		return dir == CORPUS_6TO4 ? 1 : 0;
	if (v == XLAT_ICMP)
		return dir == CORPUS_6TO4 ? 0 : 1;
	return 0; /* hairpin, fragments */
}

/* Was the packet decided as the case says?  The core counts its verdict;
 * a DROP may also come from the glue before the core (multicast and
 * broadcast destinations are never translated, dp.c). */
static int verdict_ok(struct dp *dp, const struct xlat_stats *before,
		      const struct dp_stats *dbefore, enum xlat_verdict want,
		      enum xlat_reason reason)
{
	struct xlat_stats xs;
	struct dp_stats ds;
	dp_stats_sum(dp, &ds, &xs, NULL);
	/* NAT64 hairpinning counts its two legs as FORWARD: the port the
	 * output left by and its bytes say it all (compare) */
	if (want == XLAT_HAIRPIN)
		return xs.verdict[XLAT_FORWARD] ==
			   before->verdict[XLAT_FORWARD] + 2 ||
		       xs.verdict[XLAT_HAIRPIN] ==
			   before->verdict[XLAT_HAIRPIN] + 1;
	if (xs.verdict[want] == before->verdict[want] + 1 &&
	    (reason == XLAT_R_NONE ||
	     xs.reason[reason] == before->reason[reason] + 1))
		return 1;
	if (want == XLAT_DROP || want == XLAT_PASS) {
		uint64_t glue =
		    ds.l3_bcast - dbefore->l3_bcast + ds.runt - dbefore->runt;
		for (unsigned r = 1; r < DP_L2_R_MAX; r++)
			glue += ds.l2[r] - dbefore->l2[r];
		return glue == 1;
	}
	return 0;
}

static int run_stateless(struct corpus_case *c)
{
	struct dp_cfg d;
	struct dp *dp = setup(c, &d);
	if (!dp)
		return 0;
	struct xlat_stats xs;
	struct dp_stats ds;
	struct out o;
	dp_stats_sum(dp, &ds, &xs, NULL);
	feed(dp, c->dir == CORPUS_6TO4 ? 0 : 1, c->in, c->in_len);
	drain(&o);
	int ok = verdict_ok(dp, &xs, &ds, c->expect, c->reason);
	if (!ok)
		printf("FAIL %s\n  verdict: want %s/%s: not counted so\n",
		       c->path, xlat_verdict_name(c->expect),
		       xlat_reason_name(c->reason));
	unsigned n_want =
	    c->expect == XLAT_DROP || c->expect == XLAT_PASS ? 0 : c->n_out;
	ok = ok && compare(c->path, "packet", &o, out_side(c->expect, c->dir),
			   n_want, c->out, c->out_len);
	out_free(&o);
	dp_destroy(dp);
	return ok;
}

static int run_stateful(struct corpus_case *c)
{
	struct dp_cfg d;
	struct dp *dp = setup(c, &d);
	if (!dp)
		return 0;
	struct dp_worker *w = dp_worker(dp, 0);
	int ok = 1;
	for (unsigned i = 0; ok && i < c->n_steps; i++) {
		const struct corpus_step *sp = &c->steps[i];
		struct xlat_stats xs;
		struct dp_stats ds;
		struct out o;
		char what[64];
		snprintf(what, sizeof(what), "step %u (line %d)", i + 1,
			 sp->line);
		dp_worker_set_clock(w, 1000 + sp->t);
		dp_stats_sum(dp, &ds, &xs, NULL);
		if (sp->dir == CORPUS_TICK) {
			dp_worker_tick(w);
			dp_worker_flush(w);
			drain(&o);
			ok = compare(c->path, what, &o, 1, sp->n_out, sp->out,
				     sp->out_len);
			out_free(&o);
			continue;
		}
		feed(dp, sp->dir == CORPUS_6TO4 ? 0 : 1, sp->in, sp->in_len);
		drain(&o);
		if (!verdict_ok(dp, &xs, &ds, sp->expect, sp->reason)) {
			printf("FAIL %s\n  %s: verdict: want %s/%s: not "
			       "counted so\n",
			       c->path, what, xlat_verdict_name(sp->expect),
			       xlat_reason_name(sp->reason));
			ok = 0;
		}
		unsigned n_want =
		    sp->expect == XLAT_DROP || sp->expect == XLAT_PASS
			? 0
			: sp->n_out;
		ok = ok &&
		     compare(c->path, what, &o, out_side(sp->expect, sp->dir),
			     n_want, sp->out, sp->out_len);
		out_free(&o);
	}
	dp_destroy(dp);
	return ok;
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
		       "512",
		       "--no-shconf",
		       prefix,
		       "--log-level",
		       "lib.eal:error",
		       NULL};
	int passed = 0, failed = 0;
	int eargc = (int)(sizeof(eal) / sizeof(*eal)) - 1;

	if (rte_eal_init(eargc, eal) < 0) {
		fprintf(stderr, "run_corpus_dp: EAL start failed: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	for (unsigned i = 0; i < 2; i++) {
		char name[16];
		snprintf(name, sizeof(name), "crx%u", i);
		rx_ring[i] = rte_ring_create(name, 1024, 0,
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "ctx%u", i);
		tx_ring[i] = rte_ring_create(name, 1024, 0,
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
	}
	in_pool = rte_pktmbuf_pool_create("corpus_in", 1023, 0, 0,
					  RTE_PKTMBUF_HEADROOM + 4096, 0);
	if (!rx_ring[0] || !rx_ring[1] || !tx_ring[0] || !tx_ring[1] ||
	    !in_pool) {
		fprintf(stderr, "run_corpus_dp: rings/pool: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	char **paths;
	size_t npaths;
	if (argc > 1 && !strcmp(argv[1], "-v"))
		verbose = 1;
	if (corpus_list(argv + 1 + verbose, argc - 1 - verbose, &paths,
			&npaths))
		return 2;
	for (size_t i = 0; i < npaths; i++) {
		struct corpus_case c;
		char err[1024];
		int ok;
		if (corpus_load(paths[i], &c, err, sizeof(err))) {
			printf("FAIL %s\n  cannot load: %s\n", paths[i], err);
			ok = 0;
		} else {
			ok = c.mode == CORPUS_STATEFUL ? run_stateful(&c)
						       : run_stateless(&c);
		}
		corpus_free(&c);
		if (ok && verbose)
			printf("ok   %s\n", paths[i]);
		if (ok)
			passed++;
		else
			failed++;
		free(paths[i]);
	}
	free(paths);
	printf("corpus-dpdk: %d passed, %d failed\n", passed, failed);
	dp_eal_cleanup();
	return failed || !passed ? 1 : 0;
}
