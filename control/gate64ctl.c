/*
 * gate64ctl.c - the CLI of gate64d: talks to its control socket
 * (control/ctl.h, docs/control.md), one request per connection.
 *
 *   gate64ctl [-s SOCKET] [--json] status
 *   gate64ctl [-s SOCKET] [--json] stats
 *   gate64ctl [-s SOCKET] [--json] session list [--proto P] [--src IPV6]
 *                                               [--limit N]
 *   gate64ctl [-s SOCKET] [--json] bib list [--proto P] [--src IPV6]
 *                                           [--limit N]
 *   gate64ctl [-s SOCKET] reload
 *   gate64ctl [-s SOCKET] [--json] timeouts show | eam list | pool4 list
 *   gate64ctl [-s SOCKET] dns64 stats
 *   gate64ctl [-s SOCKET] log lookup IPV4 PORT PROTO TIME
 *   gate64ctl [-s SOCKET] [--json] subscriber show IPV6[/LEN]
 *   gate64ctl [-s SOCKET] timeouts set NAME SECONDS
 *   gate64ctl [-s SOCKET] eam add NAME IPV4/LEN IPV6/LEN | eam del NAME
 *   gate64ctl [-s SOCKET] bib add NAME PROTO IPV6 PORT IPV4 PORT
 *   gate64ctl [-s SOCKET] bib del NAME | config save
 *   gate64ctl [-s SOCKET] pool4 add|del ADDR[/LEN] [PROTO MIN-MAX]
 *
 * Lists are fetched a page (at most 1000 entries) at a time, following the
 * daemon's cursor, until the end or --limit entries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/gate64/gate64.sock"
#define PAGE	       1000
#define REPLY_MAX      (4 << 20)

static const char *sock_path = DEFAULT_SOCKET;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gate64ctl [-s SOCKET] [--json] COMMAND\n"
		"commands:\n"
		"  status                      mode, workers, pool6, table "
		"sizes\n"
		"  stats                       every counter with its "
		"explanation\n"
		"  session list [--proto tcp|udp|icmp] [--src IPV6] [--limit "
		"N]\n"
		"  bib list     [--proto tcp|udp|icmp] [--src IPV6] [--limit "
		"N]\n"
		"  reload                      read the configuration file "
		"again: all of it or nothing\n"
		"  timeouts show | eam list | pool4 list | dns64 stats\n"
		"  log lookup IPV4 PORT tcp|udp|icmp TIME   who held it then "
		"(RFC 6888)\n"
		"  subscriber show IPV6[/LEN]  its sessions, mappings, limit "
		"and port blocks\n"
		"changes (root or gate64d's user; not in the file until "
		"config save):\n"
		"  timeouts set udp|icmp|tcp-est|tcp-trans|tcp-syn SECONDS\n"
		"  eam add NAME IPV4/LEN IPV6/LEN | eam del NAME\n"
		"  bib add NAME tcp|udp|icmp IPV6 PORT IPV4 PORT | bib del "
		"NAME\n"
		"  pool4 add|del IPV4[/LEN] [tcp|udp|icmp MIN-MAX]   del: "
		"refused while its ports are in use\n"
		"  config save                 write the configuration in use "
		"to its file\n"
		"SOCKET: gate64d's control socket ([gate64] control-socket), "
		"default %s\n",
		DEFAULT_SOCKET);
}

/* Send one request line; the whole reply in a malloc'd string. */
static char *ask(const char *line)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || strlen(sock_path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "gate64ctl: %s: bad socket path\n", sock_path);
		exit(2);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr,
			"gate64ctl: cannot connect to %s: %s (is gate64d "
			"running?  -s names its [gate64] control-socket)\n",
			sock_path, strerror(errno));
		exit(2);
	}
	size_t n = strlen(line);
	if (write(fd, line, n) != (ssize_t)n) {
		fprintf(stderr, "gate64ctl: %s: %s\n", sock_path,
			strerror(errno));
		exit(2);
	}
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fprintf(stderr, "gate64ctl: out of memory\n");
			exit(2);
		}
		if (len + 1 == cap) {
			if (cap >= REPLY_MAX) {
				fprintf(stderr,
					"gate64ctl: reply larger than %d "
					"bytes\n",
					REPLY_MAX);
				exit(2);
			}
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb)
				free(buf);
			buf = nb;
			continue;
		}
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = 0;
	if (strncmp(buf, "ok\n", 3)) {
		fprintf(stderr, "gate64ctl: %s", len ? buf : "no reply\n");
		exit(1);
	}
	return buf;
}

