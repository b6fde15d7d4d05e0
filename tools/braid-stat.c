/*
 * braid-stat: the associations of every braid process on the host (in this
 * network namespace), as ss -tin or /proc/net/sctp/assocs show the
 * kernel's.
 *
 * Each braid process serves its state on the abstract unix socket
 * "@braid-stat.<pid>" (src/api/statsrv.c; off with BRAID_STAT=0 in that
 * process); braid-stat finds them in /proc/net/unix, asks each and prints
 * the answers: text, or with --json each process's answer as it came, one
 * JSON object per line (the layout: docs/architecture.md, "Diagnosis").
 *
 * Exit status: 0; 1 when a process asked for (--pid) did not answer or
 * none could be read; 2 bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <braid/braid.h>

#define PROG "braid-stat"
#define PREFIX "braid-stat"
#define MAX_PIDS 4096

static void usage(FILE *f)
{
    fprintf(f, "usage: " PROG " [--pid PID] [--json] [--watch N] [--timeout MS] [--all]\n"
               "       " PROG " --reasons\n"
               "Shows the SCTP associations of every braid process of this network namespace\n"
               "(each serves them on the abstract unix socket @braid-stat.PID; BRAID_STAT=0\n"
               "in a process's environment turns that off):\n"
               "  -p, --pid PID     only that process\n"
               "  -j, --json        each process's state as one JSON object per line\n"
               "  -w, --watch N     again every N seconds (until interrupted)\n"
               "  -t, --timeout MS  how long to wait for each process (default 1000)\n"
               "  -a, --all         also endpoints without associations and zero counters\n"
               "  -r, --reasons     list the reasons packets and chunks are dropped for\n"
               "Per association: state, ports, addresses, streams, windows (ours / the peer's),\n"
               "counters; per path: address, state, cwnd, ssthresh, srtt, rto; per endpoint\n"
               "the drops by counter (BRAID_LOG=debug logs each drop with its reason).\n");
}

/* ---- a small JSON reader (what statsrv.c writes) ---- */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jval {
    jtype t;
    double num;
    char *str; /* J_STR; key of an object member */
    struct jval *kids;
    unsigned n, cap;
    char *key;
} jval;

typedef struct {
    const char *p, *end;
    bool bad;
} jparser;

static void jskip(jparser *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
        j->p++;
}

static jval *jpush(jval *v)
{
    if (v->n == v->cap) {
        unsigned cap = v->cap ? v->cap * 2 : 4;
        jval *k = realloc(v->kids, cap * sizeof *k);
        if (!k)
            return NULL;
        v->kids = k;
        v->cap = cap;
    }
    jval *k = &v->kids[v->n++];
    memset(k, 0, sizeof *k);
    return k;
}

static char *jstring(jparser *j)
{
    if (j->p >= j->end || *j->p != '"') {
        j->bad = true;
        return NULL;
    }
    j->p++;
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    while (s && j->p < j->end && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\' && j->p < j->end) {
            c = *j->p++;
            if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
            else if (c == 'u') { /* not written by braid: kept as '?' */
                j->p += j->end - j->p >= 4 ? 4 : j->end - j->p;
                c = '?';
            }
        }
        if (n + 2 > cap) {
            char *t = realloc(s, cap *= 2);
            if (!t) {
                free(s);
                s = NULL;
                break;
            }
            s = t;
        }
        s[n++] = c;
    }
    if (!s || j->p >= j->end) {
        free(s);
        j->bad = true;
        return NULL;
    }
    j->p++;
    s[n] = '\0';
    return s;
}

