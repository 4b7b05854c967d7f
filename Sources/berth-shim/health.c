/* The container's healthcheck, run by its supervisor (no daemon): each probe is a fork of the
 * supervisor that enters the container exactly as `berth exec` does (exec_main: its cgroups,
 * namespaces, identity, seccomp filter, paths resolved inside its root), with its stdout and
 * stderr on a pipe the supervisor reads in its poll loop. The schedule is docker's, timed on
 * CLOCK_MONOTONIC: the first probe one interval after the start (the start interval while in the
 * start period and not yet healthy), the next one interval after the previous ended. A probe
 * still running at its timeout is killed and counts as a failure (exit code -1).
 *
 * Results go to `health` in the state directory, replaced atomically after each probe, status
 * first so listings read one short prefix (parsed by Health/HealthState.swift):
 *     status=starting|healthy|unhealthy
 *     failing_streak=N
 *     log=START_NS END_NS EXIT_CODE HEX_OUTPUT      (the last HEALTH_LOG_MAX, oldest first)
 * and a change of status is a `health_status: …` event in the journal, as docker's.
 *
 * A probe cannot outlive the supervisor: the probe process has PR_SET_PDEATHSIG(SIGKILL) towards
 * the supervisor, and the command it starts in the container has it towards the probe process, so
 * a `kill -9` of either takes the command down too. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct probe_result {
    int64_t start, end; /* wall clock, ns */
    int exit_code;      /* -1: killed at its timeout */
    size_t len;
    char out[HEALTH_OUTPUT_MAX];
};

static struct {
    int active;                 /* the plan has a healthcheck and the container runs */
    pid_t init_pid;
    unsigned long long init_start;
    int64_t started_mono;       /* when this run started */
    int64_t next_at;            /* monotonic: the next probe, 0 while one runs */
    pid_t probe_pid;            /* the running probe, 0 = none */
    int probe_fd;               /* its output pipe, -1 = closed */
    int64_t probe_deadline;     /* monotonic: its timeout */
    int timed_out;
    struct probe_result cur;    /* the running probe's result as it is gathered */
    const char *status;
    long failing_streak;
    int nlog, log_first;
    struct probe_result log[HEALTH_LOG_MAX];
} h = { .probe_fd = -1 };

static int64_t ms_to_ns(long long ms) { return (int64_t)ms * 1000000LL; }

/* docker: while starting and inside the start period, the start interval; else the interval. */
static int64_t next_interval_ns(const struct plan *p)
{
    int in_start_period = now_monotonic_ns() - h.started_mono < ms_to_ns(p->health_start_period_ms);
    if (in_start_period && !strcmp(h.status, "starting"))
        return ms_to_ns(p->health_start_interval_ms);
    return ms_to_ns(p->health_interval_ms);
}

static void put(char *buf, size_t *n, size_t cap, const char *s, size_t len)
{
    if (*n + len < cap) {
        memcpy(buf + *n, s, len);
        *n += len;
    }
}

static void put_num(char *buf, size_t *n, size_t cap, int64_t v)
{
    char num[24];
    size_t l = fmt_i64(num, v);
    put(buf, n, cap, num, l);
}

static void write_health(const struct plan *p)
{
    static const char hex[] = "0123456789abcdef";
    /* Status and streak, then each result with its output as hex: at most ~41 KiB. */
    static char buf[256 + HEALTH_LOG_MAX * (80 + 2 * HEALTH_OUTPUT_MAX)];
    size_t n = 0, cap = sizeof buf;
    put(buf, &n, cap, "status=", 7);
    put(buf, &n, cap, h.status, strlen(h.status));
    put(buf, &n, cap, "\nfailing_streak=", 16);
    put_num(buf, &n, cap, h.failing_streak);
    put(buf, &n, cap, "\n", 1);
    for (int i = 0; i < h.nlog; i++) {
        const struct probe_result *r = &h.log[(h.log_first + i) % HEALTH_LOG_MAX];
        put(buf, &n, cap, "log=", 4);
        put_num(buf, &n, cap, r->start);
        put(buf, &n, cap, " ", 1);
        put_num(buf, &n, cap, r->end);
        put(buf, &n, cap, " ", 1);
        put_num(buf, &n, cap, r->exit_code);
        put(buf, &n, cap, " ", 1);
        for (size_t j = 0; j < r->len && n + 3 < cap; j++) {
            buf[n++] = hex[(unsigned char)r->out[j] >> 4];
            buf[n++] = hex[(unsigned char)r->out[j] & 15];
        }
        put(buf, &n, cap, "\n", 1);
    }
    char path[4096];
    if (state_file(p, "health", path, sizeof path) == 0)
        write_file(path, buf, n);
}

