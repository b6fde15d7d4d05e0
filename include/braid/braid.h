/*
 * braid: a userspace SCTP stack (RFC 9260) in C11.
 *
 * This header is the sans-I/O core API. Everything returns 0 (or a length) on
 * success and a negative braid_error on failure.
 */
#ifndef BRAID_BRAID_H
#define BRAID_BRAID_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility: what these headers declare
 * is its whole exported interface. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#define BRAID_VERSION_STRING "0.1.0"

/* Error codes. Codec errors name exactly what was wrong with the bytes. */
typedef enum braid_error {
    BRAID_OK = 0,
    /* packet / chunk framing */
    BRAID_ERR_TRUNCATED = -1,      /* fewer bytes than a fixed header needs */
    BRAID_ERR_CHUNK_ZERO_LEN = -2, /* chunk length field is 0 */
    BRAID_ERR_CHUNK_LEN = -3,      /* chunk length below its header size */
    BRAID_ERR_CHUNK_OVERRUN = -4,  /* chunk length beyond the end of the packet */
    BRAID_ERR_CHUNK_PADDING = -5,  /* chunk padding missing at the end of the packet */
    /* parameters and error causes (TLVs inside a chunk) */
    BRAID_ERR_PARAM_LEN = -6,     /* TLV length below 4 (or 0) */
    BRAID_ERR_PARAM_OVERRUN = -7, /* TLV runs past the end of its chunk */
    BRAID_ERR_PARAM_PADDING = -8, /* padding of a non-final TLV missing */
    BRAID_ERR_PARAM_VALUE = -9,   /* TLV value has the wrong size for its type */
    /* chunk content */
    BRAID_ERR_CHUNK_VALUE = -10,   /* fixed part of a chunk has the wrong size */
    BRAID_ERR_INIT_ZERO_TAG = -11, /* INIT/INIT ACK Initiate Tag is 0 (RFC 9260 §3.3.2) */
    BRAID_ERR_INIT_RWND = -12,     /* a_rwnd below 1500 (RFC 9260 §3.3.2) */
    BRAID_ERR_INIT_STREAMS = -13,  /* OS or MIS is 0 (RFC 9260 §3.3.2) */
    BRAID_ERR_DATA_EMPTY = -14,    /* DATA/I-DATA with no user data (RFC 9260 §6.2) */
    BRAID_ERR_MISSING_PARAM = -15, /* a mandatory parameter is absent */
    BRAID_ERR_UNKNOWN_TYPE = -16,  /* asked to encode a type the codec does not know */
    /* general */
    BRAID_ERR_NOSPACE = -20, /* output buffer too small */
    BRAID_ERR_INVAL = -21,   /* invalid argument */
    BRAID_ERR_CHECKSUM = -22,
    BRAID_ERR_NOMEM = -23,
    BRAID_ERR_AGAIN = -24,    /* would block: buffer full / nothing ready */
    BRAID_ERR_NOTFOUND = -25, /* no such association */
    BRAID_ERR_STATE = -26,    /* not allowed in the association's state */
    BRAID_ERR_MSGSIZE = -27,  /* message larger than allowed */
    BRAID_ERR_LIMIT = -28,    /* a configured limit was reached */
} braid_error;

/* A static, human-readable name for an error code. */
const char *braid_strerror(int err);

/* ------------------------------------------------------------------------
 * The sans-I/O engine.
 *
 * An endpoint (one local SCTP port, one or more local addresses) owns its
 * associations. The caller feeds it received packets, pulls packets to send,
 * drives its timers and pulls events; time is always an argument
 * (nanoseconds on a monotonic clock). Memory, randomness and the cookie MAC
 * come from hooks. One endpoint is single-threaded.
 * ------------------------------------------------------------------------ */

typedef struct braid_endpoint braid_endpoint;
/* Ids start at BRAID_ASSOC_ID_FIRST: 0..2 are never handed out, so that they
 * serve RFC 6458's sctp_assoc_t unchanged (its wildcards are 0..2). */
typedef uint32_t braid_assoc_id;
#define BRAID_ASSOC_ID_FIRST 3

#define BRAID_TIME_NEVER UINT64_MAX
/* The smallest SCTP packet size: Linux's smallest path MTU (512,
 * SCTP_DEFAULT_MINSEGMENT) less an IPv6 and a UDP header. */
#define BRAID_MIN_PMTU 464
#define BRAID_MAX_ADDRS 8 /* addresses per side of an association */

/* An IP address plus the UDP port used for encapsulation (RFC 6951); the
 * UDP port is 0 for raw IP. */
typedef struct braid_addr {
    uint8_t family; /* 4 or 6 */
    uint8_t ip[16]; /* 4 bytes used for IPv4 */
    uint16_t udp_port;
} braid_addr;

/* Where a packet came from / goes to. */
typedef struct braid_path {
    braid_addr local;
    braid_addr remote;
} braid_path;

