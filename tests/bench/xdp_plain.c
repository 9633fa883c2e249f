/*
 * xdp_plain.c - the loader of bpf/xdp_plain_fwd.c for the lab benchmark
 * (scripts/bench_dp.py): attaches plain XDP forwarding (the ceiling of
 * mode = xdp: the same fwd_out() on untranslated frames), or with --drop
 * an XDP_DROP program (the generator's own cost), to the interfaces given,
 * natively, until SIGINT or SIGTERM.
 *
 * Usage: xdp_plain [--drop] [--generic] IFNAME...
 *
 * Prints "xdp_plain: ready" once attached; on exit the forwarding
 * counters (bpf/xdp_fwd.h), summed over the CPUs.  The attachments are
 * bpf_link file descriptors: the kernel detaches the program when the
 * process ends, killed or not.  The host's IPv4 addresses are read once,
 * at start, into xdp_local4 (their frames go to the kernel).  Neighbour
 * requests are not served: the caller resolves its next hops first.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "dataplane/xlat/hdr.h"
#include "bpf/xdp_fwd.h"
#include "xdp_plain_fwd.skel.h"

#define MAX_IF 8

static const char *const labels[] = {
#define LABEL(name, label, why) label,
    XDP_FWD_COUNTERS(LABEL)
#undef LABEL
};

static int usage(void)
{
	fprintf(stderr, "usage: xdp_plain [--drop] [--generic] IFNAME...\n");
	return 2;
}

static void local4_fill(struct xdp_plain_fwd *skel)
{
	struct ifaddrs *ifa, *i;
	uint8_t one = 1;

	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		const struct sockaddr_in *sin = (void *)i->ifa_addr;
		uint32_t a = sin->sin_addr.s_addr;
		bpf_map_update_elem(bpf_map__fd(skel->maps.xdp_local4), &a,
				    &one, BPF_ANY);
	}
	freeifaddrs(ifa);
}

static void counters_print(struct xdp_plain_fwd *skel)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*v)) : NULL;

	for (uint32_t k = 0; v && k < XDP_FWD_CNT_MAX; k++) {
		uint64_t sum = 0;
		if (bpf_map_lookup_elem(
			bpf_map__fd(skel->maps.xdp_fwd_counters), &k, v))
			continue;
		for (int c = 0; c < ncpu; c++)
			sum += v[c];
		printf("%-28s %llu\n", labels[k], (unsigned long long)sum);
	}
	free(v);
}

int main(int argc, char **argv)
{
	int drop = 0, nif = 0, link[MAX_IF], r = 1;
	unsigned flags = XDP_FLAGS_DRV_MODE;
	int ifindex[MAX_IF];
	const char *ifname[MAX_IF];
	sigset_t set;
	int sig;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--drop"))
			drop = 1;
		else if (!strcmp(argv[i], "--generic"))
			flags = XDP_FLAGS_SKB_MODE;
		else if (argv[i][0] == '-' || nif == MAX_IF)
			return usage();
		else
			ifname[nif++] = argv[i];
	}
	if (!nif)
		return usage();
	for (int i = 0; i < nif; i++) {
		ifindex[i] = (int)if_nametoindex(ifname[i]);
		if (!ifindex[i]) {
			fprintf(stderr, "xdp_plain: %s: no such interface\n",
				ifname[i]);
			return 1;
		}
	}
	/* SIGINT and SIGTERM are waited for, not handled */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	struct xdp_plain_fwd *skel = xdp_plain_fwd__open();
	if (!skel) {
		fprintf(stderr, "xdp_plain: opening the BPF object: %s\n",
			strerror(errno));
		return 1;
	}
	((struct xdp_fwd_cfg *)&skel->rodata->xdp_fwd)->kernel = 1;
	if ((r = xdp_plain_fwd__load(skel))) {
		fprintf(stderr, "xdp_plain: loading: %s\n", strerror(-r));
		xdp_plain_fwd__destroy(skel);
		return 1;
	}
	local4_fill(skel);
	int prog = bpf_program__fd(drop ? skel->progs.xdp_drop_all
					: skel->progs.xdp_plain_fwd);
	int n = 0;
	r = 0;
	for (; n < nif; n++) {
		struct bpf_link_create_opts o = {
		    .sz = sizeof(o), /* what LIBBPF_OPTS() does */
		    .flags = flags};
		link[n] = bpf_link_create(prog, ifindex[n], BPF_XDP, &o);
		if (link[n] < 0) {
			fprintf(stderr, "xdp_plain: attaching to %s: %s\n",
				ifname[n], strerror(-link[n]));
			r = 1;
			break;
		}
	}
	if (!r) {
		printf("xdp_plain: ready (%s on %d interfaces)\n",
		       drop ? "xdp_drop_all" : "xdp_plain_fwd", nif);
		fflush(stdout);
		sigwait(&set, &sig);
		counters_print(skel);
	}
	while (n-- > 0)
		close(link[n]);
	xdp_plain_fwd__destroy(skel);
	return r;
}
