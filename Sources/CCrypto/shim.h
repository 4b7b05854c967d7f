#ifndef BERTH_CCRYPTO_SHIM_H
#define BERTH_CCRYPTO_SHIM_H
/* Only the SHA-256 digest of OpenSSL's libcrypto (hardware-accelerated) is used. */
#include <openssl/evp.h>
#include <openssl/sha.h>
#endif
