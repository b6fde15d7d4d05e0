/* placeholder: to be implemented */
#include "tlv.h"
int braid_param_parse(const braid_tlv *t, braid_param *out) { (void)t; (void)out; return BRAID_ERR_UNKNOWN_TYPE; }
int braid_param_write(braid_wr *w, const braid_param *p) { (void)w; (void)p; return BRAID_ERR_UNKNOWN_TYPE; }
void braid_param_describe(braid_sbuf *s, const braid_param *p) { (void)s; (void)p; }
const char *braid_param_name(uint16_t type) { (void)type; return "UNKNOWN"; }
void braid_params_describe(braid_sbuf *s, const uint8_t *p, size_t len) { (void)s; (void)p; (void)len; }
