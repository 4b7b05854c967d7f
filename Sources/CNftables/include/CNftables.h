#ifndef BERTH_CNFTABLES_H
#define BERTH_CNFTABLES_H
/*
 * nftables through libnftables (Debian libnftables1; headers libnftables-dev), loaded on first
 * use (CLazyLoad): only commands that change a network's rules pay for it, and a host without
 * the library still runs every container (published ports through the supervisor's proxy).
 * Berth never runs the `nft` program.
 */
#include <stddef.h>

/* 1 when libnftables can be loaded and has what Berth calls. */
int berth_nft_available(void);

/* Runs `script` (nft syntax, one transaction: all of it applies or none) in the calling thread's
 * network namespace. 0 on success; -1 when libnftables is missing; 1 when the kernel or the parser
 * refused it, with libnftables' message in `error` (truncated to `error_size`). */
int berth_nft_run(const char *script, char *error, size_t error_size);

#endif
