/* curl_easy_setopt() and curl_easy_getinfo() are variadic, and Swift cannot
 * call a variadic C function. These typed wrappers are the whole reason this
 * target exists. Their prefix is lpk_, not pkce_, so that the linker version
 * script (which exports pkce_*) keeps them out of libpkce's ABI. */
#ifndef LPK_CURL_SHIM_H
#define LPK_CURL_SHIM_H

#include <curl/curl.h>

CURLcode lpk_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode lpk_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value);
CURLcode lpk_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode lpk_curl_set_pointer(CURL *handle, CURLoption option, void *value);
CURLcode lpk_curl_set_write_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode lpk_curl_get_long(CURL *handle, CURLINFO info, long *value);

#endif
