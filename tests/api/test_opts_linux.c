/* Socket options as Linux 6.1 has them (net/sctp/socket.c), each pinned by
 * a behaviour on real braid sockets over UDP on loopback: per association
 * and per path SCTP_PEER_ADDR_PARAMS (heartbeats seen on a live
 * association), SCTP_DELAYED_SACK (the peer's SACK timing), SCTP_MAXSEG
 * (bounds, and the size of each DATA chunk), sinit_max_init_timeo (T1 only),
 * SCTP_PRIMARY_ADDR (the path really used), SCTP_GET_ASSOC_ID_LIST /
 * NUMBER / STATS, SCTP_CONTEXT, SCTP_PEER_ADDR_THLDS, SCTP_REUSE_PORT,
 * SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, IP_TOS / IPV6_TCLASS, SO_SNDBUF /
 * SO_RCVBUF doubling, the lksctp calls on other sockets, SO_TYPE of a
 * peeled-off socket. docs/options.md names the test of each option. */
#include "api_proc.h"
#include "relay.h"

#include <netinet/ip.h>

#define NOTE(buf) ((union sctp_notification *)(void *)(buf))

typedef struct ports {
    uint16_t sport, uport;
} ports;

static int getint(int fd, int level, int name)
{
    int x = -12345;
    socklen_t l = sizeof x;
    CHECK_EQ(braid_getsockopt(fd, level, name, &x, &l), 0);
    CHECK_EQ(l, sizeof x);
    return x;
}

static void setint(int fd, int level, int name, int v)
{
    CHECK_EQ(braid_setsockopt(fd, level, name, &v, sizeof v), 0);
}

static struct sockaddr_in addr_of(const char *ip, uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static struct sctp_assoc_stats stats_of(int fd, sctp_assoc_t id)
{
    struct sctp_assoc_stats s;
    memset(&s, 0, sizeof s);
    s.sas_assoc_id = id;
    socklen_t l = sizeof s;
    CHECK_EQ(braid_getsockopt(fd, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &s, &l), 0);
    CHECK_EQ(l, sizeof s);
    return s;
}

static struct sctp_status status_of(int fd, sctp_assoc_t id)
{
    struct sctp_status st;
    memset(&st, 0, sizeof st);
    st.sstat_assoc_id = id;
    socklen_t l = sizeof st;
    CHECK_EQ(braid_getsockopt(fd, IPPROTO_SCTP, SCTP_STATUS, &st, &l), 0);
    return st;
}

static struct sctp_paddrparams paddr_get(int fd, sctp_assoc_t id, const struct sockaddr_in *a)
{
    struct sctp_paddrparams pp;
    memset(&pp, 0, sizeof pp);
    pp.spp_assoc_id = id;
    if (a)
        memcpy(&pp.spp_address, a, sizeof *a);
    socklen_t l = sizeof pp;
    CHECK_EQ(braid_getsockopt(fd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, &l), 0);
    CHECK_EQ(l, sizeof pp);
    return pp;
}

static int paddr_set(int fd, sctp_assoc_t id, const struct sockaddr_in *a, uint32_t flags,
                     uint32_t hb, uint16_t maxrxt, uint32_t mtu, uint32_t sackdelay)
{
    struct sctp_paddrparams pp;
    memset(&pp, 0, sizeof pp);
    pp.spp_assoc_id = id;
    if (a)
        memcpy(&pp.spp_address, a, sizeof *a);
    pp.spp_flags = flags;
    pp.spp_hbinterval = hb;
    pp.spp_pathmaxrxt = maxrxt;
    pp.spp_pathmtu = mtu;
    pp.spp_sackdelay = sackdelay;
    return braid_setsockopt(fd, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof pp);
}

/* The address the peer of fd's association is reached at (one-to-one). */
static struct sockaddr_in peer_of(int fd)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    socklen_t l = sizeof a;
    CHECK_EQ(braid_getpeername(fd, (struct sockaddr *)&a, &l), 0);
    return a;
}

/* Sleeps ms while the library runs (its background thread). */
static void idle_ms(int ms)
{
    usleep((useconds_t)ms * 1000u);
}

/* ---- servers ---- */

/* A one-to-one server: accepts one association, tells the parent (1),
 * echoes every message until the peer goes away. */
static void echo_server(int ctl, void *arg)
{
    ports *p = arg;
    int l = serve(SOCK_STREAM, p->sport, p->uport);
    CHECK(l >= 0);
    ctl_send(ctl, 1);
    int s = braid_accept(l, NULL, NULL);
    CHECK(s >= 0);
    set_timeouts(s, 15000, 5000);
    static char buf[65536];
    for (;;) {
        int fl = 0;
        ssize_t n = rcv(s, buf, sizeof buf, &fl, NULL);
        if (n <= 0)
            break;
        if (fl & MSG_NOTIFICATION)
            continue;
        CHECK(fl & MSG_EOR); /* every message whole */
        CHECK_EQ(braid_send(s, buf, (size_t)n, MSG_NOSIGNAL), n);
    }
    braid_close(s);
    braid_close(l);
}

/* Reads one message of exactly len bytes (notifications skipped). */
static bool read_msg(int fd, char *buf, size_t cap, size_t len)
{
    for (int i = 0; i < 16; i++) {
        int fl = 0;
        ssize_t n = rcv(fd, buf, cap, &fl, NULL);
        if (n <= 0)
            return false;
        if (fl & MSG_NOTIFICATION)
            continue;
        return (size_t)n == len && (fl & MSG_EOR);
    }
    return false;
}

/* A connected one-to-one client of an echo server; *srv gets its pid. */
static int echo_pair(ports *p, pid_t *srv)
{
    int ctl;
    p->sport = free_udp_port();
    p->uport = free_udp_port();
    *srv = spawn(echo_server, p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, p->uport);
    CHECK(c >= 0);
    setint(c, IPPROTO_SCTP, SCTP_NODELAY, 1);
    return c;
}

/* ---- SCTP_PEER_ADDR_PARAMS ---- */

/* RFC 6458 §8.1.12 / Linux: on a live association spp_hbinterval 300 ms
 * turns heartbeats on at that pace at once (control chunks counted by
 * SCTP_GET_ASSOC_STATS on an idle association: HEARTBEATs only);
 * SPP_HB_DISABLE stops them, SPP_HB_DEMAND sends one. Per association and
 * per path; assoc id 0 on a one-to-many socket is the default of future
 * associations and leaves existing ones alone. */
