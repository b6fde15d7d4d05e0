/*
 * braid: the SCTP sockets API (RFC 6458) in the dialect of Linux and lksctp.
 *
 * An lksctp program compiles against this header in place of <netinet/sctp.h>:
 * every name, constant value and structure layout below is the one Linux uses,
 * so option buffers, ancillary data and notifications are byte-for-byte what
 * the program expects (tests/unit/sctp_h_layout_braid.c checks each of them
 * against the system's <netinet/sctp.h>).
 *
 * The plain socket calls are offered with a braid_ prefix (braid_socket,
 * braid_sendmsg, ...). Include <braid/compat.h> after the system headers to
 * have socket(), sendmsg(), close() and the rest call them under their usual
 * names. Every braid socket is a real file descriptor: poll, select and epoll
 * work on it directly.
 *
 * Contract of the braid_ calls: on a descriptor that is not a braid socket each
 * one does exactly what the system call of the same name does, so that mapping
 * them over a whole program (compat.h) leaves its files, pipes and other
 * sockets alone. Errors are reported as -1 with errno set, as on Linux.
 *
 * This header must not be combined with <netinet/sctp.h> or <linux/sctp.h> in
 * one translation unit: both define the same names.
 */
#ifndef BRAID_SCTP_H
#define BRAID_SCTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility: what these headers declare
 * is its whole exported interface. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* A handful of Linux's structures are packed to 4-byte alignment so that a
 * struct sockaddr_storage member may sit at offset 4. Same here. */
#if defined(__GNUC__) || defined(__clang__)
#define BRAID_SCTP_PACKED4_ __attribute__((packed, aligned(4)))
#else
#error "braid/sctp.h needs GCC or Clang (packed structures must match Linux)"
#endif

/* ------------------------------------------------------------------------ */
/* Protocol number, option level, message flags                              */
/* ------------------------------------------------------------------------ */

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif
#ifndef SOL_SCTP
#define SOL_SCTP 132 /* level of the SCTP socket options */
#endif

/* msg_flags bit set by recvmsg() when the buffer holds a notification rather
 * than user data (RFC 6458 section 5.1). */
#ifndef MSG_NOTIFICATION
#define MSG_NOTIFICATION 0x8000
#endif

/* What the API offers, under the names lksctp advertises it with (programs
 * test these with #ifdef, configure scripts too). Only what works is
 * advertised: HAVE_SCTP_PRSCTP (partial reliability), HAVE_SCTP_ADDIP
 * (ASCONF, sctp_bindx removal) and HAVE_SCTP_STREAM_RECONFIG (stream
 * reset) are absent while the engine has their codec only; so is
 * HAVE_KERNEL_SCTP. HAVE_SCTP_CANSET_PRIMARY: SCTP_PRIMARY_ADDR works.
 * HAVE_SCTP_STREAM_RESET_EVENT and the ones after it name structure
 * layouts (fields, events a program may subscribe to), all present. */
#define HAVE_SCTP
#define HAVE_SCTP_MULTIBUF
#define HAVE_SCTP_NOCONNECT
#define HAVE_SCTP_CANSET_PRIMARY
#define HAVE_SCTP_STREAM_RESET_EVENT 1
#define HAVE_SCTP_PEELOFF_FLAGS 1
#define HAVE_SCTP_PDAPI_EVENT_PDAPI_STREAM 1
#define HAVE_SCTP_PDAPI_EVENT_PDAPI_SEQ 1
#define HAVE_SCTP_SENDV 1
#define HAVE_SCTP_AUTH_NO_AUTH 1
#define HAVE_SCTP_SPP_IPV6_FLOWLABEL 1
#define HAVE_SCTP_SPP_DSCP 1

/* ------------------------------------------------------------------------ */
/* Association identifiers                                                   */
/* ------------------------------------------------------------------------ */

/* Names one association of a one-to-many socket. Ids 0..2 are never handed
 * out; they are the wildcards below (RFC 6458 section 7). */
typedef int32_t sctp_assoc_t;

#define SCTP_FUTURE_ASSOC 0  /* the socket's defaults for associations to come */
#define SCTP_CURRENT_ASSOC 1 /* every association that exists now */
#define SCTP_ALL_ASSOC 2     /* both of the above */

/* ------------------------------------------------------------------------ */
/* Socket options (level SOL_SCTP / IPPROTO_SCTP)                            */
/* ------------------------------------------------------------------------ */

#define SCTP_RTOINFO 0
#define SCTP_ASSOCINFO 1
#define SCTP_INITMSG 2
#define SCTP_NODELAY 3
#define SCTP_AUTOCLOSE 4
#define SCTP_SET_PEER_PRIMARY_ADDR 5
#define SCTP_PRIMARY_ADDR 6
#define SCTP_ADAPTATION_LAYER 7
#define SCTP_DISABLE_FRAGMENTS 8
#define SCTP_PEER_ADDR_PARAMS 9
#define SCTP_DEFAULT_SEND_PARAM 10
#define SCTP_EVENTS 11
#define SCTP_I_WANT_MAPPED_V4_ADDR 12
#define SCTP_MAXSEG 13
#define SCTP_STATUS 14
#define SCTP_GET_PEER_ADDR_INFO 15
#define SCTP_DELAYED_ACK_TIME 16
#define SCTP_DELAYED_ACK SCTP_DELAYED_ACK_TIME  /* older spelling */
#define SCTP_DELAYED_SACK SCTP_DELAYED_ACK_TIME /* RFC 6458 spelling */
#define SCTP_CONTEXT 17
#define SCTP_FRAGMENT_INTERLEAVE 18
#define SCTP_PARTIAL_DELIVERY_POINT 19
#define SCTP_MAX_BURST 20
#define SCTP_AUTH_CHUNK 21 /* set only */
#define SCTP_HMAC_IDENT 22
#define SCTP_AUTH_KEY 23
#define SCTP_AUTH_ACTIVE_KEY 24
#define SCTP_AUTH_DELETE_KEY 25
#define SCTP_PEER_AUTH_CHUNKS 26  /* get only */
#define SCTP_LOCAL_AUTH_CHUNKS 27 /* get only */
#define SCTP_GET_ASSOC_NUMBER 28  /* get only */
#define SCTP_GET_ASSOC_ID_LIST 29 /* get only */
#define SCTP_AUTO_ASCONF 30
#define SCTP_PEER_ADDR_THLDS 31
#define SCTP_RECVRCVINFO 32
#define SCTP_RECVNXTINFO 33
#define SCTP_DEFAULT_SNDINFO 34
#define SCTP_AUTH_DEACTIVATE_KEY 35
#define SCTP_REUSE_PORT 36
#define SCTP_PEER_ADDR_THLDS_V2 37

