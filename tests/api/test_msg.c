/* Messages through the sockets API: partial reads (pieces of a message
 * larger than the buffer, MSG_EOR on the last one only, never MSG_TRUNC, as
 * Linux), the same for notifications, scatter/gather, one message at a time
 * on a one-to-many socket, SCTP_RCVINFO, SCTP_UNORDERED. */
#include "api_proc.h"

#define NOTE(buf) ((union sctp_notification *)(void *)(buf))

typedef struct ports {
    uint16_t sport, uport;
} ports;

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + seed);
}

enum { BIG = 10000 };

/* Connects when told, then sends one BIG message (stream 2, ppid 77) when
 * told, then waits. */
static void big_sender(int ctl, void *arg)
{
    ports *p = arg;
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, p->uport);
    int one = 1; /* the whole message leaves at once */
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof one), 0);
    CHECK_EQ(connect_to(c, p->sport), 0);
    ctl_send(ctl, 1);
    CTL_EXPECT(ctl, 2);
    uint8_t m[BIG];
    pattern(m, sizeof m, (unsigned)getpid());
    CHECK_EQ(sctp_sendmsg(c, m, sizeof m, NULL, 0, htonl(77), 0, 2, 0, 0), BIG);
    ctl_send(ctl, (int)getpid());
    CTL_EXPECT(ctl, 3);
    braid_close(c);
}

/* Reads one BIG message 3000 bytes at a time: 3000, 3000, 3000, 1000,
 * MSG_EOR on the last piece only, the same association throughout; after
 * the first piece, calls between(). Returns the association. */
static sctp_assoc_t read_big(int s, unsigned seed, void (*between)(void))
{
    uint8_t got[BIG];
    size_t off = 0;
    sctp_assoc_t id = 0;
    for (int piece = 0; piece < 4; piece++) {
        uint8_t cbuf[CMSG_SPACE(sizeof(struct sctp_sndrcvinfo)) +
                     CMSG_SPACE(sizeof(struct sctp_rcvinfo))];
        struct iovec iov = {got + off, 3000};
        struct msghdr m;
        memset(&m, 0, sizeof m);
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = cbuf;
        m.msg_controllen = sizeof cbuf;
        ssize_t n = braid_recvmsg(s, &m, 0);
        CHECK_EQ(n, piece < 3 ? 3000 : 1000);
        if (n <= 0)
            break;
        CHECK(!(m.msg_flags & MSG_TRUNC));
        CHECK(!(m.msg_flags & MSG_NOTIFICATION));
        CHECK_EQ(!!(m.msg_flags & MSG_EOR), piece == 3);
        bool have_sndrcv = false, have_rcvinfo = false;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level != IPPROTO_SCTP)
                continue;
            if (c->cmsg_type == SCTP_SNDRCV) {
                struct sctp_sndrcvinfo si;
                memcpy(&si, CMSG_DATA(c), sizeof si);
                CHECK_EQ(si.sinfo_stream, 2);
                CHECK_EQ(si.sinfo_ppid, htonl(77));
                if (piece == 0)
                    id = si.sinfo_assoc_id;
                CHECK_EQ(si.sinfo_assoc_id, id); /* pieces of one message only */
                have_sndrcv = true;
            } else if (c->cmsg_type == SCTP_RCVINFO) {
                struct sctp_rcvinfo ri;
                memcpy(&ri, CMSG_DATA(c), sizeof ri);
                CHECK_EQ(ri.rcv_sid, 2);
                CHECK_EQ(ri.rcv_ppid, htonl(77));
                CHECK_EQ(ri.rcv_assoc_id, id);
                have_rcvinfo = true;
            }
        }
        CHECK(have_sndrcv);
        CHECK(have_rcvinfo);
        off += (size_t)n;
        if (piece == 0 && between)
            between();
    }
    CHECK_EQ(off, BIG);
    uint8_t want[BIG];
    pattern(want, BIG, seed);
    CHECK(!memcmp(got, want, BIG));
    return id;
}

static int g_ctl[2];
static unsigned g_seed0;