/* Log levels (braid_hooks.log_level; $BRAID_LOG for braid_hooks_default).
 * Each line the engine hands to the log hook starts with its level's name
 * and a colon ("debug: drop bad_crc ..."). */
typedef enum braid_log_level {
    BRAID_LOG_OFF = 0,
    BRAID_LOG_ERROR = 1,
    BRAID_LOG_WARN = 2,
    BRAID_LOG_INFO = 3,  /* association events: T3 expiries, fast retransmits, ICMP */
    BRAID_LOG_DEBUG = 4, /* also every discarded packet or chunk (braid_drop_reason) */
} braid_log_level;

/* Hooks. Any may be NULL for the default (malloc/free; no randomness is a
 * configuration error: the default uses a weak generator and is only for
 * tests; io provides OpenSSL's RAND_bytes and HMAC-SHA256). */
typedef struct braid_hooks {
    void *(*alloc)(void *user, size_t size);
    void (*free)(void *user, void *ptr, size_t size);
    void (*random)(void *user, uint8_t *out, size_t len);
    /* out = MAC(key, data); 32 bytes. */
    void (*mac)(void *user, const uint8_t key[32], const uint8_t *data, size_t len,
                uint8_t out[32]);
    void (*log)(void *user, const char *line);
    void *user;
    /* Optional: a new association id (>= BRAID_ASSOC_ID_FIRST), unique among
     * all the endpoints of the caller, as RFC 6458 ids are unique in a
     * system; NULL: each endpoint counts its own from BRAID_ASSOC_ID_FIRST. */
    uint32_t (*assoc_id)(void *user);
    /* Optional, for endpoints with no local address in their settings (bound
     * to the wildcard). host_addrs: the host's addresses (at most max into
     * out; the count). With it, such an endpoint lists in its INIT and INIT
     * ACK the addresses in scope for the peer (RFC 9260 §5.1.2, Linux's
     * rules: an address of the peer's family whose scope (loopback, link,
     * private, global) is no narrower than the peer's; no IPv6 link-local
     * ones), and each path's packets leave from one of them. route_src: the
     * source the host's routing picks for remote (0, or <0 without a route):
     * the first INIT's source and each path's preferred one. NULL: the
     * addresses are left out (the peer uses the packets' source) and the
     * host picks each packet's source. */
    unsigned (*host_addrs)(void *user, braid_addr *out, unsigned max);
    int (*route_src)(void *user, const braid_addr *remote, braid_addr *src);
    /* The most detailed braid_log_level passed to log; lines above it are
     * not even formatted. 0: every line (BRAID_LOG_DEBUG). */
    int log_level;
} braid_hooks;

typedef struct braid_settings {
    uint16_t local_port; /* SCTP port */
    braid_addr local_addrs[BRAID_MAX_ADDRS];
    unsigned n_local_addrs;
    uint16_t outbound_streams;     /* OS we ask for (RFC 9260 §5.1.1), default 10 */
    uint16_t max_inbound_streams;  /* MIS we accept, default 65535 */
    uint32_t rcvbuf;               /* receive buffer = advertised rwnd, default 256 KiB */
    uint32_t sndbuf;               /* send buffer limit, default 256 KiB */
    uint32_t pmtu;                 /* path MTU for SCTP packets (IP+UDP excluded), default 1452,
                                    * at least BRAID_MIN_PMTU */
    uint64_t rto_initial_ns;       /* RTO.Initial, default 1 s (RFC 9260 §16) */
    uint64_t rto_min_ns;           /* RTO.Min, default 1 s */
    uint64_t rto_max_ns;           /* RTO.Max, default 60 s */
    uint32_t max_burst;            /* Max.Burst, default 4 */
    uint32_t assoc_max_retrans;    /* Association.Max.Retrans, default 10 */
    uint32_t path_max_retrans;     /* Path.Max.Retrans, default 5 */
    uint32_t max_init_retrans;     /* Max.Init.Retransmits, default 8 */
    uint64_t hb_interval_ns;       /* HB.interval, default 30 s; 0 disables */
    uint64_t valid_cookie_life_ns; /* Valid.Cookie.Life, default 60 s */
    uint64_t sack_delay_ns;        /* delayed SACK, default 200 ms */
    uint32_t sack_freq;            /* SACK every Nth packet, default 2 */
    int nodelay;                   /* 1: send partial packets at once (no Nagle) */
    uint32_t max_assocs;           /* per-endpoint limit, default 1024 */
    uint32_t adaptation_ind;       /* sent when has_adaptation */
    int has_adaptation;
    int check_crc;     /* verify CRC32c on input, default 1 */
    uint32_t pd_point; /* partial delivery point (RFC 6458 §8.1.21); 0: only when
                        * the receive buffer is full */
    /* Resource limits against a hostile peer (issue #7). rcvbuf bounds what
     * one association holds of received data (each DATA chunk counts as at
     * least 256 bytes against it, so tiny chunks cannot multiply the memory
     * per byte of window); sndbuf bounds what is queued to send. */
    uint32_t max_assocs_per_peer; /* associations with one peer IP address, default 64;
                                   * 0: no limit but max_assocs */
    uint32_t max_events;          /* notifications queued and not yet polled, default 4096
                                   * (0: no limit); ASSOC_CHANGE other than RESTART and
                                   * SEND_FAILED are always queued (each is bounded by the
                                   * associations and the send buffer) */
    int serve_any_port; /* 1: packets to any SCTP port are taken (local_port is then
                         * only the default): a host's responder for ports no
                         * endpoint serves (RFC 9260 §8.4), with accepting off */
    /* Added for the Linux socket options (RFC 6458 §8). A zero keeps the
     * behaviour of settings made before they existed. */
    uint64_t max_init_timeo_ns; /* cap of the T1-init / T1-cookie back-off (RFC 6458 §8.1.3
                                 * sinit_max_init_timeo; RFC 9260 §5.1, §6.3.3), default
                                 * 60 s; 0: RTO.Max. RTO.Max itself is not touched. */
    uint32_t max_seg;    /* largest DATA payload per chunk (SCTP_MAXSEG); 0: what the PMTU allows */
    uint32_t pf_retrans; /* potentially-failed threshold (RFC 7829): kept and reported only */
    uint32_t ps_retrans; /* primary switchover threshold: kept and reported only */
    uint32_t rcv_context; /* context of received messages (SCTP_CONTEXT) for new associations */
    int no_pmtud;         /* new associations report PMTU discovery off (SPP_PMTUD_DISABLE) */
    uint64_t autoclose_ns; /* new associations idle this long are shut down (RFC 6458
                            * §8.1.8 SCTP_AUTOCLOSE); 0: never (the default) */
} braid_settings;