/* Options the library functions below are built on (Linux numbers them from
 * 100; 103..106 were retired). */
#define SCTP_SOCKOPT_BINDX_ADD 100
#define SCTP_SOCKOPT_BINDX_REM 101
#define SCTP_SOCKOPT_PEELOFF 102
#define SCTP_SOCKOPT_CONNECTX_OLD 107
#define SCTP_GET_PEER_ADDRS 108
#define SCTP_GET_LOCAL_ADDRS 109
#define SCTP_SOCKOPT_CONNECTX 110
#define SCTP_SOCKOPT_CONNECTX3 111
#define SCTP_GET_ASSOC_STATS 112
#define SCTP_PR_SUPPORTED 113
#define SCTP_DEFAULT_PRINFO 114
#define SCTP_PR_ASSOC_STATUS 115
#define SCTP_PR_STREAM_STATUS 116
#define SCTP_RECONFIG_SUPPORTED 117
#define SCTP_ENABLE_STREAM_RESET 118
#define SCTP_RESET_STREAMS 119
#define SCTP_RESET_ASSOC 120
#define SCTP_ADD_STREAMS 121
#define SCTP_SOCKOPT_PEELOFF_FLAGS 122
#define SCTP_STREAM_SCHEDULER 123
#define SCTP_STREAM_SCHEDULER_VALUE 124
#define SCTP_INTERLEAVING_SUPPORTED 125
#define SCTP_SENDMSG_CONNECT 126
#define SCTP_EVENT 127
#define SCTP_ASCONF_SUPPORTED 128
#define SCTP_AUTH_SUPPORTED 129
#define SCTP_ECN_SUPPORTED 130
#define SCTP_EXPOSE_POTENTIALLY_FAILED_STATE 131
#define SCTP_EXPOSE_PF_STATE SCTP_EXPOSE_POTENTIALLY_FAILED_STATE
#define SCTP_REMOTE_UDP_ENCAPS_PORT 132
#define SCTP_PLPMTUD_PROBE_INTERVAL 133

/* ------------------------------------------------------------------------ */
/* Partial reliability (RFC 3758, RFC 7496)                                  */
/* ------------------------------------------------------------------------ */

/* The policy sits in bits 4..5 of sinfo_flags / pr_policy. */
#define SCTP_PR_SCTP_NONE 0x0000
#define SCTP_PR_SCTP_TTL 0x0010  /* abandon after a lifetime in ms */
#define SCTP_PR_SCTP_RTX 0x0020  /* abandon after n retransmissions */
#define SCTP_PR_SCTP_PRIO 0x0030 /* abandon the lowest priority first */
#define SCTP_PR_SCTP_MAX SCTP_PR_SCTP_PRIO
#define SCTP_PR_SCTP_MASK 0x0030

/* SCTP_PR_INDEX(TTL) == 0, (RTX) == 1, (PRIO) == 2: slots of per-policy
 * counters. */
#define SCTP_PR_INDEX(policy) (((SCTP_PR_SCTP_##policy) >> 4) - 1)
#define SCTP_PR_POLICY(flags) ((flags)&SCTP_PR_SCTP_MASK)
/* The inverted mask is cast to the type of flags, so that clearing the
 * policy of a uint16_t does not draw a -Wconversion warning. */
#define SCTP_PR_SET_POLICY(flags, policy)                                                          \
    do {                                                                                           \
        (flags) &= (__typeof__(flags))~SCTP_PR_SCTP_MASK;                                          \
        (flags) |= (policy);                                                                       \
    } while (0)
#define SCTP_PR_TTL_ENABLED(flags) (SCTP_PR_POLICY(flags) == SCTP_PR_SCTP_TTL)
#define SCTP_PR_RTX_ENABLED(flags) (SCTP_PR_POLICY(flags) == SCTP_PR_SCTP_RTX)
#define SCTP_PR_PRIO_ENABLED(flags) (SCTP_PR_POLICY(flags) == SCTP_PR_SCTP_PRIO)

/* ------------------------------------------------------------------------ */
/* Stream reconfiguration (RFC 6525)                                         */
/* ------------------------------------------------------------------------ */

/* assoc_value bits of SCTP_ENABLE_STREAM_RESET */
#define SCTP_ENABLE_RESET_STREAM_REQ 0x01
#define SCTP_ENABLE_RESET_ASSOC_REQ 0x02
#define SCTP_ENABLE_CHANGE_ASSOC_REQ 0x04
#define SCTP_ENABLE_STRRESET_MASK 0x07

/* srs_flags of struct sctp_reset_streams */
#define SCTP_STREAM_RESET_INCOMING 0x01
#define SCTP_STREAM_RESET_OUTGOING 0x02

/* ------------------------------------------------------------------------ */
/* Ancillary data (cmsg_level IPPROTO_SCTP)                                  */
/* ------------------------------------------------------------------------ */

/* SCTP_INIT cmsg and SCTP_INITMSG option: what a new association asks for. */
struct sctp_initmsg {
    uint16_t sinit_num_ostreams;   /* outbound streams wanted */
    uint16_t sinit_max_instreams;  /* most inbound streams accepted */
    uint16_t sinit_max_attempts;   /* INIT retransmissions before giving up */
    uint16_t sinit_max_init_timeo; /* RTO ceiling during setup, ms */
};

/* SCTP_SNDRCV cmsg and SCTP_DEFAULT_SEND_PARAM option (the older, combined
 * send/receive description of a message). */
struct sctp_sndrcvinfo {
    uint16_t sinfo_stream;
    uint16_t sinfo_ssn;
    uint16_t sinfo_flags; /* enum sctp_sinfo_flags, PR-SCTP policy in bits 4..5 */
    uint32_t sinfo_ppid;  /* payload protocol id, network byte order, opaque */
    uint32_t sinfo_context;
    uint32_t sinfo_timetolive; /* ms, or the PR-SCTP policy value */
    uint32_t sinfo_tsn;
    uint32_t sinfo_cumtsn;
    sctp_assoc_t sinfo_assoc_id;
};

/* SCTP_SNDINFO cmsg and SCTP_DEFAULT_SNDINFO option. */
struct sctp_sndinfo {
    uint16_t snd_sid;
    uint16_t snd_flags;
    uint32_t snd_ppid;
    uint32_t snd_context;
    sctp_assoc_t snd_assoc_id;
};

