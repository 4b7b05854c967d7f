/* Unit test of the supervisor's clone into a cgroup (Sources/berth-shim/cgroup_clone.c), on a
 * real unified hierarchy (the v2 lane's guest):
 *
 *   clang -D_GNU_SOURCE -ISources/berth-shim Tests/ShimUnit/clone_into_cgroup_test.c \
 *       Sources/berth-shim/cgroup_clone.c -o clone_test
 *   clone_test CGROUP-DIR EXPECTED-LINE     # EXPECTED-LINE as /proc/self/cgroup shows it: 0::/a/b
 *
 * The child reads /proc/self/cgroup as its first act: it must already be in CGROUP-DIR, joined by
 * clone3(CLONE_INTO_CGROUP), with no cgroup.procs write. A path that is not a cgroup2 directory
 * takes plain clone. Prints "ok" and exits 0 when every check holds; else one line per failure.
 * CgroupV2HostTests builds and runs it. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int child_status(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CGROUP-DIR EXPECTED-LINE\n", argv[0]);
        return 2;
    }
    int failures = 0;
    char procs[4096];
    snprintf(procs, sizeof procs, "%s/cgroup.procs", argv[1]);

    int joined = -1;
    pid_t pid = clone_into_cgroup(0, procs, &joined);
    if (pid == 0) {
        char buf[4096];
        int fd = open("/proc/self/cgroup", O_RDONLY);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
        if (n <= 0)
            _exit(3);
        buf[n] = 0;
        /* The unified hierarchy's line (the only one on v2; the last on a hybrid host). */
        char *line = strncmp(buf, "0::", 3) == 0 ? buf : strstr(buf, "\n0::");
        if (line && *line == '\n')
            line++;
        char *nl = line ? strchr(line, '\n') : NULL;
        if (nl)
            *nl = 0;
        if (!line || strcmp(line, argv[2]) != 0) {
            printf("the child started in %s, not %s\n", line ? line : "(no 0:: line)", argv[2]);
            fflush(stdout);
            _exit(1);
        }
        _exit(0);
    }
    if (pid < 0) {
        printf("clone_into_cgroup failed: %s\n", strerror(errno));
        return 1;
    }
    if (joined != 1) {
        printf("clone3(CLONE_INTO_CGROUP) was not used for %s\n", argv[1]);
        failures++;
    }
    if (child_status(pid) != 0) {
        printf("the child was not in its cgroup from its start\n");
        failures++;
    }

    /* Not a cgroup2 directory: plain clone, nothing joined. */
    joined = -1;
    pid = clone_into_cgroup(0, "/proc/cgroup.procs", &joined);
    if (pid == 0)
        _exit(0);
    if (pid < 0 || joined != 0 || child_status(pid) != 0) {
        printf("the fallback to clone did not work (pid %d, joined %d)\n", (int)pid, joined);
        failures++;
    }
    if (failures == 0)
        printf("ok\n");
    return failures ? 1 : 0;
}
