/*
 * ctl.c - gate64d's control socket (ctl.h, docs/control.md).
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/ctl.h"
#include "control/metrics.h"
#include "dataplane/xlat/nat64_tcp.h"

struct ctl {
	int fd;
	char path[108];
	struct dp *dp;
	const struct cfg_gw *cfg;
	struct dns64_server *dns;
	struct reload *rl;
	struct xdp_mode *xm; /* mode = xdp: the program, instead of dp */
	void (*more)(void *arg, FILE *f); /* more counters (hybrid: XDP's) */
	void *more_arg;
	time_t started;
};

/* One page buffer per worker, alive for the whole run: a worker that
 * answers late writes into it (dp.h). */
static struct dp_dump_entry page[DP_WORKERS_MAX][CTL_PAGE_MAX];

static const char *const proto_name[NAT64_NPROTO] = {"tcp", "udp", "icmp"};
static const char *const state_name[NAT64_TCP_NSTATES] = {
    "CLOSED",	  "V4_INIT",	"V6_INIT",	     "ESTABLISHED",
    "V4_FIN_RCV", "V6_FIN_RCV", "V4_FIN_V6_FIN_RCV", "TRANS"};

int ctl_open(struct ctl **cp, const char *path, unsigned mode, long gid,
	     struct dp *dp, const struct cfg_gw *cfg, struct dns64_server *dns,
	     struct reload *rl, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct ctl *c;

	*cp = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen,
			 "[gate64] control-socket = %s: longer than %zu bytes",
			 path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "control socket: out of memory");
		return -ENOMEM;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	/* its directory, when it is not there yet (/run/gate64) */
	char dir[sizeof(c->path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* a socket file left by a killed gate64d: remove it only when
	 * nobody answers on it */
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0) {
		if (connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			snprintf(
			    err, errlen,
			    "[gate64] control-socket = %s: another gate64d "
			    "is running there; give this one another "
			    "socket",
			    path);
			close(c->fd);
			free(c);
			return -EADDRINUSE;
		}
		close(probe);
	}
	unlink(path);
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (gid >= 0 && chown(path, (uid_t)-1, (gid_t)gid)) ||
	    chmod(path, mode) || listen(c->fd, 16))
		goto fail;
	c->dp = dp;
	c->cfg = cfg;
	c->dns = dns;
	c->rl = rl;
	c->started = time(NULL);
	*cp = c;
	return 0;
fail:;
	int e = errno;
	snprintf(err, errlen, "[gate64] control-socket = %s: %s", path,
		 strerror(e));
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return -e;
}

void ctl_set_xdp(struct ctl *c, struct xdp_mode *xm)
{
	c->xm = xm;
}

void ctl_set_more_stats(struct ctl *c, void (*fn)(void *arg, FILE *f),
			void *arg)
{
	c->more = fn;
	c->more_arg = arg;
}

void ctl_close(struct ctl *c)
{
	if (!c)
		return;
	close(c->fd);
	unlink(c->path);
	char dir[sizeof(c->path)];
	snprintf(dir, sizeof(dir), "%s", c->path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		rmdir(dir); /* only when empty */
	}
	free(c);
}

/* ---- requests ---- */

static void ip4s(uint32_t a, char *buf)
{
	uint32_t n = htonl(a);
	inet_ntop(AF_INET, &n, buf, INET_ADDRSTRLEN);
}