/* SCTP_RCVINFO cmsg (enabled by SCTP_RECVRCVINFO): about the message read. */
struct sctp_rcvinfo {
    uint16_t rcv_sid;
    uint16_t rcv_ssn;
    uint16_t rcv_flags;
    uint32_t rcv_ppid;
    uint32_t rcv_tsn;
    uint32_t rcv_cumtsn;
    uint32_t rcv_context;
    sctp_assoc_t rcv_assoc_id;
};

/* SCTP_NXTINFO cmsg (enabled by SCTP_RECVNXTINFO): about the message that the
 * next recvmsg() would return, when it is already known. */
struct sctp_nxtinfo {
    uint16_t nxt_sid;
    uint16_t nxt_flags;
    uint32_t nxt_ppid;
    uint32_t nxt_length;
    sctp_assoc_t nxt_assoc_id;
};

/* SCTP_PRINFO cmsg: PR-SCTP policy and its value for one message. */
struct sctp_prinfo {
    uint16_t pr_policy;
    uint32_t pr_value;
};

/* SCTP_AUTHINFO cmsg: which shared key to authenticate one message with. */
struct sctp_authinfo {
    uint16_t auth_keynumber;
};

/* Flags of sinfo_flags / snd_flags / rcv_flags / nxt_flags. Bits 4..5 are the
 * PR-SCTP policy (SCTP_PR_SCTP_MASK). */
enum sctp_sinfo_flags {
    SCTP_UNORDERED = (1 << 0),        /* deliver without regard to stream order */
    SCTP_ADDR_OVER = (1 << 1),        /* send to the given address, not the primary */
    SCTP_ABORT = (1 << 2),            /* abort the association; data = reason */
    SCTP_SACK_IMMEDIATELY = (1 << 3), /* ask the peer to SACK without delay */
    SCTP_SENDALL = (1 << 6),          /* one-to-many: send to every association */
    SCTP_PR_SCTP_ALL = (1 << 7),      /* abandon every message of the association */
    SCTP_NOTIFICATION = MSG_NOTIFICATION,
    SCTP_EOF = 0x200 /* MSG_FIN on Linux: graceful shutdown after this message */
};

/* What may follow a cmsghdr of level IPPROTO_SCTP (old API). */
typedef union {
    uint8_t raw;
    struct sctp_initmsg init;
    struct sctp_sndrcvinfo sndrcv;
} sctp_cmsg_data_t;

/* cmsg_type values. */
typedef enum sctp_cmsg_type {
    SCTP_INIT, /* struct sctp_initmsg */
#define SCTP_INIT SCTP_INIT
    SCTP_SNDRCV, /* struct sctp_sndrcvinfo */
#define SCTP_SNDRCV SCTP_SNDRCV
    SCTP_SNDINFO, /* struct sctp_sndinfo */
#define SCTP_SNDINFO SCTP_SNDINFO
    SCTP_RCVINFO, /* struct sctp_rcvinfo */
#define SCTP_RCVINFO SCTP_RCVINFO
    SCTP_NXTINFO, /* struct sctp_nxtinfo */
#define SCTP_NXTINFO SCTP_NXTINFO
    SCTP_PRINFO, /* struct sctp_prinfo */
#define SCTP_PRINFO SCTP_PRINFO
    SCTP_AUTHINFO, /* struct sctp_authinfo */
#define SCTP_AUTHINFO SCTP_AUTHINFO
    SCTP_DSTADDRV4, /* struct in_addr */
#define SCTP_DSTADDRV4 SCTP_DSTADDRV4
    SCTP_DSTADDRV6, /* struct in6_addr */
#define SCTP_DSTADDRV6 SCTP_DSTADDRV6
} sctp_cmsg_t;

/* ------------------------------------------------------------------------ */
/* Notifications (read with MSG_NOTIFICATION set in msg_flags)               */
/* ------------------------------------------------------------------------ */

/* Each notification starts with type (enum sctp_sn_type), flags and the
 * total length of the notification in bytes. */

/* SCTP_ASSOC_CHANGE: an association came up or went away. */
struct sctp_assoc_change {
    uint16_t sac_type;
    uint16_t sac_flags;
    uint32_t sac_length;
    uint16_t sac_state; /* enum sctp_sac_state */
    uint16_t sac_error;
    uint16_t sac_outbound_streams;
    uint16_t sac_inbound_streams;
    sctp_assoc_t sac_assoc_id;
    uint8_t sac_info[]; /* the ABORT's causes, when the peer aborted */
};

enum sctp_sac_state {
    SCTP_COMM_UP,
    SCTP_COMM_LOST,
    SCTP_RESTART,
    SCTP_SHUTDOWN_COMP,
    SCTP_CANT_STR_ASSOC,
};

/* SCTP_PEER_ADDR_CHANGE: one of the peer's addresses changed state. */
struct sctp_paddr_change {
    uint16_t spc_type;
    uint16_t spc_flags;
    uint32_t spc_length;
    struct sockaddr_storage spc_aaddr;
    int spc_state; /* enum sctp_spc_state */
    int spc_error;
    sctp_assoc_t spc_assoc_id;
} BRAID_SCTP_PACKED4_;

enum sctp_spc_state {
    SCTP_ADDR_AVAILABLE,
    SCTP_ADDR_UNREACHABLE,
    SCTP_ADDR_REMOVED,
    SCTP_ADDR_ADDED,
    SCTP_ADDR_MADE_PRIM,
    SCTP_ADDR_CONFIRMED,
    SCTP_ADDR_POTENTIALLY_FAILED,
#define SCTP_ADDR_PF SCTP_ADDR_POTENTIALLY_FAILED
};

/* SCTP_REMOTE_ERROR: the peer sent an ERROR chunk; sre_data holds its causes
 * as they were on the wire. */
struct sctp_remote_error {
    uint16_t sre_type;
    uint16_t sre_flags;
    uint32_t sre_length;
    uint16_t sre_error; /* first cause code, network byte order */
    sctp_assoc_t sre_assoc_id;
    uint8_t sre_data[];
};

/* SCTP_SEND_FAILED: a message could not be delivered (old form). */
struct sctp_send_failed {
    uint16_t ssf_type;
    uint16_t ssf_flags; /* enum sctp_ssf_flags */
    uint32_t ssf_length;
    uint32_t ssf_error;
    struct sctp_sndrcvinfo ssf_info;
    sctp_assoc_t ssf_assoc_id;
    uint8_t ssf_data[]; /* the undelivered message */
};

/* SCTP_SEND_FAILED_EVENT: the same with the RFC 6458 sndinfo. */
struct sctp_send_failed_event {
    uint16_t ssf_type;
    uint16_t ssf_flags;
    uint32_t ssf_length;
    uint32_t ssf_error;
    struct sctp_sndinfo ssfe_info;
    sctp_assoc_t ssf_assoc_id;
    uint8_t ssf_data[];
};

