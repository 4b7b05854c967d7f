/* The per-container supervisor: clones the container, pumps its output into the CRI log,
 * records each exit in the state directory and applies the restart policy. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 16384

struct stream {
    int fd;
    const char *name;
    size_t len;
    char buf[LINE_MAX_BYTES];
};

struct run_state {
    const char *status;
    pid_t pid;
    int exit_code, signal, oom_killed, has_exit;
    int64_t started_at, finished_at;     /* wall clock, for `status` */
    int64_t started_mono, finished_mono; /* monotonic, for how long the run lasted */
    long restarts;
    char error[256];
};

static int log_fd = -1;

/* The init has exited: the time for `status` and the time for the restart backoff. */
static void mark_finished(struct run_state *r)
{
    r->finished_at = now_realtime_ns();
    r->finished_mono = now_monotonic_ns();
}

/* One CRI record per write(2), so a reader never sees half a record. */
static void log_record(const char *stream, char tag, const char *text, size_t len)
{
    char head[64];
    size_t h = format_rfc3339_ns(now_realtime_ns(), head, sizeof head);
    head[h++] = ' ';
    size_t sl = strlen(stream);
    memcpy(head + h, stream, sl);
    h += sl;
    head[h++] = ' ';
    head[h++] = tag;
    head[h++] = ' ';
    char out[LINE_MAX_BYTES + 80];
    memcpy(out, head, h);
    memcpy(out + h, text, len);
    out[h + len] = '\n';
    write_all(log_fd, out, h + len + 1);
}

/* Reads what is available; returns 0 at EOF. Complete lines become F records; a line longer
 * than the buffer is cut into P records, as the CRI format allows. */
static int pump(struct stream *s)
{
    ssize_t n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : 0;
    if (n == 0) {
        if (s->len)
            log_record(s->name, 'F', s->buf, s->len);
        s->len = 0;
        return 0;
    }
    attach_broadcast(s->name[3] == 'o' ? 'o' : 'e', s->buf + s->len, (size_t)n);
    s->len += (size_t)n;
    size_t start = 0;
    for (size_t i = 0; i < s->len; i++) {
        if (s->buf[i] == '\n') {
            log_record(s->name, 'F', s->buf + start, i - start);
            start = i + 1;
        }
    }
    if (start == 0 && s->len == sizeof s->buf) {
        log_record(s->name, 'P', s->buf, s->len);
        s->len = 0;
    } else if (start > 0) {
        memmove(s->buf, s->buf + start, s->len - start);
        s->len -= start;
    }
    return 1;
}

static void append(char *buf, size_t *n, size_t cap, const char *key, const char *val)
{
    size_t kl = strlen(key), vl = strlen(val);
    if (*n + kl + vl + 3 >= cap)
        return;
    memcpy(buf + *n, key, kl); *n += kl;
    buf[(*n)++] = '=';
    memcpy(buf + *n, val, vl); *n += vl;
    buf[(*n)++] = '\n';
}

static void append_num(char *buf, size_t *n, size_t cap, const char *key, int64_t v)
{
    char num[24];
    fmt_i64(num, v);
    append(buf, n, cap, key, num);
}

/* status: key=value lines, replaced atomically; parsed by State/ShimStatus.swift. */
static void write_status(const struct plan *p, const struct run_state *r)
{
    char buf[1024], path[4096];
    size_t n = 0;
    append(buf, &n, sizeof buf, "status", r->status);
    append_num(buf, &n, sizeof buf, "shim_pid", getpid());
    /* Our own start time never changes: read /proc once, not at every status write. */
    static unsigned long long start_time;
    if (!start_time)
        start_time = proc_start_time(getpid());
    append_num(buf, &n, sizeof buf, "shim_start", (int64_t)start_time);
    if (r->pid > 0)
        append_num(buf, &n, sizeof buf, "pid", r->pid);
    if (r->has_exit) {
        append_num(buf, &n, sizeof buf, "exit_code", r->exit_code);
        if (r->signal)
            append_num(buf, &n, sizeof buf, "signal", r->signal);
        append_num(buf, &n, sizeof buf, "oom_killed", r->oom_killed);
    }
    if (r->started_at)
        append_num(buf, &n, sizeof buf, "started_at", r->started_at);
    if (r->finished_at)
        append_num(buf, &n, sizeof buf, "finished_at", r->finished_at);
    append_num(buf, &n, sizeof buf, "restart_count", r->restarts);
    if (r->error[0])
        append(buf, &n, sizeof buf, "error", r->error);
    if (state_file(p, "status", path, sizeof path) == 0)
        write_file(path, buf, n);
}

