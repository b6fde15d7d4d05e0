/* The engine's ICMP handling (RFC 9260 Appendix C, RFC 6951 §5.5):
 * braid_endpoint_icmp finds the association by the quoted packet, checks
 * its tag, and ends an attempt, counts a path error or lowers the PMTU. */
#include "check.h"
#include "engine_pair.h"

/* The next packet a writes (not delivered). */
static int take(braid_endpoint *ep, uint64_t now, uint8_t *buf, size_t cap, braid_path *path)
{
    return braid_endpoint_write_pkt(ep, path, buf, cap, now);
}

static braid_icmp icmp_of(braid_icmp_kind k, uint32_t mtu)
{
    braid_icmp ic;
    memset(&ic, 0, sizeof ic);
    ic.kind = k;
    ic.mtu = mtu;
    return ic;
}

/* The last ASSOC_CHANGE state (-1: none); *peer_abort its flag. */
static int last_change(braid_endpoint *ep, int *peer_abort)
{
    braid_event ev;
    int st = -1;
    while (braid_poll_event(ep, &ev)) {
        if (ev.type == BRAID_EV_ASSOC_CHANGE) {
            st = (int)ev.u.assoc_change.state;
            if (peer_abort)
                *peer_abort = ev.u.assoc_change.peer_abort;
        }
        braid_event_release(ep, &ev);
    }
    return st;
}

static braid_assoc_id connect_one(pair *p, const braid_addr *peers, unsigned n)
{
    braid_connect_opts o = {.peer_port = 6000};
    braid_assoc_id id = 0;
    CHECK_EQ(braid_assoc_connect(p->a, peers, n, &o, p->now, &id), 0);
    return id;
}

/* COOKIE-WAIT: Protocol Unreachable (a UDP Port Unreachable, RFC 6951
 * §5.5) quoting our INIT ends the attempt like an ABORT (ICMP8). */
static void test_cookie_wait_refused(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 1, 1), 0);
    braid_assoc_id id = connect_one(&p, &p.addr_b, 1);
    uint8_t init[1500];
    braid_path path;
    int n = take(p.a, p.now, init, sizeof init, &path);
    CHECK(n > 20);
    braid_icmp ic = icmp_of(BRAID_ICMP_PROTO_UNREACH, 0);
    /* ICMP6: an INIT whose Initiate Tag is not ours: discarded */
    uint8_t bad[64];
    memcpy(bad, init, sizeof bad);
    bad[16] ^= 1;
    CHECK_EQ(braid_endpoint_icmp(p.a, &path, &ic, bad, sizeof bad, p.now), BRAID_ERR_STATE);
    /* too short to see the Initiate Tag, or the common header */
    CHECK_EQ(braid_endpoint_icmp(p.a, &path, &ic, init, 19, p.now), BRAID_ERR_STATE);
    CHECK_EQ(braid_endpoint_icmp(p.a, &path, &ic, init, 11, p.now), BRAID_ERR_TRUNCATED);
    /* another destination (ICMP5): no such association */
    braid_path other = path;
    other.remote.ip[3] = 99;
    CHECK_EQ(braid_endpoint_icmp(p.a, &other, &ic, init, (size_t)n, p.now), BRAID_ERR_NOTFOUND);
    CHECK_EQ(braid_assoc_state_get(p.a, id), BRAID_STATE_COOKIE_WAIT);
    /* the real one: the attempt ends, nothing more is sent */
    CHECK_EQ(braid_endpoint_icmp(p.a, &path, &ic, init, 32, p.now), (int)id);
    CHECK_EQ(braid_assoc_state_get(p.a, id), BRAID_ERR_NOTFOUND);
    int pa = 0;
    CHECK_EQ(last_change(p.a, &pa), BRAID_CANT_STR_ASSOC);
    CHECK_EQ(pa, 1);
    CHECK_EQ(take(p.a, p.now, init, sizeof init, &path), 0);
    braid_counters c;
    braid_endpoint_counters(p.a, &c);
    CHECK_EQ(c.icmp_in, 1);
    CHECK_EQ(c.icmp_dropped, 4);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
}

/* COOKIE-WAIT: unreachable with one destination ends the attempt (not as
 * an ABORT); with another one the INIT goes there at once (ICMP9). */
