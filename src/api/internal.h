/*
 * The RFC 6458 sockets layer: internal structures.
 *
 * A socket (bsock) is what the application holds: a real file descriptor
 * (one end of an AF_UNIX datagram socketpair) whose readiness mirrors the
 * socket's state, so poll/select/epoll work on it. A stack (bstack) is one
 * SCTP endpoint (the sans-I/O core); the sockets of a one-to-one listener,
 * the ones it accepted and the ones peeled off a one-to-many socket share
 * their stack. Transports (btrans) belong to the process, as the kernel's
 * one UDP tunnel socket per host: every stack sends and receives through
 * them, demultiplexed by the SCTP destination port (world.c).
 *
 * Locking: one lock, the world's (world.c), guards everything here. A call
 * takes it in bs_get and gives it back in bs_put; nobody blocks while
 * holding it (waits are poll() without it, world_wait). There is no second
 * lock, so there is no lock order to get wrong; taking it twice in one
 * thread aborts with a message instead of deadlocking.
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
#define BRAID_API_ACCEPTQ 128 /* accept queue slots (listen backlog cap) */

/* The engine's block cache (pool.c) */
#define BRAID_POOL_MAX 4096 /* larger blocks go to malloc */
#define BRAID_POOL_CLASSES (BRAID_POOL_MAX / 64 + 1)
#define BRAID_POOL_KEEP (8u * 1024 * 1024) /* most bytes kept per stack */
typedef struct bpool {
    void *free[BRAID_POOL_CLASSES];
    size_t kept;
} bpool;

typedef struct bstack bstack;
typedef struct bsock bsock;

/* The processes of a family (a process and the children it forked, which
 * share the world: family.c) are numbered by slots; a mask says which of
 * them hold something that is a kernel descriptor (a socket's pair of
 * descriptors, a transport). */
#define BRAID_SLOTS 256
typedef struct bmask {
    uint64_t w[BRAID_SLOTS / 64];
} bmask;
static inline void bm_set(bmask *m, unsigned i)
{
    m->w[i / 64] |= 1ull << (i % 64);
}
static inline void bm_clr(bmask *m, unsigned i)
{
    m->w[i / 64] &= ~(1ull << (i % 64));
}
static inline bool bm_has(const bmask *m, unsigned i)
{
    return m->w[i / 64] >> (i % 64) & 1;
}
static inline bool bm_empty(const bmask *m)
{
    for (unsigned i = 0; i < BRAID_SLOTS / 64; i++)
        if (m->w[i])
            return false;
    return true;
}

/* A notification waiting to be read (RFC 6458 §6.1), already in its
 * user-visible layout. */
/* One entry of a socket's receive queue, which holds notifications and
 * data in arrival order, as Linux's one receive queue does: a notification
 * (RFC 6458 §6.1, in its user-visible layout), or a data mark saying that
 * the association has messages to read (the core's DATA_READY: one mark per
 * association at most, removed when its data is all read). */
typedef struct bnote {
    struct bnote *next;
    sctp_assoc_t assoc;
    bool mark;          /* a data mark (len 0) */
    uint16_t peer_port; /* the association's peer (msg_name, as Linux) */
    braid_addr peer;    /* (family 0: unknown) */
    uint32_t len;
    uint8_t data[];
} bnote;

struct bsock {
    int inner; /* our end of the socketpair */
    int type;  /* SOCK_STREAM (one-to-one) or SOCK_SEQPACKET (one-to-many) */
    int family;
    bstack *st;
    bsock *next_in_stack;
    unsigned refs; /* calls in progress (guarded by g_lock) */
    bool closing;
    bmask holders;             /* processes of the family with fd and inner open */
    bool for_others;           /* its readiness is theirs to settle: they were woken */
    uint16_t nfd[BRAID_SLOTS]; /* the application's descriptors of it in each (dup) */
    int pfd[BRAID_SLOTS];      /* one of them, in each (readiness is set on it) */

