/* libsecret through dlopen, every call bounded by a timer that cancels it;
 * see lpk_secret.h. The few GLib and libsecret declarations needed are
 * spelled out here: the build needs no -dev package for either. */
#define _GNU_SOURCE
#include "lpk_secret.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct { unsigned int domain; int code; char *message; } GError;
typedef struct { const char *name; int type; } SecretSchemaAttribute;
typedef struct {
    const char *name;
    int flags;
    SecretSchemaAttribute attributes[32];
    int reserved;
    void *reserved1, *reserved2, *reserved3, *reserved4, *reserved5, *reserved6, *reserved7;
} SecretSchema;
typedef struct GList { void *data; struct GList *next, *prev; } GList;

enum { SECRET_SEARCH_ALL = 1 << 1, SECRET_SEARCH_UNLOCK = 1 << 2, SECRET_SEARCH_LOAD_SECRETS = 1 << 3 };
enum { SECRET_ERROR_IS_LOCKED = 2 }; /* libsecret's SecretError, in the domain secret_error_get_quark() names */
enum { G_IO_ERROR_CANCELLED = 19 };

static const SecretSchema schema = {
    "org.libpkce.Token", 0,
    { { "kind", 0 }, { "issuer", 0 }, { "client_id", 0 }, { "subject", 0 }, { "resource", 0 }, { "key", 0 } },
    0, 0, 0, 0, 0, 0, 0, 0,
};

