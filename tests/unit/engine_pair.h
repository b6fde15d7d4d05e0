/*
 * Test harness: two braid endpoints wired back to back in one process, with
 * a counting allocator (that can fail the Nth allocation), a xorshift
 * random hook and a keyed-hash stand-in for the cookie MAC. Packets move
 * when pump() is called; timers jump the clock forward when nothing moves.
 */
#ifndef BRAID_TEST_ENGINE_PAIR_H
#define BRAID_TEST_ENGINE_PAIR_H

#include <stdlib.h>
#include <string.h>

#include "braid/braid.h"
#include "core/util/bytes.h"

typedef struct env {
    long live;
    uint64_t rng;
    int fail_at; /* fail the Nth allocation (0: never) */
    int allocs;
} env;

static inline void *t_alloc(void *u, size_t n)
{
    env *e = u;
    e->allocs++;
    if (e->fail_at && e->allocs == e->fail_at)
        return NULL;
    e->live++;
    return malloc(n);
}
static inline void t_free(void *u, void *p, size_t n)
{
    (void)n;
    ((env *)u)->live--;
    free(p);
}
static inline void t_random(void *u, uint8_t *out, size_t n)
{
    env *e = u;
    for (size_t i = 0; i < n; i++) {
        e->rng ^= e->rng << 13;
        e->rng ^= e->rng >> 7;
        e->rng ^= e->rng << 17;
        out[i] = (uint8_t)e->rng;
    }
}
/* Not a real MAC: a keyed FNV mix, enough to tell cookies apart in tests. */
static inline void t_mac(void *u, const uint8_t key[32], const uint8_t *d, size_t n, uint8_t out[32])
{
    (void)u;
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 32; i++)
        h = (h ^ key[i]) * 1099511628211ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ d[i]) * 1099511628211ull;
    for (int i = 0; i < 32; i++) {
        h = (h ^ (uint64_t)(unsigned)i) * 1099511628211ull;
        out[i] = (uint8_t)(h >> 24);
    }
}

typedef struct pair {
    env ea, eb;
    braid_endpoint *a, *b;
    braid_addr addr_a, addr_b;
    uint64_t now;
    int drop_next_from_a; /* drop this many packets from a */
    long pkts;
} pair;

static inline void mkaddr(braid_addr *x, uint8_t last, uint16_t port)
{
    memset(x, 0, sizeof *x);
    x->family = 4;
    x->ip[0] = 127, x->ip[3] = last;
    x->udp_port = port;
}

/* A pair; tweak (may be NULL) adjusts A's and B's settings before the
 * endpoints are made. */
static inline int pair_init_with(pair *p, uint32_t seed, int nodelay,
                                 void (*tweak)(braid_settings *sa, braid_settings *sb))
{
    memset(p, 0, sizeof *p);
    p->ea.rng = 0x9e3779b97f4a7c15ull ^ seed;
    p->eb.rng = 0xdeadbeefcafef00dull ^ seed;
    braid_hooks ha = {t_alloc, t_free, t_random, t_mac, NULL, &p->ea, NULL, NULL, NULL, 0};
    braid_hooks hb = {t_alloc, t_free, t_random, t_mac, NULL, &p->eb, NULL, NULL, NULL, 0};
    braid_settings sa, sb;
    braid_settings_default(&sa);
    braid_settings_default(&sb);
    mkaddr(&p->addr_a, 1, 10001);
    mkaddr(&p->addr_b, 2, 9899);
    sa.local_port = 5000;
    sb.local_port = 6000;
    sa.local_addrs[0] = p->addr_a;
    sa.n_local_addrs = 1;
    sb.local_addrs[0] = p->addr_b;
    sb.n_local_addrs = 1;
    sa.nodelay = sb.nodelay = nodelay;
    if (tweak)
        tweak(&sa, &sb);
    if (braid_endpoint_new(&p->a, &sa, &ha) < 0 || braid_endpoint_new(&p->b, &sb, &hb) < 0)
        return -1;
    p->now = 1000000000ull;
    return 0;
}

static inline int pair_init(pair *p, uint32_t seed, int nodelay)
{
    return pair_init_with(p, seed, nodelay, NULL);
}

/* Moves every pending packet; runs timers when nothing moves. */
static inline void pump(pair *p, int rounds)
{
    uint8_t buf[2048];
    for (int r = 0; r < rounds; r++) {
        int moved = 0;
        braid_path path;
        int n;
        while ((n = braid_endpoint_write_pkt(p->a, &path, buf, sizeof buf, p->now)) > 0) {
            moved++;
            p->pkts++;
            if (p->drop_next_from_a > 0) {
                p->drop_next_from_a--;
                continue;
            }
            braid_path in = {path.remote, path.local};
            braid_endpoint_read_pkt(p->b, &in, buf, (size_t)n, p->now);
        }
        while ((n = braid_endpoint_write_pkt(p->b, &path, buf, sizeof buf, p->now)) > 0) {
            moved++;
            p->pkts++;
            braid_path in = {path.remote, path.local};
            braid_endpoint_read_pkt(p->a, &in, buf, (size_t)n, p->now);
        }
        if (!moved) {
            uint64_t ta = braid_endpoint_next_expiry(p->a), tb = braid_endpoint_next_expiry(p->b);
            uint64_t t = ta < tb ? ta : tb;
            if (t == BRAID_TIME_NEVER)
                return;
            if (t > p->now)
                p->now = t;
            braid_endpoint_handle_expiry(p->a, p->now);
            braid_endpoint_handle_expiry(p->b, p->now);
        }
    }
}


static inline int count_events(braid_endpoint *ep, braid_event_type type, int state)
{
    braid_event ev;
    int n = 0;
    while (braid_poll_event(ep, &ev)) {
        if (ev.type == type && (state < 0 || (int)ev.u.assoc_change.state == state))
            n++;
        braid_event_release(ep, &ev);
    }
    return n;
}

#endif
