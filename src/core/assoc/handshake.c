/*
 * Association start-up (RFC 9260 §5): INIT, INIT ACK with a signed State
 * Cookie (no state kept before a valid cookie, §5.1.3), COOKIE ECHO, COOKIE
 * ACK, the collision and restart cases (§5.2.1–§5.2.4), and Stale Cookie
 * recovery (§5.2.6).
 */
#include "core/wire/init.h"
#include "core/wire/pkt.h"
#include "internal.h"

/* ---- the State Cookie (RFC 9260 §5.1.3) ----
 *
 *   0  version (1), 3 reserved
 *   4  creation time, ns (u64)        12 lifespan, ns (u64)
 *  20  local tag (u32)   24 peer tag   28 local initial TSN   32 peer initial TSN
 *  36  peer a_rwnd       40 out streams (u16) 42 in streams (u16)
 *  44  local tie-tag     48 peer tie-tag
 *  52  peer port (u16)   54 local port (u16)
 *  56  number of peer addresses (u8), 3 reserved
 *  60  addresses: family (u8), 3 reserved, IP (16)  x n
 *   .  peer's Adaptation Layer Indication: present (u8), 3 reserved, value (u32)
 *   .  MAC (32) over everything before it
 */
#define COOKIE_FIXED 60
#define COOKIE_ADDR 20
#define COOKIE_TAIL 8
#define COOKIE_VERSION 2

typedef struct cookie {
    uint64_t created, life;
    uint32_t local_tag, peer_tag, local_tsn, peer_tsn, peer_rwnd;
    uint16_t out_streams, in_streams;
    uint32_t local_tie, peer_tie;
    uint16_t peer_port, local_port;
    unsigned n_addrs;
    braid_addr addrs[BRAID_MAX_ADDRS];
    bool has_adaptation; /* the peer's INIT carried one (RFC 5061 §4.2.6) */
    uint32_t adaptation;
} cookie;

static size_t cookie_encode(braid_endpoint *ep, const cookie *c, uint8_t *out, size_t cap)
{
    braid_wr w;
    braid_wr_init(&w, out, cap);
    braid_wr_u32(&w, COOKIE_VERSION << 24);
    braid_wr_u32(&w, (uint32_t)(c->created >> 32));
    braid_wr_u32(&w, (uint32_t)c->created);
    braid_wr_u32(&w, (uint32_t)(c->life >> 32));
    braid_wr_u32(&w, (uint32_t)c->life);
    braid_wr_u32(&w, c->local_tag);
    braid_wr_u32(&w, c->peer_tag);
    braid_wr_u32(&w, c->local_tsn);
    braid_wr_u32(&w, c->peer_tsn);
    braid_wr_u32(&w, c->peer_rwnd);
    braid_wr_u16(&w, c->out_streams);
    braid_wr_u16(&w, c->in_streams);
    braid_wr_u32(&w, c->local_tie);
    braid_wr_u32(&w, c->peer_tie);
    braid_wr_u16(&w, c->peer_port);
    braid_wr_u16(&w, c->local_port);
    braid_wr_u32(&w, (uint32_t)c->n_addrs << 24);
    for (unsigned i = 0; i < c->n_addrs; i++) {
        braid_wr_u32(&w, (uint32_t)c->addrs[i].family << 24);
        braid_wr_bytes(&w, c->addrs[i].ip, 16);
    }
    braid_wr_u32(&w, (uint32_t)c->has_adaptation << 24);
    braid_wr_u32(&w, c->adaptation);
    if (w.err || w.off + BRAID_MAC_LEN > cap)
        return 0;
    ep->hooks.mac(ep->hooks.user, ep->cookie_key, out, w.off, out + w.off);
    return w.off + BRAID_MAC_LEN;
}

