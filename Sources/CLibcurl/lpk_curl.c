#define _GNU_SOURCE
#include "lpk_curl.h"

#include <dlfcn.h>
#include <openssl/ssl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

/* One pointer per libcurl function used, filled by lpk_curl_open(). */
static struct {
    curl_version_info_data *(*version_info)(CURLversion);
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLSH *(*share_init)(void);
    CURLSHcode (*share_setopt)(CURLSH *, CURLSHoption, ...);
    CURLSHcode (*share_cleanup)(CURLSH *);
    /* Optional (libcurl 7.84): without it, answers carry no request id. */
    CURLHcode (*easy_header)(CURL *, const char *, size_t, unsigned int, int, struct curl_header **);
} fn;

static int resolve(void *library, const char *name, void **slot, char *reason, size_t reason_size) {
    *slot = dlsym(library, name);
    if (*slot) return 1;
    snprintf(reason, reason_size, "%s has no %s", LPK_CURL_SONAME, name);
    return 0;
}

int lpk_curl_open(char *reason, size_t reason_size) {
    /* RTLD_LOCAL: libcurl's symbols stay out of the global namespace, so
     * they cannot interpose on a program's own. The handle is never closed:
     * libcurl keeps global state for the rest of the process. */
    void *library = dlopen(LPK_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *why = dlerror();
        snprintf(reason, reason_size, "%s", why ? why : "dlopen failed");
        return 0;
    }
#define RESOLVE(field, name) resolve(library, name, (void **)&fn.field, reason, reason_size)
    int ok = RESOLVE(version_info, "curl_version_info") && RESOLVE(global_init, "curl_global_init") &&
           RESOLVE(easy_init, "curl_easy_init") && RESOLVE(easy_cleanup, "curl_easy_cleanup") &&
           RESOLVE(easy_perform, "curl_easy_perform") && RESOLVE(easy_strerror, "curl_easy_strerror") &&
           RESOLVE(easy_setopt, "curl_easy_setopt") && RESOLVE(easy_getinfo, "curl_easy_getinfo") &&
           RESOLVE(slist_append, "curl_slist_append") && RESOLVE(slist_free_all, "curl_slist_free_all") &&
           RESOLVE(share_init, "curl_share_init") && RESOLVE(share_setopt, "curl_share_setopt") &&
           RESOLVE(share_cleanup, "curl_share_cleanup");
#undef RESOLVE
    *(void **)&fn.easy_header = dlsym(library, "curl_easy_header");
    return ok;
}

static uint64_t (*ssl_ctx_set_options)(SSL_CTX *, uint64_t);
static long (*ssl_ctx_ctrl)(SSL_CTX *, int, long, void *);

int lpk_curl_open_tls(char *reason, size_t reason_size) {
    /* RTLD_NOLOAD: the libssl libcurl itself uses, never another one. */
    void *ssl = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (ssl) {
        ssl_ctx_set_options = (uint64_t (*)(SSL_CTX *, uint64_t))dlsym(ssl, "SSL_CTX_set_options");
        ssl_ctx_ctrl = (long (*)(SSL_CTX *, int, long, void *))dlsym(ssl, "SSL_CTX_ctrl");
    }
    if (ssl_ctx_set_options && ssl_ctx_ctrl) return 1;
    snprintf(reason, reason_size, "%s does not use OpenSSL 3's libssl.so.3", LPK_CURL_SONAME);
    return 0;
}

static CURLcode harden_tls(CURL *handle, void *ssl_ctx, void *user) {
    (void)handle;
    (void)user;
    ssl_ctx_set_options(ssl_ctx, SSL_OP_CLEANSE_PLAINTEXT);
    /* libcurl asks OpenSSL to free a connection's record buffers whenever
     * they are empty; with plaintext cleansing on, each free wipes all 16 KiB
     * of the read buffer, and the next record allocates it again: a quarter
     * of a token exchange's instructions. Kept, the buffers hold no
     * plaintext anyway: each record's is wiped as it is read, and the buffers
     * are wiped when the connection goes. */
    ssl_ctx_ctrl(ssl_ctx, SSL_CTRL_CLEAR_MODE, SSL_MODE_RELEASE_BUFFERS, NULL);
    return CURLE_OK;
}

CURLcode lpk_curl_set_tls_hardening(CURL *handle) {
    return fn.easy_setopt(handle, CURLOPT_SSL_CTX_FUNCTION, harden_tls);
}

unsigned int lpk_curl_version_number(void) { return fn.version_info(CURLVERSION_NOW)->version_num; }
const char *lpk_curl_version(void) { return fn.version_info(CURLVERSION_NOW)->version; }
const char *lpk_curl_ssl_version(void) {
    const char *ssl = fn.version_info(CURLVERSION_NOW)->ssl_version;
    return ssl ? ssl : "";
}

