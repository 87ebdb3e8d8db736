/*
 * Properties of each scalar baseline (model/hgq/baselines.c,
 * baseline-topk.c):
 *  - fp32 is lossless;
 *  - signsgd/ef-signsgd: scale = (float)(sum |x| / D) in double, summed in
 *    32 lanes (i mod 32) combined pairwise (baselines.h), signs kept
 *    (sign(0) = +1); signsgd-mv: +-1;
 *  - the sign kernels (portable, AVX2, AVX-512, whichever this CPU runs)
 *    give the same bytes, tail bits and L1 bits as a plain reference, on
 *    random lengths and inputs with -0.0, denormals and huge values, and
 *    write nothing past their bytes; the writer fallback of the encoders
 *    (a writer not byte-aligned) gives the same bits as the bulk path;
 *  - qsgd and terngrad are unbiased: over N decodes of one g, each
 *    coordinate's mean is within 5 standard errors of g_i, where the
 *    per-draw standard deviation is at most step / 2 (a two-point
 *    distribution on adjacent levels `step` apart; step = norm / s for
 *    qsgd, max|g| for terngrad): |mean - g_i| <= 5 step / (2 sqrt N) plus
 *    float rounding. Each draw lands on one of the two levels around g_i;
 *  - topk keeps exactly k largest magnitudes (ties: lowest index) with
 *    their exact values;
 *  - error feedback: after each encode the memory equals x - Q(x) bit for
 *    bit, x = g + e_previous (float arithmetic, as documented);
 *  - the payload bits reported equal the exact formula of each method.
 */
#include "baselines.h"
#include "hgq-internal.h"
#include "test-util.h"

/* The documented L1 order (baselines.h), written out independently. */
static double ref_l1(const float *x, size_t d) {
  double lanes[32] = {0};
  for (size_t i = 0; i < d; i++)
    lanes[i % 32] += fabs((double)x[i]);
  for (unsigned h = 16; h > 0; h /= 2)
    for (unsigned j = 0; j < h; j++)
      lanes[j] += lanes[j + h];
  return lanes[0];
}

static hgq_quantizer *make(hgq_method m, uint32_t d, int ef, uint64_t seed) {
  hgq_config cfg;
  hgq_config_default(&cfg, m);
  cfg.dimension = d;
  cfg.error_feedback = ef;
  cfg.seed = seed;
  int err = 0;
  hgq_quantizer *q = hgq_quantizer_create(&cfg, &err);
  CHECK(q != NULL, "create %s: %s", hgq_method_name(m), hgq_strerror(err));
  return q;
}

static hgq_quantizer *make_cfg(const hgq_config *cfg) {
  int err = 0;
  hgq_quantizer *q = hgq_quantizer_create(cfg, &err);
  CHECK(q != NULL, "create %s: %s", hgq_method_name(cfg->method),
        hgq_strerror(err));
  return q;
}

static uint64_t payload_bits(hgq_quantizer *q) {
  hgq_encode_stats st;
  hgq_quantizer_last_stats(q, &st);
  return st.payload_bits;
}

static int encode(hgq_quantizer *q, const float *g, uint8_t *buf, size_t *n,
                  float *g_hat) {
  return hgq_quantizer_encode(q, g, hgq_quantizer_dimension(q), buf,
                              hgq_quantizer_max_encoded_bytes(q), n, g_hat);
}

