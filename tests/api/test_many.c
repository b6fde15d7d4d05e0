/* One-to-many sockets with several peers, each peer a process of its own:
 * SCTP_SENDALL, SCTP_EOF and SCTP_ABORT on one association while the
 * others carry on, close() ending every association, sctp_peeloff. */
#include "api_proc.h"

#define NOTE(buf) ((union sctp_notification *)(void *)(buf))

typedef struct peer_arg {
    uint16_t sport, uport;
    int idx;
} peer_arg;

/* Reads the next message of a one-to-one socket: data (returned, NUL
 * terminated) or the notification type in *note. */
static ssize_t next_msg(int fd, char *buf, size_t cap, uint16_t *note)
{
    int fl = 0;
    ssize_t n = rcv(fd, buf, cap - 1, &fl, NULL);
    *note = 0;
    if (n >= 0)
        buf[n] = 0;
    if (n >= 8 && (fl & MSG_NOTIFICATION))
        *note = NOTE(buf)->sn_header.sn_type;
    return n;
}

static void expect_text(int fd, const char *want)
{
    char buf[512];
    uint16_t note;
    ssize_t n = next_msg(fd, buf, sizeof buf, &note);
    CHECK_EQ(note, 0);
    CHECK_EQ(n, (ssize_t)strlen(want));
    if (n >= 0 && !note && strcmp(buf, want) != 0)
        fprintf(stderr, "  got \"%s\", wanted \"%s\"\n", buf, want);
    else if (note)
        fprintf(stderr, "  got notification %#x, wanted \"%s\"\n", note, want);
}

static void expect_assoc_change(int fd, uint16_t state, char *buf, size_t cap)
{
    uint16_t note;
    ssize_t n = next_msg(fd, buf, cap, &note);
    CHECK(n >= (ssize_t)sizeof(struct sctp_assoc_change));
    CHECK_EQ(note, SCTP_ASSOC_CHANGE);
    if (note == SCTP_ASSOC_CHANGE)
        CHECK_EQ(NOTE(buf)->sn_assoc_change.sac_state, state);
    else
        fprintf(stderr, "  got %zd bytes (note %#x), wanted ASSOC_CHANGE %u\n", n, note, state);
}

static int peer_connect(peer_arg *a)
{
    int c = client(SOCK_STREAM, a->uport);
    int one = 1; /* no Nagle delay: each message leaves when sent */
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof one), 0);
    uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT};
    CHECK_EQ(subscribe(c, types, 2), 0);
    CHECK_EQ(connect_to(c, a->sport), 0);
    char buf[256];
    expect_assoc_change(c, SCTP_COMM_UP, buf, sizeof buf);
    return c;
}

/* ---- three clients: SENDALL, EOF on one, ABORT with a reason on another ---- */

