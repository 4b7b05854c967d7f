/* Starting the container's init inside its cgroup. On the unified hierarchy a container has one
 * cgroup, and clone3(CLONE_INTO_CGROUP) (Linux 5.7) creates the child there: it never runs, not
 * even for a moment, in the supervisor's cgroup, and no cgroup.procs write is needed. v1 (several
 * hierarchies) and older kernels take the classic way: clone, then write the pid. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* The kernel's struct clone_args, version 2 (with `cgroup`), declared here: <linux/sched.h>
 * clashes with glibc's <sched.h>. */
struct berth_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

pid_t clone_into_cgroup(unsigned long flags, const char *procs_file, int *joined)
{
    *joined = 0;
    char dir[4096];
    const char *slash = procs_file ? strrchr(procs_file, '/') : NULL;
    size_t len = slash ? (size_t)(slash - procs_file) : 0;
    int cg = -1;
    struct statfs fs;
    if (len > 0 && len < sizeof dir) {
        memcpy(dir, procs_file, len);
        dir[len] = 0;
        cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        /* Only a cgroup2 directory can be a target; a v1 one would fail with EBADF anyway. */
        if (cg >= 0 && (fstatfs(cg, &fs) < 0 || fs.f_type != CGROUP2_SUPER_MAGIC)) {
            close(cg);
            cg = -1;
        }
    }
    if (cg >= 0) {
        struct berth_clone_args a;
        memset(&a, 0, sizeof a);
        a.flags = (uint64_t)flags | CLONE_INTO_CGROUP;
        a.exit_signal = SIGCHLD;
        a.cgroup = (uint64_t)cg;
        long pid = syscall(SYS_clone3, &a, sizeof a);
        int e = errno;
        close(cg); /* in the child too: the init must not keep a descriptor of a host directory */
        if (pid >= 0) {
            *joined = 1;
            return (pid_t)pid;
        }
        /* ENOSYS: no clone3 (before 5.3); E2BIG/EINVAL: no `cgroup` field or flag (before 5.7).
         * Anything else (EAGAIN at the pids limit, ENOMEM) is the clone's own failure. */
        if (e != ENOSYS && e != E2BIG && e != EINVAL) {
            errno = e;
            return -1;
        }
    }
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

int join_cgroups(const struct plan *p, pid_t pid, struct launch_error *e)
{
    char num[24];
    size_t nl = fmt_i64(num, pid);
    for (int i = 0; i < p->nprocs; i++) {
        int fd = open(p->procs[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, num, nl) < 0) {
            set_error(e, 125, errno, "join cgroup", p->procs[i]);
            if (fd >= 0)
                close(fd);
            return -1;
        }
        close(fd);
    }
    return 0;
}
