#ifndef BERTH_CSECCOMP_H
#define BERTH_CSECCOMP_H
/* The part of libseccomp Berth compiles filters with; seccomp.c defines these functions with the
 * library's prototypes and loads libseccomp on first use, so that commands that start no
 * container (`--version`, `ps`) do not pay for it. The filter is only compiled and exported as
 * BPF here: the shim installs it in the container's init with seccomp(2). */
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

/* The filter of `ctx` as classic BPF (struct sock_filter array) in a malloc'd buffer of `*size`
 * bytes, or NULL with errno set. */
void *berth_seccomp_export(scmp_filter_ctx ctx, size_t *size);
#endif
