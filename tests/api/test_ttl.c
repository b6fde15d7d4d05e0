/* Message lifetime (RFC 6458 §5.3.2 sinfo_timetolive, §5.3.7 SCTP_PRINFO
 * with SCTP_PR_SCTP_TTL) as Linux has it without PR-SCTP: a message that has
 * not left when its lifetime ends is dropped and handed back in SEND_FAILED
 * notifications, one per fragment, SCTP_DATA_UNSENT, error 0, the DATA
 * chunk flags in sinfo_flags / snd_flags; what was sent stays reliable and
 * the stream keeps its order. The queue is blocked by a peer that stops
 * (SIGSTOP), so the lifetimes end on the timer, with no call to drive it. */
#include "api_proc.h"

#define NOTE(buf) ((union sctp_notification *)(void *)(buf))

enum { N_BLK = 8, BLK = 1200, MAXSEG = 1000, FRAG = 3 * MAXSEG, TTL_MS = 300 };

typedef struct ports {
    uint16_t sport, uport;
} ports;

static void fill_blk(char *m, int i)
{
    memset(m, 'a' + i, BLK);
    snprintf(m, BLK, "blocker %d", i);
}

static void frag_data(char *m)
{
    for (int i = 0; i < FRAG; i++)
        m[i] = (char)('0' + i / MAXSEG);
}

/* Reads what arrives: "first", the blockers, then on stream 1 only what
 * had no lifetime, in order. Reports the count. */
static void reader_server(int ctl, void *arg)
{
    ports *p = arg;
    int s = serve(SOCK_SEQPACKET, p->sport, p->uport);
    CHECK(s >= 0);
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = 1;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    ctl_send(ctl, 1);
    static char buf[8192];
    int fl = 0, got = 0;
    struct sctp_sndrcvinfo si;
    CHECK_EQ(rcv(s, buf, sizeof buf, &fl, &si), 5); /* "first" */
    for (int i = 0; i < N_BLK; i++) {
        char m[BLK];
        fill_blk(m, i);
        ssize_t n = rcv(s, buf, sizeof buf, &fl, &si);
        CHECK_EQ(n, BLK);
        if (n == BLK)
            CHECK_MEM(buf, m, BLK);
        CHECK_EQ(si.sinfo_stream, 0);
        got += n == BLK;
    }
    static const char *const want[] = {"rtx policy: no lifetime", "last"};
    for (int i = 0; i < 2; i++) {
        ssize_t n = rcv(s, buf, sizeof buf, &fl, &si);
        CHECK_EQ(n, (ssize_t)strlen(want[i]));
        if (n == (ssize_t)strlen(want[i]))
            CHECK_MEM(buf, want[i], (size_t)n);
        else if (n > 0)
            fprintf(stderr, "  got %zd bytes: %.30s\n", n, buf);
        CHECK_EQ(si.sinfo_stream, 1);
        CHECK(fl & MSG_EOR);
        got += n == (ssize_t)strlen(want[i]);
    }
    ctl_send(ctl, got);
    /* nothing else came */
    set_timeouts(s, 300, 300);
    CHECK_EQ(rcv(s, buf, sizeof buf, &fl, &si), -1);
    ctl_recv(ctl, 10000);
    braid_close(s);
}

static ssize_t send_cmsgs(int fd, sctp_assoc_t id, const void *data, size_t len,
                          const struct sctp_sndrcvinfo *sr, const struct sctp_prinfo *pr)
{
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo)) + CMSG_SPACE(sizeof(struct sctp_prinfo)) +
               CMSG_SPACE(sizeof(struct sctp_sndinfo))];
    } cb;
    memset(&cb, 0, sizeof cb);
    struct iovec iov = {(void *)(uintptr_t)data, len};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cb.b;
    m.msg_controllen = sizeof cb.b;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    size_t used = 0;
    if (sr) {
        c->cmsg_level = IPPROTO_SCTP;
        c->cmsg_type = SCTP_SNDRCV;
        c->cmsg_len = CMSG_LEN(sizeof *sr);
        memcpy(CMSG_DATA(c), sr, sizeof *sr);
        used += CMSG_SPACE(sizeof *sr);
    } else {
        struct sctp_sndinfo sn;
        memset(&sn, 0, sizeof sn);
        sn.snd_sid = 1;
        sn.snd_ppid = htonl(12);
        sn.snd_assoc_id = id;
        c->cmsg_level = IPPROTO_SCTP;
        c->cmsg_type = SCTP_SNDINFO;
        c->cmsg_len = CMSG_LEN(sizeof sn);
        memcpy(CMSG_DATA(c), &sn, sizeof sn);
        used += CMSG_SPACE(sizeof sn);
    }
    if (pr) {
        c = (struct cmsghdr *)(void *)(cb.b + used);
        c->cmsg_level = IPPROTO_SCTP;
        c->cmsg_type = SCTP_PRINFO;
        c->cmsg_len = CMSG_LEN(sizeof *pr);
        memcpy(CMSG_DATA(c), pr, sizeof *pr);
        used += CMSG_SPACE(sizeof *pr);
    }
    m.msg_controllen = used;
    return braid_sendmsg(fd, &m, MSG_NOSIGNAL);
}

