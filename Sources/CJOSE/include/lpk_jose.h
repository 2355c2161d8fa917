/* Public keys from JWK members, and JWS signature checks, over OpenSSL 3's
 * EVP interface: no hand-written cryptography. In C because building keys
 * from parameters (OSSL_PARAM_BLD) and ECDSA signatures (ECDSA_SIG) is
 * plain C API that is long-winded from Swift. Prefixed lpk_ so that the
 * linker version script keeps it out of libpkce's ABI. */
#ifndef LPK_JOSE_H
#define LPK_JOSE_H

#include <stddef.h>
#include <stdint.h>

/* A public key (an OpenSSL EVP_PKEY) with verification contexts prepared
 * for each algorithm it can do, so that a check copies one instead of
 * setting one up (EVP_DigestVerifyInit fetches the digest and signature
 * implementations each time: about a tenth of an RS256 check). The
 * prepared contexts are only read after creation, so one key may verify
 * from many threads at once. */
typedef struct lpk_key lpk_key;

/* Each returns NULL when the parameters do not make a valid public key: an
 * RSA modulus or exponent of zero, an EC point that is not on the curve,
 * an Ed25519 key that is not 32 bytes. Big-endian unsigned integers. */
lpk_key *lpk_key_rsa(const uint8_t *n, size_t n_length, const uint8_t *e, size_t e_length);
/* curve_bits: 256 (P-256), 384 (P-384) or 521 (P-521); x and y are `coordinate_length` bytes each. */
lpk_key *lpk_key_ec(int curve_bits, const uint8_t *x, const uint8_t *y, size_t coordinate_length);
lpk_key *lpk_key_ed25519(const uint8_t *x, size_t x_length);
int lpk_key_bits(const lpk_key *key);
void lpk_key_free(lpk_key *key);

typedef enum {
    LPK_SIGNATURE_RSA_PKCS1 = 0, /* RS256/384/512 */
    LPK_SIGNATURE_RSA_PSS = 1,   /* PS256/384/512: MGF1 with the same hash, salt as long as the hash */
    LPK_SIGNATURE_ECDSA = 2,     /* ES256/384/512: `signature` is JOSE's r || s, not DER */
    LPK_SIGNATURE_EDDSA = 3,     /* EdDSA (Ed25519): hash_bits is ignored */
} lpk_signature_scheme;

/* 1 when `signature` over `data` is valid for `key`, 0 when it is not
 * (including a signature of the wrong size), -1 when OpenSSL failed. */
int lpk_verify(lpk_key *key, lpk_signature_scheme scheme, int hash_bits, const uint8_t *data, size_t data_length,
               const uint8_t *signature, size_t signature_length);

/* SHA-256/384/512 of `data` into `out` (room for 64 bytes); its length, or 0 on failure. */
size_t lpk_digest(int hash_bits, const uint8_t *data, size_t data_length, uint8_t *out);

#endif