void braid_settings_default(braid_settings *s);

/* For embedders: hooks for a real program (malloc/free, getrandom,
 * OpenSSL HMAC-SHA256 for the cookie, the host's addresses; a log sink when
 * $BRAID_LOG is set), and the monotonic clock, in nanoseconds, that the
 * engine's times are meant to come from. */
void braid_hooks_default(braid_hooks *h);
uint64_t braid_now_ns(void);
/* 0 if an endpoint accepts these settings (braid_endpoint_new,
 * braid_endpoint_update_settings), else BRAID_ERR_INVAL. */
int braid_settings_check(const braid_settings *s);

int braid_endpoint_new(braid_endpoint **out, const braid_settings *s, const braid_hooks *h);
void braid_endpoint_free(braid_endpoint *ep);

/* Feeds one received SCTP packet (without IP/UDP headers). Returns 0, or a
 * negative error for a packet that was discarded (also counted). */
int braid_endpoint_read_pkt(braid_endpoint *ep, const braid_path *path, const uint8_t *pkt,
                            size_t len, uint64_t now);
/* Fills buf with the next packet due and *path with where it goes. Returns
 * its length, 0 when nothing is due, or a negative error. */
int braid_endpoint_write_pkt(braid_endpoint *ep, braid_path *path, uint8_t *buf, size_t cap,
                             uint64_t now);
/* The earliest timer deadline, BRAID_TIME_NEVER when none. */
uint64_t braid_endpoint_next_expiry(const braid_endpoint *ep);
/* Runs every timer due at now. */
void braid_endpoint_handle_expiry(braid_endpoint *ep, uint64_t now);

/* ---- associations ---- */

typedef struct braid_connect_opts {
    uint16_t peer_port;           /* SCTP port of the peer */
    uint16_t outbound_streams;    /* 0: endpoint setting */
    uint16_t max_inbound_streams; /* 0: endpoint setting */
} braid_connect_opts;

/* Starts an association (sends INIT). */
int braid_assoc_connect(braid_endpoint *ep, const braid_addr *peers, unsigned n_peers,
                        const braid_connect_opts *opts, uint64_t now, braid_assoc_id *out);

enum {
    BRAID_SEND_UNORDERED = 1,
    BRAID_SEND_EOF = 2, /* graceful shutdown after this message */
};

typedef struct braid_send_info {
    uint16_t sid;
    uint32_t ppid;
    uint32_t flags;   /* BRAID_SEND_* */
    uint32_t context; /* handed back in send-failed events */
    /* Lifetime (RFC 6458 §5.3.2 sinfo_timetolive), from the send call; 0:
     * none. A message not yet sent at all when it runs out is dropped and
     * handed back in SEND_FAILED events, one per fragment (sent 0, error 0,
     * as Linux); one already (partly) sent stays reliable, PR-SCTP (RFC
     * 3758) not being negotiated. */
    uint64_t lifetime_ns;
} braid_send_info;

/* Queues one message (copied). BRAID_ERR_AGAIN when the send buffer is full,
 * BRAID_ERR_EMSGSIZE, BRAID_ERR_INVAL (stream out of range), ... */
