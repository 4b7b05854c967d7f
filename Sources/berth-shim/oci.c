/* OCI runtime mode (`berth-runc create`): the same clone and container_init as a Berth
 * container, without the supervisor. The init is set up completely (namespaces, cgroups,
 * mounts, hostname, rlimits), reports "ready" and blocks opening state_dir/exec.fifo for
 * writing; `berth-runc start` opens it for reading, the init writes one byte, takes its identity
 * and execs (runc's handshake). This process reports "ok PID" and exits at once, so the init's
 * parent becomes the caller's subreaper (containerd-shim, conmon), which collects its exit status.
 * The init keeps the caller's stdio, or with `tty` sends its pty master to the console socket. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

int oci_started;
/* The exec FIFO, opened (O_PATH) before clone: after pivot_root the init reaches it through
 * /proc/self/fd, which checks only the FIFO's own permission, not the state directory's (that
 * the root of a user namespace may not search). */
static int fifo_path_fd = -1;

static int fail_report(int report_fd, int code, int err, const char *what, const char *detail)
{
    struct launch_error e;
    memset(&e, 0, sizeof e);
    set_error(&e, code, err, what, detail);
    char msg[300];
    launch_error_text(&e, msg, sizeof msg);
    report_line(report_fd, "err", code, msg);
    return code;
}

/* The namespaces to join, opened before clone (the init inherits the descriptors). */
static int *ns_fds;

void oci_join_namespaces(const struct plan *p, int err_fd)
{
    for (int i = 0; i < p->nns_paths; i++) {
        if (p->ns_paths[i].flag == CLONE_NEWPID)
            continue;
        if (setns(ns_fds[i], p->ns_paths[i].flag) < 0) {
            struct launch_error e;
            memset(&e, 0, sizeof e);
            set_error(&e, 125, errno, "join the namespace of linux.namespaces path", p->ns_paths[i].path);
            write_all(err_fd, &e, sizeof e);
            _exit(125);
        }
        close(ns_fds[i]);
    }
}

