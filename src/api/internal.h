/*
 * The RFC 6458 sockets layer: internal structures.
 *
 * A socket (bsock) is what the application holds: a real file descriptor
 * (one end of an AF_UNIX datagram socketpair) whose readiness mirrors the
 * socket's state, so poll/select/epoll work on it. A stack (bstack) is one
 * SCTP endpoint (the sans-I/O core) with its transport; the sockets of a
 * one-to-one listener, the ones it accepted and the ones peeled off a
 * one-to-many socket share their stack.
 *
 * Locking: g_lock guards the socket table and the list of stacks; each
 * stack's lock guards its engine, transport and every socket attached to it.
 * Nobody blocks while holding a lock: waits happen in poll().
 */
#ifndef BRAID_API_INTERNAL_H
#define BRAID_API_INTERNAL_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "braid/braid.h"
#include "braid/sctp.h"
#include "io/io.h"

#define BRAID_API_MAX_FDS 65536
#define BRAID_API_BATCH 32
#define BRAID_API_PKT_CAP 65536

/* The engine's block cache (pool.c) */
#define BRAID_POOL_MAX 4096               /* larger blocks go to malloc */
#define BRAID_POOL_CLASSES (BRAID_POOL_MAX / 64 + 1)
#define BRAID_POOL_KEEP (8u * 1024 * 1024) /* most bytes kept per stack */
typedef struct bpool {
    void *free[BRAID_POOL_CLASSES];
    size_t kept;
} bpool;

typedef struct bstack bstack;
typedef struct bsock bsock;

/* A notification waiting to be read (RFC 6458 §6.1), already in its
 * user-visible layout. */
typedef struct bnote {
    struct bnote *next;
    sctp_assoc_t assoc;
    bool after_data; /* an association's end: delivered once its data is read */
    uint32_t len;
    uint8_t data[];
} bnote;

struct bsock {
    int fd;    /* the application's descriptor */
    int inner; /* our end of the socketpair */
    int type;  /* SOCK_STREAM (one-to-one) or SOCK_SEQPACKET (one-to-many) */
    int family;
    bstack *st;
    bsock *next_in_stack;
    unsigned refs; /* calls in progress (guarded by g_lock) */
    bool closing;

    bool nonblock;
    bool listening;
    int backlog;
    bool connecting;      /* one-to-one: connect() started */
    bool peeled;          /* came from sctp_peeloff */
    braid_assoc_id assoc; /* one-to-one: the association; peeled: its one */
    int so_error;         /* pending error (SO_ERROR) */
    bool eof;             /* one-to-one: association ended (reads return 0) */
    braid_assoc_id pd_assoc; /* a message of it is partly read: it comes first */
    bool shut_wr;         /* shutdown(SHUT_WR) done */

    /* accept queue (one-to-one listener) */
    braid_assoc_id acceptq[128];
    unsigned accept_head, accept_count;

    /* notifications */
    bnote *nhead, *ntail;
    unsigned n_notes;
    struct sctp_event_subscribe events;
    bool recvrcvinfo, recvnxtinfo;

    /* send defaults */
    struct sctp_sndrcvinfo default_send;
    uint64_t rcvtimeo_ns, sndtimeo_ns; /* 0 = forever */
    bool nodelay;
    uint32_t pd_point;
    int frag_interleave;
    uint16_t remote_udp_port; /* 0: default */
    struct linger linger;
    int autoclose;
    int disable_frag;

    /* readiness mirrored on fd */
    bool tok_readable;
    bool blocked_writable; /* we filled the pair so fd is not writable */
};

struct bstack {
    pthread_mutex_t lock;
    bstack *next;
    unsigned n_socks;
    bsock *socks;

