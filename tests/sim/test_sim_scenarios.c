/*
 * Engine scenarios on the deterministic network simulator (issue #4):
 * handshake packet losses, lossy/reordering/duplicating transfers,
 * multihoming failover, idle associations, shutdown with data in flight,
 * abort, stale cookie, and allocation failure at every allocation site.
 * Every run checks exactly-once, in-order, byte-exact delivery and that no
 * memory is left allocated. On failure the seed is printed; replay with
 * BRAID_SIM_SEED=N.
 */
#include <stdlib.h>

#include "check.h"
#include "core/wire/chunk.h"
#include "node_braid.h"
#include "sim.h"
#include "traffic.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define CPORT 5000
#define SPORT 6000
#define UDP 9899

typedef struct world {
    sim *s;
    sim_braid_node *c, *sv;
    traffic *t;
    unsigned n_paths;
    braid_addr ca[2], sa[2];
    braid_assoc_id assoc;
    uint64_t seed;
} world;

typedef void (*tweak_fn)(braid_settings *client, braid_settings *server);

/* Links between every client and server address (a full mesh, so a failed
 * server address is unreachable whatever source address is used). */
static int world_init(world *w, uint64_t seed, unsigned n_paths, const sim_link_config *lc,
                      tweak_fn tweak)
{
    memset(w, 0, sizeof *w);
    w->seed = sim_seed(seed);
    w->n_paths = n_paths;
    w->s = sim_new(w->seed);
    braid_settings cs, ss;
    braid_settings_default(&cs);
    braid_settings_default(&ss);
    cs.local_port = CPORT;
    ss.local_port = SPORT;
    for (unsigned i = 0; i < n_paths; i++) {
        w->ca[i] = sim_addr4(10, 0, (uint8_t)i, 1, UDP);
        w->sa[i] = sim_addr4(10, 0, (uint8_t)i, 2, UDP);
        cs.local_addrs[i] = w->ca[i];
        ss.local_addrs[i] = w->sa[i];
    }
    cs.n_local_addrs = ss.n_local_addrs = n_paths;
    if (tweak)
        tweak(&cs, &ss);
    for (unsigned i = 0; i < n_paths; i++)
        for (unsigned j = 0; j < n_paths; j++)
            if (sim_add_link_pair(w->s, &w->ca[i], &w->sa[j], lc, NULL, NULL) < 0)
                return -1;
    if (sim_braid_node_new(&w->c, w->s, "client", &cs) < 0 ||
        sim_braid_node_new(&w->sv, w->s, "server", &ss) < 0)
        return -1;
    return 0;
}

static int world_connect(world *w, const traffic_config *tc)
{
    braid_connect_opts co = {SPORT, 0, 0};
    if (braid_assoc_connect(w->c->ep, w->sa, w->n_paths, &co, sim_now(w->s), &w->assoc) < 0)
        return -1;
    if (tc) {
        w->t = traffic_new(tc);
        if (!w->t)
            return -1;
        traffic_attach(w->t, w->c->ep, w->assoc, w->sv->ep);
        sim_braid_node_set_app(w->c, traffic_sender_app, w->t);
        sim_braid_node_set_app(w->sv, traffic_receiver_app, w->t);
    }
    return 0;
}

/* Closes both endpoints and checks that nothing stayed allocated. */
static void world_end(world *w)
{
    sim_braid_node_close(w->c);
    sim_braid_node_close(w->sv);
    bool ok = sim_braid_node_mem_ok(w->c) && sim_braid_node_mem_ok(w->sv);
    CHECK(ok);
    if (!ok || check_failed_)
        sim_print_replay(w->seed);
    sim_braid_node_free(w->c);
    sim_braid_node_free(w->sv);
    traffic_free(w->t);
    sim_free(w->s);
}

static traffic_config bulk_cfg(uint64_t seed, uint64_t bytes, bool shutdown)
{
    traffic_config tc;
    memset(&tc, 0, sizeof tc);
    tc.seed = seed;
    tc.total_bytes = bytes;
    tc.size_min = 8;
    tc.size_max = 6000;
    tc.n_streams = 4;
    tc.unordered = 0.2;
    tc.ppid = 77;
    tc.shutdown = shutdown;
    return tc;
}