static void test_fp32_and_signs(uint64_t *rng) {
  enum { D = 1001 };
  static float g[D], ghat[D], out[D];
  static uint8_t buf[D * 4 + 64];
  test_fill_gaussian(g, D, rng);
  g[3] = 0.0f;
  g[4] = -0.0f;
  size_t n;

  hgq_quantizer *q = make(HGQ_METHOD_FP32, D, -1, 1);
  CHECK(encode(q, g, buf, &n, ghat) == HGQ_OK, "fp32 encode");
  CHECK(memcmp(g, ghat, sizeof g) == 0, "fp32 lossy");
  CHECK(hgq_quantizer_decode(q, buf, n, out, D) == HGQ_OK &&
            memcmp(g, out, sizeof g) == 0,
        "fp32 decode lossy");
  CHECK(payload_bits(q) == 32ull * D, "fp32 bits");
  hgq_quantizer_destroy(q);

  const hgq_method scaled[2] = {HGQ_METHOD_SIGNSGD, HGQ_METHOD_EF_SIGNSGD};
  for (int m = 0; m < 2; m++) {
    q = make(scaled[m], D, 0, 1);
    CHECK(encode(q, g, buf, &n, ghat) == HGQ_OK, "sign encode");
    float scale = (float)(ref_l1(g, D) / D);
    int bad = 0;
    for (int i = 0; i < D; i++)
      bad += ghat[i] != (g[i] < 0 ? -scale : scale);
    CHECK(bad == 0, "%s: %d coefficients not scale*sign (scale %g)",
          hgq_method_name(scaled[m]), bad, scale);
    CHECK(ghat[3] == scale && ghat[4] == scale, "sign(0) must be +1");
    CHECK(payload_bits(q) == 32ull + D, "%s bits %llu",
          hgq_method_name(scaled[m]), (unsigned long long)payload_bits(q));
    hgq_quantizer_destroy(q);
  }

  q = make(HGQ_METHOD_SIGNSGD_MV, D, -1, 1);
  CHECK(encode(q, g, buf, &n, ghat) == HGQ_OK, "mv encode");
  int bad = 0;
  for (int i = 0; i < D; i++)
    bad += ghat[i] != (g[i] < 0 ? -1.0f : 1.0f);
  CHECK(bad == 0, "signsgd-mv: %d coefficients not +-1", bad);
  CHECK(payload_bits(q) == D, "signsgd-mv bits");
  CHECK(n == 14 + (D + 7) / 8, "signsgd-mv bytes %zu", n);
  hgq_quantizer_destroy(q);
}

static unsigned level_bits(uint32_t s) {
  unsigned w = 0;
  while ((1ull << w) < (uint64_t)s + 1)
    w++;
  return w;
}

/* Unbiasedness and two-level support of a stochastic method. */
static void check_unbiased(hgq_quantizer *q, const float *g, uint32_t d,
                           int draws, double step, const char *name) {
  double *mean = calloc(d, sizeof(double));
  float *ghat = malloc(d * sizeof(float));
  float *out = malloc(d * sizeof(float));
  uint8_t *buf = malloc(hgq_quantizer_max_encoded_bytes(q));
  int off_level = 0, mismatch = 0;
  for (int t = 0; t < draws; t++) {
    size_t n;
    if (encode(q, g, buf, &n, ghat) != HGQ_OK) {
      CHECK(0, "%s encode", name);
      break;
    }
    if (hgq_quantizer_decode(q, buf, n, out, d) != HGQ_OK ||
        memcmp(out, ghat, d * sizeof(float)) != 0)
      mismatch++;
    for (uint32_t i = 0; i < d; i++) {
      mean[i] += out[i];
      /* one of the two levels around g_i: |out - g| < step, same sign */
      if (fabs((double)out[i] - g[i]) > step * (1 + 1e-6) ||
          (out[i] != 0 && (out[i] < 0) != (g[i] < 0)))
        off_level++;
    }
  }
  CHECK(mismatch == 0, "%s: %d decodes differ from g_hat", name, mismatch);
  CHECK(off_level == 0, "%s: %d draws not on a level adjacent to g_i", name,
        off_level);
  double bound = 5.0 * step / (2.0 * sqrt((double)draws));
  double worst = 0;
  for (uint32_t i = 0; i < d; i++) {
    double err = fabs(mean[i] / draws - g[i]);
    double allowed = bound + 1e-6 * fabs(g[i]) + 1e-6 * step;
    if (err / allowed > worst)
      worst = err / allowed;
    CHECK(err <= allowed, "%s: coordinate %u mean %.7g vs g %.7g (bound %.3g)",
          name, i, mean[i] / draws, g[i], allowed);
  }
  printf("  %s: %d draws, worst |mean - g| = %.2f of the 5-sigma bound\n", name,
         draws, worst);
  free(mean);
  free(ghat);
  free(out);
  free(buf);
}

