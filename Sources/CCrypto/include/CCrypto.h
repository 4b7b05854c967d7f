#ifndef BERTH_CCRYPTO_H
#define BERTH_CCRYPTO_H
/* Only the SHA-256 digest of OpenSSL's libcrypto (hardware-accelerated) is used; crypto.c
 * defines these functions and loads libcrypto on first use. */
#include <openssl/evp.h>
#include <openssl/sha.h>
#endif