static sim_link_config link_cfg(uint64_t delay, uint64_t rate)
{
    sim_link_config lc;
    memset(&lc, 0, sizeof lc);
    lc.delay_ns = delay;
    lc.rate_bps = rate;
    lc.queue_bytes = 256 * 1024;
    lc.overhead = 28;
    return lc;
}

static bool verdict_ok(world *w)
{
    char why[200];
    if (traffic_ok(w->t, why, sizeof why))
        return true;
    fprintf(stderr, "  traffic: %s\n", why);
    return false;
}

/* ---- handshake: each of the four packets lost once ---- */

static void handshake_loss(uint8_t type, bool from_client)
{
    world w;
    sim_link_config lc = link_cfg(10 * MS, 0);
    CHECK_EQ(world_init(&w, 100 + type, 1, &lc, NULL), 0);
    sim_chunk_filter f = sim_filter_drop_first_chunk(type, 1);
    sim_link *l = from_client ? sim_find_link(w.s, &w.ca[0], &w.sa[0])
                              : sim_find_link(w.s, &w.sa[0], &w.ca[0]);
    sim_link_config fc = *sim_link_get_config(l);
    fc.filter = sim_filter_chunk;
    fc.filter_user = &f;
    sim_link_set_config(l, &fc);
    traffic_config tc = bulk_cfg(w.seed, 20000, true);
    CHECK_EQ(world_connect(&w, &tc), 0);
    sim_run(w.s, 120 * SEC, traffic_done, w.t);
    CHECK(verdict_ok(&w));
    traffic_verdict v;
    traffic_verdict_get(w.t, &v);
    /* the lost packet was resent after the initial RTO (1 s) */
    CHECK(v.tx_up_at >= SEC);
    CHECK_EQ(sim_link_get_stats(l)->filtered, 1);
    world_end(&w);
}

static void test_lost_init(void) { handshake_loss(BRAID_CHUNK_INIT, true); }
static void test_lost_init_ack(void) { handshake_loss(BRAID_CHUNK_INIT_ACK, false); }
static void test_lost_cookie_echo(void) { handshake_loss(BRAID_CHUNK_COOKIE_ECHO, true); }
static void test_lost_cookie_ack(void) { handshake_loss(BRAID_CHUNK_COOKIE_ACK, false); }

/* ---- data over a bad network ---- */

static void test_lossy_transfer(void)
{
    world w;
    sim_link_config lc = link_cfg(15 * MS, 50000000);
    lc.loss = 0.02;
    lc.dup = 0.01;
    lc.reorder = 0.02;
    lc.reorder_delay_ns = 5 * MS;
    lc.jitter_ns = 2 * MS;
    CHECK_EQ(world_init(&w, 7, 1, &lc, NULL), 0);
    traffic_config tc = bulk_cfg(w.seed, 3 << 20, true);
    CHECK_EQ(world_connect(&w, &tc), 0);
    sim_run(w.s, 600 * SEC, traffic_done, w.t);
    CHECK(verdict_ok(&w));
    braid_counters cc, sc;
    braid_endpoint_counters(w.c->ep, &cc);
    braid_endpoint_counters(w.sv->ep, &sc);
    CHECK(cc.fast_retransmits > 0); /* losses were repaired by fast retransmit */
    CHECK(sc.dup_tsns_in > 0);      /* duplicates were seen and reported */
    /* memory per association stays within the buffers (256 KiB each) */
    CHECK(w.c->mem.peak_bytes < 600 * 1024);
    CHECK(w.sv->mem.peak_bytes < 600 * 1024);
    world_end(&w);
}

/* ---- multihoming: one server address fails mid-transfer ---- */