static void test_qsgd(uint64_t *rng) {
  enum { D = 16 };
  float g[D];
  test_fill_gaussian(g, D, rng);
  g[5] = 0.0f;
  const uint32_t levels[] = {1, 3, 7, 255};
  for (size_t j = 0; j < sizeof levels / sizeof levels[0]; j++) {
    hgq_config cfg;
    hgq_config_default(&cfg, HGQ_METHOD_QSGD);
    cfg.dimension = D;
    cfg.qsgd_levels = levels[j];
    cfg.seed = test_rand_u64(rng);
    hgq_quantizer *q = make_cfg(&cfg);
    if (!q)
      continue;
    double sum2 = 0;
    for (int i = 0; i < D; i++)
      sum2 += (double)g[i] * g[i];
    float norm = (float)sqrt(sum2);
    char name[32];
    snprintf(name, sizeof name, "qsgd s=%u", levels[j]);
    check_unbiased(q, g, D, 20000, (double)norm / levels[j], name);
    CHECK(payload_bits(q) == 32ull + (uint64_t)D * (1 + level_bits(levels[j])),
          "%s bits %llu", name, (unsigned long long)payload_bits(q));
    hgq_quantizer_destroy(q);
  }
  /* Exact bit formula at the widest level field. */
  hgq_config cfg;
  hgq_config_default(&cfg, HGQ_METHOD_QSGD);
  cfg.dimension = 1000;
  cfg.qsgd_levels = 65535;
  hgq_quantizer *q = make_cfg(&cfg);
  static float big[1000], ghat[1000];
  static uint8_t buf[1000 * 4];
  test_fill_gaussian(big, 1000, rng);
  size_t n;
  CHECK(q && encode(q, big, buf, &n, ghat) == HGQ_OK &&
            payload_bits(q) == 32 + 1000ull * 17,
        "qsgd s=65535 bits");
  hgq_quantizer_destroy(q);
}

static void test_terngrad(uint64_t *rng) {
  for (uint32_t d = 1; d <= 23; d += 11) {
    float g[23];
    test_fill_gaussian(g, d, rng);
    if (d > 3)
      g[2] = 0.0f;
    hgq_quantizer *q = make(HGQ_METHOD_TERNGRAD, d, -1, test_rand_u64(rng));
    if (!q)
      continue;
    float mx = 0;
    for (uint32_t i = 0; i < d; i++)
      mx = fmaxf(mx, fabsf(g[i]));
    char name[32];
    snprintf(name, sizeof name, "terngrad D=%u", d);
    check_unbiased(q, g, d, 20000, mx, name);
    static const unsigned tail[5] = {0, 2, 4, 5, 7};
    CHECK(payload_bits(q) == 32ull + 8 * (d / 5) + tail[d % 5], "%s bits %llu",
          name, (unsigned long long)payload_bits(q));
    hgq_quantizer_destroy(q);
  }
  /* Every tail length, and the decoded values are exactly {0, +-max}. */
  for (uint32_t d = 1; d <= 10; d++) {
    float g[10], ghat[10];
    uint8_t buf[64];
    test_fill_gaussian(g, d, rng);
    hgq_quantizer *q = make(HGQ_METHOD_TERNGRAD, d, -1, 5);
    size_t n;
    CHECK(q && encode(q, g, buf, &n, ghat) == HGQ_OK, "terngrad D=%u", d);
    static const unsigned tail[5] = {0, 2, 4, 5, 7};
    CHECK(payload_bits(q) == 32ull + 8 * (d / 5) + tail[d % 5],
          "terngrad D=%u bits %llu", d, (unsigned long long)payload_bits(q));
    float mx = 0;
    for (uint32_t i = 0; i < d; i++)
      mx = fmaxf(mx, fabsf(g[i]));
    for (uint32_t i = 0; i < d; i++) {
      CHECK(ghat[i] == 0 || fabsf(ghat[i]) == mx, "terngrad value %g", ghat[i]);
      if (fabsf(g[i]) == mx)
        CHECK(ghat[i] == g[i], "the maximum coordinate is exact");
    }
    hgq_quantizer_destroy(q);
  }
}

