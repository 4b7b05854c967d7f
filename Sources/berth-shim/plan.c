/* The launch plan: a flat file of NUL-terminated key and value strings, written by the Swift
 * library (Shim/LaunchPlan.swift). Repeated keys build lists; compound values separate their
 * fields with 0x1f (ASCII unit separator), which never occurs in values the library accepts.
 *
 * The reader is strict, because a plan it misreads weakens a container silently: an unknown key
 * is refused by name (a newer library talking to an older shim must not lose a security step)
 * unless it starts with "opt.", which marks a step that may be skipped; a number that does not
 * parse is refused; lists are counted first and allocated to size, so nothing is ever dropped. */
#include "shim.h"

#include <arpa/inet.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEP '\x1f'

static char err_buf[320];

static int fail(char **err, const char *msg)
{
    *err = (char *)msg;
    return -1;
}

/* "<what> '<key>'" with the key's control characters shown as '?', for one-line errors. */
static int fail_key(char **err, const char *what, const char *key)
{
    size_t n = strlen(what);
    if (n > 200)
        n = 200;
    memcpy(err_buf, what, n);
    err_buf[n++] = ' ';
    err_buf[n++] = '\'';
    for (const char *k = key; *k && n < sizeof err_buf - 2; k++)
        err_buf[n++] = (unsigned char)*k < 0x20 || (unsigned char)*k >= 0x7f ? '?' : *k;
    err_buf[n++] = '\'';
    err_buf[n] = 0;
    return fail(err, err_buf);
}

/* Splits `s` in place at SEP into exactly `want` fields; returns how many there were. */
static int split(char *s, char **fields, int want)
{
    int n = 0;
    fields[n++] = s;
    for (char *c = s; *c; c++) {
        if (*c == SEP) {
            if (n == want)
                return want + 1;
            *c = 0;
            fields[n++] = c + 1;
        }
    }
    return n;
}

/* A whole unsigned number in `base` that fits in `max`. */
static int number(const char *s, int base, unsigned long long max, unsigned long long *out)
{
    if (!*s)
        return -1;
    unsigned long long v = 0;
    for (const char *c = s; *c; c++) {
        int d;
        if (*c >= '0' && *c <= '9') d = *c - '0';
        else if (*c >= 'a' && *c <= 'f') d = *c - 'a' + 10;
        else return -1;
        if (d >= base || v > (max - (unsigned long long)d) / (unsigned long long)base)
            return -1;
        v = v * (unsigned long long)base + (unsigned long long)d;
    }
    *out = v;
    return 0;
}

static int ns_flag(const char *name)
{
    if (!strcmp(name, "pid")) return CLONE_NEWPID;
    if (!strcmp(name, "mount")) return CLONE_NEWNS;
    if (!strcmp(name, "uts")) return CLONE_NEWUTS;
    if (!strcmp(name, "ipc")) return CLONE_NEWIPC;
    if (!strcmp(name, "network")) return CLONE_NEWNET;
    if (!strcmp(name, "user")) return CLONE_NEWUSER;
    return 0;
}

/* Every key the reader knows; the ones that repeat have a counter in the plan. */
static const char *const scalar_keys[] = {
    "id", "state_dir", "log", "rootfs", "hostname", "domainname", "cwd", "oom_file", "mode", "target_pid", "target_start", "tty",
    "interactive", "net_bridge", "net_host", "net_addr", "net_gw", "net_prefix", "ns", "no_new_privs",
    "uid", "gid", "caps", "restart", "restart_max", "root_readonly", "init", "events", "events_max", "event_actor",
    "health_interval", "health_timeout", "health_start_period", "health_start_interval", "health_retries",
    "oci", "console_socket", "oom_score_adj", "umask", "pid_file", "detach", "seccomp_bpf", "seccomp_flags",
    "dns_dir", "dns_servers", "dns_networks", "oci_state", "preserve_fds", "seccomp_listener", "seccomp_listener_head",
    "net_join_pid", "net_join_start", "net_join_parent",
};
enum { L_ARG, L_ENV, L_MOUNT, L_DEVICE, L_SYMLINK, L_MASKED, L_READONLY, L_PROCS, L_ONEXIT, L_GIDS,
       L_PORT, L_RLIMIT, L_SYSCTL, L_HEALTH, L_NSPATH, L_NETIF, L_HOOK, L_HOOK_ARG, L_HOOK_ENV, L_UIDMAP, L_GIDMAP, L_ADDR6, L_COUNT };
static const char *const list_keys[L_COUNT] = {
    "arg", "env", "mount", "device", "symlink", "masked", "readonly", "cgroup_procs", "on_exit", "gids",
    "port", "rlimit", "sysctl", "health_arg", "ns_path", "net_if", "hook", "hook_arg", "hook_env", "uid_map", "gid_map",
    "net_addr6",
};

/* The plan's names of the hook stages (enum hook_stage order). */
static const char *const hook_stages[HOOK_STAGES] = { "prestart", "create_runtime", "create_container", "start_container" };

static int list_index(const char *key)
{
    for (int i = 0; i < L_COUNT; i++)
        if (!strcmp(key, list_keys[i]))
            return i;
    return -1;
}

