/*
 * Giving up on a peer (RFC 9260 §8.1): past Association.Max.Retrans the
 * association ends with an ABORT carrying a Protocol Violation cause
 * (§3.3.10.13), as Linux (sctp_cmd_assoc_failed) and usrsctp
 * (sctp_threshold_management) do, so the peer learns at once; whether the
 * errors came from T3-rtx, unanswered HEARTBEATs or T2-shutdown. A
 * handshake that runs out of Max.Init.Retransmits (T1-init, T1-cookie)
 * ends silently, as on Linux (sctp_cmd_init_failed).
 */
#include "check.h"
#include "core/wire/chunk.h"
#include "core/wire/pkt.h"
#include "core/wire/tlv.h"
#include "engine_pair.h"
#include "pkt_probe.h"

#define PA 5000
#define PB 6000

typedef struct seen {
    int pkts;   /* packets A sent (all lost) */
    int aborts; /* ABORT chunks among them */
    int inits, echoes;
    out_pkt abort; /* the last packet with an ABORT */
} seen;

static int ip_eq(const braid_addr *a, const braid_addr *b)
{
    return a->family == b->family && memcmp(a->ip, b->ip, a->family == 6 ? 16 : 4) == 0;
}

/* Runs A's timers with every packet it sends lost, until it has nothing
 * left to do. */
static void run_a_lost(pair *p, seen *s)
{
    memset(s, 0, sizeof *s);
    for (int r = 0; r < 10000; r++) {
        out_pkt o;
        while ((o = pull(p->a, p->now)).len > 0) {
            s->pkts++;
            s->inits += o.type == BRAID_CHUNK_INIT;
            s->echoes += o.type == BRAID_CHUNK_COOKIE_ECHO;
            for (unsigned i = 0; i < o.n_chunks && i < 16; i++)
                if (o.types[i] == BRAID_CHUNK_ABORT) {
                    s->aborts++;
                    s->abort = o;
                }
        }
        uint64_t t = braid_endpoint_next_expiry(p->a);
        if (t == BRAID_TIME_NEVER)
            return;
        if (t > p->now)
            p->now = t;
        braid_endpoint_handle_expiry(p->a, p->now);
    }
    CHECK(0); /* never gave up */
}

static braid_assoc_id up(pair *p, braid_assoc_status *sa, braid_assoc_status *sb,
                         braid_assoc_id *idb)
{
    braid_connect_opts o = {PB, 4, 4};
    braid_assoc_id id = 0;
    CHECK_EQ(braid_assoc_connect(p->a, &p->addr_b, 1, &o, p->now, &id), 0);
    pump(p, 20);
    CHECK_EQ(braid_assoc_status_get(p->a, id, sa), 0);
    CHECK_EQ(sa->state, BRAID_STATE_ESTABLISHED);
    *idb = 0;
    for (braid_assoc_id i = 1; i < 10 && !*idb; i++)
        if (braid_assoc_status_get(p->b, i, sb) == 0)
            *idb = i;
    count_events(p->a, BRAID_EV_NONE, -1);
    count_events(p->b, BRAID_EV_NONE, -1);
    return id;
}

/* The ABORT A sent: one chunk, T bit clear, the peer's tag, to the primary
 * path, with a Protocol Violation cause and some text; delivered to B, it
 * ends B's association at once. */
static void check_abort(pair *p, const seen *s, const braid_assoc_status *sa)
{
    const out_pkt *o = &s->abort;
    CHECK_EQ(s->aborts, 1);
    CHECK_EQ(o->type, BRAID_CHUNK_ABORT);
    CHECK_EQ(o->n_chunks, 1);
    CHECK_EQ(o->flags & BRAID_FLAG_T, 0);
    CHECK_EQ(o->h.vtag, sa->peer_vtag);
    CHECK_EQ(o->h.src_port, PA);
    CHECK_EQ(o->h.dst_port, PB);
    CHECK_EQ(o->first_cause, BRAID_CAUSE_PROTOCOL_VIOLATION);
    CHECK(braid_load16(o->raw + 12 + 6) > 4); /* the cause has a text */
    CHECK(ip_eq(&o->path.remote, &p->addr_b));
    /* §9.1: the peer gets it and ends the association */
    braid_path in = {o->path.remote, o->path.local};
    CHECK_EQ(braid_endpoint_read_pkt(p->b, &in, o->raw, (size_t)o->len, p->now), 0);
    braid_event ev;
    int lost = 0;
    while (braid_poll_event(p->b, &ev)) {
        if (ev.type == BRAID_EV_ASSOC_CHANGE && ev.u.assoc_change.state == BRAID_COMM_LOST) {
            lost++;
            CHECK(ev.u.assoc_change.peer_abort);
            CHECK_EQ(ev.u.assoc_change.error, BRAID_CAUSE_PROTOCOL_VIOLATION);
        }
        braid_event_release(p->b, &ev);
    }
    CHECK_EQ(lost, 1);
}

