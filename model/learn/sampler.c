/*
 * Seeded mini-batch sampler: epochs of a Fisher-Yates shuffle of a copied
 * index set, drawn in order; a batch that crosses an epoch end continues in
 * the next epoch's fresh shuffle. Sampling without replacement within an
 * epoch, the usual practice for SGD.
 */
#include "learn-internal.h"

#include <stdlib.h>
#include <string.h>

struct learn_sampler {
  uint32_t *order;
  size_t count;
  size_t position; /* next unread entry of order */
  learn_rng rng;
};

learn_sampler *learn_sampler_create(const uint32_t *indices, size_t count,
                                    uint64_t seed, int *error) {
  if (!indices) {
    learn_set_error(error, LEARN_ERROR_NULL_ARGUMENT);
    return NULL;
  }
  if (count == 0) {
    learn_set_error(error, LEARN_ERROR_EMPTY);
    return NULL;
  }
  learn_sampler *s = calloc(1, sizeof(*s));
  int overflow = 0;
  size_t bytes = learn_mul_size(count, sizeof(uint32_t), &overflow);
  if (s && !overflow)
    s->order = malloc(bytes);
  if (!s || !s->order) {
    learn_sampler_destroy(s);
    learn_set_error(error, LEARN_ERROR_ALLOCATION);
    return NULL;
  }
  memcpy(s->order, indices, bytes);
  s->count = count;
  learn_rng_seed(&s->rng, seed);
  learn_rng_shuffle_u32(&s->rng, s->order, count);
  s->position = 0;
  learn_set_error(error, LEARN_OK);
  return s;
}

void learn_sampler_destroy(learn_sampler *s) {
  if (!s)
    return;
  free(s->order);
  free(s);
}

int learn_sampler_next(learn_sampler *s, uint32_t *out, size_t batch) {
  RETURN_IF(!s || !out, LEARN_ERROR_NULL_ARGUMENT);
  RETURN_IF(batch == 0, LEARN_ERROR_PARAMETER_OUT_OF_RANGE);
  for (size_t i = 0; i < batch; i++) {
    if (s->position == s->count) {
      learn_rng_shuffle_u32(&s->rng, s->order, s->count);
      s->position = 0;
    }
    out[i] = s->order[s->position++];
  }
  return LEARN_OK;
}
