/*
 * Aggregator: weighted mean and majority vote exact on small cases, and
 * every refusal (mismatched D, bad weight, non-finite input, nothing added,
 * bad create arguments) leaves the aggregate untouched.
 */
#include "hgq-internal.h"
#include "test-util.h"

static void test_mean(void) {
  int err = 1;
  hgq_aggregator *a = hgq_aggregator_create(HGQ_AGGREGATION_MEAN, 3, &err);
  CHECK(a && err == HGQ_OK, "create");
  if (!a)
    return;
  float out[3];
  CHECK(hgq_aggregator_result(a, out, 3) == HGQ_ERROR_STATE, "empty result");
  const float g1[3] = {1, 2, 3}, g2[3] = {3, -2, 0};
  CHECK(hgq_aggregator_add(a, g1, 3, 1.0) == HGQ_OK, "add 1");
  CHECK(hgq_aggregator_add(a, g2, 3, 3.0) == HGQ_OK, "add 2");
  CHECK(hgq_aggregator_count(a) == 2, "count");
  CHECK(hgq_aggregator_result(a, out, 3) == HGQ_OK, "result");
  /* (1 + 9) / 4, (2 - 6) / 4, 3 / 4: exact in binary */
  CHECK(out[0] == 2.5f && out[1] == -1.0f && out[2] == 0.75f, "mean %g %g %g",
        out[0], out[1], out[2]);

  /* Refusals leave everything as it was. */
  const float bad[3] = {1, NAN, 1}, inf[3] = {INFINITY, 0, 0};
  CHECK(hgq_aggregator_add(a, g1, 2, 1.0) == HGQ_ERROR_DIMENSION_MISMATCH,
        "D mismatch");
  CHECK(hgq_aggregator_add(a, g1, 4, 1.0) == HGQ_ERROR_DIMENSION_MISMATCH,
        "D mismatch above");
  CHECK(hgq_aggregator_add(a, g1, 3, 0.0) == HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
        "zero weight");
  CHECK(hgq_aggregator_add(a, g1, 3, -1.0) == HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
        "negative weight");
  CHECK(hgq_aggregator_add(a, g1, 3, NAN) == HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
        "NaN weight");
  CHECK(hgq_aggregator_add(a, g1, 3, INFINITY) ==
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
        "infinite weight");
  CHECK(hgq_aggregator_add(a, bad, 3, 1.0) == HGQ_ERROR_NONFINITE_INPUT,
        "NaN gradient");
  CHECK(hgq_aggregator_add(a, inf, 3, 1.0) == HGQ_ERROR_NONFINITE_INPUT,
        "inf gradient");
  CHECK(hgq_aggregator_add(a, NULL, 3, 1.0) == HGQ_ERROR_NULL_ARGUMENT,
        "NULL gradient");
  CHECK(hgq_aggregator_add(NULL, g1, 3, 1.0) == HGQ_ERROR_NULL_ARGUMENT,
        "NULL aggregator");
  CHECK(hgq_aggregator_result(a, out, 2) == HGQ_ERROR_DIMENSION_MISMATCH,
        "result D mismatch");
  CHECK(hgq_aggregator_result(a, NULL, 3) == HGQ_ERROR_NULL_ARGUMENT,
        "result NULL");
  CHECK(hgq_aggregator_count(a) == 2, "count after refusals");
  CHECK(hgq_aggregator_result(a, out, 3) == HGQ_OK && out[0] == 2.5f &&
            out[1] == -1.0f && out[2] == 0.75f,
        "refusals changed the mean");

  /* Reset forgets; then a mean of many equal weights is exact. */
  CHECK(hgq_aggregator_reset(a) == HGQ_OK, "reset");
  CHECK(hgq_aggregator_count(a) == 0, "count after reset");
  CHECK(hgq_aggregator_result(a, out, 3) == HGQ_ERROR_STATE,
        "result after reset");
  for (int i = 0; i < 100; i++) {
    const float g[3] = {(float)i, 1e-8f, -(float)i};
    hgq_aggregator_add(a, g, 3, 0.5);
  }
  CHECK(hgq_aggregator_result(a, out, 3) == HGQ_OK && out[0] == 49.5f &&
            out[1] == 1e-8f && out[2] == -49.5f,
        "mean of 100: %g %g %g", out[0], out[1], out[2]);
  CHECK(hgq_aggregator_reset(NULL) == HGQ_ERROR_NULL_ARGUMENT, "reset NULL");
  CHECK(hgq_aggregator_count(NULL) == 0, "count NULL");
  hgq_aggregator_destroy(a);
  hgq_aggregator_destroy(NULL);
}

static void test_majority_vote(void) {
  int err = 1;
  hgq_aggregator *a =
      hgq_aggregator_create(HGQ_AGGREGATION_MAJORITY_VOTE, 5, &err);
  CHECK(a && err == HGQ_OK, "create");
  if (!a)
    return;
  /* columns: 3 positive; 2 neg 1 pos; tie (1,-1,0); all zero; 2 pos 1 neg
   * with magnitudes that would flip a mean. */
  const float g1[5] = {1, -1, 1, 0, 0.1f};
  const float g2[5] = {2, -3, -2, 0, 0.1f};
  const float g3[5] = {0.5f, 4, 0, 0, -100};
  CHECK(hgq_aggregator_add(a, g1, 5, 1.0) == HGQ_OK, "add");
  CHECK(hgq_aggregator_add(a, g2, 5, 0.0) == HGQ_OK,
        "weight is ignored by majority vote");
  CHECK(hgq_aggregator_add(a, g3, 5, 7.0) == HGQ_OK, "add");
  float out[5];
  CHECK(hgq_aggregator_result(a, out, 5) == HGQ_OK, "result");
  const float expect[5] = {1, -1, 0, 0, 1};
  for (int i = 0; i < 5; i++)
    CHECK(out[i] == expect[i], "vote %d: %g != %g", i, out[i], expect[i]);
  CHECK(hgq_aggregator_add(a, g1, 4, 1.0) == HGQ_ERROR_DIMENSION_MISMATCH,
        "D mismatch");
  /* An even number of voters tied on every coordinate gives zeros. */
  hgq_aggregator_reset(a);
  const float p[5] = {1, 1, 1, 1, 1}, n[5] = {-1, -1, -1, -1, -1};
  hgq_aggregator_add(a, p, 5, 1);
  hgq_aggregator_add(a, n, 5, 1);
  hgq_aggregator_result(a, out, 5);
  for (int i = 0; i < 5; i++)
    CHECK(out[i] == 0.0f, "tie %d gives %g", i, out[i]);
  hgq_aggregator_destroy(a);
}

static void test_create(void) {
  int err = 0;
  CHECK(!hgq_aggregator_create(HGQ_AGGREGATION_MEAN, 0, &err) &&
            err == HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
        "D = 0");
  CHECK(!hgq_aggregator_create((hgq_aggregation)7, 3, &err) &&
            err == HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
        "bad kind");
  CHECK(!hgq_aggregator_create(HGQ_AGGREGATION_MEAN, HGQ_MAX_DIMENSION + 1u,
                               &err) &&
            err == HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
        "D too large");
  CHECK(!hgq_aggregator_create(HGQ_AGGREGATION_MEAN, 0, NULL), "NULL error");
}

int main(int argc, char **argv) {
  uint64_t seed = test_init(argc, argv, 1);
  printf("test-aggregator: seed %llu (deterministic test)\n",
         (unsigned long long)seed);
  test_mean();
  test_majority_vote();
  test_create();
  return test_finish("test-aggregator");
}
