/*
 * Type-length-value records inside chunks: parameters (RFC 9260 §3.2.1) and
 * error causes (§3.3.10). Both are (type u16, length u16, value) padded to 4
 * bytes; the length counts type, length and value, not the padding. The last
 * TLV of a chunk may omit its padding (§3.2: the chunk length does not include
 * the padding of its last parameter), any other must carry it.
 */
#ifndef BRAID_WIRE_TLV_H
#define BRAID_WIRE_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "braid/braid.h"
#include "core/util/bytes.h"
#include "core/util/sbuf.h"

/* Parameter types. RFC 9260 §3.3.2.1 and §3.3.3.1 unless noted. */
enum {
    BRAID_PARAM_HEARTBEAT_INFO = 1, /* §3.3.5 */
    BRAID_PARAM_IPV4 = 5,
    BRAID_PARAM_IPV6 = 6,
    BRAID_PARAM_STATE_COOKIE = 7,
    BRAID_PARAM_UNRECOGNIZED = 8,
    BRAID_PARAM_COOKIE_PRESERVATIVE = 9,
    BRAID_PARAM_HOST_NAME = 11, /* deprecated, §3.3.2.1 */
    BRAID_PARAM_SUPPORTED_ADDR_TYPES = 12,
    BRAID_PARAM_OUT_SSN_RESET = 13,             /* RFC 6525 §4.1 */
    BRAID_PARAM_IN_SSN_RESET = 14,              /* RFC 6525 §4.2 */
    BRAID_PARAM_SSN_TSN_RESET = 15,             /* RFC 6525 §4.3 */
    BRAID_PARAM_RECONFIG_RESP = 16,             /* RFC 6525 §4.4 */
    BRAID_PARAM_ADD_OUT_STREAMS = 17,           /* RFC 6525 §4.5 */
    BRAID_PARAM_ADD_IN_STREAMS = 18,            /* RFC 6525 §4.6 */
    BRAID_PARAM_ECN_CAPABLE = 0x8000,           /* reserved, Appendix A */
    BRAID_PARAM_RANDOM = 0x8002,                /* RFC 4895 §3.1 */
    BRAID_PARAM_CHUNK_LIST = 0x8003,            /* RFC 4895 §3.2 */
    BRAID_PARAM_HMAC_ALGO = 0x8004,             /* RFC 4895 §3.3 */
    BRAID_PARAM_PADDING = 0x8005,               /* RFC 4820 §4 */
    BRAID_PARAM_SUPPORTED_EXT = 0x8008,         /* RFC 5061 §4.2.7 */
    BRAID_PARAM_FORWARD_TSN_SUPPORTED = 0xC000, /* RFC 3758 §3.1 */
    BRAID_PARAM_ADD_IP = 0xC001,                /* RFC 5061 §4.2.1 */
    BRAID_PARAM_DEL_IP = 0xC002,                /* RFC 5061 §4.2.2 */
    BRAID_PARAM_ERROR_CAUSE_IND = 0xC003,       /* RFC 5061 §4.2.3 */
    BRAID_PARAM_SET_PRIMARY = 0xC004,           /* RFC 5061 §4.2.4 */
    BRAID_PARAM_SUCCESS_IND = 0xC005,           /* RFC 5061 §4.2.5 */
    BRAID_PARAM_ADAPTATION = 0xC006,            /* RFC 5061 §4.2.6 */
};

/* Error cause codes. RFC 9260 §3.3.10 unless noted. */
enum {
    BRAID_CAUSE_INVALID_STREAM = 1,
    BRAID_CAUSE_MISSING_PARAM = 2,
    BRAID_CAUSE_STALE_COOKIE = 3,
    BRAID_CAUSE_OUT_OF_RESOURCE = 4,
    BRAID_CAUSE_UNRESOLVABLE_ADDR = 5,
    BRAID_CAUSE_UNRECOGNIZED_CHUNK = 6,
    BRAID_CAUSE_INVALID_PARAM = 7,
    BRAID_CAUSE_UNRECOGNIZED_PARAMS = 8,
    BRAID_CAUSE_NO_USER_DATA = 9,
    BRAID_CAUSE_COOKIE_IN_SHUTDOWN = 10,
    BRAID_CAUSE_RESTART_NEW_ADDRS = 11,
    BRAID_CAUSE_USER_ABORT = 12,
    BRAID_CAUSE_PROTOCOL_VIOLATION = 13,
    BRAID_CAUSE_DELETE_LAST_ADDR = 0x00A0,   /* RFC 5061 §5.2 */
    BRAID_CAUSE_RESOURCE_SHORTAGE = 0x00A1,  /* RFC 5061 §5.2 */
    BRAID_CAUSE_DELETE_SOURCE_ADDR = 0x00A2, /* RFC 5061 §5.2 */
    BRAID_CAUSE_ILLEGAL_ASCONF_ACK = 0x00A3, /* RFC 5061 §5.2 */
    BRAID_CAUSE_NO_AUTHORIZATION = 0x00A4,   /* RFC 5061 §5.2 */
    BRAID_CAUSE_UNSUPPORTED_HMAC = 0x0105,   /* RFC 4895 §4.1 */
};

/* A TLV as framed. */
typedef struct braid_tlv {
    uint16_t type;
    uint16_t length; /* the Length field */
    const uint8_t *value;
    size_t value_len;
    const uint8_t *raw; /* from the type field, `length` bytes */
} braid_tlv;

typedef struct braid_tlv_iter {
    const uint8_t *p;
    size_t len;
    size_t off;
} braid_tlv_iter;

