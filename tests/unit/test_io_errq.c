/* Transports (src/io): the error reports of braid_io_recv_err (ICMP errors
 * read from the kernel's error queue, sends refused for want of a route),
 * and the host address / route source look-ups of wildcard endpoints. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#include "io/io.h"

static braid_addr v4(const char *s, uint16_t port)
{
    braid_addr a;
    memset(&a, 0, sizeof a);
    a.family = 4;
    inet_pton(AF_INET, s, a.ip);
    a.udp_port = port;
    return a;
}

static braid_addr v6(const char *s, uint16_t port)
{
    braid_addr a;
    memset(&a, 0, sizeof a);
    a.family = 6;
    inet_pton(AF_INET6, s, a.ip);
    a.udp_port = port;
    return a;
}

static uint16_t unused_udp_port(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

/* A fake SCTP packet: common header (ports, tag) and an INIT chunk header
 * with an initiate tag. */
static size_t fake_init(uint8_t *b, uint32_t tag)
{
    memset(b, 0, 40);
    b[0] = 0x12, b[1] = 0x34; /* source port */
    b[2] = 0x56, b[3] = 0x78; /* destination port */
    b[12] = 1;                /* INIT */
    b[14] = 0, b[15] = 20;
    b[16] = (uint8_t)(tag >> 24), b[17] = (uint8_t)(tag >> 16);
    b[18] = (uint8_t)(tag >> 8), b[19] = (uint8_t)tag;
    return 40;
}

/* Waits for a report (receives drain the kernel queue when they see the
 * socket's pending error). */
static int wait_err(braid_io *io, braid_io_err *e)
{
    uint8_t buf[2048];
    for (int i = 0; i < 200; i++) {
        braid_io_pkt p = {.data = buf, .cap = sizeof buf};
        braid_io_recv(io, &p, 1);
        int n = braid_io_recv_err(io, e, 1);
        if (n)
            return n;
        usleep(2000);
    }
    return 0;
}

/* ICMP Port Unreachable from 127.0.0.1 for a datagram to a closed port: a
 * report with the destination, the type/code, ECONNREFUSED and the SCTP
 * packet quoted from its common header. */
static void test_port_unreachable_v4(void)
{
    for (int family = 4; family <= 6; family += 2) {
        braid_io *io = NULL;
        CHECK_EQ(braid_io_open(&io, BRAID_IO_UDP, family, NULL, 0, 0), 0);
        if (!io)
            return;
        uint8_t pkt[64];
        size_t len = fake_init(pkt, 0xa1b2c3d4u);
        uint16_t dport = unused_udp_port();
        braid_io_pkt p = {.data = pkt, .len = len};
        p.path.remote = v4("127.0.0.1", dport);
        CHECK_EQ(braid_io_send(io, &p, 1), 1);
        braid_io_err e;
        memset(&e, 0, sizeof e);
        CHECK_EQ(wait_err(io, &e), 1);
        CHECK_EQ(e.origin, BRAID_IO_ERR_ICMP);
        CHECK_EQ(e.type, 3);
        CHECK_EQ(e.code, 3);
        CHECK_EQ(e.err, ECONNREFUSED);
        CHECK_EQ(e.path.remote.family, 4);
        CHECK_EQ(e.path.remote.udp_port, dport);
        CHECK_MEM(e.path.remote.ip, p.path.remote.ip, 4);
        CHECK_EQ(e.offender.family, 4);
        CHECK_EQ(e.offender.ip[0], 127);
        CHECK_EQ(e.len, len);
        CHECK_MEM(e.quoted, pkt, len);
        braid_io_stats st;
        braid_io_get_stats(io, &st);
        CHECK_EQ(st.errors_in, 1);
        CHECK(!braid_io_err_pending(io));
        braid_io_close(io);
    }
}

static void test_port_unreachable_v6(void)
{
    braid_io *io = NULL;
    if (braid_io_open(&io, BRAID_IO_UDP, 6, NULL, 0, 0) < 0)
        return;
    uint8_t pkt[64];
    size_t len = fake_init(pkt, 7);
    braid_io_pkt p = {.data = pkt, .len = len};
    p.path.remote = v6("::1", unused_udp_port());
    if (braid_io_send(io, &p, 1) != 1) { /* no IPv6 loopback here */
        braid_io_close(io);
        return;
    }
    braid_io_err e;
    memset(&e, 0, sizeof e);
    CHECK_EQ(wait_err(io, &e), 1);
    CHECK_EQ(e.origin, BRAID_IO_ERR_ICMP6);
    CHECK_EQ(e.type, 1); /* Destination Unreachable */
    CHECK_EQ(e.code, 4); /* Port Unreachable */
    CHECK_EQ(e.err, ECONNREFUSED);
    CHECK_EQ(e.path.remote.family, 6);
    CHECK_EQ(e.len, len);
    CHECK_MEM(e.quoted, pkt, len);
    braid_io_close(io);
}

