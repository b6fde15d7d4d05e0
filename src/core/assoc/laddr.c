/*
 * The local addresses of an endpoint bound to the wildcard (no address in
 * its settings): which of the host's addresses (hooks.host_addrs) an
 * association announces in its INIT / INIT ACK (RFC 9260 §5.1.2), and the
 * source of each of its paths, always one of them: a peer never sees a
 * source it was not told about (RFC 9260 §8.4: a packet from an unknown
 * address is out of the blue), and no local/remote pair is heartbeated from
 * an address that was never announced.
 *
 * Scope rules as Linux's (sctp_scope, sctp_in_scope with the default
 * scope_policy 1, sctp_copy_local_addr_list, sctp_bind_addr_copy): an
 * address is listed when its scope (global < private < link < loopback)
 * is no narrower than the peer's: loopback addresses only for a loopback
 * peer, link-local ones only for link-local (and loopback) peers, private
 * ones (10/8, 172.16/12, 192.168/16, 198.18/15; IPv6 site-local) not for
 * a global peer, unless nothing else is left (Linux's fallback "behind a
 * NAT": then link scope). Unusable ones (0/8, multicast, broadcast) never.
 * Three differences: a loopback peer gets loopback addresses only (Linux
 * lists every address of the host to it: paths that all end on this host
 * add nothing but heartbeats and PEER_ADDR_CHANGE notifications), only the
 * peer's family is listed (Linux lists IPv6 addresses to IPv4 peers of an
 * IPv6 socket too), and never an IPv6 link-local address (braid_addr has
 * no interface index to reach one).
 * The address the packet is sent from (the INIT's, the one the INIT
 * arrived at for the INIT ACK) comes first and is always there: the peer
 * takes the source address anyway (§5.1.2).
 */
#include "internal.h"

enum { SCOPE_GLOBAL, SCOPE_PRIVATE, SCOPE_LINK, SCOPE_LOOPBACK, SCOPE_UNUSABLE };

static int scope_of(const braid_addr *a)
{
    const uint8_t *ip = a->ip;
    if (a->family == 4) {
        if (ip[0] == 0 || ip[0] >= 224 || (ip[0] == 255 && ip[1] == 255))
            return SCOPE_UNUSABLE;
        if (ip[0] == 127)
            return SCOPE_LOOPBACK;
        if (ip[0] == 169 && ip[1] == 254)
            return SCOPE_LINK;
        if (ip[0] == 10 || (ip[0] == 172 && (ip[1] & 0xf0) == 16) ||
            (ip[0] == 192 && ip[1] == 168) || (ip[0] == 198 && (ip[1] & 0xfe) == 18))
            return SCOPE_PRIVATE;
        return SCOPE_GLOBAL;
    }
    if (a->family == 6) {
        static const uint8_t lo[16] = {[15] = 1}, any[16];
        if (!memcmp(ip, lo, 16))
            return SCOPE_LOOPBACK;
        if (!memcmp(ip, any, 16) || ip[0] == 0xff)
            return SCOPE_UNUSABLE;
        if (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80)
            return SCOPE_LINK;
        if (ip[0] == 0xfe && (ip[1] & 0xc0) == 0xc0)
            return SCOPE_PRIVATE; /* site-local */
        static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
        if (!memcmp(ip, mapped, 12))
            return SCOPE_UNUSABLE; /* never an interface's */
        return SCOPE_GLOBAL;
    }
    return SCOPE_UNUSABLE;
}

static bool listed(const braid_addr *list, unsigned n, const braid_addr *a)
{
    for (unsigned i = 0; i < n; i++)
        if (braid_addr_equal_ip(&list[i], a))
            return true;
    return false;
}

static unsigned pick_scope(const braid_addr *host, unsigned nh, int family, int scope,
                           braid_addr *out, unsigned n)
{
    for (unsigned i = 0; i < nh && n < BRAID_MAX_ADDRS; i++) {
        const braid_addr *h = &host[i];
        int s = scope_of(h);
        if (h->family != family || s == SCOPE_UNUSABLE || s > scope || listed(out, n, h))
            continue;
        if (scope == SCOPE_LOOPBACK && s != SCOPE_LOOPBACK)
            continue; /* a loopback peer: the host's other addresses add nothing */
        if (family == 6 && s == SCOPE_LINK)
            continue; /* no interface index in braid_addr: unreachable */
        out[n] = *h;
        out[n].udp_port = 0;
        n++;
    }
    return n;
}

unsigned braid_laddr_pick(braid_endpoint *ep, const braid_addr *peer, const braid_addr *first,
                          braid_addr *out)
{
    if (ep->cfg.n_local_addrs || !ep->hooks.host_addrs)
        return 0;
    braid_addr host[64];
    unsigned nh = ep->hooks.host_addrs(ep->hooks.user, host, 64);
    if (nh > 64)
        nh = 64;
    unsigned n = 0;
    if (first && (first->family == 4 || first->family == 6) && scope_of(first) != SCOPE_UNUSABLE) {
        out[0] = *first;
        n = 1;
    }
    int scope = scope_of(peer);
    if (scope == SCOPE_UNUSABLE)
        return n;
    unsigned before = n;
    n = pick_scope(host, nh, peer->family, scope, out, n);
    if (n == before && scope == SCOPE_GLOBAL) /* Linux: "behind a NAT" */
        n = pick_scope(host, nh, peer->family, SCOPE_LINK, out, n);
    return n;
}

int braid_laddr_for(braid_assoc *a, const braid_addr *remote)
{
    braid_endpoint *ep = a->ep;
    if (ep->hooks.route_src) {
        braid_addr src;
        if (ep->hooks.route_src(ep->hooks.user, remote, &src) == 0)
            for (unsigned i = 0; i < a->n_laddrs; i++)
                if (braid_addr_equal_ip(&a->laddrs[i], &src))
                    return (int)i;
    }
    for (unsigned i = 0; i < a->n_laddrs; i++)
        if (a->laddrs[i].family == remote->family)
            return (int)i;
    return -1;
}

void braid_laddr_setup(braid_assoc *a, const braid_addr *peer, const braid_addr *first)
{
    braid_addr keep = first ? *first : (braid_addr){0};
    a->n_laddrs = braid_laddr_pick(a->ep, peer, first ? &keep : NULL, a->laddrs);
    for (unsigned i = 0; i < a->n_laddrs; i++) /* all on the UDP port the packet used */
        a->laddrs[i].udp_port = keep.udp_port;
    for (unsigned i = 0; i < a->n_dests; i++) {
        int l = braid_laddr_for(a, &a->dests[i].addr);
        a->dests[i].local_idx = l >= 0 ? (unsigned)l : 0;
    }
}
