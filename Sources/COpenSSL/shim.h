/* The low-level SHA256_Init/Update/Final calls are deprecated in OpenSSL 3,
 * but they go straight to the CPU's SHA instructions, whereas the one-shot
 * SHA256() and EVP_Digest() spend most of their time on a provider lookup
 * for a 43-byte input. libpkce uses them on purpose; see docs/architecture.md. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