static void test_paddrparams_live(void)
{
    ports p;
    p.sport = free_udp_port();
    p.uport = free_udp_port();
    int ctl;
    pid_t srv = spawn(echo_server, &p, &ctl); /* before any braid socket here */
    CTL_EXPECT(ctl, 1);
    int c = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP); /* one-to-many */
    CHECK(c >= 0);
    set_udp_port(c, p.uport);
    set_timeouts(c, 5000, 5000);
    struct sctp_rtoinfo rto = {0, 100, 200, 100}; /* RTO 100..200 ms */
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_RTOINFO, &rto, sizeof rto), 0);
    struct sockaddr_in sa = loopback(p.sport);
    sctp_assoc_t id = 0;
    CHECK_EQ(sctp_connectx(c, (struct sockaddr *)&sa, 1, &id), 0);
    CHECK(id > SCTP_ALL_ASSOC);

    /* defaults: 30 s heartbeats, on; delayed SACK 200 ms on; Linux's flags */
    struct sctp_paddrparams pp = paddr_get(c, id, NULL);
    CHECK_EQ(pp.spp_hbinterval, 30000);
    CHECK_EQ(pp.spp_pathmaxrxt, 5);
    CHECK_EQ(pp.spp_sackdelay, 200);
    CHECK_EQ(pp.spp_flags, SPP_HB_ENABLE | SPP_PMTUD_ENABLE | SPP_SACKDELAY_ENABLE);
    CHECK_EQ(pp.spp_pathmtu, 1500); /* 1472 + IPv4 + UDP */
    pp = paddr_get(c, SCTP_FUTURE_ASSOC, NULL);
    CHECK_EQ(pp.spp_pathmtu, 0); /* the socket's: 0 until set (Linux) */

    idle_ms(300);
    struct sctp_assoc_stats s0 = stats_of(c, id);
    idle_ms(1500);
    struct sctp_assoc_stats s1 = stats_of(c, id);
    CHECK_EQ(s1.sas_octrlchunks - s0.sas_octrlchunks, 0); /* 30 s: none yet */

    /* 300 ms on the association: heartbeats every 300 ms + RTO (+ jitter) */
    CHECK_EQ(paddr_set(c, id, NULL, SPP_HB_ENABLE, 300, 0, 0, 0), 0);
    pp = paddr_get(c, id, NULL);
    CHECK_EQ(pp.spp_hbinterval, 300);
    pp = paddr_get(c, id, &sa); /* and on its path */
    CHECK_EQ(pp.spp_hbinterval, 300);
    CHECK(pp.spp_flags & SPP_HB_ENABLE);
    pp = paddr_get(c, SCTP_FUTURE_ASSOC, NULL); /* not the socket's default */
    CHECK_EQ(pp.spp_hbinterval, 30000);
    idle_ms(2200);
    struct sctp_assoc_stats s2 = stats_of(c, id);
    uint64_t hbs = s2.sas_octrlchunks - s1.sas_octrlchunks;
    CHECK(hbs >= 3 && hbs <= 8);
    CHECK(s2.sas_ictrlchunks - s1.sas_ictrlchunks >= 3); /* their HEARTBEAT ACKs */

    /* off: none more (one in flight may still be answered) */
    CHECK_EQ(paddr_set(c, id, &sa, SPP_HB_DISABLE, 0, 0, 0, 0), 0);
    pp = paddr_get(c, id, &sa);
    CHECK(pp.spp_flags & SPP_HB_DISABLE);
    CHECK_EQ(pp.spp_hbinterval, 300); /* kept */
    idle_ms(400);
    s1 = stats_of(c, id);
    idle_ms(1200);
    s2 = stats_of(c, id);
    CHECK_EQ(s2.sas_octrlchunks - s1.sas_octrlchunks, 0);
    /* on demand: one */
    CHECK_EQ(paddr_set(c, id, &sa, SPP_HB_DEMAND, 0, 0, 0, 0), 0);
    idle_ms(300);
    struct sctp_assoc_stats s3 = stats_of(c, id);
    CHECK_EQ(s3.sas_octrlchunks - s2.sas_octrlchunks, 1);

    /* path max retrans and a fixed path MTU on the path */
    CHECK_EQ(paddr_set(c, id, &sa, SPP_PMTUD_DISABLE, 0, 3, 1200, 0), 0);
    pp = paddr_get(c, id, &sa);
    CHECK_EQ(pp.spp_pathmaxrxt, 3);
    CHECK_EQ(pp.spp_pathmtu, 1200);
    CHECK(pp.spp_flags & SPP_PMTUD_DISABLE);
    struct sctp_status st = status_of(c, id);
    CHECK_EQ(st.sstat_fragmentation_point, 1200 - 28 - 12 - 16);
    CHECK_EQ(st.sstat_primary.spinfo_mtu, 1200);
    pp = paddr_get(c, id, NULL); /* the association's own: unchanged */
    CHECK_EQ(pp.spp_pathmaxrxt, 5);
    /* and the delayed SACK of the association */
    CHECK_EQ(paddr_set(c, id, NULL, SPP_SACKDELAY_ENABLE, 0, 0, 0, 350), 0);
    CHECK_EQ(paddr_get(c, id, &sa).spp_sackdelay, 350);
    CHECK_EQ(paddr_set(c, id, NULL, SPP_SACKDELAY_DISABLE, 0, 0, 0, 0), 0);
    CHECK(paddr_get(c, id, &sa).spp_flags & SPP_SACKDELAY_DISABLE);

    /* the socket's defaults, for associations to come */
    CHECK_EQ(
        paddr_set(c, SCTP_FUTURE_ASSOC, NULL, SPP_HB_ENABLE | SPP_PMTUD_DISABLE, 4000, 7, 1300, 0),
        0);
    pp = paddr_get(c, SCTP_FUTURE_ASSOC, NULL);
    CHECK_EQ(pp.spp_hbinterval, 4000);
    CHECK_EQ(pp.spp_pathmaxrxt, 7);
    CHECK_EQ(pp.spp_pathmtu, 1300);
    CHECK_EQ(paddr_get(c, id, NULL).spp_hbinterval, 300); /* the live one: its own */
    /* SPP_HB_TIME_IS_ZERO: an interval of 0 */
    CHECK_EQ(
        paddr_set(c, SCTP_FUTURE_ASSOC, NULL, SPP_HB_ENABLE | SPP_HB_TIME_IS_ZERO, 777, 0, 0, 0),
        0);
    CHECK_EQ(paddr_get(c, SCTP_FUTURE_ASSOC, NULL).spp_hbinterval, 0);

    /* what Linux refuses */
    EXPECT_ERR(paddr_set(c, id, NULL, SPP_HB_ENABLE | SPP_HB_DISABLE, 1, 0, 0, 0), EINVAL);
    EXPECT_ERR(paddr_set(c, id, NULL, SPP_PMTUD, 0, 0, 0, 0), EINVAL);
    EXPECT_ERR(paddr_set(c, id, NULL, SPP_SACKDELAY, 0, 0, 0, 0), EINVAL);
    EXPECT_ERR(paddr_set(c, id, NULL, SPP_SACKDELAY_ENABLE, 0, 0, 0, 501), EINVAL);
    EXPECT_ERR(paddr_set(c, id, NULL, SPP_PMTUD_DISABLE, 0, 0, 511, 0), EINVAL);
    CHECK_EQ(paddr_set(c, id, &sa, SPP_PMTUD_DISABLE, 0, 0, 512, 0), 0); /* Linux's smallest */
    CHECK_EQ(status_of(c, id).sstat_fragmentation_point, 512 - 28 - 12 - 16);
    CHECK_EQ(paddr_set(c, id, &sa, SPP_PMTUD_DISABLE, 0, 0, 1200, 0), 0);
    EXPECT_ERR(paddr_set(c, SCTP_FUTURE_ASSOC, NULL, SPP_HB_DEMAND, 0, 0, 0, 0), EINVAL);
    EXPECT_ERR(paddr_set(c, 777, NULL, SPP_HB_ENABLE, 100, 0, 0, 0), EINVAL); /* no such id */
    struct sockaddr_in other = addr_of("127.0.0.3", p.sport);
    EXPECT_ERR(paddr_set(c, id, &other, SPP_HB_ENABLE, 100, 0, 0, 0), EINVAL); /* no such path */
    struct sockaddr_in wrong_port = loopback((uint16_t)(p.sport + 1));
    EXPECT_ERR(paddr_set(c, 0, &wrong_port, SPP_HB_ENABLE, 100, 0, 0, 0), EINVAL);
    /* the path alone names the association; an id of another one does not fit */
    CHECK_EQ(paddr_set(c, 0, &sa, SPP_HB_ENABLE, 900, 0, 0, 0), 0);
    CHECK_EQ(paddr_get(c, id, &sa).spp_hbinterval, 900);
    /* the length before spp_ipv6_flowlabel, as Linux; with SPP_DSCP: EINVAL */
    size_t old_len = (offsetof(struct sctp_paddrparams, spp_ipv6_flowlabel) + 3) & ~(size_t)3;
    memset(&pp, 0, sizeof pp);
    pp.spp_assoc_id = id;
    pp.spp_flags = SPP_HB_ENABLE;
    pp.spp_hbinterval = 450;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, (socklen_t)old_len), 0);
    CHECK_EQ(paddr_get(c, id, NULL).spp_hbinterval, 450);
    pp.spp_flags |= SPP_DSCP;
    EXPECT_ERR(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, (socklen_t)old_len),
               EINVAL);
    EXPECT_ERR(
        braid_setsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, (socklen_t)old_len + 2),
        EINVAL);
    socklen_t gl = (socklen_t)old_len;
    memset(&pp, 0, sizeof pp);
    pp.spp_assoc_id = id;
    CHECK_EQ(braid_getsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, &gl), 0);
    CHECK_EQ(gl, old_len);
    /* SPP_DSCP kept and reported */
    memset(&pp, 0, sizeof pp);
    pp.spp_assoc_id = id;
    pp.spp_flags = SPP_DSCP;
    pp.spp_dscp = 0xb8;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof pp), 0);
    pp = paddr_get(c, id, NULL);
    CHECK(pp.spp_flags & SPP_DSCP);
    CHECK_EQ(pp.spp_dscp, 0xb8);

    braid_close(c);
    REAP(srv);
}

