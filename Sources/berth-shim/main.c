/* berth-shim PLAN_FILE         create and supervise a container
 * berth-shim --check-plan FILE print what the plan reader understood (tests, debugging)
 * berth-shim --exec PLAN_FILE  run a process in a running container (replaces `berth exec`)
 * A plan with `oci` set (berth-runc) creates the container without a supervisor (oci.c).
 *
 * Started by the Swift library with posix_spawn and a report pipe on fd 3. Forks once so the
 * library can reap us at once, and the grandchild, in its own session, supervises the container
 * for its whole life. The report pipe receives "ok PID\n" or "err CODE MESSAGE\n". */
#include "shim.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int supervisor_main(const struct plan *p, int report_fd);

static void report_and_exit(int fd, const char *msg)
{
    write_all(fd, "err 125 ", 8);
    write_all(fd, msg, strlen(msg));
    write_all(fd, "\n", 1);
    _exit(125);
}

char *shim_cmdline;
size_t shim_cmdline_len;

int main(int argc, char **argv)
{
    int report_fd = 3;
    shim_cmdline = argv[0];
    shim_cmdline_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) - argv[0]);
    if (argc >= 3 && !strcmp(argv[1], "--attach")) {
        int interactive = 0, tty = 0, replay = 0, sig_proxy = 0;
        for (int i = 3; i < argc; i++) {
            if (!strcmp(argv[i], "-i")) interactive = 1;
            else if (!strcmp(argv[i], "-t")) tty = 1;
            else if (!strcmp(argv[i], "--replay")) replay = 1;
            else if (!strcmp(argv[i], "--sig-proxy")) sig_proxy = 1;
        }
        return attach_client(argv[2], interactive, tty, replay, sig_proxy);
    }
    if (argc == 3 && !strcmp(argv[1], "--check-plan")) {
        static struct plan plan;
        char *err = NULL;
        if (plan_load(argv[2], &plan, &err) < 0) {
            write_all(2, "berth-shim: ", 12);
            write_all(2, err, strlen(err));
            write_all(2, "\n", 1);
            return 125;
        }
        plan_print(&plan, 1);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "--exec")) {
        static struct plan plan;
        char *err = NULL;
        int loaded = plan_load(argv[2], &plan, &err);
        unlink(argv[2]); /* written for this one call */
        if (loaded < 0 || !plan.exec_mode) {
            write_all(2, "berth: ", 7);
            write_all(2, err ? err : "not an exec plan", strlen(err ? err : "not an exec plan"));
            write_all(2, "\n", 1);
            return 125;
        }
        return exec_main(&plan);
    }
    /* `--report-fd K`: berth-runc --preserve-fds N puts the report pipe at 3 + N, after the
     * caller's descriptors that go to the container. */
    const char *plan_path = argv[1];
    if (argc == 4 && !strcmp(argv[1], "--report-fd")) {
        char *end = NULL;
        long k = strtol(argv[2], &end, 10);
        if (!end || *end || k < 3 || k > 3 + PRESERVE_FDS_MAX)
            return 2;
        report_fd = (int)k;
        plan_path = argv[3];
    } else if (argc != 2) {
        static const char usage[] = "usage: berth-shim PLAN_FILE (started by berth, not by hand)\n";
        write_all(2, usage, sizeof usage - 1);
        return 2;
    }
    fcntl(report_fd, F_SETFD, FD_CLOEXEC);
    /* Whatever else the caller leaked to us would be held open for the container's life
     * (a test harness waiting for EOF on it would hang): keep only stdio, the descriptors to
     * preserve and the report pipe. */
    syscall(SYS_close_range, report_fd + 1, ~0U, 0);
    /* Only the command gets them (the init clears close-on-exec right before its exec), no hook. */
    hold_preserved_fds(report_fd - 3);
    static struct plan plan;
    char *err = NULL;
    if (plan_load(plan_path, &plan, &err) < 0)
        report_and_exit(report_fd, err);
    if (plan.preserve_fds != report_fd - 3)
        report_and_exit(report_fd, "the launch plan's preserve_fds does not match the shim's --report-fd");
    if (plan.oci)
        return oci_create(&plan, report_fd);

    pid_t pid = fork();
    if (pid < 0)
        report_and_exit(report_fd, "fork of the supervisor failed");
    if (pid > 0)
        _exit(0);

    setsid();
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    prctl(PR_SET_NAME, "berth-shim", 0, 0, 0);
    /* Hold no terminal or pipe of the caller: closing the CLI must not touch the container. */
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
        dup2(null_fd, 0);
        dup2(null_fd, 1);
        dup2(null_fd, 2);
        if (null_fd > 2)
            close(null_fd);
    }
    if (chdir("/") < 0) {
        /* nothing useful to do; the plan uses absolute paths */
    }
    return supervisor_main(&plan, report_fd);
}
