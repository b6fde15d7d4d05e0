/*
 * Many processes on one host (issue #12).
 *
 * SCTP ports are host-wide, as on Linux: a process that takes SCTP port P
 * binds the abstract AF_UNIX name "braid.port.P" (abstract names live in
 * the network namespace; the kernel frees the name when the process dies).
 * A second process gets EADDRINUSE for P.
 *
 * One UDP encapsulation port (RFC 6951, 9899 by default) is shared by the
 * processes of a network namespace: every process binds it with
 * SO_REUSEPORT, so the sockets form one reuseport group, and attaches an
 * eBPF program (BPF_PROG_TYPE_SK_REUSEPORT) that picks the socket by the
 * SCTP destination port (bytes 2-3 of the UDP payload). Two maps, pinned in
 * bpffs as /sys/fs/bpf/braid/v1-udp-<netns inode>-<UDP port>-{ports,socks}:
 *
 *   socks: BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, one slot per process (its
 *          socket). The kernel takes a socket out when it is closed, so a
 *          process that dies leaves an empty slot.
 *   ports: BPF_MAP_TYPE_HASH, SCTP port -> slot, written by the process
 *          holding the port's name (so never by two at once).
 *
 * Two levels because a socket can sit in one REUSEPORT_SOCKARRAY slot
 * only (the kernel keeps the slot in sk_user_data: a second key is EBUSY).
 * A port with no entry, or whose slot is empty, is left to the kernel's
 * hash, which picks any process of the group: no process serves that port,
 * so whichever gets the packet answers it from its refuser (RFC 9260 §8.4:
 * an INIT gets an ABORT). A stale entry (its process died) is harmless for
 * the same reason: the slot is empty or another process's, which does not
 * serve the port, and whoever takes the port next overwrites the entry.
 * Joining (get or create the pins, bind, attach, take a slot) and leaving
 * (free the slot, unlink the pins when no slot is left) run under a lock
 * between processes, the abstract name "braid.udp-lock.<port>".
 *
 * Without BPF (not root / no CAP_BPF, no bpffs, an old kernel) or with
 * BRAID_REUSEPORT=0, a UDP port is bound exclusively, as before: one
 * process per port (a line on stderr says why, once).
 *
 * Raw IP (protocol 132): every raw socket of the host sees every SCTP
 * packet. A classic BPF socket filter keeps those for the process's SCTP
 * ports (regenerated when the set changes), and one process, the holder of
 * the abstract name "braid.raw-ootb", answers out-of-the-blue packets for
 * ports no process holds; the others try to take the role over every
 * HP_TICK_NS, so it moves on when its holder dies.
 *
 * Every function is called with the world lock held (world.c); the state
 * is this file's static variables, per process. A forked child inherits
 * the names, sockets and maps but never changes the maps or the filters
 * (they are its parent's: pthread_atfork marks them inherited).
 */
#define _GNU_SOURCE
#include "hostport.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define HP_GROUPS 8  /* shared UDP ports per process */
#define HP_SLOTS 256 /* processes sharing one UDP port */
#define HP_BPFFS "/sys/fs/bpf"
#define HP_PIN_DIR HP_BPFFS "/braid"
#define HP_TICK_NS 500000000ull   /* raw IP: the answerer role is looked at this often */
#define HP_HELD_CACHE_MS 100u     /* raw IP: "another process holds it" remembered this long */
#define HP_LOCK_TRIES 2000        /* 1 ms apart */
#define HP_FILTER_ACCEPT 0x40000u /* socket filter: keep the whole packet */

typedef struct hp_group {
    braid_io *io; /* the transport (NULL: entry unused) */
    int fd;       /* its socket */
    uint16_t udp_port;
    int ports_map, socks_map, prog;
    uint32_t slot;
    bool joined;    /* holds a slot */
    bool inherited; /* a forked copy: the maps are the parent's to change */
} hp_group;

typedef struct hp_raw {
    braid_io *io;
    int fd;
    int family;
    bool inherited; /* a forked copy: the filter is the parent's to change */
} hp_raw;

static struct {
    int mode; /* UDP sharing: 0 not decided yet, 1 on, -1 off */
    bool atfork;
    bool warned_name;
    hp_group g[HP_GROUPS];
    hp_raw raw[2];
    unsigned n_raw;
    int ootb_fd1;            /* the answerer role's name (fd + 1; 0: not ours) */
    uint64_t next_tick;      /* raw IP: next takeover attempt */
    int name_fd1[65536];     /* the port's name (fd + 1; 0: none) */
    unsigned names;          /* how many of them are open */
    uint32_t drop_seen;      /* hp_fam.drop_gen as of the last look */
    uint32_t held_ms[65536]; /* raw answerer: when the port was found held (0: not) */
} H;

