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

#include "dataplane/xlat/nat64_db.h"
#include "dataplane/xlat/xlat.h"

#define CORPUS_MAX_OUT	      64
#define CORPUS_MAX_STEPS      64 /* steps of one stateful case */
#define CORPUS_STEP_MAX_OUT   8	 /* output packets of one step */
#define CORPUS_MAX_STATIC_BIB 16

enum corpus_dir { CORPUS_6TO4, CORPUS_4TO6, CORPUS_TICK };

/* No mode line: one packet through the stateless core; 'mode: stateful':
 * a sequence of steps through one stateful NAT64 worker (README). */
enum corpus_mode { CORPUS_STATELESS, CORPUS_STATEFUL };

/* 'static-bib PROTO IPV6 PORT IPV4 PORT'; host order but src6. */
struct corpus_static_bib {
	uint8_t proto; /* enum nat64_proto */
	uint8_t src6[16];
	uint16_t sport6;
	uint32_t addr4;
	uint16_t port4;
};

/* One step of a stateful case.  For CORPUS_TICK: no input; expect_none
 * (no output) or expect == XLAT_ICMP with the errors in out[]. */
struct corpus_step {
	enum corpus_dir dir;
	uint32_t t; /* seconds since the case start */
	int line;   /* of the 'step:' line, for messages */
	int have_expect, have_reason, expect_none;
	uint8_t *in;
	uint32_t in_len;
	enum xlat_verdict expect;
	enum xlat_reason reason;
	unsigned n_out;
	uint8_t *out[CORPUS_STEP_MAX_OUT];
	uint32_t out_len[CORPUS_STEP_MAX_OUT];
};

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
	/* stateful cases (mode: stateful): the NAT64 configuration
	 * (nat64_cfg_default, small tables, one worker, a sweep that covers
	 * every session per tick), static BIB entries, the steps */
	enum corpus_mode mode;
	int nat64_keys; /* a NAT64 key was given (stateful only) */
	struct nat64_cfg ncfg;
	unsigned n_static;
	struct corpus_static_bib static_bib[CORPUS_MAX_STATIC_BIB];
	unsigned n_steps;
	struct corpus_step *steps; /* CORPUS_MAX_STEPS, NULL when stateless */
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

/* Every *.case file under roots (files or directories), sorted by path
 * (corpus_walk.c).  The caller frees each path and the array.  0, or -1
 * with a message on stderr. */
int corpus_list(char *const *roots, int nroots, char ***paths, size_t *n);

int corpus_verdict_parse(const char *s, enum xlat_verdict *v);
int corpus_reason_parse(const char *s, enum xlat_reason *r);

#endif
