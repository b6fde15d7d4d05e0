/* Wildcard-bound endpoints (no local address in the settings, the host's
 * addresses from hooks.host_addrs): the addresses their INIT and INIT ACK
 * list (RFC 9260 §5.1.2, Linux's scope rules) and the source of every
 * packet, always one of those announced. */
#include <arpa/inet.h>

#include "check.h"
#include "engine_pair.h"

static braid_addr A(const char *s)
{
    braid_addr a;
    memset(&a, 0, sizeof a);
    if (strchr(s, ':')) {
        a.family = 6;
        inet_pton(AF_INET6, s, a.ip);
    } else {
        a.family = 4;
        inet_pton(AF_INET, s, a.ip);
    }
    return a;
}

static const char *host_a[] = {"127.0.0.1", "10.0.0.1", "10.0.0.2",    "192.0.2.5", "169.254.1.1",
                               "fe80::1",   "::1",      "2001:db8::1", "224.0.0.1", "0.0.0.0"};
static const char *host_b[] = {"127.0.0.1", "10.0.0.9", "10.0.0.10", "2001:db8::9"};

typedef struct host {
    env e;
    const char **addrs;
    unsigned n;
    const char *route; /* the routing's source for every remote (NULL: none) */
} host;

static unsigned h_addrs(void *u, braid_addr *out, unsigned max)
{
    host *h = u;
    unsigned n = 0;
    for (; n < h->n && n < max; n++)
        out[n] = A(h->addrs[n]);
    return n;
}

static int h_route(void *u, const braid_addr *remote, braid_addr *src)
{
    host *h = u;
    if (!h->route)
        return -1;
    if (remote->family == 4 && remote->ip[0] == 127) {
        *src = A("127.0.0.1");
        return 0;
    }
    *src = A(h->route);
    return src->family == remote->family ? 0 : -1;
}

static void *h_alloc(void *u, size_t n)
{
    return t_alloc(&((host *)u)->e, n);
}
static void h_free(void *u, void *p, size_t n)
{
    t_free(&((host *)u)->e, p, n);
}
static void h_random(void *u, uint8_t *o, size_t n)
{
    t_random(&((host *)u)->e, o, n);
}

static braid_endpoint *mk(host *h, uint16_t port, const char **addrs, unsigned n, const char *route)
{
    memset(h, 0, sizeof *h);
    h->e.rng = 0x1234567ull + port;
    h->addrs = addrs;
    h->n = n;
    h->route = route;
    braid_hooks hk = {h_alloc, h_free, h_random, t_mac, NULL, h, NULL, h_addrs, h_route, 0};
    braid_settings s;
    braid_settings_default(&s);
    s.local_port = port;
    s.hb_interval_ns = 0;
    braid_endpoint *ep = NULL;
    braid_endpoint_new(&ep, &s, &hk);
    return ep;
}

/* The IPv4 / IPv6 Address parameters of the INIT or INIT ACK starting the
 * packet, as text, space separated. */
static void listed(const uint8_t *pkt, size_t len, char *out, size_t cap)
{
    out[0] = 0;
    if (len < 32)
        return;
    size_t clen = (size_t)(pkt[14] << 8 | pkt[15]);
    size_t off = 12 + 20, end = 12 + clen;
    if (end > len)
        end = len;
    while (off + 4 <= end) {
        unsigned type = (unsigned)(pkt[off] << 8 | pkt[off + 1]);
        size_t plen = (size_t)(pkt[off + 2] << 8 | pkt[off + 3]);
        if (plen < 4)
            break;
        char t[64] = "";
        if (type == 5 && plen == 8)
            inet_ntop(AF_INET, pkt + off + 4, t, sizeof t);
        if (type == 6 && plen == 20)
            inet_ntop(AF_INET6, pkt + off + 4, t, sizeof t);
        if (t[0]) {
            if (out[0])
                strncat(out, " ", cap - strlen(out) - 1);
            strncat(out, t, cap - strlen(out) - 1);
        }
        off += (plen + 3) & ~(size_t)3;
    }
}

