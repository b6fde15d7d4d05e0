/* A process that sends, closes (or not) and exits at once: with the kernel's
 * SCTP the data still arrives and the association still ends gracefully,
 * since the kernel carries on after the process is gone. braid lives in the
 * process, so exit() waits for that (closing what is still open, as the
 * kernel does), up to $BRAID_EXIT_LINGER_MS. */
#include "api_proc.h"

#define NOTE(buf) ((union sctp_notification *)(void *)(buf))

typedef struct ports {
    uint16_t sport, uport;
    int close_first;
} ports;

enum { TOTAL = 300000, CHUNK = 30000 };

/* Sends TOTAL bytes, then exits through exit() (atexit handlers run). */
static void sender_then_exit(int ctl, void *arg)
{
    ports *p = arg;
    CTL_EXPECT(ctl, 1);
    int c = client(SOCK_STREAM, p->uport);
    CHECK_EQ(connect_to(c, p->sport), 0);
    static uint8_t m[CHUNK];
    for (int i = 0; i < TOTAL / CHUNK; i++) {
        memset(m, 'a' + i, sizeof m);
        CHECK_EQ(braid_send(c, m, sizeof m, 0), CHUNK);
    }
    if (p->close_first)
        CHECK_EQ(braid_close(c), 0);
    fflush(NULL);
    exit(check_failed_ ? 1 : 0); /* most of it is still in flight */
}

static void exit_case(int close_first)
{
    ports p = {free_udp_port(), free_udp_port(), close_first};
    int ctl = -1;
    pid_t peer = spawn(sender_then_exit, &p, &ctl);
    int s = serve(SOCK_SEQPACKET, p.sport, p.uport);
    uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT};
    CHECK_EQ(subscribe(s, types, 2), 0);
    ctl_send(ctl, 1);
    size_t got = 0;
    bool shutdown_seen = false, comp = false, lost = false;
    static uint8_t buf[65536];
    for (int i = 0; i < 1000 && !comp && !lost; i++) {
        int fl;
        ssize_t n = rcv(s, buf, sizeof buf, &fl, NULL);
        CHECK(n > 0);
        if (n <= 0)
            break;
        if (!(fl & MSG_NOTIFICATION)) {
            got += (size_t)n;
            continue;
        }
        uint16_t t = NOTE(buf)->sn_header.sn_type;
        if (t == SCTP_SHUTDOWN_EVENT)
            shutdown_seen = true;
        if (t == SCTP_ASSOC_CHANGE) {
            uint16_t st = NOTE(buf)->sn_assoc_change.sac_state;
            comp |= st == SCTP_SHUTDOWN_COMP;
            lost |= st == SCTP_COMM_LOST;
        }
    }
    CHECK_EQ(got, TOTAL);
    CHECK(shutdown_seen);
    CHECK(comp);
    CHECK(!lost);
    REAP(peer);
    braid_close(s);
}

static void test_close_then_exit(void)
{
    exit_case(1);
}

static void test_exit_without_close(void)
{
    exit_case(0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN_ISOLATED(test_close_then_exit);
    RUN_ISOLATED(test_exit_without_close);
    return CHECK_REPORT();
}
