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
 * Stateful cases (mode: stateful) are skipped and counted apart.
 *
 * Usage: run_corpus_xdp [-v] DIR|FILE...   Needs root (BPF).
 * Prints "corpus-xdp: N passed, N failed", then handled / handed on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>

#include "bpf/xdp_cfg.h"
#include "tests/lib/corpus.h"
#include "xlat_xdp.skel.h"

/* The core's fast path, the same header the XDP program compiles: asked
 * which cases it translates. */
#include "dataplane/xlat/xlat_fast.h"

#define FRAME_MAX (ETH_HLEN + 65536)

static uint8_t frame_in[FRAME_MAX], frame_out[FRAME_MAX];
static uint8_t core_buf[XLAT_HEADROOM + 65536 + XLAT_TAILROOM];

struct tally {
	int passed, failed, skipped;
	int handled, handed_on;
	int fwd_handed_on; /* the core forwards, XDP handed on */
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

static uint32_t frame_build(const struct corpus_case *c, uint16_t type)
{
	memcpy(frame_in, mac_dst, ETH_ALEN);
	memcpy(frame_in + ETH_ALEN, mac_src, ETH_ALEN);
	frame_in[12] = (uint8_t)(type >> 8);
	frame_in[13] = (uint8_t)type;
	memcpy(frame_in + ETH_HLEN, c->in, c->in_len);
	return ETH_HLEN + c->in_len;
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
	uint32_t len = frame_build(c, type);
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
			t.skipped++;
		} else {
			int r = run_one(&c, verbose, &t);
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
	printf("corpus-xdp: %d handled (XDP_TX, identical to the core), %d "
	       "handed on unchanged (%d of them forwarded by the core's "
	       "general path), %d stateful skipped\n",
	       t.handled, t.handed_on, t.fwd_handed_on, t.skipped);
	if (fatal)
		printf("corpus-xdp: stopped: the XDP program does not load\n");
	return t.failed || !t.passed ? 1 : 0;
}
