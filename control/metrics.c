/*
 * metrics.c - the Prometheus text endpoint (metrics.h).
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/cfg_dns64.h"
#include "control/metrics.h"

struct metrics {
	int fd;
	struct dp *dp;
	const struct cfg_gw *cfg;
	struct dns64_server *dns;
	struct xdp_mode *xm; /* mode = xdp: the program's counters */
	void (*more)(void *arg, FILE *f); /* hybrid: the program's too */
	void *more_arg;
};

int metrics_open(struct metrics **mp, const char *listen_addr, struct dp *dp,
		 const struct cfg_gw *cfg, struct dns64_server *dns, char *err,
		 size_t errlen)
{
	struct sockaddr_storage ss;
	const char *why = NULL;
	*mp = NULL;
	if (cfg_dns64_parse_addr(listen_addr, 9464, &ss, &why)) {
		snprintf(err, errlen, "[metrics] listen = %s: %s", listen_addr,
			 why ? why : "not ADDRESS:PORT");
		return -EINVAL;
	}
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "metrics: out of memory");
		return -ENOMEM;
	}
	m->fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	socklen_t len = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
	if (m->fd < 0 ||
	    setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(m->fd, (struct sockaddr *)&ss, len) || listen(m->fd, 16)) {
		int e = errno;
		snprintf(err, errlen, "[metrics] listen = %s: %s%s",
			 listen_addr, strerror(e),
			 e == EADDRINUSE ? " (another program, or another "
					   "gate64d, listens there)"
					 : "");
		if (m->fd >= 0)
			close(m->fd);
		free(m);
		return -e;
	}
	m->dp = dp;
	m->cfg = cfg;
	m->dns = dns;
	*mp = m;
	return 0;
}

int metrics_fd(const struct metrics *m)
{
	return m ? m->fd : -1;
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	close(m->fd);
	free(m);
}

static void dns64_metrics(struct dns64_server *dns, FILE *f);

/* A metric family's header. */
static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_set_xdp(struct metrics *m, struct xdp_mode *xm)
{
	m->xm = xm;
}

void metrics_set_more(struct metrics *m, void (*fn)(void *arg, FILE *f),
		      void *arg)
{
	m->more = fn;
	m->more_arg = arg;
}

/* "name value  # why" lines (ctl's stats format) as gate64_xdp_total. */
static void more_metrics(struct metrics *m, FILE *f)
{
	char *buf = NULL, *save = NULL;
	size_t len = 0;
	FILE *t = open_memstream(&buf, &len);
	if (!t)
		return;
	m->more(m->more_arg, t);
	fclose(t);
	family(f, "gate64_xdp", "counter",
	       "the XDP program's counters (gate64ctl stats explains each)");
	for (char *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char name[64];
		unsigned long long v;
		if (sscanf(l, "%63s %llu", name, &v) == 2)
			fprintf(f, "gate64_xdp_total{counter=\"%s\"} %llu\n",
				name, v);
	}
	free(buf);
}

static void xdp_metric(void *f, const char *name, unsigned long long v,
		       const char *why)
{
	(void)why;
	fprintf(f, "gate64_xdp_total{counter=\"%s\"} %llu\n", name, v);
}

static void pool4_families(const struct pool4_cfg *pc, const uint64_t *used,
			   const uint64_t *total, const uint64_t *blocks,
			   FILE *f);

/* mode = xdp: every counter of the program, one family; with NAT64 the
 * pool4 families as in mode = dpdk (from the maps, as of the last
 * sweep). */
static void metrics_write_xdp(struct xdp_mode *xm, const struct cfg_gw *cfg,
			      FILE *f)
{
	family(f, "gate64_xdp", "counter",
	       "the XDP program's counters (gate64ctl stats explains each)");
	xdp_mode_counters(xm, xdp_metric, f);
	const struct pool4_cfg *pc = &cfg->nat64.pool4;
	uint64_t used[POOL4_MAX_RANGES] = {0}, total[POOL4_MAX_RANGES] = {0};
	uint64_t blocks[POOL4_MAX_RANGES] = {0};
	if (xdp_mode_pool4_used(xm, used, pc->n))
		return;
	for (unsigned i = 0; i < pc->n; i++)
		total[i] = pc->r[i].max - pc->r[i].min + 1u;
	pool4_families(pc, used, total, blocks, f);
}

