/* Behaviours of the sockets API that follow Linux 6.1 (net/sctp/socket.c,
 * net/sctp/sm_statefuns.c, net/sctp/sm_sideeffect.c, net/sctp/ulpqueue.c,
 * lksctp-tools lib/recvmsg.c), one test each. All sockets live in ONE
 * process: every handshake, delivery and shutdown between them completes
 * inside the call that started it. */
#include "api_proc.h"
#include "check.h"

#include <pthread.h>

/* A one-to-one client connected to the listener l (SCTP port sport, UDP
 * port up), and the socket l accepted for it. */
static void pair(int l, uint16_t sport, uint16_t up, int *c, int *a)
{
    *c = client(SOCK_STREAM, up);
    CHECK(*c >= 0);
    CHECK_EQ(connect_to(*c, sport), 0);
    *a = braid_accept(l, NULL, NULL);
    CHECK(*a >= 0);
    if (*a >= 0)
        set_timeouts(*a, 5000, 5000);
}

/* A one-to-many socket on 127.0.0.1:sport (0: any port) that reaches UDP
 * port up, listening or not. */
static int many(uint16_t sport, uint16_t up, bool listening)
{
    int fd = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    CHECK(fd >= 0);
    int upi = up;
    if (listening)
        CHECK_EQ(braid_setsockopt(fd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &upi, sizeof upi),
                 0);
    CHECK_EQ(set_udp_port(fd, up), 0);
    struct sockaddr_in a = loopback(sport);
    CHECK_EQ(braid_bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    if (listening)
        CHECK_EQ(braid_listen(fd, 8), 0);
    set_timeouts(fd, 5000, 5000);
    return fd;
}

static int subscribe_events(int fd, bool data_io, bool assoc, bool shutdown_ev, bool auth)
{
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = data_io;
    ev.sctp_association_event = assoc;
    ev.sctp_shutdown_event = shutdown_ev;
    ev.sctp_authentication_event = auth;
    return braid_setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev);
}

/* One recvmsg with flags; a notification's type in *type (0 for data). */
static ssize_t rcv_type(int fd, void *buf, size_t cap, int rflags, int *mflags, uint16_t *type,
                        struct sctp_sndrcvinfo *si)
{
    struct iovec iov = {buf, cap};
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo)) +
               CMSG_SPACE(sizeof(struct sctp_rcvinfo)) + CMSG_SPACE(sizeof(struct sctp_nxtinfo))];
    } cb;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cb.b;
    m.msg_controllen = sizeof cb.b;
    ssize_t n = braid_recvmsg(fd, &m, rflags);
    if (mflags)
        *mflags = n >= 0 ? m.msg_flags : 0;
    if (type) {
        *type = 0;
        if (n >= 2 && (m.msg_flags & MSG_NOTIFICATION))
            memcpy(type, buf, sizeof *type);
    }
    if (si) {
        memset(si, 0, sizeof *si);
        if (n >= 0)
            for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
                if (c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == SCTP_SNDRCV)
                    memcpy(si, CMSG_DATA(c), sizeof *si);
    }
    return n;
}

static sctp_assoc_t first_assoc_id(int fd)
{
    sctp_assoc_t ids[8];
    memset(ids, 0, sizeof ids);
    struct sctp_assoc_ids *list = (struct sctp_assoc_ids *)(void *)ids;
    socklen_t l = sizeof ids;
    CHECK_EQ(braid_getsockopt(fd, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, list, &l), 0);
    CHECK_EQ(list->gaids_number_of_ids, 1);
    return list->gaids_assoc_id[0];
}

/* ---- 1: notifications and data share one queue, in arrival order ----
 * Linux: sctp_ulpq_tail_event() appends both to sk_receive_queue; the
 * COMM_UP is queued in sctp_sf_do_5_1D_ce() before any DATA of the
 * association, so the reader sees them in arrival order. */