static void ntop(const braid_addr *a, char *t, size_t cap)
{
    t[0] = 0;
    if (a->family == 4 || a->family == 6)
        inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->ip, t, (socklen_t)cap);
}

/* INIT: the routing's source first, the addresses in the peer's scope. */
static void test_init_lists(void)
{
    struct {
        const char *peer, *route, *want, *src;
    } cases[] = {
        /* private peer: private and global ones, not loopback or link-local */
        {"10.0.0.77", "10.0.0.2", "10.0.0.2 10.0.0.1 192.0.2.5", "10.0.0.2"},
        /* global peer: global ones (and the source) */
        {"203.0.113.9", "10.0.0.1", "10.0.0.1 192.0.2.5", "10.0.0.1"},
        /* link-local peer: link-local too */
        {"169.254.7.7", "169.254.1.1", "169.254.1.1 10.0.0.1 10.0.0.2 192.0.2.5", "169.254.1.1"},
        /* loopback peer: loopback only, a single address: not listed */
        {"127.0.0.1", "127.0.0.1", "", "127.0.0.1"},
        /* IPv6 global peer: IPv6 global ones, no link-local, no ::1 */
        {"2001:db8::77", "2001:db8::1", "", "2001:db8::1"},
        /* no route known: the one address in scope (not listed, alone) */
        {"192.0.2.99", NULL, "", "192.0.2.5"},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        host h;
        braid_endpoint *ep = mk(&h, 5000, host_a, 10, cases[i].route);
        braid_addr peer = A(cases[i].peer);
        peer.udp_port = 9899;
        braid_connect_opts o = {.peer_port = 6000};
        braid_assoc_id id;
        CHECK_EQ(braid_assoc_connect(ep, &peer, 1, &o, 1000, &id), 0);
        uint8_t pkt[1500];
        braid_path path;
        int n = braid_endpoint_write_pkt(ep, &path, pkt, sizeof pkt, 1000);
        CHECK(n > 0);
        char got[256], src[64];
        listed(pkt, (size_t)n, got, sizeof got);
        ntop(&path.local, src, sizeof src);
        if (strcmp(got, cases[i].want) || strcmp(src, cases[i].src))
            fprintf(stderr, "  peer %s: listed \"%s\" from \"%s\"\n", cases[i].peer, got, src);
        CHECK_STR(got, cases[i].want);
        CHECK_STR(src, cases[i].src);
        braid_endpoint_free(ep);
    }
}

/* Moves packets between a and b; every packet's source must be one its
 * sender announced (or the single address it left out). */
static int moved_from_unannounced;

static void pump2(braid_endpoint *a, braid_endpoint *b, const char *const *ok_a, unsigned na,
                  const char *const *ok_b, unsigned nb, uint64_t *now, int rounds)
{
    uint8_t buf[2048];
    for (int r = 0; r < rounds; r++) {
        int moved = 0;
        braid_endpoint *eps[2] = {a, b};
        for (int k = 0; k < 2; k++) {
            braid_path p;
            int n;
            while ((n = braid_endpoint_write_pkt(eps[k], &p, buf, sizeof buf, *now)) > 0) {
                moved++;
                char src[64];
                ntop(&p.local, src, sizeof src);
                bool ok = false;
                const char *const *okl = k ? ok_b : ok_a;
                for (unsigned j = 0; j < (k ? nb : na); j++)
                    ok |= !strcmp(okl[j], src);
                if (!ok) {
                    fprintf(stderr, "  packet from unannounced %s\n", src);
                    moved_from_unannounced++;
                }
                braid_path in = {p.remote, p.local};
                braid_endpoint_read_pkt(eps[1 - k], &in, buf, (size_t)n, *now);
            }
        }
        if (!moved) {
            uint64_t ta = braid_endpoint_next_expiry(a), tb = braid_endpoint_next_expiry(b);
            uint64_t t = ta < tb ? ta : tb;
            if (t == BRAID_TIME_NEVER)
                return;
            if (t > *now)
                *now = t;
            braid_endpoint_handle_expiry(a, *now);
            braid_endpoint_handle_expiry(b, *now);
        }
    }
}

