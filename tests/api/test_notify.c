/* Notifications (RFC 6458 §6): each class arrives with the fields Linux
 * fills in, read in line with data (MSG_NOTIFICATION), subscribed with
 * SCTP_EVENTS or SCTP_EVENT. Client and server are separate processes. */
#include "api_proc.h"
#include "relay.h"

typedef struct ports {
    uint16_t sport, uport;
} ports;

static ports new_ports(void)
{
    ports p = {free_udp_port(), free_udp_port()};
    return p;
}

#define NOTE(buf) ((union sctp_notification *)(void *)(buf))

/* Reads one message and checks it is a notification of type t. */
static ssize_t expect_note(int fd, uint16_t t, void *buf, size_t cap)
{
    int fl = 0;
    ssize_t n = rcv(fd, buf, cap, &fl, NULL);
    CHECK(n >= 8);
    if (n < 8) {
        fprintf(stderr, "  expected notification %#x: %zd (%s)\n", t, n, strerror(errno));
        return -1;
    }
    CHECK_EQ(fl & (MSG_NOTIFICATION | MSG_EOR), MSG_NOTIFICATION | MSG_EOR);
    CHECK_EQ(NOTE(buf)->sn_header.sn_type, t);
    CHECK_EQ(NOTE(buf)->sn_header.sn_length, n);
    if (NOTE(buf)->sn_header.sn_type != t)
        fprintf(stderr, "  got notification %#x (state %u), wanted %#x\n",
                NOTE(buf)->sn_header.sn_type, NOTE(buf)->sn_assoc_change.sac_state, t);
    return n;
}

/* Reads one message and checks it is data equal to want. */
static void expect_data(int fd, const char *want, uint16_t sid, uint32_t ppid)
{
    char buf[256];
    int fl = 0;
    struct sctp_sndrcvinfo si;
    ssize_t n = rcv(fd, buf, sizeof buf, &fl, &si);
    CHECK_EQ(n, (ssize_t)strlen(want));
    CHECK(!(fl & MSG_NOTIFICATION));
    CHECK(fl & MSG_EOR);
    if (n == (ssize_t)strlen(want))
        CHECK_MEM(buf, want, (size_t)n);
    else if (n >= 8 && (fl & MSG_NOTIFICATION))
        fprintf(stderr, "  got notification %#x, wanted data\n", NOTE(buf)->sn_header.sn_type);
    CHECK_EQ(si.sinfo_stream, sid);
    CHECK_EQ(si.sinfo_ppid, ppid);
}

static void status_of(int fd, sctp_assoc_t id, struct sctp_status *st)
{
    memset(st, 0, sizeof *st);
    socklen_t l = sizeof *st;
    CHECK_EQ(sctp_opt_info(fd, id, SCTP_STATUS, st, &l), 0);
}

/* ---- COMM_UP, ADAPTATION_INDICATION, data, SHUTDOWN_EVENT, SHUTDOWN_COMP,
 * SENDER_DRY ---- */

