/*
 * Default engine hooks for real programs: malloc/free, OpenSSL's CSPRNG,
 * HMAC-SHA256 for the cookie MAC (RFC 9260 §5.1.3 leaves the MAC to the
 * implementation; RFC 2104 HMAC with SHA-256 here), and a stderr log sink
 * enabled by $BRAID_LOG.
 */
#define _GNU_SOURCE
#define BRAID_IO_INTERNAL
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

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

static void h_log(void *user, const char *line)
{
    (void)user;
    flockfile(stderr);
    fputs("braid: ", stderr);
    fputs(line, stderr);
    size_t n = strlen(line);
    if (n == 0 || line[n - 1] != '\n')
        fputc('\n', stderr);
    funlockfile(stderr);
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
    const char *e = getenv("BRAID_LOG");
    if (e && *e && strcmp(e, "0") != 0)
        h->log = h_log;
    h->host_addrs = h_host_addrs;
    h->route_src = h_route_src;
    h->user = NULL;
}