static void print_entry(FILE *out, const struct dp_dump_entry *e, int sess,
			int json, int first)
{
	char s6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN], r4[INET_ADDRSTRLEN];
	inet_ntop(AF_INET6, e->src6, s6, sizeof(s6));
	ip4s(e->addr4, a4);
	ip4s(e->raddr4, r4);
	const char *pn = e->proto < NAT64_NPROTO ? proto_name[e->proto] : "?";
	if (json) {
		fprintf(out,
			"%s{\"proto\":\"%s\",\"src6\":\"%s\",\"sport6\":%u,"
			"\"addr4\":\"%s\",\"port4\":%u",
			first ? "" : ",", pn, s6, e->sport6, a4, e->port4);
		if (sess)
			fprintf(out,
				",\"remote4\":\"%s\",\"rport\":%u,\"state\":"
				"\"%s\",\"idle\":%u,\"expires\":%u}",
				r4, e->rport,
				e->proto == NAT64_TCP &&
					e->state < NAT64_TCP_NSTATES
				    ? state_name[e->state]
				    : "-",
				e->idle, e->expires);
		else
			fprintf(out, ",\"static\":%s,\"sessions\":%u}",
				e->is_static ? "true" : "false", e->nsess);
		return;
	}
	if (sess)
		fprintf(out, "%s [%s]:%u %s:%u %s:%u %s %u %u\n", pn, s6,
			e->sport6, a4, e->port4, r4, e->rport,
			e->proto == NAT64_TCP && e->state < NAT64_TCP_NSTATES
			    ? state_name[e->state]
			    : "-",
			e->idle, e->expires);
	else
		fprintf(out, "%s [%s]:%u %s:%u %s %u\n", pn, s6, e->sport6, a4,
			e->port4, e->is_static ? "static" : "dynamic",
			e->nsess);
}

/* One page of sessions or BIB entries, from every worker in turn. */
static void cmd_list(struct ctl *c, FILE *out, enum dp_dump_kind kind,
		     const struct ctl_req *r)
{
	unsigned nw = dp_nworkers(c->dp);
	unsigned w = r->worker;
	uint32_t slot = r->slot, shown = 0;
	int sess = kind == DP_DUMP_SESSIONS;

	if (c->cfg->dp.mode != DP_NAT64) {
		fprintf(out, "error: no NAT64 state: [translator] type = "
			     "siit\n");
		return;
	}
	if (w >= nw) {
		fprintf(out, "error: cursor: worker %u of %u\n", w, nw);
		return;
	}
	fprintf(out, r->json ? "ok\n{\"entries\":[" : "ok\n");
	while (w < nw && shown < r->limit) {
		uint32_t n, next;
		int e = dp_dump_request(c->dp, w, kind, slot, page[w],
					r->limit - shown);
		if (e == -EBUSY) { /* a late answer to an earlier page */
			dp_dump_wait(c->dp, w, &n, &next, CTL_TIMEOUT_MS);
			e = dp_dump_request(c->dp, w, kind, slot, page[w],
					    r->limit - shown);
		}
		if (e || dp_dump_wait(c->dp, w, &n, &next, CTL_TIMEOUT_MS)) {
			/* the body so far stays; the cursor says where */
			break;
		}
		for (uint32_t i = 0; i < n; i++) {
			const struct dp_dump_entry *en = &page[w][i];
			if (r->proto >= 0 && en->proto != r->proto)
				continue;
			if (r->has_src && memcmp(en->src6, r->src, 16))
				continue;
			print_entry(out, en, sess, r->json, shown == 0);
			shown++;
		}
		if (next == DP_DUMP_END) {
			w++;
			slot = 0;
		} else {
			slot = next;
		}
	}
	if (r->json) {
		if (w < nw)
			fprintf(out, "],\"next\":\"%u:%u\"}\n", w, slot);
		else
			fprintf(out, "],\"next\":null}\n");
	} else if (w < nw) {
		fprintf(out, "next %u:%u\n", w, slot);
	} else {
		fprintf(out, "end\n");
	}
}

static void cmd_status(struct ctl *c, FILE *out, int json)
{
	uint64_t nb, ns;
	char p6[INET6_ADDRSTRLEN];
	dp_nat64_count(c->dp, &nb, &ns);
	inet_ntop(AF_INET6, c->cfg->xlat.pool6.addr, p6, sizeof(p6));
	long up = (long)(time(NULL) - c->started);
	const char *type = c->cfg->dp.mode == DP_NAT64 ? "nat64" : "siit";
	if (json) {
		fprintf(out,
			"ok\n{\"mode\":\"dpdk\",\"type\":\"%s\",\"workers\":"
			"%u,\"arms\":%u,\"pool6\":\"%s/%u\",\"uptime\":%ld,"
			"\"bib\":%llu,\"sessions\":%llu,\"dns64\":%s,"
			"\"unsaved_changes\":%u}\n",
			type, dp_nworkers(c->dp), c->cfg->dp.one_arm ? 1u : 2u,
			p6, (unsigned)c->cfg->xlat.pool6.len, up,
			(unsigned long long)nb, (unsigned long long)ns,
			c->dns ? "true" : "false", reload_unsaved(c->rl));
		return;
	}
	fprintf(out,
		"ok\nmode dpdk\ntype %s\nworkers %u\narms %u\npool6 %s/%u\n"
		"uptime %ld\nbib %llu\nsessions %llu\ndns64 %s\n"
		"unsaved-changes %u\n",
		type, dp_nworkers(c->dp), c->cfg->dp.one_arm ? 1u : 2u, p6,
		(unsigned)c->cfg->xlat.pool6.len, up, (unsigned long long)nb,
		(unsigned long long)ns, c->dns ? "on" : "off",
		reload_unsaved(c->rl));
}