int braid_assoc_send(braid_endpoint *ep, braid_assoc_id id, const braid_send_info *info,
                     const void *data, size_t len, uint64_t now);

enum {
    BRAID_RECV_UNORDERED = 1,
    BRAID_RECV_EOR = 2, /* last piece of the message (always set for whole messages) */
};

typedef struct braid_recv_info {
    braid_assoc_id assoc;
    uint16_t sid;
    uint16_t ssn;
    uint32_t mid;
    uint32_t tsn; /* of the first fragment */
    uint32_t ppid;
    uint32_t flags; /* BRAID_RECV_* */
    uint32_t cumtsn;
    uint32_t context; /* the association's rcv_context (SCTP_CONTEXT) */
} braid_recv_info;

/* Copies the next message (or its next piece when it is larger than cap) of
 * any association into buf. Returns the bytes copied, BRAID_ERR_AGAIN if
 * nothing is ready. */
int braid_endpoint_recv(braid_endpoint *ep, braid_recv_info *info, void *buf, size_t cap,
                        uint64_t now);

/* Like braid_endpoint_recv, for one association only (also one that has ended and
 * still holds received messages). BRAID_ERR_NOTFOUND if there is none. */
int braid_assoc_recv(braid_endpoint *ep, braid_assoc_id id, braid_recv_info *info, void *buf,
                     size_t cap, uint64_t now);
/* What the next read of the association would return, without reading it
 * (RFC 6458 §5.3.6 SCTP_NXTINFO): its info (BRAID_RECV_EOR set when the
 * whole message is here) and the bytes of it that are here. 0, or
 * BRAID_ERR_AGAIN when nothing is ready. */
int braid_assoc_next_msg(const braid_endpoint *ep, braid_assoc_id id, braid_recv_info *info,
                         uint32_t *len);
/* As braid_assoc_recv, but the bytes stay to be read again (MSG_PEEK). */
int braid_assoc_peek(braid_endpoint *ep, braid_assoc_id id, braid_recv_info *info, void *buf,
                     size_t cap);
/* 1 when the association has a message (or piece) ready for braid_endpoint_recv. */
int braid_assoc_readable(const braid_endpoint *ep, braid_assoc_id id);
/* The lowest association id above `after` with something to read, or 0. */
braid_assoc_id braid_next_readable(const braid_endpoint *ep, braid_assoc_id after);
/* The lowest id above `after` of an association that exists (not ended), or
 * 0: for (id = braid_next_assoc(ep, 0); id; id = braid_next_assoc(ep, id)). */
braid_assoc_id braid_next_assoc(const braid_endpoint *ep, braid_assoc_id after);
/* Bytes the send buffer still takes for the association (0 if none). */
size_t braid_assoc_send_space(const braid_endpoint *ep, braid_assoc_id id);
/* The association with this peer address and SCTP port, or 0. */
braid_assoc_id braid_find_assoc(braid_endpoint *ep, const braid_addr *peer, uint16_t port);
/* The peer's primary address and SCTP port (also after the end). */
int braid_assoc_peer(const braid_endpoint *ep, braid_assoc_id id, braid_addr *addr, uint16_t *port);
/* 1 while some association still has work (is up, or is shutting down). */
int braid_endpoint_busy(const braid_endpoint *ep);
/* Whether INITs from new peers are answered (a listening socket) or
 * refused with an ABORT (RFC 9260 §8.4 item 3). Default: answered. */
void braid_endpoint_set_accept(braid_endpoint *ep, int accept);
/* Reads / changes settings; changes apply to new associations, and to
 * existing ones where that makes sense (nodelay, buffers, RTO bounds).
 * What braid_path_params holds (heartbeats, delayed SACK, Path.Max.Retrans,
 * PMTU) and max_seg / rcv_context go to new associations only, as Linux's
 * endpoint defaults: braid_path_params_set and the braid_assoc_set_* calls
 * change existing ones. BRAID_ERR_INVAL for bad values. */
void braid_endpoint_get_settings(const braid_endpoint *ep, braid_settings *s);
int braid_endpoint_update_settings(braid_endpoint *ep, const braid_settings *s);

/* Graceful shutdown (RFC 9260 §9.2) once queued data is delivered. */
int braid_assoc_shutdown(braid_endpoint *ep, braid_assoc_id id, uint64_t now);
/* ABORT with a User-Initiated Abort cause carrying reason (may be NULL). */
int braid_assoc_abort(braid_endpoint *ep, braid_assoc_id id, const void *reason, size_t len,
                      uint64_t now);

typedef enum braid_state {
    BRAID_STATE_CLOSED = 0,
    BRAID_STATE_COOKIE_WAIT,
    BRAID_STATE_COOKIE_ECHOED,
    BRAID_STATE_ESTABLISHED,
    BRAID_STATE_SHUTDOWN_PENDING,
    BRAID_STATE_SHUTDOWN_SENT,
    BRAID_STATE_SHUTDOWN_RECEIVED,
    BRAID_STATE_SHUTDOWN_ACK_SENT,
} braid_state;

