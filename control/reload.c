/*
 * reload.c - transactional reload (reload.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iniparser/iniparser.h>

#include "control/cfg_dns64.h"
#include "control/reload.h"

struct reload {
	char file[512];
	unsigned unsaved;    /* runtime changes not in the file yet */
	dictionary *cur;     /* the configuration as last applied */
	struct cfg_gw *live; /* the tables in use since the last reload;
				NULL: still those of the start */
	struct xdp_mode *xm; /* mode = xdp: reprogrammed instead of dp */
};

void reload_set_xdp(struct reload *r, struct xdp_mode *xm)
{
	r->xm = xm;
}

/* Keys that may change while the dataplane runs (section:key).  pool4
 * addresses come and go at the workers' quiescent point (dp_pool4_swap);
 * the section's port ranges and blocks re-cut every range: a restart. */
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
					"nat64:subscriber-alert",
					"pool4:address",
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
		 "refused, nothing changed: [%s] %s %s: it cannot "
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

/* Apply the configuration in file 'path' (r->file, or a runtime change
 * written to a temporary file); 'shown' names it in messages. */
static int apply_path(struct reload *r, struct dp *dp, const char *path,
		      const char *shown, char *msg, size_t msglen, FILE *log)
{
	char err[1024];
	struct cfg_gw *n = calloc(1, sizeof(*n));
	msg[0] = 0;
	if (!n) {
		snprintf(msg, msglen, "refused: out of memory");
		return -EINVAL;
	}
	/* 1. the whole file, validated as at start */
	if (cfg_gw_load(n, path, err, sizeof(err))) {
		snprintf(msg, msglen, "refused, nothing changed: %s%s", shown,
			 err + strlen(path));
		free(n);
		return -EINVAL;
	}
	if (n->has_dns64) {
		static struct cfg_dns64 d;
		if (cfg_dns64_load(&d, path, err, sizeof(err))) {
			snprintf(msg, msglen, "refused, nothing changed: %s%s",
				 shown,
				 strncmp(err, path, strlen(path))
				     ? err
				     : err + strlen(path));
			cfg_gw_free(n);
			free(n);
			return -EINVAL;
		}
	}
	dictionary *nd = iniparser_load(path);
	if (!nd) {
		snprintf(msg, msglen, "refused: %s: cannot read it", shown);
		cfg_gw_free(n);
		free(n);
		return -EINVAL;
	}
	/* mode = hybrid: each port's PMD loaded its program with the
	 * configuration of the start; the workers alone must not differ */
	if (n->gw_mode == CFG_MODE_HYBRID) {
		snprintf(msg, msglen,
			 "refused, nothing changed: reload is not built for "
			 "mode = hybrid (the XDP programs keep the "
			 "configuration they started with): restart gate64d "
			 "to apply %s (gate64d --keep-state: the flows go on "
			 "across the restart)",
			 shown);
		iniparser_freedict(nd);
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
			snprintf(msg, msglen, "refused: out of memory");
		iniparser_freedict(nd);
		cfg_gw_free(n);
		free(n);
		return -EINVAL;
	}
	/* 3. mode = xdp: the program is rebuilt with the new configuration
	 * and replaces the running one on every link at once, or nothing
	 * changes */
	if (r->xm) {
		char why[512];
		if (xdp_mode_reprogram(r->xm, n, why, sizeof(why))) {
			snprintf(msg, msglen, "refused, nothing changed: %s",
				 why);
			iniparser_freedict(nd);
			cfg_gw_free(n);
			free(n);
			return -EINVAL;
		}
		goto applied;
	}
	/* 3. apply: pool4 first (it may still be refused: a range that goes
	 * away is in use), then every worker switches at a quiescent point.
	 * The RFC 6056 / subscriber hash key is the run's, not the file's:
	 * a new one would move every subscriber to another worker. */
	if (n->dp.mode == DP_NAT64 && dp_nat64_cfg(dp)) {
		const struct pool4_cfg *run = &dp_nat64_cfg(dp)->pool4;
		memcpy(n->nat64.pool4.key, run->key, sizeof(run->key));
		if (dp_pool4_differs(dp, &n->nat64.pool4)) {
			char why[512];
			e = dp_pool4_swap(dp, &n->nat64, why, sizeof(why),
					  2000);
			if (e) {
				snprintf(msg, msglen,
					 "refused, nothing changed: %s", why);
				iniparser_freedict(nd);
				cfg_gw_free(n);
				free(n);
				return -EINVAL;
			}
		}
	}
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
applied:;
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

const char *reload_value(const struct reload *r, const char *key)
{
	return iniparser_getstring(r->cur, key, NULL);
}

const struct cfg_gw *reload_live(const struct reload *r)
{
	return r ? r->live : NULL;
}

int reload_apply(struct reload *r, struct dp *dp, char *msg, size_t msglen,
		 FILE *log)
{
	int e = apply_path(r, dp, r->file, r->file, msg, msglen, log);
	if (!e)
		r->unsaved = 0; /* the file is what runs */
	return e;
}

int reload_set(struct reload *r, struct dp *dp, const char *key,
	       const char *value, char *msg, size_t msglen, FILE *log)
{
	/* the configuration in use, changed, written whole to a private
	 * file and applied like a reload of it */
	char tmp[] = "/tmp/gate64d-change-XXXXXX";
	int fd = mkstemp(tmp);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		snprintf(msg, msglen,
			 "refused: cannot write a temporary "
			 "file in /tmp");
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return -EINVAL;
	}
	char *old = NULL;
	const char *ov = iniparser_getstring(r->cur, key, NULL);
	if (ov)
		old = strdup(ov);
	if (value) {
		/* a new section first, then the key */
		char sec[64];
		snprintf(sec, sizeof(sec), "%s", key);
		char *colon = strchr(sec, ':');
		if (colon)
			*colon = 0;
		if (!iniparser_find_entry(r->cur, sec))
			iniparser_set(r->cur, sec, NULL);
		iniparser_set(r->cur, key, value);
	} else {
		iniparser_unset(r->cur, key);
	}
	iniparser_dump_ini(r->cur, f);
	fclose(f);
	/* r->cur holds the change now: undo it; apply_path sets it again
	 * from the file when everything is accepted */
	if (old)
		iniparser_set(r->cur, key, old);
	else
		iniparser_unset(r->cur, key);
	free(old);
	int e = apply_path(r, dp, tmp, "(the change)", msg, msglen, log);
	unlink(tmp);
	if (!e)
		r->unsaved++;
	return e;
}

