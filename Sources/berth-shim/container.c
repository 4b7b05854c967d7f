/* The container's init between clone and execve: namespaces, mounts, pivot_root, identity,
 * capabilities, exec. Runs in a child of the single-threaded supervisor. Every host-affecting
 * call is gated on the namespace that makes it private. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#define PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void fail(int err_fd, int code, int err, const char *what, const char *detail)
{
    struct launch_error e;
    memset(&e, 0, sizeof e);
    set_error(&e, code, err, what, detail);
    /* After `start` nobody reads err_fd any more (the create process is gone): a write there
     * would only raise SIGPIPE. The caller's stderr gets the message instead. */
    if (!oci_started)
        write_all(err_fd, &e, sizeof e);
    if (oci_started) {
        char msg[300];
        launch_error_text(&e, msg, sizeof msg);
        write_all(2, "berth-runc: ", 12);
        write_all(2, msg, strlen(msg));
        write_all(2, "\n", 1);
    }
    _exit(code);
}

/* process.oomScoreAdj (`--oom-score-adj`): written by the init itself, before it drops its
 * capabilities (a value below the current one needs CAP_SYS_RESOURCE) and before the command runs,
 * so every process of the container inherits it. */
static void set_oom_score_adj(const struct plan *p, int err_fd)
{
    /* In a user namespace the create process wrote it (userns.c): we have no say over the host. */
    if (!p->has_oom_score_adj || (p->ns_flags & CLONE_NEWUSER))
        return;
    char num[24];
    size_t n = fmt_i64(num, p->oom_score_adj);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    ssize_t w = fd < 0 ? -1 : write(fd, num, n);
    if (w >= 0 && w != (ssize_t)n)
        errno = EIO;
    if (w != (ssize_t)n)
        fail(err_fd, 125, errno, "write process.oomScoreAdj to",
             errno == EACCES ? "/proc/self/oom_score_adj (a negative value needs CAP_SYS_RESOURCE)" : "/proc/self/oom_score_adj");
    close(fd);
}

/* Mounts onto what `fd` refers to (an O_PATH descriptor resolved inside the root), so the
 * kernel never re-resolves an image-controlled path string. */
static int mount_on_fd(const char *source, int fd, const char *type, unsigned long flags, const char *data)
{
    char target[40];
    fd_path(fd, target, sizeof target);
    return mount(source, target, type, flags, data);
}

/* A mount point must not lie in the container's procfs or sysfs (an image's symlink can lead a
 * target there): mounting over /proc/sys or /sys/kernel would undo what the masks protect. Only
 * the cgroup filesystem belongs inside /sys. */
static void check_mount_point(int fd, const struct plan_mount *m, int err_fd)
{
    struct statfs sfs;
    if (fstatfs(fd, &sfs) < 0)
        fail(err_fd, 125, errno, "statfs the mount point", m->dest);
    int cgroup = !strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2");
    if (sfs.f_type == PROC_SUPER_MAGIC || (sfs.f_type == SYSFS_MAGIC && !cgroup))
        fail(err_fd, 125, EPERM, "refused: the mount point lies in the container's /proc or /sys:", m->dest);
}

/* OCI mode: the create's sync pipe (kept open while the runtime's hooks may still run) and
 * /dev/null, for the hooks. With hooks or a seccomp listener: the init's pid as the caller sees
 * it (read before /proc changes). With a listener: the socket to it, connected while the host's
 * paths are still reachable. */
static int oci_sync_fd = -1;
static pid_t init_host_pid;
static int oci_null_fd = -1;
static int seccomp_listener_fd = -1;

/* OCI mode, the mounts made and pivot_root next: the runtime's hooks (prestart, createRuntime)
 * run now, in the create process (oci.c), which this record asks for and whose byte lets us
 * go on; then createContainer, here, in the container's namespaces (hooks.c). */
