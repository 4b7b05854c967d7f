/* `berth exec`: the CLI execs this program, which joins a running container's cgroups and
 * namespaces (setns with a pidfd), forks so the command lands inside the PID namespace, and
 * relays a pty when one is asked for. It exits with the command's exit code. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static struct termios saved_termios;
static int termios_saved;

static void say(const char *a, const char *b, int err)
{
    write_all(2, "berth: ", 7);
    write_all(2, a, strlen(a));
    if (b) {
        write_all(2, " ", 1);
        write_all(2, b, strlen(b));
    }
    if (err) {
        const char *e = strerror(err);
        write_all(2, ": ", 2);
        write_all(2, e, strlen(e));
    }
    write_all(2, "\n", 1);
}

static void restore_terminal(void)
{
    if (termios_saved)
        tcsetattr(0, TCSADRAIN, &saved_termios);
}

static void copy_window_size(int master)
{
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0)
        ioctl(master, TIOCSWINSZ, &ws);
}

static int ns_flags_of(const struct plan *p)
{
    return p->ns_flags | (p->new_cgroupns ? CLONE_NEWCGROUP : 0);
}

/* Joins each namespace named in the plan. setns(pidfd) does it in one call where the kernel
 * allows; older kernels take the /proc/PID/ns files one by one. */
static int join_namespaces(const struct plan *p, int pidfd)
{
    int flags = ns_flags_of(p);
    if (pidfd >= 0 && setns(pidfd, flags) == 0)
        return 0;
    /* The user namespace first: the others are owned by it, and joining it gives the rights there. */
    static const struct { int flag; const char *name; } order[] = {
        { CLONE_NEWUSER, "user" }, { CLONE_NEWCGROUP, "cgroup" }, { CLONE_NEWIPC, "ipc" }, { CLONE_NEWUTS, "uts" },
        { CLONE_NEWNET, "net" }, { CLONE_NEWPID, "pid" }, { CLONE_NEWNS, "mnt" },
    };
    char path[64], num[24];
    fmt_i64(num, p->target_pid);
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!(flags & order[i].flag))
            continue;
        strcpy(path, "/proc/");
        strcat(path, num);
        strcat(path, "/ns/");
        strcat(path, order[i].name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, order[i].flag) < 0) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            errno = e;
            return -1;
        }
        close(fd);
    }
    return 0;
}

static int relay(int from, int to)
{
    char buf[8192];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0)
        return n < 0 && (errno == EINTR || errno == EAGAIN) ? 1 : 0;
    return write_all(to, buf, (size_t)n) == 0;
}

