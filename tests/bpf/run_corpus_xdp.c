/*
 * run_corpus_xdp.c - the golden packet corpus through the XDP program
 * (bpf/xlat_xdp.c) with BPF_PROG_TEST_RUN.
 *
 * Every stateless case loads the program with the case's configuration
 * (rodata, through the skeleton), runs the case's input behind an Ethernet
 * header once, and checks:
 *  - XDP_TX: the case expects forward, and the frame is the same MACs, the
 *    new EtherType and the case's expected output byte for byte;
 *  - the hand-on action (XDP_PASS): the frame is the input, unchanged;
 *    always the answer when the case's configuration is not one the
 *    program translates (pool6 other than /96, an EAM table);
 *  - anything else fails, and so do counters that disagree with the run;
 *  - and XDP must translate every case the core's fast path translates
 *    (xlat_fast.h, asked directly: see core_fast()).
 *
 * Every stateless case the program's configuration allows (/96 pool6, no
 * EAM) runs a second time as gate64d's mode = xdp loads it (xdp_fwd.kernel
 * = 1, bpf/xdp_fwd.h), where nothing may be handed on:
 *  - a frame that is not the translator's (IPv6 not to pool6, IPv4 to a
 *    multicast or broadcast address, or too short to tell) goes to the
 *    kernel unchanged (XDP_PASS, xdp-to-host);
 *  - a frame the core's fast path translates is translated, the bytes the
 *    core's, counted per direction with its IP length; then forwarding
 *    fails as it must here (bpf_fib_lookup from the test's loopback): one
 *    counted forwarding drop (no route, forwarding disabled...), XDP_DROP;
 *  - any other is a counted drop (XDP_DROP, xdp-unhandled), unchanged.
 *
 * Stateful cases (mode: stateful) load the program stateful and run their
 * steps through one core worker (nat64.h, as tests/packets/run_corpus.c
 * does) and the program side by side.  Before each packet the session maps
 * are emptied and filled with the core's sessions as they are then
 * (xdp_sess_from_nat64, bpf/xdp_state.h: the program's own copy of the
 * state before the packet; hairpin sessions included, so that the
 * program's own hairpin check is what the hairpin cases test) and its
 * IPv4 ID counter set to the core's; the program runs on the packet; then
 * the core runs on it, advancing its state.  Checked for each packet:
 *  - translated: the core forwards it, with the same bytes, and made no
 *    new session for it (the program never translates without one);
 *  - handed on: the frame is unchanged; every packet the core makes a
 *    session for (the first of a flow) is handed on;
 *  - counters agree (handled / handed on, session hit / miss);
 *  - the established flows of udp-out-and-back, tcp-handshake-and-data
 *    and icmp-echo-out-and-back are translated (see must_handle[]).
 * The core's verdicts are checked against the case too, so that a core
 * regression shows here as well as in run_corpus.
 *
 * Usage: run_corpus_xdp [-v] DIR|FILE...   Needs root (BPF).
 * Prints "corpus-xdp: N passed, N failed", then handled / handed on, for
 * the stateless cases and the packets of the stateful ones.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>

#include "bpf/xdp_cfg.h"
#include "bpf/xdp_fwd.h" /* the skeleton names its rodata */
#include "bpf/xdp_state.h"
#include "dataplane/xlat/nat64.h"
#include "tests/lib/corpus.h"
#include "xlat_xdp.skel.h"

/* The core's fast path, the same header the XDP program compiles: asked
 * which cases it translates. */
#include "dataplane/xlat/xlat_fast.h"

#define FRAME_MAX (ETH_HLEN + 65536)

static uint8_t frame_in[FRAME_MAX], frame_out[FRAME_MAX];
static uint8_t core_buf[XLAT_HEADROOM + 65536 + XLAT_TAILROOM];

struct tally {
	int passed, failed;
	int handled, handed_on;
	int fwd_handed_on; /* the core forwards, XDP handed on */
	/* the stateless cases again, as mode = xdp loads the program */
	int x_translated, x_dropped, x_to_host;
	/* stateful cases, counted in packets */
	int st_cases, st_handled, st_handed_on, st_new_flows;
};

