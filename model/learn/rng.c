/*
 * The learn core's own random generator, so that every random choice (splits,
 * sampling order, initial weights) flows from an explicit seed and does not
 * depend on the C library.
 *
 * xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number
 * generators", 2018), its state filled by splitmix64 from the 64-bit seed.
 * Normals: Marsaglia's polar method. Gamma(a, 1): Marsaglia and Tsang, "A
 * simple method for generating gamma variables" (2000): for a >= 1, with
 * d = a - 1/3 and c = 1/sqrt(9d), draw x ~ N(0,1), v = (1 + c x)^3 and accept
 * d v when log U < x^2/2 + d - d v + d log v; for a < 1 use
 * Gamma(a + 1) * U^(1/a).
 */
#include "learn-internal.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

void learn_rng_seed(learn_rng *r, uint64_t seed) {
  uint64_t sm = seed;
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&sm);
}

uint64_t learn_rng_next(learn_rng *r) {
  uint64_t *s = r->s;
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

double learn_rng_uniform(learn_rng *r) {
  return (double)(learn_rng_next(r) >> 11) * 0x1.0p-53;
}

double learn_rng_uniform_open(learn_rng *r) {
  return ((double)(learn_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

uint64_t learn_rng_below(learn_rng *r, uint64_t bound) {
  /* Rejection on the top of the range removes the modulo bias. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t x;
  do {
    x = learn_rng_next(r);
  } while (x >= limit);
  return x % bound;
}

double learn_rng_normal(learn_rng *r) {
  double u, v, s;
  do {
    u = 2.0 * learn_rng_uniform(r) - 1.0;
    v = 2.0 * learn_rng_uniform(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  /* The second normal of the pair is dropped: simpler state, same law. */
  return u * sqrt(-2.0 * log(s) / s);
}

double learn_rng_gamma(learn_rng *r, double shape) {
  if (shape < 1.0) {
    double g = learn_rng_gamma(r, shape + 1.0);
    return g * pow(learn_rng_uniform_open(r), 1.0 / shape);
  }
  double d = shape - 1.0 / 3.0;
  double c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = learn_rng_normal(r);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    double u = learn_rng_uniform_open(r);
    if (u < 1.0 - 0.0331 * x * x * x * x)
      return d * v;
    if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
      return d * v;
  }
}

void learn_rng_shuffle_u32(learn_rng *r, uint32_t *x, size_t n) {
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)learn_rng_below(r, i);
    uint32_t t = x[i - 1];
    x[i - 1] = x[j];
    x[j] = t;
  }
}
