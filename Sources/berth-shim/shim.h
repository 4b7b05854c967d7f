/* berth-shim: the code between fork and exec, and the per-container supervisor.
 * Single-threaded. The Swift library never forks; it writes a launch plan and spawns this program. */
#ifndef BERTH_SHIM_H
#define BERTH_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>
#include <sys/types.h>
#include <poll.h>

#define PLAN_MAGIC "berth-plan"
#define PLAN_VERSION "1"
/* Published ports one supervisor relays (its poll set is fixed); more are refused by name. */
#define PLAN_MAX_PORTS 16
/* berth-runc --preserve-fds: the most descriptors (3, 4, …) passed on to the container. */
#define PRESERVE_FDS_MAX 4096
/* Largest plan file read: 1000s of arguments and environment variables fit easily. */
#define PLAN_MAX_BYTES (64 << 20)
/* The event journal's lines (EventLine in Swift): at most EVENT_LINE_MAX bytes, of which the
 * plan's actor part takes at most EVENT_ACTOR_MAX, so every event fits one write(2). */
#define EVENT_LINE_MAX 8192
#define EVENT_ACTOR_MAX 4096
/* The longest stop grace period the supervisor waits (ten years): longer ones are clamped. */
#define STOP_GRACE_MAX_SECONDS 315360000LL
/* How long a terminal exec client that was told to end waits for its command before hanging up
 * its pty, and after that before leaving it running (exec.c). */
#define EXEC_HANGUP_GRACE_MS 2000
/* Healthchecks (health.c): the longest duration a plan may give (a year, as HealthConfig), the
 * output kept per probe and the results kept, as docker's maxOutputLen and maxLogEntries. */
#define HEALTH_MAX_MS 31536000000LL
#define HEALTH_OUTPUT_MAX 4096
#define HEALTH_LOG_MAX 5
/* The container's DNS server (dns.c): the resolvers it forwards to (resolv.conf's MAXNS), and
 * where the container's processes reach it (127.0.0.11:53, as docker's). */
#define DNS_MAX_SERVERS 3
#define DNS_ADDR 0x7F00000BU /* 127.0.0.11, host byte order */
#define DNS_PORT 53

/* One mount(2) call, destination relative to the container's root. */
struct plan_mount {
    const char *type, *source, *dest, *data;
    unsigned long flags;
};

struct plan_device {
    const char *path;
    char kind; /* 'c' or 'b' */
    unsigned major, minor, mode;
};

struct plan_link {
    const char *target, *path;
};

struct plan_rlimit {
    int resource;
    unsigned long long soft, hard;
};

struct plan_sysctl {
    const char *key, *value; /* key with dots, validated by the library: [A-Za-z0-9_-] words */
};

struct plan_ns_path {
    int flag;               /* CLONE_NEW* */
    const char *path;
};

/* One more network of the container (eth1…): veth `host` on `bridge`, peer `ifname` with
 * addr/prefix; no route but the subnet's own. */
struct plan_netif {
    const char *bridge, *host, *ifname, *addr;
    int prefix;
};

/* The IPv6 address of one interface on an IPv6 network (eth0, eth1…), and its default route's
 * gateway (eth0's only, NULL: none). */
#define PLAN_MAX_ADDRS6 10
struct plan_addr6 {
    const char *ifname, *addr, *gateway;
    int prefix;
};

/* An OCI hook (hooks.c): its stage, its timeout in seconds (0: none), and where its argv and
 * env start in the plan's hook_args and hook_envs. */
enum hook_stage { HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER, HOOK_STAGES };
struct plan_hook {
    int stage;
    long long timeout_s;
    const char *path;
    int arg0, nargs, env0, nenv;
};

/* One line of a user namespace's uid_map or gid_map: `size` ids from `inside` map to `host`. */
struct plan_idmap {
    unsigned inside, host, size;
};
/* The kernel reads at most this many lines of a map (340 since Linux 4.15). */
#define PLAN_MAX_IDMAPS 340

struct plan_port {
    const char *host_ip;
    unsigned host_port, container_port;
    int udp;                 /* else tcp */
};