static void jparse(jparser *j, jval *v, int depth)
{
    jskip(j);
    if (j->p >= j->end || depth > 32) {
        j->bad = true;
        return;
    }
    char c = *j->p;
    if (c == '{' || c == '[') {
        bool obj = c == '{';
        v->t = obj ? J_OBJ : J_ARR;
        j->p++;
        jskip(j);
        if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
            j->p++;
            return;
        }
        while (!j->bad) {
            jskip(j);
            char *key = NULL;
            if (obj) {
                key = jstring(j);
                jskip(j);
                if (j->bad || j->p >= j->end || *j->p != ':') {
                    free(key);
                    j->bad = true;
                    return;
                }
                j->p++;
            }
            jval *k = jpush(v);
            if (!k) {
                free(key);
                j->bad = true;
                return;
            }
            k->key = key;
            jparse(j, k, depth + 1);
            jskip(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
                j->p++;
                return;
            }
            j->bad = true;
        }
    } else if (c == '"') {
        v->t = J_STR;
        v->str = jstring(j);
    } else if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "false", 5)) {
        v->t = J_BOOL;
        v->num = *j->p == 't';
        j->p += *j->p == 't' ? 4 : 5;
    } else if (!strncmp(j->p, "null", 4)) {
        v->t = J_NULL;
        j->p += 4;
    } else {
        char *e;
        v->t = J_NUM;
        v->num = strtod(j->p, &e);
        if (e == j->p)
            j->bad = true;
        j->p = e;
    }
}

static void jfree(jval *v)
{
    for (unsigned i = 0; i < v->n; i++)
        jfree(&v->kids[i]);
    free(v->kids);
    free(v->str);
    free(v->key);
}

static const jval *jget(const jval *v, const char *key)
{
    if (!v || v->t != J_OBJ)
        return NULL;
    for (unsigned i = 0; i < v->n; i++)
        if (v->kids[i].key && !strcmp(v->kids[i].key, key))
            return &v->kids[i];
    return NULL;
}

static unsigned long long jnum(const jval *v, const char *key)
{
    const jval *x = jget(v, key);
    return x && (x->t == J_NUM || x->t == J_BOOL) && x->num > 0 ? (unsigned long long)x->num : 0;
}

static const char *jstr(const jval *v, const char *key)
{
    const jval *x = jget(v, key);
    return x && x->t == J_STR && x->str ? x->str : "";
}

/* ---- finding and asking the processes ---- */