/* the first association's message arrives while the second's is half read */
static void send_first(void)
{
    ctl_send(g_ctl[0], 2);
    g_seed0 = (unsigned)ctl_recv(g_ctl[0], 10000);
    usleep(300000);
}

static void test_partial_reads(void)
{
    ports p = {free_udp_port(), free_udp_port()};
    pid_t pid[2];
    for (int i = 0; i < 2; i++)
        pid[i] = spawn(big_sender, &p, &g_ctl[i]);
    int s = serve(SOCK_SEQPACKET, p.sport, p.uport);
    struct sctp_event_subscribe ev;
    memset(&ev, 0, sizeof ev);
    ev.sctp_data_io_event = 1;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof ev), 0);
    int on = 1;
    CHECK_EQ(braid_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on), 0);
    /* the first peer's association gets the lower id */
    for (int i = 0; i < 2; i++) {
        ctl_send(g_ctl[i], 1);
        CTL_EXPECT(g_ctl[i], 1);
    }
    /* the second peer's message first */
    ctl_send(g_ctl[1], 2);
    unsigned seed1 = (unsigned)ctl_recv(g_ctl[1], 10000);
    usleep(200000);
    sctp_assoc_t a1 = read_big(s, seed1, send_first);
    sctp_assoc_t a0 = read_big(s, g_seed0, NULL);
    CHECK(a0 && a1 && a0 != a1);
    CHECK(a0 < a1);
    for (int i = 0; i < 2; i++) {
        ctl_send(g_ctl[i], 3);
        REAP(pid[i]);
    }
    braid_close(s);
}

/* ---- scatter / gather, SCTP_UNORDERED, sctp_sendv / sctp_recvv ---- */

static void echo_peer(int ctl, void *arg)
{
    ports *p = arg;
    int l = serve(SOCK_STREAM, p->sport, p->uport);
    ctl_send(ctl, 1);
    int a = braid_accept(l, NULL, NULL);
    CHECK(a >= 0);
    uint16_t types[] = {SCTP_DATA_IO_EVENT};
    CHECK_EQ(subscribe(a, types, 1), 0);
    for (;;) {
        char buf[4096];
        int fl;
        struct sctp_sndrcvinfo si;
        ssize_t n = rcv(a, buf, sizeof buf, &fl, &si);
        if (n <= 0)
            break;
        CHECK_EQ(sctp_sendmsg(a, buf, (size_t)n, NULL, 0, si.sinfo_ppid, si.sinfo_flags,
                              si.sinfo_stream, 0, 0),
                 n);
    }
    braid_close(a);
    braid_close(l);
}

static void test_vectors_and_flags(void)
{
    ports p = {free_udp_port(), free_udp_port()};
    int ctl = -1;
    pid_t srv = spawn(echo_peer, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, p.uport);
    CHECK_EQ(connect_to(c, p.sport), 0);
    /* gather on send, scatter on receive */
    struct iovec out[3] = {{(void *)"abc", 3}, {(void *)"", 0}, {(void *)"defgh", 5}};
    struct sctp_sndinfo snd;
    memset(&snd, 0, sizeof snd);
    snd.snd_sid = 1;
    snd.snd_ppid = htonl(5);
    snd.snd_flags = SCTP_UNORDERED;
    CHECK_EQ(sctp_sendv(c, out, 3, NULL, 0, &snd, sizeof snd, SCTP_SENDV_SNDINFO, 0), 8);
    int on = 1;
    CHECK_EQ(braid_setsockopt(c, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on), 0);
    char a[2], b[3], d[16];
    struct iovec in[3] = {{a, sizeof a}, {b, sizeof b}, {d, sizeof d}};
    struct sctp_rcvinfo ri;
    memset(&ri, 0, sizeof ri);
    socklen_t ril = sizeof ri;
    unsigned it = 99;
    int fl = 0;
    CHECK_EQ(sctp_recvv(c, in, 3, NULL, NULL, &ri, &ril, &it, &fl), 8);
    CHECK_MEM(a, "ab", 2);
    CHECK_MEM(b, "cde", 3);
    CHECK_MEM(d, "fgh", 3);
    CHECK(fl & MSG_EOR);
    CHECK_EQ(it, SCTP_RECVV_RCVINFO);
    CHECK_EQ(ril, sizeof ri);
    CHECK_EQ(ri.rcv_sid, 1);
    CHECK_EQ(ri.rcv_ppid, htonl(5));
    CHECK(ri.rcv_flags & SCTP_UNORDERED);
    braid_close(c);
    REAP(srv);
}