static void test_queue_arrival_order(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int srv = many(ps, up, true);
    CHECK_EQ(subscribe_events(srv, true, true, false, false), 0);
    int ca = many(0, up, false), cb = many(0, up, false);
    CHECK_EQ(connect_to(ca, ps), 0);
    struct sockaddr_in to = loopback(ps);
    CHECK_EQ(sctp_sendmsg(ca, "from A", 6, (struct sockaddr *)&to, sizeof to, 0, 0, 0, 0, 0), 6);
    CHECK_EQ(connect_to(cb, ps), 0);

    char buf[256];
    int fl = 0;
    uint16_t t = 0;
    struct sctp_sndrcvinfo si;
    /* COMM_UP of A */
    CHECK(rcv_type(srv, buf, sizeof buf, MSG_DONTWAIT, &fl, &t, NULL) > 0);
    CHECK(fl & MSG_NOTIFICATION);
    CHECK_EQ(t, SCTP_ASSOC_CHANGE);
    struct sctp_assoc_change ac;
    memcpy(&ac, buf, sizeof ac);
    CHECK_EQ(ac.sac_state, SCTP_COMM_UP);
    sctp_assoc_t ida = ac.sac_assoc_id;
    /* DATA of A */
    CHECK_EQ(rcv_type(srv, buf, sizeof buf, MSG_DONTWAIT, &fl, &t, &si), 6);
    CHECK(!(fl & MSG_NOTIFICATION));
    CHECK_MEM(buf, "from A", 6);
    CHECK_EQ(si.sinfo_assoc_id, ida);
    /* COMM_UP of B */
    CHECK(rcv_type(srv, buf, sizeof buf, MSG_DONTWAIT, &fl, &t, NULL) > 0);
    CHECK(fl & MSG_NOTIFICATION);
    CHECK_EQ(t, SCTP_ASSOC_CHANGE);
    memcpy(&ac, buf, sizeof ac);
    CHECK_EQ(ac.sac_state, SCTP_COMM_UP);
    CHECK(ac.sac_assoc_id != ida);
    /* and nothing else */
    EXPECT_ERR(rcv_type(srv, buf, sizeof buf, MSG_DONTWAIT, &fl, &t, NULL), EAGAIN);
    braid_close(ca);
    braid_close(cb);
    braid_close(srv);
}

/* ---- 2: progress inside the call ----
 * Linux: __sctp_connect() returns -EINPROGRESS for a non-blocking socket
 * (sctp_wait_for_connect is skipped); over loopback the handshake has
 * completed by then, so inet_accept() / sctp_accept() finds the
 * association at once. sctp_sendmsg_to_asoc(): a one-to-one socket that
 * is no longer ESTABLISHED (the peer shut down) -> -EPIPE. */
static void test_in_call_progress(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int l = serve(SOCK_STREAM, ps, up);
    CHECK(l >= 0);
    int c = client(SOCK_STREAM, up);
    CHECK_EQ(braid_fcntl(c, F_SETFL, O_NONBLOCK), 0);
    EXPECT_ERR(connect_to(c, ps), EINPROGRESS);
    CHECK_EQ(braid_fcntl(l, F_SETFL, O_NONBLOCK), 0);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    if (a < 0)
        fprintf(stderr, "  non-blocking accept: %s\n", strerror(errno));
    int err = -1;
    socklen_t el = sizeof err;
    CHECK_EQ(braid_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el), 0);
    CHECK_EQ(err, 0);
    CHECK_EQ(braid_send(c, "hi", 2, MSG_NOSIGNAL), 2);
    char buf[16];
    CHECK_EQ(braid_recv(a, buf, sizeof buf, MSG_DONTWAIT), 2);
    CHECK_EQ(braid_close(a), 0);
    EXPECT_ERR(braid_send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
    braid_close(c);
    braid_close(l);
}

/* ---- 3: recvmsg on an idle one-to-many socket ----
 * Linux: sctp_wait_for_packet(): no association and not LISTENING ->
 * -ENOTCONN, without waiting. */
static void test_recv_idle_one_to_many(void)
{
    int s = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    CHECK(s >= 0);
    set_timeouts(s, 3000, 3000);
    char buf[16];
    uint64_t t0 = now_ms();
    EXPECT_ERR(braid_recv(s, buf, sizeof buf, 0), ENOTCONN);
    CHECK(now_ms() - t0 < 1000);
    /* bound but not listening: the same */
    struct sockaddr_in a = loopback(free_udp_port());
    CHECK_EQ(braid_bind(s, (struct sockaddr *)&a, sizeof a), 0);
    t0 = now_ms();
    EXPECT_ERR(braid_recv(s, buf, sizeof buf, 0), ENOTCONN);
    CHECK(now_ms() - t0 < 1000);
    braid_close(s);
}

/* ---- 4: connect to a peer whose association was peeled off ----
 * Linux: __sctp_connect(): sctp_endpoint_is_peeled_off(ep, daddr) ->
 * -EADDRNOTAVAIL. */
static void test_connect_peeled_off(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int srv = many(ps, up, true);
    int c = many(0, up, false);
    struct sockaddr_in to = loopback(ps);
    sctp_assoc_t id = 0;
    CHECK_EQ(sctp_connectx(c, (struct sockaddr *)&to, 1, &id), 0);
    CHECK(id != 0);
    int p = sctp_peeloff(c, id);
    CHECK(p >= 0);
    EXPECT_ERR(connect_to(c, ps), EADDRNOTAVAIL);
    EXPECT_ERR(sctp_connectx(c, (struct sockaddr *)&to, 1, NULL), EADDRNOTAVAIL);
    /* the peeled-off socket still carries it */
    CHECK_EQ(braid_send(p, "peeled", 6, MSG_NOSIGNAL), 6);
    char buf[16];
    CHECK_EQ(braid_recv(srv, buf, sizeof buf, MSG_DONTWAIT), 6);
    braid_close(p);
    braid_close(c);
    braid_close(srv);
}

