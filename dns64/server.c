/*
 * server.c - the DNS64 server (see server.h for the contract).
 *
 * A client query: parse, access control, cache, then a request slot that
 * runs dns64_step() (server_step.h) over as many upstream answers as it
 * asks for; the reply is cached, cut to the client's UDP size when needed,
 * and sent.
 */
#define _GNU_SOURCE
#include "dns64/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "dns64/server_step.h"

#define NIL	     UINT32_MAX
#define EV_STOP	     8u
#define EV_UDP	     9u
#define EV_TCPL	     10u
#define EV_TCPC	     11u
#define EVENTS	     64
#define UDP_BURST    32
#define TCP_PIPELINE 16 /* queries in flight per connection (RFC 7766 §6.2) */
#define TCP_WBUF     (2 + DNS_MSG_MAX + 2048)
#define SWEEP_MS     500
#define LOG_EVERY_MS 10000

static const char *const ctr_names[] = {
#define DNS64_SRV_CTR_NAME(e, n, x) n,
    DNS64_SRV_CTR_LIST(DNS64_SRV_CTR_NAME)
#undef DNS64_SRV_CTR_NAME
};
static const char *const ctr_explain[] = {
#define DNS64_SRV_CTR_X(e, n, x) x,
    DNS64_SRV_CTR_LIST(DNS64_SRV_CTR_X)
#undef DNS64_SRV_CTR_X
};

const char *dns64_srv_ctr_name(int c)
{
	return c >= 0 && c < DNS64_SRV_CTR_MAX ? ctr_names[c] : "?";
}

const char *dns64_srv_ctr_explain(int c)
{
	return c >= 0 && c < DNS64_SRV_CTR_MAX ? ctr_explain[c] : "?";
}

enum { LOG_UPSTREAM, LOG_OVERLOAD, LOG_TCP_FULL, LOG_SEND, LOG_MAX };

struct ratelog {
	uint64_t next_ms;
	uint64_t suppressed;
};

struct tcpc {
	int fd;
	uint32_t gen;
	bool reading; /* EPOLLIN armed */
	unsigned pending;
	uint64_t last_ms;
	struct sockaddr_storage peer;
	size_t rlen;
	uint8_t rbuf[2 + DNS64_QUERY_MAX];
	size_t wlen, woff;
	uint8_t *wbuf;
};

struct req {
	bool tcp;
	uint8_t listen; /* UDP: the socket it came in on */
	uint32_t conn, gen;
	uint32_t next_free;
	struct sockaddr_storage peer;
	uint16_t qlen;
	uint8_t qbuf[DNS64_QUERY_MAX];
	struct dns64_step_state st;
};

struct worker {
	struct dns64_server *srv;
	unsigned idx;
	pthread_t th;
	bool running;
	int epfd;
	int udp[DNS64_LISTEN_MAX];
	int tcpl[DNS64_LISTEN_MAX];
	struct dns64_up *up;
	struct req *req;
	unsigned nreq;
	uint32_t req_free;
	struct tcpc *conn;
	unsigned nconn;
	uint64_t next_sweep;
	struct ratelog rl[LOG_MAX];
	uint64_t ctr[DNS64_SRV_CTR_MAX];
	struct dns64_stats syn;	  /* synthesis counters (synth.h) */
	uint8_t *keep;		  /* DNS64_STEP_KEEP bytes per request */
	struct dns_msg q;	  /* the query being handled */
	struct dns_msg r;	  /* the reply being sent */
	uint8_t rx[DNS_MSG_MAX];  /* datagrams in */
	uint8_t out[DNS_MSG_MAX]; /* replies built */
	uint8_t fit[DNS_MSG_MAX]; /* replies cut to size */
};

struct dns64_server {
	struct dns64_server_cfg cfg;
	struct dns64_cache *cache;
	int stopfd;
	unsigned nworkers;
	struct worker *w[DNS64_THREADS_MAX];
};

/* ---- small helpers ----------------------------------------------------------
 */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sa_str(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
		snprintf(out, cap, "%s:%u", a, port);
	} else {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
		snprintf(out, cap, "[%s]:%u", a, port);
	}
}