static void lifecycle_server(int ctl, void *arg)
{
    ports *p = arg;
    int s = serve(SOCK_SEQPACKET, p->sport, p->uport);
    CHECK(s >= 0);
    CHECK_EQ(subscribe_all(s), 0); /* SCTP_EVENTS, data_io included */
    ctl_send(ctl, 1);
    char buf[512];
    CHECK(expect_note(s, SCTP_ASSOC_CHANGE, buf, sizeof buf) > 0);
    struct sctp_assoc_change *ac = &NOTE(buf)->sn_assoc_change;
    CHECK_EQ(ac->sac_state, SCTP_COMM_UP);
    CHECK_EQ(ac->sac_flags, 0);
    CHECK_EQ(ac->sac_error, 0);
    CHECK_EQ(ac->sac_length, sizeof(struct sctp_assoc_change));
    sctp_assoc_t id = ac->sac_assoc_id;
    CHECK(id > SCTP_ALL_ASSOC);
    struct sctp_status st;
    status_of(s, id, &st);
    CHECK_EQ(ac->sac_outbound_streams, st.sstat_outstrms);
    CHECK_EQ(ac->sac_inbound_streams, st.sstat_instrms);
    CHECK(st.sstat_outstrms > 0);
    /* the client set an adaptation layer indication */
    CHECK(expect_note(s, SCTP_ADAPTATION_INDICATION, buf, sizeof buf) > 0);
    struct sctp_adaptation_event *ae = &NOTE(buf)->sn_adaptation_event;
    CHECK_EQ(ae->sai_adaptation_ind, 0x01020304u);
    CHECK_EQ(ae->sai_assoc_id, id);
    CHECK_EQ(ae->sai_length, sizeof *ae);
    /* as Linux: then SCTP_AUTH_NO_AUTH (the peer has no AUTH) */
    CHECK(expect_note(s, SCTP_AUTHENTICATION_EVENT, buf, sizeof buf) > 0);
    CHECK_EQ(NOTE(buf)->sn_authkey_event.auth_indication, SCTP_AUTH_NO_AUTH);
    CHECK_EQ(NOTE(buf)->sn_authkey_event.auth_assoc_id, id);
    CHECK_EQ(NOTE(buf)->sn_authkey_event.auth_length, sizeof(struct sctp_authkey_event));
    expect_data(s, "hello", 1, 42);
    /* the client's last message, then its SHUTDOWN: in that order */
    expect_data(s, "bye", 0, 0);
    CHECK(expect_note(s, SCTP_SHUTDOWN_EVENT, buf, sizeof buf) > 0);
    CHECK_EQ(NOTE(buf)->sn_shutdown_event.sse_assoc_id, id);
    CHECK_EQ(NOTE(buf)->sn_shutdown_event.sse_length, sizeof(struct sctp_shutdown_event));
    CHECK(expect_note(s, SCTP_ASSOC_CHANGE, buf, sizeof buf) > 0);
    CHECK_EQ(ac->sac_state, SCTP_SHUTDOWN_COMP);
    CHECK_EQ(ac->sac_assoc_id, id);
    /* nothing more */
    int fl;
    set_timeouts(s, 200, 200);
    errno = 0;
    ssize_t last = rcv(s, buf, sizeof buf, &fl, NULL);
    if (last >= 0)
        fprintf(stderr, "  got %zd bytes, flags %x, type %x\n", last, fl, NOTE(buf)->sn_header.sn_type);
    CHECK_EQ(last, -1);
    CHECK_EQ(errno, EAGAIN);
    braid_close(s);
}

static void test_lifecycle_notifications(void)
{
    ports p = new_ports();
    int ctl = -1;
    pid_t srv = spawn(lifecycle_server, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, p.uport);
    /* one-to-one, subscribed class by class with SCTP_EVENT */
    uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT, SCTP_SENDER_DRY_EVENT,
                        SCTP_DATA_IO_EVENT};
    CHECK_EQ(subscribe(c, types, 4), 0);
    struct sctp_setadaptation ad = {0x01020304};
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_ADAPTATION_LAYER, &ad, sizeof ad), 0);
    CHECK_EQ(connect_to(c, p.sport), 0);
    char buf[512];
    CHECK(expect_note(c, SCTP_ASSOC_CHANGE, buf, sizeof buf) > 0);
    struct sctp_assoc_change *ac = &NOTE(buf)->sn_assoc_change;
    CHECK_EQ(ac->sac_state, SCTP_COMM_UP);
    struct sctp_status st;
    status_of(c, 0, &st);
    CHECK_EQ(ac->sac_outbound_streams, st.sstat_outstrms);
    CHECK_EQ(ac->sac_inbound_streams, st.sstat_instrms);
    CHECK_EQ(ac->sac_assoc_id, st.sstat_assoc_id);
    CHECK_EQ(sctp_sendmsg(c, "hello", 5, NULL, 0, 42, 0, 1, 0, 0), 5);
    /* acknowledged: the sender is dry */
    CHECK(expect_note(c, SCTP_SENDER_DRY_EVENT, buf, sizeof buf) > 0);
    CHECK_EQ(NOTE(buf)->sn_sender_dry_event.sender_dry_assoc_id, st.sstat_assoc_id);
    CHECK_EQ(NOTE(buf)->sn_sender_dry_event.sender_dry_length, sizeof(struct sctp_sender_dry_event));
    CHECK_EQ(braid_send(c, "bye", 3, 0), 3);
    CHECK_EQ(braid_shutdown(c, SHUT_WR), 0);
    /* the initiator of the shutdown sees SHUTDOWN_COMP (no SHUTDOWN_EVENT) */
    ssize_t n = wait_note(c, SCTP_ASSOC_CHANGE, buf, sizeof buf);
    CHECK(n > 0);
    CHECK_EQ(ac->sac_state, SCTP_SHUTDOWN_COMP);
    /* as Linux: our own shutdown ends reads with ENOTCONN, not end of file */
    errno = 0;
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), -1);
    CHECK_EQ(errno, ENOTCONN);
    braid_close(c);
    REAP(srv);
}

