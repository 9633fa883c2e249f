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
 *    program translates (pool6 other than /96);
 *  - anything else fails, and so do counters that disagree with the run;
 *  - and XDP must translate every case the core's fast path translates
 *    (xlat_fast.h, asked directly: see core_fast()).
 * A case with an EAM table (RFC 7757) runs with the program's EAM tries
 * filled from it (control/xdp_eam.c, as gate64d fills them); the core's
 * fast path does not apply there, so the plain EAM cases XDP must
 * translate are named (must_eam[]), and each of them must be handed on
 * while the tries are not filled yet (g64_eam_on).
 *
 * Every stateless case the program's configuration allows (/96 pool6)
 * runs a second time as gate64d's mode = xdp loads it (xdp_fwd.kernel
 * = 1, bpf/xdp_fwd.h), where nothing may be handed on:
 *  - a frame that is not the translator's (IPv6 not to pool6, IPv4 to a
 *    multicast or broadcast address, or too short to tell) goes to the
 *    kernel unchanged (XDP_PASS, xdp-to-host);
 *  - a frame the core's fast path translates is translated, the bytes the
 *    core's, counted per direction with its IP length; then forwarding
 *    fails as it must here (bpf_fib_lookup from the test's loopback): one
 *    counted forwarding drop (no route, forwarding disabled...), XDP_DROP;
 *  - any other is a counted drop (XDP_DROP, xdp-unhandled), unchanged.
 * And a third time as mode = hybrid loads it (xdp_cfg.hand_on =
 * XDP_REDIRECT): the same, but that last kind goes to the workers' AF_XDP
 * socket of the frame's RX queue; a test run binds none, so each must be
 * the fallback's counted drop (XDP_DROP, unchanged, xdp-no-worker-socket,
 * neither xdp-to-workers nor xdp-unhandled), never passed to the kernel.
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
 * Create mode (xdp_cfg.create, mode = xdp NAT64): each stateful case once
 * more, the program ALONE making its state (nothing exported from the
 * core), packet by packet beside the core.  Its maps keep case time
 * between steps: before a step every `last` is moved to CLOCK_MONOTONIC
 * (+ now - t), after it moved back, at least 50 ms from a second's end
 * (the run fails, never guesses, if the second moves meanwhile); no sweep
 * runs, so the program's lookup-time expiry is what the expiry cases see.
 * The core and the program may choose different pool4 ports for one BIB
 * entry (they do in the second run below), so the comparison pairs their
 * transport addresses per BIB entry, (src6, sport6, protocol) -> the
 * core's (addr4, port4) and the program's, read from both BIBs after each
 * IPv6 -> IPv4 packet; then:
 *  - IPv4 -> IPv6: the input goes to the program addressed to the
 *    program's pool4 address and port of the BIB entry the core's
 *    destination names; the IPv6 output holds no pool4 port, so it is
 *    compared with the core's byte for byte;
 *  - IPv6 -> IPv4: the core's output gets the program's pool4 address and
 *    port, its IP and upper-layer checksums adjusted by RFC 1624 as any
 *    NAT would (rewrite4, itself checked against packets built whole),
 *    and is compared with the program's output byte for byte, checksums
 *    included: the program's own checksums are what is compared.
 * Checked for each packet: translated (XDP_TX) only when the core
 * forwards it, with those bytes; dropped (XDP_DROP) only when the core
 * drops it, for the same reason; handed on unchanged otherwise, and when
 * the core forwards (or hairpins, or holds) a packet the program hands
 * on, the program counted why (xdp-hairpin, xdp-inbound-syn, xdp-adf-
 * unverified, xdp-pool4-no-port, xdp-state-full) or the core's fast path
 * refuses the packet whatever the mapping (ICMP errors, fragments...).
 * Cases whose configuration mode = xdp refuses (per-subscriber limits)
 * are counted apart.  The established flows of must_handle[] are
 * translated.  The stateful cases then run a second time with the
 * program's pool4 ranges 1000 ports wider than the core's, so that its
 * ports are its own (cases that test exhaustion left out).
 *
 * Then focused checks on packets built here (run_create_focus):
 * endpoint-independent mapping and filtering, ports in range and class,
 * exhaustion of a two-port pool4 (the third flow counted and handed on,
 * dropped in mode = xdp), a TCP connection through the RFC 6146 §3.5.2.2
 * states in both entries, a static BIB entry, ADF, the BIB events; and
 * the program loads in every configuration (stateless, hit-only, create;
 * xdp_fwd.kernel 0 and 1; mode = hybrid's), its sizes printed.
 *
 * Usage: run_corpus_xdp [-v] DIR|FILE...   Needs root (BPF).
 * Prints "corpus-xdp: N passed, N failed" (a stateful case counts once
 * for the hit-only and create runs, once more for the wide run; the
 * focused checks count as one), then handled / handed on, for the
 * stateless cases and the packets of the stateful ones.
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
#include "control/xdp_eam.h"
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
	int x_to_workers; /* mode = hybrid: for the XSK, none bound: dropped */
	/* stateless cases with an EAM table (RFC 7757): translated, handed
	 * on; and the cases of must_eam[] handed on (each a failure) */
	int eam_handled, eam_handed_on, eam_must_missed;
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

/* The plain EAM cases (RFC 7757 §3.3, both directions, host and prefix
 * entries, nested, the pool6 fallback beside EAM, EAM for a private range
 * beside the WKP, hairpinning off): XDP must translate them. */
static const char *const must_eam[] = {
    "4to6-eam-both.case",
    "4to6-eam-dst-24.case",
    "4to6-eam-dst-25.case",
    "4to6-eam-dst-28-nested.case",
    "4to6-eam-dst-32.case",
    "4to6-eam-pool6-fallback.case",
    "4to6-eam-src.case",
    "6to4-eam-dst.case",
    "6to4-eam-nest6-15.case",
    "6to4-eam-nest6-25.case",
    "6to4-eam-src-24.case",
    "6to4-eam-src-25.case",
    "6to4-eam-src-28-nested.case",
    "6to4-eam-src-32.case",
    "6to4-hairpin-off.case",
    "wkp-check-not-for-eam-4to6.case",
    "wkp-check-not-for-eam-6to4.case",
};

static int is_must_eam(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	for (size_t i = 0; i < sizeof(must_eam) / sizeof(*must_eam); i++)
		if (!strcmp(b, must_eam[i]))
			return 1;
	return 0;
}

/* The case's EAM table into the program's tries (control/xdp_eam.c, as
 * gate64d fills them): 0, or -1 with the failure printed. */
static int eam_load(struct xlat_xdp *skel, const struct corpus_case *c)
{
	if (!c->eamt)
		return 0;
	int err = xdp_eam_fill(bpf_map__fd(skel->maps.g64_eam4),
			       bpf_map__fd(skel->maps.g64_eam6),
			       bpf_map__fd(skel->maps.g64_eam_on), c->eamt);
	if (err)
		printf("FAIL %s\n  xdp_eam_fill: %s\n", c->path,
		       strerror(-err));
	return err ? -1 : 0;
}

static void cfg_fill(struct xdp_cfg *x, const struct corpus_case *c);
static uint32_t frame_build(const uint8_t *in, uint32_t in_len, uint16_t type);

/* With an EAM table, before the loader has filled the tries (g64_eam_on
 * still 0: mode = hybrid between the PMD's attach and hybrid_start), the
 * program hands every frame on unchanged: 1 if so. */
static int eam_unfilled_hands_on(const struct corpus_case *c)
{
	struct xlat_xdp *skel = xlat_xdp__open();
	int ok = 0;

	if (!skel)
		return 0;
	cfg_fill(&skel->rodata->xdp_cfg, c);
	if (!xlat_xdp__load(skel)) {
		uint32_t len =
		    frame_build(c->in, c->in_len,
				c->dir == CORPUS_6TO4 ? ETH_P_IPV6 : ETH_P_IP);
		struct bpf_test_run_opts o = {
		    .sz = sizeof(o),
		    .data_in = frame_in,
		    .data_size_in = len,
		    .data_out = frame_out,
		    .data_size_out = sizeof(frame_out),
		    .repeat = 1,
		};
		ok = !bpf_prog_test_run_opts(
			 bpf_program__fd(skel->progs.xlat_xdp), &o) &&
		     o.retval == XDP_PASS && o.data_size_out == len &&
		     !memcmp(frame_out, frame_in, len);
	}
	xlat_xdp__destroy(skel);
	return ok;
}

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

/* 1 pass, 0 fail; -1: the program does not load (fatal for the run).
 * *xlated: XDP translated the case. */
static int run_one(struct corpus_case *c, int verbose, struct tally *t,
		   int *xlated)
{
	int supported = c->cfg.pool6.len == 96;
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
	*xlated = 0;
	if (eam_load(skel, c)) {
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
		} else if (c->eamt && !eam_unfilled_hands_on(c)) {
			fail_header(c);
			printf("  with the EAM tries not filled yet "
			       "(g64_eam_on 0), XDP must hand it on\n");
		} else {
			ok = 1;
			*xlated = 1;
			t->handled++;
			t->eam_handled += c->eamt != NULL;
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
		} else if (c->eamt && is_must_eam(c->path)) {
			fail_header(c);
			printf(
			    "  handed on, but a plain EAM case (must_eam[]): "
			    "XDP must translate it\n");
			t->eam_must_missed++;
		} else {
			t->eam_handed_on += c->eamt != NULL;
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
	uint32_t v4;

	if (c->dir == CORPUS_6TO4) /* under pool6, or an EAM entry's */
		return c->in_len >= XLAT_IP6_HLEN &&
		       (!memcmp(c->in + 24, c->cfg.pool6.addr, 12) ||
			eam_6to4(c->eamt, c->in + 24, &v4));
	return c->in_len >= XLAT_IP4_HLEN && c->in[16] < 224;
}

/* The case once more as gate64d's mode = xdp loads the program: 1 pass,
 * 0 fail, -1 the program does not load.  xlated: run_one saw XDP
 * translate it (what decides with an EAM table, where the core's fast
 * path does not apply). */
static int run_xdp_mode(struct corpus_case *c, int verbose, struct tally *t,
			int hybrid, int xlated)
{
	uint16_t type = c->dir == CORPUS_6TO4 ? ETH_P_IPV6 : ETH_P_IP;
	struct xlat_xdp *skel = xlat_xdp__open();
	int err, ok = 0;

	if (!skel)
		return -1;
	cfg_fill(&skel->rodata->xdp_cfg, c);
	skel->rodata->xdp_fwd.kernel = 1;
	if (hybrid) /* mode = hybrid: the rest to the workers' XSK */
		((struct xdp_cfg *)&skel->rodata->xdp_cfg)->hand_on =
		    XDP_REDIRECT;
	if ((err = xlat_xdp__load(skel))) {
		printf("FAIL %s\n  mode = %s: xlat_xdp__load: %s\n", c->path,
		       hybrid ? "hybrid" : "xdp", strerror(-err));
		xlat_xdp__destroy(skel);
		return -1;
	}
	if (eam_load(skel, c)) {
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
	int ours = xdp_ours(c),
	    fast = ours && (c->eamt ? xlated : core_fast(c));
	int unchanged =
	    o.data_size_out == len && !memcmp(frame_out, frame_in, len);
	int to4 = c->dir == CORPUS_6TO4;
	const char *mode = hybrid ? "hybrid" : "xdp";
	/* hybrid: bpf_redirect_map to xsks_map; no socket is bound in a
	 * test run, so the redirect falls back to its XDP_DROP, counted as
	 * such (gate64d restarting: never XDP_PASS to the kernel) */
	const char *want =
	    !ours    ? "XDP_PASS, unchanged, xdp-to-host"
	    : fast   ? "translated, then XDP_DROP (forwarding fails here)"
	    : hybrid ? "redirect to xsks_map (XDP_DROP: no socket bound), "
		       "unchanged, xdp-no-worker-socket"
		     : "XDP_DROP, unchanged, xdp-unhandled";
	if (err) {
		fail_header(c);
		printf("  mode = %s: bpf_prog_test_run_opts: %s\n", mode,
		       strerror(-err));
	} else if (!ours) {
		ok = o.retval == XDP_PASS && unchanged &&
		     fcounter(skel, XDP_FWD_TO_HOST) == 1 &&
		     counter(skel, XDP_CNT_HANDLED) == 0;
		t->x_to_host += ok && !hybrid; /* counted once */
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
		t->x_translated += ok && !hybrid;
	} else if (hybrid) {
		ok = o.retval == XDP_DROP && unchanged &&
		     fcounter(skel, XDP_FWD_NO_XSK) == 1 &&
		     fcounter(skel, XDP_FWD_TO_XSK) == 0 &&
		     fcounter(skel, XDP_FWD_UNHANDLED) == 0 &&
		     counter(skel, XDP_CNT_HANDED_ON) == 1 &&
		     counter(skel, XDP_CNT_HANDLED) == 0;
		t->x_to_workers += ok;
	} else {
		ok = o.retval == XDP_DROP && unchanged &&
		     fcounter(skel, XDP_FWD_UNHANDLED) == 1 &&
		     counter(skel, XDP_CNT_HANDLED) == 0;
		t->x_dropped += ok;
	}
	if (!err && !ok) {
		fail_header(c);
		printf("  mode = %s: want %s; got action %u, %u bytes%s\n",
		       mode, want, o.retval, o.data_size_out,
		       unchanged ? " (unchanged)" : "");

	} else if (ok && verbose) {
		printf("ok   %s (mode = %s: %s)\n", c->path, mode, want);
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

/* ---------------------------------------------------------------------
 * Create mode: the program alone makes its NAT64 state (xdp_cfg.create,
 * mode = xdp), side by side with the core.
 */

/* A configuration mode = xdp serves (control/cfg_gw.c refuses the rest):
 * /96 pool6, no EAM, no per-subscriber limit, pool4 in XDP_POOL4_MAX
 * ranges, no port blocks.  NULL, or why not. */
static const char *create_refused(const struct corpus_case *c)
{
	if (c->cfg.pool6.len != 96 || c->eamt)
		return "pool6 not /96, or EAM";
	if (c->ncfg.sub_max_sessions)
		return "sessions-per-subscriber (not enforced in XDP)";
	if (c->ncfg.pool4.n > XDP_POOL4_MAX || c->ncfg.pool4.block_size)
		return "pool4 beyond XDP_POOL4_MAX ranges, or port blocks";
	return NULL;
}

/* The program in create mode for a NAT64 configuration (kernel: as
 * mode = xdp loads it), its static BIB entries written as the loader
 * writes them.  NULL (message printed) when it does not load. */
static int create_widen; /* XDP's pool4 ranges 1000 ports wider */

static struct xlat_xdp *create_load(const struct corpus_case *c, int kernel)
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
	x->create = 1;
	x->filtering = c->ncfg.adf ? XDP_FILTER_ADF : XDP_FILTER_EIF;
	x->drop_inbound_syn = c->ncfg.drop_inbound_syn;
	memcpy(x->timeout, c->ncfg.timeout, sizeof(x->timeout));
	for (unsigned i = 0; i < c->ncfg.pool4.n && i < XDP_POOL4_MAX; i++) {
		const struct pool4_range *r = &c->ncfg.pool4.r[i];
		x->p4[i].addr = xlat_htonl(r->addr);
		x->p4[i].min = r->min;
		x->p4[i].max = r->max;
		if (create_widen) /* the core keeps its ports: they differ */
			x->p4[i].max = r->max > 64535 ? 65535 : r->max + 1000;
		x->p4[i].proto = r->proto;
		xdp_p4filter_add(x->p4filter, xlat_htonl(r->addr));
		x->np4 = (uint8_t)(i + 1);
	}
	skel->rodata->xdp_fwd.kernel = (uint32_t)kernel;
	if ((err = bpf_map__set_max_entries(skel->maps.g64_sess6,
					    c->ncfg.max_sessions)) ||
	    (err = bpf_map__set_max_entries(skel->maps.g64_sess4,
					    c->ncfg.max_sessions)) ||
	    (err = bpf_map__set_max_entries(skel->maps.g64_bib6,
					    c->ncfg.max_bib)) ||
	    (err = bpf_map__set_max_entries(skel->maps.g64_bib4,
					    c->ncfg.max_bib)) ||
	    (err = xlat_xdp__load(skel))) {
		printf("FAIL %s\n  loading the program in create mode%s: %s "
		       "(the verifier log is above)\n",
		       c->path, kernel ? " (mode = xdp)" : "", strerror(-err));
		xlat_xdp__destroy(skel);
		return NULL;
	}
	for (unsigned i = 0; i < c->n_static; i++) {
		const struct corpus_static_bib *sb = &c->static_bib[i];
		struct xdp_bib6_key k6 = {.sport6 = xlat_htons(sb->sport6),
					  .proto = sb->proto};
		struct xdp_bib6_val v6 = {.addr4 = xlat_htonl(sb->addr4),
					  .port4 = xlat_htons(sb->port4),
					  .is_static = 1};
		struct xdp_bib4_key k4 = {
		    .addr4 = v6.addr4, .port4 = v6.port4, .proto = sb->proto};
		struct xdp_bib4_val v4 = {.sport6 = k6.sport6, .is_static = 1};
		memcpy(k6.src6, sb->src6, 16);
		memcpy(v4.src6, sb->src6, 16);
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.g64_bib6), &k6,
					&v6, BPF_NOEXIST) ||
		    bpf_map_update_elem(bpf_map__fd(skel->maps.g64_bib4), &k4,
					&v4, BPF_NOEXIST)) {
			printf("FAIL %s\n  static BIB entry %u: %s\n", c->path,
			       i + 1, strerror(errno));
			xlat_xdp__destroy(skel);
			return NULL;
		}
	}
	return skel;
}

/* Add d to the u32 at last_off of every value of hash map fd (but those
 * whose byte at static_off is set, when static_off >= 0).  The next key
 * is asked for before the update: an update puts the entry back at the
 * head of its bucket, and asking for the key after one that moved can
 * visit the bucket's entries again, for ever. */
static void shift_map(int fd, size_t last_off, long static_off, int32_t d)
{
	uint8_t k[64], nk[64], v[64];
	int more = !bpf_map_get_next_key(fd, NULL, k);
	while (more) {
		more = !bpf_map_get_next_key(fd, k, nk);
		if (!bpf_map_lookup_elem(fd, k, v) &&
		    (static_off < 0 || !v[static_off])) {
			uint32_t last;
			memcpy(&last, v + last_off, sizeof(last));
			last += (uint32_t)d;
			memcpy(v + last_off, &last, sizeof(last));
			bpf_map_update_elem(fd, k, v, BPF_EXIST);
		}
		memcpy(k, nk, sizeof(k));
	}
}

/* Add d to every `last` of the program's state (sessions, dynamic BIB
 * entries): the maps keep case time between steps, the program's clock
 * is CLOCK_MONOTONIC. */
static void shift_last(struct xlat_xdp *skel, int32_t d)
{
	_Static_assert(sizeof(struct xdp_sess6_val) <= 64 &&
			   sizeof(struct xdp_sess4_val) <= 64 &&
			   sizeof(struct xdp_bib4_val) <= 64,
		       "values fit shift_map's buffer");
	shift_map(bpf_map__fd(skel->maps.g64_sess6),
		  offsetof(struct xdp_sess6_val, last), -1, d);
	shift_map(bpf_map__fd(skel->maps.g64_sess4),
		  offsetof(struct xdp_sess4_val, last), -1, d);
	shift_map(bpf_map__fd(skel->maps.g64_bib4),
		  offsetof(struct xdp_bib4_val, last),
		  (long)offsetof(struct xdp_bib4_val, is_static), d);
}

/* A second of CLOCK_MONOTONIC with at least 50 ms left in it. */
static uint32_t mono_sec_fresh(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts.tv_nsec > 950000000L) {
		struct timespec w = {0, 1000000000L - ts.tv_nsec + 1000000L};
		nanosleep(&w, NULL);
		clock_gettime(CLOCK_MONOTONIC, &ts);
	}
	return (uint32_t)ts.tv_sec;
}