static void eof_peer(int ctl, void *arg)
{
    peer_arg *a = arg;
    CTL_EXPECT(ctl, 1);
    int c = peer_connect(a);
    char hello[32];
    snprintf(hello, sizeof hello, "hello from %d", a->idx);
    CHECK_EQ(braid_send(c, hello, strlen(hello), 0), (ssize_t)strlen(hello));
    expect_text(c, "to all");
    ctl_send(ctl, 10);
    char buf[512];
    uint16_t note;
    switch (a->idx) {
    case 0: /* the server ends this one with SCTP_EOF */
        CHECK(next_msg(c, buf, sizeof buf, &note) > 0);
        CHECK_EQ(note, SCTP_SHUTDOWN_EVENT);
        expect_assoc_change(c, SCTP_SHUTDOWN_COMP, buf, sizeof buf);
        CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), 0);
        ctl_send(ctl, 20);
        break;
    case 1: { /* ... and aborts this one, with a reason */
        expect_text(c, "still here");
        CHECK_EQ(braid_send(c, "ack 1", 5, 0), 5);
        expect_assoc_change(c, SCTP_COMM_LOST, buf, sizeof buf);
        struct sctp_assoc_change *ac = &NOTE(buf)->sn_assoc_change;
        static const char reason[] = "go away, 1";
        size_t rl = sizeof reason - 1;
        CHECK_EQ(ac->sac_error, htons(12));
        CHECK_EQ(ac->sac_length, sizeof *ac + 4 + rl);
        /* a User-Initiated Abort cause (RFC 9260 §3.3.10.12) with the reason */
        uint8_t want[4] = {0, 12, 0, (uint8_t)(4 + rl)};
        CHECK_MEM(ac->sac_info, want, 4);
        CHECK_MEM(ac->sac_info + 4, reason, rl);
        errno = 0;
        CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), -1);
        CHECK_EQ(errno, ECONNRESET);
        ctl_send(ctl, 20);
        break;
    }
    case 2: /* carries on, then the server closes its socket */
        expect_text(c, "still here");
        CHECK_EQ(braid_send(c, "ack 2", 5, 0), 5);
        expect_text(c, "last");
        CHECK(next_msg(c, buf, sizeof buf, &note) > 0);
        CHECK_EQ(note, SCTP_SHUTDOWN_EVENT);
        expect_assoc_change(c, SCTP_SHUTDOWN_COMP, buf, sizeof buf);
        CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), 0);
        ctl_send(ctl, 20);
        break;
    }
    braid_close(c);
}

/* Reads from the one-to-many socket until n data messages and the wanted
 * notifications have come; ids[i] gets the association "hello from i" came on. */
static void collect_hellos(int s, sctp_assoc_t *ids, int n)
{
    int ups = 0, hellos = 0;
    for (int i = 0; i < 4 * n && (ups < n || hellos < n); i++) {
        char buf[512];
        int fl;
        struct sctp_sndrcvinfo si;
        ssize_t r = rcv(s, buf, sizeof buf - 1, &fl, &si);
        CHECK(r > 0);
        if (r <= 0)
            return;
        buf[r] = 0;
        if (fl & MSG_NOTIFICATION) {
            if (NOTE(buf)->sn_header.sn_type == SCTP_ASSOC_CHANGE &&
                NOTE(buf)->sn_assoc_change.sac_state == SCTP_COMM_UP)
                ups++;
            continue;
        }
        int k = -1;
        CHECK_EQ(sscanf(buf, "hello from %d", &k), 1);
        if (k >= 0 && k < n) {
            ids[k] = si.sinfo_assoc_id;
            hellos++;
        }
    }
    CHECK_EQ(ups, n);
    CHECK_EQ(hellos, n);
}

/* The next notification of the one-to-many socket that is an ASSOC_CHANGE
 * (data and others are returned as 0). */
static void server_expect_change(int s, sctp_assoc_t id, uint16_t state)
{
    char buf[512];
    for (int i = 0; i < 8; i++) {
        int fl;
        ssize_t r = rcv(s, buf, sizeof buf, &fl, NULL);
        CHECK(r > 0);
        if (r <= 0)
            return;
        if ((fl & MSG_NOTIFICATION) && NOTE(buf)->sn_header.sn_type == SCTP_ASSOC_CHANGE) {
            CHECK_EQ(NOTE(buf)->sn_assoc_change.sac_assoc_id, id);
            CHECK_EQ(NOTE(buf)->sn_assoc_change.sac_state, state);
            return;
        }
    }
    CHECK(0);
}