/* One-to-one: spp_assoc_id is ignored, the association is the socket's
 * once it is up; before, the socket's defaults (which it then starts with). */
static void test_paddrparams_one_to_one(void)
{
    ports p;
    pid_t srv;
    int c = echo_pair(&p, &srv);
    CHECK_EQ(paddr_set(c, 0, NULL, SPP_HB_ENABLE, 1234, 4, 0, 0), 0);
    CHECK_EQ(connect_to(c, p.sport), 0);
    struct sctp_paddrparams pp = paddr_get(c, 999, NULL); /* any id: the association */
    CHECK_EQ(pp.spp_hbinterval, 1234);
    CHECK_EQ(pp.spp_pathmaxrxt, 4);
    CHECK_EQ(pp.spp_pathmtu, 1500);
    struct sockaddr_in pa = peer_of(c);
    CHECK_EQ(paddr_set(c, 0, &pa, SPP_HB_ENABLE, 2345, 0, 0, 0), 0);
    CHECK_EQ(paddr_get(c, 0, &pa).spp_hbinterval, 2345);
    CHECK_EQ(paddr_get(c, 0, NULL).spp_hbinterval, 1234);
    braid_close(c);
    REAP(srv);
}

/* ---- SCTP_DELAYED_SACK ---- */

/* The receiving side's delay and frequency decide when the sender's DATA is
 * acknowledged: 400 ms with a frequency of 10, at once with frequency 1
 * (delayed SACK off). */
typedef struct sack_cfg {
    ports p;
    uint32_t delay, freq;
} sack_cfg;

static void sack_server(int ctl, void *arg)
{
    sack_cfg *sc = arg;
    int l = serve(SOCK_STREAM, sc->p.sport, sc->p.uport);
    CHECK(l >= 0);
    ctl_send(ctl, 1);
    int s = braid_accept(l, NULL, NULL);
    CHECK(s >= 0);
    set_timeouts(s, 10000, 5000);
    for (int round = 0;; round++) {
        int cmd = ctl_recv(ctl, 10000);
        if (cmd != 2)
            break;
        struct sctp_sack_info si;
        memset(&si, 0, sizeof si);
        si.sack_delay = round == 0 ? 400 : 0;
        si.sack_freq = round == 0 ? 10 : 1;
        CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, sizeof si), 0);
        struct sctp_sack_info back;
        memset(&back, 0, sizeof back);
        socklen_t bl = sizeof back;
        CHECK_EQ(braid_getsockopt(s, IPPROTO_SCTP, SCTP_DELAYED_SACK, &back, &bl), 0);
        CHECK_EQ(back.sack_delay, round == 0 ? 400 : 0);
        CHECK_EQ(back.sack_freq, round == 0 ? 10 : 1);
        ctl_send(ctl, 3);
        char buf[64];
        CHECK(read_msg(s, buf, sizeof buf, 5));
    }
    braid_close(s);
    braid_close(l);
}

/* ms from a send until the sender has nothing unacknowledged */
static int ms_to_acked(int c)
{
    uint64_t t0 = now_ms();
    CHECK_EQ(braid_send(c, "hello", 5, 0), 5);
    while (now_ms() - t0 < 3000) {
        struct sctp_status st = status_of(c, 0);
        if (st.sstat_unackdata == 0 && st.sstat_penddata == 0)
            return (int)(now_ms() - t0);
        usleep(2000);
    }
    return 9999;
}

static void test_delayed_sack(void)
{
    sack_cfg sc;
    sc.p.sport = free_udp_port();
    sc.p.uport = free_udp_port();
    int ctl;
    pid_t srv = spawn(sack_server, &sc, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, sc.p.uport);
    setint(c, IPPROTO_SCTP, SCTP_NODELAY, 1);
    CHECK_EQ(connect_to(c, sc.p.sport), 0);
    /* the first DATA packet of an association is acknowledged at once (as
     * Linux): the delay shows from the second on */
    CHECK(ms_to_acked(c) < 150);
    idle_ms(100);
    ctl_send(ctl, 2);
    CTL_EXPECT(ctl, 3);
    int delayed = ms_to_acked(c);
    CHECK(delayed >= 300 && delayed < 1500);
    ctl_send(ctl, 2);
    CTL_EXPECT(ctl, 3);
    idle_ms(50);
    int at_once = ms_to_acked(c);
    CHECK(at_once < 150);
    ctl_send(ctl, 0);
    braid_close(c);
    REAP(srv);
    if (check_failed_)
        fprintf(stderr, "  SACK after %d ms (400 ms delay), %d ms (off)\n", delayed, at_once);
}

/* The option's forms and levels, as Linux. */
static void test_delayed_sack_forms(void)
{
    int m = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    struct sctp_sack_info si;
    socklen_t l = sizeof si;
    memset(&si, 0, sizeof si);
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, &l), 0);
    CHECK_EQ(si.sack_delay, 200); /* Linux's defaults */
    CHECK_EQ(si.sack_freq, 2);
    si.sack_delay = 250;
    si.sack_freq = 3;
    CHECK_EQ(braid_setsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, sizeof si), 0);
    memset(&si, 0, sizeof si);
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, &l), 0);
    CHECK_EQ(si.sack_delay, 250);
    CHECK_EQ(si.sack_freq, 3);
    /* the PEER_ADDR_PARAMS view of the same */
    struct sctp_paddrparams pp = paddr_get(m, 0, NULL);
    CHECK_EQ(pp.spp_sackdelay, 250);
    CHECK(pp.spp_flags & SPP_SACKDELAY_ENABLE);
    /* zeros: nothing changes */
    memset(&si, 0, sizeof si);
    CHECK_EQ(braid_setsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, sizeof si), 0);
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, &l), 0);
    CHECK_EQ(si.sack_delay, 250);
    /* the older struct sctp_assoc_value: 0 turns delayed SACK off */
    struct sctp_assoc_value av = {0, 0};
    CHECK_EQ(braid_setsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &av, sizeof av), 0);
    memset(&si, 0, sizeof si);
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, &l), 0);
    CHECK_EQ(si.sack_delay, 0);
    CHECK_EQ(si.sack_freq, 1);
    CHECK(paddr_get(m, 0, NULL).spp_flags & SPP_SACKDELAY_DISABLE);
    av.assoc_value = 120; /* a delay turns it back on, with the kept frequency */
    CHECK_EQ(braid_setsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &av, sizeof av), 0);
    socklen_t al = sizeof av;
    av.assoc_value = 0;
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &av, &al), 0);
    CHECK_EQ(al, sizeof av);
    CHECK_EQ(av.assoc_value, 120);
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, &l), 0);
    CHECK_EQ(si.sack_freq, 3);
    /* refused */
    si.sack_delay = 501;
    EXPECT_ERR(braid_setsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, sizeof si), EINVAL);
    si.sack_delay = 100;
    si.sack_assoc_id = 77; /* no such association */
    EXPECT_ERR(braid_setsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, sizeof si), EINVAL);
    EXPECT_ERR(braid_setsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, 10), EINVAL);
    si.sack_assoc_id = SCTP_ALL_ASSOC; /* the socket and every association */
    CHECK_EQ(braid_setsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, sizeof si), 0);
    l = 10;
    EXPECT_ERR(braid_getsockopt(m, IPPROTO_SCTP, SCTP_DELAYED_SACK, &si, &l), EINVAL);
    braid_close(m);
}

