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
	} else {
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

int corpus_load(const char *path, struct corpus_case *c, char *err,
		size_t errlen)
{
	char *line = NULL, msg[400];
	size_t cap = 0;
	int ln = 0, rc = -1, have_cfg = 0, have_dir = 0, have_expect = 0;
	int have_reason = 0;

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	xlat_cfg_default(&c->cfg);
	c->cfg.icmp_rate = 0; /* the corpus checks rules, not the limiter */
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
		if (!strcmp(key, "rfc")) {
			snprintf(c->rfc, sizeof(c->rfc), "%s", val);
		} else if (!strcmp(key, "desc")) {
			snprintf(c->desc, sizeof(c->desc), "%s", val);
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
	if (!have_cfg || !have_dir || !have_expect || !c->in || !c->rfc[0]) {
		snprintf(err, errlen,
			 "%s: needs rfc, config, dir, in and expect", path);
		goto out;
	}
	if (!have_reason && (c->expect == XLAT_ICMP || c->expect == XLAT_PASS ||
			     c->expect == XLAT_DROP)) {
		snprintf(err, errlen, "%s: expect %s needs a reason", path,
			 xlat_verdict_name(c->expect));
		goto out;
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
