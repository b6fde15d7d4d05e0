/*
 * Internal structures of the engine: endpoint, association, paths.
 *
 * Ownership: the endpoint owns its associations (a doubly linked list and an
 * id counter); an association owns its paths (a small fixed array), its send
 * side (tx/outq.h), its receive side (rx/tsnmap.h, rx/reasm.h) and its pending
 * control output. All memory comes from ep->mem.
 */
#ifndef BRAID_ASSOC_INTERNAL_H
#define BRAID_ASSOC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "braid/braid.h"
#include "core/cc/cc.h"
#include "core/rx/reasm.h"
#include "core/rx/tsnmap.h"
#include "core/tx/outq.h"
#include "core/util/mem.h"
#include "core/util/serial.h"
#include "core/wire/chunk.h"
#include "core/wire/tlv.h"

#define BRAID_COOKIE_KEY_LEN 32
#define BRAID_MAC_LEN 32
#define BRAID_RESP_QUEUE 64    /* stateless replies waiting to be sent */
#define BRAID_RESP_MAX_LEN 512 /* INIT ACK with cookie, ABORT, ERROR */
#define BRAID_HB_INFO_MAX 64   /* heartbeat info we echo back (bigger: truncated reply refused) */
#define BRAID_ABORT_INFO_MAX 128
#define BRAID_UNREC_PARAMS_MAX 256 /* unrecognized INIT / INIT ACK parameters reported */

typedef struct braid_assoc braid_assoc;

/* A destination transport address of an association (RFC 9260 §6.4, §8). */
typedef struct braid_dest {
    braid_addr addr;    /* peer IP + UDP encapsulation port (learned, RFC 6951 §5) */
    unsigned local_idx; /* which of our addresses we send from */
    braid_addr seen_local; /* our address its last packet came to (getsockname) */
    bool active;        /* RFC 9260 §8.2: ACTIVE / INACTIVE */
    bool confirmed;     /* RFC 9260 §5.4 */
    uint32_t error_count;
    braid_rtt rtt;
    braid_cc cc;
    uint32_t flight; /* bytes outstanding on this path */
    uint64_t t3_at;  /* T3-rtx deadline or NEVER */
    uint64_t hb_at;  /* next HEARTBEAT deadline or NEVER */
    bool hb_outstanding;
    bool hb_due_send; /* a HEARTBEAT is to be sent */
    uint64_t hb_sent_at;
    uint64_t hb_nonce;
    uint64_t last_data_sent;
    uint32_t burst_left; /* packets of new data allowed before the next SACK (§6.1 D) */
    /* a HEARTBEAT ACK owed to the peer on this path */
    bool hb_ack_due;
    uint8_t hb_ack_len;
    uint8_t hb_ack_info[BRAID_HB_INFO_MAX];
    braid_path_params pp; /* heartbeat, delayed SACK, Path.Max.Retrans, PMTU of the path */
    uint64_t icmp_at;     /* an ICMP unreachable counts again from here (icmp.c) */
} braid_dest;

/* Control chunks owed to the peer, generated when a packet is built. */
enum {
    CTL_INIT = 1u << 0,
    CTL_COOKIE_ECHO = 1u << 1,
    CTL_COOKIE_ACK = 1u << 2,
    CTL_SHUTDOWN = 1u << 3,
    CTL_SHUTDOWN_ACK = 1u << 4,
    CTL_SHUTDOWN_COMPLETE = 1u << 5,
    CTL_ABORT = 1u << 6,
    CTL_SACK = 1u << 7, /* send a SACK now */
    CTL_ERROR_STREAM = 1u << 8,
    CTL_ERROR_UNRECOGNIZED = 1u << 9,
};

struct braid_assoc {
    braid_assoc *next, *prev;
    braid_endpoint *ep;
    braid_assoc_id id;
    braid_state state;
    uint16_t peer_port;
    uint32_t local_vtag, peer_vtag;
    uint32_t local_tie_tag, peer_tie_tag; /* RFC 9260 §5.2.2 */

    /* paths */
    braid_dest dests[BRAID_MAX_ADDRS];
    unsigned n_dests;
    unsigned primary;
    uint32_t error_count; /* association error counter, RFC 9260 §8.1 */

