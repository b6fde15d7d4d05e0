/*
 * Core events turned into RFC 6458 §6.1 notifications, queued on the socket
 * that owns the association and read in line with data (MSG_NOTIFICATION).
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bnote *push(bsock *s, sctp_assoc_t assoc, const void *data, size_t len, bool mark)
{
    bnote *n = wmem_alloc(sizeof *n + len);
    if (!n)
        return NULL;
    n->next = NULL;
    n->assoc = assoc;
    n->len = (uint32_t)len;
    n->mark = mark;
    memset(&n->peer, 0, sizeof n->peer);
    n->peer_port = 0;
    if (!mark && s->st->ep)
        braid_assoc_peer(s->st->ep, (braid_assoc_id)assoc, &n->peer, &n->peer_port);
    if (len)
        memcpy(n->data, data, len);
    if (s->ntail)
        s->ntail->next = n;
    else
        s->nhead = n;
    s->ntail = n;
    s->n_notes++;
    stack_mark(s->st);
    return n;
}

void note_push(bsock *s, sctp_assoc_t assoc, const void *data, size_t len)
{
    push(s, assoc, data, len, false);
}

void note_push_data(bsock *s, sctp_assoc_t assoc)
{
    for (bnote *n = s->nhead; n; n = n->next)
        if (n->mark && n->assoc == assoc)
            return;
    if (!push(s, assoc, NULL, 0, true)) {
        /* no memory for the mark: the data would never be read; the
         * association is aborted rather than stalled (a counter in the
         * core and a log line tell) */
        braid_assoc_abort(s->st->ep, (braid_assoc_id)assoc, NULL, 0, 0);
    }
}

void note_drop_data(bsock *s, sctp_assoc_t assoc)
{
    bnote *prev = NULL;
    for (bnote *n = s->nhead; n; prev = n, n = n->next)
        if (n->mark && n->assoc == assoc) {
            if (prev)
                prev->next = n->next;
            else
                s->nhead = n->next;
            if (s->ntail == n)
                s->ntail = prev;
            s->n_notes--;
            wmem_free(n);
            return;
        }
}

void note_free_all(bsock *s)
{
    while (s->nhead) {
        bnote *n = s->nhead;
        s->nhead = n->next;
        wmem_free(n);
    }
    s->ntail = NULL;
    s->n_notes = 0;
}

static uint16_t assoc_state(braid_assoc_change_state st)
{
    switch (st) {
    case BRAID_COMM_UP: return SCTP_COMM_UP;
    case BRAID_COMM_LOST: return SCTP_COMM_LOST;
    case BRAID_RESTART: return SCTP_RESTART;
    case BRAID_SHUTDOWN_COMP: return SCTP_SHUTDOWN_COMP;
    default: return SCTP_CANT_STR_ASSOC;
    }
}

static int paddr_state(braid_paddr_state st)
{
    switch (st) {
    case BRAID_ADDR_AVAILABLE: return SCTP_ADDR_AVAILABLE;
    case BRAID_ADDR_UNREACHABLE: return SCTP_ADDR_UNREACHABLE;
    case BRAID_ADDR_REMOVED: return SCTP_ADDR_REMOVED;
    case BRAID_ADDR_ADDED: return SCTP_ADDR_ADDED;
    case BRAID_ADDR_MADE_PRIM: return SCTP_ADDR_MADE_PRIM;
    default: return SCTP_ADDR_CONFIRMED;
    }
}

/* Both send-failed forms: the fixed structure, then as much of the
 * undelivered message as fits; ssf_length (same offset in both) says how
 * long the whole is. */
_Static_assert(offsetof(struct sctp_send_failed, ssf_length) ==
                   offsetof(struct sctp_send_failed_event, ssf_length),
               "ssf_length at one offset in both forms");

static size_t with_data(uint8_t *buf, size_t cap, const void *hdr, size_t hl, const braid_event *ev)
{
    if (hl > cap)
        return 0;
    size_t dl = ev->u.send_failed.len;
    if (hl + dl > cap)
        dl = cap - hl;
    memcpy(buf, hdr, hl);
    uint32_t total = (uint32_t)(hl + dl);
    memcpy(buf + offsetof(struct sctp_send_failed, ssf_length), &total, sizeof total);
    if (dl)
        memcpy(buf + hl, ev->u.send_failed.data, dl);
    return hl + dl;
}

/* Builds the notification for ev in buf; returns its length, 0 if the
 * socket did not subscribe to that class. */
