/*
 * ICMP for the sockets (RFC 9260 Appendix C, RFC 6951 §5.5): the reports
 * the transports read from the kernel's error queues (src/io, IP_RECVERR)
 * become braid_endpoint_icmp calls on the stack whose packet they quote,
 * and an attempt they end leaves the errno they name in SO_ERROR, so
 * connect() fails with it:
 *   - UDP Port Unreachable (ICMPv4 3/3, ICMPv6 1/4), Protocol Unreachable
 *     (3/2) and ICMPv6 Unrecognized Next Header (4/1): RFC 6951 §5.5 maps
 *     the first to the others, and ICMP8 takes those for an ABORT:
 *     ECONNREFUSED (the core marks it a peer abort, which the sockets
 *     layer reports so);
 *   - other Destination Unreachable codes and Time Exceeded in transit:
 *     the errno the kernel gives (its icmp_err_convert / icmpv6_err_convert:
 *     ENETUNREACH, EHOSTUNREACH, EACCES, ...), as Linux leaves in sk_err
 *     (sctp_v4_err_handle); a send refused at once for want of a route:
 *     its errno (Linux: sctp_packet_transmit's error in sk_err);
 *   - Fragmentation Needed / Packet Too Big (and a local EMSGSIZE with the
 *     MTU): the path's PMTU, the IP and UDP headers taken off (ICMP7).
 * ICMPv4 Parameter Problem, Source Quench, Redirect (the kernel updates
 * its route itself) and fragment reassembly timeouts are ignored (ICMP1,
 * as Linux ignores ICMP_EXC_FRAGTIME).
 */
#include <errno.h>
#include <string.h>

#include "icmp.h"

/* The core's kind for a report; false: ignored. */
static bool classify(const braid_io_err *e, braid_icmp *ic, int *err)
{
    memset(ic, 0, sizeof *ic);
    *err = e->err;
    unsigned ip = e->path.remote.family == 6 ? 40 : 20;
    unsigned udp = 8;
    switch (e->origin) {
    case BRAID_IO_ERR_ICMP:
        if (e->type == 3) { /* Destination Unreachable */
            if (e->code == 2 || e->code == 3) {
                ic->kind = BRAID_ICMP_PROTO_UNREACH;
                *err = ECONNREFUSED;
            } else if (e->code == 4) {
                ic->kind = BRAID_ICMP_FRAG_NEEDED;
                ic->mtu = e->info > ip + udp ? e->info - ip - udp : 0;
            } else {
                ic->kind = BRAID_ICMP_UNREACH;
            }
            return true;
        }
        if (e->type == 11 && e->code == 0) { /* TTL exceeded in transit */
            ic->kind = BRAID_ICMP_UNREACH;
            *err = EHOSTUNREACH;
            return true;
        }
        return false;
    case BRAID_IO_ERR_ICMP6:
        if (e->type == 1) { /* Destination Unreachable */
            ic->kind = e->code == 4 ? BRAID_ICMP_PROTO_UNREACH : BRAID_ICMP_UNREACH;
            if (e->code == 4)
                *err = ECONNREFUSED;
            return true;
        }
        if (e->type == 2) { /* Packet Too Big */
            ic->kind = BRAID_ICMP_FRAG_NEEDED;
            ic->mtu = e->info > ip + udp ? e->info - ip - udp : 0;
            return true;
        }
        if (e->type == 3 && e->code == 0) {
            ic->kind = BRAID_ICMP_UNREACH;
            *err = EHOSTUNREACH;
            return true;
        }
        if (e->type == 4 && e->code == 1) { /* Unrecognized Next Header */
            ic->kind = BRAID_ICMP_PROTO_UNREACH;
            *err = ECONNREFUSED;
            return true;
        }
        return false;
    case BRAID_IO_ERR_LOCAL:
        if (e->err == EMSGSIZE && e->info) {
            ic->kind = BRAID_ICMP_FRAG_NEEDED;
            ic->mtu = e->info > ip + udp ? e->info - ip - udp : 0;
            return true;
        }
        if (e->err == ENETUNREACH || e->err == EHOSTUNREACH || e->err == EHOSTDOWN ||
            e->err == ENONET) {
            ic->kind = BRAID_ICMP_UNREACH;
            return true;
        }
        return false;
    default: return false;
    }
}

static void one(const braid_io_err *e, uint64_t now)
{
    braid_icmp ic;
    int err;
    if (e->len < 12 || !classify(e, &ic, &err))
        return;
    uint16_t sport = (uint16_t)(e->quoted[0] << 8 | e->quoted[1]);
    uint16_t dport = (uint16_t)(e->quoted[2] << 8 | e->quoted[3]);
    bstack *st = world_sender(sport, &e->path.remote, dport);
    if (!st || !st->ep)
        return;
    int id = braid_endpoint_icmp(st->ep, &e->path, &ic, e->quoted, e->len, now);
    if (id <= 0)
        return;
    /* the attempt ended: its event sets the socket's state, then the
     * errno the ICMP message names is the one SO_ERROR and connect() give */
    stack_dispatch_events(st);
    bsock *owner = stack_owner(st, (braid_assoc_id)id);
    if (owner && owner->assoc == (braid_assoc_id)id && err > 0)
        owner->so_error = err;
    stack_mark(st);
    stack_flush(st, now);
}

void world_icmp(btrans *t, uint64_t now)
{
    for (; t; t = t->next) {
        braid_io_err errs[8];
        int n;
        braid_io *io = trans_io(t);
        while (io && braid_io_err_pending(io) && (n = braid_io_recv_err(io, errs, 8)) > 0)
            for (int i = 0; i < n; i++)
                one(&errs[i], now);
    }
}