static void oci_hooks_before_pivot(const struct plan *p, int err_fd)
{
    if (hooks_any(p, HOOK_PRESTART) || hooks_any(p, HOOK_CREATE_RUNTIME)) {
        struct launch_error e;
        memset(&e, 0, sizeof e);
        e.exit_code = LAUNCH_MOUNTED;
        write_all(err_fd, &e, sizeof e);
        char go;
        ssize_t n;
        do {
            n = read(oci_sync_fd, &go, 1);
        } while (n < 0 && errno == EINTR);
        if (n != 1)
            _exit(125);
    }
    close(oci_sync_fd);
    oci_sync_fd = -1;
    char msg[240];
    if (hooks_run(p, HOOK_CREATE_CONTAINER, "creating", init_host_pid, oci_null_fd, msg, sizeof msg) < 0)
        fail(err_fd, 125, 0, msg, NULL);
}

/* In a user namespace mknod is refused: the host's node at the same path is bound over an empty
 * file instead (runc does the same). It must be the device the bundle names. */
static void bind_host_device(int dir, const char *base, const struct plan_device *d, int err_fd)
{
    int src = open_no_symlinks(d->path);
    struct stat st;
    if (src < 0 || fstat(src, &st) < 0)
        fail(err_fd, 125, errno, "open the host's device to bind it into the user namespace", d->path);
    if ((d->kind == 'b' ? !S_ISBLK(st.st_mode) : !S_ISCHR(st.st_mode)) || major(st.st_rdev) != d->major ||
        minor(st.st_rdev) != d->minor)
        fail(err_fd, 125, ENODEV, "the host's node is not the device linux.devices names", d->path);
    int file = openat(dir, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (file < 0)
        fail(err_fd, 125, errno, "create the mount point of device", d->path);
    close(file);
    int target = openat(dir, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    char src_path[40];
    fd_path(src, src_path, sizeof src_path);
    if (target < 0 || mount_on_fd(src_path, target, NULL, MS_BIND, NULL) < 0)
        fail(err_fd, 125, errno, "bind the host's device", d->path);
    close(target);
    close(src);
}

static void do_mounts(const struct plan *p, int err_fd)
{
    /* Nothing we mount may propagate back to the host's mount table. A bind that asks for slave
     * propagation (to see the host's later mounts) needs the namespace's copies to stay slaves of
     * the host's; a slave still sends nothing back. */
    unsigned long root_prop = MS_PRIVATE;
    for (int i = 0; i < p->nmounts; i++)
        if (p->mounts[i].flags & MS_SLAVE)
            root_prop = MS_SLAVE;
    if (mount(NULL, "/", NULL, MS_REC | root_prop, NULL) < 0)
        fail(err_fd, 125, errno, "make / private", NULL);
    int root_fd = -1;
    unsigned long root_flags = 0;
    for (int i = 0; i < p->nmounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        int is_bind = (m->flags & MS_BIND) != 0;
        /* The kernel ignores every other flag of a call that changes propagation: a separate call. */
        unsigned long prop = m->flags & PROPAGATION;
        unsigned long flags = m->flags & ~PROPAGATION;
        unsigned long rest = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        const char *data = *m->data ? m->data : NULL;
        if (!strcmp(m->dest, "/")) {
            /* The root itself: a directory of Berth's own state, not of the image. */
            if (root_fd >= 0)
                fail(err_fd, 125, EINVAL, "the launch plan mounts the root twice", NULL);
            if (mount(m->source, p->rootfs, m->type, is_bind ? (flags & (MS_BIND | MS_REC)) : flags, data) < 0)
                fail(err_fd, 125, errno, "mount the root", p->rootfs);
            if (is_bind && rest && mount(NULL, p->rootfs, NULL, MS_REMOUNT | MS_BIND | rest, NULL) < 0)
                fail(err_fd, 125, errno, "remount the root", p->rootfs);
            root_flags = rest;
            root_fd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (root_fd < 0)
                fail(err_fd, 125, errno, "open the root", p->rootfs);
            continue;
        }
        if (root_fd < 0)
            fail(err_fd, 125, EINVAL, "the launch plan mounts before the root", m->dest);
        int is_file = 0, src_fd = -1;
        const char *source = m->source;
        char src_path[40];
        if (is_bind) {
            /* Opened once, without following any symlink, and mounted by descriptor: what is
             * mounted is what was checked. */
            src_fd = open_no_symlinks(m->source);
            if (src_fd < 0)
                fail(err_fd, 125, errno, errno == ELOOP ? "bind source passes through a symlink" : "bind source", m->source);
            struct stat st;
            if (fstat(src_fd, &st) < 0)
                fail(err_fd, 125, errno, "bind source", m->source);
            is_file = !S_ISDIR(st.st_mode);
            fd_path(src_fd, src_path, sizeof src_path);
            source = src_path;
        }
        int target = mkpath_in_root(root_fd, m->dest, is_file, 0755);
        if (target < 0)
            fail(err_fd, 125, errno, "create mount point", m->dest);
        check_mount_point(target, m, err_fd);
        if (mount_on_fd(source, target, m->type, is_bind ? (flags & (MS_BIND | MS_REC)) : flags, data) < 0)
            fail(err_fd, 125, errno, "mount", m->dest);
        close(target);
        if (src_fd >= 0)
            close(src_fd);
        /* A bind mount ignores other flags until it is remounted; the descriptor opened before
         * the mount names what lies beneath it, so resolve the target again. */
        if ((is_bind && rest) || prop) {
            target = open_in_root(root_fd, m->dest, O_PATH);
            if (target < 0)
                fail(err_fd, 125, errno, "reopen the mount point", m->dest);
            if (is_bind && rest && mount_on_fd(NULL, target, NULL, MS_REMOUNT | MS_BIND | rest, NULL) < 0)
                fail(err_fd, 125, errno, "remount", m->dest);
            if (prop && mount_on_fd(NULL, target, NULL, prop | (flags & MS_REC), NULL) < 0)
                fail(err_fd, 125, errno, "set the propagation of", m->dest);
            close(target);
        }
    }
    if (root_fd < 0)
        fail(err_fd, 125, EINVAL, "the launch plan has no root mount", NULL);
    char base[256];
    mode_t old_umask = umask(0); /* mknod must give the plan's mode exactly */
    for (int i = 0; i < p->ndevs; i++) {
        const struct plan_device *d = &p->devs[i];
        int dir = open_parent_in_root(root_fd, d->path, base, sizeof base);
        if (dir < 0)
            fail(err_fd, 125, errno, "device", d->path);
        mode_t type = d->kind == 'b' ? S_IFBLK : S_IFCHR;
        unlinkat(dir, base, 0);
        if (p->ns_flags & CLONE_NEWUSER)
            bind_host_device(dir, base, d, err_fd);
        else if (mknodat(dir, base, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0)
            fail(err_fd, 125, errno, "mknod", d->path);
        close(dir);
    }
    umask(old_umask);
    for (int i = 0; i < p->nlinks; i++) {
        int dir = open_parent_in_root(root_fd, p->links[i].path, base, sizeof base);
        if (dir < 0)
            fail(err_fd, 125, errno, "symlink", p->links[i].path);
        unlinkat(dir, base, 0);
        if (symlinkat(p->links[i].target, dir, base) < 0)
            fail(err_fd, 125, errno, "symlink", p->links[i].path);
        close(dir);
    }
    /* Before the root is made read-only (as runc): a createContainer hook (CDI's ldcache and
     * symlinks) writes into it. */
    if (p->oci)
        oci_hooks_before_pivot(p, err_fd);
    if (p->root_readonly) {
        /* Last, once every mount point and node exists; the working directory too, as it cannot
         * be made later. The mounts on the root keep their own flags. */
        int cwd = mkpath_in_root(root_fd, p->cwd, 0, 0755);
        if (cwd < 0)
            fail(err_fd, 125, errno, "create the working directory", p->cwd);
        close(cwd);
        if (mount(NULL, p->rootfs, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | root_flags, NULL) < 0)
            fail(err_fd, 125, errno, "remount the root read-only", p->rootfs);
    }
    close(root_fd);
    /* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the new. */
    if (chdir(p->rootfs) < 0)
        fail(err_fd, 125, errno, "chdir", p->rootfs);
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        fail(err_fd, 125, errno, "pivot_root", p->rootfs);
    if (umount2(".", MNT_DETACH) < 0)
        fail(err_fd, 125, errno, "detach the old root", NULL);
    if (chdir("/") < 0)
        fail(err_fd, 125, errno, "chdir", "/");

    for (int i = 0; i < p->nmasked; i++) {
        struct stat st;
        if (stat(p->masked[i], &st) < 0)
            continue;
        int rc = S_ISDIR(st.st_mode)
            ? mount("tmpfs", p->masked[i], "tmpfs", MS_RDONLY, "size=0")
            : mount("/dev/null", p->masked[i], NULL, MS_BIND, NULL);
        if (rc < 0)
            fail(err_fd, 125, errno, "mask", p->masked[i]);
    }
    /* Before /proc/sys is made read-only. The plan reader allowed only word characters and dots,
     * so the path stays under this procfs's sys/; the library allowed only namespaced keys. */
    for (int i = 0; i < p->nsysctls; i++) {
        char path[320] = "/proc/sys/";
        size_t n = strlen(path), kl = strlen(p->sysctls[i].key);
        if (n + kl >= sizeof path)
            fail(err_fd, 125, ENAMETOOLONG, "sysctl", p->sysctls[i].key);
        for (size_t k = 0; k < kl; k++)
            path[n + k] = p->sysctls[i].key[k] == '.' ? '/' : p->sysctls[i].key[k];
        path[n + kl] = 0;
        int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || write_all(fd, p->sysctls[i].value, strlen(p->sysctls[i].value)) < 0)
            fail(err_fd, 125, errno, "sysctl", p->sysctls[i].key);
        close(fd);
    }
    for (int i = 0; i < p->nro; i++) {
        if (mount(p->ro[i], p->ro[i], NULL, MS_BIND | MS_REC, NULL) < 0) {
            if (errno == ENOENT)
                continue;
            fail(err_fd, 125, errno, "bind read-only path", p->ro[i]);
        }
        if (mount(NULL, p->ro[i], NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
            fail(err_fd, 125, errno, "remount read-only", p->ro[i]);
    }
}

static void loopback_up(int err_fd)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        fail(err_fd, 125, errno, "socket for loopback", NULL);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        fail(err_fd, 125, errno, "get loopback flags", NULL);
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        fail(err_fd, 125, errno, "bring loopback up", NULL);
    close(s);
}

static void drop_bounding_set(const struct plan *p, int err_fd)
{
    for (int cap = 0; cap <= 63; cap++) {
        if (p->caps & (1ULL << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            fail(err_fd, 125, errno, "drop capability from the bounding set", NULL);
    }
}

static void set_identity(const struct plan *p, int err_fd)
{
    if (setgroups((size_t)p->ngids, p->gids) < 0)
        fail(err_fd, 125, errno, "setgroups", NULL);
    if (setresgid(p->gid, p->gid, p->gid) < 0)
        fail(err_fd, 125, errno, "setgid", NULL);
    if (setresuid(p->uid, p->uid, p->uid) < 0)
        fail(err_fd, 125, errno, "setuid", NULL);
    /* setuid to non-root already cleared the permitted set; for root, narrow it to the plan's. */
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (p->uid == 0) {
        uint32_t lo = (uint32_t)p->caps, hi = (uint32_t)(p->caps >> 32);
        /* Inheritable stays empty, as docker has it since CVE-2022-24769. */
        data[0].effective = data[0].permitted = lo;
        data[1].effective = data[1].permitted = hi;
    }
    if (syscall(SYS_capset, &hdr, data) < 0)
        fail(err_fd, 125, errno, "capset", NULL);
}

static const char *env_path(const struct plan *p)
{
    for (int i = 0; i < p->nenv; i++)
        if (!strncmp(p->env[i], "PATH=", 5))
            return p->env[i] + 5;
    return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* execvpe without its shell fallback, reporting docker's 126/127 codes. */
void exec_command(const struct plan *p, int err_fd)
{
    const char *cmd = p->args[0];
    char *const *argv = (char *const *)p->args;
    char *const *envp = (char *const *)p->env;
    if (strchr(cmd, '/')) {
        execve(cmd, argv, envp);
        fail(err_fd, errno == ENOENT ? 127 : 126, errno, "exec", cmd);
    }
    const char *path = env_path(p);
    char full[4096];
    int saw_eacces = 0;
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t dl = colon ? (size_t)(colon - path) : strlen(path);
        size_t cl = strlen(cmd);
        if (dl + cl + 2 < sizeof full) {
            memcpy(full, path, dl);
            full[dl] = '/';
            memcpy(full + dl + 1, cmd, cl + 1);
            execve(full, argv, envp);
            if (errno == EACCES)
                saw_eacces = 1;
            else if (errno != ENOENT && errno != ENOTDIR)
                fail(err_fd, 126, errno, "exec", full);
        }
        path += dl;
        if (*path == ':')
            path++;
    }
    if (saw_eacces)
        fail(err_fd, 126, EACCES, "exec", cmd);
    fail(err_fd, 127, ENOENT, "exec", cmd);
}

/* The filter the engine compiled with libseccomp before this process was spawned (plan.c has
 * it as struct sock_filter already): one system call, nothing to allocate after clone. */
/* SCMP_ACT_NOTIFY: the filter's listener descriptor to linux.seccomp.listenerPath with the
 * spec's container process state, {"ociVersion", "fds":["seccompFd"], "pid", "metadata",
 * "state"}, in one message (the descriptor on its first byte). */
/* The message, built before the filter is loaded: after it, the init makes no call but sendmsg
 * and close until the agent has the descriptor (the profile may trap anything else, and nobody
 * could answer yet; SeccompNames refuses NOTIFY on those). Never freed: exec follows. */
static char *listener_message(const struct plan *p, size_t *len, int err_fd)
{
    size_t cap = strlen(p->seccomp_listener_head) + strlen(p->oci_state) + 128;
    char *msg = malloc(cap), num[24];
    if (!msg)
        fail(err_fd, 125, ENOMEM, "send the seccomp listener", NULL);
    fmt_i64(num, init_host_pid);
    const char *parts[] = { "{", p->seccomp_listener_head, ",\"pid\":", num, ",\"state\":{\"status\":\"creating\",\"pid\":",
                            num, ",", p->oci_state, "}" };
    *len = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t k = strlen(parts[i]);
        memcpy(msg + *len, parts[i], k);
        *len += k;
    }
    return msg;
}

static void load_seccomp(const struct plan *p, int err_fd)
{
    if (!p->seccomp)
        return;
    struct sock_fprog prog = { .len = p->seccomp_len, .filter = p->seccomp };
    /* A listener nobody would be sent (an exec into the container): its notified calls fail
     * with ENOSYS, as the kernel answers a filter without one. */
    unsigned flags = p->seccomp_flags;
    if (!p->seccomp_listener)
        flags &= ~(unsigned)SECCOMP_FILTER_FLAG_NEW_LISTENER;
    size_t len = 0;
    char *msg = p->seccomp_listener ? listener_message(p, &len, err_fd) : NULL;
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (rc < 0)
        fail(err_fd, 125, errno, "load the seccomp filter (linux.seccomp)", NULL);
    if (msg) {
        if (send_fd_with(seccomp_listener_fd, (int)rc, msg, len) < 0)
            fail(err_fd, 125, errno, "send the seccomp listener to", p->seccomp_listener);
        close((int)rc);
        close(seccomp_listener_fd);
        seccomp_listener_fd = -1;
    }
}

void enter_workdir(const struct plan *p, int create, int err_fd)
{
    /* After pivot_root (or setns into the mount namespace) "/" is the container's root; the
     * lookup still refuses magic links, so /proc/self/fd/N cannot name a host directory. */
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int fd = root < 0 ? -1 : create ? mkpath_in_root(root, p->cwd, 0, 0755) : open_in_root(root, p->cwd, O_PATH | O_DIRECTORY);
    if (fd < 0 || fchdir(fd) < 0)
        fail(err_fd, create ? 125 : 126, errno, "chdir to the working directory", p->cwd);
    close(fd);
    close(root);
}

void enter_identity(const struct plan *p, int err_fd)
{
    drop_bounding_set(p, err_fd);
    /* Without no_new_privs only CAP_SYS_ADMIN may load a filter: load it while we still hold
     * every capability, as runc does (the profile must then allow the identity calls after it:
     * docker's does). */
    if (!p->no_new_privs)
        load_seccomp(p, err_fd);
    set_identity(p, err_fd);
    if (p->no_new_privs) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            fail(err_fd, 125, errno, "set no_new_privs", NULL);
        /* Last: with no_new_privs set an unprivileged filter is allowed; as close to execve
         * as possible, so the fewest of our own calls run under it. */
        load_seccomp(p, err_fd);
    }
}

/* The container's terminal comes from its own devpts instance, so `tty` names a path that exists
 * inside it. The master goes to the supervisor over `console_fd` (SCM_RIGHTS). */
static void setup_console(int console_fd, int err_fd)
{
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    int unlock = 0;
    if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0)
        fail(err_fd, 125, errno, "open /dev/ptmx in the container", NULL);
    int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (slave < 0)
        fail(err_fd, 125, errno, "open the terminal's peer", NULL);
    struct winsize ws = { .ws_row = 24, .ws_col = 80 };
    ioctl(master, TIOCSWINSZ, &ws);
    if (send_fd(console_fd, master) < 0)
        fail(err_fd, 125, errno, "send the terminal to the supervisor", NULL);
    close(master);
    close(console_fd);
    if (ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
        fail(err_fd, 125, errno, "make the terminal the container's stdio", NULL);
    if (slave > 2)
        close(slave);
}

static void set_rlimits(const struct plan *p, int err_fd)
{
    if (p->ns_flags & CLONE_NEWUSER)
        return; /* set by the create process with prlimit (userns.c) */
    for (int i = 0; i < p->nrlimits; i++) {
        struct rlimit rl = { (rlim_t)p->rlimits[i].soft, (rlim_t)p->rlimits[i].hard };
        if (setrlimit(p->rlimits[i].resource, &rl) < 0)
            fail(err_fd, 125, errno, "setrlimit (--ulimit above what Berth itself may set?)", NULL);
    }
}

/* `--init`: this process stays PID 1 and the command runs as its child, as docker-init does.
 * PID 1 forwards every signal it gets to the command, reaps every orphan that the kernel
 * reparents to it, and exits with the command's status. Signals are blocked (so the kernel
 * queues them for PID 1 instead of dropping those with the default action) and taken with
 * sigwaitinfo. Returns in the child, which goes on to exec. */
static void run_as_init(const struct plan *p, int err_fd)
{
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    pid_t child = fork();
    if (child < 0)
        fail(err_fd, 125, errno, "fork the command under --init", NULL);
    if (child == 0) {
        /* Its own process group, in the terminal's foreground, so ^C reaches the command. */
        setpgid(0, 0);
        if (p->tty)
            tcsetpgrp(0, getpid());
        sigprocmask(SIG_SETMASK, &old, NULL);
        return;
    }
    /* /proc/1/cmdline and comm: "berth-init", not the host's paths to the shim and its plan. */
    static const char name[] = "berth-init";
    if (shim_cmdline && shim_cmdline_len >= sizeof name) {
        memset(shim_cmdline, 0, shim_cmdline_len);
        memcpy(shim_cmdline, name, sizeof name);
    }
    prctl(PR_SET_NAME, name, 0, 0, 0);
    /* The child's copy reports a failed exec; ours must not keep the supervisor waiting. */
    close(err_fd);
    syscall(SYS_close_range, 0, ~0U, 0);
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        if (sig < 0)
            continue;
        if (sig != SIGCHLD) {
            kill(child, sig);
            continue;
        }
        int status;
        pid_t w;
        while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
            if (w != child)
                continue;
            _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
    }
}

int join_net_fd = -1;

void container_init(const struct plan *p, int sync_fd, int err_fd, int out_fd, int errs_fd, int null_fd,
                    int stdin_fd, int console_fd)
{
    /* Wait until the supervisor has put us into our cgroups: the cgroup namespace must be rooted there. */
    char go;
    ssize_t n;
    do {
        n = read(sync_fd, &go, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1)
        _exit(125);
    if (p->oci) {
        oci_sync_fd = sync_fd;
        oci_null_fd = null_fd;
    } else {
        close(sync_fd);
    }
    /* A new user namespace: its maps were written before our go; become its root (the process
     * user is taken later), so that files we make belong to the mapped ids. */
    if ((p->ns_flags & CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        fail(err_fd, 125, errno, "become root of the user namespace (is id 0 in linux.uidMappings and gidMappings?)", NULL);
    if (p->oci || p->seccomp_listener) {
        /* /proc is still the caller's procfs: "self" there is our pid as the caller sees it. */
        char self[24] = "";
        ssize_t k = readlink("/proc/self", self, sizeof self - 1);
        init_host_pid = k > 0 ? (pid_t)atoi(self) : getpid();
    }
    if (p->seccomp_listener && (seccomp_listener_fd = connect_unix(p->seccomp_listener)) < 0)
        fail(err_fd, 125, errno, "connect to the seccomp listener (linux.seccomp.listenerPath)", p->seccomp_listener);

    if (p->oci)
        oci_join_namespaces(p, err_fd);
    if (join_net_fd >= 0) {
        if (setns(join_net_fd, CLONE_NEWNET) < 0)
            fail(err_fd, 125, errno, "join the network namespace of the other container", NULL);
        close(join_net_fd);
        join_net_fd = -1;
    }
    if (p->new_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
        fail(err_fd, 125, errno, "unshare cgroup namespace", NULL);
    setsid();
    if (!p->tty && (dup2(stdin_fd >= 0 ? stdin_fd : null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(errs_fd, 2) < 0))
        fail(err_fd, 125, errno, "set up stdio", NULL);

    /* Before the mounts: /proc is still the supervisor's procfs, not one the bundle chose. */
    set_oom_score_adj(p, err_fd);
    if (p->ns_flags & CLONE_NEWNS)
        do_mounts(p, err_fd);
    else
        fail(err_fd, 125, EINVAL, "refusing to set up a container without a mount namespace", NULL);
    if (p->tty)
        setup_console(console_fd, err_fd);
    if ((p->ns_flags & CLONE_NEWUTS) && p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
        fail(err_fd, 125, errno, "sethostname", p->hostname);
    if ((p->ns_flags & CLONE_NEWUTS) && p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
        fail(err_fd, 125, errno, "setdomainname", p->domainname);
    if (p->ns_flags & CLONE_NEWNET) {
        loopback_up(err_fd);
        if (p->net_addr && configure_if("eth0", p->net_addr, p->net_prefix, p->net_gw) < 0)
            fail(err_fd, 125, errno, "configure eth0", p->net_addr);
        for (int i = 0; i < p->nnetifs; i++)
            if (configure_if(p->netifs[i].ifname, p->netifs[i].addr, p->netifs[i].prefix, NULL) < 0)
                fail(err_fd, 125, errno, "configure a network interface", p->netifs[i].addr);
        for (int i = 0; i < p->naddrs6; i++)
            if (configure_if6(p->addrs6[i].ifname, p->addrs6[i].addr, p->addrs6[i].prefix, p->addrs6[i].gateway) < 0)
                fail(err_fd, 125, errno, "configure the IPv6 address of a network interface", p->addrs6[i].addr);
    }
    enter_workdir(p, 1, err_fd);
    set_rlimits(p, err_fd);
    if (p->oci) {
        oci_wait_for_start(p, err_fd);
        char msg[240];
        if (hooks_run(p, HOOK_START_CONTAINER, "created", init_host_pid, oci_null_fd, msg, sizeof msg) < 0)
            fail(err_fd, 125, 0, msg, NULL);
    }

    enter_identity(p, err_fd);
    if (p->init)
        run_as_init(p, err_fd);

    /* No descriptor of the supervisor or the library may leak into the container; those the
     * caller asked to preserve (berth-runc --preserve-fds) go to it, close-on-exec cleared. */
    for (int fd = 3; fd < 3 + p->preserve_fds; fd++)
        fcntl(fd, F_SETFD, 0);
    syscall(SYS_close_range, 3 + p->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
    exec_command(p, err_fd);
}
