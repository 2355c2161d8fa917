/* DPoP's cost, each figure against its baseline measured in the same run:
 *   sign       a bare ES256 EVP_DigestSign over a proof's signing input, on a
 *              copy of a prepared context (the cheapest way to call OpenSSL)
 *   proof      pkce_dpop_proof: the same signature plus JSON, jti, base64url
 *   pair       pkce_token_source_dpop_headers, no refresh due
 *   exchange_* code exchanges over loopback TLS with keep-alive, against
 *              nginx answering a fixed token JSON (DPoP-bound for the ones
 *              with a proof), one of each kind in turn, medians: without a
 *              proof; the same plus a bare signature (what a signature costs
 *              there, where the exchange has pushed OpenSSL's tables out of
 *              the caches); with a header of the proof's length but no proof
 *              (what carrying the bytes costs); with a proof
 * Prints "name microseconds" lines for bench_dpop.py.
 * Usage: bench_dpop URL DPOP_URL CA_FILE */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Best of 7 batches of n, microseconds per call; a batch before them warms up. */
#define MEASURE(result, n, body) do { \
    double best_ = 1e30; \
    for (int b_ = -1; b_ < 7; b_++) { \
        double t0_ = now_us(); \
        for (int i_ = 0; i_ < (n); i_++) { body; } \
        double per_ = (now_us() - t0_) / (n); \
        if (b_ >= 0 && per_ < best_) best_ = per_; \
    } \
    (result) = best_; \
} while (0)

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: bench_dpop URL DPOP_URL CA_FILE\n"); return 2; }
    const char *url = argv[1], *dpop_url = argv[2], *ca = argv[3];
    const int n = 20000;
    int failures = 0;
    pkce_dpop_key *key = NULL;
    if (pkce_dpop_key_new(PKCE_DPOP_ES256, &key) != PKCE_OK) return 1;

    /* The baseline: the same bytes a proof signs, signed with OpenSSL alone. */
    char *proof = NULL;
    pkce_dpop_proof(key, "POST", url, NULL, &proof);
    size_t input_length = (size_t)(strrchr(proof, '.') - proof);
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_MD_CTX *prepared = EVP_MD_CTX_new();
    if (!pkey || EVP_DigestSignInit(prepared, NULL, EVP_sha256(), NULL, pkey) != 1) return 1;
    unsigned char signature[80];
    double sign, proof_us, pair;
    MEASURE(sign, n, {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        size_t length = sizeof signature;
        if (EVP_MD_CTX_copy_ex(ctx, prepared) != 1 ||
            EVP_DigestSign(ctx, signature, &length, (const unsigned char *)proof, input_length) != 1) failures++;
        EVP_MD_CTX_free(ctx);
    });
    MEASURE(proof_us, n, {
        char *out = NULL;
        if (pkce_dpop_proof(key, "POST", url, NULL, &out) != PKCE_OK) failures++;
        pkce_string_free(out);
    });

    /* The header pair from a token source whose DPoP-bound token is fresh. */
    pkce_client *client = bench_client(url, ca);
    pkce_client_set_dpop_key(client, key);
    const char *answer = "{\"access_token\":\"Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU\",\"token_type\":\"DPoP\","
                         "\"expires_in\":3600,\"refresh_token\":\"Q..Zkm29lexi8VnWg2zPW1x-tgGad0Ibc3s3EwM_Ni4-g\"}";
    pkce_token *token = NULL;
    pkce_token_source *source = NULL;
    if (pkce_token_parse(200, answer, strlen(answer), &token, NULL) != PKCE_OK ||
        pkce_token_source_new(client, token, NULL, NULL, &source, NULL) != PKCE_OK) return 1;
    MEASURE(pair, n, {
        char *authorization = NULL;
        char *dpop = NULL;
        if (pkce_token_source_dpop_headers(source, "GET", url, NULL, &authorization, &dpop, NULL) != PKCE_OK) failures++;
        pkce_string_free(authorization);
        pkce_string_free(dpop);
    });

    /* The exchanges, one of each kind in turn (see the top). */
    pkce_client *plain = bench_client(url, ca), *bound = bench_client(dpop_url, ca);
    pkce_client_set_dpop_key(bound, key);
    pkce_attempt *plain_attempt = bench_attempt(plain), *dpop_attempt = bench_attempt(bound);
    char *padding = malloc(strlen(proof) + 1);
    if (!padding) return 1;
    memset(padding, 'p', strlen(proof));
    padding[strlen(proof)] = '\0';
    enum { PLAIN, SIGNED, PADDED, DPOP, KINDS };
    const int m = 5000;
    double *times[KINDS];
    for (int kind = 0; kind < KINDS; kind++) if (!(times[kind] = malloc(m * sizeof **times))) return 1;
    for (int i = -m / 10; i < m; i++) {  /* the first tenth warms up */
        for (int kind = 0; kind < KINDS; kind++) {
            pkce_token *token_out = NULL;
            double t0 = now_us();
            if (kind == SIGNED) {
                EVP_MD_CTX *ctx = EVP_MD_CTX_new();
                size_t length = sizeof signature;
                if (EVP_MD_CTX_copy_ex(ctx, prepared) != 1 ||
                    EVP_DigestSign(ctx, signature, &length, (const unsigned char *)proof, input_length) != 1) failures++;
                EVP_MD_CTX_free(ctx);
            }
            if (kind == PADDED) {
                /* "DPoX": a header name as long as "DPoP", and a value as long as a proof. */
                pkce_http_request *request = NULL;
                if (pkce_attempt_token_request(plain_attempt, &request) != PKCE_OK ||
                    pkce_http_request_add_header(request, "DPoX", padding) != PKCE_OK ||
                    pkce_client_send_token(plain, request, plain_attempt, &token_out, NULL) != PKCE_OK) failures++;
                pkce_http_request_free(request);
            } else if (pkce_client_exchange(kind == DPOP ? bound : plain, kind == DPOP ? dpop_attempt : plain_attempt,
                                            &token_out, NULL) != PKCE_OK) {
                failures++;
            }
            pkce_token_free(token_out);
            if (i >= 0) times[kind][i] = now_us() - t0;
        }
    }
    double exchange = median(times[PLAIN], m), exchange_sign = median(times[SIGNED], m);
    double exchange_padded = median(times[PADDED], m), exchange_dpop = median(times[DPOP], m);
    for (int kind = 0; kind < KINDS; kind++) free(times[kind]);
    free(padding);
    printf("sign %.3f\nproof %.3f\npair %.3f\nexchange %.2f\nexchange_sign %.2f\nexchange_padded %.2f\nexchange_dpop %.2f\n",
           sign, proof_us, pair, exchange, exchange_sign, exchange_padded, exchange_dpop);

    pkce_attempt_free(plain_attempt);
    pkce_attempt_free(dpop_attempt);
    pkce_client_free(plain);
    pkce_client_free(bound);
    pkce_token_source_free(source);
    pkce_token_free(token);
    pkce_client_free(client);
    pkce_string_free(proof);
    EVP_MD_CTX_free(prepared);
    EVP_PKEY_free(pkey);
    pkce_dpop_key_free(key);
    if (failures) fprintf(stderr, "%d calls failed\n", failures);
    return failures != 0;
}
