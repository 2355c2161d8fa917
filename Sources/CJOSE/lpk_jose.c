#include "lpk_jose.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

enum { SCHEMES = 4, HASHES = 3 };

struct lpk_key {
    EVP_PKEY *pkey;
    EVP_MD_CTX *prepared[SCHEMES][HASHES]; /* [scheme][SHA-256, -384, -512]; EdDSA uses [EDDSA][0] */
};

static const EVP_MD *digest(int hash_bits);
static int hash_index(int hash_bits) { return hash_bits == 384 ? 1 : hash_bits == 512 ? 2 : 0; }

/* A context set up for verifying with `pkey` by `scheme`, or NULL. */
static EVP_MD_CTX *prepare(EVP_PKEY *pkey, lpk_signature_scheme scheme, const EVP_MD *md) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (ctx && EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey) == 1 &&
        (scheme != LPK_SIGNATURE_RSA_PSS ||
         (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
          EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1)))
        return ctx;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return NULL;
}

/* Wraps a checked public key, with a context prepared for each algorithm of its type. */
static lpk_key *wrap(EVP_PKEY *pkey) {
    if (!pkey) return NULL;
    lpk_key *key = calloc(1, sizeof *key);
    if (!key) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    key->pkey = pkey;
    const int hashes[HASHES] = { 256, 384, 512 };
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
        for (int h = 0; h < HASHES; h++) {
            key->prepared[LPK_SIGNATURE_RSA_PKCS1][h] = prepare(pkey, LPK_SIGNATURE_RSA_PKCS1, digest(hashes[h]));
            key->prepared[LPK_SIGNATURE_RSA_PSS][h] = prepare(pkey, LPK_SIGNATURE_RSA_PSS, digest(hashes[h]));
        }
        break;
    case EVP_PKEY_EC: { /* JOSE ties the hash to the curve: ES256 P-256, ES384 P-384, ES512 P-521 */
        int bits = EVP_PKEY_get_bits(pkey), hash = bits <= 256 ? 256 : bits <= 384 ? 384 : 512;
        key->prepared[LPK_SIGNATURE_ECDSA][hash_index(hash)] = prepare(pkey, LPK_SIGNATURE_ECDSA, digest(hash));
        break;
    }
    case EVP_PKEY_ED25519:
        key->prepared[LPK_SIGNATURE_EDDSA][0] = prepare(pkey, LPK_SIGNATURE_EDDSA, NULL);
        break;
    default:
        break;
    }
    return key;
}

/* A key from parameters, made only if OpenSSL also finds it sound
 * (EVP_PKEY_public_check: for EC, that the point is on the curve). */
static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *builder) {
    EVP_PKEY *key = NULL;
    OSSL_PARAM *params = builder ? OSSL_PARAM_BLD_to_param(builder) : NULL;
    EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, type, NULL) : NULL;
    if (ctx && EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1) {
        EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
        if (!check || EVP_PKEY_public_check(check) != 1) {
            EVP_PKEY_free(key);
            key = NULL;
        }
        EVP_PKEY_CTX_free(check);
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(builder);
    if (!key) ERR_clear_error(); /* a refused key is our answer, not an error left for the application */
    return key;
}

lpk_key *lpk_key_rsa(const uint8_t *n, size_t n_length, const uint8_t *e, size_t e_length) {
    BIGNUM *bn_n = BN_bin2bn(n, (int)n_length, NULL), *bn_e = BN_bin2bn(e, (int)e_length, NULL);
    OSSL_PARAM_BLD *builder = NULL;
    if (bn_n && bn_e && !BN_is_zero(bn_n) && !BN_is_zero(bn_e) && n_length <= 2048 && e_length <= 2048) {
        builder = OSSL_PARAM_BLD_new();
        if (builder && (OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
                        OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1)) {
            OSSL_PARAM_BLD_free(builder);
            builder = NULL;
        }
    }
    EVP_PKEY *key = builder ? from_params("RSA", builder) : NULL;
    BN_free(bn_n);
    BN_free(bn_e);
    return wrap(key);
}

