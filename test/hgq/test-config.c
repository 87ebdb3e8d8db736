/*
 * Configuration: every parameter bound is enforced by create (below min and
 * above max, for every method that uses the parameter) and accepted at its
 * ends by validate; the bounds table is self-consistent; defaults are valid;
 * NULL arguments, unknown methods and names, status texts, print/plan
 * buffers.
 */
#include "hgq-internal.h"
#include "test-util.h"

#include <float.h>

static const hgq_method all_methods[HGQ_METHOD_COUNT] = {
    HGQ_METHOD_FP32,       HGQ_METHOD_SIGNSGD, HGQ_METHOD_SIGNSGD_MV,
    HGQ_METHOD_EF_SIGNSGD, HGQ_METHOD_QSGD,    HGQ_METHOD_TERNGRAD,
    HGQ_METHOD_TOPK,       HGQ_METHOD_HSQ,     HGQ_METHOD_HGQ};

/* Sets parameter p of cfg to v (the field's own type). */
static void set_param(hgq_config *cfg, hgq_param p, double v) {
  switch (p) {
  case HGQ_PARAM_DIMENSION:
    cfg->dimension = (uint32_t)v;
    break;
  case HGQ_PARAM_BITS_PER_COEF:
    cfg->bits_per_coef = v;
    break;
  case HGQ_PARAM_NORM_BITS:
    cfg->norm_bits = (uint32_t)v;
    break;
  case HGQ_PARAM_NORM_MAX:
    cfg->norm_max = (float)v;
    break;
  case HGQ_PARAM_TOP_BLOCK:
    cfg->top_block = (uint32_t)v;
    break;
  case HGQ_PARAM_QSGD_LEVELS:
    cfg->qsgd_levels = (uint32_t)v;
    break;
  case HGQ_PARAM_TOPK_K:
    cfg->topk_k = (uint32_t)v;
    break;
  case HGQ_PARAM_TOPK_FRACTION:
    cfg->topk_fraction = v;
    break;
  case HGQ_PARAM_HSQ_BLOCK_LENGTH:
    cfg->hsq_block_length = (uint32_t)v;
    break;
  case HGQ_PARAM_HSQ_BLOCK_BITS:
    cfg->hsq_block_bits = (uint32_t)v;
    break;
  case HGQ_PARAM_HSQ_HINGE_BITS:
    cfg->hsq_hinge_bits = (uint32_t)v;
    break;
  default:
    break;
  }
}

/* Which methods read a parameter (and the config that makes them read it). */
static int uses(hgq_method m, hgq_param p, hgq_config *cfg) {
  switch (p) {
  case HGQ_PARAM_DIMENSION:
    return 1;
  case HGQ_PARAM_BITS_PER_COEF:
    cfg->plan = NULL;
    return m == HGQ_METHOD_HGQ;
  case HGQ_PARAM_NORM_BITS:
  case HGQ_PARAM_TOP_BLOCK:
    return m == HGQ_METHOD_HGQ;
  case HGQ_PARAM_NORM_MAX:
    cfg->norm_bits = 16;
    return m == HGQ_METHOD_HGQ;
  case HGQ_PARAM_QSGD_LEVELS:
    return m == HGQ_METHOD_QSGD;
  case HGQ_PARAM_TOPK_K:
    return m == HGQ_METHOD_TOPK;
  case HGQ_PARAM_TOPK_FRACTION:
    cfg->topk_k = 0;
    return m == HGQ_METHOD_TOPK;
  case HGQ_PARAM_HSQ_BLOCK_LENGTH:
  case HGQ_PARAM_HSQ_BLOCK_BITS:
  case HGQ_PARAM_HSQ_HINGE_BITS:
    return m == HGQ_METHOD_HSQ;
  default:
    return 0;
  }
}

/* The value just outside a bound, in the field's own type; 0 if none. */
static int outside(hgq_param p, double bound, int above, double *v) {
  int integer = p != HGQ_PARAM_BITS_PER_COEF && p != HGQ_PARAM_NORM_MAX &&
                p != HGQ_PARAM_TOPK_FRACTION;
  if (integer) {
    if (!above && bound <= 0)
      return 0; /* unsigned field: nothing below 0 */
    if (above && bound >= 4294967295.0)
      return 0;
    *v = above ? bound + 1 : bound - 1;
    return 1;
  }
  if (p == HGQ_PARAM_NORM_MAX) {
    /* float field: the neighbour float, or infinity past FLT_MAX */
    *v = above ? (bound >= FLT_MAX ? (double)INFINITY
                                   : (double)nextafterf((float)bound, INFINITY))
               : (double)nextafterf((float)bound, 0.0f);
    return 1;
  }
  *v = above ? nextafter(bound, INFINITY) : nextafter(bound, -INFINITY);
  return 1;
}

