/* The launch plan: a flat file of NUL-terminated key and value strings, written by the Swift
 * library (Shim/LaunchPlan.swift). Repeated keys build lists; compound values separate their
 * fields with 0x1f (ASCII unit separator), which never occurs in paths we accept. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEP '\x1f'

static int fail(char **err, const char *msg)
{
    *err = (char *)msg;
    return -1;
}

/* Splits `s` in place at SEP into at most `max` fields; returns how many. */
static int split(char *s, char **fields, int max)
{
    int n = 0;
    fields[n++] = s;
    for (char *c = s; *c && n < max; c++) {
        if (*c == SEP) {
            *c = 0;
            fields[n++] = c + 1;
        }
    }
    return n;
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

int plan_load(const char *path, struct plan *p, char **err)
{
    memset(p, 0, sizeof *p);
    p->restart = "no";
    p->restart_max = -1;
    p->cwd = "/";

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, "cannot open the launch plan");
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > (1 << 20)) {
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
    if (got != (size_t)st.st_size || buf[got - 1] != 0)
        return fail(err, "the launch plan is truncated");
    buf[got] = 0;

    char *end = buf + got;
    char *cur = buf;
    int first = 1;
    while (cur < end) {
        char *key = cur;
        cur += strlen(cur) + 1;
        if (cur >= end)
            return fail(err, "the launch plan has a key without a value");
        char *val = cur;
        cur += strlen(cur) + 1;
        if (first) {
            if (strcmp(key, PLAN_MAGIC) || strcmp(val, PLAN_VERSION))
                return fail(err, "the launch plan has an unknown format or version");
            first = 0;
            continue;
        }
        char *f[6];
        if (!strcmp(key, "id")) p->id = val;
        else if (!strcmp(key, "state_dir")) p->state_dir = val;
        else if (!strcmp(key, "log")) p->log_path = val;
        else if (!strcmp(key, "rootfs")) p->rootfs = val;
        else if (!strcmp(key, "hostname")) p->hostname = val;
        else if (!strcmp(key, "cwd")) p->cwd = val;
        else if (!strcmp(key, "oom_file")) p->oom_file = val;
        else if (!strcmp(key, "mode")) p->exec_mode = !strcmp(val, "exec");
        else if (!strcmp(key, "seccomp_deny")) {
            if (p->ndeny >= 128) return fail(err, "too many denied system calls");
            p->deny[p->ndeny++] = (unsigned)strtoul(val, NULL, 10);
        }
        else if (!strcmp(key, "net_bridge")) p->net_bridge = val;
        else if (!strcmp(key, "net_host")) p->net_host = val;
        else if (!strcmp(key, "net_addr")) p->net_addr = val;
        else if (!strcmp(key, "net_gw")) p->net_gw = val;
        else if (!strcmp(key, "net_prefix")) p->net_prefix = atoi(val);
        else if (!strcmp(key, "port")) {
            if (p->nports >= 16 || split(val, f, 3) != 3) return fail(err, "bad port entry in the launch plan");
            p->ports[p->nports].host_ip = f[0];
            p->ports[p->nports].host_port = (unsigned)strtoul(f[1], NULL, 10);
            p->ports[p->nports++].container_port = (unsigned)strtoul(f[2], NULL, 10);
        }
        else if (!strcmp(key, "target_pid")) p->target_pid = (pid_t)strtol(val, NULL, 10);
        else if (!strcmp(key, "tty")) p->tty = atoi(val);
        else if (!strcmp(key, "interactive")) p->interactive = atoi(val);
        else if (!strcmp(key, "ns")) {
            if (!strcmp(val, "cgroup"))
                p->new_cgroupns = 1;
            else if (ns_flag(val))
                p->ns_flags |= ns_flag(val);
            else
                return fail(err, "the launch plan names an unknown namespace");
        }
        else if (!strcmp(key, "no_new_privs")) p->no_new_privs = atoi(val);
        else if (!strcmp(key, "uid")) p->uid = (uid_t)strtoul(val, NULL, 10);
        else if (!strcmp(key, "gid")) p->gid = (gid_t)strtoul(val, NULL, 10);
        else if (!strcmp(key, "gids")) {
            if (p->ngids < 64)
                p->gids[p->ngids++] = (gid_t)strtoul(val, NULL, 10);
        }
        else if (!strcmp(key, "caps")) p->caps = strtoull(val, NULL, 16);
        else if (!strcmp(key, "restart")) p->restart = val;
        else if (!strcmp(key, "restart_max")) p->restart_max = strtol(val, NULL, 10);
        else if (!strcmp(key, "arg")) {
            if (p->nargs >= MAX_LIST) return fail(err, "too many arguments");
            p->args[p->nargs++] = val;
        }
        else if (!strcmp(key, "env")) {
            if (p->nenv >= MAX_LIST) return fail(err, "too many environment variables");
            p->env[p->nenv++] = val;
        }
        else if (!strcmp(key, "mount")) {
            if (p->nmounts >= 64 || split(val, f, 5) != 5) return fail(err, "bad mount entry in the launch plan");
            struct plan_mount *m = &p->mounts[p->nmounts++];
            m->type = f[0]; m->source = f[1]; m->dest = f[2];
            m->flags = strtoul(f[3], NULL, 10); m->data = f[4];
        }
        else if (!strcmp(key, "device")) {
            if (p->ndevs >= 32 || split(val, f, 5) != 5) return fail(err, "bad device entry in the launch plan");
            struct plan_device *d = &p->devs[p->ndevs++];
            d->path = f[0]; d->kind = f[1][0];
            d->major = (unsigned)strtoul(f[2], NULL, 10); d->minor = (unsigned)strtoul(f[3], NULL, 10);
            d->mode = (unsigned)strtoul(f[4], NULL, 8);
        }
        else if (!strcmp(key, "symlink")) {
            if (p->nlinks >= 32 || split(val, f, 2) != 2) return fail(err, "bad symlink entry in the launch plan");
            p->links[p->nlinks].target = f[0];
            p->links[p->nlinks++].path = f[1];
        }
        else if (!strcmp(key, "masked")) { if (p->nmasked < 32) p->masked[p->nmasked++] = val; }
        else if (!strcmp(key, "readonly")) { if (p->nro < 32) p->ro[p->nro++] = val; }
        else if (!strcmp(key, "cgroup_procs")) { if (p->nprocs < 16) p->procs[p->nprocs++] = val; }
        else if (!strcmp(key, "on_exit")) { if (p->nonexit < 16) p->onexit[p->nonexit++] = val; }
        /* Unknown keys are ignored so that a newer library can add optional steps. */
    }
    if (p->exec_mode) {
        if (p->target_pid <= 0 || p->nargs == 0)
            return fail(err, "the exec plan lacks target_pid or args");
        return 0;
    }
    if (!p->id || !p->state_dir || !p->log_path || !p->rootfs || p->nargs == 0)
        return fail(err, "the launch plan lacks id, state_dir, log, rootfs or args");
    if ((p->ns_flags & CLONE_NEWNS) == 0)
        return fail(err, "the launch plan must ask for a mount namespace");
    return 0;
}
