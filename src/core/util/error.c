#include "braid/braid.h"

const char *braid_strerror(int err)
{
    switch (err) {
    case BRAID_OK: return "success";
    case BRAID_ERR_TRUNCATED: return "truncated: fewer bytes than the header needs";
    case BRAID_ERR_CHUNK_ZERO_LEN: return "chunk length is zero";
    case BRAID_ERR_CHUNK_LEN: return "chunk length below the chunk header";
    case BRAID_ERR_CHUNK_OVERRUN: return "chunk runs past the end of the packet";
    case BRAID_ERR_CHUNK_PADDING: return "chunk padding missing";
    case BRAID_ERR_PARAM_LEN: return "parameter length below its header";
    case BRAID_ERR_PARAM_OVERRUN: return "parameter runs past the end of its chunk";
    case BRAID_ERR_PARAM_PADDING: return "parameter padding missing";
    case BRAID_ERR_PARAM_VALUE: return "parameter value has the wrong size";
    case BRAID_ERR_CHUNK_VALUE: return "chunk value has the wrong size";
    case BRAID_ERR_INIT_ZERO_TAG: return "INIT with a zero Initiate Tag";
    case BRAID_ERR_INIT_RWND: return "INIT with a_rwnd below 1500";
    case BRAID_ERR_INIT_STREAMS: return "INIT with zero inbound or outbound streams";
    case BRAID_ERR_DATA_EMPTY: return "DATA chunk without user data";
    case BRAID_ERR_MISSING_PARAM: return "mandatory parameter missing";
    case BRAID_ERR_UNKNOWN_TYPE: return "unknown type";
    case BRAID_ERR_NOSPACE: return "no space in the output buffer";
    case BRAID_ERR_INVAL: return "invalid argument";
    case BRAID_ERR_CHECKSUM: return "bad checksum";
    case BRAID_ERR_NOMEM: return "out of memory";
    case BRAID_ERR_AGAIN: return "would block";
    case BRAID_ERR_NOTFOUND: return "no such association";
    case BRAID_ERR_STATE: return "not allowed in this association state";
    case BRAID_ERR_MSGSIZE: return "message too large";
    case BRAID_ERR_LIMIT: return "limit reached";
    default: return "unknown error";
    }
}