/* One expected SEND_FAILED: its data and DATA chunk flags. */
static void expect_failed(int c, bool new_form, sctp_assoc_t id, const void *data, size_t len,
                          uint16_t chunk_flags, uint32_t ppid, bool ttl_in_info)
{
    static char buf[8192];
    int fl = 0;
    ssize_t n = rcv(c, buf, sizeof buf, &fl, NULL);
    CHECK(fl & MSG_NOTIFICATION);
    if (!(fl & MSG_NOTIFICATION) || n < 8) {
        fprintf(stderr, "  wanted SEND_FAILED: %zd (%s)\n", n, n < 0 ? strerror(errno) : "data");
        return;
    }
    if (new_form) {
        struct sctp_send_failed_event *f = &NOTE(buf)->sn_send_failed_event;
        CHECK_EQ(f->ssf_type, SCTP_SEND_FAILED_EVENT);
        CHECK_EQ(n, (ssize_t)(sizeof *f + len));
        CHECK_EQ(f->ssf_length, sizeof *f + len);
        CHECK_EQ(f->ssf_flags, SCTP_DATA_UNSENT);
        CHECK_EQ(f->ssf_error, 0);
        CHECK_EQ(f->ssfe_info.snd_sid, 1);
        CHECK_EQ(f->ssfe_info.snd_flags, chunk_flags);
        CHECK_EQ(f->ssfe_info.snd_ppid, htonl(ppid));
        CHECK_EQ(f->ssfe_info.snd_assoc_id, id);
        CHECK_EQ(f->ssf_assoc_id, id);
        if (n == (ssize_t)(sizeof *f + len))
            CHECK_MEM(f->ssf_data, data, len);
    } else {
        struct sctp_send_failed *f = &NOTE(buf)->sn_send_failed;
        CHECK_EQ(f->ssf_type, SCTP_SEND_FAILED);
        CHECK_EQ(n, (ssize_t)(sizeof *f + len));
        CHECK_EQ(f->ssf_length, sizeof *f + len);
        CHECK_EQ(f->ssf_flags, SCTP_DATA_UNSENT);
        CHECK_EQ(f->ssf_error, 0);
        CHECK_EQ(f->ssf_info.sinfo_stream, 1);
        CHECK_EQ(f->ssf_info.sinfo_flags, chunk_flags);
        CHECK_EQ(f->ssf_info.sinfo_ppid, htonl(ppid));
        if (ttl_in_info)
            CHECK_EQ(f->ssf_info.sinfo_timetolive, TTL_MS);
        CHECK_EQ(f->ssf_info.sinfo_assoc_id, id);
        CHECK_EQ(f->ssf_assoc_id, id);
        if (n == (ssize_t)(sizeof *f + len))
            CHECK_MEM(f->ssf_data, data, len);
    }
}

enum { B = 2, E = 1 }; /* DATA chunk flags, RFC 9260 §3.3.1 */

