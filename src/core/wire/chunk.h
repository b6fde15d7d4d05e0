/*
 * SCTP packet framing: common header, chunk iteration, the decoded chunk
 * union and the per-type codec table.
 *
 * RFC 9260 §3: an SCTP packet is a 12-byte common header followed by chunks,
 * each a (type, flags, length, value) record padded to a multiple of 4 bytes.
 * The Chunk Length counts type, flags, length and value but not the padding.
 *
 * Decoded chunks never copy: pointers in them refer to the packet bytes, which
 * must outlive the decoded form.
 */
#ifndef BRAID_WIRE_CHUNK_H
#define BRAID_WIRE_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "braid/braid.h"
#include "core/util/bytes.h"
#include "core/util/sbuf.h"

/* Chunk types. RFC 9260 §3.2 unless noted. */
enum {
    BRAID_CHUNK_DATA = 0,
    BRAID_CHUNK_INIT = 1,
    BRAID_CHUNK_INIT_ACK = 2,
    BRAID_CHUNK_SACK = 3,
    BRAID_CHUNK_HEARTBEAT = 4,
    BRAID_CHUNK_HEARTBEAT_ACK = 5,
    BRAID_CHUNK_ABORT = 6,
    BRAID_CHUNK_SHUTDOWN = 7,
    BRAID_CHUNK_SHUTDOWN_ACK = 8,
    BRAID_CHUNK_ERROR = 9,
    BRAID_CHUNK_COOKIE_ECHO = 10,
    BRAID_CHUNK_COOKIE_ACK = 11,
    BRAID_CHUNK_ECNE = 12, /* reserved for ECN, RFC 9260 §3.2; layout RFC 4960 App. A */
    BRAID_CHUNK_CWR = 13,  /* reserved for ECN, RFC 9260 §3.2 */
    BRAID_CHUNK_SHUTDOWN_COMPLETE = 14,
    BRAID_CHUNK_AUTH = 15,          /* RFC 4895 §5.1 */
    BRAID_CHUNK_IDATA = 64,         /* RFC 8260 §2.1 */
    BRAID_CHUNK_ASCONF_ACK = 0x80,  /* RFC 5061 §4.1.2 */
    BRAID_CHUNK_RECONFIG = 130,     /* RFC 6525 §3.1 */
    BRAID_CHUNK_PAD = 0x84,         /* RFC 4820 §3 */
    BRAID_CHUNK_FORWARD_TSN = 192,  /* RFC 3758 §3.2 */
    BRAID_CHUNK_ASCONF = 0xC1,      /* RFC 5061 §4.1.1 */
    BRAID_CHUNK_IFORWARD_TSN = 194, /* RFC 8260 §2.3.1 */
};

/* Chunk flags. */
enum {
    BRAID_DATA_FLAG_E = 0x01, /* last fragment, RFC 9260 §3.3.1 */
    BRAID_DATA_FLAG_B = 0x02, /* first fragment */
    BRAID_DATA_FLAG_U = 0x04, /* unordered */
    BRAID_DATA_FLAG_I = 0x08, /* SACK immediately, RFC 9260 §3.3.1 */
    BRAID_FLAG_T = 0x01,      /* ABORT / SHUTDOWN COMPLETE: tag reflected, §3.3.7, §3.3.13 */
};

#define BRAID_COMMON_HEADER_LEN 12
#define BRAID_CHUNK_HEADER_LEN 4

/* RFC 9260 §3.1 common header. */
typedef struct braid_common_header {
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t vtag;
    uint32_t checksum; /* as carried on the wire (CRC32c, see crc32c.h) */
} braid_common_header;

int braid_header_parse(const uint8_t *pkt, size_t len, braid_common_header *h);
void braid_header_write(uint8_t *pkt, const braid_common_header *h);

/* A chunk as framed in the packet, before its value is decoded. */
typedef struct braid_chunk_view {
    uint8_t type;
    uint8_t flags;
    uint16_t length;      /* the Chunk Length field */
    const uint8_t *value; /* length - 4 bytes */
    size_t value_len;
    const uint8_t *raw; /* the chunk from its type byte, `length` bytes */
} braid_chunk_view;

typedef struct braid_chunk_iter {
    const uint8_t *p;
    size_t len;
    size_t off;
} braid_chunk_iter;

/* Iterates the chunks after the common header of pkt[0..len). */
void braid_chunk_iter_init(braid_chunk_iter *it, const uint8_t *pkt, size_t len);
/* Iterates chunks in buf[0..len) with no common header (a bare chunk list). */
void braid_chunk_iter_init_bare(braid_chunk_iter *it, const uint8_t *buf, size_t len);
/*
 * Returns 1 and fills *v with the next chunk, 0 at the end of the packet, or
 * a negative braid_error for a malformed chunk (BRAID_ERR_CHUNK_ZERO_LEN,
 * BRAID_ERR_CHUNK_LEN, BRAID_ERR_CHUNK_OVERRUN, BRAID_ERR_CHUNK_PADDING,
 * BRAID_ERR_TRUNCATED). After an error the iterator stays at the bad chunk.
 */