/* ---- COMM_LOST with the ABORT's cause (SO_LINGER 0 close), ECONNRESET ---- */

static void linger_server(int ctl, void *arg)
{
    ports *p = arg;
    int l = serve(SOCK_STREAM, p->sport, p->uport);
    CHECK(l >= 0);
    ctl_send(ctl, 1);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    CTL_EXPECT(ctl, 2);
    struct linger lg = {1, 0}; /* close() aborts (RFC 6458 §8.1.4) */
    CHECK_EQ(braid_setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    CHECK_EQ(braid_close(a), 0);
    ctl_send(ctl, 3);
    CTL_EXPECT(ctl, 4);
    braid_close(l);
}

static void test_comm_lost_on_abort(void)
{
    ports p = new_ports();
    int ctl = -1;
    pid_t srv = spawn(linger_server, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, p.uport);
    uint16_t types[] = {SCTP_ASSOC_CHANGE};
    CHECK_EQ(subscribe(c, types, 1), 0);
    CHECK_EQ(connect_to(c, p.sport), 0);
    char buf[512];
    CHECK(expect_note(c, SCTP_ASSOC_CHANGE, buf, sizeof buf) > 0);
    struct sctp_status st;
    status_of(c, 0, &st);
    ctl_send(ctl, 2);
    CTL_EXPECT(ctl, 3);
    ssize_t n = expect_note(c, SCTP_ASSOC_CHANGE, buf, sizeof buf);
    struct sctp_assoc_change *ac = &NOTE(buf)->sn_assoc_change;
    CHECK_EQ(ac->sac_state, SCTP_COMM_LOST);
    CHECK_EQ(ac->sac_assoc_id, st.sstat_assoc_id);
    /* Linux: sac_error is the first cause code as it was on the wire, the
     * ABORT's causes follow in sac_info: a User-Initiated Abort (12) */
    CHECK_EQ(ac->sac_error, htons(12));
    CHECK_EQ(n, (ssize_t)sizeof *ac + 4);
    if (n >= (ssize_t)sizeof *ac + 4) {
        uint8_t want[4] = {0, 12, 0, 4};
        CHECK_MEM(ac->sac_info, want, 4);
    }
    /* the socket's error, once, then end of file (Linux sk_err) */
    errno = 0;
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), -1);
    CHECK_EQ(errno, ECONNRESET);
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), 0);
    errno = 0;
    CHECK_EQ(braid_send(c, "x", 1, MSG_NOSIGNAL), -1);
    CHECK_EQ(errno, EPIPE);
    braid_close(c);
    ctl_send(ctl, 4);
    REAP(srv);
}

/* ---- SCTP_SEND_FAILED_EVENT / SCTP_SEND_FAILED hand back what was not
 * delivered ---- */