static void ttl_case(bool new_form)
{
    ports p = {free_udp_port(), free_udp_port()};
    int ctl = -1;
    pid_t srv = spawn(reader_server, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_SEQPACKET, p.uport);
    int seg = MAXSEG;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_MAXSEG, &seg, sizeof seg), 0);
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
    static char buf[8192];
    CHECK(wait_note(c, SCTP_ASSOC_CHANGE, buf, sizeof buf) > 0);
    sctp_assoc_t id = NOTE(buf)->sn_assoc_change.sac_assoc_id;
    CHECK(wait_note(c, SCTP_SENDER_DRY_EVENT, buf, sizeof buf) > 0);

    /* the peer stops: the congestion window lets a few blockers go, the
     * rest wait, and what follows waits behind them */
    kill(srv, SIGSTOP);
    int wst;
    waitpid(srv, &wst, WUNTRACED);
    for (int i = 0; i < N_BLK; i++) {
        char m[BLK];
        fill_blk(m, i);
        CHECK_EQ(sctp_sendmsg(c, m, BLK, (struct sockaddr *)&sa, sizeof sa, 0, 0, 0, 0, 0), BLK);
    }
    uint64_t t0 = now_ms();
    /* SCTP_SNDRCV's sinfo_timetolive */
    static const char a_msg[] = "sndrcv ttl";
    struct sctp_sndrcvinfo sr;
    memset(&sr, 0, sizeof sr);
    sr.sinfo_stream = 1;
    sr.sinfo_ppid = htonl(11);
    sr.sinfo_timetolive = TTL_MS;
    sr.sinfo_assoc_id = id;
    CHECK_EQ(send_cmsgs(c, id, a_msg, strlen(a_msg), &sr, NULL), (ssize_t)strlen(a_msg));
    /* SCTP_PRINFO, SCTP_PR_SCTP_TTL: pr_value is the lifetime */
    static const char b_msg[] = "prinfo ttl";
    struct sctp_prinfo pr = {SCTP_PR_SCTP_TTL, TTL_MS};
    CHECK_EQ(send_cmsgs(c, id, b_msg, strlen(b_msg), NULL, &pr), (ssize_t)strlen(b_msg));
    /* another policy: pr_value is no lifetime (as Linux) */
    static const char c_msg[] = "rtx policy: no lifetime";
    struct sctp_prinfo rtx = {SCTP_PR_SCTP_RTX, TTL_MS};
    CHECK_EQ(send_cmsgs(c, id, c_msg, strlen(c_msg), NULL, &rtx), (ssize_t)strlen(c_msg));
    /* sctp_sendmsg's timetolive, a message of three fragments */
    static char d_msg[FRAG];
    frag_data(d_msg);
    CHECK_EQ(sctp_sendmsg(c, d_msg, FRAG, (struct sockaddr *)&sa, sizeof sa, htonl(13), 0, 1,
                          TTL_MS, 0),
             FRAG);
    /* SCTP_DEFAULT_SEND_PARAM's sinfo_timetolive, for a send without cmsgs */
    struct sctp_sndrcvinfo def;
    memset(&def, 0, sizeof def);
    def.sinfo_stream = 1;
    def.sinfo_ppid = htonl(14);
    def.sinfo_timetolive = TTL_MS;
    def.sinfo_assoc_id = id;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_DEFAULT_SEND_PARAM, &def, sizeof def), 0);
    static const char e_msg[] = "default ttl";
    CHECK_EQ(braid_send(c, e_msg, strlen(e_msg), MSG_NOSIGNAL), (ssize_t)strlen(e_msg));
    def.sinfo_timetolive = 0;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_DEFAULT_SEND_PARAM, &def, sizeof def), 0);
    CHECK_EQ(sctp_sendmsg(c, "last", 4, (struct sockaddr *)&sa, sizeof sa, 0, 0, 1, 0, 0), 4);

    /* the lifetimes end while the queue cannot move: handed back on the
     * timer, in queue order, each fragment on its own (as Linux) */
    expect_failed(c, new_form, id, a_msg, strlen(a_msg), B | E, 11, true);
    uint64_t t1 = now_ms();
    CHECK(t1 - t0 >= TTL_MS - 5);
    CHECK(t1 - t0 < TTL_MS + 700);
    expect_failed(c, new_form, id, b_msg, strlen(b_msg), B | E, 12, true);
    expect_failed(c, new_form, id, d_msg, MAXSEG, B, 13, true);
    expect_failed(c, new_form, id, d_msg + MAXSEG, MAXSEG, 0, 13, true);
    expect_failed(c, new_form, id, d_msg + 2 * MAXSEG, MAXSEG, E, 13, true);
    expect_failed(c, new_form, id, e_msg, strlen(e_msg), B | E, 14, true);

    /* the peer goes on: the blockers, the message with another policy and
     * "last" arrive, in order on stream 1 (no SSN was spent on the others) */
    kill(srv, SIGCONT);
    CHECK_EQ(ctl_recv(ctl, 15000), N_BLK + 2);
    CHECK(wait_note(c, SCTP_SENDER_DRY_EVENT, buf, sizeof buf) > 0);
    ctl_send(ctl, 0);
    REAP(srv);
    braid_close(c);
}

static void test_ttl_send_failed_old(void)
{
    ttl_case(false);
}

static void test_ttl_send_failed_event(void)
{
    ttl_case(true);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_ttl_send_failed_old);
    RUN_ISOLATED(test_ttl_send_failed_event);
    return CHECK_REPORT();
}
