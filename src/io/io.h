/*
 * Transports: the only OS-facing part of braid (sockets, clocks, OpenSSL).
 *
 * A transport moves whole SCTP packets (common header onwards) between the
 * sans-I/O engine and the network:
 *   - UDP: RFC 6951 encapsulation, recvmmsg/sendmmsg batches;
 *   - RAW: IP protocol 132 (root / CAP_NET_RAW), to talk to kernel SCTP stacks;
 *   - INPROC: an in-process switch between transports of one process.
 *
 * Errors are negative errno values (not braid_error: the numbers overlap, use
 * braid_io_strerror, not braid_strerror). One transport is used by one thread
 * at a time; INPROC transports of different threads may send to each other.
 */
#ifndef BRAID_IO_IO_H
#define BRAID_IO_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "braid/braid.h"

typedef enum braid_io_kind {
    BRAID_IO_UDP = 0,
    BRAID_IO_RAW = 1,
    BRAID_IO_INPROC = 2
} braid_io_kind;

/* One packet. For receive, data/cap are the caller's buffer and len/path are
 * filled; for send, data/len/path are read (path.local may be left zero
 * (family 0) to let the OS pick the source address).
 * With receive offload on (braid_io_set_gro), one receive may hold several
 * datagrams of one peer: seg is then their size (the last may be shorter)
 * and len their total; seg is 0 for a single datagram. */
typedef struct braid_io_pkt {
    braid_path path;
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t seg;
} braid_io_pkt;

/* The datagram of p at offset off (seg 0: the whole of p): its length. */
static inline size_t braid_io_seg_len(const braid_io_pkt *p, size_t off)
{
    size_t left = p->len - off;
    return p->seg && p->seg < left ? p->seg : left;
}

typedef struct braid_io braid_io;

/* The IANA-assigned port for SCTP over UDP, "sctp-tunneling" (RFC 6951 §5.1). */
#define BRAID_IO_UDP_PORT 9899
/* Packets per recvmmsg/sendmmsg system call. */
#define BRAID_IO_BATCH 64
/* Packets waiting in one INPROC transport's queue before drops. */
#define BRAID_IO_INPROC_QUEUE 4096

/*
 * Opens a transport for SCTP packets.
 *
 * locals: the addresses to use (n == 0: the wildcard of family 4 or 6; an
 * IPv6 wildcard alone also serves IPv4 through mapped addresses), all of one
 * family or mixed (then one OS socket per family, the IPv6 one IPV6_V6ONLY).
 * At most BRAID_MAX_ADDRS. The udp_port field of locals is ignored: udp_port
 * applies to all.
 *
 * UDP (RFC 6951): bound to udp_port (0: an ephemeral port chosen by the OS,
 * the same for both families). With one address of a family, the socket is
 * bound to it; with several (or none) it is bound to the wildcard with
 * IP_PKTINFO / IPV6_RECVPKTINFO, so received packets report their local
 * address in path.local and sends use path.local as the source. No
 * SO_REUSEADDR: a second transport on the same port fails with -EADDRINUSE
 * (unless every one of them is opened with BRAID_IO_REUSEPORT, below).
 *
 * RAW: socket(AF_INET[6], SOCK_RAW, 132); -EPERM without root/CAP_NET_RAW
 * (braid_io_strerror explains). Received IPv4 packets have their IP header
 * stripped; path.*.udp_port is 0. The kernel delivers every SCTP packet of
 * the host (bound address permitting): the engine filters by SCTP port.
 *
 * INPROC: a process-wide registry keyed by (address, udp_port) (port 0: an
 * unused port from 49152 up). Sends copy the packet into the destination
 * transport's queue, or drop it (drop_queue) when no transport has that
 * address and port or its queue holds BRAID_IO_INPROC_QUEUE packets. The
 * readiness fd is an eventfd.
 *
 * Returns 0 or a negative errno (-EINVAL, -EADDRINUSE, -EPERM, -ENOMEM, ...).
 */
int braid_io_open(braid_io **out, braid_io_kind kind, int family, const braid_addr *locals,
                  unsigned n, uint16_t udp_port);
/* braid_io_open with flags: BRAID_IO_REUSEPORT (UDP) sets SO_REUSEPORT before
 * bind, so that transports of several processes join one reuseport group on
 * the port (the sockets API's hostport.c then steers packets among them by
 * SCTP port); every socket of the group must set it, and have the same
 * effective user. */
#define BRAID_IO_REUSEPORT 0x1u
int braid_io_open_ex(braid_io **out, braid_io_kind kind, int family, const braid_addr *locals,
                     unsigned n, uint16_t udp_port, unsigned flags);
