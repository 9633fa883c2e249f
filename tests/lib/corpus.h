/*
 * corpus.h - the golden packet corpus (tests/packets/README.md): loading a
 * case and its configuration into the core's plain structs, and showing a
 * byte diff.  Used by every engine's corpus runner (core, XDP, DPDK).
 *
 * Contract: corpus_load allocates the case's buffers; corpus_free releases
 * them.  Single-threaded test code.
 */
#ifndef GATE64_TESTS_CORPUS_H
#define GATE64_TESTS_CORPUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dataplane/xlat/xlat.h"

#define CORPUS_MAX_OUT 64

enum corpus_dir { CORPUS_6TO4, CORPUS_4TO6 };

struct corpus_case {
	char path[512];
	char rfc[256];
	char desc[512];
	struct xlat_cfg cfg;
	struct xlat_eamt *eamt; /* NULL when the case has no EAM entry */
	uint16_t id_seed;
	enum corpus_dir dir;
	uint8_t *in;
	uint32_t in_len;
	enum xlat_verdict expect;
	enum xlat_reason reason;
	unsigned n_out;
	uint8_t *out[CORPUS_MAX_OUT];
	uint32_t out_len[CORPUS_MAX_OUT];
};

/* 0, or -1 with a message naming the file, line and problem. */
int corpus_load(const char *path, struct corpus_case *c, char *err,
		size_t errlen);
void corpus_free(struct corpus_case *c);

/* Apply one configuration line "key value..." (case 'set:' or .conf). */
int corpus_cfg_line(struct corpus_case *c, const char *line, char *err,
		    size_t errlen);

/* Print both packets in hex, 16 bytes a row, marking differing bytes. */
void corpus_hexdiff(FILE *f, const uint8_t *want, uint32_t wlen,
		    const uint8_t *got, uint32_t glen);

int corpus_verdict_parse(const char *s, enum xlat_verdict *v);
int corpus_reason_parse(const char *s, enum xlat_reason *r);

#endif
