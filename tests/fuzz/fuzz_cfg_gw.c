/*
 * fuzz_cfg_gw.c - libFuzzer target: arbitrary bytes as gate64d's INI file
 * (control/cfg_gw.h).  cfg_gw_load() reads a file: the input is written to
 * one temporary file per process (created once, unlinked at once, reached
 * as /proc/self/fd/N), rewritten for every input.
 *
 * Invariants checked (abort on violation):
 *  - cfg_gw_load never reads or writes out of bounds, leaks or crashes;
 *  - it returns 0, -EINVAL or -ENOMEM; on failure err names the file first
 *    ("FILE: ...") and nothing allocated is left in the struct;
 *  - on success the struct holds together: one worker per lcore after the
 *    first (1..DP_WORKERS_MAX), distinct lcore ids, the dataplane config
 *    points into the struct, xlat_cfg_check and (NAT64) nat64_cfg_check
 *    accept what was loaded, the control socket is an absolute path;
 *  - cfg_gw_eal_args then fits its documented buffers, ends in NULL and
 *    never passes --no-pci together with -a.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iniparser/iniparser.h>

#include "bpf/xdp_cfg.h"
#include "control/cfg_gw.h"
#include "dataplane/xlat/nat64_db.h"
#include "dataplane/xlat/xlat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "tests/fuzz/fuzz_check.h"

#define ARGV_MAX 64

static int fd = -1;
static char path[64];

/* iniparser's own syntax complaints: the first pass reports them */
static int quiet(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

static void open_file(void)
{
	const char *dir = getenv("TMPDIR");
	char tmpl[512];

	if (access("/dev/shm", W_OK) == 0)
		dir = "/dev/shm";
	else if (!dir || !*dir)
		dir = "/tmp";
	snprintf(tmpl, sizeof(tmpl), "%s/fuzz_cfg_gw.XXXXXX", dir);
	fd = mkstemp(tmpl);
	if (fd < 0) {
		perror(tmpl);
		abort();
	}
	unlink(tmpl); /* nothing left behind, even after a crash */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	iniparser_set_error_callback(quiet);
}

static void write_file(const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (ftruncate(fd, 0)) {
		perror("ftruncate");
		abort();
	}
	while (off < size) {
		ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0) {
			perror("pwrite");
			abort();
		}
		off += (size_t)n;
	}
}

static void check_loaded(struct cfg_gw *c)
{
	char msg[256];

	CHECK(c->dp.nworkers >= 1 && c->dp.nworkers <= DP_WORKERS_MAX);
	if (c->gw_mode == CFG_MODE_XDP) { /* no EAL, no ports: the kernel's */
		CHECK(c->xdp.nif == 1 || c->xdp.nif == 2);
		for (unsigned i = 0; i < c->xdp.nif; i++)
			CHECK(c->xdp.ifname[i][0] &&
			      strlen(c->xdp.ifname[i]) < CFG_XDP_IFNAME);
		CHECK(c->xdp.pin_dir[0] == '/');
		/* EAM in XDP: stateless SIIT only */
		CHECK(c->xlat.pool6.len == 96 &&
		      (c->eamt == NULL || c->dp.mode != DP_NAT64));
		CHECK(c->dp.mode != DP_NAT64 ||
		      (c->nat64.pool4.n <= XDP_POOL4_MAX &&
		       !c->nat64.pool4.block_size));
		return;
	}
	CHECK(c->nlcores == c->dp.nworkers + 1);
	for (unsigned i = 0; i < c->nlcores; i++)
		for (unsigned j = 0; j < i; j++)
			CHECK(c->lcores[i] != c->lcores[j]);
	CHECK(c->dp.xlat == &c->xlat);
	CHECK(c->dp.eamt == c->eamt);
	CHECK(c->dp.static_bib == c->static_bib);
	CHECK(xlat_cfg_check(&c->xlat, msg, sizeof(msg)) == 0);
	if (c->dp.mode == DP_NAT64) {
		CHECK(c->dp.nat64 == &c->nat64);
		CHECK(nat64_cfg_check(&c->nat64, msg, sizeof(msg)) == 0);
		CHECK(c->dp.n_static_bib <= DP_STATIC_BIB_MAX);
	} else {
		CHECK(c->dp.mode == DP_SIIT);
		CHECK(c->dp.nat64 == NULL && c->dp.n_static_bib == 0);
		CHECK(c->dp.maplog == NULL);
	}
	CHECK(c->ctl_socket[0] == '/');
	CHECK(c->ctl_mode <= 0777);
	CHECK(c->file_prefix[0]);
	CHECK(c->n_eal_extra <= CFG_GW_EAL_ARGS_MAX);
	for (int i = 0; i < (c->dp.one_arm ? 1 : 2); i++) {
		const struct dp_port_cfg *p = &c->dp.port[i];
		CHECK(p->device[0]);
		CHECK(p->mtu >= 1280 && p->mtu <= 9000);
		CHECK(c->dp.one_arm ? p->has4 && p->has6 : p->has4 != p->has6);
	}
}

static void check_eal(const struct cfg_gw *c)
{
	static char buf[16384];
	char *argv[ARGV_MAX];
	int no_pci = 0, allow = 0, prefix = 0;
	int n = cfg_gw_eal_args(c, "gate64d", argv, ARGV_MAX, buf, sizeof(buf));

	CHECK(n > 0 && n < ARGV_MAX);
	CHECK(argv[n] == NULL);
	for (int i = 0; i < n; i++) {
		CHECK(argv[i] >= buf && argv[i] < buf + sizeof(buf));
		no_pci |= !strcmp(argv[i], "--no-pci");
		allow |= !strcmp(argv[i], "-a");
		prefix |= !strcmp(argv[i], "--file-prefix");
	}
	CHECK(!(no_pci && allow));
	CHECK(no_pci || allow);
	CHECK(prefix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg_gw c;
	char err[1024] = "";

	if (fd < 0)
		open_file();
	write_file(data, size);
	int r = cfg_gw_load(&c, path, err, sizeof(err));
	if (r) {
		size_t pl = strlen(path);
		CHECK(r == -EINVAL || r == -ENOMEM);
		CHECK(err[0]);
		CHECK(!strncmp(err, path, pl) && err[pl] == ':');
		CHECK(c.eamt == NULL && c.dp.eamt == NULL);
		return 0;
	}
	check_loaded(&c);
	if (c.gw_mode == CFG_MODE_DPDK)
		check_eal(&c);
	cfg_gw_free(&c);
	CHECK(c.eamt == NULL);
	return 0;
}