/* What the processes of a family share (fork: docs/architecture.md), in
 * the world's memory: the ports the family holds, and which of its
 * processes holds each one's name (a forked child closes the copies it
 * inherits, so that a port released anywhere in the family is freed by
 * its one holder, woken for it). */
typedef struct hp_fam {
    uint64_t bits[65536 / 64]; /* SCTP ports the family holds */
    uint32_t refs[65536];      /* stacks per port */
    uint16_t holder[65536];    /* slot + 1 of the process with the name open */
    uint32_t drop_gen;         /* bumped when a holder has a name to close */
} hp_fam;

static hp_fam *S;

static hp_fam *fam(void)
{
    if (!S) {
        void **p = world_hostport();
        if (!*p)
            *p = wmem_calloc(1, sizeof(hp_fam));
        S = *p;
        if (!S) {
            fprintf(stderr, "braid: out of memory for the host's port table\n");
            abort();
        }
    }
    return S;
}

/* ---- small helpers ---- */

static long hp_bpf(int cmd, union bpf_attr *a)
{
    return syscall(__NR_bpf, cmd, a, sizeof *a);
}

static uint64_t hp_ptr(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static uint64_t hp_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Binds an abstract AF_UNIX name (a stream socket that never listens: it
 * takes no data); its descriptor, or a negative errno (-EADDRINUSE: held). */
static int name_bind(const char *name)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    size_t n = strlen(name);
    if (n > sizeof a.sun_path - 1)
        n = sizeof a.sun_path - 1;
    memcpy(a.sun_path + 1, name, n); /* sun_path[0] == 0: the abstract namespace */
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
    if (bind(fd, (struct sockaddr *)&a, len) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static void port_name(char *buf, size_t cap, uint16_t port)
{
    snprintf(buf, cap, "braid.port.%u", (unsigned)port);
}

/* The lock between processes for one shared UDP port: its descriptor, or
 * -1 when it could not be had (a holder stopped for seconds: go on without). */
static int udp_lock(uint16_t udp_port)
{
    char name[48];
    snprintf(name, sizeof name, "braid.udp-lock.%u", (unsigned)udp_port);
    for (int i = 0; i < HP_LOCK_TRIES; i++) {
        int fd = name_bind(name);
        if (fd >= 0 || fd != -EADDRINUSE)
            return fd >= 0 ? fd : -1;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "braid: UDP port %u: the lock between processes was held for %d ms; going on\n",
            (unsigned)udp_port, HP_LOCK_TRIES);
    return -1;
}

static void udp_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

static void hp_atfork_child(void)
{
    /* The child shares its parent's sockets and maps: what it closes must
     * not take the parent's slot away. The ports' names stay with the
     * process that holds them (hp_fam); so does the answerer role. */
    for (unsigned i = 0; i < HP_GROUPS; i++)
        if (H.g[i].io)
            H.g[i].inherited = true;
    for (unsigned i = 0; i < H.n_raw; i++)
        H.raw[i].inherited = true;
    for (unsigned p = 0; p < 65536 && H.names; p++)
        if (H.name_fd1[p]) {
            close(H.name_fd1[p] - 1);
            H.name_fd1[p] = 0;
            H.names--;
        }
    if (H.ootb_fd1)
        close(H.ootb_fd1 - 1);
    H.ootb_fd1 = 0;
}

static void atfork_once(void)
{
    if (!H.atfork) {
        pthread_atfork(NULL, NULL, hp_atfork_child);
        H.atfork = true;
    }
}

/* ---- the shared UDP port: bpffs, maps, the program ---- */

static bool bpffs_mounted(void)
{
    FILE *f = fopen("/proc/mounts", "re");
    if (!f)
        return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        char dev[128], dir[256], type[64];
        if (sscanf(line, "%127s %255s %63s", dev, dir, type) == 3 && !strcmp(dir, HP_BPFFS) &&
            !strcmp(type, "bpf"))
            found = true;
    }
    fclose(f);
    return found;
}

/* bpffs at /sys/fs/bpf, mounted if it is not and we may (root): 0 or a
 * negative errno. Two processes mounting at once would stack two separate
 * file systems; the mount runs under a lock on the directory. */
static int bpffs_ensure(void)
{
    if (bpffs_mounted())
        return 0;
    if (geteuid() != 0)
        return -EPERM;
    int d = open(HP_BPFFS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0)
        return -errno;
    int rc = 0;
    if (flock(d, LOCK_EX) != 0)
        rc = -errno;
    else if (!bpffs_mounted() && mount("bpf", HP_BPFFS, "bpf", 0, "mode=0700") != 0)
        rc = -errno;
    close(d); /* (releases the lock) */
    return rc;
}

static bool map_is(int fd, uint32_t type, uint32_t ksz, uint32_t vsz, uint32_t max)
{
    struct bpf_map_info info;
    memset(&info, 0, sizeof info);
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.info.bpf_fd = (uint32_t)fd;
    a.info.info_len = sizeof info;
    a.info.info = hp_ptr(&info);
    if (hp_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) != 0)
        return false;
    return info.type == type && info.key_size == ksz && info.value_size == vsz &&
           info.max_entries == max;
}