CURLcode lpk_curl_global_init(long flags) { return fn.global_init(flags); }
CURL *lpk_curl_easy_init(void) { return fn.easy_init(); }
void lpk_curl_easy_cleanup(CURL *handle) { fn.easy_cleanup(handle); }
CURLcode lpk_curl_easy_perform(CURL *handle) { return fn.easy_perform(handle); }
const char *lpk_curl_easy_strerror(CURLcode code) { return fn.easy_strerror(code); }
struct curl_slist *lpk_curl_slist_append(struct curl_slist *list, const char *line) { return fn.slist_append(list, line); }
/* NULL-safe without libcurl loaded: a transport that never transferred frees nothing. */
void lpk_curl_slist_free_all(struct curl_slist *list) { if (list) fn.slist_free_all(list); }

CURLcode lpk_curl_set_long(CURL *handle, CURLoption option, long value) {
    return fn.easy_setopt(handle, option, value);
}

CURLcode lpk_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return fn.easy_setopt(handle, option, value);
}

CURLcode lpk_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return fn.easy_setopt(handle, option, value);
}

CURLcode lpk_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return fn.easy_setopt(handle, option, value);
}

CURLcode lpk_curl_set_write_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *)) {
    return fn.easy_setopt(handle, CURLOPT_WRITEFUNCTION, function);
}

CURLcode lpk_curl_get_long(CURL *handle, CURLINFO info, long *value) {
    return fn.easy_getinfo(handle, info, value);
}

