/* The one rtnetlink request the supervisor makes per network: a veth pair whose host end joins
 * one of Berth's bridges (up) and whose peer is born as eth0, eth1… inside the container's
 * network namespace. And the netlink attribute writer it shares with dns_nat.c. */
#include "shim.h"

#include <errno.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <net/route.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct rtattr *nl_attr(struct nl_buf *b, unsigned short type, const void *payload, size_t len)
{
    size_t size = RTA_ALIGN(RTA_LENGTH(len));
    if (b->overflow || size > sizeof b->data - b->len) {
        /* Never written past: the message is refused whole (nl_buf.overflow). */
        b->overflow = 1;
        return (struct rtattr *)b->data;
    }
    struct rtattr *a = (struct rtattr *)(b->data + b->len);
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len)
        memcpy(RTA_DATA(a), payload, len);
    b->len += size;
    return a;
}

void nl_raw(struct nl_buf *b, const void *bytes, size_t len)
{
    if (b->overflow || NLMSG_ALIGN(len) > sizeof b->data - b->len) {
        b->overflow = 1;
        return;
    }
    memcpy(b->data + b->len, bytes, len);
    b->len += NLMSG_ALIGN(len);
}

void nl_end(struct nl_buf *b, struct rtattr *a)
{
    if (!b->overflow)
        a->rta_len = (unsigned short)(b->data + b->len - (char *)a);
}

/* Sends one request (its length set here) and reads its acknowledgement: 0, or -1 with errno
 * the kernel's. The socket is made in the caller's network namespace, where the request acts. */
static int nl_request(struct nl_buf *b)
{
    if (b->overflow)
        return errno = EMSGSIZE, -1;
    ((struct nlmsghdr *)b->data)->nlmsg_len = (unsigned)b->len;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -1;
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    if (sendto(fd, b->data, b->len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    char reply[512];
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    int e = errno;
    close(fd);
    if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
        errno = n < 0 ? e : EIO;
        return -1;
    }
    struct nlmsghdr *rh = (struct nlmsghdr *)reply;
    if (rh->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *err = NLMSG_DATA(rh);
        if (err->error) {
            errno = -err->error;
            return -1;
        }
    }
    return 0;
}

int veth_create(const char *host_name, const char *bridge, pid_t child, const char *peer_name)
{
    unsigned master = if_nametoindex(bridge);
    if (!master)
        return -1;
    struct nl_buf b;
    memset(&b, 0, sizeof b);
    struct nlmsghdr *h = (struct nlmsghdr *)b.data;
    h->nlmsg_type = RTM_NEWLINK;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    h->nlmsg_seq = 1;
    b.len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    struct ifinfomsg *ifi = NLMSG_DATA(h);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    nl_attr(&b, IFLA_IFNAME, host_name, strlen(host_name) + 1);
    nl_attr(&b, IFLA_MASTER, &master, sizeof master);
    struct rtattr *info = nl_attr(&b, IFLA_LINKINFO, NULL, 0);
    nl_attr(&b, IFLA_INFO_KIND, "veth", 4);
    struct rtattr *data = nl_attr(&b, IFLA_INFO_DATA, NULL, 0);
    struct rtattr *peer = nl_attr(&b, VETH_INFO_PEER, NULL, 0);
    struct ifinfomsg peer_ifi;
    memset(&peer_ifi, 0, sizeof peer_ifi);
    nl_raw(&b, &peer_ifi, sizeof peer_ifi);
    nl_attr(&b, IFLA_IFNAME, peer_name, strlen(peer_name) + 1);
    unsigned pid = (unsigned)child;
    nl_attr(&b, IFLA_NET_NS_PID, &pid, sizeof pid);
    nl_end(&b, peer);
    nl_end(&b, data);
    nl_end(&b, info);
    return nl_request(&b);
}

int veth_delete(const char *host_name)
{
    struct nl_buf b;
    memset(&b, 0, sizeof b);
    struct nlmsghdr *h = (struct nlmsghdr *)b.data;
    h->nlmsg_type = RTM_DELLINK;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = 2;
    b.len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    struct ifinfomsg *ifi = NLMSG_DATA(h);
    ifi->ifi_family = AF_UNSPEC;
    nl_attr(&b, IFLA_IFNAME, host_name, strlen(host_name) + 1);
    h->nlmsg_len = (unsigned)b.len;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -1;
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    int rc = sendto(fd, b.data, b.len, 0, (struct sockaddr *)&sa, sizeof sa) < 0 ? -1 : 0;
    char reply[512];
    if (rc == 0)
        recv(fd, reply, sizeof reply, 0);
    close(fd);
    return rc;
}

int plug_veth(const char *host_name, const char *bridge, pid_t child, const char *peer_name)
{
    int rc = veth_create(host_name, bridge, child, peer_name);
    /* The name carries this container's id: an existing one is ours, from a previous run whose
     * namespace someone still holds open (the kernel frees a dead namespace later). Deleting
     * the host end frees the pair. */
    for (int tries = 0; rc < 0 && errno == EEXIST && tries < 20; tries++) {
        veth_delete(host_name);
        rc = veth_create(host_name, bridge, child, peer_name);
        if (rc < 0 && errno == EEXIST)
            usleep(5000);
    }
    return rc;
}

static int set_addr(int s, unsigned long req, const char *ifname, const char *ip)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
        return errno = EINVAL, -1;
    return ioctl(s, req, &ifr);
}