static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					 : sizeof(struct sockaddr_in);
}

/* At most one line per LOG_EVERY_MS per kind and worker. */
static void __attribute__((format(printf, 4, 5)))
rlog(struct worker *w, int kind, uint64_t now, const char *fmt, ...)
{
	struct ratelog *r = &w->rl[kind];
	va_list ap;

	if (now < r->next_ms) {
		r->suppressed++;
		return;
	}
	r->next_ms = now + LOG_EVERY_MS;
	fprintf(stderr, "gate64-dns64: worker %u: ", w->idx);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (r->suppressed)
		fprintf(stderr, " (%llu similar suppressed)",
			(unsigned long long)r->suppressed);
	fputc('\n', stderr);
	r->suppressed = 0;
}

bool dns64_acl_allows(const struct dns64_acl *acl, unsigned n,
		      const struct sockaddr_storage *peer)
{
	const uint8_t *a;
	int fam = peer->ss_family;

	if (fam == AF_INET)
		a = (const uint8_t *)&((const struct sockaddr_in *)peer)
			->sin_addr;
	else if (fam == AF_INET6)
		a = ((const struct sockaddr_in6 *)peer)->sin6_addr.s6_addr;
	else
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (acl[i].family != fam)
			continue;
		unsigned full = acl[i].plen / 8, rest = acl[i].plen % 8;
		if (memcmp(a, acl[i].addr, full))
			continue;
		if (rest && ((a[full] ^ acl[i].addr[full]) &
			     (uint8_t)(0xff << (8 - rest))))
			continue;
		return true;
	}
	return false;
}

void dns64_server_cfg_defaults(struct dns64_server_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->allow[0].family = AF_INET;
	cfg->allow[0].addr[0] = 127;
	cfg->allow[0].plen = 8;
	cfg->allow[1].family = AF_INET6;
	cfg->allow[1].addr[15] = 1;
	cfg->allow[1].plen = 128;
	cfg->nallow = 2;
	cfg->threads = 1;
	cfg->cache_entries = 65536;
	cfg->cache_bytes = 64u << 20;
	cfg->tcp_max_conns = 128;
	cfg->tcp_idle_ms = 10000; /* RFC 7766 §6.2.3: seconds, not minutes */
	cfg->up.max_inflight = 1024;
	cfg->up.timeout_ms = 1500;
	cfg->up.retries = 2;
	cfg->up.sockets = 8;
	cfg->up.socket_uses = 256;
	cfg->up.tcp_max = 16;
}

/* ---- replies
 * ----------------------------------------------------------------- */

static void udp_send(struct worker *w, unsigned li,
		     const struct sockaddr_storage *peer, const uint8_t *buf,
		     size_t len, uint64_t now)
{
	if (sendto(w->udp[li], buf, len, MSG_DONTWAIT,
		   (const struct sockaddr *)peer, sa_len(peer)) < 0) {
		w->ctr[DNS64_SRV_SEND_ERROR]++;
		rlog(w, LOG_SEND, now, "send: %s", strerror(errno));
	}
}

static void conn_close(struct worker *w, uint32_t ci);
static void conn_rearm(struct worker *w, uint32_t ci);

static void tcp_flush(struct worker *w, uint32_t ci)
{
	struct tcpc *c = &w->conn[ci];
	while (c->woff < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			w->ctr[DNS64_SRV_TCP_ERROR]++;
			conn_close(w, ci);
			return;
		}
		c->woff += (size_t)n;
	}
	if (c->woff == c->wlen)
		c->woff = c->wlen = 0;
	conn_rearm(w, ci);
}

