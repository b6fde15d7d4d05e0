/*
 * Discards: every packet or chunk the engine drops goes through
 * BRAID_DROP / BRAID_DROPF (internal.h), which bump the reason's counter in
 * braid_counters (and the association's drop count) and, at
 * BRAID_LOG_DEBUG, log one line naming the reason, the counter and what is
 * known of the packet. Below debug nothing is formatted: the macros test
 * the level before they evaluate the detail's arguments.
 *
 * Also the engine's other log lines (braid_ep_log) and the address format
 * they share (no inet_ntop here: the core has no sockets headers).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "core/util/sbuf.h"
#include "internal.h"

#define CTR(f) offsetof(braid_counters, f)

static const struct drop_info {
    const char *name;
    const char *counter;
    size_t off;
    const char *text;
} drop_table[BRAID_DROP__COUNT] = {
    [BRAID_DROP_HEADER_SHORT] = {"header_short", "drop_malformed", CTR(drop_malformed),
                                 "shorter than the SCTP common header (RFC 9260 §3.1)"},
    [BRAID_DROP_BAD_CRC] = {"bad_crc", "drop_bad_crc", CTR(drop_bad_crc),
                            "CRC32c checksum wrong (RFC 9260 §6.8)"},
    [BRAID_DROP_BAD_PORT] = {"bad_port", "drop_malformed", CTR(drop_malformed),
                             "SCTP port 0, or a destination port the endpoint does not serve "
                             "(RFC 9260 §3.1)"},
    [BRAID_DROP_CHUNK_FRAMING] = {"chunk_framing", "drop_malformed", CTR(drop_malformed),
                                  "chunk length or padding wrong, or no chunk (RFC 9260 §3.2): "
                                  "the whole packet"},
    [BRAID_DROP_ZERO_VTAG] = {"zero_vtag", "drop_bad_vtag", CTR(drop_bad_vtag),
                              "verification tag 0 on a packet that is not a lone INIT "
                              "(RFC 9260 §8.5.1 A)"},
    [BRAID_DROP_INIT_VTAG] = {"init_vtag", "drop_bad_vtag", CTR(drop_bad_vtag),
                              "INIT with a non-zero verification tag or bundled with other "
                              "chunks (RFC 9260 §8.5.1 A, §6.10)"},
    [BRAID_DROP_BAD_VTAG] = {"bad_vtag", "drop_bad_vtag", CTR(drop_bad_vtag),
                             "verification tag not the association's (RFC 9260 §8.5, "
                             "§8.5.1 B, C)"},
    [BRAID_DROP_OOTB_ABORT] = {"ootb_abort", "drop_ootb", CTR(drop_ootb),
                               "out-of-the-blue packet holding an ABORT: no reply "
                               "(RFC 9260 §8.4 item 2)"},
    [BRAID_DROP_OOTB] = {"ootb", "drop_ootb", CTR(drop_ootb),
                         "out-of-the-blue packet: SHUTDOWN COMPLETE, ABORT or silence "
                         "(RFC 9260 §8.4 items 5-8)"},
    [BRAID_DROP_INIT_REFUSED] = {"init_refused", "drop_ootb", CTR(drop_ootb),
                                 "INIT for an endpoint not accepting (no listener on the port): "
                                 "ABORT sent (RFC 9260 §8.4 item 3)"},
    [BRAID_DROP_INIT_STREAMS] = {"init_streams", "drop_malformed", CTR(drop_malformed),
                                 "INIT with 0 inbound or outbound streams: ABORT sent "
                                 "(RFC 9260 §3.3.2)"},
    [BRAID_DROP_INIT_INVALID] = {"init_invalid", "drop_malformed", CTR(drop_malformed),
                                 "INIT invalid: Initiate Tag 0, a_rwnd below 1500, bad length "
                                 "(RFC 9260 §3.3.2)"},
    [BRAID_DROP_INIT_PARAMS] = {"init_params", "drop_malformed", CTR(drop_malformed),
                                "INIT or INIT ACK parameters malformed or unusable "
                                "(RFC 9260 §3.2.1)"},
    [BRAID_DROP_HOST_NAME] = {"host_name", "drop_malformed", CTR(drop_malformed),
                              "INIT or INIT ACK with a Host Name Address: ABORT "
                              "(RFC 9260 §3.3.2.1.4)"},
    [BRAID_DROP_INIT_ACK_STATE] = {"init_ack_state", "drop_no_state", CTR(drop_no_state),
                                   "INIT ACK outside COOKIE-WAIT (RFC 9260 §5.2.3)"},
    [BRAID_DROP_INIT_ACK_INVALID] = {"init_ack_invalid", "drop_malformed", CTR(drop_malformed),
                                     "INIT ACK invalid or without a State Cookie "
                                     "(RFC 9260 §3.3.3)"},
    [BRAID_DROP_COOKIE_MAC] = {"cookie_mac", "drop_bad_cookie", CTR(drop_bad_cookie),
                               "State Cookie does not verify (MAC or length; RFC 9260 §5.1.5 "
                               "steps 1, 2)"},
    [BRAID_DROP_COOKIE_MISMATCH] = {"cookie_mismatch", "drop_bad_cookie", CTR(drop_bad_cookie),
                                    "State Cookie's ports or tag differ from the packet's "
                                    "(RFC 9260 §5.1.5 step 3)"},
    [BRAID_DROP_COOKIE_COLLISION] = {"cookie_collision", "drop_bad_cookie", CTR(drop_bad_cookie),
                                     "COOKIE ECHO matching no case of the collision table "
                                     "(RFC 9260 §5.2.4 case C)"},
    [BRAID_DROP_STALE_COOKIE] = {"stale_cookie", "drop_stale_cookie", CTR(drop_stale_cookie),
                                 "State Cookie expired: Stale Cookie ERROR sent "
                                 "(RFC 9260 §5.1.5 step 4)"},
    [BRAID_DROP_ASSOC_LIMIT] = {"assoc_limit", "drop_assoc_limit", CTR(drop_assoc_limit),
                                "COOKIE ECHO at max_assocs or max_assocs_per_peer: ABORT Out of "
                                "Resource"},
    [BRAID_DROP_COOKIE_ACK_STATE] = {"cookie_ack_state", "drop_no_state", CTR(drop_no_state),
                                     "COOKIE ACK outside COOKIE-ECHOED (RFC 9260 §5.2.5)"},
    [BRAID_DROP_CHUNK_STATE] = {"chunk_state", "drop_no_state", CTR(drop_no_state),
                                "chunk not allowed in the association's state: DATA after "
                                "SHUTDOWN, SACK or SHUTDOWN before ESTABLISHED, an unexpected "
                                "SHUTDOWN ACK or COMPLETE (RFC 9260 §9.2, §8.5.1 C)"},
    [BRAID_DROP_CHUNK_BUNDLED] = {"chunk_bundled", "drop_malformed", CTR(drop_malformed),
                                  "INIT or COOKIE ECHO not first in its packet (RFC 9260 §6.10)"},
    [BRAID_DROP_UNKNOWN_CHUNK] = {"unknown_chunk", "drop_unknown_chunk", CTR(drop_unknown_chunk),
                                  "unrecognized chunk type, handled by its upper bits "
                                  "(RFC 9260 §3.2)"},
    [BRAID_DROP_CHUNK_INVALID] = {"chunk_invalid", "drop_malformed", CTR(drop_malformed),
                                  "DATA, SACK, SHUTDOWN, ERROR or HEARTBEAT chunk malformed"},
    [BRAID_DROP_SACK_GAP] = {"sack_gap", "drop_malformed", CTR(drop_malformed),
                             "SACK gap block naming no TSN (RFC 9260 §3.3.4): the block"},
    [BRAID_DROP_STALE_SACK] = {"stale_sack", "drop_stale_sack", CTR(drop_stale_sack),
                               "SACK below the Cumulative TSN Ack Point (RFC 9260 §6.2.1 D i)"},
    [BRAID_DROP_PROTOCOL_VIOLATION] = {"protocol_violation", "drop_protocol_violation",
                                       CTR(drop_protocol_violation),
                                       "SACK of a TSN not sent, DATA without user data: ABORT "
                                       "(RFC 9260 §12.4, §6.2)"},
    [BRAID_DROP_OUT_OF_WINDOW] = {"out_of_window", "drop_out_of_window", CTR(drop_out_of_window),
                                  "DATA beyond the TSN mapping window, or no room for its gap "
                                  "(RFC 9260 §6.2, §3.3.4)"},
    [BRAID_DROP_RWND_FULL] = {"rwnd_full", "drop_rwnd_full", CTR(drop_rwnd_full),
                              "DATA with the receive buffer full (RFC 9260 §6.2)"},
    [BRAID_DROP_BAD_STREAM] = {"bad_stream", "drop_bad_stream", CTR(drop_bad_stream),
                               "DATA on a stream not granted: ERROR Invalid Stream Identifier "
                               "(RFC 9260 §6.5)"},
    [BRAID_DROP_BAD_HB_ACK] = {"bad_hb_ack", "drop_bad_hb_ack", CTR(drop_bad_hb_ack),
                               "HEARTBEAT ACK not answering our outstanding HEARTBEAT "
                               "(RFC 9260 §8.3)"},
    [BRAID_DROP_RESP_FULL] = {"resp_full", "drop_resp_full", CTR(drop_resp_full),
                              "stateless reply (INIT ACK, ABORT, ...) not sent: the reply ring "
                              "is full, as in an INIT flood (RFC 9260 §5.1.3)"},
    [BRAID_DROP_EVENT_FULL] = {"event_full", "drop_event_full", CTR(drop_event_full),
                               "notification not queued: max_events reached"},
    [BRAID_DROP_ICMP_SHORT] = {"icmp_short", "icmp_dropped", CTR(icmp_dropped),
                               "ICMP message quoting too little of our packet (RFC 6951 §5.5)"},
    [BRAID_DROP_ICMP_NO_ASSOC] = {"icmp_no_assoc", "icmp_dropped", CTR(icmp_dropped),
                                  "ICMP message about no association or path of ours "
                                  "(RFC 9260 Appendix C ICMP5)"},
    [BRAID_DROP_ICMP_BAD_VTAG] = {"icmp_bad_vtag", "icmp_dropped", CTR(icmp_dropped),
                                  "ICMP message quoting a wrong verification tag "
                                  "(RFC 9260 Appendix C ICMP6)"},
    [BRAID_DROP_ICMP_KIND] = {"icmp_kind", "icmp_dropped", CTR(icmp_dropped),
                              "ICMP message of a kind not acted on"},
};

const char *braid_drop_name(unsigned reason)
{
    return reason < BRAID_DROP__COUNT ? drop_table[reason].name : NULL;
}

const char *braid_drop_counter(unsigned reason)
{
    return reason < BRAID_DROP__COUNT ? drop_table[reason].counter : NULL;
}

const char *braid_drop_text(unsigned reason)
{
    return reason < BRAID_DROP__COUNT ? drop_table[reason].text : NULL;
}

void braid_drop_count(braid_endpoint *ep, braid_drop_reason r, braid_assoc *a)
{
    if ((unsigned)r >= BRAID_DROP__COUNT)
        return;
    uint64_t *c = (uint64_t *)(void *)((char *)&ep->ctr + drop_table[r].off);
    (*c)++;
    if (a)
        a->stats.drops++;
}

static const char *const level_names[] = {"off", "error", "warn", "info", "debug"};

void braid_addr_format(braid_sbuf *b, const braid_addr *x)
{
    if (x->family == 4) {
        braid_sbuf_printf(b, "%u.%u.%u.%u", x->ip[0], x->ip[1], x->ip[2], x->ip[3]);
    } else if (x->family == 6) {
        /* RFC 5952: lower-case hex, the longest run of two or more zero
         * groups as "::" (the first of equal runs) */
        unsigned g[8], best = 0, best_at = 8, run = 0;
        for (unsigned i = 0; i < 8; i++) {
            g[i] = (unsigned)x->ip[2 * i] << 8 | x->ip[2 * i + 1];
            run = g[i] ? 0 : run + 1;
            if (run > best && run >= 2) {
                best = run;
                best_at = i + 1 - run;
            }
        }
        braid_sbuf_printf(b, "[");
        for (unsigned i = 0; i < 8; i++) {
            if (i == best_at) {
                braid_sbuf_printf(b, "::");
                i += best - 1;
                continue;
            }
            braid_sbuf_printf(b, "%s%x", i && i != best_at + best ? ":" : "", g[i]);
        }
        braid_sbuf_printf(b, "]");
    } else {
        braid_sbuf_printf(b, "-");
    }
    braid_sbuf_printf(b, ":%u", x->udp_port);
}