int braid_chunk_iter_next(braid_chunk_iter *it, braid_chunk_view *v);

/* RFC 9260 §3.2: what the upper two bits of an unrecognized type ask for. */
typedef enum braid_unknown_action {
    BRAID_UNKNOWN_STOP = 0,        /* 00: stop, discard */
    BRAID_UNKNOWN_STOP_REPORT = 1, /* 01: stop, discard, report */
    BRAID_UNKNOWN_SKIP = 2,        /* 10: skip, continue */
    BRAID_UNKNOWN_SKIP_REPORT = 3, /* 11: skip, continue, report */
} braid_unknown_action;

static inline braid_unknown_action braid_chunk_unknown_action(uint8_t type)
{
    return (braid_unknown_action)(type >> 6); /* RFC 9260 §3.2 */
}
static inline bool braid_unknown_action_stops(braid_unknown_action a)
{
    return !(a & 2);
}
static inline bool braid_unknown_action_reports(braid_unknown_action a)
{
    return (a & 1) != 0;
}

/* ---- decoded chunks ---- */

/* DATA (RFC 9260 §3.3.1) and I-DATA (RFC 8260 §2.1); flags in braid_chunk. */
typedef struct braid_data_chunk {
    uint32_t tsn;
    uint16_t sid;
    uint16_t ssn;  /* DATA only */
    uint32_t mid;  /* I-DATA only: Message Identifier */
    uint32_t ppid; /* DATA; I-DATA when the B flag is set */
    uint32_t fsn;  /* I-DATA when the B flag is clear: Fragment Sequence Number */
    const uint8_t *payload;
    size_t payload_len;
} braid_data_chunk;

/* INIT (§3.3.2) and INIT ACK (§3.3.3). params: the parameter TLVs, raw. */
typedef struct braid_init_chunk {
    uint32_t init_tag;
    uint32_t a_rwnd;
    uint16_t os;  /* Number of Outbound Streams */
    uint16_t mis; /* Number of Inbound Streams */
    uint32_t initial_tsn;
    const uint8_t *params;
    size_t params_len;
} braid_init_chunk;

/* SACK (§3.3.4). gaps: n_gaps (start, end) u16 pairs; dups: n_dups u32. */
typedef struct braid_sack_chunk {
    uint32_t cum_tsn;
    uint32_t a_rwnd;
    uint16_t n_gaps;
    uint16_t n_dups;
    const uint8_t *gaps;
    const uint8_t *dups;
} braid_sack_chunk;

/* HEARTBEAT / HEARTBEAT ACK (§3.3.5, §3.3.6): the Heartbeat Info value. */
typedef struct braid_heartbeat_chunk {
    const uint8_t *info;
    size_t info_len;
} braid_heartbeat_chunk;

/* Chunks whose value is a list of TLVs: ABORT (§3.3.7) and ERROR (§3.3.10)
 * (error causes), RE-CONFIG (RFC 6525 §3.1) (parameters). */
typedef struct braid_tlvs_chunk {
    const uint8_t *tlvs;
    size_t tlvs_len;
} braid_tlvs_chunk;

/* SHUTDOWN (§3.3.8): Cumulative TSN Ack; ECNE/CWR (Appendix A): a TSN. */
typedef struct braid_tsn_chunk {
    uint32_t tsn;
} braid_tsn_chunk;

/* COOKIE ECHO (§3.3.11). */
typedef struct braid_cookie_chunk {
    const uint8_t *cookie;
    size_t cookie_len;
} braid_cookie_chunk;

/* AUTH (RFC 4895 §4.1). */
typedef struct braid_auth_chunk {
    uint16_t key_id;
    uint16_t hmac_id;
    const uint8_t *hmac;
    size_t hmac_len;
} braid_auth_chunk;

/* FORWARD TSN (RFC 3758 §3.2): n entries of (sid u16, ssn u16);
 * I-FORWARD-TSN (RFC 8260 §2.3.1): n entries of (sid u16, reserved:15 U:1, mid u32). */
typedef struct braid_fwdtsn_chunk {
    uint32_t new_cum_tsn;
    size_t n;
    const uint8_t *entries;
} braid_fwdtsn_chunk;

/* PAD (RFC 4820 §3): the value is padding, written as zeros. */
typedef struct braid_pad_chunk {
    size_t pad_len;
} braid_pad_chunk;

/* ASCONF (RFC 5061 §4.1.1) and ASCONF-ACK (§4.1.2). For ASCONF, params
 * starts with the mandatory Address Parameter. */
typedef struct braid_asconf_chunk {
    uint32_t serial;
    const uint8_t *params;
    size_t params_len;
} braid_asconf_chunk;