static int is_scalar(const char *key)
{
    for (size_t i = 0; i < sizeof scalar_keys / sizeof scalar_keys[0]; i++)
        if (!strcmp(key, scalar_keys[i]))
            return 1;
    return 0;
}

void plan_release(struct plan *p)
{
    free(p->args); free(p->env); free(p->mounts); free(p->devs); free(p->links); free(p->masked);
    free(p->ro); free(p->procs); free(p->onexit); free(p->gids); free(p->seccomp); free(p->ports);
    free(p->rlimits); free(p->sysctls); free(p->health_args); free(p->ns_paths); free(p->netifs);
    free(p->hooks); free(p->hook_args); free(p->hook_envs); free(p->uid_maps); free(p->gid_maps);
    p->uid_maps = p->gid_maps = NULL;
    p->hooks = NULL; p->hook_args = p->hook_envs = NULL;
    p->rlimits = NULL; p->sysctls = NULL; p->health_args = NULL; p->ns_paths = NULL; p->netifs = NULL;
    p->args = p->env = p->masked = p->ro = p->procs = p->onexit = NULL;
    p->mounts = NULL; p->devs = NULL; p->links = NULL; p->gids = NULL; p->seccomp = NULL; p->ports = NULL;
}

#define NUM(val, base, max, dst, key)                                           \
    do {                                                                         \
        unsigned long long v_;                                                   \
        if (number(val, base, max, &v_) < 0)                                     \
            return fail_key(err, "the launch plan has a bad value for", key);    \
        dst = v_;                                                                \
    } while (0)

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Lowercase hex of a BPF program, 1 to BPF_MAXINSNS instructions, into a buffer of its own
 * (the plan's text has no alignment for struct sock_filter). */
static int decode_filter(const char *hex, struct plan *p)
{
    size_t len = strlen(hex);
    size_t bytes = len / 2, insns = bytes / sizeof(struct sock_filter);
    if (len % 2 || bytes % sizeof(struct sock_filter) || insns == 0 || insns > BPF_MAXINSNS)
        return -1;
    unsigned char *out = malloc(bytes);
    if (!out)
        return -1;
    for (size_t i = 0; i < bytes; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(out);
            return -1;
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    p->seccomp = (struct sock_filter *)(void *)out;
    p->seccomp_len = (unsigned short)insns;
    return 0;
}

static int fill(char *buf, char *end, struct plan *p, char **err)
{
    char *cur = buf;
    cur += strlen(cur) + 1;
    cur += strlen(cur) + 1; /* the magic and version, checked by the caller */
    while (cur < end) {
        char *key = cur;
        cur += strlen(cur) + 1;
        char *val = cur;
        cur += strlen(cur) + 1;
        char *f[5];
        unsigned long long n;
        if (!strcmp(key, "id")) p->id = val;
        else if (!strcmp(key, "state_dir")) p->state_dir = val;
        else if (!strcmp(key, "log")) p->log_path = val;
        else if (!strcmp(key, "rootfs")) p->rootfs = val;
        else if (!strcmp(key, "hostname")) p->hostname = val;
        else if (!strcmp(key, "domainname")) p->domainname = val;
        else if (!strcmp(key, "cwd")) p->cwd = val;
        else if (!strcmp(key, "oom_file")) p->oom_file = val;
        else if (!strcmp(key, "mode")) {
            if (strcmp(val, "exec") && strcmp(val, "create"))
                return fail_key(err, "the launch plan has an unknown mode", val);
            p->exec_mode = !strcmp(val, "exec");
        }
        else if (!strcmp(key, "dns_dir")) {
            if (val[0] != '/')
                return fail_key(err, "the launch plan has a bad value for", key);
            p->dns_dir = val;
        }
        else if (!strcmp(key, "dns_networks")) p->dns_networks = val;
        else if (!strcmp(key, "dns_servers")) {
            /* Up to DNS_MAX_SERVERS IPv4 addresses, 0x1F between them. */
            char *fs[DNS_MAX_SERVERS + 1];
            int nf = split(val, fs, DNS_MAX_SERVERS + 1);
            if (nf < 1 || nf > DNS_MAX_SERVERS)
                return fail_key(err, "the launch plan has a bad value for", key);
            for (int i = 0; i < nf; i++) {
                struct in_addr a;
                if (inet_pton(AF_INET, fs[i], &a) != 1)
                    return fail_key(err, "the launch plan has a bad value for", key);
                p->dns_servers[i] = ntohl(a.s_addr);
            }
            p->ndns_servers = nf;
        }
        else if (!strcmp(key, "net_bridge")) p->net_bridge = val;
        else if (!strcmp(key, "net_host")) p->net_host = val;
        else if (!strcmp(key, "net_addr")) p->net_addr = val;
        else if (!strcmp(key, "net_gw")) p->net_gw = val;
        else if (!strcmp(key, "net_prefix")) NUM(val, 10, 32, p->net_prefix, key);
        else if (!strcmp(key, "target_pid")) NUM(val, 10, 0x3fffffff, p->target_pid, key);
        else if (!strcmp(key, "target_start")) NUM(val, 10, 0x7fffffffffffffffULL, p->target_start, key);
        else if (!strcmp(key, "net_join_pid")) NUM(val, 10, 0x3fffffff, p->net_join_pid, key);
        else if (!strcmp(key, "net_join_parent")) NUM(val, 10, 0x3fffffff, p->net_join_parent, key);
        else if (!strcmp(key, "net_join_start")) NUM(val, 10, 0x7fffffffffffffffULL, p->net_join_start, key);
        else if (!strcmp(key, "tty")) NUM(val, 10, 1, p->tty, key);
        else if (!strcmp(key, "interactive")) NUM(val, 10, 1, p->interactive, key);
        else if (!strcmp(key, "root_readonly")) NUM(val, 10, 1, p->root_readonly, key);
        else if (!strcmp(key, "no_new_privs")) NUM(val, 10, 1, p->no_new_privs, key);
        else if (!strcmp(key, "init")) NUM(val, 10, 1, p->init, key);
        else if (!strcmp(key, "uid")) NUM(val, 10, 0x7fffffff, p->uid, key);
        else if (!strcmp(key, "gid")) NUM(val, 10, 0x7fffffff, p->gid, key);
        else if (!strcmp(key, "caps")) NUM(val, 16, ~0ULL, p->caps, key);
        else if (!strcmp(key, "restart")) p->restart = val;
        else if (!strcmp(key, "events")) p->events = val;
        else if (!strcmp(key, "events_max")) NUM(val, 10, 0x7fffffffffffffffULL, p->events_max, key);
        else if (!strcmp(key, "event_actor")) {
            if (strlen(val) > EVENT_ACTOR_MAX)
                return fail_key(err, "the launch plan has a bad value for", key);
            p->event_actor = val;
        }
        else if (!strcmp(key, "restart_max")) NUM(val, 10, 0x7fffffff, p->restart_max, key);
        else if (!strcmp(key, "oci")) NUM(val, 10, 1, p->oci, key);
        else if (!strcmp(key, "console_socket")) p->console_socket = val;
        else if (!strcmp(key, "pid_file")) p->pid_file = val;
        else if (!strcmp(key, "detach")) NUM(val, 10, 1, p->detach, key);
        else if (!strcmp(key, "umask")) NUM(val, 8, 0777, p->umask_value, key);
        else if (!strcmp(key, "oom_score_adj")) {
            /* -1000…1000, the kernel's range; written as given, so a sign is allowed. */
            int neg = val[0] == '-';
            NUM(val + neg, 10, 1000, p->oom_score_adj, key);
            if (neg)
                p->oom_score_adj = -p->oom_score_adj;
            p->has_oom_score_adj = 1;
        }
        else if (!strcmp(key, "ns")) {
            if (!strcmp(val, "cgroup"))
                p->new_cgroupns = 1;
            else if (ns_flag(val))
                p->ns_flags |= ns_flag(val);
            else
                return fail_key(err, "the launch plan names an unknown namespace", val);
        }
        else if (!strcmp(key, "arg")) p->args[p->nargs++] = val;
        else if (!strcmp(key, "env")) p->env[p->nenv++] = val;
        else if (!strcmp(key, "masked")) p->masked[p->nmasked++] = val;
        else if (!strcmp(key, "readonly")) p->ro[p->nro++] = val;
        else if (!strcmp(key, "cgroup_procs")) p->procs[p->nprocs++] = val;
        else if (!strcmp(key, "on_exit")) p->onexit[p->nonexit++] = val;
        else if (!strcmp(key, "health_arg")) p->health_args[p->nhealth_args++] = val;
        else if (!strcmp(key, "health_interval")) NUM(val, 10, HEALTH_MAX_MS, p->health_interval_ms, key);
        else if (!strcmp(key, "health_timeout")) NUM(val, 10, HEALTH_MAX_MS, p->health_timeout_ms, key);
        else if (!strcmp(key, "health_start_period")) NUM(val, 10, HEALTH_MAX_MS, p->health_start_period_ms, key);
        else if (!strcmp(key, "health_start_interval")) NUM(val, 10, HEALTH_MAX_MS, p->health_start_interval_ms, key);
        else if (!strcmp(key, "health_retries")) NUM(val, 10, 1000000, p->health_retries, key);
        else if (!strcmp(key, "gids")) NUM(val, 10, 0x7fffffff, p->gids[p->ngids++], key);
        else if (!strcmp(key, "seccomp_bpf")) {
            if (p->seccomp || decode_filter(val, p) < 0)
                return fail_key(err, "the launch plan has a bad value for", key);
        }
        else if (!strcmp(key, "seccomp_flags")) NUM(val, 10, 0xffff, p->seccomp_flags, key);
        else if (!strcmp(key, "mount")) {
            if (split(val, f, 5) != 5) return fail_key(err, "the launch plan has a bad entry for", key);
            struct plan_mount *m = &p->mounts[p->nmounts++];
            m->type = f[0]; m->source = f[1]; m->dest = f[2]; m->data = f[4];
            NUM(f[3], 10, ~0UL, m->flags, key);
        }
        else if (!strcmp(key, "device")) {
            if (split(val, f, 5) != 5 || (strcmp(f[1], "c") && strcmp(f[1], "b")))
                return fail_key(err, "the launch plan has a bad entry for", key);
            struct plan_device *d = &p->devs[p->ndevs++];
            d->path = f[0]; d->kind = f[1][0];
            NUM(f[2], 10, 0xfff, d->major, key);
            NUM(f[3], 10, 0xfffff, d->minor, key);
            NUM(f[4], 8, 07777, d->mode, key);
        }
        else if (!strcmp(key, "symlink")) {
            if (split(val, f, 2) != 2) return fail_key(err, "the launch plan has a bad entry for", key);
            p->links[p->nlinks].target = f[0];
            p->links[p->nlinks++].path = f[1];
        }
        else if (!strcmp(key, "rlimit")) {
            if (split(val, f, 3) != 3) return fail_key(err, "the launch plan has a bad entry for", key);
            struct plan_rlimit *r = &p->rlimits[p->nrlimits++];
            NUM(f[0], 10, 15, r->resource, key);
            NUM(f[1], 10, ~0ULL, r->soft, key);
            NUM(f[2], 10, ~0ULL, r->hard, key);
        }
        else if (!strcmp(key, "sysctl")) {
            if (split(val, f, 2) != 2) return fail_key(err, "the launch plan has a bad entry for", key);
            /* Words of [A-Za-z0-9_-] between dots: the path under /proc/sys can hold no '/' or "..". */
            int prev_dot = 1;
            for (const char *c = f[0]; *c; c++) {
                int dot = *c == '.';
                if ((dot && prev_dot) || (!dot && !((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                                                    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-')))
                    return fail_key(err, "the launch plan has a bad sysctl name", f[0]);
                prev_dot = dot;
            }
            if (prev_dot)
                return fail_key(err, "the launch plan has a bad sysctl name", f[0]);
            p->sysctls[p->nsysctls].key = f[0];
            p->sysctls[p->nsysctls++].value = f[1];
        }
        else if (!strcmp(key, "ns_path")) {
            /* An existing namespace to join (OCI linux.namespaces[].path); never mount or user. */
            if (split(val, f, 2) != 2) return fail_key(err, "the launch plan has a bad entry for", key);
            int flag = !strcmp(f[0], "cgroup") ? CLONE_NEWCGROUP : ns_flag(f[0]);
            if (!flag || flag == CLONE_NEWNS || flag == CLONE_NEWUSER || f[1][0] != '/')
                return fail_key(err, "the launch plan cannot join the namespace", f[0]);
            p->ns_paths[p->nns_paths].flag = flag;
            p->ns_paths[p->nns_paths++].path = f[1];
        }
        else if (!strcmp(key, "port")) {
            /* host address, host port, container port, tcp or udp (a plan without it: tcp) */
            int k = split(val, f, 4);
            if (k != 3 && k != 4) return fail_key(err, "the launch plan has a bad entry for", key);
            if (k == 4 && strcmp(f[3], "tcp") && strcmp(f[3], "udp"))
                return fail_key(err, "the launch plan has a bad value for", key);
            p->ports[p->nports].host_ip = f[0];
            NUM(f[1], 10, 65535, p->ports[p->nports].host_port, key);
            NUM(f[2], 10, 65535, p->ports[p->nports].container_port, key);
            p->ports[p->nports].udp = k == 4 && !strcmp(f[3], "udp");
            p->nports++;
        }
        else if (!strcmp(key, "hook")) {
            /* stage, timeout in seconds (0: none), absolute path; its hook_arg and hook_env follow */
            if (split(val, f, 3) != 3 || f[2][0] != '/')
                return fail_key(err, "the launch plan has a bad entry for", key);
            struct plan_hook *h = &p->hooks[p->nhooks];
            h->stage = -1;
            for (int k = 0; k < HOOK_STAGES; k++)
                if (!strcmp(f[0], hook_stages[k]))
                    h->stage = k;
            if (h->stage < 0)
                return fail_key(err, "the launch plan names an unknown hook stage", f[0]);
            NUM(f[1], 10, 31536000, h->timeout_s, key);
            h->path = f[2];
            h->arg0 = p->nhook_args;
            h->env0 = p->nhook_envs;
            p->nhooks++;
        }
        else if (!strcmp(key, "hook_arg") || !strcmp(key, "hook_env")) {
            if (p->nhooks == 0)
                return fail_key(err, "the launch plan has no hook before its", key);
            struct plan_hook *h = &p->hooks[p->nhooks - 1];
            if (key[5] == 'a') {
                p->hook_args[p->nhook_args++] = val;
                h->nargs++;
            } else {
                p->hook_envs[p->nhook_envs++] = val;
                h->nenv++;
            }
        }
        else if (!strcmp(key, "oci_state")) p->oci_state = val;
        else if (!strcmp(key, "uid_map") || !strcmp(key, "gid_map")) {
            if (split(val, f, 3) != 3) return fail_key(err, "the launch plan has a bad entry for", key);
            struct plan_idmap *m = key[0] == 'u' ? &p->uid_maps[p->nuid_maps++] : &p->gid_maps[p->ngid_maps++];
            NUM(f[0], 10, 0xffffffffULL, m->inside, key);
            NUM(f[1], 10, 0xffffffffULL, m->host, key);
            NUM(f[2], 10, 0xffffffffULL, m->size, key);
            if (m->size == 0 || (unsigned long long)m->inside + m->size > 0x100000000ULL ||
                (unsigned long long)m->host + m->size > 0x100000000ULL)
                return fail_key(err, "the launch plan has a bad range in", key);
        }
        else if (!strcmp(key, "seccomp_listener")) {
            if (val[0] != '/')
                return fail_key(err, "the launch plan has a bad value for", key);
            p->seccomp_listener = val;
        }
        else if (!strcmp(key, "seccomp_listener_head")) p->seccomp_listener_head = val;
        else if (!strcmp(key, "preserve_fds")) NUM(val, 10, PRESERVE_FDS_MAX, p->preserve_fds, key);
        else if (!strcmp(key, "net_if")) {
            if (split(val, f, 5) != 5) return fail_key(err, "the launch plan has a bad entry for", key);
            struct plan_netif *ni = &p->netifs[p->nnetifs];
            ni->bridge = f[0]; ni->host = f[1]; ni->ifname = f[2]; ni->addr = f[3];
            if (strlen(ni->host) >= IFNAMSIZ || strlen(ni->ifname) >= IFNAMSIZ || strlen(ni->bridge) >= IFNAMSIZ)
                return fail_key(err, "the launch plan has an interface name too long in", key);
            NUM(f[4], 10, 32, ni->prefix, key);
            p->nnetifs++;
        }
        else if (!strcmp(key, "net_addr6")) {
            /* interface, address, prefix length, gateway (empty: no default route) */
            struct in6_addr check;
            if (split(val, f, 4) != 4 || inet_pton(AF_INET6, f[1], &check) != 1 || (*f[3] && inet_pton(AF_INET6, f[3], &check) != 1) ||
                strlen(f[0]) >= IFNAMSIZ)
                return fail_key(err, "the launch plan has a bad entry for", key);
            struct plan_addr6 *a6 = &p->addrs6[p->naddrs6];
            a6->ifname = f[0]; a6->addr = f[1]; a6->gateway = *f[3] ? f[3] : NULL;
            NUM(f[2], 10, 128, a6->prefix, key);
            p->naddrs6++;
        }
        (void)n;
    }
    return 0;
}

int plan_parse(char *buf, size_t len, struct plan *p, char **err)
{
    memset(p, 0, sizeof *p);
    p->restart = "no";
    p->restart_max = -1;
    p->umask_value = -1;
    p->cwd = "/";
    if (len == 0 || buf[len - 1] != 0)
        return fail(err, "the launch plan is truncated");
    char *end = buf + len;

    /* Pass 1: every record is a key and a value, every key is known, lists are counted. */
    size_t counts[L_COUNT] = { 0 };
    int first = 1;
    for (char *cur = buf; cur < end;) {
        char *key = cur;
        cur += strlen(cur) + 1;
        if (cur >= end)
            return fail_key(err, "the launch plan has no value for", key);
        char *val = cur;
        cur += strlen(cur) + 1;
        if (first) {
            if (strcmp(key, PLAN_MAGIC) || strcmp(val, PLAN_VERSION))
                return fail(err, "the launch plan has an unknown format or version");
            first = 0;
            continue;
        }
        int li = list_index(key);
        if (li >= 0)
            counts[li]++;
        else if (!is_scalar(key) && strncmp(key, "opt.", 4))
            return fail_key(err, "the launch plan has a key this berth-shim does not know (mixed versions?):", key);
    }
    if (counts[L_PORT] > PLAN_MAX_PORTS)
        return fail(err, "the launch plan publishes more ports than one supervisor relays (16)");
    if (counts[L_UIDMAP] > PLAN_MAX_IDMAPS || counts[L_GIDMAP] > PLAN_MAX_IDMAPS)
        return fail(err, "the launch plan has more id map lines than the kernel takes (340)");
    if (counts[L_NETIF] > 9 || counts[L_ADDR6] > PLAN_MAX_ADDRS6)
        return fail(err, "the launch plan names more networks than a container has interfaces for (10)");

    /* Pass 2: allocate to size (NULL-terminated where execve takes them), then fill. */
    p->args = calloc(counts[L_ARG] + 1, sizeof *p->args);
    p->env = calloc(counts[L_ENV] + 1, sizeof *p->env);
    p->mounts = calloc(counts[L_MOUNT] + 1, sizeof *p->mounts);
    p->devs = calloc(counts[L_DEVICE] + 1, sizeof *p->devs);
    p->links = calloc(counts[L_SYMLINK] + 1, sizeof *p->links);
    p->masked = calloc(counts[L_MASKED] + 1, sizeof *p->masked);
    p->ro = calloc(counts[L_READONLY] + 1, sizeof *p->ro);
    p->procs = calloc(counts[L_PROCS] + 1, sizeof *p->procs);
    p->onexit = calloc(counts[L_ONEXIT] + 1, sizeof *p->onexit);
    p->gids = calloc(counts[L_GIDS] + 1, sizeof *p->gids);
    p->ports = calloc(counts[L_PORT] + 1, sizeof *p->ports);
    p->rlimits = calloc(counts[L_RLIMIT] + 1, sizeof *p->rlimits);
    p->sysctls = calloc(counts[L_SYSCTL] + 1, sizeof *p->sysctls);
    p->health_args = calloc(counts[L_HEALTH] + 1, sizeof *p->health_args);
    p->ns_paths = calloc(counts[L_NSPATH] + 1, sizeof *p->ns_paths);
    p->netifs = calloc(counts[L_NETIF] + 1, sizeof *p->netifs);
    p->hooks = calloc(counts[L_HOOK] + 1, sizeof *p->hooks);
    p->hook_args = calloc(counts[L_HOOK_ARG] + 1, sizeof *p->hook_args);
    p->hook_envs = calloc(counts[L_HOOK_ENV] + 1, sizeof *p->hook_envs);
    p->uid_maps = calloc(counts[L_UIDMAP] + 1, sizeof *p->uid_maps);
    p->gid_maps = calloc(counts[L_GIDMAP] + 1, sizeof *p->gid_maps);
    if (!p->uid_maps || !p->gid_maps || !p->hooks || !p->hook_args || !p->hook_envs || !p->health_args || !p->netifs || !p->args || !p->env || !p->mounts || !p->devs || !p->links || !p->masked || !p->ro || !p->procs ||
        !p->onexit || !p->gids || !p->ports || !p->rlimits || !p->sysctls || !p->ns_paths) {
        plan_release(p);
        return fail(err, "out of memory reading the launch plan");
    }
    if (fill(buf, end, p, err) < 0) {
        plan_release(p);
        return -1;
    }

    if (p->nhealth_args > 0 && (p->health_interval_ms <= 0 || p->health_timeout_ms <= 0 ||
                                p->health_start_interval_ms <= 0 || p->health_retries <= 0)) {
        plan_release(p);
        return fail(err, "the launch plan's healthcheck lacks its interval, timeout, start interval or retries");
    }
    if (!p->exec_mode && (p->ns_flags & CLONE_NEWUSER) && (!p->oci || !p->nuid_maps || !p->ngid_maps)) {
        plan_release(p);
        return fail(err, "the launch plan's user namespace needs an OCI create with uid and gid maps");
    }
    if ((p->nuid_maps || p->ngid_maps) && (p->exec_mode || !(p->ns_flags & CLONE_NEWUSER))) {
        plan_release(p);
        return fail(err, "the launch plan has id maps without a new user namespace");
    }
    if (p->seccomp_listener && (p->exec_mode || !p->seccomp || !p->oci_state || !p->seccomp_listener_head)) {
        plan_release(p);
        return fail(err, "the launch plan's seccomp listener lacks its filter, oci_state or head (or is in an exec plan)");
    }
    if (p->preserve_fds > 0 && !p->oci) {
        plan_release(p);
        return fail(err, "the launch plan preserves descriptors outside berth-runc's create or exec");
    }
    if (p->nhooks > 0 && (!p->oci || p->exec_mode || !p->oci_state)) {
        plan_release(p);
        return fail(err, "the launch plan has hooks outside an OCI create, or no oci_state for them");
    }
    if (p->exec_mode) {
        if (p->target_pid <= 0 || p->nargs == 0) {
            plan_release(p);
            return fail(err, "the exec plan lacks target_pid or args");
        }
        return 0;
    }
    if (!p->id || !p->state_dir || !p->log_path || !p->rootfs || p->nargs == 0) {
        plan_release(p);
        return fail(err, "the launch plan lacks id, state_dir, log, rootfs or args");
    }
    if ((p->ns_flags & CLONE_NEWNS) == 0) {
        plan_release(p);
        return fail(err, "the launch plan must ask for a mount namespace");
    }
    if ((p->net_join_pid || p->net_join_start || p->net_join_parent) &&
        (p->net_join_pid <= 0 || p->net_join_parent <= 0 || !p->net_join_start || (p->ns_flags & CLONE_NEWNET) || p->oci)) {
        plan_release(p);
        return fail(err, "the launch plan's net_join needs its pid, start and parent, and no network namespace of its own");
    }
    return 0;
}

int plan_load(const char *path, struct plan *p, char **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return fail(err, "cannot open the launch plan");
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > PLAN_MAX_BYTES) {
        close(fd);
        return fail(err, "the launch plan is empty or too large");
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        return fail(err, "out of memory");
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != (size_t)st.st_size) {
        free(buf);
        return fail(err, "the launch plan is truncated");
    }
    buf[got] = 0;
    /* The strings of the plan point into buf for the life of the process. */
    if (plan_parse(buf, got, p, err) < 0) {
        free(buf);
        return -1;
    }
    return 0;
}

/* --check-plan output: "key<TAB>field<TAB>field…" lines; backslash, tab, newline and other
 * control bytes escaped as \\ \t \n \xNN, so every value is one line whatever it holds. */
static void put_escaped(int fd, const char *s)
{
    char out[4];
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\\') write_all(fd, "\\\\", 2);
        else if (c == '\t') write_all(fd, "\\t", 2);
        else if (c == '\n') write_all(fd, "\\n", 2);
        else if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            out[0] = '\\'; out[1] = 'x'; out[2] = hex[c >> 4]; out[3] = hex[c & 15];
            write_all(fd, out, 4);
        } else {
            write_all(fd, s, 1);
        }
    }
}

static void line(int fd, const char *key, int nfields, const char *const *fields)
{
    write_all(fd, key, strlen(key));
    for (int i = 0; i < nfields; i++) {
        write_all(fd, "\t", 1);
        put_escaped(fd, fields[i] ? fields[i] : "");
    }
    write_all(fd, "\n", 1);
}

static void line1(int fd, const char *key, const char *value)
{
    if (value)
        line(fd, key, 1, &value);
}

static const char *num(char *buf, long long v)
{
    fmt_i64(buf, v);
    return buf;
}

/* The filter back as the hex it was read from (--check-plan). */
static void print_filter(const struct plan *p, int fd)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *in = (const unsigned char *)p->seccomp;
    size_t bytes = (size_t)p->seccomp_len * sizeof(struct sock_filter);
    char *hex = malloc(2 * bytes + 1);
    if (!hex)
        return;
    for (size_t i = 0; i < bytes; i++) {
        hex[2 * i] = digits[in[i] >> 4];
        hex[2 * i + 1] = digits[in[i] & 15];
    }
    hex[2 * bytes] = 0;
    line1(fd, "seccomp_bpf", hex);
    free(hex);
    if (p->seccomp_flags) {
        char n[24];
        line1(fd, "seccomp_flags", num(n, p->seccomp_flags));
    }
}

void plan_print(const struct plan *p, int fd)
{
    char a[24], b[24], c[24], d[24];
    line1(fd, "mode", p->exec_mode ? "exec" : "create");
    line1(fd, "id", p->id);
    line1(fd, "state_dir", p->state_dir);
    line1(fd, "log", p->log_path);
    line1(fd, "rootfs", p->rootfs);
    line1(fd, "hostname", p->hostname);
    line1(fd, "domainname", p->domainname);
    line1(fd, "cwd", p->cwd);
    line1(fd, "oom_file", p->oom_file);
    if (p->exec_mode)
        line1(fd, "target_pid", num(a, p->target_pid));
    if (p->target_start)
        line1(fd, "target_start", num(a, (long long)p->target_start));
    if (p->net_join_pid) {
        line1(fd, "net_join_pid", num(a, p->net_join_pid));
        line1(fd, "net_join_start", num(a, (long long)p->net_join_start));
        line1(fd, "net_join_parent", num(a, p->net_join_parent));
    }
    static const struct { int flag; const char *name; } ns[] = {
        { CLONE_NEWPID, "pid" }, { CLONE_NEWNS, "mount" }, { CLONE_NEWUTS, "uts" }, { CLONE_NEWIPC, "ipc" },
        { CLONE_NEWNET, "network" }, { CLONE_NEWUSER, "user" },
    };
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        if (p->ns_flags & ns[i].flag)
            line1(fd, "ns", ns[i].name);
    if (p->new_cgroupns)
        line1(fd, "ns", "cgroup");
    line1(fd, "uid", num(a, p->uid));
    line1(fd, "gid", num(a, p->gid));
    for (int i = 0; i < p->ngids; i++)
        line1(fd, "gids", num(a, p->gids[i]));
    static const char hex[] = "0123456789abcdef";
    char caps[17];
    for (int i = 0; i < 16; i++)
        caps[i] = hex[(p->caps >> (60 - 4 * i)) & 15];
    caps[16] = 0;
    line1(fd, "caps", caps);
    line1(fd, "no_new_privs", num(a, p->no_new_privs));
    line1(fd, "tty", num(a, p->tty));
    line1(fd, "interactive", num(a, p->interactive));
    line1(fd, "root_readonly", num(a, p->root_readonly));
    line1(fd, "restart", p->restart);
    line1(fd, "restart_max", num(a, p->restart_max));
    line1(fd, "net_bridge", p->net_bridge);
    line1(fd, "net_host", p->net_host);
    line1(fd, "net_addr", p->net_addr);
    if (p->net_addr)
        line1(fd, "net_prefix", num(a, p->net_prefix));
    line1(fd, "net_gw", p->net_gw);
    for (int i = 0; i < p->nnetifs; i++) {
        const struct plan_netif *ni = &p->netifs[i];
        const char *f[5] = { ni->bridge, ni->host, ni->ifname, ni->addr, num(a, ni->prefix) };
        line(fd, "net_if", 5, f);
    }
    for (int i = 0; i < p->naddrs6; i++) {
        const struct plan_addr6 *a6 = &p->addrs6[i];
        const char *f[4] = { a6->ifname, a6->addr, num(a, a6->prefix), a6->gateway ? a6->gateway : "" };
        line(fd, "net_addr6", 4, f);
    }
    for (int i = 0; i < p->nargs; i++) line1(fd, "arg", p->args[i]);
    for (int i = 0; i < p->nenv; i++) line1(fd, "env", p->env[i]);
    for (int i = 0; i < p->nmounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        const char *f[5] = { m->type, m->source, m->dest, num(a, (long long)m->flags), m->data };
        line(fd, "mount", 5, f);
    }
    for (int i = 0; i < p->ndevs; i++) {
        const struct plan_device *v = &p->devs[i];
        char kind[2] = { v->kind, 0 };
        const char *f[5] = { v->path, kind, num(a, v->major), num(b, v->minor), num(c, v->mode) };
        line(fd, "device", 5, f);
    }
    for (int i = 0; i < p->nlinks; i++) {
        const char *f[2] = { p->links[i].target, p->links[i].path };
        line(fd, "symlink", 2, f);
    }
    for (int i = 0; i < p->nmasked; i++) line1(fd, "masked", p->masked[i]);
    for (int i = 0; i < p->nro; i++) line1(fd, "readonly", p->ro[i]);
    for (int i = 0; i < p->nprocs; i++) line1(fd, "cgroup_procs", p->procs[i]);
    for (int i = 0; i < p->nonexit; i++) line1(fd, "on_exit", p->onexit[i]);
    if (p->seccomp)
        print_filter(p, fd);
    if (p->init)
        line1(fd, "init", num(a, p->init));
    for (int i = 0; i < p->nrlimits; i++) {
        const char *f[3] = { num(a, p->rlimits[i].resource), num(b, (long long)p->rlimits[i].soft), num(c, (long long)p->rlimits[i].hard) };
        line(fd, "rlimit", 3, f);
    }
    for (int i = 0; i < p->nsysctls; i++) {
        const char *f[2] = { p->sysctls[i].key, p->sysctls[i].value };
        line(fd, "sysctl", 2, f);
    }
    line1(fd, "events", p->events);
    if (p->events)
        line1(fd, "events_max", num(a, p->events_max));
    line1(fd, "event_actor", p->event_actor);
    if (p->oci)
        line1(fd, "oci", num(a, p->oci));
    for (int i = 0; i < p->nns_paths; i++) {
        static const struct { int flag; const char *name; } names[] = {
            { CLONE_NEWPID, "pid" }, { CLONE_NEWUTS, "uts" }, { CLONE_NEWIPC, "ipc" }, { CLONE_NEWNET, "network" },
            { CLONE_NEWCGROUP, "cgroup" },
        };
        const char *name = "?";
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (names[k].flag == p->ns_paths[i].flag)
                name = names[k].name;
        const char *f[2] = { name, p->ns_paths[i].path };
        line(fd, "ns_path", 2, f);
    }
    line1(fd, "console_socket", p->console_socket);
    line1(fd, "pid_file", p->pid_file);
    if (p->detach)
        line1(fd, "detach", num(a, p->detach));
    if (p->has_oom_score_adj)
        line1(fd, "oom_score_adj", num(a, p->oom_score_adj));
    if (p->umask_value >= 0)
        line1(fd, "umask", num(a, p->umask_value));
    for (int i = 0; i < p->nports; i++) {
        const char *f[4] = { p->ports[i].host_ip, num(a, p->ports[i].host_port), num(d, p->ports[i].container_port),
                             p->ports[i].udp ? "udp" : "tcp" };
        line(fd, "port", 4, f);
    }
    line1(fd, "dns_dir", p->dns_dir);
    if (p->dns_networks) {
        /* One field per network, as the plan has them (0x1F between). */
        char copy[4096];
        const char *f[16];
        int nf = 0;
        strncpy(copy, p->dns_networks, sizeof copy - 1);
        copy[sizeof copy - 1] = 0;
        for (char *c = copy; nf < 16;) {
            f[nf++] = c;
            char *e = strchr(c, SEP);
            if (!e)
                break;
            *e = 0;
            c = e + 1;
        }
        line(fd, "dns_networks", nf, f);
    }
    if (p->ndns_servers) {
        char text[DNS_MAX_SERVERS][INET_ADDRSTRLEN];
        const char *f[DNS_MAX_SERVERS];
        for (int i = 0; i < p->ndns_servers; i++) {
            struct in_addr ia = { htonl(p->dns_servers[i]) };
            f[i] = inet_ntop(AF_INET, &ia, text[i], sizeof text[i]);
        }
        line(fd, "dns_servers", p->ndns_servers, f);
    }
    for (int i = 0; i < p->nhealth_args; i++) line1(fd, "health_arg", p->health_args[i]);
    if (p->nhealth_args) {
        line1(fd, "health_interval", num(a, p->health_interval_ms));
        line1(fd, "health_timeout", num(a, p->health_timeout_ms));
        line1(fd, "health_start_period", num(a, p->health_start_period_ms));
        line1(fd, "health_start_interval", num(a, p->health_start_interval_ms));
        line1(fd, "health_retries", num(a, p->health_retries));
    }
    for (int i = 0; i < p->nhooks; i++) {
        const struct plan_hook *h = &p->hooks[i];
        const char *f[3] = { hook_stages[h->stage], num(a, h->timeout_s), h->path };
        line(fd, "hook", 3, f);
        for (int k = 0; k < h->nargs; k++) line1(fd, "hook_arg", p->hook_args[h->arg0 + k]);
        for (int k = 0; k < h->nenv; k++) line1(fd, "hook_env", p->hook_envs[h->env0 + k]);
    }
    line1(fd, "oci_state", p->oci_state);
    if (p->preserve_fds)
        line1(fd, "preserve_fds", num(a, p->preserve_fds));
    for (int k = 0; k < p->nuid_maps + p->ngid_maps; k++) {
        const struct plan_idmap *m = k < p->nuid_maps ? &p->uid_maps[k] : &p->gid_maps[k - p->nuid_maps];
        char b1[24], b2[24], b3[24];
        const char *f[3] = { num(b1, m->inside), num(b2, m->host), num(b3, m->size) };
        line(fd, k < p->nuid_maps ? "uid_map" : "gid_map", 3, f);
    }
    line1(fd, "seccomp_listener", p->seccomp_listener);
    line1(fd, "seccomp_listener_head", p->seccomp_listener_head);
}