/* Does the core's fast path translate this case (on a copy)? */
static int core_fast(const struct corpus_case *c)
{
	struct xlat_stats st;
	struct xlat_ctx ctx;

	memset(&st, 0, sizeof(st));
	xlat_ctx_init(&ctx, &c->cfg, c->eamt, &st, 1);
	ctx.ip4_id = c->id_seed;
	memcpy(core_buf + XLAT_HEADROOM, c->in, c->in_len);
	struct xlat_pkt pkt = {core_buf + XLAT_HEADROOM, c->in_len};
	if (!ctx.fast)
		return 0;
	if (c->dir == CORPUS_6TO4)
		return fast_6to4(&ctx, pkt.data, pkt.data + pkt.len, NULL) != 0;
	struct fast_46 f;
	return fast_4to6_check(&ctx, pkt.data, pkt.data + pkt.len, NULL, &f);
}

static const uint8_t mac_dst[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t mac_src[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x02};

/* The program's configuration for a case (bpf/xdp_cfg.h). */
static void cfg_fill(struct xdp_cfg *x, const struct corpus_case *c)
{
	memset(x, 0, sizeof(*x));
	x->xlat = c->cfg;
	rfc6052_pfx_init(&x->pool6, c->cfg.pool6.addr, c->cfg.pool6.len);
	x->hand_on = XDP_PASS;
	x->id_seed = c->id_seed;
	x->dirs = XDP_DIR_6TO4 | XDP_DIR_4TO6;
	x->eam = c->eamt != NULL;
}

static uint32_t frame_build(const uint8_t *in, uint32_t in_len, uint16_t type)
{
	memcpy(frame_in, mac_dst, ETH_ALEN);
	memcpy(frame_in + ETH_ALEN, mac_src, ETH_ALEN);
	frame_in[12] = (uint8_t)(type >> 8);
	frame_in[13] = (uint8_t)type;
	memcpy(frame_in + ETH_HLEN, in, in_len);
	return ETH_HLEN + in_len;
}

/* Sum one counter over the CPUs. */
static uint64_t counter(const struct xlat_xdp *skel, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*v)) : NULL;
	uint64_t sum = 0;

	if (!v ||
	    bpf_map_lookup_elem(bpf_map__fd(skel->maps.xdp_counters), &idx, v))
		sum = UINT64_MAX;
	for (int i = 0; v && sum != UINT64_MAX && i < ncpu; i++)
		sum += v[i];
	free(v);
	return sum;
}

/* One counter of xdp_fwd_counters (bpf/xdp_fwd.h), summed. */
static uint64_t fcounter(const struct xlat_xdp *skel, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*v)) : NULL;
	uint64_t sum = 0;

	if (!v || bpf_map_lookup_elem(bpf_map__fd(skel->maps.xdp_fwd_counters),
				      &idx, v))
		sum = UINT64_MAX;
	for (int i = 0; v && sum != UINT64_MAX && i < ncpu; i++)
		sum += v[i];
	free(v);
	return sum;
}

static void fail_header(const struct corpus_case *c)
{
	printf("FAIL %s\n  %s: %s\n", c->path, c->rfc, c->desc);
}