enum sctp_ssf_flags {
    SCTP_DATA_UNSENT, /* never transmitted */
    SCTP_DATA_SENT,   /* transmitted, maybe received, never acknowledged */
};

/* SCTP_SHUTDOWN_EVENT: the peer sent SHUTDOWN; no more sending. */
struct sctp_shutdown_event {
    uint16_t sse_type;
    uint16_t sse_flags;
    uint32_t sse_length;
    sctp_assoc_t sse_assoc_id;
};

/* SCTP_ADAPTATION_INDICATION: the peer's Adaptation Layer Indication. */
struct sctp_adaptation_event {
    uint16_t sai_type;
    uint16_t sai_flags;
    uint32_t sai_length;
    uint32_t sai_adaptation_ind;
    sctp_assoc_t sai_assoc_id;
};

/* SCTP_PARTIAL_DELIVERY_EVENT: a partially delivered message was cut short. */
struct sctp_pdapi_event {
    uint16_t pdapi_type;
    uint16_t pdapi_flags;
    uint32_t pdapi_length;
    uint32_t pdapi_indication;
    sctp_assoc_t pdapi_assoc_id;
    uint32_t pdapi_stream;
    uint32_t pdapi_seq;
};

enum { SCTP_PARTIAL_DELIVERY_ABORTED = 0 };

/* SCTP_AUTHENTICATION_EVENT (RFC 4895 keys). */
struct sctp_authkey_event {
    uint16_t auth_type;
    uint16_t auth_flags;
    uint32_t auth_length;
    uint16_t auth_keynumber;
    uint16_t auth_altkeynumber;
    uint32_t auth_indication;
    sctp_assoc_t auth_assoc_id;
};

enum {
    SCTP_AUTH_NEW_KEY,
#define SCTP_AUTH_NEWKEY SCTP_AUTH_NEW_KEY
    SCTP_AUTH_FREE_KEY,
    SCTP_AUTH_NO_AUTH,
};

/* SCTP_SENDER_DRY_EVENT: nothing left to send or retransmit. */
struct sctp_sender_dry_event {
    uint16_t sender_dry_type;
    uint16_t sender_dry_flags;
    uint32_t sender_dry_length;
    sctp_assoc_t sender_dry_assoc_id;
};

/* SCTP_STREAM_RESET_EVENT flags and structure (RFC 6525). */
#define SCTP_STREAM_RESET_INCOMING_SSN 0x0001
#define SCTP_STREAM_RESET_OUTGOING_SSN 0x0002
#define SCTP_STREAM_RESET_DENIED 0x0004
#define SCTP_STREAM_RESET_FAILED 0x0008
struct sctp_stream_reset_event {
    uint16_t strreset_type;
    uint16_t strreset_flags;
    uint32_t strreset_length;
    sctp_assoc_t strreset_assoc_id;
    uint16_t strreset_stream_list[];
};

/* SCTP_ASSOC_RESET_EVENT */
#define SCTP_ASSOC_RESET_DENIED 0x0004
#define SCTP_ASSOC_RESET_FAILED 0x0008
struct sctp_assoc_reset_event {
    uint16_t assocreset_type;
    uint16_t assocreset_flags;
    uint32_t assocreset_length;
    sctp_assoc_t assocreset_assoc_id;
    uint32_t assocreset_local_tsn;
    uint32_t assocreset_remote_tsn;
};

/* SCTP_STREAM_CHANGE_EVENT */
#define SCTP_ASSOC_CHANGE_DENIED 0x0004
#define SCTP_ASSOC_CHANGE_FAILED 0x0008
#define SCTP_STREAM_CHANGE_DENIED SCTP_ASSOC_CHANGE_DENIED
#define SCTP_STREAM_CHANGE_FAILED SCTP_ASSOC_CHANGE_FAILED
struct sctp_stream_change_event {
    uint16_t strchange_type;
    uint16_t strchange_flags;
    uint32_t strchange_length;
    sctp_assoc_t strchange_assoc_id;
    uint16_t strchange_instrms;
    uint16_t strchange_outstrms;
};

/* SCTP_EVENTS option: one byte per event class, nonzero = subscribed. Setting
 * a shorter prefix of this structure is allowed, as on Linux. */
struct sctp_event_subscribe {
    uint8_t sctp_data_io_event; /* SCTP_SNDRCV cmsg with every message */
    uint8_t sctp_association_event;
    uint8_t sctp_address_event;
    uint8_t sctp_send_failure_event;
    uint8_t sctp_peer_error_event;
    uint8_t sctp_shutdown_event;
    uint8_t sctp_partial_delivery_event;
    uint8_t sctp_adaptation_layer_event;
    uint8_t sctp_authentication_event;
    uint8_t sctp_sender_dry_event;
    uint8_t sctp_stream_reset_event;
    uint8_t sctp_assoc_reset_event;
    uint8_t sctp_stream_change_event;
    uint8_t sctp_send_failure_event_event;
};

/* Any notification; look at sn_header.sn_type first. */
union sctp_notification {
    struct {
        uint16_t sn_type; /* enum sctp_sn_type */
        uint16_t sn_flags;
        uint32_t sn_length;
    } sn_header;
    struct sctp_assoc_change sn_assoc_change;
    struct sctp_paddr_change sn_paddr_change;
    struct sctp_remote_error sn_remote_error;
    struct sctp_send_failed sn_send_failed;
    struct sctp_shutdown_event sn_shutdown_event;
    struct sctp_adaptation_event sn_adaptation_event;
    struct sctp_pdapi_event sn_pdapi_event;
    struct sctp_authkey_event sn_authkey_event;
    struct sctp_sender_dry_event sn_sender_dry_event;
    struct sctp_stream_reset_event sn_strreset_event;
    struct sctp_assoc_reset_event sn_assocreset_event;
    struct sctp_stream_change_event sn_strchange_event;
    struct sctp_send_failed_event sn_send_failed_event;
};

/* Notification types: every one has bit 15 set. SCTP_EVENT's se_type takes
 * these too. */
