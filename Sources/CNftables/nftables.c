#include "CNftables.h"
#include "lazy_load.h"

#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

static struct berth_lazy_library libnftables = {"libnftables.so.1", "for outbound access and published ports (apt-get install libnftables1)", NULL};

#define TRY(name) ((__typeof__(name) *)berth_lazy_try_symbol(&libnftables, #name))

int berth_nft_available(void) {
    return TRY(nft_ctx_new) && TRY(nft_ctx_free) && TRY(nft_ctx_buffer_error) && TRY(nft_ctx_buffer_output)
        && TRY(nft_ctx_get_error_buffer) && TRY(nft_run_cmd_from_buffer);
}

int berth_nft_run(const char *script, char *error, size_t error_size) {
    if (error_size) error[0] = 0;
    if (!berth_nft_available()) return -1;
    struct nft_ctx *ctx = TRY(nft_ctx_new)(NFT_CTX_DEFAULT);
    if (!ctx) {
        snprintf(error, error_size, "nft_ctx_new failed");
        return 1;
    }
    /* Buffered: libnftables would otherwise print to our stdout/stderr. */
    TRY(nft_ctx_buffer_output)(ctx);
    TRY(nft_ctx_buffer_error)(ctx);
    int rc = TRY(nft_run_cmd_from_buffer)(ctx, script);
    if (rc != 0) {
        const char *why = TRY(nft_ctx_get_error_buffer)(ctx);
        snprintf(error, error_size, "%s", why && *why ? why : "refused");
    }
    TRY(nft_ctx_free)(ctx);
    return rc == 0 ? 0 : 1;
}