static void silent_server(int ctl, void *arg)
{
    ports *p = arg;
    int s = serve(SOCK_SEQPACKET, p->sport, p->uport);
    CHECK(s >= 0);
    ctl_send(ctl, 1);
    ctl_recv(ctl, 15000); /* stopped with SIGSTOP meanwhile, then killed */
    braid_close(s);
}

static void send_failed_case(bool new_form)
{
    ports p = new_ports();
    int ctl = -1;
    pid_t srv = spawn(silent_server, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_SEQPACKET, p.uport);
    if (new_form) {
        uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_SEND_FAILED_EVENT, SCTP_SENDER_DRY_EVENT};
        CHECK_EQ(subscribe(c, types, 3), 0);
    } else {
        struct sctp_event_subscribe ev;
        memset(&ev, 0, sizeof ev);
        ev.sctp_association_event = 1;
        ev.sctp_send_failure_event = 1;
        ev.sctp_sender_dry_event = 1;
        CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    }
    struct sockaddr_in sa = loopback(p.sport);
    CHECK_EQ(sctp_sendmsg(c, "first", 5, (struct sockaddr *)&sa, sizeof sa, 0, 0, 0, 0, 0), 5);
    char buf[4096];
    CHECK(expect_note(c, SCTP_ASSOC_CHANGE, buf, sizeof buf) > 0);
    sctp_assoc_t id = NOTE(buf)->sn_assoc_change.sac_assoc_id;
    CHECK(wait_note(c, SCTP_SENDER_DRY_EVENT, buf, sizeof buf) > 0); /* "first" is acknowledged */
    /* the peer stops answering */
    kill(srv, SIGSTOP);
    int wst;
    waitpid(srv, &wst, WUNTRACED);
    enum { N = 12, LEN = 1000 };
    for (int i = 0; i < N; i++) {
        char m[LEN];
        memset(m, 'a' + i, sizeof m);
        snprintf(m, sizeof m, "message %d", i);
        CHECK_EQ(sctp_sendmsg(c, m, sizeof m, (struct sockaddr *)&sa, sizeof sa,
                              htonl(100u + (unsigned)i), 0, (uint16_t)(i % 3), 0,
                              200u + (unsigned)i),
                 LEN);
    }
    usleep(50000); /* some of them leave (cwnd allows a few) */
    CHECK_EQ(sctp_sendmsg(c, "test abort", 10, (struct sockaddr *)&sa, sizeof sa, 0, SCTP_ABORT,
                          0, 0, 0),
             0); /* as Linux: 0 */
    ssize_t n = expect_note(c, SCTP_ASSOC_CHANGE, buf, sizeof buf);
    CHECK(n > 0);
    CHECK_EQ(NOTE(buf)->sn_assoc_change.sac_state, SCTP_COMM_LOST);
    CHECK_EQ(NOTE(buf)->sn_assoc_change.sac_assoc_id, id);
    int sent = 0, unsent = 0;
    for (int i = 0; i < N; i++) {
        n = expect_note(c, new_form ? SCTP_SEND_FAILED_EVENT : SCTP_SEND_FAILED, buf, sizeof buf);
        char m[LEN];
        memset(m, 'a' + i, sizeof m);
        snprintf(m, sizeof m, "message %d", i);
        if (new_form) {
            struct sctp_send_failed_event *f = &NOTE(buf)->sn_send_failed_event;
            CHECK_EQ(n, (ssize_t)(sizeof *f + LEN));
            CHECK_EQ(f->ssf_length, sizeof *f + LEN);
            CHECK_EQ(f->ssfe_info.snd_sid, i % 3);
            CHECK_EQ(f->ssfe_info.snd_ppid, htonl(100u + (unsigned)i));
            CHECK_EQ(f->ssfe_info.snd_context, 200u + (unsigned)i);
            CHECK_EQ(f->ssfe_info.snd_assoc_id, id);
            CHECK_EQ(f->ssf_assoc_id, id);
            CHECK(f->ssf_flags == SCTP_DATA_SENT || f->ssf_flags == SCTP_DATA_UNSENT);
            if (f->ssf_flags == SCTP_DATA_SENT) {
                CHECK_EQ(unsent, 0); /* sent ones precede the queued ones */
                sent++;
            } else {
                unsent++;
            }
            if (n == (ssize_t)(sizeof *f + LEN))
                CHECK_MEM(f->ssf_data, m, LEN);
        } else {
            struct sctp_send_failed *f = &NOTE(buf)->sn_send_failed;
            CHECK_EQ(n, (ssize_t)(sizeof *f + LEN));
            CHECK_EQ(f->ssf_info.sinfo_stream, i % 3);
            CHECK_EQ(f->ssf_info.sinfo_ppid, htonl(100u + (unsigned)i));
            CHECK_EQ(f->ssf_info.sinfo_context, 200u + (unsigned)i);
            CHECK_EQ(f->ssf_info.sinfo_assoc_id, id);
            CHECK_EQ(f->ssf_assoc_id, id);
            if (f->ssf_flags == SCTP_DATA_SENT)
                sent++;
            else
                unsent++;
            if (n == (ssize_t)(sizeof *f + LEN))
                CHECK_MEM(f->ssf_data, m, LEN);
        }
    }
    CHECK_EQ(sent + unsent, N);
    CHECK(sent > 0);   /* the congestion window let some go */
    CHECK(unsent > 0); /* and held the rest back */
    /* nothing else; as Linux (sctp_wait_for_packet): a one-to-many socket
     * with no association that does not listen says ENOTCONN */
    set_timeouts(c, 100, 100);
    int fl;
    errno = 0;
    CHECK_EQ(rcv(c, buf, sizeof buf, &fl, NULL), -1);
    CHECK_EQ(errno, ENOTCONN);
    braid_close(c);
    kill(srv, SIGKILL);
    waitpid(srv, &wst, 0);
}