    bool nonblock;
    bool listening;
    int backlog;
    bool connecting;         /* one-to-one: connect() started */
    bool peeled;             /* came from sctp_peeloff */
    braid_assoc_id assoc;    /* one-to-one: the association; peeled: its one */
    int so_error;            /* pending error (SO_ERROR) */
    bool eof;                /* one-to-one: the peer shut down or the association
                              * failed (reads return 0 once the data is read) */
    bool peer_shut;          /* one-to-one: the peer sent SHUTDOWN */
    bool ended;              /* one-to-one: our own shutdown completed (reads:
                              * ENOTCONN once the data is read, as Linux) */
    braid_assoc_id pd_assoc; /* a message of it is partly read: it comes first */
    bool shut_wr;            /* shutdown(SHUT_WR) done */
    bool shut_rd;            /* shutdown(SHUT_RD) done: reads return 0, data is dropped */

    /* accept queue (one-to-one listener) */
    braid_assoc_id acceptq[BRAID_API_ACCEPTQ];
    unsigned accept_head, accept_count;

    /* the receive queue: notifications and data marks in arrival order */
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

    /* options kept per socket (opts.c); accepted and peeled sockets get a
     * copy, as Linux's sctp_copy_sock */
    struct bsock_opts {
        bool reuse_port;   /* SCTP_REUSE_PORT */
        uint8_t pf_expose; /* SCTP_EXPOSE_POTENTIALLY_FAILED_STATE */
        bool tos_set, tclass_set;
        int ip_tos;      /* IP_TOS */
        int ipv6_tclass; /* IPV6_TCLASS */
        bool dscp_set, flowlabel_set;
        uint8_t dscp;       /* SPP_DSCP */
        uint32_t flowlabel; /* SPP_IPV6_FLOWLABEL */
        bool v6only;        /* IPV6_V6ONLY (kept and reported) */
    } o;
};

/* A transport of the process (world.c): one per (kind, UDP port), and for
 * raw IP one per family. Its transmit batch collects the packets of every
 * stack that leave through it. */
typedef struct btrans {
    struct btrans *next;
    unsigned id;   /* its kernel socket in each process: trans_io() */
    bmask holders; /* processes that have it open */
    braid_io_kind kind;
    int family;          /* 6 (dual stack) or 4; raw: the family it carries */
    uint16_t port;       /* UDP port (0 for raw IP) */
    bool is_default;     /* the well-known port (9899 or $BRAID_UDP_PORT) */
    unsigned refs;       /* stacks using it */
    uint64_t idle_since; /* refs 0 since then: closed a second later */
    uint8_t *txbuf;
    braid_io_pkt tx[BRAID_API_BATCH];
    unsigned n_tx;   /* packets built, not yet sent */
    bool for_others; /* they are another process's to send: woken once */
} btrans;

struct bstack {
    bstack *next;
    bstack *port_next; /* other stacks of the same SCTP port (closed ones lingering) */
    bstack *flush_next, *dirty_next;
    bool in_flushq, in_dirty;
    bool refuser;      /* answers packets for SCTP ports nobody serves (RFC 9260 §8.4) */
    bool has_port;     /* registered in the world's port table */
    uint16_t reg_port; /* under that port */
    unsigned n_socks;
    bsock *socks;

    int family;
    braid_settings cfg; /* settings for when the engine starts */
    bool bound;         /* addresses / port fixed by bind */
    braid_io_kind io_kind;
    uint16_t udp_port;  /* local UDP port asked for (0 = default/ephemeral) */
    braid_endpoint *ep; /* NULL until listen / connect / first send */
    btrans *tr;         /* its transport (NULL until started) */
    btrans *tr2;        /* raw IP: the other family's */
    braid_hooks hooks;
    bpool pool; /* the engine's memory (hooks.alloc/free use it) */
    bool accepting;
    uint64_t orphan_since; /* all sockets closed, shutdowns still running */
    unsigned closer;       /* the slot of the process that closed the last */
    unsigned users;        /* calls in progress on its sockets */

    /* What Linux reports for its socket-level defaults that cfg does not
     * hold (opts.c); zero: derived from cfg */
    struct bstack_opts {
        uint64_t hb_off_ns;    /* spp_hbinterval kept while heartbeats are off */
        uint32_t sackfreq_off; /* sack_freq kept while delayed SACK is off */
        uint32_t pathmtu;      /* spp_pathmtu for future associations (Linux: 0 until set) */
        uint32_t so_rcvbuf, so_sndbuf; /* as SO_RCVBUF / SO_SNDBUF read back */
    } o;
};

