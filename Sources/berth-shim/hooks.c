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

/* {"status":"…","pid":N, + the plan's rest of the state. A hook that does not read it is fine. */
static void write_state(const struct plan *p, int fd, const char *status, pid_t pid)
{
    char num[24];
    fmt_i64(num, pid);
    write_all(fd, "{\"status\":\"", 11);
    write_all(fd, status, strlen(status));
    write_all(fd, "\",\"pid\":", 8);
    write_all(fd, num, strlen(num));
    write_all(fd, ",", 1);
    write_all(fd, p->oci_state, strlen(p->oci_state));
}

/* Waits for `child` until `timeout_s` (0: no limit): its wait status, or -2 when it timed out
 * (then it was killed and reaped). */
static int wait_hook(pid_t child, long long timeout_s)
{
    int status = 0;
    int pidfd = timeout_s > 0 ? (int)syscall(SYS_pidfd_open, child, 0) : -1;
    if (pidfd >= 0) {
        long long deadline = now_monotonic_ns() + timeout_s * 1000000000LL;
        int ready = 0;
        while (!ready) {
            long long left = (deadline - now_monotonic_ns()) / 1000000;
            if (left <= 0)
                break;
            struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
            int n = poll(&pfd, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
            ready = n > 0;
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
        /* A hook that exits without reading must not kill us with SIGPIPE: EPIPE is fine. */
        struct sigaction ign = { .sa_handler = SIG_IGN }, old;
        sigaction(SIGPIPE, &ign, &old);
        write_state(p, fds[1], status, pid);
        close(fds[1]);
        sigaction(SIGPIPE, &old, NULL);
        int st = wait_hook(child, h->timeout_s);
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