static void test_multihoming_failover(void)
{
    world w;
    sim_link_config lc = link_cfg(10 * MS, 20000000);
    CHECK_EQ(world_init(&w, 11, 2, &lc, NULL), 0);
    /* from t = 3 s, nothing reaches or leaves server address 0 */
    for (unsigned i = 0; i < 2; i++) {
        sim_link *ls[2] = {sim_find_link(w.s, &w.ca[i], &w.sa[0]),
                           sim_find_link(w.s, &w.sa[0], &w.ca[i])};
        for (int k = 0; k < 2; k++) {
            sim_link_config c = *sim_link_get_config(ls[k]);
            c.blackout[0].start = 3 * SEC;
            c.blackout[0].end = UINT64_MAX;
            c.n_blackouts = 1;
            sim_link_set_config(ls[k], &c);
        }
    }
    traffic_config tc = bulk_cfg(w.seed, 20 << 20, true);
    CHECK_EQ(world_connect(&w, &tc), 0);
    sim_run(w.s, 900 * SEC, traffic_done, w.t);
    CHECK(verdict_ok(&w));
    braid_counters cc;
    braid_endpoint_counters(w.c->ep, &cc);
    CHECK(cc.t3_expiries > 0);
    world_end(&w);
}

/* ---- idle association: heartbeats keep it up; a dead peer is detected ---- */

static void test_idle_heartbeats(void)
{
    world w;
    sim_link_config lc = link_cfg(20 * MS, 0);
    CHECK_EQ(world_init(&w, 13, 1, &lc, NULL), 0);
    CHECK_EQ(world_connect(&w, NULL), 0);
    sim_run(w.s, 600 * SEC, NULL, NULL); /* ten idle minutes */
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(w.c->ep, w.assoc, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    CHECK(st.paths[0].srtt_ns >= 40 * MS && st.paths[0].srtt_ns < 60 * MS);
    braid_counters sc;
    braid_endpoint_counters(w.sv->ep, &sc);
    /* HB.interval 30 s + RTO: roughly 15-20 heartbeats each way in 600 s */
    CHECK(sc.pkts_in >= 12);
    world_end(&w);
}

static void test_idle_peer_dies(void)
{
    world w;
    sim_link_config lc = link_cfg(20 * MS, 0);
    lc.blackout[0].start = 5 * SEC;
    lc.blackout[0].end = UINT64_MAX;
    lc.n_blackouts = 1;
    CHECK_EQ(world_init(&w, 17, 1, &lc, NULL), 0);
    CHECK_EQ(world_connect(&w, NULL), 0);
    sim_run(w.s, 3600 * SEC, NULL, NULL);
    /* RFC 9260 §8.1: unanswered heartbeats end the association */
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(w.c->ep, w.assoc, &st), BRAID_ERR_NOTFOUND);
    braid_event ev;
    int lost = 0;
    while (braid_poll_event(w.c->ep, &ev)) {
        if (ev.type == BRAID_EV_ASSOC_CHANGE && ev.u.assoc_change.state == BRAID_COMM_LOST)
            lost++;
        braid_event_release(w.c->ep, &ev);
    }
    CHECK_EQ(lost, 1);
    world_end(&w);
}

/* ---- shutdown while data is in flight on a lossy path ---- */

static void test_shutdown_in_flight(void)
{
    world w;
    sim_link_config lc = link_cfg(25 * MS, 10000000);
    lc.loss = 0.03;
    CHECK_EQ(world_init(&w, 19, 1, &lc, NULL), 0);
    traffic_config tc = bulk_cfg(w.seed, 1 << 20, true); /* shutdown right after queuing */
    CHECK_EQ(world_connect(&w, &tc), 0);
    sim_run(w.s, 600 * SEC, traffic_done, w.t);
    CHECK(verdict_ok(&w));
    traffic_verdict v;
    traffic_verdict_get(w.t, &v);
    CHECK(v.tx_closed && v.rx_closed);
    CHECK_EQ(v.delivered_bytes, v.sent_bytes);
    world_end(&w);
}

/* ---- abort mid-transfer ---- */

typedef struct abort_ctx {
    world *w;
} abort_ctx;

static void do_abort(void *arg, uint64_t now)
{
    world *w = ((abort_ctx *)arg)->w;
    braid_assoc_abort(w->c->ep, w->assoc, "operator says stop", 18, now);
}

