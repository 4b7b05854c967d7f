/* The container's DNS server, run by its supervisor in the same poll loop as its output, proxy
 * and healthcheck (no thread, no daemon): it answers on 127.0.0.11:53, UDP and TCP, inside the
 * container's network namespace, and answers from the membership files the engine keeps in the
 * state root (`networks/names/NETWORK`, replaced by rename on every create, start, stop, removal,
 * connect and disconnect; docs/networking.md):
 *
 *     # berth network names
 *     subnet 10.88.0.0/16
 *     subnet6 fd00:88::/64              an IPv6 network's, and a second line per member:
 *     10.88.0.2 ID NAME ALIAS...        one line per running member, its names on that network
 *     fd00:88::2 ID NAME ALIAS...       its IPv6 address there
 *
 * A name is answered from the files of the networks whose file lists this container's own id
 * (so only networks it is on, and only running members; until the engine has listed it, just
 * after its start, the networks of its plan), as NAME or NAME.NETWORK; A and AAAA records of
 * every member holding it (a service name: every replica), rotated by one per query; other types
 * of a known name, and AAAA of one with no IPv6 address, are an empty NOERROR; PTR for the
 * networks' subnets, IPv4 and IPv6. Each query stats the
 * directory's files and re-reads only those whose inode, size or mtime changed.
 *
 * Everything else is forwarded to the plan's resolvers (the host's, read by the engine) from the
 * supervisor's own, host, namespace: so a resolver on the host's loopback (127.0.0.53) is
 * reachable, as docker's resolver does for those. The reply goes back with the client's id;
 * forwarded queries wait in a fixed table (PENDING_MAX, SERVFAIL when full), each tried on the
 * next resolver after FORWARD_TIMEOUT_MS and answered SERVFAIL after the last.
 *
 * The listening sockets are made in the container's namespace before its init is released
 * (dns_start: setns there and back, the supervisor being single-threaded; the loopback brought
 * up first, so 127.0.0.11 is local and replies leave from it), so the first query of the
 * command finds them; they are closed when the init exits, as they hold the namespace. They
 * listen at a port of their own, which 127.0.0.11:53 is redirected to (dns_nat.c), so that port
 * 53 stays free for a DNS server in the container. */
#include "shim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PENDING_MAX 32
#define PENDING_QUERY_MAX 512
#define TCP_MAX 4
#define TCP_BUF (2 + 1024)
#define TCP_IDLE_MS 5000
#define FORWARD_TIMEOUT_MS 2000
#define UDP_REPLY_MAX 512           /* a client without EDNS takes no more (RFC 1035 4.2.1) */
#define NET_MAX 64                  /* membership files read; more networks in one root are ignored */
#define MEMBERSHIP_MAX (4 << 20)
#define ANSWER_MAX 1024             /* A records in one answer (TCP) */
#define LOCAL_TTL 0                 /* members come and go: resolvers must not cache them */

struct pending {
    int used, server, tcp;          /* tcp: index of the client's connection, -1 = UDP */
    uint16_t client_id, our_id;
    int64_t deadline;
    struct sockaddr_in client;
    size_t len;
    uint8_t query[PENDING_QUERY_MAX];
};

struct tcp_conn {
    int fd;
    size_t len;
    int64_t idle_at;
    uint8_t buf[TCP_BUF];
};

struct netfile {
    int used, seen, member, ours;
    char name[256];
    ino_t ino;
    off_t size;
    struct timespec mtime;
    char *text;
    size_t len;
    uint32_t subnet, mask;
    uint8_t subnet6[16]; /* the network's IPv6 subnet (its "subnet6" line); prefix6 0: none */
    int prefix6;
};

static int udp_fd = -1, tcp_fd = -1, up_fd = -1;
static struct pending pending[PENDING_MAX];
static struct tcp_conn conns[TCP_MAX] = { [0 ... TCP_MAX - 1] = { .fd = -1 } };
static struct netfile nets[NET_MAX];
static uint32_t rng, rotation;
static uint8_t msgbuf[65536];  /* one datagram or reply at a time; only the pages used are touched */
static uint8_t outbuf[2 + 16384];

