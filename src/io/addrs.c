/*
 * The host's addresses and its routing's choice of source address, for
 * endpoints bound to the wildcard (the core asks through braid_hooks
 * host_addrs / route_src: RFC 9260 §5.1.2 address lists, and the source of
 * each path's packets). Both are cached for a second; one mutex guards the
 * caches, so any thread may ask.
 */
#define _GNU_SOURCE
#define BRAID_IO_INTERNAL
#include "io.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CACHE_NS 1000000000ull
#define HOST_MAX 64
#define ROUTE_SLOTS 32

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static braid_addr g_host[HOST_MAX];
static unsigned g_n_host;
static uint64_t g_host_at;

static struct route_slot {
    braid_addr remote, src;
    int rc;
    uint64_t at;
} g_route[ROUTE_SLOTS];
static unsigned g_route_next;

static void host_refresh(uint64_t now)
{
    if (g_host_at && now - g_host_at < CACHE_NS)
        return;
    g_host_at = now;
    g_n_host = 0;
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) != 0)
        return;
    for (struct ifaddrs *i = ifa; i && g_n_host < HOST_MAX; i = i->ifa_next) {
        if (!i->ifa_addr || !(i->ifa_flags & IFF_UP))
            continue;
        braid_addr a;
        memset(&a, 0, sizeof a);
        if (i->ifa_addr->sa_family == AF_INET) {
            a.family = 4;
            memcpy(a.ip, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            a.family = 6;
            memcpy(a.ip, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, 16);
        } else {
            continue;
        }
        bool dup = false;
        for (unsigned k = 0; k < g_n_host && !dup; k++)
            dup = braid_io_addr_eq(&g_host[k], &a);
        if (!dup)
            g_host[g_n_host++] = a;
    }
    freeifaddrs(ifa);
}

unsigned braid_io_host_addrs(braid_addr *out, unsigned max)
{
    pthread_mutex_lock(&g_lock);
    host_refresh(braid_now_ns());
    unsigned n = g_n_host < max ? g_n_host : max;
    if (n)
        memcpy(out, g_host, n * sizeof *out);
    pthread_mutex_unlock(&g_lock);
    return n;
}

/* The kernel's answer: a UDP socket connected to remote (no packet leaves)
 * is bound to the source the route gives. */
static int route_lookup(const braid_addr *remote, braid_addr *src)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    int dom;
    if (remote->family == 4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(9);
        memcpy(&s4->sin_addr, remote->ip, 4);
        sl = sizeof *s4;
        dom = AF_INET;
    } else if (remote->family == 6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(9);
        memcpy(&s6->sin6_addr, remote->ip, 16);
        sl = sizeof *s6;
        dom = AF_INET6;
    } else {
        return -EINVAL;
    }
    int fd = socket(dom, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int rc = 0;
    if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
        rc = -errno;
    } else {
        struct sockaddr_storage me;
        socklen_t ml = sizeof me;
        if (getsockname(fd, (struct sockaddr *)&me, &ml) != 0) {
            rc = -errno;
        } else {
            memset(src, 0, sizeof *src);
            if (me.ss_family == AF_INET) {
                src->family = 4;
                memcpy(src->ip, &((struct sockaddr_in *)&me)->sin_addr, 4);
            } else {
                src->family = 6;
                memcpy(src->ip, &((struct sockaddr_in6 *)&me)->sin6_addr, 16);
            }
        }
    }
    close(fd);
    return rc;
}

int braid_io_route_src(const braid_addr *remote, braid_addr *src)
{
    uint64_t now = braid_now_ns();
    pthread_mutex_lock(&g_lock);
    for (unsigned i = 0; i < ROUTE_SLOTS; i++) {
        struct route_slot *r = &g_route[i];
        if (r->at && now - r->at < CACHE_NS && braid_io_addr_eq(&r->remote, remote)) {
            int rc = r->rc;
            if (rc == 0)
                *src = r->src;
            pthread_mutex_unlock(&g_lock);
            return rc;
        }
    }
    braid_addr s;
    memset(&s, 0, sizeof s);
    int rc = route_lookup(remote, &s);
    struct route_slot *r = &g_route[g_route_next++ % ROUTE_SLOTS];
    r->remote = *remote;
    r->src = s;
    r->rc = rc;
    r->at = now;
    pthread_mutex_unlock(&g_lock);
    if (rc == 0)
        *src = s;
    return rc;
}
