/*
 * Raw IP transport specifics: SCTP directly over IP (protocol 132), for
 * talking to kernel SCTP stacks. The batch receive/send code is shared with
 * UDP (udp.c); here are the socket creation with a clear message when the
 * process lacks the privilege, and the IPv4 header stripping (IPv4 raw
 * sockets deliver the IP header, IPv6 ones do not).
 */
#define _GNU_SOURCE
#define BRAID_IO_INTERNAL
#include "io.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#define IPPROTO_SCTP_NUM 132 /* RFC 9260 §1: IP protocol number of SCTP */

int braid_io_raw_socket_(int family)
{
    int dom = family == 6 ? AF_INET6 : AF_INET;
    const char *fam = family == 6 ? "AF_INET6" : "AF_INET";
    int fd = socket(dom, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_SCTP_NUM);
    if (fd >= 0)
        return fd;
    int e = errno;
    if (e == EPERM || e == EACCES)
        return braid_io_fail_(-EPERM,
                              "raw SCTP socket(%s, SOCK_RAW, 132): %s: raw IP needs root or "
                              "CAP_NET_RAW; use UDP encapsulation (RFC 6951) instead",
                              fam, strerror(e));
    if (e == EAFNOSUPPORT || e == EPROTONOSUPPORT || e == ESOCKTNOSUPPORT)
        return braid_io_fail_(-e, "raw SCTP socket(%s, SOCK_RAW, 132): %s: not supported here", fam,
                              strerror(e));
    return braid_io_fail_(-e, "raw SCTP socket(%s, SOCK_RAW, 132): %s", fam, strerror(e));
}

bool braid_io_raw_strip4_(braid_io_pkt *p, const uint8_t hdr[20], size_t len)
{
    if (hdr[0] >> 4 != 4)
        return false;
    size_t ihl = (size_t)(hdr[0] & 0x0f) * 4;
    if (ihl < 20 || hdr[9] != IPPROTO_SCTP_NUM)
        return false;
    size_t opt = ihl - 20; /* IP options landed in front of the SCTP packet */
    if (opt > len)
        return false;
    if (opt)
        memmove(p->data, p->data + opt, len - opt);
    p->len = len - opt;
    memset(&p->path, 0, sizeof p->path);
    p->path.remote.family = 4;
    memcpy(p->path.remote.ip, hdr + 12, 4);
    p->path.local.family = 4;
    memcpy(p->path.local.ip, hdr + 16, 4);
    return true;
}
