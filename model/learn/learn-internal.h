/*
 * Internal helpers of the learn core, shared by its source files and never
 * installed: status macros in the spirit of zstd's, overflow-checked size
 * arithmetic, the library's own seeded random generator (xoshiro256**
 * seeded through splitmix64, Blackman and Vigna 2018) with the samplers the
 * partitions and the initialisation need, and the one place that pins the
 * OpenBLAS thread count.
 */
#ifndef LEARN_INTERNAL_H
#define LEARN_INTERNAL_H

#include "learn.h"

#include <stddef.h>
#include <stdint.h>

#define RETURN_IF(cond, code) \
  do {                        \
    if (cond)                 \
      return (code);          \
  } while (0)

#define FORWARD_IF_ERROR(expr)       \
  do {                               \
    int forward_status_ = (expr);    \
    if (forward_status_ != LEARN_OK) \
      return forward_status_;        \
  } while (0)

/* Writes *error when the caller gave somewhere to write it. */
static inline void learn_set_error(int *error, int status) {
  if (error)
    *error = status;
}

/* a * b, or 0 with *overflow set when it does not fit in size_t. */
static inline size_t learn_mul_size(size_t a, size_t b, int *overflow) {
  if (a != 0 && b > SIZE_MAX / a) {
    *overflow = 1;
    return 0;
  }
  return a * b;
}

/* ------------------------------------------------------------------ rng */

typedef struct learn_rng {
  uint64_t s[4];
} learn_rng;

void learn_rng_seed(learn_rng *r, uint64_t seed);
uint64_t learn_rng_next(learn_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double learn_rng_uniform(learn_rng *r);
/* Uniform in (0, 1): safe to take the logarithm of. */
double learn_rng_uniform_open(learn_rng *r);
/* Uniform integer in [0, bound), bound >= 1, without modulo bias. */
uint64_t learn_rng_below(learn_rng *r, uint64_t bound);
/* Standard normal (Marsaglia polar method). */
double learn_rng_normal(learn_rng *r);
/* Gamma(shape, 1), shape > 0 (Marsaglia and Tsang 2000). */
double learn_rng_gamma(learn_rng *r, double shape);
/* Fisher-Yates shuffle of x[0..n). */
void learn_rng_shuffle_u32(learn_rng *r, uint32_t *x, size_t n);

/* ------------------------------------------------------------- dataset */

/* learn_dataset_load_fashion_mnist on dir (not NULL); is_default != 0 adds
 * the Debian package to a missing-file message. Separate so that the tests
 * can check that message where the package is installed. */
learn_dataset *learn_dataset_load_fashion_mnist_from(const char *dir, int train,
                                                     int is_default, int *error,
                                                     char *message,
                                                     size_t message_capacity);

/* -------------------------------------------------------------- threads */

/* Pins OpenBLAS to the thread count chosen by learn_set_threads (default 1);
 * every public step calls it first so a run is bit-reproducible. */
void learn_threads_apply(void);

#endif /* LEARN_INTERNAL_H */