/* The launch plan, parsed in place from the plan file (strings point into its buffer). Lists
 * are allocated to the size the file asks for, before any fork: nothing is ever dropped. */
struct plan {
    const char *id, *state_dir, *log_path, *rootfs, *hostname, *domainname, *cwd, *oom_file;
    int exec_mode;           /* join a running container instead of creating one */
    pid_t target_pid;        /* exec: the container's init, whose namespaces are joined */
    unsigned long long target_start; /* exec: its start time (field 22 of /proc/PID/stat); 0 = unchecked */
    int tty, interactive;    /* allocate a pty in the container; keep stdin open */
    int root_readonly;       /* --read-only: the root is remounted read-only after the mounts */
    /* bridge network: veth `net_host` on `net_bridge`, peer eth0 with net_addr/net_prefix via net_gw */
    const char *net_bridge, *net_host, *net_addr, *net_gw;
    int net_prefix;
    /* --network container:NAME: the other container's init, whose network namespace the init
     * joins (opened by the supervisor, which checks the pid's start time and parent after the
     * open, so a reused pid is refused); 0 = none */
    pid_t net_join_pid, net_join_parent;
    unsigned long long net_join_start;
    int ns_flags;            /* CLONE_NEW* flags, cgroup excluded */
    int new_cgroupns;
    int no_new_privs;
    uid_t uid;
    gid_t gid;
    uint64_t caps;           /* bounding = effective = permitted for root */
    const char *restart;     /* no | always | on-failure | unless-stopped */
    long restart_max;        /* on-failure:N; -1 = unlimited */
    int nargs, nenv, nmounts, ndevs, nlinks, nmasked, nro, nprocs, nonexit, ngids, nports;
    const char **args;       /* NULL-terminated */
    const char **env;        /* NULL-terminated */
    struct plan_mount *mounts;
    struct plan_device *devs;
    struct plan_link *links;
    const char **masked;
    const char **ro;
    const char **procs;      /* cgroup.procs files to join */
    const char **onexit;     /* NULL-terminated argv exec'd when the supervisor ends (removal for --rm) */
    gid_t *gids;
    /* The seccomp filter, compiled by the engine (libseccomp) before the shim was spawned:
     * classic BPF installed with seccomp(2) right before exec; NULL: none. */
    struct sock_filter *seccomp;
    unsigned short seccomp_len;
    unsigned seccomp_flags;  /* SECCOMP_FILTER_FLAG_* */
    struct plan_port *ports;
    int nnetifs;
    struct plan_netif *netifs;
    int naddrs6;
    struct plan_addr6 addrs6[PLAN_MAX_ADDRS6];
    int init;                /* --init: stay PID 1, fork the command, forward signals, reap */
    int nrlimits, nsysctls;
    struct plan_rlimit *rlimits;
    struct plan_sysctl *sysctls;
    /* the event journal (events.c): its path, rotation size, and each line's actor part */
    const char *events, *event_actor;
    long long events_max;
    /* the healthcheck (health.c): the probe's argv (NULL-terminated; none = no healthcheck) and
     * its schedule in milliseconds */
    int nhealth_args;
    const char **health_args;
    long long health_interval_ms, health_timeout_ms, health_start_period_ms, health_start_interval_ms;
    long health_retries;
    int probe;               /* exec: a health probe, killed with its parent (PR_SET_PDEATHSIG) */
    /* OCI runtime mode (berth-runc, oci.c): no supervisor; the init waits on state_dir/exec.fifo
     * for `start` and the caller's subreaper becomes its parent. console_socket: where the pty
     * master goes (SCM_RIGHTS) when `tty` is set. */
    int oci;
    const char *console_socket;
    int oom_score_adj, has_oom_score_adj;
    int umask_value;         /* -1 = leave the inherited umask */
    const char *pid_file;    /* OCI exec: where the process's pid is written */
    int nns_paths;           /* OCI create: existing namespaces joined instead of new ones */
    struct plan_ns_path *ns_paths;
    int detach;              /* OCI exec: return once the process runs (its subreaper reaps it) */
    /* The DNS server (dns.c): the directory of the networks' membership files (NULL: no server)
     * and the IPv4 resolvers other names are forwarded to. */
    const char *dns_dir;
    const char *dns_networks; /* the networks it starts on, 0x1F between the names */
    int ndns_servers;
    uint32_t dns_servers[DNS_MAX_SERVERS]; /* host byte order */
    /* OCI create: the bundle's hooks that run before the command (hooks.c). oci_state: the
     * container's state as JSON without its first '{', "status" and "pid" (which the shim
     * writes), for the hooks' stdin and the seccomp listener. */
    int nhooks, nhook_args, nhook_envs;
    struct plan_hook *hooks;
    const char **hook_args, **hook_envs;
    const char *oci_state;
    int preserve_fds;        /* OCI create: the caller's descriptors 3 … 3+N-1 go to the command */
    /* linux.seccomp.listenerPath: the unix socket the filter's listener descriptor is sent to
     * (SCMP_ACT_NOTIFY), with the process state: `{` head `,"pid":N,"state":{…}}`, head being
     * the JSON members "ociVersion", "fds" and "metadata" the library wrote. */
    const char *seccomp_listener, *seccomp_listener_head;
    /* OCI create with a user namespace (linux.uidMappings, gidMappings): written by the create
     * process into /proc/INIT/{uid,gid}_map before the init goes on. */
    int nuid_maps, ngid_maps;
    struct plan_idmap *uid_maps, *gid_maps;
};

