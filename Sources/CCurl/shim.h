#ifndef BERTH_CCURL_SHIM_H
#define BERTH_CCURL_SHIM_H
/* libcurl (libcurl4-openssl-dev) for berth-registry's HTTP transport. curl_easy_setopt and
   curl_easy_getinfo are variadic, which Swift cannot call: one typed wrapper per argument kind. */
#include <curl/curl.h>

static inline CURLcode berth_curl_set_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode berth_curl_set_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode berth_curl_set_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode berth_curl_set_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode berth_curl_set_list(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode berth_curl_set_blob(CURL *h, CURLoption o, struct curl_blob *v) { return curl_easy_setopt(h, o, v); }

/* The callbacks: body bytes in, headers in, body bytes out, progress (a non-zero return aborts). */
typedef size_t (*berth_curl_data_fn)(char *data, size_t size, size_t count, void *context);
typedef int (*berth_curl_progress_fn)(void *context, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
typedef int (*berth_curl_seek_fn)(void *context, curl_off_t offset, int origin);
static inline CURLcode berth_curl_set_data_fn(CURL *h, CURLoption o, berth_curl_data_fn f) { return curl_easy_setopt(h, o, f); }
static inline CURLcode berth_curl_set_progress_fn(CURL *h, berth_curl_progress_fn f) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, f); }
static inline CURLcode berth_curl_set_seek_fn(CURL *h, berth_curl_seek_fn f) { return curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, f); }

static inline CURLcode berth_curl_get_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode berth_curl_get_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }

/* CURL_READFUNC_ABORT is a macro of a cast, which Swift does not import. */
static inline size_t berth_curl_read_abort(void) { return CURL_READFUNC_ABORT; }
#endif