/* Counter lines "name value[  # why]" as JSON: {"name": [value, "why"]}
 * (why "" when the line has none). */
static void lines_to_json(char *buf, FILE *out)
{
	int first = 1;
	char *save = NULL;
	fputc('{', out);
	for (char *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		unsigned long long v;
		int off = 0;
		if (sscanf(line, "%63s %llu%n", name, &v, &off) != 2)
			continue;
		const char *why = strstr(line + off, "# ");
		fprintf(out, "%s\"%s\":[%llu,\"", first ? "" : ",", name, v);
		for (const char *p = why ? why + 2 : ""; *p; p++) {
			if (*p == '"' || *p == '\\')
				fputc('\\', out);
			fputc(*p, out);
		}
		fprintf(out, "\"]");
		first = 0;
	}
	fprintf(out, "}\n");
}

/* What print(arg, f) writes, as JSON; 0 or -1 (out of memory). */
static int print_json(void (*print)(void *, FILE *), void *arg, FILE *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return -1;
	print(arg, m);
	fclose(m);
	lines_to_json(buf, out);
	free(buf);
	return 0;
}

/* The dataplane's counters, then the subscriber gauges (NAT64). */
static void print_dp(void *arg, FILE *f)
{
	struct ctl *c = arg;
	uint64_t nsubs, over;
	dp_stats_print(c->dp, f);
	if (c->more)
		c->more(c->more_arg, f);
	if (c->cfg->dp.mode != DP_NAT64 ||
	    metrics_subscribers(c->dp, &nsubs, &over))
		return;
	fprintf(f,
		"%-28s %12llu  # subscribers with state now\n"
		"%-28s %12llu  # subscribers at or above [nat64] "
		"subscriber-alert = %u%% of their session or port limit\n",
		"nat64_subscribers", (unsigned long long)nsubs,
		"nat64_subscribers_over_alert", (unsigned long long)over,
		(unsigned)dp_nat64_cfg(c->dp)->sub_alert);
}

static void print_dns64(void *dns, FILE *f)
{
	dns64_server_print_counters(dns, f);
}

static void cmd_stats(struct ctl *c, FILE *out, int json)
{
	if (!json) {
		fprintf(out, "ok\n");
		print_dp(c, out);
		if (c->dns)
			dns64_server_print_counters(c->dns, out);
		return;
	}
	fprintf(out, "ok\n");
	if (print_json(print_dp, c, out))
		fprintf(out, "error: out of memory\n");
}

static const struct cfg_gw *current(const struct ctl *c)
{
	const struct cfg_gw *l = reload_live(c->rl);
	return l ? l : c->cfg;
}

static void cmd_timeouts(struct ctl *c, FILE *out, int json)
{
	static const struct {
		const char *name;
		enum nat64_timer t;
	} tm[] = {{"udp", NAT64_T_UDP},
		  {"icmp", NAT64_T_ICMP},
		  {"tcp-est", NAT64_T_TCP_EST},
		  {"tcp-trans", NAT64_T_TCP_TRANS},
		  {"tcp-syn", NAT64_T_TCP_SYN}};
	const struct nat64_cfg *n = &current(c)->nat64;
	fprintf(out, json ? "ok\n{" : "ok\n");
	for (size_t i = 0; i < sizeof(tm) / sizeof(tm[0]); i++)
		fprintf(out, json ? "%s\"%s\":%u" : "%s%s %u\n",
			json && i ? "," : "", tm[i].name, n->timeout[tm[i].t]);
	if (json)
		fprintf(out, "}\n");
}

