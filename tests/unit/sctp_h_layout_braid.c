/*
 * <braid/sctp.h> against Linux's <netinet/sctp.h>: every structure's size and
 * alignment, every member's offset, size and signedness, every constant, the
 * function-like macros and the lksctp prototypes must be Linux's (the Linux
 * side is measured in sctp_layout_linux.c). Also: this file includes the
 * headers the way an lksctp program does, with <braid/compat.h> last, under
 * the project's warning flags, and checks what the compat macros expand to.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <braid/sctp.h>

#include "unit/check.h"
#include "unit/sctp_layout_list.h"

#include <braid/compat.h>

/* The feature macros lksctp programs test, as lksctp defines them, for
 * what braid has; but braid is not kernel SCTP, and what does not work yet
 * is not advertised (configure checks would believe it). */
#if !defined(HAVE_SCTP) || !defined(HAVE_SCTP_MULTIBUF) || !defined(HAVE_SCTP_NOCONNECT) ||        \
    !defined(HAVE_SCTP_CANSET_PRIMARY)
#error "an lksctp HAVE_SCTP_* feature macro is missing"
#endif
#if defined(HAVE_SCTP_PRSCTP) || defined(HAVE_SCTP_ADDIP) || defined(HAVE_SCTP_STREAM_RECONFIG)
#error "a feature braid does not have is advertised"
#endif
#if HAVE_SCTP_STREAM_RESET_EVENT != 1 || HAVE_SCTP_PEELOFF_FLAGS != 1 ||                           \
    HAVE_SCTP_PDAPI_EVENT_PDAPI_STREAM != 1 || HAVE_SCTP_PDAPI_EVENT_PDAPI_SEQ != 1 ||             \
    HAVE_SCTP_SENDV != 1 || HAVE_SCTP_AUTH_NO_AUTH != 1 || HAVE_SCTP_SPP_IPV6_FLOWLABEL != 1 ||    \
    HAVE_SCTP_SPP_DSCP != 1
#error "an lksctp HAVE_SCTP_* feature macro is missing or not 1"
#endif
#ifdef HAVE_KERNEL_SCTP
#error "braid is not kernel SCTP"
#endif

/* The braid_ calls, spelled as the brief of src/api has them. A declaration
 * that differs from the header's does not compile. */
int braid_socket(int domain, int type, int protocol);
int braid_bind(int fd, const struct sockaddr *addr, socklen_t addrlen);
int braid_listen(int fd, int backlog);
int braid_accept(int fd, struct sockaddr *addr, socklen_t *addrlen);
int braid_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);
int braid_close(int fd);
int braid_shutdown(int fd, int how);
ssize_t braid_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t braid_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t braid_send(int fd, const void *buf, size_t len, int flags);
ssize_t braid_recv(int fd, void *buf, size_t len, int flags);
ssize_t braid_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
                     socklen_t tolen);
ssize_t braid_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                       socklen_t *fromlen);
ssize_t braid_read(int fd, void *buf, size_t len);
ssize_t braid_write(int fd, const void *buf, size_t len);
int braid_setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen);
int braid_getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen);
int braid_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen);
int braid_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen);
int braid_fcntl(int fd, int cmd, ...);

static const struct sctp_layout_entry layout_braid[] = {
    SCTP_LAYOUT_LIST(SCTP_LAYOUT_T_, SCTP_LAYOUT_M_, SCTP_LAYOUT_F_)};
static const struct sctp_const_entry consts_braid[] = {SCTP_CONST_LIST(SCTP_CONST_)};
static const struct sctp_const_entry exprs_braid[] = {SCTP_EXPR_LIST(SCTP_CONST_)};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *kind_name(int kind)
{
    switch (kind) {
    case SCTP_KIND_TYPE: return "type";
    case SCTP_KIND_SIGNED: return "signed";
    case SCTP_KIND_UNSIGNED: return "unsigned";
    case SCTP_KIND_CHAR: return "char";
    default: return "other";
    }
}

