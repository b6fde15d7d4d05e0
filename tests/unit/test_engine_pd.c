/*
 * Partial delivery end to end (RFC 9260 §6.9; RFC 6458 §8.1.21, §6.1.7):
 * two endpoints wired back to back (the harness of test_engine.c). A message
 * larger than the receiver's buffer is handed to the reader in pieces as it
 * arrives, only its last piece carries EOR, the window reopens as the pieces
 * are read, and an association that ends under a partial delivery reports
 * it. The counting allocator must end at zero.
 */
#include "check.h"
#include "engine_pair.h"

/* pair_init with the receive buffer of b and the send buffer of a set. */
static uint32_t g_rcvbuf_b, g_sndbuf_a;
static void pd_tweak(braid_settings *sa, braid_settings *sb)
{
    sa->sndbuf = g_sndbuf_a;
    sb->rcvbuf = g_rcvbuf_b;
}

static int pd_pair_init(pair *p, uint32_t seed, uint32_t rcvbuf_b, uint32_t sndbuf_a)
{
    g_rcvbuf_b = rcvbuf_b;
    g_sndbuf_a = sndbuf_a;
    return pair_init_with(p, seed, 1, pd_tweak);
}

static braid_assoc_id connect_pair(pair *p)
{
    braid_connect_opts o = {6000, 2, 2};
    braid_assoc_id id = 0;
    CHECK_EQ(braid_assoc_connect(p->a, &p->addr_b, 1, &o, p->now, &id), 0);
    pump(p, 20);
    return id;
}

enum { BIG = 1 << 20, RCVBUF = 64 * 1024, PIECE = 4096 };

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 7 + (i >> 11));
}

typedef struct reader {
    size_t got;
    int pieces, eors, bad;
    braid_assoc_id assoc;
} reader;

/* Reads everything readable on b in pieces of at most PIECE bytes and
 * checks them against the big message. */
static void read_big(pair *p, reader *rd)
{
    uint8_t buf[PIECE];
    braid_recv_info ri;
    int rc;
    while ((rc = braid_endpoint_recv(p->b, &ri, buf, sizeof buf, p->now)) >= 0) {
        size_t n = (size_t)rc;
        if (n == 0 || rd->got + n > BIG) { /* never an empty piece, never too much */
            rd->bad++;
            break;
        }
        for (size_t i = 0; i < n; i++)
            if (buf[i] != pattern(rd->got + i))
                rd->bad++;
        rd->got += n;
        rd->pieces++;
        rd->assoc = ri.assoc;
        if (ri.sid != 1 || ri.ppid != 77 || ri.ssn != 0 || (ri.flags & BRAID_RECV_UNORDERED))
            rd->bad++;
        if (ri.flags & BRAID_RECV_EOR) { /* the last piece only */
            rd->eors++;
            if (rd->got != BIG)
                rd->bad++;
        }
    }
}