/* RFC 1624 eqn 3: a 16-bit word of a checksummed area changes. */
static uint16_t csum_adj(uint16_t sum, uint16_t old, uint16_t new_)
{
	uint32_t s = (uint16_t)~sum + (uint32_t)(uint16_t)~old + new_;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Give a plain IPv4 packet (TCP, UDP or ICMP echo, no options) another
 * pool4 transport address on one side (src: the source, else the
 * destination): the address, the port (echo: the identifier), the
 * header checksum and the upper layer's, each by RFC 1624 adjustment of
 * the words that change, as any NAT would.
 */
static void rewrite4(uint8_t *p, uint32_t len, int src, uint32_t a_new,
		     uint16_t port_new)
{
	if (len < 28 || p[0] != 0x45)
		return;
	uint8_t *ad = p + (src ? 12 : 16), *l4 = p + 20;
	uint16_t oa0 = get16(ad), oa1 = get16(ad + 2);
	uint16_t na0 = (uint16_t)(a_new >> 16), na1 = (uint16_t)a_new;
	uint16_t hc = get16(p + 10);
	hc = csum_adj(csum_adj(hc, oa0, na0), oa1, na1);
	put16(p + 10, hc);
	put16(ad, na0);
	put16(ad + 2, na1);
	if (p[9] == XLAT_IPPROTO_ICMP) {
		uint16_t oid = get16(l4 + 4);
		put16(l4 + 2, csum_adj(get16(l4 + 2), oid, port_new));
		put16(l4 + 4, port_new);
		return;
	}
	uint8_t *pp = l4 + (src ? 0 : 2);
	unsigned co = p[9] == XLAT_IPPROTO_TCP ? 16 : 6;
	if (len < 20 + co + 2)
		return;
	uint16_t op = get16(pp), ck = get16(l4 + co);
	if (p[9] == XLAT_IPPROTO_UDP && ck == 0) { /* no checksum */
		put16(pp, port_new);
		return;
	}
	ck = csum_adj(csum_adj(csum_adj(ck, oa0, na0), oa1, na1), op, port_new);
	if (p[9] == XLAT_IPPROTO_UDP && ck == 0)
		ck = 0xffff;
	put16(l4 + co, ck);
	put16(pp, port_new);
}

/* The core's and the program's pool4 transport address of one BIB entry
 * (src6, sport6, proto), host order: the two may choose differently. */
struct norm {
	uint8_t proto;
	uint32_t ca, xa; /* core's, program's address */
	uint16_t cp, xp; /* ports */
};

#define NORM_MAX 64

struct create_run {
	struct norm n[NORM_MAX];
	unsigned nn;
	int translated, decided, handed_on;
	int diff[XDP_CNT_MAX]; /* core forwards, XDP counted this */
	int diff_other;	       /* core forwards, XDP's fast path refuses */
	int renorm;	       /* packets compared with another port */
};

/* Record the pair for (src6, sport6, proto) from both sides' BIBs. */
static void norm_learn(struct create_run *cr, struct xlat_xdp *skel,
		       struct nat64_db *db, uint8_t proto, const uint8_t *src6,
		       uint16_t sport6)
{
	uint32_t b = nat64_bib_find6(db, proto, src6, sport6);
	struct xdp_bib6_key k = {.sport6 = xlat_htons(sport6), .proto = proto};
	struct xdp_bib6_val v;
	memcpy(k.src6, src6, 16);
	if (b == NAT64_NONE ||
	    bpf_map_lookup_elem(bpf_map__fd(skel->maps.g64_bib6), &k, &v))
		return;
	const struct nat64_bib *cb = nat64_bib_get(db, b);
	struct norm e = {proto, cb->addr4, xlat_ntohl(v.addr4), cb->port4,
			 xlat_ntohs(v.port4)};
	for (unsigned i = 0; i < cr->nn; i++)
		if (cr->n[i].proto == proto && cr->n[i].ca == e.ca &&
		    cr->n[i].cp == e.cp) {
			cr->n[i] = e;
			return;
		}
	if (cr->nn < NORM_MAX)
		cr->n[cr->nn++] = e;
}

static const struct norm *norm_core(const struct create_run *cr, uint8_t proto,
				    uint32_t a, uint16_t p)
{
	for (unsigned i = 0; i < cr->nn; i++)
		if (cr->n[i].proto == proto && cr->n[i].ca == a &&
		    cr->n[i].cp == p)
			return &cr->n[i];
	return NULL;
}

/* The BIB identity of a plain packet: proto, the IPv6 side's address and
 * port; 6to4 from the packet, 4to6 from the core's BIB of its
 * destination.  0, or -1 when there is none. */
static int pkt_ident(const uint8_t *in, uint32_t len, int to4,
		     struct nat64_db *db, uint8_t *proto, uint8_t *src6,
		     uint16_t *sport6)
{
	const uint8_t *l4 = in + (to4 ? 40 : 20);
	uint8_t nh = to4 ? in[6] : in[9];
	if (len < (to4 ? 48u : 28u) || (to4 ? in[0] >> 4 != 6 : in[0] != 0x45))
		return -1;
	*proto = nh == XLAT_IPPROTO_TCP	  ? NAT64_TCP
		 : nh == XLAT_IPPROTO_UDP ? NAT64_UDP
					  : NAT64_ICMP;
	if (*proto == NAT64_ICMP &&
	    nh != (to4 ? XLAT_IPPROTO_ICMPV6 : XLAT_IPPROTO_ICMP))
		return -1;
	uint16_t port = *proto == NAT64_ICMP ? get16(l4 + 4)
			: to4		     ? get16(l4)
					     : get16(l4 + 2);
	if (to4) {
		memcpy(src6, in + 8, 16);
		*sport6 = port;
		return 0;
	}
	uint32_t a = (uint32_t)in[16] << 24 | (uint32_t)in[17] << 16 |
		     (uint32_t)in[18] << 8 | in[19];
	uint32_t b = nat64_bib_find4(db, *proto, a, port);
	if (b == NAT64_NONE)
		return -1;
	memcpy(src6, nat64_bib_get(db, b)->src6, 16);
	*sport6 = nat64_bib_get(db, b)->sport6;
	return 0;
}

/* Does the core's fast path refuse this packet whatever the mapping?
 * (The program hands such a packet on before any state.) */
static int fast_refuses(const struct corpus_case *c, const uint8_t *in,
			uint32_t len, int to4)
{
	struct xlat_stats st;
	struct xlat_ctx ctx;
	struct xlat_map m;
	memset(&st, 0, sizeof(st));
	memset(&m, 0, sizeof(m));
	xlat_ctx_init(&ctx, &c->cfg, NULL, &st, 1);
	if (to4) {
		struct fast_64 f;
		return !fast_6to4_check(&ctx, in, in + len, &m, &f);
	}
	struct fast_46 f;
	return !fast_4to6_check(&ctx, in, in + len, &m, &f);
}

/* Which NAT64 counter moved (k0 -> k1), for a handed-on packet. */
static const uint32_t not_here_cnt[] = {
    XDP_CNT_POOL4_NO_PORT, XDP_CNT_STATE_FULL, XDP_CNT_INBOUND_SYN,
    XDP_CNT_ADF_UNSURE,	   XDP_CNT_HAIRPIN,
};

static void cnt_snap(const struct xlat_xdp *skel, uint64_t *v)
{
	for (uint32_t i = 0; i < XDP_CNT_MAX; i++)
		v[i] = counter(skel, i);
}

/* One packet step in create mode.  1 pass, 0 fail. */
static int create_packet(struct corpus_case *c, unsigned i,
			 struct xlat_xdp *skel, struct nat64 *n,
			 struct create_run *cr)
{
	const struct corpus_step *sp = &c->steps[i];
	int to4 = sp->dir == CORPUS_6TO4;
	uint8_t in[2048];
	uint64_t k0[XDP_CNT_MAX], k1[XDP_CNT_MAX];
	uint8_t proto = 0, src6[16] = {0};
	uint16_t sport6 = 0;
	int have_id;

	if (sp->in_len > sizeof(in)) {
		st_header(c, i);
		printf(" input too long for this runner\n");
		return 0;
	}
	memcpy(in, sp->in, sp->in_len);
	have_id =
	    !pkt_ident(sp->in, sp->in_len, to4, n->db, &proto, src6, &sport6);
	/* 4to6: to the program's transport address of the core's BIB */
	if (!to4 && have_id) {
		uint16_t port =
		    proto == NAT64_ICMP ? get16(in + 24) : get16(in + 22);
		uint32_t a = (uint32_t)in[16] << 24 | (uint32_t)in[17] << 16 |
			     (uint32_t)in[18] << 8 | in[19];
		const struct norm *e = norm_core(cr, proto, a, port);
		if (e && (e->xa != e->ca || e->xp != e->cp)) {
			rewrite4(in, sp->in_len, 0, e->xa, e->xp);
			cr->renorm++;
		}
	}
	uint32_t len = frame_build(in, sp->in_len, to4 ? ETH_P_IPV6 : ETH_P_IP);

	/* the program, at case time t */
	uint32_t sec = mono_sec_fresh();
	int32_t off = (int32_t)(sec - sp->t);
	shift_last(skel, off);
	cnt_snap(skel, k0);
	{
		uint32_t zero = 0;
		int ncpu = libbpf_num_possible_cpus();
		uint64_t *ids = calloc((size_t)ncpu, 8);
		for (int j = 0; ids && j < ncpu; j++)
			ids[j] = (uint16_t)(n->x->ip4_id - c->id_seed);
		if (ids)
			bpf_map_update_elem(bpf_map__fd(skel->maps.xdp_ip4_id),
					    &zero, ids, BPF_ANY);
		free(ids);
	}
	struct bpf_test_run_opts o = {
	    .sz = sizeof(o),
	    .data_in = frame_in,
	    .data_size_in = len,
	    .data_out = frame_out,
	    .data_size_out = sizeof(frame_out),
	    .repeat = 1,
	};
	memset(frame_out, 0xee, sizeof(frame_out));
	int err =
	    bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xlat_xdp), &o);
	uint32_t sec2 = mono_sec();
	shift_last(skel, -off);
	cnt_snap(skel, k1);
	if (err || sec2 != sec) {
		st_header(c, i);
		printf(" %s\n", err ? strerror(-err)
				    : "the clock's second moved during the "
				      "run (a stalled machine): run again");
		return 0;
	}

	/* the core */
	enum xlat_reason r = XLAT_R_NONE;
	memcpy(core_buf + XLAT_HEADROOM, sp->in, sp->in_len);
	struct xlat_pkt pkt = {core_buf + XLAT_HEADROOM, sp->in_len};
	enum xlat_verdict v =
	    to4 ? nat64_6to4(n, &pkt, &r) : nat64_4to6(n, &pkt, &r);
	if (v != sp->expect || r != sp->reason) {
		st_header(c, i);
		printf(" the core says %s/%s, the case %s/%s\n",
		       xlat_verdict_name(v), xlat_reason_name(r),
		       xlat_verdict_name(sp->expect),
		       xlat_reason_name(sp->reason));
		return 0;
	}
	if (to4 && have_id)
		norm_learn(cr, skel, n->db, proto, src6, sport6);

	if (o.retval == XDP_TX) {
		uint8_t want[2048];
		uint8_t eth[ETH_HLEN];
		uint16_t t = to4 ? ETH_P_IP : ETH_P_IPV6;
		if (v != XLAT_FORWARD || pkt.len > sizeof(want)) {
			st_header(c, i);
			printf(" XDP translated; the core says %s/%s\n",
			       xlat_verdict_name(v), xlat_reason_name(r));
			return 0;
		}
		memcpy(want, pkt.data, pkt.len);
		if (to4) { /* the core's output with the program's port */
			uint32_t a = (uint32_t)want[12] << 24 |
				     (uint32_t)want[13] << 16 |
				     (uint32_t)want[14] << 8 | want[15];
			uint16_t port = proto == NAT64_ICMP ? get16(want + 24)
							    : get16(want + 20);
			const struct norm *e =
			    have_id ? norm_core(cr, proto, a, port) : NULL;
			if (!e) {
				st_header(c, i);
				printf(" XDP translated, but has no BIB entry "
				       "for the flow\n");
				return 0;
			}
			rewrite4(want, pkt.len, 1, e->xa, e->xp);
			cr->renorm += e->xa != e->ca || e->xp != e->cp;
		}
		memcpy(eth, mac_dst, ETH_ALEN);
		memcpy(eth + ETH_ALEN, mac_src, ETH_ALEN);
		eth[12] = (uint8_t)(t >> 8);
		eth[13] = (uint8_t)t;
		if (o.data_size_out != ETH_HLEN + pkt.len ||
		    memcmp(frame_out, eth, ETH_HLEN) ||
		    memcmp(frame_out + ETH_HLEN, want, pkt.len)) {
			st_header(c, i);
			printf(" XDP_TX frame differs from the core's output "
			       "(with the program's pool4 port):\n");
			corpus_hexdiff(stdout, want, pkt.len,
				       frame_out + ETH_HLEN,
				       o.data_size_out > ETH_HLEN
					   ? o.data_size_out - ETH_HLEN
					   : 0);
			return 0;
		}
		if (k1[XDP_CNT_HANDLED] - k0[XDP_CNT_HANDLED] != 1 ||
		    k1[XDP_CNT_SESS_HIT] + k1[XDP_CNT_SESS_MISS] -
			    k0[XDP_CNT_SESS_HIT] - k0[XDP_CNT_SESS_MISS] !=
			1) {
			st_header(c, i);
			printf(" counters: want handled 1, one session "
			       "lookup\n");
			return 0;
		}
		cr->translated++;
		return 1;
	}
	if (o.retval == XDP_DROP) { /* a NAT64 drop the core makes too */
		uint32_t xr = 0;
		for (uint32_t j = 1; j < XLAT_R_MAX; j++)
			if (k1[j] != k0[j])
				xr = j;
		if (v != XLAT_DROP ||
		    k1[XDP_CNT_NAT64_DROPPED] - k0[XDP_CNT_NAT64_DROPPED] !=
			1) {
			st_header(c, i);
			printf(" XDP dropped it (%s); the core says %s/%s\n",
			       xlat_reason_name((enum xlat_reason)xr),
			       xlat_verdict_name(v), xlat_reason_name(r));
			return 0;
		}
		if (xr != r) {
			st_header(c, i);
			printf(" XDP dropped it for %s, the core for %s\n",
			       xlat_reason_name((enum xlat_reason)xr),
			       xlat_reason_name(r));
			return 0;
		}
		cr->decided++;
		return 1;
	}
	if (o.retval != XDP_PASS || o.data_size_out != len ||
	    memcmp(frame_out, frame_in, len)) {
		st_header(c, i);
		printf(" XDP action %u: neither translated, dropped, nor "
		       "handed on unchanged\n",
		       o.retval);
		return 0;
	}
	/* handed on: a documented difference, or what the core does not
	 * forward, or not the fast path's */
	int why = -1;
	for (size_t j = 0; j < sizeof(not_here_cnt) / sizeof(*not_here_cnt);
	     j++)
		if (k1[not_here_cnt[j]] != k0[not_here_cnt[j]])
			why = (int)not_here_cnt[j];
	if (k1[XDP_CNT_HANDED_ON] - k0[XDP_CNT_HANDED_ON] != 1) {
		st_header(c, i);
		printf(" counters: want handed on 1\n");
		return 0;
	}
	if (v == XLAT_FORWARD || v == XLAT_HAIRPIN || v == XLAT_ICMP ||
	    r == XLAT_R_NAT64_SYN_HELD) {
		if (why >= 0) {
			cr->diff[why]++;
		} else if (fast_refuses(c, sp->in, sp->in_len, to4)) {
			cr->diff_other++;
		} else {
			st_header(c, i);
			printf(" handed on without a reason; the core says "
			       "%s/%s; counters moved:",
			       xlat_verdict_name(v), xlat_reason_name(r));
			for (uint32_t j = 0; j < XDP_CNT_MAX; j++)
				if (k1[j] != k0[j])
					printf(" %u", j);
			printf("\n");
			return 0;
		}
	}
	cr->handed_on++;
	return 1;
}

