/* sockaddr <-> braid_addr conversions for the sockets layer. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "internal.h"

int addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, braid_addr *out, uint16_t *port)
{
    memset(out, 0, sizeof *out);
    if (!sa)
        return -EFAULT;
    if (len < (socklen_t)sizeof(sa_family_t))
        return -EINVAL; /* not even a family: nothing of it may be read */
    if (sa->sa_family == AF_INET) {
        if (len < (socklen_t)sizeof(struct sockaddr_in))
            return -EINVAL;
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        out->family = 4;
        memcpy(out->ip, &in->sin_addr, 4);
        *port = ntohs(in->sin_port);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        if (len < (socklen_t)sizeof(struct sockaddr_in6))
            return -EINVAL;
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        *port = ntohs(in6->sin6_port);
        /* a v4-mapped address is the IPv4 address */
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(&in6->sin6_addr, mapped, 12)) {
            out->family = 4;
            memcpy(out->ip, (const uint8_t *)&in6->sin6_addr + 12, 4);
        } else {
            out->family = 6;
            memcpy(out->ip, &in6->sin6_addr, 16);
        }
        return 0;
    }
    return -EAFNOSUPPORT;
}

socklen_t addr_to_sockaddr(const braid_addr *a, uint16_t port, int family,
                           struct sockaddr_storage *out)
{
    memset(out, 0, sizeof *out);
    if (a->family == 4 && family != AF_INET6) {
        struct sockaddr_in *in = (struct sockaddr_in *)out;
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        memcpy(&in->sin_addr, a->ip, 4);
        return sizeof *in;
    }
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    if (a->family == 4) { /* v4-mapped on an IPv6 socket */
        uint8_t *b = (uint8_t *)&in6->sin6_addr;
        b[10] = b[11] = 0xff;
        memcpy(b + 12, a->ip, 4);
    } else {
        memcpy(&in6->sin6_addr, a->ip, 16);
    }
    return sizeof *in6;
}

bool addr_equal(const braid_addr *a, const braid_addr *b)
{
    return a->family == b->family && !memcmp(a->ip, b->ip, a->family == 6 ? 16 : 4);
}