static void test_send_failed_event(void)
{
    send_failed_case(true);
}

static void test_send_failed_old(void)
{
    send_failed_case(false);
}

/* ---- SCTP_REMOTE_ERROR: the peer's ERROR chunk ---- */

static void plain_server(int ctl, void *arg)
{
    ports *p = arg;
    int l = serve(SOCK_STREAM, p->sport, p->uport);
    CHECK(l >= 0);
    ctl_send(ctl, 1);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    char buf[64];
    CHECK_EQ(braid_recv(a, buf, sizeof buf, 0), 4);
    CTL_EXPECT(ctl, 2);
    braid_close(a);
    braid_close(l);
}

static void test_remote_error(void)
{
    ports p = new_ports();
    relay_cfg rc;
    memset(&rc, 0, sizeof rc);
    rc.n = 1;
    rc.srv[0].s_addr = htonl(INADDR_LOOPBACK);
    rc.srv_udp = p.uport;
    int rctl, ctl;
    pid_t relay = relay_start(&rc, &rctl);
    CHECK(relay > 0);
    pid_t srv = spawn(plain_server, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, rc.relay_udp);
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_peer_error_event = 1;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    CHECK_EQ(connect_to(c, p.sport), 0);
    char buf[256];
    /* subscribing to SENDER_DRY with nothing to send reports it at once */
    uint16_t dry[] = {SCTP_SENDER_DRY_EVENT};
    CHECK_EQ(subscribe(c, dry, 1), 0);
    CHECK(expect_note(c, SCTP_SENDER_DRY_EVENT, buf, sizeof buf) > 0);
    struct sctp_event off = {0, SCTP_SENDER_DRY_EVENT, 0};
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_EVENT, &off, sizeof off), 0);
    CHECK_EQ(braid_send(c, "ping", 4, 0), 4);
    CHECK_EQ(relay_cmd(rctl, RELAY_INJECT_UNKNOWN), RELAY_ACK);
    ssize_t n = expect_note(c, SCTP_REMOTE_ERROR, buf, sizeof buf);
    struct sctp_remote_error *re = &NOTE(buf)->sn_remote_error;
    struct sctp_status st;
    status_of(c, 0, &st);
    /* Linux: the first cause's code in network byte order, its body (here
     * the unrecognized chunk, RFC 9260 §3.3.10.6) in sre_data */
    CHECK_EQ(re->sre_error, htons(6));
    CHECK_EQ(re->sre_assoc_id, st.sstat_assoc_id);
    CHECK_EQ(n, (ssize_t)sizeof *re + 8);
    if (n == (ssize_t)sizeof *re + 8) {
        uint8_t want[8] = {0x7e, 0, 0, 8, 'j', 'u', 'n', 'k'};
        CHECK_MEM(re->sre_data, want, 8);
    }
    /* the association is still fine */
    CHECK_EQ(st.sstat_state, SCTP_ESTABLISHED);
    ctl_send(ctl, 2);
    REAP(srv);
    braid_close(c);
    CHECK_EQ(relay_cmd(rctl, RELAY_QUIT), RELAY_ACK);
    REAP(relay);
}

