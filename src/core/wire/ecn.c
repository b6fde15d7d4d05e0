/* placeholder: to be implemented */
#include "chunk.h"

static int stub_parse(const braid_chunk_view *v, braid_chunk *out) { (void)v; (void)out; return BRAID_ERR_UNKNOWN_TYPE; }
static int stub_write(braid_wr *w, const braid_chunk *c) { (void)w; (void)c; return BRAID_ERR_UNKNOWN_TYPE; }
static void stub_describe(braid_sbuf *s, const braid_chunk *c) { (void)s; (void)c; }
const braid_chunk_ops braid_ops_ecne = {12, "ECNE", stub_parse, stub_write, stub_describe};
const braid_chunk_ops braid_ops_cwr = {13, "CWR", stub_parse, stub_write, stub_describe};
