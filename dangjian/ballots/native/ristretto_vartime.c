/* Variable-time ristretto255 for *checking* the secret ballot's public proofs.
 *
 * Used by dangjian/ballots/crypto.py through ctypes (see native/__init__.py and
 * docs/modules/ballots-protocol.md, "Batch verification"). Everything it sees is public: ballots,
 * proofs, keys and the verifier's own random weights. It never touches a secret — encryption,
 * key generation and partial decryption stay on libsodium's constant-time code (and in the
 * browsers). Its results are cross-checked against libsodium in dangjian/ballots/tests/test_native.py.
 *
 * Field: GF(2^255 - 19), five 51-bit limbs, 128-bit products. Group: edwards25519 in extended
 * coordinates (Hisil–Wong–Carter–Dawson; the a = -1 formulas are complete), with the ristretto255
 * encoding of RFC 9496. Multi-scalar multiplication: Pippenger's bucket method, signed digits,
 * the points added to the buckets in cached form (mixed additions).
 *
 * Exported:
 *   int rv_msm(uint8_t out[32], const uint8_t *points, const uint8_t *scalars, size_t n)
 *     out = sum scalars[i] * points[i] (32-byte encodings and 32-byte little-endian scalars);
 *     returns -1 on success, or the index of the first point that is not a canonical encoding.
 *   int rv_msm_is_identity(const uint8_t *points, const uint8_t *scalars, size_t n)
 *     1 when the sum is the identity, 0 when not, -2 - i when point i does not decode.
 *   int rv_sum(uint8_t *out, const uint8_t *points, size_t rows, size_t cols)
 *     column sums of a rows x cols table of points (the homomorphic tally); -1 or a bad index.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;
typedef uint64_t fe[5];
typedef struct { fe X, Y, Z, T; } ge;

#define MASK51 0x7ffffffffffffULL

static const fe FE_D = {0x34dca135978a3ULL, 0x1a8283b156ebdULL, 0x5e7a26001c029ULL, 0x739c663a03cbbULL, 0x52036cee2b6ffULL};
static const fe FE_D2 = {0x69b9426b2f159ULL, 0x35050762add7aULL, 0x3cf44c0038052ULL, 0x6738cc7407977ULL, 0x2406d9dc56dffULL};
static const fe FE_SQRTM1 = {0x61b274a0ea0b0ULL, 0xd5a5fc8f189dULL, 0x7ef5e9cbd0c60ULL, 0x78595a6804c9eULL, 0x2b8324804fc1dULL};
static const fe FE_INVSQRT_A_MINUS_D = {0xfdaa805d40eaULL, 0x2eb482e57d339ULL, 0x7610274bc58ULL, 0x6510b613dc8ffULL, 0x786c8905cfaffULL};

static void fe_copy(fe h, const fe f) { memcpy(h, f, sizeof(fe)); }
static void fe_0(fe h) { memset(h, 0, sizeof(fe)); }
static void fe_1(fe h) { fe_0(h); h[0] = 1; }

static void fe_carry(fe h) {
    uint64_t c;
    c = h[0] >> 51; h[0] &= MASK51; h[1] += c;
    c = h[1] >> 51; h[1] &= MASK51; h[2] += c;
    c = h[2] >> 51; h[2] &= MASK51; h[3] += c;
    c = h[3] >> 51; h[3] &= MASK51; h[4] += c;
    c = h[4] >> 51; h[4] &= MASK51; h[0] += c * 19;
    c = h[0] >> 51; h[0] &= MASK51; h[1] += c;
}

static void fe_add(fe h, const fe f, const fe g) {
    for (int i = 0; i < 5; i++) h[i] = f[i] + g[i];
    fe_carry(h);
}

/* f - g, adding 4p first so that nothing goes negative (inputs are carried, limbs < 2^52). */
static void fe_sub(fe h, const fe f, const fe g) {
    h[0] = f[0] + 0x1fffffffffffb4ULL - g[0];
    h[1] = f[1] + 0x1ffffffffffffcULL - g[1];
    h[2] = f[2] + 0x1ffffffffffffcULL - g[2];
    h[3] = f[3] + 0x1ffffffffffffcULL - g[3];
    h[4] = f[4] + 0x1ffffffffffffcULL - g[4];
    fe_carry(h);
}

