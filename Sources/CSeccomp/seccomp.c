#include "CSeccomp.h"
#include "lazy_load.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static struct berth_lazy_library libseccomp = {"libseccomp.so.2", "to compile seccomp filters (apt-get install libseccomp2)", NULL};

/* The forwarders, with seccomp.h's prototypes. */
const struct scmp_version *seccomp_version(void) { return BERTH_LAZY(libseccomp, seccomp_version)(); }
unsigned int seccomp_api_get(void) { return BERTH_LAZY(libseccomp, seccomp_api_get)(); }
scmp_filter_ctx seccomp_init(uint32_t def_action) { return BERTH_LAZY(libseccomp, seccomp_init)(def_action); }
void seccomp_release(scmp_filter_ctx ctx) { BERTH_LAZY(libseccomp, seccomp_release)(ctx); }
uint32_t seccomp_arch_resolve_name(const char *arch_name) { return BERTH_LAZY(libseccomp, seccomp_arch_resolve_name)(arch_name); }
uint32_t seccomp_arch_native(void) { return BERTH_LAZY(libseccomp, seccomp_arch_native)(); }
int seccomp_arch_exist(const scmp_filter_ctx ctx, uint32_t arch_token) { return BERTH_LAZY(libseccomp, seccomp_arch_exist)(ctx, arch_token); }
int seccomp_arch_add(scmp_filter_ctx ctx, uint32_t arch_token) { return BERTH_LAZY(libseccomp, seccomp_arch_add)(ctx, arch_token); }
int seccomp_attr_set(scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value) { return BERTH_LAZY(libseccomp, seccomp_attr_set)(ctx, attr, value); }
int seccomp_syscall_resolve_name(const char *name) { return BERTH_LAZY(libseccomp, seccomp_syscall_resolve_name)(name); }
int seccomp_rule_add_array(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt, const struct scmp_arg_cmp *arg_array)
{
    return BERTH_LAZY(libseccomp, seccomp_rule_add_array)(ctx, action, syscall, arg_cnt, arg_array);
}
int seccomp_export_bpf(const scmp_filter_ctx ctx, int fd) { return BERTH_LAZY(libseccomp, seccomp_export_bpf)(ctx, fd); }

/* libseccomp 2.5 exports only to a descriptor (seccomp_export_bpf_mem came in 2.6): a memfd,
 * read back whole. */
void *berth_seccomp_export(scmp_filter_ctx ctx, size_t *size)
{
    int fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return NULL;
    int rc = seccomp_export_bpf(ctx, fd);
    off_t end = rc < 0 ? -1 : lseek(fd, 0, SEEK_END);
    if (rc < 0 || end < 0) {
        int saved = rc < 0 ? -rc : errno;
        close(fd);
        errno = saved;
        return NULL;
    }
    char *buf = malloc(end > 0 ? (size_t)end : 1);
    size_t got = 0;
    while (buf && got < (size_t)end) {
        ssize_t n = pread(fd, buf + got, (size_t)end - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int saved = n < 0 ? errno : EIO;
            free(buf);
            close(fd);
            errno = saved;
            return NULL;
        }
        got += (size_t)n;
    }
    close(fd);
    if (!buf)
        errno = ENOMEM;
    *size = got;
    return buf;
}
