/* Helpers for the sockets API tests. */
#ifndef BRAID_TEST_API_UTIL_H
#define BRAID_TEST_API_UTIL_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "braid/sctp.h"

/* A UDP port that is free right now (bind 0, read it back, release it). */
static inline uint16_t free_udp_port(void)
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

static inline struct sockaddr_in loopback(uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* Sets the UDP encapsulation port (RFC 6951) of a socket. */
static inline int set_udp_port(int fd, uint16_t port)
{
    struct sctp_udpencaps u;
    memset(&u, 0, sizeof u);
    u.sue_port = htons(port);
    return braid_setsockopt(fd, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, sizeof u);
}

/* A listening socket on 127.0.0.1 with its own UDP port; returns the fd and
 * fills the SCTP port and UDP port chosen. */
static inline int listener(int type, uint16_t *sctp_port, uint16_t *udp_port)
{
    int fd = braid_socket(AF_INET, type, IPPROTO_SCTP);
    if (fd < 0)
        return -1;
    int up = free_udp_port();
    *udp_port = (uint16_t)up;
    braid_setsockopt(fd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up);
    struct sockaddr_in a = loopback(0);
    if (braid_bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || braid_listen(fd, 16) < 0) {
        braid_close(fd);
        return -1;
    }
    socklen_t l = sizeof a;
    braid_getsockname(fd, (struct sockaddr *)&a, &l);
    *sctp_port = ntohs(a.sin_port);
    return fd;
}

#endif