#define SUBS_PAGE 128

/* A subscriber at or above pct percent of one of its limits. */
static int over_alert(const struct nat64_sub_info *si,
		      const struct nat64_cfg *nc, unsigned pct)
{
	const struct pool4_cfg *pc = &nc->pool4;
	uint64_t ports = (uint64_t)pc->max_blocks * pc->block_size;
	if (si->limit && (uint64_t)si->nsess * 100 >= (uint64_t)pct * si->limit)
		return 1;
	for (int p = 0; pc->block_size && p < NAT64_NPROTO; p++)
		if ((uint64_t)si->ports[p] * 100 >= pct * ports)
			return 1;
	return 0;
}

int metrics_subscribers(struct dp *dp, uint64_t *nsubs, uint64_t *over)
{
	/* one page buffer per worker, for the whole run: a worker that
	 * answers late writes into its own */
	static struct dp_dump_entry pg[DP_WORKERS_MAX][SUBS_PAGE];
	const struct nat64_cfg *nc = dp_nat64_cfg(dp);
	*nsubs = *over = 0;
	if (!nc)
		return 0;
	unsigned pct = nc->sub_alert ? nc->sub_alert : 100;
	for (unsigned w = 0; w < dp_nworkers(dp); w++) {
		uint32_t slot = 0, n, next;
		do {
			int e = dp_dump_request(dp, w, DP_DUMP_SUBS, slot,
						pg[w], SUBS_PAGE);
			if (e == -EBUSY) { /* a late answer to another page */
				dp_dump_wait(dp, w, &n, &next, 1000);
				e = dp_dump_request(dp, w, DP_DUMP_SUBS, slot,
						    pg[w], SUBS_PAGE);
			}
			if (e || dp_dump_wait(dp, w, &n, &next, 1000))
				return -1;
			for (uint32_t i = 0; i < n; i++) {
				(*nsubs)++;
				*over += (uint64_t)over_alert(&pg[w][i].sub, nc,
							      pct);
			}
			slot = next;
		} while (next != DP_DUMP_END);
	}
	return 0;
}

/* The pool4 families: ports in use and configured per address and
 * protocol, blocks held (port-block mode). */
static void pool4_families(const struct pool4_cfg *pc, const uint64_t *used,
			   const uint64_t *total, const uint64_t *blocks,
			   FILE *f)
{
	static const char *const pn[NAT64_NPROTO] = {"tcp", "udp", "icmp"};
	family(f, "gate64_pool4_ports_used", "gauge",
	       "pool4 ports (ICMP identifiers) in use, by address and "
	       "protocol");
	for (int pass = 0; pass < 3; pass++) {
		if (pass == 1)
			family(
			    f, "gate64_pool4_ports", "gauge",
			    "pool4 ports configured, by address and protocol");
		if (pass == 2) {
			if (!pc->block_size)
				break;
			family(f, "gate64_pool4_blocks_used", "gauge",
			       "port blocks held by subscribers (RFC 7422), by "
			       "address and protocol");
		}
		for (unsigned i = 0; i < pc->n; i++) {
			char a4[INET_ADDRSTRLEN];
			uint32_t na = htonl(pc->r[i].addr);
			inet_ntop(AF_INET, &na, a4, sizeof(a4));
			fprintf(f, "%s{address=\"%s\",proto=\"%s\"} %llu\n",
				pass == 0   ? "gate64_pool4_ports_used"
				: pass == 1 ? "gate64_pool4_ports"
					    : "gate64_pool4_blocks_used",
				a4, pn[pc->r[i].proto],
				(unsigned long long)(pass == 0	 ? used[i]
						     : pass == 1 ? total[i]
								 : blocks[i]));
		}
	}
}