static void tcp_send(struct worker *w, uint32_t ci, const uint8_t *buf,
		     size_t len)
{
	struct tcpc *c = &w->conn[ci];
	if (c->woff && c->wlen + 2 + len > TCP_WBUF) {
		memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
		c->wlen -= c->woff;
		c->woff = 0;
	}
	if (c->wlen + 2 + len > TCP_WBUF) {
		/* the client does not read its answers */
		w->ctr[DNS64_SRV_TCP_ERROR]++;
		conn_close(w, ci);
		return;
	}
	c->wbuf[c->wlen] = (uint8_t)(len >> 8);
	c->wbuf[c->wlen + 1] = (uint8_t)len;
	memcpy(c->wbuf + c->wlen + 2, buf, len);
	c->wlen += 2 + len;
	tcp_flush(w, ci);
}

/* Sends the complete reply (parsed as w->r) to the client of a request or
 * of a query being handled: UDP cut to limit, TCP whole. */
static void deliver(struct worker *w, bool tcp, unsigned li, uint32_t ci,
		    uint32_t gen, const struct sockaddr_storage *peer,
		    const uint8_t *buf, size_t len, size_t limit, uint64_t now)
{
	if (tcp) {
		if (ci >= w->nconn || w->conn[ci].fd < 0 ||
		    w->conn[ci].gen != gen) {
			w->ctr[DNS64_SRV_LATE]++;
			return;
		}
		w->conn[ci].last_ms = now;
		tcp_send(w, ci, buf, len);
		return;
	}
	if (len > limit) {
		if (dns_parse(&w->r, buf, len))
			return;
		len = dns64_reply_fit(&w->r, limit, w->fit, sizeof(w->fit));
		if (!len)
			return;
		buf = w->fit;
		w->ctr[DNS64_SRV_TRUNCATED]++;
	}
	udp_send(w, li, peer, buf, len, now);
}

/* The client's UDP payload size (RFC 6891 §6.2.3, §6.2.5): at least 512,
 * at most what we advertise. */
static size_t udp_limit(const struct dns_msg *q)
{
	size_t l = q->has_opt ? q->opt.udp_size : DNS_UDP_MIN;
	if (l < DNS_UDP_MIN)
		l = DNS_UDP_MIN;
	if (l > DNS64_EDNS_SIZE)
		l = DNS64_EDNS_SIZE;
	return l;
}

/* ---- requests
 * ----------------------------------------------------------------- */

static void req_free(struct worker *w, uint32_t i)
{
	struct req *r = &w->req[i];
	if (r->tcp && r->conn < w->nconn && w->conn[r->conn].gen == r->gen &&
	    w->conn[r->conn].fd >= 0) {
		w->conn[r->conn].pending--;
		conn_rearm(w, r->conn);
	}
	r->next_free = w->req_free;
	w->req_free = i;
}

static void req_reply(struct worker *w, uint32_t i, const uint8_t *buf,
		      size_t len, uint64_t now)
{
	struct req *r = &w->req[i];
	deliver(w, r->tcp, r->listen, r->conn, r->gen, &r->peer, buf, len,
		udp_limit(&w->q), now);
}

static void req_servfail(struct worker *w, uint32_t i, uint64_t now)
{
	size_t len =
	    dns64_reply_rcode(&w->q, DNS_RC_SERVFAIL, w->out, sizeof(w->out));
	w->ctr[DNS64_SRV_SERVFAIL]++;
	req_reply(w, i, w->out, len, now);
}

/* Runs the step function until it asks upstream, replies or fails; frees
 * the request unless it waits on upstream.  w->q holds the parsed query. */
