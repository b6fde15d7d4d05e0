/* One-to-one and one-to-many basics over UDP on loopback, in one process
 * (the background thread drives the side that is not inside a call). */
#include "api_util.h"
#include "check.h"

#include <fcntl.h>
#include <poll.h>

static void test_one_to_one(void)
{
    uint16_t sport, uport;
    int l = listener(SOCK_STREAM, &sport, &uport);
    CHECK(l >= 0);
    CHECK(sport != 0);
    int c = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    CHECK(c >= 0);
    set_udp_port(c, uport); /* where the server's encapsulation listens */
    struct sockaddr_in sa = loopback(sport);
    CHECK_EQ(braid_connect(c, (struct sockaddr *)&sa, sizeof sa), 0);
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    int a = braid_accept(l, (struct sockaddr *)&peer, &pl);
    CHECK(a >= 0);
    CHECK_EQ(peer.sin_family, AF_INET);
    CHECK_EQ(braid_send(c, "hello", 5, 0), 5);
    char buf[64];
    CHECK_EQ(braid_recv(a, buf, sizeof buf, 0), 5);
    CHECK_MEM(buf, "hello", 5);
    CHECK_EQ(braid_send(a, "world!", 6, 0), 6);
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), 6);
    CHECK_MEM(buf, "world!", 6);
    /* poll: nothing to read, writable */
    struct pollfd pf = {c, POLLIN | POLLOUT, 0};
    CHECK_EQ(poll(&pf, 1, 0), 1);
    CHECK_EQ(pf.revents & (POLLIN | POLLOUT), POLLOUT);
    /* EAGAIN on an empty non-blocking socket */
    CHECK_EQ(braid_fcntl(c, F_SETFL, O_NONBLOCK), 0);
    errno = 0;
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), -1);
    CHECK_EQ(errno, EAGAIN);
    /* close on one side: the other reads end of file */
    CHECK_EQ(braid_close(a), 0);
    CHECK_EQ(braid_fcntl(c, F_SETFL, 0), 0);
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), 0);
    CHECK_EQ(braid_close(c), 0);
    CHECK_EQ(braid_close(l), 0);
    /* a closed descriptor is not ours any more: libc's EBADF */
    errno = 0;
    CHECK_EQ(braid_send(c, "x", 1, 0), -1);
    CHECK_EQ(errno, EBADF);
}

static void test_one_to_many(void)
{
    uint16_t sport, uport;
    int s = listener(SOCK_SEQPACKET, &sport, &uport);
    CHECK(s >= 0);
    int c = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    set_udp_port(c, uport);
    struct sockaddr_in sa = loopback(sport);
    /* implicit association setup by sending */
    CHECK_EQ(sctp_sendmsg(c, "ping", 4, (struct sockaddr *)&sa, sizeof sa, 7, 0, 1, 0, 0), 4);
    char buf[64];
    struct sctp_sndrcvinfo si;
    int flags = 0;
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = 1;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    int n = sctp_recvmsg(s, buf, sizeof buf, (struct sockaddr *)&from, &fl, &si, &flags);
    CHECK_EQ(n, 4);
    CHECK_MEM(buf, "ping", 4);
    CHECK_EQ(si.sinfo_stream, 1);
    CHECK_EQ(si.sinfo_ppid, 7);
    CHECK(flags & MSG_EOR);
    CHECK(si.sinfo_assoc_id != 0);
    /* reply on the association */
    CHECK_EQ(sctp_sendmsg(s, "pong", 4, (struct sockaddr *)&from, fl, 8, 0, 0, 0, 0), 4);
    n = sctp_recvmsg(c, buf, sizeof buf, NULL, NULL, NULL, &flags);
    CHECK_EQ(n, 4);
    CHECK_MEM(buf, "pong", 4);
    braid_close(c);
    braid_close(s);
}

/* The same over IPv6 (::1). */
static void test_ipv6(void)
{
    int l = braid_socket(AF_INET6, SOCK_STREAM, IPPROTO_SCTP);
    CHECK(l >= 0);
    int up = free_udp_port();
    braid_setsockopt(l, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up);
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    if (braid_bind(l, (struct sockaddr *)&a, sizeof a) < 0 || braid_listen(l, 4) < 0) {
        printf("  skipped: no IPv6 loopback here (%s)\n", strerror(errno));
        braid_close(l);
        return;
    }
    socklen_t len = sizeof a;
    CHECK_EQ(braid_getsockname(l, (struct sockaddr *)&a, &len), 0);
    CHECK_EQ(a.sin6_family, AF_INET6);
    int c = braid_socket(AF_INET6, SOCK_STREAM, IPPROTO_SCTP);
    set_udp_port(c, (uint16_t)up);
    CHECK_EQ(braid_connect(c, (struct sockaddr *)&a, sizeof a), 0);
    struct sockaddr_in6 peer;
    socklen_t pl = sizeof peer;
    int s = braid_accept(l, (struct sockaddr *)&peer, &pl);
    CHECK(s >= 0);
    CHECK_EQ(peer.sin6_family, AF_INET6);
    CHECK(!memcmp(&peer.sin6_addr, &in6addr_loopback, 16));
    char b[16];
    CHECK_EQ(braid_send(c, "six", 3, 0), 3);
    CHECK_EQ(braid_recv(s, b, sizeof b, 0), 3);
    CHECK_MEM(b, "six", 3);
    braid_close(c);
    braid_close(s);
    braid_close(l);
}

int main(void)
{
    RUN(test_one_to_one);
    RUN(test_one_to_many);
    RUN(test_ipv6);
    return CHECK_REPORT();
}
