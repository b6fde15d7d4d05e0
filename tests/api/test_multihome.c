/* Multihoming: a server bound to 127.0.0.1 and 127.0.0.2 with sctp_bindx, a
 * client that reaches it with sctp_connectx. Both paths are heartbeated;
 * when one is blackholed (by the relay of relay.h, which drops every packet
 * to or from that server address) the client is told it is UNREACHABLE and
 * the data keeps flowing over the other; restored, it is AVAILABLE again. */
#include "api_proc.h"
#include "relay.h"

#define NOTE(buf) ((union sctp_notification *)(void *)(buf))

typedef struct ports {
    uint16_t sport, uport;
} ports;

static struct sockaddr_in addr_of(const char *ip, uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

/* Echoes every message until the peer goes away. */
static void echo_server(int ctl, void *arg)
{
    ports *p = arg;
    int l = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    int up = p->uport;
    CHECK_EQ(braid_setsockopt(l, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up), 0);
    struct sockaddr_in two[2] = {addr_of("127.0.0.1", p->sport), addr_of("127.0.0.2", p->sport)};
    CHECK_EQ(sctp_bindx(l, (struct sockaddr *)two, 2, SCTP_BINDX_ADD_ADDR), 0);
    struct sockaddr *la = NULL;
    CHECK_EQ(sctp_getladdrs(l, 0, &la), 2);
    sctp_freeladdrs(la);
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

/* Reads until the echo of want comes back; notifications of address
 * changes on the way are recorded in changes[] (state per address 0/1). */
typedef struct seen {
    int confirmed[2], unreachable[2], available[2];
} seen;

static sctp_assoc_t g_id; /* the association the notifications are about */

static void note_paddr(const char *buf, seen *sn, uint16_t sport)
{
    const struct sctp_paddr_change *pc = &NOTE(buf)->sn_paddr_change;
    CHECK_EQ(pc->spc_length, sizeof *pc);
    CHECK_EQ(pc->spc_assoc_id, g_id);
    struct sockaddr_in a;
    memcpy(&a, &pc->spc_aaddr, sizeof a);
    CHECK_EQ(a.sin_family, AF_INET);
    CHECK_EQ(ntohs(a.sin_port), sport);
    int i = a.sin_addr.s_addr == htonl(0x7f000002) ? 1 : 0;
    if (pc->spc_state == SCTP_ADDR_CONFIRMED) {
        sn->confirmed[i]++;
        CHECK_EQ(pc->spc_error, SCTP_HEARTBEAT_SUCCESS);
    } else if (pc->spc_state == SCTP_ADDR_UNREACHABLE) {
        sn->unreachable[i]++;
        CHECK_EQ(pc->spc_error, SCTP_FAILED_THRESHOLD);
    } else if (pc->spc_state == SCTP_ADDR_AVAILABLE) {
        sn->available[i]++;
        CHECK(pc->spc_error == SCTP_HEARTBEAT_SUCCESS || pc->spc_error == SCTP_RECEIVED_SACK);
    }
}

static bool read_echo(int c, const char *want, seen *sn, uint16_t sport)
{
    for (int i = 0; i < 32; i++) {
        char buf[512];
        int fl;
        ssize_t n = rcv(c, buf, sizeof buf - 1, &fl, NULL);
        if (n <= 0) {
            fprintf(stderr, "  waiting for \"%s\": %zd (%s)\n", want, n, strerror(errno));
            return false;
        }
        if (fl & MSG_NOTIFICATION) {
            if (NOTE(buf)->sn_header.sn_type == SCTP_PEER_ADDR_CHANGE)
                note_paddr(buf, sn, sport);
            continue;
        }
        buf[n] = 0;
        if (strcmp(buf, want) == 0)
            return true;
        fprintf(stderr, "  got \"%s\" while waiting for \"%s\"\n", buf, want);
    }
    return false;
}

static void test_multihome_failover(void)
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
    if (relay <= 0) {
        printf("  skipped: no relay on 127.0.0.1 and 127.0.0.2 (%s)\n", strerror(errno));
        return;
    }
    pid_t srv = spawn(echo_server, &p, &ctl);
    CTL_EXPECT(ctl, 1);

    int c = client(SOCK_STREAM, rc.relay_udp);
    /* fast failure detection: RTO 50..200 ms, heartbeat every 100 ms, a
     * path fails after 2 retransmissions */
    struct sctp_rtoinfo rto = {0, 100, 200, 50};
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_RTOINFO, &rto, sizeof rto), 0);
    struct sctp_paddrparams pp;
    memset(&pp, 0, sizeof pp);
    pp.spp_hbinterval = 100;
    pp.spp_pathmaxrxt = 2;
    pp.spp_flags = SPP_HB_ENABLE;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof pp), 0);
    memset(&pp, 0, sizeof pp);
    socklen_t pl = sizeof pp;
    CHECK_EQ(braid_getsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, &pl), 0);
    CHECK_EQ(pp.spp_hbinterval, 100);
    CHECK_EQ(pp.spp_pathmaxrxt, 2);
    CHECK(pp.spp_flags & SPP_HB_ENABLE);
    uint16_t types[] = {SCTP_PEER_ADDR_CHANGE};
    CHECK_EQ(subscribe(c, types, 1), 0);
    int one = 1;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof one), 0);

    struct sockaddr_in srv_addrs[2] = {addr_of("127.0.0.1", p.sport),
                                       addr_of("127.0.0.2", p.sport)};
    sctp_assoc_t id = 0;
    CHECK_EQ(sctp_connectx(c, (struct sockaddr *)srv_addrs, 2, &id), 0);
    CHECK(id > SCTP_ALL_ASSOC);
    g_id = id;

    /* two paths */
    struct sockaddr *pa = NULL;
    CHECK_EQ(sctp_getpaddrs(c, id, &pa), 2);
    if (pa) {
        struct sockaddr_in got[2];
        memcpy(got, pa, sizeof got);
        bool have1 = false, have2 = false;
        for (int i = 0; i < 2; i++) {
            CHECK_EQ(got[i].sin_family, AF_INET);
            CHECK_EQ(ntohs(got[i].sin_port), p.sport);
            have1 |= got[i].sin_addr.s_addr == srv_addrs[0].sin_addr.s_addr;
            have2 |= got[i].sin_addr.s_addr == srv_addrs[1].sin_addr.s_addr;
        }
        CHECK(have1 && have2);
        sctp_freepaddrs(pa);
    }
    /* both heartbeated: confirmed and active */
    uint64_t end = now_ms() + 3000;
    int st1 = -1, st2 = -1;
    while (now_ms() < end) {
        st1 = path_state(c, id, &srv_addrs[0]);
        st2 = path_state(c, id, &srv_addrs[1]);
        if (st1 == SCTP_ACTIVE && st2 == SCTP_ACTIVE)
            break;
        usleep(20000);
    }
    CHECK_EQ(st1, SCTP_ACTIVE);
    CHECK_EQ(st2, SCTP_ACTIVE);
    seen sn;
    memset(&sn, 0, sizeof sn);
    CHECK_EQ(braid_send(c, "before", 6, 0), 6);
    CHECK(read_echo(c, "before", &sn, p.sport));
    /* addresses the application gave count as confirmed (RFC 9260 §5.4
     * rule 1, as Linux): no ADDR_CONFIRMED for them */
    CHECK_EQ(sn.confirmed[0] + sn.confirmed[1], 0);
    CHECK_EQ(sn.unreachable[0] + sn.unreachable[1], 0);

    /* the primary goes dark */
    CHECK_EQ(relay_cmd(rctl, RELAY_BLACKHOLE + 0), RELAY_ACK);
    for (int i = 0; i < 5; i++) {
        char m[16];
        snprintf(m, sizeof m, "during %d", i);
        CHECK_EQ(braid_send(c, m, strlen(m), 0), (ssize_t)strlen(m));
        CHECK(read_echo(c, m, &sn, p.sport));
    }
    /* the client learnt that 127.0.0.1 is unreachable */
    end = now_ms() + 3000;
    while (sn.unreachable[0] == 0 && now_ms() < end) {
        char buf[512];
        int fl;
        set_timeouts(c, 200, 5000);
        ssize_t n = rcv(c, buf, sizeof buf, &fl, NULL);
        if (n > 0 && (fl & MSG_NOTIFICATION) &&
            NOTE(buf)->sn_header.sn_type == SCTP_PEER_ADDR_CHANGE)
            note_paddr(buf, &sn, p.sport);
    }
    set_timeouts(c, 5000, 5000);
    CHECK_EQ(sn.unreachable[0], 1);
    CHECK_EQ(sn.unreachable[1], 0);
    CHECK_EQ(path_state(c, id, &srv_addrs[0]), SCTP_INACTIVE);
    CHECK_EQ(path_state(c, id, &srv_addrs[1]), SCTP_ACTIVE);
    CHECK_EQ(braid_send(c, "after", 5, 0), 5);
    CHECK(read_echo(c, "after", &sn, p.sport));

    /* back: a heartbeat finds it available again */
    CHECK_EQ(relay_cmd(rctl, RELAY_RESTORE + 0), RELAY_ACK);
    end = now_ms() + 3000;
    while (sn.available[0] == 0 && now_ms() < end) {
        char buf[512];
        int fl;
        set_timeouts(c, 200, 5000);
        ssize_t n = rcv(c, buf, sizeof buf, &fl, NULL);
        if (n > 0 && (fl & MSG_NOTIFICATION) &&
            NOTE(buf)->sn_header.sn_type == SCTP_PEER_ADDR_CHANGE)
            note_paddr(buf, &sn, p.sport);
    }
    CHECK_EQ(sn.available[0], 1);
    CHECK_EQ(path_state(c, id, &srv_addrs[0]), SCTP_ACTIVE);

    braid_close(c);
    REAP(srv);
    CHECK_EQ(relay_cmd(rctl, RELAY_QUIT), RELAY_ACK);
    REAP(relay);
}

