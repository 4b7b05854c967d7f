/* The DNS server's port redirection inside the container's network namespace.
 *
 * The server (dns.c) does not listen on 127.0.0.11:53 itself: a socket there makes every
 * wildcard bind of port 53 in the namespace fail with EADDRINUSE, so a DNS server run *in* the
 * container (dnsmasq, coredns, unbound on 0.0.0.0:53) could not start. It listens on 127.0.0.11
 * at a port the kernel picks, and one rule per protocol in the namespace's own nf_tables
 * (table ip berth_dns, a nat chain on the output hook, as docker does with iptables) sends
 * what the container's processes address to 127.0.0.11:53 there; conntrack turns the replies'
 * source back into 127.0.0.11:53, which a connected resolver checks.
 *
 *     ip daddr 127.0.0.11 udp dport 53 dnat to 127.0.0.11:PORT    (and tcp)
 *
 * Written as one nf_tables netlink batch (the supervisor is on every start's path: no
 * libnftables here), from the calling thread's network namespace, before the init is released.
 * The table lives and dies with the namespace; the container may see it (`nft list ruleset`)
 * and, with CAP_NET_ADMIN, remove it, which breaks only its own name lookups. */
#include "shim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define NAT_TABLE "berth_dns"
#define NAT_CHAIN "output"
#define NAT_PRIORITY (-100) /* NF_IP_PRI_NAT_DST: docker's and nft's "dstnat" */
#define ACK_WAIT_MS 2000

/* Opens a message of the batch: nlmsghdr and nfgenmsg. Returns its header's offset. */
static size_t begin_msg(struct nl_buf *b, uint16_t type, uint16_t flags, uint8_t family, uint16_t res_id,
                        uint32_t seq)
{
    size_t at = b->len;
    struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags), .nlmsg_seq = seq };
    nl_raw(b, &h, sizeof h);
    struct nfgenmsg g = { .nfgen_family = family, .version = NFNETLINK_V0, .res_id = htons(res_id) };
    nl_raw(b, &g, sizeof g);
    return at;
}

static void end_msg(struct nl_buf *b, size_t at)
{
    if (!b->overflow)
        ((struct nlmsghdr *)(b->data + at))->nlmsg_len = (uint32_t)(b->len - at);
}

static void be32_attr(struct nl_buf *b, unsigned short type, uint32_t v)
{
    uint32_t be = htonl(v);
    nl_attr(b, type, &be, sizeof be);
}

static void str_attr(struct nl_buf *b, unsigned short type, const char *s)
{
    nl_attr(b, type, s, strlen(s) + 1);
}

static struct rtattr *nest(struct nl_buf *b, unsigned short type)
{
    return nl_attr(b, (unsigned short)(type | NLA_F_NESTED), NULL, 0);
}

/* One expression of a rule: NFTA_LIST_ELEM { name, data { … } }; returns the data nest. */
static struct rtattr *expr_begin(struct nl_buf *b, const char *name, struct rtattr **elem)
{
    *elem = nest(b, NFTA_LIST_ELEM);
    str_attr(b, NFTA_EXPR_NAME, name);
    return nest(b, NFTA_EXPR_DATA);
}

static void expr_end(struct nl_buf *b, struct rtattr *data, struct rtattr *elem)
{
    nl_end(b, data);
    nl_end(b, elem);
}

static void payload(struct nl_buf *b, uint32_t base, uint32_t offset, uint32_t len)
{
    struct rtattr *elem, *d = expr_begin(b, "payload", &elem);
    be32_attr(b, NFTA_PAYLOAD_DREG, NFT_REG_1);
    be32_attr(b, NFTA_PAYLOAD_BASE, base);
    be32_attr(b, NFTA_PAYLOAD_OFFSET, offset);
    be32_attr(b, NFTA_PAYLOAD_LEN, len);
    expr_end(b, d, elem);
}

static void cmp_eq(struct nl_buf *b, const void *value, size_t len)
{
    struct rtattr *elem, *d = expr_begin(b, "cmp", &elem);
    be32_attr(b, NFTA_CMP_SREG, NFT_REG_1);
    be32_attr(b, NFTA_CMP_OP, NFT_CMP_EQ);
    struct rtattr *data = nest(b, NFTA_CMP_DATA);
    nl_attr(b, NFTA_DATA_VALUE, value, len);
    nl_end(b, data);
    expr_end(b, d, elem);
}

static void immediate(struct nl_buf *b, uint32_t reg, const void *value, size_t len)
{
    struct rtattr *elem, *d = expr_begin(b, "immediate", &elem);
    be32_attr(b, NFTA_IMMEDIATE_DREG, reg);
    struct rtattr *data = nest(b, NFTA_IMMEDIATE_DATA);
    nl_attr(b, NFTA_DATA_VALUE, value, len);
    nl_end(b, data);
    expr_end(b, d, elem);
}

