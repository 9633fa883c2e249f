/*
 * corpus.c - golden corpus loader shared by the engines' runners.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/corpus.h"

int corpus_verdict_parse(const char *s, enum xlat_verdict *v)
{
	for (int i = 0; i < XLAT_VERDICT_MAX; i++) {
		if (!strcmp(s, xlat_verdict_name((enum xlat_verdict)i))) {
			*v = (enum xlat_verdict)i;
			return 0;
		}
	}
	return -1;
}

int corpus_reason_parse(const char *s, enum xlat_reason *r)
{
	for (int i = 0; i < XLAT_R_MAX; i++) {
		if (!strcmp(s, xlat_reason_name((enum xlat_reason)i))) {
			*r = (enum xlat_reason)i;
			return 0;
		}
	}
	return -1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int parse_prefix6(const char *s, uint8_t *a, uint8_t *len)
{
	char buf[128];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, slash - s);
	buf[slash - s] = 0;
	char *end;
	long l = strtol(slash + 1, &end, 10);
	if (*end || l < 0 || l > 128 || inet_pton(AF_INET6, buf, a) != 1)
		return -1;
	*len = (uint8_t)l;
	return 0;
}

static int parse_prefix4(const char *s, uint32_t *a, uint8_t *len)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, slash - s);
	buf[slash - s] = 0;
	char *end;
	long l = strtol(slash + 1, &end, 10);
	if (*end || l < 0 || l > 32 || inet_pton(AF_INET, buf, a) != 1)
		return -1;
	*len = (uint8_t)l;
	return 0;
}

static int onoff(const char *v, uint8_t *out)
{
	if (!strcmp(v, "on"))
		*out = 1;
	else if (!strcmp(v, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int number(const char *v, long max, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 0);
	if (errno || *end || n < 0 || n > max)
		return -1;
	*out = n;
	return 0;
}

static int proto_parse(const char *s, uint8_t *p)
{
	if (!strcmp(s, "tcp"))
		*p = NAT64_TCP;
	else if (!strcmp(s, "udp"))
		*p = NAT64_UDP;
	else if (!strcmp(s, "icmp"))
		*p = NAT64_ICMP;
	else
		return -1;
	return 0;
}

static int port_parse(const char *s, uint16_t *port)
{
	long n;
	if (number(s, 65535, &n))
		return -1;
	*port = (uint16_t)n;
	return 0;
}

/* 'pool4 ADDR PROTO MIN-MAX' */
static int pool4_line(struct nat64_cfg *nc, const char *val)
{
	char a[64], p[16], r[32], extra[2];
	struct pool4_range *pr;
	uint32_t addr;

	if (sscanf(val, "%63s %15s %31s %1s", a, p, r, extra) != 3 ||
	    nc->pool4.n >= POOL4_MAX_RANGES)
		return -1;
	pr = &nc->pool4.r[nc->pool4.n];
	char *dash = strchr(r, '-');
	if (!dash || inet_pton(AF_INET, a, &addr) != 1 ||
	    proto_parse(p, &pr->proto))
		return -1;
	*dash = 0;
	if (port_parse(r, &pr->min) || port_parse(dash + 1, &pr->max))
		return -1;
	pr->addr = ntohl(addr);
	nc->pool4.n++;
	return 0;
}

/* 'static-bib PROTO IPV6 PORT IPV4 PORT' */
static int static_bib_line(struct corpus_case *c, const char *val)
{
	char p[16], a6[128], sp[16], a4[64], dp[16], extra[2];
	struct corpus_static_bib *sb;
	uint32_t addr;

	if (sscanf(val, "%15s %127s %15s %63s %15s %1s", p, a6, sp, a4, dp,
		   extra) != 5 ||
	    c->n_static >= CORPUS_MAX_STATIC_BIB)
		return -1;
	sb = &c->static_bib[c->n_static];
	if (proto_parse(p, &sb->proto) ||
	    inet_pton(AF_INET6, a6, sb->src6) != 1 ||
	    port_parse(sp, &sb->sport6) || inet_pton(AF_INET, a4, &addr) != 1 ||
	    port_parse(dp, &sb->port4))
		return -1;
	sb->addr4 = ntohl(addr);
	c->n_static++;
	return 0;
}

