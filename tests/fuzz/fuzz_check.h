/*
 * fuzz_check.h - CHECK(cond): an invariant of a fuzz harness; a failure
 * prints where and aborts, which libFuzzer reports as a crash.
 */
#ifndef GATE64_FUZZ_CHECK_H
#define GATE64_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #c);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

#endif