struct create_tally {
	int cases, refused, translated, decided, handed_on, renorm;
	int diff[XDP_CNT_MAX], diff_other;
};

/* 1 pass, 0 fail, -1: the program does not load. */
static int run_create(struct corpus_case *c, int verbose,
		      struct create_tally *ct)
{
	char err[512];
	struct xlat_stats st;
	struct xlat_ctx ctx;
	struct nat64 n;
	struct nat64_db *db;
	struct create_run cr;
	int ok = 1;
	const char *why = create_refused(c);

	for (unsigned i = 0; !why && create_widen && i < c->n_steps; i++)
		if (c->steps[i].reason == XLAT_R_NAT64_POOL4_EXHAUSTED)
			why = "pool4 exhaustion (not with a wider pool4)";

	if (why) {
		ct->refused++;
		if (verbose)
			printf("ok   %s (create mode: not a mode = xdp "
			       "configuration: %s)\n",
			       c->path, why);
		return 1;
	}
	/* loads as mode = xdp too */
	struct xlat_xdp *skel = create_load(c, 1);
	if (!skel)
		return -1;
	xlat_xdp__destroy(skel);
	if (!(skel = create_load(c, 0)))
		return -1;
	memset(&cr, 0, sizeof(cr));
	memset(&st, 0, sizeof(st));
	xlat_ctx_init(&ctx, &c->cfg, NULL, &st, 1);
	ctx.ip4_id = c->id_seed;
	db = nat64_db_init(&c->ncfg, 0, NULL, err, sizeof(err));
	if (!db || nat64_init(&n, &ctx, db, err, sizeof(err))) {
		fail_header(c);
		printf("  %s\n", err);
		if (db)
			nat64_db_fini(db);
		xlat_xdp__destroy(skel);
		return 0;
	}
	for (unsigned i = 0; ok && i < c->n_static; i++) {
		const struct corpus_static_bib *sb = &c->static_bib[i];
		ok = !nat64_bib_add_static(db, sb->proto, sb->src6, sb->sport6,
					   sb->addr4, sb->port4);
		struct norm e = {sb->proto, sb->addr4, sb->addr4, sb->port4,
				 sb->port4};
		cr.n[cr.nn++] = e;
	}
	for (unsigned i = 0; ok && i < c->n_steps; i++) {
		const struct corpus_step *sp = &c->steps[i];
		n.now = 1000 + sp->t;
		if (sp->dir == CORPUS_TICK) {
			struct xlat_pkt o = {core_buf + XLAT_HEADROOM, 0};
			for (unsigned k = 0; k < 64 && nat64_tick(&n, &o); k++)
				o.data = core_buf + XLAT_HEADROOM;
			continue;
		}
		ok = create_packet(c, i, skel, &n, &cr);
	}
	for (size_t k = 0;
	     ok && k < sizeof(must_handle) / sizeof(must_handle[0]); k++) {
		size_t pl = strlen(c->path), nl = strlen(must_handle[k].name);
		if (pl >= nl &&
		    !strcmp(c->path + pl - nl, must_handle[k].name) &&
		    cr.translated < must_handle[k].min_handled + 1) {
			fail_header(c);
			printf("  create mode: XDP translated %d packets, want "
			       "at least %d\n",
			       cr.translated, must_handle[k].min_handled + 1);
			ok = 0;
		}
	}
	if (ok && verbose)
		printf("ok   %s (create mode: %d translated, %d dropped as "
		       "the core, %d handed on)\n",
		       c->path, cr.translated, cr.decided, cr.handed_on);
	ct->cases++;
	ct->translated += cr.translated;
	ct->decided += cr.decided;
	ct->handed_on += cr.handed_on;
	ct->renorm += cr.renorm;
	ct->diff_other += cr.diff_other;
	for (int k = 0; k < XDP_CNT_MAX; k++)
		ct->diff[k] += cr.diff[k];
	nat64_fini(&n);
	nat64_db_fini(db);
	xlat_xdp__destroy(skel);
	return ok;
}