/* ---- SCTP_MAXSEG ---- */

/* Linux's bounds (sctp_setsockopt_maxseg): what a 512-byte path MTU leaves
 * for DATA up to SCTP_MAX_CHUNK_LEN less the DATA header; 0 means the PMTU
 * decides, and reads back as 0 on the socket. */
static void test_maxseg_bounds(void)
{
    int m = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    struct sctp_assoc_value av = {0, 12345};
    socklen_t l = sizeof av;
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_MAXSEG, &av, &l), 0);
    CHECK_EQ(av.assoc_value, 0);
    av.assoc_value = 500;
    CHECK_EQ(braid_setsockopt(m, IPPROTO_SCTP, SCTP_MAXSEG, &av, sizeof av), 0);
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_MAXSEG, &av, &l), 0);
    CHECK_EQ(av.assoc_value, 500);
    CHECK_EQ(getint(m, IPPROTO_SCTP, SCTP_MAXSEG), 500); /* the int form */
    av.assoc_value = 512 - 20 - 8 - 12 - 16;             /* IPv4 + UDP encapsulation */
    CHECK_EQ(braid_setsockopt(m, IPPROTO_SCTP, SCTP_MAXSEG, &av, sizeof av), 0);
    av.assoc_value--;
    EXPECT_ERR(braid_setsockopt(m, IPPROTO_SCTP, SCTP_MAXSEG, &av, sizeof av), EINVAL);
    av.assoc_value = 65535 - 16;
    CHECK_EQ(braid_setsockopt(m, IPPROTO_SCTP, SCTP_MAXSEG, &av, sizeof av), 0);
    av.assoc_value++;
    EXPECT_ERR(braid_setsockopt(m, IPPROTO_SCTP, SCTP_MAXSEG, &av, sizeof av), EINVAL);
    av.assoc_value = 0;
    CHECK_EQ(braid_setsockopt(m, IPPROTO_SCTP, SCTP_MAXSEG, &av, sizeof av), 0);
    CHECK_EQ(getint(m, IPPROTO_SCTP, SCTP_MAXSEG), 0);
    av.assoc_id = 77;
    av.assoc_value = 600;
    EXPECT_ERR(braid_setsockopt(m, IPPROTO_SCTP, SCTP_MAXSEG, &av, sizeof av), EINVAL);
    EXPECT_ERR(braid_setsockopt(m, IPPROTO_SCTP, SCTP_MAXSEG, &av, 6), EINVAL);
    braid_close(m);
}

/* MAXSEG 600: a 3000-byte message goes as five DATA chunks of 600 bytes
 * (Linux: frag_point = min(PMTU payload, user_frag) rounded down to 4, and
 * sctp_datamsg_from_user cuts max_data = frag_point pieces) and arrives
 * whole. */
static void test_maxseg_fragments(void)
{
    ports p;
    pid_t srv;
    int c = echo_pair(&p, &srv);
    int seg = 600;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_MAXSEG, &seg, sizeof seg), 0);
    CHECK_EQ(connect_to(c, p.sport), 0);
    struct sctp_status st = status_of(c, 0);
    CHECK_EQ(st.sstat_fragmentation_point, 600);
    CHECK_EQ(getint(c, IPPROTO_SCTP, SCTP_MAXSEG), 600); /* the association's */
    static char msg[3000], back[8192];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (char)('a' + i % 23);
    idle_ms(50);
    struct sctp_assoc_stats s0 = stats_of(c, 0);
    CHECK_EQ(braid_send(c, msg, sizeof msg, 0), (ssize_t)sizeof msg);
    CHECK(read_msg(c, back, sizeof back, sizeof msg));
    CHECK_MEM(back, msg, sizeof msg);
    struct sctp_assoc_stats s1 = stats_of(c, 0);
    uint64_t sent = s1.sas_oodchunks - s0.sas_oodchunks - (s1.sas_rtxchunks - s0.sas_rtxchunks);
    CHECK_EQ(sent, 5);
    /* the echo came back in pieces of the server's own size: one or three */
    CHECK(s1.sas_iodchunks - s0.sas_iodchunks >= 1);
    /* 601 on the association: 600 (a multiple of 4) */
    struct sctp_assoc_value av = {0, 601};
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_MAXSEG, &av, sizeof av), 0);
    CHECK_EQ(status_of(c, 0).sstat_fragmentation_point, 600);
    av.assoc_value = 0; /* the PMTU again */
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_MAXSEG, &av, sizeof av), 0);
    CHECK_EQ(status_of(c, 0).sstat_fragmentation_point, 1500 - 28 - 12 - 16);
    braid_close(c);
    REAP(srv);
}

/* ---- SCTP_INITMSG sinit_max_init_timeo ---- */

/* RFC 6458 §8.1.3: the cap of the INIT retransmission timeout, not RTO.Max
 * (Linux: max_init_timeo). An INIT into the void, RTO.Initial 200 ms,
 * capped at 300 ms, 4 retransmissions: given up after about 1.4 s (doubling
 * up to RTO.Max would take 6.2 s). */
static void test_max_init_timeo(void)
{
    int fd = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sctp_initmsg im;
    memset(&im, 0, sizeof im);
    im.sinit_max_init_timeo = 2000;
    CHECK_EQ(braid_setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im), 0);
    socklen_t l = sizeof im;
    CHECK_EQ(braid_getsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &im, &l), 0);
    CHECK_EQ(im.sinit_max_init_timeo, 2000);
    struct sctp_rtoinfo rto;
    memset(&rto, 0, sizeof rto);
    l = sizeof rto;
    CHECK_EQ(braid_getsockopt(fd, IPPROTO_SCTP, SCTP_RTOINFO, &rto, &l), 0);
    CHECK_EQ(rto.srto_max, 60000); /* RTO.Max untouched */
    im.sinit_max_init_timeo = 500; /* below RTO.Min (1 s): taken */
    CHECK_EQ(braid_setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im), 0);
    braid_close(fd);

    /* the timing */
    int hole = socket(AF_INET, SOCK_DGRAM, 0); /* takes datagrams, never answers */
    struct sockaddr_in ha = loopback(0);
    CHECK_EQ(bind(hole, (struct sockaddr *)&ha, sizeof ha), 0);
    socklen_t hl = sizeof ha;
    getsockname(hole, (struct sockaddr *)&ha, &hl);
    int c = client(SOCK_STREAM, ntohs(ha.sin_port));
    set_timeouts(c, 10000, 10000);
    struct sctp_rtoinfo r2 = {0, 200, 60000, 100};
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_RTOINFO, &r2, sizeof r2), 0);
    memset(&im, 0, sizeof im);
    im.sinit_max_attempts = 4;
    im.sinit_max_init_timeo = 300;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im), 0);
    uint64_t t0 = now_ms();
    CHECK_EQ(connect_to(c, 5), -1);
    uint64_t took = now_ms() - t0;
    CHECK(took >= 1000 && took < 3000);
    if (took < 1000 || took >= 3000)
        fprintf(stderr, "  the INIT was given up after %llu ms\n", (unsigned long long)took);
    braid_close(c);
    close(hole);
}

/* ---- SCTP_PRIMARY_ADDR ---- */

