/*
 * fuzz_xlat_4to6.c - libFuzzer target: arbitrary bytes arriving on the
 * IPv4 side of the translator (xlat_4to6).  Input layout, configurations
 * and invariants: fuzz_xlat.h.
 */
#define FUZZ_TO6 1
#include "tests/fuzz/fuzz_xlat.h"