/* ip daddr 127.0.0.11 <proto> dport 53 dnat to 127.0.0.11:port */
static void redirect_rule(struct nl_buf *b, uint32_t seq, uint8_t proto, uint16_t port)
{
    size_t at = begin_msg(b, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE,
                          NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, NFPROTO_IPV4, 0, seq);
    str_attr(b, NFTA_RULE_TABLE, NAT_TABLE);
    str_attr(b, NFTA_RULE_CHAIN, NAT_CHAIN);
    struct rtattr *exprs = nest(b, NFTA_RULE_EXPRESSIONS);
    uint32_t addr = htonl(DNS_ADDR);
    uint16_t dns_port = htons(DNS_PORT), to_port = htons(port);
    payload(b, NFT_PAYLOAD_NETWORK_HEADER, 16, 4); /* the IPv4 destination */
    cmp_eq(b, &addr, sizeof addr);
    struct rtattr *elem, *d = expr_begin(b, "meta", &elem);
    be32_attr(b, NFTA_META_DREG, NFT_REG_1);
    be32_attr(b, NFTA_META_KEY, NFT_META_L4PROTO);
    expr_end(b, d, elem);
    cmp_eq(b, &proto, sizeof proto);
    payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2); /* the UDP or TCP destination port */
    cmp_eq(b, &dns_port, sizeof dns_port);
    immediate(b, NFT_REG_1, &addr, sizeof addr);
    immediate(b, NFT_REG_2, &to_port, sizeof to_port);
    d = expr_begin(b, "nat", &elem);
    be32_attr(b, NFTA_NAT_TYPE, NFT_NAT_DNAT);
    be32_attr(b, NFTA_NAT_FAMILY, NFPROTO_IPV4);
    be32_attr(b, NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
    be32_attr(b, NFTA_NAT_REG_PROTO_MIN, NFT_REG_2);
    expr_end(b, d, elem);
    nl_end(b, exprs);
    end_msg(b, at);
}

/* Waits for the kernel's answer to each of `acks` messages sent with NLM_F_ACK: 0 when all
 * succeeded, -1 with errno at the first error (the kernel applied none of the batch). */
static int read_acks(int fd, int acks)
{
    char reply[4096];
    while (acks > 0) {
        ssize_t n = recv(fd, reply, sizeof reply, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return errno = n < 0 ? errno : EIO, -1;
        int left = (int)n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_type != NLMSG_ERROR)
                continue;
            if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
                return errno = EIO, -1;
            const struct nlmsgerr *err = NLMSG_DATA(h);
            if (err->error)
                return errno = -err->error, -1;
            acks--;
        }
    }
    return 0;
}

int dns_nat(uint16_t port)
{
    struct nl_buf b;
    memset(&b, 0, sizeof b);
    uint32_t seq = 1;
    size_t at = begin_msg(&b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, seq++);
    end_msg(&b, at);

    at = begin_msg(&b, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_ACK, NFPROTO_IPV4, 0, seq++);
    str_attr(&b, NFTA_TABLE_NAME, NAT_TABLE);
    end_msg(&b, at);

    at = begin_msg(&b, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_ACK, NFPROTO_IPV4, 0, seq++);
    str_attr(&b, NFTA_CHAIN_TABLE, NAT_TABLE);
    str_attr(&b, NFTA_CHAIN_NAME, NAT_CHAIN);
    struct rtattr *hook = nest(&b, NFTA_CHAIN_HOOK);
    be32_attr(&b, NFTA_HOOK_HOOKNUM, NF_INET_LOCAL_OUT);
    be32_attr(&b, NFTA_HOOK_PRIORITY, (uint32_t)NAT_PRIORITY);
    nl_end(&b, hook);
    str_attr(&b, NFTA_CHAIN_TYPE, "nat");
    end_msg(&b, at);

    redirect_rule(&b, seq++, IPPROTO_UDP, port);
    redirect_rule(&b, seq++, IPPROTO_TCP, port);

    at = begin_msg(&b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, seq++);
    end_msg(&b, at);
    if (b.overflow)
        return errno = EMSGSIZE, -1;

    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    if (fd < 0)
        return -1;
    /* A kernel that never answers must not hold the container's start forever. */
    struct timeval tv = { .tv_sec = ACK_WAIT_MS / 1000, .tv_usec = (ACK_WAIT_MS % 1000) * 1000 };
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    int rc = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
             sendto(fd, b.data, b.len, 0, (struct sockaddr *)&sa, sizeof sa) < 0
                 ? -1
                 : read_acks(fd, 4); /* table, chain and two rules */
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}