void braid_io_close(braid_io *io); /* NULL is fine */

braid_io_kind braid_io_get_kind(const braid_io *io);
/* The bound UDP port (INPROC: its port; RAW: 0). */
uint16_t braid_io_local_port(const braid_io *io);
/* Fills fds with up to max descriptors to poll for POLLIN (at most 2); returns
 * how many the transport has. */
int braid_io_fds(const braid_io *io, int *fds, int max);

/*
 * Non-blocking batch receive of up to n packets into the caller's buffers
 * (pkts[i].data / cap). Returns the count (0 when nothing waits) or a negative
 * errno. path.remote.udp_port is the sender's source port (RFC 6951 §5.4: the
 * engine learns it per path). Datagrams larger than their buffer are dropped
 * (drop_trunc); to keep the result dense, a later packet may be copied into
 * an earlier slot, or, if it does not fit there, the two slots exchange their
 * data/cap pointers. Zero-length datagrams are delivered as such.
 */
int braid_io_recv(braid_io *io, braid_io_pkt *pkts, unsigned n);

/*
 * Batch send (sendmmsg: one system call per BRAID_IO_BATCH packets of one
 * family). Returns how many packets were consumed from the front of pkts;
 * the rest would block (socket buffer full): retry when convenient. A packet
 * the OS refuses for its own reasons (unreachable, too big, bad source
 * address) is dropped and counted in send_errors, and counts as consumed: SCTP
 * retransmits. A negative errno means the transport itself is broken.
 */
int braid_io_send(braid_io *io, const braid_io_pkt *pkts, unsigned n);

typedef struct braid_io_stats {
    uint64_t pkts_in, pkts_out, bytes_in, bytes_out;
    uint64_t drop_trunc;  /* received datagram larger than its buffer, or bad IP header (raw) */
    uint64_t drop_queue;  /* INPROC: destination queue full or no such destination */
    uint64_t send_errors; /* packets the OS refused */
    uint64_t errors_in;   /* error reports read (ICMP, local refusals: braid_io_recv_err) */
    uint64_t errors_lost; /* error reports dropped: the queue was full */
} braid_io_stats;

void braid_io_get_stats(const braid_io *io, braid_io_stats *st);

/*
 * Errors the network or the host reports about packets we sent (RFC 9260
 * Appendix C, RFC 6951 §5.5). The UDP sockets have IP_RECVERR /
 * IPV6_RECVERR: the kernel queues every ICMP error about a datagram of
 * ours, with the offender, the original destination and the quoted payload
 * (for UDP encapsulation the SCTP packet itself, from its common header).
 * The transport reads that queue (MSG_ERRQUEUE) whenever a receive or a
 * send reports an error, and keeps the reports until braid_io_recv_err.
 * A packet the OS refuses at once on send for want of a route (ENETUNREACH,
 * EHOSTUNREACH, EHOSTDOWN, ENONET) is reported the same way, origin LOCAL,
 * quoting the packet: the first INIT of an association to an unroutable
 * address reaches its association. Raw IP and INPROC report nothing.
 */
#define BRAID_IO_ERR_QUOTE 64 /* quoted bytes kept: the common header and the first chunk's start  \
                               */
#define BRAID_IO_ERR_QUEUE 64 /* reports kept until read (then the oldest go: errors_lost) */

typedef enum braid_io_err_origin {
    BRAID_IO_ERR_LOCAL = 1, /* this host: a send refused (err), or EMSGSIZE with the MTU in info */
    BRAID_IO_ERR_ICMP = 2,  /* an ICMPv4 message: type, code */
    BRAID_IO_ERR_ICMP6 = 3, /* an ICMPv6 message: type, code */
} braid_io_err_origin;

typedef struct braid_io_err {
    braid_path path;     /* remote: the packet's destination and UDP port; local: its source
                          * when known (else family 0), with our UDP port */
    braid_addr offender; /* the node that sent the ICMP message (family 0 for LOCAL) */
    uint8_t origin;      /* braid_io_err_origin */
    uint8_t type, code;  /* ICMP type and code */
    int err;             /* the errno the kernel maps it to (positive: ECONNREFUSED, ...) */
    uint32_t info;       /* Fragmentation Needed / Packet Too Big / EMSGSIZE: the MTU */
    size_t len;          /* quoted bytes held in quoted (at most BRAID_IO_ERR_QUOTE) */
    uint8_t quoted[BRAID_IO_ERR_QUOTE];
} braid_io_err;