/* main.c: the bytes of the shim's own command line (argv strings, contiguous), so an init
 * left in a container (`--init`) can show its name there instead of the host's paths. */
extern char *shim_cmdline;
extern size_t shim_cmdline_len;

/* plan.c: 0, or -1 with a one-line reason in *err (naming the key at fault). plan_parse works
 * in place on `buf` (len bytes, NUL-terminated records); plan_release frees the lists. */
int plan_load(const char *path, struct plan *p, char **err);
int plan_parse(char *buf, size_t len, struct plan *p, char **err);
void plan_release(struct plan *p);
/* `berth-shim --check-plan FILE`: what the reader understood, one escaped line per value. */
void plan_print(const struct plan *p, int fd);

/* container.c: runs in the cloned child; returns only on failure, after filling code/errno/msg. */
struct launch_error {
    int32_t exit_code; /* 125 setup, 126 not executable, 127 not found */
    int32_t err;
    char msg[240];
};
/* stdin_fd: the read end of the `-i` pipe, or -1; console_fd: where to send the pty master
 * created inside the container for `-t`, or -1. */
void container_init(const struct plan *p, int sync_fd, int err_fd, int out_fd, int errs_fd, int null_fd,
                    int stdin_fd, int console_fd);
/* --network container:NAME: the other container's network namespace, opened by the supervisor
 * before clone (the init inherits it and joins it first); -1 = none. */
extern int join_net_fd;
/* The last steps of any process entering a container: bounding set, ids and capabilities,
 * no_new_privs, exec. They report through err_fd and _exit on failure. */
void enter_identity(const struct plan *p, int err_fd);
void exec_command(const struct plan *p, int err_fd);
/* chdir to the plan's working directory resolved inside the current root ("/"), creating it
 * (`create`) or failing with 126 as docker's exec does. */
void enter_workdir(const struct plan *p, int create, int err_fd);

/* rooted.c: paths resolved inside a root directory (see the file's comment). Descriptors are
 * O_CLOEXEC; -1 with errno on failure. */
int open_in_root(int root_fd, const char *path, int flags);
/* Opens `path` inside the root, creating missing directories (and the last component as an
 * empty file when `last_is_file`); returns an O_PATH descriptor of it. */
int mkpath_in_root(int root_fd, const char *path, int last_is_file, mode_t dir_mode);
/* The (created) parent directory of `path` inside the root, and its last component in `base`,
 * which is never "", "." or "..". */
int open_parent_in_root(int root_fd, const char *path, char *base, size_t cap);
/* An O_PATH descriptor of a host path with no symlink on it at all (RESOLVE_NO_SYMLINKS): a
 * bind source is what the user named, never where a link leads (ELOOP otherwise). */