static void test_layout(void)
{
    CHECK_EQ(COUNT(layout_braid), sctp_layout_linux_count);
    for (size_t i = 0; i < COUNT(layout_braid) && i < sctp_layout_linux_count; i++) {
        const struct sctp_layout_entry *b = &layout_braid[i], *l = &sctp_layout_linux[i];
        check_total_++;
        if (strcmp(b->type, l->type) != 0 || strcmp(b->member, l->member) != 0 ||
            b->offset != l->offset || b->size != l->size || b->kind != l->kind) {
            check_failed_++;
            fprintf(
                stderr, "%s%s%s: braid %s %lld size %lld %s, linux %s%s%s %s %lld size %lld %s\n",
                b->type, *b->member ? "." : "", b->member, *b->member ? "offset" : "align",
                b->offset, b->size, kind_name(b->kind), l->type, *l->member ? "." : "", l->member,
                *l->member ? "offset" : "align", l->offset, l->size, kind_name(l->kind));
        }
    }
}

static void compare_consts(const struct sctp_const_entry *b, size_t nb,
                           const struct sctp_const_entry *l, size_t nl)
{
    CHECK_EQ(nb, nl);
    for (size_t i = 0; i < nb && i < nl; i++) {
        check_total_++;
        if (strcmp(b[i].name, l[i].name) != 0 || b[i].value != l[i].value) {
            check_failed_++;
            fprintf(stderr, "%s: braid %lld (%#llx), linux %s %lld (%#llx)\n", b[i].name,
                    b[i].value, (unsigned long long)b[i].value, l[i].name, l[i].value,
                    (unsigned long long)l[i].value);
        }
    }
}

static void test_constants(void)
{
    compare_consts(consts_braid, COUNT(consts_braid), sctp_consts_linux, sctp_consts_linux_count);
}

static void test_macros(void)
{
    compare_consts(exprs_braid, COUNT(exprs_braid), sctp_exprs_linux, sctp_exprs_linux_count);
    static const uint16_t samples[] = {0, 0xffff, 0x0030, 0x00cf, 0x1234};
    static const uint16_t policies[] = {SCTP_PR_SCTP_NONE, SCTP_PR_SCTP_TTL, SCTP_PR_SCTP_RTX,
                                        SCTP_PR_SCTP_PRIO};
    for (size_t i = 0; i < COUNT(samples); i++) {
        for (size_t j = 0; j < COUNT(policies); j++) {
            uint16_t f = samples[i];
            SCTP_PR_SET_POLICY(f, policies[j]); /* as a program would, on a uint16_t */
            CHECK_EQ(f, sctp_set_policy_linux(samples[i], policies[j]));
        }
    }
}

/* Typical lksctp code, to show the header's constants fit the structures'
 * members without conversion warnings. */
static void test_typical_use(void)
{
    struct sctp_sndrcvinfo sinfo;
    memset(&sinfo, 0, sizeof sinfo);
    sinfo.sinfo_flags = SCTP_UNORDERED | SCTP_EOF;
    sinfo.sinfo_flags |= SCTP_SACK_IMMEDIATELY;
    sinfo.sinfo_flags |= SCTP_PR_SCTP_TTL;
    CHECK(SCTP_PR_TTL_ENABLED(sinfo.sinfo_flags));
    CHECK_EQ(sinfo.sinfo_flags, 0x219);

    struct sctp_event_subscribe ev = {.sctp_data_io_event = 1, .sctp_association_event = 1};
    CHECK_EQ(ev.sctp_association_event, 1);
    struct sctp_event se = {
        .se_assoc_id = SCTP_FUTURE_ASSOC, .se_type = SCTP_ASSOC_CHANGE, .se_on = 1};
    CHECK_EQ(se.se_type, 0x8001);

    struct sctp_paddrparams pp;
    memset(&pp, 0, sizeof pp);
    pp.spp_flags = SPP_HB_ENABLE | SPP_PMTUD_DISABLE;
    CHECK_EQ(pp.spp_flags, 0x11);

    union sctp_notification sn;
    memset(&sn, 0, sizeof sn);
    sn.sn_header.sn_type = SCTP_PEER_ADDR_CHANGE;
    sn.sn_paddr_change.spc_state = SCTP_ADDR_CONFIRMED;
    CHECK_EQ(sn.sn_paddr_change.spc_type, SCTP_PEER_ADDR_CHANGE);
    CHECK_EQ(sn.sn_header.sn_type, 0x8002);

    struct sctp_sendv_spa spa;
    memset(&spa, 0, sizeof spa);
    spa.sendv_flags = SCTP_SEND_SNDINFO_VALID | SCTP_SEND_PRINFO_VALID;
    spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_RTX;
    CHECK_EQ(spa.sendv_flags, 3);

    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_flags = MSG_NOTIFICATION;
    CHECK(msg.msg_flags & MSG_NOTIFICATION);
    CHECK_EQ(IPPROTO_SCTP, 132);
    CHECK_EQ(SOL_SCTP, 132);
}

