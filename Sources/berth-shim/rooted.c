/* Paths inside a container's root, resolved inside it.
 *
 * Every path that comes from an image or a user (mount targets, device nodes, /dev links, the
 * working directory) is opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from a
 * descriptor of the root: "..", absolute and relative symlinks are all clamped at that root, so
 * an image whose /etc is a symlink to the host's /etc gets its own /etc instead. Missing
 * components are created with mkdirat/openat on the descriptor of their (already resolved)
 * parent, never through a path string the kernel would resolve again; mounts then go onto
 * /proc/self/fd/N of what was opened (runc's and crun's answer to CVE-2021-30465). */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

int open_in_root(int root_fd, const char *path, int flags)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    while (*path == '/')
        path++;
    if (!*path)
        path = ".";
    int fd;
    do {
        fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
    } while (fd < 0 && errno == EAGAIN); /* a rename elsewhere raced the lookup: try again */
    return fd;
}

int open_no_symlinks(const char *path)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int fd;
    do {
        fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
    } while (fd < 0 && errno == EAGAIN);
    return fd;
}

/* The next component of `*cursor` into `out` (NUL-terminated), advancing the cursor; 0 at the end. */
static size_t next_component(const char **cursor, char *out, size_t cap)
{
    const char *s = *cursor;
    while (*s == '/')
        s++;
    size_t n = 0;
    while (s[n] && s[n] != '/')
        n++;
    if (n >= cap)
        return errno = ENAMETOOLONG, (size_t)-1;
    memcpy(out, s, n);
    out[n] = 0;
    *cursor = s + n;
    return n;
}

/* One pass of mkpath_in_root over `path`. When a component is a symlink whose target does not
 * exist yet, the rest of the walk is that target (resolved inside the root) followed by the
 * remaining components: `next` receives it and the return is -2, so the caller starts over. */
static int mkpath_pass(int root_fd, const char *path, int last_is_file, mode_t dir_mode, char *next, size_t next_cap)
{
    char prefix[4096], name[256];
    size_t plen = 0;
    int parent = open_in_root(root_fd, "/", O_PATH | O_DIRECTORY);
    if (parent < 0)
        return -1;
    const char *cursor = path;
    for (;;) {
        size_t n = next_component(&cursor, name, sizeof name);
        if (n == (size_t)-1)
            goto fail;
        if (n == 0)
            return parent; /* the path named the root itself, or ended with '/' */
        while (*cursor == '/')
            cursor++;
        int last = *cursor == 0;
        if (plen + n + 2 > sizeof prefix) {
            errno = ENAMETOOLONG;
            goto fail;
        }
        size_t dir_len = plen;
        prefix[plen++] = '/';
        memcpy(prefix + plen, name, n + 1);
        plen += n;

        int want_file = last && last_is_file;
        int fd = open_in_root(root_fd, prefix, O_PATH | (want_file ? 0 : O_DIRECTORY));
        if (fd < 0 && errno == ENOENT && strcmp(name, "..") && strcmp(name, ".")) {
            /* Created beside its resolved parent, never through a path string. */
            int rc;
            if (want_file) {
                rc = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (rc >= 0)
                    close(rc);
            } else {
                rc = mkdirat(parent, name, dir_mode);
            }
            if (rc < 0 && errno == EEXIST) {
                /* A dangling symlink: create what it points to, inside the root. */
                char link[4096];
                ssize_t ll = readlinkat(parent, name, link, sizeof link - 1);
                if (ll > 0) {
                    link[ll] = 0;
                    size_t need = (link[0] == '/' ? 0 : dir_len + 1) + (size_t)ll + 1 + strlen(cursor) + 1;
                    if (need > next_cap) {
                        errno = ENAMETOOLONG;
                        goto fail;
                    }
                    next[0] = 0;
                    if (link[0] != '/') {
                        memcpy(next, prefix, dir_len);
                        next[dir_len] = '/';
                        next[dir_len + 1] = 0;
                    }
                    strcat(next, link);
                    if (*cursor) {
                        strcat(next, "/");
                        strcat(next, cursor);
                    }
                    close(parent);
                    return -2;
                }
            } else if (rc < 0) {
                goto fail;
            }
            fd = open_in_root(root_fd, prefix, O_PATH | (want_file ? 0 : O_DIRECTORY));
        }
        if (fd < 0)
            goto fail;
        close(parent);
        parent = fd;
        if (last)
            return parent;
    }
fail:;
    int e = errno;
    close(parent);
    errno = e;
    return -1;
}

int mkpath_in_root(int root_fd, const char *path, int last_is_file, mode_t dir_mode)
{
    char a[4096], b[4096];
    size_t len = strlen(path);
    if (len >= sizeof a)
        return errno = ENAMETOOLONG, -1;
    memcpy(a, path, len + 1);
    /* As many links as the kernel follows in one lookup, then ELOOP. */
    for (int hops = 0; hops < 40; hops++) {
        int fd = mkpath_pass(root_fd, a, last_is_file, dir_mode, b, sizeof b);
        if (fd != -2)
            return fd;
        memcpy(a, b, strlen(b) + 1);
    }
    return errno = ELOOP, -1;
}

int open_parent_in_root(int root_fd, const char *path, char *base, size_t cap)
{
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    size_t bl = strlen(b);
    if (bl == 0 || bl >= cap || !strcmp(b, ".") || !strcmp(b, ".."))
        return errno = EINVAL, -1;
    memcpy(base, b, bl + 1);
    char dir[4096];
    size_t dl = slash ? (size_t)(slash - path) : 0;
    if (dl >= sizeof dir)
        return errno = ENAMETOOLONG, -1;
    memcpy(dir, path, dl);
    dir[dl] = 0;
    return mkpath_in_root(root_fd, dl ? dir : "/", 0, 0755);
}

size_t fd_path(int fd, char *out, size_t cap)
{
    static const char prefix[] = "/proc/self/fd/";
    if (cap < sizeof prefix + 12)
        return 0;
    memcpy(out, prefix, sizeof prefix - 1);
    size_t n = fmt_i64(out + sizeof prefix - 1, fd);
    out[sizeof prefix - 1 + n] = 0;
    return sizeof prefix - 1 + n;
}