static int stop_requested(const struct plan *p)
{
    char path[4096];
    if (state_file(p, "stop", path, sizeof path) < 0)
        return 1;
    return access(path, F_OK) == 0;
}

/* `berth run --rm` without -d records itself in `attached` ("PID STARTTIME") and removes the
 * container in-process once it ends; only when that caller is gone does the supervisor do it. */
static int attached_caller_alive(const struct plan *p)
{
    char path[4096], buf[64];
    if (state_file(p, "attached", path, sizeof path) < 0 || read_small_file(path, buf, sizeof buf) <= 0)
        return 0;
    char *end;
    long pid = strtol(buf, &end, 10);
    unsigned long long start = strtoull(end, NULL, 10);
    return pid > 0 && start > 0 && proc_start_time((pid_t)pid) == start;
}

/* `berth rm -f` leaves `removing` before it kills the container: the removal it is doing makes
 * the on-exit command (removal for --rm, the names refresh for a networked container) moot,
 * and sparing it keeps removing many replicas from starting as many `berth` processes. */
static int removal_pending(const struct plan *p)
{
    char path[4096];
    return state_file(p, "removing", path, sizeof path) == 0 && access(path, F_OK) == 0;
}

static int should_restart(const struct plan *p, const struct run_state *r)
{
    if (stop_requested(p))
        return 0;
    /* `berth update --restart` leaves the new policy here ("no", "always", "unless-stopped",
     * "on-failure" or "on-failure:N"); it takes the place of the plan's. */
    const char *policy = p->restart;
    long max = p->restart_max;
    char path[4096], buf[64];
    if (state_file(p, "restart-policy", path, sizeof path) == 0 && read_small_file(path, buf, sizeof buf) > 0) {
        buf[strcspn(buf, "\n")] = 0;
        policy = buf;
        max = -1;
        if (!strncmp(buf, "on-failure:", 11)) {
            max = strtol(buf + 11, NULL, 10);
            buf[10] = 0;
        }
    }
    if (!strcmp(policy, "always") || !strcmp(policy, "unless-stopped"))
        return 1;
    if (!strcmp(policy, "on-failure"))
        return r->exit_code != 0 && (max < 0 || r->restarts < max);
    return 0;
}

/* Clones the container's init into its namespaces and cgroups. Returns its pid, or -1 with `e` set. */
/* Receives the pty master the container's init sends over `sock`; -1 on failure. */
static int receive_console(int sock)
{
    char byte;
    struct iovec iov = { &byte, 1 };
    union { struct cmsghdr h; char space[CMSG_SPACE(sizeof(int))]; } control;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
        return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

/* --network container:NAME: opens the other container's network namespace and only then checks
 * that the pid is still its init (the start time and the parent, its supervisor, the engine
 * read): a pid reused before the open fails the check, and after a passing check the descriptor
 * holds that namespace whatever happens to the pid. Returns the descriptor, or -1 with `e` set. */
static int open_joined_netns(const struct plan *p, struct launch_error *e)
{
    char path[64], num[24];
    fmt_i64(num, p->net_join_pid);
    strcpy(path, "/proc/");
    strcat(path, num);
    strcat(path, "/ns/net");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && proc_start_time(p->net_join_pid) == p->net_join_start &&
        proc_parent(p->net_join_pid) == p->net_join_parent)
        return fd;
    if (fd >= 0)
        close(fd);
    set_error(e, 125, ESRCH, "join the network of the other container:", "it is not running");
    return -1;
}

static void close_joined_netns(void)
{
    if (join_net_fd >= 0) {
        close(join_net_fd);
        join_net_fd = -1;
    }
}