static void base_config(hgq_config *cfg, hgq_method m) {
  hgq_config_default(cfg, m);
  cfg->dimension = 1000;
}

static void test_bounds_table(void) {
  for (int p = 0; p < HGQ_PARAM_COUNT; p++) {
    hgq_bounds b;
    CHECK(hgq_param_bounds((hgq_param)p, &b) == HGQ_OK, "param %d", p);
    CHECK(isfinite(b.min) && isfinite(b.max) && b.min <= b.max,
          "param %d: [%g, %g]", p, b.min, b.max);
    /* The dimension has no default (the caller sets it): default 0. */
    if (p != HGQ_PARAM_DIMENSION)
      CHECK(b.default_value >= b.min && b.default_value <= b.max,
            "param %d default %g outside [%g, %g]", p, b.default_value, b.min,
            b.max);
  }
  hgq_bounds b;
  CHECK(hgq_param_bounds(HGQ_PARAM_COUNT, &b) ==
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
        "bad id");
  CHECK(hgq_param_bounds((hgq_param)-1, &b) == HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
        "negative id");
  CHECK(hgq_param_bounds(HGQ_PARAM_DIMENSION, NULL) == HGQ_ERROR_NULL_ARGUMENT,
        "NULL bounds");
  /* The documented ranges (hgq.h, HGQ.md). */
  hgq_param_bounds(HGQ_PARAM_QSGD_LEVELS, &b);
  CHECK(b.min == 1 && b.max == 65535, "qsgd levels");
  hgq_param_bounds(HGQ_PARAM_NORM_BITS, &b);
  CHECK(b.min == 1 && b.max == 32, "norm bits");
  hgq_param_bounds(HGQ_PARAM_DIMENSION, &b);
  CHECK(b.min == 1 && b.max == HGQ_MAX_DIMENSION, "dimension");
  hgq_param_bounds(HGQ_PARAM_TOPK_FRACTION, &b);
  CHECK(b.min > 0 && b.max == 1, "topk fraction");
}

static void test_defaults(void) {
  for (int i = 0; i < HGQ_METHOD_COUNT; i++) {
    hgq_config cfg;
    hgq_config_default(&cfg, all_methods[i]);
    CHECK(cfg.method == all_methods[i], "method kept");
    CHECK(cfg.dimension == 0, "dimension left to the caller");
    CHECK(hgq_config_validate(&cfg) == HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
          "D = 0 must be refused");
    cfg.dimension = 1000;
    CHECK(hgq_config_validate(&cfg) == HGQ_OK, "%s defaults invalid",
          hgq_method_name(all_methods[i]));
    for (int p = 0; p < HGQ_PARAM_COUNT; p++) {
      hgq_bounds b;
      hgq_param_bounds((hgq_param)p, &b);
      double v = 0;
      switch (p) {
      case HGQ_PARAM_BITS_PER_COEF:
        v = cfg.bits_per_coef;
        break;
      case HGQ_PARAM_NORM_BITS:
        v = cfg.norm_bits;
        break;
      case HGQ_PARAM_NORM_MAX:
        v = cfg.norm_max;
        break;
      case HGQ_PARAM_TOP_BLOCK:
        v = cfg.top_block;
        break;
      case HGQ_PARAM_QSGD_LEVELS:
        v = cfg.qsgd_levels;
        break;
      case HGQ_PARAM_TOPK_K:
        v = cfg.topk_k;
        break;
      case HGQ_PARAM_TOPK_FRACTION:
        v = cfg.topk_fraction;
        break;
      case HGQ_PARAM_HSQ_BLOCK_LENGTH:
        v = cfg.hsq_block_length;
        break;
      case HGQ_PARAM_HSQ_BLOCK_BITS:
        v = cfg.hsq_block_bits;
        break;
      case HGQ_PARAM_HSQ_HINGE_BITS:
        v = cfg.hsq_hinge_bits;
        break;
      default:
        continue;
      }
      CHECK((float)v == (float)b.default_value,
            "param %d: config default %g != table default %g", p, v,
            b.default_value);
    }
    /* Every method builds from its defaults (hgq from the default budget,
     * hsq from the default codebook, both built into the library). */
    int err = 1;
    hgq_quantizer *q = hgq_quantizer_create(&cfg, &err);
    CHECK(q && err == HGQ_OK, "%s create from defaults: %s",
          hgq_method_name(all_methods[i]), hgq_strerror(err));
    hgq_quantizer_destroy(q);
  }
  hgq_config_default(NULL, HGQ_METHOD_FP32); /* must not crash */
}

