#include "shim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Creates every missing component; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode)
{
    char buf[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf)
        return errno = ENAMETOOLONG, -1;
    memcpy(buf, path, len + 1);
    for (char *s = buf + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* Replaces `path` atomically: readers see the old or the new file, never half of one. */
int write_file(const char *path, const char *data, size_t len)
{
    char tmp[4096];
    size_t pl = strlen(path);
    if (pl + 5 >= sizeof tmp)
        return errno = ENAMETOOLONG, -1;
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp", 5);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (write_all(fd, data, len) < 0) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    return rename(tmp, path);
}

static char *put_digits(char *p, long v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* 2026-11-29T10:00:00.123456789Z, the CRI log timestamp. */
size_t format_rfc3339_ns(int64_t ns, char *out, size_t cap)
{
    if (cap < 31)
        return 0;
    time_t secs = (time_t)(ns / 1000000000LL);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char *p = out;
    p = put_digits(p, tm.tm_year + 1900, 4); *p++ = '-';
    p = put_digits(p, tm.tm_mon + 1, 2); *p++ = '-';
    p = put_digits(p, tm.tm_mday, 2); *p++ = 'T';
    p = put_digits(p, tm.tm_hour, 2); *p++ = ':';
    p = put_digits(p, tm.tm_min, 2); *p++ = ':';
    p = put_digits(p, tm.tm_sec, 2); *p++ = '.';
    p = put_digits(p, (long)(ns % 1000000000LL), 9); *p++ = 'Z';
    return (size_t)(p - out);
}

size_t fmt_i64(char *out, int64_t v)
{
    char tmp[24];
    int n = 0, neg = v < 0;
    uint64_t u = neg ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t len = 0;
    if (neg)
        out[len++] = '-';
    while (n)
        out[len++] = tmp[--n];
    out[len] = 0;
    return len;
}

/* Reads a small file whole, NUL-terminated; the length, or -1. */
ssize_t read_small_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = 0;
    return n;
}

/* STATE_DIR/NAME into `out`; 0, or -1 when it does not fit. */
int state_file(const struct plan *p, const char *name, char *out, size_t cap)
{
    size_t sl = strlen(p->state_dir), nl = strlen(name);
    if (sl + nl + 2 > cap)
        return -1;
    memcpy(out, p->state_dir, sl);
    out[sl] = '/';
    memcpy(out + sl + 1, name, nl + 1);
    return 0;
}

/* The "oom_kill N" line of memory.oom_control (v1) or memory.events (v2); -1 when unknown. */
long long read_oom_kill(const char *path)
{
    if (!path || !*path)
        return -1;
    char buf[1024];
    if (read_small_file(path, buf, sizeof buf) <= 0)
        return -1;
    for (char *line = buf; line && *line;) {
        if (strncmp(line, "oom_kill ", 9) == 0)
            return strtoll(line + 9, NULL, 10);
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return -1;
}

/* A numeric field (3 or later) of /proc/PID/stat; 0 when the process is gone. */
static unsigned long long proc_stat_field(pid_t pid, int wanted)
{
    char path[64], buf[1024];
    char num[24];
    fmt_i64(num, pid);
    strcpy(path, "/proc/");
    strcat(path, num);
    strcat(path, "/stat");
    if (read_small_file(path, buf, sizeof buf) <= 0)
        return 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p)
        return 0;
    p += 2; /* field 3 */
    for (int field = 3; field < wanted && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    return p ? strtoull(p, NULL, 10) : 0;
}

/* Field 22 of /proc/PID/stat: with the pid it names one process for the machine's uptime. */
unsigned long long proc_start_time(pid_t pid)
{
    return proc_stat_field(pid, 22);
}

pid_t proc_parent(pid_t pid)
{
    return (pid_t)proc_stat_field(pid, 4);
}

void set_error(struct launch_error *e, int code, int err, const char *what, const char *detail)
{
    e->exit_code = code;
    e->err = err;
    size_t n = 0;
    const char *parts[4] = { what, detail ? " " : NULL, detail, NULL };
    for (int i = 0; i < 3; i++) {
        if (!parts[i])
            continue;
        size_t l = strlen(parts[i]);
        if (n + l >= sizeof e->msg - 1)
            l = sizeof e->msg - 1 - n;
        memcpy(e->msg + n, parts[i], l);
        n += l;
    }
    e->msg[n] = 0;
}

void report_line(int fd, const char *word, long long number, const char *text)
{
    if (fd < 0)
        return;
    char line[400], num[24];
    fmt_i64(num, number);
    strcpy(line, word);
    strcat(line, " ");
    strcat(line, num);
    if (text) {
        strcat(line, " ");
        strncat(line, text, sizeof line - strlen(line) - 2);
    }
    strcat(line, "\n");
    write_all(fd, line, strlen(line));
}

void launch_error_text(const struct launch_error *e, char *msg, size_t cap)
{
    size_t n = strnlen(e->msg, sizeof e->msg);
    if (n > cap - 1)
        n = cap - 1;
    memcpy(msg, e->msg, n);
    if (e->err && n + 3 < cap) {
        const char *es = strerror(e->err);
        msg[n++] = ':';
        msg[n++] = ' ';
        size_t l = strlen(es);
        if (n + l > cap - 1)
            l = cap - 1 - n;
        memcpy(msg + n, es, l);
        n += l;
    }
    msg[n] = 0;
}

int send_fd(int sock, int fd)
{
    return send_fd_with(sock, fd, "m", 1);
}

int send_fd_with(int sock, int fd, const char *payload, size_t len)
{
    struct iovec iov = { (void *)payload, len };
    union { struct cmsghdr h; char space[CMSG_SPACE(sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    /* The descriptor goes with the first bytes; the rest of a long payload follows, by sendmsg
     * only (the seccomp listener's sender may make no other call). */
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = sendmsg(sock, &msg, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        sent += (size_t)n;
        iov.iov_base = (void *)(payload + sent);
        iov.iov_len = len - sent;
        msg.msg_control = NULL;
        msg.msg_controllen = 0;
    }
    return 0;
}

int connect_unix(const char *path)
{
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    if (connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int e = errno;
        close(s);
        errno = e;
        return -1;
    }
    return s;
}

void hold_preserved_fds(int n)
{
    for (int fd = 3; fd < 3 + n; fd++) {
        if (fcntl(fd, F_GETFD) < 0) {
            int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
            if (null_fd >= 0 && null_fd != fd) {
                dup3(null_fd, fd, O_CLOEXEC);
                close(null_fd);
            }
        }
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
}