/* ---------------------------------------------------------------------
 * Create mode, focused checks on packets built here: endpoint-independent
 * mapping and filtering, the pool4 ranges and port classes, exhaustion, a
 * TCP connection through the RFC 6146 §3.5.2.2 states, a static BIB
 * entry, the BIB events.
 */

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t csum_add(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

/* The upper layer at l4 (l4len bytes): UDP, TCP with flags, or an echo
 * (request from IPv6, reply from IPv4) whose identifier is sport. */
static void mk_l4(uint8_t *l4, uint32_t l4len, uint8_t nh, uint16_t sport,
		  uint16_t dport, uint8_t flags)
{
	memset(l4, 0, l4len);
	if (nh == XLAT_IPPROTO_UDP) {
		put16(l4, sport);
		put16(l4 + 2, dport);
		put16(l4 + 4, (uint16_t)l4len);
	} else if (nh == XLAT_IPPROTO_TCP) {
		put16(l4, sport);
		put16(l4 + 2, dport);
		l4[7] = 1;	 /* seq */
		l4[12] = 5 << 4; /* data offset */
		l4[13] = flags;
		put16(l4 + 14, 0xffff); /* window */
	} else {
		l4[0] =
		    nh == XLAT_IPPROTO_ICMPV6 ? ICMP6_ECHO : ICMP4_ECHO_REPLY;
		put16(l4 + 4, sport);
		l4[7] = 1;
	}
	memcpy(l4 + l4len - 8, "gate64!!", 8);
}

static uint32_t l4_len(uint8_t nh)
{
	return nh == XLAT_IPPROTO_TCP ? 28 : 16;
}

/* An IPv6 packet from [src6]:sport to the pool6 (64:ff9b::/96) image of
 * d4:dport (host order). */
static uint32_t mk6(uint8_t *b, const uint8_t *src6, uint32_t d4, uint8_t nh,
		    uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint32_t l4len = l4_len(nh);
	static const uint8_t wkp[12] = {0, 0x64, 0xff, 0x9b};
	memset(b, 0, 40);
	b[0] = 0x60;
	put16(b + 4, (uint16_t)l4len);
	b[6] = nh;
	b[7] = 64;
	memcpy(b + 8, src6, 16);
	memcpy(b + 24, wkp, 12);
	put16(b + 36, (uint16_t)(d4 >> 16));
	put16(b + 38, (uint16_t)d4);
	mk_l4(b + 40, l4len, nh, sport, dport, flags);
	uint32_t s = csum_add(b + 8, 32, l4len + nh);
	uint16_t ck = csum_fold(csum_add(b + 40, l4len, s));
	put16(b + 40 +
		  (nh == XLAT_IPPROTO_TCP   ? 16
		   : nh == XLAT_IPPROTO_UDP ? 6
					    : 2),
	      ck);
	return 40 + l4len;
}

/* An IPv4 packet s4:sport -> d4:dport (host order); ICMP: an echo reply
 * with identifier dport. */
static uint32_t mk4(uint8_t *b, uint32_t s4, uint32_t d4, uint8_t proto,
		    uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint32_t l4len = l4_len(proto);
	memset(b, 0, 20);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)(20 + l4len));
	b[6] = 0x40; /* DF */
	b[8] = 64;
	b[9] = proto;
	put16(b + 12, (uint16_t)(s4 >> 16));
	put16(b + 14, (uint16_t)s4);
	put16(b + 16, (uint16_t)(d4 >> 16));
	put16(b + 18, (uint16_t)d4);
	put16(b + 10, csum_fold(csum_add(b, 20, 0)));
	if (proto == XLAT_IPPROTO_ICMP) {
		mk_l4(b + 20, l4len, proto, dport, 0, 0);
		put16(b + 22, csum_fold(csum_add(b + 20, l4len, 0)));
	} else {
		mk_l4(b + 20, l4len, proto, sport, dport, flags);
		uint32_t s = csum_add(b + 12, 8, l4len + proto);
		put16(b + 20 + (proto == XLAT_IPPROTO_TCP ? 16 : 6),
		      csum_fold(csum_add(b + 20, l4len, s)));
	}
	return 20 + l4len;
}

