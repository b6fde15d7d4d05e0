/*
 * Default engine hooks for real programs: malloc/free, OpenSSL's CSPRNG,
 * HMAC-SHA256 for the cookie MAC (RFC 9260 §5.1.3 leaves the MAC to the
 * implementation; RFC 2104 HMAC with SHA-256 here), and the log sink:
 * $BRAID_LOG picks the level (error, warn, info, debug, or 0-4; 1 is the
 * old switch and means info), $BRAID_LOG_FILE a file instead of stderr.
 */
#define _GNU_SOURCE
#define BRAID_IO_INTERNAL
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

static void *h_alloc(void *user, size_t size)
{
    (void)user;
    return malloc(size ? size : 1);
}

static void h_free(void *user, void *ptr, size_t size)
{
    (void)user;
    (void)size;
    free(ptr);
}

/* getrandom, then /dev/urandom; true when out is filled. */
static bool os_random(uint8_t *out, size_t len)
{
    size_t got = 0;
    int tries = 0;
    while (got < len) {
        ssize_t r = getrandom(out + got, len - got, 0);
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        if (r < 0 && (errno == EINTR || errno == EAGAIN) && ++tries < 1000)
            continue;
        break;
    }
    if (got == len)
        return true;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    while (got < len) {
        ssize_t r = read(fd, out + got, len - got);
        if (r > 0)
            got += (size_t)r;
        else if (!(r < 0 && errno == EINTR))
            break;
    }
    close(fd);
    return got == len;
}

static void h_random(void *user, uint8_t *out, size_t len)
{
    (void)user;
    /* the kernel's generator first: no library state to set up (OpenSSL's
     * first RAND_bytes allocates and frees a good deal inside the
     * application's heap) and nothing to reseed after fork() */
    if (os_random(out, len))
        return;
    size_t off = 0;
    while (off < len) {
        size_t chunk = len - off > (size_t)INT_MAX ? (size_t)INT_MAX : len - off;
        if (RAND_bytes(out + off, (int)chunk) != 1)
            break;
        off += chunk;
    }
    if (off == len)
        return;
    if (os_random(out + off, len - off))
        return;
    /* Neither OpenSSL nor the kernel answered: keep trying both rather than
     * aborting or returning predictable bytes. */
    static _Thread_local bool warned;
    if (!warned) {
        warned = true;
        fprintf(stderr, "braid: no randomness available yet (RAND_bytes and getrandom "
                        "failed); retrying\n");
    }
    for (;;) {
        usleep(10000);
        size_t chunk = len - off > (size_t)INT_MAX ? (size_t)INT_MAX : len - off;
        if (RAND_bytes(out + off, (int)chunk) == 1) {
            off += chunk;
            if (off == len)
                return;
            continue;
        }
        if (os_random(out + off, len - off))
            return;
    }
}

static void h_mac(void *user, const uint8_t key[32], const uint8_t *data, size_t len,
                  uint8_t out[32])
{
    (void)user;
    static const uint8_t empty[1];
    unsigned outlen = 0;
    if (HMAC(EVP_sha256(), key, 32, data ? data : empty, len, out, &outlen) && outlen == 32)
        return;
    /* OpenSSL failed (out of memory): a random MAC never verifies, so a
     * cookie made now is refused later and the peer retries; a cookie
     * checked now is refused. Never a MAC an attacker could predict. */
    h_random(NULL, out, 32);
}

/* ---- the log sink ---- */

/* The level $BRAID_LOG asks for: "error", "warn", "info", "debug" (any
 * case), or 0-4 (0 off, 2 warn, 3 info, 4 debug); "1", what BRAID_LOG=1
 * always meant (the engine's lines on), is info, as is any other value
 * that is not "0" / "off". Unset: off, unless $BRAID_LOG_FILE is set
 * (then info). */
int braid_io_log_parse(const char *e, const char *file)
{
    if (!e || !*e)
        return file && *file ? BRAID_LOG_INFO : BRAID_LOG_OFF;
    static const struct {
        const char *name;
        int level;
    } names[] = {
        {"0", BRAID_LOG_OFF},       {"off", BRAID_LOG_OFF},      {"none", BRAID_LOG_OFF},
        {"1", BRAID_LOG_INFO},      {"2", BRAID_LOG_WARN},       {"3", BRAID_LOG_INFO},
        {"4", BRAID_LOG_DEBUG},     {"error", BRAID_LOG_ERROR},  {"err", BRAID_LOG_ERROR},
        {"warn", BRAID_LOG_WARN},   {"warning", BRAID_LOG_WARN}, {"info", BRAID_LOG_INFO},
        {"debug", BRAID_LOG_DEBUG},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(e, names[i].name))
            return names[i].level;
    return BRAID_LOG_INFO;
}

