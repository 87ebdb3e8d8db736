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
 * with a register-blocked SIMD kernel that folds each vector of scores into
 * a running abs-argmax, so that scores never leave registers (search.c).
 * Scores are a fused multiply-add chain (see hgq_search_isa below): results
 * are bit-identical on every machine; they may differ from the reference
 * (separate multiply and add) only on near-ties within float rounding.
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
 * hgq_codeword_search_scratch_floats(K, L) floats (any alignment). Never
 * allocates. Blocks should be finite: a block with a NaN coordinate gets
 * index 0 and projection 0.
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

/*
 * Instruction-set variants, for tests (every variant must give bit-identical
 * results) and benchmarks. The score of codeword i is the fused multiply-add
 * chain fma(x_{L-1}, c_{i,L-1}, ... fma(x_0, c_{i,0}, 0)) in every variant.
 */
typedef enum hgq_search_isa {
  HGQ_SEARCH_ISA_AUTO = 0,       /* the fastest this CPU supports */
  HGQ_SEARCH_ISA_PORTABLE = 1,   /* plain C (fmaf), any platform */
  HGQ_SEARCH_ISA_AVX2 = 2,       /* x86-64 AVX2 + FMA */
  HGQ_SEARCH_ISA_AVX512 = 3,     /* x86-64 AVX-512F */
  HGQ_SEARCH_ISA_AVX512_BF16 = 4 /* AVX-512 BF16 screen + exact fp32 rescoring
                                    (K >= 1024, K L >= 16384; else AVX512) */
} hgq_search_isa;

/** 1 if this build and CPU can run the variant, else 0. */
int hgq_codeword_search_isa_supported(hgq_search_isa isa);

/** "portable", "avx2", "avx512", "avx512-bf16" (AUTO names the variant it
 * resolves to). */
const char *hgq_codeword_search_isa_name(hgq_search_isa isa);

/** hgq_codeword_search with a chosen variant; -1 if it is not supported. */
int hgq_codeword_search_isa(hgq_search_isa isa, const float *codebook,
                            uint32_t codebook_size, uint32_t block_length,
                            const float *blocks, size_t block_count,
                            uint32_t *indices, float *projections,
                            float *scratch);

#ifdef __cplusplus
}
#endif

#endif /* HGQ_SEARCH_H */