static void cmd_eam(struct ctl *c, FILE *out, int json)
{
	const struct xlat_eamt *t = current(c)->eamt;
	fprintf(out, json ? "ok\n[" : "ok\n");
	for (uint32_t i = 0; t && i < t->n; i++) {
		char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
		const struct xlat_eam *e = &t->by4[i];
		ip4s(e->v4, a4);
		inet_ntop(AF_INET6, e->v6, a6, sizeof(a6));
		fprintf(out,
			json ? "%s{\"ipv4\":\"%s/%u\",\"ipv6\":\"%s/%u\"}"
			     : "%s%s/%u %s/%u\n",
			json && i ? "," : "", a4, e->v4len, a6, e->v6len);
	}
	if (json)
		fprintf(out, "]\n");
}

/* The ranges with the ports in use in each (every worker counts its
 * own slice; asked like a list page), and the sums per protocol. */
static void cmd_pool4(struct ctl *c, FILE *out, int json)
{
	uint64_t used[POOL4_MAX_RANGES] = {0}, total[POOL4_MAX_RANGES] = {0};
	uint64_t blocks[POOL4_MAX_RANGES] = {0};
	uint64_t pu[NAT64_NPROTO] = {0}, pt[NAT64_NPROTO] = {0};
	if (c->cfg->dp.mode != DP_NAT64) {
		fprintf(out, "error: no pool4: [translator] type = siit\n");
		return;
	}
	/* the ranges in use: pool4 add|del change them */
	const struct pool4_cfg *pc =
	    c->xm ? &c->cfg->nat64.pool4 : &dp_nat64_cfg(c->dp)->pool4;
	if (c->xm) { /* mode = xdp: one engine, its maps swept each second */
		xdp_mode_pool4_used(c->xm, used, pc->n);
		for (unsigned i = 0; i < pc->n; i++)
			total[i] = pc->r[i].max - pc->r[i].min + 1u;
	}
	for (unsigned w = 0; !c->xm && w < dp_nworkers(c->dp); w++) {
		uint32_t n, next;
		if (dp_dump_request(c->dp, w, DP_DUMP_POOL4, 0, page[w],
				    POOL4_MAX_RANGES) ||
		    dp_dump_wait(c->dp, w, &n, &next, CTL_TIMEOUT_MS)) {
			fprintf(out, "error: worker %u did not answer\n", w);
			return;
		}
		for (uint32_t i = 0; i < n && i < pc->n; i++) {
			used[i] += page[w][i].used;
			total[i] += page[w][i].total;
			blocks[i] += page[w][i].blocks;
		}
	}
	fprintf(out, json ? "ok\n{\"ranges\":[" : "ok\n");
	for (unsigned i = 0; i < pc->n; i++) {
		char a4[INET_ADDRSTRLEN];
		ip4s(pc->r[i].addr, a4);
		pu[pc->r[i].proto] += used[i];
		pt[pc->r[i].proto] += total[i];
		fprintf(out,
			json ? "%s{\"address\":\"%s\",\"proto\":\"%s\","
			       "\"min\":%u,\"max\":%u,\"used\":%llu,"
			       "\"total\":%llu,\"blocks\":%llu}"
			     : "%srange %s %s %u-%u used %llu of %llu blocks "
			       "%llu\n",
			json && i ? "," : "", a4, proto_name[pc->r[i].proto],
			pc->r[i].min, pc->r[i].max, (unsigned long long)used[i],
			(unsigned long long)total[i],
			(unsigned long long)blocks[i]);
	}
	if (json)
		fprintf(out, "],\"usage\":{");
	for (int p = 0; p < NAT64_NPROTO; p++)
		fprintf(out,
			json ? "%s\"%s\":{\"used\":%llu,\"total\":%llu}"
			     : "%susage %s %llu of %llu ports\n",
			json && p ? "," : "", proto_name[p],
			(unsigned long long)pu[p], (unsigned long long)pt[p]);
	if (json)
		fprintf(out, "}}\n");
}