static void test_every_bound(void) {
  int refused = 0;
  for (int i = 0; i < HGQ_METHOD_COUNT; i++) {
    hgq_method m = all_methods[i];
    for (int p = 0; p < HGQ_PARAM_COUNT; p++) {
      hgq_bounds b;
      hgq_param_bounds((hgq_param)p, &b);
      hgq_config cfg;
      base_config(&cfg, m);
      if (!uses(m, (hgq_param)p, &cfg))
        continue;
      /* At each end: valid (create may still fail for other reasons, such
       * as a huge D's memory, so the ends are checked with validate). */
      for (int end = 0; end < 2; end++) {
        hgq_config c = cfg;
        set_param(&c, (hgq_param)p, end ? b.max : b.min);
        if (p == HGQ_PARAM_TOPK_K)
          c.dimension = HGQ_MAX_DIMENSION; /* k <= D */
        CHECK(hgq_config_validate(&c) == HGQ_OK, "%s param %d at %s %g: %s",
              hgq_method_name(m), p, end ? "max" : "min", end ? b.max : b.min,
              hgq_strerror(hgq_config_validate(&c)));
      }
      /* Just outside each end: create refuses with OUT_OF_RANGE. */
      for (int above = 0; above < 2; above++) {
        double v;
        if (!outside((hgq_param)p, above ? b.max : b.min, above, &v))
          continue;
        hgq_config c = cfg;
        set_param(&c, (hgq_param)p, v);
        int err = 0;
        hgq_quantizer *q = hgq_quantizer_create(&c, &err);
        CHECK(q == NULL && err == HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
              "%s param %d = %.17g (%s bound) gave %s", hgq_method_name(m), p,
              v, above ? "above max" : "below min", hgq_strerror(err));
        hgq_quantizer_destroy(q);
        refused++;
      }
      /* NaN is outside every range of a floating-point field. */
      if (p == HGQ_PARAM_BITS_PER_COEF || p == HGQ_PARAM_TOPK_FRACTION ||
          p == HGQ_PARAM_NORM_MAX) {
        hgq_config c = cfg;
        set_param(&c, (hgq_param)p, NAN);
        CHECK(hgq_config_validate(&c) == HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
              "%s param %d NaN accepted", hgq_method_name(m), p);
      }
    }
  }
  printf("  %d out-of-range configurations refused by create\n", refused);
  CHECK(refused >= 25, "too few bounds exercised: %d", refused);

  /* Cross-field rules. */
  hgq_config cfg;
  base_config(&cfg, HGQ_METHOD_TOPK);
  cfg.topk_k = cfg.dimension + 1;
  int err = 0;
  CHECK(!hgq_quantizer_create(&cfg, &err) &&
            err == HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
        "k > D accepted");
  cfg.topk_k = cfg.dimension;
  hgq_quantizer *q = hgq_quantizer_create(&cfg, &err);
  CHECK(q != NULL, "k = D refused: %s", hgq_strerror(err));
  hgq_quantizer_destroy(q);
  for (int ef = -2; ef <= 2; ef += 4) {
    base_config(&cfg, HGQ_METHOD_FP32);
    cfg.error_feedback = ef;
    CHECK(!hgq_quantizer_create(&cfg, &err) &&
              err == HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
          "error_feedback %d accepted", ef);
  }
  /* Fields a method does not use are not checked. */
  base_config(&cfg, HGQ_METHOD_SIGNSGD);
  cfg.qsgd_levels = 0;
  cfg.topk_fraction = -1;
  cfg.norm_bits = 99;
  q = hgq_quantizer_create(&cfg, &err);
  CHECK(q != NULL, "unused fields checked: %s", hgq_strerror(err));
  hgq_quantizer_destroy(q);
  /* hgq: an over-long plan string is a bad plan, not a silent truncation. */
  char plan[300];
  memset(plan, '8', sizeof plan - 1);
  plan[sizeof plan - 1] = '\0';
  base_config(&cfg, HGQ_METHOD_HGQ);
  cfg.plan = plan;
  CHECK(hgq_config_validate(&cfg) == HGQ_ERROR_BAD_PLAN, "long plan");
}