/* 1 pass, 0 fail; -1: the program does not load (fatal for the run). */
static int run_one(struct corpus_case *c, int verbose, struct tally *t)
{
	int supported = c->cfg.pool6.len == 96 && !c->eamt;
	uint16_t type = c->dir == CORPUS_6TO4 ? ETH_P_IPV6 : ETH_P_IP;
	struct xlat_xdp *skel = xlat_xdp__open();
	int err;

	if (!skel) {
		printf("FAIL %s\n  xlat_xdp__open: %s\n", c->path,
		       strerror(errno));
		return -1;
	}
	cfg_fill(&skel->rodata->xdp_cfg, c);
	err = xlat_xdp__load(skel);
	if (err) {
		printf("FAIL %s\n  xlat_xdp__load: %s (needs root and a "
		       "kernel with BPF; the verifier log is above)\n",
		       c->path, strerror(-err));
		xlat_xdp__destroy(skel);
		return -1;
	}
	uint32_t len = frame_build(c->in, c->in_len, type);
	struct bpf_test_run_opts o = {
	    .sz = sizeof(o), /* what LIBBPF_OPTS() does */
	    .data_in = frame_in,
	    .data_size_in = len,
	    .data_out = frame_out,
	    .data_size_out = sizeof(frame_out),
	    .repeat = 1,
	};
	memset(frame_out, 0xee, sizeof(frame_out));
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xlat_xdp), &o);
	int ok = 0;
	if (err) {
		fail_header(c);
		printf("  bpf_prog_test_run_opts: %s\n", strerror(-err));
	} else if (o.retval == XDP_TX) {
		uint8_t eth[ETH_HLEN];
		uint16_t t6 = c->dir == CORPUS_6TO4 ? ETH_P_IP : ETH_P_IPV6;
		memcpy(eth, mac_dst, ETH_ALEN);
		memcpy(eth + ETH_ALEN, mac_src, ETH_ALEN);
		eth[12] = (uint8_t)(t6 >> 8);
		eth[13] = (uint8_t)t6;
		if (!supported || c->expect != XLAT_FORWARD || c->n_out != 1) {
			fail_header(c);
			printf("  XDP translated (XDP_TX); the case expects "
			       "%s/%s%s\n",
			       xlat_verdict_name(c->expect),
			       xlat_reason_name(c->reason),
			       supported ? ""
					 : " under a configuration XDP "
					   "must hand on");
		} else if (o.data_size_out != ETH_HLEN + c->out_len[0] ||
			   memcmp(frame_out, eth, ETH_HLEN) ||
			   memcmp(frame_out + ETH_HLEN, c->out[0],
				  c->out_len[0])) {
			fail_header(c);
			printf("  XDP_TX frame differs (want Ethernet + %u "
			       "bytes, got %u bytes in all):\n",
			       c->out_len[0], o.data_size_out);
			corpus_hexdiff(stdout, eth, ETH_HLEN, frame_out,
				       ETH_HLEN);
			corpus_hexdiff(stdout, c->out[0], c->out_len[0],
				       frame_out + ETH_HLEN,
				       o.data_size_out > ETH_HLEN
					   ? o.data_size_out - ETH_HLEN
					   : 0);
		} else if (counter(skel, XDP_CNT_HANDLED) != 1 ||
			   counter(skel, XLAT_R_NONE) != 1 ||
			   counter(skel, XDP_CNT_HANDED_ON) != 0) {
			fail_header(c);
			printf("  counters: want handled 1, none 1, handed "
			       "on 0\n");
		} else {
			ok = 1;
			t->handled++;
			if (verbose)
				printf("ok   %s (handled)\n", c->path);
		}
	} else if (o.retval == XDP_PASS) {
		if (o.data_size_out != len ||
		    memcmp(frame_out, frame_in, len)) {
			fail_header(c);
			printf("  handed on, but the frame changed:\n");
			corpus_hexdiff(stdout, frame_in, len, frame_out,
				       o.data_size_out);
		} else if (counter(skel, XDP_CNT_HANDED_ON) != 1 ||
			   counter(skel, XDP_CNT_HANDLED) != 0) {
			fail_header(c);
			printf("  counters: want handed on 1, handled 0\n");
		} else if (core_fast(c)) {
			fail_header(c);
			printf("  handed on, but the core's fast path "
			       "translates it: XDP must too\n");
		} else {
			ok = 1;
			t->handed_on++;
			if (c->expect == XLAT_FORWARD)
				t->fwd_handed_on++;
			if (verbose)
				printf("ok   %s (handed on; core: %s/%s)\n",
				       c->path, xlat_verdict_name(c->expect),
				       xlat_reason_name(c->reason));
		}
	} else {
		fail_header(c);
		printf("  XDP action %u: neither XDP_TX nor the hand-on "
		       "action\n",
		       o.retval);
	}
	xlat_xdp__destroy(skel);
	return ok;
}

/* ---------------------------------------------------------------------
 * Stateful cases
 */

/* Stateful cases whose established flows XDP must translate: at least
 * this many of their packets (the packets after the first, which makes
 * the session; TCP: those without SYN, FIN or RST). */