typedef struct braid_path_status {
    braid_addr addr;
    braid_addr local; /* our address the peer last reached us at (family 0: none yet) */
    int active;    /* 1 when reachable */
    int confirmed; /* heartbeat confirmed */
    uint64_t srtt_ns, rttvar_ns, rto_ns;
    uint32_t cwnd, ssthresh, flight;
    uint32_t pmtu;
    uint32_t error_count;
} braid_path_status;

typedef struct braid_assoc_status {
    braid_state state;
    uint16_t peer_port;
    uint16_t in_streams, out_streams;
    uint32_t peer_rwnd;   /* what the peer last advertised */
    uint32_t local_rwnd;  /* what we advertise now */
    uint32_t unacked;     /* DATA chunks in flight */
    uint32_t pending;     /* DATA chunks queued, not yet sent */
    uint32_t frag_point;  /* largest DATA payload per chunk (PMTU and max_seg, a multiple of 4) */
    uint32_t max_seg;     /* the association's SCTP_MAXSEG (0: none) */
    uint32_t rcv_context; /* its SCTP_CONTEXT */
    unsigned primary;     /* index into paths */
    unsigned n_paths;
    braid_path_status paths[BRAID_MAX_ADDRS];
    uint32_t local_vtag, peer_vtag;
    uint32_t next_tsn; /* the TSN our next DATA chunk gets */
    uint32_t cum_tsn;  /* the peer's DATA acknowledged up to here */
} braid_assoc_status;

int braid_assoc_status_get(const braid_endpoint *ep, braid_assoc_id id, braid_assoc_status *st);

/* ---- per association and per path parameters (RFC 6458 §8.1.12, §8.1.19,
 * §8.1.16, §8.1.25; Linux SCTP_PEER_ADDR_THLDS) ---- */

/* What an association (its defaults for paths added later) and each of its
 * paths have of their own. A new association takes them from the
 * endpoint's settings (hb_interval_ns 0 there: heartbeats off). */
typedef struct braid_path_params {
    uint64_t hb_interval_ns;   /* HB.interval (RFC 9260 §8.3), added to the RTO */
    uint64_t sack_delay_ns;    /* delayed SACK timer (§6.2) */
    uint32_t sack_freq;        /* SACK at least every this many packets with DATA */
    uint32_t path_max_retrans; /* Path.Max.Retrans (§8.2) */
    uint32_t pf_retrans;       /* kept and reported only (no PF state in braid) */
    uint32_t ps_retrans;       /* kept and reported only */
    uint32_t pmtu;             /* SCTP packet size on the path, IP and UDP excluded */
    uint8_t hb_on;             /* heartbeats on (an interval of 0: every RTO) */
    uint8_t sack_delay_on;     /* 0: a SACK for every packet with DATA */
    uint8_t pmtud_on;          /* PMTU discovery asked for: kept only (braid does none) */
} braid_path_params;

/* addr NULL: the association's own values; else those of its path to addr.
 * BRAID_ERR_NOTFOUND: no such association or path. */
int braid_path_params_get(const braid_endpoint *ep, braid_assoc_id id, const braid_addr *addr,
                          braid_path_params *p);
/* Sets them (addr NULL: the association's own only, not its paths'). A
 * heartbeat timer is brought forward to the new interval at once. The
 * association's packet size is the smallest of its paths' (as Linux). */
int braid_path_params_set(braid_endpoint *ep, braid_assoc_id id, const braid_addr *addr,
                          const braid_path_params *p, uint64_t now);
/* A HEARTBEAT on the path now (RFC 9260 §8.3, RFC 6458 SPP_HB_DEMAND). */
int braid_assoc_heartbeat(braid_endpoint *ep, braid_assoc_id id, const braid_addr *addr,
                          uint64_t now);
/* Makes addr the primary path (RFC 9260 §6.4, RFC 6458 §8.1.9): DATA goes
 * there while it is active; a PEER_ADDR_CHANGE ADDR_MADE_PRIM event follows. */
int braid_assoc_set_primary(braid_endpoint *ep, braid_assoc_id id, const braid_addr *addr);
/* SCTP_MAXSEG of one association: the largest DATA payload (0: what the
 * PMTU allows); braid_assoc_status's frag_point follows it. */
int braid_assoc_set_max_seg(braid_endpoint *ep, braid_assoc_id id, uint32_t max_seg);
/* SCTP_CONTEXT of one association: handed back in braid_recv_info.context. */
int braid_assoc_set_rcv_context(braid_endpoint *ep, braid_assoc_id id, uint32_t context);

