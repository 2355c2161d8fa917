/* libcurl, loaded with dlopen() on first use instead of linked.
 *
 * Why: a program that only wants verifiers, URLs or the sans-I/O calls
 * should not pay for loading libcurl and the ~30 libraries behind it (see
 * docs/architecture.md, "Cold start"). And curl_easy_setopt(),
 * curl_easy_getinfo() and curl_share_setopt() are variadic, which Swift
 * cannot call: the typed wrappers below call them for it.
 *
 * <curl/curl.h> is included for its types and constants only; nothing here
 * links against libcurl. The prefix is lpk_, not pkce_, so that the linker
 * version script (which exports pkce_*) keeps these out of libpkce's ABI. */
#ifndef LPK_CURL_H
#define LPK_CURL_H

#include <curl/curl.h>
#include <stddef.h>

/* The SONAME loaded: the one Debian's libcurl4 (OpenSSL flavour) ships. */
#define LPK_CURL_SONAME "libcurl.so.4"

/* dlopen()s LPK_CURL_SONAME and resolves every function below. Returns 1 on
 * success; on failure 0, with dlerror()'s reason in `reason`. Not
 * thread-safe: the caller runs it once (a Swift global's lazy initialiser). */
int lpk_curl_open(char *reason, size_t reason_size);

/* After lpk_curl_open and the version checks: finds OpenSSL's
 * SSL_CTX_set_options in the libssl.so.3 that libcurl loaded, for
 * lpk_curl_set_tls_hardening. 1 on success; 0 with the reason otherwise. */
int lpk_curl_open_tls(char *reason, size_t reason_size);

/* Makes every TLS context the handle creates wipe decrypted and
 * to-be-encrypted bytes from OpenSSL's buffers once used
 * (SSL_OP_CLEANSE_PLAINTEXT): request bodies and tokens pass through them. */
CURLcode lpk_curl_set_tls_hardening(CURL *handle);

/* What curl_version_info(CURLVERSION_NOW) reports. Only after lpk_curl_open. */
unsigned int lpk_curl_version_number(void);
const char *lpk_curl_version(void);
const char *lpk_curl_ssl_version(void); /* "" when built without TLS */

CURLcode lpk_curl_global_init(long flags);
CURL *lpk_curl_easy_init(void);
void lpk_curl_easy_cleanup(CURL *handle);
CURLcode lpk_curl_easy_perform(CURL *handle);
const char *lpk_curl_easy_strerror(CURLcode code);
struct curl_slist *lpk_curl_slist_append(struct curl_slist *list, const char *line);
void lpk_curl_slist_free_all(struct curl_slist *list);

CURLcode lpk_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode lpk_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value);
CURLcode lpk_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode lpk_curl_set_pointer(CURL *handle, CURLoption option, void *value);
CURLcode lpk_curl_set_write_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode lpk_curl_get_long(CURL *handle, CURLINFO info, long *value);
CURLcode lpk_curl_get_string(CURL *handle, CURLINFO info, const char **value); /* owned by the handle */
/* The value of response header `name` of the last transfer, owned by the
 * handle until its next transfer; NULL when absent or libcurl is older than 7.84. */
const char *lpk_curl_header(CURL *handle, const char *name);
/* The sockets of one easy handle, tracked from lpk_curl_track_sockets on
 * (NULL when out of memory) so that the ACKs a server may be waiting for go
 * out at once (TCP_QUICKACK): after a new connection's handshake, and when
 * an answer has begun and libcurl is about to wait for the rest. The same
 * callbacks count each answer's header bytes, and stop a transfer whose
 * headers pass max_header_bytes (CURLE_WRITE_ERROR). Freed after
 * curl_easy_cleanup has closed them. */
typedef struct lpk_sockets lpk_sockets;
lpk_sockets *lpk_curl_track_sockets(CURL *handle, size_t max_header_bytes);
void lpk_sockets_free(lpk_sockets *sockets);
/* Before each transfer: nothing of an answer has been seen yet. */
void lpk_sockets_begin_transfer(lpk_sockets *sockets);
/* Whether the last transfer stopped because its headers were too large. */
int lpk_sockets_headers_too_large(const lpk_sockets *sockets);
/* The response headers the transport reads. Looking one up (curl_easy_header)
 * walks every header libcurl kept, so the header callback notes which names
 * an answer has, and only those are looked up. */
typedef enum { LPK_HEADER_REQUEST_ID, LPK_HEADER_DPOP_NONCE, LPK_HEADER_WWW_AUTHENTICATE } lpk_header;
/* Whether a response of the last transfer had a header called `header`
 * (or a longer name that begins with it). */
int lpk_sockets_saw(const lpk_sockets *sockets, lpk_header header);
/* The index-th of the last response's headers called name (its value), and
 * how many there are in *amount; NULL past the last or without curl_easy_header. */
const char *lpk_curl_header_at(CURL *handle, const char *name, size_t index, size_t *amount);

/* A share handle for TLS sessions and DNS answers, with one mutex per kind
 * of shared data, so that easy handles in different threads may use it at
 * once. The connection cache is deliberately not shared: libcurl does not
 * support concurrent threads on a shared connection cache. NULL on failure. */
typedef struct lpk_share lpk_share;
lpk_share *lpk_curl_share_new(void);
CURLSH *lpk_curl_share_handle(lpk_share *share);
void lpk_curl_share_free(lpk_share *share); /* after every easy handle using it is gone */

#endif