static void emit(braid_endpoint *ep, int level, braid_sbuf *b)
{
    (void)level;
    ep->hooks.log(ep->hooks.user, b->s);
}

void braid_ep_log(braid_endpoint *ep, int level, const char *fmt, ...)
{
    if (!ep->hooks.log || ep->log_level < level || level < BRAID_LOG_ERROR)
        return;
    char line[320];
    braid_sbuf b;
    braid_sbuf_init(&b, line, sizeof line);
    braid_sbuf_printf(&b, "%s: ", level_names[level > BRAID_LOG_DEBUG ? BRAID_LOG_DEBUG : level]);
    va_list ap;
    va_start(ap, fmt);
    if (b.len + 1 < b.cap) {
        int n = vsnprintf(b.s + b.len, b.cap - b.len, fmt, ap);
        if (n > 0)
            b.len = (size_t)n >= b.cap - b.len ? b.cap - 1 : b.len + (size_t)n;
    }
    va_end(ap);
    emit(ep, level, &b);
}

void braid_drop_log(braid_endpoint *ep, braid_drop_reason r, const braid_assoc *a,
                    const braid_path *path, const braid_common_header *h, int chunk,
                    const char *fmt, ...)
{
    if (!ep->hooks.log || ep->log_level < BRAID_LOG_DEBUG || (unsigned)r >= BRAID_DROP__COUNT)
        return;
    char line[400];
    braid_sbuf b;
    braid_sbuf_init(&b, line, sizeof line);
    braid_sbuf_printf(&b, "debug: drop %s counter=%s", drop_table[r].name, drop_table[r].counter);
    /* where it came from: the packet's path, else the association's primary */
    const braid_addr *from = path ? &path->remote : NULL, *to = path ? &path->local : NULL;
    if (!from && a && a->primary < a->n_dests)
        from = &a->dests[a->primary].addr;
    if (from && from->family) {
        braid_sbuf_printf(&b, " from=");
        braid_addr_format(&b, from);
    }
    if (to && to->family) {
        braid_sbuf_printf(&b, " to=");
        braid_addr_format(&b, to);
    }
    if (h)
        braid_sbuf_printf(&b, " sport=%u dport=%u vtag=0x%08x", h->src_port, h->dst_port, h->vtag);
    else if (a)
        braid_sbuf_printf(&b, " sport=%u dport=%u", a->peer_port, ep->cfg.local_port);
    if (a)
        braid_sbuf_printf(&b, " assoc=%u ours=0x%08x peers=0x%08x", a->id, a->local_vtag,
                          a->peer_vtag);
    if (chunk >= 0)
        braid_sbuf_printf(&b, " chunk=%s", braid_chunk_name((uint8_t)chunk));
    size_t mark = b.len;
    braid_sbuf_printf(&b, ": ");
    size_t detail = b.len;
    va_list ap;
    va_start(ap, fmt);
    if (b.len + 1 < b.cap) {
        int n = vsnprintf(b.s + b.len, b.cap - b.len, fmt, ap);
        if (n > 0)
            b.len = (size_t)n >= b.cap - b.len ? b.cap - 1 : b.len + (size_t)n;
    }
    va_end(ap);
    if (b.len == detail) { /* no detail */
        b.len = mark;
        b.s[mark] = '\0';
    }
    emit(ep, BRAID_LOG_DEBUG, &b);
}

int braid_ep_log_level(const braid_hooks *h)
{
    if (!h->log)
        return BRAID_LOG_OFF;
    if (h->log_level <= 0 || h->log_level > BRAID_LOG_DEBUG)
        return BRAID_LOG_DEBUG;
    return h->log_level;
}
