/*
 * xlat.c - the translator's entry points: configuration, contexts, the
 * fast path, counters and IPv6 fragmentation.  The general path is in
 * xlat_4to6.c and xlat_6to4.c, the ICMP errors it generates in
 * xlat_icmp.c, header validation in xlat_parse.c.  docs/translation.md
 * states every rule; the golden corpus checks them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xlat_fast.h"
#include "xlat_priv.h"

static const char *const reason_names[] = {
#define X(e, n, x) n,
    XLAT_REASON_LIST(X)
#undef X
};

static const char *const reason_explain[] = {
#define X(e, n, x) x,
    XLAT_REASON_LIST(X)
#undef X
};

const char *xlat_reason_name(enum xlat_reason r)
{
	return (unsigned)r < XLAT_R_MAX ? reason_names[r] : "?";
}

const char *xlat_reason_explain(enum xlat_reason r)
{
	return (unsigned)r < XLAT_R_MAX ? reason_explain[r] : "?";
}

const char *xlat_verdict_name(enum xlat_verdict v)
{
	static const char *const n[] = {"forward", "hairpin", "fragment",
					"icmp",	   "pass",    "drop"};
	return (unsigned)v < XLAT_VERDICT_MAX ? n[v] : "?";
}

void xlat_cfg_default(struct xlat_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->lowest_ipv6_mtu = IPV6_MIN_MTU;
	cfg->ipv6_mtu = 1500;
	cfg->ipv4_mtu = 1500;
	cfg->udp_zero_csum = XLAT_UDP0_COMPUTE;
	cfg->icmp_errors = 1;
	cfg->eam_hairpin = 1;
	cfg->icmp_rate = 100;
	cfg->icmp_burst = 10;
}

int xlat_cfg_check(const struct xlat_cfg *cfg, char *err, size_t errlen)
{
	if (cfg->pool6.len && !rfc6052_len_valid(cfg->pool6.len)) {
		snprintf(err, errlen,
			 "pool6 prefix length /%u: RFC 6052 §2.2 allows only "
			 "32, 40, 48, 56, 64 or 96",
			 cfg->pool6.len);
		return -EINVAL;
	}
	if (cfg->pool6.len) {
		for (int i = 0; i < 16; i++) {
			if (i * 8 >= cfg->pool6.len && cfg->pool6.addr[i]) {
				snprintf(err, errlen,
					 "pool6 prefix has bits set beyond "
					 "/%u: write the network address",
					 cfg->pool6.len);
				return -EINVAL;
			}
		}
		if (cfg->pool6.len == 96 && cfg->pool6.addr[8]) {
			snprintf(err, errlen,
				 "pool6 /96 has a non-zero u-octet (bits "
				 "64-71, RFC 6052 §2.2)");
			return -EINVAL;
		}
	}
	if (cfg->lowest_ipv6_mtu < IPV6_MIN_MTU ||
	    cfg->lowest_ipv6_mtu > cfg->ipv6_mtu) {
		snprintf(err, errlen,
			 "lowest-ipv6-mtu %u: must be at least 1280 (RFC 8200 "
			 "§5) and at most ipv6-mtu (%u)",
			 cfg->lowest_ipv6_mtu, cfg->ipv6_mtu);
		return -EINVAL;
	}
	if (cfg->ipv4_mtu < IP4_DF_LIMIT) {
		snprintf(err, errlen,
			 "ipv4-mtu %u: must be at least 1260 (RFC 7915 §5: "
			 "IPv6 packets up to 1280 bytes become IPv4 packets "
			 "up to 1260 bytes that gate64 does not fragment)",
			 cfg->ipv4_mtu);
		return -EINVAL;
	}
	if (cfg->pool6791_n > XLAT_POOL6791_MAX) {
		snprintf(err, errlen, "pool6791: at most %d addresses",
			 XLAT_POOL6791_MAX);
		return -EINVAL;
	}
	return 0;
}

void xlat_ctx_set_cfg(struct xlat_ctx *ctx, const struct xlat_cfg *cfg,
		      const struct xlat_eamt *eamt)
{
	ctx->cfg = cfg;
	ctx->eamt = eamt && eamt->n ? eamt : NULL;
	rfc6052_pfx_init(&ctx->pool6, cfg->pool6.addr, cfg->pool6.len);
	ctx->fast = ctx->pool6.len == 96 && !ctx->eamt;
}

void xlat_ctx_init(struct xlat_ctx *ctx, const struct xlat_cfg *cfg,
		   const struct xlat_eamt *eamt, struct xlat_stats *st,
		   uint32_t seed)
{
	memset(ctx, 0, sizeof(*ctx));
	xlat_ctx_set_cfg(ctx, cfg, eamt);
	ctx->st = st;
	ctx->rnd = seed ? seed : 0x9e3779b9u;
	ctx->icmp_tokens = cfg->icmp_burst;
}

/* ---------------------------------------------------------------------
 * The fast path (xlat_fast.h, shared with the XDP program): the packet
 * moves to the new header's start when it is translated.
 */

XLAT_INLINE int fast_6to4_pkt(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
			      const struct xlat_map *m)
{
	uint32_t tot4 = fast_6to4(ctx, pkt->data, pkt->data + pkt->len, m);
	if (!tot4)
		return 0;
	pkt->data += XLAT_IP6_HLEN - XLAT_IP4_HLEN;
	pkt->len = tot4;
	return 1;
}

