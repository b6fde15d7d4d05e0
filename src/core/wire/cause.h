/*
 * Convenience writers for error causes (RFC 9260 §3.3.10), on top of
 * braid_cause_write (tlv.h). Each appends one cause TLV to w (the padding
 * of a previous TLV first, its own padding left to the next TLV or to
 * braid_chunk_end) and returns 0 or BRAID_ERR_NOSPACE.
 */
#ifndef BRAID_WIRE_CAUSE_H
#define BRAID_WIRE_CAUSE_H

#include <stddef.h>

#include "chunk.h"
#include "tlv.h"

/* User-Initiated Abort (RFC 9260 §3.3.10.12): reason is the Upper Layer
 * Abort Reason, len bytes, carried opaquely (reason may be NULL if len 0). */
int braid_cause_write_user_abort(braid_wr *w, const void *reason, size_t len);

/* Protocol Violation (RFC 9260 §3.3.10.13): text is the Additional
 * Information, written without its NUL (NULL writes no information). */
int braid_cause_write_protocol_violation(braid_wr *w, const char *text);

#endif