static void cmd_dns64(struct ctl *c, FILE *out, int json)
{
	if (!c->dns) {
		fprintf(out, "error: DNS64 does not run in this gate64d (no "
			     "[dns64] section)\n");
		return;
	}
	fprintf(out, "ok\n");
	if (!json)
		dns64_server_print_counters(c->dns, out);
	else if (print_json(print_dns64, c->dns, out))
		fprintf(out, "error: out of memory\n");
}

/* RFC 6888 §4: who held ADDR:PORT at TIME, from the mapping log. */
static void cmd_log_lookup(struct ctl *c, FILE *out, const struct ctl_req *r)
{
	uint64_t t_ms, until;
	struct nat64_log_event who;
	char line[256];
	if (!c->cfg->maplog[0]) {
		fprintf(out, "error: no mapping log ([nat64] mapping-log is "
			     "not set)\n");
		return;
	}
	if (nat64_log_parse_when(r->time, &t_ms)) {
		fprintf(out,
			"error: time=%s: RFC 3339 UTC (2026-11-25T13:30:00Z) "
			"or seconds since the epoch\n",
			r->time);
		return;
	}
	FILE *f = fopen(c->cfg->maplog, "r");
	if (!f) {
		fprintf(out, "error: %s: %s\n", c->cfg->maplog,
			strerror(errno));
		return;
	}
	int e = nat64_log_lookup(f, ntohl(r->addr4), r->port, (uint8_t)r->proto,
				 t_ms, &who, &until);
	fclose(f);
	if (e < 0) {
		fprintf(out, "error: %s: read error\n", c->cfg->maplog);
		return;
	}
	fprintf(out, "ok\n");
	if (e == 0) {
		fprintf(out, r->json ? "{\"held\":false}\n" : "nobody\n");
		return;
	}
	char until_s[40] = "";
	if (until != UINT64_MAX)
		nat64_log_format_time(until, until_s, sizeof(until_s));
	if (nat64_log_format(&who, line, sizeof(line)) <= 0)
		line[0] = 0;
	if (r->json) { /* the event line has no quote or backslash */
		fprintf(out,
			"{\"held\":true,\"event\":\"%s\",\"until\":", line);
		fprintf(out, until_s[0] ? "\"%s\"}\n" : "null}\n", until_s);
		return;
	}
	fprintf(out, "%s\n", line);
	if (until_s[0])
		fprintf(out, "until %s\n", until_s);
	else
		fprintf(out, "still held\n");
}

/* The subscriber of an IPv6 address: its owner worker answers. */
static void cmd_subscriber(struct ctl *c, FILE *out, const struct ctl_req *r)
{
	if (c->cfg->dp.mode != DP_NAT64) {
		fprintf(out, "error: no subscribers: [translator] type = "
			     "siit\n");
		return;
	}
	unsigned w = dp_owner6(c->dp, r->src);
	uint32_t n, next;
	dp_dump_key(c->dp, w, r->src);
	if (dp_dump_request(c->dp, w, DP_DUMP_SUB, 0, page[w], 1) ||
	    dp_dump_wait(c->dp, w, &n, &next, CTL_TIMEOUT_MS) || n != 1) {
		fprintf(out, "error: worker %u did not answer\n", w);
		return;
	}
	const struct nat64_sub_info *si = &page[w][0].sub;
	char p6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN];
	inet_ntop(AF_INET6, si->prefix, p6, sizeof(p6));
	ip4s(si->addr4, a4);
	if (r->json) {
		fprintf(out,
			"ok\n{\"subscriber\":\"%s/%u\",\"worker\":%u,"
			"\"active\":%s,\"sessions\":%u,\"bib\":%u,"
			"\"session_limit\":%u,\"blocks\":{\"tcp\":%u,"
			"\"udp\":%u,\"icmp\":%u}}\n",
			p6, si->len, w, page[w][0].found ? "true" : "false",
			si->nsess, si->nbib, si->limit, si->blocks[0],
			si->blocks[1], si->blocks[2]);
		return;
	}
	fprintf(out, "ok\nsubscriber %s/%u\nworker %u\n", p6, si->len, w);
	if (!page[w][0].found) {
		fprintf(out, "no state (no flow since its last mapping "
			     "expired)\n");
		return;
	}
	fprintf(out, "sessions %u", si->nsess);
	if (si->limit)
		fprintf(out, " of %u", si->limit);
	fprintf(out, "\nbib %u\n", si->nbib);
	if (c->cfg->nat64.pool4.block_size)
		fprintf(out, "blocks on %s: tcp %u udp %u icmp %u\n", a4,
			si->blocks[0], si->blocks[1], si->blocks[2]);
}