/* Each worker counts its own slices (asked like gate64ctl pool4 list);
 * a worker that does not answer leaves the family out of this scrape.
 * The ranges are those in use (pool4 may change at run time). */
static void pool4_metrics(struct dp *dp, FILE *f)
{
	static struct dp_dump_entry pg[DP_WORKERS_MAX][POOL4_MAX_RANGES];
	const struct pool4_cfg *pc = &dp_nat64_cfg(dp)->pool4;
	uint64_t used[POOL4_MAX_RANGES] = {0}, total[POOL4_MAX_RANGES] = {0};
	uint64_t blocks[POOL4_MAX_RANGES] = {0};
	for (unsigned w = 0; w < dp_nworkers(dp); w++) {
		uint32_t n, next;
		if (dp_dump_request(dp, w, DP_DUMP_POOL4, 0, pg[w],
				    POOL4_MAX_RANGES) ||
		    dp_dump_wait(dp, w, &n, &next, 1000))
			return;
		for (uint32_t i = 0; i < n && i < pc->n; i++) {
			used[i] += pg[w][i].used;
			total[i] += pg[w][i].total;
			blocks[i] += pg[w][i].blocks;
		}
	}
	pool4_families(pc, used, total, blocks, f);
}

void metrics_write(struct dp *dp, const struct cfg_gw *cfg,
		   struct dns64_server *dns, FILE *f)
{
	struct dp_stats st;
	struct xlat_stats xs;
	struct nat64_db_stats ns;
	dp_stats_sum(dp, &st, &xs, &ns);

	family(f, "gate64_packets", "counter",
	       "packets the translator took in, by the side they came from");
	fprintf(f, "gate64_packets_total{from=\"ipv6\"} %llu\n",
		(unsigned long long)xs.in[0]);
	fprintf(f, "gate64_packets_total{from=\"ipv4\"} %llu\n",
		(unsigned long long)xs.in[1]);
	family(f, "gate64_verdicts", "counter",
	       "what the translator did with each packet");
	for (unsigned v = 0; v < XLAT_VERDICT_MAX; v++)
		fprintf(f, "gate64_verdicts_total{verdict=\"%s\"} %llu\n",
			xlat_verdict_name(v),
			(unsigned long long)xs.verdict[v]);
	family(f, "gate64_reasons", "counter",
	       "why a packet was not translated as is, one reason each "
	       "(gate64ctl stats explains them)");
	for (unsigned r = 1; r < XLAT_R_MAX; r++)
		fprintf(f, "gate64_reasons_total{reason=\"%s\"} %llu\n",
			xlat_reason_name(r), (unsigned long long)xs.reason[r]);
	family(f, "gate64_dataplane", "counter",
	       "the DPDK workers' counters (frames, neighbours, hand-offs)");
#define DP_M(n, d)                                                      \
	fprintf(f, "gate64_dataplane_total{counter=\"%s\"} %llu\n", #n, \
		(unsigned long long)st.n);
	DP_COUNTERS(DP_M)
#undef DP_M
	family(f, "gate64_bytes", "counter",
	       "IP bytes through the translator, by direction (6to4: from "
	       "the IPv6 side; 4to6: from the IPv4 side, and hairpins), "
	       "taken in and sent out translated");
	const uint64_t bytes[4] = {st.bytes_6to4_in, st.bytes_6to4_out,
				   st.bytes_4to6_in, st.bytes_4to6_out};
	for (int i = 0; i < 4; i++)
		fprintf(f,
			"gate64_bytes_total{direction=\"%s\",stage=\"%s\"} "
			"%llu\n",
			i < 2 ? "6to4" : "4to6", i % 2 ? "out" : "in",
			(unsigned long long)bytes[i]);
	family(f, "gate64_link", "counter",
	       "ARP, ND and ping to the gateway, by outcome");
	for (unsigned r = 0; r < DP_L2_R_MAX; r++)
		fprintf(f, "gate64_link_total{reason=\"%s\"} %llu\n",
			dp_l2_reason_name(r), (unsigned long long)st.l2[r]);
	if (cfg->dp.mode == DP_NAT64) {
		uint64_t nb, nss;
		dp_nat64_count(dp, &nb, &nss);
		family(f, "gate64_nat64_bib_entries", "gauge",
		       "live BIB entries (RFC 6146 §3.1)");
		fprintf(f, "gate64_nat64_bib_entries %llu\n",
			(unsigned long long)nb);
		family(f, "gate64_nat64_sessions", "gauge",
		       "live sessions (RFC 6146 §3.2)");
		fprintf(f, "gate64_nat64_sessions %llu\n",
			(unsigned long long)nss);
		family(f, "gate64_nat64", "counter",
		       "the NAT64 tables' events and refusals");
#define NS_M(n, d)                                                  \
	fprintf(f, "gate64_nat64_total{counter=\"%s\"} %llu\n", #n, \
		(unsigned long long)ns.n);
		NAT64_DB_COUNTERS(NS_M)
#undef NS_M
	}
	if (cfg->dp.mode == DP_NAT64) {
		uint64_t nsubs, over;
		pool4_metrics(dp, f);
		if (!metrics_subscribers(dp, &nsubs, &over)) {
			family(f, "gate64_nat64_subscribers", "gauge",
			       "subscribers with state (RFC 6146 §3.5.1.1 "
			       "subscriber accounting)");
			fprintf(f, "gate64_nat64_subscribers %llu\n",
				(unsigned long long)nsubs);
			family(f, "gate64_nat64_subscribers_over_alert",
			       "gauge",
			       "subscribers at or above [nat64] "
			       "subscriber-alert percent of their session "
			       "limit or (port blocks) port limit");
			fprintf(f, "gate64_nat64_subscribers_over_alert %llu\n",
				(unsigned long long)over);
		}
	}
	dns64_metrics(dns, f);
}

