/* Socket options across two processes: SCTP_INITMSG stream negotiation
 * (setsockopt and the SCTP_INIT cmsg), SCTP_STATUS, SCTP_EVENT / SCTP_EVENTS
 * bookkeeping. */
#include "api_proc.h"

#define NOTE(buf) ((union sctp_notification *)(void *)(buf))

typedef struct ports {
    uint16_t sport, uport;
} ports;

static void set_initmsg(int fd, uint16_t os, uint16_t mis)
{
    struct sctp_initmsg im;
    memset(&im, 0, sizeof im);
    im.sinit_num_ostreams = os;
    im.sinit_max_instreams = mis;
    CHECK_EQ(braid_setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im), 0);
    struct sctp_initmsg back;
    socklen_t l = sizeof back;
    CHECK_EQ(braid_getsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &back, &l), 0);
    CHECK_EQ(l, sizeof back);
    CHECK_EQ(back.sinit_num_ostreams, os);
    CHECK_EQ(back.sinit_max_instreams, mis);
}

static sctp_assoc_t expect_comm_up(int fd, uint16_t out, uint16_t in)
{
    char buf[256];
    int fl = 0;
    ssize_t n = rcv(fd, buf, sizeof buf, &fl, NULL);
    CHECK(n >= (ssize_t)sizeof(struct sctp_assoc_change));
    CHECK(fl & MSG_NOTIFICATION);
    struct sctp_assoc_change *ac = &NOTE(buf)->sn_assoc_change;
    CHECK_EQ(ac->sac_type, SCTP_ASSOC_CHANGE);
    CHECK_EQ(ac->sac_state, SCTP_COMM_UP);
    CHECK_EQ(ac->sac_outbound_streams, out);
    CHECK_EQ(ac->sac_inbound_streams, in);
    return ac->sac_assoc_id;
}

static void check_status(int fd, sctp_assoc_t id, uint16_t out, uint16_t in,
                         const struct sockaddr_in *peer)
{
    struct sctp_status st;
    memset(&st, 0xa5, sizeof st);
    socklen_t l = sizeof st;
    CHECK_EQ(sctp_opt_info(fd, id, SCTP_STATUS, &st, &l), 0);
    CHECK_EQ(l, sizeof st);
    CHECK_EQ(st.sstat_assoc_id, id);
    CHECK_EQ(st.sstat_state, SCTP_ESTABLISHED);
    CHECK_EQ(st.sstat_outstrms, out);
    CHECK_EQ(st.sstat_instrms, in);
    CHECK(st.sstat_rwnd > 0);
    CHECK_EQ(st.sstat_unackdata, 0);
    CHECK_EQ(st.sstat_penddata, 0);
    CHECK(st.sstat_fragmentation_point >= 512);
    CHECK(st.sstat_fragmentation_point < 65536);
    CHECK_EQ(st.sstat_primary.spinfo_assoc_id, id);
    CHECK_EQ(st.sstat_primary.spinfo_state, SCTP_ACTIVE);
    CHECK(st.sstat_primary.spinfo_cwnd > 0);
    CHECK(st.sstat_primary.spinfo_rto > 0);
    CHECK(st.sstat_primary.spinfo_mtu > st.sstat_fragmentation_point);
    struct sockaddr_in pa;
    memcpy(&pa, &st.sstat_primary.spinfo_address, sizeof pa);
    CHECK_EQ(pa.sin_family, AF_INET);
    CHECK_EQ(pa.sin_addr.s_addr, peer->sin_addr.s_addr);
    CHECK_EQ(ntohs(pa.sin_port), ntohs(peer->sin_port));
}

/* ---- SCTP_INITMSG: each direction gets the smaller of what one side
 * sends and the other accepts (RFC 9260 §5.1.1) ---- */

