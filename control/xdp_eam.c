/*
 * xdp_eam.c - the XDP program's EAM tries from the core's table.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "control/xdp_eam.h"

static void key4_of(const struct xlat_eam *e, struct xdp_eam4_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = e->v4len;
	k->addr = xlat_htonl(e->v4);
}

static void key6_of(const struct xlat_eam *e, struct xdp_eam6_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = e->v6len;
	memcpy(k->addr, e->v6, 16);
}

static int in4(const struct xlat_eamt *t, const struct xdp_eam4_key *k)
{
	for (uint32_t i = 0; t && i < t->n; i++) {
		struct xdp_eam4_key o;
		key4_of(&t->by4[i], &o);
		if (!memcmp(&o, k, sizeof(o)))
			return 1;
	}
	return 0;
}

static int in6(const struct xlat_eamt *t, const struct xdp_eam6_key *k)
{
	for (uint32_t i = 0; t && i < t->n; i++) {
		struct xdp_eam6_key o;
		key6_of(&t->by4[i], &o);
		if (!memcmp(&o, k, sizeof(o)))
			return 1;
	}
	return 0;
}

union eam_key {
	struct xdp_eam4_key k4;
	struct xdp_eam6_key k6;
};

/* Delete every key of the trie at fd that is not in t.  An LPM trie's
 * get_next_key walks from a key that still exists, so the stale keys are
 * collected first (at most XDP_EAM_MAX), then deleted. */
static int prune(int fd, const struct xlat_eamt *t, int v6)
{
	static union eam_key stale[XDP_EAM_MAX];
	union eam_key cur, next;
	unsigned n = 0;
	int first = 1;

	for (unsigned guard = 0; guard <= 2 * XDP_EAM_MAX; guard++) {
		memset(&next, 0, sizeof(next));
		if (bpf_map_get_next_key(fd, first ? NULL : &cur, &next)) {
			if (errno != ENOENT)
				return -errno;
			break;
		}
		first = 0;
		cur = next;
		int keep = v6 ? in6(t, &cur.k6) : in4(t, &cur.k4);
		if (!keep && n < XDP_EAM_MAX)
			stale[n++] = cur;
	}
	for (unsigned i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, &stale[i]) && errno != ENOENT)
			return -errno;
	return 0;
}

static int fill(int map4_fd, int map6_fd, const struct xlat_eamt *t)
{
	for (uint32_t i = 0; t && i < t->n; i++) {
		const struct xlat_eam *e = &t->by4[i];
		struct xdp_eam4_key k4;
		struct xdp_eam6_key k6;
		struct xlat_eam v;

		memset(&v, 0, sizeof(v)); /* the padding too */
		v.v4 = e->v4;
		v.v4len = e->v4len;
		v.v6len = e->v6len;
		memcpy(v.v6, e->v6, 16);
		key4_of(e, &k4);
		key6_of(e, &k6);
		if (bpf_map_update_elem(map4_fd, &k4, &v, BPF_ANY) ||
		    bpf_map_update_elem(map6_fd, &k6, &v, BPF_ANY))
			return -errno;
	}
	int rc = prune(map4_fd, t, 0);
	return rc ? rc : prune(map6_fd, t, 1);
}

int xdp_eam_fill(int map4_fd, int map6_fd, int on_fd, const struct xlat_eamt *t)
{
	uint32_t zero = 0, on = 1;
	int rc = fill(map4_fd, map6_fd, t);

	if (!rc && bpf_map_update_elem(on_fd, &zero, &on, BPF_ANY))
		rc = -errno;
	if (rc) {
		on = 0;
		bpf_map_update_elem(on_fd, &zero, &on, BPF_ANY);
	}
	return rc;
}