void braid_tlv_iter_init(braid_tlv_iter *it, const uint8_t *p, size_t len);
/* 1 and *t filled, 0 at the end, or BRAID_ERR_PARAM_LEN / _OVERRUN / _PADDING. */
int braid_tlv_iter_next(braid_tlv_iter *it, braid_tlv *t);
/* Validates the framing of a whole TLV list: 0 or the first error. */
int braid_tlv_list_check(const uint8_t *p, size_t len);

/* RFC 9260 §3.2.1: action for an unrecognized parameter type (upper 2 bits). */
static inline int braid_param_unknown_action(uint16_t type)
{
    return type >> 14;
}

/* Writers: begin pads the writer to 4 bytes and returns the TLV start; end
 * patches the length. Padding after the last TLV is left to the enclosing
 * chunk (braid_chunk_end), per RFC 9260 §3.2. */
size_t braid_tlv_begin(braid_wr *w, uint16_t type);
int braid_tlv_end(braid_wr *w, size_t start);
/* A TLV with an opaque value. */
int braid_tlv_write(braid_wr *w, uint16_t type, const uint8_t *value, size_t len);

typedef struct braid_bytes {
    const uint8_t *p;
    size_t len;
} braid_bytes;

/* ---- decoded parameters ---- */
typedef struct braid_param {
    uint16_t type;
    union {
        /* IPV4 (4 bytes) / IPV6 (16 bytes) */
        struct {
            uint8_t len;
            uint8_t bytes[16];
        } addr;
        /* COOKIE_PRESERVATIVE (suggested increment, ms), ADAPTATION (indication),
         * SUCCESS_IND (correlation id) */
        uint32_t u32;
        /* HEARTBEAT_INFO, STATE_COOKIE, HOST_NAME (bytes incl. NUL), UNRECOGNIZED
         * (the unrecognized TLV), RANDOM, CHUNK_LIST and SUPPORTED_EXT (chunk
         * types, one byte each), PADDING, ECN_CAPABLE and FORWARD_TSN_SUPPORTED
         * (empty), unknown types */
        braid_bytes bytes;
        /* SUPPORTED_ADDR_TYPES, HMAC_ALGO: n big-endian u16 at p */
        struct {
            size_t n;
            const uint8_t *p;
        } u16s;
        /* ADD_IP, DEL_IP, SET_PRIMARY (inner = address TLV), ERROR_CAUSE_IND
         * (inner = error cause TLVs) */
        struct {
            uint32_t corr_id;
            braid_bytes inner;
        } asconf;
        /* OUT_SSN_RESET, IN_SSN_RESET, SSN_TSN_RESET: n_streams u16 at streams */
        struct {
            uint32_t req_seq;
            uint32_t resp_seq; /* OUT only */
            uint32_t last_tsn; /* OUT only: Sender's Last Assigned TSN */
            size_t n_streams;
            const uint8_t *streams;
        } reset;
        /* RECONFIG_RESP */
        struct {
            uint32_t resp_seq;
            uint32_t result;
            bool has_tsns;
            uint32_t sender_next_tsn;
            uint32_t receiver_next_tsn;
        } resp;
        /* ADD_OUT_STREAMS, ADD_IN_STREAMS */
        struct {
            uint32_t req_seq;
            uint16_t n_new;
        } add;
    } u;
} braid_param;

/* Decodes a parameter of any type (unknown types as bytes). Errors:
 * BRAID_ERR_PARAM_VALUE when the value has the wrong size or shape. */
int braid_param_parse(const braid_tlv *t, braid_param *out);
int braid_param_write(braid_wr *w, const braid_param *p);
void braid_param_describe(braid_sbuf *s, const braid_param *p);
const char *braid_param_name(uint16_t type);

/* ---- decoded error causes ---- */
typedef struct braid_cause {
    uint16_t code;
    union {
        uint16_t sid;          /* INVALID_STREAM */
        uint32_t staleness_us; /* STALE_COOKIE: Measure of Staleness */
        uint32_t tsn;          /* NO_USER_DATA */
        uint16_t hmac_id;      /* UNSUPPORTED_HMAC */
        /* MISSING_PARAM: n u16 types at p */
        struct {
            size_t n;
            const uint8_t *p;
        } missing;
        /* UNRESOLVABLE_ADDR (an address TLV), UNRECOGNIZED_CHUNK (the chunk),
         * UNRECOGNIZED_PARAMS (TLVs), RESTART_NEW_ADDRS (address TLVs),
         * USER_ABORT and PROTOCOL_VIOLATION (info), DELETE_LAST_ADDR,
         * RESOURCE_SHORTAGE, DELETE_SOURCE_ADDR, ILLEGAL_ASCONF_ACK,
         * NO_AUTHORIZATION (the TLV concerned), empty ones (OUT_OF_RESOURCE,
         * INVALID_PARAM, COOKIE_IN_SHUTDOWN) and unknown codes */
        braid_bytes bytes;
    } u;
} braid_cause;

int braid_cause_parse(const braid_tlv *t, braid_cause *out);
int braid_cause_write(braid_wr *w, const braid_cause *c);
void braid_cause_describe(braid_sbuf *s, const braid_cause *c);
const char *braid_cause_name(uint16_t code);

/* Describes every TLV of a list as parameters / causes, "; "-separated. */
void braid_params_describe(braid_sbuf *s, const uint8_t *p, size_t len);
void braid_causes_describe(braid_sbuf *s, const uint8_t *p, size_t len);

#endif
