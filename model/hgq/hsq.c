/*
 * HSQ method ops: placeholder until engineer B lands the method.
 * create refuses with HGQ_ERROR_UNKNOWN_METHOD so the library links and
 * callers get a clear status instead of a wrong payload.
 */
#include "hgq-internal.h"

static int hsq_placeholder_create(hgq_quantizer *q) {
  (void)q;
  return HGQ_ERROR_UNKNOWN_METHOD;
}

static uint64_t hsq_placeholder_max_payload_bits(const hgq_quantizer *q) {
  (void)q;
  return 0;
}

static int hsq_placeholder_encode(hgq_quantizer *q, const float *g,
                                  hgq_bit_writer *w, float *g_hat) {
  (void)q;
  (void)g;
  (void)w;
  (void)g_hat;
  return HGQ_ERROR_UNKNOWN_METHOD;
}

static int hsq_placeholder_decode(hgq_quantizer *q, hgq_bit_reader *r,
                                  float *g_hat) {
  (void)q;
  (void)r;
  (void)g_hat;
  return HGQ_ERROR_UNKNOWN_METHOD;
}

const hgq_method_ops hgq_hsq_ops = {
    .method = HGQ_METHOD_HSQ,
    .create = hsq_placeholder_create,
    .destroy = NULL,
    .max_payload_bits = hsq_placeholder_max_payload_bits,
    .encode = hsq_placeholder_encode,
    .decode = hsq_placeholder_decode,
    .reset = NULL,
    .describe = NULL,
};
