/*
 * exec under braid-run. The new program has none of braid's state (the
 * sockets live in this process's memory and its family's), so a braid
 * socket left open across exec (no FD_CLOEXEC) cannot go on working in it.
 * Before the exec, braid_fam_exec() turns each such descriptor into a dead
 * socket: the new program reads end of file and its writes fail with EPIPE,
 * rather than reading braid's readiness tokens or writing into nowhere.
 * Sockets with FD_CLOEXEC simply go with the exec; the parent's (the
 * family's) associations are untouched either way, and the exec'd process
 * leaves the family (its wake socket is CLOEXEC: family.c).
 *
 * glibc's exec functions call the system call directly, not execve(), so
 * each one is caught here. posix_spawn: its child is made without
 * pthread_atfork handlers; a braid descriptor it would inherit becomes a
 * dead one in the child through a file action (when the caller gives no
 * file actions of its own: those are opaque and cannot be added to).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/internal.h"

#define EXPORT __attribute__((visibility("default")))

static void *next(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    int (*f)(const char *, char *const[], char *const[]) = next("execve");
    if (!f)
        return errno = ENOSYS, -1;
    bool held = false;
    if (access(path, X_OK) == 0) /* (an exec bound to fail leaves the sockets alone) */
        held = braid_fam_exec();
    int rc = f(path, argv, envp);
    braid_fam_exec_failed(held);
    return rc;
}

EXPORT int execv(const char *path, char *const argv[])
{
    return execve(path, argv, environ);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    int (*f)(const char *, char *const[], char *const[]) = next("execvpe");
    if (!f)
        return errno = ENOSYS, -1;
    bool held = braid_fam_exec();
    int rc = f(file, argv, envp);
    braid_fam_exec_failed(held);
    return rc;
}

EXPORT int execvp(const char *file, char *const argv[])
{
    return execvpe(file, argv, environ);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
    int (*f)(int, char *const[], char *const[]) = next("fexecve");
    if (!f)
        return errno = ENOSYS, -1;
    bool held = braid_fam_exec();
    int rc = f(fd, argv, envp);
    braid_fam_exec_failed(held);
    return rc;
}

/* execl, execlp, execle: the variadic list into an array (bounded: what
 * the kernel would take anyway is far below) */
#define ARGS_MAX 4096
static char **collect(const char *arg0, va_list *ap, char ***envp)
{
    char **v = malloc(ARGS_MAX * sizeof *v);
    if (!v)
        return NULL;
    size_t n = 0;
    v[n++] = (char *)arg0;
    while (arg0 && n < ARGS_MAX && (v[n] = va_arg(*ap, char *)) != NULL)
        n++;
    if (n == ARGS_MAX) {
        free(v);
        errno = E2BIG;
        return NULL;
    }
    v[n] = NULL;
    if (envp)
        *envp = va_arg(*ap, char **);
    return v;
}

/* One of the list forms, once its arguments are collected. */
static int exec_vec(bool search, const char *file, char **v, char **envp)
{
    if (!v)
        return -1;
    int rc = search ? execvpe(file, v, envp) : execve(file, v, envp);
    int e = errno;
    free(v);
    errno = e;
    return rc;
}

EXPORT int execl(const char *path, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    char **v = collect(arg, &ap, NULL);
    va_end(ap);
    return exec_vec(false, path, v, environ);
}

EXPORT int execle(const char *path, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    char **envp = NULL;
    char **v = collect(arg, &ap, &envp);
    va_end(ap);
    return exec_vec(false, path, v, envp);
}

EXPORT int execlp(const char *file, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    char **v = collect(arg, &ap, NULL);
    va_end(ap);
    return exec_vec(true, file, v, environ);
}

typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[], char *const[]);

/* The file actions plus a dead descriptor over every braid one the child
 * would keep. */
static int spawn(spawn_fn f, pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    int dead = -1;
    posix_spawn_file_actions_t mine;
    bool own = false;
    /* (with file actions of the caller's, which are opaque and cannot be
     * added to, the child inherits the braid descriptors as they are) */
    for (int fd = 0; !fa && fd < BRAID_API_MAX_FDS; fd++) {
        if (!bs_is_braid(fd))
            continue;
        int fl = fcntl(fd, F_GETFD);
        if (fl < 0 || (fl & FD_CLOEXEC))
            continue;
        if (!own) {
            if ((dead = bs_dead_fd()) < 0 || posix_spawn_file_actions_init(&mine) != 0)
                break;
            own = true;
        }
        posix_spawn_file_actions_adddup2(&mine, dead, fd);
    }
    int rc = f(pid, path, own ? &mine : fa, attr, argv, envp);
    if (own)
        posix_spawn_file_actions_destroy(&mine);
    if (dead >= 0)
        close(dead);
    return rc;
}

EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    spawn_fn f = (spawn_fn)next("posix_spawn");
    if (!f)
        return ENOSYS;
    return spawn(f, pid, path, fa, attr, argv, envp);
}

EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                        const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    spawn_fn f = (spawn_fn)next("posix_spawnp");
    if (!f)
        return ENOSYS;
    return spawn(f, pid, file, fa, attr, argv, envp);
}

/* _exit and _Exit skip the atexit handlers and destructors where braid
 * takes its lock for the end (world_fini): take it here, so that the
 * background thread is never cut off inside the family's state. */
EXPORT void _exit(int status)
{
    world_hold_to_end();
    void (*f)(int) = (void (*)(int))next("_exit");
    if (f)
        f(status);
    for (;;)
        ;
}

EXPORT void _Exit(int status)
{
    _exit(status);
}