/* Two wildcard endpoints on private addresses: the INIT ACK lists the
 * address the INIT reached first; both sides end with every address of the
 * other confirmed, every packet from an announced address; an IPv6
 * address of the peer (we announced none) is not used. */
static void test_handshake_and_paths(void)
{
    host ha, hb;
    braid_endpoint *a = mk(&ha, 5000, host_a, 10, "10.0.0.1");
    braid_endpoint *b = mk(&hb, 6000, host_b, 4, "10.0.0.9");
    braid_addr peer = A("10.0.0.10"); /* the INIT reaches b at its second address */
    peer.udp_port = 9899;
    braid_connect_opts o = {.peer_port = 6000};
    braid_assoc_id id;
    uint64_t now = 1000;
    CHECK_EQ(braid_assoc_connect(a, &peer, 1, &o, now, &id), 0);
    uint8_t pkt[1500];
    braid_path p;
    int n = braid_endpoint_write_pkt(a, &p, pkt, sizeof pkt, now);
    braid_path in = {p.remote, p.local};
    braid_endpoint_read_pkt(b, &in, pkt, (size_t)n, now);
    n = braid_endpoint_write_pkt(b, &p, pkt, sizeof pkt, now);
    CHECK(n > 0);
    CHECK_EQ(pkt[12], 2); /* INIT ACK */
    char got[256], src[64];
    listed(pkt, (size_t)n, got, sizeof got);
    ntop(&p.local, src, sizeof src);
    CHECK_STR(src, "10.0.0.10");
    CHECK_STR(got, "10.0.0.10 10.0.0.9");
    in = (braid_path){p.remote, p.local};
    braid_endpoint_read_pkt(a, &in, pkt, (size_t)n, now);
    const char *ok_a[] = {"10.0.0.1", "10.0.0.2", "192.0.2.5"};
    const char *ok_b[] = {"10.0.0.10", "10.0.0.9"};
    moved_from_unannounced = 0;
    pump2(a, b, ok_a, 3, ok_b, 2, &now, 200);
    CHECK_EQ(moved_from_unannounced, 0);
    braid_assoc_status st;
    CHECK_EQ(braid_assoc_status_get(a, id, &st), 0);
    CHECK_EQ(st.state, BRAID_STATE_ESTABLISHED);
    CHECK_EQ(st.n_paths, 2);
    for (unsigned i = 0; i < st.n_paths; i++)
        CHECK_EQ(st.paths[i].confirmed, 1);
    braid_assoc_id bid = braid_next_assoc(b, 0);
    CHECK_EQ(braid_assoc_status_get(b, bid, &st), 0);
    CHECK_EQ(st.n_paths, 3); /* 10.0.0.1 (the source), 10.0.0.2, 192.0.2.5 */
    for (unsigned i = 0; i < st.n_paths; i++)
        CHECK_EQ(st.paths[i].confirmed, 1);
    braid_endpoint_free(a);
    braid_endpoint_free(b);
}

/* Bound endpoints are unchanged: their own addresses, never the host's. */
static void test_bound_unchanged(void)
{
    pair p;
    CHECK_EQ(pair_init(&p, 9, 1), 0);
    braid_connect_opts o = {.peer_port = 6000};
    braid_assoc_id id;
    CHECK_EQ(braid_assoc_connect(p.a, &p.addr_b, 1, &o, p.now, &id), 0);
    uint8_t pkt[1500];
    braid_path path;
    int n = braid_endpoint_write_pkt(p.a, &path, pkt, sizeof pkt, p.now);
    char got[256];
    listed(pkt, (size_t)n, got, sizeof got);
    CHECK_STR(got, "");
    CHECK_EQ(path.local.ip[3], 1);
    braid_endpoint_free(p.a);
    braid_endpoint_free(p.b);
}

int main(void)
{
    RUN(test_init_lists);
    RUN(test_handshake_and_paths);
    RUN(test_bound_unchanged);
    return CHECK_REPORT();
}