const char *lpk_curl_header(CURL *handle, const char *name) {
    struct curl_header *header = NULL;
    if (!fn.easy_header || fn.easy_header(handle, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK) return NULL;
    return header->value;
}

/* The sockets an easy handle has open, noted as libcurl makes them and
 * forgotten as it closes them. Neither CURLINFO_ACTIVESOCKET (set once a
 * transfer is done) nor the TLS session (libcurl reads through a BIO of its
 * own) names the socket while a response arrives. */
#define LPK_MAX_SOCKETS 8
struct lpk_sockets {
    curl_socket_t fd[LPK_MAX_SOCKETS];
    int count;
    int connected;     /* a socket was made since the last request: its handshake may have left an ACK pending */
    int acknowledged;  /* the answer in progress was acknowledged (at most once an answer) */
    /* The answer's header bytes so far, against a limit below libcurl's own
     * (300 KB in all), whose failure is a transfer error that says nothing.
     * Counted here, they also tell the progress call that an answer has
     * begun without asking libcurl (CURLINFO_HEADER_SIZE) each time. */
    size_t header_bytes, max_header_bytes;
    unsigned seen;  /* lpk_header bits: the watched headers this transfer's answers named */
};

/* Sends the ACKs the kernel holds on the handle's connections now (TCP_QUICKACK). */
static void ack_now(lpk_sockets *sockets) {
    int on = 1;
    for (int i = 0; i < sockets->count; i++) setsockopt(sockets->fd[i], IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
}

static int note_socket(void *user, curl_socket_t fd, curlsocktype purpose) {
    lpk_sockets *s = user;
    if (purpose == CURLSOCKTYPE_IPCXN && s->count < LPK_MAX_SOCKETS) s->fd[s->count++] = fd;
    s->connected = 1;
    return CURL_SOCKOPT_OK;
}

static int forget_socket(void *user, curl_socket_t fd) {
    lpk_sockets *s = user;
    for (int i = 0; i < s->count; i++)
        if (s->fd[i] == fd) {
            s->fd[i] = s->fd[--s->count];
            break;
        }
    return close(fd);
}

/* Connected, TLS done, request not sent yet: a server that sent session
 * tickets after its handshake (TLS 1.3) may hold the answer behind them
 * until they are acknowledged. */
static int ack_before_request(void *user, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
                              int conn_local_port) {
    (void)conn_primary_ip, (void)conn_local_ip, (void)conn_primary_port, (void)conn_local_port;
    lpk_sockets *s = user;
    if (s->connected) ack_now(s);  /* a reused connection has no handshake behind it */
    s->connected = 0;
    return CURL_PREREQFUNC_OK;
}

void lpk_sockets_begin_transfer(lpk_sockets *sockets) {
    sockets->acknowledged = 0;
    sockets->header_bytes = 0;
    sockets->seen = 0;
}

int lpk_sockets_headers_too_large(const lpk_sockets *sockets) {
    return sockets->header_bytes > sockets->max_header_bytes;
}

int lpk_sockets_saw(const lpk_sockets *sockets, lpk_header header) {
    return (sockets->seen & (1u << header)) != 0;
}

/* A line that begins with a watched name: a longer name that begins the same
 * only costs a lookup that finds nothing. The first letter rules out most
 * lines without a call. */
static void note_header(lpk_sockets *s, const char *line, size_t length) {
    static const struct { const char *name; size_t length; } watched[] = {
        [LPK_HEADER_REQUEST_ID] = { "x-request-id", 12 },
        [LPK_HEADER_DPOP_NONCE] = { "dpop-nonce", 10 },
        [LPK_HEADER_WWW_AUTHENTICATE] = { "www-authenticate", 16 },
    };
    if (length == 0) return;
    for (unsigned i = 0; i < sizeof watched / sizeof watched[0]; i++)
        if ((line[0] | 0x20) == watched[i].name[0] && length > watched[i].length &&
            strncasecmp(line, watched[i].name, watched[i].length) == 0)
            s->seen |= 1u << i;
}

static size_t count_header(char *data, size_t size, size_t count, void *user) {
    lpk_sockets *s = user;
    size_t length = size * count;  /* libcurl's size is always 1 */
    note_header(s, data, length);
    s->header_bytes = length > SIZE_MAX - s->header_bytes ? SIZE_MAX : s->header_bytes + length;
    return s->header_bytes <= s->max_header_bytes ? length : 0;  /* 0 stops libcurl with CURLE_WRITE_ERROR */
}

/* libcurl's progress call, made after each pass over what arrived and
 * before it waits for more. An answer that has begun and is not all here
 * gets its segments acknowledged now. A server that writes the head and the
 * body apart with Nagle's algorithm on (uvicorn over TLS does) holds the
 * body until that ACK, which Linux would delay by 40 ms: 44 ms a request
 * where 1 ms will do. An answer that came whole (nginx's) is left to the
 * ACK the next request carries: an ACK of its own is one more segment for
 * both ends to handle, about a twentieth of an exchange over loopback. */
static int ack_before_waiting(void *user, curl_off_t expected, curl_off_t received, curl_off_t up_total, curl_off_t up_now) {
    (void)up_total, (void)up_now;
    lpk_sockets *s = user;
    /* Not begun, done already, or the body's length is known and all of it is here. */
    if (s->header_bytes == 0 || s->acknowledged || (expected > 0 && received >= expected)) return 0;
    ack_now(s);
    s->acknowledged = 1;
    return 0;
}

lpk_sockets *lpk_curl_track_sockets(CURL *handle, size_t max_header_bytes) {
    lpk_sockets *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->max_header_bytes = max_header_bytes;
    if (fn.easy_setopt(handle, CURLOPT_HEADERFUNCTION, count_header) != CURLE_OK ||
        fn.easy_setopt(handle, CURLOPT_HEADERDATA, s) != CURLE_OK ||
        fn.easy_setopt(handle, CURLOPT_PREREQFUNCTION, ack_before_request) != CURLE_OK ||
        fn.easy_setopt(handle, CURLOPT_PREREQDATA, s) != CURLE_OK ||
        fn.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, ack_before_waiting) != CURLE_OK ||
        fn.easy_setopt(handle, CURLOPT_XFERINFODATA, s) != CURLE_OK ||
        fn.easy_setopt(handle, CURLOPT_NOPROGRESS, 0L) != CURLE_OK ||
        fn.easy_setopt(handle, CURLOPT_SOCKOPTFUNCTION, note_socket) != CURLE_OK ||
        fn.easy_setopt(handle, CURLOPT_SOCKOPTDATA, s) != CURLE_OK ||
        fn.easy_setopt(handle, CURLOPT_CLOSESOCKETFUNCTION, forget_socket) != CURLE_OK ||
        fn.easy_setopt(handle, CURLOPT_CLOSESOCKETDATA, s) != CURLE_OK) {
        free(s);
        return NULL;
    }
    return s;
}

void lpk_sockets_free(lpk_sockets *sockets) { free(sockets); }

const char *lpk_curl_header_at(CURL *handle, const char *name, size_t index, size_t *amount) {
    struct curl_header *header = NULL;
    if (!fn.easy_header || fn.easy_header(handle, name, index, CURLH_HEADER, -1, &header) != CURLHE_OK) return NULL;
    *amount = header->amount;
    return header->value;
}

CURLcode lpk_curl_get_string(CURL *handle, CURLINFO info, const char **value) {
    return fn.easy_getinfo(handle, info, value);
}

/* A share handle and its locks, one mutex per curl_lock_data value
 * (libcurl asks for a different lock per kind of data). */
struct lpk_share {
    CURLSH *share;
    pthread_mutex_t mutex[CURL_LOCK_DATA_LAST];
};

static void share_lock(CURL *handle, curl_lock_data data, curl_lock_access access, void *user) {
    (void)handle;
    (void)access;
    pthread_mutex_lock(&((lpk_share *)user)->mutex[data]);
}

static void share_unlock(CURL *handle, curl_lock_data data, void *user) {
    (void)handle;
    pthread_mutex_unlock(&((lpk_share *)user)->mutex[data]);
}

lpk_share *lpk_curl_share_new(void) {
    lpk_share *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&s->mutex[i], NULL);
    s->share = fn.share_init();
    if (!s->share || fn.share_setopt(s->share, CURLSHOPT_USERDATA, s) != CURLSHE_OK ||
        fn.share_setopt(s->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
        fn.share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
        fn.share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
        fn.share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK) {
        lpk_curl_share_free(s);
        return NULL;
    }
    return s;
}

CURLSH *lpk_curl_share_handle(lpk_share *share) { return share->share; }

void lpk_curl_share_free(lpk_share *share) {
    if (!share) return;
    if (share->share) fn.share_cleanup(share->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_destroy(&share->mutex[i]);
    free(share);
}