/* COMM_LOST on A (error 0, as Linux's SCTP_ERROR_NO_ERROR), and the
 * association gone. */
static void check_lost(pair *p, braid_assoc_id ida)
{
    braid_event ev;
    int lost = 0;
    while (braid_poll_event(p->a, &ev)) {
        if (ev.type == BRAID_EV_ASSOC_CHANGE) {
            CHECK_EQ(ev.u.assoc_change.state, BRAID_COMM_LOST);
            CHECK_EQ(ev.u.assoc_change.error, 0);
            CHECK(!ev.u.assoc_change.peer_abort);
            lost++;
        }
        braid_event_release(p->a, &ev);
    }
    CHECK_EQ(lost, 1);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(p->a, ida, &st), BRAID_ERR_NOTFOUND);
}

/* T3-rtx: data is never acknowledged. B's message, unread by A, outlives
 * the association; the ABORT still goes (the association is kept for the
 * reader, not for sending). */
static void test_t3_max_retrans_abort(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 70, 1), 0);
    braid_assoc_status sa, sb;
    braid_assoc_id idb;
    braid_assoc_id ida = up(&p, &sa, &sb, &idb);
    braid_send_info si = {0, 1, 0, 0, 0};
    CHECK_EQ(braid_assoc_send(p.b, idb, &si, "unread", 6, p.now), 0);
    pump(&p, 10);
    count_events(p.a, BRAID_EV_NONE, -1);
    CHECK_EQ(braid_assoc_send(p.a, ida, &si, "lost", 4, p.now), 0);
    seen s;
    run_a_lost(&p, &s);
    braid_settings cfg;
    braid_endpoint_get_settings(p.a, &cfg);
    CHECK(s.pkts > (int)cfg.assoc_max_retrans); /* the retransmissions, then the ABORT */
    check_abort(&p, &s, &sa);
    /* COMM_LOST, after the SEND_FAILED of the lost message */
    braid_event ev;
    int lost = 0, failed = 0;
    while (braid_poll_event(p.a, &ev)) {
        lost += ev.type == BRAID_EV_ASSOC_CHANGE && ev.u.assoc_change.state == BRAID_COMM_LOST;
        failed += ev.type == BRAID_EV_SEND_FAILED;
        braid_event_release(p.a, &ev);
    }
    CHECK_EQ(lost, 1);
    CHECK_EQ(failed, 1);
    uint8_t buf[16];
    braid_recv_info ri;
    CHECK_EQ(braid_endpoint_recv(p.a, &ri, buf, sizeof buf, p.now), 6);
    CHECK_EQ(pull(p.a, p.now).len, 0);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

/* Unanswered HEARTBEATs on an idle association (§8.3 counts them). */
static void test_heartbeat_max_retrans_abort(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 71, 1), 0);
    braid_assoc_status sa, sb;
    braid_assoc_id idb;
    braid_assoc_id ida = up(&p, &sa, &sb, &idb);
    seen s;
    run_a_lost(&p, &s);
    check_abort(&p, &s, &sa);
    check_lost(&p, ida);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

/* T2-shutdown: the SHUTDOWN is never answered (§9.2 counts it). */
static void test_t2_max_retrans_abort(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 72, 1), 0);
    braid_assoc_status sa, sb;
    braid_assoc_id idb;
    braid_assoc_id ida = up(&p, &sa, &sb, &idb);
    /* few enough retransmissions that T2 gives up before T5-shutdown-guard
     * (5 x RTO.Max), which ends it with an ABORT of its own */
    braid_settings cfg;
    braid_endpoint_get_settings(p.a, &cfg);
    cfg.assoc_max_retrans = 3;
    CHECK_EQ(braid_endpoint_update_settings(p.a, &cfg), 0);
    CHECK_EQ(braid_assoc_shutdown(p.a, ida, p.now), 0);
    seen s;
    run_a_lost(&p, &s);
    check_abort(&p, &s, &sa);
    check_lost(&p, ida);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

