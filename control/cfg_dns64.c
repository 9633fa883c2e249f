/*
 * cfg_dns64.c - [dns64] of the gateway's INI file (see cfg_dns64.h).
 */
#define _GNU_SOURCE
#include "control/cfg_dns64.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <iniparser/iniparser.h>

#define SECTION	 "dns64"
#define ITEM_MAX 128

static const char *const known_keys[] = {
    "listen",
    "upstream",
    "threads",
    "cache-entries",
    "cache-bytes",
    "allow",
    "max-upstream-queries",
    "timeout-ms",
    "retries",
    "tcp-connections",
    "tcp-idle-ms",
    "prefix",
    "exclude",
    "mapped",
    "break-dnssec",
    "servfail-synth",
    "ptr",
    "ipv4only",
};

int cfg_dns64_parse_addr(const char *s, unsigned def_port,
			 struct sockaddr_storage *out, const char **why)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL;
	unsigned long p = def_port;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || (size_t)(end - s - 1) >= sizeof(host)) {
			*why = "IPv6 address needs a closing ']'";
			return -1;
		}
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = 0;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1]) {
			*why = "expected ':' and a port after ']'";
			return -1;
		}
	} else {
		const char *colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* bare IPv6, no port */
		size_t hl = colon ? (size_t)(colon - s) : strlen(s);
		if (hl >= sizeof(host)) {
			*why = "not an IP address";
			return -1;
		}
		memcpy(host, s, hl);
		host[hl] = 0;
		if (colon)
			port = colon + 1;
	}
	if (port) {
		char *end;
		errno = 0;
		p = strtoul(port, &end, 10);
		if (!*port || *end || errno || !isdigit((unsigned char)*port)) {
			*why = "port is not a number";
			return -1;
		}
		if (p < 1 || p > 65535) {
			*why = "port out of range";
			return -1;
		}
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		return 0;
	}
	*why = "not an IPv4 or IPv6 address (IPv6 with a port: [addr]:port)";
	return -1;
}

int cfg_dns64_parse_prefix(const char *s, struct dns64_acl *out,
			   const char **why)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	long plen = -1;

	memset(out, 0, sizeof(*out));
	if (hl >= sizeof(host)) {
		*why = "not an IP prefix";
		return -1;
	}
	memcpy(host, s, hl);
	host[hl] = 0;
	if (slash) {
		char *end;
		errno = 0;
		plen = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || errno ||
		    !isdigit((unsigned char)slash[1])) {
			*why = "prefix length is not a number";
			return -1;
		}
	}
	if (inet_pton(AF_INET, host, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, host, out->addr) == 1)
		out->family = AF_INET6;
	else {
		*why = "not an IPv4 or IPv6 prefix";
		return -1;
	}
	long max = out->family == AF_INET ? 32 : 128;
	if (plen < 0)
		plen = max;
	if (plen > max) {
		*why = out->family == AF_INET ? "IPv4 prefix length above 32"
					      : "IPv6 prefix length above 128";
		return -1;
	}
	out->plen = (uint8_t)plen;
	/* bits beyond the length must be zero: a typo otherwise */
	for (long b = plen; b < max; b++)
		if (out->addr[b / 8] & (0x80 >> (b % 8))) {
			*why = "address has bits set beyond the prefix length";
			return -1;
		}
	return 0;
}

/* ---- the file
 * ---------------------------------------------------------------- */

struct ctx {
	const char *file;
	char *err;
	size_t errlen;
};

static int bad(const struct ctx *x, const char *key, const char *val,
	       const char *why)
{
	snprintf(x->err, x->errlen, "%s: [" SECTION "] %s = %s: %s", x->file,
		 key, val, why);
	return -1;
}

char *cfg_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

/* Splits a comma-separated value into at most max trimmed items (in buf). */
static int split(const struct ctx *x, const char *key, const char *val,
		 char *buf, size_t cap, char **items, unsigned max, unsigned *n)
{
	if (strlen(val) >= cap)
		return bad(x, key, val, "value too long");
	strcpy(buf, val);
	*n = 0;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		t = cfg_trim(t);
		if (!*t)
			return bad(x, key, val, "empty list item");
		if (*n == max) {
			char why[64];
			snprintf(why, sizeof(why), "more than %u items", max);
			return bad(x, key, val, why);
		}
		items[(*n)++] = t;
	}
	if (!*n)
		return bad(x, key, val, "empty list");
	return 0;
}