/* connect() to one address: the other, learnt from the INIT ACK, starts
 * unconfirmed until a heartbeat confirms it (ADDR_CONFIRMED) */
static void test_learned_address_confirmed(void)
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
    /* the second path stays dark at first: it cannot be confirmed */
    CHECK_EQ(relay_cmd(rctl, RELAY_BLACKHOLE + 1), RELAY_ACK);
    pid_t srv = spawn(echo_server, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, rc.relay_udp);
    struct sctp_rtoinfo rto = {0, 100, 200, 50};
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_RTOINFO, &rto, sizeof rto), 0);
    struct sctp_paddrparams pp;
    memset(&pp, 0, sizeof pp);
    pp.spp_hbinterval = 100;
    pp.spp_flags = SPP_HB_ENABLE;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof pp), 0);
    uint16_t types[] = {SCTP_PEER_ADDR_CHANGE};
    CHECK_EQ(subscribe(c, types, 1), 0);
    CHECK_EQ(connect_to(c, p.sport), 0);
    struct sctp_status st;
    memset(&st, 0, sizeof st);
    socklen_t sl = sizeof st;
    CHECK_EQ(braid_getsockopt(c, IPPROTO_SCTP, SCTP_STATUS, &st, &sl), 0);
    sctp_assoc_t id = st.sstat_assoc_id;
    g_id = id;
    struct sockaddr *pa = NULL;
    CHECK_EQ(sctp_getpaddrs(c, id, &pa), 2);
    sctp_freepaddrs(pa);
    struct sockaddr_in second = addr_of("127.0.0.2", p.sport);
    usleep(300000);
    CHECK_EQ(path_state(c, id, &second), SCTP_UNCONFIRMED);
    seen sn;
    memset(&sn, 0, sizeof sn);
    CHECK_EQ(relay_cmd(rctl, RELAY_RESTORE + 1), RELAY_ACK);
    uint64_t end = now_ms() + 5000;
    set_timeouts(c, 200, 5000);
    while (sn.confirmed[1] == 0 && now_ms() < end) {
        char buf[512];
        int fl;
        ssize_t n = rcv(c, buf, sizeof buf, &fl, NULL);
        if (n > 0 && (fl & MSG_NOTIFICATION) &&
            NOTE(buf)->sn_header.sn_type == SCTP_PEER_ADDR_CHANGE)
            note_paddr(buf, &sn, p.sport);
    }
    CHECK_EQ(sn.confirmed[1], 1);
    CHECK_EQ(sn.confirmed[0], 0);
    CHECK_EQ(path_state(c, id, &second), SCTP_ACTIVE);
    braid_close(c);
    REAP(srv);
    CHECK_EQ(relay_cmd(rctl, RELAY_QUIT), RELAY_ACK);
    REAP(relay);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_multihome_failover);
    RUN_ISOLATED(test_learned_address_confirmed);
    return CHECK_REPORT();
}