static void test_three_clients(void)
{
    peer_arg args[3];
    int ctl[3] = {-1};
    pid_t pid[3];
    uint16_t sport = free_udp_port(), uport = free_udp_port();
    for (int i = 0; i < 3; i++) {
        args[i] = (peer_arg){sport, uport, i};
        pid[i] = spawn(eof_peer, &args[i], &ctl[i]);
    }
    int s = serve(SOCK_SEQPACKET, sport, uport);
    CHECK(s >= 0);
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = 1;
    ev.sctp_association_event = 1;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    for (int i = 0; i < 3; i++)
        ctl_send(ctl[i], 1);
    sctp_assoc_t ids[3] = {0, 0, 0};
    collect_hellos(s, ids, 3);
    CHECK(ids[0] && ids[1] && ids[2]);
    CHECK(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
    uint32_t count = 0;
    socklen_t cl = sizeof count;
    CHECK_EQ(braid_getsockopt(s, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &count, &cl), 0);
    CHECK_EQ(count, 3);

    /* SCTP_SENDALL reaches all three */
    CHECK_EQ(send_on(s, 0, "to all", 6, 0, SCTP_SENDALL), 6);
    for (int i = 0; i < 3; i++)
        CTL_EXPECT(ctl[i], 10);

    /* SCTP_EOF ends the first association only (no data with it: EINVAL,
     * as on Linux) */
    errno = 0;
    CHECK_EQ(send_on(s, ids[0], "x", 1, 0, SCTP_EOF), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(send_on(s, ids[0], "", 0, 0, SCTP_EOF), 0);
    CTL_EXPECT(ctl[0], 20);
    server_expect_change(s, ids[0], SCTP_SHUTDOWN_COMP);
    /* the others carry on */
    CHECK_EQ(send_on(s, ids[1], "still here", 10, 0, 0), 10);
    CHECK_EQ(send_on(s, ids[2], "still here", 10, 0, 0), 10);
    char buf[512];
    int got = 0;
    for (int i = 0; i < 2; i++) {
        int fl;
        struct sctp_sndrcvinfo si;
        ssize_t r = rcv(s, buf, sizeof buf, &fl, &si);
        CHECK_EQ(r, 5);
        CHECK(!(fl & MSG_NOTIFICATION));
        if (r == 5 && !memcmp(buf, "ack ", 4))
            got |= 1 << (buf[4] - '0');
        CHECK(si.sinfo_assoc_id == ids[1] || si.sinfo_assoc_id == ids[2]);
    }
    CHECK_EQ(got, 6);
    /* sending to the association that ended: EPIPE (Linux) */
    errno = 0;
    CHECK_EQ(send_on(s, ids[0], "late", 4, 0, 0), -1);
    CHECK_EQ(errno, EPIPE);

    /* SCTP_ABORT: the message is the reason the peer receives */
    CHECK_EQ(send_on(s, ids[1], "go away, 1", 10, 0, SCTP_ABORT), 0); /* as Linux: 0 */
    CTL_EXPECT(ctl[1], 20);
    server_expect_change(s, ids[1], SCTP_COMM_LOST);

    /* SCTP_SENDALL now reaches the one left */
    CHECK_EQ(braid_getsockopt(s, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &count, &cl), 0);
    CHECK_EQ(count, 1);
    CHECK_EQ(send_on(s, 0, "last", 4, 0, SCTP_SENDALL), 4);
    /* close() ends it gracefully */
    usleep(100000);
    CHECK_EQ(braid_close(s), 0);
    CTL_EXPECT(ctl[2], 20);
    for (int i = 0; i < 3; i++)
        REAP(pid[i]);
}

/* ---- close() on a one-to-many socket ends every association ---- */

static void close_peer(int ctl, void *arg)
{
    peer_arg *a = arg;
    CTL_EXPECT(ctl, 1);
    int c = peer_connect(a);
    char hello[32];
    snprintf(hello, sizeof hello, "hello from %d", a->idx);
    CHECK_EQ(braid_send(c, hello, strlen(hello), 0), (ssize_t)strlen(hello));
    ctl_send(ctl, 10);
    int mode = ctl_recv(ctl, 10000);
    if (mode == 2 && a->idx == 1) /* a message the server will not read */
        CHECK_EQ(braid_send(c, "unread", 6, 0), 6);
    ctl_send(ctl, 11);
    char buf[256];
    uint16_t note;
    if (mode == 1) { /* graceful: SHUTDOWN, then SHUTDOWN_COMP */
        CHECK(next_msg(c, buf, sizeof buf, &note) > 0);
        CHECK_EQ(note, SCTP_SHUTDOWN_EVENT);
        expect_assoc_change(c, SCTP_SHUTDOWN_COMP, buf, sizeof buf);
        CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), 0);
    } else { /* data was left unread (on any of them): Linux aborts them all */
        expect_assoc_change(c, SCTP_COMM_LOST, buf, sizeof buf);
        errno = 0;
        CHECK_EQ(braid_recv(c, buf, sizeof buf, 0), -1);
        CHECK_EQ(errno, ECONNRESET);
    }
    ctl_send(ctl, 20);
    braid_close(c);
}

