/*
 * maplog.c - gate64-maplog: answers "who held this IPv4 transport address
 * at this time?" from a NAT64 mapping log (RFC 6888 §4 REQ-12; the file
 * that nat64_log_drain writes, see dataplane/xlat/nat64_log.h).
 *
 *   gate64-maplog lookup FILE IPV4 PORT PROTO TIME
 *
 * TIME is RFC 3339 UTC (2026-11-25T13:30:00Z, fraction optional) or
 * seconds since the epoch.  Exit 0: a holder was found (printed); 1:
 * nobody held it; 2: bad arguments or an unreadable file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/xlat/nat64_log.h"
#include "dataplane/xlat/pool4.h"

static const char *const protos[] = {
    [NAT64_TCP] = "tcp", [NAT64_UDP] = "udp", [NAT64_ICMP] = "icmp"};

static void usage(void)
{
	fprintf(stderr,
		"usage: gate64-maplog lookup FILE IPV4 PORT PROTO TIME\n"
		"  PROTO  tcp, udp or icmp\n"
		"  TIME   RFC 3339 UTC (2026-11-25T13:30:00Z, .mmm optional)\n"
		"         or seconds since the epoch\n"
		"exit: 0 holder found, 1 nobody held it, 2 error\n");
}

static int bad(const char *what, const char *value, const char *hint)
{
	fprintf(stderr, "gate64-maplog: bad %s '%s': %s\n", what, value, hint);
	return 2;
}

/* Seconds since the epoch (digits, optional .fraction) or RFC 3339. */
static void print_time(uint64_t t_ms)
{
	char t[32];
	if (nat64_log_format_time(t_ms, t, sizeof(t)) < 0)
		printf("@%" PRIu64 "ms", t_ms);
	else
		fputs(t, stdout);
}

static void print_holder(const struct nat64_log_event *w, uint64_t until)
{
	char a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN];
	uint8_t p[16];
	uint32_t n = htonl(w->addr4);

	if (w->event == NAT64_EV_BLOCK_ALLOC) {
		/* Port-block mode (RFC 7422): the block names the subscriber.
		 */
		inet_ntop(AF_INET6, w->src6, a6, sizeof(a6));
		inet_ntop(AF_INET, &n, a4, sizeof(a4));
		printf("sub=%s/%u block=%s:%u-%u", a6, w->sub_len, a4, w->port4,
		       w->port4_end);
	} else {
		inet_ntop(AF_INET6, w->src6, a6, sizeof(a6));
		printf("src=[%s]:%u", a6, w->sport6);
		if (w->sub_len) {
			memcpy(p, w->src6, 16);
			for (unsigned i = 0; i < 16; i++) {
				unsigned bit = i * 8;
				if (bit >= w->sub_len)
					p[i] = 0;
				else if (w->sub_len - bit < 8)
					p[i] &= (uint8_t)(0xff00u >>
							  (w->sub_len - bit));
			}
			inet_ntop(AF_INET6, p, a6, sizeof(a6));
			printf(" sub=%s/%u", a6, w->sub_len);
		}
	}
	printf(" held ");
	print_time(w->time_ms);
	printf(" .. ");
	if (until == UINT64_MAX)
		printf("still held");
	else
		print_time(until);
	printf("\n");
}

static int cmd_lookup(char **argv)
{
	const char *file = argv[0];
	uint32_t a;
	unsigned long port;
	char *end;
	int proto = -1;
	uint64_t t_ms;

	if (inet_pton(AF_INET, argv[1], &a) != 1)
		return bad("IPV4", argv[1],
			   "expected a dotted quad (192.0.2.1)");
	errno = 0;
	port = strtoul(argv[2], &end, 10);
	if (errno || end == argv[2] || *end || port > 65535 ||
	    argv[2][0] == '-')
		return bad("PORT", argv[2], "expected 0..65535");
	for (int i = 0; i < NAT64_NPROTO; i++)
		if (strcmp(argv[3], protos[i]) == 0)
			proto = i;
	if (proto < 0)
		return bad("PROTO", argv[3], "expected tcp, udp or icmp");
	if (nat64_log_parse_when(argv[4], &t_ms) < 0)
		return bad("TIME", argv[4],
			   "expected RFC 3339 UTC (2026-11-25T13:30:00Z) "
			   "or seconds since the epoch");

	FILE *f = fopen(file, "r");
	if (!f) {
		fprintf(stderr, "gate64-maplog: cannot open %s: %s\n", file,
			strerror(errno));
		return 2;
	}
	struct nat64_log_event who;
	uint64_t until;
	int r = nat64_log_lookup(f, ntohl(a), (uint16_t)port, (uint8_t)proto,
				 t_ms, &who, &until);
	fclose(f);
	if (r < 0) {
		fprintf(stderr, "gate64-maplog: error reading %s\n", file);
		return 2;
	}
	if (r == 0) {
		printf("nobody held %s:%lu/%s at ", argv[1], port,
		       protos[proto]);
		print_time(t_ms);
		printf("\n");
		return 1;
	}
	print_holder(&who, until);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage();
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "lookup") != 0) {
		if (argc >= 2)
			fprintf(stderr, "gate64-maplog: unknown command '%s'\n",
				argv[1]);
		usage();
		return 2;
	}
	if (argc != 7) {
		fprintf(stderr,
			"gate64-maplog: lookup takes 5 arguments, "
			"got %d\n",
			argc - 2);
		usage();
		return 2;
	}
	return cmd_lookup(argv + 2);
}