/* the world's memory (wmem.c): shared by a process and its forked children */
void *wmem_alloc(size_t n);
void *wmem_calloc(size_t n, size_t m);
void wmem_free(void *p);
bool wmem_shared(void);
void wmem_fork(void); /* before a fork: the families' processes agree on it */

/* the family (family.c, world.c) */
typedef struct fam_shared {
    uint64_t id; /* random: names the processes' wake sockets */
    unsigned probe_next;
    struct fam_slot {    /* (read without the lock to wake the others: atomic) */
        _Atomic int pid; /* 0: forked, not yet running */
        atomic_bool used;
    } slot[BRAID_SLOTS];
} fam_shared;
void fam_init(fam_shared *f, bool shared); /* the first process: slot 0 */
int fam_fork_slot(void);                   /* before fork: the child's, -1 if none (locked) */
void fam_child(int slot);                  /* in the child */
int fam_wake_sock(void);                   /* its wake socket (poll it), or -1 */
void fam_drain(void);                      /* empties it */
void fam_wake_others(void);                /* work for the others: wake them */
void **world_hostport(void);               /* hostport.c's family-wide table */
void world_others(void);             /* work another process of the family is to do: wake them */
bool fam_others(void);               /* other processes share the world */
int fam_probe(void);                 /* (locked) a slot whose process is gone, or -1 */
void fam_release(unsigned slot);     /* (locked) the slot is free again */
void world_slot_gone(unsigned slot); /* (locked) what a gone process held */
void sock_abandon(bsock *s, uint64_t now); /* (locked) nobody holds it any more: as close */
void bs_orphan_all(void);
int bs_dead_fd(void);    /* a socket whose peer is gone (end of file, EPIPE), CLOEXEC; -1 */
bool fam_orphaned(void); /* a forked child without the world: its descriptors fail */
void world_no_bg(void);
void world_hold_to_end(void); /* exit / exec: the lock kept through it */
void world_hold_cancel(void); /* the exec failed */
bool world_bg_running(void);
bool braid_fam_exec(void); /* before exec: true when the lock is kept through it */
void braid_fam_exec_failed(bool held);
/* the exec failed */                   /* before exec (the preload's): this process lets go */
unsigned fam_slot(void);                /* this process's slot */
braid_io *trans_io(const btrans *t);    /* this process's socket of it, or NULL */
bool bs_mine(const bsock *s);           /* its descriptors are open in this process */
#define bs_fd(s) ((s)->pfd[fam_slot()]) /* one of them */

/* socket table (sock.c) */
/* For a braid descriptor: the socket, with the world locked and a reference
 * taken; NULL (and nothing locked) for any other descriptor. */
bsock *bs_get(int fd);
void bs_put(bsock *s); /* drops it, settles readiness, unlocks the world */
bsock *bs_new(int domain, int type, bstack *st);
bool bs_is_braid(int fd);         /* no lock taken */
uint32_t msg_next_len(bsock *s);  /* FIONREAD: bytes of what the next read returns (msg.c) */
extern _Thread_local int t_errno; /* errno bs_put leaves: the caller's, or the call's error */

/* the world (world.c): the lock, transports, demultiplexing, waiting */
void world_lock(void);
void world_unlock(void);
void world_assert_held(void);
/* Input from every transport, timers, events, output; in-process packets
 * are handed over at once. */
void world_pump(uint64_t now);
void world_pump_lazy(uint64_t now); /* send path: input every 20 us */
/* Waits (without the lock) until something may have changed for s, the
 * deadline passes (0 = none) or a signal: 0, -ETIMEDOUT, -EINTR. */
int world_wait(bsock *s, short events, uint64_t deadline);
void world_settle(void);       /* readiness tokens of every stack marked */
void world_leave(void);        /* end of a call: work the background thread left, readiness */
uint32_t world_assoc_id(void); /* a new association id, unique in the process */
void bg_kick(void);            /* wakes the background thread */
void stack_linger_all(uint64_t deadline); /* until no association is busy */

/* stacks (stack.c) */
bstack *stack_new(int family);
int stack_start(bstack *st, bool listener);        /* engine + transport; -errno */
int stack_reserve_port(bstack *st, uint16_t port); /* bind: 0 or -EADDRINUSE */
int stack_ephemeral_port(bstack *st);              /* 0 or -EADDRNOTAVAIL */
bool world_addr_local(const braid_addr *a);        /* an address of this host */
void stack_flush(bstack *st, uint64_t now);        /* output (and in-process delivery); inside a
                                                    * call, when it leaves or waits */