/* ---- 5: association ids are unique in the process ----
 * Linux: sctp_assoc_set_id() takes ids from one global idr (sctp_assocs_id),
 * and sctp_id2assoc() refuses an id whose association belongs to another
 * socket; sctp_getsockopt_sctp_status(): no association -> -EINVAL. */
static void test_assoc_ids_unique(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int srv = many(ps, up, true);
    int c = many(0, up, false);
    struct sockaddr_in to = loopback(ps);
    sctp_assoc_t cid = 0;
    CHECK_EQ(sctp_connectx(c, (struct sockaddr *)&to, 1, &cid), 0);
    sctp_assoc_t sid = first_assoc_id(srv);
    CHECK(cid != 0);
    CHECK(sid != 0);
    CHECK(cid != sid);
    struct sctp_status st;
    memset(&st, 0, sizeof st);
    socklen_t sl = sizeof st;
    CHECK_EQ(sctp_opt_info(c, cid, SCTP_STATUS, &st, &sl), 0);
    CHECK_EQ(st.sstat_assoc_id, cid);
    CHECK_EQ(st.sstat_state, SCTP_ESTABLISHED);
    sl = sizeof st;
    EXPECT_ERR(sctp_opt_info(c, sid, SCTP_STATUS, &st, &sl), EINVAL);
    sl = sizeof st;
    EXPECT_ERR(sctp_opt_info(srv, cid, SCTP_STATUS, &st, &sl), EINVAL);
    sl = sizeof st;
    CHECK_EQ(sctp_opt_info(srv, sid, SCTP_STATUS, &st, &sl), 0);
    braid_close(c);
    braid_close(srv);
}

/* ---- 6: getsockname of a connected socket bound to the wildcard ----
 * Linux: sctp_transport_route() stores the association's source address in
 * the socket (pf->to_sk_saddr) and inet_getname() returns inet_saddr when
 * inet_rcv_saddr is the wildcard; the listener keeps INADDR_ANY. */
static void test_getsockname_wildcard(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int l = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    int upi = up;
    CHECK_EQ(braid_setsockopt(l, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &upi, sizeof upi), 0);
    struct sockaddr_in any;
    memset(&any, 0, sizeof any);
    any.sin_family = AF_INET;
    any.sin_port = htons(ps);
    any.sin_addr.s_addr = htonl(INADDR_ANY);
    CHECK_EQ(braid_bind(l, (struct sockaddr *)&any, sizeof any), 0);
    CHECK_EQ(braid_listen(l, 4), 0);
    /* the client is bound to the wildcard too */
    int c = client(SOCK_STREAM, up);
    struct sockaddr_in cany = any;
    cany.sin_port = 0;
    CHECK_EQ(braid_bind(c, (struct sockaddr *)&cany, sizeof cany), 0);
    CHECK_EQ(connect_to(c, ps), 0);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    struct sockaddr_in n;
    socklen_t nl = sizeof n;
    memset(&n, 0, sizeof n);
    CHECK_EQ(braid_getsockname(a, (struct sockaddr *)&n, &nl), 0);
    CHECK_EQ(nl, sizeof n);
    CHECK_EQ(n.sin_family, AF_INET);
    CHECK_EQ(ntohl(n.sin_addr.s_addr), INADDR_LOOPBACK);
    CHECK_EQ(ntohs(n.sin_port), ps);
    memset(&n, 0, sizeof n);
    nl = sizeof n;
    CHECK_EQ(braid_getsockname(c, (struct sockaddr *)&n, &nl), 0);
    CHECK_EQ(ntohl(n.sin_addr.s_addr), INADDR_LOOPBACK);
    CHECK(n.sin_port != 0);
    memset(&n, 0xff, sizeof n);
    nl = sizeof n;
    CHECK_EQ(braid_getsockname(l, (struct sockaddr *)&n, &nl), 0);
    CHECK_EQ(n.sin_addr.s_addr, htonl(INADDR_ANY));
    CHECK_EQ(ntohs(n.sin_port), ps);
    braid_close(c);
    braid_close(a);
    braid_close(l);
}

/* ---- 7: SCTP_RECVNXTINFO ----
 * Linux: sctp_recvmsg() calls sctp_ulpevent_read_nxtinfo() when recvnxtinfo
 * is on: it peeks the next skb and puts an SCTP_NXTINFO cmsg (sid, flags,
 * ppid, its whole length, assoc id). lksctp lib/recvmsg.c sctp_recvv():
 * both an SCTP_RCVINFO and an SCTP_NXTINFO cmsg -> SCTP_RECVV_RN. */