/* Constant-time comparison of MACs. */
static bool mac_equal(const uint8_t *a, const uint8_t *b)
{
    uint8_t d = 0;
    for (int i = 0; i < BRAID_MAC_LEN; i++)
        d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

/* RFC 9260 §5.1.5 steps 1-2: authenticate and unpack. */
static bool cookie_decode(braid_endpoint *ep, const uint8_t *p, size_t len, cookie *c)
{
    if (len < COOKIE_FIXED + BRAID_MAC_LEN)
        return false;
    size_t body = len - BRAID_MAC_LEN;
    uint8_t mac[BRAID_MAC_LEN];
    ep->hooks.mac(ep->hooks.user, ep->cookie_key, p, body, mac);
    if (!mac_equal(mac, p + body))
        return false;
    braid_rd r;
    braid_rd_init(&r, p, body);
    if (braid_rd_u32(&r) >> 24 != COOKIE_VERSION)
        return false;
    c->created = (uint64_t)braid_rd_u32(&r) << 32;
    c->created |= braid_rd_u32(&r);
    c->life = (uint64_t)braid_rd_u32(&r) << 32;
    c->life |= braid_rd_u32(&r);
    c->local_tag = braid_rd_u32(&r);
    c->peer_tag = braid_rd_u32(&r);
    c->local_tsn = braid_rd_u32(&r);
    c->peer_tsn = braid_rd_u32(&r);
    c->peer_rwnd = braid_rd_u32(&r);
    c->out_streams = braid_rd_u16(&r);
    c->in_streams = braid_rd_u16(&r);
    c->local_tie = braid_rd_u32(&r);
    c->peer_tie = braid_rd_u32(&r);
    c->peer_port = braid_rd_u16(&r);
    c->local_port = braid_rd_u16(&r);
    c->n_addrs = braid_rd_u32(&r) >> 24;
    if (c->n_addrs > BRAID_MAX_ADDRS)
        return false;
    for (unsigned i = 0; i < c->n_addrs; i++) {
        memset(&c->addrs[i], 0, sizeof c->addrs[i]);
        c->addrs[i].family = (uint8_t)(braid_rd_u32(&r) >> 24);
        const uint8_t *ip = braid_rd_take(&r, 16);
        if (ip)
            memcpy(c->addrs[i].ip, ip, 16);
    }
    c->has_adaptation = (braid_rd_u32(&r) >> 24) != 0;
    c->adaptation = braid_rd_u32(&r);
    return !r.err;
}

/* ---- INIT / INIT ACK parameters ---- */

/* Writes our address list and capabilities (RFC 9260 §3.3.2). */
static void write_common_params(braid_endpoint *ep, braid_wr *w, uint32_t preservative_ms,
                                const braid_addr *addrs, unsigned n_addrs)
{
    bool v4 = false, v6 = false;
    /* our addresses: those bound, or for the wildcard those in scope for
     * the peer (laddr.c) */
    if (!n_addrs) {
        addrs = ep->cfg.local_addrs;
        n_addrs = ep->cfg.n_local_addrs;
    }
    /* §5.1.2: with a single address, leave it out: the peer uses the source
     * address (this also survives NAT on the UDP encapsulation path). */
    for (unsigned i = 0; i < n_addrs; i++) {
        const braid_addr *la = &addrs[i];
        v4 |= la->family == 4;
        v6 |= la->family == 6;
        if (n_addrs > 1)
            braid_tlv_write(w, la->family == 6 ? BRAID_PARAM_IPV6 : BRAID_PARAM_IPV4, la->ip,
                            la->family == 6 ? 16 : 4);
    }
    if (v6) {
        /* §3.3.2.1.4: the address types we can use */
        uint8_t types[4] = {0, BRAID_PARAM_IPV4, 0, BRAID_PARAM_IPV6};
        braid_tlv_write(w, BRAID_PARAM_SUPPORTED_ADDR_TYPES, types, v4 ? 4 : 2);
        if (!v4) {
            types[1] = BRAID_PARAM_IPV6;
            braid_tlv_write(w, BRAID_PARAM_SUPPORTED_ADDR_TYPES, types, 2);
        }
    }
    if (preservative_ms) {
        uint8_t b[4];
        braid_store32(b, preservative_ms); /* §5.2.6 */
        braid_tlv_write(w, BRAID_PARAM_COOKIE_PRESERVATIVE, b, 4);
    }
    if (ep->cfg.has_adaptation) {
        uint8_t b[4];
        braid_store32(b, ep->cfg.adaptation_ind); /* RFC 5061 §4.2.6 */
        braid_tlv_write(w, BRAID_PARAM_ADAPTATION, b, 4);
    }
}

/* most a Cookie Preservative may add to a cookie's life (see below) */
#define BRAID_COOKIE_PRESERVE_MAX_NS 60000000000ull

typedef struct init_info {
    unsigned n_addrs;
    braid_addr addrs[BRAID_MAX_ADDRS];
    uint32_t preservative_ms;
    bool has_adaptation;
    uint32_t adaptation;
    const uint8_t *cookie;
    size_t cookie_len;
    /* unrecognized parameters to report (§3.2.1 upper bits 01 and 11):
     * the raw TLVs one after the other, each padded but maybe the last */
    uint8_t unrec[BRAID_UNREC_PARAMS_MAX];
    size_t unrec_len;
    bool stop; /* a parameter with upper bits 00 or 01 ended the processing */
    bool host_name; /* a Host Name Address parameter (§3.3.2.1.4: refused) */
} init_info;

static void add_addr(init_info *ii, const braid_addr *a)
{
    for (unsigned i = 0; i < ii->n_addrs; i++)
        if (braid_addr_equal_ip(&ii->addrs[i], a))
            return;
    if (ii->n_addrs < BRAID_MAX_ADDRS)
        ii->addrs[ii->n_addrs++] = *a;
}

/* Keeps an unrecognized parameter for the report (§3.2.2), as received:
 * type, length, value and its padding (when the chunk has it). One that
 * does not fit is left out: §6.10 lets an INIT ACK omit some, and an ERROR
 * is only a SHOULD. */
static void keep_unrec(init_info *ii, const braid_init_chunk *ic, const braid_tlv *t)
{
    size_t n = braid_pad4(t->length);
    if (n > (size_t)(ic->params + ic->params_len - t->raw))
        n = t->length; /* the last parameter, its padding left out */
    if (ii->unrec_len + n <= sizeof ii->unrec) {
        memcpy(ii->unrec + ii->unrec_len, t->raw, n);
        ii->unrec_len += n;
    }
}

/* Reads the parameters of an INIT / INIT ACK: peer addresses plus the
 * packet's source (§5.1.2), Cookie Preservative, Adaptation Layer
 * Indication, State Cookie, Host Name Address, and the unrecognized ones to
 * report. Returns 0, or <0 for a framing error. */
static int scan_params(const braid_init_chunk *ic, const braid_path *path, init_info *ii)
{
    memset(ii, 0, sizeof *ii);
    add_addr(ii, &path->remote);
    braid_tlv_iter it;
    braid_tlv t;
    int rc;
    braid_tlv_iter_init(&it, ic->params, ic->params_len);
    while ((rc = braid_tlv_iter_next(&it, &t)) > 0) {
        braid_param p;
        if (ii->stop) {
            /* RFC 9260 §3.2.1 (00, 01): "do not process any further
             * parameters within this chunk", but "no processing already
             * done is rolled back" and the chunk is still answered ("in
             * all four cases, an INIT ACK or COOKIE ECHO chunk is sent").
             * The COOKIE ECHO needs the State Cookie, the INIT ACK's one
             * mandatory parameter (§3.3.3): it is taken wherever it is;
             * nothing else after the stop is. */
            if (t.type == BRAID_PARAM_STATE_COOKIE && !ii->cookie) {
                ii->cookie = t.value;
                ii->cookie_len = t.value_len;
            }
            continue;
        }
        switch (t.type) {
        case BRAID_PARAM_IPV4:
        case BRAID_PARAM_IPV6:
            if (braid_param_parse(&t, &p) == 0) {
                braid_addr a;
                memset(&a, 0, sizeof a);
                a.family = t.type == BRAID_PARAM_IPV6 ? 6 : 4;
                memcpy(a.ip, p.u.addr.bytes, p.u.addr.len);
                a.udp_port = path->remote.udp_port;
                add_addr(ii, &a);
            }
            break;
        case BRAID_PARAM_COOKIE_PRESERVATIVE:
            if (braid_param_parse(&t, &p) == 0)
                ii->preservative_ms = p.u.u32;
            break;
        case BRAID_PARAM_ADAPTATION:
            if (braid_param_parse(&t, &p) == 0) {
                ii->has_adaptation = true;
                ii->adaptation = p.u.u32;
            }
            break;
        case BRAID_PARAM_STATE_COOKIE:
            ii->cookie = t.value;
            ii->cookie_len = t.value_len;
            break;
        case BRAID_PARAM_HOST_NAME:
            ii->host_name = true; /* RFC 9260 §3.3.2.1.4: its receiver MUST send ABORT */
            break;
        case BRAID_PARAM_SUPPORTED_ADDR_TYPES:
        case BRAID_PARAM_UNRECOGNIZED:
        case BRAID_PARAM_ECN_CAPABLE:
        case BRAID_PARAM_FORWARD_TSN_SUPPORTED:
        case BRAID_PARAM_SUPPORTED_EXT:
        case BRAID_PARAM_RANDOM:
        case BRAID_PARAM_CHUNK_LIST:
        case BRAID_PARAM_HMAC_ALGO:
        case BRAID_PARAM_PADDING: break; /* known; extensions we do not use yet are ignored */
        default: {
            /* RFC 9260 §3.2.1: the upper two bits of the type decide: 01
             * and 11 report it (§3.2.2), 00 and 01 stop the processing of
             * the parameters (not of the chunk), 10 and 11 skip it */
            int act = braid_param_unknown_action(t.type);
            if (act & 1)
                keep_unrec(ii, ic, &t);
            if (!(act & 2))
                ii->stop = true;
            break;
        }
        }
    }
    return rc;
}

/* ---- INIT ---- */

size_t braid_hs_write_init(braid_assoc *a, braid_wr *w)
{
    braid_endpoint *ep = a->ep;
    size_t start = braid_chunk_begin(w, BRAID_CHUNK_INIT, 0);
    braid_wr_u32(w, a->local_vtag);
    braid_wr_u32(w, ep->cfg.rcvbuf);
    braid_wr_u16(w, a->want_os);
    braid_wr_u16(w, a->want_mis);
    braid_wr_u32(w, a->initial_tsn_local);
    write_common_params(ep, w, a->preservative_ms, a->laddrs, a->n_laddrs);
    return braid_chunk_end(w, start) == 0 ? w->off - start : 0;
}

int braid_hs_send_init(braid_assoc *a, uint64_t now)
{
    braid_endpoint *ep = a->ep;
    /* RFC 9260 §5.1 A: choose the tag and initial TSN, send INIT, start
     * T1-init, enter COOKIE-WAIT */
    a->local_vtag = braid_ep_random_tag(ep);
    a->initial_tsn_local = braid_ep_random32(ep); /* §5.3.1: MAY be the tag */
    a->state = BRAID_STATE_COOKIE_WAIT;
    a->ctl |= CTL_INIT;
    a->t1_rto = a->dests[a->primary].rtt.rto;
    a->t1_at = now + a->t1_rto;
    a->init_retrans = 0;
    return 0;
}

/* Queues an INIT ACK (stateless, in the endpoint's reply ring). */
static void send_init_ack(braid_endpoint *ep, const braid_path *path, const braid_common_header *h,
                          const braid_init_chunk *init, const init_info *ii, const cookie *ck,
                          uint16_t os, uint16_t mis)
{
    braid_resp *r = braid_ep_resp_slot(ep);
    if (!r)
        return;
    uint8_t cbuf[COOKIE_FIXED + COOKIE_ADDR * BRAID_MAX_ADDRS + COOKIE_TAIL + BRAID_MAC_LEN];
    size_t clen = cookie_encode(ep, ck, cbuf, sizeof cbuf);
    braid_pkt_builder b;
    /* §5.1 B: the packet carries the INIT's Initiate Tag */
    braid_pkt_begin(&b, r->pkt, sizeof r->pkt, sizeof r->pkt, h->dst_port, h->src_port,
                    init->init_tag);
    braid_wr *w = &b.w;
    size_t start = braid_chunk_begin(w, BRAID_CHUNK_INIT_ACK, 0);
    braid_wr_u32(w, ck->local_tag);
    braid_wr_u32(w, ep->cfg.rcvbuf);
    braid_wr_u16(w, os);
    braid_wr_u16(w, mis);
    braid_wr_u32(w, ck->local_tsn);
    braid_tlv_write(w, BRAID_PARAM_STATE_COOKIE, cbuf, clen);
    /* wildcard-bound: the addresses in scope for the INIT's source, the
     * one it reached first (the INIT ACK's source; laddr.c) */
    braid_addr la[BRAID_MAX_ADDRS];
    unsigned nla = braid_laddr_pick(ep, &path->remote, &path->local, la);
    write_common_params(ep, w, 0, la, nla);
    /* RFC 9260 §3.2.2: the parameters the INIT asked to report go back in
     * the INIT ACK, each in an Unrecognized Parameter (§3.3.3.1.2) holding
     * it "complete with Parameter Type, Length, and Value fields". Those
     * that do not fit are left out (§6.10: the receiver "MAY ... omit some
     * or all of the Unrecognized Parameter parameters"): the INIT ACK goes
     * in any case. */
    const uint8_t *u = ii->unrec;
    size_t ul = ii->unrec_len;
    while (ul >= 4) {
        size_t plen = braid_load16(u + 2);
        if (plen < 4 || plen > ul)
            break;
        size_t mark = w->off;
        braid_tlv_write(w, BRAID_PARAM_UNRECOGNIZED, u, plen);
        if (w->err || braid_pad4(w->off) > w->cap) { /* the chunk's padding must fit too */
            w->off = mark;
            w->err = false;
            break;
        }
        size_t n = braid_pad4(plen) <= ul ? braid_pad4(plen) : ul;
        u += n;
        ul -= n;
    }
    if (braid_chunk_end(w, start) < 0) {
        ep->resp_count--; /* did not fit: give the slot back */
        return;
    }
    r->len = (uint16_t)braid_pkt_finish(&b);
    r->path.local = path->local;
    r->path.remote = path->remote;
}

static void send_abort_tag(braid_endpoint *ep, const braid_path *path, const braid_common_header *h,
                           uint32_t vtag, uint16_t cause)
{
    braid_resp *r = braid_ep_resp_slot(ep);
    if (!r)
        return;
    braid_pkt_builder b;
    braid_pkt_begin(&b, r->pkt, sizeof r->pkt, sizeof r->pkt, h->dst_port, h->src_port, vtag);
    size_t start = braid_chunk_begin(&b.w, BRAID_CHUNK_ABORT, 0);
    if (cause) {
        size_t ts = braid_tlv_begin(&b.w, cause);
        braid_tlv_end(&b.w, ts);
    }
    braid_chunk_end(&b.w, start);
    r->len = (uint16_t)braid_pkt_finish(&b);
    r->path = *path;
}

void braid_hs_on_init(braid_endpoint *ep, braid_assoc *a, const braid_path *path,
                      const braid_common_header *h, const braid_chunk_view *v, uint64_t now)
{
    braid_chunk c;
    int rc = braid_chunk_parse(v, &c);
    if (rc == BRAID_ERR_INIT_STREAMS) {
        /* §3.3.2: OS or MIS of 0: ABORT with the Initiate Tag, no state change */
        uint32_t tag = v->value_len >= 4 ? braid_load32(v->value) : 0;
        if (tag)
            send_abort_tag(ep, path, h, tag, BRAID_CAUSE_INVALID_PARAM);
        BRAID_DROPF(ep, BRAID_DROP_INIT_STREAMS, a, path, h, BRAID_CHUNK_INIT, "%s",
                    tag ? "ABORT sent" : "no Initiate Tag: no reply");
        return;
    }
    if (rc < 0) { /* §3.3.2: zero tag etc.: silently discard */
        BRAID_DROPF(ep, BRAID_DROP_INIT_INVALID, a, path, h, BRAID_CHUNK_INIT, "%s",
                    braid_strerror(rc));
        return;
    }
    const braid_init_chunk *init = &c.u.init;
    init_info ii;
    if (scan_params(init, path, &ii) < 0) {
        BRAID_DROP(ep, BRAID_DROP_INIT_PARAMS, a, path, h, BRAID_CHUNK_INIT);
        return;
    }
    if (ii.host_name) {
        /* RFC 9260 §3.3.2.1.4, §3.3.2 Note 3: an INIT with a Host Name
         * Address is answered with ABORT (the Unresolvable Address cause is
         * optional and left out); nothing is kept */
        send_abort_tag(ep, path, h, init->init_tag, 0);
        BRAID_DROP(ep, BRAID_DROP_HOST_NAME, a, path, h, BRAID_CHUNK_INIT);
        return;
    }
    cookie ck;
    memset(&ck, 0, sizeof ck);
    ck.created = now;
    /* RFC 9260 §3.3.2.1.3, §5.2.6: the Cookie Preservative's increment may
     * be refused "for its own security reasons": at most a minute (or one
     * Valid.Cookie.Life if longer), not the 49 days its 32 bits could ask */
    uint64_t extra = (uint64_t)ii.preservative_ms * 1000000ull;
    uint64_t extra_max = ep->cfg.valid_cookie_life_ns > BRAID_COOKIE_PRESERVE_MAX_NS
                             ? ep->cfg.valid_cookie_life_ns
                             : BRAID_COOKIE_PRESERVE_MAX_NS;
    if (extra > extra_max)
        extra = extra_max;
    ck.life = ep->cfg.valid_cookie_life_ns + extra;
    ck.peer_tag = init->init_tag;
    ck.peer_tsn = init->initial_tsn;
    ck.peer_rwnd = init->a_rwnd;
    ck.peer_port = h->src_port;
    ck.local_port = h->dst_port;
    ck.n_addrs = ii.n_addrs;
    memcpy(ck.addrs, ii.addrs, sizeof ii.addrs);
    ck.has_adaptation = ii.has_adaptation;
    ck.adaptation = ii.adaptation;
    uint16_t os = ep->cfg.outbound_streams, mis = ep->cfg.max_inbound_streams;

    if (!a && !ep->accept) {
        /* §8.4 item 3: not listening: ABORT with the INIT's tag, T bit clear */
        send_abort_tag(ep, path, h, init->init_tag, 0);
        BRAID_DROP(ep, BRAID_DROP_INIT_REFUSED, NULL, path, h, BRAID_CHUNK_INIT);
        return;
    }
    if (!a) {
        /* §5.1 B: no TCB: new tag and TSN, tie-tags 0, nothing kept */
        ck.local_tag = braid_ep_random_tag(ep);
        ck.local_tsn = braid_ep_random32(ep);
    } else if (a->state == BRAID_STATE_COOKIE_WAIT || a->state == BRAID_STATE_COOKIE_ECHOED) {
        /* §5.2.1: same tag as our INIT; in COOKIE-ECHOED the tie-tags are
         * populated, a new address aborts */
        if (a->state == BRAID_STATE_COOKIE_ECHOED) {
            for (unsigned i = 0; i < ii.n_addrs; i++)
                if (braid_assoc_find_dest(a, &ii.addrs[i]) < 0) {
                    send_abort_tag(ep, path, h, init->init_tag, BRAID_CAUSE_RESTART_NEW_ADDRS);
                    return;
                }
            ck.local_tie = a->local_vtag;
            ck.peer_tie = a->peer_vtag;
        }
        ck.local_tag = a->local_vtag;
        ck.local_tsn = a->initial_tsn_local;
        os = a->want_os;
        mis = a->want_mis;
    } else if (a->state == BRAID_STATE_SHUTDOWN_ACK_SENT) {
        /* §9.2: INIT in SHUTDOWN-ACK-SENT: resend SHUTDOWN ACK (our T2 runs) */
        a->ctl |= CTL_SHUTDOWN_ACK;
        return;
    } else {
        /* §5.2.2: unexpected INIT: new addresses abort; else a new tag and
         * the current tags as tie-tags */
        for (unsigned i = 0; i < ii.n_addrs; i++)
            if (braid_assoc_find_dest(a, &ii.addrs[i]) < 0) {
                send_abort_tag(ep, path, h, init->init_tag, BRAID_CAUSE_RESTART_NEW_ADDRS);
                return;
            }
        ck.local_tag = braid_ep_random_tag(ep);
        ck.local_tsn = braid_ep_random32(ep);
        ck.local_tie = a->local_vtag;
        ck.peer_tie = a->peer_vtag;
        os = a->want_os ? a->want_os : os;
        mis = a->want_mis ? a->want_mis : mis;
    }
    /* §5.1.1: streams = min(our outbound, peer's MIS) and min(peer OS, our MIS) */
    ck.out_streams = os < init->mis ? os : init->mis;
    ck.in_streams = init->os < mis ? init->os : mis;
    send_init_ack(ep, path, h, init, &ii, &ck, os, mis);
}

/* ---- INIT ACK (§5.1 C) ---- */

/* RFC 9260 §3.2.2: the unrecognized INIT ACK parameters to report go in an
 * ERROR chunk with an Unrecognized Parameters cause (§3.3.10.8) bundled
 * with the COOKIE ECHO (output.c); kept here until then. Without memory
 * the report (a SHOULD) is left out. */
static void keep_unrec_report(braid_assoc *a, const init_info *ii)
{
    braid_endpoint *ep = a->ep;
    braid_free(&ep->mem, a->unrec_params, a->unrec_params_len);
    a->unrec_params = NULL;
    a->unrec_params_len = 0;
    /* the cause ends with the last parameter's own length, not its padding */
    size_t end = 0, off = 0;
    while (ii->unrec_len - off >= 4) {
        size_t plen = braid_load16(ii->unrec + off + 2);
        if (plen < 4 || plen > ii->unrec_len - off)
            break;
        end = off + plen;
        off += braid_pad4(plen) < ii->unrec_len - off ? braid_pad4(plen) : ii->unrec_len - off;
    }
    if (end == 0)
        return;
    a->unrec_params = braid_alloc(&ep->mem, end);
    if (!a->unrec_params)
        return;
    memcpy(a->unrec_params, ii->unrec, end);
    a->unrec_params_len = end;
}

/* RFC 9260 §5.1.2 items 1 and 3: the peer's transport addresses are those
 * its INIT ACK lists and its source (ii holds both); addresses the
 * application gave (sctp_connectx) that the peer did not list are dropped,
 * as Linux does (sctp_process_init removes the transports still unknown).
 * The source becomes the primary path. */
static void keep_listed(braid_assoc *a, const init_info *ii, const braid_addr *src)
{
    unsigned j = 0, primary = 0;
    for (unsigned i = 0; i < a->n_dests; i++) {
        bool keep = false;
        for (unsigned k = 0; k < ii->n_addrs && !keep; k++)
            keep = braid_addr_equal_ip(&a->dests[i].addr, &ii->addrs[k]);
        if (!keep)
            continue;
        if (braid_addr_equal_ip(&a->dests[i].addr, src))
            primary = j;
        if (j != i)
            a->dests[j] = a->dests[i];
        j++;
    }
    if (j == 0)
        return; /* (cannot be: the source is listed) */
    a->n_dests = j;
    a->primary = primary;
    a->sack_dest = primary;
}

void braid_hs_on_init_ack(braid_assoc *a, const braid_path *path, const braid_chunk_view *v,
                          uint64_t now)
{
    braid_endpoint *ep = a->ep;
    if (a->state != BRAID_STATE_COOKIE_WAIT) { /* §5.2.3: discard */
        BRAID_DROPF(ep, BRAID_DROP_INIT_ACK_STATE, a, path, NULL, BRAID_CHUNK_INIT_ACK, "state %d",
                    (int)a->state);
        return;
    }
    braid_chunk c;
    int rc = braid_chunk_parse(v, &c);
    if (rc < 0) {
        BRAID_DROPF(ep, BRAID_DROP_INIT_ACK_INVALID, a, path, NULL, BRAID_CHUNK_INIT_ACK, "%s",
                    braid_strerror(rc));
        return;
    }
    const braid_init_chunk *ia = &c.u.init;
    init_info ii;
    /* RFC 9260 §3.2.1: an unrecognized parameter, whatever its upper bits,
     * does not stop the INIT ACK from being answered with a COOKIE ECHO */
    if (scan_params(ia, path, &ii) < 0) {
        BRAID_DROP(ep, BRAID_DROP_INIT_PARAMS, a, path, NULL, BRAID_CHUNK_INIT_ACK);
        return;
    }
    if (!ii.cookie) {
        BRAID_DROPF(ep, BRAID_DROP_INIT_ACK_INVALID, a, path, NULL, BRAID_CHUNK_INIT_ACK, "%s",
                    "no State Cookie");
        return;
    }
    if (ii.host_name) {
        /* RFC 9260 §3.3.2.1.4: the receiver of an INIT ACK with a Host Name
         * Address MUST send ABORT: the attempt ends (CANT_STR_ASSOC) */
        a->peer_vtag = ia->init_tag; /* the ABORT carries the peer's tag */
        a->ctl |= CTL_ABORT;
        a->abort_cause = 0; /* the Unresolvable Address cause is optional */
        a->abort_info_len = 0;
        BRAID_DROP(ep, BRAID_DROP_HOST_NAME, a, path, NULL, BRAID_CHUNK_INIT_ACK);
        braid_assoc_lost(a, BRAID_CAUSE_UNRESOLVABLE_ADDR, NULL, 0);
        return;
    }
    uint8_t *ck = braid_alloc(&ep->mem, ii.cookie_len);
    if (!ck)
        return; /* T1 will resend the INIT */
    memcpy(ck, ii.cookie, ii.cookie_len);
    uint16_t out = a->want_os < ia->mis ? a->want_os : ia->mis;
    uint16_t in = ia->os < a->want_mis ? ia->os : a->want_mis;
    if (braid_assoc_setup(a, a->initial_tsn_local, ia->initial_tsn, ia->a_rwnd, out, in, now) < 0) {
        braid_free(&ep->mem, ck, ii.cookie_len);
        return;
    }
    for (unsigned i = 0; i < ii.n_addrs; i++)
        braid_assoc_add_dest(a, &ii.addrs[i], braid_addr_equal_ip(&ii.addrs[i], &path->remote));
    keep_listed(a, &ii, &path->remote);
    a->peer_vtag = ia->init_tag;
    braid_free(&ep->mem, a->cookie, a->cookie_len);
    a->cookie = ck;
    a->cookie_len = ii.cookie_len;
    /* reported after COMM_UP (braid_assoc_established), as Linux does */
    a->peer_has_adaptation = ii.has_adaptation;
    a->peer_adaptation = ii.adaptation;
    keep_unrec_report(a, &ii);
    /* §5.1 C: send COOKIE ECHO, restart T1 as T1-cookie, COOKIE-ECHOED */
    a->state = BRAID_STATE_COOKIE_ECHOED;
    a->ctl &= ~(uint32_t)CTL_INIT;
    a->ctl |= CTL_COOKIE_ECHO;
    a->init_retrans = 0;
    a->t1_rto = a->dests[a->primary].rtt.rto;
    a->t1_at = now + a->t1_rto;
}

/* ---- COOKIE ECHO (§5.1 D, §5.1.5, §5.2.4) ---- */

static void send_stale_cookie(braid_endpoint *ep, const braid_path *path,
                              const braid_common_header *h, const cookie *ck, uint64_t now)
{
    braid_resp *r = braid_ep_resp_slot(ep);
    if (!r)
        return;
    uint64_t late_us = (now - ck->created - ck->life) / 1000;
    braid_pkt_builder b;
    braid_pkt_begin(&b, r->pkt, sizeof r->pkt, sizeof r->pkt, h->dst_port, h->src_port,
                    ck->peer_tag);
    size_t start = braid_chunk_begin(&b.w, BRAID_CHUNK_ERROR, 0);
    size_t ts = braid_tlv_begin(&b.w, BRAID_CAUSE_STALE_COOKIE);
    braid_wr_u32(&b.w, late_us > UINT32_MAX ? UINT32_MAX : (uint32_t)late_us); /* §3.3.10.3 */
    braid_tlv_end(&b.w, ts);
    braid_chunk_end(&b.w, start);
    r->len = (uint16_t)braid_pkt_finish(&b);
    r->path = *path;
}

/* Creates the TCB from a cookie (new association, or a restart in place). */
static int tcb_from_cookie(braid_assoc *a, const cookie *ck, const braid_path *path, uint64_t now)
{
    /* wildcard-bound: the list our INIT ACK announced, made again from the
     * same addresses (laddr.c) */
    if (!a->ep->cfg.n_local_addrs)
        braid_laddr_setup(a, &path->remote, &path->local);
    a->local_vtag = ck->local_tag;
    a->peer_vtag = ck->peer_tag;
    a->want_os = ck->out_streams;
    a->want_mis = ck->in_streams;
    a->peer_has_adaptation = ck->has_adaptation;
    a->peer_adaptation = ck->adaptation;
    for (unsigned i = 0; i < ck->n_addrs; i++) {
        braid_addr ad = ck->addrs[i];
        ad.udp_port = path->remote.udp_port;
        /* §5.4 rule 2: only the source of the COOKIE ECHO is confirmed */
        braid_assoc_add_dest(a, &ad, braid_addr_equal_ip(&ad, &path->remote));
    }
    int d = braid_assoc_find_dest(a, &path->remote);
    if (d < 0)
        d = braid_assoc_add_dest(a, &path->remote, true);
    if (d < 0)
        return d;
    a->primary = (unsigned)d; /* reply where the peer is talking from */
    return braid_assoc_setup(a, ck->local_tsn, ck->peer_tsn, ck->peer_rwnd, ck->out_streams,
                             ck->in_streams, now);
}

/* True when the peer's IP address already has max_assocs_per_peer
 * associations (any port): one host cannot take all of max_assocs. */
static bool peer_at_limit(const braid_endpoint *ep, const braid_addr *remote)
{
    uint32_t lim = ep->cfg.max_assocs_per_peer, n = 0;
    if (!lim)
        return false;
    for (const braid_assoc *a = ep->assocs; a; a = a->next)
        if (!a->freeing && braid_assoc_find_dest(a, remote) >= 0 && ++n >= lim)
            return true;
    return false;
}

braid_assoc *braid_hs_on_cookie_echo(braid_endpoint *ep, braid_assoc *a, const braid_path *path,
                                     const braid_common_header *h, const braid_chunk_view *v,
                                     uint64_t now)
{
    cookie ck;
    if (v->value_len == 0 || !cookie_decode(ep, v->value, v->value_len, &ck)) {
        /* §5.1.5 step 2: silently discard */
        BRAID_DROPF(ep, BRAID_DROP_COOKIE_MAC, a, path, h, BRAID_CHUNK_COOKIE_ECHO,
                    "cookie of %zu bytes", v->value_len);
        return NULL;
    }
    /* §5.1.5 step 3: ports and tag must match the packet */
    if (ck.local_tag != h->vtag || ck.peer_port != h->src_port || ck.local_port != h->dst_port) {
        BRAID_DROPF(ep, BRAID_DROP_COOKIE_MISMATCH, a, path, h, BRAID_CHUNK_COOKIE_ECHO,
                    "cookie's tag 0x%08x ports %u->%u", ck.local_tag, ck.peer_port, ck.local_port);
        return NULL;
    }
    bool expired = now > ck.created && now - ck.created > ck.life;
    if (!a) {
        if (expired) { /* §5.1.5 step 4: Stale Cookie error */
            BRAID_DROPF(ep, BRAID_DROP_STALE_COOKIE, NULL, path, h, BRAID_CHUNK_COOKIE_ECHO,
                        "%llu us past its life",
                        (unsigned long long)((now - ck.created - ck.life) / 1000));
            send_stale_cookie(ep, path, h, &ck, now);
            return NULL;
        }
        if (ep->n_assocs >= ep->cfg.max_assocs || peer_at_limit(ep, &path->remote)) {
            BRAID_DROPF(ep, BRAID_DROP_ASSOC_LIMIT, NULL, path, h, BRAID_CHUNK_COOKIE_ECHO,
                        "%u associations", ep->n_assocs);
            send_abort_tag(ep, path, h, ck.peer_tag, BRAID_CAUSE_OUT_OF_RESOURCE);
            return NULL;
        }
        a = braid_assoc_new(ep, h->src_port);
        if (!a)
            return NULL;
        if (tcb_from_cookie(a, &ck, path, now) < 0) {
            braid_assoc_free(a);
            return NULL;
        }
        braid_assoc_established(a, now); /* §5.1 D: COMM_UP */
        a->ctl |= CTL_COOKIE_ACK;
        return a;
    }

    /* §5.2.4: a TCB exists */
    bool lm = ck.local_tag == a->local_vtag, pm = ck.peer_tag == a->peer_vtag;
    if (expired && !(lm && pm)) { /* step 3 */
        BRAID_DROPF(ep, BRAID_DROP_STALE_COOKIE, a, path, h, BRAID_CHUNK_COOKIE_ECHO,
                    "%llu us past its life",
                    (unsigned long long)((now - ck.created - ck.life) / 1000));
        send_stale_cookie(ep, path, h, &ck, now);
        return NULL;
    }
    if (!lm && !pm && ck.local_tie == a->local_vtag && ck.peer_tie == a->peer_vtag) {
        /* (A) peer restart */
        if (a->state == BRAID_STATE_SHUTDOWN_ACK_SENT) {
            a->ctl |= CTL_SHUTDOWN_ACK; /* and "Cookie Received While Shutting Down" */
            return NULL;
        }
        braid_assoc_fail_pending(a); /* data not retained across a restart */
        if (tcb_from_cookie(a, &ck, path, now) < 0) {
            braid_assoc_lost(a, BRAID_CAUSE_OUT_OF_RESOURCE, NULL, 0);
            return NULL;
        }
        a->state = BRAID_STATE_ESTABLISHED;
        a->t1_at = a->t2_at = a->t5_at = BRAID_TIME_NEVER;
        a->ctl = CTL_COOKIE_ACK;
        /* a peer restarting over and over must not grow the event queue */
        braid_event *ev = NULL;
        if (ep->cfg.max_events && ep->n_events >= ep->cfg.max_events)
            BRAID_DROPF(ep, BRAID_DROP_EVENT_FULL, a, path, h, BRAID_CHUNK_COOKIE_ECHO, "%s",
                        "RESTART event");
        else
            ev = braid_ep_push_event(ep, BRAID_EV_ASSOC_CHANGE, a->id);
        if (ev) {
            ev->u.assoc_change.state = BRAID_RESTART;
            ev->u.assoc_change.out_streams = a->out_streams;
            ev->u.assoc_change.in_streams = a->in_streams;
        }
        return a;
    }
    if (lm && pm) {
        /* (D) both match: enter ESTABLISHED if not already, COOKIE ACK */
        if (a->state == BRAID_STATE_COOKIE_WAIT || a->state == BRAID_STATE_COOKIE_ECHOED)
            braid_assoc_established(a, now);
        a->ctl |= CTL_COOKIE_ACK;
        return a;
    }
    if (lm) {
        /* (B) collision: take the peer's tag from the cookie, ESTABLISHED */
        a->peer_vtag = ck.peer_tag;
        if (a->state == BRAID_STATE_COOKIE_WAIT || a->state == BRAID_STATE_COOKIE_ECHOED) {
            if (tcb_from_cookie(a, &ck, path, now) < 0)
                return NULL;
            braid_assoc_established(a, now);
        }
        a->t1_at = BRAID_TIME_NEVER;
        a->ctl &= ~(uint32_t)(CTL_INIT | CTL_COOKIE_ECHO);
        a->ctl |= CTL_COOKIE_ACK;
        return a;
    }
    /* (C) or anything else: silently discard */
    BRAID_DROP(ep, BRAID_DROP_COOKIE_COLLISION, a, path, h, BRAID_CHUNK_COOKIE_ECHO);
    return NULL;
}

void braid_hs_on_cookie_ack(braid_assoc *a, uint64_t now)
{
    /* §5.1 E: COOKIE-ECHOED -> ESTABLISHED, stop T1-cookie; §5.2.5: else
     * discarded */
    if (a->state != BRAID_STATE_COOKIE_ECHOED) {
        BRAID_DROPF(a->ep, BRAID_DROP_COOKIE_ACK_STATE, a, NULL, NULL, BRAID_CHUNK_COOKIE_ACK,
                    "state %d", (int)a->state);
        return;
    }
    a->ctl &= ~(uint32_t)CTL_COOKIE_ECHO;
    braid_assoc_established(a, now);
}

/* §5.2.6: a Stale Cookie error in COOKIE-ECHOED: new INIT with a Cookie
 * Preservative asking for the missed time (doubled), back to COOKIE-WAIT. */
void braid_hs_on_error(braid_assoc *a, const braid_chunk_view *v, uint64_t now)
{
    if (a->state != BRAID_STATE_COOKIE_ECHOED || v->value_len < 8)
        return;
    if (braid_load16(v->value) != BRAID_CAUSE_STALE_COOKIE)
        return;
    uint32_t stale_us = braid_load32(v->value + 4);
    if (++a->init_retrans > a->ep->cfg.max_init_retrans) {
        braid_assoc_lost(a, BRAID_CAUSE_STALE_COOKIE, NULL, 0);
        return;
    }
    uint64_t ms = (uint64_t)stale_us * 2 / 1000 + 1;
    a->preservative_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
    a->state = BRAID_STATE_COOKIE_WAIT;
    a->ctl &= ~(uint32_t)CTL_COOKIE_ECHO;
    a->ctl |= CTL_INIT;
    a->t1_at = now + a->dests[a->primary].rtt.rto;
}
