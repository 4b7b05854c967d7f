/* Attaching to a container: the supervisor serves STATE_DIR/attach.sock; `berth attach` and
 * `berth run -i/-t` connect with `berth-shim --attach`. Frames both ways are TYPE (1 byte),
 * LENGTH (4 bytes, little endian), PAYLOAD:
 *   to the supervisor:  'h' hello (1 byte: replay recent output), 'i' input, 'c' close stdin,
 *                       'w' window size (rows, cols: 2 bytes each)
 *   to the client:      'o' stdout, 'e' stderr, 'x' exit code (4 bytes), then EOF. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define MAX_CLIENTS 8
#define RECENT 8192

struct client {
    int fd;
    size_t len;
    unsigned char buf[4096 + 5];
};

static int listener = -1;
static struct client clients[MAX_CLIENTS];
static char recent[RECENT];       /* the latest output, replayed to clients that ask */
static size_t recent_len;
static int input_fd = -1, winsize_fd = -1;

static int send_frame(int fd, char type, const void *data, size_t len)
{
    unsigned char head[5] = { (unsigned char)type, (unsigned char)len, (unsigned char)(len >> 8),
                              (unsigned char)(len >> 16), (unsigned char)(len >> 24) };
    if (write_all(fd, head, 5) < 0)
        return -1;
    return len ? write_all(fd, data, len) : 0;
}

/* bind(2) takes at most 107 bytes of path: bind relative to the state directory instead. */
static int in_state_dir(const struct plan *p, int (*op)(int, const struct sockaddr *, socklen_t), int fd)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    strcpy(sa.sun_path, "attach.sock");
    int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (here < 0 || chdir(p->state_dir) < 0) {
        if (here >= 0)
            close(here);
        return -1;
    }
    int rc = op(fd, (struct sockaddr *)&sa, sizeof sa);
    int e = errno;
    if (fchdir(here) < 0) { /* the supervisor uses absolute paths only */ }
    close(here);
    errno = e;
    return rc;
}

int attach_open(const struct plan *p)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        clients[i].fd = -1;
    char path[4096];
    if (state_file(p, "attach.sock", path, sizeof path) < 0)
        return -1;
    unlink(path);
    listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener < 0 || in_state_dir(p, bind, listener) < 0 || chmod(path, 0600) < 0 || listen(listener, 8) < 0) {
        if (listener >= 0)
            close(listener);
        listener = -1;
        return -1;
    }
    return 0;
}

void attach_set_input(int in_fd, int tty_fd)
{
    input_fd = in_fd;
    winsize_fd = tty_fd;
}

int attach_fill(struct pollfd *fds, int max)
{
    int n = 0;
    if (max < 1 + MAX_CLIENTS)
        return 0;
    fds[n++] = (struct pollfd){ listener, POLLIN, 0 };
    for (int i = 0; i < MAX_CLIENTS; i++)
        fds[n++] = (struct pollfd){ clients[i].fd, POLLIN, 0 };
    return n;
}

static void drop(struct client *c)
{
    close(c->fd);
    c->fd = -1;
    c->len = 0;
}

static void handle_frame(struct client *c, unsigned char type, const unsigned char *data, size_t len)
{
    switch (type) {
    case 'h':
        if (len >= 1 && data[0] && recent_len)
            send_frame(c->fd, 'o', recent, recent_len);
        break;
    case 'i':
        if (input_fd >= 0)
            write_all(input_fd, data, len);
        break;
    case 'c':
        /* EOF of a piped stdin; a pty's input stays open for other clients. */
        if (input_fd >= 0 && winsize_fd < 0) {
            close(input_fd);
            input_fd = -1;
        }
        break;
    case 'w':
        if (winsize_fd >= 0 && len == 4) {
            struct winsize ws = { .ws_row = (unsigned short)(data[0] | data[1] << 8),
                                  .ws_col = (unsigned short)(data[2] | data[3] << 8) };
            ioctl(winsize_fd, TIOCSWINSZ, &ws);
        }
        break;
    }
}

void attach_handle(struct pollfd *fds, int n)
{
    if (n < 1 + MAX_CLIENTS)
        return;
    if (fds[0].revents & POLLIN) {
        int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        int placed = 0;
        for (int i = 0; fd >= 0 && i < MAX_CLIENTS && !placed; i++)
            if (clients[i].fd < 0) {
                clients[i].fd = fd;
                clients[i].len = 0;
                placed = 1;
            }
        if (fd >= 0 && !placed)
            close(fd);
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *c = &clients[i];
        if (c->fd < 0 || !(fds[1 + i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
        if (r <= 0) {
            drop(c);
            continue;
        }
        c->len += (size_t)r;
        size_t off = 0;
        while (c->len - off >= 5) {
            size_t len = c->buf[off + 1] | c->buf[off + 2] << 8 | (size_t)c->buf[off + 3] << 16 | (size_t)c->buf[off + 4] << 24;
            if (len > sizeof c->buf - 5) {
                drop(c);
                break;
            }
            if (c->len - off - 5 < len)
                break;
            handle_frame(c, c->buf[off], c->buf + off + 5, len);
            off += 5 + len;
        }
        if (c->fd >= 0 && off) {
            memmove(c->buf, c->buf + off, c->len - off);
            c->len -= off;
        }
    }
}

void attach_broadcast(char stream, const char *data, size_t len)
{
    if (len >= RECENT) {
        memcpy(recent, data + len - RECENT, RECENT);
        recent_len = RECENT;
    } else {
        if (recent_len + len > RECENT) {
            size_t drop_n = recent_len + len - RECENT;
            memmove(recent, recent + drop_n, recent_len - drop_n);
            recent_len -= drop_n;
        }
        memcpy(recent + recent_len, data, len);
        recent_len += len;
    }
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].fd >= 0 && send_frame(clients[i].fd, stream, data, len) < 0)
            drop(&clients[i]);
}

void attach_exit(int code)
{
    unsigned char c4[4] = { (unsigned char)code, (unsigned char)(code >> 8), (unsigned char)(code >> 16), (unsigned char)(code >> 24) };
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].fd >= 0) {
            send_frame(clients[i].fd, 'x', c4, 4);
            drop(&clients[i]);
        }
    recent_len = 0;
}