static pid_t launch(const struct plan *p, struct stream *out, struct stream *err, struct launch_error *e, int *input)
{
    /* Before anything is made: the other container may be gone (a restart after it stopped). */
    if (p->net_join_pid && (join_net_fd = open_joined_netns(p, e)) < 0)
        return -1;
    int o[2], er[2], sync[2], ep[2], in[2] = { -1, -1 }, cs[2] = { -1, -1 };
    if (pipe2(o, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0 || pipe2(sync, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0 ||
        (p->interactive && !p->tty && pipe2(in, O_CLOEXEC) < 0) ||
        (p->tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cs) < 0)) {
        set_error(e, 125, errno, "pipe", NULL);
        close_joined_netns();
        return -1;
    }
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    /* One cgroup (v2): the init starts in it. Several (v1): joined below, before it is released. */
    int joined = 0;
    pid_t pid = clone_into_cgroup((unsigned long)p->ns_flags, p->nprocs == 1 ? p->procs[0] : NULL, &joined);
    if (pid < 0) {
        set_error(e, 125, errno, "clone", NULL);
        close(o[0]); close(o[1]); close(er[0]); close(er[1]);
        close(sync[0]); close(sync[1]); close(ep[0]); close(ep[1]);
        close(null_fd);
        close_joined_netns();
        return -1;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        close(o[0]); close(er[0]); close(sync[1]); close(ep[0]);
        if (in[1] >= 0) close(in[1]);
        if (cs[0] >= 0) close(cs[0]);
        container_init(p, sync[0], ep[1], o[1], er[1], null_fd, in[0], cs[1]);
        _exit(125);
    }
    close(o[1]); close(er[1]); close(sync[0]); close(ep[1]); close(null_fd);
    /* The init holds the namespace from here; the supervisor must not keep it alive. */
    close_joined_netns();
    if (in[0] >= 0) close(in[0]);
    if (cs[1] >= 0) close(cs[1]);

    /* The network namespace exists now: plug it into its bridges before the init runs. */
    if (p->ns_flags & CLONE_NEWNET) {
        const char *failed = NULL;
        if (p->net_host && p->net_bridge && plug_veth(p->net_host, p->net_bridge, pid, "eth0") < 0)
            failed = p->net_bridge;
        for (int i = 0; !failed && i < p->nnetifs; i++)
            if (plug_veth(p->netifs[i].host, p->netifs[i].bridge, pid, p->netifs[i].ifname) < 0)
                failed = p->netifs[i].bridge;
        if (failed) {
            set_error(e, 125, errno, "create the container's veth on", failed);
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            close(o[0]); close(er[0]); close(sync[1]); close(ep[0]);
            return -1;
        }
    }

    if (!joined && join_cgroups(p, pid, e) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(o[0]); close(er[0]); close(sync[1]); close(ep[0]);
        return -1;
    }
    /* Its DNS server listens before the command runs, so its first lookup finds it. */
    if ((p->ns_flags & CLONE_NEWNET) && dns_start(p, pid) < 0) {
        set_error(e, 125, errno, "start the DNS server in", "the container's network namespace");
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(o[0]); close(er[0]); close(sync[1]); close(ep[0]);
        return -1;
    }
    write_all(sync[1], "g", 1);
    close(sync[1]);

    /* EOF means execve succeeded (the pipe is close-on-exec); a record means it did not. */
    ssize_t n;
    do {
        n = read(ep[0], e, sizeof *e);
    } while (n < 0 && errno == EINTR);
    close(ep[0]);
    if (n > 0) {
        waitpid(pid, NULL, 0);
        dns_stop();
        close(o[0]); close(er[0]);
        if (in[1] >= 0) close(in[1]);
        if (cs[0] >= 0) close(cs[0]);
        return -1;
    }
    out->fd = o[0]; out->len = 0;
    err->fd = er[0]; err->len = 0;
    *input = in[1];
    if (p->tty) {
        /* The init sent its terminal's master before exec; its output is the container's stdout. */
        int master = receive_console(cs[0]);
        close(cs[0]);
        if (master >= 0) {
            close(o[0]);
            out->fd = master;
            *input = master;
        }
    }
    attach_set_input(*input, p->tty ? *input : -1);
    return pid;
}

/* `die` with the exit code (and the signal that ended the init, if one did). */
static void event_die(const struct plan *p, const struct run_state *r)
{
    char extra[96], num[24];
    strcpy(extra, "\"exitCode\":\"");
    fmt_i64(num, r->exit_code);
    strcat(extra, num);
    strcat(extra, "\"");
    if (r->signal) {
        strcat(extra, ",\"signal\":\"");
        fmt_i64(num, r->signal);
        strcat(extra, num);
        strcat(extra, "\"");
    }
    event_append(p, "die", extra);
}

/* The init has exited: its interfaces go now, not with its network namespace, which a container
 * that joined it (--network container:NAME) may hold for longer. Its address goes back to the
 * network when it is removed, and must not stay in use on the bridge meanwhile; the joiner keeps
 * the namespace with its loopback only, as docker's does. */
static void unplug_veths(const struct plan *p)
{
    if (!(p->ns_flags & CLONE_NEWNET))
        return;
    if (p->net_host)
        veth_delete(p->net_host);
    for (int i = 0; i < p->nnetifs; i++)
        veth_delete(p->netifs[i].host);
}

/* Waits for the container's init to exit while pumping its output. Returns with r's exit filled. */
static void supervise(const struct plan *p, struct run_state *r, struct stream *out, struct stream *err,
                      int sfd, int *term_forwarded)
{
    int open_streams = 2, exited = 0;
    int64_t kill_at = 0; /* monotonic: when a stop's grace period ends (SIGKILL), 0 = none */
    while (!exited || open_streams > 0) {
        struct pollfd fds[3 + PROXY_MAX_FDS + 9 + 1 + 8] = {
            { out->fd, POLLIN, 0 }, { err->fd, POLLIN, 0 }, { sfd, POLLIN, 0 },
        };
        struct pollfd afds[1 + 8];
        int nproxy = exited ? 0 : proxy_fill(fds + 3, PROXY_MAX_FDS);
        int nattach = attach_fill(afds, 1 + 8);
        memcpy(fds + 3 + nproxy, afds, sizeof(struct pollfd) * (size_t)nattach);
        int nhealth = health_fill(fds + 3 + nproxy + nattach, 1);
        int ndns = exited ? 0 : dns_fill(fds + 3 + nproxy + nattach + nhealth, 8);
        /* After init exits, its namespace is gone; give stragglers holding the pipes a moment. */
        int timeout = exited ? 2000 : health_timeout();
        if (!exited && kill_at) {
            timeout = ms_until(kill_at);
            if (timeout == 0) {
                /* The stop's grace period is over: finish it here, whoever asked for it. */
                event_append(p, "kill", "\"signal\":\"9\"");
                kill(r->pid, SIGKILL);
                kill_at = 0;
                timeout = health_timeout();
            }
            int h = health_timeout();
            if (h >= 0 && (timeout < 0 || h < timeout))
                timeout = h;
        }
        if (ndns) {
            int d = dns_timeout();
            if (d >= 0 && (timeout < 0 || d < timeout))
                timeout = d;
        }
        int rc = poll(fds, (nfds_t)(3 + nproxy + nattach + nhealth + ndns), timeout);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (rc == 0 && exited)
            break;
        for (int i = 0; i < 2; i++) {
            struct stream *s = i == 0 ? out : err;
            if (s->fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                if (!pump(s)) {
                    close(s->fd);
                    s->fd = -1;
                    open_streams--;
                }
            }
        }
        if (nproxy)
            proxy_handle(fds + 3, nproxy);
        if (nattach)
            attach_handle(fds + 3 + nproxy, nattach);
        if (nhealth)
            health_handle(fds + 3 + nproxy + nattach, nhealth);
        if (ndns)
            dns_handle(p, fds + 3 + nproxy + nattach + nhealth, ndns);
        if (!exited)
            health_tick(p);
        if (fds[2].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGUSR1) {
                    /* `berth stop` sent SIGTERM to the init; the stop marker holds the grace
                     * period, after which the supervisor sends SIGKILL even if the caller is gone. */
                    char path[4096], buf[32];
                    if (state_file(p, "stop", path, sizeof path) == 0 && read_small_file(path, buf, sizeof buf) > 0) {
                        /* Clamped (0 to ten years), so the conversion to nanoseconds cannot overflow
                         * whatever `stop -t` was given. */
                        long long seconds = strtoll(buf, NULL, 10);
                        if (seconds < 0)
                            seconds = 0;
                        if (seconds > STOP_GRACE_MAX_SECONDS)
                            seconds = STOP_GRACE_MAX_SECONDS;
                        kill_at = deadline_after_ms((int64_t)seconds * 1000);
                    }
                    continue;
                }
                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT || si.ssi_signo == SIGHUP) {
                    /* Someone is ending the supervisor: end the container too, and do not restart it. */
                    char path[4096];
                    if (state_file(p, "stop", path, sizeof path) == 0)
                        close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
                    if (!exited && r->pid > 0)
                        kill(r->pid, SIGKILL);
                    *term_forwarded = 1;
                }
            }
            int status;
            pid_t w;
            while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
                if (health_reaped(p, w, status) || w != r->pid)
                    continue;
                exited = 1;
                dns_stop(); /* its sockets hold the container's network namespace */
                unplug_veths(p);
                r->has_exit = 1;
                mark_finished(r);
                if (WIFEXITED(status)) {
                    r->exit_code = WEXITSTATUS(status);
                    r->signal = 0;
                } else {
                    r->signal = WTERMSIG(status);
                    r->exit_code = 128 + r->signal;
                }
            }
        }
    }
    if (out->fd >= 0) { close(out->fd); out->fd = -1; }
    if (err->fd >= 0) { close(err->fd); err->fd = -1; }
    if (!exited) {
        int status;
        if (waitpid(r->pid, &status, 0) == r->pid) {
            r->has_exit = 1;
            mark_finished(r);
            r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
            r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + r->signal;
        }
    }
}

