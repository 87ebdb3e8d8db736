/*
 * The library's random numbers: xoshiro256** (Blackman and Vigna, "Scrambled
 * linear pseudorandom number generators", ACM TOMS 47(4), 2021), seeded by
 * expanding the 64-bit seed with splitmix64 as its authors recommend (a plain
 * seed could give the all-zero state, from which xoshiro never leaves).
 *
 * Same seed, same sequence on every platform: integer arithmetic only, and
 * floats are built from a fixed number of random bits.
 */
#include "hgq-internal.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

void hgq_rng_seed(hgq_rng *rng, uint64_t seed) {
  uint64_t state = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64(&state);
}

uint64_t hgq_rng_next(hgq_rng *rng) {
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

float hgq_rng_uniform(hgq_rng *rng) {
  /* The top 24 bits (the best ones of xoshiro**) scaled by 2^-24: every
   * value k/2^24 is exact in float and the result is < 1. */
  return (float)(hgq_rng_next(rng) >> 40) * 0x1.0p-24f;
}

double hgq_rng_normal(hgq_rng *rng) {
  /* Box-Muller with 53-bit uniforms; u1 in (0, 1] keeps log finite. */
  double u1 = ((double)(hgq_rng_next(rng) >> 11) + 1.0) * 0x1.0p-53;
  double u2 = (double)(hgq_rng_next(rng) >> 11) * 0x1.0p-53;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}