/* Every page of a list; returns the number of entries shown. */
static int list(const char *what, const char *filters, long limit, int json)
{
	char cursor[32] = "0:0";
	long shown = 0;
	int first = 1;
	if (json)
		printf("{\"entries\":[");
	else if (!strcmp(what, "session"))
		printf("%-5s %-40s %-21s %-21s %-17s %6s %8s\n", "PROTO",
		       "IPV6 SOURCE", "POOL4", "REMOTE", "STATE", "IDLE",
		       "EXPIRES");
	else
		printf("%-5s %-40s %-21s %-8s %8s\n", "PROTO", "IPV6 SOURCE",
		       "POOL4", "KIND", "SESSIONS");
	for (;;) {
		char line[1024];
		long want = limit - shown < PAGE ? limit - shown : PAGE;
		snprintf(line, sizeof(line),
			 "1 %s list%s limit=%ld cursor=%s%s\n", what, filters,
			 want, cursor, json ? " json" : "");
		char *reply = ask(line), *body = reply + 3;
		char *next = NULL;
		if (json) {
			char *a = strstr(body, "\"entries\":[");
			char *b = strstr(body, "],\"next\":");
			if (!a || !b) {
				fprintf(stderr, "gate64ctl: bad reply\n");
				exit(2);
			}
			a += 11;
			*b = 0;
			if (*a) {
				printf("%s%s", first ? "" : ",", a);
				first = 0;
				for (char *p = a; *p; p++)
					shown += *p == '{';
			}
			next = strstr(b + 1, "\"next\":\"");
			if (next) {
				next += 8;
				*strchr(next, '"') = 0;
			}
		} else {
			for (char *l = strtok(body, "\n"); l;
			     l = strtok(NULL, "\n")) {
				char f[8][64];
				if (!strncmp(l, "next ", 5)) {
					next = l + 5;
					break;
				}
				if (!strcmp(l, "end"))
					break;
				int n = sscanf(l,
					       "%63s %63s %63s %63s %63s %63s "
					       "%63s",
					       f[0], f[1], f[2], f[3], f[4],
					       f[5], f[6]);
				if (!strcmp(what, "session") && n == 7)
					printf("%-5s %-40s %-21s %-21s %-17s "
					       "%5ss %7ss\n",
					       f[0], f[1], f[2], f[3], f[4],
					       f[5], f[6]);
				else if (n == 5)
					printf("%-5s %-40s %-21s %-8s %8s\n",
					       f[0], f[1], f[2], f[3], f[4]);
				shown++;
			}
		}
		if (next)
			snprintf(cursor, sizeof(cursor), "%s", next);
		free(reply);
		if (!next || shown >= limit)
			break;
	}
	if (json)
		printf("]}\n");
	return (int)shown;
}

