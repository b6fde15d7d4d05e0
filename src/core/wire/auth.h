/*
 * AUTH chunk (RFC 4895 §5.1) helpers beyond the codec table entry.
 */
#ifndef BRAID_WIRE_AUTH_H
#define BRAID_WIRE_AUTH_H

#include <stddef.h>

#include "chunk.h"

/*
 * Byte offset of the HMAC field from the start of an AUTH chunk (its type
 * byte): 4 (chunk header) + 2 (Shared Key Identifier) + 2 (HMAC Identifier)
 * = 8. RFC 4895 §6.2: the HMAC is computed over the AUTH chunk with its HMAC
 * field set to zero, so the association layer zeroes the bytes from here.
 */
size_t braid_auth_hmac_offset(void);

#endif
