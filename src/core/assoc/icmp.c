/*
 * ICMP messages about packets we sent (RFC 9260 Appendix C; over UDP
 * encapsulation RFC 6951 §5.5). The caller (the transport) maps ICMP types
 * and codes to braid_icmp_kind and hands over the quoted packet; here the
 * association is found and the tag checked before anything is believed: an
 * ICMP message is easy to forge, the verification tag is not (ICMP6).
 *
 * What each kind does, next to Linux's net/sctp/input.c (sctp_v4_err,
 * sctp_err_lookup, sctp_icmp_proto_unreachable, sctp_icmp_frag_needed):
 *   - in COOKIE-WAIT, with the INIT quoted: PROTO_UNREACH is handled like
 *     an ABORT (ICMP8; Linux sctp_sf_cookie_wait_icmp_abort), so a connect
 *     to a UDP port nobody serves is refused at once; UNREACH ends the
 *     attempt the same way, as a TCP SYN_SENT does on a hard ICMP error
 *     (the sockets layer reports the errno it names), unless another
 *     active destination of the association is left to try (ICMP9: the
 *     destination is marked unreachable);
 *   - once set up, UNREACH and PROTO_UNREACH count one error on the path
 *     (ICMP9's "increment the path error counter"), at most one per RTO
 *     of the path, so a burst of ICMP messages about one flight is one
 *     error, and the path goes INACTIVE past Path.Max.Retrans (§8.2).
 *     ICMP8 would take PROTO_UNREACH for an ABORT here; Linux discards it
 *     outside COOKIE-WAIT (sctp_sf_ignore_other), and so does braid beyond
 *     the path error: a peer whose UDP socket was briefly gone keeps its
 *     association;
 *   - FRAG_NEEDED lowers the path's PMTU (ICMP7, RFC 8899 / RFC 1191
 *     style; Linux sctp_icmp_frag_needed), never below BRAID_MIN_PMTU, when
 *     PMTU discovery is on for the path; new DATA is cut to fit.
 */
#include "core/wire/chunk.h"
#include "internal.h"

#define QUOTE_INIT_MIN (BRAID_COMMON_HEADER_LEN + 4 + 4) /* + chunk header + Initiate Tag */

/* Whether another destination than d can still carry the INIT. */
static int other_active(const braid_assoc *a, unsigned d)
{
    for (unsigned i = 0; i < a->n_dests; i++)
        if (i != d && a->dests[i].active && a->dests[i].confirmed)
            return (int)i;
    return -1;
}