static void test_recvnxtinfo(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int l = serve(SOCK_STREAM, ps, up);
    int c, a;
    pair(l, ps, up, &c, &a);
    int on = 1;
    CHECK_EQ(braid_setsockopt(a, IPPROTO_SCTP, SCTP_RECVNXTINFO, &on, sizeof on), 0);
    CHECK_EQ(braid_setsockopt(a, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on), 0);
    /* no Nagle: all three are sent at once (sctp_packet_can_append_data) */
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on), 0);
    CHECK_EQ(sctp_sendmsg(c, "first", 5, NULL, 0, htonl(11), 0, 0, 0, 0), 5);
    CHECK_EQ(sctp_sendmsg(c, "second!", 7, NULL, 0, htonl(22), 0, 1, 0, 0), 7);
    CHECK_EQ(sctp_sendmsg(c, "third msg", 9, NULL, 0, htonl(33), 0, 2, 0, 0), 9);
    struct sctp_status st;
    memset(&st, 0, sizeof st);
    socklen_t sl = sizeof st;
    CHECK_EQ(sctp_opt_info(a, 0, SCTP_STATUS, &st, &sl), 0);

    /* the first, with the second described */
    char buf[64];
    struct iovec iov = {buf, sizeof buf};
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(struct sctp_rcvinfo)) + CMSG_SPACE(sizeof(struct sctp_nxtinfo))];
    } cb;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cb.b;
    m.msg_controllen = sizeof cb.b;
    CHECK_EQ(braid_recvmsg(a, &m, MSG_DONTWAIT), 5);
    CHECK_MEM(buf, "first", 5);
    bool got_rcv = false, got_nxt = false;
    struct sctp_rcvinfo ri;
    struct sctp_nxtinfo ni;
    memset(&ri, 0, sizeof ri);
    memset(&ni, 0, sizeof ni);
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
        if (h->cmsg_level != IPPROTO_SCTP)
            continue;
        if (h->cmsg_type == SCTP_RCVINFO) {
            got_rcv = true;
            CHECK_EQ(h->cmsg_len, CMSG_LEN(sizeof ri));
            memcpy(&ri, CMSG_DATA(h), sizeof ri);
        } else if (h->cmsg_type == SCTP_NXTINFO) {
            got_nxt = true;
            CHECK_EQ(h->cmsg_len, CMSG_LEN(sizeof ni));
            memcpy(&ni, CMSG_DATA(h), sizeof ni);
        }
    }
    CHECK(got_rcv);
    CHECK(got_nxt);
    CHECK_EQ(ri.rcv_sid, 0);
    CHECK_EQ(ri.rcv_ppid, htonl(11));
    CHECK_EQ(ri.rcv_assoc_id, st.sstat_assoc_id);
    CHECK_EQ(ni.nxt_sid, 1);
    CHECK_EQ(ni.nxt_ppid, htonl(22));
    CHECK_EQ(ni.nxt_length, 7);
    CHECK_EQ(ni.nxt_assoc_id, st.sstat_assoc_id);
    CHECK(!(ni.nxt_flags & SCTP_NOTIFICATION));

    /* sctp_recvv: the second, with the third described */
    struct sctp_recvv_rn rn;
    memset(&rn, 0, sizeof rn);
    socklen_t il = sizeof rn;
    unsigned int it = 99;
    int fl = 0;
    CHECK_EQ(sctp_recvv(a, &iov, 1, NULL, NULL, &rn, &il, &it, &fl), 7);
    CHECK_MEM(buf, "second!", 7);
    CHECK_EQ(it, SCTP_RECVV_RN);
    CHECK_EQ(il, sizeof rn);
    CHECK_EQ(rn.recvv_rcvinfo.rcv_sid, 1);
    CHECK_EQ(rn.recvv_rcvinfo.rcv_ppid, htonl(22));
    CHECK_EQ(rn.recvv_nxtinfo.nxt_sid, 2);
    CHECK_EQ(rn.recvv_nxtinfo.nxt_ppid, htonl(33));
    CHECK_EQ(rn.recvv_nxtinfo.nxt_length, 9);
    CHECK_EQ(rn.recvv_nxtinfo.nxt_assoc_id, st.sstat_assoc_id);

    /* the third: nothing follows, only its RCVINFO */
    memset(&rn, 0, sizeof rn);
    il = sizeof rn;
    it = 99;
    CHECK_EQ(sctp_recvv(a, &iov, 1, NULL, NULL, &rn, &il, &it, &fl), 9);
    CHECK_EQ(it, SCTP_RECVV_RCVINFO);
    CHECK_EQ(il, sizeof(struct sctp_rcvinfo));
    CHECK_EQ(rn.recvv_rcvinfo.rcv_sid, 2);
    braid_close(c);
    braid_close(a);
    braid_close(l);
}