#define STR_(x) #x
#define STR(x) STR_(x)

static void test_compat(void)
{
    CHECK_STR(STR(socket(d, t, p)), "braid_socket(d, t, p)");
    CHECK_STR(STR(bind(s, a, l)), "braid_bind(s, a, l)");
    CHECK_STR(STR(listen(s, b)), "braid_listen(s, b)");
    CHECK_STR(STR(accept(s, a, l)), "braid_accept(s, a, l)");
    CHECK_STR(STR(connect(s, a, l)), "braid_connect(s, a, l)");
    CHECK_STR(STR(close(s)), "braid_close(s)");
    CHECK_STR(STR(shutdown(s, h)), "braid_shutdown(s, h)");
    CHECK_STR(STR(sendmsg(s, m, f)), "braid_sendmsg(s, m, f)");
    CHECK_STR(STR(recvmsg(s, m, f)), "braid_recvmsg(s, m, f)");
    CHECK_STR(STR(send(s, b, n, f)), "braid_send(s, b, n, f)");
    CHECK_STR(STR(recv(s, b, n, f)), "braid_recv(s, b, n, f)");
    CHECK_STR(STR(sendto(s, b, n, f, a, l)), "braid_sendto(s, b, n, f, a, l)");
    CHECK_STR(STR(recvfrom(s, b, n, f, a, l)), "braid_recvfrom(s, b, n, f, a, l)");
    CHECK_STR(STR(read(s, b, n)), "braid_read(s, b, n)");
    CHECK_STR(STR(write(s, b, n)), "braid_write(s, b, n)");
    CHECK_STR(STR(setsockopt(s, v, o, p, l)), "braid_setsockopt(s, v, o, p, l)");
    CHECK_STR(STR(getsockopt(s, v, o, p, l)), "braid_getsockopt(s, v, o, p, l)");
    CHECK_STR(STR(getsockname(s, a, l)), "braid_getsockname(s, a, l)");
    CHECK_STR(STR(getpeername(s, a, l)), "braid_getpeername(s, a, l)");
    CHECK_STR(STR(fcntl(s, c)), "braid_fcntl(s, c)");
    CHECK_STR(STR(fcntl(s, c, a)), "braid_fcntl(s, c, a)");
    /* Only calls are renamed: the bare name still designates the system's. */
    CHECK_STR(STR(&close), "&close");
    CHECK_STR(STR((read)(s, b, n)), "(read)(s, b, n)");

    /* Each renamed call has the type the system call has, so code written for
     * the one compiles against the other (checked without calling: the
     * operand of sizeof is not evaluated). */
    struct sockaddr_in sin;
    struct msghdr msg;
    socklen_t len = sizeof sin;
    char buf[4];
    int flags = 0;
    CHECK_EQ(sizeof(socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP)), sizeof(int));
    CHECK_EQ(sizeof(bind(3, (struct sockaddr *)&sin, sizeof sin)), sizeof(int));
    CHECK_EQ(sizeof(accept(3, (struct sockaddr *)&sin, &len)), sizeof(int));
    CHECK_EQ(sizeof(sendmsg(3, &msg, 0)), sizeof(ssize_t));
    CHECK_EQ(sizeof(recvmsg(3, &msg, 0)), sizeof(ssize_t));
    CHECK_EQ(sizeof(read(3, buf, sizeof buf)), sizeof(ssize_t));
    CHECK_EQ(sizeof(write(3, buf, sizeof buf)), sizeof(ssize_t));
    CHECK_EQ(sizeof(fcntl(3, F_SETFL, flags | O_NONBLOCK)), sizeof(int));
    CHECK_EQ(sizeof(fcntl(3, F_GETFL)), sizeof(int));
    CHECK_EQ(sizeof(setsockopt(3, IPPROTO_SCTP, SCTP_NODELAY, &flags, sizeof flags)), sizeof(int));
}

int main(void)
{
    RUN(test_layout);
    RUN(test_constants);
    RUN(test_macros);
    RUN(test_typical_use);
    RUN(test_compat);
    printf("%zu layout entries, %zu constants, %zu macro values compared with Linux\n",
           COUNT(layout_braid), COUNT(consts_braid), COUNT(exprs_braid));
    return CHECK_REPORT();
}