lpk_key *lpk_key_ec(int curve_bits, const uint8_t *x, const uint8_t *y, size_t coordinate_length) {
    const char *group = curve_bits == 256 ? "P-256" : curve_bits == 384 ? "P-384" : curve_bits == 521 ? "P-521" : NULL;
    if (!group || coordinate_length != (size_t)(curve_bits + 7) / 8) return NULL;
    /* The uncompressed point: 0x04 || x || y. */
    uint8_t point[1 + 2 * 66];
    point[0] = 0x04;
    memcpy(point + 1, x, coordinate_length);
    memcpy(point + 1 + coordinate_length, y, coordinate_length);
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    if (builder && (OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
                    OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point,
                                                     1 + 2 * coordinate_length) != 1)) {
        OSSL_PARAM_BLD_free(builder);
        builder = NULL;
    }
    return wrap(builder ? from_params("EC", builder) : NULL);
}

lpk_key *lpk_key_ed25519(const uint8_t *x, size_t x_length) {
    if (x_length != 32) return NULL;
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, x_length);
    if (!key) ERR_clear_error();
    return wrap(key);
}

int lpk_key_bits(const lpk_key *key) { return EVP_PKEY_get_bits(key->pkey); }

void lpk_key_free(lpk_key *key) {
    if (!key) return;
    for (int s = 0; s < SCHEMES; s++)
        for (int h = 0; h < HASHES; h++) EVP_MD_CTX_free(key->prepared[s][h]);
    EVP_PKEY_free(key->pkey);
    free(key);
}

static const EVP_MD *digest(int hash_bits) {
    return hash_bits == 256 ? EVP_sha256() : hash_bits == 384 ? EVP_sha384() : hash_bits == 512 ? EVP_sha512() : NULL;
}

/* JOSE's fixed-size r || s as the DER that OpenSSL verifies; NULL if malformed. */
static unsigned char *ecdsa_der(const uint8_t *signature, size_t length, int *der_length) {
    if (length == 0 || length % 2 != 0) return NULL;
    size_t half = length / 2;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(signature, (int)half, NULL), *s = BN_bin2bn(signature + half, (int)half, NULL);
    unsigned char *der = NULL;
    if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
        r = s = NULL; /* owned by sig now */
        *der_length = i2d_ECDSA_SIG(sig, &der);
        if (*der_length <= 0) der = NULL;
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return der;
}

int lpk_verify(lpk_key *key, lpk_signature_scheme scheme, int hash_bits, const uint8_t *data, size_t data_length,
               const uint8_t *signature, size_t signature_length) {
    if ((unsigned)scheme >= SCHEMES || (scheme != LPK_SIGNATURE_EDDSA && !digest(hash_bits))) return -1;
    unsigned char *der = NULL;
    int der_length = 0;
    if (scheme == LPK_SIGNATURE_ECDSA) {
        /* r and s are each as long as the curve's order: 32, 48 or 66 bytes. */
        if (signature_length != 2 * (size_t)((EVP_PKEY_get_bits(key->pkey) + 7) / 8)) return 0;
        der = ecdsa_der(signature, signature_length, &der_length);
        if (!der) return 0;
        signature = der;
        signature_length = (size_t)der_length;
    }
    const EVP_MD_CTX *prepared = key->prepared[scheme][scheme == LPK_SIGNATURE_EDDSA ? 0 : hash_index(hash_bits)];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int result = -1;
    if (ctx && prepared && EVP_MD_CTX_copy_ex(ctx, prepared) == 1)
        result = EVP_DigestVerify(ctx, signature, signature_length, data, data_length) == 1 ? 1 : 0;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    if (result != 1) ERR_clear_error();
    return result;
}

size_t lpk_digest(int hash_bits, const uint8_t *data, size_t data_length, uint8_t *out) {
    const EVP_MD *md = digest(hash_bits);
    unsigned int length = 0;
    if (!md || EVP_Digest(data, data_length, out, &length, md, NULL) != 1) return 0;
    return length;
}
