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
} braid_error;

/* A static, human-readable name for an error code. */
const char *braid_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
