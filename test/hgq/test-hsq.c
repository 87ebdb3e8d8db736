/*
 * hsq: the hinge scalar quantizer is unbiased (the mean of many decodes of
 * one gradient converges to the deterministic projection sum_m a_m c_{i_m}
 * at the 1/sqrt(N) rate), encode/decode round trip is bit-exact across two
 * objects, the payload size follows 32 + M (B + n) bits exactly, parameters
 * and corrupt payloads are refused.
 */
#include "codebook.h"
#include "hgq.h"
#include "search.h"
#include "test-util.h"

static hgq_quantizer *make(uint32_t d, uint32_t l, uint32_t b, uint32_t n,
                           uint64_t seed, int *err) {
  hgq_config cfg;
  hgq_config_default(&cfg, HGQ_METHOD_HSQ);
  cfg.dimension = d;
  cfg.hsq_block_length = l;
  cfg.hsq_block_bits = b;
  cfg.hsq_hinge_bits = n;
  cfg.seed = seed;
  return hgq_quantizer_create(&cfg, err);
}

static void test_unbiased(uint64_t *state) {
  const uint32_t d = 1003, l = 8, b = 6, n = 2; /* padded last block */
  int err;
  hgq_quantizer *q = make(d, l, b, n, 42, &err);
  CHECK(q != NULL, "create: %s", hgq_strerror(err));
  if (!q)
    return;
  float *g = malloc(d * sizeof(float));
  test_fill_gaussian(g, d, state);
  /* The deterministic projection the rounding must be unbiased for. */
  hgq_codebook_set *set = NULL;
  hgq_codebook_set_builtin(&set);
  const hgq_codebook *cb =
      hgq_codebook_set_find(set, HGQ_CODEBOOK_ISOTROPIC, l, b);
  const uint32_t m = (d + l - 1) / l;
  float *padded = calloc((size_t)m * l, sizeof(float));
  memcpy(padded, g, d * sizeof(float));
  uint32_t *idx = malloc(m * sizeof *idx);
  float *a = malloc(m * sizeof *a);
  hgq_codeword_search_reference(cb->codewords, cb->size, l, padded, m, idx, a);
  double *proj = calloc(d, sizeof(double));
  float amax = 0;
  for (uint32_t k = 0; k < m; ++k) {
    if (fabsf(a[k]) > amax)
      amax = fabsf(a[k]);
    for (uint32_t j = 0; j < l && k * l + j < d; ++j)
      proj[k * l + j] = (double)a[k] * cb->codewords[(size_t)idx[k] * l + j];
  }
  size_t cap = hgq_quantizer_max_encoded_bytes(q), bytes;
  uint8_t *buf = malloc(cap);
  float *g_hat = malloc(d * sizeof(float));
  double *mean = calloc(d, sizeof(double));
  const int trials = 4000;
  for (int t = 0; t < trials; ++t) {
    CHECK(hgq_quantizer_encode(q, g, d, buf, cap, &bytes, g_hat) == HGQ_OK,
          "encode");
    for (uint32_t i = 0; i < d; ++i)
      mean[i] += g_hat[i];
  }
  /* Per block the rounding error has variance <= step^2 / 4 with step =
   * 2 A / (2^n - 1); over `trials` draws the mean's error per coefficient
   * is below 5 sigma = 5 step / (2 sqrt(trials)) (times |c_j| <= 1). */
  double step = 2.0 * amax / ((1 << n) - 1);
  double bound = 5.0 * step / (2.0 * sqrt((double)trials));
  double worst = 0, bias2 = 0, proj2 = 0;
  for (uint32_t i = 0; i < d; ++i) {
    double e = mean[i] / trials - proj[i];
    if (fabs(e) > worst)
      worst = fabs(e);
    bias2 += e * e;
    proj2 += proj[i] * proj[i];
  }
  printf("hsq unbiasedness: %d encodes, max |mean - projection| %.2e "
         "(5-sigma bound %.2e), relative bias energy %.2e\n",
         trials, worst, bound, bias2 / proj2);
  CHECK(worst <= bound, "max deviation %.3e above %.3e", worst, bound);
  /* A biased rounder (e.g. round to nearest) would leave a bias energy of
   * the order of step^2/12 per block; this is far below. */
  CHECK(bias2 / proj2 < 1e-3, "relative bias energy %.3e", bias2 / proj2);
  free(g);
  free(padded);
  free(idx);
  free(a);
  free(proj);
  free(buf);
  free(g_hat);
  free(mean);
  hgq_codebook_set_destroy(set);
  hgq_quantizer_destroy(q);
}

