/* Linux's private SOL_SCTP options, the ones libsctp.so.1's own functions
 * are made of (net/sctp/socket.c): SCTP_SOCKOPT_BINDX_ADD / _REM,
 * SCTP_SOCKOPT_CONNECTX_OLD / CONNECTX (the id as the return value) /
 * CONNECTX3 (getsockopt, struct sctp_getaddrs_old), SCTP_GET_PEER_ADDRS /
 * SCTP_GET_LOCAL_ADDRS (struct sctp_getaddrs), SCTP_SOCKOPT_PEELOFF /
 * PEELOFF_FLAGS; their layouts and errnos. */
#include "api_util.h"
#include "check.h"

#include <fcntl.h>

/* A one-to-many server bound with SCTP_SOCKOPT_BINDX_ADD. */
static int server(uint16_t *sport, uint16_t *uport)
{
    int s = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    int up = free_udp_port();
    *uport = (uint16_t)up;
    braid_setsockopt(s, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up);
    struct sockaddr_in a = loopback(0);
    CHECK_EQ(braid_setsockopt(s, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD, &a, sizeof a), 0);
    socklen_t l = sizeof a;
    CHECK_EQ(braid_getsockname(s, (struct sockaddr *)&a, &l), 0);
    CHECK(a.sin_port != 0);
    *sport = ntohs(a.sin_port);
    CHECK_EQ(braid_listen(s, 8), 0);
    return s;
}

static void test_bindx(void)
{
    int s = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    struct sockaddr_in a[2] = {loopback(0), loopback(0)};
    EXPECT_ERR(braid_setsockopt(s, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD, a, 0), EINVAL);
    /* an address cut short, a family SCTP does not carry */
    EXPECT_ERR(braid_setsockopt(s, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD, a, sizeof a[0] - 1), EINVAL);
    EXPECT_ERR(braid_setsockopt(s, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD, a, 1), EINVAL);
    struct sockaddr_in bad = loopback(0);
    bad.sin_family = AF_UNIX;
    EXPECT_ERR(braid_setsockopt(s, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD, &bad, sizeof bad), EINVAL);
    EXPECT_ERR(braid_setsockopt(s, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD, (void *)8, sizeof a[0]),
               EFAULT);
    CHECK_EQ(braid_setsockopt(s, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD, a, sizeof a[0]), 0);
    /* (removing needs ASCONF, RFC 5061: not yet) */
    EXPECT_ERR(braid_setsockopt(s, SOL_SCTP, SCTP_SOCKOPT_BINDX_REM, a, sizeof a[0]), EOPNOTSUPP);
    /* the getsockopt options are not setsockopt ones, and the reverse */
    EXPECT_ERR(braid_setsockopt(s, SOL_SCTP, SCTP_SOCKOPT_PEELOFF, a, sizeof a[0]), ENOPROTOOPT);
    socklen_t l = sizeof a;
    EXPECT_ERR(braid_getsockopt(s, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD, a, &l), ENOPROTOOPT);
    braid_close(s);
    /* a socket that is not braid's: the kernel answers */
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    errno = 0;
    CHECK_EQ(braid_setsockopt(u, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD, a, sizeof a[0]), -1);
    CHECK(errno == ENOPROTOOPT || errno == EOPNOTSUPP);
    close(u);
}