/* ---- 8: SCTP_AUTHENTICATION_EVENT without AUTH ----
 * Linux: sctp_sf_do_5_1D_ce() and sctp_sf_do_5_1E_ca(): after the COMM_UP,
 * when the peer is not auth-capable (net.sctp.auth_enable is 0 by
 * default), sctp_ulpevent_make_authkey(asoc, 0, SCTP_AUTH_NO_AUTH). */
static void expect_no_auth(int fd)
{
    char buf[256];
    int fl = 0;
    uint16_t t = 0;
    CHECK(rcv_type(fd, buf, sizeof buf, MSG_DONTWAIT, &fl, &t, NULL) > 0);
    CHECK_EQ(t, SCTP_ASSOC_CHANGE);
    struct sctp_assoc_change ac;
    memcpy(&ac, buf, sizeof ac);
    CHECK_EQ(ac.sac_state, SCTP_COMM_UP);
    ssize_t n = rcv_type(fd, buf, sizeof buf, MSG_DONTWAIT, &fl, &t, NULL);
    CHECK_EQ(n, sizeof(struct sctp_authkey_event));
    CHECK(fl & MSG_NOTIFICATION);
    CHECK_EQ(t, SCTP_AUTHENTICATION_EVENT);
    struct sctp_authkey_event ak;
    memcpy(&ak, buf, sizeof ak);
    CHECK_EQ(ak.auth_length, sizeof ak);
    CHECK_EQ(ak.auth_indication, SCTP_AUTH_NO_AUTH);
    CHECK_EQ(ak.auth_keynumber, 0);
    CHECK_EQ(ak.auth_assoc_id, ac.sac_assoc_id);
}

static void test_authkey_no_auth(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int srv = many(ps, up, true);
    CHECK_EQ(subscribe_events(srv, false, true, false, true), 0);
    int c = client(SOCK_STREAM, up);
    CHECK_EQ(subscribe_events(c, false, true, false, true), 0);
    CHECK_EQ(connect_to(c, ps), 0);
    expect_no_auth(srv); /* the side that got the COOKIE ECHO */
    expect_no_auth(c);   /* the side that got the COOKIE ACK */
    braid_close(c);
    braid_close(srv);
}

/* ---- 9: errno untouched on success ----
 * Linux (and POSIX): a system call that succeeds does not write errno --
 * also one that had to wait for its data first. */
static void *send_later(void *arg)
{
    int fd = *(int *)arg;
    usleep(200000);
    errno = 0;
    braid_send(fd, "late", 4, MSG_NOSIGNAL);
    return NULL;
}

static void test_errno_untouched(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int l = serve(SOCK_STREAM, ps, up);
    int c, a;
    pair(l, ps, up, &c, &a);
    char buf[16];
    errno = 12345;
    CHECK_EQ(braid_send(c, "abc", 3, 0), 3);
    CHECK_EQ(errno, 12345);
    errno = 12345;
    CHECK_EQ(braid_recv(a, buf, sizeof buf, 0), 3);
    CHECK_EQ(errno, 12345);
    errno = 12345;
    CHECK_EQ(sctp_sendmsg(a, "back", 4, NULL, 0, 0, 0, 0, 0, 0), 4);
    CHECK_EQ(errno, 12345);
    errno = 12345;
    int fl = 0;
    CHECK_EQ(sctp_recvmsg(c, buf, sizeof buf, NULL, NULL, NULL, &fl), 4);
    CHECK_EQ(errno, 12345);
    CHECK_EQ(braid_send(c, "d", 1, 0), 1);
    errno = 12345;
    CHECK_EQ(braid_recv(a, buf, sizeof buf, MSG_DONTWAIT), 1);
    CHECK_EQ(errno, 12345);
    /* a blocking recv that waits for the data (sent by another thread) */
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, send_later, &c), 0);
    errno = 12345;
    uint64_t t0 = now_ms();
    CHECK_EQ(braid_recv(a, buf, sizeof buf, 0), 4);
    CHECK_EQ(errno, 12345);
    CHECK(now_ms() - t0 >= 100); /* it did wait */
    pthread_join(th, NULL);
    braid_close(c);
    braid_close(a);
    braid_close(l);
}

/* ---- 10: SCTP_AUTOCLOSE ----
 * Linux: sctp_setsockopt_autoclose() / sctp_getsockopt_autoclose(): a
 * TCP-style socket -> -EOPNOTSUPP. The autoclose timer
 * (SCTP_EVENT_TIMEOUT_AUTOCLOSE, started at COMM_UP and restarted by
 * traffic) expires into sctp_sf_autoclose_timer_expire(): a graceful
 * SHUTDOWN, and SHUTDOWN_COMP when sctp_sf_do_9_2_final() completes it. */