/* Changes: root and gate64d's own user only (SO_PEERCRED). */
static int writer(FILE *out, int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len)) {
		fprintf(out,
			"error: cannot tell who is asking (SO_PEERCRED: "
			"%s)\n",
			strerror(errno));
		return 0;
	}
	if (cr.uid != 0 && cr.uid != geteuid()) {
		fprintf(out,
			"error: this changes the gateway: allowed to root and "
			"to gate64d's user (uid %u), not to uid %u\n",
			(unsigned)geteuid(), (unsigned)cr.uid);
		return 0;
	}
	return 1;
}

/* pool4 add|del: the [pool4] address list in use with the entry added
 * or taken out (cfg_gw_pool4_edit), in val; 0 or -1 with msg. */
static int pool4_change(struct ctl *c, const struct ctl_req *r, char *val,
			size_t vlen, char *msg, size_t mlen)
{
	static const char *const keys[NAT64_NPROTO] = {
	    "pool4:tcp-ports", "pool4:udp-ports", "pool4:icmp-ids"};
	static const char *const defaults[NAT64_NPROTO] = {
	    "1024-65535", "1024-65535", "1024-65535"};
	const char *ranges[NAT64_NPROTO];
	char item[200];
	if (c->cfg->dp.mode != DP_NAT64) {
		snprintf(msg, mlen, "no pool4: [translator] type = siit");
		return -1;
	}
	for (int p = 0; p < NAT64_NPROTO; p++) {
		ranges[p] = reload_value(c->rl, keys[p]);
		if (!ranges[p])
			ranges[p] = defaults[p];
	}
	if (r->nargs == 3)
		snprintf(item, sizeof(item), "%s %s %s", r->args[0], r->args[1],
			 r->args[2]);
	else
		snprintf(item, sizeof(item), "%s", r->args[0]);
	return cfg_gw_pool4_edit(reload_value(c->rl, "pool4:address"),
				 r->cmd == CTL_CMD_POOL4_ADD, item, ranges, val,
				 vlen, msg, mlen)
		   ? -1
		   : 0;
}

/* A change through the reload path: validated whole, applied at the
 * workers' quiescent point, or refused with nothing changed. */
static void cmd_change(struct ctl *c, FILE *out, const struct ctl_req *r)
{
	char msg[4096], key[160], val[1024];
	const char *v = NULL;
	int e;
	const char(*a)[64] = r->args;
	switch (r->cmd) {
	case CTL_CMD_RELOAD:
		e = reload_apply(c->rl, c->dp, msg, sizeof(msg), stderr);
		break;
	case CTL_CMD_CONFIG_SAVE:
		e = reload_save(c->rl, msg, sizeof(msg));
		break;
	default:
		if (r->cmd == CTL_CMD_TIMEOUTS_SET) {
			snprintf(key, sizeof(key), "nat64:timeout-%s", a[0]);
			v = a[1];
		} else if (r->cmd == CTL_CMD_EAM_ADD) {
			snprintf(key, sizeof(key), "eam:%s", a[0]);
			snprintf(val, sizeof(val), "%s %s", a[1], a[2]);
			v = val;
		} else if (r->cmd == CTL_CMD_EAM_DEL) {
			snprintf(key, sizeof(key), "eam:%s", a[0]);
		} else if (r->cmd == CTL_CMD_BIB_ADD) {
			snprintf(key, sizeof(key), "static-bib:%s", a[0]);
			snprintf(val, sizeof(val), "%s %s %s %s %s", a[1], a[2],
				 a[3], a[4], a[5]);
			v = val;
		} else if (r->cmd == CTL_CMD_BIB_DEL) {
			snprintf(key, sizeof(key), "static-bib:%s", a[0]);
		} else if (pool4_change(c, r, val, sizeof(val), msg,
					sizeof(msg))) {
			fprintf(out, "error: %s\n", msg);
			return;
		} else { /* the whole [pool4] address list, edited */
			snprintf(key, sizeof(key), "pool4:address");
			v = val;
		}
		for (char *p = key; *p; p++) /* iniparser's names */
			*p = (char)tolower((unsigned char)*p);
		e = reload_set(c->rl, c->dp, key, v, msg, sizeof(msg), stderr);
		break;
	}
	if (e)
		fprintf(out, "error: %s\n", msg);
	else
		fprintf(out, "ok\n%s", msg);
}