static void test_connectx_and_addrs(void)
{
    uint16_t sp, up;
    int s = server(&sp, &up);
    struct sockaddr_in to = loopback(sp);

    /* SCTP_SOCKOPT_CONNECTX: the association id is the return value */
    int c1 = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    set_udp_port(c1, up);
    int id = braid_setsockopt(c1, SOL_SCTP, SCTP_SOCKOPT_CONNECTX, &to, sizeof to);
    CHECK(id > 0);
    EXPECT_ERR(braid_setsockopt(c1, SOL_SCTP, SCTP_SOCKOPT_CONNECTX, &to, sizeof to), EISCONN);
    /* SCTP_SOCKOPT_CONNECTX_OLD: 0 */
    int c2 = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    set_udp_port(c2, up);
    CHECK_EQ(braid_setsockopt(c2, SOL_SCTP, SCTP_SOCKOPT_CONNECTX_OLD, &to, sizeof to), 0);
    /* SCTP_SOCKOPT_CONNECTX3: getsockopt with struct sctp_getaddrs_old;
     * the id comes back in its first field, optlen 4 */
    int c3 = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    set_udp_port(c3, up);
    struct sctp_getaddrs_old g3;
    memset(&g3, 0, sizeof g3);
    g3.addr_num = sizeof to;
    g3.addrs = (struct sockaddr *)&to;
    socklen_t l = sizeof g3;
    CHECK_EQ(braid_getsockopt(c3, SOL_SCTP, SCTP_SOCKOPT_CONNECTX3, &g3, &l), 0);
    CHECK(g3.assoc_id > 0);
    CHECK_EQ(l, sizeof(sctp_assoc_t));
    int c4 = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    memset(&g3, 0, sizeof g3);
    g3.addrs = (struct sockaddr *)&to;
    l = sizeof g3;
    EXPECT_ERR(braid_getsockopt(c4, SOL_SCTP, SCTP_SOCKOPT_CONNECTX3, &g3, &l), EINVAL);
    g3.addr_num = sizeof to;
    l = sizeof g3 - 1;
    EXPECT_ERR(braid_getsockopt(c4, SOL_SCTP, SCTP_SOCKOPT_CONNECTX3, &g3, &l), EINVAL);
    g3.addrs = (struct sockaddr *)8;
    l = sizeof g3;
    EXPECT_ERR(braid_getsockopt(c4, SOL_SCTP, SCTP_SOCKOPT_CONNECTX3, &g3, &l), EFAULT);
    braid_close(c4);

    /* SCTP_GET_PEER_ADDRS on the client: one address, the server's */
    union {
        struct sctp_getaddrs g;
        uint8_t b[256];
    } u;
    memset(&u, 0, sizeof u);
    l = sizeof u;
    CHECK_EQ(braid_getsockopt(c1, SOL_SCTP, SCTP_GET_PEER_ADDRS, &u, &l), 0);
    CHECK_EQ(u.g.addr_num, 1);
    CHECK_EQ(l, offsetof(struct sctp_getaddrs, addrs) + sizeof(struct sockaddr_in));
    struct sockaddr_in pa;
    memcpy(&pa, u.g.addrs, sizeof pa);
    CHECK_EQ(pa.sin_family, AF_INET);
    CHECK_EQ(ntohs(pa.sin_port), sp);
    CHECK_EQ(pa.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    /* too small for the addresses: ENOMEM (libsctp grows its buffer) */
    l = sizeof(struct sctp_getaddrs);
    EXPECT_ERR(braid_getsockopt(c1, SOL_SCTP, SCTP_GET_PEER_ADDRS, &u, &l), ENOMEM);
    l = sizeof(struct sctp_getaddrs) - 1;
    EXPECT_ERR(braid_getsockopt(c1, SOL_SCTP, SCTP_GET_PEER_ADDRS, &u, &l), EINVAL);
    /* the server's side: by association id (the one-to-many socket) */
    struct sctp_sndrcvinfo si;
    (void)si;
    memset(&u, 0, sizeof u);
    u.g.assoc_id = 12345;
    l = sizeof u;
    EXPECT_ERR(braid_getsockopt(s, SOL_SCTP, SCTP_GET_PEER_ADDRS, &u, &l), EINVAL);
    /* SCTP_GET_LOCAL_ADDRS: needs more than the header; Linux leaves the
     * addresses len - 16 bytes */
    memset(&u, 0, sizeof u);
    l = sizeof(struct sctp_getaddrs);
    EXPECT_ERR(braid_getsockopt(s, SOL_SCTP, SCTP_GET_LOCAL_ADDRS, &u, &l), EINVAL);
    l = sizeof(struct sctp_getaddrs) + sizeof(struct sockaddr_in);
    EXPECT_ERR(braid_getsockopt(s, SOL_SCTP, SCTP_GET_LOCAL_ADDRS, &u, &l), ENOMEM);
    l = sizeof u;
    CHECK_EQ(braid_getsockopt(s, SOL_SCTP, SCTP_GET_LOCAL_ADDRS, &u, &l), 0);
    CHECK_EQ(u.g.addr_num, 1);
    memcpy(&pa, u.g.addrs, sizeof pa);
    CHECK_EQ(ntohs(pa.sin_port), sp);
    CHECK_EQ(pa.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    EXPECT_ERR(braid_getsockopt(s, SOL_SCTP, SCTP_GET_LOCAL_ADDRS, &u, NULL), EFAULT);

    braid_close(c1);
    braid_close(c2);
    braid_close(c3);
    braid_close(s);
}

/* The next notification's association id (SCTP_COMM_UP). */
static sctp_assoc_t comm_up(int s)
{
    for (int i = 0; i < 10; i++) {
        union {
            struct sctp_assoc_change ac;
            uint8_t b[512];
        } n;
        struct iovec v = {&n, sizeof n};
        struct msghdr m;
        memset(&m, 0, sizeof m);
        m.msg_iov = &v;
        m.msg_iovlen = 1;
        ssize_t r = braid_recvmsg(s, &m, 0);
        if (r <= 0)
            return 0;
        if ((m.msg_flags & MSG_NOTIFICATION) && n.ac.sac_type == SCTP_ASSOC_CHANGE &&
            n.ac.sac_state == SCTP_COMM_UP)
            return n.ac.sac_assoc_id;
    }
    return 0;
}

static void test_peeloff(void)
{
    uint16_t sp, up;
    int s = server(&sp, &up);
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_association_event = 1;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    struct sockaddr_in to = loopback(sp);
    int c[2];
    sctp_assoc_t id[2];
    for (int i = 0; i < 2; i++) {
        c[i] = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
        set_udp_port(c[i], up);
        CHECK_EQ(braid_connect(c[i], (struct sockaddr *)&to, sizeof to), 0);
        id[i] = comm_up(s);
        CHECK(id[i] > 0);
    }
    sctp_peeloff_arg_t p;
    memset(&p, 0, sizeof p);
    p.associd = id[0];
    socklen_t l = sizeof p - 1;
    EXPECT_ERR(braid_getsockopt(s, SOL_SCTP, SCTP_SOCKOPT_PEELOFF, &p, &l), EINVAL);
    p.associd = 999999;
    l = sizeof p;
    EXPECT_ERR(braid_getsockopt(s, SOL_SCTP, SCTP_SOCKOPT_PEELOFF, &p, &l), EINVAL);
    p.associd = id[0];
    l = sizeof p + 8;
    CHECK_EQ(braid_getsockopt(s, SOL_SCTP, SCTP_SOCKOPT_PEELOFF, &p, &l), 0);
    CHECK_EQ(l, sizeof p);
    CHECK(p.sd > 2);
    int t = -1;
    socklen_t tl = sizeof t;
    CHECK_EQ(braid_getsockopt(p.sd, SOL_SOCKET, SO_TYPE, &t, &tl), 0);
    CHECK_EQ(t, SOCK_SEQPACKET); /* as Linux: a peeled-off socket is SOCK_SEQPACKET */
    CHECK_EQ(braid_send(p.sd, "peeled", 6, 0), 6);
    char buf[16];
    CHECK_EQ(braid_recv(c[0], buf, sizeof buf, 0), 6);
    /* PEELOFF_FLAGS: SOCK_NONBLOCK | SOCK_CLOEXEC on the new socket */
    sctp_peeloff_flags_arg_t pf;
    memset(&pf, 0, sizeof pf);
    pf.p_arg.associd = id[1];
    pf.flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
    l = sizeof pf - 1;
    EXPECT_ERR(braid_getsockopt(s, SOL_SCTP, SCTP_SOCKOPT_PEELOFF_FLAGS, &pf, &l), EINVAL);
    l = sizeof pf;
    CHECK_EQ(braid_getsockopt(s, SOL_SCTP, SCTP_SOCKOPT_PEELOFF_FLAGS, &pf, &l), 0);
    CHECK(pf.p_arg.sd > 2);
    CHECK(braid_fcntl(pf.p_arg.sd, F_GETFL) & O_NONBLOCK);
    CHECK(braid_fcntl(pf.p_arg.sd, F_GETFD) & FD_CLOEXEC);
    /* on a one-to-one socket: EINVAL */
    pf.p_arg.associd = 0;
    EXPECT_ERR(braid_getsockopt(c[0], SOL_SCTP, SCTP_SOCKOPT_PEELOFF_FLAGS, &pf, &l), EINVAL);
    braid_close(pf.p_arg.sd);
    braid_close(p.sd);
    braid_close(c[0]);
    braid_close(c[1]);
    braid_close(s);
}

int main(void)
{
    RUN(test_bindx);
    RUN(test_connectx_and_addrs);
    RUN(test_peeloff);
    return CHECK_REPORT();
}