enum sctp_sn_type {
    SCTP_SN_TYPE_BASE = (1 << 15),
    SCTP_DATA_IO_EVENT = SCTP_SN_TYPE_BASE,
#define SCTP_DATA_IO_EVENT SCTP_DATA_IO_EVENT
    SCTP_ASSOC_CHANGE,
#define SCTP_ASSOC_CHANGE SCTP_ASSOC_CHANGE
    SCTP_PEER_ADDR_CHANGE,
#define SCTP_PEER_ADDR_CHANGE SCTP_PEER_ADDR_CHANGE
    SCTP_SEND_FAILED,
#define SCTP_SEND_FAILED SCTP_SEND_FAILED
    SCTP_REMOTE_ERROR,
#define SCTP_REMOTE_ERROR SCTP_REMOTE_ERROR
    SCTP_SHUTDOWN_EVENT,
#define SCTP_SHUTDOWN_EVENT SCTP_SHUTDOWN_EVENT
    SCTP_PARTIAL_DELIVERY_EVENT,
#define SCTP_PARTIAL_DELIVERY_EVENT SCTP_PARTIAL_DELIVERY_EVENT
    SCTP_ADAPTATION_INDICATION,
#define SCTP_ADAPTATION_INDICATION SCTP_ADAPTATION_INDICATION
    SCTP_AUTHENTICATION_EVENT,
#define SCTP_AUTHENTICATION_INDICATION SCTP_AUTHENTICATION_EVENT
    SCTP_SENDER_DRY_EVENT,
#define SCTP_SENDER_DRY_EVENT SCTP_SENDER_DRY_EVENT
    SCTP_STREAM_RESET_EVENT,
#define SCTP_STREAM_RESET_EVENT SCTP_STREAM_RESET_EVENT
    SCTP_ASSOC_RESET_EVENT,
#define SCTP_ASSOC_RESET_EVENT SCTP_ASSOC_RESET_EVENT
    SCTP_STREAM_CHANGE_EVENT,
#define SCTP_STREAM_CHANGE_EVENT SCTP_STREAM_CHANGE_EVENT
    SCTP_SEND_FAILED_EVENT,
#define SCTP_SEND_FAILED_EVENT SCTP_SEND_FAILED_EVENT
    SCTP_SN_TYPE_MAX = SCTP_SEND_FAILED_EVENT,
#define SCTP_SN_TYPE_MAX SCTP_SN_TYPE_MAX
};

/* Reasons carried in spc_error / sac_error. */
typedef enum sctp_sn_error {
    SCTP_FAILED_THRESHOLD,
    SCTP_RECEIVED_SACK,
    SCTP_HEARTBEAT_SUCCESS,
    SCTP_RESPONSE_TO_USER_REQ,
    SCTP_INTERNAL_ERROR,
    SCTP_SHUTDOWN_GUARD_EXPIRES,
    SCTP_PEER_FAULTY,
} sctp_sn_error_t;

/* ------------------------------------------------------------------------ */
/* Option structures                                                         */
/* ------------------------------------------------------------------------ */

/* SCTP_RTOINFO: RTO bounds, ms. A zero leaves the value unchanged. */
struct sctp_rtoinfo {
    sctp_assoc_t srto_assoc_id;
    uint32_t srto_initial;
    uint32_t srto_max;
    uint32_t srto_min;
};

/* SCTP_ASSOCINFO */
struct sctp_assocparams {
    sctp_assoc_t sasoc_assoc_id;
    uint16_t sasoc_asocmaxrxt; /* Association.Max.Retrans */
    uint16_t sasoc_number_peer_destinations;
    uint32_t sasoc_peer_rwnd;
    uint32_t sasoc_local_rwnd;
    uint32_t sasoc_cookie_life; /* Valid.Cookie.Life, ms */
};

/* SCTP_SET_PEER_PRIMARY_ADDR: ask the peer (ASCONF) to use one of our
 * addresses as its primary. */
struct sctp_setpeerprim {
    sctp_assoc_t sspp_assoc_id;
    struct sockaddr_storage sspp_addr;
} BRAID_SCTP_PACKED4_;

/* SCTP_PRIMARY_ADDR: which peer address we send to by default. */
struct sctp_prim {
    sctp_assoc_t ssp_assoc_id;
    struct sockaddr_storage ssp_addr;
} BRAID_SCTP_PACKED4_;

#define sctp_setprim sctp_prim /* the structure's older name */

/* SCTP_ADAPTATION_LAYER */
struct sctp_setadaptation {
    uint32_t ssb_adaptation_ind;
};

/* spp_flags of struct sctp_paddrparams. */
enum sctp_spp_flags {
    SPP_HB_ENABLE = 1 << 0,
    SPP_HB_DISABLE = 1 << 1,
    SPP_HB = SPP_HB_ENABLE | SPP_HB_DISABLE,
    SPP_HB_DEMAND = 1 << 2, /* send a HEARTBEAT now */
    SPP_PMTUD_ENABLE = 1 << 3,
    SPP_PMTUD_DISABLE = 1 << 4,
    SPP_PMTUD = SPP_PMTUD_ENABLE | SPP_PMTUD_DISABLE,
    SPP_SACKDELAY_ENABLE = 1 << 5,
    SPP_SACKDELAY_DISABLE = 1 << 6,
    SPP_SACKDELAY = SPP_SACKDELAY_ENABLE | SPP_SACKDELAY_DISABLE,
    SPP_HB_TIME_IS_ZERO = 1 << 7, /* heartbeat interval 0, not "unchanged" */
    SPP_IPV6_FLOWLABEL = 1 << 8,  /* spp_ipv6_flowlabel is meaningful */
    SPP_DSCP = 1 << 9,            /* spp_dscp is meaningful */
};

/* SCTP_PEER_ADDR_PARAMS: per-path (or, with a wildcard address, per
 * association / socket) heartbeat, retransmission, PMTU and SACK settings. */
struct sctp_paddrparams {
    sctp_assoc_t spp_assoc_id;
    struct sockaddr_storage spp_address;
    uint32_t spp_hbinterval; /* ms */
    uint16_t spp_pathmaxrxt;
    uint32_t spp_pathmtu;
    uint32_t spp_sackdelay; /* ms */
    uint32_t spp_flags;     /* enum sctp_spp_flags */
    uint32_t spp_ipv6_flowlabel;
    uint8_t spp_dscp;
} BRAID_SCTP_PACKED4_;

/* SCTP_AUTH_CHUNK: a chunk type the peer must authenticate. */
struct sctp_authchunk {
    uint8_t sauth_chunk;
};

/* HMAC identifiers (RFC 4895 section 6.1). */
enum {
    SCTP_AUTH_HMAC_ID_SHA1 = 1,
    SCTP_AUTH_HMAC_ID_SHA256 = 3,
};

/* SCTP_HMAC_IDENT: HMACs we accept, most preferred first. */
struct sctp_hmacalgo {
    uint32_t shmac_num_idents;
    uint16_t shmac_idents[];
};

#define shmac_number_of_idents shmac_num_idents /* the RFC 6458 member name */

/* SCTP_AUTH_KEY: install shared key number sca_keynumber. */
struct sctp_authkey {
    sctp_assoc_t sca_assoc_id;
    uint16_t sca_keynumber;
    uint16_t sca_keylength;
    uint8_t sca_key[];
};