static void fe_neg(fe h, const fe f) { fe z; fe_0(z); fe_sub(h, z, f); }

static void fe_reduce128(fe h, u128 t0, u128 t1, u128 t2, u128 t3, u128 t4) {
    uint64_t c;
    t1 += (uint64_t)(t0 >> 51); h[0] = (uint64_t)t0 & MASK51;
    t2 += (uint64_t)(t1 >> 51); h[1] = (uint64_t)t1 & MASK51;
    t3 += (uint64_t)(t2 >> 51); h[2] = (uint64_t)t2 & MASK51;
    t4 += (uint64_t)(t3 >> 51); h[3] = (uint64_t)t3 & MASK51;
    c = (uint64_t)(t4 >> 51); h[4] = (uint64_t)t4 & MASK51;
    h[0] += c * 19;
    c = h[0] >> 51; h[0] &= MASK51; h[1] += c;
}

static void fe_mul(fe h, const fe f, const fe g) {
    uint64_t g1_19 = g[1] * 19, g2_19 = g[2] * 19, g3_19 = g[3] * 19, g4_19 = g[4] * 19;
    fe_reduce128(h,
        (u128)f[0] * g[0] + (u128)f[1] * g4_19 + (u128)f[2] * g3_19 + (u128)f[3] * g2_19 + (u128)f[4] * g1_19,
        (u128)f[0] * g[1] + (u128)f[1] * g[0] + (u128)f[2] * g4_19 + (u128)f[3] * g3_19 + (u128)f[4] * g2_19,
        (u128)f[0] * g[2] + (u128)f[1] * g[1] + (u128)f[2] * g[0] + (u128)f[3] * g4_19 + (u128)f[4] * g3_19,
        (u128)f[0] * g[3] + (u128)f[1] * g[2] + (u128)f[2] * g[1] + (u128)f[3] * g[0] + (u128)f[4] * g4_19,
        (u128)f[0] * g[4] + (u128)f[1] * g[3] + (u128)f[2] * g[2] + (u128)f[3] * g[1] + (u128)f[4] * g[0]);
}

/* f^2: the products f_i f_j (i != j) once, doubled; those at or past 2^255 times 19. */
static void fe_sq(fe h, const fe f) {
    uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
    uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1, f1_38 = 38 * f1, f2_38 = 38 * f2, f3_38 = 38 * f3;
    uint64_t f3_19 = 19 * f3, f4_19 = 19 * f4;
    fe_reduce128(h,
        (u128)f0 * f0 + (u128)f1_38 * f4 + (u128)f2_38 * f3,
        (u128)f0_2 * f1 + (u128)f2_38 * f4 + (u128)f3_19 * f3,
        (u128)f0_2 * f2 + (u128)f1 * f1 + (u128)f3_38 * f4,
        (u128)f0_2 * f3 + (u128)f1_2 * f2 + (u128)f4_19 * f4,
        (u128)f0_2 * f4 + (u128)f1_2 * f3 + (u128)f2 * f2);
}

static void fe_sqn(fe h, const fe f, int n) {
    fe_sq(h, f);
    for (int i = 1; i < n; i++) fe_sq(h, h);
}

