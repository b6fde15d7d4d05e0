/* The errno of each misuse, as Linux gives it (net/sctp/socket.c, and libc
 * for descriptors that are not braid sockets). */
#include "api_proc.h"

#include <sys/stat.h>
#include <time.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

typedef struct ports {
    uint16_t sport, uport;
} ports;

static volatile sig_atomic_t g_sigpipes;
static void on_sigpipe(int sig)
{
    (void)sig;
    g_sigpipes++;
}

/* ---- descriptors that are not braid sockets ---- */

static void test_not_braid_descriptors(void)
{
    char path[] = "/tmp/braid-errno-XXXXXX";
    int f = mkstemp(path);
    CHECK(f >= 0);
    unlink(path);
    struct sockaddr_in a = loopback(5000);
    struct sockaddr *pa = NULL;
    socklen_t sl = 0;
    struct sctp_status st;
    /* a regular file through the lksctp calls: ENOTSOCK */
    EXPECT_ERR(sctp_bindx(f, (struct sockaddr *)&a, 1, SCTP_BINDX_ADD_ADDR), ENOTSOCK);
    EXPECT_ERR(sctp_connectx(f, (struct sockaddr *)&a, 1, NULL), ENOTSOCK);
    EXPECT_ERR(sctp_peeloff(f, 3), ENOTSOCK);
    EXPECT_ERR(sctp_getpaddrs(f, 0, &pa), ENOTSOCK);
    EXPECT_ERR(sctp_getladdrs(f, 0, &pa), ENOTSOCK);
    sl = sizeof st;
    EXPECT_ERR(sctp_opt_info(f, 0, SCTP_STATUS, &st, &sl), ENOTSOCK);
    EXPECT_ERR(sctp_sendmsg(f, "x", 1, NULL, 0, 0, 0, 0, 0, 0), ENOTSOCK);
    char buf[16];
    int fl = 0;
    EXPECT_ERR(sctp_recvmsg(f, buf, sizeof buf, NULL, NULL, NULL, &fl), ENOTSOCK);
    /* ... and the plain calls do what libc does with it */
    EXPECT_ERR(braid_send(f, "x", 1, 0), ENOTSOCK);
    EXPECT_ERR(braid_listen(f, 1), ENOTSOCK);
    sl = sizeof a;
    EXPECT_ERR(braid_getsockname(f, (struct sockaddr *)&a, &sl), ENOTSOCK);
    int v;
    sl = sizeof v;
    EXPECT_ERR(braid_getsockopt(f, SOL_SOCKET, SO_TYPE, &v, &sl), ENOTSOCK);
    CHECK_EQ(braid_write(f, "hello", 5), 5);
    CHECK_EQ(lseek(f, 0, SEEK_SET), 0);
    CHECK_EQ(braid_read(f, buf, sizeof buf), 5);
    CHECK(braid_fcntl(f, F_GETFD) >= 0);
    CHECK_EQ(braid_fcntl(f, F_SETFL, O_NONBLOCK), 0);
    CHECK(braid_fcntl(f, F_GETFL) & O_NONBLOCK);
    CHECK_EQ(braid_close(f), 0);
    /* a closed descriptor: EBADF everywhere */
    EXPECT_ERR(braid_close(f), EBADF);
    EXPECT_ERR(braid_send(f, "x", 1, 0), EBADF);
    EXPECT_ERR(braid_recv(f, buf, sizeof buf, 0), EBADF);
    EXPECT_ERR(sctp_bindx(f, (struct sockaddr *)&a, 1, SCTP_BINDX_ADD_ADDR), EBADF);
    EXPECT_ERR(sctp_peeloff(f, 3), EBADF);
    EXPECT_ERR(sctp_getpaddrs(f, 0, &pa), EBADF);
    sl = sizeof st;
    EXPECT_ERR(sctp_opt_info(f, 0, SCTP_STATUS, &st, &sl), EBADF);
    EXPECT_ERR(sctp_sendmsg(f, "x", 1, NULL, 0, 0, 0, 0, 0, 0), EBADF);
    /* a braid socket once closed is gone the same way */
    int s = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    CHECK(s >= 0);
    CHECK_EQ(braid_close(s), 0);
    EXPECT_ERR(braid_close(s), EBADF);
    EXPECT_ERR(sctp_sendmsg(s, "x", 1, (struct sockaddr *)&a, sizeof a, 0, 0, 0, 0, 0), EBADF);
    /* another kind of socket: the SCTP options are not its; what its
     * setsockopt (ENOPROTOOPT) or getsockopt (EOPNOTSUPP over IPv4) says */
    int u = braid_socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(u >= 0);
    struct sockaddr_in any = loopback(0);
    CHECK_EQ(braid_bind(u, (struct sockaddr *)&any, sizeof any), 0);
    sl = sizeof any;
    CHECK_EQ(braid_getsockname(u, (struct sockaddr *)&any, &sl), 0);
    CHECK(any.sin_port != 0);
    EXPECT_ERR(sctp_bindx(u, (struct sockaddr *)&a, 1, SCTP_BINDX_ADD_ADDR), ENOPROTOOPT);
    EXPECT_ERR(sctp_peeloff(u, 3), EOPNOTSUPP); /* lksctp: getsockopt (test_opts_linux.c) */
    CHECK_EQ(braid_close(u), 0);
    /* what the kernel says for SCTP with a type it does not have, or a
     * family it does not carry */
    EXPECT_ERR(braid_socket(AF_UNIX, SOCK_STREAM, IPPROTO_SCTP), EPROTONOSUPPORT);
    EXPECT_ERR(braid_socket(AF_INET, SOCK_DGRAM, IPPROTO_SCTP), EPROTONOSUPPORT);
}