/* Moves up to n error reports, oldest first, into errs; returns how many. */
int braid_io_recv_err(braid_io *io, braid_io_err *errs, unsigned n);
/* True when braid_io_recv_err has something (no system call). */
bool braid_io_err_pending(const braid_io *io);

/* The host's addresses (getifaddrs; interfaces that are up; cached for a
 * second), at most max: the addresses a wildcard-bound endpoint announces
 * (braid_hooks.host_addrs). Thread-safe. */
unsigned braid_io_host_addrs(braid_addr *out, unsigned max);
/* The source address the host's routing picks for remote (a connected UDP
 * socket's name; cached for a second): 0, or a negative errno
 * (-ENETUNREACH: no route). braid_hooks.route_src. Thread-safe. */
int braid_io_route_src(const braid_addr *remote, braid_addr *src);

/* SO_RCVBUF / SO_SNDBUF on the OS sockets (0: leave as is; INPROC: no-op). */
int braid_io_set_bufs(braid_io *io, int rcvbuf, int sndbuf);
/* IP_TOS on the OS sockets of IPv4 (and dual-stack IPv6) and IPV6_TCLASS on
 * those of IPv6 (-1: leave as is; INPROC: no-op). Best effort: 0. */
int braid_io_set_tos(braid_io *io, int tos, int tclass);

/* UDP receive offload (UDP_GRO, Linux 5.0): the kernel may hand over a train
 * of datagrams of one peer as one received packet (see braid_io_pkt.seg).
 * Only for callers that split them; 0, or -ENOPROTOOPT where not offered
 * (raw IP, INPROC, older kernels: packets then come one by one). */
int braid_io_set_gro(braid_io *io, bool on);

/*
 * Writes every packet sent and received by this transport to a pcap file
 * (Ethernet/IP/UDP or IP/SCTP frames with the real addresses and ports; the
 * source of a send without path.local on a wildcard socket shows as the
 * unspecified address). path NULL stops. Returns 0 or a negative errno.
 *
 * Process-wide: when $BRAID_PCAP names a file, every transport of the
 * process also writes to it (one shared writer, opened on first use).
 */
int braid_io_set_pcap(braid_io *io, const char *path);

/* Writes packets that did not cross this transport's sockets (handed over
 * between endpoints of one process) to its pcap files as if they had:
 * out true for sent ones. */
void braid_io_trace(braid_io *io, bool out, const braid_io_pkt *pkts, unsigned n);

/* $BRAID_UDP_PORT if set to a number in 1..65535, else 9899 (RFC 6951 §5.1). */
uint16_t braid_io_default_udp_port(void);

/* A message for an errno returned by this module: the detailed text of this
 * thread's last failure if err matches it, else strerror. Never NULL. */
const char *braid_io_strerror(int err);

/* Monotonic clock in nanoseconds. */
uint64_t braid_now_ns(void);
/* Wall clock in nanoseconds since the epoch (pcap timestamps). */
uint64_t braid_wall_ns(void);

/*
 * Hooks for real programs: malloc/free; getrandom() for randomness (then
 * /dev/urandom, then OpenSSL RAND_bytes; never aborting); HMAC-SHA256 for
 * the cookie MAC; the host's addresses and route sources
 * (braid_io_host_addrs, braid_io_route_src) for wildcard-bound endpoints;
 * and, when $BRAID_LOG asks for a level (error, warn, info, debug or 0-4;
 * "1" is info, as BRAID_LOG=1 always turned the engine's lines on), a log
 * sink writing one line per call to stderr, or to $BRAID_LOG_FILE
 * (appended; lines there start with "braid[PID]: ").
 */
void braid_hooks_default(braid_hooks *h);

/* The level of $BRAID_LOG / $BRAID_LOG_FILE (braid_log_level; as read by
 * the last braid_hooks_default, or on first use). Thread-safe. */
int braid_io_log_level(void);
/* braid_log_level for a $BRAID_LOG value (NULL: unset) and $BRAID_LOG_FILE. */
int braid_io_log_parse(const char *braid_log, const char *braid_log_file);
/* One line ("LEVEL: ...") to the sink of braid_hooks_default, if the level
 * is on. Callers on hot paths test braid_io_log_level() first. */