/* Reference cost of topk's index coding (baseline-topk.c header). */
static uint64_t topk_expected_bits(const float *ghat, uint32_t d, uint32_t k) {
  unsigned wide = 0;
  while (((uint64_t)1 << wide) < d)
    wide++;
  if (wide < 1)
    wide = 1;
  uint64_t best = UINT64_MAX;
  for (unsigned b = 1; b <= 31; b++) {
    uint64_t cost = 0, next = 0;
    for (uint32_t i = 0; i < d; i++) {
      if (ghat[i] == 0)
        continue;
      uint64_t gap = i - next;
      cost += b + (gap >= ((1ull << b) - 1) ? wide : 0);
      next = i + 1;
    }
    if (cost < best)
      best = cost;
  }
  return 5 + best + 32ull * k;
}

static void test_topk(uint64_t *rng) {
  const uint32_t dims[] = {1, 10, 1000, 100003};
  for (size_t j = 0; j < sizeof dims / sizeof dims[0]; j++) {
    uint32_t d = dims[j];
    float *g = malloc(d * sizeof(float)), *ghat = malloc(d * sizeof(float));
    uint8_t *buf = malloc(d * 8 + 64);
    for (int pattern = 0; pattern < 3; pattern++) {
      hgq_config cfg;
      hgq_config_default(&cfg, HGQ_METHOD_TOPK);
      cfg.dimension = d;
      cfg.error_feedback = 0;
      cfg.topk_fraction = pattern == 2 ? 0.5 : 0.013;
      uint32_t k = (uint32_t)ceil(cfg.topk_fraction * d);
      if (k < 1)
        k = 1;
      test_fill_gaussian(g, d, rng);
      if (pattern == 1) /* many ties: magnitudes in {1, 2, 3}, no zeros */
        for (uint32_t i = 0; i < d; i++)
          g[i] = (float)(1 + test_rand_u64(rng) % 3) *
                 (test_rand_u64(rng) & 1 ? 1.0f : -1.0f);
      hgq_quantizer *q = make_cfg(&cfg);
      size_t n;
      if (!q || encode(q, g, buf, &n, ghat) != HGQ_OK) {
        CHECK(0, "topk D=%u encode", d);
        hgq_quantizer_destroy(q);
        continue;
      }
      /* Reference: sort-free check. Kept = indices where ghat != 0 (no
       * zeros in g); each kept value exact; min kept >= max dropped;
       * among equal magnitudes at the threshold, kept indices precede
       * dropped ones. */
      uint32_t kept = 0;
      float min_kept = INFINITY, max_dropped = 0;
      uint32_t last_kept_at_min = 0, first_dropped_at_max = UINT32_MAX;
      int wrong = 0;
      for (uint32_t i = 0; i < d; i++) {
        if (ghat[i] != 0) {
          kept++;
          wrong += ghat[i] != g[i];
          if (fabsf(g[i]) <= min_kept)
            min_kept = fabsf(g[i]);
        } else if (fabsf(g[i]) > max_dropped) {
          max_dropped = fabsf(g[i]);
        }
      }
      for (uint32_t i = 0; i < d; i++) {
        if (ghat[i] != 0 && fabsf(g[i]) == min_kept)
          last_kept_at_min = i;
        if (ghat[i] == 0 && fabsf(g[i]) == min_kept &&
            first_dropped_at_max == UINT32_MAX)
          first_dropped_at_max = i;
      }
      CHECK(kept == k, "topk D=%u: kept %u, expected k = %u", d, kept, k);
      CHECK(wrong == 0, "topk D=%u: %d kept values altered", d, wrong);
      CHECK(min_kept >= max_dropped, "topk D=%u: kept %g < dropped %g", d,
            min_kept, max_dropped);
      CHECK(first_dropped_at_max == UINT32_MAX ||
                last_kept_at_min < first_dropped_at_max,
            "topk D=%u: ties not resolved to the lowest indices", d);
      CHECK(payload_bits(q) == topk_expected_bits(ghat, d, k),
            "topk D=%u pattern %d: bits %llu, formula %llu", d, pattern,
            (unsigned long long)payload_bits(q),
            (unsigned long long)topk_expected_bits(ghat, d, k));
      hgq_quantizer_destroy(q);
    }
    free(g);
    free(ghat);
    free(buf);
  }
  /* Explicit k, and the wide gaps that force escapes: k = 3 of D = 100003
   * with the large values at 0, 50000, 100002. */
  hgq_config cfg;
  hgq_config_default(&cfg, HGQ_METHOD_TOPK);
  cfg.dimension = 100003;
  cfg.topk_k = 3;
  cfg.error_feedback = 0;
  float *g = calloc(cfg.dimension, sizeof(float));
  float *ghat = malloc(cfg.dimension * sizeof(float));
  float *out = malloc(cfg.dimension * sizeof(float));
  uint8_t buf[256];
  for (uint32_t i = 0; i < cfg.dimension; i++)
    g[i] = 1e-3f;
  g[0] = 5;
  g[50000] = -7;
  g[100002] = 6;
  hgq_quantizer *q = make_cfg(&cfg);
  size_t n;
  CHECK(q && encode(q, g, buf, &n, ghat) == HGQ_OK &&
            hgq_quantizer_decode(q, buf, n, out, cfg.dimension) == HGQ_OK,
        "topk sparse round trip");
  CHECK(out[0] == 5 && out[50000] == -7 && out[100002] == 6 && out[1] == 0,
        "topk sparse values");
  CHECK(payload_bits(q) == topk_expected_bits(ghat, cfg.dimension, 3),
        "topk sparse bits");
  hgq_quantizer_destroy(q);
  free(g);
  free(ghat);
  free(out);
}

