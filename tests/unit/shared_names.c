/* A program with functions named like braid's internals (stack_new, bs_get,
 * addr_equal, world_lock), linked against libbraid.so: braid's own calls
 * must not land in them (they are hidden in the library, so they bind
 * inside it). A connect/accept/send/recv in one process must work. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "braid/sctp.h"

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

int main(void)
{
    int l = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (l < 0 || braid_bind(l, (struct sockaddr *)&a, sizeof a) < 0 || braid_listen(l, 1) < 0 ||
        braid_getsockname(l, (struct sockaddr *)&a, &al) < 0) {
        perror("listener");
        return 1;
    }
    int c = braid_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    if (braid_connect(c, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("connect");
        return 1;
    }
    int s = braid_accept(l, NULL, NULL);
    char buf[16];
    if (s < 0 || braid_send(c, "names", 5, 0) != 5 || braid_recv(s, buf, sizeof buf, 0) != 5 ||
        memcmp(buf, "names", 5) != 0) {
        perror("exchange");
        return 1;
    }
    braid_close(c);
    braid_close(s);
    braid_close(l);
    if (hits) {
        fprintf(stderr, "FAIL: braid called the program's functions %d times\n", hits);
        return 1;
    }
    printf("ok: braid's internals did not bind to the program's names\n");
    return 0;
}
