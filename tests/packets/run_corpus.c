/*
 * run_corpus.c - run the golden packet corpus through the translation core
 * and compare verdict, reason and every output byte.  A stateful case
 * (mode: stateful) runs its steps through one NAT64 worker (nat64.h).
 *
 * Usage: run_corpus [-v] DIR|FILE...   (prints "corpus: N passed, N failed")
 */
#include <stdlib.h>
#include <string.h>

#include "dataplane/xlat/nat64.h"
#include "tests/lib/corpus.h"

#define HEADROOM 256
#define BUFSZ	 (65536 + 2 * HEADROOM)

static uint8_t buf[BUFSZ];
static uint8_t fragbuf[CORPUS_MAX_OUT][65536];

static const char *path_name = "";

static void header(const struct corpus_case *c)
{
	printf("FAIL %s%s\n  %s: %s\n", c->path, path_name, c->rfc, c->desc);
}

/* Run one case on the core; no_fast forces the general path. */
static int run_one(const char *path, int verbose, int no_fast)
{
	struct corpus_case c;
	char err[1024];
	struct xlat_stats st;
	struct xlat_ctx ctx;
	enum xlat_reason r;

	if (corpus_load(path, &c, err, sizeof(err))) {
		printf("FAIL %s\n  cannot load: %s\n", path, err);
		corpus_free(&c);
		return 0;
	}
	memset(&st, 0, sizeof(st));
	xlat_ctx_init(&ctx, &c.cfg, c.eamt, &st, 1);
	ctx.ip4_id = c.id_seed;
	if (no_fast)
		ctx.fast = 0;
	memset(buf, 0xee, sizeof(buf));
	memcpy(buf + HEADROOM, c.in, c.in_len);
	struct xlat_pkt pkt = {buf + HEADROOM, c.in_len};
	enum xlat_verdict v = c.dir == CORPUS_6TO4 ? xlat_6to4(&ctx, &pkt, &r)
						   : xlat_4to6(&ctx, &pkt, &r);
	int ok = 1;
	if (v != c.expect || r != c.reason) {
		header(&c);
		printf("  verdict: want %s/%s, got %s/%s\n",
		       xlat_verdict_name(c.expect), xlat_reason_name(c.reason),
		       xlat_verdict_name(v), xlat_reason_name(r));
		ok = 0;
	}
	struct xlat_pkt outs[CORPUS_MAX_OUT];
	unsigned nout = 0;
	if (v == XLAT_FORWARD || v == XLAT_HAIRPIN || v == XLAT_ICMP) {
		outs[0] = pkt;
		nout = 1;
	} else if (v == XLAT_FRAGMENT) {
		for (unsigned i = 0; i < CORPUS_MAX_OUT; i++)
			outs[i].data = fragbuf[i];
		int n = xlat_frag6(&ctx, &pkt, outs, CORPUS_MAX_OUT);
		nout = n > 0 ? (unsigned)n : 0;
	}
	if (ok && nout != c.n_out) {
		header(&c);
		printf("  outputs: want %u packets, got %u\n", c.n_out, nout);
		ok = 0;
	}
	for (unsigned i = 0; ok && i < nout; i++) {
		if (outs[i].len != c.out_len[i] ||
		    memcmp(outs[i].data, c.out[i], c.out_len[i])) {
			header(&c);
			printf("  output %u differs (want %u bytes, got %u):\n",
			       i, c.out_len[i], outs[i].len);
			corpus_hexdiff(stdout, c.out[i], c.out_len[i],
				       outs[i].data, outs[i].len);
			ok = 0;
		}
	}
	if (ok && verbose)
		printf("ok   %s\n", path);
	corpus_free(&c);
	return ok;
}

static const char *dir_name(enum corpus_dir d)
{
	return d == CORPUS_6TO4 ? "6to4" : d == CORPUS_4TO6 ? "4to6" : "tick";
}

static void step_header(const struct corpus_case *c, unsigned i)
{
	const struct corpus_step *st = &c->steps[i];
	header(c);
	printf("  step %u (%s t=%u, line %d):", i + 1, dir_name(st->dir), st->t,
	       st->line);
}

/* Compare a step's outputs; 1 when they match. */
static int step_outputs(const struct corpus_case *c, unsigned i,
			const struct xlat_pkt *outs, unsigned nout)
{
	const struct corpus_step *st = &c->steps[i];
	if (nout != st->n_out) {
		step_header(c, i);
		printf(" outputs: want %u packets, got %u\n", st->n_out, nout);
		return 0;
	}
	for (unsigned k = 0; k < nout; k++) {
		if (outs[k].len != st->out_len[k] ||
		    memcmp(outs[k].data, st->out[k], st->out_len[k])) {
			step_header(c, i);
			printf(" output %u differs (want %u bytes, got %u):\n",
			       k, st->out_len[k], outs[k].len);
			corpus_hexdiff(stdout, st->out[k], st->out_len[k],
				       outs[k].data, outs[k].len);
			return 0;
		}
	}
	return 1;
}

/* One tick: every ICMP error nat64_tick has, in order. */
static unsigned run_tick(struct nat64 *n, struct xlat_pkt *outs)
{
	unsigned k = 0;
	for (;;) {
		struct xlat_pkt o = {fragbuf[k] + HEADROOM, 0};
		if (!nat64_tick(n, &o))
			break;
		outs[k++] = o;
		if (k == CORPUS_STEP_MAX_OUT + 1)
			break; /* more than any case expects: a mismatch */
	}
	return k;
}