/* The map pinned at path, created and pinned if there is none: its fd, or
 * a negative errno. A process that pins first wins; the others get its. */
static int map_get(const char *path, const char *name, uint32_t type, uint32_t ksz, uint32_t vsz,
                   uint32_t max, uint32_t flags)
{
    for (int attempt = 0; attempt < 4; attempt++) {
        union bpf_attr a;
        memset(&a, 0, sizeof a);
        a.pathname = hp_ptr(path);
        int fd = (int)hp_bpf(BPF_OBJ_GET, &a);
        if (fd >= 0) {
            if (map_is(fd, type, ksz, vsz, max))
                return fd;
            close(fd);
            return -EEXIST; /* something else is pinned there */
        }
        if (errno != ENOENT)
            return -errno;
        memset(&a, 0, sizeof a);
        a.map_type = type;
        a.key_size = ksz;
        a.value_size = vsz;
        a.max_entries = max;
        a.map_flags = flags;
        snprintf(a.map_name, sizeof a.map_name, "%s", name);
        fd = (int)hp_bpf(BPF_MAP_CREATE, &a);
        if (fd < 0)
            return -errno;
        memset(&a, 0, sizeof a);
        a.pathname = hp_ptr(path);
        a.bpf_fd = (uint32_t)fd;
        if (hp_bpf(BPF_OBJ_PIN, &a) == 0)
            return fd;
        int e = errno;
        close(fd);
        if (e != EEXIST)
            return -e;
        /* another process pinned its map meanwhile: take that one */
    }
    return -EAGAIN;
}

/* (-Wconversion cannot see that a register number fits the 4-bit fields) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
static struct bpf_insn ins(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    struct bpf_insn i;
    memset(&i, 0, sizeof i);
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}
#pragma GCC diagnostic pop

/* The SK_REUSEPORT program: the SCTP destination port (UDP payload bytes
 * 2-3; the program's packet starts at the UDP header) looked up in ports,
 * the slot it names selected in socks; anything else (a short packet, a
 * port nobody registered, an empty slot) is left to the kernel's hash.
 * Written out by hand: no compiler for the BPF target needed. */
static int prog_load(int ports_map, int socks_map)
{
    enum { PASS = 25 }; /* the index of "r0 = SK_PASS" */
    struct bpf_insn p[] = {
        /* 0 */ ins(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0), /* r6 = ctx */
        /* 1 */ ins(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 8 + 2),
        /* 2 */ ins(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0),
        /* 3 */ ins(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -8),
        /* 4 */ ins(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 2),
        /* 5 */ ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_skb_load_bytes), /* fp-8 = dport */
        /* 6 */ ins(BPF_JMP | BPF_JNE | BPF_K, 0, 0, PASS - 7, 0),
        /* 7 */ ins(BPF_LDX | BPF_MEM | BPF_H, 1, 10, -8, 0),
        /* 8 */ ins(BPF_ALU | BPF_END | BPF_TO_BE, 1, 0, 0, 16), /* network to host order */
        /* 9 */ ins(BPF_STX | BPF_MEM | BPF_W, 10, 1, -4, 0),    /* key = (u32)dport */
        /* 10 */ ins(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, ports_map),
        /* 11 */ ins(0, 0, 0, 0, 0),
        /* 12 */ ins(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
        /* 13 */ ins(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
        /* 14 */ ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
        /* 15 */ ins(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, PASS - 16, 0),
        /* 16 */ ins(BPF_LDX | BPF_MEM | BPF_W, 1, 0, 0, 0),   /* the slot */
        /* 17 */ ins(BPF_STX | BPF_MEM | BPF_W, 10, 1, -4, 0), /* key = slot */
        /* 18 */ ins(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
        /* 19 */ ins(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_MAP_FD, 0, socks_map),
        /* 20 */ ins(0, 0, 0, 0, 0),
        /* 21 */ ins(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0),
        /* 22 */ ins(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -4),
        /* 23 */ ins(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0),
        /* 24 */ ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_sk_select_reuseport),
        /* 25 */ ins(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, SK_PASS), /* PASS */
        /* 26 */ ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    };
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_SK_REUSEPORT;
    a.insns = hp_ptr(p);
    a.insn_cnt = (uint32_t)(sizeof p / sizeof p[0]);
    a.license = hp_ptr("GPL");
    snprintf(a.prog_name, sizeof a.prog_name, "braid_sctp_port");
    int fd = (int)hp_bpf(BPF_PROG_LOAD, &a);
    return fd >= 0 ? fd : -errno;
}

static int map_set(int map, uint32_t key, const void *val, uint64_t flags)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)map;
    a.key = hp_ptr(&key);
    a.value = hp_ptr(val);
    a.flags = flags;
    return hp_bpf(BPF_MAP_UPDATE_ELEM, &a) == 0 ? 0 : -errno;
}