/* Fully reduced little-endian bytes. */
static void fe_tobytes(uint8_t s[32], const fe f) {
    fe h;
    fe_copy(h, f);
    fe_carry(h);
    /* now h < 2^255 + small; subtract p if h >= p */
    uint64_t q = (h[0] + 19) >> 51;
    q = (h[1] + q) >> 51;
    q = (h[2] + q) >> 51;
    q = (h[3] + q) >> 51;
    q = (h[4] + q) >> 51;
    h[0] += 19 * q;
    uint64_t c;
    c = h[0] >> 51; h[0] &= MASK51; h[1] += c;
    c = h[1] >> 51; h[1] &= MASK51; h[2] += c;
    c = h[2] >> 51; h[2] &= MASK51; h[3] += c;
    c = h[3] >> 51; h[3] &= MASK51; h[4] += c;
    h[4] &= MASK51;
    uint64_t w[4];
    w[0] = h[0] | (h[1] << 51);
    w[1] = (h[1] >> 13) | (h[2] << 38);
    w[2] = (h[2] >> 26) | (h[3] << 25);
    w[3] = (h[3] >> 39) | (h[4] << 12);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) s[8 * i + j] = (uint8_t)(w[i] >> (8 * j));
}

static uint64_t load64(const uint8_t *s) {
    uint64_t r = 0;
    for (int j = 7; j >= 0; j--) r = (r << 8) | s[j];
    return r;
}

/* The low 255 bits (the caller checks canonicity by re-encoding). */
static void fe_frombytes(fe h, const uint8_t s[32]) {
    uint64_t w0 = load64(s), w1 = load64(s + 8), w2 = load64(s + 16), w3 = load64(s + 24);
    h[0] = w0 & MASK51;
    h[1] = ((w0 >> 51) | (w1 << 13)) & MASK51;
    h[2] = ((w1 >> 38) | (w2 << 26)) & MASK51;
    h[3] = ((w2 >> 25) | (w3 << 39)) & MASK51;
    h[4] = (w3 >> 12) & MASK51;
}

static int fe_iszero(const fe f) {
    uint8_t s[32], z = 0;
    fe_tobytes(s, f);
    for (int i = 0; i < 32; i++) z |= s[i];
    return z == 0;
}

static int fe_eq(const fe f, const fe g) { fe d; fe_sub(d, f, g); return fe_iszero(d); }

static int fe_isneg(const fe f) { uint8_t s[32]; fe_tobytes(s, f); return s[0] & 1; }

static void fe_abs(fe h, const fe f) { if (fe_isneg(f)) fe_neg(h, f); else fe_copy(h, f); }

/* z^((p-5)/8) = z^(2^252 - 3), the usual addition chain. */
static void fe_pow22523(fe out, const fe z) {
    fe t0, t1, t2;
    fe_sq(t0, z);
    fe_sqn(t1, t0, 2);
    fe_mul(t1, z, t1);
    fe_mul(t0, t0, t1);
    fe_sq(t0, t0);
    fe_mul(t0, t1, t0);
    fe_sqn(t1, t0, 5);
    fe_mul(t0, t1, t0);
    fe_sqn(t1, t0, 10);
    fe_mul(t1, t1, t0);
    fe_sqn(t2, t1, 20);
    fe_mul(t1, t2, t1);
    fe_sqn(t1, t1, 10);
    fe_mul(t0, t1, t0);
    fe_sqn(t1, t0, 50);
    fe_mul(t1, t1, t0);
    fe_sqn(t2, t1, 100);
    fe_mul(t1, t2, t1);
    fe_sqn(t1, t1, 50);
    fe_mul(t0, t1, t0);
    fe_sqn(t0, t0, 2);
    fe_mul(out, t0, z);
}

/* RFC 9496 SQRT_RATIO_M1: r = sqrt(u/v) (non-negative) and whether u/v was square. */
static int sqrt_ratio_m1(fe r, const fe u, const fe v) {
    fe v3, v7, t, check, neg_u, neg_u_i, r_prime;
    fe_sq(v3, v); fe_mul(v3, v3, v);          /* v^3 */
    fe_sq(v7, v3); fe_mul(v7, v7, v);         /* v^7 */
    fe_mul(t, u, v7);
    fe_pow22523(t, t);
    fe_mul(r, u, v3);
    fe_mul(r, r, t);                          /* (u v^3)(u v^7)^((p-5)/8) */
    fe_sq(check, r); fe_mul(check, check, v);
    fe_neg(neg_u, u);
    fe_mul(neg_u_i, neg_u, FE_SQRTM1);
    int correct = fe_eq(check, u), flipped = fe_eq(check, neg_u), flipped_i = fe_eq(check, neg_u_i);
    fe_mul(r_prime, r, FE_SQRTM1);
    if (flipped || flipped_i) fe_copy(r, r_prime);
    fe_abs(r, r);
    return correct || flipped;
}