/* Multihomed echo server on 127.0.0.1 and 127.0.0.2 behind the relay. */
static void multi_server(int ctl, void *arg)
{
    ports *p = arg;
    int l = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    int up = p->uport;
    CHECK_EQ(braid_setsockopt(l, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up), 0);
    struct sockaddr_in two[2] = {addr_of("127.0.0.1", p->sport), addr_of("127.0.0.2", p->sport)};
    CHECK_EQ(sctp_bindx(l, (struct sockaddr *)two, 2, SCTP_BINDX_ADD_ADDR), 0);
    CHECK_EQ(braid_listen(l, 4), 0);
    set_timeouts(l, 10000, 5000);
    ctl_send(ctl, 1);
    int s = braid_accept(l, NULL, NULL);
    CHECK(s >= 0);
    set_timeouts(s, 15000, 5000);
    char buf[256];
    for (;;) {
        ssize_t n = braid_recv(s, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        CHECK_EQ(braid_send(s, buf, (size_t)n, MSG_NOSIGNAL), n);
    }
    braid_close(s);
    braid_close(l);
}

static int path_state(int c, sctp_assoc_t id, const struct sockaddr_in *a)
{
    struct sctp_paddrinfo pi;
    memset(&pi, 0, sizeof pi);
    pi.spinfo_assoc_id = id;
    memcpy(&pi.spinfo_address, a, sizeof *a);
    socklen_t l = sizeof pi;
    if (braid_getsockopt(c, IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, &pi, &l) < 0)
        return -1;
    return pi.spinfo_state;
}

static struct sockaddr_in primary_of(int c, sctp_assoc_t id)
{
    struct sctp_prim pr;
    memset(&pr, 0, sizeof pr);
    pr.ssp_assoc_id = id;
    socklen_t l = sizeof pr;
    CHECK_EQ(braid_getsockopt(c, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &pr, &l), 0);
    CHECK_EQ(l, sizeof pr);
    struct sockaddr_in a;
    memcpy(&a, &pr.ssp_addr, sizeof a);
    return a;
}

/* RFC 6458 §8.1.9, Linux's sctp_assoc_set_primary: the given path becomes
 * the primary, DATA goes there (with the old primary blackholed, echoes
 * come back at once and nothing is retransmitted), SCTP_ADDR_MADE_PRIM is
 * reported. */
static void test_primary_addr(void)
{
    ports p = {free_udp_port(), free_udp_port()};
    relay_cfg rc;
    memset(&rc, 0, sizeof rc);
    rc.n = 2;
    inet_pton(AF_INET, "127.0.0.1", &rc.srv[0]);
    inet_pton(AF_INET, "127.0.0.2", &rc.srv[1]);
    rc.srv_udp = p.uport;
    int rctl, ctl;
    pid_t relay = relay_start(&rc, &rctl);
    CHECK(relay > 0);
    if (relay <= 0)
        return;
    pid_t srv = spawn(multi_server, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, rc.relay_udp);
    struct sctp_rtoinfo rto = {0, 100, 300, 100};
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_RTOINFO, &rto, sizeof rto), 0);
    setint(c, IPPROTO_SCTP, SCTP_NODELAY, 1);
    uint16_t types[] = {SCTP_PEER_ADDR_CHANGE};
    CHECK_EQ(subscribe(c, types, 1), 0);
    struct sockaddr_in two[2] = {addr_of("127.0.0.1", p.sport), addr_of("127.0.0.2", p.sport)};
    sctp_assoc_t id = 0;
    CHECK_EQ(sctp_connectx(c, (struct sockaddr *)two, 2, &id), 0);
    uint64_t end = now_ms() + 3000;
    while (now_ms() < end &&
           (path_state(c, id, &two[0]) != SCTP_ACTIVE || path_state(c, id, &two[1]) != SCTP_ACTIVE))
        usleep(20000);
    CHECK_EQ(path_state(c, id, &two[1]), SCTP_ACTIVE);
    struct sockaddr_in pa = primary_of(c, id);
    CHECK_EQ(pa.sin_addr.s_addr, two[0].sin_addr.s_addr);
    CHECK_EQ(ntohs(pa.sin_port), p.sport);

    struct sctp_prim pr;
    memset(&pr, 0, sizeof pr);
    pr.ssp_assoc_id = id;
    memcpy(&pr.ssp_addr, &two[1], sizeof two[1]);
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &pr, sizeof pr), 0);
    pa = primary_of(c, id);
    CHECK_EQ(pa.sin_addr.s_addr, two[1].sin_addr.s_addr);
    struct sctp_status st = status_of(c, id);
    struct sockaddr_in sp;
    memcpy(&sp, &st.sstat_primary.spinfo_address, sizeof sp);
    CHECK_EQ(sp.sin_addr.s_addr, two[1].sin_addr.s_addr);
    char buf[512];
    CHECK(wait_note(c, SCTP_PEER_ADDR_CHANGE, buf, sizeof buf) > 0);
    struct sctp_paddr_change pc;
    memcpy(&pc, buf, sizeof pc);
    CHECK_EQ(pc.spc_state, SCTP_ADDR_MADE_PRIM);
    struct sockaddr_in ca;
    memcpy(&ca, &pc.spc_aaddr, sizeof ca);
    CHECK_EQ(ca.sin_addr.s_addr, two[1].sin_addr.s_addr);

    /* the old primary goes dark: the new one carries the data */
    CHECK_EQ(relay_cmd(rctl, RELAY_BLACKHOLE + 0), RELAY_ACK);
    struct sctp_assoc_stats s0 = stats_of(c, id);
    for (int i = 0; i < 3; i++) {
        uint64_t t0 = now_ms();
        CHECK_EQ(braid_send(c, "via two", 7, 0), 7);
        CHECK(read_msg(c, buf, sizeof buf, 7));
        CHECK(now_ms() - t0 < 300); /* no T3 expiry on the way */
    }
    struct sctp_assoc_stats s1 = stats_of(c, id);
    CHECK_EQ(s1.sas_rtxchunks - s0.sas_rtxchunks, 0);

    /* not a path of it; the right address with another port; another id */
    struct sockaddr_in bad = addr_of("127.0.0.3", p.sport);
    memcpy(&pr.ssp_addr, &bad, sizeof bad);
    EXPECT_ERR(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &pr, sizeof pr), EINVAL);
    bad = addr_of("127.0.0.1", (uint16_t)(p.sport + 1));
    memcpy(&pr.ssp_addr, &bad, sizeof bad);
    EXPECT_ERR(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &pr, sizeof pr), EINVAL);
    EXPECT_ERR(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &pr, sizeof pr - 1), EINVAL);

    braid_close(c);
    REAP(srv);
    CHECK_EQ(relay_cmd(rctl, RELAY_QUIT), RELAY_ACK);
    REAP(relay);
}

/* ---- one-to-many: SCTP_GET_ASSOC_ID_LIST, _NUMBER, _STATS, SCTP_CONTEXT ---- */

/* A client that connects to the parent's one-to-many socket, sends n
 * messages (every other one unordered), then waits to be told to go. */
typedef struct client_cfg {
    ports p;
    int n;
} client_cfg;

static void m_client(int ctl, void *arg)
{
    client_cfg *cc = arg;
    if (ctl_recv(ctl, 10000) != 2) /* the parent's socket is ready */
        return;
    int c = client(SOCK_STREAM, cc->p.uport);
    setint(c, IPPROTO_SCTP, SCTP_NODELAY, 1);
    CHECK_EQ(connect_to(c, cc->p.sport), 0);
    for (int i = 0; i < cc->n; i++)
        CHECK_EQ(send_on(c, 0, "msg", 3, 0, (i & 1) ? SCTP_UNORDERED : 0), 3);
    ctl_send(ctl, 1);
    ctl_recv(ctl, 10000);
    braid_close(c);
}