/* The error stays the socket's pending one until read: the send after it
 * must still go (the pending error is not this packet's), and the report
 * is there. */
static void test_pending_error_does_not_eat_a_send(void)
{
    braid_io *io = NULL, *rx = NULL;
    CHECK_EQ(braid_io_open(&io, BRAID_IO_UDP, 4, NULL, 0, 0), 0);
    braid_addr lo = v4("127.0.0.1", 0);
    CHECK_EQ(braid_io_open(&rx, BRAID_IO_UDP, 4, &lo, 1, 0), 0);
    if (!io || !rx)
        return;
    uint8_t pkt[64];
    size_t len = fake_init(pkt, 1);
    braid_io_pkt p = {.data = pkt, .len = len};
    p.path.remote = v4("127.0.0.1", unused_udp_port());
    CHECK_EQ(braid_io_send(io, &p, 1), 1);
    usleep(20000); /* the ICMP error is queued, the socket's error pending */
    braid_io_pkt q = {.data = pkt, .len = len};
    q.path.remote = v4("127.0.0.1", braid_io_local_port(rx));
    CHECK_EQ(braid_io_send(io, &q, 1), 1);
    braid_io_stats st;
    braid_io_get_stats(io, &st);
    CHECK_EQ(st.send_errors, 0);
    CHECK_EQ(st.pkts_out, 2);
    CHECK(braid_io_err_pending(io));
    uint8_t buf[256];
    int got = 0;
    for (int i = 0; i < 100 && !got; i++) {
        braid_io_pkt r = {.data = buf, .cap = sizeof buf};
        got = braid_io_recv(rx, &r, 1);
        if (!got)
            usleep(2000);
    }
    CHECK_EQ(got, 1);
    braid_io_close(io);
    braid_io_close(rx);
}

/* In a network namespace with only a loopback device: a send to an
 * address with no route is refused at once (ENETUNREACH) and reported,
 * origin LOCAL, quoting the packet; the route look-up says the same. */
static void test_no_route(void)
{
    if (geteuid() != 0) {
        printf("skip test_no_route: needs root (a network namespace)\n");
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (unshare(CLONE_NEWNET) != 0) {
            printf("skip test_no_route: unshare(CLONE_NEWNET): %s\n", strerror(errno));
            exit(0);
        }
        check_failed_ = 0;
        braid_io *io = NULL;
        CHECK_EQ(braid_io_open(&io, BRAID_IO_UDP, 6, NULL, 0, 0), 0);
        if (!io)
            exit(1);
        uint8_t pkt[64];
        size_t len = fake_init(pkt, 9);
        braid_io_pkt p = {.data = pkt, .len = len};
        p.path.remote = v4("192.0.2.77", 9899);
        CHECK_EQ(braid_io_send(io, &p, 1), 1); /* consumed, refused */
        braid_io_err e;
        CHECK_EQ(braid_io_recv_err(io, &e, 1), 1);
        CHECK_EQ(e.origin, BRAID_IO_ERR_LOCAL);
        CHECK_EQ(e.err, ENETUNREACH);
        CHECK_EQ(e.len, len);
        CHECK_MEM(e.quoted, pkt, len);
        CHECK_MEM(e.path.remote.ip, p.path.remote.ip, 4);
        braid_addr src;
        CHECK_EQ(braid_io_route_src(&p.path.remote, &src), -ENETUNREACH);
        braid_io_close(io);
        exit(check_failed_ ? 1 : 0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_host_addrs_and_route(void)
{
    braid_addr h[64];
    unsigned n = braid_io_host_addrs(h, 64);
    bool lo = false;
    for (unsigned i = 0; i < n; i++)
        lo |= h[i].family == 4 && h[i].ip[0] == 127 && h[i].ip[3] == 1;
    CHECK(lo);
    braid_addr src;
    braid_addr dst = v4("127.0.0.1", 0);
    CHECK_EQ(braid_io_route_src(&dst, &src), 0);
    CHECK_EQ(src.family, 4);
    CHECK_EQ(src.ip[0], 127);
    /* the cache answers the same */
    memset(&src, 0, sizeof src);
    CHECK_EQ(braid_io_route_src(&dst, &src), 0);
    CHECK_EQ(src.ip[0], 127);
}

int main(void)
{
    RUN(test_port_unreachable_v4);
    RUN(test_port_unreachable_v6);
    RUN(test_pending_error_does_not_eat_a_send);
    RUN(test_no_route);
    RUN(test_host_addrs_and_route);
    return CHECK_REPORT();
}
