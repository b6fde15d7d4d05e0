/*
 * The family: a process and the children it forks share the world (the
 * sockets, stacks and associations, in the world's memory, wmem.c), as
 * processes share the kernel's sockets after fork(). Each process has a
 * slot; objects that are kernel descriptors record which slots hold them
 * (bmask), because a descriptor opened after a fork exists only in the
 * process that opened it. Work that needs a descriptor this process does
 * not have (settling a socket's readiness, sending on a transport) is left
 * in the world and the other processes are woken: each has a wake socket,
 * an abstract AF_UNIX datagram socket named after the family and the slot
 * (CLOEXEC: gone when its process exits or execs, which is also how a
 * process that vanished without a word is found out: fam_probe).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

static fam_shared *F;    /* in the world's memory */
static unsigned g_slot;  /* this process's */
static int g_wsock = -1; /* its wake socket */

unsigned fam_slot(void)
{
    return g_slot;
}

static socklen_t wake_name(unsigned slot, struct sockaddr_un *a)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "braid.fam.%016llx.%u",
                     (unsigned long long)F->id, slot);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static void wake_open(void)
{
    if (g_wsock >= 0)
        close(g_wsock);
    g_wsock = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (g_wsock < 0)
        return;
    struct sockaddr_un a;
    socklen_t l = wake_name(g_slot, &a);
    if (bind(g_wsock, (struct sockaddr *)&a, l) < 0) {
        if (errno != EADDRINUSE)
            fprintf(stderr, "braid: the family's wake socket: %s\n", strerror(errno));
        close(g_wsock);
        g_wsock = -1;
    }
}

void fam_init(fam_shared *f, bool shared)
{
    F = f;
    g_slot = 0;
    F->slot[0].used = true;
    F->slot[0].pid = (int)getpid();
    if (getrandom(&F->id, sizeof F->id, 0) != (ssize_t)sizeof F->id)
        F->id = (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)f;
    if (shared)
        wake_open();
}

int fam_fork_slot(void)
{
    for (unsigned i = 0; i < BRAID_SLOTS; i++)
        if (!F->slot[i].used) {
            F->slot[i].used = true;
            F->slot[i].pid = 0;
            return (int)i;
        }
    return -1;
}

void fam_child(int slot)
{
    g_slot = (unsigned)slot;
    /* the name first, then the pid: a slot with a pid and no name is what
     * fam_probe takes for a process that is gone (its probe may hold the
     * name for a moment: try again) */
    for (int i = 0; i < 1000; i++) {
        wake_open(); /* (the parent's copy is closed: its wakes are not ours) */
        if (g_wsock >= 0)
            break;
        usleep(100);
    }
    F->slot[slot].pid = (int)getpid();
}

int fam_wake_sock(void)
{
    return g_wsock;
}

void fam_drain(void)
{
    char b[64];
    while (g_wsock >= 0 && recv(g_wsock, b, sizeof b, MSG_DONTWAIT) >= 0)
        ;
}

void fam_wake_others(void)
{
    if (g_wsock < 0)
        return;
    for (unsigned i = 0; i < BRAID_SLOTS; i++) {
        if (i == g_slot || !F->slot[i].used)
            continue;
        struct sockaddr_un a;
        socklen_t l = wake_name(i, &a);
        char b = 0;
        (void)sendto(g_wsock, &b, 1, MSG_DONTWAIT, (struct sockaddr *)&a, l);
    }
}

/* Up to eight slots per call, in turn: is each one's process still there
 * (its wake socket still bound)? Binding the name ourselves tells without
 * waking it. The first that is gone, or -1. */
int fam_probe(void)
{
    if (g_wsock < 0)
        return -1;
    unsigned asked = 0;
    for (unsigned n = 0; n < BRAID_SLOTS && asked < 8; n++) {
        unsigned i = F->probe_next++ % BRAID_SLOTS;
        if (i == g_slot || !F->slot[i].used || !F->slot[i].pid)
            continue;
        asked++;
        int t = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (t < 0)
            return -1;
        struct sockaddr_un a;
        socklen_t l = wake_name(i, &a);
        int rc = bind(t, (struct sockaddr *)&a, l);
        close(t);
        if (rc == 0)
            return (int)i;
    }
    return -1;
}

bool fam_others(void)
{
    for (unsigned i = 0; F && i < BRAID_SLOTS; i++)
        if (i != g_slot && F->slot[i].used)
            return true;
    return false;
}

void fam_release(unsigned slot)
{
    F->slot[slot].used = false;
    F->slot[slot].pid = 0;
}