/* The pids with a stat socket, from /proc/net/unix ("@braid-stat.PID"). */
static unsigned find_pids(long *pids, unsigned max)
{
    FILE *f = fopen("/proc/net/unix", "re");
    if (!f)
        return 0;
    char line[512];
    unsigned n = 0;
    while (fgets(line, sizeof line, f) && n < max) {
        char *at = strstr(line, " @" PREFIX ".");
        if (!at)
            continue;
        char *e;
        long pid = strtol(at + sizeof(" @" PREFIX ".") - 1, &e, 10);
        if (pid <= 0 || (*e != '\n' && *e != '\0' && *e != ' '))
            continue;
        bool dup = false;
        for (unsigned i = 0; i < n; i++)
            dup |= pids[i] == pid;
        if (!dup)
            pids[n++] = pid;
    }
    fclose(f);
    /* oldest (lowest) first, as ps */
    for (unsigned i = 1; i < n; i++)
        for (unsigned k = i; k > 0 && pids[k - 1] > pids[k]; k--) {
            long t = pids[k];
            pids[k] = pids[k - 1];
            pids[k - 1] = t;
        }
    return n;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Asks pid; the JSON text (malloc'd, NUL-terminated) or NULL with *why. */
static char *ask(long pid, int timeout_ms, const char **why)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *why = strerror(errno);
        return NULL;
    }
    int big = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    struct sockaddr_un me = {.sun_family = AF_UNIX};
    /* autobind: an abstract name of the kernel's choosing, to be answered at */
    if (bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)) < 0) {
        *why = strerror(errno);
        close(fd);
        return NULL;
    }
    struct sockaddr_un to;
    memset(&to, 0, sizeof to);
    to.sun_family = AF_UNIX;
    int nl = snprintf(to.sun_path + 1, sizeof to.sun_path - 1, PREFIX ".%ld", pid);
    socklen_t tl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)nl);
    static const char req[] = PREFIX " 1\n";
    if (sendto(fd, req, sizeof req - 1, 0, (struct sockaddr *)&to, tl) < 0) {
        *why = errno == ECONNREFUSED ? "gone" : strerror(errno);
        close(fd);
        return NULL;
    }
    char **parts = NULL;
    size_t *lens = NULL;
    unsigned count = 0, got = 0;
    char *dg = malloc(65536 + 64);
    uint64_t end = now_ms() + (uint64_t)timeout_ms;
    *why = "no answer (busy, or BRAID_STAT=0)";
    while (dg) {
        uint64_t t = now_ms();
        if (t >= end)
            break;
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, (int)(end - t)) <= 0)
            continue;
        ssize_t r = recv(fd, dg, 65536 + 63, 0);
        if (r <= 0)
            continue;
        dg[r] = '\0';
        unsigned seq, cnt;
        int hl = 0;
        if (sscanf(dg, PREFIX " %u %u\n%n", &seq, &cnt, &hl) != 2 || hl <= 0 || cnt == 0 ||
            cnt > 4096 || seq >= cnt || (count && cnt != count))
            continue;
        if (!count) {
            count = cnt;
            parts = calloc(cnt, sizeof *parts);
            lens = calloc(cnt, sizeof *lens);
            if (!parts || !lens)
                break;
        }
        if (parts[seq])
            continue;
        parts[seq] = malloc((size_t)r - (size_t)hl + 1);
        if (!parts[seq])
            break;
        memcpy(parts[seq], dg + hl, (size_t)r - (size_t)hl);
        lens[seq] = (size_t)r - (size_t)hl;
        if (++got == count)
            break;
    }
    free(dg);
    close(fd);
    char *out = NULL;
    if (count && got == count) {
        size_t total = 0;
        for (unsigned i = 0; i < count; i++)
            total += lens[i];
        out = malloc(total + 1);
        if (out) {
            size_t off = 0;
            for (unsigned i = 0; i < count; i++) {
                memcpy(out + off, parts[i], lens[i]);
                off += lens[i];
            }
            out[off] = '\0';
        }
    } else if (count) {
        *why = "answer incomplete (chunks dropped)";
    }
    for (unsigned i = 0; parts && i < count; i++)
        free(parts[i]);
    free(parts);
    free(lens);
    return out;
}

/* ---- text output ---- */

static void addr_port(char *out, size_t cap, const char *ip, unsigned long long port)
{
    if (strchr(ip, ':'))
        snprintf(out, cap, "[%s]:%llu", ip, port);
    else
        snprintf(out, cap, "%s:%llu", *ip ? ip : "*", port);
}