/* Error feedback: e_new == (g + e_old) - Q(g + e_old), bit for bit, and
 * over T rounds sum g_t == sum Q_t + e_T (up to float accumulation). */
static void test_error_feedback(uint64_t *rng) {
  enum { D = 513, T = 25 };
  const hgq_method methods[] = {HGQ_METHOD_EF_SIGNSGD, HGQ_METHOD_TOPK,
                                HGQ_METHOD_QSGD,       HGQ_METHOD_TERNGRAD,
                                HGQ_METHOD_SIGNSGD,    HGQ_METHOD_SIGNSGD_MV};
  static float g[D], ghat[D], e_old[D], out[D];
  static uint8_t buf[D * 8 + 64];
  for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
    /* -1 for the two that default to on, 1 (forced) for the others. */
    int ef =
        (methods[m] == HGQ_METHOD_EF_SIGNSGD || methods[m] == HGQ_METHOD_TOPK)
            ? -1
            : 1;
    hgq_quantizer *q = make(methods[m], D, ef, test_rand_u64(rng));
    if (!q)
      continue;
    CHECK(q->error_feedback && q->ef_memory, "%s: EF not on",
          hgq_method_name(methods[m]));
    double sum_g[D] = {0}, sum_q[D] = {0};
    int bad = 0, bad_decode = 0;
    for (int t = 0; t < T; t++) {
      test_fill_gaussian(g, D, rng);
      memcpy(e_old, q->ef_memory, sizeof e_old);
      size_t n;
      if (encode(q, g, buf, &n, ghat) != HGQ_OK) {
        CHECK(0, "EF encode");
        break;
      }
      bad_decode += hgq_quantizer_decode(q, buf, n, out, D) != HGQ_OK ||
                    memcmp(out, ghat, sizeof out) != 0;
      for (int i = 0; i < D; i++) {
        float x = g[i] + e_old[i];
        bad += q->ef_memory[i] != x - ghat[i];
        sum_g[i] += g[i];
        sum_q[i] += ghat[i];
      }
    }
    CHECK(bad == 0, "%s: %d memory entries != x - Q(x)",
          hgq_method_name(methods[m]), bad);
    CHECK(bad_decode == 0, "%s: decode != g_hat under EF",
          hgq_method_name(methods[m]));
    double worst = 0;
    for (int i = 0; i < D; i++) {
      double gap = fabs(sum_g[i] - (sum_q[i] + q->ef_memory[i]));
      double scale = 1 + fabs(sum_g[i]) + fabs(sum_q[i]);
      if (gap / scale > worst)
        worst = gap / scale;
    }
    /* T float additions of O(1) values: relative error ~ T * 2^-24. */
    CHECK(worst < 1e-4, "%s: telescoping sum off by %g",
          hgq_method_name(methods[m]), worst);
    hgq_quantizer_destroy(q);
  }
  /* EF off by default for the others. */
  hgq_quantizer *q = make(HGQ_METHOD_QSGD, 10, -1, 1);
  CHECK(q && !q->error_feedback && !q->ef_memory, "qsgd EF default off");
  hgq_quantizer_destroy(q);
  /* ef-signsgd scale is ||g + e||_1 / D on the second step. */
  q = make(HGQ_METHOD_EF_SIGNSGD, D, -1, 1);
  test_fill_gaussian(g, D, rng);
  size_t n;
  encode(q, g, buf, &n, ghat);
  memcpy(e_old, q->ef_memory, sizeof e_old);
  test_fill_gaussian(g, D, rng);
  encode(q, g, buf, &n, ghat);
  static float x[D];
  for (int i = 0; i < D; i++)
    x[i] = g[i] + e_old[i];
  double l1 = ref_l1(x, D);
  CHECK(fabsf(ghat[0]) == (float)(l1 / D), "ef-signsgd scale %g vs %g", ghat[0],
        (float)(l1 / D));
  hgq_quantizer_destroy(q);
}

