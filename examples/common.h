/*
 * Helpers shared by the example programs: printing notifications the way
 * the lksctp articles do, parsing ports, resolving a host name.
 *
 * Plain lksctp code: the only braid-specific lines of the examples are the
 * two includes below (in place of <netinet/sctp.h>) and, where a program
 * offers -u, the braid socket option that picks the local UDP port.
 */
#ifndef BRAID_EXAMPLES_COMMON_H
#define BRAID_EXAMPLES_COMMON_H

/* Included after the system headers and <braid/sctp.h> + <braid/compat.h>,
 * so that the calls below are braid's too. */
#ifndef BRAID_COMPAT_H
#error "include <braid/sctp.h> and <braid/compat.h> before common.h"
#endif

static inline const char *sac_state_name(uint16_t state)
{
    switch (state) {
    case SCTP_COMM_UP: return "COMM_UP";
    case SCTP_COMM_LOST: return "COMM_LOST";
    case SCTP_RESTART: return "RESTART";
    case SCTP_SHUTDOWN_COMP: return "SHUTDOWN_COMP";
    case SCTP_CANT_STR_ASSOC: return "CANT_STR_ASSOC";
    default: return "UNKNOWN";
    }
}

static inline const char *spc_state_name(int state)
{
    switch (state) {
    case SCTP_ADDR_AVAILABLE: return "ADDR_AVAILABLE";
    case SCTP_ADDR_UNREACHABLE: return "ADDR_UNREACHABLE";
    case SCTP_ADDR_REMOVED: return "ADDR_REMOVED";
    case SCTP_ADDR_ADDED: return "ADDR_ADDED";
    case SCTP_ADDR_MADE_PRIM: return "ADDR_MADE_PRIM";
    case SCTP_ADDR_CONFIRMED: return "ADDR_CONFIRMED";
    case SCTP_ADDR_POTENTIALLY_FAILED: return "ADDR_POTENTIALLY_FAILED";
    default: return "UNKNOWN";
    }
}

static inline const char *sstat_state_name(int32_t state)
{
    switch (state) {
    case SCTP_EMPTY: return "EMPTY";
    case SCTP_CLOSED: return "CLOSED";
    case SCTP_COOKIE_WAIT: return "COOKIE_WAIT";
    case SCTP_COOKIE_ECHOED: return "COOKIE_ECHOED";
    case SCTP_ESTABLISHED: return "ESTABLISHED";
    case SCTP_SHUTDOWN_PENDING: return "SHUTDOWN_PENDING";
    case SCTP_SHUTDOWN_SENT: return "SHUTDOWN_SENT";
    case SCTP_SHUTDOWN_RECEIVED: return "SHUTDOWN_RECEIVED";
    case SCTP_SHUTDOWN_ACK_SENT: return "SHUTDOWN_ACK_SENT";
    default: return "UNKNOWN";
    }
}

static inline const char *spinfo_state_name(int32_t state)
{
    switch (state) {
    case SCTP_INACTIVE: return "INACTIVE";
    case SCTP_PF: return "POTENTIALLY_FAILED";
    case SCTP_ACTIVE: return "ACTIVE";
    case SCTP_UNCONFIRMED: return "UNCONFIRMED";
    default: return "UNKNOWN";
    }
}

/* "192.0.2.1:9000" or "[2001:db8::1]:9000" */
static inline const char *addr_str(const void *sa_, char *buf, size_t cap)
{
    const struct sockaddr *sa = sa_;
    char ip[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        inet_ntop(AF_INET, &in.sin_addr, ip, sizeof ip);
        snprintf(buf, cap, "%s:%u", ip, ntohs(in.sin_port));
    } else if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        inet_ntop(AF_INET6, &in6.sin6_addr, ip, sizeof ip);
        snprintf(buf, cap, "[%s]:%u", ip, ntohs(in6.sin6_port));
    } else {
        snprintf(buf, cap, "(family %d)", sa->sa_family);
    }
    return buf;
}

/* The error causes of an ABORT (RFC 9260 §3.3.10), as the notification
 * carries them: with the chunk header first (Linux) or without it. Prints
 * the reason of a User-Initiated Abort (cause 12) as text. */