size_t note_build(const bsock *s, const braid_event *ev, uint8_t *buf, size_t cap)
{
    sctp_assoc_t id = (sctp_assoc_t)ev->assoc;
    switch (ev->type) {
    case BRAID_EV_ASSOC_CHANGE: {
        if (!s->events.sctp_association_event)
            return 0;
        struct sctp_assoc_change *n = (struct sctp_assoc_change *)buf;
        size_t info = ev->u.assoc_change.info_len;
        size_t len = sizeof *n + info;
        if (len > cap)
            return 0;
        memset(n, 0, sizeof *n);
        n->sac_type = SCTP_ASSOC_CHANGE;
        n->sac_length = (uint32_t)len;
        n->sac_state = assoc_state(ev->u.assoc_change.state);
        /* Linux hands the cause code over as it was on the wire (network
         * byte order); programs written for it compare with htons() */
        n->sac_error = htons(ev->u.assoc_change.error);
        n->sac_outbound_streams = ev->u.assoc_change.out_streams;
        n->sac_inbound_streams = ev->u.assoc_change.in_streams;
        n->sac_assoc_id = id;
        memcpy(buf + sizeof *n, ev->u.assoc_change.info, info);
        return len;
    }
    case BRAID_EV_PEER_ADDR_CHANGE: {
        if (!s->events.sctp_address_event)
            return 0;
        struct sctp_paddr_change n;
        memset(&n, 0, sizeof n);
        n.spc_type = SCTP_PEER_ADDR_CHANGE;
        n.spc_length = sizeof n;
        struct sockaddr_storage ss;
        addr_to_sockaddr(&ev->u.paddr.addr, ev->u.paddr.port, s->family, &ss);
        memcpy(&n.spc_aaddr, &ss, sizeof ss);
        n.spc_state = paddr_state(ev->u.paddr.state);
        n.spc_error = ev->u.paddr.error;
        n.spc_assoc_id = id;
        if (sizeof n > cap)
            return 0;
        memcpy(buf, &n, sizeof n);
        return sizeof n;
    }
    case BRAID_EV_SEND_FAILED: {
        uint16_t flags = ev->u.send_failed.sent ? SCTP_DATA_SENT : SCTP_DATA_UNSENT;
        /* as Linux (sctp_ulpevent_make_send_failed{,_event}): the flags of
         * the DATA chunk handed back, B/E/U, so fragments can be put together */
        uint16_t sflags = ev->u.send_failed.chunk_flags;
        if (s->events.sctp_send_failure_event_event) {
            struct sctp_send_failed_event n;
            memset(&n, 0, sizeof n);
            n.ssf_type = SCTP_SEND_FAILED_EVENT;
            n.ssf_flags = flags;
            n.ssf_error = htons((uint16_t)ev->u.send_failed.error); /* as Linux: the cause
                                                                     * code as on the wire */
            n.ssfe_info.snd_sid = ev->u.send_failed.info.sid;
            n.ssfe_info.snd_flags = sflags;
            n.ssfe_info.snd_ppid = htonl(ev->u.send_failed.info.ppid);
            n.ssfe_info.snd_context = ev->u.send_failed.info.context;
            n.ssfe_info.snd_assoc_id = id;
            n.ssf_assoc_id = id;
            return with_data(buf, cap, &n, sizeof n, ev);
        }
        if (!s->events.sctp_send_failure_event)
            return 0;
        struct sctp_send_failed n;
        memset(&n, 0, sizeof n);
        n.ssf_type = SCTP_SEND_FAILED;
        n.ssf_flags = flags;
        n.ssf_error = htons((uint16_t)ev->u.send_failed.error);
        n.ssf_info.sinfo_stream = ev->u.send_failed.info.sid;
        n.ssf_info.sinfo_flags = sflags;
        n.ssf_info.sinfo_ppid = htonl(ev->u.send_failed.info.ppid);
        n.ssf_info.sinfo_context = ev->u.send_failed.info.context;
        n.ssf_info.sinfo_timetolive = (uint32_t)(ev->u.send_failed.info.lifetime_ns / 1000000u);
        n.ssf_info.sinfo_assoc_id = id;
        n.ssf_assoc_id = id;
        return with_data(buf, cap, &n, sizeof n, ev);
    }
    case BRAID_EV_REMOTE_ERROR: {
        if (!s->events.sctp_peer_error_event)
            return 0;
        struct sctp_remote_error n;
        /* as Linux: sre_data is the body of the first cause (its 4-byte
         * header left out; sre_error has its code), padded length */
        const uint8_t *c = ev->u.remote_error.data;
        size_t have = ev->u.remote_error.len, dl = 0;
        if (have >= 4) {
            size_t clen = ((size_t)c[2] << 8 | c[3]);
            dl = clen >= 4 ? ((clen + 3) & ~(size_t)3) - 4 : 0;
            if (dl > have - 4)
                dl = have - 4;
        }
        if (sizeof n + dl > cap)
            return 0;
        memset(&n, 0, sizeof n);
        n.sre_type = SCTP_REMOTE_ERROR;
        n.sre_length = (uint32_t)(sizeof n + dl);
        n.sre_error = htons(ev->u.remote_error.error); /* network order, as Linux */
        n.sre_assoc_id = id;
        memcpy(buf, &n, sizeof n);
        if (dl)
            memcpy(buf + sizeof n, c + 4, dl);
        return sizeof n + dl;
    }
    case BRAID_EV_SHUTDOWN: {
        if (!s->events.sctp_shutdown_event)
            return 0;
        struct sctp_shutdown_event n;
        memset(&n, 0, sizeof n);
        n.sse_type = SCTP_SHUTDOWN_EVENT;
        n.sse_length = sizeof n;
        n.sse_assoc_id = id;
        memcpy(buf, &n, sizeof n);
        return sizeof n;
    }
    case BRAID_EV_ADAPTATION: {
        if (!s->events.sctp_adaptation_layer_event)
            return 0;
        struct sctp_adaptation_event n;
        memset(&n, 0, sizeof n);
        n.sai_type = SCTP_ADAPTATION_INDICATION;
        n.sai_length = sizeof n;
        n.sai_adaptation_ind = ev->u.adaptation_ind;
        n.sai_assoc_id = id;
        memcpy(buf, &n, sizeof n);
        return sizeof n;
    }
    case BRAID_EV_SENDER_DRY: {
        if (!s->events.sctp_sender_dry_event)
            return 0;
        struct sctp_sender_dry_event n;
        memset(&n, 0, sizeof n);
        n.sender_dry_type = SCTP_SENDER_DRY_EVENT;
        n.sender_dry_length = sizeof n;
        n.sender_dry_assoc_id = id;
        memcpy(buf, &n, sizeof n);
        return sizeof n;
    }
    case BRAID_EV_PARTIAL_DELIVERY_ABORTED: {
        if (!s->events.sctp_partial_delivery_event)
            return 0;
        struct sctp_pdapi_event n;
        memset(&n, 0, sizeof n);
        n.pdapi_type = SCTP_PARTIAL_DELIVERY_EVENT;
        n.pdapi_length = sizeof n;
        n.pdapi_indication = SCTP_PARTIAL_DELIVERY_ABORTED;
        n.pdapi_assoc_id = id;
        memcpy(buf, &n, sizeof n);
        return sizeof n;
    }
    default: return 0;
    }
}