    int family;
    braid_settings cfg; /* settings for when the engine starts */
    bool bound;         /* addresses / port fixed by bind */
    braid_io_kind io_kind;
    uint16_t udp_port;  /* local UDP port wanted (0 = default/ephemeral) */
    braid_endpoint *ep; /* NULL until listen / connect / first send */
    braid_io *io;
    braid_hooks hooks;
    bpool pool; /* the engine's memory (hooks.alloc/free use it) */
    bool accepting;
    uint64_t orphan_since; /* all sockets closed, shutdowns still running */
    unsigned users;        /* calls in progress on its sockets (sock.c's table lock) */
    uint64_t last_rx_poll; /* when the transport was last read */
    unsigned waiters;      /* application threads blocked in stack_wait that
                            * read the transport themselves: the background
                            * thread keeps off (no hand-off on the hot path) */
    atomic_bool bg_pending; /* the background thread found the stack busy and
                             * left its transport to the call inside */
    unsigned defer_ready;  /* inside a send/recv call: readiness tokens are
                            * settled once at its end (or before it blocks),
                            * so a message the call itself takes never costs
                            * a token write and read */

    uint8_t *rxbuf; /* BRAID_API_BATCH x BRAID_API_PKT_CAP */
    uint8_t *txbuf;
    braid_io_pkt rx[BRAID_API_BATCH], tx[BRAID_API_BATCH];
    unsigned n_tx; /* packets built, not yet sent */
};

/* socket table (sock.c) */
bsock *bs_get(int fd); /* takes a reference; NULL if not a braid socket */
void bs_put(bsock *s); /* drops it (frees a closed socket on the last one) */
bsock *bs_new(int domain, int type, bstack *st);
bool bs_is_braid(int fd);
bool stack_in_use(bstack *st); /* a call on one of its sockets is still inside */

/* stacks (stack.c) */
bstack *stack_new(int family);
int stack_start(bstack *st, bool listener); /* engine + transport; -errno */
void stack_pump(bstack *st, uint64_t now);  /* input, timers, events, output; st locked */
void stack_flush(bstack *st, uint64_t now); /* output only; st locked */
void stack_pump_lazy(bstack *st, uint64_t now); /* send path: input every 20 us */
void stack_update_ready(bstack *st);        /* st locked */
void pool_attach(bpool *p, braid_hooks *h); /* p serves h's alloc/free */
void pool_drain(bpool *p);
void stack_leave(bstack *st); /* end of a send/recv call: pending reads, tokens; st locked */
/* Waits (without the lock) until something may have changed for s, the
 * deadline passes (0 = none) or a signal: 0, -ETIMEDOUT, -EINTR. */
int stack_wait(bstack *st, bsock *s, short events, uint64_t deadline);
void stack_detach(bstack *st, bsock *s); /* st locked */
void stack_free_locked(bstack *st);      /* g_lock and st->lock held; unlocks st */
int connect_locked(bsock *s, const braid_addr *peers, unsigned n, uint16_t port,
                   braid_assoc_id *out);
int connect_locked_opts(bsock *s, const braid_addr *peers, unsigned n, uint16_t port,
                        const braid_connect_opts *opts, braid_assoc_id *out);
int bind_add(bsock *s, const struct sockaddr *addr, socklen_t len);
bool addr_equal(const braid_addr *a, const braid_addr *b);
void bg_kick(void); /* wakes the background thread */
void stack_linger_all(uint64_t deadline); /* until no association is busy */
bsock *stack_owner(bstack *st, braid_assoc_id id);
void stack_dispatch_events(bstack *st);

/* notifications (notify.c) */
void note_from_event(bstack *st, const braid_event *ev);
void note_push(bsock *s, sctp_assoc_t assoc, const void *data, size_t len);
void note_free_all(bsock *s);
void note_move(bsock *from, bsock *to, sctp_assoc_t assoc); /* one association's notes */
size_t note_build(const bsock *s, const braid_event *ev, uint8_t *buf, size_t cap);

/* options (opts.c) */
int opts_set(bsock *s, int level, int name, const void *val, socklen_t len);
int opts_get(bsock *s, int level, int name, void *val, socklen_t *len);
socklen_t opts_val_len(int level, int name, socklen_t len); /* bytes of val it reads */

/* address helpers (addr.c) */
int addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, braid_addr *out, uint16_t *port);
socklen_t addr_to_sockaddr(const braid_addr *a, uint16_t port, int family,
                           struct sockaddr_storage *out);

#endif