/* SCTP_AUTH_ACTIVE_KEY, SCTP_AUTH_DELETE_KEY, SCTP_AUTH_DEACTIVATE_KEY */
struct sctp_authkeyid {
    sctp_assoc_t scact_assoc_id;
    uint16_t scact_keynumber;
};

/* SCTP_DELAYED_SACK: delay in ms and every how many packets to SACK (1 turns
 * delayed SACK off). Zeros leave the value unchanged. */
struct sctp_sack_info {
    sctp_assoc_t sack_assoc_id;
    uint32_t sack_delay;
    uint32_t sack_freq;
};

/* The many options that take one number per association. */
struct sctp_assoc_value {
    sctp_assoc_t assoc_id;
    uint32_t assoc_value;
};

/* SCTP_STREAM_SCHEDULER_VALUE: a per-stream scheduler parameter. */
struct sctp_stream_value {
    sctp_assoc_t assoc_id;
    uint16_t stream_id;
    uint16_t stream_value;
};

/* SCTP_GET_PEER_ADDR_INFO: the state of one path. */
struct sctp_paddrinfo {
    sctp_assoc_t spinfo_assoc_id;
    struct sockaddr_storage spinfo_address;
    int32_t spinfo_state; /* enum sctp_spinfo_state */
    uint32_t spinfo_cwnd;
    uint32_t spinfo_srtt; /* ms */
    uint32_t spinfo_rto;  /* ms */
    uint32_t spinfo_mtu;
} BRAID_SCTP_PACKED4_;

/* Path states: INACTIVE and PF as RFC 9260/7829 define them; UNCONFIRMED is a
 * path not yet confirmed by a HEARTBEAT ACK; UNKNOWN a state not reported. */
enum sctp_spinfo_state {
    SCTP_INACTIVE,
    SCTP_PF,
#define SCTP_POTENTIALLY_FAILED SCTP_PF
    SCTP_ACTIVE,
    SCTP_UNCONFIRMED,
    SCTP_UNKNOWN = 0xffff
};

/* SCTP_STATUS */
struct sctp_status {
    sctp_assoc_t sstat_assoc_id;
    int32_t sstat_state; /* enum sctp_sstat_state */
    uint32_t sstat_rwnd;
    uint16_t sstat_unackdata;
    uint16_t sstat_penddata;
    uint16_t sstat_instrms;
    uint16_t sstat_outstrms;
    uint32_t sstat_fragmentation_point;
    struct sctp_paddrinfo sstat_primary;
};

/* SCTP_PEER_AUTH_CHUNKS, SCTP_LOCAL_AUTH_CHUNKS */
struct sctp_authchunks {
    sctp_assoc_t gauth_assoc_id;
    uint32_t gauth_number_of_chunks;
    uint8_t gauth_chunks[];
};

#define guth_number_of_chunks gauth_number_of_chunks /* an old misspelling */

/* Association states reported in sstat_state. */
enum sctp_sstat_state {
    SCTP_EMPTY = 0,
    SCTP_CLOSED = 1,
    SCTP_COOKIE_WAIT = 2,
    SCTP_COOKIE_ECHOED = 3,
    SCTP_ESTABLISHED = 4,
    SCTP_SHUTDOWN_PENDING = 5,
    SCTP_SHUTDOWN_SENT = 6,
    SCTP_SHUTDOWN_RECEIVED = 7,
    SCTP_SHUTDOWN_ACK_SENT = 8,
};

/* SCTP_GET_ASSOC_ID_LIST: the ids of a one-to-many socket's associations. */
struct sctp_assoc_ids {
    uint32_t gaids_number_of_ids;
    sctp_assoc_t gaids_assoc_id[];
};

/* SCTP_GET_PEER_ADDRS / SCTP_GET_LOCAL_ADDRS, behind sctp_getpaddrs() and
 * sctp_getladdrs(): addr_num packed sockaddrs follow, each as long as its
 * family needs. The _old form is what the retired option numbers took. */
struct sctp_getaddrs_old {
    sctp_assoc_t assoc_id;
    int addr_num;
    struct sockaddr *addrs;
};

struct sctp_getaddrs {
    sctp_assoc_t assoc_id;
    uint32_t addr_num;
    uint8_t addrs[];
};

/* SCTP_GET_ASSOC_STATS: counters since the last read (sas_maxrto is the
 * largest RTO seen since then, on path sas_obs_rto_ipaddr). */
struct sctp_assoc_stats {
    sctp_assoc_t sas_assoc_id;
    struct sockaddr_storage sas_obs_rto_ipaddr;
    uint64_t sas_maxrto;
    uint64_t sas_isacks;
    uint64_t sas_osacks;
    uint64_t sas_opackets;
    uint64_t sas_ipackets;
    uint64_t sas_rtxchunks;
    uint64_t sas_outofseqtsns;
    uint64_t sas_idupchunks;
    uint64_t sas_gapcnt;
    uint64_t sas_ouodchunks;
    uint64_t sas_iuodchunks;
    uint64_t sas_oodchunks;
    uint64_t sas_iodchunks;
    uint64_t sas_octrlchunks;
    uint64_t sas_ictrlchunks;
};

/* sctp_bindx() flags. */
#define SCTP_BINDX_ADD_ADDR 0x01
#define SCTP_BINDX_REM_ADDR 0x02

/* getsockopt(SCTP_SOCKOPT_PEELOFF) argument: association in, new fd out. */
typedef struct {
    sctp_assoc_t associd;
    int sd;
} sctp_peeloff_arg_t;

/* getsockopt(SCTP_SOCKOPT_PEELOFF_FLAGS): flags are SOCK_CLOEXEC / SOCK_NONBLOCK. */
typedef struct {
    sctp_peeloff_arg_t p_arg;
    unsigned flags;
} sctp_peeloff_flags_arg_t;

/* SCTP_PEER_ADDR_THLDS: path failure and potentially-failed thresholds. */
struct sctp_paddrthlds {
    sctp_assoc_t spt_assoc_id;
    struct sockaddr_storage spt_address;
    uint16_t spt_pathmaxrxt;
    uint16_t spt_pathpfthld;
};

/* SCTP_PEER_ADDR_THLDS_V2: adds the primary path switchover threshold. */
struct sctp_paddrthlds_v2 {
    sctp_assoc_t spt_assoc_id;
    struct sockaddr_storage spt_address;
    uint16_t spt_pathmaxrxt;
    uint16_t spt_pathpfthld;
    uint16_t spt_pathcpthld;
};