static void close_case(int mode)
{
    peer_arg args[3];
    int ctl[3] = {-1};
    pid_t pid[3];
    uint16_t sport = free_udp_port(), uport = free_udp_port();
    for (int i = 0; i < 3; i++) {
        args[i] = (peer_arg){sport, uport, i};
        pid[i] = spawn(close_peer, &args[i], &ctl[i]);
    }
    int s = serve(SOCK_SEQPACKET, sport, uport);
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = 1;
    ev.sctp_association_event = 1;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    for (int i = 0; i < 3; i++)
        ctl_send(ctl[i], 1);
    for (int i = 0; i < 3; i++)
        CTL_EXPECT(ctl[i], 10);
    sctp_assoc_t ids[3] = {0, 0, 0};
    collect_hellos(s, ids, 3);
    for (int i = 0; i < 3; i++)
        ctl_send(ctl[i], mode);
    for (int i = 0; i < 3; i++)
        CTL_EXPECT(ctl[i], 11);
    if (mode == 2)
        usleep(100000); /* the unread message has arrived */
    CHECK_EQ(braid_close(s), 0);
    for (int i = 0; i < 3; i++)
        CTL_EXPECT(ctl[i], 20);
    for (int i = 0; i < 3; i++)
        REAP(pid[i]);
}

static void test_close_ends_all_gracefully(void)
{
    close_case(1);
}

static void test_close_with_unread_data_aborts_all(void)
{
    close_case(2);
}

/* ---- sctp_peeloff ---- */

static void peel_peer(int ctl, void *arg)
{
    peer_arg *a = arg;
    CTL_EXPECT(ctl, 1);
    int c = peer_connect(a);
    char msg[32];
    snprintf(msg, sizeof msg, "hello from %d", a->idx);
    CHECK_EQ(braid_send(c, msg, strlen(msg), 0), (ssize_t)strlen(msg));
    CTL_EXPECT(ctl, 2);
    snprintf(msg, sizeof msg, "second from %d", a->idx);
    CHECK_EQ(braid_send(c, msg, strlen(msg), 0), (ssize_t)strlen(msg));
    if (a->idx == 0) {
        expect_text(c, "via the peeled socket");
        char buf[256];
        uint16_t note;
        CHECK(next_msg(c, buf, sizeof buf, &note) > 0);
        CHECK_EQ(note, SCTP_SHUTDOWN_EVENT);
        expect_assoc_change(c, SCTP_SHUTDOWN_COMP, buf, sizeof buf);
    } else {
        expect_text(c, "via the one-to-many socket");
    }
    ctl_send(ctl, 3);
    CTL_EXPECT(ctl, 4);
    braid_close(c);
}