int braid_endpoint_icmp(braid_endpoint *ep, const braid_path *path, const braid_icmp *icmp,
                        const uint8_t *quoted, size_t len, uint64_t now)
{
    if (!ep || !path || !icmp || (!quoted && len))
        return BRAID_ERR_INVAL;
    /* RFC 6951 §5.5: "there might not be enough bytes in the payload to
     * identify the SCTP association": then it MUST be discarded */
    if (len < BRAID_COMMON_HEADER_LEN) {
        BRAID_DROPF(ep, BRAID_DROP_ICMP_SHORT, NULL, path, NULL, -1, "%zu bytes quoted", len);
        return BRAID_ERR_TRUNCATED;
    }
    uint16_t sport = braid_load16(quoted), dport = braid_load16(quoted + 2);
    uint32_t vtag = braid_load32(quoted + 4);
    /* ICMP5: the association that sent the packet: our port, the peer's
     * port and the destination address */
    braid_assoc *a = NULL;
    if (sport == ep->cfg.local_port || ep->cfg.serve_any_port)
        a = braid_ep_find_assoc(ep, &path->remote, dport);
    if (!a) {
        BRAID_DROPF(ep, BRAID_DROP_ICMP_NO_ASSOC, NULL, path, NULL, -1,
                    "quoted ports %u->%u vtag 0x%08x", sport, dport, vtag);
        return BRAID_ERR_NOTFOUND;
    }
    /* ICMP6: the tag must be the peer's; 0 only with our INIT, whose
     * Initiate Tag must be ours (as Linux's sctp_err_lookup) */
    bool init = false;
    if (vtag == 0) {
        if (len < QUOTE_INIT_MIN || quoted[BRAID_COMMON_HEADER_LEN] != BRAID_CHUNK_INIT ||
            braid_load32(quoted + BRAID_COMMON_HEADER_LEN + 4) != a->local_vtag) {
            BRAID_DROPF(ep, BRAID_DROP_ICMP_BAD_VTAG, a, path, NULL, -1, "%s",
                        "tag 0 without our INIT");
            return BRAID_ERR_STATE;
        }
        init = true;
    } else if (vtag != a->peer_vtag || a->state == BRAID_STATE_COOKIE_WAIT) {
        BRAID_DROPF(ep, BRAID_DROP_ICMP_BAD_VTAG, a, path, NULL, -1, "quoted vtag 0x%08x", vtag);
        return BRAID_ERR_STATE;
    }
    int di = braid_assoc_find_dest(a, &path->remote);
    if (di < 0) {
        BRAID_DROPF(ep, BRAID_DROP_ICMP_NO_ASSOC, a, path, NULL, -1, "%s", "no such path");
        return BRAID_ERR_NOTFOUND;
    }
    unsigned d = (unsigned)di;
    braid_dest *dst = &a->dests[d];
    ep->ctr.icmp_in++;
    BRAID_EP_LOG(ep, BRAID_LOG_INFO, "assoc %u: ICMP kind %d on path %u (state %d)", a->id,
                 (int)icmp->kind, d, (int)a->state);

    if (icmp->kind == BRAID_ICMP_FRAG_NEEDED) {
        /* ICMP7: PMTU discovery (the MTU never goes below the smallest
         * SCTP packet, nor up from an ICMP message) */
        uint32_t mtu = icmp->mtu < BRAID_MIN_PMTU ? BRAID_MIN_PMTU : icmp->mtu;
        mtu &= ~3u;
        if (dst->pp.pmtud_on && mtu < dst->pp.pmtu) {
            dst->pp.pmtu = mtu;
            dst->cc.mtu = mtu; /* as braid_path_params_set; cwnd stays */
            braid_assoc_sync_pmtu(a);
        }
        return 0;
    }
    if (icmp->kind != BRAID_ICMP_UNREACH && icmp->kind != BRAID_ICMP_PROTO_UNREACH) {
        BRAID_DROPF(ep, BRAID_DROP_ICMP_KIND, a, path, NULL, -1, "kind %d", (int)icmp->kind);
        return BRAID_ERR_INVAL;
    }
    if (init && a->state == BRAID_STATE_COOKIE_WAIT) {
        int o = icmp->kind == BRAID_ICMP_UNREACH ? other_active(a, d) : -1;
        if (o >= 0) {
            /* ICMP9: this destination is unreachable; the INIT goes to
             * another one at once (§5.1: "to one of the addresses") */
            dst->active = false;
            a->primary = (unsigned)o;
            a->ctl |= CTL_INIT;
            a->t1_at = now + a->t1_rto;
            return 0;
        }
        /* ICMP8 (and an unreachable peer): like an ABORT in COOKIE-WAIT:
         * the attempt ends, nothing is sent (§9.1, §5.1) */
        braid_assoc_id id = a->id;
        if (icmp->kind == BRAID_ICMP_PROTO_UNREACH)
            a->peer_aborted = true;
        braid_assoc_lost(a, 0, NULL, 0);
        return (int)id;
    }
    /* ICMP9: one error on the path, at most one per RTO */
    if (now < dst->icmp_at)
        return 0;
    dst->icmp_at = now + dst->rtt.rto;
    dst->error_count++;
    braid_assoc_dest_check(a, d);
    return 0;
}