    /* handshake */
    uint64_t t1_at; /* T1-init / T1-cookie */
    uint32_t init_retrans;
    uint16_t want_os, want_mis; /* what we asked for */
    uint8_t *cookie;            /* COOKIE ECHO to resend, owned */
    size_t cookie_len;
    uint64_t t1_rto;
    bool peer_has_adaptation; /* Adaptation Layer Indication to report at COMM_UP */
    uint32_t peer_adaptation;
    /* unrecognized INIT ACK parameters to report in an ERROR (RFC 9260
     * §3.2.2): the TLVs as received, owned; NULL when none is due */
    uint8_t *unrec_params;
    size_t unrec_params_len;

    /* shutdown */
    uint64_t t2_at; /* T2-shutdown */
    uint64_t t5_at; /* T5-shutdown-guard */
    uint32_t shutdown_retrans;
    bool shutdown_requested; /* user asked; SHUTDOWN-PENDING logic */

    /* streams */
    uint16_t in_streams, out_streams;

    /* send side */
    braid_outq outq;
    uint32_t peer_rwnd;
    uint32_t initial_tsn_local;
    bool fast_recovery;
    uint32_t recovery_exit_tsn;

    /* receive side */
    braid_tsnmap tsnmap;
    braid_reasm reasm;
    uint32_t peer_initial_tsn;
    uint32_t pkts_since_sack; /* DATA-bearing packets not yet acknowledged */
    bool sack_sent_once;      /* a SACK has gone: later ones may be delayed */
    uint64_t autoclose_ns;    /* RFC 6458 §8.1.8 SCTP_AUTOCLOSE (0: off) */
    uint64_t last_active;     /* DATA last sent or received (or COMM_UP) */
    unsigned sack_dest;       /* where the last DATA came from (§6.4) */
    uint64_t sack_at;         /* delayed SACK deadline */
    uint32_t last_rwnd_sent;
    bool data_ready_signalled;
    bool rx_init;             /* tsnmap/reasm/outq set up */
    bool sack_since_t3;       /* the peer answered since the last T3 expiry */
    bool fast_rtx_pending;    /* send marked chunks now, ignoring cwnd (§7.2.4 item 3) */
    uint32_t preservative_ms; /* Cookie Preservative for the next INIT (§5.2.6) */

    /* pending control output */
    uint32_t ctl;
    uint16_t err_stream_sid;
    uint32_t err_stream_tsn;
    uint8_t abort_info[BRAID_ABORT_INFO_MAX];
    uint16_t abort_info_len;
    uint16_t abort_cause; /* cause code when ctl & CTL_ABORT */
    bool abort_then_free;
    uint8_t unrec_chunk[BRAID_HB_INFO_MAX]; /* unrecognized chunk header to report */
    uint16_t unrec_len;

    bool freeing;      /* closed; freed after the last output */
    bool peer_aborted; /* ended by the peer's ABORT (reported in the event) */

    /* the local addresses announced (wildcard-bound endpoints, laddr.c):
     * dests' local_idx index these when n_laddrs > 0 */
    braid_addr laddrs[BRAID_MAX_ADDRS];
    unsigned n_laddrs;

    /* per association options (RFC 6458 §8) */
    braid_path_params pp; /* the association's own; paths added later start from it */
    uint32_t pmtu;        /* packet size: the smallest of the paths' (braid_assoc_sync_pmtu) */
    uint32_t max_seg;     /* SCTP_MAXSEG, 0: none */
    uint32_t rcv_context; /* SCTP_CONTEXT */
    braid_assoc_stats stats;
    uint32_t pkt_data; /* DATA chunks in the packet being built (stats) */
};

/* Stateless replies (INIT ACK, OOTB ABORT, SHUTDOWN COMPLETE, Stale Cookie
 * ERROR): complete packets in a bounded ring, so an INIT flood costs no
 * per-association memory (RFC 9260 §5.1.3). */
typedef struct braid_resp {
    braid_path path;
    uint16_t len;
    uint8_t pkt[BRAID_RESP_MAX_LEN];
} braid_resp;

typedef struct braid_event_node {
    struct braid_event_node *next;
    braid_event ev;
} braid_event_node;

struct braid_endpoint {
    braid_mem mem;
    braid_hooks hooks;
    braid_settings cfg;
    braid_counters ctr;
    braid_assoc *assocs; /* list head */
    unsigned n_assocs;
    braid_assoc_id next_id;
    braid_assoc *rr_next; /* round-robin cursor for output */

    uint8_t cookie_key[BRAID_COOKIE_KEY_LEN];
    bool accept; /* answer INITs from new peers */

    braid_resp resp[BRAID_RESP_QUEUE];
    unsigned resp_head, resp_count;