static void test_peeloff(void)
{
    peer_arg args[2];
    int ctl[2] = {-1};
    pid_t pid[2];
    uint16_t sport = free_udp_port(), uport = free_udp_port();
    for (int i = 0; i < 2; i++) {
        args[i] = (peer_arg){sport, uport, i};
        pid[i] = spawn(peel_peer, &args[i], &ctl[i]);
    }
    int s = serve(SOCK_SEQPACKET, sport, uport);
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = 1;
    ev.sctp_association_event = 1;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    for (int i = 0; i < 2; i++)
        ctl_send(ctl[i], 1);
    sctp_assoc_t ids[2] = {0, 0};
    collect_hellos(s, ids, 2);
    /* misuse first */
    errno = 0;
    CHECK_EQ(sctp_peeloff(s, 12345), -1);
    CHECK_EQ(errno, EINVAL);
    int p = sctp_peeloff(s, ids[0]);
    CHECK(p >= 0);
    int t = 0;
    socklen_t tl = sizeof t;
    CHECK_EQ(braid_getsockopt(p, SOL_SOCKET, SO_TYPE, &t, &tl), 0);
    CHECK_EQ(t, SOCK_SEQPACKET); /* Linux: a peeled-off socket is SEQPACKET */
    errno = 0;
    CHECK_EQ(sctp_peeloff(s, ids[0]), -1); /* not the one-to-many's any more */
    CHECK_EQ(errno, EINVAL);
    struct sctp_status st;
    memset(&st, 0, sizeof st);
    socklen_t sl = sizeof st;
    CHECK_EQ(braid_getsockopt(p, IPPROTO_SCTP, SCTP_STATUS, &st, &sl), 0);
    CHECK_EQ(st.sstat_assoc_id, ids[0]);
    CHECK_EQ(st.sstat_state, SCTP_ESTABLISHED);
    uint32_t count = 0;
    socklen_t cl = sizeof count;
    CHECK_EQ(braid_getsockopt(s, IPPROTO_SCTP, SCTP_GET_ASSOC_NUMBER, &count, &cl), 0);
    CHECK_EQ(count, 1);
    for (int i = 0; i < 2; i++)
        ctl_send(ctl[i], 2);
    /* the peeled socket gets its association's data (options came along) */
    char buf[256];
    int fl;
    struct sctp_sndrcvinfo si;
    ssize_t n = rcv(p, buf, sizeof buf - 1, &fl, &si);
    CHECK_EQ(n, 13);
    CHECK(n == 13 && !memcmp(buf, "second from 0", 13));
    CHECK_EQ(si.sinfo_assoc_id, ids[0]);
    /* the one-to-many socket gets the other's, and nothing of the peeled one */
    n = rcv(s, buf, sizeof buf - 1, &fl, &si);
    CHECK_EQ(n, 13);
    CHECK(n == 13 && !memcmp(buf, "second from 1", 13));
    CHECK_EQ(si.sinfo_assoc_id, ids[1]);
    usleep(100000);
    errno = 0;
    CHECK_EQ(braid_recv(s, buf, sizeof buf, MSG_DONTWAIT), -1);
    CHECK_EQ(errno, EAGAIN);
    /* sending: each socket to its own */
    CHECK_EQ(braid_send(p, "via the peeled socket", 21, 0), 21);
    CHECK_EQ(send_on(s, ids[1], "via the one-to-many socket", 26, 0, 0), 26);
    errno = 0;
    CHECK_EQ(send_on(s, ids[0], "not mine", 8, 0, 0), -1);
    CHECK_EQ(errno, EPIPE);
    usleep(100000);
    /* closing the peeled socket ends its association only */
    CHECK_EQ(braid_close(p), 0);
    for (int i = 0; i < 2; i++)
        CTL_EXPECT(ctl[i], 3);
    for (int i = 0; i < 2; i++)
        ctl_send(ctl[i], 4);
    for (int i = 0; i < 2; i++)
        REAP(pid[i]);
    braid_close(s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_three_clients);
    RUN_ISOLATED(test_close_ends_all_gracefully);
    RUN_ISOLATED(test_close_with_unread_data_aborts_all);
    RUN_ISOLATED(test_peeloff);
    return CHECK_REPORT();
}
