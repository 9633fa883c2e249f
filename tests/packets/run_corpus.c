/*
 * run_corpus.c - run the golden packet corpus through the translation core
 * and compare verdict, reason and every output byte.
 *
 * Usage: run_corpus [-v] DIR|FILE...   (prints "corpus: N passed, N failed")
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/corpus.h"

#define HEADROOM 256
#define BUFSZ	 (65536 + 2 * HEADROOM)

static char **paths;
static size_t npaths, cappaths;

static int collect(const char *p, const struct stat *sb, int type,
		   struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	size_t l = strlen(p);
	if (type == FTW_F && l > 5 && !strcmp(p + l - 5, ".case")) {
		if (npaths == cappaths) {
			cappaths = cappaths ? 2 * cappaths : 256;
			char **np = realloc(paths, cappaths * sizeof(*paths));
			if (!np)
				return -1;
			paths = np;
		}
		paths[npaths++] = strdup(p);
	}
	return 0;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

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

int main(int argc, char **argv)
{
	int verbose = 0, passed = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			verbose = 1;
			continue;
		}
		if (nftw(argv[i], collect, 16, FTW_PHYS) != 0) {
			fprintf(stderr, "run_corpus: cannot walk %s\n",
				argv[i]);
			return 2;
		}
	}
	qsort(paths, npaths, sizeof(*paths), cmpstr);
	for (size_t i = 0; i < npaths; i++) {
		/* Every case through the core as engines call it, then with the
		 * fast path off: both must give the expected bytes. */
		path_name = "";
		int ok = run_one(paths[i], verbose, 0);
		path_name = " (general path)";
		ok &= run_one(paths[i], 0, 1);
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