static struct {
    void *(*hash_new)(unsigned int (*)(const void *), int (*)(const void *, const void *));
    int (*hash_insert)(void *, void *, void *);
    void (*hash_unref)(void *);
    unsigned int (*str_hash)(const void *);
    int (*str_equal)(const void *, const void *);
    void *(*cancellable_new)(void);
    void (*cancellable_cancel)(void *);
    void (*object_unref)(void *);
    void (*error_free)(GError *);
    unsigned int (*io_error_quark)(void);
    unsigned int (*dbus_error_quark)(void);
    unsigned int (*secret_error_quark)(void);
    void (*list_free)(GList *);
    int (*storev)(const SecretSchema *, void *, const char *, const char *, const char *, void *, GError **);
    char *(*lookupv)(const SecretSchema *, void *, void *, GError **);
    void (*password_free)(char *);
    int (*clearv)(const SecretSchema *, void *, void *, GError **);
    GList *(*searchv)(const SecretSchema *, void *, int, void *, GError **);
    void *(*retrieve)(void *, void *, GError **);
    void *(*item_get_secret)(void *);
    const char *(*value_get_text)(void *);
    void (*value_unref)(void *);
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

static void load(void) {
    void *lib = dlopen("libsecret-1.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return;
    /* GLib's symbols come through libsecret's own dependencies. */
    void **slots[] = {
        (void **)&fn.hash_new, (void **)&fn.hash_insert, (void **)&fn.hash_unref, (void **)&fn.str_hash,
        (void **)&fn.str_equal, (void **)&fn.cancellable_new, (void **)&fn.cancellable_cancel, (void **)&fn.object_unref,
        (void **)&fn.error_free, (void **)&fn.io_error_quark, (void **)&fn.dbus_error_quark, (void **)&fn.list_free,
        (void **)&fn.storev, (void **)&fn.lookupv, (void **)&fn.password_free, (void **)&fn.clearv, (void **)&fn.searchv,
        (void **)&fn.retrieve, (void **)&fn.value_get_text, (void **)&fn.value_unref, (void **)&fn.item_get_secret,
        (void **)&fn.secret_error_quark,
    };
    const char *names[] = {
        "g_hash_table_new", "g_hash_table_insert", "g_hash_table_unref", "g_str_hash", "g_str_equal",
        "g_cancellable_new", "g_cancellable_cancel", "g_object_unref", "g_error_free", "g_io_error_quark",
        "g_dbus_error_quark", "g_list_free",
        "secret_password_storev_sync", "secret_password_lookupv_sync", "secret_password_free",
        "secret_password_clearv_sync", "secret_password_searchv_sync", "secret_retrievable_retrieve_secret_sync",
        "secret_value_get_text", "secret_value_unref", "secret_item_get_secret", "secret_error_get_quark",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!(*slots[i] = dlsym(lib, names[i]))) return;
    loaded = 1;
}

int lpk_secret_loaded(void) { return loaded; }

static void say(char *message, size_t size, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(message, size, format, args);
    va_end(args);
}

/* Without DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus, GLib would try
 * to autolaunch a bus (dbus-launch, X11): refused here, at once. */
static int session_bus_exists(void) {
    if (getenv("DBUS_SESSION_BUS_ADDRESS")) return 1;
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    if (!runtime) return 0;
    char path[4096];
    struct stat info;
    snprintf(path, sizeof path, "%s/bus", runtime);
    return stat(path, &info) == 0 && S_ISSOCK(info.st_mode);
}

/* A call in progress: its cancellable, cancelled by the timer thread at the deadline. */
struct call {
    void *cancellable;
    pthread_mutex_t mutex;
    pthread_cond_t done_signal;
    int done, timed_out;
    struct timespec deadline;
};

static void *timer(void *arg) {
    struct call *c = arg;
    pthread_mutex_lock(&c->mutex);
    while (!c->done)
        if (pthread_cond_timedwait(&c->done_signal, &c->mutex, &c->deadline) == ETIMEDOUT && !c->done) {
            c->timed_out = 1;
            fn.cancellable_cancel(c->cancellable);
            break;
        }
    pthread_mutex_unlock(&c->mutex);
    return NULL;
}

/* Loads libsecret, checks for a bus, and starts the timer; LPK_SECRET_OK to go on. */
static lpk_secret_result begin(struct call *c, pthread_t *thread, int timeout_ms, char *message, size_t size) {
    pthread_once(&once, load);
    if (!loaded) {
        say(message, size, "libsecret-1.so.0 is not installed (Debian: libsecret-1-0)");
        return LPK_SECRET_NO_LIBRARY;
    }
    if (!session_bus_exists()) {
        say(message, size, "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset and there is no $XDG_RUNTIME_DIR/bus): "
                           "no Secret Service can be reached, as over SSH or on a headless machine");
        return LPK_SECRET_NO_BUS;
    }
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mutex, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c->done_signal, &attr);
    pthread_condattr_destroy(&attr);
    c->cancellable = fn.cancellable_new();
    clock_gettime(CLOCK_MONOTONIC, &c->deadline);
    c->deadline.tv_sec += timeout_ms / 1000;
    c->deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (c->deadline.tv_nsec >= 1000000000L) { c->deadline.tv_sec++; c->deadline.tv_nsec -= 1000000000L; }
    if (pthread_create(thread, NULL, timer, c) != 0) {
        fn.object_unref(c->cancellable);
        say(message, size, "could not start the timer thread");
        return LPK_SECRET_FAILED;
    }
    return LPK_SECRET_OK;
}

/* Stops the timer; the result of a call that failed with `error` (or not). */
static lpk_secret_result end(struct call *c, pthread_t thread, GError *error, int timeout_ms, char *message, size_t size) {
    pthread_mutex_lock(&c->mutex);
    c->done = 1;
    pthread_cond_signal(&c->done_signal);
    pthread_mutex_unlock(&c->mutex);
    pthread_join(thread, NULL);
    lpk_secret_result result = LPK_SECRET_OK;
    if (error) {
        int cancelled = error->domain == fn.io_error_quark() && error->code == G_IO_ERROR_CANCELLED;
        if (cancelled && c->timed_out) {
            say(message, size, "the Secret Service did not answer within %d ms (a service that hangs, or a locked "
                               "keyring waiting for a password prompt that no one can see)", timeout_ms);
            result = LPK_SECRET_TIMEOUT;
        } else if (error->domain == fn.secret_error_quark() && error->code == SECRET_ERROR_IS_LOCKED) {
            /* The service asked for the password in a prompt that could not be shown (no display), or was dismissed. */
            say(message, size, "the keyring is locked, and no prompt unlocked it (none can be shown without a display, or "
                               "it was dismissed): unlock it, e.g. by logging in to the desktop or in Seahorse (%s)",
                error->message);
            result = LPK_SECRET_LOCKED;
        } else if (error->domain == fn.dbus_error_quark() || strstr(error->message, "org.freedesktop.secrets")) {
            say(message, size, "no Secret Service on the session bus (no GNOME Keyring, KWallet or KeePassXC "
                               "running): %s", error->message);
            result = LPK_SECRET_NO_SERVICE;
        } else {
            say(message, size, "the Secret Service refused: %s", error->message);
            result = LPK_SECRET_FAILED;
        }
        fn.error_free(error);
    }
    fn.object_unref(c->cancellable);
    pthread_cond_destroy(&c->done_signal);
    pthread_mutex_destroy(&c->mutex);
    return result;
}

static void *attribute_table(const char *const *attributes) {
    void *table = fn.hash_new(fn.str_hash, fn.str_equal);
    for (size_t i = 0; attributes[i] && attributes[i + 1]; i += 2)
        fn.hash_insert(table, (void *)attributes[i], (void *)attributes[i + 1]);
    return table;
}

/* One libsecret call on the attribute table, bounded: begin, call, end. */
typedef int (*secret_call)(void *table, void *cancellable, void *arg, GError **error);

static lpk_secret_result run(const char *const *attributes, secret_call call, void *arg, int *returned, int timeout_ms,
                             char *message, size_t size) {
    struct call c;
    pthread_t thread;
    lpk_secret_result r = begin(&c, &thread, timeout_ms, message, size);
    if (r != LPK_SECRET_OK) return r;
    void *table = attribute_table(attributes);
    GError *error = NULL;
    *returned = call(table, c.cancellable, arg, &error);
    fn.hash_unref(table);
    return end(&c, thread, error, timeout_ms, message, size);
}

struct store_arg { const char *label, *secret; };

static int do_store(void *table, void *cancellable, void *arg, GError **error) {
    struct store_arg *a = arg;
    return fn.storev(&schema, table, NULL, a->label, a->secret, cancellable, error);  /* NULL: the default collection */
}

lpk_secret_result lpk_secret_store(const char *const *attributes, const char *label, const char *secret,
                                   int timeout_ms, char *message, size_t size) {
    struct store_arg arg = { label, secret };
    int stored = 0;
    return run(attributes, do_store, &arg, &stored, timeout_ms, message, size);
}

struct lookup_arg { char *secret; };

static int do_lookup(void *table, void *cancellable, void *arg, GError **error) {
    struct lookup_arg *a = arg;
    char *secret = fn.lookupv(&schema, table, cancellable, error);
    if (secret) {
        a->secret = strdup(secret);
        fn.password_free(secret);  /* wipes libsecret's copy */
    }
    return secret != NULL;
}

lpk_secret_result lpk_secret_lookup(const char *const *attributes, char **secret_out, int timeout_ms,
                                    char *message, size_t size) {
    struct lookup_arg arg = { NULL };
    int found = 0;
    lpk_secret_result r = run(attributes, do_lookup, &arg, &found, timeout_ms, message, size);
    if (r != LPK_SECRET_OK || !found) {
        if (arg.secret) {
            memset(arg.secret, 0, strlen(arg.secret));
            free(arg.secret);
        }
        if (r == LPK_SECRET_OK) say(message, size, "no such item");
        return r == LPK_SECRET_OK ? LPK_SECRET_NOT_FOUND : r;
    }
    if (!arg.secret) {
        say(message, size, "out of memory");
        return LPK_SECRET_FAILED;
    }
    *secret_out = arg.secret;
    return LPK_SECRET_OK;
}

static int do_clear(void *table, void *cancellable, void *arg, GError **error) {
    (void)arg;
    return fn.clearv(&schema, table, cancellable, error);
}

lpk_secret_result lpk_secret_clear(const char *const *attributes, int timeout_ms, char *message, size_t size) {
    int removed = 0;
    lpk_secret_result r = run(attributes, do_clear, NULL, &removed, timeout_ms, message, size);
    if (r == LPK_SECRET_OK && !removed) {
        say(message, size, "no such item");
        return LPK_SECRET_NOT_FOUND;
    }
    return r;
}

struct search_arg { void (*found)(void *, const char *); void *user; };

static int do_search(void *table, void *cancellable, void *arg, GError **error) {
    struct search_arg *a = arg;
    GList *items = fn.searchv(&schema, table, SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                              cancellable, error);
    for (GList *item = items; item && !*error; item = item->next) {
        /* Loaded with the search (SECRET_SEARCH_LOAD_SECRETS): no call per item. */
        void *value = fn.item_get_secret(item->data);
        if (!value) value = fn.retrieve(item->data, cancellable, error);
        if (value) {
            const char *text = fn.value_get_text(value);
            if (text) a->found(a->user, text);
            fn.value_unref(value);
        }
    }
    for (GList *item = items; item; item = item->next) fn.object_unref(item->data);
    if (items) fn.list_free(items);
    return 1;
}

lpk_secret_result lpk_secret_search(const char *const *attributes, void (*found)(void *, const char *), void *user,
                                    int timeout_ms, char *message, size_t size) {
    struct search_arg arg = { found, user };
    int done = 0;
    return run(attributes, do_search, &arg, &done, timeout_ms, message, size);
}
