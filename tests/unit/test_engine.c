/*
 * Two endpoints wired back to back in one process (no simulator): the
 * handshake, data both ways, SACKs, shutdown and abort, with a counting
 * allocator that must end at zero.
 */
#include "check.h"
#include "core/wire/chunk.h"
#include "engine_pair.h"

static braid_assoc_id connect_pair(pair *p, uint16_t os, uint16_t mis)
{
    braid_connect_opts o = {6000, os, mis};
    braid_assoc_id id = 0;
    CHECK_EQ(braid_assoc_connect(p->a, &p->addr_b, 1, &o, p->now, &id), 0);
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
            braid_send_info si = {sid, 42, 0, (uint32_t)sent, 0};
            int rc = braid_assoc_send(p->a, id, &si, msg, len, p->now);
            if (rc == BRAID_ERR_AGAIN)
                break;
            CHECK_EQ(rc, 0);
            sent++;
        }
        pump(p, 4);
        braid_recv_info ri;
        int rc;
        while ((rc = braid_endpoint_recv(p->b, &ri, got, maxlen + 16, p->now)) >= 0) {
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
    CHECK_EQ(braid_assoc_shutdown(p.a, id, p.now), 0);
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
    CHECK_EQ(braid_assoc_abort(p.a, id, "bye now", 7, p.now), 0);
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
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &o, p.now, &id), 0);
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

/* The receiver stops reading: its window closes, the sender stops (its send
 * buffer fills: EAGAIN), memory stays bounded by the receive buffer, and
 * once reading resumes a window update restarts the flow with nothing lost. */
static void test_zero_window(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 6, 1), 0);
    braid_assoc_id id = connect_pair(&p, 1, 1);
    uint8_t msg[1000], got[2000];
    int sent = 0, recvd = 0, bad = 0, again = 0;
    uint32_t min_rwnd = UINT32_MAX;
    for (int round = 0; round < 400 && sent < 1000; round++) {
        for (;;) {
            memset(msg, sent & 0xff, sizeof msg);
            braid_store32(msg, (uint32_t)sent);
            braid_send_info si = {0, 5, 0, 0, 0};
            int rc = braid_assoc_send(p.a, id, &si, msg, sizeof msg, p.now);
            if (rc == BRAID_ERR_AGAIN) {
                again++;
                break;
            }
            CHECK_EQ(rc, 0);
            if (++sent == 1000)
                break;
        }
        pump(&p, 3);
        braid_assoc_status st;
        braid_assoc_status_get(p.a, id, &st);
        if (st.peer_rwnd < min_rwnd)
            min_rwnd = st.peer_rwnd;
    }
    CHECK(again > 0);        /* the sender was blocked */
    CHECK(min_rwnd < 1000);  /* the window closed */
    CHECK(p.eb.live < 600);  /* receiver memory bounded (256 KiB of 1000 B chunks) */
    /* now read everything */
    for (int round = 0; round < 2000 && recvd < 1000; round++) {
        braid_recv_info ri;
        int n;
        while ((n = braid_endpoint_recv(p.b, &ri, got, sizeof got, p.now)) > 0) {
            if (n != 1000 || braid_load32(got) != (uint32_t)recvd)
                bad++;
            recvd++;
        }
        while (sent < 1000) {
            memset(msg, sent & 0xff, sizeof msg);
            braid_store32(msg, (uint32_t)sent);
            braid_send_info si = {0, 5, 0, 0, 0};
            if (braid_assoc_send(p.a, id, &si, msg, sizeof msg, p.now) != 0)
                break;
            sent++;
        }
        pump(&p, 3);
    }
    CHECK_EQ(recvd, 1000);
    CHECK_EQ(bad, 0);
    braid_counters cb;
    braid_endpoint_counters(p.b, &cb);
    CHECK_EQ(cb.drop_out_of_window, 0);
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
    RUN(test_zero_window);
    return CHECK_REPORT();
}
