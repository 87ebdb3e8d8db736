/*
 * Grassmannian Lloyd training of codebooks (internal, not installed; used by
 * the generator tool hgq-codebook-gen and by the tests that regenerate a
 * shipped table).
 *
 * Everything is deterministic from (L, B, seed, sample count, iterations):
 * plain loops in a fixed order on one thread, double accumulation, a private
 * splitmix64 generator. Allocates (this is not a hot path) and returns a
 * status; never prints.
 */
#ifndef HGQ_LLOYD_H
#define HGQ_LLOYD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Default Lloyd iterations of the shipped tables. */
#define HGQ_LLOYD_DEFAULT_ITERATIONS 40u

/**
 * Fills out[0..n*L) with n normalised Gaussian vectors (uniform on the unit
 * sphere of R^L), deterministic from seed.
 */
int hgq_lloyd_isotropic_samples(uint32_t block_length, size_t n, uint64_t seed,
                                float *out);

/**
 * Closed form for L = 2: K = 2^B lines equally spaced in angle,
 * c_i = (cos(pi i / K), sin(pi i / K)). out holds 2 K floats.
 */
int hgq_lloyd_closed_form_2(uint32_t bits, float *out);

/** E[sin^2] of the L = 2 closed form on isotropic input:
 * 1/2 - sin(pi/K) / (2 pi / K). */
double hgq_lloyd_closed_form_2_distortion(uint32_t bits);

/**
 * Lloyd on lines: samples (n x L, unit rows, borrowed), K = 2^B codewords
 * initialised from K distinct samples chosen by seed; each iteration assigns
 * every sample to argmax_i |c_i . x| (ties: lowest) and replaces each codeword
 * by the principal eigenvector of its cell's sum of x x^T (power iteration
 * started from the old codeword, which keeps its orientation). An empty cell
 * takes the sample of largest current distortion. n >= K.
 * out: K x L floats. *distortion (may be NULL): mean 1 - (c.x)^2 over the
 * samples with the final codebook.
 */
int hgq_lloyd_train(uint32_t block_length, uint32_t bits, const float *samples,
                    size_t n, uint32_t iterations, uint64_t seed, float *out,
                    double *distortion);

/**
 * The isotropic table of the shipped set for (L, B): the closed form for
 * L = 2, else Lloyd on `samples` isotropic vectors drawn with `seed`.
 */
int hgq_lloyd_train_isotropic(uint32_t block_length, uint32_t bits,
                              uint32_t samples, uint32_t iterations,
                              uint64_t seed, float *out, double *distortion);

/** Mean 1 - max_i (c_i . x)^2 over n unit samples (Monte-Carlo distortion). */
double hgq_lloyd_distortion(const float *codebook, uint32_t codebook_size,
                            uint32_t block_length, const float *samples,
                            size_t n);

/** Deterministic per-table seed derived from a base seed and (role, L, B). */
uint64_t hgq_lloyd_table_seed(uint64_t base_seed, uint32_t role,
                              uint32_t block_length, uint32_t bits);

#ifdef __cplusplus
}
#endif

#endif /* HGQ_LLOYD_H */