static inline void print_abort_causes(const uint8_t *p, size_t len)
{
    if (len >= 4 && p[0] == 6) { /* an ABORT chunk header: skip it */
        p += 4;
        len -= 4;
    }
    /* every defined cause code is below 256: anything else is not a cause
     * list but the reason text itself (an abort of our own making) */
    if (len >= 1 && (len < 4 || p[0] != 0 || (size_t)(p[2] << 8 | p[3]) < 4)) {
        printf("    abort reason: \"%.*s\"\n", (int)len, (const char *)p);
        return;
    }
    while (len >= 4) {
        uint16_t code = (uint16_t)(p[0] << 8 | p[1]);
        size_t clen = (size_t)(p[2] << 8 | p[3]);
        if (clen < 4 || clen > len)
            clen = len;
        if (code == 12) {
            printf("    abort reason (User-Initiated Abort): \"%.*s\"\n", (int)(clen - 4),
                   (const char *)p + 4);
        } else {
            printf("    abort cause %u (%zu bytes)\n", code, clen - 4);
        }
        size_t step = (clen + 3) & ~(size_t)3;
        if (step >= len)
            break;
        p += step;
        len -= step;
    }
}

/* Prints one notification (what recvmsg returned with MSG_NOTIFICATION set)
 * on one line, prefixed by who. Returns the notification type. */
static inline uint16_t print_notification(const char *who, const void *buf, size_t len)
{
    const union sctp_notification *sn = buf;
    char a[80];
    if (len < sizeof sn->sn_header) {
        printf("%s: short notification (%zu bytes)\n", who, len);
        return 0;
    }
    switch (sn->sn_header.sn_type) {
    case SCTP_ASSOC_CHANGE: {
        const struct sctp_assoc_change *sac = &sn->sn_assoc_change;
        /* sac_error: the cause code in network byte order, as Linux has it */
        printf("%s: SCTP_ASSOC_CHANGE %s assoc=%d instreams=%u outstreams=%u error=%u\n", who,
               sac_state_name(sac->sac_state), (int)sac->sac_assoc_id, sac->sac_inbound_streams,
               sac->sac_outbound_streams, ntohs(sac->sac_error));
        if ((sac->sac_state == SCTP_COMM_LOST || sac->sac_state == SCTP_CANT_STR_ASSOC) &&
            len > sizeof *sac)
            print_abort_causes(sac->sac_info, len - sizeof *sac);
        break;
    }
    case SCTP_PEER_ADDR_CHANGE: {
        const struct sctp_paddr_change *spc = &sn->sn_paddr_change;
        printf("%s: SCTP_PEER_ADDR_CHANGE %s %s assoc=%d error=%d\n", who,
               addr_str(&spc->spc_aaddr, a, sizeof a), spc_state_name(spc->spc_state),
               (int)spc->spc_assoc_id, spc->spc_error);
        break;
    }
    case SCTP_SEND_FAILED: {
        const struct sctp_send_failed *ssf = &sn->sn_send_failed;
        printf("%s: SCTP_SEND_FAILED assoc=%d error=%u %s stream=%u len=%zu\n", who,
               (int)ssf->ssf_assoc_id, ssf->ssf_error,
               ssf->ssf_flags == SCTP_DATA_SENT ? "DATA_SENT" : "DATA_UNSENT",
               ssf->ssf_info.sinfo_stream, len > sizeof *ssf ? len - sizeof *ssf : (size_t)0);
        break;
    }
    case SCTP_SEND_FAILED_EVENT: {
        const struct sctp_send_failed_event *ssf = &sn->sn_send_failed_event;
        printf("%s: SCTP_SEND_FAILED_EVENT assoc=%d error=%u %s stream=%u len=%zu\n", who,
               (int)ssf->ssf_assoc_id, ssf->ssf_error,
               ssf->ssf_flags == SCTP_DATA_SENT ? "DATA_SENT" : "DATA_UNSENT",
               ssf->ssfe_info.snd_sid, len > sizeof *ssf ? len - sizeof *ssf : (size_t)0);
        break;
    }
    case SCTP_REMOTE_ERROR: {
        const struct sctp_remote_error *sre = &sn->sn_remote_error;
        printf("%s: SCTP_REMOTE_ERROR assoc=%d cause=%u len=%zu\n", who, (int)sre->sre_assoc_id,
               ntohs(sre->sre_error), len > sizeof *sre ? len - sizeof *sre : (size_t)0);
        break;
    }
    case SCTP_SHUTDOWN_EVENT:
        printf("%s: SCTP_SHUTDOWN_EVENT assoc=%d\n", who, (int)sn->sn_shutdown_event.sse_assoc_id);
        break;
    case SCTP_PARTIAL_DELIVERY_EVENT:
        printf("%s: SCTP_PARTIAL_DELIVERY_EVENT assoc=%d indication=%u\n", who,
               (int)sn->sn_pdapi_event.pdapi_assoc_id, sn->sn_pdapi_event.pdapi_indication);
        break;
    case SCTP_ADAPTATION_INDICATION:
        printf("%s: SCTP_ADAPTATION_INDICATION assoc=%d ind=0x%x\n", who,
               (int)sn->sn_adaptation_event.sai_assoc_id,
               sn->sn_adaptation_event.sai_adaptation_ind);
        break;
    case SCTP_SENDER_DRY_EVENT:
        printf("%s: SCTP_SENDER_DRY_EVENT assoc=%d\n", who,
               (int)sn->sn_sender_dry_event.sender_dry_assoc_id);
        break;
    default:
        printf("%s: notification type 0x%x (%zu bytes)\n", who, sn->sn_header.sn_type, len);
        break;
    }
    fflush(stdout);
    return sn->sn_header.sn_type;
}