/* The baselines read g[i] before they write g_hat[i], so an in-place call
 * (g_hat == g) gives the same payload and reconstruction. */
static void test_in_place(uint64_t *rng) {
  enum { D = 777 };
  const hgq_method methods[] = {HGQ_METHOD_FP32,       HGQ_METHOD_SIGNSGD,
                                HGQ_METHOD_SIGNSGD_MV, HGQ_METHOD_EF_SIGNSGD,
                                HGQ_METHOD_QSGD,       HGQ_METHOD_TERNGRAD,
                                HGQ_METHOD_TOPK};
  static float g[D], inplace[D], ghat[D];
  static uint8_t a[D * 8 + 64], b[D * 8 + 64];
  for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
    for (int ef = 0; ef <= 1; ef++) {
      test_fill_gaussian(g, D, rng);
      memcpy(inplace, g, sizeof g);
      hgq_quantizer *q1 = make(methods[m], D, ef, 7);
      hgq_quantizer *q2 = make(methods[m], D, ef, 7);
      size_t n1 = 0, n2 = 0;
      CHECK(q1 && q2 && encode(q1, g, a, &n1, ghat) == HGQ_OK &&
                encode(q2, inplace, b, &n2, inplace) == HGQ_OK,
            "%s in place: encode", hgq_method_name(methods[m]));
      CHECK(n1 == n2 && memcmp(a, b, n1) == 0 &&
                memcmp(ghat, inplace, sizeof ghat) == 0,
            "%s ef=%d: in-place encode differs", hgq_method_name(methods[m]),
            ef);
      hgq_quantizer_destroy(q1);
      hgq_quantizer_destroy(q2);
    }
  }
}

/* Random floats of every kind the sign kernels must agree on. */
static float awkward_float(uint64_t *rng) {
  uint64_t r = test_rand_u64(rng);
  float v = (float)test_rand_normal(rng);
  switch (r % 8) {
  case 0:
    return 0.0f;
  case 1:
    return -0.0f;
  case 2: { /* a denormal of either sign */
    uint32_t u = (uint32_t)(r >> 8) & 0x807fffffu;
    u |= 1u; /* non-zero mantissa */
    memcpy(&v, &u, sizeof v);
    return v;
  }
  case 3:
    return v * 1e30f;
  case 4:
    return v * 1e-30f;
  default:
    return v;
  }
}

