/*
 * reload.c - transactional reload (reload.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iniparser/iniparser.h>

#include "control/cfg_dns64.h"
#include "control/reload.h"

struct reload {
	char file[512];
	dictionary *cur;     /* the file as last applied */
	struct cfg_gw *live; /* the tables in use since the last reload;
				NULL: still those of the start */
};

/* Keys that may change while the dataplane runs (section:key). */
static const char *const live_keys[] = {"translator:pool6791",
					"translator:icmp6-source",
					"translator:lowest-ipv6-mtu",
					"translator:udp-zero-checksum",
					"translator:reset-traffic-class",
					"translator:reset-tos",
					"translator:new-tos",
					"translator:icmp-errors",
					"translator:icmp-rate",
					"translator:icmp-burst",
					"translator:eam-hairpin",
					"nat64:timeout-udp",
					"nat64:timeout-icmp",
					"nat64:timeout-tcp-est",
					"nat64:timeout-tcp-trans",
					"nat64:timeout-tcp-syn",
					"nat64:filtering",
					"nat64:drop-inbound-syn",
					NULL};

static int is_live(const char *seckey)
{
	if (!strncmp(seckey, "eam:", 4))
		return 1; /* the whole EAM table is rebuilt and swapped */
	for (int i = 0; live_keys[i]; i++)
		if (!strcmp(seckey, live_keys[i]))
			return 1;
	return 0;
}

int reload_init(struct reload **rp, const char *file, char *err, size_t errlen)
{
	struct reload *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "reload: out of memory");
		return -ENOMEM;
	}
	snprintf(r->file, sizeof(r->file), "%s", file);
	r->cur = iniparser_load(file);
	if (!r->cur) {
		snprintf(err, errlen, "%s: cannot read it again", file);
		free(r);
		return -EINVAL;
	}
	*rp = r;
	return 0;
}

void reload_fini(struct reload *r)
{
	if (!r)
		return;
	iniparser_freedict(r->cur);
	if (r->live) {
		cfg_gw_free(r->live);
		free(r->live);
	}
	free(r);
}

static const char *val(dictionary *d, const char *k)
{
	return iniparser_getstring(d, k, NULL);
}

/* Every "section:key" of a in order, with b's value: calls fn for the
 * ones that differ (b value NULL: gone). */
static int diff_into(dictionary *a, dictionary *b,
		     int (*fn)(const char *k, const char *va, const char *vb,
			       void *arg),
		     void *arg)
{
	int ns = iniparser_getnsec(a);
	for (int i = 0; i < ns; i++) {
		const char *sec = iniparser_getsecname(a, i);
		int nk = iniparser_getsecnkeys(a, sec);
		if (nk <= 0)
			continue;
		const char **keys = calloc((size_t)nk, sizeof(*keys));
		if (!keys || !iniparser_getseckeys(a, sec, keys)) {
			free(keys);
			return -ENOMEM;
		}
		for (int k = 0; k < nk; k++) {
			const char *va = val(a, keys[k]);
			const char *vb = val(b, keys[k]);
			if (vb && va && !strcmp(va, vb))
				continue;
			int e = fn(keys[k], va, vb, arg);
			if (e) {
				free(keys);
				return e;
			}
		}
		free(keys);
	}
	return 0;
}

struct chk {
	char *msg;
	size_t len;
	int forward; /* diff old -> new (else new -> old: additions) */
};

/* A change that needs a restart refuses the reload. */
static int check_one(const char *k, const char *va, const char *vb, void *arg)
{
	struct chk *c = arg;
	const char *old = c->forward ? va : vb, *new = c->forward ? vb : va;
	if (!c->forward && va && vb)
		return 0; /* a change: seen by the forward pass */
	if (is_live(k))
		return 0;
	if (!strncmp(k, "static-bib:", 11) && !old)
		return 0; /* a new static entry: added live */
	char sec[64];
	const char *colon = strchr(k, ':');
	size_t sl = colon ? (size_t)(colon - k) : strlen(k);
	snprintf(sec, sizeof(sec), "%.*s", (int)sl, k);
	snprintf(c->msg, c->len,
		 "reload refused, nothing changed: [%s] %s %s: it cannot "
		 "change while gate64d runs; restart gate64d to apply it",
		 sec, colon ? colon + 1 : "",
		 !new	? "removed"
		 : !old ? "added"
			: "changed");
	return -EINVAL;
}

