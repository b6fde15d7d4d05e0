/*
 * Ping-pong between two braid sockets of one process (64-byte messages, one
 * thread): what the in-process hand-over costs against the same exchange
 * through the kernel's UDP loopback (run it with BRAID_HANDOVER=0).
 * Prints one line: round trips, ns per round trip.
 */
#define _POSIX_C_SOURCE 200809L
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "braid/sctp.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    int l = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (braid_bind(l, (struct sockaddr *)&a, sizeof a) < 0 || braid_listen(l, 1) < 0) {
        perror("bind/listen");
        return 1;
    }
    socklen_t al = sizeof a;
    braid_getsockname(l, (struct sockaddr *)&a, &al);
    int c = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    int one = 1;
    braid_setsockopt(c, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof one);
    if (braid_connect(c, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("connect");
        return 1;
    }
    int s = braid_accept(l, NULL, NULL);
    braid_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof one);
    char buf[64];
    memset(buf, 'p', sizeof buf);
    uint64_t t0 = 0;
    for (int i = -1000; i < n; i++) { /* 1000 to warm up */
        if (i == 0)
            t0 = now_ns();
        if (braid_send(c, buf, sizeof buf, 0) != (ssize_t)sizeof buf ||
            braid_recv(s, buf, sizeof buf, 0) != (ssize_t)sizeof buf ||
            braid_send(s, buf, sizeof buf, 0) != (ssize_t)sizeof buf ||
            braid_recv(c, buf, sizeof buf, 0) != (ssize_t)sizeof buf) {
            perror("ping-pong");
            return 1;
        }
    }
    uint64_t dt = now_ns() - t0;
    printf("round_trips %d ns_per_round_trip %.0f\n", n, (double)dt / n);
    braid_close(c);
    braid_close(s);
    braid_close(l);
    return 0;
}
