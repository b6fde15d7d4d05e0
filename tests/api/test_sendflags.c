/* What sendmsg returns with SCTP_EOF, SCTP_ABORT and SCTP_SENDALL, as Linux
 * (net/sctp/socket.c sctp_sendmsg, sctp_sendmsg_check_sflags): EOF and
 * ABORT return 0 (the abort reason is not data), SENDALL what the last
 * association it went over took. In one process: the in-process hand-over
 * finishes every exchange inside the call. */
#include "api_proc.h"
#include "check.h"

static int one_to_many(uint16_t sport, uint16_t uport, bool listen_too)
{
    int fd = braid_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
    int up = uport;
    braid_setsockopt(fd, IPPROTO_SCTP, BRAID_SCTP_LOCAL_UDP_PORT, &up, sizeof up);
    set_udp_port(fd, uport);
    struct sockaddr_in a = loopback(sport);
    CHECK_EQ(braid_bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    if (listen_too)
        CHECK_EQ(braid_listen(fd, 8), 0);
    return fd;
}

static void test_return_values(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port(), p1 = free_udp_port(), p2 = free_udp_port();
    int srv = one_to_many(ps, up, true);
    int c1 = one_to_many(p1, up, false), c2 = one_to_many(p2, up, false);
    struct sockaddr_in to = loopback(ps);
    /* SENDALL with no association: 0 */
    struct sctp_sndrcvinfo si;
    memset(&si, 0, sizeof si);
    si.sinfo_flags = SCTP_SENDALL;
    CHECK_EQ(sctp_send(srv, "x", 1, &si, 0), 0);
    /* two associations, set up by a first message each */
    CHECK_EQ(sctp_sendmsg(c1, "one", 3, (struct sockaddr *)&to, sizeof to, 0, 0, 0, 0, 0), 3);
    CHECK_EQ(sctp_sendmsg(c2, "two", 3, (struct sockaddr *)&to, sizeof to, 0, 0, 0, 0, 0), 3);
    /* SENDALL: the message's length */
    CHECK_EQ(sctp_send(srv, "to all", 6, &si, 0), 6);
    char buf[64];
    CHECK_EQ(braid_recv(c1, buf, sizeof buf, MSG_DONTWAIT), 6);
    CHECK_EQ(braid_recv(c2, buf, sizeof buf, MSG_DONTWAIT), 6);
    /* SCTP_ABORT on one association: 0, not the reason's length */
    sctp_assoc_t ids[4];
    memset(ids, 0, sizeof ids);
    struct sctp_assoc_ids *list = (struct sctp_assoc_ids *)(void *)ids;
    socklen_t l = sizeof ids;
    CHECK_EQ(braid_getsockopt(srv, IPPROTO_SCTP, SCTP_GET_ASSOC_ID_LIST, list, &l), 0);
    CHECK_EQ(list->gaids_number_of_ids, 2);
    memset(&si, 0, sizeof si);
    si.sinfo_flags = SCTP_ABORT;
    si.sinfo_assoc_id = list->gaids_assoc_id[0];
    errno = 0;
    CHECK_EQ(sctp_send(srv, "a reason", 8, &si, 0), 0);
    CHECK_EQ(errno, 0); /* and errno untouched */
    /* SENDALL | SCTP_EOF: every association shuts down; 0 */
    si.sinfo_flags = SCTP_SENDALL | SCTP_EOF;
    si.sinfo_assoc_id = 0;
    CHECK_EQ(sctp_send(srv, "", 0, &si, 0), 0);
    /* SCTP_EOF with data: EINVAL (Linux's sctp_sendmsg_parse) */
    si.sinfo_flags = SCTP_EOF;
    errno = 0;
    CHECK_EQ(sctp_send(srv, "data", 4, &si, 0), -1);
    CHECK_EQ(errno, EINVAL);
    braid_close(c1);
    braid_close(c2);
    braid_close(srv);
}

/* An implicit setup whose first message names a stream the peer does not
 * grant: as Linux (sctp_stream_outq_migrate), the message comes back in a
 * SEND_FAILED with the Invalid Stream Identifier cause (as on the wire) and
 * SCTP_DATA_UNSENT, before COMM_UP (the streams are known from the INIT ACK). */
static void test_implicit_setup_bad_stream(void)
{
    uint16_t up = free_udp_port(), ps = free_udp_port(), pc = free_udp_port();
    int srv = one_to_many(ps, up, false);
    struct sctp_initmsg im;
    memset(&im, 0, sizeof im);
    im.sinit_max_instreams = 3;
    CHECK_EQ(braid_setsockopt(srv, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im), 0);
    CHECK_EQ(braid_listen(srv, 8), 0);
    int c = one_to_many(pc, up, false);
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_association_event = 1;
    ev.sctp_send_failure_event = 1;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    struct sockaddr_in to = loopback(ps);
    CHECK_EQ(sctp_sendmsg(c, "stream 5", 8, (struct sockaddr *)&to, sizeof to, 0, 0, 5, 0, 0), 8);
    union {
        union sctp_notification n;
        char b[512];
    } u;
    int fl = 0;
    ssize_t n = sctp_recvmsg(c, u.b, sizeof u.b, NULL, NULL, NULL, &fl);
    CHECK(n > 0 && (fl & MSG_NOTIFICATION));
    CHECK_EQ(u.n.sn_header.sn_type, SCTP_SEND_FAILED);
    CHECK_EQ(u.n.sn_send_failed.ssf_error, htons(1)); /* Invalid Stream Identifier */
    CHECK_EQ(u.n.sn_send_failed.ssf_flags, SCTP_DATA_UNSENT);
    CHECK_EQ(u.n.sn_send_failed.ssf_info.sinfo_stream, 5);
    CHECK_EQ(n, (ssize_t)(sizeof(struct sctp_send_failed) + 8));
    fl = 0;
    n = sctp_recvmsg(c, u.b, sizeof u.b, NULL, NULL, NULL, &fl);
    CHECK(n > 0 && (fl & MSG_NOTIFICATION));
    CHECK_EQ(u.n.sn_header.sn_type, SCTP_ASSOC_CHANGE);
    CHECK_EQ(u.n.sn_assoc_change.sac_state, SCTP_COMM_UP);
    CHECK_EQ(u.n.sn_assoc_change.sac_outbound_streams, 3);
    braid_close(c);
    braid_close(srv);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_return_values);
    RUN_ISOLATED(test_implicit_setup_bad_stream);
    return CHECK_REPORT();
}