struct fx {
	struct xlat_xdp *skel;
	uint8_t out[256];
	uint32_t out_len;
	int failed, passed;
};

/* One packet through the program: its action; the IP packet out. */
static int fx_run(struct fx *f, const uint8_t *pkt, uint32_t len, int v6)
{
	uint32_t flen = frame_build(pkt, len, v6 ? ETH_P_IPV6 : ETH_P_IP);
	struct bpf_test_run_opts o = {
	    .sz = sizeof(o),
	    .data_in = frame_in,
	    .data_size_in = flen,
	    .data_out = frame_out,
	    .data_size_out = sizeof(frame_out),
	    .repeat = 1,
	};
	if (bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.xlat_xdp),
				   &o))
		return -1;
	f->out_len =
	    o.data_size_out > ETH_HLEN ? o.data_size_out - ETH_HLEN : 0;
	if (f->out_len > sizeof(f->out))
		f->out_len = sizeof(f->out);
	memcpy(f->out, frame_out + ETH_HLEN, f->out_len);
	return (int)o.retval;
}

static void fx_check(struct fx *f, int ok, const char *what)
{
	if (ok) {
		f->passed++;
		return;
	}
	f->failed++;
	printf("FAIL create mode, focused: %s\n", what);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The session entries of a flow: 0 and both values, or -1. */
static int fx_sess(struct fx *f, uint8_t proto, const uint8_t *src6,
		   uint16_t sport6, uint32_t raddr4, uint16_t rport,
		   struct xdp_sess6_val *v6, struct xdp_sess4_val *v4)
{
	struct xdp_sess6_key k6;
	struct xdp_sess4_key k4;
	memset(&k6, 0, sizeof(k6));
	memcpy(k6.src6, src6, 16);
	k6.raddr4 = xlat_htonl(raddr4);
	k6.sport6 = xlat_htons(sport6);
	k6.rport = proto == NAT64_ICMP ? 0 : xlat_htons(rport);
	k6.proto = proto;
	if (bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.g64_sess6), &k6, v6))
		return -1;
	memset(&k4, 0, sizeof(k4));
	k4.raddr4 = k6.raddr4;
	k4.addr4 = v6->addr4;
	k4.rport = k6.rport;
	k4.port4 = v6->port4;
	k4.proto = proto;
	return bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.g64_sess4), &k4,
				   v4)
		   ? -1
		   : 0;
}