static uint32_t next_random(void)
{
    /* xorshift32, seeded from getrandom: ids a spoofer must guess (with the source port). */
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

int dns_open(const struct plan *p)
{
    if (!p->dns_dir || p->ndns_servers == 0)
        return 0;
    if (getrandom(&rng, sizeof rng, 0) != sizeof rng || rng == 0)
        rng = (uint32_t)now_monotonic_ns() | 1;
    up_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return up_fd < 0 ? -1 : 0;
}

/* The namespace's loopback up (its init does it too, later): 127.0.0.11 must be a local address
 * when bound, or replies would leave from 127.0.0.1, which a connected client never accepts. */
static int loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    int rc = s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0 ? -1 : 0;
    if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (s >= 0)
        close(s);
    return rc;
}

static int listener(int type, uint16_t port)
{
    int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = { htonl(DNS_ADDR) } };
    if (fd < 0 || (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || (type == SOCK_STREAM && listen(fd, 16) < 0)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static uint16_t bound_port(int fd)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    return getsockname(fd, (struct sockaddr *)&sa, &len) == 0 ? ntohs(sa.sin_port) : 0;
}

/* In the container's namespace: the listeners on a port the kernel picks, reached from
 * 127.0.0.11:53 by dns_nat's rules; on 127.0.0.11:53 itself where the kernel has no nf_tables
 * NAT (then a DNS server in the container cannot take port 53: docs/networking.md). */
static int listen_in_namespace(int *fallback)
{
    *fallback = 0;
    if (loopback_up() < 0)
        return -1;
    udp_fd = listener(SOCK_DGRAM, 0);
    uint16_t port = udp_fd >= 0 ? bound_port(udp_fd) : 0;
    tcp_fd = port ? listener(SOCK_STREAM, port) : -1;
    if (tcp_fd >= 0 && dns_nat(port) == 0)
        return 0;
    *fallback = 1;
    if (udp_fd >= 0) close(udp_fd);
    if (tcp_fd >= 0) close(tcp_fd);
    udp_fd = listener(SOCK_DGRAM, DNS_PORT);
    tcp_fd = udp_fd >= 0 ? listener(SOCK_STREAM, DNS_PORT) : -1;
    return tcp_fd >= 0 ? 0 : -1;
}

/* The fallback used to be silent: it is said once per supervisor, in the state file
 * `dns-notice` that `berth inspect` shows (Berth.Notices), and the file goes at a start where
 * the redirect worked, so it tells how the server listens now. */
static void note_fallback(const struct plan *p, int fallback)
{
    static int said;
    char path[4096];
    if (state_file(p, "dns-notice", path, sizeof path) < 0)
        return;
    if (!fallback) {
        unlink(path);
        said = 0;
        return;
    }
    if (said)
        return;
    static const char text[] = "the DNS server listens on 127.0.0.11:53 itself: the kernel has no nf_tables NAT in the "
                               "container's network namespace, so a DNS server in the container cannot bind port 53\n";
    if (write_file(path, text, sizeof text - 1) == 0)
        said = 1;
}

int dns_start(const struct plan *p, pid_t init_pid)
{
    if (!p->dns_dir)
        return 0;
    char path[64] = "/proc/";
    size_t n = strlen(path);
    n += fmt_i64(path + n, init_pid);
    strcpy(path + n, "/ns/net");
    int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), target = open(path, O_RDONLY | O_CLOEXEC);
    int rc = -1, e = 0, fallback = 0;
    if (self >= 0 && target >= 0 && setns(target, CLONE_NEWNET) == 0) {
        rc = listen_in_namespace(&fallback);
        e = errno;
        if (setns(self, CLONE_NEWNET) < 0) {
            /* Never stay in the container's namespace: the proxy's and the forwarder's sockets
             * are the host's, but anything opened later would not be. */
            rc = -1;
            e = errno;
        }
    } else {
        e = errno;
    }
    if (self >= 0) close(self);
    if (target >= 0) close(target);
    if (rc < 0) {
        dns_stop();
        errno = e;
    } else {
        note_fallback(p, fallback);
    }
    return rc;
}

