/*
 * Grassmannian Lloyd: Monte-Carlo distortion of freshly trained codebooks
 * within +-5% of the HGQ.md targets; the L = 2 closed form matches its exact
 * distortion; training is deterministic; regenerating small shipped tables
 * from their stored (L, B, seed, samples, iterations) reproduces them bit for
 * bit; the shipped tables' stored distortion agrees with a fresh Monte-Carlo
 * measurement.
 */
#include "codebook.h"
#include "hgq.h"
#include "lloyd.h"
#include "test-util.h"

/* Monte-Carlo sample count for every distortion measured here: the standard
 * error of a mean of 1 - (c.x)^2 is below 0.3% of the targets. */
#define EVAL_SAMPLES 100000u

static double measure(const float *cb, uint32_t l, uint32_t b, uint64_t seed) {
  float *x = malloc((size_t)EVAL_SAMPLES * l * sizeof(float));
  hgq_lloyd_isotropic_samples(l, EVAL_SAMPLES, seed, x);
  double d = hgq_lloyd_distortion(cb, 1u << b, l, x, EVAL_SAMPLES);
  free(x);
  return d;
}

static void test_targets(uint64_t seed) {
  static const struct {
    uint32_t l, b;
    double target;
  } cases[] = {{2, 2, 0.050}, {2, 4, 0.0033}, {3, 4, 0.062},
               {4, 4, 0.169}, {4, 6, 0.068},  {6, 6, 0.211},
               {8, 6, 0.337}, {4, 8, 0.028},  {8, 8, 0.233}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    uint32_t l = cases[i].l, b = cases[i].b, k = 1u << b;
    float *cb = malloc((size_t)k * l * sizeof(float));
    double train = 0;
    uint32_t n = 256 * k < 65536 ? 65536 : 256 * k;
    CHECK(hgq_lloyd_train_isotropic(l, b, n, HGQ_LLOYD_DEFAULT_ITERATIONS,
                                    seed + i, cb, &train) == HGQ_OK,
          "train %ux%u", l, b);
    double d = measure(cb, l, b, seed ^ 0xabcdefull);
    printf("Lloyd %ux%u: train %.4f, Monte-Carlo (%u samples) %.4f, HGQ.md "
           "%.4f\n",
           l, b, train, EVAL_SAMPLES, d, cases[i].target);
    CHECK(fabs(d - cases[i].target) <= 0.05 * cases[i].target,
          "%ux%u distortion %.4f vs %.4f", l, b, d, cases[i].target);
    free(cb);
  }
  /* Closed form: exact value against Monte-Carlo. */
  for (uint32_t b = 1; b <= 6; ++b) {
    float cb[2 * 64];
    hgq_lloyd_closed_form_2(b, cb);
    double exact = hgq_lloyd_closed_form_2_distortion(b);
    double d = measure(cb, 2, b, seed + 100 + b);
    CHECK(fabs(d - exact) <= 0.02 * exact, "closed form 2x%u %.5f vs %.5f", b,
          d, exact);
  }
}

static void test_determinism(void) {
  float a[16 * 4], b[16 * 4];
  double da, db;
  CHECK(hgq_lloyd_train_isotropic(4, 4, 4096, 20, 77, a, &da) == HGQ_OK,
        "train a");
  CHECK(hgq_lloyd_train_isotropic(4, 4, 4096, 20, 77, b, &db) == HGQ_OK,
        "train b");
  CHECK(memcmp(a, b, sizeof a) == 0 && da == db, "same seed, same bits");
  CHECK(hgq_lloyd_train_isotropic(4, 4, 4096, 20, 78, b, &db) == HGQ_OK,
        "train c");
  CHECK(memcmp(a, b, sizeof a) != 0, "another seed, another codebook");
  /* Bad arguments. */
  float x[8];
  CHECK(hgq_lloyd_train(4, 4, x, 2, 10, 1, a, NULL) ==
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
        "fewer samples than codewords");
  CHECK(hgq_lloyd_train(1, 4, x, 2, 10, 1, a, NULL) ==
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
        "L = 1");
  CHECK(hgq_lloyd_train(4, 4, NULL, 2, 10, 1, a, NULL) ==
            HGQ_ERROR_NULL_ARGUMENT,
        "NULL samples");
}

static void test_shipped(uint64_t seed) {
  hgq_codebook_set *set = NULL;
  CHECK(hgq_codebook_set_builtin(&set) == HGQ_OK, "built-in set");
  if (!set)
    return;
  /* Regenerate a few small shipped isotropic tables bit for bit. */
  static const uint32_t regen[][2] = {{2, 3}, {4, 4}, {4, 6}, {8, 4}};
  for (size_t i = 0; i < sizeof regen / sizeof regen[0]; ++i) {
    const hgq_codebook *e = hgq_codebook_set_find(set, HGQ_CODEBOOK_ISOTROPIC,
                                                  regen[i][0], regen[i][1]);
    CHECK(e != NULL, "shipped %ux%u", regen[i][0], regen[i][1]);
    if (!e)
      continue;
    float *cb = malloc((size_t)e->size * e->block_length * sizeof(float));
    CHECK(hgq_lloyd_train_isotropic(e->block_length, e->bits, e->samples,
                                    e->iterations, e->seed, cb, NULL) == HGQ_OK,
          "regenerate");
    CHECK(memcmp(cb, e->codewords,
                 (size_t)e->size * e->block_length * sizeof(float)) == 0,
          "regenerated %ux%u (seed %" PRIu64 ", %u samples, %u iterations) "
          "differs from the shipped table",
          e->block_length, e->bits, e->seed, e->samples, e->iterations);
    free(cb);
  }
  /* Stored distortions of isotropic tables agree with a fresh measurement
   * (the allocator relies on them). */
  static const uint32_t measure_cases[][2] = {{4, 4}, {8, 6}, {16, 7}, {8, 8}};
  for (size_t i = 0; i < sizeof measure_cases / sizeof measure_cases[0]; ++i) {
    const hgq_codebook *e = hgq_codebook_set_find(
        set, HGQ_CODEBOOK_ISOTROPIC, measure_cases[i][0], measure_cases[i][1]);
    if (!e)
      continue;
    double d = measure(e->codewords, e->block_length, e->bits, seed + 7 + i);
    CHECK(fabs(d - e->distortion) <= 0.03 * e->distortion,
          "stored %ux%u distortion %.4f, measured %.4f", e->block_length,
          e->bits, e->distortion, d);
  }
  /* Distortion falls with bits for every (role, L) family. */
  for (uint32_t t = 1; t < set->count; ++t) {
    const hgq_codebook *p = &set->entries[t - 1], *e = &set->entries[t];
    if (p->role == e->role && p->block_length == e->block_length)
      CHECK(e->distortion < p->distortion, "role %u %ux%u not below %ux%u",
            e->role, e->block_length, e->bits, p->block_length, p->bits);
  }
  hgq_codebook_set_destroy(set);
}

int main(int argc, char **argv) {
  uint64_t seed = test_init(argc, argv, 0x1107d0ull);
  test_targets(seed);
  test_determinism();
  test_shipped(seed);
  return test_finish("test-lloyd");
}