static void set_status(const struct plan *p, const char *status)
{
    if (!strcmp(h.status, status))
        return;
    h.status = status;
    char action[40] = "health_status: ";
    strcat(action, status);
    event_append(p, action, NULL);
}

void health_start(const struct plan *p, pid_t init_pid)
{
    if (p->nhealth_args == 0)
        return;
    h.active = 1;
    h.init_pid = init_pid;
    h.init_start = proc_start_time(init_pid);
    h.started_mono = now_monotonic_ns();
    h.failing_streak = 0;
    /* docker: every start begins "starting", without an event (events mark probe results). */
    h.status = "starting";
    h.next_at = h.started_mono + next_interval_ns(p);
    write_health(p);
}

/* Reads what the probe wrote; keeps the first HEALTH_OUTPUT_MAX bytes and drops the rest. */
static void drain(void)
{
    char sink[4096];
    while (h.probe_fd >= 0) {
        char *dst = sink;
        size_t room = sizeof sink;
        if (h.cur.len < HEALTH_OUTPUT_MAX) {
            dst = h.cur.out + h.cur.len;
            room = HEALTH_OUTPUT_MAX - h.cur.len;
        }
        ssize_t r = read(h.probe_fd, dst, room);
        if (r > 0) {
            if (dst != sink)
                h.cur.len += (size_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            close(h.probe_fd);
            h.probe_fd = -1;
        }
        return; /* EAGAIN: nothing more now */
    }
}

static void record(const struct plan *p, int exit_code)
{
    h.cur.end = now_realtime_ns();
    h.cur.exit_code = exit_code;
    if (h.timed_out) {
        char secs[24], msg[80] = "Health check exceeded timeout (";
        long long ms = p->health_timeout_ms;
        if (ms % 1000 == 0) {
            fmt_i64(secs, ms / 1000);
            strcat(msg, secs);
            strcat(msg, "s)");
        } else {
            fmt_i64(secs, ms);
            strcat(msg, secs);
            strcat(msg, "ms)");
        }
        h.cur.len = strlen(msg);
        memcpy(h.cur.out, msg, h.cur.len);
    }
    int slot = (h.log_first + h.nlog) % HEALTH_LOG_MAX;
    if (h.nlog == HEALTH_LOG_MAX) {
        slot = h.log_first;
        h.log_first = (h.log_first + 1) % HEALTH_LOG_MAX;
    } else {
        h.nlog++;
    }
    h.log[slot] = h.cur;
    if (exit_code == 0) {
        h.failing_streak = 0;
        set_status(p, "healthy");
    } else {
        /* Failures inside the start period do not count while the container has never been healthy. */
        int in_start_period = now_monotonic_ns() - h.started_mono < ms_to_ns(p->health_start_period_ms);
        if (!(in_start_period && !strcmp(h.status, "starting"))) {
            h.failing_streak++;
            if (h.failing_streak >= p->health_retries)
                set_status(p, "unhealthy");
        }
    }
    write_health(p);
}

static void start_probe(const struct plan *p)
{
    int out[2];
    memset(&h.cur, 0, sizeof h.cur);
    h.timed_out = 0;
    h.cur.start = now_realtime_ns();
    if (pipe2(out, O_CLOEXEC) < 0) {
        record(p, -1);
        h.next_at = now_monotonic_ns() + next_interval_ns(p);
        return;
    }
    pid_t supervisor = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* Dies with the supervisor; if it is already gone, do not start anything. */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != supervisor)
            _exit(125);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        prctl(PR_SET_NAME, "berth-health", 0, 0, 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        /* The container's own plan, turned into an exec of the probe (exec_main closes every
         * descriptor above 2 before it joins anything). */
        struct plan q = *p;
        q.exec_mode = 1;
        q.target_pid = h.init_pid;
        q.target_start = h.init_start;
        q.args = p->health_args;
        q.nargs = p->nhealth_args;
        q.tty = 0;
        q.interactive = 0;
        q.probe = 1;
        /* --network container:NAME: the probe is in the init's network namespace too (the
         * other container's), which the plan does not list as one of the container's own. */
        if (p->net_join_pid)
            q.ns_flags |= CLONE_NEWNET;
        _exit(exec_main(&q));
    }
    close(out[1]);
    if (pid < 0) {
        close(out[0]);
        record(p, -1);
        h.next_at = now_monotonic_ns() + next_interval_ns(p);
        return;
    }
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    h.probe_pid = pid;
    h.probe_fd = out[0];
    h.probe_deadline = now_monotonic_ns() + ms_to_ns(p->health_timeout_ms);
    h.next_at = 0;
}

