#include "CCrypto.h"
#include "lazy_load.h"

#include <openssl/opensslv.h>

#define BERTH_STR2(x) #x
#define BERTH_STR(x) BERTH_STR2(x)
/* OpenSSL 3's soname carries its major version: libcrypto.so.3. */
static struct berth_lazy_library libcrypto = {"libcrypto.so." BERTH_STR(OPENSSL_VERSION_MAJOR), "to compute SHA-256 digests (apt-get install libssl3)", NULL};

/* The forwarders, with evp.h's prototypes. */
const EVP_MD *EVP_sha256(void) { return BERTH_LAZY(libcrypto, EVP_sha256)(); }
EVP_MD_CTX *EVP_MD_CTX_new(void) { return BERTH_LAZY(libcrypto, EVP_MD_CTX_new)(); }
void EVP_MD_CTX_free(EVP_MD_CTX *ctx) { BERTH_LAZY(libcrypto, EVP_MD_CTX_free)(ctx); }
int EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl) { return BERTH_LAZY(libcrypto, EVP_DigestInit_ex)(ctx, type, impl); }
int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt) { return BERTH_LAZY(libcrypto, EVP_DigestUpdate)(ctx, d, cnt); }
int EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s) { return BERTH_LAZY(libcrypto, EVP_DigestFinal_ex)(ctx, md, s); }