static void test_sign_kernels(uint64_t *rng) {
  enum { MAXD = 1200, CANARY = 16 };
  static float x[MAXD], out[MAXD], ref_out[MAXD];
  static uint8_t bytes[MAXD / 8 + CANARY], ref_bytes[MAXD / 8];
  const hgq_search_isa isas[] = {HGQ_SEARCH_ISA_PORTABLE, HGQ_SEARCH_ISA_AVX2,
                                 HGQ_SEARCH_ISA_AVX512, HGQ_SEARCH_ISA_AUTO};
  int ran[4] = {0};
  for (int trial = 0; trial < 400; trial++) {
    /* Short lengths around the 8/16/32/64 steps first, then random. */
    size_t d = trial < 140 ? (size_t)trial
                           : 1 + (size_t)(test_rand_u64(rng) % (MAXD - 1));
    for (size_t i = 0; i < d; i++)
      x[i] = awkward_float(rng);
    /* Reference: bit i = x[i] < 0 (-0.0 -> 0), scalar and plain. */
    memset(ref_bytes, 0, sizeof ref_bytes);
    uint32_t ref_tail = 0;
    for (size_t i = 0; i < d; i++) {
      unsigned bit = x[i] < 0.0f;
      if (i < d / 8 * 8)
        ref_bytes[i / 8] |= (uint8_t)(bit << (i % 8));
      else
        ref_tail |= (uint32_t)bit << (i - d / 8 * 8);
    }
    double ref = ref_l1(x, d);
    const float mags[3] = {0.75f, 0.0f, 1e-41f};
    float mag = mags[trial % 3];
    for (size_t i = 0; i < d; i++) {
      uint32_t u;
      memcpy(&u, &mag, sizeof u);
      u |= (uint32_t)(x[i] < 0.0f) << 31;
      memcpy(&ref_out[i], &u, sizeof u);
    }
    for (int k = 0; k < 4; k++) {
      if (!hgq_codeword_search_isa_supported(isas[k])) {
        CHECK(hgq_sign_pack(isas[k], x, d, bytes, &(uint32_t){0}, NULL) == -1,
              "isa %d unsupported but pack ran", (int)isas[k]);
        continue;
      }
      ran[k]++;
      memset(bytes, 0xA5, sizeof bytes);
      uint32_t tail = 12345;
      double l1 = -1.0;
      CHECK(hgq_sign_pack(isas[k], x, d, bytes, &tail, &l1) == 0, "pack");
      CHECK(memcmp(bytes, ref_bytes, d / 8) == 0 && tail == ref_tail,
            "%s: sign bits differ at d=%zu",
            hgq_codeword_search_isa_name(isas[k]), d);
      CHECK(memcmp(&l1, &ref, sizeof l1) == 0,
            "%s: L1 %.17g != reference %.17g at d=%zu",
            hgq_codeword_search_isa_name(isas[k]), l1, ref, d);
      int canary_ok = 1;
      for (size_t b = d / 8; b < d / 8 + CANARY; b++)
        canary_ok &= bytes[b] == 0xA5;
      CHECK(canary_ok, "%s: pack wrote past %zu bytes",
            hgq_codeword_search_isa_name(isas[k]), d / 8);
      /* Without the L1 the bits are the same. */
      uint32_t tail2 = 0;
      CHECK(hgq_sign_pack(isas[k], x, d, bytes, &tail2, NULL) == 0 &&
                memcmp(bytes, ref_bytes, d / 8) == 0 && tail2 == ref_tail,
            "%s: sign bits without L1 differ",
            hgq_codeword_search_isa_name(isas[k]));
      /* Expand the reference bytes plus the tail as one more byte. */
      memcpy(bytes, ref_bytes, d / 8);
      bytes[d / 8] = (uint8_t)ref_tail;
      memset(out, 0x5A, sizeof out);
      CHECK(hgq_sign_expand(isas[k], bytes, d, mag, out) == 0 &&
                memcmp(out, ref_out, d * sizeof(float)) == 0,
            "%s: expand differs at d=%zu (magnitude %g)",
            hgq_codeword_search_isa_name(isas[k]), d, mag);
      int tail_ok = 1;
      for (size_t i = d; i < MAXD; i++) {
        uint32_t u;
        memcpy(&u, &out[i], sizeof u);
        tail_ok &= u == 0x5A5A5A5Au;
      }
      CHECK(tail_ok, "%s: expand wrote past d=%zu",
            hgq_codeword_search_isa_name(isas[k]), d);
    }
  }
  printf("  sign kernels: portable %d, avx2 %d, avx512 %d, auto %d "
         "lengths\n",
         ran[0], ran[1], ran[2], hgq_codeword_search_isa_name(isas[3]), ran[3]);
  CHECK(ran[0] > 0 && ran[3] > 0, "portable and auto kernels must run");
}