static void test_null_and_unknown(void) {
  int err = 0;
  CHECK(hgq_quantizer_create(NULL, &err) == NULL &&
            err == HGQ_ERROR_NULL_ARGUMENT,
        "NULL config");
  CHECK(hgq_quantizer_create(NULL, NULL) == NULL, "NULL config, NULL error");
  CHECK(hgq_config_validate(NULL) == HGQ_ERROR_NULL_ARGUMENT, "validate NULL");
  hgq_config cfg;
  base_config(&cfg, HGQ_METHOD_FP32);
  cfg.method = HGQ_METHOD_COUNT;
  CHECK(!hgq_quantizer_create(&cfg, &err) && err == HGQ_ERROR_UNKNOWN_METHOD,
        "method id %d", (int)cfg.method);
  cfg.method = (hgq_method)-1;
  CHECK(!hgq_quantizer_create(&cfg, &err) && err == HGQ_ERROR_UNKNOWN_METHOD,
        "method id -1");

  hgq_method m;
  CHECK(hgq_method_from_name("bogus", &m) == HGQ_ERROR_UNKNOWN_METHOD, "bogus");
  CHECK(hgq_method_from_name("", &m) == HGQ_ERROR_UNKNOWN_METHOD, "empty");
  CHECK(hgq_method_from_name("QSGD", &m) == HGQ_ERROR_UNKNOWN_METHOD,
        "names are case-sensitive");
  CHECK(hgq_method_from_name(NULL, &m) == HGQ_ERROR_NULL_ARGUMENT, "NULL name");
  CHECK(hgq_method_from_name("fp32", NULL) == HGQ_ERROR_NULL_ARGUMENT,
        "NULL out");
  CHECK(hgq_method_name(HGQ_METHOD_COUNT) == NULL, "name of bad id");
  CHECK(hgq_method_name((hgq_method)-3) == NULL, "name of negative id");
  const char *expected[HGQ_METHOD_COUNT] = {
      "fp32",     "signsgd", "signsgd-mv", "ef-signsgd", "qsgd",
      "terngrad", "topk",    "hsq",        "hgq"};
  for (int i = 0; i < HGQ_METHOD_COUNT; i++) {
    const char *name = hgq_method_name((hgq_method)i);
    CHECK(name && strcmp(name, expected[i]) == 0, "name %d", i);
    CHECK(hgq_method_from_name(expected[i], &m) == HGQ_OK && (int)m == i,
          "parse %s", expected[i]);
    CHECK(hgq_method_aggregation((hgq_method)i) ==
              (i == HGQ_METHOD_SIGNSGD_MV ? HGQ_AGGREGATION_MAJORITY_VOTE
                                          : HGQ_AGGREGATION_MEAN),
          "aggregation of %s", expected[i]);
  }

  /* Every call on NULL objects or buffers. */
  base_config(&cfg, HGQ_METHOD_SIGNSGD);
  cfg.dimension = 8;
  hgq_quantizer *q = hgq_quantizer_create(&cfg, &err);
  CHECK(q != NULL, "create");
  float g[8] = {1, -2, 3, -4, 5, -6, 7, -8}, out_g[8];
  uint8_t buf[64];
  size_t written = 0;
  hgq_encode_stats st;
  CHECK(hgq_quantizer_last_stats(q, &st) == HGQ_ERROR_STATE,
        "stats before any encode");
  CHECK(hgq_quantizer_encode(NULL, g, 8, buf, 64, &written, NULL) ==
            HGQ_ERROR_NULL_ARGUMENT,
        "encode NULL q");
  CHECK(hgq_quantizer_encode(q, NULL, 8, buf, 64, &written, NULL) ==
            HGQ_ERROR_NULL_ARGUMENT,
        "encode NULL g");
  CHECK(hgq_quantizer_encode(q, g, 8, NULL, 64, &written, NULL) ==
            HGQ_ERROR_NULL_ARGUMENT,
        "encode NULL out");
  CHECK(hgq_quantizer_encode(q, g, 8, buf, 64, NULL, NULL) ==
            HGQ_ERROR_NULL_ARGUMENT,
        "encode NULL bytes_written");
  CHECK(hgq_quantizer_encode(q, g, 7, buf, 64, &written, NULL) ==
            HGQ_ERROR_DIMENSION_MISMATCH,
        "encode wrong D");
  CHECK(hgq_quantizer_encode(q, g, 8, buf, 64, &written, NULL) == HGQ_OK,
        "encode");
  CHECK(hgq_quantizer_decode(NULL, buf, written, out_g, 8) ==
            HGQ_ERROR_NULL_ARGUMENT,
        "decode NULL q");
  CHECK(hgq_quantizer_decode(q, NULL, written, out_g, 8) ==
            HGQ_ERROR_NULL_ARGUMENT,
        "decode NULL in");
  CHECK(hgq_quantizer_decode(q, buf, written, NULL, 8) ==
            HGQ_ERROR_NULL_ARGUMENT,
        "decode NULL out");
  CHECK(hgq_quantizer_decode(q, buf, written, out_g, 9) ==
            HGQ_ERROR_DIMENSION_MISMATCH,
        "decode wrong D");
  CHECK(hgq_quantizer_last_stats(NULL, &st) == HGQ_ERROR_NULL_ARGUMENT,
        "stats NULL q");
  CHECK(hgq_quantizer_last_stats(q, NULL) == HGQ_ERROR_NULL_ARGUMENT,
        "stats NULL out");
  CHECK(hgq_quantizer_reset(NULL) == HGQ_ERROR_NULL_ARGUMENT, "reset NULL");
  CHECK(hgq_quantizer_max_encoded_bytes(NULL) == 0, "max bytes NULL");
  CHECK(hgq_quantizer_method(NULL) == HGQ_METHOD_COUNT, "method NULL");
  CHECK(hgq_quantizer_dimension(NULL) == 0, "dimension NULL");
  CHECK(hgq_quantizer_method(q) == HGQ_METHOD_SIGNSGD, "method");
  CHECK(hgq_quantizer_dimension(q) == 8, "dimension");

  /* print and plan: one line, NUL-terminated even when truncated. */
  char line[256];
  CHECK(hgq_quantizer_print(q, line, sizeof line) == HGQ_OK, "print");
  CHECK(strncmp(line, "signsgd D=8 ", 12) == 0 && !strchr(line, '\n'),
        "print line '%s'", line);
  char tiny[5];
  CHECK(hgq_quantizer_print(q, tiny, sizeof tiny) == HGQ_ERROR_DST_TOO_SMALL,
        "print truncated");
  CHECK(tiny[4] == '\0', "truncated print terminated");
  CHECK(hgq_quantizer_print(q, line, 0) == HGQ_ERROR_DST_TOO_SMALL,
        "print capacity 0");
  CHECK(hgq_quantizer_print(NULL, line, sizeof line) == HGQ_ERROR_NULL_ARGUMENT,
        "print NULL");
  CHECK(hgq_quantizer_plan(q, line, sizeof line) == HGQ_OK, "plan");
  hgq_quantizer_destroy(q);
  hgq_quantizer_destroy(NULL);

  base_config(&cfg, HGQ_METHOD_QSGD);
  cfg.qsgd_levels = 15;
  q = hgq_quantizer_create(&cfg, &err);
  CHECK(q && hgq_quantizer_plan(q, line, sizeof line) == HGQ_OK &&
            strcmp(line, "s=15") == 0,
        "qsgd plan '%s'", line);
  hgq_quantizer_destroy(q);
  base_config(&cfg, HGQ_METHOD_TOPK);
  cfg.topk_fraction = 0.0101; /* ceil(10.1) = 11 */
  q = hgq_quantizer_create(&cfg, &err);
  CHECK(q && hgq_quantizer_plan(q, line, sizeof line) == HGQ_OK &&
            strcmp(line, "k=11") == 0,
        "topk plan '%s'", line);
  hgq_quantizer_destroy(q);
}

static void test_strerror(void) {
  const char *texts[21];
  for (int s = 0; s >= -20; s--) {
    texts[-s] = hgq_strerror(s);
    CHECK(texts[-s] && texts[-s][0], "status %d has no text", s);
    for (int t = 0; t < -s; t++)
      CHECK(strcmp(texts[t], texts[-s]) != 0, "status %d and %d share text", -t,
            s);
  }
  const char *unknown = hgq_strerror(-21);
  CHECK(unknown && strcmp(unknown, hgq_strerror(12345)) == 0 &&
            strcmp(unknown, hgq_strerror(1)) == 0,
        "unknown codes share one generic text");
  for (int s = 0; s >= -20; s--)
    CHECK(strcmp(texts[-s], unknown) != 0, "status %d reads as unknown", s);
}

int main(int argc, char **argv) {
  uint64_t seed = test_init(argc, argv, 1);
  printf("test-config: seed %llu (deterministic test)\n",
         (unsigned long long)seed);
  test_bounds_table();
  test_defaults();
  test_every_bound();
  test_null_and_unknown();
  test_strerror();
  return test_finish("test-config");
}