/* Close after the reply: what the client sent beyond the request line
 * is read and dropped first (bounded), else close() would reset the
 * connection before the client reads the reply. */
static void finish(FILE *out, int fd)
{
	char junk[4096];
	fflush(out);
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 16; i++)
		if (read(fd, junk, sizeof(junk)) <= 0)
			break;
	fclose(out);
}

/* mode = xdp: status, stats and dns64 stats; the tables and changes
 * belong to the stateful and reload machinery that mode has not yet. */
static void status_xdp(struct ctl *c, FILE *out, int json)
{
	const struct cfg_gw *g = c->cfg;
	char p6[INET6_ADDRSTRLEN];
	unsigned long long h, u, nb = 0, ns = 0;
	inet_ntop(AF_INET6, g->xlat.pool6.addr, p6, sizeof(p6));
	xdp_mode_totals(c->xm, &h, &u);
	xdp_mode_state_counts(c->xm, &nb, &ns);
	const char *type = g->dp.mode == DP_NAT64 ? "nat64" : "siit";
	long up = (long)(time(NULL) - c->started);
	const char *if4 = g->xdp.nif > 1 ? g->xdp.ifname[1] : g->xdp.ifname[0];
	const char *att = g->xdp.generic ? "generic" : "native";
	if (json) {
		fprintf(out,
			"ok\n{\"mode\":\"xdp\",\"type\":\"%s\","
			"\"interfaces\":[\"%s\",\"%s\"],\"attach\":\"%s\","
			"\"pool6\":\"%s/%u\",\"uptime\":%ld,\"translated\":"
			"%llu,\"not_translated\":%llu,\"bib\":%llu,"
			"\"sessions\":%llu,\"dns64\":%s}\n",
			type, g->xdp.ifname[0], if4, att, p6,
			(unsigned)g->xlat.pool6.len, up, h, u, nb, ns,
			c->dns ? "true" : "false");
		return;
	}
	fprintf(out,
		"ok\nmode xdp\ntype %s\ninterfaces %s %s\nattach %s\n"
		"pool6 %s/%u\nuptime %ld\ntranslated %llu\n"
		"not-translated %llu\nbib %llu\nsessions %llu\ndns64 %s\n",
		type, g->xdp.ifname[0], if4, att, p6,
		(unsigned)g->xlat.pool6.len, up, h, u, nb, ns,
		c->dns ? "on" : "off");
}

static void print_xdp(void *arg, FILE *f)
{
	xdp_mode_stats_print(arg, f);
}

/* session list / bib list from the program's maps (type = nat64): one
 * table, the cursor is "0:INDEX". */
static void list_xdp(struct ctl *c, FILE *out, const struct ctl_req *r)
{
	int sess = r->cmd == CTL_CMD_SESSION_LIST;
	uint32_t slot = r->slot, shown = 0, n = 0, next = 0;
	if (c->cfg->dp.mode != DP_NAT64) {
		fprintf(out, "error: no NAT64 state: [translator] type = "
			     "siit\n");
		return;
	}
	fprintf(out, r->json ? "ok\n{\"entries\":[" : "ok\n");
	while (shown < r->limit) {
		uint32_t want = r->limit - shown;
		if (want > CTL_PAGE_MAX)
			want = CTL_PAGE_MAX;
		if (xdp_mode_dump(c->xm, sess, slot, page[0], want, &n, &next))
			break;
		for (uint32_t i = 0; i < n; i++) {
			const struct dp_dump_entry *en = &page[0][i];
			if (r->proto >= 0 && en->proto != r->proto)
				continue;
			if (r->has_src && memcmp(en->src6, r->src, 16))
				continue;
			print_entry(out, en, sess, r->json, shown == 0);
			shown++;
		}
		if (next == DP_DUMP_END)
			break;
		slot = next;
	}
	if (next != DP_DUMP_END)
		fprintf(out, r->json ? "],\"next\":\"0:%u\"}\n" : "next 0:%u\n",
			slot);
	else
		fprintf(out, r->json ? "],\"next\":null}\n" : "end\n");
}