/* Counters of one association, as Linux's SCTP_GET_ASSOC_STATS has them. */
typedef struct braid_assoc_stats {
    uint64_t max_rto_ns; /* highest RTO of any path since the last read (0: none) */
    braid_addr max_rto_addr;
    uint64_t isacks, osacks;           /* SACKs received / sent */
    uint64_t ipackets, opackets;       /* packets of the association received / sent */
    uint64_t rtxchunks;                /* DATA chunks retransmitted */
    uint64_t outofseqtsns;             /* DATA received above the next expected TSN */
    uint64_t idupchunks;               /* duplicate DATA received */
    uint64_t gapcnt;                   /* gap ack blocks received */
    uint64_t ouodchunks, oodchunks;    /* unordered / ordered DATA chunks sent, retransmitted too */
    uint64_t iuodchunks, iodchunks;    /* unordered / ordered DATA chunks received */
    uint64_t octrlchunks, ictrlchunks; /* control chunks sent / received */
    /* braid's own (not in Linux's struct) */
    uint64_t t3_expiries;      /* T3-rtx expiries on any path */
    uint64_t fast_retransmits; /* DATA chunks fast-retransmitted (§7.2.4) */
    uint64_t drops;            /* packets or chunks of it discarded (any braid_drop_reason) */
} braid_assoc_stats;

/* Fills *out; the read starts a new max_rto period (as Linux). */
int braid_assoc_stats_get(braid_endpoint *ep, braid_assoc_id id, braid_assoc_stats *out);
/* The same without starting a new period (monitoring: braid-stat). */
int braid_assoc_stats_peek(const braid_endpoint *ep, braid_assoc_id id, braid_assoc_stats *out);
/* Only the state (cheap: for readiness checks on every call), or
 * BRAID_ERR_NOTFOUND where braid_assoc_status_get would say so. */
int braid_assoc_state_get(const braid_endpoint *ep, braid_assoc_id id);

/* ---- ICMP (RFC 9260 Appendix C, RFC 6951 §5.5) ---- */

/* What an ICMP message (or the host refusing a send) says about a packet
 * we sent; the caller maps ICMP types and codes to these. */
typedef enum braid_icmp_kind {
    /* Destination Unreachable (no route, host, administratively
     * prohibited), Time Exceeded, a send refused for want of a route:
     * Appendix C ICMP9 */
    BRAID_ICMP_UNREACH = 1,
    /* Protocol Unreachable, ICMPv6 Parameter Problem "Unrecognized Next
     * Header"; over UDP encapsulation Port Unreachable (RFC 6951 §5.5 maps
     * it to these): Appendix C ICMP8 */
    BRAID_ICMP_PROTO_UNREACH = 2,
    /* Fragmentation Needed / Packet Too Big: Appendix C ICMP7, mtu below */
    BRAID_ICMP_FRAG_NEEDED = 3,
} braid_icmp_kind;

typedef struct braid_icmp {
    braid_icmp_kind kind;
    uint32_t mtu; /* FRAG_NEEDED: the largest SCTP packet the path takes (IP and UDP
                   * headers excluded) */
} braid_icmp;

/*
 * An ICMP message about a packet of ours. path->remote is the quoted
 * packet's destination (address and UDP port), quoted/len the packet as
 * quoted, from its SCTP common header. The association is found by the
 * quoted ports and the destination (ICMP5), the quoted verification tag
 * checked (ICMP6: the peer's tag, or 0 with an INIT whose Initiate Tag is
 * ours). Then: in COOKIE-WAIT an unreachable (or protocol unreachable)
 * destination ends the attempt, as Linux's sctp_sf_cookie_wait_icmp_abort
 * (another active destination, if any, gets the INIT instead); otherwise an
 * unreachable destination counts one error on its path, at most one per
 * RTO (ICMP9); FRAG_NEEDED lowers the path's PMTU (ICMP7).
 *
 * Returns the id of the association whose setup ended (its ASSOC_CHANGE
 * CANT_STR_ASSOC is queued), 0 when the message was taken otherwise, or a
 * negative error when it was discarded (counted in icmp_dropped):
 * BRAID_ERR_TRUNCATED (too few bytes quoted), BRAID_ERR_NOTFOUND (no such
 * association), BRAID_ERR_STATE (tag mismatch).
 */
int braid_endpoint_icmp(braid_endpoint *ep, const braid_path *path, const braid_icmp *icmp,
                        const uint8_t *quoted, size_t len, uint64_t now);

