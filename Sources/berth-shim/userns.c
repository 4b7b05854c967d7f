/* A container's new user namespace, set up from outside by the `berth-runc create` process
 * (oci.c) while the init waits for its go: the init cannot write its own maps with the ids the
 * bundle asks for, and once inside it has no privilege over the host, so what needs that is
 * done here too (as runc does from its parent):
 *
 *   /proc/INIT/uid_map, gid_map     linux.uidMappings, gidMappings ("inside host size" lines);
 *   /proc/INIT/oom_score_adj        a value below the current one needs CAP_SYS_RESOURCE;
 *   prlimit(INIT)                   raising a hard limit needs it too.
 *
 * The maps are written by root of the parent namespace, so setgroups stays allowed inside. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static int write_proc(pid_t pid, const char *file, const char *text, size_t len)
{
    char path[64] = "/proc/";
    size_t n = strlen(path);
    n += fmt_i64(path + n, pid);
    path[n++] = '/';
    strcpy(path + n, file);
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    /* A map must be written in one write(2): the kernel takes it whole or not at all. */
    ssize_t w = write(fd, text, len);
    int e = errno;
    close(fd);
    if (w != (ssize_t)len)
        return errno = w < 0 ? e : EIO, -1;
    return 0;
}

static int write_map(pid_t pid, const char *file, const struct plan_idmap *maps, int n)
{
    static char text[PLAN_MAX_IDMAPS * 36];
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        len += fmt_i64(text + len, maps[i].inside);
        text[len++] = ' ';
        len += fmt_i64(text + len, maps[i].host);
        text[len++] = ' ';
        len += fmt_i64(text + len, maps[i].size);
        text[len++] = '\n';
    }
    return write_proc(pid, file, text, len);
}

int userns_prepare(const struct plan *p, pid_t pid, const char **what)
{
    *what = "write linux.uidMappings to the init's uid_map";
    if (write_map(pid, "uid_map", p->uid_maps, p->nuid_maps) < 0)
        return -1;
    *what = "write linux.gidMappings to the init's gid_map";
    if (write_map(pid, "gid_map", p->gid_maps, p->ngid_maps) < 0)
        return -1;
    if (p->has_oom_score_adj) {
        char num[24];
        size_t n = fmt_i64(num, p->oom_score_adj);
        *what = "write process.oomScoreAdj to the init's oom_score_adj";
        if (write_proc(pid, "oom_score_adj", num, n) < 0)
            return -1;
    }
    for (int i = 0; i < p->nrlimits; i++) {
        struct rlimit rl = { (rlim_t)p->rlimits[i].soft, (rlim_t)p->rlimits[i].hard };
        *what = "set process.rlimits on the init (prlimit)";
        if (prlimit(pid, p->rlimits[i].resource, &rl, NULL) < 0)
            return -1;
    }
    return 0;
}
