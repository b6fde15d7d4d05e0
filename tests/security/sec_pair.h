/*
 * Helpers for the attack tests on an established association: two
 * endpoints (A at 127.0.0.1:5000, B at 127.0.0.2:6000) whose allocators
 * count the bytes each one holds, hand-built packets injected into one of
 * them as if from the other, and the replies decoded.
 *
 * The attacker is "A" as seen by B: a packet injected into B from A's
 * address with B's tag is exactly what A's endpoint could have sent.
 */
#ifndef BRAID_TEST_SEC_PAIR_H
#define BRAID_TEST_SEC_PAIR_H

#include "check.h"
#include "core/wire/chunk.h"
#include "core/wire/pkt.h"
#include "core/wire/sack.h"
#include "core/wire/tlv.h"
#include "engine_pair.h"
#include "pkt_probe.h"

#define PA 5000
#define PB 6000

/* Byte-counting allocator: bytes held now and the peak. */
typedef struct menv {
    long live;
    long bytes, peak;
    long allocs;
    uint64_t rng;
} menv;

static inline void *m_alloc(void *u, size_t n)
{
    menv *e = u;
    void *p = malloc(n ? n : 1);
    if (!p)
        return NULL;
    e->live++;
    e->allocs++;
    e->bytes += (long)n;
    if (e->bytes > e->peak)
        e->peak = e->bytes;
    return p;
}
static inline void m_free(void *u, void *p, size_t n)
{
    menv *e = u;
    if (!p)
        return;
    e->live--;
    e->bytes -= (long)n;
    free(p);
}
static inline void m_random(void *u, uint8_t *out, size_t n)
{
    menv *e = u;
    for (size_t i = 0; i < n; i++) {
        e->rng ^= e->rng << 13;
        e->rng ^= e->rng >> 7;
        e->rng ^= e->rng << 17;
        out[i] = (uint8_t)e->rng;
    }
}

typedef struct spair {
    pair p; /* endpoints, addresses, clock: pump() works on &sp->p */
    menv ma, mb;
    braid_assoc_id ida, idb;
    braid_assoc_status sa, sb; /* right after the handshake */
} spair;

typedef void (*tweak_fn)(braid_settings *a, braid_settings *b);

/* Two endpoints, nodelay, settings changed by tweak (may be NULL). */
static inline int sp_init(spair *s, uint32_t seed, tweak_fn tweak)
{
    memset(s, 0, sizeof *s);
    s->ma.rng = 0x9e3779b97f4a7c15ull ^ seed;
    s->mb.rng = 0xdeadbeefcafef00dull ^ seed;
    braid_hooks ha = {m_alloc, m_free, m_random, t_mac, NULL, &s->ma, NULL, NULL, NULL, 0};
    braid_hooks hb = {m_alloc, m_free, m_random, t_mac, NULL, &s->mb, NULL, NULL, NULL, 0};
    braid_settings sa, sb;
    braid_settings_default(&sa);
    braid_settings_default(&sb);
    mkaddr(&s->p.addr_a, 1, 10001);
    mkaddr(&s->p.addr_b, 2, 9899);
    sa.local_port = PA;
    sb.local_port = PB;
    sa.local_addrs[0] = s->p.addr_a;
    sa.n_local_addrs = 1;
    sb.local_addrs[0] = s->p.addr_b;
    sb.n_local_addrs = 1;
    sa.nodelay = sb.nodelay = 1;
    if (tweak)
        tweak(&sa, &sb);
    if (braid_endpoint_new(&s->p.a, &sa, &ha) < 0 || braid_endpoint_new(&s->p.b, &sb, &hb) < 0)
        return -1;
    s->p.now = 1000000000ull;
    return 0;
}

static inline void sp_free(spair *s)
{
    braid_endpoint_free(s->p.a);
    braid_endpoint_free(s->p.b);
    CHECK_EQ(s->ma.bytes, 0); /* nothing leaked */
    CHECK_EQ(s->mb.bytes, 0);
}