int open_no_symlinks(const char *path);
/* "/proc/self/fd/N" for `fd`; its length. */
size_t fd_path(int fd, char *out, size_t cap);

/* oci.c: `create` of berth-runc, in place of the supervisor; returns the shim's exit code. In the
 * init, oci_wait_for_start reports "ready" through err_fd and blocks on the exec FIFO. */
int oci_create(const struct plan *p, int report_fd);
/* A new user namespace's setup from outside, before the init is let go: its uid and gid maps,
 * and what needs privilege over the host that the init no longer has (process.oomScoreAdj
 * below the current value, rlimits above it). 0, or -1 with errno and `what` set. */
int userns_prepare(const struct plan *p, pid_t pid, const char **what);
void oci_wait_for_start(const struct plan *p, int err_fd);
/* In the init, first: setns into the namespaces given by path (the pid one was joined by the
 * shim itself before clone, as setns(CLONE_NEWPID) only places children). */
void oci_join_namespaces(const struct plan *p, int err_fd);
/* After `start`, the init's own failures (exec) go to its stderr too: nobody reads err_fd. */
extern int oci_started;

/* exec.c: `berth exec`, running in place of the CLI; returns the exit code. */
int exec_main(const struct plan *p);

/* cgroup_clone.c: clone(flags | SIGCHLD); into the cgroup of `procs_file` at once when it is a
 * cgroup2 directory and the kernel has clone3(CLONE_INTO_CGROUP) (then *joined = 1). */
pid_t clone_into_cgroup(unsigned long flags, const char *procs_file, int *joined);
/* Writes `pid` to each of the plan's cgroup.procs files; -1 with `e` naming the file. */
int join_cgroups(const struct plan *p, pid_t pid, struct launch_error *e);

/* netlink.c: the veth pair of a bridge-networked container; its peer is created as eth0 in
 * the network namespace of `child`. 0 or -1 with errno. */
int veth_create(const char *host_name, const char *bridge, pid_t child, const char *peer_name);
/* veth_create, retried after deleting a leftover of this container's of the same name. */
int plug_veth(const char *host_name, const char *bridge, pid_t child, const char *peer_name);
/* Deletes a host-side veth of this container left from an earlier run (its pair goes with it). */
int veth_delete(const char *host_name);
/* In the container: `ifname` up with its address, and a default route when `gateway` is given. */
int configure_if(const char *ifname, const char *addr, int prefix, const char *gateway);
int configure_if6(const char *ifname, const char *addr, int prefix, const char *gateway);

/* attach.c: the supervisor's attach socket, and the client of `berth attach`. */
int attach_open(const struct plan *p);
void attach_set_input(int input_fd, int tty_fd);
int attach_fill(struct pollfd *fds, int max);
void attach_handle(struct pollfd *fds, int n);
void attach_broadcast(char stream, const char *data, size_t len);
void attach_exit(int code);
void attach_close(const struct plan *p);
/* sig_proxy: the caller (`berth`, docker's --sig-proxy) passes SIGTERM, SIGHUP and SIGINT on to
 * the container; the client ignores them and stays attached until the container ends. */
int attach_client(const char *state_dir, int interactive, int tty, int replay, int sig_proxy);

/* proxy.c: published ports, relayed by the supervisor. */
/* The relay's table: at most this many clients at once (TCP connections and UDP peers), each
 * with two descriptors polled; the listeners add PLAN_MAX_PORTS. */
#define PROXY_MAX_CONNS 64
#define PROXY_MAX_FDS (PLAN_MAX_PORTS + 2 * PROXY_MAX_CONNS)
int proxy_open(const struct plan *p);
int proxy_fill(struct pollfd *fds, int max);
void proxy_handle(struct pollfd *fds, int n);
void proxy_close(void);

/* netlink.c: a netlink message being written (rtnetlink here, nf_tables in dns_nat.c). An
 * attribute that does not fit sets `overflow` and writes nothing; the message is then not sent. */