/* SCTP_PR_ASSOC_STATUS / SCTP_PR_STREAM_STATUS: messages abandoned. */
struct sctp_prstatus {
    sctp_assoc_t sprstat_assoc_id;
    uint16_t sprstat_sid;
    uint16_t sprstat_policy;
    uint64_t sprstat_abandoned_unsent;
    uint64_t sprstat_abandoned_sent;
};

/* SCTP_DEFAULT_PRINFO */
struct sctp_default_prinfo {
    sctp_assoc_t pr_assoc_id;
    uint32_t pr_value;
    uint16_t pr_policy;
};

/* What Linux reports through sock_diag for an association (here for
 * completeness: a program may size buffers with it). */
struct sctp_info {
    uint32_t sctpi_tag;
    uint32_t sctpi_state;
    uint32_t sctpi_rwnd;
    uint16_t sctpi_unackdata;
    uint16_t sctpi_penddata;
    uint16_t sctpi_instrms;
    uint16_t sctpi_outstrms;
    uint32_t sctpi_fragmentation_point;
    uint32_t sctpi_inqueue;
    uint32_t sctpi_outqueue;
    uint32_t sctpi_overall_error;
    uint32_t sctpi_max_burst;
    uint32_t sctpi_maxseg;
    uint32_t sctpi_peer_rwnd;
    uint32_t sctpi_peer_tag;
    uint8_t sctpi_peer_capable;
    uint8_t sctpi_peer_sack;
    uint16_t __reserved1;

    /* association counters */
    uint64_t sctpi_isacks;
    uint64_t sctpi_osacks;
    uint64_t sctpi_opackets;
    uint64_t sctpi_ipackets;
    uint64_t sctpi_rtxchunks;
    uint64_t sctpi_outofseqtsns;
    uint64_t sctpi_idupchunks;
    uint64_t sctpi_gapcnt;
    uint64_t sctpi_ouodchunks;
    uint64_t sctpi_iuodchunks;
    uint64_t sctpi_oodchunks;
    uint64_t sctpi_iodchunks;
    uint64_t sctpi_octrlchunks;
    uint64_t sctpi_ictrlchunks;

    /* the primary path */
    struct sockaddr_storage sctpi_p_address;
    int32_t sctpi_p_state;
    uint32_t sctpi_p_cwnd;
    uint32_t sctpi_p_srtt;
    uint32_t sctpi_p_rto;
    uint32_t sctpi_p_hbinterval;
    uint32_t sctpi_p_pathmaxrxt;
    uint32_t sctpi_p_sackdelay;
    uint32_t sctpi_p_sackfreq;
    uint32_t sctpi_p_ssthresh;
    uint32_t sctpi_p_partial_bytes_acked;
    uint32_t sctpi_p_flight_size;
    uint16_t sctpi_p_error;
    uint16_t __reserved2;

    /* the socket */
    uint32_t sctpi_s_autoclose;
    uint32_t sctpi_s_adaptation_ind;
    uint32_t sctpi_s_pd_point;
    uint8_t sctpi_s_nodelay;
    uint8_t sctpi_s_disable_fragments;
    uint8_t sctpi_s_v4mapped;
    uint8_t sctpi_s_frag_interleave;
    uint32_t sctpi_s_type;
    uint32_t __reserved3;
};

/* SCTP_RESET_STREAMS: srs_number_streams == 0 means every stream. */
struct sctp_reset_streams {
    sctp_assoc_t srs_assoc_id;
    uint16_t srs_flags; /* SCTP_STREAM_RESET_INCOMING / _OUTGOING */
    uint16_t srs_number_streams;
    uint16_t srs_stream_list[];
};

/* SCTP_ADD_STREAMS */
struct sctp_add_streams {
    sctp_assoc_t sas_assoc_id;
    uint16_t sas_instrms;
    uint16_t sas_outstrms;
};

/* SCTP_EVENT: subscribe to one notification type (enum sctp_sn_type). */
struct sctp_event {
    sctp_assoc_t se_assoc_id;
    uint16_t se_type;
    uint8_t se_on;
};

/* SCTP_REMOTE_UDP_ENCAPS_PORT (RFC 6951): the peer's UDP port, per
 * association or per path. */
struct sctp_udpencaps {
    sctp_assoc_t sue_assoc_id;
    struct sockaddr_storage sue_address;
    uint16_t sue_port;
};

/* SCTP_STREAM_SCHEDULER values (RFC 8260). */
enum sctp_sched_type {
    SCTP_SS_FCFS,
    SCTP_SS_DEFAULT = SCTP_SS_FCFS,
    SCTP_SS_PRIO,
    SCTP_SS_RR,
    SCTP_SS_MAX = SCTP_SS_RR
};

/* SCTP_PLPMTUD_PROBE_INTERVAL (RFC 8899): ms between PMTU probes, 0 = off. */
struct sctp_probeinterval {
    sctp_assoc_t spi_assoc_id;
    struct sockaddr_storage spi_address;
    uint32_t spi_interval;
};

/* ------------------------------------------------------------------------ */
/* sctp_sendv() / sctp_recvv() (RFC 6458 sections 9.12, 9.13)                */
/* ------------------------------------------------------------------------ */

/* infotype of sctp_sendv(): what info points to. */
enum {
    SCTP_SENDV_NOINFO,   /* nothing */
    SCTP_SENDV_SNDINFO,  /* struct sctp_sndinfo */
    SCTP_SENDV_PRINFO,   /* struct sctp_prinfo */
    SCTP_SENDV_AUTHINFO, /* struct sctp_authinfo */
    SCTP_SENDV_SPA       /* struct sctp_sendv_spa */
};

/* sendv_flags: which members of struct sctp_sendv_spa are filled in. */
#define SCTP_SEND_SNDINFO_VALID 0x1
#define SCTP_SEND_PRINFO_VALID 0x2
#define SCTP_SEND_AUTHINFO_VALID 0x4

struct sctp_sendv_spa {
    uint32_t sendv_flags;
    struct sctp_sndinfo sendv_sndinfo;
    struct sctp_prinfo sendv_prinfo;
    struct sctp_authinfo sendv_authinfo;
};

/* infotype of sctp_recvv(): what it stored in info. */
enum {
    SCTP_RECVV_NOINFO,  /* nothing */
    SCTP_RECVV_RCVINFO, /* struct sctp_rcvinfo */
    SCTP_RECVV_NXTINFO, /* struct sctp_nxtinfo */
    SCTP_RECVV_RN       /* struct sctp_recvv_rn */
};

struct sctp_recvv_rn {
    struct sctp_rcvinfo recvv_rcvinfo;
    struct sctp_nxtinfo recvv_nxtinfo;
};

