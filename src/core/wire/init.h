/*
 * INIT (RFC 9260 §3.3.2) and INIT ACK (§3.3.3) helpers beyond the codec
 * table entries braid_ops_init / braid_ops_init_ack (declared in chunk.h).
 *
 * The codec checks only the framing of the parameter list; decoding the
 * individual parameters (and the RFC 9260 §3.2.1 handling of unknown ones)
 * is left to the association layer, which uses braid_param_parse.
 */
#ifndef BRAID_WIRE_INIT_H
#define BRAID_WIRE_INIT_H

#include "chunk.h"
#include "tlv.h"

/*
 * Finds the first parameter of the given type in c->params.
 * Returns 1 and fills *out when found, 0 when the list holds no such
 * parameter, or a negative TLV framing error (BRAID_ERR_PARAM_LEN,
 * BRAID_ERR_PARAM_OVERRUN, BRAID_ERR_PARAM_PADDING) met before a match.
 */
int braid_init_find_param(const braid_init_chunk *c, uint16_t type, braid_tlv *out);

#endif