void attach_close(const struct plan *p)
{
    if (listener >= 0)
        close(listener);
    listener = -1;
    char path[4096];
    if (state_file(p, "attach.sock", path, sizeof path) == 0)
        unlink(path);
}

/* ---- the client: `berth-shim --attach STATE_DIR [-i] [-t] [--replay]` ---- */

static struct termios saved;
static int raw_mode;

static void send_winsize(int sock)
{
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) < 0)
        return;
    unsigned char d[4] = { (unsigned char)ws.ws_row, (unsigned char)(ws.ws_row >> 8),
                           (unsigned char)ws.ws_col, (unsigned char)(ws.ws_col >> 8) };
    send_frame(sock, 'w', d, 4);
}

int attach_client(const char *state_dir, int interactive, int tty, int replay, int sig_proxy)
{
    struct plan p;
    memset(&p, 0, sizeof p);
    p.state_dir = state_dir;
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0 || in_state_dir(&p, connect, sock) < 0) {
        const char msg[] = "berth: cannot attach: the container is not running\n";
        write_all(2, msg, sizeof msg - 1);
        return 125;
    }
    unsigned char r = (unsigned char)replay;
    send_frame(sock, 'h', &r, 1);
    /* SIGTERM, SIGHUP and SIGINT end the client as they would by default, but only after the
     * terminal is back in the mode it was found in; the container keeps running (a detach). */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGWINCH);
    static const int leaving[] = { SIGTERM, SIGHUP, SIGINT };
    for (size_t i = 0; i < sizeof leaving / sizeof leaving[0]; i++) {
        if (sig_proxy)
            signal(leaving[i], SIG_IGN); /* the container gets them; the output goes on to its end */
        else
            sigaddset(&mask, leaving[i]);
    }
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (tty && isatty(0) && tcgetattr(0, &saved) == 0) {
        struct termios t = saved;
        cfmakeraw(&t);
        tcsetattr(0, TCSADRAIN, &t);
        raw_mode = 1;
    }
    if (tty)
        send_winsize(sock);

    int code = -1, stdin_open = interactive, pending_ctrl_p = 0;
    static unsigned char buf[65536 + 5];
    size_t len = 0;
    for (;;) {
        struct pollfd fds[3] = { { sock, POLLIN, 0 }, { stdin_open ? 0 : -1, POLLIN, 0 }, { sfd, POLLIN, 0 } };
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[2].revents & POLLIN) {
            struct signalfd_siginfo si;
            int ended = 0, resized = 0;
            while (read(sfd, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGWINCH)
                    resized = 1;
                else
                    ended = (int)si.ssi_signo;
            }
            if (ended) {
                if (raw_mode)
                    tcsetattr(0, TCSADRAIN, &saved);
                return 128 + ended;
            }
            if (resized && tty)
                send_winsize(sock);
        }
        if (fds[1].revents & (POLLIN | POLLHUP)) {
            unsigned char in[1024], out[1025];
            ssize_t n = read(0, in, sizeof in);
            if (n <= 0) {
                stdin_open = 0;
                send_frame(sock, 'c', NULL, 0);
            } else {
                size_t m = 0;
                int detach = 0;
                for (ssize_t k = 0; k < n; k++) {
                    /* Ctrl-P Ctrl-Q detaches, as in docker; a lone Ctrl-P is passed on. */
                    if (pending_ctrl_p) {
                        pending_ctrl_p = 0;
                        if (in[k] == 0x11) { detach = 1; break; }
                        out[m++] = 0x10;
                    }
                    if (in[k] == 0x10 && tty) { pending_ctrl_p = 1; continue; }
                    out[m++] = in[k];
                }
                if (m)
                    send_frame(sock, 'i', out, m);
                if (detach) {
                    if (raw_mode)
                        tcsetattr(0, TCSADRAIN, &saved);
                    const char msg[] = "\r\nberth: detached (the container keeps running)\r\n";
                    write_all(2, msg, sizeof msg - 1);
                    return 0;
                }
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(sock, buf + len, sizeof buf - len);
            if (n <= 0)
                break;
            len += (size_t)n;
            size_t off = 0;
            while (len - off >= 5) {
                size_t fl = buf[off + 1] | buf[off + 2] << 8 | (size_t)buf[off + 3] << 16 | (size_t)buf[off + 4] << 24;
                if (fl > sizeof buf - 5 || len - off - 5 < fl)
                    break;
                unsigned char type = buf[off];
                if (type == 'o' || type == 'e')
                    write_all(type == 'e' ? 2 : 1, buf + off + 5, fl);
                else if (type == 'x' && fl == 4)
                    code = buf[off + 5] | buf[off + 6] << 8 | buf[off + 7] << 16 | buf[off + 8] << 24;
                off += 5 + fl;
            }
            memmove(buf, buf + off, len - off);
            len -= off;
        }
    }
    if (raw_mode)
        tcsetattr(0, TCSADRAIN, &saved);
    return code >= 0 ? code : 125;
}
