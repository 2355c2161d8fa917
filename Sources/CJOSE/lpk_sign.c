#include "lpk_jose.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

struct lpk_signer {
    EVP_PKEY *pkey;
    lpk_signature_scheme scheme;
    EVP_MD_CTX *prepared;
};

/* Wraps a key whose type and size were checked, with its signing context. */
static lpk_signer *wrap(EVP_PKEY *pkey, lpk_signature_scheme scheme) {
    lpk_signer *signer = pkey ? calloc(1, sizeof *signer) : NULL;
    EVP_MD_CTX *ctx = signer ? EVP_MD_CTX_new() : NULL;
    if (ctx && EVP_DigestSignInit(ctx, NULL, scheme == LPK_SIGNATURE_EDDSA ? NULL : EVP_sha256(), NULL, pkey) == 1) {
        signer->pkey = pkey;
        signer->scheme = scheme;
        signer->prepared = ctx;
        return signer;
    }
    EVP_MD_CTX_free(ctx);
    free(signer);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return NULL;
}

lpk_signer *lpk_signer_generate(lpk_signature_scheme scheme) {
    EVP_PKEY *pkey = NULL;
    switch (scheme) {
    case LPK_SIGNATURE_ECDSA: pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); break;
    case LPK_SIGNATURE_EDDSA: pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"); break;
    case LPK_SIGNATURE_RSA_PKCS1: pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048); break;
    default: return NULL;
    }
    return wrap(pkey, scheme);
}

/* Refuses to ask for a passphrase: an encrypted key is not one we read. */
static int no_passphrase(char *buffer, int size, int rwflag, void *user) {
    (void)buffer, (void)size, (void)rwflag, (void)user;
    return -1;
}

lpk_signer *lpk_signer_from_pem(const uint8_t *pem, size_t length, lpk_signature_scheme *scheme) {
    if (length > 64 * 1024) return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)length);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
    BIO_free(bio);
    char group[32] = "";
    int ok = 0;
    if (pkey) {
        switch (EVP_PKEY_get_base_id(pkey)) {
        case EVP_PKEY_EC:
            ok = EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) == 1 &&
                 strcmp(group, "prime256v1") == 0;
            *scheme = LPK_SIGNATURE_ECDSA;
            break;
        case EVP_PKEY_ED25519:
            ok = 1;
            *scheme = LPK_SIGNATURE_EDDSA;
            break;
        case EVP_PKEY_RSA:
            ok = EVP_PKEY_get_bits(pkey) >= 2048 && EVP_PKEY_get_bits(pkey) <= 8192;
            *scheme = LPK_SIGNATURE_RSA_PKCS1;
            break;
        default:
            break;
        }
    }
    if (!ok) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        return NULL;
    }
    return wrap(pkey, *scheme);
}

size_t lpk_signer_pem(const lpk_signer *signer, uint8_t *out, size_t capacity) {
    /* A secure-heap BIO: its buffer is wiped when freed. */
    BIO *bio = BIO_new(BIO_s_secmem());
    char *data = NULL;
    long length = 0;
    size_t written = 0;
    if (bio && PEM_write_bio_PrivateKey(bio, signer->pkey, NULL, NULL, 0, NULL, NULL) == 1 &&
        (length = BIO_get_mem_data(bio, &data)) > 0 && (size_t)length <= capacity) {
        memcpy(out, data, (size_t)length);
        written = (size_t)length;
    }
    BIO_free(bio);
    ERR_clear_error();
    return written;
}

static size_t bignum_param(const EVP_PKEY *pkey, const char *name, uint8_t *out, size_t capacity) {
    BIGNUM *bn = NULL;
    size_t length = 0;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) == 1 && (size_t)BN_num_bytes(bn) <= capacity)
        length = (size_t)BN_bn2bin(bn, out);
    BN_free(bn);
    return length;
}

