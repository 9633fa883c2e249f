# gate64 - NAT64/SIIT translator with DNS64.
#
#   make test    install dependencies (Debian, root), build, lint, run every test
#   make bench   benchmarks (never part of make test)
#   make fuzz    run the fuzzers for FUZZ_SECONDS each
#   make demo    the lab demo: gate64 in one command (MODE=dpdk|xdp|hybrid)

CC      ?= gcc
CLANG   ?= clang
B       := build
CSTD    := -std=c11 -D_DEFAULT_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT     ?= -O2 -g
CFLAGS  += $(CSTD) $(WARN) $(OPT) -I.
FUZZ_SECONDS ?= 60

XLAT_SRC := $(wildcard dataplane/xlat/*.c)
XLAT_HDR := $(wildcard dataplane/xlat/*.h)
XLAT_OBJ := $(XLAT_SRC:%.c=$(B)/%.o)
LIBXLAT  := $(B)/libxlat.a

DNS64_SRC := $(wildcard dns64/*.c)
DNS64_HDR := $(wildcard dns64/*.h)
DNS64_OBJ := $(DNS64_SRC:%.c=$(B)/%.o)
LIBDNS64  := $(B)/libdns64.a

# The DPDK dataplane: the parts in plain C (ARP/ND, neighbour cache) are
# a library the unit tests link without DPDK; the rest needs libdpdk.
DPL2_SRC := dataplane/dpdk/dp_l2.c dataplane/dpdk/dp_neigh.c
DPL2_OBJ := $(DPL2_SRC:%.c=$(B)/%.o)
LIBDPL2  := $(B)/libdpl2.a
DP_HDR   := $(wildcard dataplane/dpdk/*.h)

DP_SRC   := dataplane/dpdk/dp.c
DPDK_CFLAGS = $(shell pkg-config --cflags libdpdk 2>/dev/null)
DPDK_LIBS   = $(shell pkg-config --libs libdpdk 2>/dev/null)
# DPDK's headers need GNU C (typeof, statement expressions).
DP_CFLAGS = -std=gnu11 -D_DEFAULT_SOURCE $(WARN) $(OPT) -I. $(DPDK_CFLAGS)

# control/: the gate64d configuration parser (plain C + iniparser).
CFGGW_SRC := control/cfg_gw.c control/cfg_dns64.c
CFGGW_OBJ := $(CFGGW_SRC:%.c=$(B)/%.o)

TESTLIB_SRC := $(wildcard tests/lib/*.c)
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(B)/%.o)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%-replay)

BENCH_BIN := $(B)/bench/bench_xlat $(B)/bench/bench_nat64 $(B)/bench/bench_dp

LINT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*')

.PHONY: demo all deps test unit corpus lint fuzz fuzz-build bench clean corpus-gen install

all: $(LIBXLAT) $(LIBDNS64) $(UNIT_BIN) $(B)/tests/run_corpus $(B)/bpf/xlat_inline_bpf.o \
	$(B)/gate64-maplog $(B)/gate64-dns64 $(B)/gate64d $(B)/gate64ctl \
	$(B)/bpf/xlat_xdp.o $(B)/tests/run_corpus_xdp $(B)/tests/run_corpus_dp $(B)/tests/test_dp_worker \
	$(B)/control/nl.o $(B)/tests/nl_tool $(B)/tests/test_xdp_sweep

deps:
	./scripts/deps.sh

$(B)/%.o: %.c $(XLAT_HDR) $(DNS64_HDR) $(DP_HDR) $(wildcard control/*.h) $(wildcard tests/lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIBXLAT): $(XLAT_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(LIBDPL2): $(DPL2_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(LIBDNS64): $(DNS64_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(B)/tests/test_%: tests/unit/test_%.c $(LIBDNS64) $(LIBDPL2) $(LIBXLAT) $(TESTLIB_OBJ) $(CFGGW_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(TESTLIB_OBJ) $(CFGGW_OBJ) $(LIBDNS64) $(LIBDPL2) $(LIBXLAT) -liniparser -lcmocka -lpthread -o $@

# gate64-maplog: who held an IPv4 transport address when (RFC 6888 §4).
$(B)/gate64-maplog: control/maplog.c $(LIBXLAT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(LIBXLAT) -o $@

# gate64-dns64: the DNS64 server alone, [dns64] of the gateway's INI file.
$(B)/gate64-dns64: control/dns64_main.c control/cfg_dns64.c control/cfg_dns64.h $(LIBDNS64) $(LIBXLAT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) control/dns64_main.c control/cfg_dns64.c $(LIBDNS64) $(LIBXLAT) -liniparser -lpthread -o $@

# gate64ctl: the CLI (control socket client, no DPDK).
$(B)/gate64ctl: control/gate64ctl.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@

# control/nl.c: the netlink module (libnl-route-3) of the xdp and hybrid
# modes, and nl_tool, its command line for tests/integration/test_netlink.py.
GNL_CFLAGS = $(shell pkg-config --cflags libnl-route-3.0)
GNL_LIBS   = $(shell pkg-config --libs libnl-route-3.0)
$(B)/control/nl.o: control/nl.c control/nl.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(GNL_CFLAGS) -c $< -o $@

$(B)/tests/nl_tool: tests/nl/nl_tool.c $(B)/control/nl.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(B)/control/nl.o $(GNL_LIBS) -o $@

# gate64d: the gateway daemon (DPDK dataplane + control thread).
$(B)/dataplane/dpdk/dp.o: dataplane/dpdk/dp.c $(DP_HDR) $(XLAT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(DP_CFLAGS) -c $< -o $@

$(B)/control/gate64d.o: control/gate64d.c $(DP_HDR) $(XLAT_HDR) $(wildcard control/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(DP_CFLAGS) -c $< -o $@

$(B)/control/ctl.o: control/ctl.c $(DP_HDR) $(XLAT_HDR) $(wildcard control/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(DP_CFLAGS) -c $< -o $@

$(B)/control/metrics.o: control/metrics.c $(DP_HDR) $(XLAT_HDR) $(wildcard control/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(DP_CFLAGS) -c $< -o $@

$(B)/control/reload.o: control/reload.c $(DP_HDR) $(XLAT_HDR) $(wildcard control/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(DP_CFLAGS) -c $< -o $@

# mode = xdp: the loader of bpf/xlat_xdp.c (its skeleton) and netlink.
NL_CFLAGS = $(shell pkg-config --cflags libnl-route-3.0 2>/dev/null)
NL_LIBS   = $(shell pkg-config --libs libnl-route-3.0 2>/dev/null)
$(B)/control/xdp_mode.o: control/xdp_mode.c control/xdp_mode.h control/xdp_common.h control/xdp_nat64.h control/xdp_eam.h $(B)/bpf/xlat_xdp.skel.h $(BPF_HDR) $(XLAT_HDR) $(wildcard control/cfg_*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(B)/bpf $(NL_CFLAGS) -c $< -o $@

# mode = hybrid: the program's objects for net_af_xdp, its maps, the
# kernel's neighbours for the workers.
$(B)/control/hybrid.o: control/hybrid.c control/hybrid.h control/xdp_common.h control/nl.h control/xdp_nat64.h control/xdp_eam.h $(B)/bpf/xlat_xdp.skel.h $(BPF_HDR) $(XLAT_HDR) $(DP_HDR) $(wildcard control/cfg_*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(B)/bpf $(NL_CFLAGS) -c $< -o $@

# The EAM tries of the XDP program from the core's table (the loaders and
# run_corpus_xdp).
$(B)/control/xdp_eam.o: control/xdp_eam.c control/xdp_eam.h $(BPF_HDR) $(XLAT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/control/xdp_common.o: control/xdp_common.c control/xdp_common.h $(BPF_HDR) $(XLAT_HDR) $(wildcard control/cfg_*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(NL_CFLAGS) -c $< -o $@

$(B)/control/xdp_nat64.o: control/xdp_nat64.c control/xdp_nat64.h $(B)/bpf/xlat_xdp.skel.h $(BPF_HDR) $(XLAT_HDR) $(wildcard control/cfg_*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(B)/bpf -c $< -o $@

# The sweep of NAT64 in mode = xdp on the loaded program's maps (cmocka,
# root): run by scripts/run-tests.sh with the unit suites.
$(B)/tests/test_xdp_sweep: tests/bpf/test_xdp_sweep.c $(B)/control/xdp_nat64.o $(B)/bpf/xlat_xdp.skel.h $(LIBXLAT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(B)/bpf $< $(B)/control/xdp_nat64.o $(LIBXLAT) -lbpf -lcmocka -o $@

# mode = hybrid: net_af_xdp, a plugin the EAL loads, must bind to
# gate64d's bpf_xdp_attach/detach (control/hybrid.c says why).
HYBRID_EXPORTS = -Wl,--export-dynamic-symbol=bpf_xdp_attach \
		 -Wl,--export-dynamic-symbol=bpf_xdp_detach

$(B)/gate64d: $(B)/control/gate64d.o $(B)/control/ctl.o $(B)/control/metrics.o $(B)/control/reload.o $(B)/control/ctl_proto.o $(B)/control/xdp_mode.o $(B)/control/xdp_common.o $(B)/control/xdp_nat64.o $(B)/control/xdp_eam.o $(B)/control/hybrid.o $(B)/control/nl.o $(B)/dataplane/dpdk/dp.o $(CFGGW_OBJ) $(LIBDPL2) $(LIBDNS64) $(LIBXLAT)
	$(CC) $^ $(DPDK_LIBS) $(NL_LIBS) -lbpf -liniparser -lpthread $(HYBRID_EXPORTS) -o $@

$(B)/tests/run_corpus: tests/packets/run_corpus.c $(LIBXLAT) $(TESTLIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(TESTLIB_OBJ) $(LIBXLAT) -o $@

# The core's inline headers must compile for the BPF target (the XDP
# program includes them): checked on every build.
$(B)/bpf/xlat_inline_bpf.o: tests/bpf/xlat_inline_bpf.c $(XLAT_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) -target bpf -O2 -g -ffreestanding -I. -Wall -Wextra -Werror -c $< -o $@

# libFuzzer targets: clang, ASan + UBSan, the core compiled in.
FUZZ_FLAGS := $(CSTD) -I. -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(XLAT_SRC) $(XLAT_HDR) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer $< $(XLAT_SRC) -o $@

# The same harness with a main() that replays files (no libFuzzer needed).
$(B)/fuzz/fuzz_%-replay: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(XLAT_SRC) $(XLAT_HDR) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) $< tests/fuzz/replay_main.c $(XLAT_SRC) -o $@

# DNS64 harnesses get dns64/ compiled in too (make picks the rule with the
# shortest stem, so these win over the two above).
$(B)/fuzz/fuzz_dns64_%: tests/fuzz/fuzz_dns64_%.c $(DNS64_SRC) $(DNS64_HDR) $(XLAT_SRC) $(XLAT_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer $< $(DNS64_SRC) $(XLAT_SRC) -o $@

$(B)/fuzz/fuzz_dns64_%-replay: tests/fuzz/fuzz_dns64_%.c tests/fuzz/replay_main.c $(DNS64_SRC) $(DNS64_HDR) $(XLAT_SRC) $(XLAT_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) $< tests/fuzz/replay_main.c $(DNS64_SRC) $(XLAT_SRC) -o $@

# The control plane's parsers: the gateway's INI file (cfg_gw, with the
# core for its checks, dns64/ for cfg_dns64's, and iniparser) and the
# control protocol (ctl_proto, plain C).  Explicit targets, so they win
# over the patterns above.
CFGGW_FUZZ_DEP := tests/fuzz/fuzz_cfg_gw.c $(CFGGW_SRC) $(wildcard control/cfg_*.h) $(DP_HDR) $(XLAT_SRC) $(XLAT_HDR) $(DNS64_SRC) $(DNS64_HDR)
$(B)/fuzz/fuzz_cfg_gw: $(CFGGW_FUZZ_DEP)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer $< $(CFGGW_SRC) $(DNS64_SRC) $(XLAT_SRC) -liniparser -o $@

$(B)/fuzz/fuzz_cfg_gw-replay: $(CFGGW_FUZZ_DEP) tests/fuzz/replay_main.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) $< tests/fuzz/replay_main.c $(CFGGW_SRC) $(DNS64_SRC) $(XLAT_SRC) -liniparser -o $@

CTL_FUZZ_DEP := tests/fuzz/fuzz_ctl_proto.c control/ctl_proto.c control/ctl_proto.h $(XLAT_HDR)
$(B)/fuzz/fuzz_ctl_proto: $(CTL_FUZZ_DEP)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer $< control/ctl_proto.c -o $@

$(B)/fuzz/fuzz_ctl_proto-replay: $(CTL_FUZZ_DEP) tests/fuzz/replay_main.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) $< tests/fuzz/replay_main.c control/ctl_proto.c -o $@

fuzz-build: $(FUZZ_BIN) $(FUZZ_REPLAY)

fuzz: fuzz-build
	./scripts/fuzz.sh $(FUZZ_SECONDS)

$(B)/bench/bench_%: tests/bench/bench_%.c $(LIBXLAT)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 -g -I. $< $(LIBXLAT) -o $@

bench: $(BENCH_BIN) $(B)/gate64-dns64 $(B)/gate64d
	./scripts/bench.sh
	./scripts/bench-nat64.sh
	./scripts/bench-dns64.sh
	taskset -c 1 $(B)/bench/bench_dp 2>/dev/null | tee $(B)/bench/dp-worker.txt
	./scripts/bench-dp.sh
	./scripts/bench-dp.sh --only gate64 --gate64-device af_xdp --out $(B)/bench/dp-af_xdp.txt

lint:
	./scripts/lint.sh $(LINT_SRC)

unit: $(UNIT_BIN)
corpus: $(B)/tests/run_corpus

corpus-gen:
	/usr/bin/python3 tests/packets/gen_corpus.py

# make test: deps, build, then every suite; the last line sums them all.
test: deps
	$(MAKE) all fuzz-build
	./scripts/run-tests.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(B)

# make demo [MODE=dpdk|xdp|hybrid]: the lab demo (scripts/demo.py), from nothing.
MODE ?= dpdk
demo: deps
	$(MAKE) all
	/usr/bin/python3 scripts/demo.py --mode $(MODE)

# The golden corpus through the DPDK workers (net_ring ports, no hugepages).
$(B)/tests/run_corpus_dp: tests/dpdk/run_corpus_dp.c $(B)/dataplane/dpdk/dp.o $(LIBDPL2) $(LIBXLAT) $(TESTLIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(DP_CFLAGS) $< $(B)/dataplane/dpdk/dp.o $(TESTLIB_OBJ) $(LIBDPL2) $(LIBXLAT) $(DPDK_LIBS) -lrte_net_ring -o $@

$(B)/bench/bench_dp: tests/bench/bench_dp.c $(B)/dataplane/dpdk/dp.o $(LIBDPL2) $(LIBXLAT)
	@mkdir -p $(dir $@)
	$(CC) $(DP_CFLAGS) $< $(B)/dataplane/dpdk/dp.o $(LIBDPL2) $(LIBXLAT) $(DPDK_LIBS) -lrte_net_ring -o $@

# The DPDK workers beyond the corpus (cmocka + EAL, net_ring ports).
$(B)/tests/test_dp_worker: tests/dpdk/test_dp_worker.c $(B)/dataplane/dpdk/dp.o $(LIBDPL2) $(LIBXLAT)
	@mkdir -p $(dir $@)
	$(CC) $(DP_CFLAGS) $< $(B)/dataplane/dpdk/dp.o $(LIBDPL2) $(LIBXLAT) $(DPDK_LIBS) -lrte_net_ring -lcmocka -o $@

# make install [PREFIX=/usr/local] [DESTDIR=]: binaries, man pages, the
# systemd unit, bash completion; the example configuration goes to
# $(DESTDIR)/etc/gate64 (not under PREFIX).  Writes nothing outside
# $(DESTDIR) but the build tree.
PREFIX  ?= /usr/local
DESTDIR ?=
install: all
	install -D -m 0755 $(B)/gate64d $(DESTDIR)$(PREFIX)/sbin/gate64d
	install -D -m 0755 $(B)/gate64-dns64 $(DESTDIR)$(PREFIX)/sbin/gate64-dns64
	install -D -m 0755 $(B)/gate64ctl $(DESTDIR)$(PREFIX)/bin/gate64ctl
	install -D -m 0755 $(B)/gate64-maplog $(DESTDIR)$(PREFIX)/bin/gate64-maplog
	install -D -m 0644 docs/man/gate64.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/gate64.conf.5
	install -D -m 0644 docs/man/gate64d.8 $(DESTDIR)$(PREFIX)/share/man/man8/gate64d.8
	install -D -m 0644 docs/man/gate64ctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/gate64ctl.8
	install -D -m 0644 conf/gate64.conf $(DESTDIR)/etc/gate64/gate64.conf.example
	install -D -m 0644 packaging/gate64d.service $(DESTDIR)$(PREFIX)/lib/systemd/system/gate64d.service
	install -D -m 0644 packaging/gate64ctl.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/gate64ctl

# The XDP fast path (bpf/xlat_xdp.c, issue 5): the core's inline headers
# for clang -target bpf (bpf/compat stands in for libc's string.h), its
# libbpf skeleton, and the golden corpus through BPF_PROG_TEST_RUN.
# asm/types.h (under linux/bpf.h) lives in the multiarch include dir.
BPF_CFLAGS := -target bpf -O2 -g -ffreestanding -I. -Ibpf/compat -Wall -Wextra -Werror \
	      -idirafter /usr/include/$(shell $(CC) -dumpmachine)
BPF_HDR    := $(wildcard bpf/*.h bpf/compat/*.h)

$(B)/bpf/xlat_xdp.o: bpf/xlat_xdp.c $(BPF_HDR) $(XLAT_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(B)/bpf/xlat_xdp.skel.h: $(B)/bpf/xlat_xdp.o
	bpftool gen skeleton $< name xlat_xdp > $@.tmp && mv $@.tmp $@

$(B)/tests/run_corpus_xdp: tests/bpf/run_corpus_xdp.c $(B)/bpf/xlat_xdp.skel.h bpf/xdp_cfg.h $(B)/tests/lib/corpus.o $(B)/tests/lib/corpus_walk.o $(B)/control/xdp_eam.o $(LIBXLAT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(B)/bpf $< $(B)/tests/lib/corpus.o $(B)/tests/lib/corpus_walk.o $(B)/control/xdp_eam.o $(LIBXLAT) -lbpf -o $@

# The xdp mode's benchmark ceiling (scripts/bench_dp.py, make bench):
# plain XDP forwarding with bpf/xdp_fwd.h's fwd_out() on untranslated
# frames, an XDP_DROP program (the generator's own cost), and their loader.
$(B)/bpf/xdp_plain_fwd.o: bpf/xdp_plain_fwd.c $(BPF_HDR) $(XLAT_HDR)
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(B)/bpf/xdp_plain_fwd.skel.h: $(B)/bpf/xdp_plain_fwd.o
	bpftool gen skeleton $< name xdp_plain_fwd > $@.tmp && mv $@.tmp $@

$(B)/bench/xdp_plain: tests/bench/xdp_plain.c $(B)/bpf/xdp_plain_fwd.skel.h $(BPF_HDR) $(XLAT_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(B)/bpf $< -lbpf -o $@

all: $(B)/bench/xdp_plain
bench: $(B)/bench/xdp_plain