static void req_run(struct worker *w, uint32_t i, const struct dns_msg *ans,
		    int status, uint64_t now)
{
	struct req *r = &w->req[i];
	struct dns64_step_io io = {
	    .policy = w->srv->cfg.policy,
	    .stats = &w->syn,
	    .query = &w->q,
	    .answer = ans,
	    .up_status = status,
	    .out = w->out,
	    .cap = sizeof(w->out),
	};

	switch (dns64_step(&r->st, &io)) {
	case DNS64_STEP_QUERY: {
		if (r->st.step >= DNS64_STEPS_MAX)
			break;
		int e = dns64_up_query(
		    w->up, i, io.next.qname, io.next.qtype, io.next.qclass,
		    w->q.has_opt && (w->q.opt.flags & DNS_EDNS_DO),
		    w->q.flags & DNS_F_CD, now);
		if (e == 0) {
			if (r->st.step == 0)
				w->ctr[DNS64_SRV_FORWARDED]++;
			return;
		}
		w->ctr[DNS64_SRV_OVERLOAD]++;
		rlog(w, LOG_OVERLOAD, now, "cannot ask upstream (%s): SERVFAIL",
		     strerror(-e));
		break;
	}
	case DNS64_STEP_REPLY:
		if (dns_parse(&w->r, w->out, io.out_len))
			break;
		{
			struct dns64_cache_key k;
			dns64_cache_key_make(&k, &w->q);
			dns64_cache_add(w->srv->cache, &k, &w->r, now);
		}
		w->ctr[DNS64_SRV_ANSWERED]++;
		req_reply(w, i, w->out, io.out_len, now);
		req_free(w, i);
		return;
	case DNS64_STEP_FAIL: break;
	}
	if (status < 0)
		rlog(w, LOG_UPSTREAM, now, "every upstream failed: SERVFAIL");
	req_servfail(w, i, now);
	req_free(w, i);
}

/* Upstream callback (upstream.h): tag is the request slot. */
static void up_done(void *arg, uint32_t tag, int status,
		    const struct dns_msg *ans)
{
	struct worker *w = arg;
	struct req *r = &w->req[tag];
	uint64_t now = now_ms();

	if (dns_parse(&w->q, r->qbuf, r->qlen)) {
		req_free(w, tag);
		return;
	}
	r->st.step++;
	req_run(w, tag, ans, status, now);
}

/* A client query (buf, len) from peer over UDP (li) or TCP (ci). */
static void handle_query(struct worker *w, bool tcp, unsigned li, uint32_t ci,
			 const struct sockaddr_storage *peer,
			 const uint8_t *buf, size_t len, uint64_t now)
{
	struct dns64_server *s = w->srv;
	uint32_t gen = tcp ? w->conn[ci].gen : 0;
	uint16_t rc = 0;
	size_t n;

	w->ctr[DNS64_SRV_QUERIES]++;
	if (len > DNS64_QUERY_MAX || dns_parse(&w->q, buf, len) ||
	    (w->q.flags & DNS_F_QR)) {
		w->ctr[DNS64_SRV_MALFORMED]++;
		return;
	}
	size_t limit = udp_limit(&w->q);
	if (!dns64_acl_allows(s->cfg.allow, s->cfg.nallow, peer)) {
		/* RFC 6147 §5.1 / DESIGN.md: no recursion for strangers */
		rc = DNS_RC_REFUSED;
		w->ctr[DNS64_SRV_REFUSED]++;
	} else if (DNS_OPCODE(w->q.flags) != 0) {
		rc = DNS_RC_NOTIMP;
		w->ctr[DNS64_SRV_NOTIMP]++;
	} else if (w->q.has_opt && w->q.opt.version != 0) {
		rc = DNS_RC_BADVERS; /* RFC 6891 §6.1.3 */
		w->ctr[DNS64_SRV_BADVERS]++;
	} else if (w->q.qtype == 251 || w->q.qtype == 252) {
		rc = DNS_RC_REFUSED; /* IXFR, AXFR: not through a resolver */
		w->ctr[DNS64_SRV_REFUSED]++;
	}
	if (rc) {
		n = dns64_reply_rcode(&w->q, rc, w->out, sizeof(w->out));
		deliver(w, tcp, li, ci, gen, peer, w->out, n, limit, now);
		return;
	}

	struct dns64_cache_key k;
	dns64_cache_key_make(&k, &w->q);
	n = dns64_cache_find(s->cache, &k, &w->q, w->out, sizeof(w->out), now);
	if (n) {
		w->ctr[DNS64_SRV_CACHE_HIT]++;
		deliver(w, tcp, li, ci, gen, peer, w->out, n, limit, now);
		return;
	}

	uint32_t i = w->req_free;
	if (i == NIL) {
		w->ctr[DNS64_SRV_OVERLOAD]++;
		w->ctr[DNS64_SRV_SERVFAIL]++;
		rlog(w, LOG_OVERLOAD, now, "no request slot free: SERVFAIL");
		n = dns64_reply_rcode(&w->q, DNS_RC_SERVFAIL, w->out,
				      sizeof(w->out));
		deliver(w, tcp, li, ci, gen, peer, w->out, n, limit, now);
		return;
	}
	struct req *r = &w->req[i];
	w->req_free = r->next_free;
	r->tcp = tcp;
	r->listen = (uint8_t)li;
	r->conn = ci;
	r->gen = gen;
	r->peer = *peer;
	r->qlen = (uint16_t)len;
	memcpy(r->qbuf, buf, len);
	r->st.step = 0;
	r->st.keep_len = 0;
	if (tcp)
		w->conn[ci].pending++;
	req_run(w, i, NULL, 0, now);
}