/* Forwarding outcomes that drop: what a translated frame meets here,
 * where bpf_fib_lookup runs from the test's own interface (lo, without
 * forwarding on this machine: FWD_DISABLED; elsewhere no route). */
static uint64_t fwd_failed(const struct xlat_xdp *skel)
{
	return fcounter(skel, XDP_FWD_NO_ROUTE) +
	       fcounter(skel, XDP_FWD_DISABLED) +
	       fcounter(skel, XDP_FWD_NO_NEIGH) +
	       fcounter(skel, XDP_FWD_TOO_BIG);
}

/* Is the frame the translator's, as bpf/xdp_fwd.h decides it (no host
 * address in xdp_local4 here)? */
static int xdp_ours(const struct corpus_case *c)
{
	if (c->dir == CORPUS_6TO4)
		return c->in_len >= XLAT_IP6_HLEN &&
		       !memcmp(c->in + 24, c->cfg.pool6.addr, 12);
	return c->in_len >= XLAT_IP4_HLEN && c->in[16] < 224;
}

/* The case once more as gate64d's mode = xdp loads the program: 1 pass,
 * 0 fail, -1 the program does not load. */
static int run_xdp_mode(struct corpus_case *c, int verbose, struct tally *t)
{
	uint16_t type = c->dir == CORPUS_6TO4 ? ETH_P_IPV6 : ETH_P_IP;
	struct xlat_xdp *skel = xlat_xdp__open();
	int err, ok = 0;

	if (!skel)
		return -1;
	cfg_fill(&skel->rodata->xdp_cfg, c);
	skel->rodata->xdp_fwd.kernel = 1;
	if ((err = xlat_xdp__load(skel))) {
		printf("FAIL %s\n  mode = xdp: xlat_xdp__load: %s\n", c->path,
		       strerror(-err));
		xlat_xdp__destroy(skel);
		return -1;
	}
	uint32_t len = frame_build(c->in, c->in_len, type);
	struct bpf_test_run_opts o = {
	    .sz = sizeof(o),
	    .data_in = frame_in,
	    .data_size_in = len,
	    .data_out = frame_out,
	    .data_size_out = sizeof(frame_out),
	    .repeat = 1,
	};
	memset(frame_out, 0xee, sizeof(frame_out));
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xlat_xdp), &o);
	int ours = xdp_ours(c), fast = ours && core_fast(c);
	int unchanged =
	    o.data_size_out == len && !memcmp(frame_out, frame_in, len);
	int to4 = c->dir == CORPUS_6TO4;
	const char *want = !ours ? "XDP_PASS, unchanged, xdp-to-host"
			   : fast
			       ? "translated, then XDP_DROP (forwarding fails "
				 "here)"
			       : "XDP_DROP, unchanged, xdp-unhandled";
	if (err) {
		fail_header(c);
		printf("  mode = xdp: bpf_prog_test_run_opts: %s\n",
		       strerror(-err));
	} else if (!ours) {
		ok = o.retval == XDP_PASS && unchanged &&
		     fcounter(skel, XDP_FWD_TO_HOST) == 1 &&
		     counter(skel, XDP_CNT_HANDLED) == 0;
		t->x_to_host += ok;
	} else if (fast) {
		uint32_t n = c->out_len[0];
		ok = o.retval == XDP_DROP && c->n_out == 1 &&
		     o.data_size_out == ETH_HLEN + n &&
		     !memcmp(frame_out + ETH_HLEN, c->out[0], n) &&
		     fwd_failed(skel) == 1 &&
		     fcounter(skel, to4 ? XDP_FWD_PKTS_6TO4
					: XDP_FWD_PKTS_4TO6) == 1 &&
		     fcounter(skel, to4 ? XDP_FWD_BYTES_6TO4
					: XDP_FWD_BYTES_4TO6) == n &&
		     counter(skel, XDP_CNT_HANDLED) == 1;
		t->x_translated += ok;
	} else {
		ok = o.retval == XDP_DROP && unchanged &&
		     fcounter(skel, XDP_FWD_UNHANDLED) == 1 &&
		     counter(skel, XDP_CNT_HANDLED) == 0;
		t->x_dropped += ok;
	}
	if (!err && !ok) {
		fail_header(c);
		printf("  mode = xdp: want %s; got action %u, %u bytes%s\n",
		       want, o.retval, o.data_size_out,
		       unchanged ? " (unchanged)" : "");

	} else if (ok && verbose) {
		printf("ok   %s (mode = xdp: %s)\n", c->path, want);
	}
	xlat_xdp__destroy(skel);
	return ok;
}