static int get_ull(const struct ctx *x, const char *key, const char *val,
		   unsigned long long min, unsigned long long max,
		   bool suffixes, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!isdigit((unsigned char)*val))
		return bad(x, key, val, "not a number");
	v = strtoull(val, &end, 10);
	if (errno)
		return bad(x, key, val, "number too large");
	if (suffixes && *end) {
		unsigned long long mul = 0;
		switch (*end) {
		case 'k':
		case 'K': mul = 1ull << 10; break;
		case 'm':
		case 'M': mul = 1ull << 20; break;
		case 'g':
		case 'G': mul = 1ull << 30; break;
		}
		if (!mul || end[1])
			return bad(x, key, val, "unknown suffix (K, M or G)");
		if (v > max / mul)
			goto range;
		v *= mul;
		end++;
	}
	if (*end)
		return bad(x, key, val, "not a number");
	if (v < min || v > max)
		goto range;
	*out = v;
	return 0;
range:;
	char why[96];
	snprintf(why, sizeof(why), "out of range (%llu..%llu)", min, max);
	return bad(x, key, val, why);
}

static int get_uint(const struct ctx *x, dictionary *d, const char *key,
		    unsigned min, unsigned max, unsigned *out)
{
	char k[64];
	unsigned long long v;
	snprintf(k, sizeof(k), SECTION ":%s", key);
	const char *val = iniparser_getstring(d, k, NULL);
	if (!val)
		return 0;
	if (get_ull(x, key, val, min, max, false, &v))
		return -1;
	*out = (unsigned)v;
	return 0;
}

int cfg_bool_word(const char *v)
{
	if (!strcasecmp(v, "on") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "true") || !strcmp(v, "1"))
		return 1;
	if (!strcasecmp(v, "off") || !strcasecmp(v, "no") ||
	    !strcasecmp(v, "false") || !strcmp(v, "0"))
		return 0;
	return -1;
}

static int get_bool(const struct ctx *x, dictionary *d, const char *key,
		    bool *out)
{
	char k[64];
	snprintf(k, sizeof(k), SECTION ":%s", key);
	const char *val = iniparser_getstring(d, k, NULL);
	if (!val)
		return 0;
	int b = cfg_bool_word(val);
	if (b < 0)
		return bad(x, key, val, "expected on or off");
	*out = b;
	return 0;
}

/* A list of IPv6 (family AF_INET6) or IPv4 prefixes into out[]. */
static int get_prefixes(const struct ctx *x, const char *key, const char *val,
			int family, struct dns64_acl *out, unsigned max,
			unsigned *n)
{
	char buf[CFG_DNS64_TEXT_MAX], *items[ITEM_MAX];
	const char *why = NULL;

	if (split(x, key, val, buf, sizeof(buf), items,
		  max < ITEM_MAX ? max : ITEM_MAX, n))
		return -1;
	for (unsigned i = 0; i < *n; i++) {
		if (cfg_dns64_parse_prefix(items[i], &out[i], &why))
			return bad(x, key, items[i], why);
		if (out[i].family != family)
			return bad(x, key, items[i],
				   family == AF_INET6 ? "not an IPv6 prefix"
						      : "not an IPv4 prefix");
	}
	return 0;
}

static void set6(struct dns64_prefix6 *p, const struct dns64_acl *a)
{
	memcpy(p->addr, a->addr, 16);
	p->len = a->plen;
}

/* dns64_cfg_check's "dns64 KEY VALUE: why" as "FILE: [dns64] KEY = VALUE:
 * why" (the form of every other error of this file). */
static int bad_check(const struct ctx *x, const char *msg)
{
	const char *m = strncmp(msg, "dns64 ", 6) ? msg : msg + 6;
	size_t k = strcspn(m, " :");

	if (m[k] == ' ')
		snprintf(x->err, x->errlen, "%s: [" SECTION "] %.*s = %s",
			 x->file, (int)k, m, m + k + 1);
	else
		snprintf(x->err, x->errlen, "%s: [" SECTION "] %s", x->file, m);
	return -1;
}