int health_timeout(void)
{
    if (!h.active)
        return -1;
    int64_t at = h.probe_pid ? h.probe_deadline : h.next_at;
    int64_t left = (at - now_monotonic_ns() + 999999) / 1000000;
    if (left < 0)
        return 0;
    return left > 1000000000 ? 1000000000 : (int)left;
}

void health_tick(const struct plan *p)
{
    if (!h.active)
        return;
    int64_t now = now_monotonic_ns();
    if (h.probe_pid && !h.timed_out && now >= h.probe_deadline) {
        /* The probe process dies; the command it started in the container follows it (PDEATHSIG).
         * Its result is recorded when it is reaped. */
        h.timed_out = 1;
        kill(h.probe_pid, SIGKILL);
    } else if (!h.probe_pid && h.next_at && now >= h.next_at) {
        /* A probe would join the frozen cgroup of a paused container and hang: wait for unpause. */
        char path[4096];
        if (state_file(p, "paused", path, sizeof path) == 0 && access(path, F_OK) == 0)
            h.next_at = now + next_interval_ns(p);
        else
            start_probe(p);
    }
}

int health_fill(struct pollfd *fds, int max)
{
    if (h.probe_fd < 0 || max < 1)
        return 0;
    fds[0].fd = h.probe_fd;
    fds[0].events = POLLIN;
    fds[0].revents = 0;
    return 1;
}

void health_handle(struct pollfd *fds, int n)
{
    if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
        drain();
}

int health_reaped(const struct plan *p, pid_t pid, int status)
{
    if (!h.probe_pid || pid != h.probe_pid)
        return 0;
    h.probe_pid = 0;
    drain();
    /* What a background process of the probe writes later is not this probe's. */
    if (h.probe_fd >= 0) {
        close(h.probe_fd);
        h.probe_fd = -1;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    record(p, h.timed_out ? -1 : code);
    if (h.active)
        h.next_at = now_monotonic_ns() + next_interval_ns(p);
    return 1;
}

void health_stop(const struct plan *p)
{
    (void)p;
    if (!h.active)
        return;
    h.active = 0;
    h.next_at = 0;
    if (h.probe_pid) {
        /* The container is gone: its probe's result means nothing. */
        kill(h.probe_pid, SIGKILL);
        waitpid(h.probe_pid, NULL, 0);
        h.probe_pid = 0;
    }
    if (h.probe_fd >= 0) {
        close(h.probe_fd);
        h.probe_fd = -1;
    }
}
