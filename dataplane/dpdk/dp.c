/*
 * dp.c - the DPDK dataplane: port set-up, the worker loop, the glue
 * between mbufs and the translation core, ARP/ND and the neighbour wait
 * queue.  See dp.h for the contract and docs/dpdk.md for the design.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "dataplane/dpdk/dp.h"
#include "dataplane/dpdk/dp_neigh.h"
#include "dataplane/xlat/nat64.h"

#define DP_BURST_MAX   64
#define DP_TXB	       64
#define DP_RXD	       1024
#define DP_TXD	       1024
#define DP_RING	       4096 /* hand-off queue of a worker */
#define DP_LOG_RING    65536
#define DP_NEIGH_SLOTS 4096
#define DP_WAIT_MS     3000 /* a held packet waits this long for ARP/ND */
#define DP_TICK_MS     100  /* housekeeping period */
#define DP_FRAG_MAX    48   /* fragments of one packet (65535 / 1280 + 1) */
#define DP_ETH_ROOM    (RTE_PKTMBUF_HEADROOM + 2048)
#define DP_ICMP_MAX    1500 /* an ICMP error from nat64_tick fits this */

struct dp_port {
	uint16_t id;	 /* DPDK port id */
	uint16_t queue0; /* unused: every worker uses queue = its index */
	const struct dp_port_cfg *cfg;
	struct dp_l2_port l2;
	uint32_t mask4; /* on-link IPv4 netmask, network order */
	uint32_t bcast4;
};

struct dp_txq {
	uint16_t n;
	struct rte_mbuf *m[DP_TXB];
};

/* The worker's memory of recent next hops (dp_neigh_gen): most packets
 * go to a handful of them. */
#define DP_NHC	  16
#define DP_NHC_MS 1000

struct dp_nhc {
	uint8_t ip[16];
	uint8_t mac[6];
	uint8_t is6, pi;
	uint64_t gen, until;
};

struct dp_held {
	struct rte_mbuf *m;
	uint64_t since; /* ms */
	uint8_t pi, is6;
	uint8_t ip[16]; /* the next hop */
};

struct dp_worker {
	struct dp *dp;
	unsigned id;
	int stateful;
	struct rte_mempool *pool;
	struct rte_ring *in; /* hand-off from the other workers */
	struct dp_stats st;
	struct dp_txq tx[2];
	struct xlat_ctx x;
	struct xlat_stats xst;
	struct nat64 n64;
	struct nat64_db *db;
	struct nat64_log_ring log;
	int has_log;
	struct dp_held *held; /* cfg->neigh.pending_max slots, FIFO */
	unsigned nheld, held_max;
	uint64_t now_ms, next_tick_ms, t0_tsc;
	double ms_per_tsc;
	uint32_t frozen; /* tests: clock fixed at this many seconds */
	uint8_t announced;
	uint8_t learned;   /* the neighbour cache changed: retry the held */
	uint64_t busy_tsc; /* TSC cycles of iterations that had frames */
	/* the control thread's question (dp_dump_request) and the answer */
	_Atomic int dump_state; /* 0 idle, 1 asked, 2 answered */
	uint8_t dump_kind;
	uint32_t dump_start, dump_max, dump_n, dump_next;
	struct dp_dump_entry *dump_out;
	uint8_t dump_key[16];
	/* a reload (dp_reconfig) */
	_Atomic int rcfg_state; /* 0 idle, 1 asked, 2 done */
	/* a pool4 change (dp_pool4_swap): 0 run, 1 asked to park, 2 parked
	 * (until the control thread sets 0 again) */
	_Atomic int park_state;
	struct dp_nhc nhc[DP_NHC];
	/* mode = hybrid, NAT64 (dp_xdp_export_enable): the sessions this
	 * worker translated, for the XDP maps (to the control thread), and
	 * the XDP maps' `last` (from it); NULL otherwise */
	struct rte_ring *xout, *xlast;
	uint32_t xclock;  /* CLOCK_MONOTONIC s = the core's now + xclock */
	struct dp_xseen { /* what was exported lately, by session index */
		uint32_t sess;
		uint8_t state, timer;
		uint64_t at_ms;
	} * xseen; /* DP_XSEEN entries */
} __rte_cache_aligned;

struct dp {
	const struct dp_cfg *cfg;
	/* the reload being applied (dp_reconfig) */
	const struct xlat_cfg *rc_x;
	const struct xlat_eamt *rc_e;
	const struct nat64_cfg *rc_n;
	const struct dp_static_bib *rc_sb;
	unsigned rc_nsb;
	/* the NAT64 configuration in use (pool4 for steering, ARP and the
	 * control plane): cfg->nat64 at start, then the last reload's */
	const struct nat64_cfg *nc;
	unsigned nports;
	unsigned side6, side4; /* port index of each family */
	struct dp_port port[2];
	struct dp_neigh *neigh;
	unsigned nw;
	struct dp_worker *w[DP_WORKERS_MAX];
	uint8_t pool6[16];
	struct rfc6052_pfx xpool6; /* hybrid: the maps' pool6 */
	atomic_int stop;
	int started;
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

static uint32_t rnd32(void)
{
	uint32_t r = 0;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)rte_rdtsc();
	return r ? r : 0x9e3779b9u;
}

static uint32_t mask4(uint8_t plen)
{
	return plen ? rte_cpu_to_be_32(~0u << (32 - plen)) : 0;
}

static int in_prefix6(const uint8_t *a, const uint8_t *p, uint8_t plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	if (memcmp(a, p, full))
		return 0;
	if (!rest)
		return 1;
	uint8_t m = (uint8_t)(0xff << (8 - rest));
	return (a[full] & m) == (p[full] & m);
}

static void w_clock(struct dp_worker *w)
{
	if (w->frozen) {
		w->now_ms = (uint64_t)w->frozen * 1000;
	} else {
		uint64_t d = rte_rdtsc() - w->t0_tsc;
		w->now_ms = 1000 + (uint64_t)((double)d * w->ms_per_tsc);
	}
	w->x.now_ns = w->now_ms * 1000000ull;
	w->n64.now = (uint32_t)(w->now_ms / 1000);
}

/* ------------------------------------------------------------------ */
/* Transmit                                                             */

static void tx_flush_port(struct dp_worker *w, unsigned pi)
{
	struct dp_txq *q = &w->tx[pi];
	if (!q->n)
		return;
	uint16_t sent =
	    rte_eth_tx_burst(w->dp->port[pi].id, (uint16_t)w->id, q->m, q->n);
	w->st.tx += sent;
	if (sent < q->n) {
		w->st.tx_full += q->n - sent;
		rte_pktmbuf_free_bulk(q->m + sent, q->n - sent);
	}
	q->n = 0;
}

void dp_worker_flush(struct dp_worker *w)
{
	for (unsigned pi = 0; pi < w->dp->nports; pi++)
		tx_flush_port(w, pi);
}

static void tx_frame(struct dp_worker *w, unsigned pi, struct rte_mbuf *m)
{
	struct dp_txq *q = &w->tx[pi];
	q->m[q->n++] = m;
	if (q->n == DP_TXB)
		tx_flush_port(w, pi);
}

/* A frame the gateway writes itself (probe, announcement). */
static struct rte_mbuf *new_frame(struct dp_worker *w, uint8_t **buf)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	if (!m) {
		w->st.nombuf++;
		return NULL;
	}
	*buf = rte_pktmbuf_mtod(m, uint8_t *);
	return m;
}

static void send_built(struct dp_worker *w, unsigned pi, struct rte_mbuf *m,
		       uint32_t len)
{
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	tx_frame(w, pi, m);
}

static void send_probe(struct dp_worker *w, unsigned pi, int is6,
		       const uint8_t *ip)
{
	const struct dp_port *p = &w->dp->port[pi];
	uint8_t *b;
	struct rte_mbuf *m = new_frame(w, &b);
	if (!m)
		return;
	uint32_t len;
	if (is6) {
		/* RFC 4861 §7.2.2: from an address of the interface; the
		 * link-local one for link-local targets */
		const uint8_t *src =
		    (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80) || !p->cfg->has6
			? p->l2.ll6
			: p->l2.addr6;
		len = dp_nd_solicit(b, p->l2.mac, src, ip);
	} else {
		uint32_t tip;
		memcpy(&tip, ip, 4);
		len = dp_arp_request(b, p->l2.mac, p->l2.addr4, tip);
	}
	w->st.neigh_probes++;
	send_built(w, pi, m, len);
}

/* Gratuitous ARP and unsolicited NA for what the gateway answers for
 * (RFC 5227 §3, RFC 4861 §7.2.6), once at start, by worker 0. */