struct nl_buf {
    char data[2048];
    size_t len;
    int overflow;
};
struct rtattr;
struct rtattr *nl_attr(struct nl_buf *b, unsigned short type, const void *payload, size_t len);
void nl_raw(struct nl_buf *b, const void *bytes, size_t len); /* a fixed header, aligned */
void nl_end(struct nl_buf *b, struct rtattr *a);               /* closes a nested attribute */

/* dns_msg.c: DNS messages (hostile input: every length checked). A name read from a message:
 * its wire form (uncompressed labels), its text lower-cased with dots, and whether it is made
 * only of bytes a local name can have ([A-Za-z0-9_-] labels). */
#define DNS_NAME_WIRE_MAX 255
#define DNS_FORMERR 1
#define DNS_SERVFAIL 2
#define DNS_NXDOMAIN 3
#define DNS_NOTIMP 4
#define DNS_REFUSED 5
#define DNS_TYPE_A 1
#define DNS_TYPE_PTR 12
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1
struct dns_name {
    uint8_t wire[DNS_NAME_WIRE_MAX];
    size_t wire_len;
    char text[DNS_NAME_WIRE_MAX + 1];
    int plain;
};
struct dns_question {
    uint16_t id, flags, qtype, qclass;
    struct dns_name name;
    size_t end; /* offset just past the question */
};
/* The name at `off` (compression pointers followed strictly backwards, at most 16); *next is
 * the offset after it where it began. 0, or -1 on any malformation. */
int dns_read_name(const uint8_t *msg, size_t len, size_t off, struct dns_name *out, size_t *next);
/* A query's one question: 0, -1 for nothing worth an answer (shorter than a header, or a
 * response), or the rcode to answer with (FORMERR, NOTIMP). */