/* The synthesis keys (RFC 6147) into c->synth, and [translator] pool6. */
static int parse_synth(struct cfg_dns64 *c, dictionary *d, const struct ctx *x)
{
	struct dns64_cfg *y = &c->synth;
	struct dns64_acl p[ITEM_MAX], pool6;
	const char *val, *why = NULL;
	const char *pv = iniparser_getstring(d, "translator:pool6", NULL);
	char msg[256];
	unsigned n;

	dns64_cfg_default(y);
	if (pv) {
		/* the translator's prefix: one IPv6 prefix */
		if (cfg_dns64_parse_prefix(pv, &pool6, &why) ||
		    (pool6.family != AF_INET6 &&
		     (why = "not an IPv6 prefix"))) {
			snprintf(x->err, x->errlen,
				 "%s: [translator] pool6 = %s: %s", x->file, pv,
				 why);
			return -1;
		}
	}
	if ((val = iniparser_getstring(d, SECTION ":prefix", NULL))) {
		if (get_prefixes(x, "prefix", val, AF_INET6, p,
				 DNS64_PREFIX_MAX, &n))
			return -1;
		y->nprefix = n;
		for (unsigned i = 0; i < n; i++)
			set6(&y->prefix[i], &p[i]);
	} else if (pv) {
		/* DESIGN.md: the prefix from the translator's configuration,
		 * so the two never disagree */
		y->nprefix = 1;
		set6(&y->prefix[0], &pool6);
		c->prefix_from_pool6 = true;
	}
	if ((val = iniparser_getstring(d, SECTION ":exclude", NULL))) {
		if (!strcasecmp(val, "none")) {
			y->nexclude = 0;
		} else {
			if (get_prefixes(x, "exclude", val, AF_INET6, p,
					 DNS64_EXCLUDE_MAX, &n))
				return -1;
			y->nexclude = n;
			for (unsigned i = 0; i < n; i++)
				set6(&y->exclude[i], &p[i]);
		}
	}
	if ((val = iniparser_getstring(d, SECTION ":mapped", NULL))) {
		if (!strcasecmp(val, "any")) {
			y->nmapped = 0;
		} else {
			if (get_prefixes(x, "mapped", val, AF_INET, p,
					 DNS64_MAPPED_MAX, &n))
				return -1;
			y->nmapped = n;
			for (unsigned i = 0; i < n; i++) {
				memcpy(&y->mapped[i].addr, p[i].addr, 4);
				y->mapped[i].len = p[i].plen;
			}
		}
	}
	if (get_bool(x, d, "break-dnssec", &y->break_dnssec) ||
	    get_bool(x, d, "servfail-synth", &y->servfail_synth) ||
	    get_bool(x, d, "ptr", &y->ptr) ||
	    get_bool(x, d, "ipv4only", &y->ipv4only))
		return -1;
	if (dns64_cfg_check(y, msg, sizeof(msg)))
		return bad_check(x, msg);
	c->server.policy = y;

	if (pv && !c->prefix_from_pool6 &&
	    (y->nprefix != 1 || y->prefix[0].len != pool6.plen ||
	     memcmp(y->prefix[0].addr, pool6.addr, 16))) {
		bool in = false;
		for (unsigned i = 0; i < y->nprefix; i++)
			in |= y->prefix[i].len == pool6.plen &&
			      !memcmp(y->prefix[i].addr, pool6.addr, 16);
		snprintf(c->warn, sizeof(c->warn),
			 "%s: [" SECTION "] prefix = %s differs from "
			 "[translator] pool6 = %s: %s",
			 x->file, iniparser_getstring(d, SECTION ":prefix", ""),
			 pv,
			 in ? "addresses synthesized with the other prefixes "
			      "need another translator"
			    : "this translator translates none of the "
			      "synthesized addresses");
	}
	return 0;
}