int reload_save(struct reload *r, char *msg, size_t msglen)
{
	char tmp[600], bak[600];
	snprintf(tmp, sizeof(tmp), "%s.new", r->file);
	snprintf(bak, sizeof(bak), "%s.bak", r->file);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(msg, msglen, "cannot write %s: %s", tmp,
			 strerror(errno));
		return -errno;
	}
	fprintf(f,
		"; written by gate64ctl config save; the file before: "
		"%s\n",
		bak);
	iniparser_dump_ini(r->cur, f);
	if (fclose(f)) {
		int e = errno;
		snprintf(msg, msglen, "cannot write %s: %s", tmp, strerror(e));
		unlink(tmp);
		return -e;
	}
	unlink(bak);
	if (link(r->file, bak) || rename(tmp, r->file)) {
		int e = errno;
		snprintf(msg, msglen, "cannot replace %s: %s", r->file,
			 strerror(e));
		unlink(tmp);
		return -e;
	}
	snprintf(msg, msglen,
		 "saved %u change%s to %s (comments are not kept; the file "
		 "before is %s)\n",
		 r->unsaved, r->unsaved == 1 ? "" : "s", r->file, bak);
	r->unsaved = 0;
	return 0;
}

unsigned reload_unsaved(const struct reload *r)
{
	return r ? r->unsaved : 0;
}