/* The stateful keys; 1 when key is not one of them. */
static int nat64_cfg_line(struct corpus_case *c, const char *key,
			  const char *val, int *bad)
{
	struct nat64_cfg *nc = &c->ncfg;
	long n;
	int t = -1;

	if (!strcmp(key, "pool4"))
		*bad = pool4_line(nc, val);
	else if (!strcmp(key, "static-bib"))
		*bad = static_bib_line(c, val);
	else if (!strcmp(key, "adf"))
		*bad = onoff(val, &nc->adf);
	else if (!strcmp(key, "drop-inbound-syn"))
		*bad = onoff(val, &nc->drop_inbound_syn);
	else if (!strcmp(key, "sub-len")) {
		*bad = number(val, 128, &n);
		nc->sub_len = (uint8_t)n;
	} else if (!strcmp(key, "sub-max-sessions")) {
		*bad = number(val, 0x7fffffff, &n);
		nc->sub_max_sessions = (uint32_t)n;
	} else if (!strcmp(key, "udp-timeout"))
		t = NAT64_T_UDP;
	else if (!strcmp(key, "icmp-timeout"))
		t = NAT64_T_ICMP;
	else if (!strcmp(key, "tcp-est-timeout"))
		t = NAT64_T_TCP_EST;
	else if (!strcmp(key, "tcp-trans-timeout"))
		t = NAT64_T_TCP_TRANS;
	else if (!strcmp(key, "tcp-syn-timeout"))
		t = NAT64_T_TCP_SYN;
	else
		return 1;
	if (t >= 0) {
		*bad = number(val, 0x7fffffff, &n);
		nc->timeout[t] = (uint32_t)n;
	}
	c->nat64_keys = 1;
	return 0;
}

int corpus_cfg_line(struct corpus_case *c, const char *line, char *err,
		    size_t errlen)
{
	char buf[512], *key, *val, *save;
	struct xlat_cfg *cfg = &c->cfg;
	long n;

	snprintf(buf, sizeof(buf), "%s", line);
	key = strtok_r(buf, " \t", &save);
	val = key ? strtok_r(NULL, "", &save) : NULL;
	if (!key || !val) {
		snprintf(err, errlen, "'%s': expected 'key value'", line);
		return -1;
	}
	val = trim(val);
	int bad = 0;
	if (!strcmp(key, "pool6")) {
		bad = parse_prefix6(val, cfg->pool6.addr, &cfg->pool6.len);
	} else if (!strcmp(key, "eam")) {
		char v4s[64], v6s[128], msg[256];
		uint32_t v4;
		uint8_t l4, l6, v6[16];
		if (sscanf(val, "%63s %127s", v4s, v6s) != 2 ||
		    parse_prefix4(v4s, &v4, &l4) ||
		    parse_prefix6(v6s, v6, &l6)) {
			bad = 1;
		} else {
			if (!c->eamt) {
				c->eamt = malloc(sizeof(*c->eamt));
				if (!c->eamt)
					return -1;
				eam_init(c->eamt);
			}
			if (eam_add(c->eamt, v4, l4, v6, l6, msg,
				    sizeof(msg))) {
				snprintf(err, errlen, "eam %s: %s", val, msg);
				return -1;
			}
		}
	} else if (!strcmp(key, "pool6791")) {
		if (cfg->pool6791_n >= XLAT_POOL6791_MAX ||
		    inet_pton(AF_INET, val, &cfg->pool6791[cfg->pool6791_n]) !=
			1)
			bad = 1;
		else
			cfg->pool6791_n++;
	} else if (!strcmp(key, "icmp6-source")) {
		bad = inet_pton(AF_INET6, val, cfg->icmp6_src) != 1;
		cfg->icmp6_src_set = !bad;
	} else if (!strcmp(key, "lowest-ipv6-mtu")) {
		bad = number(val, 65535, &n);
		cfg->lowest_ipv6_mtu = (uint16_t)n;
	} else if (!strcmp(key, "ipv6-mtu")) {
		bad = number(val, 65535, &n);
		cfg->ipv6_mtu = (uint16_t)n;
	} else if (!strcmp(key, "ipv4-mtu")) {
		bad = number(val, 65535, &n);
		cfg->ipv4_mtu = (uint16_t)n;
	} else if (!strcmp(key, "udp-zero-checksum")) {
		if (!strcmp(val, "compute"))
			cfg->udp_zero_csum = XLAT_UDP0_COMPUTE;
		else if (!strcmp(val, "drop"))
			cfg->udp_zero_csum = XLAT_UDP0_DROP;
		else
			bad = 1;
	} else if (!strcmp(key, "reset-traffic-class")) {
		bad = onoff(val, &cfg->reset_tclass);
	} else if (!strcmp(key, "reset-tos")) {
		bad = onoff(val, &cfg->reset_tos);
	} else if (!strcmp(key, "new-tos")) {
		bad = number(val, 255, &n);
		cfg->new_tos = (uint8_t)n;
	} else if (!strcmp(key, "icmp-errors")) {
		bad = onoff(val, &cfg->icmp_errors);
	} else if (!strcmp(key, "eam-hairpin")) {
		bad = onoff(val, &cfg->eam_hairpin);
	} else if (!strcmp(key, "icmp-rate")) {
		bad = number(val, 1000000, &n);
		cfg->icmp_rate = (uint32_t)n;
	} else if (!strcmp(key, "icmp-burst")) {
		bad = number(val, 1000000, &n);
		cfg->icmp_burst = (uint32_t)n;
	} else if (!strcmp(key, "id-seed")) {
		bad = number(val, 65535, &n);
		c->id_seed = (uint16_t)n;
	} else if (nat64_cfg_line(c, key, val, &bad)) {
		snprintf(err, errlen, "unknown configuration key '%s'", key);
		return -1;
	}
	if (bad) {
		snprintf(err, errlen, "%s: bad value '%s'", key, val);
		return -1;
	}
	return 0;
}