static int n_events, focus_passed, focus_failed;
static struct xdp_bib_event first_event;

static int on_event(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (len >= sizeof(first_event) && !n_events++)
		memcpy(&first_event, data, sizeof(first_event));
	return 0;
}

/* A NAT64 configuration for these checks: pool6 64:ff9b::/96. */
static void fx_case(struct corpus_case *c)
{
	static const uint8_t wkp[16] = {0, 0x64, 0xff, 0x9b};
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "create-mode focused checks");
	xlat_cfg_default(&c->cfg);
	memcpy(c->cfg.pool6.addr, wkp, 16);
	c->cfg.pool6.len = 96;
	nat64_cfg_default(&c->ncfg);
	c->ncfg.max_bib = c->ncfg.max_sessions = 1024;
	c->mode = CORPUS_STATEFUL;
}

static void fx_range(struct corpus_case *c, uint32_t a, uint8_t proto,
		     uint16_t lo, uint16_t hi)
{
	struct pool4_range *r = &c->ncfg.pool4.r[c->ncfg.pool4.n++];
	r->addr = a;
	r->proto = proto;
	r->min = lo;
	r->max = hi;
}

#define A1 0xc0000201u /* 192.0.2.1 */
#define A2 0xc0000202u
#define A9 0xc0000209u
#define R1 0xc6336407u /* 198.51.100.7 */
#define R2 0xc6336408u
#define R3 0xcb007109u /* 203.0.113.9 */

static void fx_main_checks(struct fx *f)
{
	static const uint8_t c1[16] = {0x20, 0x01, 0x0d,       0xb8,
				       0,    1,	   [15] = 0x10};
	static const uint8_t srv[16] = {0x20, 0x01, 0x0d,	0xb8,
					0,    1,    [15] = 0x80};
	uint8_t p[128];
	uint32_t n;
	char msg[160];

	/* EIM (RFC 6146 §3.5.1, RFC 4787 REQ-1): one mapping, two remotes */
	n = mk6(p, c1, R1, XLAT_IPPROTO_UDP, 40000, 53, 0);
	int r = fx_run(f, p, n, 1);
	uint32_t a = get32(f->out + 12);
	uint16_t port = get16(f->out + 20);
	fx_check(f, r == XDP_TX && f->out_len == 20 + 16,
		 "UDP from the IPv6 side creates state and is translated");
	fx_check(f, (a == A1 || a == A2) && port >= 1024 && port <= 2999,
		 "the mapping is a pool4 UDP address and a port of the "
		 "client port's class (1024-49151) in its range");
	n = mk6(p, c1, R2, XLAT_IPPROTO_UDP, 40000, 53, 0);
	r = fx_run(f, p, n, 1);
	fx_check(f,
		 r == XDP_TX && get32(f->out + 12) == a &&
		     get16(f->out + 20) == port,
		 "EIM: the same client port to a second remote keeps its "
		 "pool4 address and port");

	/* EIF (RFC 6146 §3.5.1): a third remote reaches the client */
	n = mk4(p, R3, a, XLAT_IPPROTO_UDP, 9999, port, 0);
	r = fx_run(f, p, n, 0);
	fx_check(f,
		 r == XDP_TX && f->out_len == 40 + 16 &&
		     !memcmp(f->out + 24, c1, 16) &&
		     get16(f->out + 42) == 40000 && get32(f->out + 20) == R3,
		 "EIF: an inbound UDP packet from a new remote through the "
		 "mapping reaches [client]:40000 from 64:ff9b::203.0.113.9");
	struct xdp_sess6_val v6;
	struct xdp_sess4_val v4;
	fx_check(f,
		 !fx_sess(f, NAT64_UDP, c1, 40000, R3, 9999, &v6, &v4) &&
		     v6.timer == NAT64_T_UDP && v4.timer == NAT64_T_UDP,
		 "EIF: the inbound packet made both session entries");

	/* ports: 40 more flows of the client, all in class and range, all
	 * distinct, on the client's one address (paired pooling) */
	uint16_t seen[64];
	int ok = 1, same = 1;
	seen[0] = port;
	for (int i = 1; i <= 40; i++) {
		n = mk6(p, c1, R1, XLAT_IPPROTO_UDP, (uint16_t)(40000 + i), 53,
			0);
		r = fx_run(f, p, n, 1);
		uint16_t q = get16(f->out + 20);
		ok &= r == XDP_TX && q >= 1024 && q <= 2999;
		same &= get32(f->out + 12) == a;
		for (int j = 0; j < i; j++)
			ok &= seen[j] != q;
		seen[i] = q;
	}
	fx_check(f, ok,
		 "41 UDP flows get 41 distinct ports, all of class "
		 "1024-49151 within 1000-2999");
	fx_check(f, same,
		 "a subscriber's flows keep its pool4 address "
		 "(RFC 4787 REQ-2)");
	n = mk6(p, c1, R1, XLAT_IPPROTO_UDP, 53, 53, 0);
	r = fx_run(f, p, n, 1);
	port = get16(f->out + 20);
	fx_check(f, r == XDP_TX && port >= 1000 && port <= 1023,
		 "a client port below 1024 gets a pool4 port below 1024 "
		 "(RFC 6146 §3.5.1.1)");
	n = mk6(p, c1, R1, XLAT_IPPROTO_UDP, 50000, 53, 0);
	r = fx_run(f, p, n, 1);
	port = get16(f->out + 20);
	fx_check(f, r == XDP_TX && port >= 1000 && port <= 2999,
		 "a client port of a class the range lacks gets any port of "
		 "the range");

	/* ICMP echo: identifier from the ICMP range */
	n = mk6(p, c1, R1, XLAT_IPPROTO_ICMPV6, 0x1234, 0, 0);
	r = fx_run(f, p, n, 1);
	uint16_t id = get16(f->out + 24);
	fx_check(f,
		 r == XDP_TX && f->out[20] == ICMP4_ECHO && id >= 100 &&
		     id <= 199,
		 "an echo request gets an identifier of the ICMP range");
	n = mk4(p, R1, get32(f->out + 12), XLAT_IPPROTO_ICMP, 0, id, 0);
	r = fx_run(f, p, n, 0);
	fx_check(f,
		 r == XDP_TX && f->out[40] == ICMP6_ECHO_REPLY &&
		     get16(f->out + 44) == 0x1234,
		 "its echo reply comes back with identifier 0x1234");

	/* TCP through the states (RFC 6146 §3.5.2.2), both entries alike */
	static const struct {
		int v6;
		uint8_t flags, state, timer;
	} tcp[] = {
	    {1, 0x02, NAT64_TCP_V6_INIT, NAT64_T_TCP_TRANS},   /* SYN */
	    {0, 0x12, NAT64_TCP_ESTABLISHED, NAT64_T_TCP_EST}, /* SYN+ACK */
	    {1, 0x10, NAT64_TCP_ESTABLISHED, NAT64_T_TCP_EST}, /* ACK */
	    {1, 0x18, NAT64_TCP_ESTABLISHED, NAT64_T_TCP_EST}, /* data */
	    {0, 0x18, NAT64_TCP_ESTABLISHED, NAT64_T_TCP_EST}, /* data */
	    {1, 0x11, NAT64_TCP_V6_FIN_RCV, NAT64_T_TCP_EST},  /* FIN */
	    {0, 0x11, NAT64_TCP_V4_FIN_V6_FIN_RCV, NAT64_T_TCP_TRANS},
	    {1, 0x10, NAT64_TCP_V4_FIN_V6_FIN_RCV, NAT64_T_TCP_TRANS},
	};
	uint64_t steps0 = counter(f->skel, XDP_CNT_TCP_STEPS);
	uint32_t ta = 0;
	uint16_t tp = 0;
	uint8_t want_state = NAT64_TCP_CLOSED;
	for (size_t i = 0; i < sizeof(tcp) / sizeof(*tcp); i++) {
		n = tcp[i].v6 ? mk6(p, c1, R1, XLAT_IPPROTO_TCP, 40100, 80,
				    tcp[i].flags)
			      : mk4(p, R1, ta, XLAT_IPPROTO_TCP, 80, tp,
				    tcp[i].flags);
		r = fx_run(f, p, n, tcp[i].v6);
		if (!i) {
			ta = get32(f->out + 12);
			tp = get16(f->out + 20);
		}
		/* the core's machine, step by step */
		want_state =
		    !i ? nat64_tcp_open(NAT64_FROM6, tcp[i].flags).state
		       : nat64_tcp_next(want_state,
					tcp[i].v6 ? NAT64_FROM6 : NAT64_FROM4,
					tcp[i].flags)
			     .state;
		int have = !fx_sess(f, NAT64_TCP, c1, 40100, R1, 80, &v6, &v4);
		snprintf(msg, sizeof(msg),
			 "TCP packet %zu (flags 0x%02x, from IPv%c): "
			 "translated, state %u timer %u in both entries",
			 i + 1, tcp[i].flags, tcp[i].v6 ? '6' : '4',
			 tcp[i].state, tcp[i].timer);
		fx_check(
		    f,
		    r == XDP_TX && have && want_state == tcp[i].state &&
			v6.state == tcp[i].state && v4.state == tcp[i].state &&
			v6.timer == tcp[i].timer && v4.timer == tcp[i].timer,
		    msg);
	}
	fx_check(f, counter(f->skel, XDP_CNT_TCP_STEPS) - steps0 == 3,
		 "three TCP transitions applied (SYN+ACK, FIN, FIN)");
	n = mk6(p, c1, R1, XLAT_IPPROTO_TCP, 40200, 80, 0x10);
	r = fx_run(f, p, n, 1);
	fx_check(f, r == XDP_DROP,
		 "a TCP ACK without session is dropped "
		 "(nat64-tcp-no-session)");

	/* a static BIB entry (a portal): an inbound SYN opens V4 INIT */
	uint64_t syn0 = counter(f->skel, XDP_CNT_INBOUND_SYN);
	n = mk4(p, R3, A1, XLAT_IPPROTO_TCP, 5555, 1050, 0x02);
	r = fx_run(f, p, n, 0);
	fx_check(f,
		 r == XDP_TX && !memcmp(f->out + 24, srv, 16) &&
		     get16(f->out + 42) == 80,
		 "an inbound SYN to the static BIB entry 192.0.2.1:1050 "
		 "reaches [2001:db8:1::80]:80");
	fx_check(f,
		 !fx_sess(f, NAT64_TCP, srv, 80, R3, 5555, &v6, &v4) &&
		     v4.state == NAT64_TCP_V4_INIT &&
		     v4.timer == NAT64_T_TCP_SYN,
		 "it opened a V4 INIT session on TCP_INCOMING_SYN");
	n = mk6(p, srv, R3, XLAT_IPPROTO_TCP, 80, 5555, 0x12);
	r = fx_run(f, p, n, 1);
	fx_check(f,
		 r == XDP_TX && get32(f->out + 12) == A1 &&
		     get16(f->out + 20) == 1050,
		 "the server's SYN+ACK goes out from 192.0.2.1:1050");
	fx_check(f,
		 !fx_sess(f, NAT64_TCP, srv, 80, R3, 5555, &v6, &v4) &&
		     v6.state == NAT64_TCP_ESTABLISHED,
		 "and the session is ESTABLISHED");
	n = mk4(p, R3, A1, XLAT_IPPROTO_TCP, 5556, 1051, 0x02);
	r = fx_run(f, p, n, 0);
	fx_check(f,
		 r == XDP_PASS &&
		     counter(f->skel, XDP_CNT_INBOUND_SYN) == syn0 + 1,
		 "an inbound SYN to a pool4 port without BIB entry is "
		 "handed on, counted (the core holds it)");
	uint16_t free_port = 0;
	for (uint16_t q = 2999; q >= 1000 && !free_port; q--) {
		struct xdp_bib4_key k = {.addr4 = xlat_htonl(A1),
					 .port4 = xlat_htons(q),
					 .proto = NAT64_UDP};
		struct xdp_bib4_val bv;
		if (bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.g64_bib4), &k,
					&bv))
			free_port = q;
	}
	uint64_t nb0 = counter(f->skel, XLAT_R_NAT64_NO_BIB);
	n = mk4(p, R3, A1, XLAT_IPPROTO_UDP, 5556, free_port, 0);
	r = fx_run(f, p, n, 0);
	fx_check(f,
		 free_port && r == XDP_DROP &&
		     counter(f->skel, XLAT_R_NAT64_NO_BIB) == nb0 + 1,
		 "inbound UDP to a pool4 port without BIB entry is dropped "
		 "(nat64-no-mapping)");
}