static void initmsg_server(int ctl, void *arg)
{
    ports *p = arg;
    int l = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    int up = p->uport;
    braid_setsockopt(l, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up);
    set_initmsg(l, 9, 3); /* sends on up to 9, accepts 3 */
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_association_event = 1;
    ev.sctp_data_io_event = 1;
    CHECK_EQ(braid_setsockopt(l, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    struct sockaddr_in a = loopback(p->sport);
    CHECK_EQ(braid_bind(l, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ(braid_listen(l, 4), 0);
    set_timeouts(l, 5000, 5000);
    ctl_send(ctl, 1);
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    int s = braid_accept(l, (struct sockaddr *)&peer, &pl);
    CHECK(s >= 0);
    CHECK_EQ(pl, sizeof peer);
    /* the accepted socket inherited the subscription: COMM_UP first */
    sctp_assoc_t id = expect_comm_up(s, 7, 3);
    check_status(s, id, 7, 3, &peer);
    /* highest stream both ways */
    char buf[64];
    struct sctp_sndrcvinfo si;
    int fl;
    CHECK_EQ(rcv(s, buf, sizeof buf, &fl, &si), 2);
    CHECK_EQ(si.sinfo_stream, 2);
    CHECK_EQ(sctp_sendmsg(s, "s6", 2, NULL, 0, 0, 0, 6, 0, 0), 2);
    errno = 0;
    CHECK_EQ(sctp_sendmsg(s, "s7", 2, NULL, 0, 0, 0, 7, 0, 0), -1);
    CHECK_EQ(errno, EINVAL);
    CTL_EXPECT(ctl, 2);
    braid_close(s);
    braid_close(l);
}

static void test_initmsg_negotiation(void)
{
    ports p = {free_udp_port(), free_udp_port()};
    int ctl = -1;
    pid_t srv = spawn(initmsg_server, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, p.uport);
    set_initmsg(c, 5, 7); /* sends on up to 5, accepts 7 */
    uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_DATA_IO_EVENT};
    CHECK_EQ(subscribe(c, types, 2), 0);
    CHECK_EQ(connect_to(c, p.sport), 0);
    /* out = min(5, 3) = 3, in = min(9, 7) = 7 */
    sctp_assoc_t id = expect_comm_up(c, 3, 7);
    CHECK(id > SCTP_ALL_ASSOC); /* a one-to-one socket's association has an id too */
    struct sockaddr_in srv_addr = loopback(p.sport);
    check_status(c, id, 3, 7, &srv_addr);
    CHECK_EQ(sctp_sendmsg(c, "c2", 2, NULL, 0, 0, 0, 2, 0, 0), 2);
    errno = 0;
    CHECK_EQ(sctp_sendmsg(c, "c3", 2, NULL, 0, 0, 0, 3, 0, 0), -1);
    CHECK_EQ(errno, EINVAL); /* beyond the streams negotiated */
    char buf[64];
    struct sctp_sndrcvinfo si;
    int fl;
    CHECK_EQ(rcv(c, buf, sizeof buf, &fl, &si), 2);
    CHECK_EQ(si.sinfo_stream, 6);
    ctl_send(ctl, 2);
    REAP(srv);
    braid_close(c);
}

/* ---- the SCTP_INIT cmsg on the message that sets up an association ---- */

static void cmsg_server(int ctl, void *arg)
{
    ports *p = arg;
    int s = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    int up = p->uport;
    braid_setsockopt(s, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up);
    set_initmsg(s, 9, 3);
    struct sockaddr_in a = loopback(p->sport);
    CHECK_EQ(braid_bind(s, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ(braid_listen(s, 4), 0);
    set_timeouts(s, 5000, 5000);
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_association_event = 1;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    ctl_send(ctl, 1);
    /* the client asked for 4 out, 2 in: out = min(9, 2), in = min(4, 3) */
    expect_comm_up(s, 2, 3);
    char buf[64];
    int fl;
    CHECK_EQ(rcv(s, buf, sizeof buf, &fl, NULL), 5);
    CTL_EXPECT(ctl, 2);
    braid_close(s);
}

static void test_init_cmsg(void)
{
    ports p = {free_udp_port(), free_udp_port()};
    int ctl = -1;
    pid_t srv = spawn(cmsg_server, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_SEQPACKET, p.uport);
    uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_SENDER_DRY_EVENT};
    CHECK_EQ(subscribe(c, types, 2), 0);
    struct sockaddr_in sa = loopback(p.sport);
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(struct sctp_initmsg))];
    } cb;
    memset(&cb, 0, sizeof cb);
    struct iovec iov = {(void *)"hello", 5};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = &sa;
    m.msg_namelen = sizeof sa;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cb.b;
    m.msg_controllen = sizeof cb.b;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = IPPROTO_SCTP;
    cm->cmsg_type = SCTP_INIT;
    cm->cmsg_len = CMSG_LEN(sizeof(struct sctp_initmsg));
    struct sctp_initmsg im = {4, 2, 0, 0};
    memcpy(CMSG_DATA(cm), &im, sizeof im);
    CHECK_EQ(braid_sendmsg(c, &m, 0), 5);
    sctp_assoc_t id = expect_comm_up(c, 3, 2); /* min(4, 3), min(9, 2) */
    char buf[64];
    CHECK(wait_note(c, SCTP_SENDER_DRY_EVENT, buf, sizeof buf) > 0); /* "hello" acknowledged */
    check_status(c, id, 3, 2, &sa);
    ctl_send(ctl, 2);
    REAP(srv);
    braid_close(c);
}

/* ---- SCTP_EVENT / SCTP_EVENTS bookkeeping (no peer needed) ---- */

static void test_event_options(void)
{
    int s = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    struct sctp_event e;
    memset(&e, 0, sizeof e);
    e.se_type = SCTP_PEER_ADDR_CHANGE;
    e.se_on = 1;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &e, sizeof e), 0);
    e.se_type = SCTP_DATA_IO_EVENT;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &e, sizeof e), 0);
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    socklen_t l = sizeof ev;
    CHECK_EQ(braid_getsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, &ev, &l), 0);
    CHECK_EQ(ev.sctp_address_event, 1);
    CHECK_EQ(ev.sctp_data_io_event, 1);
    CHECK_EQ(ev.sctp_association_event, 0);
    /* a shorter (older) structure changes only what it covers (Linux) */
    uint8_t two[2] = {0, 1}; /* data_io off, association on */
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, two, sizeof two), 0);
    l = sizeof ev;
    CHECK_EQ(braid_getsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, &ev, &l), 0);
    CHECK_EQ(ev.sctp_data_io_event, 0);
    CHECK_EQ(ev.sctp_association_event, 1);
    CHECK_EQ(ev.sctp_address_event, 1);
    /* a longer one is refused */
    uint8_t big[sizeof ev + 4];
    memset(big, 0, sizeof big);
    errno = 0;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, big, sizeof big), -1);
    CHECK_EQ(errno, EINVAL);
    /* SCTP_EVENT reads back */
    memset(&e, 0, sizeof e);
    e.se_type = SCTP_PEER_ADDR_CHANGE;
    l = sizeof e;
    CHECK_EQ(braid_getsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &e, &l), 0);
    CHECK_EQ(e.se_on, 1);
    e.se_type = SCTP_SHUTDOWN_EVENT;
    CHECK_EQ(braid_getsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &e, &l), 0);
    CHECK_EQ(e.se_on, 0);
    /* unknown types */
    e.se_type = 0x7000;
    errno = 0;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &e, sizeof e), -1);
    CHECK_EQ(errno, EINVAL);
    /* an association that does not exist */
    memset(&e, 0, sizeof e);
    e.se_type = SCTP_ASSOC_CHANGE;
    e.se_assoc_id = 77;
    e.se_on = 1;
    errno = 0;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &e, sizeof e), -1);
    CHECK_EQ(errno, EINVAL);
    braid_close(s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_initmsg_negotiation);
    RUN_ISOLATED(test_init_cmsg);
    RUN_ISOLATED(test_event_options);
    return CHECK_REPORT();
}