static inline void drain_events(braid_endpoint *ep)
{
    braid_event ev;
    while (braid_poll_event(ep, &ev))
        braid_event_release(ep, &ev);
}

/* A connects to B (os/mis asked by A) and both reach ESTABLISHED. */
static inline int sp_up(spair *s, uint16_t os, uint16_t mis)
{
    braid_connect_opts o = {PB, os, mis};
    if (braid_assoc_connect(s->p.a, &s->p.addr_b, 1, &o, s->p.now, &s->ida) < 0)
        return -1;
    pump(&s->p, 20);
    s->idb = braid_next_assoc(s->p.b, 0);
    if (braid_assoc_status_get(s->p.a, s->ida, &s->sa) < 0 ||
        braid_assoc_status_get(s->p.b, s->idb, &s->sb) < 0)
        return -1;
    drain_events(s->p.a);
    drain_events(s->p.b);
    return s->sa.state == BRAID_STATE_ESTABLISHED && s->sb.state == BRAID_STATE_ESTABLISHED ? 0
                                                                                            : -1;
}

/* B's side: a packet from the attacker A with B's tag. */
static inline int to_b(spair *s, const braid_chunk *cs, int n)
{
    return inject(s->p.b, &s->p.addr_a, &s->p.addr_b, PA, PB, s->sb.local_vtag, cs, n, s->p.now);
}
static inline int to_b_raw(spair *s, const uint8_t *raw, size_t n)
{
    return inject_raw(s->p.b, &s->p.addr_a, &s->p.addr_b, PA, PB, s->sb.local_vtag, raw, n,
                      s->p.now);
}
/* A's side: a packet from B with A's tag. */
static inline int to_a(spair *s, const braid_chunk *cs, int n)
{
    return inject(s->p.a, &s->p.addr_b, &s->p.addr_a, PB, PA, s->sa.local_vtag, cs, n, s->p.now);
}

/* Pulls and throws away everything ep wants to send; returns the count. */
static inline int discard_output(braid_endpoint *ep, uint64_t now)
{
    int n = 0;
    while (pull(ep, now).len > 0)
        n++;
    return n;
}

static inline braid_chunk mk_chunk(uint8_t type, uint8_t flags)
{
    braid_chunk c;
    memset(&c, 0, sizeof c);
    c.type = type;
    c.flags = flags;
    return c;
}

static inline braid_chunk mk_data(uint32_t tsn, uint16_t sid, uint16_t ssn, uint8_t flags,
                                  const void *payload, size_t len)
{
    braid_chunk c = mk_chunk(BRAID_CHUNK_DATA, flags);
    c.u.data.tsn = tsn;
    c.u.data.sid = sid;
    c.u.data.ssn = ssn;
    c.u.data.ppid = 51;
    c.u.data.payload = payload;
    c.u.data.payload_len = len;
    return c;
}

#define BE (BRAID_DATA_FLAG_B | BRAID_DATA_FLAG_E)

static inline braid_counters ctr(braid_endpoint *ep)
{
    braid_counters c;
    braid_endpoint_counters(ep, &c);
    return c;
}

static inline braid_assoc_status st_of(braid_endpoint *ep, braid_assoc_id id, int *ok)
{
    braid_assoc_status st;
    memset(&st, 0, sizeof st);
    *ok = braid_assoc_status_get(ep, id, &st) == 0;
    return st;
}

/* Reads everything ready on ep; returns the number of reads. */
static inline int read_all(braid_endpoint *ep, uint64_t now, size_t *bytes)
{
    static uint8_t buf[70000];
    braid_recv_info ri;
    int n = 0, r;
    while ((r = braid_endpoint_recv(ep, &ri, buf, sizeof buf, now)) >= 0) {
        n++;
        if (bytes)
            *bytes += (size_t)r;
    }
    return n;
}

#endif