/* ---- UDP
 * ------------------------------------------------------------------------ */

static void udp_readable(struct worker *w, unsigned li, uint64_t now)
{
	for (int k = 0; k < UDP_BURST; k++) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		ssize_t n =
		    recvfrom(w->udp[li], w->rx, sizeof(w->rx), MSG_DONTWAIT,
			     (struct sockaddr *)&peer, &pl);
		if (n < 0)
			return;
		handle_query(w, false, li, NIL, &peer, w->rx, (size_t)n, now);
	}
}

/* ---- TCP
 * ------------------------------------------------------------------------ */

static void conn_rearm(struct worker *w, uint32_t ci)
{
	struct tcpc *c = &w->conn[ci];
	bool want = c->pending < TCP_PIPELINE;
	uint32_t ev = (want ? EPOLLIN : 0) | (c->woff < c->wlen ? EPOLLOUT : 0);
	struct epoll_event e = {.events = ev,
				.data.u64 = DNS64_EV(EV_TCPC, ci)};
	if (c->fd < 0)
		return;
	epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &e);
	c->reading = want;
}

static void conn_close(struct worker *w, uint32_t ci)
{
	struct tcpc *c = &w->conn[ci];
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	c->gen++;
	c->pending = 0;
	c->rlen = c->wlen = c->woff = 0;
}

static void tcp_accept(struct worker *w, unsigned li, uint64_t now)
{
	for (int k = 0; k < 16; k++) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		int fd = accept4(w->tcpl[li], (struct sockaddr *)&peer, &pl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		uint32_t ci;
		for (ci = 0; ci < w->nconn && w->conn[ci].fd >= 0; ci++)
			;
		if (ci == w->nconn) {
			close(fd);
			w->ctr[DNS64_SRV_TCP_FULL]++;
			rlog(w, LOG_TCP_FULL, now,
			     "TCP: %u connections: refusing more", w->nconn);
			continue;
		}
		struct tcpc *c = &w->conn[ci];
		struct epoll_event e = {.events = EPOLLIN,
					.data.u64 = DNS64_EV(EV_TCPC, ci)};
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &e)) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->peer = peer;
		c->last_ms = now;
		c->pending = 0;
		c->rlen = c->wlen = c->woff = 0;
		c->reading = true;
		w->ctr[DNS64_SRV_TCP_ACCEPTED]++;
	}
}

/* RFC 7766 §8: two-byte length, then the message; pipelined queries are
 * answered as they complete (§6.2.1.1). */
