/* The OCI hooks that run before the container's command (runtime spec, config.md "POSIX-platform
 * Hooks"), at the points the spec gives them:
 *
 *   prestart, createRuntime   by the `berth-runc create` process (oci.c), in the runtime's
 *                             namespaces, once the init's mounts are made and before its pivot_root;
 *   createContainer           by the init, in the container's namespaces, before pivot_root (so the
 *                             path is the host's, as with runc: CDI's hooks live on the host);
 *   startContainer            by the init after `start`, before the command (the path resolves in
 *                             the container's root).
 *
 * poststart and poststop are the Swift side's (RuncHooks), after start and at delete. Each hook
 * gets the state on stdin, its stdout on /dev/null and the caller's stderr; a non-zero exit, a
 * signal or its timeout fails the create (or the start). */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const stage_names[HOOK_STAGES] = { "prestart", "createRuntime", "createContainer", "startContainer" };

int hooks_any(const struct plan *p, int stage)
{
    for (int i = 0; i < p->nhooks; i++)
        if (p->hooks[i].stage == stage)
            return 1;
    return 0;
}

/* "hooks.STAGE[INDEX] PATH: WHAT" into msg. */
static int hook_fail(const struct plan_hook *h, int index, const char *what, long long n, char *msg, size_t cap)
{
    char num[24], idx[24];
    fmt_i64(idx, index);
    fmt_i64(num, n);
    const char *parts[] = { "hooks.", stage_names[h->stage], "[", idx, "] ", h->path, ": ", what, n >= 0 ? " " : "", n >= 0 ? num : "" };
    size_t len = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && cap > 0; i++) {
        size_t k = strlen(parts[i]);
        if (len + k >= cap)
            k = cap - 1 - len;
        memcpy(msg + len, parts[i], k);
        len += k;
    }
    if (cap > 0)
        msg[len] = 0;
    return -1;
}

/* The child: the state on stdin, stdout to null_fd, the hook's own argv (its path alone when
 * it has none) and environment. Allocating after fork is fine: the shim is single-threaded. */
static void exec_hook(const struct plan *p, const struct plan_hook *h, int in_fd, int null_fd)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (dup2(in_fd, 0) < 0 || (null_fd >= 0 && dup2(null_fd, 1) < 0))
        _exit(126);
    const char **argv = calloc((size_t)h->nargs + 2, sizeof *argv);
    const char **envp = calloc((size_t)h->nenv + 1, sizeof *envp);
    if (!argv || !envp)
        _exit(126);
    if (h->nargs == 0)
        argv[0] = h->path;
    for (int i = 0; i < h->nargs; i++)
        argv[i] = p->hook_args[h->arg0 + i];
    for (int i = 0; i < h->nenv; i++)
        envp[i] = p->hook_envs[h->env0 + i];
    execve(h->path, (char *const *)argv, (char *const *)envp);
    _exit(errno == ENOENT ? 127 : 126);
}

/* Milliseconds left until `deadline` (CLOCK_MONOTONIC ns; 0: none, -1 for poll). */
static int ms_left(long long deadline)
{
    if (!deadline)
        return -1;
    long long left = (deadline - now_monotonic_ns()) / 1000000;
    return left <= 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
}

/* Writes `len` bytes to the non-blocking `fd` by `deadline`: 0 (also when the hook closed its
 * stdin: it need not read the state), -2 when the deadline passed first. A large state and a
 * hook that neither reads nor exits must not outlast the hook's timeout. */
static int write_until(int fd, const char *buf, size_t len, long long deadline)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN)
            return 0;
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        int left = ms_left(deadline);
        if (left == 0 || poll(&pfd, 1, left) == 0)
            return -2;
    }
    return 0;
}

/* {"status":"…","pid":N, + the plan's rest of the state. */
static int write_state(const struct plan *p, int fd, const char *status, pid_t pid, long long deadline)
{
    char num[24];
    fmt_i64(num, pid);
    const char *parts[] = { "{\"status\":\"", status, "\",\"pid\":", num, ",", p->oci_state };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (write_until(fd, parts[i], strlen(parts[i]), deadline) < 0)
            return -2;
    return 0;
}

/* Waits for `child` until `deadline` (0: no limit): its wait status, or -2 when it timed out
 * (then it was killed and reaped). */
static int wait_hook(pid_t child, long long deadline)
{
    int status = 0;
    int pidfd = deadline ? (int)syscall(SYS_pidfd_open, child, 0) : -1;
    if (pidfd >= 0) {
        int ready = 0;
        while (!ready) {
            int left = ms_left(deadline);
            if (left == 0)
                break;
            struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
            ready = poll(&pfd, 1, left) > 0;
        }
        close(pidfd);
        if (!ready)
            kill(child, SIGKILL);
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        return ready ? status : -2;
    }
    /* No pidfd (a kernel before 5.3): the timeout cannot be kept without a signal handler. */
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    return status;
}

int hooks_run(const struct plan *p, int stage, const char *status, pid_t pid, int null_fd, char *msg, size_t cap)
{
    int index = 0;
    for (int i = 0; i < p->nhooks; i++) {
        const struct plan_hook *h = &p->hooks[i];
        if (h->stage != stage)
            continue;
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
            return hook_fail(h, index, "cannot make its stdin pipe", -1, msg, cap);
        pid_t child = fork();
        if (child < 0) {
            close(fds[0]);
            close(fds[1]);
            return hook_fail(h, index, "cannot fork", -1, msg, cap);
        }
        if (child == 0)
            exec_hook(p, h, fds[0], null_fd);
        close(fds[0]);
        long long deadline = h->timeout_s > 0 ? now_monotonic_ns() + h->timeout_s * 1000000000LL : 0;
        /* A hook that exits without reading must not kill us with SIGPIPE: EPIPE is fine. */
        struct sigaction ign = { .sa_handler = SIG_IGN }, old;
        sigaction(SIGPIPE, &ign, &old);
        /* Non-blocking, so the deadline holds while writing (failing that, a blocking write). */
        (void)fcntl(fds[1], F_SETFL, O_NONBLOCK);
        int written = write_state(p, fds[1], status, pid, deadline);
        close(fds[1]);
        sigaction(SIGPIPE, &old, NULL);
        if (written == -2) {
            kill(child, SIGKILL);
            while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
        }
        int st = written == -2 ? -2 : wait_hook(child, deadline);
        if (st == -2)
            return hook_fail(h, index, "timed out after", h->timeout_s, msg, cap);
        if (WIFSIGNALED(st))
            return hook_fail(h, index, "killed by signal", WTERMSIG(st), msg, cap);
        if (WEXITSTATUS(st) == 127)
            return hook_fail(h, index, "cannot run it (not found)", -1, msg, cap);
        if (WEXITSTATUS(st) != 0)
            return hook_fail(h, index, "exited with status", WEXITSTATUS(st), msg, cap);
        index++;
    }
    return 0;
}