/* Reads data messages until n arrived; returns the last one's context. */
static uint32_t read_data(int m, int n, sctp_assoc_t *from)
{
    uint32_t ctx = 0;
    for (int got = 0, i = 0; got < n && i < 64; i++) {
        char buf[256];
        int fl = 0;
        struct sctp_sndrcvinfo si;
        ssize_t r = rcv(m, buf, sizeof buf, &fl, &si);
        CHECK(r > 0);
        if (r <= 0)
            break;
        if (fl & MSG_NOTIFICATION)
            continue;
        ctx = si.sinfo_context;
        if (from)
            *from = si.sinfo_assoc_id;
        got++;
    }
    return ctx;
}

static void test_assoc_list_stats_context(void)
{
    client_cfg cc;
    cc.p.sport = free_udp_port();
    cc.p.uport = free_udp_port();
    cc.n = 4;
    int ctl1, ctl2; /* forked before any braid socket exists here */
    pid_t c1 = spawn(m_client, &cc, &ctl1);
    pid_t c2 = spawn(m_client, &cc, &ctl2);
    int m = serve(SOCK_SEQPACKET, cc.p.sport, cc.p.uport);
    CHECK(m >= 0);
    uint16_t types[] = {SCTP_DATA_IO_EVENT};
    CHECK_EQ(subscribe(m, types, 1), 0);
    /* the receive context of future associations */
    struct sctp_assoc_value av = {SCTP_FUTURE_ASSOC, 0x1234};
    CHECK_EQ(braid_setsockopt(m, IPPROTO_SCTP, SCTP_CONTEXT, &av, sizeof av), 0);
    struct sctp_assoc_ids ids0;
    socklen_t l = sizeof ids0;
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, &ids0, &l), 0);
    CHECK_EQ(ids0.gaids_number_of_ids, 0);
    CHECK_EQ(l, sizeof ids0);

    ctl_send(ctl1, 2);
    CTL_EXPECT(ctl1, 1);
    sctp_assoc_t a1 = 0, a2 = 0;
    CHECK_EQ(read_data(m, 4, &a1), 0x1234);
    ctl_send(ctl2, 2);
    CTL_EXPECT(ctl2, 1);
    CHECK_EQ(read_data(m, 4, &a2), 0x1234);
    CHECK(a1 > SCTP_ALL_ASSOC && a2 > SCTP_ALL_ASSOC && a1 != a2);

    uint32_t n = 0;
    l = sizeof n;
    CHECK_EQ(braid_getsockopt(m, SOL_SCTP, SCTP_GET_ASSOC_NUMBER, &n, &l), 0);
    CHECK_EQ(n, 2);
    union {
        struct sctp_assoc_ids ids;
        uint8_t b[sizeof(struct sctp_assoc_ids) + 4 * sizeof(sctp_assoc_t)];
    } u;
    l = sizeof(struct sctp_assoc_ids) + sizeof(sctp_assoc_t); /* room for one: EINVAL */
    EXPECT_ERR(braid_getsockopt(m, SOL_SCTP, SCTP_GET_ASSOC_ID_LIST, &u, &l), EINVAL);
    l = sizeof u;
    CHECK_EQ(braid_getsockopt(m, SOL_SCTP, SCTP_GET_ASSOC_ID_LIST, &u, &l), 0);
    CHECK_EQ(l, sizeof(struct sctp_assoc_ids) + 2 * sizeof(sctp_assoc_t));
    CHECK_EQ(u.ids.gaids_number_of_ids, 2);
    sctp_assoc_t got[2];
    memcpy(got, u.b + sizeof(struct sctp_assoc_ids), sizeof got);
    CHECK((got[0] == a1 && got[1] == a2) || (got[0] == a2 && got[1] == a1));

    /* the counters of one association: 4 messages in, half unordered */
    struct sctp_assoc_stats s = stats_of(m, a1);
    CHECK_EQ(s.sas_iodchunks, 2);
    CHECK_EQ(s.sas_iuodchunks, 2);
    CHECK(s.sas_ipackets >= 4); /* COOKIE ECHO, the DATA */
    CHECK(s.sas_opackets >= 2); /* INIT ACK is stateless: COOKIE ACK, SACKs */
    CHECK(s.sas_osacks >= 1);
    CHECK(s.sas_octrlchunks >= s.sas_osacks);
    CHECK_EQ(s.sas_idupchunks, 0);
    CHECK_EQ(s.sas_rtxchunks, 0);
    /* a read starts a new max-RTO period at RTO.Min (Linux) */
    s = stats_of(m, a1);
    CHECK_EQ(s.sas_maxrto, 1000);
    /* as much as asked for: the id only */
    sctp_assoc_t only = a1;
    l = sizeof only;
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &only, &l), 0);
    CHECK_EQ(l, sizeof only);
    only = 777;
    EXPECT_ERR(braid_getsockopt(m, IPPROTO_SCTP, SCTP_GET_ASSOC_STATS, &only, &l), EINVAL);

    /* SCTP_CONTEXT per association, and the socket's for the rest */
    av.assoc_id = a2;
    av.assoc_value = 0x99;
    CHECK_EQ(braid_setsockopt(m, IPPROTO_SCTP, SCTP_CONTEXT, &av, sizeof av), 0);
    av.assoc_value = 0;
    l = sizeof av;
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_CONTEXT, &av, &l), 0);
    CHECK_EQ(av.assoc_value, 0x99);
    av.assoc_id = a1;
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_CONTEXT, &av, &l), 0);
    CHECK_EQ(av.assoc_value, 0x1234);
    av.assoc_id = 777;
    EXPECT_ERR(braid_getsockopt(m, IPPROTO_SCTP, SCTP_CONTEXT, &av, &l), EINVAL);
    ctl_send(ctl2, 0); /* it closes: nothing more from it */
    REAP(c2);
    /* SCTP_CURRENT_ASSOC: every association now (a1) */
    av.assoc_id = SCTP_CURRENT_ASSOC;
    av.assoc_value = 0x77;
    CHECK_EQ(braid_setsockopt(m, IPPROTO_SCTP, SCTP_CONTEXT, &av, sizeof av), 0);
    av.assoc_id = a1;
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_CONTEXT, &av, &l), 0);
    CHECK_EQ(av.assoc_value, 0x77);
    av.assoc_id = SCTP_FUTURE_ASSOC;
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_CONTEXT, &av, &l), 0);
    CHECK_EQ(av.assoc_value, 0x1234);

    /* peeled off: a socket of one association (Linux: neither style) */
    int pfd = sctp_peeloff(m, a1);
    CHECK(pfd >= 0);
    l = sizeof n;
    CHECK_EQ(braid_getsockopt(pfd, SOL_SCTP, SCTP_GET_ASSOC_NUMBER, &n, &l), 0);
    CHECK_EQ(n, 1);
    l = sizeof u;
    CHECK_EQ(braid_getsockopt(pfd, SOL_SCTP, SCTP_GET_ASSOC_ID_LIST, &u, &l), 0);
    CHECK_EQ(u.ids.gaids_number_of_ids, 1);
    av.assoc_id = 0;
    CHECK_EQ(braid_getsockopt(pfd, IPPROTO_SCTP, SCTP_CONTEXT, &av, &l), 0);
    CHECK_EQ(av.assoc_value, 0x77); /* the association's, whatever the id */
    /* SO_TYPE of a peeled-off socket: SOCK_SEQPACKET, as Linux (sctp_do_peeloff
     * creates it SOCK_SEQPACKET and sctp_copy_sock copies sk_type) */
    CHECK_EQ(getint(pfd, SOL_SOCKET, SO_TYPE), SOCK_SEQPACKET);
    l = sizeof n;
    CHECK_EQ(braid_getsockopt(m, SOL_SCTP, SCTP_GET_ASSOC_NUMBER, &n, &l), 0);
    CHECK_EQ(n, 0);
    ctl_send(ctl1, 0);
    REAP(c1);
    braid_close(pfd);

    /* one-to-one sockets: EOPNOTSUPP (Linux) */
    int o = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    l = sizeof u;
    EXPECT_ERR(braid_getsockopt(o, SOL_SCTP, SCTP_GET_ASSOC_ID_LIST, &u, &l), EOPNOTSUPP);
    l = sizeof n;
    EXPECT_ERR(braid_getsockopt(o, SOL_SCTP, SCTP_GET_ASSOC_NUMBER, &n, &l), EOPNOTSUPP);
    braid_close(o);
    braid_close(m);
}