static void conn_event(struct worker *w, uint32_t ci, uint32_t events,
		       uint64_t now)
{
	if (ci >= w->nconn || w->conn[ci].fd < 0)
		return;
	struct tcpc *c = &w->conn[ci];
	uint32_t gen = c->gen;

	if (events & EPOLLOUT) {
		tcp_flush(w, ci);
		if (c->fd < 0)
			return;
	}
	if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		return;
	while (c->fd >= 0 && c->gen == gen && c->pending < TCP_PIPELINE) {
		size_t want =
		    c->rlen < 2
			? 2 - c->rlen
			: (size_t)(c->rbuf[0] << 8 | c->rbuf[1]) + 2 - c->rlen;
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, want, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_close(w, ci);
			return;
		}
		c->rlen += (size_t)n;
		c->last_ms = now;
		if (c->rlen < 2)
			continue;
		size_t mlen = (size_t)(c->rbuf[0] << 8 | c->rbuf[1]);
		if (mlen > DNS64_QUERY_MAX || mlen < DNS_HDR_LEN) {
			w->ctr[DNS64_SRV_TCP_ERROR]++;
			w->ctr[DNS64_SRV_MALFORMED]++;
			conn_close(w, ci);
			return;
		}
		if (c->rlen < mlen + 2)
			continue;
		c->rlen = 0;
		handle_query(w, true, 0, ci, &c->peer, c->rbuf + 2, mlen, now);
	}
	if (c->fd >= 0 && c->gen == gen)
		conn_rearm(w, ci);
}

static void sweep(struct worker *w, uint64_t now)
{
	for (uint32_t ci = 0; ci < w->nconn; ci++) {
		struct tcpc *c = &w->conn[ci];
		if (c->fd >= 0 && !c->pending &&
		    now - c->last_ms >= w->srv->cfg.tcp_idle_ms) {
			w->ctr[DNS64_SRV_TCP_IDLE]++;
			conn_close(w, ci);
		}
	}
	w->next_sweep = now + SWEEP_MS;
}

/* ---- the worker loop
 * ---------------------------------------------------------- */

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event ev[EVENTS];
	bool stop = false;

	w->next_sweep = now_ms() + SWEEP_MS;
	while (!stop) {
		uint64_t now = now_ms();
		int to = w->next_sweep > now ? (int)(w->next_sweep - now) : 0;
		int ut = dns64_up_next_timeout(w->up, now);
		if (ut >= 0 && ut < to)
			to = ut;
		int n = epoll_wait(w->epfd, ev, EVENTS, to);
		now = now_ms();
		for (int k = 0; k < n; k++) {
			uint64_t d = ev[k].data.u64;
			uint32_t idx = DNS64_EV_INDEX(d);
			switch (DNS64_EV_KIND(d)) {
			case EV_STOP: stop = true; break;
			case EV_UDP: udp_readable(w, idx, now); break;
			case EV_TCPL: tcp_accept(w, idx, now); break;
			case EV_TCPC:
				conn_event(w, idx, ev[k].events, now);
				break;
			default: dns64_up_event(w->up, d, ev[k].events, now);
			}
		}
		dns64_up_expire(w->up, now);
		if (now >= w->next_sweep)
			sweep(w, now);
	}
	return NULL;
}

/* ---- lifecycle
 * ------------------------------------------------------------------- */

static int listen_open(struct worker *w, unsigned li, int type, char *err,
		       size_t errlen)
{
	const struct sockaddr_storage *a = &w->srv->cfg.listen[li];
	char as[80];
	int one = 1;
	int fd = socket(a->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	sa_str(a, as, sizeof(as));
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto fail;
	if (a->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		goto fail;
	if (bind(fd, (const struct sockaddr *)a, sa_len(a)))
		goto fail;
	if (type == SOCK_STREAM && listen(fd, 128))
		goto fail;
	uint32_t kind = type == SOCK_STREAM ? EV_TCPL : EV_UDP;
	struct epoll_event e = {.events = EPOLLIN,
				.data.u64 = DNS64_EV(kind, li)};
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &e))
		goto fail;
	if (type == SOCK_STREAM)
		w->tcpl[li] = fd;
	else
		w->udp[li] = fd;
	return 0;
fail:;
	int e2 = errno;
	snprintf(err, errlen, "listen %s/%s: %s", as,
		 type == SOCK_STREAM ? "tcp" : "udp", strerror(e2));
	if (fd >= 0)
		close(fd);
	return -e2;
}