/* 1 MiB through a 64 KiB receive buffer, read 4 KiB at a time. */
static void test_big_message(void)
{
    pair p;
    CHECK_EQ(pd_pair_init(&p, 11, RCVBUF, 2 * 1024 * 1024), 0);
    braid_assoc_id id = connect_pair(&p);
    uint8_t *msg = malloc(BIG);
    for (size_t i = 0; i < BIG; i++)
        msg[i] = pattern(i);
    braid_send_info si = {1, 77, 0, 1, 0};
    CHECK_EQ(braid_assoc_send(p.a, id, &si, msg, BIG, p.now), 0);
    reader rd = {0, 0, 0, 0, 0};
    braid_assoc_id idb = braid_find_assoc(p.b, &p.addr_a, 5000);
    CHECK(idb != 0);
    uint32_t min_rwnd = RCVBUF;
    int first_read_at = -1, rounds = 0;
    while (rd.got < BIG && p.now < 600000000000ull) {
        pump(&p, 4);
        rounds++;
        braid_assoc_status st;
        if (braid_assoc_status_get(p.b, idb, &st) == 0 && st.local_rwnd < min_rwnd)
            min_rwnd = st.local_rwnd;
        read_big(&p, &rd);
        if (rd.got && first_read_at < 0) {
            first_read_at = rounds;
            /* the first piece came once the buffer was full (pressure) */
            CHECK(min_rwnd < 1452);
        }
    }
    CHECK_EQ(rd.assoc, idb);
    CHECK_EQ(rd.got, BIG);
    CHECK_EQ(rd.eors, 1);
    CHECK_EQ(rd.bad, 0);
    CHECK(rd.pieces >= BIG / PIECE);
    /* the association carries on: a small message comes whole */
    braid_send_info si2 = {0, 5, 0, 2, 0};
    CHECK_EQ(braid_assoc_send(p.a, id, &si2, "after", 5, p.now), 0);
    pump(&p, 10);
    uint8_t buf[64];
    braid_recv_info ri;
    CHECK_EQ(braid_endpoint_recv(p.b, &ri, buf, sizeof buf, p.now), 5);
    CHECK_MEM(buf, "after", 5);
    CHECK(ri.flags & BRAID_RECV_EOR);
    CHECK_EQ(braid_endpoint_recv(p.b, &ri, buf, sizeof buf, p.now), BRAID_ERR_AGAIN);
    braid_counters cb;
    braid_endpoint_counters(p.b, &cb);
    CHECK_EQ(cb.user_msgs_in, 2);
    /* each new piece was announced, after the reader had run dry */
    CHECK(count_events(p.b, BRAID_EV_DATA_READY, -1) > 2);
    CHECK_EQ(count_events(p.b, BRAID_EV_PARTIAL_DELIVERY_ABORTED, -1), 0);
    free(msg);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

/* The sender aborts in the middle: the receiver reports the partial
 * delivery aborted (RFC 6458 §6.1.7), reading stops cleanly and nothing
 * leaks. */
static void test_abort_under_pd(void)
{
    pair p;
    CHECK_EQ(pd_pair_init(&p, 12, RCVBUF, 2 * 1024 * 1024), 0);
    braid_assoc_id id = connect_pair(&p);
    uint8_t *msg = malloc(BIG);
    for (size_t i = 0; i < BIG; i++)
        msg[i] = pattern(i);
    braid_send_info si = {1, 77, 0, 1, 0};
    CHECK_EQ(braid_assoc_send(p.a, id, &si, msg, BIG, p.now), 0);
    reader rd = {0, 0, 0, 0, 0};
    while (rd.got < 3 * RCVBUF && p.now < 600000000000ull) {
        pump(&p, 4);
        read_big(&p, &rd);
    }
    CHECK(rd.got >= 3 * RCVBUF);
    count_events(p.b, BRAID_EV_NONE, -1);
    CHECK_EQ(braid_assoc_abort(p.a, id, NULL, 0, p.now), 0);
    pump(&p, 10);
    read_big(&p, &rd); /* what had arrived can still be read, and no more */
    CHECK(rd.got < BIG);
    CHECK_EQ(rd.eors, 0);
    CHECK_EQ(rd.bad, 0);
    braid_event ev;
    int aborted = 0, lost = 0;
    while (braid_poll_event(p.b, &ev)) {
        if (ev.type == BRAID_EV_PARTIAL_DELIVERY_ABORTED)
            aborted++;
        if (ev.type == BRAID_EV_ASSOC_CHANGE && ev.u.assoc_change.state == BRAID_COMM_LOST)
            lost++;
        braid_event_release(p.b, &ev);
    }
    CHECK_EQ(aborted, 1);
    CHECK_EQ(lost, 1);
    CHECK(!braid_assoc_readable(p.b, rd.assoc));
    pump(&p, 10);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(p.b, rd.assoc, &st), BRAID_ERR_NOTFOUND);
    free(msg);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
    CHECK_EQ(p.ea.live, 0);
    CHECK_EQ(p.eb.live, 0);
}

int main(void)
{
    RUN(test_big_message);
    RUN(test_abort_under_pd);
    return CHECK_REPORT();
}