static const struct {
	const char *name;
	int min_handled;
} must_handle[] = {
    {"rfc6146/udp-out-and-back.case", 1},
    {"rfc6146/tcp-handshake-and-data.case", 3},
    {"rfc6146/icmp-echo-out-and-back.case", 1},
};

static uint32_t mono_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_sec;
}

/* Empty a hash map. */
static int map_clear(int fd)
{
	uint8_t k[64];
	while (!bpf_map_get_next_key(fd, NULL, k))
		if (bpf_map_delete_elem(fd, k))
			return -errno;
	return 0;
}

/* The program's copy of the core's state before a packet: the sessions
 * (clock_off turns the core's `now` into CLOCK_MONOTONIC seconds) and the
 * IPv4 ID counter of every CPU.  Returns 0 or -errno. */
static int sync_state(struct xlat_xdp *skel, struct nat64_db *db,
		      const struct corpus_case *c, const struct xlat_ctx *x,
		      uint32_t clock_off)
{
	int fd6 = bpf_map__fd(skel->maps.g64_sess6);
	int fd4 = bpf_map__fd(skel->maps.g64_sess4);
	int ncpu = libbpf_num_possible_cpus(), err;

	if ((err = map_clear(fd6)) || (err = map_clear(fd4)))
		return err;
	for (uint32_t i = 0; i < c->ncfg.max_sessions; i++) {
		const struct nat64_sess *s = nat64_sess_get(db, i);
		struct xdp_sess6_key k6;
		struct xdp_sess6_val v6;
		struct xdp_sess4_key k4;
		struct xdp_sess4_val v4;
		if (!s || s->bib == NAT64_NONE)
			continue;
		if (xdp_sess_from_nat64(nat64_bib_get(db, s->bib), s, &x->pool6,
					NULL, clock_off, &k6, &v6, &k4, &v4))
			continue;
		if (bpf_map_update_elem(fd6, &k6, &v6, BPF_NOEXIST) ||
		    bpf_map_update_elem(fd4, &k4, &v4, BPF_NOEXIST))
			return -errno;
	}
	/* per-CPU values are 8 bytes apart in user space */
	uint64_t *ids = ncpu > 0 ? calloc((size_t)ncpu, 8) : NULL;
	uint32_t zero = 0;
	if (!ids)
		return -ENOMEM;
	for (int i = 0; i < ncpu; i++)
		ids[i] = (uint16_t)(x->ip4_id - c->id_seed);
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.xdp_ip4_id), &zero,
				  ids, BPF_ANY)
		  ? -errno
		  : 0;
	free(ids);
	return err;
}

static void st_header(const struct corpus_case *c, unsigned i)
{
	const struct corpus_step *sp = &c->steps[i];
	fail_header(c);
	printf("  step %u (%s t=%u, line %d):", i + 1,
	       sp->dir == CORPUS_6TO4 ? "6to4" : "4to6", sp->t, sp->line);
}

/* The counters a step looks at, summed over the CPUs. */
struct st_cnt {
	uint64_t handled, handed_on, hit, miss, hit_on;
};

static void st_cnt_read(const struct xlat_xdp *skel, struct st_cnt *k)
{
	k->handled = counter(skel, XDP_CNT_HANDLED);
	k->handed_on = counter(skel, XDP_CNT_HANDED_ON);
	k->hit = counter(skel, XDP_CNT_SESS_HIT);
	k->miss = counter(skel, XDP_CNT_SESS_MISS);
	k->hit_on = counter(skel, XDP_CNT_SESS_HIT_HANDED_ON);
}

/* One packet step: the program on its copy of the state, then the core.
 * *handled: 1 when the program translated it.  1 pass, 0 fail. */
