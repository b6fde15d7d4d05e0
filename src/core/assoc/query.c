/* Queries and settings used by the sockets layer: readiness per
 * association, send space, accepting, settings updates. */
#include "internal.h"

static const braid_assoc *by_id(const braid_endpoint *ep, braid_assoc_id id)
{
    for (const braid_assoc *a = ep->assocs; a; a = a->next)
        if (a->id == id)
            return a;
    return NULL;
}

int braid_assoc_readable(const braid_endpoint *ep, braid_assoc_id id)
{
    const braid_assoc *a = by_id(ep, id);
    return a && braid_assoc_unread(a);
}

braid_assoc_id braid_next_readable(const braid_endpoint *ep, braid_assoc_id after)
{
    braid_assoc_id best = 0;
    for (const braid_assoc *a = ep->assocs; a; a = a->next)
        if (a->id > after && (best == 0 || a->id < best) && braid_assoc_unread(a))
            best = a->id;
    return best;
}

braid_assoc_id braid_next_assoc(const braid_endpoint *ep, braid_assoc_id after)
{
    braid_assoc_id best = 0;
    for (const braid_assoc *a = ep->assocs; a; a = a->next)
        if (a->id > after && (best == 0 || a->id < best) && !a->freeing)
            best = a->id;
    return best;
}

size_t braid_assoc_send_space(const braid_endpoint *ep, braid_assoc_id id)
{
    const braid_assoc *a = by_id(ep, id);
    if (!a || a->freeing || !a->outq.ring)
        return 0;
    size_t used = a->outq.buffered_bytes;
    return used >= ep->cfg.sndbuf ? 0 : ep->cfg.sndbuf - used;
}

void braid_endpoint_set_accept(braid_endpoint *ep, int accept)
{
    ep->accept = accept != 0;
}

void braid_endpoint_get_settings(const braid_endpoint *ep, braid_settings *s)
{
    *s = ep->cfg;
}

int braid_endpoint_update_settings(braid_endpoint *ep, const braid_settings *s)
{
    if (braid_settings_check(s) < 0)
        return BRAID_ERR_INVAL;
    braid_settings keep = ep->cfg;
    ep->cfg = *s;
    /* what an endpoint cannot change once it runs */
    ep->cfg.local_port = keep.local_port;
    ep->cfg.n_local_addrs = keep.n_local_addrs;
    memcpy(ep->cfg.local_addrs, keep.local_addrs, sizeof keep.local_addrs);
    for (braid_assoc *a = ep->assocs; a; a = a->next)
        for (unsigned i = 0; i < a->n_dests; i++) {
            a->dests[i].rtt.rto_min = s->rto_min_ns;
            a->dests[i].rtt.rto_max = s->rto_max_ns;
        }
    return 0;
}

braid_assoc_id braid_find_assoc(braid_endpoint *ep, const braid_addr *peer, uint16_t port)
{
    braid_assoc *a = braid_ep_find_assoc(ep, peer, port);
    return a ? a->id : 0;
}

int braid_assoc_peer(const braid_endpoint *ep, braid_assoc_id id, braid_addr *addr, uint16_t *port)
{
    const braid_assoc *a = by_id(ep, id);
    if (!a || a->n_dests == 0)
        return BRAID_ERR_NOTFOUND;
    *addr = a->dests[a->primary].addr;
    *port = a->peer_port;
    return 0;
}

int braid_endpoint_busy(const braid_endpoint *ep)
{
    for (const braid_assoc *a = ep->assocs; a; a = a->next)
        if (!a->freeing || a->ctl)
            return 1;
    return 0;
}