void dns_stop(void)
{
    if (udp_fd >= 0) close(udp_fd);
    if (tcp_fd >= 0) close(tcp_fd);
    udp_fd = tcp_fd = -1;
    for (int i = 0; i < TCP_MAX; i++) {
        if (conns[i].fd >= 0)
            close(conns[i].fd);
        conns[i].fd = -1;
        conns[i].len = 0;
    }
    /* Replies to queries of a run that ended have nowhere to go. */
    memset(pending, 0, sizeof pending);
}

void dns_close(void)
{
    dns_stop();
    if (up_fd >= 0)
        close(up_fd);
    up_fd = -1;
    for (int i = 0; i < NET_MAX; i++) {
        free(nets[i].text);
        nets[i].text = NULL;
        nets[i].used = 0;
    }
}

/* --- membership files --- */

/* The line after `c` (past its newline), or `end`. */
static const char *next_line(const char *c, const char *end)
{
    const char *nl = memchr(c, '\n', (size_t)(end - c));
    return nl ? nl + 1 : end;
}

/* The next space-separated word in [*c, end) of the current line: its start, length in *len;
 * NULL at the line's end. */
static const char *word(const char **c, const char *end, size_t *len)
{
    while (*c < end && **c == ' ')
        (*c)++;
    if (*c >= end || **c == '\n')
        return NULL;
    const char *w = *c;
    while (*c < end && **c != ' ' && **c != '\n')
        (*c)++;
    *len = (size_t)(*c - w);
    return w;
}

static int parse_ipv4(const char *w, size_t len, uint32_t *out)
{
    char tmp[16];
    struct in_addr a;
    if (len == 0 || len >= sizeof tmp)
        return -1;
    memcpy(tmp, w, len);
    tmp[len] = 0;
    if (inet_pton(AF_INET, tmp, &a) != 1)
        return -1;
    *out = ntohl(a.s_addr);
    return 0;
}

static int parse_ipv6(const char *w, size_t len, uint8_t out[16])
{
    char tmp[INET6_ADDRSTRLEN];
    if (len == 0 || len >= sizeof tmp)
        return -1;
    memcpy(tmp, w, len);
    tmp[len] = 0;
    return inet_pton(AF_INET6, tmp, out) == 1 ? 0 : -1;
}

/* Whether `a` is in the IPv6 subnet `net`/`prefix` (1..128). */
static int in_subnet6(const uint8_t a[16], const uint8_t net[16], int prefix)
{
    int whole = prefix / 8, bits = prefix % 8;
    if (memcmp(a, net, (size_t)whole))
        return 0;
    return !bits || ((a[whole] ^ net[whole]) & (uint8_t)(0xFF << (8 - bits))) == 0;
}