static int st_packet(struct corpus_case *c, unsigned i, struct xlat_xdp *skel,
		     struct nat64 *n, int *handled, int *new_flow)
{
	const struct corpus_step *sp = &c->steps[i];
	int to4 = sp->dir == CORPUS_6TO4;
	uint32_t len =
	    frame_build(sp->in, sp->in_len, to4 ? ETH_P_IPV6 : ETH_P_IP);
	struct bpf_test_run_opts o;
	struct st_cnt k0, k1;
	int err;

	/* The program's run; once more if the clock's second moved while a
	 * session hit was handed on (then its lifetime may have looked a
	 * second shorter than the core's). */
	for (int attempt = 0;; attempt++) {
		uint32_t sec = mono_sec();
		err = sync_state(skel, n->db, c, n->x, sec - n->now);
		if (err) {
			st_header(c, i);
			printf(" loading the session maps: %s\n",
			       strerror(-err));
			return 0;
		}
		st_cnt_read(skel, &k0);
		memset(&o, 0, sizeof(o));
		o.sz = sizeof(o);
		o.data_in = frame_in;
		o.data_size_in = len;
		o.data_out = frame_out;
		o.data_size_out = sizeof(frame_out);
		o.repeat = 1;
		memset(frame_out, 0xee, sizeof(frame_out));
		err = bpf_prog_test_run_opts(
		    bpf_program__fd(skel->progs.xlat_xdp), &o);
		if (err) {
			st_header(c, i);
			printf(" bpf_prog_test_run_opts: %s\n", strerror(-err));
			return 0;
		}
		st_cnt_read(skel, &k1);
		if (attempt || mono_sec() == sec || k1.hit_on == k0.hit_on)
			break;
	}

	/* The core, on the same packet. */
	uint64_t created = nat64_db_stats(n->db)->sess_created;
	enum xlat_reason r = XLAT_R_NONE;
	memcpy(core_buf + XLAT_HEADROOM, sp->in, sp->in_len);
	struct xlat_pkt pkt = {core_buf + XLAT_HEADROOM, sp->in_len};
	enum xlat_verdict v =
	    to4 ? nat64_6to4(n, &pkt, &r) : nat64_4to6(n, &pkt, &r);
	*new_flow = nat64_db_stats(n->db)->sess_created != created;
	*handled = 0;
	if (v != sp->expect || r != sp->reason) {
		st_header(c, i);
		printf(" the core says %s/%s, the case %s/%s (run_corpus "
		       "shows it)\n",
		       xlat_verdict_name(v), xlat_reason_name(r),
		       xlat_verdict_name(sp->expect),
		       xlat_reason_name(sp->reason));
		return 0;
	}

	if (o.retval == XDP_TX) {
		uint8_t eth[ETH_HLEN];
		uint16_t t = to4 ? ETH_P_IP : ETH_P_IPV6;
		memcpy(eth, mac_dst, ETH_ALEN);
		memcpy(eth + ETH_ALEN, mac_src, ETH_ALEN);
		eth[12] = (uint8_t)(t >> 8);
		eth[13] = (uint8_t)t;
		if (v != XLAT_FORWARD || *new_flow) {
			st_header(c, i);
			printf(" XDP translated; the core says %s/%s%s\n",
			       xlat_verdict_name(v), xlat_reason_name(r),
			       *new_flow ? " and made a new session for it"
					 : "");
			return 0;
		}
		if (o.data_size_out != ETH_HLEN + pkt.len ||
		    memcmp(frame_out, eth, ETH_HLEN) ||
		    memcmp(frame_out + ETH_HLEN, pkt.data, pkt.len)) {
			st_header(c, i);
			printf(" XDP_TX frame differs from the core's output "
			       "(want Ethernet + %u bytes, got %u in all):\n",
			       pkt.len, o.data_size_out);
			corpus_hexdiff(stdout, eth, ETH_HLEN, frame_out,
				       ETH_HLEN);
			corpus_hexdiff(stdout, pkt.data, pkt.len,
				       frame_out + ETH_HLEN,
				       o.data_size_out > ETH_HLEN
					   ? o.data_size_out - ETH_HLEN
					   : 0);
			return 0;
		}
		if (k1.handled - k0.handled != 1 || k1.hit - k0.hit != 1 ||
		    k1.handed_on != k0.handed_on || k1.miss != k0.miss) {
			st_header(c, i);
			printf(" counters: want handled 1, session hit 1, "
			       "handed on 0, miss 0\n");
			return 0;
		}
		*handled = 1;
		return 1;
	}
	if (o.retval != XDP_PASS) {
		st_header(c, i);
		printf(" XDP action %u: neither XDP_TX nor the hand-on "
		       "action\n",
		       o.retval);
		return 0;
	}
	if (o.data_size_out != len || memcmp(frame_out, frame_in, len)) {
		st_header(c, i);
		printf(" handed on, but the frame changed:\n");
		corpus_hexdiff(stdout, frame_in, len, frame_out,
			       o.data_size_out);
		return 0;
	}
	if (k1.handed_on - k0.handed_on != 1 || k1.handled != k0.handled ||
	    k1.hit != k0.hit) {
		st_header(c, i);
		printf(" counters: want handed on 1, handled 0, session hit "
		       "0\n");
		return 0;
	}
	return 1;
}

