/*
 * Small helpers shared by the learn tests: CHECK macros that count failures
 * instead of aborting (so one run reports every broken property), the seed
 * printed with each failure, and loading of the real Fashion-MNIST files
 * with a clear message when they are missing.
 */
#ifndef LEARN_TEST_UTIL_H
#define LEARN_TEST_UTIL_H

/* mkdtemp is POSIX 2008; the cores build as strict C11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "learn.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures = 0;
static uint64_t test_seed = 1;

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

/* The seed comes from --seed N or LEARN_TEST_SEED, else the default. */
static inline void test_parse_seed(int argc, char **argv, uint64_t fallback) {
  test_seed = fallback;
  const char *env = getenv("LEARN_TEST_SEED");
  if (env)
    test_seed = strtoull(env, NULL, 10);
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--seed") == 0)
      test_seed = strtoull(argv[i + 1], NULL, 10);
}

/* Loads the real Fashion-MNIST split or explains why not (then NULL). */
static inline learn_dataset *test_load_fashion(int train) {
  char message[512];
  int error = 0;
  learn_dataset *d = learn_dataset_load_fashion_mnist(NULL, train, &error,
                                                      message, sizeof(message));
  if (!d)
    fprintf(stderr, "cannot load Fashion-MNIST (%s): %s\n",
            learn_strerror(error), message);
  return d;
}

/* Writes a raw (uncompressed) IDX file: magic, dims, then bytes. Returns 0
 * on success. The magic is a parameter so tests can write wrong ones. */
static inline int test_write_idx(const char *path, uint32_t magic,
                                 const uint32_t *dims, unsigned ndims,
                                 const uint8_t *data, size_t bytes) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  uint32_t words[4];
  words[0] = magic;
  for (unsigned i = 0; i < ndims && i < 3; i++)
    words[i + 1] = dims[i];
  for (unsigned i = 0; i <= ndims && i < 4; i++) {
    unsigned char b[4] = {
        (unsigned char)(words[i] >> 24), (unsigned char)(words[i] >> 16),
        (unsigned char)(words[i] >> 8), (unsigned char)words[i]};
    fwrite(b, 1, 4, f);
  }
  if (bytes)
    fwrite(data, 1, bytes, f);
  return fclose(f) == 0 ? 0 : -1;
}

/* A synthetic data set of n random images (every pixel 1..255, so no exact
 * ties or zeros) and random labels below `classes`, written as raw IDX files
 * under dir and loaded back. NULL on failure. */
static inline learn_dataset *test_random_dataset(const char *dir, size_t n,
                                                 uint32_t rows, uint32_t cols,
                                                 unsigned classes,
                                                 uint64_t seed) {
  char images[512], labels[512];
  snprintf(images, sizeof(images), "%s/random-images-idx3-ubyte", dir);
  snprintf(labels, sizeof(labels), "%s/random-labels-idx1-ubyte", dir);
  size_t pixels = n * rows * cols;
  uint8_t *px = malloc(pixels), *lb = malloc(n);
  uint64_t state = seed;
  learn_dataset *d = NULL;
  if (px && lb) {
    for (size_t i = 0; i < pixels; i++) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      px[i] = (uint8_t)(1 + (state >> 33) % 255);
    }
    for (size_t i = 0; i < n; i++) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      lb[i] = (uint8_t)((state >> 33) % classes);
    }
    lb[0] = (uint8_t)(classes - 1); /* every run sees the top class */
    uint32_t idims[3] = {(uint32_t)n, rows, cols}, ldims[1] = {(uint32_t)n};
    if (test_write_idx(images, 0x803, idims, 3, px, pixels) == 0 &&
        test_write_idx(labels, 0x801, ldims, 1, lb, n) == 0) {
      int error = 0;
      char message[512];
      d = learn_dataset_load_idx(images, labels, &error, message,
                                 sizeof(message));
      if (!d)
        fprintf(stderr, "%s\n", message);
    }
  }
  free(px);
  free(lb);
  return d;
}

/* A fresh temporary directory (mkdtemp), path written into dir. */
static inline int test_temp_dir(char *dir, size_t capacity) {
  const char *base = getenv("TMPDIR");
  snprintf(dir, capacity, "%s/learn-test-XXXXXX", base ? base : "/tmp");
  return mkdtemp(dir) ? 0 : -1;
}

static inline int test_finish(const char *name) {
  if (test_failures) {
    fprintf(stderr, "%s: %d check(s) failed\n", name, test_failures);
    return 1;
  }
  printf("%s: all checks passed\n", name);
  return 0;
}

#endif /* LEARN_TEST_UTIL_H */