static void test_autoclose(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int srv = many(ps, up, true);
    int one = 1;
    CHECK_EQ(braid_setsockopt(srv, IPPROTO_SCTP, SCTP_AUTOCLOSE, &one, sizeof one), 0);
    int v = 0;
    socklen_t vl = sizeof v;
    CHECK_EQ(braid_getsockopt(srv, IPPROTO_SCTP, SCTP_AUTOCLOSE, &v, &vl), 0);
    CHECK_EQ(v, 1);
    CHECK_EQ(subscribe_events(srv, false, true, false, false), 0);
    int c = client(SOCK_STREAM, up);
    CHECK_EQ(connect_to(c, ps), 0);
    uint64_t t0 = now_ms();
    char buf[256];
    int fl = 0;
    uint16_t t = 0;
    CHECK(rcv_type(srv, buf, sizeof buf, MSG_DONTWAIT, &fl, &t, NULL) > 0);
    struct sctp_assoc_change ac;
    memcpy(&ac, buf, sizeof ac);
    CHECK_EQ(t, SCTP_ASSOC_CHANGE);
    CHECK_EQ(ac.sac_state, SCTP_COMM_UP);
    /* idle: the next thing the server reads is the shutdown completing */
    ssize_t n = rcv_type(srv, buf, sizeof buf, 0, &fl, &t, NULL);
    uint64_t dt = now_ms() - t0;
    CHECK(n > 0);
    CHECK_EQ(t, SCTP_ASSOC_CHANGE);
    memcpy(&ac, buf, sizeof ac);
    CHECK_EQ(ac.sac_state, SCTP_SHUTDOWN_COMP);
    CHECK(dt >= 900);
    CHECK(dt <= 2500);
    if (dt < 900 || dt > 2500)
        fprintf(stderr, "  autoclose after %llu ms\n", (unsigned long long)dt);
    /* gracefully: the peer reads end of file, not an error */
    CHECK_EQ(braid_recv(c, buf, sizeof buf, MSG_DONTWAIT), 0);
    uint32_t na = 9;
    socklen_t nal = sizeof na;
    CHECK_EQ(braid_getsockopt(srv, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &na, &nal), 0);
    CHECK_EQ(na, 0);
    braid_close(c);
    braid_close(srv);

    /* one-to-one: not an option of it */
    int s = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    EXPECT_ERR(braid_setsockopt(s, IPPROTO_SCTP, SCTP_AUTOCLOSE, &one, sizeof one), EOPNOTSUPP);
    vl = sizeof v;
    EXPECT_ERR(braid_getsockopt(s, IPPROTO_SCTP, SCTP_AUTOCLOSE, &v, &vl), EOPNOTSUPP);
    braid_close(s);
}

/* ---- 11: MSG_PEEK ----
 * Linux: sctp_recvmsg(): with MSG_PEEK the skb from sctp_skb_recv_datagram()
 * is left on the queue (out_free: kfree_skb of the extra reference only),
 * for data and notifications alike. */