/* Load the program stateful for a case: the case's configuration plus
 * the NAT64 timeouts and pool4, the session maps sized as the core's
 * session table.  NULL (message printed) when it does not load. */
static struct xlat_xdp *st_load(const struct corpus_case *c)
{
	struct xlat_xdp *skel = xlat_xdp__open();
	int err;

	if (!skel) {
		printf("FAIL %s\n  xlat_xdp__open: %s\n", c->path,
		       strerror(errno));
		return NULL;
	}
	struct xdp_cfg *x = (struct xdp_cfg *)&skel->rodata->xdp_cfg;
	cfg_fill(x, c);
	x->stateful = 1;
	memcpy(x->timeout, c->ncfg.timeout, sizeof(x->timeout));
	for (unsigned i = 0; i < c->ncfg.pool4.n; i++)
		xdp_p4filter_add(x->p4filter,
				 xlat_htonl(c->ncfg.pool4.r[i].addr));
	if ((err = bpf_map__set_max_entries(skel->maps.g64_sess6,
					    c->ncfg.max_sessions)) ||
	    (err = bpf_map__set_max_entries(skel->maps.g64_sess4,
					    c->ncfg.max_sessions)) ||
	    (err = xlat_xdp__load(skel))) {
		printf("FAIL %s\n  loading the stateful program: %s (needs "
		       "root and a kernel with BPF; the verifier log is "
		       "above)\n",
		       c->path, strerror(-err));
		xlat_xdp__destroy(skel);
		return NULL;
	}
	return skel;
}