int dns_parse_query(const uint8_t *msg, size_t len, struct dns_question *q);
/* The question of any message (a reply from a resolver): 0 or -1. */
int dns_parse_question_of_reply(const uint8_t *msg, size_t len, struct dns_question *q);
/* Whether two messages ask the same question (a resolver's reply matches the query sent). */
int dns_same_question(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* A header-only reply with `rcode` to the message (its id); 0 when there is nothing to answer. */
size_t dns_error_reply(const uint8_t *msg, size_t len, int rcode, uint8_t *out, size_t cap);
/* The reply to `q`: the A records `addrs` (host order), then a PTR to `ptr` if not NULL; what
 * does not fit in `cap` is left out with TC set. Its length, 0 when not even the question fits. */
size_t dns_build_reply(const struct dns_question *q, int rcode, const uint32_t *addrs, int naddrs, const char *ptr,
                       uint32_t ttl, uint8_t *out, size_t cap);
/* The same with the AAAA records `addrs` (network order), NOERROR. */
size_t dns_build_reply6(const struct dns_question *q, const uint8_t (*addrs)[16], int naddrs, uint32_t ttl, uint8_t *out, size_t cap);
/* "4.3.2.1.in-addr.arpa" → 1.2.3.4 (host order): 0, or -1 for any other name. */
int dns_reverse_ipv4(const char *name, uint32_t *addr);
/* "b.a.9.8…ip6.arpa" (32 nibbles, lower case: names are lower-cased when read) → the address
 * (network order): 0, or -1 for any other name. */
int dns_reverse_ipv6(const char *name, uint8_t addr[16]);

/* dns.c: the DNS server at 127.0.0.11:53 (UDP and TCP) in the container's network namespace.
 * dns_open in the supervisor (the forwarding socket, in the host's namespace); dns_start with each
 * run, before the init is released (setns into its namespace for the listeners, and back);
 * dns_stop when the init exits (the listeners hold the namespace). -1 with errno on failure. */
int dns_open(const struct plan *p);
int dns_start(const struct plan *p, pid_t init_pid);
void dns_stop(void);
int dns_fill(struct pollfd *fds, int max);
void dns_handle(const struct plan *p, struct pollfd *fds, int n);
int dns_timeout(void);   /* ms until the next forwarded query times out; -1 = none pending */
void dns_close(void);
/* dns_nat.c: in the calling thread's network namespace, redirects 127.0.0.11:53 (UDP and TCP)
 * to 127.0.0.11:port with nf_tables. -1 with errno when the kernel refuses (no NAT support). */
int dns_nat(uint16_t port);

/* clock.c: wall-clock time for timestamps written out; monotonic time for every duration. */
int64_t now_realtime_ns(void);
int64_t now_monotonic_ns(void);
int64_t deadline_after_ms(int64_t ms);  /* a CLOCK_MONOTONIC deadline */
int ms_until(int64_t deadline);         /* a poll timeout: 0 once the deadline has passed */
long restart_delay_ms(long previous_ms, int64_t run_ns); /* 0 = first restart; run_ns = how long the run lasted */

/* events.c: appends one event of this container to the plan's journal; `extra` holds more
 * attribute members (`"exitCode":"0"`) or is NULL. Best effort, never fatal. */
void event_append(const struct plan *p, const char *action, const char *extra);

/* health.c: the healthcheck the supervisor runs while the container does (no-ops without one).
 * health_start after each start, health_stop after each exit; health_timeout is the poll timeout
 * it needs (-1 = none), health_tick starts a due probe or kills one past its timeout;
 * health_fill/health_handle poll the probe's output; health_reaped takes a reaped pid and says
 * whether it was the probe's. */
void health_start(const struct plan *p, pid_t init_pid);
void health_stop(const struct plan *p);
int health_timeout(void);
void health_tick(const struct plan *p);
int health_fill(struct pollfd *fds, int max);
void health_handle(struct pollfd *fds, int n);
int health_reaped(const struct plan *p, pid_t pid, int status);

/* util.c */
int write_all(int fd, const void *buf, size_t len);
int mkdir_p(const char *path, mode_t mode);
int write_file(const char *path, const char *data, size_t len);
ssize_t read_small_file(const char *path, char *buf, size_t cap);
/* berth-runc --preserve-fds N: descriptors 3 … 3+N-1 kept, close-on-exec, a gap among them
 * filled with /dev/null (so no descriptor opened later takes its number and reaches the command). */
void hold_preserved_fds(int n);
int state_file(const struct plan *p, const char *name, char *out, size_t cap);
size_t format_rfc3339_ns(int64_t ns, char *out, size_t cap);
size_t fmt_i64(char *out, int64_t v);
long long read_oom_kill(const char *path);
unsigned long long proc_start_time(pid_t pid);
/* Field 4 of /proc/PID/stat (the parent's pid); 0 when the process is gone. */
pid_t proc_parent(pid_t pid);
void set_error(struct launch_error *e, int code, int err, const char *what, const char *detail);
/* `fd` over a unix socket (SCM_RIGHTS, one byte of payload): a pty master to whoever holds the
 * console. connect_unix: a connected stream socket to `path`. Both -1 with errno. */
int send_fd(int sock, int fd);
int send_fd_with(int sock, int fd, const char *payload, size_t len); /* the fd with these bytes */
int connect_unix(const char *path);
/* hooks.c: runs the plan's hooks of `stage` in order, each with the state (`status`, `pid`) on
 * stdin, stdout on `null_fd`, stderr inherited; waits for each within its timeout. 0, or -1 with
 * "hooks.createContainer[0] /path: exited with status 3" in msg. Whether a stage has any: */
int hooks_run(const struct plan *p, int stage, const char *status, pid_t pid, int null_fd, char *msg, size_t cap);
int hooks_any(const struct plan *p, int stage);
/* The record container_init sends (OCI mode, before pivot_root) when the runtime's own hooks
 * (prestart, createRuntime) must run: it then waits for one more byte on its sync pipe. */
#define LAUNCH_MOUNTED (-1)

/* One line to the launcher: "ok PID" or "err CODE MESSAGE". */
void report_line(int fd, const char *word, long long number, const char *text);
/* "what detail: strerror(err)" of a launch error, NUL-terminated in `msg`. */
void launch_error_text(const struct launch_error *e, char *msg, size_t cap);

#endif