/* ---- what happens before accept() is not lost: it waits on the listener
 * and comes with the accepted socket ---- */

static void early_client(int ctl, void *arg)
{
    ports *p = arg;
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, p->uport);
    struct sctp_setadaptation ad = {0xabcd};
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_ADAPTATION_LAYER, &ad, sizeof ad), 0);
    CHECK_EQ(connect_to(c, p->sport), 0);
    CHECK_EQ(braid_send(c, "early", 5, 0), 5);
    CHECK_EQ(braid_shutdown(c, SHUT_WR), 0);
    char buf[16];
    /* the shutdown is complete: as Linux, our own shutdown ends reads with
     * ENOTCONN (only the peer's SHUTDOWN ends them with 0) */
    errno = 0;
    CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), -1);
    CHECK_EQ(errno, ENOTCONN);
    braid_close(c);
}

static void test_events_before_accept(void)
{
    ports p = new_ports();
    int ctl = -1;
    pid_t peer = spawn(early_client, &p, &ctl);
    int l = serve(SOCK_STREAM, p.sport, p.uport);
    uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_ADAPTATION_INDICATION, SCTP_SHUTDOWN_EVENT};
    CHECK_EQ(subscribe(l, types, 3), 0);
    ctl_send(ctl, 1);
    REAP(peer); /* the whole association is over before accept() */
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    char buf[256];
    CHECK(expect_note(a, SCTP_ASSOC_CHANGE, buf, sizeof buf) > 0);
    CHECK_EQ(NOTE(buf)->sn_assoc_change.sac_state, SCTP_COMM_UP);
    CHECK(expect_note(a, SCTP_ADAPTATION_INDICATION, buf, sizeof buf) > 0);
    CHECK_EQ(NOTE(buf)->sn_adaptation_event.sai_adaptation_ind, 0xabcdu);
    CHECK_EQ(braid_recv(a, buf, sizeof buf, 0), 5);
    CHECK(expect_note(a, SCTP_SHUTDOWN_EVENT, buf, sizeof buf) > 0);
    CHECK(expect_note(a, SCTP_ASSOC_CHANGE, buf, sizeof buf) > 0);
    CHECK_EQ(NOTE(buf)->sn_assoc_change.sac_state, SCTP_SHUTDOWN_COMP);
    CHECK_EQ(braid_recv(a, buf, sizeof buf, 0), 0);
    braid_close(a);
    braid_close(l);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_lifecycle_notifications);
    RUN_ISOLATED(test_comm_lost_on_abort);
    RUN_ISOLATED(test_send_failed_event);
    RUN_ISOLATED(test_send_failed_old);
    RUN_ISOLATED(test_remote_error);
    RUN_ISOLATED(test_events_before_accept);
    return CHECK_REPORT();
}