/* The comparison's own tool: rewrite4() of a packet equals the packet
 * built with the other address and port, checksums computed whole. */
static void fx_rewrite_check(struct fx *f)
{
	static const uint8_t pr[] = {XLAT_IPPROTO_UDP, XLAT_IPPROTO_TCP,
				     XLAT_IPPROTO_ICMP};
	int ok = 1;
	for (int i = 0; i < 3; i++)
		for (uint16_t q = 1; q < 2000; q += 37) {
			uint8_t a[128], b[128];
			uint32_t n = mk4(a, R1, A1, pr[i], 53, 3000, 0x10);
			mk4(b, R1, A2 + q, pr[i], 53, (uint16_t)(3000 + q * 7),
			    0x10);
			rewrite4(a, n, 0, A2 + q, (uint16_t)(3000 + q * 7));
			ok &= !memcmp(a, b, n);
			n = mk4(a, A1, R1, pr[i], 3000, 53, 0x10);
			mk4(b, A2 + q, R1, pr[i], (uint16_t)(3000 + q * 7), 53,
			    0x10);
			if (pr[i] == XLAT_IPPROTO_ICMP) /* identifier: dport */
				continue;
			rewrite4(a, n, 1, A2 + q, (uint16_t)(3000 + q * 7));
			ok &= !memcmp(a, b, n);
		}
	fx_check(f, ok,
		 "the runner's RFC 1624 rewrite of a pool4 address "
		 "and port equals the packet built with them");
}

/* Every configuration the program is loaded in (stateless, stateful
 * hit-only, create; xdp_fwd.kernel 0 and 1; and as mode = hybrid loads
 * it, kernel 1 with hand_on = XDP_REDIRECT, "h", never create) loads; its
 * size after the verifier's dead-code removal and the instructions it
 * verified.  1: all load. */
static int load_matrix(void)
{
	static const struct {
		uint8_t stateful, create, eam;
		const char *name;
	} m[] = {{0, 0, 0, "stateless"},
		 {0, 0, 1, "stateless EAM"},
		 {1, 0, 0, "stateful hit-only"},
		 {1, 0, 1, "stateful hit-only EAM"},
		 {1, 1, 0, "stateful create"}};
	struct corpus_case c;
	int ok = 1;

	fx_case(&c);
	fx_range(&c, A1, NAT64_UDP, 1000, 2999);
	fx_range(&c, A1, NAT64_TCP, 1024, 1100);
	fx_range(&c, A1, NAT64_ICMP, 100, 199);
	printf(
	    "corpus-xdp: program size (instructions after load / verified):");
	for (size_t i = 0; i < sizeof(m) / sizeof(*m); i++)
		for (int k = 0; k < 3; k++) {
			int kernel = k ? 1 : 0, hybrid = k == 2;
			if (hybrid && m[i].create)
				continue; /* hybrid: the workers create */
			struct xlat_xdp *skel = xlat_xdp__open();
			if (!skel)
				return 0;
			struct xdp_cfg *x =
			    (struct xdp_cfg *)&skel->rodata->xdp_cfg;
			cfg_fill(x, &c);
			x->stateful = m[i].stateful;
			x->create = m[i].create;
			x->eam = m[i].eam;
			memcpy(x->timeout, c.ncfg.timeout, sizeof(x->timeout));
			for (unsigned j = 0; j < c.ncfg.pool4.n; j++) {
				x->p4[j].addr =
				    xlat_htonl(c.ncfg.pool4.r[j].addr);
				x->p4[j].min = c.ncfg.pool4.r[j].min;
				x->p4[j].max = c.ncfg.pool4.r[j].max;
				x->p4[j].proto = c.ncfg.pool4.r[j].proto;
			}
			x->np4 = (uint8_t)c.ncfg.pool4.n;
			if (hybrid)
				x->hand_on = XDP_REDIRECT;
			skel->rodata->xdp_fwd.kernel = (uint32_t)kernel;
			int err = xlat_xdp__load(skel);
			struct bpf_prog_info info;
			uint32_t il = sizeof(info);
			memset(&info, 0, sizeof(info));
			if (err || bpf_obj_get_info_by_fd(
				       bpf_program__fd(skel->progs.xlat_xdp),
				       &info, &il)) {
				printf("\nFAIL %s, xdp_fwd.kernel %d%s: does "
				       "not load: %s\n",
				       m[i].name, kernel,
				       hybrid ? ", mode = hybrid" : "",
				       strerror(-err));
				ok = 0;
			} else {
				printf("%s %s k%d%s %u/%u", i || k ? "," : "",
				       m[i].name, kernel, hybrid ? "h" : "",
				       info.xlated_prog_len / 8,
				       info.verified_insns);
			}
			xlat_xdp__destroy(skel);
		}
	printf("\n");
	return ok;
}

