/*
 * Stacks: an SCTP endpoint (the core) and the sockets that share it; the
 * readiness of those sockets mirrored on their descriptors. The transport,
 * the lock and the background thread are the world's (world.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static uint32_t assoc_id_hook(void *user)
{
    (void)user;
    return world_assoc_id();
}

/* world locked */
bstack *stack_new(int family)
{
    bstack *st = wmem_calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->family = family;
    braid_settings_default(&st->cfg);
    st->cfg.local_port = 0;
    const char *t = getenv("BRAID_TRANSPORT");
    st->io_kind = (t && !strcmp(t, "raw")) ? BRAID_IO_RAW : BRAID_IO_UDP;
    braid_hooks_default(&st->hooks);
    st->hooks.assoc_id = assoc_id_hook; /* ids unique in the process, as Linux's in the system */
    pool_attach(&st->pool, &st->hooks);
    world_add_stack(st);
    return st;
}

/* An SCTP port for a socket that did not bind one (an "ephemeral" port,
 * 49152-65535 as Linux's default ip_local_port_range ends), not in use by
 * another stack of the process. */
int stack_ephemeral_port(bstack *st)
{
    static uint16_t next;
    if (next == 0)
        next = (uint16_t)(49152 + ((unsigned)getpid() * 7919u) % 16000u);
    for (unsigned i = 0; i < 16384; i++) {
        uint16_t p = next++;
        if (next < 49152)
            next = 49152;
        if (stack_reserve_port(st, p) == 0)
            return 0;
    }
    return -EADDRNOTAVAIL;
}

int stack_start(bstack *st, bool listener)
{
    world_assert_held();
    if (st->ep) {
        if (listener && st->io_kind == BRAID_IO_UDP)
            return trans_attach(st, true); /* a client that starts listening */
        return 0;
    }
    /* A 1500-byte path MTU less the IP (and UDP) headers of the family in
     * use, unless the application set SCTP_MAXSEG / SCTP_PEER_ADDR_PARAMS. */
    if (st->cfg.pmtu == 1452) {
        unsigned ip = st->family == AF_INET6 ? 40 : 20;
        unsigned udp = st->io_kind == BRAID_IO_UDP ? 8 : 0;
        st->cfg.pmtu = 1500 - ip - udp;
    }
    int rc = 0;
    if (!st->has_port)
        rc = st->cfg.local_port ? stack_reserve_port(st, st->cfg.local_port)
                                : stack_ephemeral_port(st);
    if (rc == 0)
        rc = trans_attach(st, listener);
    if (rc < 0)
        return rc;
    opts_transport_started(st); /* IP_TOS / IPV6_TCLASS set before (opts.c) */
    uint16_t real_udp = st->tr->port;
    for (unsigned i = 0; i < st->cfg.n_local_addrs; i++)
        st->cfg.local_addrs[i].udp_port = real_udp;
    rc = braid_endpoint_new(&st->ep, &st->cfg, &st->hooks);
    if (rc < 0) {
        st->ep = NULL;
        trans_release(st);
        return -EINVAL;
    }
    braid_endpoint_set_accept(st->ep, listener);
    st->accepting = listener;
    world_start_bg();
    bg_kick();
    return 0;
}

bsock *stack_owner(bstack *st, braid_assoc_id id)
{
    bsock *fallback = NULL;
    for (bsock *s = st->socks; s; s = s->next_in_stack) {
        if (s->closing)
            continue;
        if (s->assoc == id && (s->type == SOCK_STREAM || s->peeled))
            return s;
        if (s->type == SOCK_SEQPACKET && !s->peeled)
            fallback = s;
    }
    return fallback;
}

/* ---- readiness mirrored on the application's descriptor ---- */

/* O(1): the receive queue holds a notification or a data mark (or an
 * error or the end is to be reported). */
bool sock_readable(bstack *st, bsock *s)
{
    if (s->so_error || s->eof || s->ended || s->shut_rd)
        return true;
    if (s->type == SOCK_STREAM && s->listening && !s->peeled)
        return s->accept_count > 0;
    if (s->pd_assoc && st->ep && braid_assoc_state_get(st->ep, s->pd_assoc) >= 0)
        return braid_assoc_readable(st->ep, s->pd_assoc) != 0; /* the rest of a partly read
                                                                * message comes first */
    return s->nhead != NULL;
}