int configure_if(const char *ifname, const char *addr, int prefix, const char *gateway)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    char mask[16];
    unsigned m = prefix ? htonl(~0u << (32 - prefix)) : 0;
    inet_ntop(AF_INET, &m, mask, sizeof mask);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    int rc = set_addr(s, SIOCSIFADDR, ifname, addr);
    if (rc == 0)
        rc = set_addr(s, SIOCSIFNETMASK, ifname, mask);
    if (rc == 0)
        rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (rc == 0 && gateway && *gateway) {
        struct rtentry rt;
        memset(&rt, 0, sizeof rt);
        struct sockaddr_in *dst = (struct sockaddr_in *)&rt.rt_dst;
        struct sockaddr_in *gw = (struct sockaddr_in *)&rt.rt_gateway;
        struct sockaddr_in *msk = (struct sockaddr_in *)&rt.rt_genmask;
        dst->sin_family = gw->sin_family = msk->sin_family = AF_INET;
        inet_pton(AF_INET, gateway, &gw->sin_addr);
        rt.rt_flags = RTF_UP | RTF_GATEWAY;
        rt.rt_dev = (char *)ifname;
        rc = ioctl(s, SIOCADDRT, &rt);
    }
    int e = errno;
    close(s);
    errno = e;
    return rc;
}

/* Gives `ifname` (in the caller's namespace, up already) an IPv6 address without duplicate
 * address detection (IFA_F_NODAD: the address was leased by Berth, and DAD would keep it
 * tentative, unusable, for a second or more), and a default route via `gateway` if given. */
int configure_if6(const char *ifname, const char *addr, int prefix, const char *gateway)
{
    unsigned index = if_nametoindex(ifname);
    struct in6_addr a, gw;
    if (!index)
        return -1;
    if (inet_pton(AF_INET6, addr, &a) != 1 || (gateway && inet_pton(AF_INET6, gateway, &gw) != 1))
        return errno = EINVAL, -1;
    struct nl_buf b;
    memset(&b, 0, sizeof b);
    struct nlmsghdr *h = (struct nlmsghdr *)b.data;
    h->nlmsg_type = RTM_NEWADDR;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
    h->nlmsg_seq = 3;
    b.len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    struct ifaddrmsg *ifa = NLMSG_DATA(h);
    ifa->ifa_family = AF_INET6;
    ifa->ifa_prefixlen = (unsigned char)prefix;
    ifa->ifa_flags = IFA_F_NODAD;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = index;
    nl_attr(&b, IFA_ADDRESS, &a, sizeof a);
    if (nl_request(&b) < 0)
        return -1;
    if (!gateway)
        return 0;
    memset(&b, 0, sizeof b);
    h->nlmsg_type = RTM_NEWROUTE;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
    h->nlmsg_seq = 4;
    b.len = NLMSG_LENGTH(sizeof(struct rtmsg));
    struct rtmsg *rt = NLMSG_DATA(h);
    rt->rtm_family = AF_INET6;
    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_protocol = RTPROT_BOOT;
    rt->rtm_scope = RT_SCOPE_UNIVERSE;
    rt->rtm_type = RTN_UNICAST;
    nl_attr(&b, RTA_GATEWAY, &gw, sizeof gw);
    nl_attr(&b, RTA_OIF, &index, sizeof index);
    return nl_request(&b);
}
