/* sha256.c: SHA-256 of the raw input, recorded in the model so that an XML file can be traced
 * to the exact bytes it was compiled from. Nettle does it with the CPU's SHA instructions where
 * there are any (about ten times the speed of portable C, which matters at a hundred megabytes)
 * and, unlike OpenSSL's libcrypto, without initializing a provider or reading a configuration
 * file in every run. */
#include "model.h"

#include <nettle/sha2.h>

void rb_sha256(const void *data, size_t len, uint8_t out[32])
{
    struct sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, len, data);
    sha256_digest(&c, SHA256_DIGEST_SIZE, out);
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