    braid_event_node *ev_head, *ev_tail;
    unsigned n_events;
    int log_level; /* braid_log_level: the hooks' (0 without a log hook) */
};

/* drop.c: logging. A line at level (braid_log_level), when the endpoint's
 * level takes it; BRAID_EP_LOG tests the level before the arguments are
 * evaluated. */
void braid_ep_log(braid_endpoint *ep, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
#define BRAID_EP_LOG(ep, level, ...)                                                               \
    do {                                                                                           \
        if ((ep)->log_level >= (level))                                                            \
            braid_ep_log((ep), (level), __VA_ARGS__);                                              \
    } while (0)
/* The level an endpoint with these hooks logs at. */
int braid_ep_log_level(const braid_hooks *h);

/* drop.c: discards. Every packet or chunk the engine drops goes through
 * BRAID_DROP or BRAID_DROPF (never a bare counter increment: a test greps
 * for them): the reason's braid_counters field and the association's drop
 * count go up, and at BRAID_LOG_DEBUG one line is logged with the reason,
 * the counter, what is known of the packet (path, header, association and
 * chunk type: each may be NULL / -1) and, for BRAID_DROPF, a detail. Below
 * debug nothing is formatted and the detail's arguments are not evaluated. */
void braid_drop_count(braid_endpoint *ep, braid_drop_reason r, braid_assoc *a);
void braid_drop_log(braid_endpoint *ep, braid_drop_reason r, const braid_assoc *a,
                    const braid_path *path, const braid_common_header *h, int chunk,
                    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;
#define BRAID_DROPF(ep, r, a, path, h, chunk, ...)                                                 \
    do {                                                                                           \
        braid_endpoint *drop_ep_ = (ep);                                                           \
        braid_assoc *drop_a_ = (a);                                                                \
        braid_drop_count(drop_ep_, (r), drop_a_);                                                  \
        if (drop_ep_->log_level >= BRAID_LOG_DEBUG)                                                \
            braid_drop_log(drop_ep_, (r), drop_a_, (path), (h), (chunk), __VA_ARGS__);             \
    } while (0)
#define BRAID_DROP(ep, r, a, path, h, chunk) BRAID_DROPF(ep, r, a, path, h, chunk, "%s", "")

struct braid_sbuf;
/* "1.2.3.4:9899" / "[::1]:9899" (RFC 5952 form), into a string builder. */
void braid_addr_format(struct braid_sbuf *b, const braid_addr *x);

/* endpoint.c */
uint32_t braid_ep_random32(braid_endpoint *ep);
uint32_t braid_ep_random_tag(braid_endpoint *ep); /* never 0 (RFC 9260 §5.1) */
/* Queues an event; NULL (counted drop_event_full) when max_events are queued,
 * except for ASSOC_CHANGE and SEND_FAILED. */
braid_event *braid_ep_push_event(braid_endpoint *ep, braid_event_type type, braid_assoc_id id);
/* The same without the limit. */
braid_event *braid_ep_push_event_always(braid_endpoint *ep, braid_event_type type,
                                        braid_assoc_id id);
braid_resp *braid_ep_resp_slot(braid_endpoint *ep); /* NULL when the ring is full (counted) */
braid_assoc *braid_ep_find_assoc(braid_endpoint *ep, const braid_addr *remote, uint16_t port);
bool braid_addr_equal_ip(const braid_addr *a, const braid_addr *b);

/* assoc.c */
braid_assoc *braid_assoc_new(braid_endpoint *ep, uint16_t peer_port);
void braid_assoc_free(braid_assoc *a);
int braid_assoc_add_dest(braid_assoc *a, const braid_addr *addr, bool confirmed);
int braid_assoc_find_dest(const braid_assoc *a, const braid_addr *addr);
/* Sets up streams, TSN state and windows once both INITs are known. */
int braid_assoc_setup(braid_assoc *a, uint32_t my_tsn, uint32_t peer_tsn, uint32_t peer_rwnd,
                      uint16_t out_streams, uint16_t in_streams, uint64_t now);
void braid_assoc_established(braid_assoc *a, uint64_t now);
/* Ends the association: COMM_LOST (or CANT_STR_ASSOC before it was up),
 * send-failed events for queued data, then frees it. */
void braid_assoc_lost(braid_assoc *a, uint16_t error, const uint8_t *info, size_t info_len);
/* Processes the chunks of a packet (chunks: the bytes after the common
 * header, or after a leading COOKIE ECHO). tbit: the packet holds an ABORT
 * or SHUTDOWN COMPLETE with the T bit, the only chunks with a tag rule of
 * their own (§8.5.1 B, C); without one, the packet's tag alone decides. */
void braid_assoc_handle_chunks(braid_assoc *a, const braid_path *path, const braid_common_header *h,
                               const uint8_t *chunks, size_t len, bool tbit, uint64_t now);
/* Received messages not yet read (kept after the association ended). */
bool braid_assoc_unread(const braid_assoc *a);
/* Hands queued data back (SEND_FAILED) and drops receive state. */
void braid_assoc_fail_pending(braid_assoc *a);
uint64_t braid_assoc_next_expiry(const braid_assoc *a);
/* Drops the queued messages whose lifetime (RFC 6458 §5.3.2) has passed
 * and that nothing was sent of, with their SEND_FAILED events. */
void braid_assoc_expire(braid_assoc *a, uint64_t now);
void braid_assoc_timers(braid_assoc *a, uint64_t now);
void braid_assoc_on_data_sent(braid_assoc *a, unsigned dest, uint64_t now);
uint32_t braid_assoc_local_rwnd(const braid_assoc *a);
/* SHUTDOWN-PENDING / -RECEIVED: move on once all our data is acknowledged. */
void braid_assoc_check_shutdown(braid_assoc *a, uint64_t now);

/* Marks the destination INACTIVE once its error count passes
 * Path.Max.Retrans (§8.2), with the event and a new primary. */
void braid_assoc_dest_check(braid_assoc *a, unsigned idx);

/* laddr.c: wildcard-bound endpoints (no local address in the settings,
 * hooks.host_addrs set). Fills out (BRAID_MAX_ADDRS) with the addresses to
 * announce to a peer at peer (RFC 9260 §5.1.2, Linux's scope rules), first
 * (the packet's local address, if known) first; the count (0: none). */
unsigned braid_laddr_pick(braid_endpoint *ep, const braid_addr *peer, const braid_addr *first,
                          braid_addr *out);
/* The association's list (a->laddrs) for its peer at peer, first first,
 * and every destination's source from it. */
void braid_laddr_setup(braid_assoc *a, const braid_addr *peer, const braid_addr *first);
/* The index in a->laddrs of the source for remote: the routing's choice if
 * announced, else the first of remote's family; -1: none of that family. */
int braid_laddr_for(braid_assoc *a, const braid_addr *remote);

/* handshake.c */
int braid_hs_send_init(braid_assoc *a, uint64_t now);
void braid_hs_on_init(braid_endpoint *ep, braid_assoc *a, const braid_path *path,
                      const braid_common_header *h, const braid_chunk_view *v, uint64_t now);
void braid_hs_on_init_ack(braid_assoc *a, const braid_path *path, const braid_chunk_view *v,
                          uint64_t now);
/* Returns the association the cookie belongs to (new or existing), or NULL. */
braid_assoc *braid_hs_on_cookie_echo(braid_endpoint *ep, braid_assoc *a, const braid_path *path,
                                     const braid_common_header *h, const braid_chunk_view *v,
                                     uint64_t now);
void braid_hs_on_cookie_ack(braid_assoc *a, uint64_t now);
void braid_hs_on_error(braid_assoc *a, const braid_chunk_view *v, uint64_t now);
size_t braid_hs_write_init(braid_assoc *a, braid_wr *w);

/* output.c */
int braid_assoc_write_pkt(braid_assoc *a, braid_path *path, uint8_t *buf, size_t cap, uint64_t now);
bool braid_assoc_has_output(const braid_assoc *a, uint64_t now);

/* a->pmtu from the paths' (the smallest). */
void braid_assoc_sync_pmtu(braid_assoc *a);
/* Largest DATA payload: PMTU less the common and DATA headers, at most
 * max_seg, a multiple of 4 (as Linux's sctp_assoc_update_frag_point). */
uint32_t braid_assoc_frag_point(const braid_assoc *a);
/* When an idle confirmed path is heartbeated next (NEVER: heartbeats off). */
uint64_t braid_assoc_hb_next(braid_assoc *a, const braid_dest *d, uint64_t now);
/* Keeps the highest RTO seen (braid_assoc_stats.max_rto_ns). */
void braid_assoc_note_rto(braid_assoc *a, unsigned d);

/* Copies an address's IP and port into a path's local side. */
void braid_path_for_dest(const braid_assoc *a, unsigned d, braid_path *p);

#endif
