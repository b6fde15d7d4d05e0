/* TEMPORARY: stubs of the engine API so dependents link while the engine is
 * written. Removed when src/core/assoc/endpoint.c lands. */
#include "braid/braid.h"
#include <string.h>

void braid_settings_default(braid_settings *s) { memset(s, 0, sizeof *s); }
int braid_endpoint_new(braid_endpoint **out, const braid_settings *s, const braid_hooks *h) { (void)out; (void)s; (void)h; return BRAID_ERR_INVAL; }
void braid_endpoint_free(braid_endpoint *ep) { (void)ep; }
int braid_endpoint_read_pkt(braid_endpoint *ep, const braid_path *path, const uint8_t *pkt, size_t len, uint64_t now) { (void)ep; (void)path; (void)pkt; (void)len; (void)now; return BRAID_ERR_INVAL; }
int braid_endpoint_write_pkt(braid_endpoint *ep, braid_path *path, uint8_t *buf, size_t cap, uint64_t now) { (void)ep; (void)path; (void)buf; (void)cap; (void)now; return 0; }
uint64_t braid_endpoint_next_expiry(const braid_endpoint *ep) { (void)ep; return BRAID_TIME_NEVER; }
void braid_endpoint_handle_expiry(braid_endpoint *ep, uint64_t now) { (void)ep; (void)now; }
int braid_connect(braid_endpoint *ep, const braid_addr *peers, unsigned n, const braid_connect_opts *o, uint64_t now, braid_assoc_id *out) { (void)ep; (void)peers; (void)n; (void)o; (void)now; (void)out; return BRAID_ERR_INVAL; }
int braid_send(braid_endpoint *ep, braid_assoc_id id, const braid_send_info *i, const void *d, size_t l, uint64_t now) { (void)ep; (void)id; (void)i; (void)d; (void)l; (void)now; return BRAID_ERR_INVAL; }
int braid_recv(braid_endpoint *ep, braid_recv_info *i, void *b, size_t c, uint64_t now) { (void)ep; (void)i; (void)b; (void)c; (void)now; return BRAID_ERR_AGAIN; }
int braid_shutdown(braid_endpoint *ep, braid_assoc_id id, uint64_t now) { (void)ep; (void)id; (void)now; return BRAID_ERR_INVAL; }
int braid_abort(braid_endpoint *ep, braid_assoc_id id, const void *r, size_t l, uint64_t now) { (void)ep; (void)id; (void)r; (void)l; (void)now; return BRAID_ERR_INVAL; }
int braid_assoc_status_get(const braid_endpoint *ep, braid_assoc_id id, braid_assoc_status *st) { (void)ep; (void)id; (void)st; return BRAID_ERR_NOTFOUND; }
void braid_endpoint_counters(const braid_endpoint *ep, braid_counters *c) { (void)ep; memset(c, 0, sizeof *c); }
int braid_poll_event(braid_endpoint *ep, braid_event *ev) { (void)ep; (void)ev; return 0; }
void braid_event_release(braid_endpoint *ep, braid_event *ev) { (void)ep; (void)ev; }