/* ------------------------------------------------------------------------ */
/* Socket calls on braid sockets                                             */
/* ------------------------------------------------------------------------ */

/* Same arguments, results and errno values as the POSIX calls they are named
 * after. braid_socket() makes a braid socket when protocol is IPPROTO_SCTP
 * (SOCK_STREAM: one-to-one, SOCK_SEQPACKET: one-to-many) and otherwise asks
 * the system for an ordinary one. */
/* braid extension (level IPPROTO_SCTP, int): the local UDP port of the
 * RFC 6951 encapsulation, set before listen/connect. A listener defaults to
 * $BRAID_UDP_PORT or 9899, a connecting socket to an ephemeral port. The
 * peer's port is SCTP_REMOTE_UDP_ENCAPS_PORT. */
#define BRAID_SCTP_LOCAL_UDP_PORT 0x4272
/* braid extension (level IPPROTO_SCTP, int), set before listen/connect: the
 * transport of this socket: BRAID_TRANSPORT_UDP (RFC 6951, the default, or
 * $BRAID_TRANSPORT=udp) or BRAID_TRANSPORT_RAW (IP protocol 132, needs root;
 * talks to kernel SCTP stacks on the wire; $BRAID_TRANSPORT=raw). */
#define BRAID_SCTP_TRANSPORT 0x4273
#define BRAID_TRANSPORT_UDP 0
#define BRAID_TRANSPORT_RAW 1

int braid_socket(int domain, int type, int protocol);
int braid_bind(int fd, const struct sockaddr *addr, socklen_t addrlen);
int braid_listen(int fd, int backlog);
int braid_accept(int fd, struct sockaddr *addr, socklen_t *addrlen);
int braid_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);
int braid_close(int fd);
int braid_shutdown(int fd, int how);
ssize_t braid_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t braid_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t braid_send(int fd, const void *buf, size_t len, int flags);
ssize_t braid_recv(int fd, void *buf, size_t len, int flags);
ssize_t braid_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
                     socklen_t tolen);
ssize_t braid_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                       socklen_t *fromlen);
ssize_t braid_read(int fd, void *buf, size_t len);
ssize_t braid_write(int fd, const void *buf, size_t len);
int braid_setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen);
int braid_getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen);
int braid_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen);
int braid_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen);
/* F_GETFL / F_SETFL (O_NONBLOCK), F_GETFD / F_SETFD and the rest. */
int braid_fcntl(int fd, int cmd, ...);
/* The rest of what an unmodified program calls on a socket (the LD_PRELOAD
 * drop-in, braid-run, routes these here too). A descriptor made by dup,
 * dup2, dup3 or F_DUPFD names the same braid socket, which ends when the
 * last of its descriptors is closed. ioctl: FIONREAD/SIOCINQ (the length of
 * what the next read returns), FIONBIO; SIOCOUTQ is ENOTTY, as on Linux;
 * the others act on the descriptor. */
struct mmsghdr;
struct timespec;
struct iovec;
int braid_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
ssize_t braid_readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t braid_writev(int fd, const struct iovec *iov, int iovcnt);
int braid_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
                   struct timespec *timeout);
int braid_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags);
int braid_ioctl(int fd, unsigned long request, ...);
int braid_dup(int fd);
int braid_dup2(int oldfd, int newfd);
int braid_dup3(int oldfd, int newfd, int flags);
int braid_close_range(unsigned int first, unsigned int last, int flags);

/* ------------------------------------------------------------------------ */
/* The lksctp library functions (RFC 6458 section 9), Linux signatures       */
/* ------------------------------------------------------------------------ */

/* Add (SCTP_BINDX_ADD_ADDR) or remove (SCTP_BINDX_REM_ADDR) addrcnt packed
 * local addresses. */
int sctp_bindx(int sd, struct sockaddr *addrs, int addrcnt, int flags);

/* Connect to a peer known by addrcnt packed addresses; *id (if not NULL)
 * receives the association id. */
int sctp_connectx(int sd, struct sockaddr *addrs, int addrcnt, sctp_assoc_t *id);

/* Move one association of a one-to-many socket onto a new one-to-one socket
 * and return its descriptor. flags: SOCK_CLOEXEC, SOCK_NONBLOCK. */
int sctp_peeloff(int sd, sctp_assoc_t assoc_id);
int sctp_peeloff_flags(int sd, sctp_assoc_t assoc_id, unsigned flags);

/* getsockopt() for options whose argument names an association. */
int sctp_opt_info(int sd, sctp_assoc_t id, int opt, void *arg, socklen_t *size);

/* The peer's / our addresses as an allocated packed array; return how many
 * (-1 on error). Free with the matching function. */
int sctp_getpaddrs(int sd, sctp_assoc_t id, struct sockaddr **addrs);
int sctp_freepaddrs(struct sockaddr *addrs);
int sctp_getladdrs(int sd, sctp_assoc_t id, struct sockaddr **addrs);
int sctp_freeladdrs(struct sockaddr *addrs);

/* Send one message with the given stream, ppid, flags, lifetime, context. */
int sctp_sendmsg(int s, const void *msg, size_t len, struct sockaddr *to, socklen_t tolen,
                 uint32_t ppid, uint32_t flags, uint16_t stream_no, uint32_t timetolive,
                 uint32_t context);

/* Send one message described by an sctp_sndrcvinfo. */
int sctp_send(int s, const void *msg, size_t len, const struct sctp_sndrcvinfo *sinfo, int flags);

/* Receive one message (or part of it) and its sctp_sndrcvinfo (filled in when
 * sctp_data_io_event is subscribed). */
int sctp_recvmsg(int s, void *msg, size_t len, struct sockaddr *from, socklen_t *fromlen,
                 struct sctp_sndrcvinfo *sinfo, int *msg_flags);

/* Gather-send with an infotype-tagged description (SCTP_SENDV_*). */
int sctp_sendv(int s, const struct iovec *iov, int iovcnt, struct sockaddr *addrs, int addrcnt,
               void *info, socklen_t infolen, unsigned int infotype, int flags);

/* Scatter-receive; *infotype tells what was stored in info (SCTP_RECVV_*). */
int sctp_recvv(int s, const struct iovec *iov, int iovlen, struct sockaddr *from,
               socklen_t *fromlen, void *info, socklen_t *infolen, unsigned int *infotype,
               int *flags);

/* Length of a socket address of the family (sizeof sockaddr_in / _in6), or
 * -1 for a family SCTP does not carry. */
int sctp_getaddrlen(sa_family_t family);

#undef BRAID_SCTP_PACKED4_

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* BRAID_SCTP_H */