static void dns64_metrics(struct dns64_server *dns, FILE *f)
{
	if (dns) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		if (m) {
			dns64_server_print_counters(dns, m);
			fclose(m);
			family(f, "gate64_dns64", "counter",
			       "the DNS64 synthesizer's counters");
			char *save = NULL;
			for (char *l = strtok_r(buf, "\n", &save); l;
			     l = strtok_r(NULL, "\n", &save)) {
				char name[64];
				unsigned long long v;
				if (sscanf(l, "%63s %llu", name, &v) == 2)
					fprintf(f,
						"gate64_dns64_total{counter="
						"\"%s\"} %llu\n",
						name, v);
			}
			free(buf);
		}
	}
}

static void serve(struct metrics *m, int fd)
{
	char req[4096];
	size_t n = 0;
	struct timeval tv = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (n < sizeof(req) - 1) { /* up to the end of the headers */
		ssize_t r = read(fd, req + n, sizeof(req) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		req[n] = 0;
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[n] = 0;
	FILE *out = fdopen(fd, "w");
	if (!out) {
		close(fd);
		return;
	}
	if (strncmp(req, "GET /metrics ", 13) &&
	    strncmp(req, "GET /metrics?", 13)) {
		static const char nf[] = "not found: GET /metrics\n";
		fprintf(out,
			"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
			"Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			sizeof(nf) - 1, nf);
		fclose(out);
		return;
	}
	char *body = NULL;
	size_t len = 0;
	FILE *b = open_memstream(&body, &len);
	if (!b) {
		fclose(out);
		return;
	}
	if (m->xm) {
		metrics_write_xdp(m->xm, m->cfg, b);
		dns64_metrics(m->dns, b);
	} else {
		metrics_write(m->dp, m->cfg, m->dns, b);
		if (m->more)
			more_metrics(m, b);
	}
	fclose(b);
	fprintf(out,
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; "
		"charset=utf-8\r\nContent-Length: %zu\r\nConnection: close"
		"\r\n\r\n",
		len);
	fwrite(body, 1, len, out);
	free(body);
	fclose(out);
}

void metrics_poll(struct metrics *m)
{
	if (!m)
		return;
	for (int i = 0; i < 8; i++) {
		int fd = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return;
		serve(m, fd);
	}
}