/* Sleeps for the backoff unless a stop is requested meanwhile. Returns 0 when stopped. */
static int backoff(const struct plan *p, int sfd, long ms)
{
    int64_t until = deadline_after_ms(ms);
    int left;
    while ((left = ms_until(until)) > 0) {
        struct pollfd pf = { sfd, POLLIN, 0 };
        int rc = poll(&pf, 1, left > 100 ? 100 : left);
        if (rc > 0) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == sizeof si)
                if (si.ssi_signo != SIGCHLD)
                    return 0;
            while (waitpid(-1, NULL, WNOHANG) > 0) {}
        }
        if (stop_requested(p))
            return 0;
    }
    return 1;
}

int supervisor_main(const struct plan *p, int report_fd)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGUSR1);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

    log_fd = open(p->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    struct run_state r;
    memset(&r, 0, sizeof r);
    if (log_fd < 0 || sfd < 0) {
        report_line(report_fd, "err", 125, "cannot open the container log");
        return 125;
    }

    if (proxy_open(p) < 0) {
        char msg[200] = "publish port: ";
        strncat(msg, strerror(errno), sizeof msg - strlen(msg) - 1);
        report_line(report_fd, "err", 125, msg);
        return 125;
    }

    if (dns_open(p) < 0) {
        char msg[200] = "the DNS server's forwarding socket: ";
        strncat(msg, strerror(errno), sizeof msg - strlen(msg) - 1);
        report_line(report_fd, "err", 125, msg);
        return 125;
    }

    attach_open(p); /* without it `berth attach` says the container is not running; not fatal */

    static struct stream out = { -1, "stdout", 0, {0} }, err = { -1, "stderr", 0, {0} };
    long delay_ms = 0; /* the last restart's backoff, 0 before the first */
    int first = 1, stopped = 0;
    for (;;) {
        struct launch_error e;
        memset(&e, 0, sizeof e);
        long long oom_before = read_oom_kill(p->oom_file);
        int input = -1;
        r.pid = launch(p, &out, &err, &e, &input);
        if (r.pid < 0) {
            r.status = "exited";
            r.has_exit = 1;
            r.exit_code = e.exit_code;
            r.signal = 0;
            mark_finished(&r);
            r.pid = 0;
            char msg[300];
            launch_error_text(&e, msg, sizeof msg);
            strncpy(r.error, msg, sizeof r.error - 1);
            event_die(p, &r);
            write_status(p, &r);
            if (first)
                report_line(report_fd, "err", e.exit_code, msg);
            break;
        }
        r.status = "running";
        r.started_at = now_realtime_ns();
        r.started_mono = now_monotonic_ns();
        r.has_exit = 0;
        r.finished_at = 0;
        r.error[0] = 0;
        write_status(p, &r);
        event_append(p, "start", NULL);
        health_start(p, r.pid);
        if (first) {
            report_line(report_fd, "ok", r.pid, NULL);
            close(report_fd);
            report_fd = -1;
            first = 0;
        }

        supervise(p, &r, &out, &err, sfd, &stopped);
        dns_stop();
        health_stop(p);
        attach_set_input(-1, -1);
        if (input >= 0 && !p->tty) /* a pty master was closed with the output stream */
            close(input);
        long long oom_after = read_oom_kill(p->oom_file);
        /* As docker: any OOM kill in the container's cgroup during the run, init or not. */
        r.oom_killed = oom_before >= 0 && oom_after > oom_before;
        r.pid = 0;
        /* After `status` would be too late for a reader that waits for the exit and then reads
         * the journal: the events come first, as docker sends oom before die. */
        if (r.oom_killed)
            event_append(p, "oom", NULL);
        event_die(p, &r);
        int again = !stopped && should_restart(p, &r);
        r.status = again ? "restarting" : "exited";
        write_status(p, &r);
        /* After the status: an attached client that ends on this exit code finds the container
         * no longer running, which is how `run -it` tells an exit from a Ctrl-P Ctrl-Q detach. */
        attach_exit(r.exit_code);
        if (!again)
            break;
        delay_ms = restart_delay_ms(delay_ms, r.finished_mono - r.started_mono);
        if (!backoff(p, sfd, delay_ms)) {
            r.status = "exited";
            write_status(p, &r);
            break;
        }
        r.restarts++;
    }
    if (report_fd >= 0)
        close(report_fd);
    proxy_close();
    dns_close();
    attach_close(p);
    close(log_fd);
    if (p->nonexit > 0 && !attached_caller_alive(p) && !removal_pending(p)) {
        sigprocmask(SIG_UNBLOCK, &mask, NULL);
        execv(p->onexit[0], (char *const *)p->onexit);
    }
    return 0;
}