void stack_flush_now(bstack *st, uint64_t now);    /* at once (a stack that goes) */
void world_call_begin(void);                       /* bs_get / bs_put */
void world_call_end(void);
void stack_mark(bstack *st);                     /* its sockets' readiness is to be settled */
bool stack_update_ready(bstack *st, bool *wake); /* false: left to another process */
void pool_attach(bpool *p, braid_hooks *h);      /* p serves h's alloc/free */
void pool_drain(bpool *p);
void stack_detach(bstack *st, bsock *s);
void stack_free(bstack *st);
int connect_locked(bsock *s, const braid_addr *peers, unsigned n, uint16_t port,
                   braid_assoc_id *out);
int connect_locked_opts(bsock *s, const braid_addr *peers, unsigned n, uint16_t port,
                        const braid_connect_opts *opts, braid_assoc_id *out);
int wait_up(bsock *s, braid_assoc_id id); /* blocking connect: until COMM_UP or failure */
void connect_settle(bsock *s);            /* a non-blocking connect that finished meanwhile */
void connect_done(bsock *s, int rc);      /* the end of a blocking connect */
int bind_add(bsock *s, const struct sockaddr *addr, socklen_t len);
bool addr_equal(const braid_addr *a, const braid_addr *b);
bsock *stack_owner(bstack *st, braid_assoc_id id);
void stack_dispatch_events(bstack *st);
bool sock_readable(bstack *st, bsock *s);

/* world.c internals shared with stack.c */
int trans_attach(bstack *st, bool listener);
void trans_release(bstack *st);
void world_add_stack(bstack *st);
void world_start_bg(void);
void world_remove_stack(bstack *st);

/* the stat socket (statsrv.c; braid-stat). The background thread polls
 * statsrv_fd() (-1: none), calls statsrv_snapshot() with the world locked
 * when it is readable (requests, and a copy of the counters) and
 * statsrv_reply() after letting go of the lock (the JSON, sent without
 * waiting). */
void statsrv_start(void); /* world locked; $BRAID_STAT=0: no socket */
int statsrv_fd(void);
void statsrv_snapshot(void);
void statsrv_reply(void);
/* world locked: a packet demux gives to no stack (counted, logged at debug) */
void statsrv_demux_drop(const braid_path *path, size_t len, bool short_pkt, uint16_t dport);
bstack *world_stacks(void);     /* world locked: the list (next) */
btrans *world_transports(void); /* world locked: the list (next) */

/* notifications (notify.c) */
bsock *note_from_event(bstack *st, const braid_event *ev); /* the socket it went to */
void note_no_auth(bsock *s, braid_assoc_id id);            /* SCTP_AUTH_NO_AUTH, if subscribed */
void note_push(bsock *s, sctp_assoc_t assoc, const void *data, size_t len);
void note_push_data(bsock *s, sctp_assoc_t assoc); /* the data mark, once per association */
void note_drop_data(bsock *s, sctp_assoc_t assoc); /* its data is all read */
void note_free_all(bsock *s);
void note_move(bsock *from, bsock *to, sctp_assoc_t assoc); /* one association's notes */
size_t note_build(const bsock *s, const braid_event *ev, uint8_t *buf, size_t cap);

/* options (opts.c) */
int opts_set(bsock *s, int level, int name, const void *val, socklen_t len);
int opts_get(bsock *s, int level, int name, void *val, socklen_t *len);
void opts_transport_started(bstack *st); /* what the options set on the transport */
socklen_t opts_val_len(int level, int name, socklen_t len); /* bytes of val it reads */

/* Linux's private SOL_SCTP options of libsctp (lksctp.c): setsockopt /
 * getsockopt results (-1 with errno) for a braid descriptor */
bool lksctp_private_opt(int name);
int lksctp_private_set(int fd, int name, const void *val, socklen_t len);
int lksctp_private_get(int fd, int name, void *val, socklen_t *len);

/* address helpers (addr.c) */
int addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, braid_addr *out, uint16_t *port);
socklen_t addr_to_sockaddr(const braid_addr *a, uint16_t port, int family,
                           struct sockaddr_storage *out);

#endif
