/*
 * Server-side aggregation of decoded gradients.
 *
 * MEAN: sum_i w_i g_i / sum_i w_i, accumulated in double (a float sum over
 * hundreds of devices loses the low bits of small coordinates).
 * MAJORITY_VOTE (Bernstein et al., "signSGD with Majority Vote is
 * Communication Efficient and Fault Tolerant", ICLR 2019): the sign of the
 * sum of the devices' signs, sign(0) = 0, and 0 on a tie. Votes are counted
 * exactly (integers stored in double are exact up to 2^53 devices).
 */
#include "hgq-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct hgq_aggregator {
  hgq_aggregation kind;
  uint32_t dimension;
  double *sum; /* D accumulators: weighted values or vote counts */
  double weight_sum;
  size_t count;
};

void hgq_aggregator_destroy(hgq_aggregator *a) {
  if (!a)
    return;
  free(a->sum);
  free(a);
}

hgq_aggregator *hgq_aggregator_create(hgq_aggregation kind, uint32_t dimension,
                                      int *error) {
  int status = HGQ_OK;
  hgq_aggregator *a = NULL;
  if (kind != HGQ_AGGREGATION_MEAN && kind != HGQ_AGGREGATION_MAJORITY_VOTE) {
    status = HGQ_ERROR_PARAMETER_OUT_OF_RANGE;
    goto fail;
  }
  if (dimension == 0 || dimension > HGQ_MAX_DIMENSION) {
    status = HGQ_ERROR_PARAMETER_OUT_OF_RANGE;
    goto fail;
  }
  a = calloc(1, sizeof *a);
  if (!a) {
    status = HGQ_ERROR_ALLOCATION;
    goto fail;
  }
  a->kind = kind;
  a->dimension = dimension;
  a->sum = calloc(dimension, sizeof(double));
  if (!a->sum) {
    status = HGQ_ERROR_ALLOCATION;
    goto fail;
  }
  if (error)
    *error = HGQ_OK;
  return a;

fail:
  hgq_aggregator_destroy(a);
  if (error)
    *error = status;
  return NULL;
}

int hgq_aggregator_reset(hgq_aggregator *a) {
  RETURN_IF(!a, HGQ_ERROR_NULL_ARGUMENT);
  memset(a->sum, 0, (size_t)a->dimension * sizeof(double));
  a->weight_sum = 0.0;
  a->count = 0;
  return HGQ_OK;
}

int hgq_aggregator_add(hgq_aggregator *a, const float *g, size_t dimension,
                       double weight) {
  RETURN_IF(!a || !g, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(dimension != a->dimension, HGQ_ERROR_DIMENSION_MISMATCH);
  /* Check everything before touching the sums: a refused gradient leaves
   * the aggregate as it was. */
  for (size_t i = 0; i < dimension; i++)
    RETURN_IF(!isfinite(g[i]), HGQ_ERROR_NONFINITE_INPUT);
  if (a->kind == HGQ_AGGREGATION_MEAN) {
    RETURN_IF(!(weight > 0.0) || !isfinite(weight),
              HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
    for (size_t i = 0; i < dimension; i++)
      a->sum[i] += weight * (double)g[i];
    a->weight_sum += weight;
  } else {
    for (size_t i = 0; i < dimension; i++)
      a->sum[i] += (g[i] > 0.0f) - (g[i] < 0.0f);
  }
  a->count++;
  return HGQ_OK;
}

size_t hgq_aggregator_count(const hgq_aggregator *a) {
  return a ? a->count : 0;
}

int hgq_aggregator_result(const hgq_aggregator *a, float *out,
                          size_t dimension) {
  RETURN_IF(!a || !out, HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(dimension != a->dimension, HGQ_ERROR_DIMENSION_MISMATCH);
  RETURN_IF(a->count == 0, HGQ_ERROR_STATE);
  if (a->kind == HGQ_AGGREGATION_MEAN) {
    for (size_t i = 0; i < dimension; i++)
      out[i] = (float)(a->sum[i] / a->weight_sum);
  } else {
    for (size_t i = 0; i < dimension; i++)
      out[i] = (float)((a->sum[i] > 0.0) - (a->sum[i] < 0.0));
  }
  return HGQ_OK;
}
