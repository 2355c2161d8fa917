/* The low-level SHA256_Init/Update/Final calls are deprecated in OpenSSL 3,
 * but they go straight to the CPU's SHA instructions, whereas the one-shot
 * SHA256() and EVP_Digest() spend most of their time on a provider lookup
 * for a 43-byte input. libpkce uses them on purpose; see docs/architecture.md. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/err.h>
#include <openssl/evp.h>

/* Whether OpenSSL's error queue on this thread holds an allocation failure
 * (the last entry is the outermost one, e.g. "generate error", so every
 * entry is looked at; ERR_R_MALLOC_FAILURE is a compound macro Swift cannot
 * import). Empties the queue, so that a later call does not see stale errors. */
static inline int lpk_errors_include_out_of_memory(void) {
    int out_of_memory = 0;
    unsigned long e;
    while ((e = ERR_get_error()) != 0)
        if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE) out_of_memory = 1;
    return out_of_memory;
}