/* Counters: every discard is named. */
typedef struct braid_counters {
    uint64_t pkts_in, pkts_out, bytes_in, bytes_out;
    uint64_t data_chunks_in, data_chunks_out, user_msgs_in, user_msgs_out;
    uint64_t retransmits, fast_retransmits, t3_expiries;
    uint64_t sacks_in, sacks_out, dup_tsns_in;
    /* discards */
    uint64_t drop_bad_crc, drop_malformed, drop_ootb, drop_bad_vtag, drop_no_state, drop_bad_cookie,
        drop_stale_cookie, drop_unknown_chunk, drop_out_of_window, drop_assoc_limit, drop_rwnd_full;
    /* drop_no_state: a chunk not allowed in the association's state;
     * drop_assoc_limit: COOKIE ECHO refused (ABORT Out of Resource) at
     * max_assocs or max_assocs_per_peer; drop_out_of_window: DATA too far
     * above the cum ack for the window or a SACK gap block */
    uint64_t drop_resp_full; /* stateless reply ring full (INIT flood) */
    uint64_t drop_bad_stream, drop_protocol_violation;
    uint64_t ootb_aborts_sent;
    uint64_t drop_stale_sack; /* SACK older than the cum ack point (RFC 9260 §6.2.1 D i) */
    uint64_t drop_bad_hb_ack; /* HEARTBEAT ACK not answering our outstanding HEARTBEAT */
    uint64_t drop_event_full; /* notification not queued: max_events reached */
    uint64_t icmp_in;         /* ICMP messages taken (braid_endpoint_icmp) */
    uint64_t icmp_dropped;    /* ICMP messages discarded: unknown association, bad tag, short */
} braid_counters;

void braid_endpoint_counters(const braid_endpoint *ep, braid_counters *c);

/* Why a packet or a chunk was discarded. Each discard bumps one counter of
 * braid_counters (braid_drop_counter) and, at BRAID_LOG_DEBUG, logs one
 * line: "debug: drop NAME counter=FIELD" and what is known of it (from=,
 * to=, sport=, dport=, vtag=, assoc=, chunk=) and a detail after a colon. */
typedef enum braid_drop_reason {
    BRAID_DROP_HEADER_SHORT = 0,   /* shorter than the common header (RFC 9260 §3.1) */
    BRAID_DROP_BAD_CRC,            /* CRC32c wrong (§6.8) */
    BRAID_DROP_BAD_PORT,           /* SCTP port 0, or not the endpoint's (§3.1) */
    BRAID_DROP_CHUNK_FRAMING,      /* chunk lengths, padding, no chunk (§3.2) */
    BRAID_DROP_ZERO_VTAG,          /* tag 0 on a packet that is not a lone INIT (§8.5.1 A) */
    BRAID_DROP_INIT_VTAG,          /* INIT with a tag, or bundled (§8.5.1 A, §6.10) */
    BRAID_DROP_BAD_VTAG,           /* not the association's tag (§8.5, §8.5.1 B, C) */
    BRAID_DROP_OOTB_ABORT,         /* out of the blue, with an ABORT (§8.4 item 2) */
    BRAID_DROP_OOTB,               /* out of the blue (§8.4 items 5-8) */
    BRAID_DROP_INIT_REFUSED,       /* INIT, endpoint not accepting: ABORT (§8.4 item 3) */
    BRAID_DROP_INIT_STREAMS,       /* INIT with 0 streams: ABORT (§3.3.2) */
    BRAID_DROP_INIT_INVALID,       /* INIT fixed part invalid (§3.3.2) */
    BRAID_DROP_INIT_PARAMS,        /* INIT / INIT ACK parameters unusable (§3.2.1) */
    BRAID_DROP_HOST_NAME,          /* Host Name Address: ABORT (§3.3.2.1.4) */
    BRAID_DROP_INIT_ACK_STATE,     /* INIT ACK outside COOKIE-WAIT (§5.2.3) */
    BRAID_DROP_INIT_ACK_INVALID,   /* INIT ACK invalid or without a cookie (§3.3.3) */
    BRAID_DROP_COOKIE_MAC,         /* State Cookie does not verify (§5.1.5 steps 1, 2) */
    BRAID_DROP_COOKIE_MISMATCH,    /* cookie's ports or tag not the packet's (§5.1.5 step 3) */
    BRAID_DROP_COOKIE_COLLISION,   /* COOKIE ECHO in no case of §5.2.4 (case C) */
    BRAID_DROP_STALE_COOKIE,       /* cookie expired: Stale Cookie ERROR (§5.1.5 step 4) */
    BRAID_DROP_ASSOC_LIMIT,        /* max_assocs / max_assocs_per_peer: ABORT */
    BRAID_DROP_COOKIE_ACK_STATE,   /* COOKIE ACK outside COOKIE-ECHOED (§5.2.5) */
    BRAID_DROP_CHUNK_STATE,        /* chunk not allowed in the state (§9.2, §8.5.1 C) */
    BRAID_DROP_CHUNK_BUNDLED,      /* INIT / COOKIE ECHO not first (§6.10) */
    BRAID_DROP_UNKNOWN_CHUNK,      /* unrecognized chunk type (§3.2) */
    BRAID_DROP_CHUNK_INVALID,      /* DATA, SACK, SHUTDOWN, ERROR, HEARTBEAT malformed */
    BRAID_DROP_SACK_GAP,           /* gap block naming no TSN (§3.3.4) */
    BRAID_DROP_STALE_SACK,         /* SACK below the cum ack point (§6.2.1 D i) */
    BRAID_DROP_PROTOCOL_VIOLATION, /* SACK of unsent TSN, DATA without data: ABORT */
    BRAID_DROP_OUT_OF_WINDOW,      /* DATA beyond the mapping window (§6.2, §3.3.4) */
    BRAID_DROP_RWND_FULL,          /* DATA with the receive buffer full (§6.2) */
    BRAID_DROP_BAD_STREAM,         /* DATA on a stream not granted: ERROR (§6.5) */
    BRAID_DROP_BAD_HB_ACK,         /* HEARTBEAT ACK not for our HEARTBEAT (§8.3) */
    BRAID_DROP_RESP_FULL,          /* stateless reply not sent: ring full (§5.1.3) */
    BRAID_DROP_EVENT_FULL,         /* notification not queued: max_events */
    BRAID_DROP_ICMP_SHORT,         /* ICMP quoting too little (RFC 6951 §5.5) */
    BRAID_DROP_ICMP_NO_ASSOC,      /* ICMP for no association or path (Appendix C ICMP5) */
    BRAID_DROP_ICMP_BAD_VTAG,      /* ICMP quoting a wrong tag (Appendix C ICMP6) */
    BRAID_DROP_ICMP_KIND,          /* ICMP of a kind not acted on */
    BRAID_DROP__COUNT
} braid_drop_reason;

