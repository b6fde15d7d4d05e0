/*
 * Two endpoints wired back to back in one process (no simulator): the
 * handshake, data both ways, SACKs, shutdown and abort, with a counting
 * allocator that must end at zero.
 */
#include <stdlib.h>

#include "braid/braid.h"
#include "check.h"
#include "core/wire/chunk.h"

typedef struct env {
    long live;
    uint64_t rng;
    int fail_at; /* fail the Nth allocation (0: never) */
    int allocs;
} env;

static void *t_alloc(void *u, size_t n)
{
    env *e = u;
    e->allocs++;
    if (e->fail_at && e->allocs == e->fail_at)
        return NULL;
    e->live++;
    return malloc(n);
}
static void t_free(void *u, void *p, size_t n)
{
    (void)n;
    ((env *)u)->live--;
    free(p);
}
static void t_random(void *u, uint8_t *out, size_t n)
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
static void t_mac(void *u, const uint8_t key[32], const uint8_t *d, size_t n, uint8_t out[32])
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

static void mkaddr(braid_addr *x, uint8_t last, uint16_t port)
{
    memset(x, 0, sizeof *x);
    x->family = 4;
    x->ip[0] = 127, x->ip[3] = last;
    x->udp_port = port;
}

static int pair_init(pair *p, uint32_t seed, int nodelay)
{
    memset(p, 0, sizeof *p);
    p->ea.rng = 0x9e3779b97f4a7c15ull ^ seed;
    p->eb.rng = 0xdeadbeefcafef00dull ^ seed;
    braid_hooks ha = {t_alloc, t_free, t_random, t_mac, NULL, &p->ea};
    braid_hooks hb = {t_alloc, t_free, t_random, t_mac, NULL, &p->eb};
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
    if (braid_endpoint_new(&p->a, &sa, &ha) < 0 || braid_endpoint_new(&p->b, &sb, &hb) < 0)
        return -1;
    p->now = 1000000000ull;
    return 0;
}

/* Moves every pending packet; runs timers when nothing moves. */
static void pump(pair *p, int rounds)
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

static int count_events(braid_endpoint *ep, braid_event_type type, int state)
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

static braid_assoc_id connect_pair(pair *p, uint16_t os, uint16_t mis)
{
    braid_connect_opts o = {6000, os, mis};
    braid_assoc_id id = 0;
    CHECK_EQ(braid_connect(p->a, &p->addr_b, 1, &o, p->now, &id), 0);
    pump(p, 20);
    return id;
}