/* Subscribes to the event classes of the chat article (RFC 6458 §6.2.1). */
static inline int subscribe_events(int fd)
{
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = 1;
    ev.sctp_association_event = 1;
    ev.sctp_address_event = 1;
    ev.sctp_send_failure_event = 1;
    ev.sctp_peer_error_event = 1;
    ev.sctp_shutdown_event = 1;
    return setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev);
}

/* A port number 1..65535 (0 allowed when zero_ok), or exit 2. */
static inline uint16_t parse_port(const char *prog, const char *s, int zero_ok)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || !*s || *end || v > 65535 || (v == 0 && !zero_ok)) {
        fprintf(stderr, "%s: bad port '%s'\n", prog, s);
        exit(2);
    }
    return (uint16_t)v;
}

static inline unsigned long parse_count(const char *prog, const char *s, unsigned long max)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || !*s || *end || v > max) {
        fprintf(stderr, "%s: bad number '%s'\n", prog, s);
        exit(2);
    }
    return v;
}

/* host:port into an IPv4 or IPv6 socket address; 0, or -1 with a message. */
static inline int resolve(const char *prog, const char *host, uint16_t port,
                          struct sockaddr_storage *out, socklen_t *outlen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM; /* any type: we only want the address */
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || !res) {
        fprintf(stderr, "%s: cannot resolve %s: %s\n", prog, host, gai_strerror(rc));
        return -1;
    }
    memset(out, 0, sizeof *out);
    memcpy(out, res->ai_addr, res->ai_addrlen);
    *outlen = res->ai_addrlen;
    if (out->ss_family == AF_INET)
        ((struct sockaddr_in *)out)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)out)->sin6_port = htons(port);
    freeaddrinfo(res);
    return 0;
}

/* RFC 6951: the UDP port the peer's encapsulation listens on. */
static inline int set_remote_udp_port(int fd, uint16_t port)
{
    struct sctp_udpencaps u;
    memset(&u, 0, sizeof u);
    u.sue_assoc_id = SCTP_FUTURE_ASSOC;
    u.sue_port = htons(port);
    return setsockopt(fd, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &u, sizeof u);
}

/* braid extension: the UDP port our encapsulation listens on (before listen). */
static inline int set_local_udp_port(int fd, uint16_t port)
{
    int v = port;
    return setsockopt(fd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &v, sizeof v);
}

/* One line of SCTP_STATUS (RFC 6458 §8.2.1) for the association of fd (a
 * one-to-one socket) or assoc (one-to-many). */
static inline int print_status(const char *who, int fd, sctp_assoc_t assoc)
{
    struct sctp_status st;
    socklen_t len = sizeof st;
    memset(&st, 0, sizeof st);
    st.sstat_assoc_id = assoc;
    if (getsockopt(fd, IPPROTO_SCTP, SCTP_STATUS, &st, &len) < 0) {
        fprintf(stderr, "%s: getsockopt(SCTP_STATUS): %s\n", who, strerror(errno));
        return -1;
    }
    char a[80];
    printf("%s: SCTP_STATUS assoc=%d state=%s instrms=%u outstrms=%u fragmentation_point=%u "
           "rwnd=%u unackdata=%u penddata=%u\n",
           who, (int)st.sstat_assoc_id, sstat_state_name(st.sstat_state), st.sstat_instrms,
           st.sstat_outstrms, st.sstat_fragmentation_point, st.sstat_rwnd, st.sstat_unackdata,
           st.sstat_penddata);
    printf("%s:   primary path %s state=%s cwnd=%u srtt=%u ms rto=%u ms mtu=%u\n", who,
           addr_str(&st.sstat_primary.spinfo_address, a, sizeof a),
           spinfo_state_name(st.sstat_primary.spinfo_state), st.sstat_primary.spinfo_cwnd,
           st.sstat_primary.spinfo_srtt, st.sstat_primary.spinfo_rto, st.sstat_primary.spinfo_mtu);
    fflush(stdout);
    return 0;
}

#endif