/* Two associations on A, the other one busy: the ABORT of the lost one is
 * not starved by the round-robin output, and the other goes on. */
static void test_abort_beside_other_assoc(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 73, 1), 0);
    braid_assoc_status sa, sb;
    braid_assoc_id idb;
    braid_assoc_id ida = up(&p, &sa, &sb, &idb);
    /* a second association from A to another port of B's address: a peer
     * that never answers (its INITs are lost like everything else) */
    braid_connect_opts o2 = {PB + 1, 2, 2};
    braid_assoc_id id2 = 0;
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &o2, p.now, &id2), 0);
    braid_settings cfg;
    braid_endpoint_get_settings(p.a, &cfg);
    cfg.max_init_retrans = 1000; /* outlives the first */
    CHECK_EQ(braid_endpoint_update_settings(p.a, &cfg), 0);
    seen s;
    memset(&s, 0, sizeof s);
    braid_assoc_status st;
    for (int r = 0; r < 10000 && braid_assoc_status_get(p.a, ida, &st) == 0; r++) {
        out_pkt op;
        while ((op = pull(p.a, p.now)).len > 0)
            if (op.type == BRAID_CHUNK_ABORT) {
                s.aborts++;
                s.abort = op;
            }
        uint64_t t = braid_endpoint_next_expiry(p.a);
        if (t > p.now)
            p.now = t;
        braid_endpoint_handle_expiry(p.a, p.now);
    }
    out_pkt op;
    while ((op = pull(p.a, p.now)).len > 0)
        if (op.type == BRAID_CHUNK_ABORT) {
            s.aborts++;
            s.abort = op;
        }
    check_abort(&p, &s, &sa);
    CHECK_EQ(braid_assoc_status_get(p.a, id2, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_COOKIE_WAIT);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

/* T1-init runs out: CANT_STR_ASSOC, nothing more on the wire (the peer's
 * tag is not even known). */
static void test_t1_init_exhausted_silent(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 74, 1), 0);
    braid_connect_opts co = {PB, 4, 4};
    braid_assoc_id id = 0;
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &co, p.now, &id), 0);
    seen s;
    run_a_lost(&p, &s);
    braid_settings cfg;
    braid_endpoint_get_settings(p.a, &cfg);
    CHECK_EQ(s.aborts, 0);
    CHECK_EQ(s.inits, (int)cfg.max_init_retrans + 1);
    CHECK_EQ(s.pkts, s.inits);
    CHECK_EQ(count_events(p.a, BRAID_EV_ASSOC_CHANGE, BRAID_CANT_STR_ASSOC), 1);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(p.a, id, &st), BRAID_ERR_NOTFOUND);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
}

/* T1-cookie runs out: the same (Linux: sctp_sf_t1_cookie_timer_expire ->
 * SCTP_CMD_INIT_FAILED, no ABORT). */
static void test_t1_cookie_exhausted_silent(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 75, 1), 0);
    braid_connect_opts co = {PB, 4, 4};
    braid_assoc_id id = 0;
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &co, p.now, &id), 0);
    out_pkt o = pull(p.a, p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_INIT);
    braid_path in = {o.path.remote, o.path.local};
    braid_endpoint_read_pkt(p.b, &in, o.raw, (size_t)o.len, p.now);
    o = pull(p.b, p.now);
    CHECK_EQ(o.type, BRAID_CHUNK_INIT_ACK);
    braid_path in2 = {o.path.remote, o.path.local};
    braid_endpoint_read_pkt(p.a, &in2, o.raw, (size_t)o.len, p.now);
    seen s;
    run_a_lost(&p, &s);
    braid_settings cfg;
    braid_endpoint_get_settings(p.a, &cfg);
    CHECK_EQ(s.aborts, 0);
    CHECK_EQ(s.echoes, (int)cfg.max_init_retrans + 1);
    CHECK_EQ(s.pkts, s.echoes);
    CHECK_EQ(count_events(p.a, BRAID_EV_ASSOC_CHANGE, BRAID_CANT_STR_ASSOC), 1);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(p.a, id, &st), BRAID_ERR_NOTFOUND);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
}

int main(void)
{
    RUN(test_t3_max_retrans_abort);
    RUN(test_heartbeat_max_retrans_abort);
    RUN(test_t2_max_retrans_abort);
    RUN(test_abort_beside_other_assoc);
    RUN(test_t1_init_exhausted_silent);
    RUN(test_t1_cookie_exhausted_silent);
    return CHECK_REPORT();
}