/* RFC 9496 §4.3.1; 0 for a point that is not a canonical encoding. The identity decodes. */
static int ge_decode(ge *p, const uint8_t b[32]) {
    fe s, ss, u1, u2, u2sq, v, t, inv, den_x, den_y, one;
    uint8_t check[32];
    fe_frombytes(s, b);
    fe_tobytes(check, s);
    if (memcmp(check, b, 32) != 0 || (b[0] & 1)) return 0;   /* not canonical, or negative */
    fe_1(one);
    fe_sq(ss, s);
    fe_sub(u1, one, ss);
    fe_add(u2, one, ss);
    fe_sq(u2sq, u2);
    fe_sq(t, u1); fe_mul(t, t, FE_D); fe_neg(t, t);
    fe_sub(v, t, u2sq);                        /* -(D u1^2) - u2^2 */
    fe_mul(t, v, u2sq);
    int was_square = sqrt_ratio_m1(inv, one, t);
    fe_mul(den_x, inv, u2);
    fe_mul(den_y, inv, den_x); fe_mul(den_y, den_y, v);
    fe_add(t, s, s); fe_mul(t, t, den_x); fe_abs(p->X, t);
    fe_mul(p->Y, u1, den_y);
    fe_1(p->Z);
    fe_mul(p->T, p->X, p->Y);
    if (!was_square || fe_isneg(p->T) || fe_iszero(p->Y)) return 0;
    return 1;
}

/* RFC 9496 §4.3.2. */
static void ge_encode(uint8_t out[32], const ge *p) {
    fe u1, u2, t, one, inv, den1, den2, z_inv, ix, iy, ench, x, y, den_inv;
    fe_1(one);
    fe_add(u1, p->Z, p->Y); fe_sub(t, p->Z, p->Y); fe_mul(u1, u1, t);
    fe_mul(u2, p->X, p->Y);
    fe_sq(t, u2); fe_mul(t, t, u1);
    sqrt_ratio_m1(inv, one, t);
    fe_mul(den1, inv, u1);
    fe_mul(den2, inv, u2);
    fe_mul(z_inv, den1, den2); fe_mul(z_inv, z_inv, p->T);
    fe_mul(ix, p->X, FE_SQRTM1);
    fe_mul(iy, p->Y, FE_SQRTM1);
    fe_mul(ench, den1, FE_INVSQRT_A_MINUS_D);
    fe_mul(t, p->T, z_inv);
    if (fe_isneg(t)) { fe_copy(x, iy); fe_copy(y, ix); fe_copy(den_inv, ench); }
    else { fe_copy(x, p->X); fe_copy(y, p->Y); fe_copy(den_inv, den2); }
    fe_mul(t, x, z_inv);
    if (fe_isneg(t)) fe_neg(y, y);
    fe_sub(t, p->Z, y); fe_mul(t, den_inv, t);
    fe_abs(t, t);
    fe_tobytes(out, t);
}

static void ge_identity(ge *p) { fe_0(p->X); fe_1(p->Y); fe_1(p->Z); fe_0(p->T); }

/* add-2008-hwcd-3 (a = -1, k = 2d): complete, so it also doubles and adds the identity. */
static void ge_add(ge *r, const ge *p, const ge *q) {
    fe a, b, c, d, e, f, g, h;
    fe_sub(a, p->Y, p->X); fe_sub(h, q->Y, q->X); fe_mul(a, a, h);
    fe_add(b, p->Y, p->X); fe_add(h, q->Y, q->X); fe_mul(b, b, h);
    fe_mul(c, p->T, q->T); fe_mul(c, c, FE_D2);
    fe_mul(d, p->Z, q->Z); fe_add(d, d, d);
    fe_sub(e, b, a); fe_sub(f, d, c); fe_add(g, d, c); fe_add(h, b, a);
    fe_mul(r->X, e, f); fe_mul(r->Y, g, h); fe_mul(r->T, e, h); fe_mul(r->Z, f, g);
}

