/*
 * HGQ method ops: placeholder until engineer B lands the method.
 * create refuses with HGQ_ERROR_UNKNOWN_METHOD so the library links and
 * callers get a clear status instead of a wrong payload.
 */
#include "hgq-internal.h"

static int hgq_placeholder_create(hgq_quantizer *q) {
  (void)q;
  return HGQ_ERROR_UNKNOWN_METHOD;
}

static uint64_t hgq_placeholder_max_payload_bits(const hgq_quantizer *q) {
  (void)q;
  return 0;
}

static int hgq_placeholder_encode(hgq_quantizer *q, const float *g,
                                  hgq_bit_writer *w, float *g_hat) {
  (void)q;
  (void)g;
  (void)w;
  (void)g_hat;
  return HGQ_ERROR_UNKNOWN_METHOD;
}

static int hgq_placeholder_decode(hgq_quantizer *q, hgq_bit_reader *r,
                                  float *g_hat) {
  (void)q;
  (void)r;
  (void)g_hat;
  return HGQ_ERROR_UNKNOWN_METHOD;
}

const hgq_method_ops hgq_hgq_ops = {
    .method = HGQ_METHOD_HGQ,
    .create = hgq_placeholder_create,
    .destroy = NULL,
    .max_payload_bits = hgq_placeholder_max_payload_bits,
    .encode = hgq_placeholder_encode,
    .decode = hgq_placeholder_decode,
    .reset = NULL,
    .describe = NULL,
};