static void test_cookie_wait_unreachable(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 2, 1), 0);
    braid_assoc_id id = connect_one(&p, &p.addr_b, 1);
    uint8_t init[1500];
    braid_path path;
    int n = take(p.a, p.now, init, sizeof init, &path);
    braid_icmp ic = icmp_of(BRAID_ICMP_UNREACH, 0);
    CHECK_EQ(braid_endpoint_icmp(p.a, &path, &ic, init, (size_t)n, p.now), (int)id);
    int pa = 1;
    CHECK_EQ(last_change(p.a, &pa), BRAID_CANT_STR_ASSOC);
    CHECK_EQ(pa, 0);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);

    CHECK_EQ(pair_init(&p, 3, 1), 0);
    braid_addr two[2] = {p.addr_b, p.addr_b};
    two[0].ip[3] = 77; /* unreachable first address */
    id = connect_one(&p, two, 2);
    n = take(p.a, p.now, init, sizeof init, &path);
    CHECK_EQ(path.remote.ip[3], 77);
    CHECK_EQ(braid_endpoint_icmp(p.a, &path, &ic, init, (size_t)n, p.now), 0);
    CHECK_EQ(braid_assoc_state_get(p.a, id), BRAID_STATE_COOKIE_WAIT);
    n = take(p.a, p.now, init, sizeof init, &path);
    CHECK(n > 0);
    CHECK_EQ(path.remote.ip[3], 2); /* the INIT again, to the other address */
    braid_path in = {path.remote, path.local};
    braid_endpoint_read_pkt(p.b, &in, init, (size_t)n, p.now);
    pump(&p, 20);
    CHECK_EQ(braid_assoc_state_get(p.a, id), BRAID_STATE_ESTABLISHED);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
}

/* Established: the quoted tag must be the peer's; an unreachable counts
 * one path error per RTO; past Path.Max.Retrans the path is INACTIVE. A
 * Fragmentation Needed lowers the PMTU. */
static void test_established(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 4, 1), 0);
    braid_assoc_id id = connect_one(&p, &p.addr_b, 1);
    pump(&p, 20);
    CHECK_EQ(braid_assoc_state_get(p.a, id), BRAID_STATE_ESTABLISHED);
    last_change(p.a, NULL);
    braid_send_info si;
    memset(&si, 0, sizeof si);
    CHECK_EQ(braid_assoc_send(p.a, id, &si, "hello", 5, p.now), 0);
    uint8_t pkt[1500];
    braid_path path;
    int n = take(p.a, p.now, pkt, sizeof pkt, &path);
    CHECK(n > 12);
    braid_icmp ic = icmp_of(BRAID_ICMP_UNREACH, 0);
    uint8_t bad[64];
    memcpy(bad, pkt, sizeof bad);
    bad[7] ^= 1; /* not the peer's tag */
    CHECK_EQ(braid_endpoint_icmp(p.a, &path, &ic, bad, sizeof bad, p.now), BRAID_ERR_STATE);
    braid_assoc_status st;
    braid_assoc_status_get(p.a, id, &st);
    CHECK_EQ(st.paths[0].error_count, 0);
    CHECK_EQ(braid_endpoint_icmp(p.a, &path, &ic, pkt, 12, p.now), 0);
    CHECK_EQ(braid_endpoint_icmp(p.a, &path, &ic, pkt, 12, p.now), 0); /* same RTO */
    braid_assoc_status_get(p.a, id, &st);
    CHECK_EQ(st.paths[0].error_count, 1);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    uint64_t t = p.now;
    for (int i = 0; i < 6; i++) {
        t += 4000000000ull; /* past the path's RTO each time */
        CHECK_EQ(braid_endpoint_icmp(p.a, &path, &ic, pkt, 12, t), 0);
    }
    braid_assoc_status_get(p.a, id, &st);
    CHECK_EQ(st.paths[0].error_count, 7);
    CHECK_EQ(st.paths[0].active, 0); /* past Path.Max.Retrans (5) */
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    /* Port Unreachable once set up: a path error, not an ABORT */
    ic = icmp_of(BRAID_ICMP_PROTO_UNREACH, 0);
    CHECK_EQ(braid_endpoint_icmp(p.a, &path, &ic, pkt, 12, t + 4000000000ull), 0);
    CHECK_EQ(braid_assoc_state_get(p.a, id), BRAID_STATE_ESTABLISHED);
    /* PMTU */
    uint32_t fp = st.frag_point;
    ic = icmp_of(BRAID_ICMP_FRAG_NEEDED, 1000);
    CHECK_EQ(braid_endpoint_icmp(p.a, &path, &ic, pkt, 12, t), 0);
    braid_assoc_status_get(p.a, id, &st);
    CHECK_EQ(st.paths[0].pmtu, 1000);
    CHECK(st.frag_point < fp);
    CHECK(st.frag_point <= 1000 - 28);
    ic = icmp_of(BRAID_ICMP_FRAG_NEEDED, 100); /* never below the smallest */
    CHECK_EQ(braid_endpoint_icmp(p.a, &path, &ic, pkt, 12, t), 0);
    braid_assoc_status_get(p.a, id, &st);
    CHECK_EQ(st.paths[0].pmtu, BRAID_MIN_PMTU);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
}

int main(void)
{
    RUN(test_cookie_wait_refused);
    RUN(test_cookie_wait_unreachable);
    RUN(test_established);
    return CHECK_REPORT();
}