/* ---- notifications larger than the buffer: in pieces too ---- */

static void abort_peer(int ctl, void *arg)
{
    ports *p = arg;
    int s = serve(SOCK_SEQPACKET, p->sport, p->uport);
    uint16_t types[] = {SCTP_ASSOC_CHANGE};
    CHECK_EQ(subscribe(s, types, 1), 0);
    ctl_send(ctl, 1);
    char buf[256];
    ssize_t n = wait_note(s, SCTP_ASSOC_CHANGE, buf, sizeof buf);
    CHECK(n > 0);
    sctp_assoc_t id = NOTE(buf)->sn_assoc_change.sac_assoc_id;
    static const char reason[] = "a reason long enough to need a few reads";
    CTL_EXPECT(ctl, 2);
    CHECK_EQ(send_on(s, id, reason, sizeof reason - 1, 0, SCTP_ABORT), 0); /* as Linux: 0 */
    CTL_EXPECT(ctl, 3);
    braid_close(s);
}

static void test_notification_in_pieces(void)
{
    ports p = {free_udp_port(), free_udp_port()};
    int ctl = -1;
    pid_t srv = spawn(abort_peer, &p, &ctl);
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, p.uport);
    uint16_t types[] = {SCTP_ASSOC_CHANGE};
    CHECK_EQ(subscribe(c, types, 1), 0);
    CHECK_EQ(connect_to(c, p.sport), 0);
    /* COMM_UP (20 bytes) read 8 at a time: 8, 8, 4 */
    union {
        struct sctp_assoc_change ac;
        uint8_t b[256];
    } u;
    size_t off = 0;
    for (int i = 0; i < 3; i++) {
        int fl = 0;
        ssize_t n = rcv(c, u.b + off, 8, &fl, NULL);
        CHECK_EQ(n, i < 2 ? 8 : 4);
        if (n <= 0)
            break;
        CHECK(fl & MSG_NOTIFICATION);
        CHECK(!(fl & MSG_TRUNC));
        CHECK_EQ(!!(fl & MSG_EOR), i == 2);
        off += (size_t)n;
    }
    CHECK_EQ(off, sizeof u.ac);
    CHECK_EQ(u.ac.sac_type, SCTP_ASSOC_CHANGE);
    CHECK_EQ(u.ac.sac_length, sizeof u.ac);
    CHECK_EQ(u.ac.sac_state, SCTP_COMM_UP);
    ctl_send(ctl, 2);
    /* COMM_LOST with the ABORT's cause and reason, 16 bytes at a time */
    static const char reason[] = "a reason long enough to need a few reads";
    size_t want = sizeof u.ac + 4 + sizeof reason - 1;
    off = 0;
    for (int i = 0; i < 8 && off < want; i++) {
        int fl = 0;
        ssize_t n = rcv(c, u.b + off, 16, &fl, NULL);
        CHECK(n > 0);
        if (n <= 0)
            break;
        CHECK(fl & MSG_NOTIFICATION);
        off += (size_t)n;
        CHECK_EQ(!!(fl & MSG_EOR), off == want);
    }
    CHECK_EQ(off, want);
    CHECK_EQ(u.ac.sac_state, SCTP_COMM_LOST);
    CHECK_EQ(u.ac.sac_length, want);
    CHECK_MEM(u.ac.sac_info + 4, reason, sizeof reason - 1);
    ctl_send(ctl, 3);
    REAP(srv);
    braid_close(c);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_partial_reads);
    RUN_ISOLATED(test_vectors_and_flags);
    RUN_ISOLATED(test_notification_in_pieces);
    return CHECK_REPORT();
}