/* dbl-2008-hwcd with a = -1. */
static void ge_dbl(ge *r, const ge *p) {
    fe a, b, c, e, f, g, h, t;
    fe_sq(a, p->X); fe_sq(b, p->Y);
    fe_sq(c, p->Z); fe_add(c, c, c);
    fe_add(t, p->X, p->Y); fe_sq(t, t); fe_sub(t, t, a); fe_sub(e, t, b);   /* E = (X+Y)^2 - A - B */
    fe_sub(g, b, a);                                                      /* G = aA + B = B - A */
    fe_sub(f, g, c);                                                      /* F = G - C */
    fe_add(h, a, b); fe_neg(h, h);                                        /* H = aA - B = -A - B */
    fe_mul(r->X, e, f); fe_mul(r->Y, g, h); fe_mul(r->T, e, h); fe_mul(r->Z, f, g);
}

static int ge_is_identity(const ge *p) { return fe_iszero(p->X) || fe_iszero(p->Y); }

static unsigned digit(const uint8_t *k, int bit, int width) {
    unsigned v = 0;
    for (int i = 0; i < width && bit + i < 256; i++) v |= (unsigned)((k[(bit + i) >> 3] >> ((bit + i) & 7)) & 1) << i;
    return v;
}

static int window_for(size_t n) {
    if (n < 8) return 3;
    if (n < 32) return 4;
    if (n < 128) return 5;
    if (n < 512) return 6;
    if (n < 2048) return 8;
    if (n < 16384) return 10;
    if (n < 131072) return 12;
    return 14;
}

static void ge_neg(ge *r, const ge *p) { fe_neg(r->X, p->X); fe_copy(r->Y, p->Y); fe_copy(r->Z, p->Z); fe_neg(r->T, p->T); }

/* A decoded point (Z = 1) kept as Y+X, Y-X and 2d*T, so adding it to a bucket ("mixed" addition,
 * madd-2008-hwcd-3) takes 7 multiplications instead of 9; its negation is a swap and a sign. */
typedef struct { fe ypx, ymx, t2d; } ge_niels;

static void ge_to_niels(ge_niels *r, const ge *p) {
    fe_add(r->ypx, p->Y, p->X); fe_sub(r->ymx, p->Y, p->X); fe_mul(r->t2d, p->T, FE_D2);
}

/* r = p + q (neg = 0) or p - q (neg = 1), q with Z = 1. Complete, like ge_add. */
static void ge_madd(ge *r, const ge *p, const ge_niels *q, int neg) {
    fe a, b, c, d, e, f, g, h;
    fe_sub(a, p->Y, p->X); fe_mul(a, a, neg ? q->ypx : q->ymx);
    fe_add(b, p->Y, p->X); fe_mul(b, b, neg ? q->ymx : q->ypx);
    fe_mul(c, p->T, q->t2d);
    fe_add(d, p->Z, p->Z);
    fe_sub(e, b, a); fe_add(h, b, a);
    if (neg) { fe_add(f, d, c); fe_sub(g, d, c); } else { fe_sub(f, d, c); fe_add(g, d, c); }
    fe_mul(r->X, e, f); fe_mul(r->Y, g, h); fe_mul(r->T, e, h); fe_mul(r->Z, f, g);
}

/* Pippenger over decoded points with signed digits; scalars are 32-byte little-endian below
 * 2^256. Each scalar is cut into windows of c bits, recoded into digits d with |d| <= 2^(c-1)
 * (a digit above 2^(c-1) becomes d - 2^c and carries one into the next window), so a window
 * needs 2^(c-1) buckets and a negative digit adds the negated point. A digit 0 adds nothing:
 * short scalars (the proofs' 128-bit weights) cost nothing in the high windows. Empty buckets
 * are skipped in the running sums. */
