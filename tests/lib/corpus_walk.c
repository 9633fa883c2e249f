/*
 * corpus_walk.c - every golden case under the given files and
 * directories, sorted (corpus.h: corpus_list): the runners of every
 * engine take their cases from here.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/corpus.h"

static char **found;
static size_t nfound, capfound;

static int collect(const char *p, const struct stat *sb, int type,
		   struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	size_t l = strlen(p);
	if (type == FTW_F && l > 5 && !strcmp(p + l - 5, ".case")) {
		if (nfound == capfound) {
			capfound = capfound ? 2 * capfound : 256;
			char **np = realloc(found, capfound * sizeof(*found));
			if (!np)
				return -1;
			found = np;
		}
		found[nfound++] = strdup(p);
	}
	return 0;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int corpus_list(char *const *roots, int nroots, char ***paths, size_t *n)
{
	found = NULL;
	nfound = capfound = 0;
	for (int i = 0; i < nroots; i++) {
		if (nftw(roots[i], collect, 16, FTW_PHYS) != 0) {
			fprintf(stderr, "corpus: cannot walk %s\n", roots[i]);
			return -1;
		}
	}
	if (nfound)
		qsort(found, nfound, sizeof(*found), cmpstr);
	*paths = found;
	*n = nfound;
	return 0;
}