int exec_main(const struct plan *p)
{
    /* Nothing the caller holds open may reach the container: a descriptor of a host directory
     * would otherwise be a way out (`exec -w /proc/self/fd/N`, or fchdir from inside). Only
     * those berth-runc's `exec --preserve-fds N` hands on (3 … 3+N-1) stay, close-on-exec until
     * the command's own exec. */
    syscall(SYS_close_range, 3 + p->preserve_fds, ~0U, 0);
    hold_preserved_fds(p->preserve_fds);
    int pidfd = (int)syscall(SYS_pidfd_open, p->target_pid, 0);
    if (pidfd < 0 && errno == ESRCH) {
        say("the container is not running", NULL, 0);
        return 125;
    }
    /* The pid came from the container's status a moment ago: if the init has exited since and the
     * pid went to another process, the pidfd is that process's. Its start time tells them apart;
     * checked after pidfd_open, so the pidfd cannot change meaning after the check. */
    if (p->target_start && proc_start_time(p->target_pid) != p->target_start) {
        say("the container is not running (its init has exited)", NULL, 0);
        return 125;
    }

    /* Join the container's cgroups ourselves before forking, as runc does: the fork then counts
     * against its pids limit and fails cleanly when the limit is reached. */
    char num[24];
    size_t nl = fmt_i64(num, getpid());
    for (int i = 0; i < p->nprocs; i++) {
        int fd = open(p->procs[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, num, nl) < 0) {
            say("join cgroup", p->procs[i], errno);
            return 125;
        }
        close(fd);
    }

    int master = -1, slave = -1;
    if (p->tty) {
        /* The container's own devpts instance, reached through its init's root. */
        char ptmx[64];
        char pidnum[24];
        fmt_i64(pidnum, p->target_pid);
        strcpy(ptmx, "/proc/");
        strcat(ptmx, pidnum);
        strcat(ptmx, "/root");
        int croot = open(ptmx, O_PATH | O_DIRECTORY | O_CLOEXEC);
        strcat(ptmx, "/dev/pts/ptmx");
        /* Resolved inside the container's root: its processes could have replaced the path. */
        master = croot < 0 ? -1 : open_in_root(croot, "/dev/pts/ptmx", O_RDWR | O_NOCTTY);
        if (croot >= 0)
            close(croot);
        int unlock = 0;
        if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0) {
            say("open the container's pty", ptmx, errno);
            return 125;
        }
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
        if (slave < 0) {
            say("open the pty's peer", NULL, errno);
            return 125;
        }
        copy_window_size(master);
        if (p->oci) {
            /* berth-runc: the caller's console socket gets the master; nothing is relayed here. */
            int sock = p->console_socket ? connect_unix(p->console_socket) : -1;
            if (sock < 0 || send_fd(sock, master) < 0) {
                say("send the pty to the console socket", p->console_socket, errno);
                return 125;
            }
            close(sock);
            close(master);
            master = -1;
        }
    }

    /* Opened on the host, before the container's mount namespace is joined. */
    int pid_fd = -1;
    if (p->pid_file && (pid_fd = open(p->pid_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0) {
        say("open the pid file", p->pid_file, errno);
        return 125;
    }
    if (join_namespaces(p, pidfd) < 0) {
        say("join the container's namespaces", NULL, errno);
        return 125;
    }

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGWINCH);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGQUIT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0) {
        say("pipe", NULL, errno);
        return 125;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        say(errno == EAGAIN ? "cannot start a process in the container (its pids limit is reached)"
                            : "fork in the container", NULL, errno == EAGAIN ? 0 : errno);
        return 126;
    }
    if (pid == 0) {
        sigprocmask(SIG_UNBLOCK, &mask, NULL);
        close(ep[0]);
        setsid();
        if (p->tty) {
            if (ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) {
                struct launch_error e;
                set_error(&e, 125, errno, "set up the pty", NULL);
                write_all(ep[1], &e, sizeof e);
                _exit(125);
            }
        } else if (!p->interactive) {
            int null_fd = open("/dev/null", O_RDONLY);
            if (null_fd >= 0)
                dup2(null_fd, 0);
        }
        enter_workdir(p, 0, ep[1]);
        enter_identity(p, ep[1]);
        if (p->probe) {
            /* A health probe dies with the probe process the supervisor kills at its timeout (set
             * after the identity change, which clears it). Outside our PID namespace the parent
             * reads as 0; anything else means it is gone already. */
            prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
            if (getppid() != 0 && getppid() != parent)
                _exit(125);
        }
        syscall(SYS_close_range, 3 + p->preserve_fds, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
        for (int fd = 3; fd < 3 + p->preserve_fds; fd++)
            fcntl(fd, F_SETFD, 0);
        exec_command(p, ep[1]);
        _exit(127);
    }
    close(ep[1]);
    if (slave >= 0)
        close(slave);

    struct launch_error e;
    ssize_t n;
    do {
        n = read(ep[0], &e, sizeof e);
    } while (n < 0 && errno == EINTR);
    close(ep[0]);
    if (n == (ssize_t)sizeof e) {
        waitpid(pid, NULL, 0);
        e.msg[sizeof e.msg - 1] = 0;
        if (e.exit_code == 127)
            say("executable file not found in the container:", p->args[0], 0);
        else
            say("exec failed:", e.msg, e.err);
        return e.exit_code;
    }

    if (pid_fd >= 0) {
        char pnum[24];
        size_t pl = fmt_i64(pnum, pid);
        if (write_all(pid_fd, pnum, pl) < 0)
            say("write the pid file", p->pid_file, errno);
        close(pid_fd);
    }
    if (p->detach)
        return 0;
    if (master >= 0 && isatty(0) && tcgetattr(0, &saved_termios) == 0) {
        termios_saved = 1;
        struct termios raw = saved_termios;
        cfmakeraw(&raw);
        tcsetattr(0, TCSADRAIN, &raw);
    }

    int status = 0, exited = 0, stdin_open = p->tty || p->interactive;
    if (!p->tty)
        stdin_open = 0; /* without a pty the child reads our stdin itself */
    /* Ending a terminal client (SIGTERM, SIGHUP) ends its session as a hangup would: the signal
     * goes on to the command first; a command still running EXEC_HANGUP_GRACE_MS later (an
     * interactive shell ignores SIGTERM) gets its pty closed, i.e. SIGHUP, as when docker's
     * daemon drops a session; one that outlives that too is left running in the container, and
     * the client returns anyway, so whoever ended it (a dashboard, a script) is never kept waiting. */
    int ending = 0; /* the signal that ends the session, once one came */
    int64_t ending_deadline = 0;
    while (!exited || master >= 0) {
        struct pollfd fds[3] = {
            { sfd, POLLIN, 0 },
            { master, POLLIN, 0 },
            { stdin_open ? 0 : -1, POLLIN, 0 },
        };
        int timeout = exited ? 100 : -1;
        if (ending && !exited) {
            int64_t left = (ending_deadline - now_monotonic_ns()) / 1000000;
            timeout = left < 0 ? 0 : (int)left;
        }
        int rc = poll(fds, 3, timeout);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc == 0 && exited)
            break; /* the pty went quiet after the command ended */
        if (ending && !exited && now_monotonic_ns() >= ending_deadline) {
            if (master < 0)
                break; /* it outlived the hangup: leave it to the container */
            close(master);
            master = -1;
            stdin_open = 0;
            ending_deadline = now_monotonic_ns() + EXEC_HANGUP_GRACE_MS * 1000000LL;
            continue;
        }
        if (master >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (!relay(master, 1)) {
                close(master);
                master = -1;
            }
        }
        if (stdin_open && (fds[2].revents & (POLLIN | POLLHUP))) {
            if (!relay(0, master))
                stdin_open = 0; /* EOF on our stdin: leave the pty open, the command decides */
        }
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGWINCH && master >= 0)
                    copy_window_size(master);
                else if (si.ssi_signo != SIGCHLD) {
                    kill(pid, (int)si.ssi_signo);
                    if (p->tty && !ending && (si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP)) {
                        ending = (int)si.ssi_signo;
                        ending_deadline = now_monotonic_ns() + EXEC_HANGUP_GRACE_MS * 1000000LL;
                    }
                }
            }
            if (!exited && waitpid(pid, &status, WNOHANG) == pid)
                exited = 1;
        }
        if (master < 0 && !exited && !ending) {
            waitpid(pid, &status, 0);
            exited = 1;
        }
    }
    if (!exited && !ending)
        waitpid(pid, &status, 0);
    restore_terminal();
    if (!exited)
        return 128 + ending;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}
