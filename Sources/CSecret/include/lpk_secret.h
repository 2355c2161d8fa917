/* The Secret Service (freedesktop.org: GNOME Keyring, KWallet, KeePassXC)
 * through libsecret, loaded with dlopen on first use: programs that never
 * use the keyring never load it, and the library links nothing for it.
 * Every call returns within its timeout: libsecret's synchronous calls wait
 * for D-Bus, which waits about 25 s for a service that does not answer, so
 * each runs with a GCancellable that a timer cancels at the deadline. */
#ifndef LPK_SECRET_H
#define LPK_SECRET_H

#include <stddef.h>

/* What a call came to; the message (always NUL-terminated) says more. */
typedef enum lpk_secret_result {
    LPK_SECRET_OK = 0,
    LPK_SECRET_NOT_FOUND = 1,   /* no item with those attributes */
    LPK_SECRET_NO_LIBRARY = 2,  /* libsecret-1.so.0 is not installed */
    LPK_SECRET_NO_BUS = 3,      /* no session bus to reach a Secret Service through */
    LPK_SECRET_NO_SERVICE = 4,  /* the bus has no Secret Service */
    LPK_SECRET_TIMEOUT = 5,     /* no answer in time: a hung service, or a locked keyring waiting on a prompt */
    LPK_SECRET_FAILED = 6,      /* the service refused (the message is its) */
    LPK_SECRET_LOCKED = 7       /* the item is in a locked collection, and no prompt unlocked it */
} lpk_secret_result;

/* attributes: name, value, name, value, ..., NULL, of the schema
 * "org.libpkce.Token" (kind, issuer, client_id, subject, resource, key). */
lpk_secret_result lpk_secret_store(const char *const *attributes, const char *label, const char *secret,
                                   int timeout_ms, char *message, size_t message_size);
/* The secret of the one item with these attributes, in *secret_out
 * (malloc'd; the caller wipes and frees it). */
lpk_secret_result lpk_secret_lookup(const char *const *attributes, char **secret_out, int timeout_ms,
                                    char *message, size_t message_size);
lpk_secret_result lpk_secret_clear(const char *const *attributes, int timeout_ms, char *message, size_t message_size);
/* Every item with these attributes: each secret to found(user, secret), which must copy it. */
lpk_secret_result lpk_secret_search(const char *const *attributes, void (*found)(void *user, const char *secret),
                                    void *user, int timeout_ms, char *message, size_t message_size);
/* Whether libsecret has been loaded in this process (for the cold-start check). */
int lpk_secret_loaded(void);

#endif