/* 1: all passed. */
static int run_create_focus(int verbose)
{
	struct corpus_case c;
	struct fx f = {0};
	char msg[160];

	/* main configuration */
	fx_case(&c);
	fx_range(&c, A1, NAT64_UDP, 1000, 2999);
	fx_range(&c, A2, NAT64_UDP, 1000, 2999);
	fx_range(&c, A1, NAT64_TCP, 1024, 1100);
	fx_range(&c, A1, NAT64_ICMP, 100, 199);
	c.n_static = 1;
	c.static_bib[0].proto = NAT64_TCP;
	memcpy(c.static_bib[0].src6,
	       (const uint8_t[16]){0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x80},
	       16);
	c.static_bib[0].sport6 = 80;
	c.static_bib[0].addr4 = A1;
	c.static_bib[0].port4 = 1050;
	if (!(f.skel = create_load(&c, 0)))
		return 0;
	struct ring_buffer *rb = ring_buffer__new(
	    bpf_map__fd(f.skel->maps.g64_bib_events), on_event, NULL, NULL);
	fx_rewrite_check(&f);
	fx_main_checks(&f);
	n_events = 0;
	if (rb)
		ring_buffer__consume(rb);
	uint64_t made = counter(f.skel, XDP_CNT_BIB_CREATED);
	snprintf(msg, sizeof(msg),
		 "one BIB event per BIB entry made (%d events, %llu made)",
		 n_events, (unsigned long long)made);
	fx_check(&f,
		 rb && made > 40 && (uint64_t)n_events == made &&
		     first_event.created == 1 &&
		     first_event.proto == NAT64_UDP &&
		     xlat_ntohs(first_event.sport6) == 40000,
		 msg);
	ring_buffer__free(rb);
	xlat_xdp__destroy(f.skel);

	/* exhaustion: two ports, the third flow finds none */
	static const uint8_t c2[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1};
	fx_case(&c);
	fx_range(&c, A9, NAT64_UDP, 6000, 6001);
	for (int kernel = 0; kernel < 2; kernel++) {
		uint8_t p[128];
		if (!(f.skel = create_load(&c, kernel)))
			return 0;
		uint16_t q[2];
		int ok = 1;
		for (int i = 0; i < 2; i++) {
			uint32_t n = mk6(p, c2, R1, XLAT_IPPROTO_UDP,
					 (uint16_t)(2000 + i), 53, 0);
			int r = fx_run(&f, p, n, 1);
			q[i] = get16(f.out + 20);
			/* mode = xdp: translated, then forwarding fails */
			ok &= (r == XDP_TX || (kernel && r == XDP_DROP)) &&
			      q[i] >= 6000 && q[i] <= 6001;
		}
		fx_check(&f, ok && q[0] != q[1],
			 "pool4 of two ports: two flows get both");
		uint32_t n = mk6(p, c2, R1, XLAT_IPPROTO_UDP, 2002, 53, 0);
		int r = fx_run(&f, p, n, 1);
		snprintf(msg, sizeof(msg),
			 "the third flow finds no port: counted "
			 "(xdp-pool4-no-port), %s",
			 kernel ? "dropped (mode = xdp)"
				: "handed on unchanged");
		fx_check(&f,
			 r == (kernel ? XDP_DROP : XDP_PASS) &&
			     counter(f.skel, XDP_CNT_POOL4_NO_PORT) == 1 &&
			     counter(f.skel, XDP_CNT_BIB_CREATED) == 2,
			 msg);
		xlat_xdp__destroy(f.skel);
	}

	/* address-dependent filtering: ICMP is exact, UDP not seen */
	fx_case(&c);
	c.ncfg.adf = 1;
	fx_range(&c, A1, NAT64_UDP, 1000, 1000);
	fx_range(&c, A1, NAT64_ICMP, 100, 100);
	if (!(f.skel = create_load(&c, 0)))
		return 0;
	{
		uint8_t p[128];
		uint32_t n = mk6(p, c2, R1, XLAT_IPPROTO_ICMPV6, 7, 0, 0);
		int r = fx_run(&f, p, n, 1);
		n = mk4(p, R2, A1, XLAT_IPPROTO_ICMP, 0, 100, 0);
		r = fx_run(&f, p, n, 0);
		fx_check(&f,
			 r == XDP_DROP &&
			     counter(f.skel, XLAT_R_NAT64_FILTERED) == 1,
			 "ADF: an echo reply from an address the mapping has "
			 "no session with is dropped (nat64-filtered)");
		n = mk6(p, c2, R1, XLAT_IPPROTO_UDP, 7, 53, 0);
		r = fx_run(&f, p, n, 1);
		n = mk4(p, R1, A1, XLAT_IPPROTO_UDP, 54, 1000, 0);
		r = fx_run(&f, p, n, 0);
		fx_check(&f,
			 r == XDP_PASS &&
			     counter(f.skel, XDP_CNT_ADF_UNSURE) == 1,
			 "ADF: UDP from the same address, another port: handed "
			 "on (xdp-adf-unverified)");
	}
	xlat_xdp__destroy(f.skel);

	if (verbose || f.failed)
		printf("%s create mode, focused checks: %d passed, %d failed\n",
		       f.failed ? "FAIL" : "ok  ", f.passed, f.failed);
	focus_passed = f.passed;
	focus_failed = f.failed;
	return !f.failed;
}

int main(int argc, char **argv)
{
	struct tally t = {0};
	struct create_tally ct = {0};
	char **wide = NULL; /* the stateful cases, for the second run */
	size_t nwide = 0;
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
			char **w = realloc(wide, (nwide + 1) * sizeof(*w));
			if (w && (w[nwide] = strdup(paths[i])))
				nwide++;
			if (w)
				wide = w;
			int r = run_stateful(&c, verbose, &t);
			if (r > 0)
				r = run_create(&c, verbose, &ct);
			if (r < 0)
				fatal = 1;
			if (r > 0)
				t.passed++;
			else
				t.failed++;
		} else {
			int xl = 0;
			int r = run_one(&c, verbose, &t, &xl);
			if (r > 0 && c.cfg.pool6.len == 96)
				r = run_xdp_mode(&c, verbose, &t, 0, xl);
			if (r > 0 && c.cfg.pool6.len == 96)
				r = run_xdp_mode(&c, verbose, &t, 1, xl);
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
	/* The stateful cases again, XDP's pool4 ranges 1000 ports wider than
	 * the core's: its ports are its own, the comparison normalised. */
	struct create_tally cw = {0};
	create_widen = 1;
	for (size_t i = 0; !fatal && i < nwide; i++) {
		struct corpus_case c;
		char err[1024];
		if (corpus_load(wide[i], &c, err, sizeof(err)))
			continue;
		int r = run_create(&c, verbose, &cw);
		if (r < 0)
			fatal = 1;
		if (r > 0)
			t.passed++;
		else
			t.failed++;
		corpus_free(&c);
	}
	create_widen = 0;
	for (size_t i = 0; i < nwide; i++)
		free(wide[i]);
	free(wide);
	if (!fatal) { /* the focused checks count as one case */
		if (run_create_focus(verbose) && load_matrix())
			t.passed++;
		else
			t.failed++;
	}
	printf("corpus-xdp: %d passed, %d failed\n", t.passed, t.failed);
	printf("corpus-xdp: stateless: %d handled (XDP_TX, identical to the "
	       "core), %d handed on unchanged (%d of them forwarded by the "
	       "core's general path)\n",
	       t.handled, t.handed_on, t.fwd_handed_on);
	printf("corpus-xdp: EAM (RFC 7757): %d cases translated (identical "
	       "to the core), %d handed on unchanged; %zu plain EAM cases "
	       "required, %d of them handed on\n",
	       t.eam_handled, t.eam_handed_on,
	       sizeof(must_eam) / sizeof(*must_eam), t.eam_must_missed);
	printf("corpus-xdp: mode = xdp: %d translated (identical to the "
	       "core), %d counted drops (not what XDP translates), %d to the "
	       "kernel (not the translator's)\n",
	       t.x_translated, t.x_dropped, t.x_to_host);
	printf("corpus-xdp: mode = hybrid: the same, but %d for the "
	       "workers' AF_XDP socket (none bound in a test run: dropped, "
	       "counted xdp-no-worker-socket, never passed) instead of "
	       "xdp-unhandled\n",
	       t.x_to_workers);
	printf("corpus-xdp: stateful: %d cases, %d packets handled (identical "
	       "to the core), %d handed on unchanged (%d of them new flows)\n",
	       t.st_cases, t.st_handled, t.st_handed_on, t.st_new_flows);
	printf("corpus-xdp: create mode: %d cases (%d more not a mode = xdp "
	       "configuration), %d packets translated (the core's bytes with "
	       "the program's pool4 port), %d dropped as the core drops "
	       "them, %d handed on",
	       ct.cases, ct.refused, ct.translated, ct.decided, ct.handed_on);
	printf("; the core forwards but XDP hands on: %d hairpin, %d inbound "
	       "SYN, %d ADF unverified, %d pool4 no port, %d state full, %d "
	       "not the fast path's (ICMP errors...)\n",
	       ct.diff[XDP_CNT_HAIRPIN], ct.diff[XDP_CNT_INBOUND_SYN],
	       ct.diff[XDP_CNT_ADF_UNSURE], ct.diff[XDP_CNT_POOL4_NO_PORT],
	       ct.diff[XDP_CNT_STATE_FULL], ct.diff_other);
	printf("corpus-xdp: create mode, XDP's pool4 1000 ports wider than "
	       "the core's (its own ports, compared normalised): %d cases "
	       "(%d more not run), %d packets translated, %d dropped as the "
	       "core, %d handed on; %d packets compared through another "
	       "port\n",
	       cw.cases, cw.refused, cw.translated, cw.decided, cw.handed_on,
	       cw.renorm);
	printf("corpus-xdp: create mode, focused checks (EIM, EIF, ADF, port "
	       "ranges and classes, exhaustion, TCP states, static BIB, BIB "
	       "events): %d passed, %d failed\n",
	       focus_passed, focus_failed);
	if (fatal)
		printf("corpus-xdp: stopped: the XDP program does not load\n");
	return t.failed || !t.passed ? 1 : 0;
}
