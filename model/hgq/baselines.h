/*
 * The sign-packing kernels of the sign-family baselines (baselines.c), with
 * an ISA argument so tests can run every variant and compare them bit for
 * bit. The ISA names are those of the codeword search (search.h): AUTO is
 * the fastest this CPU supports, AVX512_BF16 means AVX512 here.
 */
#ifndef HGQ_BASELINES_H
#define HGQ_BASELINES_H

#include "search.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The L1 norm is summed in double in this many independent lanes:
 * coefficient i goes to lane i mod 32, each lane in increasing i, and the
 * lanes are then combined pairwise, lane j += lane j + h for h = 16, 8, 4,
 * 2, 1. Every ISA uses exactly this order, so every machine gets the same
 * bits. */
#define HGQ_SIGN_L1_LANES 32

/* Sign bits of x[0..d): bit i of the LSB-first stream is x[i] < 0.0f (so
 * -0.0 gives 0). Writes the floor(d / 8) whole bytes to `bytes`, the last
 * d mod 8 bits to *tail (bit j = coefficient 8 floor(d / 8) + j) and, if
 * `l1` is non-NULL, sum |x_i| (double, in the lane order above) to *l1.
 * Returns 0, or -1 if this CPU cannot run `isa`. */
int hgq_sign_pack(hgq_search_isa isa, const float *x, size_t d, uint8_t *bytes,
                  uint32_t *tail, double *l1);

/* out[i] = magnitude with its sign bit set where bit i of `bytes` (LSB
 * first) is 1, for i < d; reads ceil(d / 8) bytes. For magnitude >= +0 that
 * is bit i ? -magnitude : magnitude. Returns 0, or -1 as above. */
int hgq_sign_expand(hgq_search_isa isa, const uint8_t *bytes, size_t d,
                    float magnitude, float *out);

#ifdef __cplusplus
}
#endif

#endif /* HGQ_BASELINES_H */
