/*
 * gate64d.c - the gateway daemon: reads the INI file (cfg_gw.c), starts
 * the DPDK EAL, the dataplane (dataplane/dpdk/dp.h) with one worker per
 * configured lcore, and runs the control thread on the main lcore:
 * signals, the mapping log, counters.  SIGTERM/SIGINT stop it cleanly
 * (workers joined, ports stopped and closed, EAL memory released);
 * SIGUSR1 prints every counter to stderr; SIGHUP reloads the file
 * (reload.h: all of it or nothing).  With a [dns64] section the
 * DNS64 synthesizer (dns64/, the same as gate64-dns64) runs in the same
 * process, on threads of the control core, from the same file, so that
 * its prefix and the translator's pool6 come from one place.
 *
 *   gate64d -c FILE           run
 *   gate64d --check -c FILE   validate the file and exit
 */
#include <errno.h>
#include <getopt.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "control/cfg_dns64.h"
#include "control/cfg_gw.h"
#include "control/ctl.h"
#include "control/hybrid.h"
#include "control/metrics.h"
#include "control/reload.h"
#include "control/xdp_mode.h"
#include "dns64/server.h"
#include "dataplane/dpdk/dp.h"

static volatile sig_atomic_t got_stop, got_usr1, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: gate64d [--keep-state] -c FILE  run the gateway\n"
		   "       gate64d --check -c FILE  validate FILE and exit\n"
		   "  --keep-state  mode = xdp, hybrid: on exit, leave the XDP "
		   "program\n"
		   "                translating with its state, for the next "
		   "gate64d to\n"
		   "                take over\n");
}

/*
 * After set-up gate64d keeps one capability: CAP_NET_ADMIN, which the
 * ports need to detach at exit (net_af_xdp removes its XDP program with a
 * netlink request).  Capabilities belong to a thread: this drops them for
 * the calling thread (the bounding set too, and no new privileges by
 * exec); the control thread calls it before it starts the DNS64 threads
 * (they inherit), each worker lcore before its loop.  The EAL's own
 * service threads (interrupts, telemetry), created by rte_eal_init, keep
 * theirs: docs/control.md says so.  In mode = xdp it keeps CAP_BPF and
 * CAP_PERFMON too (what the verifier asks of a privileged loader), to load
 * the rebuilt program at a reload.
 */
static int drop_caps_but(uint64_t keep, char *err, size_t errlen)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	for (int c = 0; c <= 63; c++) {
		if (keep >> c & 1) {
			d[c / 32].effective |= 1u << (c % 32);
			d[c / 32].permitted |= 1u << (c % 32);
		} else {
			prctl(PR_CAPBSET_DROP, c, 0, 0, 0); /* EINVAL: unknown
							       to the kernel */
		}
	}
	if (syscall(SYS_capset, &h, d)) {
		snprintf(err, errlen, "dropping capabilities: %s",
			 strerror(errno));
		return -1;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return 0;
}

static int drop_caps(char *err, size_t errlen)
{
	return drop_caps_but(1ull << CAP_NET_ADMIN, err, errlen);
}

static int lcore_drop_caps(void *arg)
{
	char err[128];
	(void)arg;
	if (drop_caps(err, sizeof(err))) {
		fprintf(stderr, "gate64d: lcore %u: %s\n", rte_lcore_id(), err);
		return -1;
	}
	return 0;
}

/* The DPDK port of a configured device: a vdev is named by what comes
 * before its first comma, a PCI device by its address. */
static int port_of(const struct dp_port_cfg *p, uint16_t *id, char *err,
		   size_t errlen)
{
	char name[DP_DEVICE_MAX];
	snprintf(name, sizeof(name), "%s", p->device);
	char *comma = strchr(name, ',');
	if (comma)
		*comma = 0;
	int r = rte_eth_dev_get_port_by_name(name, id);
	if (r) {
		snprintf(err, errlen,
			 "[%s] device = %s: no such DPDK port after EAL start "
			 "(for a vdev: is the interface there?  for PCI: is "
			 "the NIC bound to vfio-pci?)",
			 p->name, p->device);
		return r;
	}
	return 0;
}

/* The handlers; the signals stay blocked (in every thread created
 * meanwhile: EAL, workers, DNS64) until unblock_signals() in the main
 * thread, so that only the control loop sees them. */
static sigset_t ctl_sigs;

static void unblock_signals(void)
{
	pthread_sigmask(SIG_UNBLOCK, &ctl_sigs, NULL);
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&ctl_sigs);
	sigaddset(&ctl_sigs, SIGTERM);
	sigaddset(&ctl_sigs, SIGINT);
	sigaddset(&ctl_sigs, SIGUSR1);
	sigaddset(&ctl_sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &ctl_sigs, NULL);
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "gate64d: pidfile %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
	return 0;
}