XLAT_INLINE int fast_4to6_pkt(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
			      const struct xlat_map *m)
{
	struct fast_46 f;
	if (!fast_4to6_check(ctx, pkt->data, pkt->data + pkt->len, m, &f))
		return 0;
	pkt->data -= XLAT_IP6_HLEN - XLAT_IP4_HLEN; /* into the headroom */
	pkt->len = XLAT_IP6_HLEN + f.l4len;
	fast_4to6_write(ctx, pkt->data, pkt->data + pkt->len, &f, m);
	return 1;
}

/* ---------------------------------------------------------------------
 * Entry points
 */

/* The general path and its counting, out of line: the fast path then
 * needs no registers saved across a call. */
__attribute__((noinline)) static enum xlat_verdict
general(struct xlat_ctx *ctx, struct xlat_pkt *pkt, enum xlat_reason *reason,
	int to4)
{
	enum xlat_verdict v = to4 ? xlat_do_6to4(ctx, pkt, reason)
				  : xlat_do_4to6(ctx, pkt, reason);
	ctx->st->verdict[v]++;
	if (*reason) /* reason[NONE] = forward + hairpin + fragment */
		ctx->st->reason[*reason]++;
	return v;
}

enum xlat_verdict xlat_6to4(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
			    enum xlat_reason *reason)
{
	ctx->st->in[0]++;
	if (ctx->fast && fast_6to4_pkt(ctx, pkt, NULL)) {
		*reason = XLAT_R_NONE;
		ctx->st->verdict[XLAT_FORWARD]++;
		return XLAT_FORWARD;
	}
	return general(ctx, pkt, reason, 1);
}

enum xlat_verdict xlat_4to6(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
			    enum xlat_reason *reason)
{
	ctx->st->in[1]++;
	if (ctx->fast && fast_4to6_pkt(ctx, pkt, NULL)) {
		*reason = XLAT_R_NONE;
		ctx->st->verdict[XLAT_FORWARD]++;
		return XLAT_FORWARD;
	}
	return general(ctx, pkt, reason, 0);
}

enum xlat_verdict xlat_6to4_map(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				const struct xlat_map *m,
				enum xlat_reason *reason)
{
	ctx->st->in[0]++;
	if (ctx->fast && fast_6to4_pkt(ctx, pkt, m)) {
		*reason = XLAT_R_NONE;
		ctx->st->verdict[XLAT_FORWARD]++;
		return XLAT_FORWARD;
	}
	ctx->map = m;
	enum xlat_verdict v = general(ctx, pkt, reason, 1);
	ctx->map = NULL;
	return v;
}

enum xlat_verdict xlat_4to6_map(struct xlat_ctx *ctx, struct xlat_pkt *pkt,
				const struct xlat_map *m,
				enum xlat_reason *reason)
{
	ctx->st->in[1]++;
	if (ctx->fast && fast_4to6_pkt(ctx, pkt, m)) {
		*reason = XLAT_R_NONE;
		ctx->st->verdict[XLAT_FORWARD]++;
		return XLAT_FORWARD;
	}
	ctx->map = m;
	enum xlat_verdict v = general(ctx, pkt, reason, 0);
	ctx->map = NULL;
	return v;
}

void xlat_6to4_burst(struct xlat_ctx *ctx, struct xlat_pkt *pkts, unsigned n,
		     uint8_t *verdicts)
{
	enum xlat_reason r;
	for (unsigned i = 0; i < n; i++)
		verdicts[i] = (uint8_t)xlat_6to4(ctx, &pkts[i], &r);
}

void xlat_4to6_burst(struct xlat_ctx *ctx, struct xlat_pkt *pkts, unsigned n,
		     uint8_t *verdicts)
{
	enum xlat_reason r;
	for (unsigned i = 0; i < n; i++)
		verdicts[i] = (uint8_t)xlat_4to6(ctx, &pkts[i], &r);
}

int xlat_frag6(struct xlat_ctx *ctx, const struct xlat_pkt *pkt,
	       struct xlat_pkt *out, unsigned n_out)
{
	const uint32_t h = XLAT_IP6_HLEN + XLAT_FRAG_HLEN;
	uint32_t maxpay = (ctx->cfg->lowest_ipv6_mtu - h) & ~7u;
	const struct xlat_ip6_frag *f =
	    (const struct xlat_ip6_frag *)(pkt->data + XLAT_IP6_HLEN);
	uint16_t om = xlat_ntohs(f->off_m);
	uint32_t pay = pkt->len - h;
	unsigned n = (pay + maxpay - 1) / maxpay;

	if (pkt->len < h || n > n_out)
		return -ENOSPC;
	for (unsigned i = 0; i < n; i++) {
		uint32_t chunk = i + 1 < n ? maxpay : pay - i * maxpay;
		uint8_t *d = out[i].data;
		memcpy(d, pkt->data, h);
		memcpy(d + h, pkt->data + h + i * maxpay, chunk);
		struct xlat_ip6 *ip = (struct xlat_ip6 *)d;
		ip->plen = xlat_htons((uint16_t)(XLAT_FRAG_HLEN + chunk));
		struct xlat_ip6_frag *nf =
		    (struct xlat_ip6_frag *)(d + XLAT_IP6_HLEN);
		uint16_t off = (uint16_t)((om >> 3) + i * maxpay / 8);
		int more = i + 1 < n ? 1 : (om & XLAT_IP6F_MORE);
		nf->off_m = xlat_htons((uint16_t)(off << 3 | more));
		out[i].len = h + chunk;
	}
	ctx->st->frags_out += n;
	return (int)n;
}