static int parse_dict(struct cfg_dns64 *c, dictionary *d, const struct ctx *x)
{
	struct dns64_server_cfg *s = &c->server;
	char buf[CFG_DNS64_TEXT_MAX], *items[ITEM_MAX];
	const char *val, *why = NULL;
	unsigned n;

	if (iniparser_find_entry(d, SECTION) == 0) {
		snprintf(x->err, x->errlen, "%s: no [" SECTION "] section",
			 x->file);
		return -1;
	}
	int nk = iniparser_getsecnkeys(d, SECTION);
	const char **keys = nk > 0 ? calloc((size_t)nk, sizeof(*keys)) : NULL;
	if (nk > 0 && (!keys || !iniparser_getseckeys(d, SECTION, keys))) {
		free(keys);
		snprintf(x->err, x->errlen, "%s: out of memory", x->file);
		return -1;
	}
	for (int i = 0; i < nk; i++) {
		const char *k = keys[i] + strlen(SECTION) + 1;
		bool ok = false;
		for (size_t j = 0; j < sizeof(known_keys) / sizeof(*known_keys);
		     j++)
			ok |= strcmp(k, known_keys[j]) == 0;
		if (!ok) {
			int r = bad(x, k, iniparser_getstring(d, keys[i], ""),
				    "unknown key");
			free(keys);
			return r;
		}
	}
	free(keys);

	val = iniparser_getstring(d, SECTION ":listen", NULL);
	if (!val)
		return bad(x, "listen", "(missing)",
			   "where to answer, e.g. 127.0.0.1:53, [::1]:53");
	if (split(x, "listen", val, buf, sizeof(buf), items, DNS64_LISTEN_MAX,
		  &n))
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (cfg_dns64_parse_addr(items[i], 53, &s->listen[i], &why))
			return bad(x, "listen", items[i], why);
	s->nlisten = n;

	val = iniparser_getstring(d, SECTION ":upstream", NULL);
	if (!val)
		return bad(x, "upstream", "(missing)",
			   "the resolvers to forward to, e.g. 192.0.2.53");
	if (split(x, "upstream", val, buf, sizeof(buf), items,
		  DNS64_UP_SERVERS_MAX, &n))
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (cfg_dns64_parse_addr(items[i], 53, &s->up.server[i], &why))
			return bad(x, "upstream", items[i], why);
	s->up.nservers = n;

	val = iniparser_getstring(d, SECTION ":allow", NULL);
	if (val) {
		if (split(x, "allow", val, buf, sizeof(buf), items,
			  DNS64_ALLOW_MAX, &n))
			return -1;
		for (unsigned i = 0; i < n; i++)
			if (cfg_dns64_parse_prefix(items[i], &s->allow[i],
						   &why))
				return bad(x, "allow", items[i], why);
		s->nallow = n;
	}

	unsigned long long v;
	if ((val = iniparser_getstring(d, SECTION ":cache-entries", NULL))) {
		if (get_ull(x, "cache-entries", val, 1, 1ull << 24, true, &v))
			return -1;
		s->cache_entries = (size_t)v;
	}
	if ((val = iniparser_getstring(d, SECTION ":cache-bytes", NULL))) {
		if (get_ull(x, "cache-bytes", val, 4096, 16ull << 30, true, &v))
			return -1;
		s->cache_bytes = (size_t)v;
	}
	if (get_uint(x, d, "threads", 1, DNS64_THREADS_MAX, &s->threads) ||
	    get_uint(x, d, "timeout-ms", 10, 60000, &s->up.timeout_ms) ||
	    get_uint(x, d, "retries", 0, 10, &s->up.retries) ||
	    get_uint(x, d, "tcp-connections", 1, 65535, &s->tcp_max_conns) ||
	    get_uint(x, d, "tcp-idle-ms", 100, 600000, &s->tcp_idle_ms))
		return -1;
	unsigned mu = s->up.max_inflight;
	if (get_uint(x, d, "max-upstream-queries", 1, 1u << 20, &mu))
		return -1;
	if (mu / s->threads > 65535 || mu < s->threads) {
		char msg[96];
		snprintf(msg, sizeof(msg),
			 "must be between threads (%u) and 65535 per thread",
			 s->threads);
		snprintf(buf, sizeof(buf), "%u", mu);
		return bad(x, "max-upstream-queries", buf, msg);
	}
	s->up.max_inflight = mu;
	/* every cache slab needs a block of its own */
	if (s->cache_bytes / DNS64_CACHE_BLOCK < 4 * s->threads) {
		snprintf(buf, sizeof(buf), "%zu", s->cache_bytes);
		return bad(x, "cache-bytes", buf, "too small for the threads");
	}

	return parse_synth(c, d, x);
}

int cfg_dns64_load(struct cfg_dns64 *c, const char *file, char *err,
		   size_t errlen)
{
	struct ctx x = {.file = file, .err = err, .errlen = errlen};
	FILE *f = fopen(file, "r");

	memset(c, 0, sizeof(*c));
	dns64_server_cfg_defaults(&c->server);
	if (!f) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	fclose(f);
	dictionary *d = iniparser_load(file);
	if (!d) {
		snprintf(err, errlen, "%s: not a valid INI file", file);
		return -1;
	}
	int r = parse_dict(c, d, &x);
	iniparser_freedict(d);
	return r;
}