static void test_round_trip_and_bits(uint64_t *state) {
  static const uint32_t cfgs[][4] = {{1, 8, 8, 2},    {7, 4, 4, 1},
                                     {1000, 8, 8, 2}, {4097, 16, 8, 3},
                                     {5000, 2, 3, 4}, {65536, 8, 6, 1}};
  for (size_t c = 0; c < sizeof cfgs / sizeof cfgs[0]; ++c) {
    uint32_t d = cfgs[c][0], l = cfgs[c][1], b = cfgs[c][2], n = cfgs[c][3];
    int err;
    hgq_quantizer *q1 = make(d, l, b, n, 9, &err);
    hgq_quantizer *q2 = make(d, l, b, n, 1234, &err);
    CHECK(q1 && q2, "create D=%u %ux%u n=%u", d, l, b, n);
    if (q1 && q2) {
      float *g = malloc(d * sizeof(float));
      float *g_hat = malloc(d * sizeof(float));
      float *out = malloc(d * sizeof(float));
      test_fill_laplacian(g, d, state);
      size_t cap = hgq_quantizer_max_encoded_bytes(q1), bytes;
      uint8_t *buf = malloc(cap);
      CHECK(hgq_quantizer_encode(q1, g, d, buf, cap, &bytes, g_hat) == HGQ_OK,
            "encode");
      CHECK(hgq_quantizer_decode(q2, buf, bytes, out, d) == HGQ_OK &&
                memcmp(out, g_hat, d * sizeof(float)) == 0,
            "D=%u: decode bit-exact with the encoder's g_hat", d);
      hgq_encode_stats st;
      hgq_quantizer_last_stats(q1, &st);
      uint64_t m = (d + l - 1) / l;
      CHECK(st.payload_bits == 32 + m * (b + n),
            "bits %" PRIu64 " vs 32 + M (B + n) = %" PRIu64, st.payload_bits,
            32 + m * (b + n));
      CHECK(st.header_bits == 8 * (14 + 3), "header %" PRIu64, st.header_bits);
      for (size_t cut = 0; cut < bytes; cut += 1 + bytes / 5)
        CHECK(hgq_quantizer_decode(q2, buf, cut, out, d) < 0,
              "truncated %zu accepted", cut);
      /* A non-finite scale is refused. */
      uint8_t saved[4];
      memcpy(saved, buf + 17, 4);
      memset(buf + 17, 0xff, 4); /* NaN */
      CHECK(hgq_quantizer_decode(q2, buf, bytes, out, d) ==
                HGQ_ERROR_CORRUPT_PAYLOAD,
            "NaN scale refused");
      memcpy(buf + 17, saved, 4);
      char text[64];
      CHECK(hgq_quantizer_plan(q1, text, sizeof text) == HGQ_OK, "describe");
      free(buf);
      free(g);
      free(g_hat);
      free(out);
    }
    hgq_quantizer_destroy(q1);
    hgq_quantizer_destroy(q2);
  }
  /* Same seed, same payload; reset restarts the stream. */
  int err;
  uint32_t d = 999;
  hgq_quantizer *a = make(d, 8, 8, 2, 5, &err), *b = make(d, 8, 8, 2, 5, &err);
  if (a && b) {
    float *g = malloc(d * sizeof(float));
    test_fill_gaussian(g, d, state);
    size_t cap = hgq_quantizer_max_encoded_bytes(a), na, nb;
    uint8_t *pa = malloc(cap), *pb = malloc(cap);
    hgq_quantizer_encode(a, g, d, pa, cap, &na, NULL);
    hgq_quantizer_encode(b, g, d, pb, cap, &nb, NULL);
    CHECK(na == nb && memcmp(pa, pb, na) == 0, "same seed, same payload");
    hgq_quantizer_encode(a, g, d, pa, cap, &na, NULL);
    hgq_quantizer_reset(b);
    hgq_quantizer_encode(b, g, d, pb, cap, &nb, NULL);
    CHECK(memcmp(pa, pb, na) != 0, "second draw differs from a reset one");
    free(g);
    free(pa);
    free(pb);
  }
  hgq_quantizer_destroy(a);
  hgq_quantizer_destroy(b);
  /* A table that is not shipped. */
  hgq_quantizer *q = make(100, 8, 16, 2, 1, &err);
  CHECK(q == NULL && err == HGQ_ERROR_CODEBOOK_UNAVAILABLE,
        "8x16 unavailable: %d", err);
  hgq_quantizer_destroy(q);
}

int main(int argc, char **argv) {
  uint64_t state = test_init(argc, argv, 0x45aull);
  test_unbiased(&state);
  test_round_trip_and_bits(&state);
  return test_finish("test-hsq");
}
