/* ICMP errors to the sockets (RFC 9260 Appendix C, RFC 6951 §5.5): a
 * connect to a UDP port nobody serves is refused at once (the kernel's
 * ICMP Port Unreachable), one to an address with no route fails with
 * ENETUNREACH, to an unreachable route with EHOSTUNREACH; blocking and
 * non-blocking (SO_ERROR). */
#include "api_proc.h"

#include <sched.h>

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* connect() to addr; errno and the time it took. */
static int connect_blocking(int fd, const struct sockaddr *sa, socklen_t len, uint64_t *us)
{
    uint64_t t0 = now_us();
    errno = 0;
    int rc = braid_connect(fd, sa, len);
    int e = rc < 0 ? errno : 0;
    *us = now_us() - t0;
    return e;
}

/* A non-blocking connect: EINPROGRESS, then the descriptor is ready and
 * SO_ERROR holds the error; 0 if it never came. */
static int connect_nonblocking(int fd, const struct sockaddr *sa, socklen_t len, uint64_t *us)
{
    int fl = braid_fcntl(fd, F_GETFL, 0);
    braid_fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    uint64_t t0 = now_us();
    errno = 0;
    int rc = braid_connect(fd, sa, len);
    if (rc == 0 || errno != EINPROGRESS) {
        *us = now_us() - t0;
        return rc < 0 ? errno : 0;
    }
    struct pollfd pf = {fd, POLLOUT, 0};
    int err = 0;
    while (now_us() - t0 < 5000000u) {
        poll(&pf, 1, 100);
        socklen_t l = sizeof err;
        braid_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err)
            break;
    }
    *us = now_us() - t0;
    return err;
}

/* Nothing listens on the UDP port (no process at all): the INIT draws an
 * ICMP Port Unreachable from the kernel, which RFC 6951 §5.5 treats as
 * Protocol Unreachable and Appendix C ICMP8 as an ABORT: ECONNREFUSED
 * within a second (T1 would take 1 s, 2 s, ... and end in ETIMEDOUT). */
static void test_refused_by_icmp(void)
{
    for (int mode = 0; mode < 4; mode++) {
        int fam = mode & 1 ? AF_INET6 : AF_INET;
        bool nb = mode & 2;
        int c = braid_socket(fam, SOCK_STREAM, IPPROTO_SCTP);
        CHECK(c >= 0);
        set_udp_port(c, free_udp_port()); /* nobody there */
        struct sockaddr_in sa = loopback(5000);
        struct sockaddr_in6 s6;
        memset(&s6, 0, sizeof s6);
        s6.sin6_family = AF_INET6;
        s6.sin6_port = htons(5000);
        s6.sin6_addr = in6addr_loopback;
        const struct sockaddr *to =
            fam == AF_INET ? (struct sockaddr *)&sa : (struct sockaddr *)&s6;
        socklen_t tl = fam == AF_INET ? sizeof sa : sizeof s6;
        uint64_t us = 0;
        int e = nb ? connect_nonblocking(c, to, tl, &us) : connect_blocking(c, to, tl, &us);
        printf("  %s %s connect to a UDP port with no process: %s in %.3f ms\n",
               fam == AF_INET ? "IPv4" : "IPv6", nb ? "non-blocking" : "blocking", strerror(e),
               (double)us / 1000.0);
        if (fam == AF_INET6 && e == EADDRNOTAVAIL) { /* no IPv6 loopback */
            braid_close(c);
            continue;
        }
        CHECK_EQ(e, ECONNREFUSED);
        CHECK(us < 1000000u);
        if (nb) { /* reported once: the SO_ERROR read cleared it */
            int err = -1;
            socklen_t l = sizeof err;
            braid_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &l);
            CHECK_EQ(err, 0);
        }
        braid_close(c);
    }
}

/* One-to-many: the attempt a sendmsg started ends with an SCTP_ASSOC_CHANGE
 * CANT_STR_ASSOC at once, not after the INIT retransmissions. */
static void test_refused_one_to_many(void)
{
    int c = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    CHECK(c >= 0);
    set_udp_port(c, free_udp_port());
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_association_event = 1;
    braid_setsockopt(c, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev);
    struct sockaddr_in sa = loopback(5000);
    uint64_t t0 = now_us();
    CHECK(sctp_sendmsg(c, "x", 1, (struct sockaddr *)&sa, sizeof sa, 0, 0, 0, 0, 0) == 1);
    set_timeouts(c, 2000, 2000);
    char buf[512];
    int flags = 0;
    struct sctp_sndrcvinfo si;
    ssize_t n = sctp_recvmsg(c, buf, sizeof buf, NULL, NULL, &si, &flags);
    CHECK(n >= (ssize_t)sizeof(struct sctp_assoc_change));
    CHECK(flags & MSG_NOTIFICATION);
    if (n >= (ssize_t)sizeof(struct sctp_assoc_change)) {
        struct sctp_assoc_change *ac = (struct sctp_assoc_change *)(void *)buf;
        CHECK_EQ(ac->sac_type, SCTP_ASSOC_CHANGE);
        CHECK_EQ(ac->sac_state, SCTP_CANT_STR_ASSOC);
    }
    CHECK(now_us() - t0 < 1000000u);
    braid_close(c);
}

/* In a network namespace of its own (root): lo up, no other route. */
static bool private_netns(const char *who)
{
    if (geteuid() != 0) {
        printf("  skip %s: needs root (a network namespace)\n", who);
        return false;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        printf("  skip %s: unshare(CLONE_NEWNET): %s\n", who, strerror(errno));
        return false;
    }
    if (system("ip link set lo up") != 0) {
        printf("  skip %s: ip link set lo up failed\n", who);
        return false;
    }
    return true;
}

/* No route to the destination: the kernel refuses the first INIT at once
 * (ENETUNREACH) and connect() fails with that. */
static void test_no_route(void)
{
    if (!private_netns(__func__))
        return;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(5000);
    inet_pton(AF_INET, "192.0.2.77", &sa.sin_addr);
    for (int nb = 0; nb < 2; nb++) {
        int c = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
        uint64_t us = 0;
        int e = nb ? connect_nonblocking(c, (struct sockaddr *)&sa, sizeof sa, &us)
                   : connect_blocking(c, (struct sockaddr *)&sa, sizeof sa, &us);
        printf("  %s connect with no route: %s in %.3f ms\n", nb ? "non-blocking" : "blocking",
               strerror(e), (double)us / 1000.0);
        CHECK_EQ(e, ENETUNREACH);
        CHECK(us < 1000000u);
        braid_close(c);
    }
}

/* An unreachable route: EHOSTUNREACH at once. */
static void test_unreachable_route(void)
{
    if (!private_netns(__func__))
        return;
    if (system("ip route add unreachable 198.51.100.0/24") != 0) {
        printf("  skip: ip route add unreachable failed\n");
        return;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(5000);
    inet_pton(AF_INET, "198.51.100.7", &sa.sin_addr);
    int c = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    uint64_t us = 0;
    int e = connect_blocking(c, (struct sockaddr *)&sa, sizeof sa, &us);
    printf("  connect over an unreachable route: %s in %.3f ms\n", strerror(e),
           (double)us / 1000.0);
    CHECK_EQ(e, EHOSTUNREACH);
    CHECK(us < 1000000u);
    braid_close(c);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_refused_by_icmp);
    RUN_ISOLATED(test_refused_one_to_many);
    RUN_ISOLATED(test_no_route);
    RUN_ISOLATED(test_unreachable_route);
    return CHECK_REPORT();
}