static void test_handshake(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 1, 1), 0);
    braid_assoc_id id = connect_pair(&p, 10, 5);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(p.a, id, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    /* RFC 9260 §5.1.1: out = min(our OS 10, peer MIS 65535) and in = min(peer OS 10, our MIS 5) */
    CHECK_EQ(st.out_streams, 10);
    CHECK_EQ(st.in_streams, 5);
    CHECK_EQ(count_events(p.a, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_UP), 1);
    CHECK_EQ(count_events(p.b, BRAID_EV_ASSOC_CHANGE, BRAID_COMM_UP), 1);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

/* Sends n messages of varied sizes a->b, checks order and content on b. */
static void transfer(pair *p, braid_assoc_id id, int n, size_t maxlen, uint16_t streams)
{
    uint8_t *msg = malloc(maxlen), *got = malloc(maxlen + 16);
    int sent = 0, recvd = 0, bad = 0;
    uint32_t next_seq[16] = {0};
    while (recvd < n) {
        while (sent < n) {
            size_t len = 8 + (size_t)(sent * 7919) % (maxlen - 8);
            uint16_t sid = (uint16_t)(sent % streams);
            for (size_t i = 0; i < len; i++)
                msg[i] = (uint8_t)(sent * 31 + (int)i);
            braid_store32(msg, (uint32_t)sent);
            braid_send_info si = {sid, 42, 0, (uint32_t)sent};
            int rc = braid_send(p->a, id, &si, msg, len, p->now);
            if (rc == BRAID_ERR_AGAIN)
                break;
            CHECK_EQ(rc, 0);
            sent++;
        }
        pump(p, 4);
        braid_recv_info ri;
        int rc;
        while ((rc = braid_recv(p->b, &ri, got, maxlen + 16, p->now)) >= 0) {
            uint32_t seq = braid_load32(got);
            size_t len = 8 + (size_t)(seq * 7919) % (maxlen - 8);
            if ((size_t)rc != len || !(ri.flags & BRAID_RECV_EOR) || ri.ppid != 42)
                bad++;
            for (size_t i = 4; i < (size_t)rc; i++)
                if (got[i] != (uint8_t)(seq * 31 + i))
                    bad++;
            /* in order per stream: seq increases by streams each time */
            if (seq != next_seq[ri.sid] * streams + ri.sid)
                bad++;
            next_seq[ri.sid]++;
            recvd++;
        }
        if (p->now > 600000000000ull)
            break;
    }
    CHECK_EQ(recvd, n);
    CHECK_EQ(bad, 0);
    free(msg);
    free(got);
}

static void test_data(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 2, 1), 0);
    braid_assoc_id id = connect_pair(&p, 4, 4);
    transfer(&p, id, 2000, 5000, 4);
    braid_counters ca, cb;
    braid_endpoint_counters(p.a, &ca);
    braid_endpoint_counters(p.b, &cb);
    CHECK(ca.data_chunks_out >= 2000);
    CHECK(cb.sacks_out > 0);
    CHECK_EQ(ca.retransmits, 0);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

static void test_shutdown(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 3, 0), 0);
    braid_assoc_id id = connect_pair(&p, 2, 2);
    transfer(&p, id, 50, 3000, 2);
    CHECK_EQ(braid_shutdown(p.a, id, p.now), 0);
    pump(&p, 20);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(p.a, id, &st), BRAID_ERR_NOTFOUND);
    CHECK_EQ(count_events(p.a, BRAID_EV_ASSOC_CHANGE, BRAID_SHUTDOWN_COMP), 1);
    CHECK_EQ(count_events(p.b, BRAID_EV_ASSOC_CHANGE, BRAID_SHUTDOWN_COMP), 1);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

static void test_abort(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 4, 1), 0);
    braid_assoc_id id = connect_pair(&p, 2, 2);
    count_events(p.b, BRAID_EV_NONE, -1);
    CHECK_EQ(braid_abort(p.a, id, "bye now", 7, p.now), 0);
    pump(&p, 10);
    braid_event ev;
    int lost = 0;
    while (braid_poll_event(p.b, &ev)) {
        if (ev.type == BRAID_EV_ASSOC_CHANGE && ev.u.assoc_change.state == BRAID_COMM_LOST) {
            lost++;
            CHECK_EQ(ev.u.assoc_change.error, 12); /* User-Initiated Abort */
            /* the cause TLV carries the user's reason after its 4-byte header */
            CHECK(ev.u.assoc_change.info_len >= 11);
            CHECK_MEM(ev.u.assoc_change.info + 4, "bye now", 7);
        }
        braid_event_release(p.b, &ev);
    }
    CHECK_EQ(lost, 1);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

/* The COOKIE ECHO is lost once: T1-cookie resends it. */
static void test_lost_cookie_echo(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 5, 1), 0);
    braid_connect_opts o = {6000, 2, 2};
    braid_assoc_id id;
    CHECK_EQ(braid_connect(p.a, &p.addr_b, 1, &o, p.now, &id), 0);
    pump(&p, 1); /* INIT -> INIT ACK */
    p.drop_next_from_a = 1;
    pump(&p, 30);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(p.a, id, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

int main(void)
{
    RUN(test_handshake);
    RUN(test_data);
    RUN(test_shutdown);
    RUN(test_abort);
    RUN(test_lost_cookie_echo);
    return CHECK_REPORT();
}
