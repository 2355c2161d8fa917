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

/* A private key that signs (DPoP proofs), with a signing context prepared
 * once, so that a signature copies it rather than fetching the digest and
 * signature implementations each time. Only read after creation: one key
 * may sign from many threads at once. OpenSSL wipes the private key when it
 * is freed. */
typedef struct lpk_signer lpk_signer;

/* A new key from OpenSSL's CSPRNG: LPK_SIGNATURE_ECDSA makes P-256 (ES256),
 * LPK_SIGNATURE_EDDSA Ed25519, LPK_SIGNATURE_RSA_PKCS1 RSA of 2048 bits
 * (RS256). NULL on failure. */
lpk_signer *lpk_signer_generate(lpk_signature_scheme scheme);
/* A key from PEM (PKCS#8, or the traditional EC and RSA forms; never an
 * encrypted one, and never a passphrase prompt): P-256, Ed25519, or RSA of
 * 2048 to 8192 bits, its scheme in *scheme. NULL for anything else. */
lpk_signer *lpk_signer_from_pem(const uint8_t *pem, size_t length, lpk_signature_scheme *scheme);
/* The key as unencrypted PKCS#8 PEM in out (capacity bytes), through a
 * buffer OpenSSL wipes; its length, or 0 on failure or when it does not fit. */
size_t lpk_signer_pem(const lpk_signer *signer, uint8_t *out, size_t capacity);
/* The public key's JWK members, big-endian: part 0 is EC's x, Ed25519's x or
 * RSA's n; part 1 is EC's y or RSA's e. Its length, or 0. */
size_t lpk_signer_public(const lpk_signer *signer, int part, uint8_t *out, size_t capacity);
/* Signs data: ES256 as JOSE's r || s (64 bytes), EdDSA 64 bytes, RS256 the
 * modulus size. Its length, or 0 on failure or when out is too small. */
size_t lpk_sign(const lpk_signer *signer, const uint8_t *data, size_t data_length, uint8_t *out, size_t capacity);
void lpk_signer_free(lpk_signer *signer);

#endif