static int serve_xdp(struct ctl *c, FILE *out, int fd, const struct ctl_req *r)
{
	if (r->cmd == CTL_CMD_STATUS) {
		status_xdp(c, out, r->json);
	} else if (r->cmd == CTL_CMD_STATS && !r->json) {
		fprintf(out, "ok\n");
		xdp_mode_stats_print(c->xm, out);
		if (c->dns)
			dns64_server_print_counters(c->dns, out);
	} else if (r->cmd == CTL_CMD_STATS) {
		fprintf(out, "ok\n");
		if (print_json(print_xdp, c->xm, out))
			fprintf(out, "error: out of memory\n");
	} else if (r->cmd == CTL_CMD_DNS64_STATS) {
		cmd_dns64(c, out, r->json);
	} else if (r->cmd == CTL_CMD_SESSION_LIST ||
		   r->cmd == CTL_CMD_BIB_LIST) {
		list_xdp(c, out, r);
	} else if (r->cmd == CTL_CMD_LOG_LOOKUP) {
		cmd_log_lookup(c, out, r);
	} else if (r->cmd == CTL_CMD_POOL4_LIST) {
		cmd_pool4(c, out, r->json);
	} else if (r->cmd == CTL_CMD_RELOAD && c->rl) {
		if (writer(out, fd))
			cmd_change(c, out, r);
	} else if (ctl_is_change(r->cmd) && !writer(out, fd)) {
		; /* refused, and said why */
	} else {
		fprintf(out, "error: not in mode = xdp: its tables change only "
			     "through the file (status, stats, session list, "
			     "bib list, log lookup, dns64 stats and reload "
			     "work)\n");
	}
	return 0;
}

static void serve(struct ctl *c, int fd)
{
	char line[CTL_LINE_MAX + 1];
	size_t n = 0;
	struct timeval tv = {CTL_TIMEOUT_MS / 1000,
			     (CTL_TIMEOUT_MS % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* one line, bounded: a longer one is refused, not truncated */
	while (n < sizeof(line) - 1) {
		ssize_t r = read(fd, line + n, sizeof(line) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(line, '\n', n))
			break;
	}
	FILE *out = fdopen(fd, "w");
	if (!out) {
		close(fd);
		return;
	}
	struct ctl_req r;
	char err[CTL_LINE_MAX + 128];
	if (ctl_parse(line, n, &r, err, sizeof(err)))
		fprintf(out, "%s\n", err);
	else if (c->xm)
		serve_xdp(c, out, fd, &r);
	else if (r.cmd == CTL_CMD_STATUS)
		cmd_status(c, out, r.json);
	else if (r.cmd == CTL_CMD_STATS)
		cmd_stats(c, out, r.json);
	else if (ctl_is_change(r.cmd)) {
		if (writer(out, fd))
			cmd_change(c, out, &r);
	} else if (r.cmd == CTL_CMD_TIMEOUTS_SHOW)
		cmd_timeouts(c, out, r.json);
	else if (r.cmd == CTL_CMD_EAM_LIST)
		cmd_eam(c, out, r.json);
	else if (r.cmd == CTL_CMD_POOL4_LIST)
		cmd_pool4(c, out, r.json);
	else if (r.cmd == CTL_CMD_DNS64_STATS)
		cmd_dns64(c, out, r.json);
	else if (r.cmd == CTL_CMD_LOG_LOOKUP)
		cmd_log_lookup(c, out, &r);
	else if (r.cmd == CTL_CMD_SUBSCRIBER_SHOW)
		cmd_subscriber(c, out, &r);
	else
		cmd_list(c, out,
			 r.cmd == CTL_CMD_SESSION_LIST ? DP_DUMP_SESSIONS
						       : DP_DUMP_BIB,
			 &r);
	finish(out, fd);
}

void ctl_poll(struct ctl *c)
{
	for (int i = 0; i < 8; i++) {
		int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return;
		serve(c, fd);
	}
}

int ctl_fd(const struct ctl *c)
{
	return c->fd;
}
