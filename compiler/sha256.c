/* sha256.c: SHA-256 of the raw input, recorded in the model so that an XML file can be traced
 * to the exact bytes it was compiled from. OpenSSL's libcrypto does it with the CPU's SHA
 * instructions where there are any: about ten times the speed of portable C, which matters
 * at a hundred megabytes. */
#include "model.h"

#include <openssl/evp.h>
#include <stdlib.h>

void rb_sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 32;
    if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL)) {
        fputs("rulebook: error: SHA-256 failed\n", stderr);
        abort();
    }
}

void rb_sha256_hex(const void *data, size_t len, char out[65])
{
    uint8_t d[32];
    rb_sha256(data, len, d);
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[64] = 0;
}