static bool sock_writable(bstack *st, bsock *s)
{
    if (s->so_error || s->eof || s->ended || s->shut_wr)
        return true; /* writes fail at once: report writable like Linux */
    if (s->type == SOCK_STREAM || s->peeled) {
        if (!s->assoc || !st->ep)
            return false;
        int state = braid_assoc_state_get(st->ep, s->assoc);
        if (state < 0)
            return true;
        if (state < (int)BRAID_STATE_ESTABLISHED)
            return false;
        return braid_assoc_send_space(st->ep, s->assoc) > 0;
    }
    return true;
}

static void set_readable(bsock *s, bool want)
{
    if (want == s->tok_readable)
        return;
    char b = 0;
    if (want) {
        if (send(s->inner, &b, 1, MSG_DONTWAIT) == 1)
            s->tok_readable = true;
    } else {
        char drain[16]; /* the token is one byte: one call empties it */
        ssize_t r = recv(s->fd, drain, sizeof drain, MSG_DONTWAIT);
        (void)r;
        s->tok_readable = false;
    }
}

static void set_writable(bsock *s, bool want)
{
    char b = 0;
    if (want && s->blocked_writable) {
        while (recv(s->inner, &b, 1, MSG_DONTWAIT) == 1)
            ;
        s->blocked_writable = false;
    } else if (!want && !s->blocked_writable) {
        /* fill our end's send buffer: poll stops reporting POLLOUT */
        for (int i = 0; i < 4096 && send(s->fd, &b, 1, MSG_DONTWAIT) == 1; i++)
            ;
        s->blocked_writable = true;
    }
}

/* false: a socket of it is open only in other processes of the family,
 * whose turn it is; *wake: one of them was not told yet */
bool stack_update_ready(bstack *st, bool *wake)
{
    bool all = true;
    for (bsock *s = st->socks; s; s = s->next_in_stack) {
        if (s->closing)
            continue;
        if (!bs_mine(s)) {
            all = false;
            if (!s->for_others)
                *wake = true; /* once: no ping-pong over what nobody can settle */
            s->for_others = true;
            continue;
        }
        s->for_others = false;
        set_readable(s, sock_readable(st, s));
        set_writable(s, sock_writable(st, s));
    }
    return all;
}

void stack_detach(bstack *st, bsock *s)
{
    bsock **pp = &st->socks;
    while (*pp && *pp != s)
        pp = &(*pp)->next_in_stack;
    if (*pp)
        *pp = s->next_in_stack;
    st->n_socks--;
}

/* Frees a stack with no sockets left (world locked). */
void stack_free(bstack *st)
{
    world_assert_held();
    world_remove_stack(st);
    if (st->ep) {
        stack_flush_now(st, braid_now_ns()); /* the last ABORTs / SHUTDOWNs */
        world_remove_stack(st);              /* (the flush may have queued it again) */
        braid_endpoint_free(st->ep);
    }
    pool_drain(&st->pool);
    trans_release(st);
    wmem_free(st);
}

/* Waits for the association to come up (blocking connect, sctp_connectx):
 * 0, or -ECONNREFUSED / -ETIMEDOUT / -EINPROGRESS (SO_SNDTIMEO ran out, as
 * Linux) / -EINTR. */
int wait_up(bsock *s, braid_assoc_id id)
{
    bstack *st = s->st;
    uint64_t deadline = s->sndtimeo_ns ? braid_now_ns() + s->sndtimeo_ns : 0;
    for (;;) {
        world_pump(braid_now_ns());
        int state = braid_assoc_state_get(st->ep, id);
        if (state < 0)
            return s->so_error ? -s->so_error : -ECONNREFUSED;
        if (state >= (int)BRAID_STATE_ESTABLISHED)
            return 0;
        int rc = world_wait(s, POLLOUT, deadline);
        if (rc == -ETIMEDOUT)
            return -EINPROGRESS;
        if (rc < 0)
            return rc;
    }
}