static void announce(struct dp_worker *w)
{
	struct dp *dp = w->dp;
	const struct nat64_cfg *nc = dp->nc;
	for (unsigned pi = 0; pi < dp->nports; pi++) {
		const struct dp_port *p = &dp->port[pi];
		uint8_t *b;
		struct rte_mbuf *m;
		if (p->cfg->has4) {
			uint32_t last = 0;
			if ((m = new_frame(w, &b))) {
				send_built(w, pi, m,
					   dp_arp_gratuitous(b, p->l2.mac,
							     p->l2.addr4));
				w->st.announce++;
			}
			for (unsigned i = 0;
			     nc && dp->cfg->mode == DP_NAT64 && i < nc->pool4.n;
			     i++) {
				uint32_t a = nc->pool4.r[i].addr;
				if (a == last)
					continue;
				last = a;
				if (!(m = new_frame(w, &b)))
					break;
				send_built(
				    w, pi, m,
				    dp_arp_gratuitous(b, p->l2.mac,
						      rte_cpu_to_be_32(a)));
				w->st.announce++;
			}
		}
		if (p->cfg->has6 && (m = new_frame(w, &b))) {
			send_built(
			    w, pi, m,
			    dp_nd_advertise(b, p->l2.mac, p->l2.addr6, 1));
			w->st.announce++;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Output: next hop, neighbour, Ethernet header                         */

/* Put the Ethernet header on an IP packet (at mtod) and queue it, or hold
 * it until its next hop answers. */
static void emit(struct dp_worker *w, unsigned pi, struct rte_mbuf *m)
{
	struct dp *dp = w->dp;
	const struct dp_port *p = &dp->port[pi];
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	uint8_t nh[16] = {0};
	int is6 = (ip[0] >> 4) == 6;

	if (is6) {
		const uint8_t *dst = ip + 24;
		if ((dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80) ||
		    in_prefix6(dst, p->cfg->addr6, p->cfg->plen6))
			memcpy(nh, dst, 16);
		else if (p->cfg->gw6_set)
			memcpy(nh, p->cfg->gw6, 16);
		else
			goto no_route;
	} else {
		uint32_t dst;
		memcpy(&dst, ip + 16, 4);
		if (!((dst ^ p->cfg->addr4) & p->mask4))
			memcpy(nh, &dst, 4);
		else if (p->cfg->gw4_set)
			memcpy(nh, &p->cfg->gw4, 4);
		else
			goto no_route;
	}

	struct dp_neigh_info ni;
	struct dp_nhc *c = &w->nhc[(nh[15] ^ nh[3] ^ pi) & (DP_NHC - 1)];
	uint64_t gen = dp_neigh_gen(dp->neigh);
	int have;
	if (c->gen == gen && c->until > w->now_ms && c->pi == pi &&
	    c->is6 == is6 && !memcmp(c->ip, nh, 16)) {
		memcpy(ni.mac, c->mac, 6);
		have = 1;
	} else {
		have = dp_neigh_lookup(dp->neigh, (uint16_t)pi, is6, nh,
				       w->now_ms, &ni);
		if (ni.probe_due) {
			send_probe(w, pi, is6, nh);
		} else if (have && (ni.state == DP_NEIGH_REACHABLE ||
				    ni.state == DP_NEIGH_STATIC)) {
			memcpy(c->ip, nh, 16);
			memcpy(c->mac, ni.mac, 6);
			c->is6 = (uint8_t)is6;
			c->pi = (uint8_t)pi;
			c->gen = gen;
			c->until = w->now_ms + DP_NHC_MS;
		}
	}
	if (have) {
		uint8_t *e = (uint8_t *)rte_pktmbuf_prepend(m, DP_ETH_LEN);
		memcpy(e, ni.mac, 6);
		memcpy(e + 6, p->l2.mac, 6);
		e[12] = is6 ? 0x86 : 0x08;
		e[13] = is6 ? 0xdd : 0x00;
		tx_frame(w, pi, m);
		return;
	}
	if (w->nheld == w->held_max) {
		w->st.neigh_wait_full++;
		rte_pktmbuf_free(m);
		return;
	}
	struct dp_held *h = &w->held[w->nheld++];
	h->m = m;
	h->since = w->now_ms;
	h->pi = (uint8_t)pi;
	h->is6 = (uint8_t)is6;
	memcpy(h->ip, nh, 16);
	w->st.neigh_wait++;
	return;
no_route:
	w->st.no_route++;
	rte_pktmbuf_free(m);
}

static void translate(struct dp_worker *w, unsigned pi, struct rte_mbuf *m,
		      int from6);

/* RFC 4861 §7.2.2 (RFC 1812 §5.2.7.1 for IPv4): a packet whose next hop
 * never answered becomes an ICMP Destination Unreachable for its source,
 * which is on the other side of the translator: the error is translated
 * as if it had arrived on this port, and goes back to the sender. */
static void unreachable(struct dp_worker *w, struct dp_held *h)
{
	struct rte_mbuf *m = h->m;
	struct xlat_pkt pkt = {rte_pktmbuf_mtod(m, uint8_t *), m->data_len};
	enum xlat_reason r;
	if (rte_pktmbuf_headroom(m) < XLAT_HEADROOM + 48 ||
	    xlat_unreachable(&w->x, &pkt, &r) != XLAT_ICMP) {
		rte_pktmbuf_free(m);
		return;
	}
	m->data_off = (uint16_t)(pkt.data - (uint8_t *)m->buf_addr);
	m->data_len = (uint16_t)pkt.len;
	m->pkt_len = pkt.len;
	w->st.neigh_unreach++;
	translate(w, h->pi, m, h->is6);
}

/* Send what waited for a neighbour that is known now; drop what waited
 * too long.  Order is kept. */
static void retry_held(struct dp_worker *w)
{
	/* the errors for the packets that waited too long are sent after
	 * the queue is compacted: sending one may hold it in turn */
	struct dp_held gone[32];
	unsigned k = 0, ngone = 0;
	for (unsigned i = 0; i < w->nheld; i++) {
		struct dp_held *h = &w->held[i];
		struct dp_neigh_info ni;
		int have = dp_neigh_lookup(w->dp->neigh, h->pi, h->is6, h->ip,
					   w->now_ms, &ni);
		if (ni.probe_due)
			send_probe(w, h->pi, h->is6, h->ip);
		if (have) {
			struct rte_mbuf *m = h->m;
			uint8_t *e =
			    (uint8_t *)rte_pktmbuf_prepend(m, DP_ETH_LEN);
			memcpy(e, ni.mac, 6);
			memcpy(e + 6, w->dp->port[h->pi].l2.mac, 6);
			e[12] = h->is6 ? 0x86 : 0x08;
			e[13] = h->is6 ? 0xdd : 0x00;
			tx_frame(w, h->pi, m);
		} else if (w->now_ms - h->since >= DP_WAIT_MS &&
			   ngone < sizeof(gone) / sizeof(gone[0])) {
			w->st.neigh_unresolved++;
			gone[ngone++] = *h;
		} else { /* still waiting (or its error waits for the next
			    round) */
			w->held[k++] = *h;
		}
	}
	w->nheld = k;
	for (unsigned i = 0; i < ngone; i++)
		unreachable(w, &gone[i]);
}

/* ------------------------------------------------------------------ */
/* Translation                                                          */

static void fragment(struct dp_worker *w, unsigned pi, struct rte_mbuf *m,
		     const struct xlat_pkt *pkt)
{
	struct rte_mbuf *fm[DP_FRAG_MAX];
	struct xlat_pkt out[DP_FRAG_MAX];
	unsigned need = pkt->len / 1200 + 2;
	if (need > DP_FRAG_MAX)
		need = DP_FRAG_MAX;
	if (rte_pktmbuf_alloc_bulk(w->pool, fm, need)) {
		w->st.nombuf++;
		rte_pktmbuf_free(m);
		return;
	}
	for (unsigned i = 0; i < need; i++)
		out[i].data = rte_pktmbuf_mtod(fm[i], uint8_t *);
	int n = xlat_frag6(&w->x, pkt, out, need);
	rte_pktmbuf_free(m);
	if (n < 0) {
		w->st.nombuf++;
		n = 0;
	}
	for (unsigned i = 0; i < need; i++) {
		if ((int)i < n) {
			fm[i]->data_len = (uint16_t)out[i].len;
			fm[i]->pkt_len = out[i].len;
			w->st.bytes_4to6_out += out[i].len;
			emit(w, pi, fm[i]);
		} else {
			rte_pktmbuf_free(fm[i]);
		}
	}
}

/* ------------------------------------------------------------------ */
/* mode = hybrid, NAT64: the sessions into the XDP program's maps       */

#define DP_XSEEN 256u /* a power of two */

/* A NAT64 packet's IPv4 side, host order: addr4/port4 the pool4 end,
 * raddr4/rport the remote (ICMP echo: port4 the identifier, rport 0, as
 * the core keys its sessions). */
struct xtuple {
	uint8_t ok, proto; /* enum nat64_proto */
	uint16_t port4, rport;
	uint32_t addr4, raddr4;
};

/* out = 1: an IPv4 packet the gateway sends (the pool4 end is the
 * source); 0: one it received (the destination). */
static void xtuple_of(const uint8_t *ip, uint32_t len, int out,
		      struct xtuple *t)
{
	unsigned hl = (ip[0] & 15) * 4u;
	uint32_t src, dst;
	t->ok = 0;
	if (len < 20 || hl < 20 || len < hl + 8 || (ip[6] & 0x1f) || ip[7])
		return; /* not a first fragment: no ports */
	const uint8_t *l4 = ip + hl;
	uint16_t sp = (uint16_t)(l4[0] << 8 | l4[1]);
	uint16_t dpt = (uint16_t)(l4[2] << 8 | l4[3]);
	switch (ip[9]) {
	case 6: t->proto = NAT64_TCP; break;
	case 17: t->proto = NAT64_UDP; break;
	case 1:
		if (l4[0] != 0 && l4[0] != 8)
			return; /* an error: its flow is another packet's */
		t->proto = NAT64_ICMP;
		sp = dpt = (uint16_t)(l4[4] << 8 | l4[5]);
		break;
	default: return;
	}
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	t->addr4 = rte_be_to_cpu_32(out ? src : dst);
	t->raddr4 = rte_be_to_cpu_32(out ? dst : src);
	t->port4 = out ? sp : dpt;
	t->rport = t->proto == NAT64_ICMP ? 0 : out ? dpt : sp;
	t->ok = 1;
}

/* Every NAT64 packet a worker translates in hybrid is one XDP did not
 * (a new flow, a TCP SYN/FIN/RST or state change, one the program
 * refused): its session, as it is now, goes to the control thread,
 * which writes it into the maps.  A full ring loses the update (counted
 * in no counter yet): the flow's next packet comes here again. */
static void xdp_export(struct dp_worker *w, const struct xtuple *t)
{
	struct dp_xdp_sess e;
	struct nat64_bib *b;
	if (!t->ok)
		return;
	struct nat64_sess *s = nat64_hit4(w->db, t->proto, t->addr4, t->port4,
					  t->raddr4, t->rport, w->n64.now, &b);
	if (!s)
		return;
	/* the packets of a flow that reach the worker until the control
	 * thread has written its entries (a few ms) export it once */
	uint32_t idx = (uint32_t)(s - nat64_sess_get(w->db, 0));
	struct dp_xseen *seen = &w->xseen[idx & (DP_XSEEN - 1)];
	if (seen->sess == idx && seen->state == s->state &&
	    seen->timer == s->timer && w->now_ms - seen->at_ms < 100)
		return;
	*seen = (struct dp_xseen){idx, s->state, s->timer, w->now_ms};
	if (xdp_sess_from_nat64(b, s, &w->dp->xpool6, &w->dp->nc->pool4,
				w->xclock, &e.k6, &e.v6, &e.k4, &e.v4))
		return;
	if (rte_ring_enqueue_elem(w->xout, &e, sizeof(e)))
		w->st.xdp_export_full++; /* counted, never silent */
}

/* The maps' `last` (CLOCK_MONOTONIC s) into the worker's sessions: XDP
 * translated their packets, the core must not expire them.  At the
 * worker's tick, before its sweep. */
static void xdp_last_apply(struct dp_worker *w)
{
	struct dp_xdp_last l;
	while (rte_ring_dequeue_elem(w->xlast, &l, sizeof(l)) == 0) {
		uint16_t p4 = rte_be_to_cpu_16(l.k4.port4);
		uint16_t rp = rte_be_to_cpu_16(l.k4.rport); /* ICMP: 0 */
		uint32_t b = nat64_bib_find4(w->db, l.k4.proto,
					     rte_be_to_cpu_32(l.k4.addr4), p4);
		if (b == NAT64_NONE)
			continue;
		uint32_t i = nat64_sess_find(w->db, b,
					     rte_be_to_cpu_32(l.k4.raddr4), rp);
		struct nat64_sess *s =
		    i == NAT64_NONE ? NULL : nat64_sess_get(w->db, i);
		if (s && l.last > w->xclock && l.last - w->xclock > s->last)
			s->last = l.last - w->xclock;
	}
}

int dp_xdp_export_enable(struct dp *dp, char *err, size_t errlen)
{
	struct timespec ts;
	if (dp->cfg->mode != DP_NAT64)
		return 0;
	rfc6052_pfx_init(&dp->xpool6, dp->cfg->xlat->pool6.addr,
			 dp->cfg->xlat->pool6.len);
	for (unsigned i = 0; i < dp->nw; i++) {
		struct dp_worker *w = dp->w[i];
		char n1[RTE_RING_NAMESIZE], n2[RTE_RING_NAMESIZE];
		snprintf(n1, sizeof(n1), "g64_xout%u", i);
		snprintf(n2, sizeof(n2), "g64_xlast%u", i);
		w->xout = rte_ring_create_elem(n1, sizeof(struct dp_xdp_sess),
					       DP_XDP_RING, SOCKET_ID_ANY,
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
		w->xlast = rte_ring_create_elem(n2, sizeof(struct dp_xdp_last),
						DP_XDP_LAST_RING, SOCKET_ID_ANY,
						RING_F_SP_ENQ | RING_F_SC_DEQ);
		w->xseen = rte_zmalloc_socket("gate64_xseen",
					      DP_XSEEN * sizeof(*w->xseen), 64,
					      SOCKET_ID_ANY);
		if (!w->xout || !w->xlast || !w->xseen) {
			snprintf(err, errlen, "hybrid: worker %u's rings: %s",
				 i, rte_strerror(rte_errno));
			return -ENOMEM;
		}
		w_clock(w);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		w->xclock = (uint32_t)ts.tv_sec - w->n64.now;
	}
	return 0;
}

unsigned dp_xdp_export_drain(struct dp *dp, struct dp_xdp_sess *out,
			     unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < dp->nw && n < max; i++)
		if (dp->w[i]->xout)
			n += rte_ring_dequeue_burst_elem(dp->w[i]->xout,
							 out + n, sizeof(*out),
							 max - n, NULL);
	return n;
}

int dp_xdp_adopt(struct dp *dp, const struct xdp_sess4_key *k4,
		 const struct xdp_sess4_val *v4, uint32_t last)
{
	struct dp_worker *w = dp->w[dp_owner6(dp, v4->src6)];
	struct nat64_adopt a;
	if (!w->db || !w->xout)
		return -ENOENT;
	memset(&a, 0, sizeof(a));
	a.proto = k4->proto;
	a.state = v4->state;
	a.timer = v4->timer;
	memcpy(a.src6, v4->src6, 16);
	a.sport6 = rte_be_to_cpu_16(v4->sport6);
	a.port4 = rte_be_to_cpu_16(k4->port4);
	a.rport = rte_be_to_cpu_16(k4->rport);
	a.addr4 = rte_be_to_cpu_32(k4->addr4);
	a.raddr4 = rte_be_to_cpu_32(k4->raddr4);
	/* older than the worker's clock can say: as old as it can (the
	 * core then keeps it at most that much longer than XDP does) */
	a.last = last > w->xclock ? last - w->xclock : 0;
	return nat64_sess_adopt(w->db, &a, w->n64.now);
}

int dp_xdp_last_post(struct dp *dp, const struct dp_xdp_last *l)
{
	unsigned o =
	    dp->nw == 1
		? 0
		: pool4_owner(&dp->nc->pool4, rte_be_to_cpu_32(l->k4.addr4),
			      l->k4.proto, rte_be_to_cpu_16(l->k4.port4));
	if (o >= dp->nw || !dp->w[o]->xlast)
		return -ENOENT;
	struct dp_xdp_last c = *l; /* the ring API takes no const */
	return rte_ring_enqueue_elem(dp->w[o]->xlast, &c, sizeof(c));
}

/* One IP packet (Ethernet header already removed) from side 'from6'.
 * Inlined into the burst loop: the per-packet path has no call (the
 * compiler stopped inlining it by itself as the file grew: +2 % of the
 * worker's instructions, callgrind). */
static inline __attribute__((always_inline)) void
translate(struct dp_worker *w, unsigned pi, struct rte_mbuf *m, int from6)
{
	struct dp *dp = w->dp;
	struct xlat_pkt pkt = {rte_pktmbuf_mtod(m, uint8_t *), m->data_len};
	enum xlat_reason r;
	enum xlat_verdict v;

	/* hybrid NAT64: an IPv4 packet's tuple, before it is rewritten */
	struct xtuple t4;
	t4.ok = 0;
	if (unlikely(w->xout != NULL) && !from6)
		xtuple_of(pkt.data, pkt.len, 0, &t4);
	/* bytes per direction: one add on the worker's own counters, in
	 * and (below) out, IP bytes as the core sees them */
	if (from6) {
		w->st.bytes_6to4_in += pkt.len;
		v = w->stateful ? nat64_6to4(&w->n64, &pkt, &r)
				: xlat_6to4(&w->x, &pkt, &r);
	} else {
		w->st.bytes_4to6_in += pkt.len;
		v = w->stateful ? nat64_4to6(&w->n64, &pkt, &r)
				: xlat_4to6(&w->x, &pkt, &r);
	}

	unsigned out;
	switch (v) {
	case XLAT_FORWARD:
		if (unlikely(w->xout != NULL)) { /* hybrid NAT64: the
						   session to XDP's maps */
			if (from6)
				xtuple_of(pkt.data, pkt.len, 1, &t4);
			xdp_export(w, &t4);
		}
		out = from6 ? dp->side4 : dp->side6;
		if (from6)
			w->st.bytes_6to4_out += pkt.len;
		else
			w->st.bytes_4to6_out += pkt.len;
		break;
	case XLAT_HAIRPIN: /* leaves on the IPv6 side, as a 4to6 packet */
		out = dp->side6;
		w->st.bytes_4to6_out += pkt.len;
		break;
	case XLAT_ICMP: out = pi; break;
	case XLAT_FRAGMENT: fragment(w, dp->side6, m, &pkt); return;
	default: /* PASS, DROP: counted by the core */
		rte_pktmbuf_free(m);
		return;
	}
	m->data_off = (uint16_t)(pkt.data - (uint8_t *)m->buf_addr);
	m->data_len = (uint16_t)pkt.len;
	m->pkt_len = pkt.len;
	emit(w, out, m);
}

/* ------------------------------------------------------------------ */
/* Steering: which worker owns a packet's NAT64 state                   */

static unsigned owner6(const struct dp *dp, const uint8_t *ip, uint32_t len)
{
	const uint8_t *sub = ip + 8;
	/* an ICMPv6 error about a flow: the flow's IPv6 end is the quoted
	 * packet's destination */
	if (ip[6] == 58 && len >= 40 + 8 + 40 && ip[40] < 128)
		sub = ip + 40 + 8 + 24;
	return nat64_db_owner6(dp->cfg->nat64, sub);
}

static unsigned owner4(const struct dp *dp, const uint8_t *ip, uint32_t len)
{
	const struct pool4_cfg *pc = &dp->nc->pool4;
	unsigned hl = (ip[0] & 15) * 4u;
	uint32_t a;
	if (hl < 20 || len < hl + 8 || (ip[6] & 0x1f) || ip[7])
		return ~0u; /* not a first fragment or too short: stays */
	const uint8_t *l4 = ip + hl;
	memcpy(&a, ip + 16, 4);
	switch (ip[9]) {
	case 6:
		return pool4_owner(pc, rte_be_to_cpu_32(a), NAT64_TCP,
				   (uint16_t)(l4[2] << 8 | l4[3]));
	case 17:
		return pool4_owner(pc, rte_be_to_cpu_32(a), NAT64_UDP,
				   (uint16_t)(l4[2] << 8 | l4[3]));
	case 1:
		if (l4[0] == 0 || l4[0] == 8)
			return pool4_owner(pc, rte_be_to_cpu_32(a), NAT64_ICMP,
					   (uint16_t)(l4[4] << 8 | l4[5]));
		if (l4[0] == 3 || l4[0] == 11 || l4[0] == 12) {
			/* an error: the quoted packet left from pool4 */
			const uint8_t *in = l4 + 8;
			if (len < hl + 8 + 28)
				return ~0u;
			unsigned ihl = (in[0] & 15) * 4u;
			if (ihl < 20 || len < hl + 8 + ihl + 8)
				return ~0u;
			const uint8_t *il4 = in + ihl;
			memcpy(&a, in + 12, 4);
			uint8_t pr = in[9] == 6	   ? NAT64_TCP
				     : in[9] == 17 ? NAT64_UDP
						   : NAT64_ICMP;
			uint16_t port = pr == NAT64_ICMP
					    ? (uint16_t)(il4[4] << 8 | il4[5])
					    : (uint16_t)(il4[0] << 8 | il4[1]);
			return pool4_owner(pc, rte_be_to_cpu_32(a), pr, port);
		}
		return ~0u;
	default: return ~0u;
	}
}

/* Hand the packet to its owner; 1 when it is gone. */
static int steer(struct dp_worker *w, unsigned pi, struct rte_mbuf *m,
		 int from6)
{
	struct dp *dp = w->dp;
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned o =
	    from6 ? owner6(dp, ip, m->data_len) : owner4(dp, ip, m->data_len);
	if (o >= dp->nw || o == w->id)
		return 0;
	m->hash.usr = pi | (from6 ? 0x100u : 0);
	if (rte_ring_enqueue(dp->w[o]->in, m)) {
		w->st.handoff_full++;
		rte_pktmbuf_free(m);
	} else {
		w->st.handoff++;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Input                                                                */

static int is_own6(const struct dp_port *p, const uint8_t *dst)
{
	return dst[0] == 0xff || !memcmp(dst, p->l2.addr6, 16) ||
	       !memcmp(dst, p->l2.ll6, 16);
}

/* ARP, ND, ping to the gateway; 0 when the frame is not for it (the
 * caller translates it). */
static int l2_input(struct dp_worker *w, unsigned pi, struct rte_mbuf *m)
{
	struct dp_port *p = &w->dp->port[pi];
	struct dp_l2_learn learn;
	enum dp_l2_reason why;
	uint32_t out_len = 0;
	enum dp_l2_verdict v =
	    dp_l2_input(&p->l2, rte_pktmbuf_mtod(m, uint8_t *), m->data_len,
			&out_len, &learn, &why);
	if (learn.valid) {
		dp_neigh_learn(w->dp->neigh, (uint16_t)pi, learn.is6, learn.ip,
			       learn.mac, learn.solicited, w->now_ms);
		w->learned = 1;
	}
	if (v == DP_L2_NOT_MINE)
		return 0;
	w->st.l2[why]++;
	if (v == DP_L2_REPLY) {
		w->st.l2_replies++;
		send_built(w, pi, m, out_len);
		return 1;
	}
	rte_pktmbuf_free(m);
	return 1;
}

/* An IP packet for the translator: off with the Ethernet header, to the
 * worker that owns its state, translated. */
static void to_core(struct dp_worker *w, unsigned pi, struct rte_mbuf *m,
		    int from6)
{
	rte_pktmbuf_adj(m, DP_ETH_LEN);
	if (w->dp->nw > 1 && w->stateful && steer(w, pi, m, from6))
		return;
	translate(w, pi, m, from6);
}

static void input_one(struct dp_worker *w, unsigned pi, struct rte_mbuf *m)
{
	struct dp *dp = w->dp;
	const struct dp_port *p = &dp->port[pi];
	const uint8_t *e = rte_pktmbuf_mtod(m, const uint8_t *);

	w->st.rx++;
	if (m->nb_segs != 1) {
		w->st.multiseg++;
		goto drop;
	}
	if (m->data_len < DP_ETH_LEN + 20) {
		if (m->data_len >= DP_ETH_LEN && e[12] == 0x08 && e[13] == 0x06)
			goto l2; /* ARP: 28 bytes after the header */
		w->st.runt++;
		goto drop;
	}
	if (!memcmp(e + 6, p->l2.mac, 6)) {
		w->st.looped++;
		goto drop;
	}
	uint16_t type = (uint16_t)(e[12] << 8 | e[13]);
	const uint8_t *ip = e + DP_ETH_LEN;
	if (type == DP_ETH_P_IPV6) {
		if (m->data_len < DP_ETH_LEN + 40) {
			w->st.runt++;
			goto drop;
		}
		if (is_own6(p, ip + 24) && l2_input(w, pi, m))
			return;
		if (!p->cfg->has6 || (!dp->cfg->one_arm && pi != dp->side6)) {
			w->st.wrong_side++;
			goto drop;
		}
		to_core(w, pi, m, 1);
		return;
	}
	if (type == DP_ETH_P_IPV4) {
		uint32_t dst;
		memcpy(&dst, ip + 16, 4);
		if (p->cfg->has4 && dst == p->cfg->addr4 && l2_input(w, pi, m))
			return;
		if (!p->cfg->has4 || (!dp->cfg->one_arm && pi != dp->side4)) {
			w->st.wrong_side++;
			goto drop;
		}
		if (dst == 0xffffffffu || (ip[16] & 0xf0) == 0xe0 ||
		    dst == p->bcast4) {
			w->st.l3_bcast++;
			goto drop;
		}
		to_core(w, pi, m, 0);
		return;
	}
l2:
	if (!l2_input(w, pi, m)) {
		w->st.l2[DP_L2_R_L2_OTHER]++;
		rte_pktmbuf_free(m);
	}
	return;
drop:
	rte_pktmbuf_free(m);
}

void dp_worker_input(struct dp_worker *w, unsigned pi, struct rte_mbuf **m,
		     unsigned n)
{
	w_clock(w);
	for (unsigned i = 0; i < n; i++) {
		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + 2], void *));
		input_one(w, pi, m[i]);
	}
}

void dp_worker_tick(struct dp_worker *w)
{
	struct dp *dp = w->dp;
	w_clock(w);
	if (w->xlast)
		xdp_last_apply(w);
	if (w->stateful) {
		for (;;) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
			if (!m) {
				w->st.nombuf++;
				break;
			}
			struct xlat_pkt o = {rte_pktmbuf_mtod(m, uint8_t *), 0};
			if (!nat64_tick(&w->n64, &o)) {
				rte_pktmbuf_free(m);
				break;
			}
			/* an ICMPv4 Port Unreachable for a held SYN */
			m->data_off =
			    (uint16_t)(o.data - (uint8_t *)m->buf_addr);
			m->data_len = (uint16_t)o.len;
			m->pkt_len = o.len;
			emit(w, dp->side4, m);
		}
	}
	if (w->nheld)
		retry_held(w);
	if (w->id == 0) /* neighbours nobody asks for any more */
		dp_neigh_expire(dp->neigh, w->now_ms);
	w->next_tick_ms = w->now_ms + DP_TICK_MS;
}

/* A reload, at this quiescent point (dp_reconfig). */
static void reconfig_answer(struct dp_worker *w)
{
	struct dp *dp = w->dp;
	xlat_ctx_set_cfg(&w->x, dp->rc_x, dp->rc_e);
	if (w->db) {
		nat64_db_set_soft(w->db, dp->rc_n);
		const struct pool4_cfg *pc = &dp->nc->pool4;
		for (unsigned i = 0; i < dp->rc_nsb; i++) {
			const struct dp_static_bib *s = &dp->rc_sb[i];
			if (pool4_owner(pc, s->addr4, s->proto, s->port4) ==
			    w->id)
				nat64_bib_add_static(w->db, s->proto, s->src6,
						     s->sport6, s->addr4,
						     s->port4);
		}
	}
	atomic_store_explicit(&w->rcfg_state, 2, memory_order_release);
}

/* A pool4 change (dp_pool4_swap): stop here, between two iterations,
 * until the control thread has swapped this worker's pool4.  1 -> 2 by
 * compare-and-swap, because the control thread may withdraw the request
 * (1 -> 0) when another worker does not park in time. */
static void park(struct dp_worker *w)
{
	int asked = 1;
	dp_worker_flush(w);
	if (!atomic_compare_exchange_strong_explicit(&w->park_state, &asked, 2,
						     memory_order_acq_rel,
						     memory_order_acquire))
		return;
	while (atomic_load_explicit(&w->park_state, memory_order_acquire) == 2)
		rte_pause();
	w_clock(w);
}

/* One page of the worker's BIB or sessions for the control thread. */
static void dump_answer(struct dp_worker *w)
{
	uint32_t n = 0, i = w->dump_start, cap = 0;
	if (w->db && w->dump_kind == DP_DUMP_SUB && w->dump_max) {
		memset(&w->dump_out[0], 0, sizeof(w->dump_out[0]));
		w->dump_out[0].found = (uint8_t)nat64_db_sub_info(
		    w->db, w->dump_key, &w->dump_out[0].sub);
		n = 1;
	} else if (w->db && w->dump_kind == DP_DUMP_SUBS) {
		/* at most DP_DUMP_SUB_SLOTS slots per answer, so that a large
		 * table costs the worker many short pauses, not one long */
		cap = nat64_db_cfg(w->db)->max_subs;
		if (i > cap)
			i = cap;
		uint32_t end =
		    cap - i > DP_DUMP_SUB_SLOTS ? i + DP_DUMP_SUB_SLOTS : cap;
		for (; i < end && n < w->dump_max; i++) {
			struct dp_dump_entry *e = &w->dump_out[n];
			memset(e, 0, sizeof(*e));
			if (nat64_db_sub_slot(w->db, i, &e->sub)) {
				e->found = 1;
				n++;
			}
		}
	} else if (w->db && w->dump_kind == DP_DUMP_POOL4) {
		struct pool4 *p4 = nat64_db_pool4(w->db);
		const struct pool4_cfg *pc = &nat64_db_cfg(w->db)->pool4;
		for (unsigned r = 0; r < pc->n && n < w->dump_max; r++) {
			uint64_t used, total, blocks;
			pool4_range_usage(p4, r, &used, &total, &blocks);
			memset(&w->dump_out[n], 0, sizeof(w->dump_out[n]));
			w->dump_out[n].proto = pc->r[r].proto;
			w->dump_out[n].addr4 = pc->r[r].addr;
			w->dump_out[n].used = (uint32_t)used;
			w->dump_out[n].total = (uint32_t)total;
			w->dump_out[n].blocks = (uint32_t)blocks;
			n++;
		}
	} else if (w->db) {
		const struct nat64_cfg *c = nat64_db_cfg(w->db);
		cap =
		    w->dump_kind == DP_DUMP_BIB ? c->max_bib : c->max_sessions;
		for (; i < cap && n < w->dump_max; i++) {
			struct dp_dump_entry *e = &w->dump_out[n];
			const struct nat64_bib *b;
			if (w->dump_kind == DP_DUMP_BIB) {
				b = nat64_bib_get(w->db, i);
				if (b->proto >= NAT64_NPROTO)
					continue;
				memset(e, 0, sizeof(*e));
				e->is_static = b->is_static;
				e->nsess = b->nsess;
			} else {
				const struct nat64_sess *ss =
				    nat64_sess_get(w->db, i);
				if (ss->bib == NAT64_NONE)
					continue;
				b = nat64_bib_get(w->db, ss->bib);
				memset(e, 0, sizeof(*e));
				e->state = ss->state;
				e->timer = ss->timer;
				e->raddr4 = ss->raddr4;
				e->rport = ss->rport;
				uint32_t idle = w->n64.now - ss->last;
				uint32_t to = c->timeout[ss->timer];
				e->idle = idle;
				e->expires = idle < to ? to - idle : 0;
			}
			e->proto = b->proto;
			memcpy(e->src6, b->src6, 16);
			e->sport6 = b->sport6;
			e->addr4 = b->addr4;
			e->port4 = b->port4;
			n++;
		}
	}
	w->dump_n = n;
	w->dump_next = i < cap ? i : DP_DUMP_END;
	atomic_store_explicit(&w->dump_state, 2, memory_order_release);
}

unsigned dp_worker_poll(struct dp_worker *w)
{
	struct dp *dp = w->dp;
	struct rte_mbuf *m[DP_BURST_MAX];
	unsigned total = 0;
	uint16_t burst = dp->cfg->burst;

	if (!w->announced && w->id == 0) {
		w_clock(w);
		announce(w);
		w->announced = 1;
	}
	for (unsigned pi = 0; pi < dp->nports; pi++) {
		uint16_t n = rte_eth_rx_burst(dp->port[pi].id, (uint16_t)w->id,
					      m, burst);
		if (n) {
			dp_worker_input(w, pi, m, n);
			total += n;
		}
	}
	if (w->in) {
		unsigned n =
		    rte_ring_dequeue_burst(w->in, (void **)m, burst, NULL);
		if (n)
			w_clock(w);
		for (unsigned i = 0; i < n; i++) {
			uint32_t tag = m[i]->hash.usr;
			translate(w, tag & 0xff, m[i], !!(tag & 0x100));
		}
		total += n;
	}
	if (!total)
		w_clock(w);
	if (w->learned && w->nheld) {
		retry_held(w);
		w->learned = 0;
	}
	if (w->now_ms >= w->next_tick_ms)
		dp_worker_tick(w);
	dp_worker_flush(w);
	if (atomic_load_explicit(&w->dump_state, memory_order_acquire) == 1)
		dump_answer(w);
	if (atomic_load_explicit(&w->rcfg_state, memory_order_acquire) == 1)
		reconfig_answer(w);
	if (atomic_load_explicit(&w->park_state, memory_order_acquire) == 1)
		park(w);
	return total;
}

int dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	while (!atomic_load_explicit(&w->dp->stop, memory_order_relaxed)) {
		uint64_t t0 = rte_rdtsc();
		if (dp_worker_poll(w))
			w->busy_tsc += rte_rdtsc() - t0;
	}
	dp_worker_flush(w);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Set-up                                                               */

static int port_setup(struct dp *dp, unsigned pi, char *err, size_t errlen)
{
	struct dp_port *p = &dp->port[pi];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int r;

	memset(&conf, 0, sizeof(conf));
	r = rte_eth_dev_info_get(p->id, &info);
	if (r) {
		snprintf(err, errlen, "[%s] device = %s: cannot read it: %s",
			 p->cfg->name, p->cfg->device, strerror(-r));
		return r;
	}
	if (dp->nw > info.max_rx_queues || dp->nw > info.max_tx_queues) {
		snprintf(err, errlen,
			 "[%s] device = %s: %u workers need %u queues, the "
			 "device has %u RX / %u TX: use fewer lcores or a "
			 "device with more queues (net_af_packet: qpairs=N)",
			 p->cfg->name, p->cfg->device, dp->nw, dp->nw,
			 info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	if (dp->nw > 1 && info.flow_type_rss_offloads) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
		    (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
		    info.flow_type_rss_offloads;
	}
	r = rte_eth_dev_configure(p->id, (uint16_t)dp->nw, (uint16_t)dp->nw,
				  &conf);
	if (r) {
		snprintf(err, errlen, "[%s] device = %s: configure: %s",
			 p->cfg->name, p->cfg->device, strerror(-r));
		return r;
	}
	uint16_t rxd = DP_RXD, txd = DP_TXD;
	rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &rxd, &txd);
	int sock = rte_eth_dev_socket_id(p->id);
	if (sock < 0)
		sock = (int)rte_socket_id();
	for (unsigned q = 0; q < dp->nw; q++) {
		r = rte_eth_rx_queue_setup(p->id, (uint16_t)q, rxd,
					   (unsigned)sock, NULL,
					   dp->w[q]->pool);
		if (!r)
			r = rte_eth_tx_queue_setup(p->id, (uint16_t)q, txd,
						   (unsigned)sock, NULL);
		if (r) {
			snprintf(err, errlen, "[%s] device = %s: queue %u: %s",
				 p->cfg->name, p->cfg->device, q, strerror(-r));
			return r;
		}
	}
	if (p->cfg->mtu) {
		r = rte_eth_dev_set_mtu(p->id, p->cfg->mtu);
		if (r && r != -ENOTSUP) {
			snprintf(err, errlen,
				 "[%s] mtu = %u: the device refuses it: %s",
				 p->cfg->name, p->cfg->mtu, strerror(-r));
			return r;
		}
	}
	struct rte_ether_addr mac;
	if (p->cfg->mac_set) {
		memcpy(mac.addr_bytes, p->cfg->mac, 6);
		r = rte_eth_dev_default_mac_addr_set(p->id, &mac);
		if (r) {
			snprintf(err, errlen,
				 "[%s] mac: the device refuses it: %s",
				 p->cfg->name, strerror(-r));
			return r;
		}
	}
	rte_eth_macaddr_get(p->id, &mac);
	memcpy(p->l2.mac, mac.addr_bytes, 6);
	return 0;
}

static void l2_port_init(struct dp *dp, struct dp_port *p)
{
	const struct dp_cfg *c = dp->cfg;
	p->l2.has4 = p->cfg->has4;
	p->l2.has6 = p->cfg->has6;
	p->l2.addr4 = p->cfg->addr4;
	memcpy(p->l2.addr6, p->cfg->addr6, 16);
	dp_l2_port_ll6(&p->l2);
	p->mask4 = mask4(p->cfg->plen4);
	p->bcast4 = p->cfg->plen4 < 31 ? (p->cfg->addr4 | ~p->mask4) : 0;
	if (p->cfg->has4) {
		if (c->mode == DP_NAT64 && c->nat64)
			p->l2.pool4 = &c->nat64->pool4;
		p->l2.eamt = c->eamt;
		p->l2.extra4 = c->xlat->pool6791;
		p->l2.n_extra4 = c->xlat->pool6791_n;
	}
	if (p->cfg->has6) {
		p->l2.eamt = c->eamt;
		p->l2.pool6 = c->xlat->pool6.addr;
		p->l2.pool6_len = c->xlat->pool6.len;
	}
}

static struct dp_worker *worker_new(struct dp *dp, unsigned id, char *err,
				    size_t errlen)
{
	const struct dp_cfg *c = dp->cfg;
	unsigned sock = rte_socket_id();
	struct dp_worker *w =
	    rte_zmalloc_socket("gate64_worker", sizeof(*w), 64, (int)sock);
	char name[32];
	if (!w) {
		snprintf(err, errlen, "worker %u: out of memory", id);
		return NULL;
	}
	w->dp = dp;
	w->id = id;
	w->stateful = c->mode == DP_NAT64;
	unsigned room = DP_ETH_ROOM;
	unsigned mtu =
	    c->port[0].mtu > c->port[1].mtu ? c->port[0].mtu : c->port[1].mtu;
	if (mtu + DP_ETH_LEN + XLAT_HEADROOM + XLAT_TAILROOM + 28 >
	    room - RTE_PKTMBUF_HEADROOM)
		room = RTE_PKTMBUF_HEADROOM + mtu + DP_ETH_LEN + XLAT_HEADROOM +
		       XLAT_TAILROOM + 28;
	snprintf(name, sizeof(name), "g64_mb%u", id);
	w->pool = rte_pktmbuf_pool_create(name, c->mbufs ? c->mbufs : 8191, 256,
					  0, (uint16_t)room, (int)sock);
	if (!w->pool) {
		snprintf(err, errlen,
			 "worker %u: no memory for %u mbufs: %s (reserve "
			 "hugepages, or [dpdk] memory = no-huge)",
			 id, c->mbufs, rte_strerror(rte_errno));
		goto fail;
	}
	if (dp->nw > 1) {
		snprintf(name, sizeof(name), "g64_in%u", id);
		w->in =
		    rte_ring_create(name, DP_RING, (int)sock, RING_F_SC_DEQ);
		if (!w->in) {
			snprintf(err, errlen, "worker %u: hand-off ring: %s",
				 id, rte_strerror(rte_errno));
			goto fail;
		}
	}
	w->held_max = c->neigh.pending_max ? c->neigh.pending_max : 256;
	w->held = rte_zmalloc_socket(
	    "gate64_held", w->held_max * sizeof(*w->held), 64, (int)sock);
	if (!w->held) {
		snprintf(err, errlen, "worker %u: out of memory", id);
		goto fail;
	}
	xlat_ctx_init(&w->x, c->xlat, c->eamt, &w->xst, rnd32());
	w->x.ip4_id = (uint16_t)rnd32(); /* RFC 7739 */
	w->t0_tsc = rte_rdtsc();
	w->ms_per_tsc = 1000.0 / (double)rte_get_tsc_hz();
	w_clock(w);
	if (w->stateful) {
		if (c->maplog) {
			if (nat64_log_ring_init(&w->log, DP_LOG_RING)) {
				snprintf(err, errlen,
					 "worker %u: mapping-log ring: out of "
					 "memory",
					 id);
				goto fail;
			}
			w->has_log = 1;
		}
		w->db = nat64_db_init(c->nat64, id, w->has_log ? &w->log : NULL,
				      err, errlen);
		if (!w->db)
			goto fail;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t utc =
		    (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		nat64_db_set_clock(w->db, utc - (uint64_t)w->n64.now * 1000);
		if (nat64_init(&w->n64, &w->x, w->db, err, errlen))
			goto fail;
		w_clock(w);
	}
	return w;
fail:
	if (w->db)
		nat64_db_fini(w->db);
	if (w->has_log)
		nat64_log_ring_fini(&w->log);
	rte_free(w->held);
	rte_ring_free(w->in);
	rte_mempool_free(w->pool);
	rte_free(w);
	return NULL;
}

static void worker_free(struct dp_worker *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->nheld; i++)
		rte_pktmbuf_free(w->held[i].m);
	if (w->in) {
		void *m;
		while (!rte_ring_dequeue(w->in, &m))
			rte_pktmbuf_free(m);
		rte_ring_free(w->in);
	}
	rte_free(w->xseen);
	rte_ring_free(w->xout); /* NULL: nothing */
	rte_ring_free(w->xlast);
	if (w->stateful && w->db) {
		nat64_fini(&w->n64);
		nat64_db_fini(w->db);
	}
	if (w->has_log)
		nat64_log_ring_fini(&w->log);
	rte_free(w->held);
	rte_mempool_free(w->pool);
	rte_free(w);
}

struct dp *dp_create(const struct dp_cfg *cfg, const uint16_t *port_ids,
		     char *err, size_t errlen)
{
	struct dp *dp = rte_zmalloc("gate64_dp", sizeof(*dp), 64);
	if (!dp) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	dp->cfg = cfg;
	dp->nc = cfg->nat64;
	dp->nw = cfg->nworkers ? cfg->nworkers : 1;
	if (dp->nw > DP_WORKERS_MAX) {
		snprintf(err, errlen, "%u workers: at most %u", dp->nw,
			 DP_WORKERS_MAX);
		goto fail;
	}
	if (cfg->mode == DP_NAT64 && !cfg->nat64) {
		snprintf(err, errlen,
			 "NAT64 mode without a NAT64 configuration");
		goto fail;
	}
	dp->nports = cfg->one_arm ? 1 : 2;
	dp->side6 = 0;
	dp->side4 = cfg->one_arm ? 0 : 1;
	for (unsigned i = 0; i < dp->nports; i++) {
		dp->port[i].id = port_ids[i];
		dp->port[i].cfg = &cfg->port[i];
	}
	uint32_t reach = cfg->neigh.reachable ? cfg->neigh.reachable : 30;
	uint32_t stale = cfg->neigh.stale ? cfg->neigh.stale : 600;
	uint32_t retrans = cfg->neigh.retrans_ms ? cfg->neigh.retrans_ms : 1000;
	dp->neigh =
	    dp_neigh_init(DP_NEIGH_SLOTS, reach * 1000, stale * 1000, retrans);
	if (!dp->neigh) {
		snprintf(err, errlen, "neighbour cache: out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < dp->nw; i++) {
		dp->w[i] = worker_new(dp, i, err, errlen);
		if (!dp->w[i])
			goto fail;
	}
	for (unsigned i = 0; i < dp->nports; i++) {
		l2_port_init(dp, &dp->port[i]);
		if (port_setup(dp, i, err, errlen))
			goto fail;
		dp_l2_port_ll6(&dp->port[i].l2); /* the MAC is known now */
	}
	for (unsigned i = 0; i < cfg->n_static_bib; i++) {
		const struct dp_static_bib *s = &cfg->static_bib[i];
		unsigned o = pool4_owner(&cfg->nat64->pool4, s->addr4, s->proto,
					 s->port4);
		int r = nat64_bib_add_static(dp->w[o]->db, s->proto, s->src6,
					     s->sport6, s->addr4, s->port4);
		if (r) {
			snprintf(err, errlen,
				 "static BIB entry %u (pool4 port %u): %s",
				 i + 1, s->port4, strerror(-r));
			goto fail;
		}
	}
	atomic_store(&dp->stop, 0);
	return dp;
fail:
	dp_destroy(dp);
	return NULL;
}

int dp_start(struct dp *dp, char *err, size_t errlen)
{
	for (unsigned i = 0; i < dp->nports; i++) {
		const struct dp_port *p = &dp->port[i];
		int r = rte_eth_dev_start(p->id);
		if (r) {
			snprintf(err, errlen, "[%s] device = %s: start: %s",
				 p->cfg->name, p->cfg->device, strerror(-r));
			return r;
		}
		/* ND multicast (solicited-node groups) must reach us */
		rte_eth_allmulticast_enable(p->id);
	}
	dp->started = 1;
	return 0;
}

void dp_stop(struct dp *dp)
{
	atomic_store(&dp->stop, 1);
}

void dp_destroy(struct dp *dp)
{
	if (!dp)
		return;
	for (unsigned i = 0; i < dp->nports; i++) {
		if (dp->started)
			rte_eth_dev_stop(dp->port[i].id);
	}
	for (unsigned i = 0; i < DP_WORKERS_MAX; i++) {
		if (dp->w[i])
			dp_worker_flush(dp->w[i]);
	}
	for (unsigned i = 0; i < dp->nports; i++)
		rte_eth_dev_close(dp->port[i].id);
	for (unsigned i = 0; i < DP_WORKERS_MAX; i++)
		worker_free(dp->w[i]);
	if (dp->neigh)
		dp_neigh_fini(dp->neigh);
	rte_free(dp);
}

/* ------------------------------------------------------------------ */
/* Accessors, counters                                                  */

unsigned dp_nworkers(const struct dp *dp)
{
	return dp->nw;
}

struct dp_worker *dp_worker(struct dp *dp, unsigned i)
{
	return i < dp->nw ? dp->w[i] : NULL;
}

void dp_worker_set_clock(struct dp_worker *w, uint32_t sec)
{
	w->frozen = sec;
	w_clock(w);
}

struct xlat_ctx *dp_worker_xlat(struct dp_worker *w)
{
	return &w->x;
}

struct dp_neigh *dp_neigh_table(struct dp *dp)
{
	return dp->neigh;
}

void dp_neigh_confirm(struct dp *dp, unsigned pi, int is6, const uint8_t *ip,
		      const uint8_t *mac)
{
	const struct dp_worker *w = dp->w[0];
	uint64_t now =
	    1000 + (uint64_t)((double)(rte_rdtsc() - w->t0_tsc) *
			      w->ms_per_tsc); /* w_clock's, unfrozen */
	dp_neigh_learn(dp->neigh, (uint16_t)pi, is6, ip, mac, 1, now);
}

void dp_stats_sum(struct dp *dp, struct dp_stats *st, struct xlat_stats *xst,
		  struct nat64_db_stats *nst)
{
	if (st)
		memset(st, 0, sizeof(*st));
	if (xst)
		memset(xst, 0, sizeof(*xst));
	if (nst)
		memset(nst, 0, sizeof(*nst));
	for (unsigned i = 0; i < dp->nw; i++) {
		const struct dp_worker *w = dp->w[i];
		if (st) {
			const uint64_t *a = (const uint64_t *)&w->st;
			uint64_t *s = (uint64_t *)st;
			for (size_t k = 0; k < sizeof(*st) / 8; k++)
				s[k] += a[k];
		}
		if (xst) {
			const uint64_t *a = (const uint64_t *)&w->xst;
			uint64_t *s = (uint64_t *)xst;
			for (size_t k = 0; k < sizeof(*xst) / 8; k++)
				s[k] += a[k];
		}
		if (st)
			st->busy_us += (uint64_t)((double)w->busy_tsc * 1e6 /
						  (double)rte_get_tsc_hz());
		if (nst && w->db) {
			const uint64_t *a =
			    (const uint64_t *)nat64_db_stats(w->db);
			uint64_t *s = (uint64_t *)nst;
			for (size_t k = 0; k < sizeof(*nst) / 8; k++)
				s[k] += a[k];
		}
	}
}

void dp_nat64_count(struct dp *dp, uint64_t *nbib, uint64_t *nsess)
{
	*nbib = *nsess = 0;
	for (unsigned i = 0; i < dp->nw; i++) {
		if (!dp->w[i]->db)
			continue;
		*nbib += nat64_db_nbib(dp->w[i]->db);
		*nsess += nat64_db_nsess(dp->w[i]->db);
	}
}

int dp_reconfig(struct dp *dp, const struct xlat_cfg *xc,
		const struct xlat_eamt *eamt, const struct nat64_cfg *nc,
		const struct dp_static_bib *sb, unsigned nsb,
		unsigned timeout_ms)
{
	dp->rc_x = xc;
	dp->rc_e = eamt;
	dp->rc_n = nc;
	dp->rc_sb = sb;
	dp->rc_nsb = nsb;
	/* the new NAT64 configuration has the same pool4 as the one in use
	 * (dp_pool4_swap changes pool4); pointing at it now lets the caller
	 * free the old one once the workers have passed the quiescent point
	 * below */
	if (nc && dp->nc) {
		dp->nc = nc;
		for (unsigned i = 0; i < dp->nports; i++)
			if (dp->port[i].l2.pool4)
				dp->port[i].l2.pool4 = &nc->pool4;
	}
	/* ARP/ND answer for the new pools first: the workers' switch below
	 * is the quiescent point after which the old ones are unused */
	for (unsigned i = 0; i < dp->nports; i++) {
		struct dp_port *p = &dp->port[i];
		if (p->cfg->has4) {
			p->l2.extra4 = xc->pool6791;
			p->l2.n_extra4 = xc->pool6791_n;
		}
		p->l2.eamt = eamt;
	}
	atomic_thread_fence(memory_order_release);
	for (unsigned i = 0; i < dp->nw; i++)
		atomic_store_explicit(&dp->w[i]->rcfg_state, 1,
				      memory_order_release);
	for (unsigned t = 0; t <= timeout_ms * 10; t++) {
		unsigned done = 0;
		for (unsigned i = 0; i < dp->nw; i++)
			done += atomic_load_explicit(&dp->w[i]->rcfg_state,
						     memory_order_acquire) == 2;
		if (done == dp->nw) {
			for (unsigned i = 0; i < dp->nw; i++)
				atomic_store_explicit(&dp->w[i]->rcfg_state, 0,
						      memory_order_relaxed);
			return 0;
		}
		rte_delay_us_sleep(100);
	}
	return -ETIMEDOUT;
}

const struct nat64_cfg *dp_nat64_cfg(const struct dp *dp)
{
	return dp->nc;
}

static int same_range(const struct pool4_range *a, const struct pool4_range *b)
{
	return a->addr == b->addr && a->proto == b->proto && a->min == b->min &&
	       a->max == b->max;
}

int dp_pool4_differs(const struct dp *dp, const struct pool4_cfg *pc)
{
	const struct pool4_cfg *cur = &dp->nc->pool4;
	if (cur->n != pc->n)
		return 1;
	for (unsigned i = 0; i < pc->n; i++)
		if (!same_range(&cur->r[i], &pc->r[i]))
			return 1;
	return 0;
}

/* Withdraw the park request: workers that parked go on, the others will
 * not park (park() loses its compare-and-swap). */
static void unpark(struct dp *dp)
{
	for (unsigned i = 0; i < dp->nw; i++) {
		int asked = 1;
		if (!atomic_compare_exchange_strong_explicit(
			&dp->w[i]->park_state, &asked, 0, memory_order_acq_rel,
			memory_order_acquire))
			atomic_store_explicit(&dp->w[i]->park_state, 0,
					      memory_order_release);
	}
}

int dp_pool4_swap(struct dp *dp, const struct nat64_cfg *nc, char *msg,
		  size_t msglen, unsigned timeout_ms)
{
	struct pool4 *np[DP_WORKERS_MAX] = {0};
	const struct pool4_cfg *cur, *pc = &nc->pool4;
	char err[256];
	int e = 0;

	if (!dp->nc || dp->cfg->mode != DP_NAT64) {
		snprintf(msg, msglen, "no pool4: the translator is stateless");
		return -EINVAL;
	}
	cur = &dp->nc->pool4;
	/* built aside, before the workers stop: they stop only for the
	 * bitmaps to be carried over */
	for (unsigned i = 0; i < dp->nw; i++) {
		np[i] = pool4_init(pc, i, err, sizeof(err));
		if (!np[i]) {
			snprintf(msg, msglen, "%s", err);
			e = -ENOMEM;
			goto out;
		}
	}
	for (unsigned i = 0; i < dp->nw; i++)
		atomic_store_explicit(&dp->w[i]->park_state, 1,
				      memory_order_release);
	for (unsigned t = 0;; t++) {
		unsigned parked = 0;
		for (unsigned i = 0; i < dp->nw; i++)
			parked +=
			    atomic_load_explicit(&dp->w[i]->park_state,
						 memory_order_acquire) == 2;
		if (parked == dp->nw)
			break;
		if (t >= timeout_ms * 10) {
			unpark(dp);
			snprintf(msg, msglen,
				 "a worker did not stop for the pool4 change "
				 "within %u ms; nothing changed",
				 timeout_ms);
			e = -ETIMEDOUT;
			goto out;
		}
		rte_delay_us_sleep(100);
	}
	/* Every worker is parked: their shards are the control thread's
	 * until unpark().  A range that goes away must be unused: its ports
	 * belong to BIB entries whose sessions live (removing it would strand
	 * them), so the change is refused until they expire. */
	for (unsigned r = 0; r < cur->n; r++) {
		uint64_t used = 0, u, t, b;
		unsigned k;
		for (k = 0; k < pc->n; k++)
			if (same_range(&cur->r[r], &pc->r[k]))
				break;
		if (k < pc->n)
			continue;
		for (unsigned i = 0; i < dp->nw; i++) {
			pool4_range_usage(nat64_db_pool4(dp->w[i]->db), r, &u,
					  &t, &b);
			used += u;
		}
		if (used) {
			static const char *const pn[] = {"tcp", "udp", "icmp"};
			uint32_t a = cur->r[r].addr;
			unpark(dp);
			snprintf(
			    msg, msglen,
			    "pool4 %u.%u.%u.%u %s %u-%u has %llu port%s "
			    "in use (BIB entries with live sessions, "
			    "gate64ctl bib list): it can go once they "
			    "have expired",
			    a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
			    a & 0xff,
			    cur->r[r].proto < 3 ? pn[cur->r[r].proto] : "?",
			    cur->r[r].min, cur->r[r].max,
			    (unsigned long long)used, used == 1 ? "" : "s");
			e = -EBUSY;
			goto out;
		}
	}
	for (unsigned i = 0; i < dp->nw; i++) {
		struct dp_worker *w = dp->w[i];
		pool4_carry(np[i], nat64_db_pool4(w->db));
		np[i] = nat64_db_swap_pool4(w->db, np[i], pc); /* the old one */
		nat64_pool4_changed(&w->n64);
	}
	dp->nc = nc;
	for (unsigned i = 0; i < dp->nports; i++)
		if (dp->port[i].l2.pool4)
			dp->port[i].l2.pool4 = pc;
	dp->w[0]->announced = 0; /* gratuitous ARP for the new addresses */
	atomic_thread_fence(memory_order_release);
	unpark(dp);
out:
	for (unsigned i = 0; i < dp->nw; i++)
		pool4_fini(np[i]);
	return e;
}

int dp_dump_request(struct dp *dp, unsigned worker, enum dp_dump_kind kind,
		    uint32_t start, struct dp_dump_entry *out, uint32_t max)
{
	if (worker >= dp->nw)
		return -EINVAL;
	struct dp_worker *w = dp->w[worker];
	if (atomic_load_explicit(&w->dump_state, memory_order_acquire) == 1)
		return -EBUSY;
	w->dump_kind = (uint8_t)kind;
	w->dump_start = start;
	w->dump_max = max;
	w->dump_out = out;
	atomic_store_explicit(&w->dump_state, 1, memory_order_release);
	return 0;
}

void dp_dump_key(struct dp *dp, unsigned worker, const uint8_t *key)
{
	if (worker < dp->nw)
		memcpy(dp->w[worker]->dump_key, key, 16);
}

unsigned dp_owner6(const struct dp *dp, const uint8_t *src6)
{
	if (dp->cfg->mode != DP_NAT64 || dp->nw == 1)
		return 0;
	return nat64_db_owner6(dp->cfg->nat64, src6) % dp->nw;
}

int dp_dump_wait(struct dp *dp, unsigned worker, uint32_t *n, uint32_t *next,
		 unsigned timeout_ms)
{
	struct dp_worker *w = dp->w[worker];
	for (unsigned t = 0;; t++) {
		if (atomic_load_explicit(&w->dump_state,
					 memory_order_acquire) == 2) {
			*n = w->dump_n;
			*next = w->dump_next;
			atomic_store_explicit(&w->dump_state, 0,
					      memory_order_relaxed);
			return 0;
		}
		if (t >= timeout_ms * 10)
			return -ETIMEDOUT;
		rte_delay_us_sleep(100);
	}
}

unsigned dp_log_drain(struct dp *dp, FILE *f)
{
	struct nat64_log_event ev[64];
	char line[256];
	unsigned total = 0;
	for (unsigned i = 0; i < dp->nw; i++) {
		struct dp_worker *w = dp->w[i];
		if (!w->has_log)
			continue;
		unsigned n;
		while ((n = nat64_log_pop(&w->log, ev, 64)) > 0) {
			for (unsigned k = 0; k < n; k++) {
				if (nat64_log_format(&ev[k], line,
						     sizeof(line)) > 0)
					fprintf(f, "%s\n", line);
			}
			total += n;
		}
	}
	if (total)
		fflush(f);
	return total;
}

void dp_eal_cleanup(void)
{
	char dir[PATH_MAX], f[PATH_MAX + 256];
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (!dir[0])
		return;
	/* The directory is this instance's (its file prefix): its config,
	 * fbarray and socket files mean nothing once the EAL is gone (the
	 * telemetry socket would go only at exit, after us). */
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(f, sizeof(f), "%s/%s", dir, e->d_name);
			unlink(f);
		}
		closedir(d);
	}
	if (rmdir(dir) == 0) {
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = 0;
			rmdir(dir); /* fails, rightly, when others use it */
		}
	}
}