/* The sign encoders' writer fallback (a writer with a pending bit cannot
 * reserve bytes) writes the same bits, one position later, as their bulk
 * path, and the same g_hat. */
static void test_sign_fallback(uint64_t *rng) {
  const hgq_method methods[] = {HGQ_METHOD_FP32, HGQ_METHOD_SIGNSGD,
                                HGQ_METHOD_SIGNSGD_MV, HGQ_METHOD_EF_SIGNSGD};
  const uint32_t dims[] = {1, 7, 8, 33, 64, 100, 1027};
  static float g[1027], ghat_a[1027], ghat_b[1027];
  static uint8_t a[1027 * 4 + 8], b[1027 * 4 + 8];
  for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
    for (size_t k = 0; k < sizeof dims / sizeof dims[0]; k++) {
      uint32_t d = dims[k];
      for (uint32_t i = 0; i < d; i++)
        g[i] = awkward_float(rng);
      g[0] = 1.0f; /* non-zero */
      hgq_quantizer *q = make(methods[m], d, 0, 3);
      if (!q)
        continue;
      hgq_bit_writer wa, wb;
      hgq_bit_writer_init(&wa, a, sizeof a);
      hgq_bit_writer_init(&wb, b, sizeof b);
      hgq_bit_writer_put(&wb, 1u, 1);
      int ra = q->ops->encode(q, g, &wa, ghat_a);
      int rb = q->ops->encode(q, g, &wb, ghat_b);
      CHECK(ra == HGQ_OK && rb == HGQ_OK &&
                hgq_bit_writer_finish(&wa) == HGQ_OK &&
                hgq_bit_writer_finish(&wb) == HGQ_OK,
            "%s d=%u: encode", hgq_method_name(methods[m]), d);
      uint64_t bits = hgq_bit_writer_bits(&wa);
      CHECK(hgq_bit_writer_bits(&wb) == bits + 1, "%s d=%u: bit counts",
            hgq_method_name(methods[m]), d);
      hgq_bit_reader ra_, rb_;
      hgq_bit_reader_init(&ra_, a, (size_t)(bits + 7) / 8);
      hgq_bit_reader_init(&rb_, b, (size_t)(bits + 8) / 8);
      (void)hgq_bit_reader_get(&rb_, 1);
      int same = 1;
      for (uint64_t left = bits; left > 0;) {
        unsigned n = left < 32 ? (unsigned)left : 32;
        same &= hgq_bit_reader_get(&ra_, n) == hgq_bit_reader_get(&rb_, n);
        left -= n;
      }
      CHECK(same && memcmp(ghat_a, ghat_b, d * sizeof(float)) == 0,
            "%s d=%u: writer fallback differs from the bulk path",
            hgq_method_name(methods[m]), d);
      hgq_quantizer_destroy(q);
    }
  }
}

int main(int argc, char **argv) {
  uint64_t seed = test_init(argc, argv, 4242);
  printf("test-baselines: seed %llu\n", (unsigned long long)seed);
  uint64_t rng = seed;
  test_fp32_and_signs(&rng);
  test_sign_kernels(&rng);
  test_sign_fallback(&rng);
  test_qsgd(&rng);
  test_terngrad(&rng);
  test_topk(&rng);
  test_error_feedback(&rng);
  test_in_place(&rng);
  return test_finish("test-baselines");
}
