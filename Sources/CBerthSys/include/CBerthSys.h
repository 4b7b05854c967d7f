/* Thin wrappers over Linux calls and constants that Swift cannot import on its own
 * (they need _GNU_SOURCE or are macros). No policy lives here. */
#ifndef BERTH_CBERTHSYS_H
#define BERTH_CBERTHSYS_H

#include <spawn.h>
#include <stdint.h>
#include <sys/types.h>
/* Not part of Swift's Glibc module: included here so Swift sees lsetxattr, fsetxattr, llistxattr
 * and lgetxattr (Image/Xattr.swift) through this module. */
#include <sys/xattr.h>

/* posix_spawn with a new session (POSIX_SPAWN_SETSID) and `report_fd` of the caller as fd `at`
 * in the child (3; after the descriptors berth-runc --preserve-fds passes on). Returns 0 or an
 * errno value. */
int berth_spawn_with_report_fd(pid_t *pid, const char *path, char *const argv[], char *const envp[], int report_fd, int at);

/* Starts `path` as a daemon: fork, setsid, fork again, stdin from /dev/null, stdout and stderr
 * to `out_fd`, `/` as its directory, default signal dispositions and an empty mask, then execve. The middle process
 * is reaped before this returns, so the daemon is nobody's zombie-to-be (a long-lived caller such
 * as the dashboard never collects it). Only async-signal-safe calls run between fork and exec.
 * Returns 0 once the middle process exited cleanly, or an errno value. */
int berth_spawn_daemon(const char *path, char *const argv[], char *const envp[], int out_fd);

/* pidfd_open(2); -1 with errno when unsupported. */
int berth_pidfd_open(pid_t pid);
/* pidfd_send_signal(2): a signal to the process the pidfd names, never to a later one with its PID. */
int berth_pidfd_send_signal(int pidfd, int sig);

/* memmem(3) and memrchr(3), GNU extensions: the first place `needle` occurs in `hay` and the
 * last `c` in `s`, or NULL (the log search's scanner). */
const void *berth_memmem(const void *hay, size_t hay_len, const void *needle, size_t needle_len);
const void *berth_memrchr(const void *s, int c, size_t n);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t berth_monotonic_ns(void);

/* pipe2(O_CLOEXEC); 0 or -1 with errno. */
int berth_pipe_cloexec(int fds[2]);

/* getrandom(2) until `len` bytes are filled; 0 or -1. */
int berth_getrandom(void *buf, size_t len);

/* A NETLINK_ROUTE socket, and sendto(2) to the kernel on it. */
int berth_netlink_socket(void);
ssize_t berth_netlink_send(int fd, const void *buf, size_t len);

/* In the network namespace `ns_fd` (an fd of /proc/PID/ns/net): gives interface `ifname` the
 * IPv4 address `addr` (network byte order) with `prefix`, and brings it up. Only the calling
 * thread enters the namespace (setns(CLONE_NEWNET) is per thread) and it returns to its own
 * before this returns; it aborts rather than go on in the wrong namespace. 0 or -1 with errno. */
int berth_netns_configure(int ns_fd, const char *ifname, uint32_t addr, int prefix);
/* The same for an IPv6 address (16 bytes, network order), without duplicate address detection;
 * the interface is up already (berth_netns_configure). */
int berth_netns_configure6(int ns_fd, const char *ifname, const uint8_t *addr, int prefix);

/* openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: `path` is resolved as if `root_fd`
 * were "/" (symlinks and ".." never leave it). A descriptor (O_CLOEXEC added) or -1 with errno. */
int berth_open_in_root(int root_fd, const char *path, int flags);
/* Whether NAME in DIRFD is the root of a mount (statx's STATX_ATTR_MOUNT_ROOT, Linux 5.8), without
 * following a symlink or triggering an automount: 1 yes, 0 no, -1 with errno on error, -2 when the
 * kernel does not report the attribute. */
int berth_is_mount_root(int dirfd, const char *name);
/* O_PATH, which Swift cannot see without _GNU_SOURCE. */
int berth_o_path(void);

/* prctl(PR_SET_CHILD_SUBREAPER, on) (prctl is variadic, which Swift cannot call): orphaned
 * descendants are re-parented to the caller, which can then reap them and read their rusage. */
int berth_set_child_subreaper(int on);

/* An overlay of `lowers` (`count` directories, topmost first), `upperdir` and `workdir` made with
 * the new mount API (fsopen, fsconfig, fsmount) and never attached to any mount namespace: the
 * descriptor of its root, or -1 with errno. Closing the last descriptor unmounts it, so nothing
 * stays mounted even if the caller is killed. Each layer goes in as its own `lowerdir+` (Linux
 * 6.8; fsconfig caps one string at 256 bytes), else all as one `lowerdir`. */
int berth_detached_overlay(char *const *lowers, int count, const char *upperdir, const char *workdir);

/* bpf(BPF_PROG_LOAD) of a BPF_PROG_TYPE_CGROUP_DEVICE program of `count` instructions (8 bytes
 * each); the verifier's log goes to `log` when given. The program's descriptor, or -1 with errno. */
int berth_bpf_load_cgroup_device(const void *insns, uint32_t count, char *log, uint32_t log_size);
/* bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI) of `prog_fd` to the cgroup v2
 * directory `cgroup_fd`; it stays attached until the cgroup is removed. 0, or -1 with errno. */
int berth_bpf_attach_cgroup_device(int cgroup_fd, int prog_fd);

#endif
