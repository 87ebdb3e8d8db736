/*
 * The library RNG (rng.c): xoshiro256** known answers from the state
 * {1, 2, 3, 4}, splitmix64 seeding against the tests' own independent
 * splitmix64 (test-util.h), the uniform's 24-bit grid and range, and the
 * first two moments of uniform and normal draws within CLT bounds
 * (n = 2^20 draws; a mean is off by more than 6 standard errors with
 * probability ~2e-9).
 */
#include "hgq-internal.h"
#include "test-util.h"

static void test_known_answers(void) {
  /* Worked by hand from the reference algorithm (Blackman and Vigna):
   * out_0 = rotl(2 * 5, 7) * 9 = 11520; the update then zeroes s[1], so
   * out_1 = 0. */
  hgq_rng r = {{1, 2, 3, 4}};
  CHECK(hgq_rng_next(&r) == 11520u, "first output");
  CHECK(hgq_rng_next(&r) == 0u, "second output");
  CHECK(hgq_rng_next(&r) == 1509978240u, "third output");
  CHECK(hgq_rng_next(&r) == 1215971899390074240u, "fourth output");

  /* Seeding: the four state words are splitmix64's first four outputs. */
  for (uint64_t seed = 0; seed < 5; seed++) {
    hgq_rng_seed(&r, seed);
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
      CHECK(r.s[i] == test_rand_u64(&sm), "seed %llu word %d",
            (unsigned long long)seed, i);
  }
  hgq_rng_seed(&r, 0);
  CHECK(r.s[0] == 0xe220a8397b1dcdafull, "splitmix64(0) known answer");

  /* Same seed, same stream; different seeds, different streams. */
  hgq_rng a, b, c;
  hgq_rng_seed(&a, 42);
  hgq_rng_seed(&b, 42);
  hgq_rng_seed(&c, 43);
  int same = 1, differ = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = hgq_rng_next(&a);
    same &= x == hgq_rng_next(&b);
    differ += x != hgq_rng_next(&c);
  }
  CHECK(same, "same seed diverged");
  CHECK(differ > 990, "seeds 42 and 43 agree on %d of 1000", 1000 - differ);
}

static void test_distributions(uint64_t seed) {
  const int n = 1 << 20;
  hgq_rng r;
  hgq_rng_seed(&r, seed);
  double sum = 0, sum2 = 0;
  int off_grid = 0, out_of_range = 0;
  for (int i = 0; i < n; i++) {
    float u = hgq_rng_uniform(&r);
    out_of_range += !(u >= 0.0f && u < 1.0f);
    float scaled = u * 16777216.0f; /* exact: u = k / 2^24 */
    off_grid += scaled != floorf(scaled);
    sum += u;
    sum2 += (double)u * u;
  }
  CHECK(out_of_range == 0, "%d uniforms outside [0, 1)", out_of_range);
  CHECK(off_grid == 0, "%d uniforms not multiples of 2^-24", off_grid);
  double mean = sum / n, var = sum2 / n - mean * mean;
  const double uniform_mean = mean;
  /* Var of U(0,1) = 1/12; the sample mean's sd = sqrt(1/12 / n). */
  CHECK(fabs(mean - 0.5) < 6 * sqrt(1.0 / 12 / n), "uniform mean %.6f", mean);
  /* The sample variance's sd = sqrt((1/80 - 1/144) / n). */
  CHECK(fabs(var - 1.0 / 12) < 6 * sqrt((1.0 / 80 - 1.0 / 144) / n),
        "uniform variance %.6f", var);

  sum = sum2 = 0;
  double sum4 = 0;
  int nonfinite = 0;
  for (int i = 0; i < n; i++) {
    double z = hgq_rng_normal(&r);
    nonfinite += !isfinite(z);
    sum += z;
    sum2 += z * z;
    sum4 += z * z * z * z;
  }
  CHECK(nonfinite == 0, "%d non-finite normals", nonfinite);
  mean = sum / n;
  double m2 = sum2 / n, m4 = sum4 / n;
  CHECK(fabs(mean) < 6 / sqrt((double)n), "normal mean %.6f", mean);
  /* E z^2 = 1 with sd sqrt(2 / n); E z^4 = 3 with sd sqrt(96 / n). */
  CHECK(fabs(m2 - 1) < 6 * sqrt(2.0 / n), "normal E z^2 %.6f", m2);
  CHECK(fabs(m4 - 3) < 6 * sqrt(96.0 / n), "normal E z^4 %.6f", m4);
  printf("  uniform mean %.5f var %.5f; normal mean %.5f E z^2 %.5f E z^4 "
         "%.4f\n",
         uniform_mean, var, mean, m2, m4);
}

int main(int argc, char **argv) {
  uint64_t seed = test_init(argc, argv, 2026);
  printf("test-rng: seed %llu\n", (unsigned long long)seed);
  test_known_answers();
  test_distributions(seed);
  return test_finish("test-rng");
}