static void test_abort_mid_transfer(void)
{
    world w;
    sim_link_config lc = link_cfg(10 * MS, 10000000);
    CHECK_EQ(world_init(&w, 23, 1, &lc, NULL), 0);
    traffic_config tc = bulk_cfg(w.seed, 8 << 20, false);
    CHECK_EQ(world_connect(&w, &tc), 0);
    abort_ctx ac = {&w};
    sim_schedule(w.s, 2 * SEC, do_abort, &ac);
    sim_run(w.s, 30 * SEC, NULL, NULL);
    traffic_verdict v;
    traffic_verdict_get(w.t, &v);
    CHECK(v.comm_lost);            /* both sides saw the association end */
    CHECK(v.send_failed_events > 0); /* unsent data was handed back */
    CHECK_EQ(v.duplicates + v.corrupt + v.out_of_order, 0);
    CHECK(v.delivered_msgs > 0 && v.delivered_msgs < v.sent_msgs);
    world_end(&w);
}

/* ---- stale cookie: cookie lifetime shorter than the round trip ---- */

static void short_cookie(braid_settings *c, braid_settings *s)
{
    (void)c;
    s->valid_cookie_life_ns = 30 * MS;
}

static void test_stale_cookie(void)
{
    world w;
    sim_link_config lc = link_cfg(40 * MS, 0); /* cookie is 80 ms old on arrival */
    CHECK_EQ(world_init(&w, 29, 1, &lc, short_cookie), 0);
    traffic_config tc = bulk_cfg(w.seed, 10000, true);
    CHECK_EQ(world_connect(&w, &tc), 0);
    sim_run(w.s, 120 * SEC, traffic_done, w.t);
    CHECK(verdict_ok(&w));
    braid_counters sc;
    braid_endpoint_counters(w.sv->ep, &sc);
    CHECK_EQ(sc.drop_stale_cookie, 1); /* then the Cookie Preservative fixed it */
    world_end(&w);
}

/* ---- allocation failure at every allocation site ---- */

static void run_with_failure(int side, uint64_t nth, uint64_t *allocs_seen, int *completed)
{
    world w;
    sim_link_config lc = link_cfg(5 * MS, 0);
    lc.loss = 0.05;
    if (world_init(&w, 31, 1, &lc, NULL) < 0) {
        CHECK(0);
        return;
    }
    sim_braid_node *n = side ? w.sv : w.c;
    n->mem.fail_nth = nth;
    traffic_config tc = bulk_cfg(w.seed, 60000, true);
    tc.size_max = 3000;
    if (world_connect(&w, &tc) < 0) {
        /* the connect itself ran out of memory: a clean error, nothing leaked */
        world_end(&w);
        (*completed)++;
        return;
    }
    sim_run(w.s, 300 * SEC, traffic_done, w.t);
    traffic_verdict v;
    traffic_verdict_get(w.t, &v);
    /* no corruption ever; either everything arrived, or the loss was reported */
    CHECK_EQ(v.duplicates + v.corrupt + v.out_of_order, 0);
    if (v.missing && !v.comm_lost && !v.send_failed_events && !v.send_errors) {
        fprintf(stderr, "  fail_nth=%llu side=%d: %llu messages missing silently\n",
                (unsigned long long)nth, side, (unsigned long long)v.missing);
        CHECK(0);
    }
    if (v.delivered_msgs == v.sent_msgs && v.sent_msgs > 0)
        (*completed)++;
    *allocs_seen = n->mem.total_allocs;
    world_end(&w);
}

static void test_alloc_failures(void)
{
    for (int side = 0; side < 2; side++) {
        uint64_t total = 0;
        int completed = 0;
        run_with_failure(side, 0, &total, &completed); /* how many allocations a run makes */
        CHECK(total > 10);
        uint64_t max = total < 400 ? total : 400;
        for (uint64_t nth = 1; nth <= max; nth++) {
            uint64_t seen = 0;
            run_with_failure(side, nth, &seen, &completed);
        }
        printf("  side %s: failed each of %llu allocation sites, %d runs still completed\n",
               side ? "server" : "client", (unsigned long long)max, completed);
    }
}

int main(void)
{
    RUN(test_lost_init);
    RUN(test_lost_init_ack);
    RUN(test_lost_cookie_echo);
    RUN(test_lost_cookie_ack);
    RUN(test_lossy_transfer);
    RUN(test_multihoming_failover);
    RUN(test_idle_heartbeats);
    RUN(test_idle_peer_dies);
    RUN(test_shutdown_in_flight);
    RUN(test_abort_mid_transfer);
    RUN(test_stale_cookie);
    RUN(test_alloc_failures);
    return CHECK_REPORT();
}