/* ---- one socket alone ---- */

static void test_local_misuse(void)
{
    int s = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    CHECK(s >= 0);
    int up = free_udp_port(); /* not 9899: other tests may run meanwhile */
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up), 0);
    set_timeouts(s, 2000, 2000);
    struct sockaddr_in a = loopback(free_udp_port());
    /* EFAULT: no address */
    EXPECT_ERR(braid_bind(s, NULL, sizeof a), EFAULT);
    EXPECT_ERR(braid_connect(s, NULL, sizeof a), EFAULT);
    EXPECT_ERR(braid_sendmsg(s, NULL, 0), EFAULT);
    EXPECT_ERR(braid_getsockopt(s, SOL_SOCKET, SO_TYPE, NULL, NULL), EFAULT);
    EXPECT_ERR(sctp_getpaddrs(s, 0, NULL), EFAULT);
    /* EINVAL: a short address, the wrong family, binding twice */
    EXPECT_ERR(braid_bind(s, (struct sockaddr *)&a, 4), EINVAL);
    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_loopback;
    EXPECT_ERR(braid_bind(s, (struct sockaddr *)&a6, sizeof a6), EINVAL);
    CHECK_EQ(braid_bind(s, (struct sockaddr *)&a, sizeof a), 0);
    EXPECT_ERR(braid_bind(s, (struct sockaddr *)&a, sizeof a), EINVAL);
    /* unconnected one-to-one: ENOTCONN to read and to ask the peer's name,
     * EPIPE (and SIGPIPE) to send, as Linux */
    char buf[16];
    EXPECT_ERR(braid_recv(s, buf, sizeof buf, 0), ENOTCONN);
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    EXPECT_ERR(braid_getpeername(s, (struct sockaddr *)&peer, &pl), ENOTCONN);
    EXPECT_ERR(braid_shutdown(s, SHUT_WR), ENOTCONN);
    signal(SIGPIPE, on_sigpipe);
    g_sigpipes = 0;
    EXPECT_ERR(braid_send(s, "x", 1, 0), EPIPE);
    CHECK_EQ(g_sigpipes, 1);
    EXPECT_ERR(braid_send(s, "x", 1, MSG_NOSIGNAL), EPIPE);
    CHECK_EQ(g_sigpipes, 1);
    signal(SIGPIPE, SIG_IGN);
    /* EAGAIN on a non-blocking unconnected socket (Linux) */
    EXPECT_ERR(braid_recv(s, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    /* EINVAL: accept without listen, listen(0) without listening */
    EXPECT_ERR(braid_accept(s, NULL, NULL), EINVAL);
    EXPECT_ERR(braid_listen(s, 0), EINVAL);
    /* ENOPROTOOPT: options nobody knows */
    int v = 1;
    EXPECT_ERR(braid_setsockopt(s, IPPROTO_SCTP, 9999, &v, sizeof v), ENOPROTOOPT);
    socklen_t vl = sizeof v;
    EXPECT_ERR(braid_getsockopt(s, IPPROTO_SCTP, 9999, &v, &vl), ENOPROTOOPT);
    EXPECT_ERR(braid_setsockopt(s, SOL_SOCKET, 9999, &v, sizeof v), ENOPROTOOPT);
    /* EINVAL: an option buffer too short */
    struct sctp_initmsg im;
    memset(&im, 0, sizeof im);
    EXPECT_ERR(braid_setsockopt(s, IPPROTO_SCTP, SCTP_INITMSG, &im, 2), EINVAL);
    struct sctp_status st;
    socklen_t stl = 4;
    EXPECT_ERR(braid_getsockopt(s, IPPROTO_SCTP, SCTP_STATUS, &st, &stl), EINVAL);
    /* EOPNOTSUPP: one-to-many only options and calls */
    EXPECT_ERR(braid_setsockopt(s, IPPROTO_SCTP, SCTP_AUTOCLOSE, &v, sizeof v), EOPNOTSUPP);
    CHECK_EQ(braid_listen(s, 4), 0);
    /* a listening one-to-one socket: no data either way */
    EXPECT_ERR(braid_recv(s, buf, sizeof buf, 0), ENOTCONN);
    EXPECT_ERR(braid_send(s, "x", 1, MSG_NOSIGNAL), EPIPE);
    EXPECT_ERR(connect_to(s, 9), EISCONN);
    braid_close(s);

    int m = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    EXPECT_ERR(braid_accept(m, NULL, NULL), EOPNOTSUPP);
    /* one-to-many: no such association */
    memset(&st, 0, sizeof st);
    stl = sizeof st;
    EXPECT_ERR(sctp_opt_info(m, 1234, SCTP_STATUS, &st, &stl), EINVAL);
    struct sctp_sndrcvinfo si;
    memset(&si, 0, sizeof si);
    si.sinfo_assoc_id = 1234;
    EXPECT_ERR(sctp_send(m, "x", 1, &si, MSG_NOSIGNAL), EPIPE);
    EXPECT_ERR(sctp_getpaddrs(m, 1234, (struct sockaddr **)&si), EINVAL);
    /* EMSGSIZE: larger than the send buffer, before any association is set up */
    int sb = 0;
    socklen_t sbl = sizeof sb;
    CHECK_EQ(braid_getsockopt(m, SOL_SOCKET, SO_SNDBUF, &sb, &sbl), 0);
    CHECK(sb > 0);
    char *big = calloc(1, (size_t)sb + 1);
    EXPECT_ERR(sctp_sendmsg(m, big, (size_t)sb + 1, (struct sockaddr *)&a, sizeof a, 0, 0, 0, 0, 0),
               EMSGSIZE);
    free(big);
    uint32_t n = 9;
    socklen_t nl = sizeof n;
    CHECK_EQ(braid_getsockopt(m, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &n, &nl), 0);
    CHECK_EQ(n, 0);
    /* EINVAL: ending an association that does not exist; no data */
    EXPECT_ERR(sctp_sendmsg(m, "", 0, (struct sockaddr *)&a, sizeof a, 0, SCTP_EOF, 0, 0, 0),
               EINVAL);
    EXPECT_ERR(sctp_sendmsg(m, "", 0, (struct sockaddr *)&a, sizeof a, 0, 0, 0, 0, 0), EINVAL);
    braid_close(m);
}

/* ---- EADDRINUSE: a UDP port another process holds, and the hint ---- */

static void test_udp_port_in_use(void)
{
    uint16_t up = free_udp_port();
    /* the UDP port is held outside braid (as by another process) */
    int u = socket(AF_INET6, SOCK_DGRAM, 0);
    CHECK(u >= 0);
    struct sockaddr_in6 u6;
    memset(&u6, 0, sizeof u6);
    u6.sin6_family = AF_INET6;
    u6.sin6_port = htons(up);
    CHECK_EQ(bind(u, (struct sockaddr *)&u6, sizeof u6), 0);
    int b = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    int upi = up;
    CHECK_EQ(braid_setsockopt(b, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &upi, sizeof upi), 0);
    struct sockaddr_in sa = loopback(free_udp_port());
    CHECK_EQ(braid_bind(b, (struct sockaddr *)&sa, sizeof sa), 0);
    /* catch what it writes on stderr */
    char path[] = "/tmp/braid-stderr-XXXXXX";
    int tf = mkstemp(path);
    unlink(path);
    fflush(stderr);
    int saved = dup(2);
    dup2(tf, 2);
    errno = 0;
    int rc = braid_listen(b, 4);
    int err = errno;
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    CHECK_EQ(rc, -1);
    CHECK_EQ(err, EADDRINUSE);
    char msg[1024];
    ssize_t n = pread(tf, msg, sizeof msg - 1, 0);
    close(tf);
    msg[n > 0 ? n : 0] = 0;
    char port[16];
    snprintf(port, sizeof port, "%u", up);
    CHECK(strstr(msg, port) != NULL);
    CHECK(strstr(msg, "BRAID_SCTP_LOCAL_UDP_PORT") != NULL);
    CHECK(strstr(msg, "BRAID_UDP_PORT") != NULL);
    if (!strstr(msg, "BRAID_SCTP_LOCAL_UDP_PORT"))
        fprintf(stderr, "  stderr was: %s\n", msg);
    braid_close(b);
    close(u);
}

/* ---- one process: listeners share the UDP port; SCTP ports are unique ---- */

static int listen_on(int type, uint16_t sport, uint16_t uport)
{
    int fd = braid_socket(AF_INET, type, IPPROTO_SCTP);
    int up = uport;
    braid_setsockopt(fd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up);
    struct sockaddr_in a = loopback(sport);
    if (braid_bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || braid_listen(fd, 4) < 0) {
        braid_close(fd);
        return -1;
    }
    return fd;
}

static void echo_once(int l, uint16_t sport, uint16_t uport, const char *msg)
{
    int c = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    set_udp_port(c, uport);
    struct sockaddr_in sa = loopback(sport);
    CHECK_EQ(braid_connect(c, (struct sockaddr *)&sa, sizeof sa), 0);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    size_t len = strlen(msg);
    CHECK_EQ(braid_send(c, msg, len, 0), (ssize_t)len);
    char buf[64];
    CHECK_EQ(braid_recv(a, buf, sizeof buf, 0), (ssize_t)len);
    CHECK_MEM(buf, msg, len);
    braid_close(c);
    braid_close(a);
}

static void test_listeners_share_udp_port(void)
{
    uint16_t up = free_udp_port(), p1 = free_udp_port(), p2 = free_udp_port();
    int l1 = listen_on(SOCK_STREAM, p1, up);
    int l2 = listen_on(SOCK_STREAM, p2, up);
    CHECK(l1 >= 0);
    CHECK(l2 >= 0);
    echo_once(l1, p1, up, "to the first");
    echo_once(l2, p2, up, "to the second");
    /* as Linux: a second bind to an SCTP port in use */
    int d = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sockaddr_in sa = loopback(p1);
    errno = 0;
    CHECK_EQ(braid_bind(d, (struct sockaddr *)&sa, sizeof sa), -1);
    CHECK_EQ(errno, EADDRINUSE);
    braid_close(d);
    /* a listener closed: a new one on its port at once */
    braid_close(l1);
    l1 = listen_on(SOCK_STREAM, p1, up);
    CHECK(l1 >= 0);
    echo_once(l1, p1, up, "to the new first");
    braid_close(l1);
    braid_close(l2);
}

/* ---- ECONNREFUSED at once: nobody serves that SCTP port ---- */

static void test_refused_at_once(void)
{
    uint16_t up = free_udp_port(), p1 = free_udp_port();
    int l = listen_on(SOCK_SEQPACKET, p1, up); /* the UDP port is served */
    CHECK(l >= 0);
    int c = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    set_udp_port(c, up);
    struct sockaddr_in sa = loopback(free_udp_port()); /* no endpoint has this SCTP port */
    uint64_t t0 = now_ns();
    errno = 0;
    CHECK_EQ(braid_connect(c, (struct sockaddr *)&sa, sizeof sa), -1);
    CHECK_EQ(errno, ECONNREFUSED);
    CHECK(now_ns() - t0 < 1000000000ull);
    braid_close(c);
    braid_close(l);
}

/* ---- with a peer: EISCONN, EINVAL, EPIPE, ECONNRESET, ECONNREFUSED ---- */

static void closing_server(int ctl, void *arg)
{
    ports *p = arg;
    int l = serve(SOCK_STREAM, p->sport, p->uport);
    ctl_send(ctl, 1);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    CTL_EXPECT(ctl, 2);
    CHECK_EQ(braid_close(a), 0); /* graceful */
    ctl_send(ctl, 3);
    int sh = braid_accept(l, NULL, NULL); /* the one that shuts down */
    CHECK(sh >= 0);
    int b = braid_accept(l, NULL, NULL);
    CHECK(b >= 0);
    CTL_EXPECT(ctl, 4);
    struct linger lg = {1, 0};
    CHECK_EQ(braid_setsockopt(b, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    CHECK_EQ(braid_close(b), 0); /* ABORT */
    ctl_send(ctl, 5);
    int c = braid_accept(l, NULL, NULL);
    CHECK(c >= 0);
    /* no listener any more (the stack lives on for c): refused */
    CHECK_EQ(braid_close(l), 0);
    ctl_send(ctl, 6);
    CTL_EXPECT(ctl, 7);
    braid_close(c);
    braid_close(sh);
}

static void test_connected_misuse(void)
{
    ports p = {free_udp_port(), free_udp_port()};
    int ctl = -1;
    pid_t srv = spawn(closing_server, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    char buf[32];

    /* 1: EISCONN, EINVAL for listen, then EPIPE once the peer closed */
    int c = client(SOCK_STREAM, p.uport);
    CHECK_EQ(connect_to(c, p.sport), 0);
    EXPECT_ERR(connect_to(c, p.sport), EISCONN);
    EXPECT_ERR(braid_listen(c, 4), EINVAL);
    struct sockaddr_in a = loopback(p.sport);
    EXPECT_ERR(braid_bind(c, (struct sockaddr *)&a, sizeof a), EINVAL);
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    CHECK_EQ(braid_getpeername(c, (struct sockaddr *)&peer, &pl), 0);
    CHECK_EQ(ntohs(peer.sin_port), p.sport);
    ctl_send(ctl, 2);
    CTL_EXPECT(ctl, 3);
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), 0); /* end of file */
    EXPECT_ERR(braid_send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
    braid_close(c);

    /* 2: shutdown(SHUT_WR), then the peer aborts: EPIPE, then ECONNRESET
     * once (send reports the pending error in place of EPIPE, as Linux) */
    c = client(SOCK_STREAM, p.uport);
    CHECK_EQ(connect_to(c, p.sport), 0);
    CHECK_EQ(braid_shutdown(c, SHUT_WR), 0);
    EXPECT_ERR(braid_send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
    braid_close(c);
    c = client(SOCK_STREAM, p.uport);
    CHECK_EQ(connect_to(c, p.sport), 0);
    ctl_send(ctl, 4);
    CTL_EXPECT(ctl, 5);
    usleep(100000); /* the ABORT has arrived */
    EXPECT_ERR(braid_send(c, "x", 1, MSG_NOSIGNAL), ECONNRESET);
    EXPECT_ERR(braid_send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), 0);
    braid_close(c);

    /* 3: ECONNREFUSED: an ABORT answers the INIT */
    int c3 = client(SOCK_STREAM, p.uport);
    CHECK_EQ(connect_to(c3, p.sport), 0); /* the last one it accepts */
    CTL_EXPECT(ctl, 6);
    c = client(SOCK_STREAM, p.uport);
    uint64_t t0 = now_ms();
    EXPECT_ERR(connect_to(c, p.sport), ECONNREFUSED);
    CHECK(now_ms() - t0 < 2000);
    braid_close(c);
    /* non-blocking: SO_ERROR tells */
    c = client(SOCK_STREAM, p.uport);
    CHECK_EQ(braid_fcntl(c, F_SETFL, O_NONBLOCK), 0);
    EXPECT_ERR(connect_to(c, p.sport), EINPROGRESS);
    struct pollfd pf = {c, POLLOUT, 0};
    CHECK_EQ(poll(&pf, 1, 3000), 1);
    int err = 0;
    socklen_t el = sizeof err;
    CHECK_EQ(braid_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el), 0);
    CHECK_EQ(err, ECONNREFUSED);
    braid_close(c);
    /* sctp_connectx too */
    c = client(SOCK_STREAM, p.uport);
    struct sockaddr_in to = loopback(p.sport);
    EXPECT_ERR(sctp_connectx(c, (struct sockaddr *)&to, 1, NULL), ECONNREFUSED);
    braid_close(c);
    ctl_send(ctl, 7);
    braid_close(c3);
    REAP(srv);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_not_braid_descriptors);
    RUN_ISOLATED(test_local_misuse);
    RUN_ISOLATED(test_udp_port_in_use);
    RUN_ISOLATED(test_listeners_share_udp_port);
    RUN_ISOLATED(test_refused_at_once);
    RUN_ISOLATED(test_connected_misuse);
    return CHECK_REPORT();
}
