/* Published ports: the supervisor listens on the host side (127.0.0.1 by default) and relays
 * each TCP connection, and each UDP client's datagrams, to the container's address, in its poll
 * loop. No iptables, no NAT (with outbound access on, the kernel's DNAT serves the other addresses). */
#include "shim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS PROXY_MAX_CONNS
#define BUF 16384
/* A UDP client forgotten after this long without a datagram either way (docker-proxy's 90 s). */
#define UDP_IDLE_NS (90 * 1000000000LL)
/* Datagrams relayed per poll wakeup and socket, so one busy client cannot starve the loop. */
#define UDP_BURST 32

struct half {
    int fd;
    int eof;             /* no more to read from fd */
    size_t len;          /* bytes waiting to be written to the other side */
    char buf[BUF];
};

/* A TCP connection (client and container sockets), or one UDP client: `container.fd` is a socket
 * connected to the container's port, so its replies come back to it alone; `client.fd` is -1
 * (datagrams to the client leave from the listener, to `peer`). */
struct conn {
    int used, connecting, udp;
    int listener;             /* udp: the listener's index */
    struct sockaddr_in peer;  /* udp: the client */
    int64_t last;             /* udp: monotonic ns of its last datagram */
    struct half client, container;
};

static int listeners[PLAN_MAX_PORTS];
static int listener_udp[PLAN_MAX_PORTS];
static unsigned container_ports[PLAN_MAX_PORTS];
static int nlisteners;
static struct in_addr container_addr;
static struct conn conns[MAX_CONNS];
static char datagram[65536];

int proxy_open(const struct plan *p)
{
    if (p->nports == 0)
        return 0;
    if (!p->net_addr || inet_pton(AF_INET, p->net_addr, &container_addr) != 1)
        return errno = EINVAL, -1;
    for (int i = 0; i < p->nports; i++) {
        int udp = p->ports[i].udp;
        int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)p->ports[i].host_port) };
        /* TCP only: for UDP, SO_REUSEADDR lets another socket that sets it bind the same port
         * and take its datagrams, and a second container's start would not fail. */
        if (fd < 0 || inet_pton(AF_INET, p->ports[i].host_ip, &sa.sin_addr) != 1 ||
            (!udp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) ||
            bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || (!udp && listen(fd, 128) < 0)) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            proxy_close();
            errno = e;
            return -1;
        }
        listeners[nlisteners] = fd;
        listener_udp[nlisteners] = udp;
        container_ports[nlisteners++] = p->ports[i].container_port;
    }
    return 0;
}

static void drop(struct conn *c)
{
    if (c->client.fd >= 0)
        close(c->client.fd);
    if (c->container.fd >= 0)
        close(c->container.fd);
    memset(c, 0, sizeof *c);
    c->client.fd = c->container.fd = -1;
}

void proxy_close(void)
{
    for (int i = 0; i < nlisteners; i++)
        close(listeners[i]);
    nlisteners = 0;
    for (int i = 0; i < MAX_CONNS; i++)
        if (conns[i].used)
            drop(&conns[i]);
}

/* A free slot, else the UDP client idle longest (forgotten: its next datagram starts anew);
 * NULL when every slot is a TCP connection. */
static struct conn *slot(void)
{
    struct conn *oldest = NULL;
    for (int i = 0; i < MAX_CONNS; i++) {
        if (!conns[i].used)
            return &conns[i];
        if (conns[i].udp && (!oldest || conns[i].last < oldest->last))
            oldest = &conns[i];
    }
    if (oldest)
        drop(oldest);
    return oldest;
}

/* Fills pollfds: listeners first, then two per connection (client, container). */
int proxy_fill(struct pollfd *fds, int max)
{
    int n = 0;
    int64_t now = now_monotonic_ns();
    for (int i = 0; i < nlisteners && n < max; i++)
        fds[n++] = (struct pollfd){ listeners[i], POLLIN, 0 };
    for (int i = 0; i < MAX_CONNS && n + 1 < max; i++) {
        struct conn *c = &conns[i];
        if (c->used && c->udp && now - c->last > UDP_IDLE_NS)
            drop(c);
        if (!c->used) {
            fds[n++] = (struct pollfd){ -1, 0, 0 };
            fds[n++] = (struct pollfd){ -1, 0, 0 };
            continue;
        }
        short ce = 0, ke = 0;
        if (c->udp) {
            ke = POLLIN;
        } else if (c->connecting) {
            ke = POLLOUT;
        } else {
            if (!c->client.eof && c->client.len < BUF) ce |= POLLIN;
            if (!c->container.eof && c->container.len < BUF) ke |= POLLIN;
            if (c->client.len) ke |= POLLOUT;     /* client's bytes go to the container */
            if (c->container.len) ce |= POLLOUT;  /* container's bytes go to the client */
        }
        fds[n++] = (struct pollfd){ c->client.fd, ce, 0 };
        fds[n++] = (struct pollfd){ c->container.fd, ke, 0 };
    }
    return n;
}