static int map_del(int map, uint32_t key)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)map;
    a.key = hp_ptr(&key);
    return hp_bpf(BPF_MAP_DELETE_ELEM, &a) == 0 ? 0 : -errno;
}

static bool map_has(int map, uint32_t key)
{
    uint64_t v = 0;
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)map;
    a.key = hp_ptr(&key);
    a.value = hp_ptr(&v);
    return hp_bpf(BPF_MAP_LOOKUP_ELEM, &a) == 0;
}

static unsigned long long netns_ino(void)
{
    struct stat st;
    return stat("/proc/self/ns/net", &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

static void pin_path_ns(char *buf, size_t cap, unsigned long long ino, unsigned udp_port,
                        const char *what)
{
    snprintf(buf, cap, HP_PIN_DIR "/v1-udp-%llu-%u-%s", ino, udp_port, what);
}

static void pin_path(char *buf, size_t cap, uint16_t udp_port, const char *what)
{
    pin_path_ns(buf, cap, netns_ino(), udp_port, what);
}

static void group_fds_close(hp_group *g)
{
    if (g->prog >= 0)
        close(g->prog);
    if (g->ports_map >= 0)
        close(g->ports_map);
    if (g->socks_map >= 0)
        close(g->socks_map);
    g->prog = g->ports_map = g->socks_map = -1;
}

/* The group's maps (pinned) and the program: 0 or a negative errno. */
static int group_maps(hp_group *g, uint16_t udp_port)
{
    g->prog = g->ports_map = g->socks_map = -1;
    int rc = bpffs_ensure();
    if (rc < 0)
        return rc;
    if (mkdir(HP_PIN_DIR, 0700) != 0 && errno != EEXIST)
        return -errno;
    char path[160];
    pin_path(path, sizeof path, udp_port, "socks");
    rc = map_get(path, "braid_socks", BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, 4, 8, HP_SLOTS, 0);
    if (rc < 0)
        return rc;
    g->socks_map = rc;
    pin_path(path, sizeof path, udp_port, "ports");
    rc = map_get(path, "braid_ports", BPF_MAP_TYPE_HASH, 4, 4, 65536, BPF_F_NO_PREALLOC);
    if (rc < 0) {
        group_fds_close(g);
        return rc;
    }
    g->ports_map = rc;
    rc = prog_load(g->ports_map, g->socks_map);
    if (rc < 0) {
        group_fds_close(g);
        return rc;
    }
    g->prog = rc;
    return 0;
}

/* The process's socket, bound with SO_REUSEPORT, steered: the program on
 * the group, a slot of its own, its SCTP ports pointing there. */
static int group_join(hp_group *g)
{
    if (setsockopt(g->fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &g->prog, sizeof g->prog) != 0)
        return -errno;
    uint64_t v = (uint64_t)g->fd;
    int rc = -EADDRINUSE;
    for (uint32_t i = 0; i < HP_SLOTS; i++) {
        rc = map_set(g->socks_map, i, &v, BPF_NOEXIST);
        if (rc == 0) {
            g->slot = i;
            break;
        }
        if (rc != -EEXIST)
            return rc;
        rc = -EADDRINUSE; /* every slot taken: HP_SLOTS processes on the port */
    }
    if (rc < 0)
        return rc;
    g->joined = true;
    for (unsigned w = 0; w < 65536 / 64; w++)
        for (uint64_t b = fam()->bits[w]; b; b &= b - 1) {
            uint32_t port = w * 64 + (uint32_t)__builtin_ctzll(b);
            map_set(g->ports_map, port, &g->slot, BPF_ANY);
        }
    return 0;
}

/* No process left in the group (every slot empty): its pins go (called
 * under the port's lock). */
static void pins_gc(int socks_map, uint16_t udp_port)
{
    for (uint32_t i = 0; i < HP_SLOTS; i++)
        if (map_has(socks_map, i))
            return;
    char path[160];
    pin_path(path, sizeof path, udp_port, "socks");
    unlink(path);
    pin_path(path, sizeof path, udp_port, "ports");
    unlink(path);
}

/* The network namespaces alive now: those of the processes and those
 * bound in /run/netns (a malloc'd array; *n of them). */
static unsigned long long *netns_alive(size_t *n)
{
    size_t cap = 64;
    unsigned long long *v = malloc(cap * sizeof *v);
    *n = 0;
    if (!v)
        return NULL;
    const char *dirs[] = {"/proc", "/run/netns"};
    for (int k = 0; k < 2; k++) {
        DIR *d = opendir(dirs[k]);
        if (!d)
            continue;
        for (struct dirent *e; (e = readdir(d));) {
            if (e->d_name[0] == '.' || (k == 0 && (e->d_name[0] < '0' || e->d_name[0] > '9')))
                continue;
            char path[300];
            snprintf(path, sizeof path, k == 0 ? "/proc/%s/ns/net" : "/run/netns/%s", e->d_name);
            struct stat st;
            if (stat(path, &st) != 0)
                continue;
            bool seen = false;
            for (size_t i = 0; i < *n && !seen; i++)
                seen = v[i] == (unsigned long long)st.st_ino;
            if (seen)
                continue;
            if (*n == cap) {
                unsigned long long *nv = realloc(v, 2 * cap * sizeof *v);
                if (!nv)
                    break;
                v = nv;
                cap *= 2;
            }
            v[(*n)++] = (unsigned long long)st.st_ino;
        }
        closedir(d);
    }
    return v;
}

/* Pins left by processes that were killed (a clean exit removes them):
 * those of this namespace's other UDP ports with no process on them (under
 * the port's lock, skipped when it is busy), and those of namespaces that
 * no longer exist. Once per process, at its first join. */
static void pins_sweep(uint16_t self_port)
{
    DIR *d = opendir(HP_PIN_DIR);
    if (!d)
        return;
    unsigned long long mine = netns_ino();
    unsigned long long *alive = NULL;
    size_t n_alive = 0;
    bool listed = false;
    for (struct dirent *e; (e = readdir(d));) {
        unsigned long long ino;
        unsigned port;
        char what[8];
        if (sscanf(e->d_name, "v1-udp-%llu-%u-%7s", &ino, &port, what) != 3 ||
            strcmp(what, "socks") || port > 65535 || (ino == mine && port == self_port))
            continue;
        int lk = -1;
        if (ino == mine) {
            char name[48];
            snprintf(name, sizeof name, "braid.udp-lock.%u", port);
            if ((lk = name_bind(name)) < 0)
                continue; /* a process is joining or leaving it now */
        } else {
            if (!listed) {
                alive = netns_alive(&n_alive);
                listed = true;
            }
            if (!alive)
                break;
            bool live = false;
            for (size_t i = 0; i < n_alive && !live; i++)
                live = alive[i] == ino;
            if (live)
                continue;
        }
        char path[160];
        pin_path_ns(path, sizeof path, ino, port, "socks");
        union bpf_attr a;
        memset(&a, 0, sizeof a);
        a.pathname = hp_ptr(path);
        int fd = (int)hp_bpf(BPF_OBJ_GET, &a);
        bool empty = fd >= 0;
        for (uint32_t i = 0; empty && i < HP_SLOTS; i++)
            empty = !map_has(fd, i);
        if (fd >= 0)
            close(fd);
        if (empty) {
            unlink(path);
            pin_path_ns(path, sizeof path, ino, port, "ports");
            unlink(path);
        }
        if (lk >= 0)
            close(lk);
    }
    free(alive);
    closedir(d);
}

static void group_leave(hp_group *g)
{
    if (g->joined && !g->inherited) {
        int lk = udp_lock(g->udp_port);
        for (unsigned w = 0; w < 65536 / 64; w++)
            for (uint64_t b = fam()->bits[w]; b; b &= b - 1)
                map_del(g->ports_map, w * 64 + (uint32_t)__builtin_ctzll(b));
        map_del(g->socks_map, g->slot);
        pins_gc(g->socks_map, g->udp_port);
        udp_unlock(lk);
    }
    group_fds_close(g);
    memset(g, 0, sizeof *g);
}

static bool sharing_wanted(void)
{
    if (H.mode == 0) {
        const char *e = getenv("BRAID_REUSEPORT");
        H.mode = (e && !strcmp(e, "0")) ? -1 : 1;
    }
    return H.mode > 0;
}

static void sharing_off(uint16_t udp_port, const char *what, int err)
{
    H.mode = -1;
    fprintf(stderr,
            "braid: UDP port %u is not shared with other processes (%s: %s; sharing needs root "
            "or CAP_BPF + CAP_NET_ADMIN, and bpffs): one process per UDP port, as before\n",
            (unsigned)udp_port, what, strerror(-err));
}

static int udp_open_shared(braid_io **out, int family, uint16_t port)
{
    hp_group *g = NULL;
    for (unsigned i = 0; i < HP_GROUPS && !g; i++)
        if (!H.g[i].io)
            g = &H.g[i];
    if (!g) /* (a process with more than HP_GROUPS numbered UDP ports: the rest are its own) */
        return braid_io_open(out, BRAID_IO_UDP, family, NULL, 0, port);
    atfork_once();
    int lk = udp_lock(port);
    int rc = group_maps(g, port);
    static bool swept;
    if (rc == 0 && !swept) {
        swept = true;
        pins_sweep(port);
    }
    if (rc < 0) {
        udp_unlock(lk);
        sharing_off(port, "BPF maps and program", rc);
        return braid_io_open(out, BRAID_IO_UDP, family, NULL, 0, port);
    }
    rc = braid_io_open_ex(out, BRAID_IO_UDP, family, NULL, 0, port, BRAID_IO_REUSEPORT);
    if (rc < 0) { /* (EADDRINUSE: a process holds the port without SO_REUSEPORT) */
        pins_gc(g->socks_map, port);
        udp_unlock(lk);
        group_fds_close(g);
        return rc;
    }
    int fd = -1;
    braid_io_fds(*out, &fd, 1);
    g->io = *out;
    g->fd = fd;
    g->udp_port = port;
    rc = group_join(g);
    udp_unlock(lk);
    if (rc == 0)
        return 0;
    /* bound but not steered: alone it would take packets of other
     * processes' ports; give the port up and open it as before */
    group_leave(g);
    braid_io_close(*out);
    *out = NULL;
    sharing_off(port, "joining the processes on it", rc);
    return braid_io_open(out, BRAID_IO_UDP, family, NULL, 0, port);
}

/* ---- raw IP: socket filters and the answerer of out-of-the-blue packets ---- */

static struct sock_filter stmt(uint16_t code, uint32_t k)
{
    struct sock_filter f = {code, 0, 0, k};
    return f;
}

static struct sock_filter jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
    struct sock_filter f = {code, jt, jf, k};
    return f;
}

/* A classic BPF filter keeping the packets whose SCTP destination port the
 * process holds (all of them for the answerer): IPv4 raw sockets see the
 * IP header (its length from the IHL field), IPv6 ones the SCTP header.
 * One test per run of consecutive ports; beyond BPF_MAXINSNS the filter
 * keeps everything (the stack's demultiplexing still sorts it out). */
static unsigned raw_filter(struct sock_filter *f, int family)
{
    unsigned n = 0;
    if (H.ootb_fd1) {
        f[n++] = stmt(BPF_RET | BPF_K, HP_FILTER_ACCEPT);
        return n;
    }
    if (family == 4) {
        f[n++] = stmt(BPF_LDX | BPF_B | BPF_MSH, 0); /* X = 4 * (ip[0] & 0xf) */
        f[n++] = stmt(BPF_LD | BPF_H | BPF_IND, 2);  /* A = sctp[2..3] */
    } else {
        f[n++] = stmt(BPF_LD | BPF_H | BPF_ABS, 2);
    }
    for (uint32_t p = 1; p < 65536;) {
        if (!(fam()->bits[p / 64] >> (p % 64) & 1)) {
            p = (p % 64 == 0 && !fam()->bits[p / 64]) ? p + 64 : p + 1;
            continue;
        }
        uint32_t lo = p;
        while (p < 65536 && (fam()->bits[p / 64] >> (p % 64) & 1))
            p++;
        uint32_t hi = p - 1;
        if (n + 4 > BPF_MAXINSNS) {
            f[0] = stmt(BPF_RET | BPF_K, HP_FILTER_ACCEPT);
            return 1;
        }
        if (lo == hi) {
            f[n++] = jump(BPF_JMP | BPF_JEQ | BPF_K, lo, 0, 1);
        } else {
            f[n++] = jump(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 2);
            f[n++] = jump(BPF_JMP | BPF_JGT | BPF_K, hi, 1, 0);
        }
        f[n++] = stmt(BPF_RET | BPF_K, HP_FILTER_ACCEPT);
    }
    f[n++] = stmt(BPF_RET | BPF_K, 0);
    return n;
}

static void raw_refilter(void)
{
    static struct sock_filter f[BPF_MAXINSNS];
    for (unsigned i = 0; i < H.n_raw; i++) {
        /* (an inherited socket too: the family's ports are the filter) */
        struct sock_fprog prog = {(unsigned short)raw_filter(f, H.raw[i].family), f};
        if (setsockopt(H.raw[i].fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0)
            fprintf(stderr, "braid: raw IP: setsockopt(SO_ATTACH_FILTER): %s\n", strerror(errno));
    }
}

static void ootb_try(void)
{
    if (H.ootb_fd1 || !H.n_raw)
        return;
    int fd = name_bind("braid.raw-ootb");
    if (fd < 0)
        return; /* another process answers */
    H.ootb_fd1 = fd + 1;
    raw_refilter();
}

static void raw_add(braid_io *io, int family)
{
    int fd = -1;
    if (H.n_raw == 2 || braid_io_fds(io, &fd, 1) < 1)
        return;
    H.raw[H.n_raw].io = io;
    H.raw[H.n_raw].fd = fd;
    H.raw[H.n_raw].family = family;
    H.raw[H.n_raw].inherited = false;
    H.n_raw++;
    atfork_once();
    raw_refilter();
    ootb_try();
    H.next_tick = hp_now_ns() + HP_TICK_NS;
}

bool braid_hostport_raw_ootb(const uint8_t *pkt, size_t len)
{
    if (!H.ootb_fd1 || len < 12)
        return false;
    uint16_t port = (uint16_t)(pkt[2] << 8 | pkt[3]);
    if (fam()->refs[port])
        return true; /* ours, not started: refused, as over UDP */
    uint32_t now_ms = (uint32_t)(hp_now_ns() / 1000000u) | 1u;
    /* an INIT (chunk type 1, RFC 9260 §3.3.2) is always looked at afresh:
     * a port freed a moment ago is refused at once */
    bool init = len > 12 && pkt[12] == 1;
    if (!init && H.held_ms[port] && now_ms - H.held_ms[port] < HP_HELD_CACHE_MS)
        return false;
    char name[32];
    port_name(name, sizeof name, port);
    int fd = name_bind(name);
    if (fd >= 0) { /* nobody holds it */
        close(fd);
        H.held_ms[port] = 0;
        return true;
    }
    if (fd == -EADDRINUSE)
        H.held_ms[port] = now_ms;
    return false;
}

/* Names this process holds for ports its family released elsewhere. */
static void names_drop(void)
{
    if (!S || H.drop_seen == S->drop_gen)
        return;
    H.drop_seen = S->drop_gen;
    for (unsigned p = 0; p < 65536 && H.names; p++)
        if (H.name_fd1[p] && !S->refs[p]) {
            close(H.name_fd1[p] - 1);
            H.name_fd1[p] = 0;
            H.names--;
            if (S->holder[p] == fam_slot() + 1)
                S->holder[p] = 0;
        }
}

/* A process of the family is gone: the names it held went with it; the
 * ones the family still uses are taken again here. */
void braid_hostport_slot_gone(unsigned slot)
{
    if (!S)
        return;
    for (unsigned p = 0; p < 65536; p++) {
        if (S->holder[p] != slot + 1)
            continue;
        S->holder[p] = 0;
        if (!S->refs[p] || H.name_fd1[p])
            continue;
        char name[32];
        port_name(name, sizeof name, (uint16_t)p);
        int fd = name_bind(name);
        if (fd >= 0) {
            H.name_fd1[p] = fd + 1;
            H.names++;
            S->holder[p] = (uint16_t)(fam_slot() + 1);
        }
    }
}

void braid_hostport_tick(uint64_t now)
{
    names_drop();
    if (!H.n_raw || H.ootb_fd1 || now < H.next_tick)
        return;
    H.next_tick = now + HP_TICK_NS;
    ootb_try();
}

uint64_t braid_hostport_next_tick(void)
{
    return (H.n_raw && !H.ootb_fd1) ? H.next_tick : BRAID_TIME_NEVER;
}

/* ---- transports ---- */

int braid_hostport_open(braid_io **out, braid_io_kind kind, int family, uint16_t port)
{
    if (kind == BRAID_IO_RAW) {
        int rc = braid_io_open(out, kind, family, NULL, 0, 0);
        if (rc == 0)
            raw_add(*out, family);
        return rc;
    }
    if (kind == BRAID_IO_UDP && port && sharing_wanted())
        return udp_open_shared(out, family, port);
    return braid_io_open(out, kind, family, NULL, 0, port);
}

void braid_hostport_close(braid_io *io)
{
    if (!io)
        return;
    for (unsigned i = 0; i < HP_GROUPS; i++)
        if (H.g[i].io == io)
            group_leave(&H.g[i]);
    for (unsigned i = 0; i < H.n_raw; i++)
        if (H.raw[i].io == io) {
            H.raw[i] = H.raw[--H.n_raw];
            if (!H.n_raw && H.ootb_fd1) { /* no raw socket left: another process answers */
                close(H.ootb_fd1 - 1);
                H.ootb_fd1 = 0;
            }
            break;
        }
    braid_io_close(io);
}

/* At exit, after the sockets layer's own exit handler closed the sockets
 * and waited for their shutdowns (a destructor runs after the atexit
 * handlers): the process leaves its groups, so that the last one on a
 * port leaves no pins behind. The kernel closes the sockets; a process
 * killed by a signal skips this, and its pins stay until the last process
 * on that port of that network namespace leaves. */
__attribute__((destructor)) static void hp_fini(void)
{
    bool any = false;
    for (unsigned i = 0; i < HP_GROUPS; i++)
        any |= H.g[i].io && H.g[i].joined && !H.g[i].inherited;
    if (!any || fam_others())
        return; /* (children it forked go on with the sockets: the group is theirs) */
    world_lock();
    for (unsigned i = 0; i < HP_GROUPS; i++)
        if (H.g[i].io)
            group_leave(&H.g[i]); /* (the transport itself stays open until the end) */
    world_unlock();
}

bool braid_hostport_shared(const braid_io *io)
{
    for (unsigned i = 0; i < H.n_raw; i++)
        if (H.raw[i].io == io)
            return true;
    for (unsigned i = 0; i < HP_GROUPS; i++)
        if (H.g[i].io == io)
            return true;
    return false;
}

/* ---- SCTP ports ---- */

int braid_hostport_reserve(uint16_t port)
{
    names_drop();
    if (fam()->refs[port]++)
        return 0;
    char name[32];
    port_name(name, sizeof name, port);
    int fd = H.name_fd1[port] ? H.name_fd1[port] - 1 : name_bind(name);
    if (fd == -EADDRINUSE) {
        fam()->refs[port] = 0;
        return -EADDRINUSE; /* another process holds it (SCTP ports are host-wide) */
    }
    if (fd < 0 && !H.warned_name) {
        H.warned_name = true;
        fprintf(stderr,
                "braid: SCTP port %u is not reserved host-wide (abstract socket: %s): another "
                "process may take it too\n",
                (unsigned)port, strerror(-fd));
    }
    if (fd >= 0 && !H.name_fd1[port])
        H.names++;
    H.name_fd1[port] = fd >= 0 ? fd + 1 : 0;
    S->holder[port] = fd >= 0 ? (uint16_t)(fam_slot() + 1) : 0;
    fam()->bits[port / 64] |= 1ull << (port % 64);
    for (unsigned i = 0; i < HP_GROUPS; i++) /* (an inherited socket is the family's too) */
        if (H.g[i].io && H.g[i].joined)
            map_set(H.g[i].ports_map, port, &H.g[i].slot, BPF_ANY);
    if (H.n_raw)
        raw_refilter();
    return 0;
}

void braid_hostport_release(uint16_t port)
{
    if (!fam()->refs[port] || --fam()->refs[port])
        return;
    fam()->bits[port / 64] &= ~(1ull << (port % 64));
    /* the entry goes before the name: whoever takes the port next writes its own */
    for (unsigned i = 0; i < HP_GROUPS; i++)
        if (H.g[i].io && H.g[i].joined)
            map_del(H.g[i].ports_map, port);
    if (H.n_raw)
        raw_refilter();
    if (H.name_fd1[port]) {
        close(H.name_fd1[port] - 1);
        H.names--;
        S->holder[port] = 0;
    } else if (S->holder[port]) { /* another process of the family holds it: wake it */
        S->drop_gen++;
        world_others();
    }
    H.name_fd1[port] = 0;
}