static int load_conf(struct corpus_case *c, const char *casepath,
		     const char *name, char *err, size_t errlen)
{
	char path[1024], line[512], msg[400];
	/* tests/packets/<dir>/<case>.case -> tests/packets/conf/NAME.conf */
	const char *slash = strrchr(casepath, '/');
	int dlen = slash ? (int)(slash - casepath) : 1;
	snprintf(path, sizeof(path), "%.*s/../conf/%s.conf", dlen,
		 slash ? casepath : ".", name);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "config '%s': cannot open %s: %s", name,
			 path, strerror(errno));
		return -1;
	}
	int ln = 0, rc = 0;
	while (fgets(line, sizeof(line), f)) {
		ln++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		if (corpus_cfg_line(c, s, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s:%d: %s", path, ln, msg);
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

static int unhex(const char *s, uint8_t **out, uint32_t *len)
{
	size_t n = strlen(s);
	if (n % 2)
		return -1;
	uint8_t *b = malloc(n / 2 + 1);
	if (!b)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (!isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1) {
			free(b);
			return -1;
		}
		b[i] = (uint8_t)v;
	}
	*out = b;
	*len = (uint32_t)(n / 2);
	return 0;
}

/* 'step: DIR t=SECONDS' */
static int step_parse(const char *val, struct corpus_step *st)
{
	char d[16], t[32], extra[2];
	long n;

	if (sscanf(val, "%15s %31s %1s", d, t, extra) != 2)
		return -1;
	if (!strcmp(d, "6to4"))
		st->dir = CORPUS_6TO4;
	else if (!strcmp(d, "4to6"))
		st->dir = CORPUS_4TO6;
	else if (!strcmp(d, "tick"))
		st->dir = CORPUS_TICK;
	else
		return -1;
	if (strncmp(t, "t=", 2) || number(t + 2, 1000000, &n))
		return -1;
	st->t = (uint32_t)n;
	return 0;
}

static int needs_reason(enum xlat_verdict v)
{
	return v == XLAT_ICMP || v == XLAT_PASS || v == XLAT_DROP;
}

/* How many output packets a verdict takes: [lo, hi]. */
static void out_range(enum xlat_verdict v, unsigned hi_frag, unsigned *lo,
		      unsigned *hi)
{
	*lo = *hi = 0;
	if (v == XLAT_FORWARD || v == XLAT_HAIRPIN || v == XLAT_ICMP)
		*lo = *hi = 1;
	else if (v == XLAT_FRAGMENT) {
		*lo = 1;
		*hi = hi_frag;
	}
}

static int check_steps(const char *path, struct corpus_case *c, char *err,
		       size_t errlen)
{
	unsigned lo, hi;

	if (!c->n_steps) {
		snprintf(err, errlen, "%s: mode stateful needs a step", path);
		return -1;
	}
	for (unsigned i = 0; i < c->n_steps; i++) {
		struct corpus_step *st = &c->steps[i];
		const char *why = NULL;
		if (i && st->t < c->steps[i - 1].t)
			why = "time goes back";
		else if (st->dir == CORPUS_TICK) {
			if (st->in)
				why = "a tick takes no 'in'";
			else if (!st->have_expect)
				why = "needs expect";
			else if (st->expect_none && st->n_out)
				why = "expect none takes no 'out'";
			else if (!st->expect_none &&
				 (st->expect != XLAT_ICMP || !st->n_out))
				why = "a tick expects icmp (with out) or none";
			else if (st->reason != XLAT_R_NONE)
				why = "a tick takes reason none";
		} else if (!st->in || !st->have_expect || st->expect_none) {
			why = "needs in and expect (a verdict)";
		} else if (!st->have_reason && needs_reason(st->expect)) {
			why = "this verdict needs a reason";
		} else {
			out_range(st->expect, CORPUS_STEP_MAX_OUT, &lo, &hi);
			if (st->n_out < lo || st->n_out > hi)
				why = "wrong number of 'out' lines";
		}
		if (why) {
			snprintf(err, errlen, "%s:%d: step %u: %s", path,
				 st->line, i + 1, why);
			return -1;
		}
	}
	return 0;
}

int corpus_load(const char *path, struct corpus_case *c, char *err,
		size_t errlen)
{
	char *line = NULL, msg[400];
	size_t cap = 0;
	int ln = 0, rc = -1, have_cfg = 0, have_dir = 0, have_expect = 0;
	int have_reason = 0;
	struct corpus_step *st = NULL; /* the step being read */

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	xlat_cfg_default(&c->cfg);
	c->cfg.icmp_rate = 0; /* the corpus checks rules, not the limiter */
	nat64_cfg_default(&c->ncfg);
	/* small tables, and a sweep that visits every session per tick */
	c->ncfg.max_bib = c->ncfg.max_sessions = 1024;
	c->ncfg.max_subs = 256;
	c->ncfg.sweep_budget = c->ncfg.max_sessions;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		ln++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *colon = strchr(s, ':');
		if (!colon) {
			snprintf(err, errlen, "%s:%d: expected 'key: value'",
				 path, ln);
			goto out;
		}
		*colon = 0;
		char *key = trim(s), *val = trim(colon + 1);
		int bad = 0;
		int per_pkt = !strcmp(key, "dir") || !strcmp(key, "in") ||
			      !strcmp(key, "expect") ||
			      !strcmp(key, "reason") || !strcmp(key, "out");
		if (c->mode == CORPUS_STATEFUL && per_pkt &&
		    (!st || !strcmp(key, "dir"))) {
			snprintf(err, errlen,
				 "%s:%d: '%s' in a stateful case belongs to a "
				 "step ('step: DIR t=N' first; no 'dir')",
				 path, ln, key);
			goto out;
		}
		if (!strcmp(key, "rfc")) {
			snprintf(c->rfc, sizeof(c->rfc), "%s", val);
		} else if (!strcmp(key, "desc")) {
			snprintf(c->desc, sizeof(c->desc), "%s", val);
		} else if (!strcmp(key, "mode")) {
			if (!strcmp(val, "stateful") && !have_dir && !c->in &&
			    !c->steps) {
				c->mode = CORPUS_STATEFUL;
				c->steps =
				    calloc(CORPUS_MAX_STEPS, sizeof(*c->steps));
				if (!c->steps) {
					snprintf(err, errlen,
						 "%s: out of memory", path);
					goto out;
				}
			} else if (strcmp(val, "stateless") ||
				   c->mode == CORPUS_STATEFUL) {
				bad = 1;
			}
		} else if (!strcmp(key, "step")) {
			if (c->mode != CORPUS_STATEFUL) {
				snprintf(err, errlen,
					 "%s:%d: 'step' needs 'mode: stateful' "
					 "before it",
					 path, ln);
				goto out;
			}
			bad = c->n_steps >= CORPUS_MAX_STEPS;
			if (!bad) {
				st = &c->steps[c->n_steps++];
				st->line = ln;
				bad = step_parse(val, st);
			}
		} else if (!strcmp(key, "config")) {
			if (load_conf(c, path, val, err, errlen))
				goto out;
			have_cfg = 1;
		} else if (!strcmp(key, "set")) {
			if (corpus_cfg_line(c, val, msg, sizeof(msg))) {
				snprintf(err, errlen, "%s:%d: set: %s", path,
					 ln, msg);
				goto out;
			}
		} else if (st && !strcmp(key, "in")) {
			bad = st->in || unhex(val, &st->in, &st->in_len);
		} else if (st && !strcmp(key, "expect")) {
			bad = st->have_expect;
			st->have_expect = 1;
			if (st->dir == CORPUS_TICK && !strcmp(val, "none"))
				st->expect_none = 1;
			else
				bad |= corpus_verdict_parse(val, &st->expect);
		} else if (st && !strcmp(key, "reason")) {
			bad = st->have_reason ||
			      corpus_reason_parse(val, &st->reason);
			st->have_reason = 1;
		} else if (st && !strcmp(key, "out")) {
			bad = st->n_out >= CORPUS_STEP_MAX_OUT ||
			      unhex(val, &st->out[st->n_out],
				    &st->out_len[st->n_out]);
			if (!bad)
				st->n_out++;
		} else if (!strcmp(key, "dir")) {
			have_dir = 1;
			if (!strcmp(val, "6to4"))
				c->dir = CORPUS_6TO4;
			else if (!strcmp(val, "4to6"))
				c->dir = CORPUS_4TO6;
			else
				bad = 1;
		} else if (!strcmp(key, "in")) {
			bad = c->in || unhex(val, &c->in, &c->in_len);
		} else if (!strcmp(key, "expect")) {
			bad = corpus_verdict_parse(val, &c->expect);
			have_expect = 1;
		} else if (!strcmp(key, "reason")) {
			bad = corpus_reason_parse(val, &c->reason);
			have_reason = 1;
		} else if (!strcmp(key, "out")) {
			bad = c->n_out >= CORPUS_MAX_OUT ||
			      unhex(val, &c->out[c->n_out],
				    &c->out_len[c->n_out]);
			if (!bad)
				c->n_out++;
		} else {
			snprintf(err, errlen, "%s:%d: unknown key '%s'", path,
				 ln, key);
			goto out;
		}
		if (bad) {
			snprintf(err, errlen, "%s:%d: bad value for '%s'", path,
				 ln, key);
			goto out;
		}
	}
	if (c->mode == CORPUS_STATEFUL) {
		if (!have_cfg || !c->rfc[0]) {
			snprintf(err, errlen, "%s: needs rfc and config", path);
			goto out;
		}
		if (check_steps(path, c, err, errlen))
			goto out;
		if (nat64_cfg_check(&c->ncfg, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s: NAT64 configuration: %s",
				 path, msg);
			goto out;
		}
	} else {
		if (!have_cfg || !have_dir || !have_expect || !c->in ||
		    !c->rfc[0]) {
			snprintf(err, errlen,
				 "%s: needs rfc, config, dir, in and expect",
				 path);
			goto out;
		}
		if (!have_reason && needs_reason(c->expect)) {
			snprintf(err, errlen, "%s: expect %s needs a reason",
				 path, xlat_verdict_name(c->expect));
			goto out;
		}
		if (c->nat64_keys) {
			snprintf(err, errlen,
				 "%s: NAT64 keys (pool4, static-bib, ...) need "
				 "'mode: stateful'",
				 path);
			goto out;
		}
	}
	if (c->eamt)
		eam_build(c->eamt);
	if (xlat_cfg_check(&c->cfg, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: configuration: %s", path, msg);
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	return rc;
}

void corpus_free(struct corpus_case *c)
{
	free(c->in);
	for (unsigned i = 0; i < c->n_out; i++)
		free(c->out[i]);
	for (unsigned i = 0; c->steps && i < c->n_steps; i++) {
		free(c->steps[i].in);
		for (unsigned j = 0; j < c->steps[i].n_out; j++)
			free(c->steps[i].out[j]);
	}
	free(c->steps);
	free(c->eamt);
	memset(c, 0, sizeof(*c));
}

void corpus_hexdiff(FILE *f, const uint8_t *want, uint32_t wlen,
		    const uint8_t *got, uint32_t glen)
{
	uint32_t n = wlen > glen ? wlen : glen;
	fprintf(f, "    offset  want%44sgot\n", "");
	for (uint32_t row = 0; row < n; row += 16) {
		int differs = 0;
		for (uint32_t i = row; i < row + 16 && i < n; i++)
			if (i >= wlen || i >= glen || want[i] != got[i])
				differs = 1;
		fprintf(f, "  %c %04x  ", differs ? '>' : ' ', row);
		for (uint32_t i = row; i < row + 16; i++) {
			if (i < wlen)
				fprintf(f, "%02x", want[i]);
			else
				fprintf(f, "  ");
			fputc(i < glen && i < wlen && want[i] != got[i] ? '*'
									: ' ',
			      f);
		}
		fprintf(f, "  ");
		for (uint32_t i = row; i < row + 16 && i < glen; i++)
			fprintf(f, "%02x ", got[i]);
		fputc('\n', f);
	}
}