/* ---- SCTP_PEER_ADDR_THLDS, _V2 ---- */

static void test_thresholds(void)
{
    ports p;
    pid_t srv;
    int c = echo_pair(&p, &srv);
    struct sctp_paddrthlds_v2 t;
    memset(&t, 0, sizeof t);
    socklen_t l = sizeof t;
    CHECK_EQ(braid_getsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS_V2, &t, &l), 0);
    CHECK_EQ(t.spt_pathmaxrxt, 5); /* Linux's defaults */
    CHECK_EQ(t.spt_pathpfthld, 0);
    CHECK_EQ(t.spt_pathcpthld, 0xffff);
    t.spt_pathmaxrxt = 6;
    t.spt_pathpfthld = 2;
    t.spt_pathcpthld = 3;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS_V2, &t, sizeof t), 0);
    CHECK_EQ(connect_to(c, p.sport), 0); /* the association starts with them */
    struct sockaddr_in pa = peer_of(c);
    memset(&t, 0, sizeof t);
    memcpy(&t.spt_address, &pa, sizeof pa);
    CHECK_EQ(braid_getsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS_V2, &t, &l), 0);
    CHECK_EQ(t.spt_pathmaxrxt, 6);
    CHECK_EQ(t.spt_pathpfthld, 2);
    CHECK_EQ(t.spt_pathcpthld, 3);
    CHECK_EQ(paddr_get(c, 0, &pa).spp_pathmaxrxt, 6); /* one value, two options */
    /* the old form leaves the switchover threshold */
    struct sctp_paddrthlds t1;
    memset(&t1, 0, sizeof t1);
    t1.spt_pathpfthld = 1;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS, &t1, sizeof t1), 0);
    memset(&t, 0, sizeof t);
    CHECK_EQ(braid_getsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS_V2, &t, &l), 0);
    CHECK_EQ(t.spt_pathpfthld, 1);
    CHECK_EQ(t.spt_pathcpthld, 3);
    CHECK_EQ(t.spt_pathmaxrxt, 6);
    /* refused */
    t.spt_pathpfthld = 4; /* above the switchover threshold */
    EXPECT_ERR(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS_V2, &t, sizeof t), EINVAL);
    EXPECT_ERR(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS_V2, &t, sizeof t1), EINVAL);
    struct sockaddr_in other = addr_of("127.0.0.9", p.sport);
    memset(&t, 0, sizeof t);
    memcpy(&t.spt_address, &other, sizeof other);
    EXPECT_ERR(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS_V2, &t, sizeof t), ENOENT);
    l = sizeof t;
    EXPECT_ERR(braid_getsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_THLDS_V2, &t, &l), ENOENT);
    braid_close(c);
    REAP(srv);
}

/* ---- SCTP_REUSE_PORT, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, IP_TOS, IPV6_TCLASS ---- */

static void test_small_options(void)
{
    int o = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    int m = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    /* SCTP_REUSE_PORT: one-to-one, before bind (Linux) */
    CHECK_EQ(getint(o, IPPROTO_SCTP, SCTP_REUSE_PORT), 0);
    setint(o, IPPROTO_SCTP, SCTP_REUSE_PORT, 1);
    CHECK_EQ(getint(o, IPPROTO_SCTP, SCTP_REUSE_PORT), 1);
    int one = 1;
    EXPECT_ERR(braid_setsockopt(m, IPPROTO_SCTP, SCTP_REUSE_PORT, &one, sizeof one), EOPNOTSUPP);
    struct sockaddr_in a = loopback(free_udp_port());
    CHECK_EQ(braid_bind(o, (struct sockaddr *)&a, sizeof a), 0);
    EXPECT_ERR(braid_setsockopt(o, IPPROTO_SCTP, SCTP_REUSE_PORT, &one, sizeof one), EFAULT);

    /* SCTP_EXPOSE_POTENTIALLY_FAILED_STATE: 0 unset, 1 off, 2 on */
    struct sctp_assoc_value av = {0, 9};
    socklen_t l = sizeof av;
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, &av, &l), 0);
    CHECK_EQ(av.assoc_value, 0);
    av.assoc_value = 2;
    CHECK_EQ(
        braid_setsockopt(m, IPPROTO_SCTP, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, &av, sizeof av), 0);
    av.assoc_value = 0;
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_EXPOSE_PF_STATE, &av, &l), 0);
    CHECK_EQ(av.assoc_value, 2);
    av.assoc_value = 3;
    EXPECT_ERR(braid_setsockopt(m, IPPROTO_SCTP, SCTP_EXPOSE_PF_STATE, &av, sizeof av), EINVAL);
    av.assoc_value = 1;
    av.assoc_id = 77;
    EXPECT_ERR(braid_setsockopt(m, IPPROTO_SCTP, SCTP_EXPOSE_PF_STATE, &av, sizeof av), EINVAL);
    av.assoc_id = 0;
    EXPECT_ERR(braid_setsockopt(m, IPPROTO_SCTP, SCTP_EXPOSE_PF_STATE, &av, 4), EINVAL);

    /* IP_TOS: kept; a one-to-one (SOCK_STREAM) socket keeps its ECN bits */
    CHECK_EQ(getint(m, IPPROTO_IP, IP_TOS), 0);
    setint(m, IPPROTO_IP, IP_TOS, 0x2b);
    CHECK_EQ(getint(m, IPPROTO_IP, IP_TOS), 0x2b);
    setint(o, IPPROTO_IP, IP_TOS, 0x2b);
    CHECK_EQ(getint(o, IPPROTO_IP, IP_TOS), 0x28);
    unsigned char b = 0x10;
    CHECK_EQ(braid_setsockopt(m, IPPROTO_IP, IP_TOS, &b, 1), 0);
    unsigned char gb = 0;
    l = 1;
    CHECK_EQ(braid_getsockopt(m, IPPROTO_IP, IP_TOS, &gb, &l), 0);
    CHECK_EQ(l, 1);
    CHECK_EQ(gb, 0x10);
    /* IPV6_TCLASS: not an IPv4 socket's (Linux: ip_setsockopt / ip_getsockopt) */
    int tc = 0x20;
    EXPECT_ERR(braid_setsockopt(m, IPPROTO_IPV6, IPV6_TCLASS, &tc, sizeof tc), ENOPROTOOPT);
    l = sizeof tc;
    EXPECT_ERR(braid_getsockopt(m, IPPROTO_IPV6, IPV6_TCLASS, &tc, &l), EOPNOTSUPP);
    int m6 = braid_socket(AF_INET6, SOCK_SEQPACKET, IPPROTO_SCTP);
    CHECK(m6 >= 0);
    CHECK_EQ(getint(m6, IPPROTO_IPV6, IPV6_TCLASS), 0);
    setint(m6, IPPROTO_IPV6, IPV6_TCLASS, 0x20);
    CHECK_EQ(getint(m6, IPPROTO_IPV6, IPV6_TCLASS), 0x20);
    setint(m6, IPPROTO_IPV6, IPV6_TCLASS, -1); /* the default */
    CHECK_EQ(getint(m6, IPPROTO_IPV6, IPV6_TCLASS), 0);
    tc = 256;
    EXPECT_ERR(braid_setsockopt(m6, IPPROTO_IPV6, IPV6_TCLASS, &tc, sizeof tc), EINVAL);
    EXPECT_ERR(braid_setsockopt(m6, IPPROTO_IPV6, IPV6_TCLASS, &tc, 2), EINVAL);
    setint(m6, IPPROTO_IP, IP_TOS, 0x48); /* IP_TOS on IPv6 too (v4-mapped) */
    CHECK_EQ(getint(m6, IPPROTO_IP, IP_TOS), 0x48);
    braid_close(m6);
    braid_close(m);
    braid_close(o);
}