/* 1 pass, 0 fail; -1: the program does not load (fatal for the run). */
static int run_stateful(struct corpus_case *c, int verbose, struct tally *t)
{
	char err[512];
	struct xlat_stats st;
	struct xlat_ctx ctx;
	struct nat64 n;
	struct nat64_db *db;
	int ok = 1, handled = 0, handed_on = 0;

	struct xlat_xdp *skel = st_load(c);
	if (!skel)
		return -1;
	memset(&st, 0, sizeof(st));
	xlat_ctx_init(&ctx, &c->cfg, c->eamt, &st, 1);
	ctx.ip4_id = c->id_seed;
	db = nat64_db_init(&c->ncfg, 0, NULL, err, sizeof(err));
	if (!db || nat64_init(&n, &ctx, db, err, sizeof(err))) {
		fail_header(c);
		printf("  %s: %s\n", db ? "nat64_init" : "nat64_db_init", err);
		if (db)
			nat64_db_fini(db);
		xlat_xdp__destroy(skel);
		return 0;
	}
	for (unsigned i = 0; ok && i < c->n_static; i++) {
		const struct corpus_static_bib *sb = &c->static_bib[i];
		if (nat64_bib_add_static(db, sb->proto, sb->src6, sb->sport6,
					 sb->addr4, sb->port4)) {
			fail_header(c);
			printf("  static-bib %u refused\n", i + 1);
			ok = 0;
		}
	}
	for (unsigned i = 0; ok && i < c->n_steps; i++) {
		const struct corpus_step *sp = &c->steps[i];
		n.now = 1000 + sp->t;
		if (sp->dir == CORPUS_TICK) {
			/* expiry and held SYNs; run_corpus checks the errors */
			struct xlat_pkt o = {core_buf + XLAT_HEADROOM, 0};
			for (unsigned k = 0; k < 64 && nat64_tick(&n, &o); k++)
				o.data = core_buf + XLAT_HEADROOM;
			continue;
		}
		int h = 0, nf = 0;
		ok = st_packet(c, i, skel, &n, &h, &nf);
		handled += h;
		handed_on += ok && !h;
		t->st_new_flows += ok && nf;
	}
	for (size_t k = 0;
	     ok && k < sizeof(must_handle) / sizeof(must_handle[0]); k++) {
		size_t pl = strlen(c->path), nl = strlen(must_handle[k].name);
		if (pl >= nl &&
		    !strcmp(c->path + pl - nl, must_handle[k].name) &&
		    handled < must_handle[k].min_handled) {
			fail_header(c);
			printf("  XDP translated %d packets of this case's "
			       "established flows, want at least %d\n",
			       handled, must_handle[k].min_handled);
			ok = 0;
		}
	}
	if (ok && verbose)
		printf("ok   %s (stateful: %d handled, %d handed on)\n",
		       c->path, handled, handed_on);
	t->st_cases++;
	t->st_handled += handled;
	t->st_handed_on += handed_on;
	nat64_fini(&n);
	nat64_db_fini(db);
	xlat_xdp__destroy(skel);
	return ok;
}

int main(int argc, char **argv)
{
	struct tally t = {0};
	int verbose = 0;
	char **paths;
	size_t npaths;

	_Static_assert(sizeof(((struct xlat_xdp__rodata *)0)->xdp_cfg) ==
			   sizeof(struct xdp_cfg),
		       "skeleton and bpf/xdp_cfg.h disagree");
	if (argc > 1 && !strcmp(argv[1], "-v"))
		verbose = 1;
	if (corpus_list(argv + 1 + verbose, argc - 1 - verbose, &paths,
			&npaths))
		return 2;
	int fatal = 0;
	for (size_t i = 0; i < npaths; i++) {
		struct corpus_case c;
		char err[1024];

		if (fatal) {
			free(paths[i]);
			continue;
		}
		if (corpus_load(paths[i], &c, err, sizeof(err))) {
			printf("FAIL %s\n  cannot load: %s\n", paths[i], err);
			t.failed++;
		} else if (c.mode == CORPUS_STATEFUL) {
			int r = run_stateful(&c, verbose, &t);
			if (r < 0)
				fatal = 1;
			if (r > 0)
				t.passed++;
			else
				t.failed++;
		} else {
			int r = run_one(&c, verbose, &t);
			if (r > 0 && c.cfg.pool6.len == 96 && !c.eamt)
				r = run_xdp_mode(&c, verbose, &t);
			if (r < 0)
				fatal = 1;
			if (r > 0)
				t.passed++;
			else
				t.failed++;
		}
		corpus_free(&c);
		free(paths[i]);
	}
	free(paths);
	printf("corpus-xdp: %d passed, %d failed\n", t.passed, t.failed);
	printf("corpus-xdp: stateless: %d handled (XDP_TX, identical to the "
	       "core), %d handed on unchanged (%d of them forwarded by the "
	       "core's general path)\n",
	       t.handled, t.handed_on, t.fwd_handed_on);
	printf("corpus-xdp: mode = xdp: %d translated (identical to the "
	       "core), %d counted drops (not what XDP translates), %d to the "
	       "kernel (not the translator's)\n",
	       t.x_translated, t.x_dropped, t.x_to_host);
	printf("corpus-xdp: stateful: %d cases, %d packets handled (identical "
	       "to the core), %d handed on unchanged (%d of them new flows)\n",
	       t.st_cases, t.st_handled, t.st_handed_on, t.st_new_flows);
	if (fatal)
		printf("corpus-xdp: stopped: the XDP program does not load\n");
	return t.failed || !t.passed ? 1 : 0;
}
