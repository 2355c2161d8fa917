/* Verifying an ID token with a cached key: libpkce's pkce_id_token_verify
 * (parse, algorithm and key checks, signature, claims) against the bare
 * OpenSSL signature check of the same bytes (EVP_DigestVerify, the key and
 * the decoded signature prepared beforehand), in alternating batches.
 * Tokens and keys come from bench_oidc.py (made with joserfc).
 * Prints "ALG libpkce-us openssl-us" lines. Usage: bench_oidc DIR NOW */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *slurp(const char *dir, const char *name, size_t *length) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)n + 1);
    if (fread(data, 1, (size_t)n, f) != (size_t)n) n = 0;
    data[n] = '\0';
    fclose(f);
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r')) data[--n] = '\0';
    if (length) *length = (size_t)n;
    return data;
}

static size_t b64url_decode(const char *in, size_t n, unsigned char *out) {
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
              : c == '-' ? 62 : 63;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) { bits -= 8; out[o++] = (unsigned char)(acc >> bits); acc &= (1u << bits) - 1; }
    }
    return o;
}

struct bare { EVP_PKEY *key; const EVP_MD *md; const char *input; size_t input_length; unsigned char sig[600]; size_t sig_length; };

static int bare_verify(struct bare *b, EVP_MD_CTX *ctx) {
    return EVP_DigestVerifyInit(ctx, NULL, b->md, NULL, b->key) == 1 &&
           EVP_DigestVerify(ctx, b->sig, b->sig_length, (const unsigned char *)b->input, b->input_length) == 1;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: bench_oidc DIR NOW\n"); return 2; }
    const char *dir = argv[1];
    const char *algs[] = { "RS256", "ES256", "EdDSA" }, *files[] = { "rs256", "es256", "eddsa" };
    size_t jwks_length = 0;
    char *jwks = slurp(dir, "jwks.json", &jwks_length);
    pkce_client *client = NULL;
    pkce_client_new("bench-client", "http://127.0.0.1:8765/callback", &client);
    pkce_client_set_issuer(client, "https://as.example", 0);
    pkce_client_set_time(client, atoll(argv[2]));
    if (!jwks || pkce_client_set_jwks(client, jwks, jwks_length, NULL) != PKCE_OK) { fprintf(stderr, "bad JWKS\n"); return 1; }
    int failures = 0;
    for (int a = 0; a < 3; a++) {
        char name[32];
        snprintf(name, sizeof name, "%s.token", files[a]);
        size_t token_length = 0;
        char *token = slurp(dir, name, &token_length);
        snprintf(name, sizeof name, "%s.pem", files[a]);
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        FILE *pem = fopen(path, "r");
        struct bare b = { pem ? PEM_read_PUBKEY(pem, NULL, NULL, NULL) : NULL, a == 2 ? NULL : EVP_sha256(), token,
                          (size_t)(strrchr(token, '.') - token), {0}, 0 };
        if (pem) fclose(pem);
        const char *sig_text = strrchr(token, '.') + 1;
        unsigned char raw[600];
        size_t raw_length = b64url_decode(sig_text, strlen(sig_text), raw);
        if (a == 1) {  /* ES256: JOSE's r || s as the DER OpenSSL checks, made once, outside the loop */
            ECDSA_SIG *sig = ECDSA_SIG_new();
            ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, NULL), BN_bin2bn(raw + 32, 32, NULL));
            unsigned char *der = b.sig;
            b.sig_length = (size_t)i2d_ECDSA_SIG(sig, &der);
            ECDSA_SIG_free(sig);
        } else {
            memcpy(b.sig, raw, raw_length);
            b.sig_length = raw_length;
        }
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        const int n = a == 0 ? 4000 : 2000;
        double ours = 1e30, bare = 1e30;
        for (int batch = -1; batch < 7; batch++) {  /* batch -1 warms both up */
            double t0 = now_us();
            for (int i = 0; i < n; i++) {
                pkce_id_token *claims = NULL;
                if (pkce_id_token_verify(client, NULL, token, NULL, NULL, 0, &claims, NULL) != PKCE_OK) failures++;
                pkce_id_token_free(claims);
            }
            double t1 = now_us();
            for (int i = 0; i < n; i++) if (!bare_verify(&b, ctx)) failures++;
            double t2 = now_us();
            if (batch >= 0 && (t1 - t0) / n < ours) ours = (t1 - t0) / n;
            if (batch >= 0 && (t2 - t1) / n < bare) bare = (t2 - t1) / n;
        }
        printf("%s %.2f %.2f\n", algs[a], ours, bare);
        EVP_MD_CTX_free(ctx);
        EVP_PKEY_free(b.key);
        free(token);
    }
    pkce_client_free(client);
    free(jwks);
    if (failures) fprintf(stderr, "%d verifications failed\n", failures);
    return failures != 0;
}