static void worker_fini(struct worker *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < DNS64_LISTEN_MAX; i++) {
		if (w->udp[i] >= 0)
			close(w->udp[i]);
		if (w->tcpl[i] >= 0)
			close(w->tcpl[i]);
	}
	for (unsigned i = 0; w->conn && i < w->nconn; i++) {
		if (w->conn[i].fd >= 0)
			close(w->conn[i].fd);
		free(w->conn[i].wbuf);
	}
	free(w->conn);
	free(w->req);
	free(w->keep);
	dns64_up_fini(w->up);
	if (w->epfd >= 0)
		close(w->epfd);
	free(w);
}

static unsigned share(unsigned total, unsigned n)
{
	unsigned v = total / n;
	return v ? v : 1;
}

static int worker_init(struct dns64_server *s, unsigned idx, char *err,
		       size_t errlen)
{
	const struct dns64_server_cfg *cfg = &s->cfg;
	struct worker *w = calloc(1, sizeof(*w));
	int e;

	if (!w)
		goto nomem;
	s->w[idx] = w;
	w->srv = s;
	w->idx = idx;
	for (unsigned i = 0; i < DNS64_LISTEN_MAX; i++)
		w->udp[i] = w->tcpl[i] = -1;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -errno;
	}
	struct epoll_event se = {.events = EPOLLIN,
				 .data.u64 = DNS64_EV(EV_STOP, 0)};
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, s->stopfd, &se)) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -errno;
	}
	struct dns64_up_cfg uc = cfg->up;
	uc.max_inflight = share(cfg->up.max_inflight, s->nworkers);
	e = dns64_up_init(&w->up, &uc, w->epfd, up_done, w);
	if (e) {
		snprintf(err, errlen, "upstream client: %s", strerror(-e));
		return e;
	}
	/* one request per upstream query is enough for forwarding; room
	 * for as many again (cache misses waiting on a step) */
	w->nreq = uc.max_inflight;
	w->req = calloc(w->nreq, sizeof(*w->req));
	/* the AAAA answer a synthesis waits on, one buffer per slot */
	w->keep =
	    cfg->policy ? malloc((size_t)w->nreq * DNS64_STEP_KEEP) : NULL;
	w->nconn = share(cfg->tcp_max_conns, s->nworkers);
	w->conn = calloc(w->nconn, sizeof(*w->conn));
	if (!w->req || !w->conn || (cfg->policy && !w->keep))
		goto nomem;
	for (unsigned i = 0; i < w->nreq; i++) {
		w->req[i].next_free = i + 1 < w->nreq ? i + 1 : NIL;
		w->req[i].st.keep =
		    w->keep ? w->keep + (size_t)i * DNS64_STEP_KEEP : NULL;
		w->req[i].st.keep_cap = w->keep ? DNS64_STEP_KEEP : 0;
	}
	w->req_free = 0;
	for (unsigned i = 0; i < w->nconn; i++) {
		w->conn[i].fd = -1;
		w->conn[i].wbuf = malloc(TCP_WBUF);
		if (!w->conn[i].wbuf)
			goto nomem;
	}
	for (unsigned li = 0; li < cfg->nlisten; li++) {
		if ((e = listen_open(w, li, SOCK_DGRAM, err, errlen)))
			return e;
		if ((e = listen_open(w, li, SOCK_STREAM, err, errlen)))
			return e;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

int dns64_server_init(struct dns64_server **sp,
		      const struct dns64_server_cfg *cfg, char *err,
		      size_t errlen)
{
	struct dns64_server *s;
	int e;

	*sp = NULL;
	if (!cfg->nlisten || cfg->nlisten > DNS64_LISTEN_MAX || !cfg->threads ||
	    cfg->threads > DNS64_THREADS_MAX || !cfg->up.nservers) {
		snprintf(err, errlen,
			 "need 1..%d listen addresses, 1..%d threads and an "
			 "upstream server",
			 DNS64_LISTEN_MAX, DNS64_THREADS_MAX);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->cfg = *cfg;
	s->nworkers = cfg->threads;
	s->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->stopfd < 0) {
		e = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		free(s);
		return e;
	}
	e = dns64_cache_init(&s->cache, cfg->cache_entries, cfg->cache_bytes,
			     cfg->threads * 4);
	if (e) {
		snprintf(err, errlen, "cache (%zu entries, %zu bytes): %s",
			 cfg->cache_entries, cfg->cache_bytes, strerror(-e));
		dns64_server_fini(s);
		return e;
	}
	for (unsigned i = 0; i < s->nworkers; i++) {
		e = worker_init(s, i, err, errlen);
		if (e) {
			dns64_server_fini(s);
			return e;
		}
	}
	*sp = s;
	return 0;
}

int dns64_server_start(struct dns64_server *s, char *err, size_t errlen)
{
	sigset_t all, old;

	/* workers take no signals: the main thread handles them */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < s->nworkers; i++) {
		int e =
		    pthread_create(&s->w[i]->th, NULL, worker_main, s->w[i]);
		if (e) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			snprintf(err, errlen, "thread: %s", strerror(e));
			dns64_server_stop(s);
			return -e;
		}
		s->w[i]->running = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

void dns64_server_stop(struct dns64_server *s)
{
	uint64_t one = 1;
	if (write(s->stopfd, &one, sizeof(one)) < 0) {
		/* an eventfd write only fails on overflow: still readable */
	}
	for (unsigned i = 0; i < s->nworkers; i++) {
		if (s->w[i] && s->w[i]->running) {
			pthread_join(s->w[i]->th, NULL);
			s->w[i]->running = false;
		}
	}
}

void dns64_server_fini(struct dns64_server *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nworkers; i++)
		worker_fini(s->w[i]);
	dns64_cache_fini(s->cache);
	if (s->stopfd >= 0)
		close(s->stopfd);
	free(s);
}