/* SIGHUP, in both modes: the file again, transactional (reload.h). */
static void on_hup(struct reload *rl, struct dp *dp, const char *file)
{
	char msg[4096];
	got_hup = 0;
	if (reload_apply(rl, dp, msg, sizeof(msg), stderr))
		fprintf(stderr, "gate64d: SIGHUP: %s\n", msg);
	else
		fprintf(stderr, "gate64d: SIGHUP: reloaded %s\n", file);
}

/* The first steps of a clean stop, in both modes: no more clients, no
 * more DNS64 queries (its counters printed). */
static void stop_services(struct ctl **ctl, struct metrics **met,
			  struct dns64_server *dns)
{
	fprintf(stderr, "gate64d: stopping\n");
	ctl_close(*ctl);
	*ctl = NULL;
	metrics_close(*met);
	*met = NULL;
	if (dns) {
		dns64_server_stop(dns);
		dns64_server_print_counters(dns, stderr);
	}
}

/*
 * mode = xdp: no EAL and no workers.  The XDP program translates; this
 * thread loads and attaches it, serves its neighbour requests, keeps the
 * host's addresses current in its map (control/xdp_mode.h) and runs
 * DNS64 as in mode = dpdk.  SIGUSR1 prints the counters; the control
 * socket, the metrics endpoint and reload come with the hybrid mode's
 * shared state and are not served in this mode yet.
 */
static int run_xdp(const char *file, struct cfg_gw *cfg, struct cfg_dns64 *dcfg,
		   int keep_state)
{
	struct xdp_mode *xm = NULL;
	struct dns64_server *dns = NULL;
	struct ctl *ctl = NULL;
	struct metrics *met = NULL;
	struct reload *rl = NULL;
	char err[1024];
	int rc = 1;

	install_signals();
	if (xdp_mode_start(&xm, cfg, err, sizeof(err)))
		goto out;
	if (cfg->has_dns64 &&
	    dns64_server_init(&dns, &dcfg->server, err, sizeof(err)))
		goto out;
	if (reload_init(&rl, file, err, sizeof(err)) ||
	    ctl_open(&ctl, cfg->ctl_socket, cfg->ctl_mode, cfg->ctl_gid, NULL,
		     cfg, dns, rl, err, sizeof(err)))
		goto out;
	reload_set_xdp(rl, xm);
	ctl_set_xdp(ctl, xm);
	if (cfg->metrics_listen[0]) {
		if (metrics_open(&met, cfg->metrics_listen, NULL, cfg, dns, err,
				 sizeof(err)))
			goto out;
		metrics_set_xdp(met, xm);
	}
	/* CAP_BPF and CAP_PERFMON too: a reload loads the rebuilt program */
	if (drop_caps_but(1ull << CAP_NET_ADMIN | 1ull << CAP_BPF |
			      1ull << CAP_PERFMON,
			  err, sizeof(err)))
		goto out;
	if (dns && dns64_server_start(dns, err, sizeof(err)))
		goto out;
	unblock_signals();
	if (cfg->pidfile[0])
		write_pidfile(cfg->pidfile);
	printf("gate64d: ready: xdp on %s%s%s (%s), %s%s%s\n",
	       cfg->xdp.ifname[0], cfg->xdp.nif > 1 ? ", " : "",
	       cfg->xdp.nif > 1 ? cfg->xdp.ifname[1] : "",
	       cfg->xdp.generic ? "generic" : "native",
	       cfg->dp.mode == DP_NAT64 ? "nat64" : "siit",
	       dns ? ", dns64" : "",
	       xdp_mode_adopted(xm) ? ", adopted the running program and its "
				      "state"
				    : "");
	fflush(stdout);
	while (!got_stop) {
		int fds[2];
		struct pollfd pfd[4];
		int n = xdp_mode_fds(xm, fds);
		for (int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){fds[i], POLLIN, 0};
		pfd[n++] = (struct pollfd){ctl_fd(ctl), POLLIN, 0};
		if (met)
			pfd[n++] = (struct pollfd){metrics_fd(met), POLLIN, 0};
		poll(pfd, (nfds_t)n, 200);
		xdp_mode_poll(xm);
		ctl_poll(ctl);
		metrics_poll(met);
		if (got_usr1) {
			got_usr1 = 0;
			xdp_mode_stats_print(xm, stderr);
			if (dns)
				dns64_server_print_counters(dns, stderr);
		}
		if (got_hup)
			on_hup(rl, NULL, file);
	}
	stop_services(&ctl, &met, dns);
	xdp_mode_stats_print(xm, stderr);
	if (keep_state)
		fprintf(stderr,
			"gate64d: --keep-state: the XDP program keeps "
			"translating, its state stays in %s\n",
			cfg->xdp.pin_dir);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "gate64d: %s\n", err);
	ctl_close(ctl);
	metrics_close(met);
	if (dns)
		dns64_server_fini(dns);
	xdp_mode_stop(xm, rc == 0 && keep_state);
	reload_fini(rl);
	if (cfg->pidfile[0] && rc == 0)
		unlink(cfg->pidfile);
	cfg_gw_free(cfg);
	return rc;
}

