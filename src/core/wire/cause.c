/* placeholder: to be implemented */
#include "tlv.h"
int braid_cause_parse(const braid_tlv *t, braid_cause *out) { (void)t; (void)out; return BRAID_ERR_UNKNOWN_TYPE; }
int braid_cause_write(braid_wr *w, const braid_cause *c) { (void)w; (void)c; return BRAID_ERR_UNKNOWN_TYPE; }
void braid_cause_describe(braid_sbuf *s, const braid_cause *c) { (void)s; (void)c; }
const char *braid_cause_name(uint16_t code) { (void)code; return "UNKNOWN"; }
void braid_causes_describe(braid_sbuf *s, const uint8_t *p, size_t len) { (void)s; (void)p; (void)len; }