static void test_msg_peek(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int l = serve(SOCK_STREAM, ps, up);
    int c = client(SOCK_STREAM, up);
    CHECK_EQ(subscribe_events(c, false, true, false, false), 0);
    CHECK_EQ(connect_to(c, ps), 0);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);

    /* a notification: COMM_UP twice */
    char buf[256], buf2[256];
    int fl = 0;
    uint16_t t = 0;
    ssize_t n1 = rcv_type(c, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT, &fl, &t, NULL);
    CHECK(n1 > 0);
    CHECK(fl & MSG_NOTIFICATION);
    CHECK_EQ(t, SCTP_ASSOC_CHANGE);
    ssize_t n2 = rcv_type(c, buf2, sizeof buf2, MSG_DONTWAIT, &fl, &t, NULL);
    CHECK_EQ(n2, n1);
    CHECK(fl & MSG_NOTIFICATION);
    CHECK_EQ(t, SCTP_ASSOC_CHANGE);
    if (n1 > 0 && n1 == n2)
        CHECK_MEM(buf, buf2, (size_t)n1);

    /* data */
    CHECK_EQ(braid_send(a, "peek me", 7, 0), 7);
    memset(buf, 0, sizeof buf);
    CHECK_EQ(braid_recv(c, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT), 7);
    CHECK_MEM(buf, "peek me", 7);
    CHECK_EQ(braid_recv(c, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT), 7);
    memset(buf, 0, sizeof buf);
    CHECK_EQ(braid_recv(c, buf, sizeof buf, MSG_DONTWAIT), 7);
    CHECK_MEM(buf, "peek me", 7);
    EXPECT_ERR(braid_recv(c, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    braid_close(c);
    braid_close(a);
    braid_close(l);
}

/* ---- 12: the listen backlog ----
 * Linux: sctp_sf_do_5_1B_init(): a LISTENING one-to-one socket with
 * sk_acceptq_is_full() (sk_ack_backlog > sk_max_ack_backlog) answers the
 * INIT with an ABORT (sctp_sf_tabort_8_4_8) -> the client's connect gets
 * ECONNREFUSED (sctp_sf_cookie_wait_abort); sctp_endpoint_add_asoc()
 * counts each association (sk_acceptq_added), sctp_accept() releases one. */
static void test_listen_backlog(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int l = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    int upi = up;
    CHECK_EQ(braid_setsockopt(l, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &upi, sizeof upi), 0);
    struct sockaddr_in sa = loopback(ps);
    CHECK_EQ(braid_bind(l, (struct sockaddr *)&sa, sizeof sa), 0);
    CHECK_EQ(braid_listen(l, 2), 0);
    int c[5];
    for (int i = 0; i < 3; i++) {
        c[i] = client(SOCK_STREAM, up);
        CHECK_EQ(connect_to(c[i], ps), 0);
    }
    c[3] = client(SOCK_STREAM, up);
    uint64_t t0 = now_ms();
    EXPECT_ERR(connect_to(c[3], ps), ECONNREFUSED);
    CHECK(now_ms() - t0 < 1000);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    c[4] = client(SOCK_STREAM, up);
    CHECK_EQ(connect_to(c[4], ps), 0);
    /* and the queue is full again */
    int d = client(SOCK_STREAM, up);
    EXPECT_ERR(connect_to(d, ps), ECONNREFUSED);
    braid_close(d);
    braid_close(a);
    for (int i = 0; i < 5; i++)
        braid_close(c[i]);
    braid_close(l);
}

/* ---- 13: SO_LINGER ----
 * Linux: sctp_close(): SO_LINGER with l_linger 0 -> sctp_make_abort_user()
 * + sctp_primitive_ABORT (the peer gets ECONNRESET: __sctp_sf_do_9_1_abort,
 * SCTP_CMD_SET_SK_ERR); otherwise SHUTDOWN, and a one-to-one socket with a
 * linger time waits in sctp_wait_for_close() until the association is gone. */
static void test_so_linger(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int l = serve(SOCK_STREAM, ps, up);
    CHECK_EQ(subscribe_events(l, false, true, false, false), 0); /* accepted sockets inherit */
    int c, a;
    pair(l, ps, up, &c, &a);
    char buf[256];
    int fl = 0;
    uint16_t t = 0;
    CHECK(rcv_type(a, buf, sizeof buf, MSG_DONTWAIT, &fl, &t, NULL) > 0); /* COMM_UP */
    CHECK_EQ(t, SCTP_ASSOC_CHANGE);
    CHECK_EQ(braid_send(c, "last", 4, 0), 4);
    struct linger lg = {1, 2};
    CHECK_EQ(braid_setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    uint64_t t0 = now_ms();
    CHECK_EQ(braid_close(c), 0);
    CHECK(now_ms() - t0 < 2000);
    /* at once: the data, the association's end, end of file */
    CHECK_EQ(rcv_type(a, buf, sizeof buf, MSG_DONTWAIT, &fl, &t, NULL), 4);
    CHECK_EQ(t, 0);
    CHECK(rcv_type(a, buf, sizeof buf, MSG_DONTWAIT, &fl, &t, NULL) > 0);
    CHECK_EQ(t, SCTP_ASSOC_CHANGE);
    struct sctp_assoc_change ac;
    memcpy(&ac, buf, sizeof ac);
    CHECK_EQ(ac.sac_state, SCTP_SHUTDOWN_COMP);
    CHECK_EQ(braid_recv(a, buf, sizeof buf, MSG_DONTWAIT), 0);
    braid_close(a);

    /* {1, 0}: ABORT */
    CHECK_EQ(subscribe_events(l, false, false, false, false), 0);
    pair(l, ps, up, &c, &a);
    struct linger lg0 = {1, 0};
    CHECK_EQ(braid_setsockopt(c, SOL_SOCKET, SO_LINGER, &lg0, sizeof lg0), 0);
    CHECK_EQ(braid_close(c), 0);
    EXPECT_ERR(braid_recv(a, buf, sizeof buf, MSG_DONTWAIT), ECONNRESET);
    braid_close(a);
    braid_close(l);
}

/* ---- 14: shutdown(SHUT_RD) ----
 * Linux: inet_shutdown() sets RCV_SHUTDOWN (sctp_shutdown() does nothing
 * more for SHUT_RD); sctp_skb_recv_datagram() then returns 0 on an empty
 * queue, and sctp_ulpq_tail_event() frees data arriving afterwards; the
 * association is untouched, so sending works. */
static void test_shut_rd(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int l = serve(SOCK_STREAM, ps, up);
    int c, a;
    pair(l, ps, up, &c, &a);
    CHECK_EQ(braid_shutdown(a, SHUT_RD), 0);
    char buf[16];
    uint64_t t0 = now_ms();
    CHECK_EQ(braid_recv(a, buf, sizeof buf, 0), 0);
    CHECK(now_ms() - t0 < 1000);
    CHECK_EQ(braid_send(c, "late", 4, MSG_NOSIGNAL), 4);
    t0 = now_ms();
    CHECK_EQ(braid_recv(a, buf, sizeof buf, 0), 0);
    CHECK_EQ(braid_recv(a, buf, sizeof buf, MSG_DONTWAIT), 0);
    CHECK(now_ms() - t0 < 1000);
    CHECK_EQ(braid_send(a, "still", 5, MSG_NOSIGNAL), 5);
    CHECK_EQ(braid_recv(c, buf, sizeof buf, MSG_DONTWAIT), 5);
    CHECK_MEM(buf, "still", 5);
    braid_close(c);
    braid_close(a);
    braid_close(l);
}

/* ---- 15: recv after shutdown(SHUT_WR) completed ----
 * Linux: the initiator's sk_shutdown has SEND_SHUTDOWN only; once the
 * association is freed sctp_wait_for_packet() finds no association and no
 * LISTENING -> -ENOTCONN. The peer: sctp_cmd_new_state() on
 * SHUTDOWN_RECEIVED sets RCV_SHUTDOWN -> recv 0. */
static void test_shut_wr_then_recv(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int l = serve(SOCK_STREAM, ps, up);
    int c, a;
    pair(l, ps, up, &c, &a);
    CHECK_EQ(braid_shutdown(c, SHUT_WR), 0);
    char buf[16];
    uint64_t t0 = now_ms();
    CHECK_EQ(braid_recv(a, buf, sizeof buf, 0), 0);
    EXPECT_ERR(braid_recv(c, buf, sizeof buf, 0), ENOTCONN);
    CHECK(now_ms() - t0 < 1000);
    braid_close(c);
    braid_close(a);
    braid_close(l);
}

/* ---- 16: a refused connect, then a connect that works ----
 * Linux: an INIT to a port nothing serves is answered with an ABORT
 * (sctp_rcv_ootb -> sctp_sf_ootb -> sctp_sf_tabort_8_4_8);
 * sctp_sf_cookie_wait_abort() -> sctp_stop_t1_and_abort(ECONNREFUSED);
 * the association is freed and the socket (still CLOSED) may connect
 * again (__sctp_connect). */
static void test_refused_then_connect(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port();
    int l = serve(SOCK_STREAM, ps, up); /* the UDP port is served */
    int c = client(SOCK_STREAM, up);
    uint16_t nobody = free_udp_port();
    while (nobody == ps)
        nobody = free_udp_port();
    uint64_t t0 = now_ms();
    EXPECT_ERR(connect_to(c, nobody), ECONNREFUSED);
    CHECK(now_ms() - t0 < 1000);
    CHECK_EQ(connect_to(c, ps), 0);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    CHECK_EQ(braid_send(c, "again", 5, MSG_NOSIGNAL), 5);
    char buf[16];
    CHECK_EQ(braid_recv(a, buf, sizeof buf, MSG_DONTWAIT), 5);
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    CHECK_EQ(braid_getpeername(c, (struct sockaddr *)&peer, &pl), 0);
    CHECK_EQ(ntohs(peer.sin_port), ps);
    braid_close(c);
    braid_close(a);
    braid_close(l);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_queue_arrival_order);
    RUN_ISOLATED(test_in_call_progress);
    RUN_ISOLATED(test_recv_idle_one_to_many);
    RUN_ISOLATED(test_connect_peeled_off);
    RUN_ISOLATED(test_assoc_ids_unique);
    RUN_ISOLATED(test_getsockname_wildcard);
    RUN_ISOLATED(test_recvnxtinfo);
    RUN_ISOLATED(test_authkey_no_auth);
    RUN_ISOLATED(test_errno_untouched);
    RUN_ISOLATED(test_autoclose);
    RUN_ISOLATED(test_msg_peek);
    RUN_ISOLATED(test_listen_backlog);
    RUN_ISOLATED(test_so_linger);
    RUN_ISOLATED(test_shut_rd);
    RUN_ISOLATED(test_shut_wr_then_recv);
    RUN_ISOLATED(test_refused_then_connect);
    return CHECK_REPORT();
}