struct logctx {
	char *msg;
	size_t len;
	FILE *log;
	int forward;
};

static int log_one(const char *k, const char *va, const char *vb, void *arg)
{
	struct logctx *l = arg;
	if (!l->forward && va && vb)
		return 0;
	const char *old = l->forward ? va : vb, *new = l->forward ? vb : va;
	size_t used = strlen(l->msg);
	snprintf(l->msg + used, l->len - used, "reload: %s: %s -> %s\n", k,
		 old ? old : "(unset)", new ? new : "(unset)");
	if (l->log)
		fprintf(l->log, "gate64d: reload: %s: %s -> %s\n", k,
			old ? old : "(unset)", new ? new : "(unset)");
	return 0;
}

int reload_apply(struct reload *r, struct dp *dp, char *msg, size_t msglen,
		 FILE *log)
{
	char err[1024];
	struct cfg_gw *n = calloc(1, sizeof(*n));
	msg[0] = 0;
	if (!n) {
		snprintf(msg, msglen, "reload refused: out of memory");
		return -EINVAL;
	}
	/* 1. the whole file, validated as at start */
	if (cfg_gw_load(n, r->file, err, sizeof(err))) {
		snprintf(msg, msglen, "reload refused, nothing changed: %s",
			 err);
		free(n);
		return -EINVAL;
	}
	if (n->has_dns64) {
		static struct cfg_dns64 d;
		if (cfg_dns64_load(&d, r->file, err, sizeof(err))) {
			snprintf(msg, msglen,
				 "reload refused, nothing changed: %s", err);
			cfg_gw_free(n);
			free(n);
			return -EINVAL;
		}
	}
	dictionary *nd = iniparser_load(r->file);
	if (!nd) {
		snprintf(msg, msglen, "reload refused: %s: cannot read it",
			 r->file);
		cfg_gw_free(n);
		free(n);
		return -EINVAL;
	}
	/* 2. only what may change live changed */
	struct chk c = {msg, msglen, 1};
	int e = diff_into(r->cur, nd, check_one, &c);
	if (!e) {
		c.forward = 0;
		e = diff_into(nd, r->cur, check_one, &c);
	}
	if (e) {
		if (e == -ENOMEM)
			snprintf(msg, msglen, "reload refused: out of memory");
		iniparser_freedict(nd);
		cfg_gw_free(n);
		free(n);
		return -EINVAL;
	}
	/* 3. apply: every worker switches at a quiescent point */
	e = dp_reconfig(dp, &n->xlat, n->eamt, &n->nat64, n->static_bib,
			n->dp.n_static_bib, 2000);
	if (e) {
		/* some workers may use n: it must stay; the old tables stay
		 * too (others may still use them) */
		snprintf(msg, msglen,
			 "reload: a worker did not switch within 2 s; the new "
			 "configuration is in place where it did (check "
			 "gate64ctl status; a restart applies it everywhere)");
		iniparser_freedict(r->cur);
		r->cur = nd;
		r->live = n; /* the previous one leaks: it may be in use */
		return -ETIMEDOUT;
	}
	struct logctx l = {msg, msglen, log, 1};
	diff_into(r->cur, nd, log_one, &l);
	l.forward = 0;
	diff_into(nd, r->cur, log_one, &l);
	if (!msg[0])
		snprintf(msg, msglen, "reload: no change\n");
	iniparser_freedict(r->cur);
	r->cur = nd;
	if (r->live) {
		cfg_gw_free(r->live);
		free(r->live);
	}
	r->live = n;
	return 0;
}

const struct cfg_gw *reload_live(const struct reload *r)
{
	return r ? r->live : NULL;
}