static void print_assoc(const jval *a, const jval *ep)
{
    const jval *paths = jget(a, "paths");
    const jval *prim = NULL;
    for (unsigned i = 0; paths && i < paths->n; i++)
        if (jnum(&paths->kids[i], "primary"))
            prim = &paths->kids[i];
    char local[80], peer[80];
    const jval *la = jget(ep, "local_addrs");
    const char *lip = prim && *jstr(prim, "local")            ? jstr(prim, "local")
                      : la && la->n && la->kids[0].t == J_STR ? la->kids[0].str
                                                              : "*";
    addr_port(local, sizeof local, lip, jnum(a, "local_port"));
    addr_port(peer, sizeof peer, prim ? jstr(prim, "addr") : "?", jnum(a, "peer_port"));
    printf("  %-17s %-24s %-24s assoc %llu\n", jstr(a, "state"), local, peer, jnum(a, "id"));
    printf("      streams in %llu out %llu  rwnd ours %llu peer %llu  unacked %llu pending %llu"
           "  tags 0x%08llx/0x%08llx\n",
           jnum(a, "in_streams"), jnum(a, "out_streams"), jnum(a, "local_rwnd"),
           jnum(a, "peer_rwnd"), jnum(a, "unacked"), jnum(a, "pending"), jnum(a, "local_vtag"),
           jnum(a, "peer_vtag"));
    const jval *s = jget(a, "stats");
    printf("      pkts in %llu out %llu  data in %llu out %llu  ctrl in %llu out %llu"
           "  sacks in %llu out %llu  rtx %llu t3 %llu fast_rtx %llu dup %llu drops %llu\n",
           jnum(s, "ipackets"), jnum(s, "opackets"), jnum(s, "idata"), jnum(s, "odata"),
           jnum(s, "ictrl"), jnum(s, "octrl"), jnum(s, "isacks"), jnum(s, "osacks"),
           jnum(s, "rtxchunks"), jnum(s, "t3_expiries"), jnum(s, "fast_retransmits"),
           jnum(s, "idupchunks"), jnum(s, "drops"));
    for (unsigned i = 0; paths && i < paths->n; i++) {
        const jval *p = &paths->kids[i];
        char pa[80];
        addr_port(pa, sizeof pa, jstr(p, "addr"), jnum(p, "udp_port"));
        printf("      path %-24s %s%s%s cwnd %llu ssthresh %llu flight %llu srtt %.3fms "
               "rttvar %.3fms rto %llums pmtu %llu errors %llu\n",
               pa, jstr(p, "state"), jnum(p, "confirmed") ? "" : " unconfirmed",
               jnum(p, "primary") ? " primary" : "", jnum(p, "cwnd"), jnum(p, "ssthresh"),
               jnum(p, "flight"), (double)jnum(p, "srtt_us") / 1000.0,
               (double)jnum(p, "rttvar_us") / 1000.0, jnum(p, "rto_ms"), jnum(p, "pmtu"),
               jnum(p, "errors"));
    }
}

static void print_counters(const jval *c, const char *indent, bool all, bool drops_only)
{
    if (!c || c->t != J_OBJ)
        return;
    int col = 0;
    for (unsigned i = 0; i < c->n; i++) {
        const jval *k = &c->kids[i];
        bool drop = !strncmp(k->key, "drop_", 5) || !strcmp(k->key, "icmp_dropped") ||
                    !strncmp(k->key, "demux_", 6);
        if ((drops_only && !drop) || (!all && k->num <= 0))
            continue;
        printf("%s%s %llu", col ? "  " : indent, k->key, (unsigned long long)k->num);
        if (++col == 6) {
            printf("\n");
            col = 0;
        }
    }
    if (col)
        printf("\n");
}

static void print_process(const jval *v, bool all)
{
    printf("pid %llu (%s) world %s\n", jnum(v, "pid"), jstr(v, "comm"), jstr(v, "world"));
    const jval *tr = jget(v, "transports");
    for (unsigned i = 0; tr && i < tr->n; i++) {
        const jval *t = &tr->kids[i];
        printf(" transport %s:%llu%s  pkts in %llu out %llu  bytes in %llu out %llu",
               jstr(t, "kind"), jnum(t, "port"), jnum(t, "default") ? " (listeners)" : "",
               jnum(t, "pkts_in"), jnum(t, "pkts_out"), jnum(t, "bytes_in"), jnum(t, "bytes_out"));
        if (jnum(t, "drop_trunc") || jnum(t, "drop_queue") || jnum(t, "send_errors") || all)
            printf("  drop_trunc %llu drop_queue %llu send_errors %llu", jnum(t, "drop_trunc"),
                   jnum(t, "drop_queue"), jnum(t, "send_errors"));
        printf("\n");
    }
    print_counters(jget(v, "demux_drops"), " demux: ", all, true);
    const jval *eps = jget(v, "endpoints");
    for (unsigned i = 0; eps && i < eps->n; i++) {
        const jval *e = &eps->kids[i];
        const jval *as = jget(e, "assocs");
        const jval *c = jget(e, "counters");
        bool any_drop = false;
        for (unsigned k = 0; c && c->t == J_OBJ && k < c->n; k++)
            any_drop |=
                (!strncmp(c->kids[k].key, "drop_", 5) || !strcmp(c->kids[k].key, "icmp_dropped")) &&
                c->kids[k].num > 0;
        if (!all && (!as || !as->n) && !jnum(e, "listening") && !any_drop)
            continue;
        if (jnum(e, "refuser"))
            printf(" endpoint (refuser: answers for SCTP ports no socket serves)\n");
        else
            printf(" endpoint port %llu %s:%llu%s sockets %llu\n", jnum(e, "port"),
                   jstr(e, "transport"), jnum(e, "udp_port"),
                   jnum(e, "listening") ? " listening" : "", jnum(e, "sockets"));
        print_counters(c, "   ", all, !all);
        for (unsigned k = 0; as && k < as->n; k++)
            print_assoc(&as->kids[k], e);
    }
}