/* -1: not read yet. Refreshed by every braid_hooks_default. */
static atomic_int log_level = -1;

static int log_level_now(void)
{
    int l = braid_io_log_parse(getenv("BRAID_LOG"), getenv("BRAID_LOG_FILE"));
    atomic_store_explicit(&log_level, l, memory_order_relaxed);
    return l;
}

int braid_io_log_level(void)
{
    int l = atomic_load_explicit(&log_level, memory_order_relaxed);
    return l >= 0 ? l : log_level_now();
}

/* $BRAID_LOG_FILE, opened (appending) on the first line; stderr when it
 * is unset or cannot be opened (said once). */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;
static bool log_file_tried;

static FILE *log_out(bool *to_file)
{
    if (!log_file_tried) {
        log_file_tried = true;
        const char *path = getenv("BRAID_LOG_FILE");
        if (path && *path) {
            log_file = fopen(path, "ae");
            if (log_file)
                setvbuf(log_file, NULL, _IOLBF, 0);
            else
                fprintf(stderr, "braid: BRAID_LOG_FILE=%s: %s; logging to stderr\n", path,
                        strerror(errno));
        }
    }
    *to_file = log_file != NULL;
    return log_file ? log_file : stderr;
}

static void h_log(void *user, const char *line)
{
    (void)user;
    int saved = errno;
    pthread_mutex_lock(&log_mu);
    bool to_file;
    FILE *f = log_out(&to_file);
    flockfile(f);
    if (to_file) /* several processes may share the file */
        fprintf(f, "braid[%ld]: ", (long)getpid());
    else
        fputs("braid: ", f);
    fputs(line, f);
    size_t n = strlen(line);
    if (n == 0 || line[n - 1] != '\n')
        fputc('\n', f);
    fflush(f);
    funlockfile(f);
    pthread_mutex_unlock(&log_mu);
    errno = saved;
}

void braid_io_log(int level, const char *fmt, ...)
{
    static const char *const names[] = {"off", "error", "warn", "info", "debug"};
    if (level < BRAID_LOG_ERROR || level > BRAID_LOG_DEBUG || braid_io_log_level() < level)
        return;
    char line[400];
    int n = snprintf(line, sizeof line, "%s: ", names[level]);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    h_log(NULL, line);
}

void braid_io_addr_str(const braid_addr *a, char *out, size_t cap)
{
    char ip[64] = "-";
    if (a->family == 4)
        inet_ntop(AF_INET, a->ip, ip, sizeof ip);
    else if (a->family == 6)
        inet_ntop(AF_INET6, a->ip, ip, sizeof ip);
    snprintf(out, cap, a->family == 6 ? "[%s]:%u" : "%s:%u", ip, a->udp_port);
}

static unsigned h_host_addrs(void *user, braid_addr *out, unsigned max)
{
    (void)user;
    return braid_io_host_addrs(out, max);
}

static int h_route_src(void *user, const braid_addr *remote, braid_addr *src)
{
    (void)user;
    return braid_io_route_src(remote, src);
}

void braid_hooks_default(braid_hooks *h)
{
    /* Before our first RAND_bytes / HMAC: no OpenSSL exit handler. exit()
     * runs atexit handlers in the calling thread while braid's background
     * thread (and threads inside calls, whose sockets braid's own exit
     * handler closes) go on using OpenSSL; its cleanup would free locks and
     * tables under them. The process's end frees that memory anyway. (When
     * the program itself initialised OpenSSL first, its choice stands.) */
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
    memset(h, 0, sizeof *h);
    h->alloc = h_alloc;
    h->free = h_free;
    h->random = h_random;
    h->mac = h_mac;
    h->log_level = log_level_now();
    if (h->log_level > BRAID_LOG_OFF)
        h->log = h_log;
    h->host_addrs = h_host_addrs;
    h->route_src = h_route_src;
    h->user = NULL;
}

void braid_io_drop_log_(const braid_io *io, const char *name, const char *counter, const char *fmt,
                        ...)
{
    static const char *const kinds[] = {"udp", "raw", "inproc"};
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    braid_io_log(BRAID_LOG_DEBUG, "drop %s counter=%s transport=%s:%u: %s", name, counter,
                 (unsigned)io->kind < 3 ? kinds[io->kind] : "?", io->port, detail);
}
