/* A stand-in libcurl.so.4 for test-loading: it reports libcurl 7.74.0 (older
 * than libpkce needs) built with OpenSSL, and has every function libpkce
 * resolves, none of which may be called. */
#define CURL_DISABLE_TYPECHECK /* curl.h would make curl_easy_setopt a macro */
#include <curl/curl.h>
#include <stdlib.h>

static curl_version_info_data info = {
    .age = CURLVERSION_NOW, .version = "7.74.0", .version_num = 0x074a00, .ssl_version = "OpenSSL/3.0.0",
};

curl_version_info_data *curl_version_info(CURLversion v) { (void)v; return &info; }

/* Reaching any of these means libpkce used a libcurl it should have refused. */
#define NEVER(ret, name, ...) ret name(__VA_ARGS__) { abort(); }
NEVER(CURLcode, curl_global_init, long flags)
NEVER(CURL *, curl_easy_init, void)
NEVER(void, curl_easy_cleanup, CURL *h)
NEVER(CURLcode, curl_easy_perform, CURL *h)
NEVER(const char *, curl_easy_strerror, CURLcode c)
NEVER(CURLcode, curl_easy_setopt, CURL *h, CURLoption o, ...)
NEVER(CURLcode, curl_easy_getinfo, CURL *h, CURLINFO i, ...)
NEVER(struct curl_slist *, curl_slist_append, struct curl_slist *l, const char *s)
NEVER(void, curl_slist_free_all, struct curl_slist *l)
NEVER(CURLSH *, curl_share_init, void)
NEVER(CURLSHcode, curl_share_setopt, CURLSH *s, CURLSHoption o, ...)
NEVER(CURLSHcode, curl_share_cleanup, CURLSH *s)