int oci_create(const struct plan *p, int report_fd)
{
    int dir = open(p->state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    fifo_path_fd = dir < 0 ? -1 : openat(dir, "exec.fifo", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    int fifo_err = errno;
    if (dir >= 0)
        close(dir);
    if (fifo_path_fd < 0)
        return fail_report(report_fd, 125, fifo_err, "open the exec FIFO in", p->state_dir);
    ns_fds = calloc((size_t)p->nns_paths + 1, sizeof *ns_fds);
    if (!ns_fds)
        return fail_report(report_fd, 125, ENOMEM, "allocate", NULL);
    /* The runtime's hooks run in our namespaces: a pid namespace joined below for the init's
     * sake is left again after the clone. */
    int runtime_hooks = hooks_any(p, HOOK_PRESTART) || hooks_any(p, HOOK_CREATE_RUNTIME);
    int own_pidns = runtime_hooks ? open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC) : -1;
    if (runtime_hooks && own_pidns < 0)
        return fail_report(report_fd, 125, errno, "open", "/proc/self/ns/pid");
    for (int i = 0; i < p->nns_paths; i++) {
        ns_fds[i] = open(p->ns_paths[i].path, O_RDONLY | O_CLOEXEC);
        if (ns_fds[i] < 0)
            return fail_report(report_fd, 125, errno, "open the namespace of linux.namespaces path", p->ns_paths[i].path);
        /* Only this process's children enter a pid namespace joined by setns: the init will. */
        if (p->ns_paths[i].flag == CLONE_NEWPID && setns(ns_fds[i], CLONE_NEWPID) < 0)
            return fail_report(report_fd, 125, errno, "join the namespace of linux.namespaces path", p->ns_paths[i].path);
    }
    int console = -1;
    if (p->tty) {
        if (!p->console_socket)
            return fail_report(report_fd, 125, EINVAL, "process.terminal is true but no --console-socket was given", NULL);
        console = connect_unix(p->console_socket);
        if (console < 0)
            return fail_report(report_fd, 125, errno, "connect to the console socket", p->console_socket);
    }
    int sync[2], ep[2];
    if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0)
        return fail_report(report_fd, 125, errno, "pipe", NULL);
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    int joined = 0;
    pid_t pid = clone_into_cgroup((unsigned long)p->ns_flags, p->nprocs == 1 ? p->procs[0] : NULL, &joined);
    if (pid < 0)
        return fail_report(report_fd, 125, errno, "clone", NULL);
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        close(sync[1]);
        close(ep[0]);
        close(report_fd);
        /* stdin, stdout and stderr stay the caller's: dup2 onto themselves changes nothing. */
        container_init(p, sync[0], ep[1], 1, 2, null_fd, 0, console);
        _exit(125);
    }
    close(sync[0]);
    close(ep[1]);
    if (console >= 0)
        close(console);
    if (own_pidns >= 0) {
        if (setns(own_pidns, CLONE_NEWPID) < 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return fail_report(report_fd, 125, errno, "return to berth-runc's pid namespace for the hooks", NULL);
        }
        close(own_pidns);
    }
    struct launch_error e;
    memset(&e, 0, sizeof e);
    const char *what = NULL;
    if ((p->ns_flags & CLONE_NEWUSER) && userns_prepare(p, pid, &what) < 0) {
        int err = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return fail_report(report_fd, 125, err, what, NULL);
    }
    if (!joined && join_cgroups(p, pid, &e) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        char msg[300];
        launch_error_text(&e, msg, sizeof msg);
        report_line(report_fd, "err", 125, msg);
        return 125;
    }
    write_all(sync[1], "g", 1);
    /* A record with code 0 is "ready"; LAUNCH_MOUNTED asks for the runtime's hooks (the init
     * waits before its pivot_root for our next byte); any other, or EOF, is a failed setup. */
    ssize_t n;
    for (;;) {
        do {
            n = read(ep[0], &e, sizeof e);
        } while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof e || e.exit_code != LAUNCH_MOUNTED)
            break;
        char msg[240];
        if (hooks_run(p, HOOK_PRESTART, "creating", pid, null_fd, msg, sizeof msg) < 0 ||
            hooks_run(p, HOOK_CREATE_RUNTIME, "creating", pid, null_fd, msg, sizeof msg) < 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            report_line(report_fd, "err", 125, msg);
            return 125;
        }
        write_all(sync[1], "g", 1);
    }
    close(sync[1]);
    close(ep[0]);
    if (n != (ssize_t)sizeof e || e.exit_code != 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        if (n != (ssize_t)sizeof e)
            return fail_report(report_fd, 125, 0, "the container's init exited during setup", NULL);
        char msg[300];
        launch_error_text(&e, msg, sizeof msg);
        report_line(report_fd, "err", e.exit_code, msg);
        return e.exit_code;
    }
    report_line(report_fd, "ok", pid, NULL);
    return 0;
}

/* The command must exist before `create` succeeds (runc looks it up too): 127 otherwise. */
static int command_exists(const struct plan *p)
{
    const char *cmd = p->args[0];
    if (strchr(cmd, '/'))
        return access(cmd, X_OK) == 0;
    const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (int i = 0; i < p->nenv; i++)
        if (!strncmp(p->env[i], "PATH=", 5))
            path = p->env[i] + 5;
    char full[4096];
    size_t cl = strlen(cmd);
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t dl = colon ? (size_t)(colon - path) : strlen(path);
        if (dl + cl + 2 < sizeof full) {
            memcpy(full, path, dl);
            full[dl] = '/';
            memcpy(full + dl + 1, cmd, cl + 1);
            if (access(full, X_OK) == 0)
                return 1;
        }
        path += dl;
        if (*path == ':')
            path++;
    }
    return 0;
}

void oci_wait_for_start(const struct plan *p, int err_fd)
{
    struct launch_error e;
    memset(&e, 0, sizeof e);
    if (!command_exists(p)) {
        set_error(&e, 127, ENOENT, "exec", p->args[0]);
        write_all(err_fd, &e, sizeof e);
        _exit(127);
    }
    if (p->umask_value >= 0)
        umask((mode_t)p->umask_value);
    write_all(err_fd, &e, sizeof e); /* code 0: ready */
    int fifo;
    do {
        char path[40];
        fd_path(fifo_path_fd, path, sizeof path);
        fifo = open(path, O_WRONLY | O_CLOEXEC);
    } while (fifo < 0 && errno == EINTR);
    if (fifo < 0 || write_all(fifo, "0", 1) < 0)
        _exit(125);
    close(fifo);
    close(fifo_path_fd);
    oci_started = 1;
}