/* A stateful case: one worker (xlat_ctx + nat64_db + nat64), the static
 * BIB entries, then the steps in order, each at n.now = 1000 + t.  Stops
 * at the first step that differs (the later ones depend on its state). */
static int run_stateful(struct corpus_case *c, int verbose, int no_fast)
{
	char err[512];
	struct xlat_stats st;
	struct xlat_ctx ctx;
	struct nat64 n;
	struct nat64_db *db;
	int ok = 1;

	memset(&st, 0, sizeof(st));
	xlat_ctx_init(&ctx, &c->cfg, c->eamt, &st, 1);
	ctx.ip4_id = c->id_seed;
	if (no_fast) /* no hit path, no core fast path */
		ctx.fast = 0;
	db = nat64_db_init(&c->ncfg, 0, NULL, err, sizeof(err));
	if (!db) {
		header(c);
		printf("  nat64_db_init: %s\n", err);
		return 0;
	}
	if (nat64_init(&n, &ctx, db, err, sizeof(err))) {
		header(c);
		printf("  nat64_init: %s\n", err);
		nat64_db_fini(db);
		return 0;
	}
	for (unsigned i = 0; i < c->n_static; i++) {
		const struct corpus_static_bib *sb = &c->static_bib[i];
		int r = nat64_bib_add_static(db, sb->proto, sb->src6,
					     sb->sport6, sb->addr4, sb->port4);
		if (r) {
			header(c);
			printf("  static-bib %u: nat64_bib_add_static: %s\n",
			       i + 1, strerror(-r));
			ok = 0;
		}
	}
	for (unsigned i = 0; ok && i < c->n_steps; i++) {
		const struct corpus_step *sp = &c->steps[i];
		struct xlat_pkt outs[CORPUS_STEP_MAX_OUT + 1];
		unsigned nout = 0;
		enum xlat_reason r = XLAT_R_NONE;

		n.now = 1000 + sp->t;
		if (sp->dir == CORPUS_TICK) {
			nout = run_tick(&n, outs);
			ok = step_outputs(c, i, outs, nout);
			continue;
		}
		memset(buf, 0xee, sizeof(buf));
		memcpy(buf + HEADROOM, sp->in, sp->in_len);
		struct xlat_pkt pkt = {buf + HEADROOM, sp->in_len};
		enum xlat_verdict v = sp->dir == CORPUS_6TO4
					  ? nat64_6to4(&n, &pkt, &r)
					  : nat64_4to6(&n, &pkt, &r);
		if (v != sp->expect || r != sp->reason) {
			step_header(c, i);
			printf(" verdict: want %s/%s, got %s/%s\n",
			       xlat_verdict_name(sp->expect),
			       xlat_reason_name(sp->reason),
			       xlat_verdict_name(v), xlat_reason_name(r));
			ok = 0;
			break;
		}
		if (v == XLAT_FORWARD || v == XLAT_HAIRPIN || v == XLAT_ICMP) {
			outs[0] = pkt;
			nout = 1;
		} else if (v == XLAT_FRAGMENT) {
			for (unsigned k = 0; k < CORPUS_STEP_MAX_OUT; k++)
				outs[k].data = fragbuf[k];
			int nf =
			    xlat_frag6(&ctx, &pkt, outs, CORPUS_STEP_MAX_OUT);
			nout = nf > 0 ? (unsigned)nf : 0;
		}
		ok = step_outputs(c, i, outs, nout);
	}
	if (ok && verbose)
		printf("ok   %s (%u steps)\n", c->path, c->n_steps);
	nat64_fini(&n);
	nat64_db_fini(db);
	return ok;
}

/* Load a case and run it twice: as engines call the core, then with the
 * fast paths off (stateful: the NAT64 hit path too).  Both must give the
 * expected bytes. */
static int run_case(const char *path, int verbose)
{
	struct corpus_case c;
	char err[1024];

	if (corpus_load(path, &c, err, sizeof(err))) {
		printf("FAIL %s\n  cannot load: %s\n", path, err);
		corpus_free(&c);
		return 0;
	}
	int stateful = c.mode == CORPUS_STATEFUL;
	int ok = 1;
	if (stateful) {
		path_name = "";
		ok = run_stateful(&c, verbose, 0);
		path_name = " (general path)";
		ok &= run_stateful(&c, 0, 1);
	}
	corpus_free(&c);
	if (stateful)
		return ok;
	path_name = "";
	ok = run_one(path, verbose, 0);
	path_name = " (general path)";
	ok &= run_one(path, 0, 1);
	return ok;
}

int main(int argc, char **argv)
{
	int verbose = 0, passed = 0, failed = 0;

	char **paths;
	size_t npaths;
	if (argc > 1 && !strcmp(argv[1], "-v"))
		verbose = 1;
	if (corpus_list(argv + 1 + verbose, argc - 1 - verbose, &paths,
			&npaths))
		return 2;
	for (size_t i = 0; i < npaths; i++) {
		/* Every case through the core as engines call it, then with
		 * the fast paths off: both must give the expected bytes. */
		int ok = run_case(paths[i], verbose);
		if (ok)
			passed++;
		else
			failed++;
		free(paths[i]);
	}
	free(paths);
	printf("corpus: %d passed, %d failed\n", passed, failed);
	return failed || !passed ? 1 : 0;
}
