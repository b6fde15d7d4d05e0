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

/* ---- per association and per path parameters ---- */

static braid_assoc *by_id_live(braid_endpoint *ep, braid_assoc_id id)
{
    for (braid_assoc *a = ep->assocs; a; a = a->next)
        if (a->id == id)
            return a->freeing ? NULL : a;
    return NULL;
}

int braid_path_params_get(const braid_endpoint *ep, braid_assoc_id id, const braid_addr *addr,
                          braid_path_params *p)
{
    const braid_assoc *a = by_id(ep, id);
    if (!a || a->freeing)
        return BRAID_ERR_NOTFOUND;
    if (!addr) {
        *p = a->pp;
        return 0;
    }
    int d = braid_assoc_find_dest(a, addr);
    if (d < 0)
        return BRAID_ERR_NOTFOUND;
    *p = a->dests[d].pp;
    return 0;
}

/* A changed heartbeat setting takes effect now: a shorter interval brings
 * the next heartbeat forward, heartbeats off stop it (one outstanding still
 * times out). Unconfirmed paths are probed every RTO regardless (§5.4). */
static void hb_reschedule(braid_assoc *a, braid_dest *d, uint64_t now)
{
    if (a->state < BRAID_STATE_ESTABLISHED || !d->confirmed || d->hb_outstanding)
        return;
    uint64_t next = braid_assoc_hb_next(a, d, now);
    if (!d->pp.hb_on || next < d->hb_at)
        d->hb_at = next;
}

int braid_path_params_set(braid_endpoint *ep, braid_assoc_id id, const braid_addr *addr,
                          const braid_path_params *p, uint64_t now)
{
    braid_assoc *a = by_id_live(ep, id);
    if (!a)
        return BRAID_ERR_NOTFOUND;
    if (p->pmtu < BRAID_MIN_PMTU || p->pmtu > 65535 || p->sack_freq == 0)
        return BRAID_ERR_INVAL;
    if (!addr) {
        a->pp = *p;
    } else {
        int i = braid_assoc_find_dest(a, addr);
        if (i < 0)
            return BRAID_ERR_NOTFOUND;
        braid_dest *d = &a->dests[i];
        d->pp = *p;
        d->cc.mtu = p->pmtu;
        hb_reschedule(a, d, now);
    }
    braid_assoc_sync_pmtu(a);
    return 0;
}

int braid_assoc_heartbeat(braid_endpoint *ep, braid_assoc_id id, const braid_addr *addr,
                          uint64_t now)
{
    braid_assoc *a = by_id_live(ep, id);
    if (!a)
        return BRAID_ERR_NOTFOUND;
    int i = braid_assoc_find_dest(a, addr);
    if (i < 0)
        return BRAID_ERR_NOTFOUND;
    /* a HEARTBEAT needs the peer's tag; once SHUTDOWN or SHUTDOWN ACK is
     * out, T2 watches the peer (as hb_due) */
    if (a->state < BRAID_STATE_ESTABLISHED || a->state == BRAID_STATE_SHUTDOWN_SENT ||
        a->state == BRAID_STATE_SHUTDOWN_ACK_SENT)
        return BRAID_ERR_STATE;
    braid_dest *d = &a->dests[i];
    d->hb_due_send = true;
    /* unanswered within an RTO (plus the interval), it counts as an error */
    d->hb_at = now + d->rtt.rto + (d->pp.hb_on ? d->pp.hb_interval_ns : 0);
    return 0;
}

int braid_assoc_set_primary(braid_endpoint *ep, braid_assoc_id id, const braid_addr *addr)
{
    braid_assoc *a = by_id_live(ep, id);
    if (!a)
        return BRAID_ERR_NOTFOUND;
    int i = braid_assoc_find_dest(a, addr);
    if (i < 0)
        return BRAID_ERR_NOTFOUND;
    a->primary = (unsigned)i;
    /* RFC 6458 §6.1.2: SCTP_ADDR_MADE_PRIM (Linux reports it on every set) */
    braid_event *ev = braid_ep_push_event(ep, BRAID_EV_PEER_ADDR_CHANGE, a->id);
    if (ev) {
        ev->u.paddr.addr = a->dests[i].addr;
        ev->u.paddr.port = a->peer_port;
        ev->u.paddr.state = BRAID_ADDR_MADE_PRIM;
        ev->u.paddr.error = 0;
    }
    return 0;
}

int braid_assoc_set_max_seg(braid_endpoint *ep, braid_assoc_id id, uint32_t max_seg)
{
    braid_assoc *a = by_id_live(ep, id);
    if (!a)
        return BRAID_ERR_NOTFOUND;
    a->max_seg = max_seg;
    return 0;
}

int braid_assoc_set_rcv_context(braid_endpoint *ep, braid_assoc_id id, uint32_t context)
{
    braid_assoc *a = by_id_live(ep, id);
    if (!a)
        return BRAID_ERR_NOTFOUND;
    a->rcv_context = context;
    return 0;
}

int braid_assoc_stats_peek(const braid_endpoint *ep, braid_assoc_id id, braid_assoc_stats *out)
{
    for (const braid_assoc *x = ep->assocs; x; x = x->next)
        if (x->id == id) {
            *out = x->stats;
            return 0;
        }
    return BRAID_ERR_NOTFOUND;
}

int braid_assoc_stats_get(braid_endpoint *ep, braid_assoc_id id, braid_assoc_stats *out)
{
    braid_assoc *a = NULL;
    for (braid_assoc *x = ep->assocs; x; x = x->next)
        if (x->id == id)
            a = x;
    if (!a)
        return BRAID_ERR_NOTFOUND;
    *out = a->stats;
    /* a new observation period starts at RTO.Min (as Linux) */
    a->stats.max_rto_ns = ep->cfg.rto_min_ns;
    return 0;
}
