/*
 * nl_tool.c - control/nl.c from the command line, for
 * tests/integration/test_netlink.py (and for trying it by hand in a
 * namespace).
 *
 *   nl_tool [--hold] [--keep] [--restore] OBJECT...
 *
 *   OBJECT:  addr IF ADDR/PLEN
 *            route IF DST/PLEN [via GW] [table N]
 *            proxy IF ADDR
 *            watch IF
 *
 * Installs the objects in order, printing "installed: OBJECT" or
 * "found: OBJECT: already present, ..." for each; on the first error
 * prints "nl_tool: MESSAGE" on stderr, removes what it installed and
 * exits 1.  Without --hold it then removes them again (or leaves them
 * with --keep) and exits.  With --hold it prints "ready" and reports
 * "event: TEXT" for each change until SIGTERM, SIGINT or end of standard
 * input, checking every object once a second; --restore re-installs what
 * is gone when a link comes up ("restored N").  At exit it prints
 * "removed" (or "kept") and exits 0, or 1 with the removal error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/nl.h"

static volatile sig_atomic_t got_stop;

static void on_signal(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: nl_tool [--hold] [--keep] [--restore] OBJECT...\n"
		"  addr IF ADDR/PLEN | route IF DST/PLEN [via GW] [table N]"
		" | proxy IF ADDR | watch IF\n");
	exit(2);
}

/* "ADDR[/PLEN]": family, bytes, prefix length (the full length when
 * absent); 0 or -1. */
static int parse_addr(const char *s, int *family, unsigned char *a,
		      unsigned *plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	*family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(*family, buf, a) != 1)
		return -1;
	*plen = *family == AF_INET6 ? 128 : 32;
	if (slash) {
		char *end;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (*end || end == slash + 1 || v > 128)
			return -1;
		*plen = (unsigned)v;
	}
	return 0;
}

static void on_event(void *arg, const struct gnl_event *ev)
{
	int *link_up = arg;
	printf("event: %s\n", ev->text);
	if (ev->type == GNL_EV_LINK_UP)
		*link_up = 1;
}

/* Install argv[*i...] (one object); 0 or 1 (error printed). */
static int install_one(struct gnl *n, int argc, char **argv, int *i)
{
	char err[512] = "";
	unsigned char a[16], gw[16];
	unsigned plen, table = 0;
	int family, gfamily, r, has_gw = 0;
	const char *kind = argv[*i];
	if (*i + 2 >= argc && strcmp(kind, "watch"))
		usage();
	if (*i + 1 >= argc)
		usage();
	const char *ifname = argv[*i + 1];
	if (!strcmp(kind, "watch")) {
		*i += 2;
		r = gnl_watch(n, ifname, err, sizeof(err));
		if (r == 0)
			printf("watching: %s\n", ifname);
	} else {
		const char *what = argv[*i + 2];
		*i += 3;
		if (parse_addr(what, &family, a, &plen)) {
			fprintf(stderr, "nl_tool: %s: not an address\n", what);
			return 1;
		}
		if (!strcmp(kind, "addr")) {
			r = gnl_addr_add(n, ifname, family, a, plen, err,
					 sizeof(err));
		} else if (!strcmp(kind, "proxy")) {
			r = gnl_proxy_add(n, ifname, family, a, err,
					  sizeof(err));
		} else if (!strcmp(kind, "route")) {
			while (*i + 1 < argc) {
				if (!strcmp(argv[*i], "via")) {
					unsigned gplen;
					if (parse_addr(argv[*i + 1], &gfamily,
						       gw, &gplen) ||
					    gfamily != family)
						usage();
					has_gw = 1;
				} else if (!strcmp(argv[*i], "table")) {
					table = (unsigned)strtoul(argv[*i + 1],
								  NULL, 10);
				} else {
					break;
				}
				*i += 2;
			}
			r = gnl_route_add(n, ifname, family, a, plen,
					  has_gw ? gw : NULL, table, err,
					  sizeof(err));
		} else {
			usage();
			return 1;
		}
		if (r == 0)
			printf("installed: %s %s on %s\n", kind, what, ifname);
		else if (r == GNL_FOUND)
			printf("found: %s\n", err);
	}
	if (r < 0) {
		fprintf(stderr, "nl_tool: %s\n", err);
		return 1;
	}
	return 0;
}

static void hold(struct gnl *n, int restore)
{
	struct pollfd p[2] = {{gnl_fd(n), POLLIN, 0}, {0, POLLIN, 0}};
	int nfds = 2;
	while (!got_stop) {
		int link_up = 0;
		int r = poll(p, (nfds_t)nfds, 1000);
		if (r < 0 && errno == EINTR)
			continue; /* a signal: got_stop says which */
		if (r < 0) {
			perror("nl_tool: poll");
			return;
		}
		if (r > 0 && (p[1].revents & (POLLIN | POLLHUP))) {
			char buf[256];
			if (read(0, buf, sizeof(buf)) <= 0)
				return; /* end of input: the test is done */
		}
		if (r > 0 && (p[0].revents & POLLIN))
			r = gnl_poll_changes(n, on_event, &link_up);
		else if (r == 0)
			r = gnl_check(n, on_event, &link_up);
		if (r < 0)
			fprintf(stderr, "nl_tool: watching: %s\n",
				strerror(-r));
		if (restore && link_up) {
			char err[512];
			r = gnl_restore(n, err, sizeof(err));
			if (r < 0)
				fprintf(stderr, "nl_tool: %s\n", err);
			else
				printf("restored %d\n", r);
		}
	}
}

int main(int argc, char **argv)
{
	int hold_mode = 0, keep = 0, restore = 0, i = 1;
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--hold"))
			hold_mode = 1;
		else if (!strcmp(argv[i], "--keep"))
			keep = 1;
		else if (!strcmp(argv[i], "--restore"))
			restore = 1;
		else
			usage();
	}
	if (i >= argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	char err[512] = "";
	struct gnl *n;
	if (gnl_open(&n, err, sizeof(err))) {
		fprintf(stderr, "nl_tool: %s\n", err);
		return 1;
	}
	int failed = 0;
	while (i < argc && !failed)
		failed = install_one(n, argc, argv, &i);
	if (!failed && hold_mode) {
		printf("ready\n");
		hold(n, restore);
	}
	unsigned ours, found;
	gnl_counts(n, &ours, &found);
	if (gnl_close(n, keep && !failed, err, sizeof(err))) {
		fprintf(stderr, "nl_tool: %s\n", err);
		return 1;
	}
	printf("%s (%u ours, %u found)\n", keep && !failed ? "kept" : "removed",
	       ours, found);
	return failed;
}