int main(int argc, char **argv)
{
    long only = 0;
    bool json = false, all = false;
    int watch = 0, timeout = 1000;
    static const struct option lopts[] = {
        {"pid", required_argument, NULL, 'p'},   {"json", no_argument, NULL, 'j'},
        {"watch", required_argument, NULL, 'w'}, {"timeout", required_argument, NULL, 't'},
        {"all", no_argument, NULL, 'a'},         {"reasons", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "p:jw:t:arh", lopts, NULL)) != -1) {
        char *e = NULL;
        switch (c) {
        case 'p':
            only = strtol(optarg, &e, 10);
            if (*e || only <= 0) {
                fprintf(stderr, PROG ": bad pid %s\n", optarg);
                return 2;
            }
            break;
        case 'j': json = true; break;
        case 'w':
            watch = (int)strtol(optarg, &e, 10);
            if (*e || watch <= 0) {
                fprintf(stderr, PROG ": bad interval %s\n", optarg);
                return 2;
            }
            break;
        case 't':
            timeout = (int)strtol(optarg, &e, 10);
            if (*e || timeout <= 0) {
                fprintf(stderr, PROG ": bad timeout %s\n", optarg);
                return 2;
            }
            break;
        case 'a': all = true; break;
        case 'r':
            for (unsigned r = 0; braid_drop_name(r); r++)
                printf("%-20s %-24s %s\n", braid_drop_name(r), braid_drop_counter(r),
                       braid_drop_text(r));
            return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    bool tty = isatty(1);
    int rc = 0;
    for (;;) {
        static long pids[MAX_PIDS];
        unsigned n = find_pids(pids, MAX_PIDS);
        if (only) {
            bool found = false;
            for (unsigned i = 0; i < n; i++)
                found |= pids[i] == only;
            pids[0] = only; /* asked even when not listed (another namespace's listing) */
            n = 1;
            (void)found;
        }
        if (watch && tty && !json)
            printf("\033[H\033[2J");
        rc = 0;
        unsigned answered = 0;
        for (unsigned i = 0; i < n; i++) {
            if (pids[i] == getpid())
                continue;
            const char *why = NULL;
            char *text = ask(pids[i], timeout, &why);
            if (!text) {
                fprintf(stderr, PROG ": pid %ld: %s\n", pids[i], why);
                if (only)
                    rc = 1;
                continue;
            }
            answered++;
            if (json) {
                fputs(text, stdout);
                if (!*text || text[strlen(text) - 1] != '\n')
                    fputc('\n', stdout);
            } else {
                jval v;
                memset(&v, 0, sizeof v);
                jparser jp = {text, text + strlen(text), false};
                jparse(&jp, &v, 0);
                if (jp.bad)
                    fprintf(stderr, PROG ": pid %ld: answer not understood\n", pids[i]);
                else
                    print_process(&v, all);
                jfree(&v);
            }
            free(text);
        }
        if (!n && !json && !watch)
            printf("no braid processes (none with a stat socket in this network namespace)\n");
        if (n && !answered)
            rc = 1;
        fflush(stdout);
        if (!watch)
            break;
        sleep((unsigned)watch);
    }
    return rc;
}
