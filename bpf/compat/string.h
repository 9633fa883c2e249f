/*
 * string.h for clang -target bpf: the core's headers include <string.h>
 * for memcpy/memset of constant size; the BPF target has no libc, so they
 * become the compiler builtins (which it expands inline).  Only bpf/ builds
 * put this directory on the include path.
 */
#ifndef GATE64_BPF_COMPAT_STRING_H
#define GATE64_BPF_COMPAT_STRING_H

#define memcpy __builtin_memcpy
#define memset __builtin_memset
#define memcmp __builtin_memcmp

#endif
