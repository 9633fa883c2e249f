/*
 * upstream.c - the DNS64 resolver client (see upstream.h for the contract).
 *
 * Query slots are a fixed table; an ID map (65536 entries) finds the slot
 * of a UDP answer.  Every attempt has the same timeout, so the slots
 * waiting on one form a FIFO ordered by deadline: expiry looks at its head.
 */
#define _GNU_SOURCE
#include "dns64/upstream.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

#include "dns64/server_step.h"

#define NIL	       UINT32_MAX
#define UDP_BURST      64
#define QUERY_BUF      (DNS_HDR_LEN + DNS_NAME_MAX + 4 + 11)
#define PORT_TRIES     16
#define RAND_BUF_BYTES 256

static const char *const ctr_names[] = {
#define DNS64_UP_CTR_NAME(e, n, x) n,
    DNS64_UP_CTR_LIST(DNS64_UP_CTR_NAME)
#undef DNS64_UP_CTR_NAME
};
static const char *const ctr_explain[] = {
#define DNS64_UP_CTR_X(e, n, x) x,
    DNS64_UP_CTR_LIST(DNS64_UP_CTR_X)
#undef DNS64_UP_CTR_X
};

const char *dns64_up_ctr_name(int c)
{
	return c >= 0 && c < DNS64_UP_CTR_MAX ? ctr_names[c] : "?";
}

const char *dns64_up_ctr_explain(int c)
{
	return c >= 0 && c < DNS64_UP_CTR_MAX ? ctr_explain[c] : "?";
}

struct usock {
	int fd;
	int family;
	unsigned inflight;
	unsigned uses;
};

struct tconn {
	int fd;
	uint32_t slot; /* NIL when free */
	bool connected;
	size_t len; /* bytes read into buf */
	uint8_t buf[2 + DNS_MSG_MAX];
};

struct upq {
	bool used;
	bool do_bit;
	bool cd_bit;
	uint16_t id;
	uint16_t qtype;
	uint16_t qclass;
	uint8_t qname_len;
	uint8_t qname[DNS_NAME_MAX];
	uint32_t tag;
	unsigned server;
	unsigned tries;
	uint32_t sock; /* UDP pool index, or NIL */
	uint32_t tcp;  /* TCP connection index, or NIL */
	uint64_t deadline;
	uint32_t prev, next; /* timeout FIFO */
};

struct dns64_up {
	struct dns64_up_cfg cfg;
	int epfd;
	dns64_up_done_fn *done;
	void *arg;
	struct upq *q;
	uint32_t free_head; /* free slots chained by next */
	uint32_t head, tail;
	unsigned inflight;
	uint32_t *idmap; /* id -> slot + 1 */
	struct usock *sock;
	unsigned nsock;
	struct tconn *tcp;
	unsigned ntcp;
	uint8_t rnd[RAND_BUF_BYTES];
	unsigned rnd_pos;
	uint8_t rbuf[DNS_MSG_MAX];
	struct dns_msg msg;
	uint64_t ctr[DNS64_UP_CTR_MAX];
};

/* ---- randomness (RFC 5452 §4, §9.2) ------------------------------------- */

static uint32_t rnd32(struct dns64_up *u)
{
	uint32_t v;
	if (u->rnd_pos + 4 > sizeof(u->rnd)) {
		size_t got = 0;
		while (got < sizeof(u->rnd)) {
			ssize_t n =
			    getrandom(u->rnd + got, sizeof(u->rnd) - got, 0);
			if (n < 0 && errno != EINTR)
				abort(); /* no entropy: no safe IDs */
			if (n > 0)
				got += (size_t)n;
		}
		u->rnd_pos = 0;
	}
	memcpy(&v, u->rnd + u->rnd_pos, 4);
	u->rnd_pos += 4;
	return v;
}

/* ---- the timeout FIFO ------------------------------------------------------
 */

static void fifo_del(struct dns64_up *u, uint32_t i)
{
	struct upq *q = &u->q[i];
	if (q->prev != NIL)
		u->q[q->prev].next = q->next;
	else if (u->head == i)
		u->head = q->next;
	if (q->next != NIL)
		u->q[q->next].prev = q->prev;
	else if (u->tail == i)
		u->tail = q->prev;
	q->prev = q->next = NIL;
}