static void hybrid_more(void *hy, FILE *f)
{
	hybrid_stats_print(hy, f);
}

int main(int argc, char **argv)
{
	static struct cfg_gw cfg;
	static struct cfg_dns64 dcfg;
	struct dns64_server *dns = NULL;
	struct ctl *ctl = NULL;
	struct metrics *met = NULL;
	struct reload *rl = NULL;
	static const struct option opts[] = {
	    {"check", no_argument, 0, 'k'},
	    {"keep-state", no_argument, 0, 's'},
	    {"config", required_argument, 0, 'c'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0}};
	const char *file = NULL;
	int check = 0, keep_state = 0, o;
	char err[1024];

	while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c': file = optarg; break;
		case 'k': check = 1; break;
		case 's': keep_state = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!file || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (cfg_gw_load(&cfg, file, err, sizeof(err))) {
		fprintf(stderr, "gate64d: %s\n", err);
		return 1;
	}
	if (cfg.has_dns64) {
		if (cfg_dns64_load(&dcfg, file, err, sizeof(err))) {
			fprintf(stderr, "gate64d: %s\n", err);
			cfg_gw_free(&cfg);
			return 1;
		}
		if (dcfg.warn[0])
			fprintf(stderr, "gate64d: warning: %s\n", dcfg.warn);
	}
	if (check) {
		printf("%s: OK\n", file);
		cfg_gw_free(&cfg);
		return 0;
	}
	if (cfg.gw_mode == CFG_MODE_XDP)
		return run_xdp(file, &cfg, &dcfg, keep_state);
	/* mode = hybrid: the dpdk path below, its ports net_af_xdp devices
	 * that load the program written here (control/hybrid.h) */
	struct hybrid *hy = NULL;
	if (cfg.gw_mode == CFG_MODE_HYBRID) {
		setenv("LIBXDP_SKIP_DISPATCHER", "1", 0); /* net_af_xdp */
		if (hybrid_prepare(&hy, &cfg, err, sizeof(err))) {
			fprintf(stderr, "gate64d: %s\n", err);
			hybrid_fini(hy);
			cfg_gw_free(&cfg);
			return 1;
		}
	}

	char *eargv[64 + CFG_GW_EAL_ARGS_MAX];
	static char ebuf[16384];
	int eargc = cfg_gw_eal_args(&cfg, argv[0], eargv,
				    (int)(sizeof(eargv) / sizeof(*eargv)) - 1,
				    ebuf, sizeof(ebuf));
	if (eargc < 0) {
		fprintf(stderr, "gate64d: EAL arguments too long\n");
		return 1;
	}
	eargv[eargc] = NULL;
	fprintf(stderr, "gate64d: EAL:");
	for (int i = 1; i < eargc; i++)
		fprintf(stderr, " %s", eargv[i]);
	fprintf(stderr, "\n");
	install_signals();
	if (rte_eal_init(eargc, eargv) < 0) {
		fprintf(stderr,
			"gate64d: EAL start failed: %s ([dpdk] in %s: "
			"memory = no-huge needs no hugepages; in-memory and "
			"hugepages need /proc/sys/vm/nr_hugepages > 0)\n",
			rte_strerror(rte_errno), file);
		hybrid_fini(hy);
		return 1;
	}

	int rc = 1;
	struct dp *dp = NULL;
	FILE *maplog = NULL;
	uint16_t ids[2];
	unsigned nports = cfg.dp.one_arm ? 1 : 2;
	for (unsigned i = 0; i < nports; i++) {
		if (port_of(&cfg.dp.port[i], &ids[i], err, sizeof(err)))
			goto out;
	}
	if (cfg.maplog[0]) {
		maplog = fopen(cfg.maplog, "a");
		if (!maplog) {
			snprintf(err, sizeof(err),
				 "[nat64] mapping-log = %s: %s", cfg.maplog,
				 strerror(errno));
			goto out;
		}
	}
	dp = dp_create(&cfg.dp, ids, err, sizeof(err));
	if (!dp)
		goto out;
	if (dp_start(dp, err, sizeof(err)))
		goto out;
	if (hy && hybrid_start(hy, dp, err, sizeof(err)))
		goto out;
	/* everything that needs privileges first: sockets bound, files
	 * open; then the capabilities go, then the threads start (they
	 * inherit the reduced set; the worker lcores drop theirs first) */
	if (cfg.has_dns64 &&
	    dns64_server_init(&dns, &dcfg.server, err, sizeof(err)))
		goto out;
	if (reload_init(&rl, file, err, sizeof(err)) ||
	    ctl_open(&ctl, cfg.ctl_socket, cfg.ctl_mode, cfg.ctl_gid, dp, &cfg,
		     dns, rl, err, sizeof(err)))
		goto out;
	if (cfg.metrics_listen[0] && metrics_open(&met, cfg.metrics_listen, dp,
						  &cfg, dns, err, sizeof(err)))
		goto out;
	if (hy) { /* stats and metrics: the XDP program's counters too */
		ctl_set_more_stats(ctl, hybrid_more, hy);
		if (met)
			metrics_set_more(met, hybrid_more, hy);
	}
	/* hybrid: the control thread keeps using the programs' maps */
	if (hy ? drop_caps_but(1ull << CAP_NET_ADMIN | 1ull << CAP_BPF |
				   1ull << CAP_PERFMON,
			       err, sizeof(err))
	       : drop_caps(err, sizeof(err)))
		goto out;
	if (dns && dns64_server_start(dns, err, sizeof(err)))
		goto out;
	for (unsigned i = 0; i < dp_nworkers(dp); i++) {
		unsigned lc = cfg.lcores[1 + i];
		int r = rte_eal_remote_launch(lcore_drop_caps, NULL, lc);
		if (!r)
			r = rte_eal_wait_lcore(lc);
		if (!r)
			r = rte_eal_remote_launch(dp_worker_main,
						  dp_worker(dp, i), lc);
		if (r) {
			snprintf(err, sizeof(err),
				 "[dpdk] lcores: cannot start worker %u on "
				 "lcore %u: %s",
				 i, lc, strerror(r < 0 ? -r : r));
			dp_stop(dp);
			rte_eal_mp_wait_lcore();
			goto out;
		}
	}
	unblock_signals();
	if (cfg.pidfile[0])
		write_pidfile(cfg.pidfile);
	printf("gate64d: ready: %s%u worker%s, %s, %s%s\n",
	       hy ? "hybrid: xdp and " : "", dp_nworkers(dp),
	       dp_nworkers(dp) == 1 ? "" : "s",
	       cfg.dp.mode == DP_NAT64 ? "nat64" : "siit",
	       cfg.dp.one_arm ? "one-arm" : "two-arm", dns ? ", dns64" : "");
	fflush(stdout);

	while (!got_stop) {
		/* a client, or 50 ms: the housekeeping pace */
		struct pollfd pfd[3] = {{ctl_fd(ctl), POLLIN, 0},
					{metrics_fd(met), POLLIN, 0},
					{hybrid_fd(hy), POLLIN, 0}};
		poll(pfd, 3, hybrid_timeout_ms(hy)); /* fd -1: ignored */
		hybrid_poll(hy);
		metrics_poll(met);
		if (maplog)
			dp_log_drain(dp, maplog);
		ctl_poll(ctl);
		if (got_usr1) {
			got_usr1 = 0;
			dp_stats_print(dp, stderr);
			hybrid_stats_print(hy, stderr);
			if (dns)
				dns64_server_print_counters(dns, stderr);
		}
		if (got_hup && hy) { /* the programs' rodata is fixed */
			got_hup = 0;
			fprintf(stderr, "gate64d: SIGHUP: refused: mode = "
					"hybrid reloads nothing yet (the XDP "
					"programs keep the configuration they "
					"were loaded with): restart gate64d "
					"(--keep-state: the flows go on)\n");
		} else if (got_hup) {
			on_hup(rl, dp, file);
		}
	}
	stop_services(&ctl, &met, dns);
	dp_stop(dp);
	rte_eal_mp_wait_lcore();
	if (maplog)
		dp_log_drain(dp, maplog);
	dp_stats_print(dp, stderr);
	hybrid_stats_print(hy, stderr);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "gate64d: %s\n", err);
	ctl_close(ctl);
	metrics_close(met);
	if (dns)
		dns64_server_fini(dns);
	if (hy && rc == 0 && keep_state) {
		hybrid_keep(hy); /* the ports' close leaves the programs */
		fprintf(stderr,
			"gate64d: --keep-state: the XDP programs keep "
			"translating the flows they have sessions for, "
			"pool4's addresses stay; the next gate64d takes "
			"them over\n");
	}
	dp_destroy(dp);	 /* the workers are gone: the reloaded tables may go */
	hybrid_fini(hy); /* after the ports: net_af_xdp detached the program */
	reload_fini(rl);
	if (maplog)
		fclose(maplog);
	if (cfg.pidfile[0] && rc == 0)
		unlink(cfg.pidfile);
	dp_eal_cleanup();
	cfg_gw_free(&cfg);
	return rc;
}