/* Reads a network's file: its subnets, and whether this container is a member. */
static void load_net(struct netfile *f, int dir_fd, const char *own_id)
{
    free(f->text);
    f->text = NULL;
    f->len = 0;
    f->member = 0;
    f->subnet = f->mask = 0;
    f->prefix6 = 0;
    int fd = openat(dir_fd, f->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    size_t cap = (size_t)f->size + 1;
    f->text = cap <= MEMBERSHIP_MAX ? malloc(cap) : NULL;
    ssize_t n = 0;
    while (f->text && f->len < cap - 1 && (n = read(fd, f->text + f->len, cap - 1 - f->len)) > 0)
        f->len += (size_t)n;
    close(fd);
    if (!f->text)
        return;
    f->text[f->len] = 0; /* atoi below stops there at the latest */
    const char *c = f->text, *end = f->text + f->len;
    size_t idlen = strlen(own_id);
    for (; c < end; c = next_line(c, end)) {
        const char *line = c;
        size_t l1, l2;
        const char *w1 = word(&c, end, &l1);
        if (!w1 || *w1 == '#')
            continue;
        const char *w2 = word(&c, end, &l2);
        if (!w2)
            continue;
        if (l1 == 6 && !memcmp(w1, "subnet", 6)) {
            const char *slash = memchr(w2, '/', l2);
            uint32_t a;
            if (slash && parse_ipv4(w2, (size_t)(slash - w2), &a) == 0) {
                int prefix = atoi(slash + 1);
                if (prefix >= 1 && prefix <= 32) {
                    f->mask = prefix == 32 ? 0xFFFFFFFFU : ~(0xFFFFFFFFU >> prefix);
                    f->subnet = a & f->mask;
                }
            }
        } else if (l1 == 7 && !memcmp(w1, "subnet6", 7)) {
            const char *slash = memchr(w2, '/', l2);
            int prefix = slash ? atoi(slash + 1) : 0;
            if (slash && prefix >= 1 && prefix <= 128 && parse_ipv6(w2, (size_t)(slash - w2), f->subnet6) == 0)
                f->prefix6 = prefix;
        } else if (l2 == idlen && !memcmp(w2, own_id, idlen)) {
            f->member = 1;
        }
        c = line;
    }
}

/* Whether the network is one the plan started the container on (0x1F between the names). */
static int planned(const struct plan *p, const char *name)
{
    size_t l = strlen(name);
    for (const char *c = p->dns_networks; c && *c;) {
        const char *e = strchr(c, '\x1f');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        if (n == l && !memcmp(c, name, l))
            return 1;
        c += n + (e ? 1 : 0);
    }
    return 0;
}

/* The networks answered from: those whose file lists this container. Until one does (the
 * engine adds a container to the files just after its start, and its command may ask at once),
 * those the plan started it on. */
static void mark_ours(const struct plan *p)
{
    int listed = 0;
    for (int i = 0; i < NET_MAX; i++)
        listed |= nets[i].used && nets[i].member;
    for (int i = 0; i < NET_MAX; i++)
        nets[i].ours = nets[i].used && (listed ? nets[i].member : planned(p, nets[i].name));
}

/* Brings the cache up to date with the directory: one fstatat per file, a read of changed ones. */
static void refresh_nets(const struct plan *p)
{
    int dir_fd = open(p->dns_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (int i = 0; i < NET_MAX; i++)
        nets[i].seen = 0;
    if (dir_fd >= 0) {
        static char dents[4096];
        long n;
        while ((n = syscall(SYS_getdents64, dir_fd, dents, sizeof dents)) > 0) {
            for (long off = 0; off < n;) {
                struct { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; } *d = (void *)(dents + off);
                off += d->reclen;
                size_t l = strlen(d->name);
                if (d->name[0] == '.' || l >= sizeof nets[0].name || (l > 4 && !strcmp(d->name + l - 4, ".tmp")))
                    continue;
                struct stat st;
                if (fstatat(dir_fd, d->name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                    continue;
                struct netfile *f = NULL, *free_slot = NULL;
                for (int i = 0; i < NET_MAX && !f; i++) {
                    if (nets[i].used && !strcmp(nets[i].name, d->name))
                        f = &nets[i];
                    else if (!nets[i].used && !free_slot)
                        free_slot = &nets[i];
                }
                if (!f) {
                    if (!free_slot)
                        continue;
                    f = free_slot;
                    memset(f, 0, sizeof *f);
                    f->used = 1;
                    memcpy(f->name, d->name, l + 1);
                    f->ino = 0;
                }
                f->seen = 1;
                if (f->ino != st.st_ino || f->size != st.st_size || f->mtime.tv_sec != st.st_mtim.tv_sec ||
                    f->mtime.tv_nsec != st.st_mtim.tv_nsec) {
                    f->ino = st.st_ino;
                    f->size = st.st_size;
                    f->mtime = st.st_mtim;
                    load_net(f, dir_fd, p->id);
                }
            }
        }
        close(dir_fd);
    }
    for (int i = 0; i < NET_MAX; i++) {
        if (nets[i].used && !nets[i].seen) {
            free(nets[i].text);
            memset(&nets[i], 0, sizeof nets[i]);
        }
    }
    mark_ours(p);
}

/* The addresses of a name: IPv4 (host order) and IPv6 (network order), each once. */
struct found {
    int n4, n6;
    uint32_t a4[ANSWER_MAX];
    uint8_t a6[ANSWER_MAX][16];
};

/* Adds a member line's address to `out` unless it is there already. */
static void add_found(struct found *out, const char *ip, size_t len)
{
    uint32_t a;
    uint8_t a6[16];
    if (parse_ipv4(ip, len, &a) == 0) {
        for (int k = 0; k < out->n4; k++)
            if (out->a4[k] == a)
                return;
        if (out->n4 < ANSWER_MAX)
            out->a4[out->n4++] = a;
    } else if (parse_ipv6(ip, len, a6) == 0) {
        for (int k = 0; k < out->n6; k++)
            if (!memcmp(out->a6[k], a6, 16))
                return;
        if (out->n6 < ANSWER_MAX)
            memcpy(out->a6[out->n6++], a6, 16);
    }
}

/* The addresses of `name` on this container's networks (as NAME or NAME.NETWORK): a member on
 * an IPv6 network has a line for each of its addresses. */
static void lookup(const char *name, struct found *out)
{
    out->n4 = out->n6 = 0;
    size_t nl = strlen(name);
    for (int i = 0; i < NET_MAX; i++) {
        struct netfile *f = &nets[i];
        if (!f->ours || !f->text)
            continue;
        size_t want = nl, netl = strlen(f->name);
        if (nl > netl + 1 && name[nl - netl - 1] == '.' && !strcasecmp(name + nl - netl, f->name))
            want = nl - netl - 1;
        const char *c = f->text, *end = f->text + f->len;
        for (; c < end; c = next_line(c, end)) {
            const char *line = c;
            size_t l1, l2, l;
            const char *ip = word(&c, end, &l1);
            if (!ip || *ip == '#' || !word(&c, end, &l2) || (l1 == 6 && !memcmp(ip, "subnet", 6)) ||
                (l1 == 7 && !memcmp(ip, "subnet6", 7))) {
                c = line;
                continue;
            }
            const char *w;
            while ((w = word(&c, end, &l))) {
                if (l == want && !strncasecmp(w, name, want)) {
                    add_found(out, ip, l1);
                    break;
                }
            }
            c = line;
        }
    }
}

/* PTR: 1 with `out` set to NAME.NETWORK of a member holding the address (`family` 4: `addr`,
 * 6: `addr6`); 0 when the address is in a subnet of this container's networks but nobody holds
 * it; -1 when it is not ours to answer. */
static int reverse(int family, uint32_t addr, const uint8_t *addr6, char *out, size_t cap)
{
    int ours = 0;
    for (int i = 0; i < NET_MAX; i++) {
        struct netfile *f = &nets[i];
        if (!f->ours || !f->text)
            continue;
        if (family == 4 ? !f->mask || (addr & f->mask) != f->subnet : !f->prefix6 || !in_subnet6(addr6, f->subnet6, f->prefix6))
            continue;
        ours = 1;
        const char *c = f->text, *end = f->text + f->len;
        for (; c < end; c = next_line(c, end)) {
            const char *line = c;
            size_t l1, l2, l3;
            const char *ip = word(&c, end, &l1);
            uint32_t a;
            uint8_t a6[16];
            const char *n;
            if (ip && *ip != '#' && word(&c, end, &l2) && (n = word(&c, end, &l3)) &&
                (family == 4 ? parse_ipv4(ip, l1, &a) == 0 && a == addr : parse_ipv6(ip, l1, a6) == 0 && !memcmp(a6, addr6, 16)) &&
                l3 + 1 + strlen(f->name) < cap) {
                memcpy(out, n, l3);
                out[l3] = '.';
                strcpy(out + l3 + 1, f->name);
                return 1;
            }
            c = line;
        }
    }
    return ours ? 0 : -1;
}

/* --- answering --- */

/* Closes a TCP connection; queries it had forwarded are answered nowhere. */
static void drop_conn(int i)
{
    if (conns[i].fd >= 0)
        close(conns[i].fd);
    conns[i].fd = -1;
    conns[i].len = 0;
    for (int k = 0; k < PENDING_MAX; k++)
        if (pending[k].used && pending[k].tcp == i)
            pending[k].used = 0;
}

static void send_reply(int tcp, const struct sockaddr_in *client, const uint8_t *msg, size_t len)
{
    if (len == 0)
        return;
    if (tcp < 0) {
        if (udp_fd >= 0)
            sendto(udp_fd, msg, len, MSG_DONTWAIT, (const struct sockaddr *)client, sizeof *client);
        return;
    }
    struct tcp_conn *c = &conns[tcp];
    if (c->fd < 0 || len > 65535)
        return;
    uint8_t prefix[2] = { (uint8_t)(len >> 8), (uint8_t)len };
    struct iovec iov[2] = { { prefix, 2 }, { (void *)msg, len } };
    struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
    /* A client that does not read its answer loses its connection, never the supervisor's time. */
    if (sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)(len + 2))
        drop_conn(tcp);
}

static void send_error(int tcp, const struct sockaddr_in *client, const uint8_t *msg, size_t len, int rcode)
{
    uint8_t out[12];
    send_reply(tcp, client, out, dns_error_reply(msg, len, rcode, out, sizeof out));
}

static int64_t server_deadline(void) { return deadline_after_ms(FORWARD_TIMEOUT_MS); }

static void send_upstream(const struct plan *p, struct pending *q)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(DNS_PORT), .sin_addr = { htonl(p->dns_servers[q->server]) } };
    sendto(up_fd, q->query, q->len, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
    q->deadline = server_deadline();
}

static void forward(const struct plan *p, int tcp, const struct sockaddr_in *client, const uint8_t *msg, size_t len)
{
    struct pending *q = NULL;
    for (int i = 0; i < PENDING_MAX && !q; i++)
        if (!pending[i].used)
            q = &pending[i];
    if (up_fd < 0 || p->ndns_servers == 0 || !q || len > PENDING_QUERY_MAX) {
        send_error(tcp, client, msg, len, DNS_SERVFAIL);
        return;
    }
    uint16_t id;
    int clash;
    do {
        id = (uint16_t)next_random();
        clash = 0;
        for (int i = 0; i < PENDING_MAX; i++)
            clash |= pending[i].used && pending[i].our_id == id;
    } while (clash);
    q->used = 1;
    q->server = 0;
    q->tcp = tcp;
    q->client = *client;
    q->client_id = (uint16_t)(msg[0] << 8 | msg[1]);
    q->our_id = id;
    q->len = len;
    memcpy(q->query, msg, len);
    q->query[0] = (uint8_t)(id >> 8);
    q->query[1] = (uint8_t)id;
    send_upstream(p, q);
}

/* One query from the container, over UDP (tcp < 0) or the TCP connection `tcp`. */
static void answer(const struct plan *p, int tcp, const struct sockaddr_in *client, const uint8_t *msg, size_t len)
{
    struct dns_question q;
    int rc = dns_parse_query(msg, len, &q);
    if (rc < 0)
        return;
    if (rc > 0) {
        send_error(tcp, client, msg, len, rc);
        return;
    }
    size_t cap = tcp < 0 ? UDP_REPLY_MAX : sizeof outbuf - 2;
    if (q.name.plain && (q.qclass == DNS_CLASS_IN || q.qclass == 255)) {
        refresh_nets(p);
        uint32_t addr = 0;
        uint8_t addr6[16];
        int v4 = q.qtype == DNS_TYPE_PTR && dns_reverse_ipv4(q.name.text, &addr) == 0;
        if (v4 || (q.qtype == DNS_TYPE_PTR && dns_reverse_ipv6(q.name.text, addr6) == 0)) {
            char name[DNS_NAME_WIRE_MAX];
            int r = reverse(v4 ? 4 : 6, addr, addr6, name, sizeof name);
            if (r >= 0) {
                send_reply(tcp, client, outbuf, dns_build_reply(&q, r ? 0 : DNS_NXDOMAIN, NULL, 0, r ? name : NULL,
                                                                 LOCAL_TTL, outbuf, cap));
                return;
            }
        } else {
            static struct found all, rotated;
            lookup(q.name.text, &all);
            if (all.n4 + all.n6 > 0) {
                /* Every replica, starting one further on each query: clients that take the first
                 * address spread over all of them. A known name without an address of the type
                 * asked (AAAA of a member of IPv4 networks only): an empty NOERROR, never
                 * NXDOMAIN, which would tell the resolver the name has no address at all. */
                unsigned step = rotation++;
                for (int i = 0; i < all.n4; i++)
                    rotated.a4[i] = all.a4[(step + (unsigned)i) % (unsigned)all.n4];
                for (int i = 0; i < all.n6; i++)
                    memcpy(rotated.a6[i], all.a6[(step + (unsigned)i) % (unsigned)all.n6], 16);
                size_t n = q.qtype == DNS_TYPE_AAAA
                    ? dns_build_reply6(&q, (const uint8_t (*)[16])rotated.a6, all.n6, LOCAL_TTL, outbuf, cap)
                    : dns_build_reply(&q, 0, rotated.a4, q.qtype == DNS_TYPE_A || q.qtype == 255 ? all.n4 : 0, NULL,
                                      LOCAL_TTL, outbuf, cap);
                send_reply(tcp, client, outbuf, n);
                return;
            }
        }
    }
    forward(p, tcp, client, msg, len);
}

/* A reply from a resolver: relayed to the client with its own id, if it answers a pending query. */
static void upstream_reply(const struct plan *p)
{
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n;
    while ((n = recvfrom(up_fd, msgbuf, sizeof msgbuf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl)) >= 0) {
        fl = sizeof from;
        if (n < 12 || from.sin_family != AF_INET || from.sin_port != htons(DNS_PORT))
            continue;
        uint16_t id = (uint16_t)(msgbuf[0] << 8 | msgbuf[1]);
        for (int i = 0; i < PENDING_MAX; i++) {
            struct pending *q = &pending[i];
            if (!q->used || q->our_id != id || ntohl(from.sin_addr.s_addr) != p->dns_servers[q->server] ||
                !dns_same_question(msgbuf, (size_t)n, q->query, q->len))
                continue;
            msgbuf[0] = (uint8_t)(q->client_id >> 8);
            msgbuf[1] = (uint8_t)q->client_id;
            send_reply(q->tcp, &q->client, msgbuf, (size_t)n);
            q->used = 0;
            break;
        }
    }
}

static void expire(const struct plan *p)
{
    int64_t now = now_monotonic_ns();
    for (int i = 0; i < PENDING_MAX; i++) {
        struct pending *q = &pending[i];
        if (!q->used || q->deadline > now)
            continue;
        if (q->server + 1 < p->ndns_servers) {
            q->server++;
            send_upstream(p, q);
            continue;
        }
        q->query[0] = (uint8_t)(q->client_id >> 8);
        q->query[1] = (uint8_t)q->client_id;
        send_error(q->tcp, &q->client, q->query, q->len, DNS_SERVFAIL);
        q->used = 0;
    }
    for (int i = 0; i < TCP_MAX; i++) {
        if (conns[i].fd >= 0 && conns[i].idle_at <= now)
            drop_conn(i);
    }
}

int dns_timeout(void)
{
    int64_t next = 0;
    for (int i = 0; i < PENDING_MAX; i++)
        if (pending[i].used && (!next || pending[i].deadline < next))
            next = pending[i].deadline;
    for (int i = 0; i < TCP_MAX; i++)
        if (conns[i].fd >= 0 && (!next || conns[i].idle_at < next))
            next = conns[i].idle_at;
    return next ? ms_until(next) : -1;
}

/* Poll order: UDP listener, TCP listener, forwarder, then each TCP connection slot. */
int dns_fill(struct pollfd *fds, int max)
{
    if (udp_fd < 0 || max < 3 + TCP_MAX)
        return 0;
    int n = 0;
    fds[n++] = (struct pollfd){ udp_fd, POLLIN, 0 };
    fds[n++] = (struct pollfd){ tcp_fd, POLLIN, 0 };
    fds[n++] = (struct pollfd){ up_fd, POLLIN, 0 };
    for (int i = 0; i < TCP_MAX; i++)
        fds[n++] = (struct pollfd){ conns[i].fd, POLLIN, 0 };
    return n;
}

static void tcp_accept(void)
{
    int fd = accept4(tcp_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i < TCP_MAX; i++) {
        if (conns[i].fd < 0) {
            conns[i].fd = fd;
            conns[i].len = 0;
            conns[i].idle_at = deadline_after_ms(TCP_IDLE_MS);
            return;
        }
    }
    close(fd); /* all busy: the client retries */
}

/* Reads what the connection sent and answers each complete length-prefixed query in it. */
static void tcp_read(const struct plan *p, int i)
{
    struct tcp_conn *c = &conns[i];
    ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        drop_conn(i);
        return;
    }
    c->len += (size_t)n;
    c->idle_at = deadline_after_ms(TCP_IDLE_MS);
    struct sockaddr_in none = { 0 };
    while (c->fd >= 0 && c->len >= 2) {
        size_t ql = (size_t)c->buf[0] << 8 | c->buf[1];
        if (ql + 2 > sizeof c->buf) { /* larger than any query we take */
            drop_conn(i);
            return;
        }
        if (c->len < ql + 2)
            return;
        uint8_t q[TCP_BUF];
        memcpy(q, c->buf + 2, ql);
        memmove(c->buf, c->buf + 2 + ql, c->len - 2 - ql);
        c->len -= 2 + ql;
        answer(p, i, &none, q, ql);
    }
}

void dns_handle(const struct plan *p, struct pollfd *fds, int n)
{
    expire(p);
    if (n < 3 + TCP_MAX)
        return;
    if (fds[0].revents & POLLIN) {
        struct sockaddr_in client;
        socklen_t cl = sizeof client;
        ssize_t len;
        /* A bounded batch per wake-up: a flood cannot starve the container's output. */
        for (int k = 0; k < 64 && (len = recvfrom(udp_fd, msgbuf, sizeof msgbuf, MSG_DONTWAIT, (struct sockaddr *)&client, &cl)) >= 0; k++) {
            if (cl == sizeof client && client.sin_family == AF_INET)
                answer(p, -1, &client, msgbuf, (size_t)len);
            cl = sizeof client;
        }
    }
    if (fds[1].revents & POLLIN)
        tcp_accept();
    if (up_fd >= 0 && (fds[2].revents & POLLIN))
        upstream_reply(p);
    for (int i = 0; i < TCP_MAX; i++)
        if (conns[i].fd >= 0 && fds[3 + i].fd == conns[i].fd && (fds[3 + i].revents & (POLLIN | POLLHUP | POLLERR)))
            tcp_read(p, i);
}