static void accept_one(int listener, unsigned port)
{
    int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    struct conn *c = slot();
    int up = c ? socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port), .sin_addr = container_addr };
    if (up < 0 || (connect(up, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS)) {
        close(fd);
        if (up >= 0)
            close(up);
        return;
    }
    memset(c, 0, sizeof *c);
    c->used = 1;
    c->connecting = 1;
    c->client.fd = fd;
    c->container.fd = up;
}

/* Datagrams on UDP listener `l`: each to the container from its client's own socket, made (and
 * connected to the container's port) at the client's first datagram. Lost ones stay lost, as UDP. */
static void receive_udp(int l)
{
    for (int burst = 0; burst < UDP_BURST; burst++) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(listeners[l], datagram, sizeof datagram, MSG_DONTWAIT, (struct sockaddr *)&peer, &len);
        if (n < 0)
            return;
        struct conn *c = NULL;
        for (int i = 0; i < MAX_CONNS && !c; i++)
            if (conns[i].used && conns[i].udp && conns[i].listener == l &&
                conns[i].peer.sin_port == peer.sin_port && conns[i].peer.sin_addr.s_addr == peer.sin_addr.s_addr)
                c = &conns[i];
        if (!c) {
            struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)container_ports[l]),
                                      .sin_addr = container_addr };
            int up = (c = slot()) ? socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
            if (up < 0 || connect(up, (struct sockaddr *)&sa, sizeof sa) < 0) {
                if (up >= 0)
                    close(up);
                continue;
            }
            memset(c, 0, sizeof *c);
            c->used = c->udp = 1;
            c->listener = l;
            c->peer = peer;
            c->client.fd = -1;
            c->container.fd = up;
        }
        c->last = now_monotonic_ns();
        (void)send(c->container.fd, datagram, (size_t)n, MSG_DONTWAIT);
    }
}

/* The container's datagrams for one UDP client, sent to it from the listener it wrote to. An
 * error (the container's port unreachable) is read and forgotten: the client may try again. */
static void reply_udp(struct conn *c)
{
    for (int burst = 0; burst < UDP_BURST; burst++) {
        ssize_t n = recv(c->container.fd, datagram, sizeof datagram, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return;
            continue;
        }
        c->last = now_monotonic_ns();
        (void)sendto(listeners[c->listener], datagram, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&c->peer, sizeof c->peer);
    }
}

/* Reads from `from` into its buffer, then writes what is buffered to `to`. */
static int pump_half(struct half *from, int to)
{
    if (!from->eof && from->len < BUF) {
        ssize_t n = read(from->fd, from->buf + from->len, BUF - from->len);
        if (n > 0)
            from->len += (size_t)n;
        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
            from->eof = 1;
    }
    if (from->len) {
        ssize_t w = write(to, from->buf, from->len);
        if (w > 0) {
            memmove(from->buf, from->buf + w, from->len - (size_t)w);
            from->len -= (size_t)w;
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            return -1;
        }
    }
    if (from->eof && from->len == 0)
        shutdown(to, SHUT_WR);
    return 0;
}

/* Connections first, listeners after: a slot a new client takes (maybe a UDP client's, evicted)
 * is never read through the poll results of the one it held before. */
void proxy_handle(struct pollfd *fds, int n)
{
    for (int i = 0, k = nlisteners; i < MAX_CONNS && k + 1 < n; i++, k += 2) {
        struct conn *c = &conns[i];
        if (!c->used)
            continue;
        short cr = fds[k].revents, kr = fds[k + 1].revents;
        if (!cr && !kr)
            continue;
        if (c->udp) {
            reply_udp(c);
            continue;
        }
        if (c->connecting) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c->container.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err) {
                drop(c);
                continue;
            }
            c->connecting = 0;
        }
        if (pump_half(&c->client, c->container.fd) < 0 || pump_half(&c->container, c->client.fd) < 0 ||
            (c->client.eof && c->container.eof && !c->client.len && !c->container.len) ||
            ((cr | kr) & POLLERR))
            drop(c);
    }
    for (int i = 0; i < nlisteners && i < n; i++) {
        if (!(fds[i].revents & POLLIN))
            continue;
        if (listener_udp[i])
            receive_udp(i);
        else
            accept_one(listeners[i], container_ports[i]);
    }
}