static const char *const verdict_why[XLAT_VERDICT_MAX] = {
    [XLAT_FORWARD] = "packets translated and sent on",
    [XLAT_HAIRPIN] = "packets translated and sent back to the IPv6 side "
		     "(hairpinning)",
    [XLAT_FRAGMENT] = "packets translated and split into IPv6 fragments",
    [XLAT_ICMP] = "packets answered with an ICMP error",
    [XLAT_PASS] = "packets not for translation (the reasons say why)",
    [XLAT_DROP] = "packets dropped (the reasons say why)",
};

static void pr(FILE *f, const char *name, uint64_t v, const char *why)
{
	if (v)
		fprintf(f, "%-28s %12llu  # %s\n", name, (unsigned long long)v,
			why);
}

void dp_stats_print(struct dp *dp, FILE *f)
{
	struct dp_stats st;
	struct xlat_stats xst;
	struct nat64_db_stats nst;
	dp_stats_sum(dp, &st, &xst, &nst);
#define DP_PR(n, d) pr(f, "dp_" #n, st.n, d);
	DP_COUNTERS(DP_PR)
#undef DP_PR
	for (unsigned r = 1; r < DP_L2_R_MAX; r++)
		pr(f, dp_l2_reason_name(r), st.l2[r], dp_l2_reason_explain(r));
	pr(f, "xlat_in_ipv6", xst.in[0], "packets in from the IPv6 side");
	pr(f, "xlat_in_ipv4", xst.in[1], "packets in from the IPv4 side");
	for (unsigned v = 0; v < XLAT_VERDICT_MAX; v++)
		pr(f, xlat_verdict_name(v), xst.verdict[v], verdict_why[v]);
	for (unsigned r = 1; r < XLAT_R_MAX; r++)
		pr(f, xlat_reason_name(r), xst.reason[r],
		   xlat_reason_explain(r));
#define NST_PR(n, d) pr(f, "nat64_" #n, nst.n, d);
	NAT64_DB_COUNTERS(NST_PR)
#undef NST_PR
	uint64_t nb, ns;
	dp_nat64_count(dp, &nb, &ns);
	if (dp->cfg->mode == DP_NAT64)
		fprintf(f,
			"%-28s %12llu  # BIB entries now\n%-28s %12llu  # "
			"sessions now\n",
			"nat64_bib_entries", (unsigned long long)nb,
			"nat64_sessions", (unsigned long long)ns);
}