size_t lpk_signer_public(const lpk_signer *signer, int part, uint8_t *out, size_t capacity) {
    size_t length = 0;
    switch (signer->scheme) {
    case LPK_SIGNATURE_ECDSA: {
        /* The uncompressed point 0x04 || x || y; each coordinate 32 bytes, leading zeros kept (RFC 7518 6.2.1.2). */
        uint8_t point[65];
        size_t point_length = 0;
        if (part >= 0 && part <= 1 && capacity >= 32 &&
            EVP_PKEY_get_octet_string_param(signer->pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &point_length) == 1 &&
            point_length == 65 && point[0] == 0x04) {
            memcpy(out, point + 1 + 32 * part, 32);
            length = 32;
        }
        break;
    }
    case LPK_SIGNATURE_EDDSA:
        length = capacity;
        if (part != 0 || EVP_PKEY_get_raw_public_key(signer->pkey, out, &length) != 1) length = 0;
        break;
    case LPK_SIGNATURE_RSA_PKCS1:
        length = part == 0 ? bignum_param(signer->pkey, OSSL_PKEY_PARAM_RSA_N, out, capacity)
               : part == 1 ? bignum_param(signer->pkey, OSSL_PKEY_PARAM_RSA_E, out, capacity) : 0;
        break;
    default:
        break;
    }
    ERR_clear_error();
    return length;
}

/* The DER INTEGER at *cursor (before end), a positive number of at most 32
 * bytes, into out as 32 big-endian bytes; moves *cursor past it. 0 if it is not one. */
static int der_integer(const uint8_t **cursor, const uint8_t *end, uint8_t out[32]) {
    const uint8_t *p = *cursor;
    if (end - p < 2 || p[0] != 0x02 || p[1] == 0 || p[1] > end - p - 2) return 0;
    size_t length = p[1];
    const uint8_t *value = p + 2;
    *cursor = value + length;
    while (length > 0 && *value == 0) value++, length--;  /* the zeros that keep it positive, or that it starts with */
    if (length > 32) return 0;
    memset(out, 0, 32 - length);
    memcpy(out + 32 - length, value, length);
    return 1;
}

/* OpenSSL's DER ECDSA signature (SEQUENCE { INTEGER r, INTEGER s }, at most
 * 72 bytes for P-256, so its length fits one byte) as JOSE's r || s, each 32
 * bytes. Read here rather than through d2i_ECDSA_SIG and two BIGNUMs, which
 * cost a tenth of what the rest of a proof does. */
static size_t ecdsa_raw(const uint8_t *der, size_t der_length, uint8_t *out, size_t capacity) {
    if (capacity < 64 || der_length < 2 || der[0] != 0x30 || der[1] != der_length - 2) return 0;
    const uint8_t *cursor = der + 2, *end = der + der_length;
    return der_integer(&cursor, end, out) && der_integer(&cursor, end, out + 32) && cursor == end ? 64 : 0;
}

size_t lpk_sign(const lpk_signer *signer, const uint8_t *data, size_t data_length, uint8_t *out, size_t capacity) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t der[80]; /* a P-256 DER signature is at most 72 bytes */
    uint8_t *target = signer->scheme == LPK_SIGNATURE_ECDSA ? der : out;
    size_t length = signer->scheme == LPK_SIGNATURE_ECDSA ? sizeof der : capacity;
    /* EVP_DigestSign refuses a buffer shorter than the signature. */
    if (!ctx || EVP_MD_CTX_copy_ex(ctx, signer->prepared) != 1 || EVP_DigestSign(ctx, target, &length, data, data_length) != 1)
        length = 0;
    EVP_MD_CTX_free(ctx);
    if (length && signer->scheme == LPK_SIGNATURE_ECDSA) length = ecdsa_raw(der, length, out, capacity);
    ERR_clear_error();
    return length;
}

void lpk_signer_free(lpk_signer *signer) {
    if (!signer) return;
    EVP_MD_CTX_free(signer->prepared);
    EVP_PKEY_free(signer->pkey);
    free(signer);
}
