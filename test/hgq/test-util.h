/*
 * Small helpers shared by the hgq tests: a seeded generator (the seed is
 * printed on failure and can be replayed with --seed N or HGQ_TEST_SEED=N),
 * Gaussian and Laplacian vectors, and CHECK macros that count failures
 * instead of aborting so one run reports every broken property.
 */
#ifndef HGQ_TEST_UTIL_H
#define HGQ_TEST_UTIL_H

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures = 0;
static uint64_t test_seed = 0;

#define CHECK(cond, ...)                                                \
  do {                                                                  \
    if (!(cond)) {                                                      \
      test_failures++;                                                  \
      fprintf(stderr,                                                   \
              "%s:%d: CHECK(%s) failed (seed %" PRIu64 "): ", __FILE__, \
              __LINE__, #cond, test_seed);                              \
      fprintf(stderr, __VA_ARGS__);                                     \
      fputc('\n', stderr);                                              \
    }                                                                   \
  } while (0)

/* splitmix64: tests' own generator, independent of the library's RNG. */
static inline uint64_t test_rand_u64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline double test_rand_uniform(uint64_t *state) {
  return (double)(test_rand_u64(state) >> 11) * 0x1.0p-53;
}

static inline double test_rand_normal(uint64_t *state) {
  double u1 = test_rand_uniform(state), u2 = test_rand_uniform(state);
  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static inline void test_fill_gaussian(float *x, size_t n, uint64_t *state) {
  for (size_t i = 0; i < n; i++)
    x[i] = (float)test_rand_normal(state);
}

static inline void test_fill_laplacian(float *x, size_t n, uint64_t *state) {
  for (size_t i = 0; i < n; i++) {
    double u = test_rand_uniform(state) - 0.5;
    x[i] = (float)(u < 0 ? log(1.0 + 2.0 * u) : -log(1.0 - 2.0 * u));
  }
}

/* cos(a, b) accumulated in double. */
static inline double test_cosine(const float *a, const float *b, size_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; i++) {
    ab += (double)a[i] * b[i];
    aa += (double)a[i] * a[i];
    bb += (double)b[i] * b[i];
  }
  return (aa > 0 && bb > 0) ? ab / sqrt(aa * bb) : 0.0;
}

/* Seed from --seed N, else HGQ_TEST_SEED, else the given default. */
static inline uint64_t test_init(int argc, char **argv, uint64_t fallback) {
  test_seed = fallback;
  const char *env = getenv("HGQ_TEST_SEED");
  if (env)
    test_seed = strtoull(env, NULL, 0);
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--seed") == 0)
      test_seed = strtoull(argv[i + 1], NULL, 0);
  return test_seed;
}

/* Prints the summary line ctest shows and returns main's exit code. */
static inline int test_finish(const char *name) {
  if (test_failures) {
    fprintf(stderr, "%s: %d check(s) failed; replay with --seed %" PRIu64 "\n",
            name, test_failures, test_seed);
    return 1;
  }
  printf("%s: all checks passed (seed %" PRIu64 ")\n", name, test_seed);
  return 0;
}

#endif /* HGQ_TEST_UTIL_H */