void dns64_server_counters(struct dns64_server *s,
			   uint64_t srv[DNS64_SRV_CTR_MAX],
			   uint64_t up[DNS64_UP_CTR_MAX],
			   uint64_t cache[DNS64_CACHE_CTR_MAX],
			   uint64_t synth[DNS64_C_MAX])
{
	memset(srv, 0, sizeof(uint64_t) * DNS64_SRV_CTR_MAX);
	memset(up, 0, sizeof(uint64_t) * DNS64_UP_CTR_MAX);
	memset(synth, 0, sizeof(uint64_t) * DNS64_C_MAX);
	for (unsigned i = 0; i < s->nworkers; i++) {
		if (!s->w[i])
			continue;
		for (int k = 0; k < DNS64_SRV_CTR_MAX; k++)
			srv[k] += s->w[i]->ctr[k];
		const uint64_t *u = dns64_up_counters(s->w[i]->up);
		for (int k = 0; k < DNS64_UP_CTR_MAX; k++)
			up[k] += u[k];
		for (int k = 0; k < DNS64_C_MAX; k++)
			synth[k] += s->w[i]->syn.c[k];
	}
	dns64_cache_counters(s->cache, cache);
}

void dns64_server_print_counters(struct dns64_server *s, FILE *f)
{
	uint64_t a[DNS64_SRV_CTR_MAX], b[DNS64_UP_CTR_MAX],
	    c[DNS64_CACHE_CTR_MAX], d[DNS64_C_MAX];
	dns64_server_counters(s, a, b, c, d);
	for (int k = 0; k < DNS64_SRV_CTR_MAX; k++)
		fprintf(f, "%s %llu\n", dns64_srv_ctr_name(k),
			(unsigned long long)a[k]);
	for (int k = 0; k < DNS64_UP_CTR_MAX; k++)
		fprintf(f, "%s %llu\n", dns64_up_ctr_name(k),
			(unsigned long long)b[k]);
	for (int k = 0; k < DNS64_CACHE_CTR_MAX; k++)
		fprintf(f, "%s %llu\n", dns64_cache_ctr_name(k),
			(unsigned long long)c[k]);
	/* "dns64-": synth.h's names ("truncated") meet the server's */
	for (int k = 0; s->cfg.policy && k < DNS64_C_MAX; k++)
		fprintf(f, "dns64-%s %llu\n", dns64_ctr_name(k),
			(unsigned long long)d[k]);
}
