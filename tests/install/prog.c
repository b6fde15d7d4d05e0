/* Built against an installed braid by tests/install/install.sh (through
 * pkg-config, shared and static, and through find_package(braid)): a
 * listener and a client on 127.0.0.1 in one process, one message each way,
 * checked. It also defines functions named like braid's internals
 * (stack_new, bs_get, addr_equal, world_lock): linking must not clash with
 * them (libbraid.a keeps only the public names global, as libbraid.so
 * exports only those) and braid must never call them. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <braid/sctp.h>

static int hits;
void *stack_new(int family);
void *bs_get(int fd);
int addr_equal(const void *a, const void *b);
void world_lock(void);
void *stack_new(int family)
{
    (void)family;
    hits++;
    return NULL;
}
void *bs_get(int fd)
{
    (void)fd;
    hits++;
    return NULL;
}
int addr_equal(const void *a, const void *b)
{
    (void)a;
    (void)b;
    hits++;
    return 0;
}
void world_lock(void)
{
    hits++;
    abort();
}

static int fail(const char *what)
{
    perror(what);
    return 1;
}

/* A UDP port free right now, for the listener's encapsulation port (ctest
 * runs tests side by side: not the default 9899). */
static uint16_t free_udp_port(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) < 0)
        return 0;
    close(fd);
    return ntohs(a.sin_port);
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "?";
    int up = free_udp_port();
    int l = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    if (l < 0)
        return fail("braid_socket");
    if (braid_setsockopt(l, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up) < 0)
        return fail("BRAID_SCTP_LOCAL_UDP_PORT");
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (braid_bind(l, (struct sockaddr *)&a, sizeof a) < 0 || braid_listen(l, 1) < 0 ||
        braid_getsockname(l, (struct sockaddr *)&a, &al) < 0)
        return fail("listener");
    int c = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sctp_udpencaps u;
    memset(&u, 0, sizeof u);
    u.sue_port = htons((uint16_t)up);
    if (c < 0 || braid_setsockopt(c, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, sizeof u) < 0)
        return fail("client");
    if (braid_connect(c, (struct sockaddr *)&a, sizeof a) < 0)
        return fail("connect");
    int s = braid_accept(l, NULL, NULL);
    if (s < 0)
        return fail("accept");
    char buf[64];
    if (braid_send(c, "ping", 4, 0) != 4 || braid_recv(s, buf, sizeof buf, 0) != 4 ||
        memcmp(buf, "ping", 4) != 0)
        return fail("client to server");
    if (braid_send(s, "pong", 4, 0) != 4 || braid_recv(c, buf, sizeof buf, 0) != 4 ||
        memcmp(buf, "pong", 4) != 0)
        return fail("server to client");
    struct sctp_status st;
    socklen_t sl = sizeof st;
    memset(&st, 0, sizeof st);
    if (braid_getsockopt(c, IPPROTO_SCTP, SCTP_STATUS, &st, &sl) < 0 ||
        st.sstat_state != SCTP_ESTABLISHED)
        return fail("SCTP_STATUS");
    braid_close(c);
    braid_close(s);
    braid_close(l);
    if (hits) {
        fprintf(stderr, "FAIL (%s): braid called the program's functions %d times\n", how, hits);
        return 1;
    }
    printf("ok (%s): ping/pong over 127.0.0.1 (UDP port %d), %u streams out, no name clash\n", how,
           up, st.sstat_outstrms);
    return 0;
}