int main(int argc, char **argv)
{
	int json = 0, i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc)
			sock_path = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else
			break;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[i++];
	/* commands answered in one reply, printed as they come */
	static const char *const simple[][2] = {
	    {"status", NULL},	  {"stats", NULL}, {"reload", NULL},
	    {"timeouts", "show"}, {"eam", "list"}, {"pool4", "list"},
	    {"dns64", "stats"},
	};
	for (size_t k = 0; k < sizeof(simple) / sizeof(simple[0]); k++) {
		const char *w2 = simple[k][1];
		if (strcmp(cmd, simple[k][0]) ||
		    (w2 && (i >= argc || strcmp(argv[i], w2))))
			continue;
		if (i + (w2 ? 1 : 0) != argc) {
			usage(stderr);
			return 2;
		}
		char line[64];
		snprintf(line, sizeof(line), "1 %s%s%s%s\n", cmd, w2 ? " " : "",
			 w2 ? w2 : "", json ? " json" : "");
		char *r = ask(line);
		fputs(r + 3, stdout);
		free(r);
		return 0;
	}
	/* changes: the words as they are (the daemon checks them) */
	static const struct {
		const char *w1, *w2, *args;
		int n;
	} change[] = {
	    {"timeouts", "set", "NAME SECONDS", 2},
	    {"eam", "add", "NAME IPV4/LEN IPV6/LEN", 3},
	    {"eam", "del", "NAME", 1},
	    {"bib", "add", "NAME tcp|udp|icmp IPV6 PORT IPV4 PORT", 6},
	    {"bib", "del", "NAME", 1},
	    {"pool4", "add", "IPV4[/LEN] [tcp|udp|icmp MIN-MAX]", 1},
	    {"pool4", "del", "IPV4[/LEN] [tcp|udp|icmp MIN-MAX]", 1},
	    {"config", "save", "", 0},
	};
	for (size_t k = 0; k < sizeof(change) / sizeof(change[0]); k++) {
		if (strcmp(cmd, change[k].w1) || i >= argc ||
		    strcmp(argv[i], change[k].w2))
			continue;
		/* pool4 add|del: one protocol's range is optional */
		int n = argc - i - 1;
		if (n != change[k].n &&
		    !(!strcmp(cmd, "pool4") && change[k].n == 1 && n == 3)) {
			fprintf(stderr, "gate64ctl: %s %s %s\n", cmd,
				change[k].w2, change[k].args);
			return 2;
		}
		char line[1024];
		size_t l = (size_t)snprintf(line, sizeof(line), "1 %s %s", cmd,
					    change[k].w2);
		for (int a = i + 1; a < argc && l < sizeof(line); a++)
			l += (size_t)snprintf(line + l, sizeof(line) - l, " %s",
					      argv[a]);
		if (l + 2 > sizeof(line)) {
			fprintf(stderr, "gate64ctl: arguments too long\n");
			return 2;
		}
		snprintf(line + l, sizeof(line) - l, "\n");
		char *r = ask(line);
		fputs(r + 3, stdout);
		free(r);
		return 0;
	}
	if (!strcmp(cmd, "subscriber") && i < argc &&
	    !strcmp(argv[i], "show")) {
		if (argc - i != 2) {
			fprintf(stderr, "gate64ctl: subscriber show "
					"IPV6[/LEN]\n");
			return 2;
		}
		char addr[128], line[256];
		snprintf(addr, sizeof(addr), "%s", argv[i + 1]);
		char *slash = strchr(addr, '/'); /* the daemon masks it */
		if (slash)
			*slash = 0;
		snprintf(line, sizeof(line), "1 subscriber show src=%s%s\n",
			 addr, json ? " json" : "");
		char *r = ask(line);
		fputs(r + 3, stdout);
		free(r);
		return 0;
	}
	if (!strcmp(cmd, "log") && i < argc && !strcmp(argv[i], "lookup")) {
		if (argc - i != 5) {
			fprintf(stderr, "gate64ctl: log lookup IPV4 PORT "
					"tcp|udp|icmp TIME\n");
			return 2;
		}
		char line[512];
		snprintf(line, sizeof(line),
			 "1 log lookup addr=%s port=%s proto=%s time=%s%s\n",
			 argv[i + 1], argv[i + 2], argv[i + 3], argv[i + 4],
			 json ? " json" : "");
		char *r = ask(line);
		fputs(r + 3, stdout);
		free(r);
		return 0;
	}
	if ((!strcmp(cmd, "session") || !strcmp(cmd, "bib")) && i < argc &&
	    !strcmp(argv[i], "list")) {
		char filters[512] = "";
		long limit = 1000000000L;
		for (i++; i < argc; i++) {
			size_t l = strlen(filters);
			if (!strcmp(argv[i], "--proto") && i + 1 < argc)
				snprintf(filters + l, sizeof(filters) - l,
					 " proto=%s", argv[++i]);
			else if (!strcmp(argv[i], "--src") && i + 1 < argc)
				snprintf(filters + l, sizeof(filters) - l,
					 " src=%s", argv[++i]);
			else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
				char *end;
				limit = strtol(argv[++i], &end, 10);
				if (*end || limit < 1) {
					fprintf(stderr,
						"gate64ctl: --limit %s: a "
						"positive number\n",
						argv[i]);
					return 2;
				}
			} else {
				fprintf(stderr,
					"gate64ctl: %s list: unknown option "
					"'%s'\n",
					cmd, argv[i]);
				return 2;
			}
		}
		list(cmd, filters, limit, json);
		return 0;
	}
	fprintf(stderr, "gate64ctl: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
