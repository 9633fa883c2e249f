/*
 * fuzz_xlat_6to4.c - libFuzzer target: arbitrary bytes arriving on the
 * IPv6 side of the translator (xlat_6to4).  Input layout, configurations
 * and invariants: fuzz_xlat.h.
 */
#define FUZZ_TO6 0
#include "tests/fuzz/fuzz_xlat.h"