static int msm(ge *out, const uint8_t *points, const uint8_t *scalars, size_t n) {
    ge *pts = malloc(sizeof(ge) * (n ? n : 1));
    ge_niels *cached = malloc(sizeof(ge_niels) * (n ? n : 1));
    if (!pts || !cached) { free(pts); free(cached); return -3; }
    for (size_t i = 0; i < n; i++) {
        if (!ge_decode(&pts[i], points + 32 * i)) { free(pts); free(cached); return (int)i; }
        ge_to_niels(&cached[i], &pts[i]);
    }
    int c = window_for(n);
    int windows = (256 + c) / c;            /* windows * c >= 257: 256 bits and the last carry */
    size_t nb = (size_t)1 << (c - 1);
    ge *buckets = malloc(sizeof(ge) * nb);
    unsigned char *full = malloc(nb);
    int16_t *digits = malloc(sizeof(int16_t) * (n ? n : 1) * (size_t)windows);
    if (!buckets || !full || !digits) { free(pts); free(cached); free(buckets); free(full); free(digits); return -3; }
    for (size_t i = 0; i < n; i++) {
        int carry = 0;
        for (int w = 0; w < windows; w++) {
            int d = (int)digit(scalars + 32 * i, w * c, c) + carry;
            carry = d > (1 << (c - 1));
            if (carry) d -= 1 << c;
            digits[i * (size_t)windows + w] = (int16_t)d;
        }
    }
    ge acc, sum, tot;
    ge_identity(&acc);
    int started = 0;
    for (int w = windows - 1; w >= 0; w--) {
        if (started) for (int i = 0; i < c; i++) ge_dbl(&acc, &acc);
        memset(full, 0, nb);
        int used = 0;
        for (size_t i = 0; i < n; i++) {
            int d = digits[i * (size_t)windows + w];
            if (!d) continue;
            int minus = d < 0;
            if (minus) d = -d;
            if (full[d - 1]) ge_madd(&buckets[d - 1], &buckets[d - 1], &cached[i], minus);
            else if (minus) { ge_neg(&buckets[d - 1], &pts[i]); full[d - 1] = 1; }
            else { buckets[d - 1] = pts[i]; full[d - 1] = 1; }
            used = 1;
        }
        if (!used) continue;
        int have_sum = 0, have_tot = 0;
        for (size_t b = nb; b-- > 0;) {
            if (full[b]) {
                if (have_sum) ge_add(&sum, &sum, &buckets[b]); else { sum = buckets[b]; have_sum = 1; }
            }
            if (have_sum) {
                if (have_tot) ge_add(&tot, &tot, &sum); else { tot = sum; have_tot = 1; }
            }
        }
        ge_add(&acc, &acc, &tot);
        started = 1;
    }
    *out = acc;
    free(digits);
    free(full);
    free(buckets);
    free(cached);
    free(pts);
    return -1;
}

int rv_msm(uint8_t out[32], const uint8_t *points, const uint8_t *scalars, size_t n) {
    ge r;
    int bad = msm(&r, points, scalars, n);
    if (bad == -1) ge_encode(out, &r);
    return bad;
}

int rv_msm_is_identity(const uint8_t *points, const uint8_t *scalars, size_t n) {
    ge r;
    int bad = msm(&r, points, scalars, n);
    if (bad != -1) return bad == -3 ? -1 : -2 - bad;
    return ge_is_identity(&r);
}

int rv_sum(uint8_t *out, const uint8_t *points, size_t rows, size_t cols) {
    ge *acc = malloc(sizeof(ge) * (cols ? cols : 1));
    if (!acc) return -3;
    for (size_t j = 0; j < cols; j++) ge_identity(&acc[j]);
    ge p;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            if (!ge_decode(&p, points + 32 * (i * cols + j))) { free(acc); return (int)(i * cols + j); }
            ge_add(&acc[j], &acc[j], &p);
        }
    for (size_t j = 0; j < cols; j++) ge_encode(out + 32 * j, &acc[j]);
    free(acc);
    return -1;
}