void braid_io_log(int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* "1.2.3.4:9899" / "[::1]:9899" (address and UDP port). */
void braid_io_addr_str(const braid_addr *a, char *out, size_t cap);
/* A discard below the engine (a transport's drop_* counters, world.c's
 * demultiplexing): "debug: drop NAME counter=COUNTER ..." at debug level,
 * nothing formatted below it. */
#define BRAID_IO_LOG_DROP(...)                                                                     \
    do {                                                                                           \
        if (braid_io_log_level() >= BRAID_LOG_DEBUG)                                               \
            braid_io_log(BRAID_LOG_DEBUG, __VA_ARGS__);                                            \
    } while (0)

/* ------------------------------------------------------------------------
 * Internal to src/io.
 * ------------------------------------------------------------------------ */
#ifdef BRAID_IO_INTERNAL

#include <stdbool.h>

struct braid_pcap;
typedef struct braid_io_inproc braid_io_inproc;
typedef struct braid_io_scratch braid_io_scratch;

typedef struct braid_io_sock {
    int fd;
    int family;       /* 4 or 6 */
    bool pktinfo;     /* wildcard bind: local address from IP(V6)_PKTINFO */
    bool dual;        /* IPv6 socket also carrying IPv4 (mapped addresses) */
    braid_addr bound; /* family 0 when bound to the wildcard */
    bool no_gso;      /* the kernel refused UDP GSO: one datagram per send */
    bool gro;         /* UDP_GRO on: received trains are reported whole */
} braid_io_sock;

struct braid_io {
    braid_io_kind kind;
    int family; /* the family asked for (n == 0) */
    uint16_t port;
    bool reuseport; /* BRAID_IO_REUSEPORT */
    unsigned nsock;
    braid_io_sock sk[2];
    unsigned next_sock; /* receive fairness between the sockets */
    braid_io_stats st;
    struct braid_pcap *pcap;
    braid_io_inproc *inproc;
    braid_io_scratch *scratch;
    braid_io_err *errq; /* error reports (BRAID_IO_ERR_QUEUE), allocated on first use */
    unsigned errq_head, errq_count;
};

/* udp.c: UDP and RAW share the socket code. */
int braid_io_sock_open_(braid_io *io, const braid_addr *locals, unsigned n, uint16_t port);
void braid_io_sock_close_(braid_io *io);
int braid_io_sock_recv_(braid_io *io, braid_io_pkt *pkts, unsigned n);
int braid_io_sock_send_(braid_io *io, const braid_io_pkt *pkts, unsigned n);

/* errq.c: the transport's queue of error reports */
void braid_io_errq_push_(braid_io *io, const braid_io_err *e);
void braid_io_errq_free_(braid_io *io);
/* udp.c: reads a socket's kernel error queue into the transport's; returns
 * how many ICMP reports it read (LOCAL ones not counted). */
unsigned braid_io_sock_drain_errq_(braid_io *io, braid_io_sock *s);

/* raw.c */
int braid_io_raw_socket_(int family);
/* Strips the IPv4 header in front of a received raw packet (hdr: the first
 * 20 bytes, the rest of the packet in p->data[0..len)) and sets p->path.
 * false: not a usable IPv4 packet. */
bool braid_io_raw_strip4_(braid_io_pkt *p, const uint8_t hdr[20], size_t len);

/* inproc.c */
int braid_io_inproc_open_(braid_io *io, int family, const braid_addr *locals, unsigned n,
                          uint16_t port);
void braid_io_inproc_close_(braid_io *io);
int braid_io_inproc_fd_(const braid_io *io);
int braid_io_inproc_recv_(braid_io *io, braid_io_pkt *pkts, unsigned n);
int braid_io_inproc_send_(braid_io *io, const braid_io_pkt *pkts, unsigned n);

/* pcap_env.c: writes packets to the transport's pcap and $BRAID_PCAP.
 * out: true for sent packets. Only call with the pkts that really went. */
void braid_io_trace_(braid_io *io, bool out, const braid_io_pkt *pkts, unsigned n);
void braid_io_pcap_close_(braid_io *io);
bool braid_io_tracing_(const braid_io *io); /* a pcap file is written */

/* A receive or send the transport discards: the counter, and a debug line
 * "drop NAME counter=drop_FIELD transport=KIND:PORT: DETAIL". */
#define BRAID_IO_DROP(io, field, name, ...)                                                        \
    do {                                                                                           \
        (io)->st.field++;                                                                          \
        if (braid_io_log_level() >= BRAID_LOG_DEBUG)                                               \
            braid_io_drop_log_((io), name, #field, __VA_ARGS__);                                   \
    } while (0)
void braid_io_drop_log_(const braid_io *io, const char *name, const char *counter, const char *fmt,
                        ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Records a detailed message for err (this thread) and returns err. */
int braid_io_fail_(int err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Address helpers. */
bool braid_io_addr_is_any(const braid_addr *a);                  /* family 0 or all-zero address */
bool braid_io_addr_eq(const braid_addr *a, const braid_addr *b); /* family and ip */

#endif /* BRAID_IO_INTERNAL */

#endif
