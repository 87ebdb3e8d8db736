/*
 * Codeword search, the hot path of hgq encoding (internal, not installed).
 *
 * For n blocks x_m (rows of a row-major n x L matrix) and a codebook of K
 * unit vectors c_i (rows of a row-major K x L matrix), finds
 *   i_m = argmax_i |c_i . x_m|   (ties: the lowest index)
 *   a_m = c_{i_m} . x_m          (signed projection, the hinge coefficient)
 * For unit x_m this is the minimum chordal distance 1 - (c . x)^2 rule of
 * Grassmannian quantization (HGQ.md).
 *
 * Brute force costs 2 K L flops per block, i.e. 2 K flops per coefficient
 * whatever L is; the implementation works in cache-sized tiles of blocks
 * (scores = X_tile C^T through sgemm, then a vectorised abs-argmax per row)
 * so that scores never leave cache.
 */
#ifndef HGQ_SEARCH_H
#define HGQ_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Floats of scratch space hgq_codeword_search needs for codebook size K. */
size_t hgq_codeword_search_scratch_floats(uint32_t codebook_size,
                                          uint32_t block_length);

/**
 * Borrows every array. scratch holds at least
 * hgq_codeword_search_scratch_floats(K, L) floats. Never allocates.
 */
void hgq_codeword_search(const float *codebook, uint32_t codebook_size,
                         uint32_t block_length, const float *blocks,
                         size_t block_count, uint32_t *indices,
                         float *projections, float *scratch);

/** Plain reference (one dot product at a time), for tests and benchmarks. */
void hgq_codeword_search_reference(const float *codebook,
                                   uint32_t codebook_size,
                                   uint32_t block_length, const float *blocks,
                                   size_t block_count, uint32_t *indices,
                                   float *projections);

#ifdef __cplusplus
}
#endif

#endif /* HGQ_SEARCH_H */