/* The one-to-one listener whose accept queue holds the association: its
 * notifications wait there and move to the socket accept() makes. */
static bsock *pending_listener(bstack *st, braid_assoc_id id)
{
    for (bsock *s = st->socks; s; s = s->next_in_stack) {
        if (s->closing || s->type != SOCK_STREAM || !s->listening)
            continue;
        for (unsigned i = 0; i < s->accept_count; i++)
            if (s->acceptq[(s->accept_head + i) % BRAID_API_ACCEPTQ] == id)
                return s;
    }
    return NULL;
}

void note_move(bsock *from, bsock *to, sctp_assoc_t assoc)
{
    bnote **pp = &from->nhead, *prev = NULL;
    while (*pp) {
        bnote *n = *pp;
        if (n->assoc != assoc) {
            prev = n;
            pp = &n->next;
            continue;
        }
        *pp = n->next;
        if (from->ntail == n)
            from->ntail = prev;
        from->n_notes--;
        n->next = NULL;
        if (to->ntail)
            to->ntail->next = n;
        else
            to->nhead = n;
        to->ntail = n;
        to->n_notes++;
    }
}

/* RFC 6458 §6.1.8: after COMM_UP, SCTP_AUTH_NO_AUTH when the peer does not
 * support AUTH (RFC 4895), as Linux sends it. braid does not negotiate AUTH
 * yet, so no association has it. */
void note_no_auth(bsock *s, braid_assoc_id id)
{
    if (!s->events.sctp_authentication_event)
        return;
    struct sctp_authkey_event n;
    memset(&n, 0, sizeof n);
    n.auth_type = SCTP_AUTHENTICATION_EVENT;
    n.auth_length = sizeof n;
    n.auth_indication = SCTP_AUTH_NO_AUTH;
    n.auth_assoc_id = (sctp_assoc_t)id;
    note_push(s, (sctp_assoc_t)id, &n, sizeof n);
}

bsock *note_from_event(bstack *st, const braid_event *ev)
{
    bsock *s = stack_owner(st, ev->assoc);
    if (!s)
        s = pending_listener(st, ev->assoc);
    if (!s)
        return NULL;
    if (ev->type == BRAID_EV_DATA_READY) {
        if (s->shut_rd) { /* as Linux: acknowledged, then dropped */
            uint8_t sink[4096];
            braid_recv_info ri;
            while (braid_assoc_recv(st->ep, ev->assoc, &ri, sink, sizeof sink, 0) > 0)
                ;
            return s;
        }
        note_push_data(s, (sctp_assoc_t)ev->assoc);
        return s;
    }
    uint8_t buf[sizeof(struct sctp_send_failed_event) + 65536];
    size_t len = note_build(s, ev, buf, sizeof buf);
    if (len)
        note_push(s, (sctp_assoc_t)ev->assoc, buf, len);
    return s;
}