/* IP_TOS reaches the encapsulating UDP datagrams: the server's transport
 * socket, read with IP_RECVTOS by a plain UDP socket posing as the peer. */
static void test_tos_on_the_wire(void)
{
    int peer = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in pa = loopback(0);
    CHECK_EQ(bind(peer, (struct sockaddr *)&pa, sizeof pa), 0);
    socklen_t pl = sizeof pa;
    getsockname(peer, (struct sockaddr *)&pa, &pl);
    int on = 1;
    CHECK_EQ(setsockopt(peer, IPPROTO_IP, IP_RECVTOS, &on, sizeof on), 0);
    int c = client(SOCK_STREAM, ntohs(pa.sin_port));
    setint(c, IPPROTO_IP, IP_TOS, 0xb8);
    int nb = 1;
    CHECK_EQ(braid_fcntl(c, F_SETFL, O_NONBLOCK), 0);
    (void)nb;
    errno = 0;
    connect_to(c, 5); /* an INIT to the plain socket */
    struct pollfd pf = {peer, POLLIN, 0};
    CHECK_EQ(poll(&pf, 1, 2000), 1);
    char buf[2048];
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } cb;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cb.b;
    mh.msg_controllen = sizeof cb.b;
    CHECK(recvmsg(peer, &mh, 0) > 0);
    int tos = -1;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h))
        if (h->cmsg_level == IPPROTO_IP && h->cmsg_type == IP_TOS)
            tos = *(unsigned char *)CMSG_DATA(h);
    CHECK_EQ(tos, 0xb8);
    braid_close(c);
    close(peer);
}

/* ---- SO_SNDBUF / SO_RCVBUF ---- */

/* socket(7): the kernel doubles the value (and getsockopt returns that);
 * Linux's floors SOCK_MIN_SNDBUF 4608, SOCK_MIN_RCVBUF 2304. SCTP sends up
 * to sk_sndbuf and advertises half of sk_rcvbuf. */
static void test_sockbufs(void)
{
    ports p;
    pid_t srv;
    int c = echo_pair(&p, &srv); /* the server forked first */
    int m = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    CHECK_EQ(getint(m, SOL_SOCKET, SO_RCVBUF), 2 * 256 * 1024); /* braid's window, doubled */
    CHECK_EQ(getint(m, SOL_SOCKET, SO_SNDBUF), 256 * 1024);
    setint(m, SOL_SOCKET, SO_SNDBUF, 65536);
    CHECK_EQ(getint(m, SOL_SOCKET, SO_SNDBUF), 131072);
    setint(m, SOL_SOCKET, SO_RCVBUF, 65536);
    CHECK_EQ(getint(m, SOL_SOCKET, SO_RCVBUF), 131072);
    setint(m, SOL_SOCKET, SO_SNDBUF, 1);
    CHECK_EQ(getint(m, SOL_SOCKET, SO_SNDBUF), 4608);
    setint(m, SOL_SOCKET, SO_RCVBUF, 0);
    CHECK_EQ(getint(m, SOL_SOCKET, SO_RCVBUF), 2304);
    setint(m, SOL_SOCKET, SO_SNDBUF, -1); /* a large unsigned value: the cap */
    CHECK(getint(m, SOL_SOCKET, SO_SNDBUF) >= (64 << 20));
    braid_close(m);

    /* what the association gets: the window is half of SO_RCVBUF's value,
     * the send limit SO_SNDBUF's */
    setint(c, SOL_SOCKET, SO_RCVBUF, 40000);
    setint(c, SOL_SOCKET, SO_SNDBUF, 20000);
    CHECK_EQ(connect_to(c, p.sport), 0);
    struct sctp_assocparams ap;
    memset(&ap, 0, sizeof ap);
    socklen_t l = sizeof ap;
    CHECK_EQ(braid_getsockopt(c, IPPROTO_SCTP, SCTP_ASSOCINFO, &ap, &l), 0);
    CHECK_EQ(ap.sasoc_local_rwnd, 40000);
    static char big[40001];
    EXPECT_ERR(braid_send(c, big, 40001, MSG_NOSIGNAL), EMSGSIZE); /* above 40000 */
    CHECK_EQ(braid_send(c, big, 30000, MSG_NOSIGNAL), 30000);
    /* the echo is read before the close (the server's send would race with
     * the shutdown otherwise) */
    static char back[40000];
    int fl = 0;
    ssize_t got = 0;
    while (got < 30000) {
        ssize_t n = rcv(c, back, sizeof back, &fl, NULL);
        if (n <= 0)
            break;
        if (!(fl & MSG_NOTIFICATION))
            got += n;
    }
    CHECK_EQ(got, 30000);
    braid_close(c);
    REAP(srv);
}

/* ---- the lksctp calls on descriptors that are not braid sockets ---- */

/* They are getsockopt / setsockopt at SOL_SCTP in lksctp: what the kernel
 * answers those with for the socket at hand (EOPNOTSUPP for getsockopt over
 * IPv4 and AF_UNIX, ENOPROTOOPT over IPv6 and for setsockopt). */
static void test_foreign_sockets(void)
{
    struct {
        int dom, type;
    } kinds[] = {{AF_INET, SOCK_STREAM},
                 {AF_INET, SOCK_DGRAM},
                 {AF_INET6, SOCK_STREAM},
                 {AF_UNIX, SOCK_STREAM}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int fd = socket(kinds[k].dom, kinds[k].type, 0);
        if (fd < 0)
            continue; /* no IPv6 here */
        char b[64];
        socklen_t bl = sizeof b;
        errno = 0;
        CHECK_EQ(getsockopt(fd, SOL_SCTP, SCTP_GET_LOCAL_ADDRS, b, &bl), -1);
        int kget = errno;
        int v = 0;
        errno = 0;
        CHECK_EQ(setsockopt(fd, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD, &v, sizeof v), -1);
        int kset = errno;
        CHECK_EQ(kget, kinds[k].dom == AF_INET6 ? ENOPROTOOPT : EOPNOTSUPP);
        struct sockaddr *addrs = NULL;
        EXPECT_ERR(sctp_getladdrs(fd, 0, &addrs), kget);
        EXPECT_ERR(sctp_getpaddrs(fd, 0, &addrs), kget);
        EXPECT_ERR(sctp_peeloff(fd, 3), kget);
        EXPECT_ERR(sctp_peeloff_flags(fd, 3, SOCK_NONBLOCK), kget);
        struct sockaddr_in a = loopback(9);
        EXPECT_ERR(sctp_bindx(fd, (struct sockaddr *)&a, 1, SCTP_BINDX_ADD_ADDR), kset);
        EXPECT_ERR(sctp_connectx(fd, (struct sockaddr *)&a, 1, NULL),
                   kget == ENOPROTOOPT ? kset : kget);
        close(fd);
    }
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_paddrparams_live);
    RUN_ISOLATED(test_paddrparams_one_to_one);
    RUN_ISOLATED(test_delayed_sack);
    RUN_ISOLATED(test_delayed_sack_forms);
    RUN_ISOLATED(test_maxseg_bounds);
    RUN_ISOLATED(test_maxseg_fragments);
    RUN_ISOLATED(test_max_init_timeo);
    RUN_ISOLATED(test_primary_addr);
    RUN_ISOLATED(test_assoc_list_stats_context);
    RUN_ISOLATED(test_thresholds);
    RUN_ISOLATED(test_small_options);
    RUN_ISOLATED(test_tos_on_the_wire);
    RUN_ISOLATED(test_sockbufs);
    RUN_ISOLATED(test_foreign_sockets);
    return CHECK_REPORT();
}