/* Any chunk, or an unrecognized type kept raw. */
typedef struct braid_raw_chunk {
    const uint8_t *value;
    size_t value_len;
} braid_raw_chunk;

typedef struct braid_chunk {
    uint8_t type;
    uint8_t flags;
    union {
        braid_data_chunk data;     /* DATA, I-DATA */
        braid_init_chunk init;     /* INIT, INIT ACK */
        braid_sack_chunk sack;     /* SACK */
        braid_heartbeat_chunk hb;  /* HEARTBEAT, HEARTBEAT ACK */
        braid_tlvs_chunk tlvs;     /* ABORT, ERROR, RE-CONFIG */
        braid_tsn_chunk tsn;       /* SHUTDOWN, ECNE, CWR */
        braid_cookie_chunk cookie; /* COOKIE ECHO */
        braid_auth_chunk auth;     /* AUTH */
        braid_fwdtsn_chunk fwdtsn; /* FORWARD TSN, I-FORWARD-TSN */
        braid_pad_chunk pad;       /* PAD */
        braid_asconf_chunk asconf; /* ASCONF, ASCONF-ACK */
        braid_raw_chunk raw;       /* empty chunks and unknown types */
    } u;
} braid_chunk;

/*
 * Per-type codec. parse decodes v into *out (out->type/flags already set) and
 * returns 0 or a negative braid_error; write appends the whole chunk (header,
 * value, padding) to w and returns 0, BRAID_ERR_NOSPACE (w->err set) or
 * another error; describe appends a one-line text of every field.
 */
typedef struct braid_chunk_ops {
    uint8_t type;
    const char *name;
    int (*parse)(const braid_chunk_view *v, braid_chunk *out);
    int (*write)(braid_wr *w, const braid_chunk *c);
    void (*describe)(braid_sbuf *s, const braid_chunk *c);
} braid_chunk_ops;

/* NULL for types the codec does not know. */
const braid_chunk_ops *braid_chunk_ops_find(uint8_t type);
const char *braid_chunk_name(uint8_t type); /* "UNKNOWN" if not known */

/* Decodes any chunk; unknown types decode as raw. */
int braid_chunk_parse(const braid_chunk_view *v, braid_chunk *out);
/* Encodes any chunk (unknown types from raw). On failure w is rolled back. */
int braid_chunk_write(braid_wr *w, const braid_chunk *c);
void braid_chunk_describe(braid_sbuf *s, const braid_chunk *c);

/* Helpers for writers: begin writes type/flags/length placeholder and returns
 * the chunk start; end patches the length (unpadded) and pads to 4. */
size_t braid_chunk_begin(braid_wr *w, uint8_t type, uint8_t flags);
int braid_chunk_end(braid_wr *w, size_t start);

/* Shared codecs for the simplest chunks. "empty": no value (SHUTDOWN ACK,
 * COOKIE ACK, SHUTDOWN COMPLETE; extra bytes ignored, not re-encoded).
 * "tsn": one 32-bit TSN (SHUTDOWN, ECNE, CWR; extra bytes ignored). */
int braid_chunk_parse_empty(const braid_chunk_view *v, braid_chunk *out);
int braid_chunk_write_empty(braid_wr *w, const braid_chunk *c);
void braid_chunk_describe_flags(braid_sbuf *s, const braid_chunk *c);
int braid_chunk_parse_tsn(const braid_chunk_view *v, braid_chunk *out);
int braid_chunk_write_tsn(braid_wr *w, const braid_chunk *c);

/* Family entry points (one .c file each). */
extern const braid_chunk_ops braid_ops_data, braid_ops_idata;              /* data.c */
extern const braid_chunk_ops braid_ops_init, braid_ops_init_ack;           /* init.c */
extern const braid_chunk_ops braid_ops_sack;                               /* sack.c */
extern const braid_chunk_ops braid_ops_heartbeat, braid_ops_heartbeat_ack; /* heartbeat.c */
extern const braid_chunk_ops braid_ops_abort, braid_ops_error;             /* abort_error.c */
extern const braid_chunk_ops braid_ops_shutdown, braid_ops_shutdown_ack,
    braid_ops_shutdown_complete;                                            /* shutdown.c */
extern const braid_chunk_ops braid_ops_cookie_echo, braid_ops_cookie_ack;   /* cookie.c */
extern const braid_chunk_ops braid_ops_ecne, braid_ops_cwr;                 /* ecn.c */
extern const braid_chunk_ops braid_ops_auth;                                /* auth.c */
extern const braid_chunk_ops braid_ops_forward_tsn, braid_ops_iforward_tsn; /* fwdtsn.c */
extern const braid_chunk_ops braid_ops_reconfig;                            /* reconfig.c */
extern const braid_chunk_ops braid_ops_pad;                                 /* pad.c */
extern const braid_chunk_ops braid_ops_asconf, braid_ops_asconf_ack;        /* asconf.c */

#endif
