/*
 * xlat_inline_bpf.c - proof that the core's shared inline headers compile
 * with clang -target bpf (docs/architecture.md: one core, three compilers).
 * Built by make test; the XDP program (bpf/) will include the same headers.
 * Dual BSD/GPL, like every BPF object of gate64.
 */
#include "dataplane/xlat/csum.h"
#include "dataplane/xlat/hdr.h"
#include "dataplane/xlat/icmp_map.h"
#include "dataplane/xlat/rfc6052.h"
#include "dataplane/xlat/xlat_reason.h"

char _license[] __attribute__((section("license"), used)) = "Dual BSD/GPL";

struct xdp_md_min {
	uint32_t data;
	uint32_t data_end;
};

/* A 6to4 UDP header step as the XDP program will do it: bounds checked
 * against data_end, then the shared arithmetic. */
__attribute__((section("xdp"), used)) int
xlat_inline_probe(struct xdp_md_min *ctx)
{
	uint8_t *data = (uint8_t *)(unsigned long)ctx->data;
	uint8_t *end = (uint8_t *)(unsigned long)ctx->data_end;
	static const uint8_t wkp[16] = {0x00, 0x64, 0xff, 0x9b};
	struct xlat_ip6 *ip6 = (struct xlat_ip6 *)data;
	uint32_t s4, d4;

	if (data + XLAT_IP6_HLEN + sizeof(struct xlat_udp) > end)
		return XLAT_R_TRUNCATED;
	if (!rfc6052_match(wkp, 96, ip6->daddr) ||
	    rfc6052_extract(96, ip6->daddr, &d4) ||
	    rfc6052_extract(96, ip6->saddr, &s4))
		return XLAT_R_DST_NOT_OURS;
	if (ip4_is_reserved(d4) || ip4_is_nonglobal(d4))
		return XLAT_R_ADDR_RESERVED;
	struct xlat_udp *u = (struct xlat_udp *)(data + XLAT_IP6_HLEN);
	uint32_t rem = csum_addr6(ip6->saddr) + csum_addr6(ip6->daddr);
	u->csum =
	    csum_update_udp(u->csum, rem, csum_addr4(s4) + csum_addr4(d4));
	uint8_t t, c;
	enum icmp_rest rest;
	if (icmp_map_6to4(data[0], data[1], &t, &c, &rest))
		return XLAT_R_ICMP_TYPE;
	return (int)icmp_mtu_plateau(d4 & 0xffff) + t + c;
}