/* The reason's short name ("bad_crc"), the braid_counters field it bumps
 * ("drop_bad_crc") and a one-line description; NULL past the last. */
const char *braid_drop_name(unsigned reason);
const char *braid_drop_counter(unsigned reason);
const char *braid_drop_text(unsigned reason);

/* ---- events (RFC 6458 §6.1 notifications) ---- */

typedef enum braid_event_type {
    BRAID_EV_NONE = 0,
    BRAID_EV_ASSOC_CHANGE,     /* u.assoc_change */
    BRAID_EV_PEER_ADDR_CHANGE, /* u.paddr */
    BRAID_EV_SEND_FAILED,      /* u.send_failed */
    BRAID_EV_REMOTE_ERROR,     /* u.remote_error */
    BRAID_EV_SHUTDOWN,         /* peer sent SHUTDOWN */
    BRAID_EV_PARTIAL_DELIVERY_ABORTED,
    BRAID_EV_ADAPTATION, /* u.adaptation_ind */
    BRAID_EV_SENDER_DRY,
    BRAID_EV_DATA_READY, /* braid_endpoint_recv() has something */
} braid_event_type;

typedef enum braid_assoc_change_state {
    BRAID_COMM_UP = 0,
    BRAID_COMM_LOST,
    BRAID_RESTART,
    BRAID_SHUTDOWN_COMP,
    BRAID_CANT_STR_ASSOC,
} braid_assoc_change_state;

typedef enum braid_paddr_state {
    BRAID_ADDR_AVAILABLE = 0,
    BRAID_ADDR_UNREACHABLE,
    BRAID_ADDR_REMOVED,
    BRAID_ADDR_ADDED,
    BRAID_ADDR_MADE_PRIM,
    BRAID_ADDR_CONFIRMED,
} braid_paddr_state;

typedef struct braid_event {
    braid_event_type type;
    braid_assoc_id assoc;
    union {
        struct {
            braid_assoc_change_state state;
            uint16_t error; /* cause code, if any */
            uint16_t out_streams, in_streams;
            uint8_t info[64]; /* ABORT cause bytes for COMM_LOST, truncated */
            uint16_t info_len;
            uint8_t peer_abort; /* 1: ended by an ABORT from the peer */
        } assoc_change;
        struct {
            braid_addr addr;
            uint16_t port; /* the peer's SCTP port */
            braid_paddr_state state;
            int error; /* why, as RFC 6458's spc_error: 0 failure threshold
                        * reached, 1 a SACK, 2 a HEARTBEAT ACK */
        } paddr;
        struct {
            int sent; /* 1: some of it was transmitted */
            uint32_t error;
            /* DATA chunk flags of the piece handed back (RFC 9260 §3.3.1:
             * E 1, B 2, U 4): B|E for a whole message; an expired one comes
             * in fragment-sized pieces, B on the first, E on the last */
            uint8_t chunk_flags;
            braid_send_info info;
            uint8_t *data; /* undelivered message, owned by the event; */
            size_t len;    /* freed by braid_event_release() */
        } send_failed;
        struct {
            uint16_t error;
            uint8_t data[64];
            uint16_t len;
        } remote_error;
        uint32_t adaptation_ind;
    } u;
} braid_event;

/* 1 and *ev filled, 0 when none. Release each event after use. */
int braid_poll_event(braid_endpoint *ep, braid_event *ev);
void braid_event_release(braid_endpoint *ep, braid_event *ev);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif
#endif
