/*
 * dns64_main.c - gate64-dns64: the DNS64 server alone, for sites that
 * already have a NAT64.  Reads the [dns64] section of the gateway's INI
 * file (control/cfg_dns64.h).
 *
 *   gate64-dns64 -c FILE            run until SIGTERM or SIGINT
 *   gate64-dns64 --check -c FILE    validate FILE and exit
 *
 * The prefix comes from [dns64] prefix, else from [translator] pool6, else
 * is the Well-Known Prefix 64:ff9b::/96 (control/cfg_dns64.h).
 *
 * SIGTERM/SIGINT: the workers are woken and joined, sockets closed, the
 * counters printed to stderr.  SIGUSR1: counters printed, keeps running.
 * Exit: 0 clean, 1 configuration or start-up error, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cfg_dns64.h"
#include "dns64/server.h"

static void usage(void)
{
	fprintf(stderr, "usage: gate64-dns64 [--check] -c FILE\n"
			"  -c FILE   the gateway's INI file ([dns64] section)\n"
			"  --check   validate FILE and exit\n");
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	bool check = false;
	char err[512];
	static struct cfg_dns64 cfg;
	struct dns64_server *s;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--check"))
			check = true;
		else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			file = argv[++i];
		else {
			usage();
			return 2;
		}
	}
	if (!file) {
		usage();
		return 2;
	}
	if (cfg_dns64_load(&cfg, file, err, sizeof(err))) {
		fprintf(stderr, "gate64-dns64: %s\n", err);
		return 1;
	}
	/* [dns64] prefix and [translator] pool6 disagree: legitimate (more
	 * prefixes than one translator's), so a warning, at --check and at
	 * every start */
	if (cfg.warn[0])
		fprintf(stderr, "gate64-dns64: warning: %s\n", cfg.warn);
	if (check) {
		printf("gate64-dns64: %s: ok\n", file);
		return 0;
	}

	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (dns64_server_init(&s, &cfg.server, err, sizeof(err)) ||
	    dns64_server_start(s, err, sizeof(err))) {
		fprintf(stderr, "gate64-dns64: %s\n", err);
		dns64_server_fini(s);
		return 1;
	}
	fprintf(stderr, "gate64-dns64: running (%u threads)\n",
		cfg.server.threads);
	for (;;) {
		int sig = 0;
		if (sigwait(&sigs, &sig))
			continue;
		if (sig == SIGUSR1) {
			dns64_server_print_counters(s, stderr);
			continue;
		}
		if (sig == SIGHUP) { /* said, not silently ignored */
			fprintf(stderr,
				"gate64-dns64: SIGHUP: reloading the "
				"configuration is not supported yet; restart "
				"gate64-dns64 to apply a new one\n");
			continue;
		}
		break;
	}
	dns64_server_stop(s);
	dns64_server_print_counters(s, stderr);
	dns64_server_fini(s);
	fprintf(stderr, "gate64-dns64: stopped\n");
	return 0;
}