static void fifo_add(struct dns64_up *u, uint32_t i, uint64_t now)
{
	struct upq *q = &u->q[i];
	q->deadline = now + u->cfg.timeout_ms;
	q->next = NIL;
	q->prev = u->tail;
	if (u->tail != NIL)
		u->q[u->tail].next = i;
	else
		u->head = i;
	u->tail = i;
}

/* ---- sockets ----------------------------------------------------------------
 */

static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					 : sizeof(struct sockaddr_in);
}

static bool sa_equal(const struct sockaddr_storage *a,
		     const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a,
					 *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

/* A UDP socket bound to a random port (RFC 5452 §9.2), registered. */
static int usock_open(struct dns64_up *u, unsigned idx)
{
	struct usock *s = &u->sock[idx];
	struct sockaddr_storage ss;
	int fd =
	    socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	for (int t = 0; t <= PORT_TRIES; t++) {
		/* the last try lets the kernel pick */
		uint16_t port =
		    t == PORT_TRIES
			? 0
			: (uint16_t)(1024 + rnd32(u) % (65536 - 1024));
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = (sa_family_t)s->family;
		if (s->family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		if (bind(fd, (struct sockaddr *)&ss, sa_len(&ss)) == 0)
			break;
		if (errno != EADDRINUSE && errno != EACCES) {
			int e = -errno;
			close(fd);
			return e;
		}
	}
	struct epoll_event ev = {.events = EPOLLIN,
				 .data.u64 = DNS64_EV(DNS64_EV_UP_UDP, idx)};
	if (epoll_ctl(u->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int e = -errno;
		close(fd);
		return e;
	}
	s->fd = fd;
	s->uses = 0;
	s->inflight = 0;
	return 0;
}

static void usock_close(struct dns64_up *u, unsigned idx)
{
	if (u->sock[idx].fd >= 0)
		close(u->sock[idx].fd); /* also leaves the epoll set */
	u->sock[idx].fd = -1;
}

/* A random socket of the family; worn-out idle ones are replaced first. */
static int usock_pick(struct dns64_up *u, int family, uint32_t *out)
{
	unsigned per = u->cfg.sockets, base = family == AF_INET ? 0 : per;
	unsigned idx = base + rnd32(u) % per;
	struct usock *s = &u->sock[idx];

	if (s->fd < 0 || (s->uses >= u->cfg.socket_uses && !s->inflight)) {
		usock_close(u, idx);
		if (usock_open(u, idx))
			return -EIO;
	}
	*out = idx;
	return 0;
}

/* ---- sending ----------------------------------------------------------------
 */

static size_t build_query(const struct upq *q, uint8_t *out, size_t cap)
{
	struct dns_builder b;
	struct dns_opt o = {.udp_size = DNS64_EDNS_SIZE,
			    .flags = q->do_bit ? DNS_EDNS_DO : 0};
	size_t len = 0;

	dns_build_init(&b, out, cap, cap);
	dns_build_header(&b, q->id,
			 (uint16_t)(DNS_F_RD | (q->cd_bit ? DNS_F_CD : 0)));
	dns_build_question(&b, q->qname, q->qtype, q->qclass);
	dns_build_opt(&b, &o, NULL);
	if (dns_build_finish(&b, &len))
		return 0;
	return len;
}

static void release_transport(struct dns64_up *u, struct upq *q)
{
	if (q->sock != NIL) {
		u->sock[q->sock].inflight--;
		q->sock = NIL;
	}
	if (q->tcp != NIL) {
		struct tconn *t = &u->tcp[q->tcp];
		close(t->fd);
		t->fd = -1;
		t->slot = NIL;
		q->tcp = NIL;
	}
}

static void finish(struct dns64_up *u, uint32_t i, int status,
		   const struct dns_msg *m)
{
	struct upq *q = &u->q[i];
	uint32_t tag = q->tag;

	release_transport(u, q);
	fifo_del(u, i);
	if (u->idmap[q->id] == i + 1)
		u->idmap[q->id] = 0;
	q->used = false;
	q->next = u->free_head;
	u->free_head = i;
	u->inflight--;
	if (status)
		u->ctr[DNS64_UP_FAILED]++;
	else
		u->ctr[DNS64_UP_ANSWER]++;
	u->done(u->arg, tag, status, m);
}

static int send_udp(struct dns64_up *u, uint32_t i, uint64_t now)
{
	struct upq *q = &u->q[i];
	const struct sockaddr_storage *srv = &u->cfg.server[q->server];
	uint8_t buf[QUERY_BUF];
	size_t len = build_query(q, buf, sizeof(buf));
	uint32_t s;

	if (!len || usock_pick(u, srv->ss_family, &s)) {
		u->ctr[DNS64_UP_SOCKET_ERROR]++;
		return -EIO;
	}
	if (sendto(u->sock[s].fd, buf, len, 0, (const struct sockaddr *)srv,
		   sa_len(srv)) != (ssize_t)len) {
		u->ctr[DNS64_UP_SOCKET_ERROR]++;
		return -EIO;
	}
	u->sock[s].inflight++;
	u->sock[s].uses++;
	q->sock = s;
	u->ctr[DNS64_UP_SENT]++;
	fifo_add(u, i, now);
	return 0;
}

/* RFC 7766 §5: the truncated question again, over TCP, same server. */
static int start_tcp(struct dns64_up *u, uint32_t i, uint64_t now)
{
	struct upq *q = &u->q[i];
	const struct sockaddr_storage *srv = &u->cfg.server[q->server];
	unsigned t;

	for (t = 0; t < u->ntcp && u->tcp[t].slot != NIL; t++)
		;
	if (t == u->ntcp)
		return -EBUSY;
	int fd = socket(srv->ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -EIO;
	if (connect(fd, (const struct sockaddr *)srv, sa_len(srv)) &&
	    errno != EINPROGRESS) {
		close(fd);
		return -EIO;
	}
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN,
				 .data.u64 = DNS64_EV(DNS64_EV_UP_TCP, t)};
	if (epoll_ctl(u->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		close(fd);
		return -EIO;
	}
	u->tcp[t].fd = fd;
	u->tcp[t].slot = i;
	u->tcp[t].connected = false;
	u->tcp[t].len = 0;
	q->tcp = t;
	u->ctr[DNS64_UP_SENT]++;
	fifo_add(u, i, now);
	return 0;
}

/* The attempt failed: next server over UDP, or give up. */
static void attempt_next(struct dns64_up *u, uint32_t i, uint64_t now)
{
	struct upq *q = &u->q[i];

	for (;;) {
		release_transport(u, q);
		fifo_del(u, i);
		if (q->tries >= u->cfg.retries) {
			finish(u, i, -ETIMEDOUT, NULL);
			return;
		}
		q->tries++;
		q->server = (q->server + 1) % u->cfg.nservers;
		if (send_udp(u, i, now) == 0)
			return;
	}
}

int dns64_up_query(struct dns64_up *u, uint32_t tag, const uint8_t *qname,
		   uint16_t qtype, uint16_t qclass, bool do_bit, bool cd_bit,
		   uint64_t now_ms)
{
	uint32_t i = u->free_head;
	struct upq *q;
	size_t nlen = dns_name_len(qname, DNS_NAME_MAX);

	if (i == NIL) {
		u->ctr[DNS64_UP_BUSY]++;
		return -EBUSY;
	}
	if (!nlen)
		return -EINVAL;
	q = &u->q[i];
	u->free_head = q->next;
	memset(q, 0, offsetof(struct upq, prev));
	q->prev = q->next = NIL;
	q->used = true;
	q->tag = tag;
	q->qtype = qtype;
	q->qclass = qclass;
	q->do_bit = do_bit;
	q->cd_bit = cd_bit;
	q->qname_len = (uint8_t)nlen;
	memcpy(q->qname, qname, nlen);
	q->sock = q->tcp = NIL;
	do {
		q->id = (uint16_t)rnd32(u);
	} while (u->idmap[q->id]);
	u->idmap[q->id] = i + 1;
	u->inflight++;
	for (unsigned t = 0; t <= u->cfg.retries; t++) {
		q->server = t % u->cfg.nservers;
		q->tries = t;
		if (send_udp(u, i, now_ms) == 0)
			return 0;
	}
	/* nothing could be sent: undo, no callback */
	u->idmap[q->id] = 0;
	q->used = false;
	q->next = u->free_head;
	u->free_head = i;
	u->inflight--;
	return -EIO;
}

/* ---- receiving ------------------------------------------------------------
 */

/* Is m the answer to q?  RFC 5452 §9.1: ID and question must match. */
static bool matches(const struct upq *q, const struct dns_msg *m)
{
	return (m->flags & DNS_F_QR) && DNS_OPCODE(m->flags) == 0 &&
	       m->id == q->id && m->qtype == q->qtype &&
	       m->qclass == q->qclass && m->qname_len == q->qname_len &&
	       memcmp(m->qname, q->qname, q->qname_len) == 0;
}

/* An accepted answer: done, or TCP on TC, or next server on refusal. */
static void answered(struct dns64_up *u, uint32_t i, const struct dns_msg *m,
		     bool via_tcp, uint64_t now)
{
	struct upq *q = &u->q[i];
	uint16_t rc = dns_msg_rcode(m);

	if ((m->flags & DNS_F_TC) && !via_tcp) {
		u->ctr[DNS64_UP_TRUNCATED]++;
		release_transport(u, q);
		fifo_del(u, i);
		if (start_tcp(u, i, now) == 0)
			return;
		u->ctr[DNS64_UP_TCP_ERROR]++;
		/* no TCP: the truncated answer is still an answer */
		finish(u, i, 0, m);
		return;
	}
	if ((rc == DNS_RC_REFUSED || rc == DNS_RC_NOTIMP ||
	     rc == DNS_RC_FORMERR) &&
	    q->tries < u->cfg.retries) {
		u->ctr[DNS64_UP_REFUSED]++;
		attempt_next(u, i, now);
		return;
	}
	finish(u, i, 0, m);
}

static void udp_readable(struct dns64_up *u, uint32_t s, uint64_t now)
{
	for (int n = 0; n < UDP_BURST && u->sock[s].fd >= 0; n++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(u->sock[s].fd, u->rbuf, sizeof(u->rbuf),
				       0, (struct sockaddr *)&from, &fl);
		if (len < 0)
			return;
		if (len < DNS_HDR_LEN) {
			u->ctr[DNS64_UP_MALFORMED]++;
			continue;
		}
		uint16_t id = (uint16_t)(u->rbuf[0] << 8 | u->rbuf[1]);
		uint32_t i = u->idmap[id];
		if (!i || u->q[i - 1].sock != s ||
		    !sa_equal(&from, &u->cfg.server[u->q[i - 1].server])) {
			u->ctr[DNS64_UP_MISMATCH]++;
			continue;
		}
		i--;
		if (dns_parse(&u->msg, u->rbuf, (size_t)len) ||
		    !(u->msg.flags & DNS_F_QR)) {
			u->ctr[DNS64_UP_MALFORMED]++;
			continue;
		}
		if (!matches(&u->q[i], &u->msg)) {
			u->ctr[DNS64_UP_MISMATCH]++;
			continue;
		}
		answered(u, i, &u->msg, false, now);
	}
}

static void tcp_fail(struct dns64_up *u, uint32_t i, uint64_t now)
{
	u->ctr[DNS64_UP_TCP_ERROR]++;
	attempt_next(u, i, now);
}

static void tcp_event(struct dns64_up *u, uint32_t t, uint32_t events,
		      uint64_t now)
{
	struct tconn *c = &u->tcp[t];
	uint32_t i = c->slot;

	if (i == NIL || c->fd < 0)
		return;
	if (!c->connected && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		uint8_t buf[2 + QUERY_BUF];
		int err = 0;
		socklen_t el = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
			tcp_fail(u, i, now);
			return;
		}
		size_t len = build_query(&u->q[i], buf + 2, sizeof(buf) - 2);
		buf[0] = (uint8_t)(len >> 8);
		buf[1] = (uint8_t)len;
		/* a query is small: it goes out whole or the attempt fails */
		if (!len || send(c->fd, buf, len + 2, MSG_NOSIGNAL) !=
				(ssize_t)(len + 2)) {
			tcp_fail(u, i, now);
			return;
		}
		c->connected = true;
		struct epoll_event ev = {.events = EPOLLIN,
					 .data.u64 =
					     DNS64_EV(DNS64_EV_UP_TCP, t)};
		epoll_ctl(u->epfd, EPOLL_CTL_MOD, c->fd, &ev);
		return;
	}
	if (!c->connected)
		return;
	for (;;) {
		size_t want =
		    c->len < 2
			? 2 - c->len
			: (size_t)(c->buf[0] << 8 | c->buf[1]) + 2 - c->len;
		ssize_t n = recv(c->fd, c->buf + c->len, want, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			tcp_fail(u, i, now);
			return;
		}
		c->len += (size_t)n;
		if (c->len < 2)
			continue;
		size_t mlen = (size_t)(c->buf[0] << 8 | c->buf[1]);
		if (mlen < DNS_HDR_LEN) {
			u->ctr[DNS64_UP_MALFORMED]++;
			tcp_fail(u, i, now);
			return;
		}
		if (c->len < mlen + 2)
			continue;
		if (dns_parse(&u->msg, c->buf + 2, mlen) ||
		    !matches(&u->q[i], &u->msg)) {
			u->ctr[DNS64_UP_MALFORMED]++;
			tcp_fail(u, i, now);
			return;
		}
		/* the message lives in c->buf until finish closes it: copy */
		memcpy(u->rbuf, c->buf + 2, mlen);
		dns_parse(&u->msg, u->rbuf, mlen);
		answered(u, i, &u->msg, true, now);
		return;
	}
}

void dns64_up_event(struct dns64_up *u, uint64_t data, uint32_t events,
		    uint64_t now_ms)
{
	uint32_t idx = DNS64_EV_INDEX(data);

	switch (DNS64_EV_KIND(data)) {
	case DNS64_EV_UP_UDP:
		if (idx < u->nsock)
			udp_readable(u, idx, now_ms);
		break;
	case DNS64_EV_UP_TCP:
		if (idx < u->ntcp)
			tcp_event(u, idx, events, now_ms);
		break;
	default: break;
	}
}

void dns64_up_expire(struct dns64_up *u, uint64_t now_ms)
{
	while (u->head != NIL && u->q[u->head].deadline <= now_ms) {
		u->ctr[DNS64_UP_TIMEOUT]++;
		attempt_next(u, u->head, now_ms);
	}
}

int dns64_up_next_timeout(const struct dns64_up *u, uint64_t now_ms)
{
	if (u->head == NIL)
		return -1;
	uint64_t d = u->q[u->head].deadline;
	return d <= now_ms ? 0 : (int)(d - now_ms);
}

unsigned dns64_up_inflight(const struct dns64_up *u)
{
	return u->inflight;
}

const uint64_t *dns64_up_counters(const struct dns64_up *u)
{
	return u->ctr;
}

/* ---- lifecycle ------------------------------------------------------------
 */

int dns64_up_init(struct dns64_up **up, const struct dns64_up_cfg *cfg,
		  int epfd, dns64_up_done_fn *done, void *arg)
{
	struct dns64_up *u;

	*up = NULL;
	if (!cfg->nservers || cfg->nservers > DNS64_UP_SERVERS_MAX ||
	    !cfg->max_inflight || cfg->max_inflight >= 65536 || !cfg->sockets ||
	    !cfg->timeout_ms || !done)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->cfg = *cfg;
	if (!u->cfg.socket_uses)
		u->cfg.socket_uses = 1;
	if (!u->cfg.tcp_max)
		u->cfg.tcp_max = 1;
	u->epfd = epfd;
	u->done = done;
	u->arg = arg;
	u->rnd_pos = sizeof(u->rnd);
	u->head = u->tail = NIL;
	u->q = calloc(cfg->max_inflight, sizeof(*u->q));
	u->idmap = calloc(65536, sizeof(*u->idmap));
	u->nsock = 2 * cfg->sockets;
	u->sock = calloc(u->nsock, sizeof(*u->sock));
	u->ntcp = u->cfg.tcp_max;
	u->tcp = calloc(u->ntcp, sizeof(*u->tcp));
	if (!u->q || !u->idmap || !u->sock || !u->tcp) {
		dns64_up_fini(u);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < cfg->max_inflight; i++) {
		u->q[i].next = i + 1 < cfg->max_inflight ? i + 1 : NIL;
		u->q[i].prev = NIL;
	}
	u->free_head = 0;
	for (unsigned i = 0; i < u->nsock; i++) {
		u->sock[i].fd = -1;
		u->sock[i].family = i < cfg->sockets ? AF_INET : AF_INET6;
	}
	for (unsigned i = 0; i < u->ntcp; i++) {
		u->tcp[i].fd = -1;
		u->tcp[i].slot = NIL;
	}
	*up = u;
	return 0;
}

void dns64_up_fini(struct dns64_up *u)
{
	if (!u)
		return;
	for (unsigned i = 0; u->sock && i < u->nsock; i++)
		usock_close(u, i);
	for (unsigned i = 0; u->tcp && i < u->ntcp; i++)
		if (u->tcp[i].fd >= 0)
			close(u->tcp[i].fd);
	free(u->q);
	free(u->idmap);
	free(u->sock);
	free(u->tcp);
	free(u);
}
