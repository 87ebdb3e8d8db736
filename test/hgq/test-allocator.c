/*
 * Plans and the greedy bit allocator: parsing (valid and malformed strings),
 * formatting round trip, expansion (M_l and the last level's M == 1), the
 * shared bit count, the budget is respected, allocation is deterministic,
 * and more budget never increases the predicted distortion.
 */
#include "allocator.h"
#include "codebook.h"
#include "hgq-internal.h"
#include "hgq.h"
#include "test-util.h"

static void test_parse(void) {
  hgq_plan plan;
  char buf[128];
  CHECK(hgq_plan_parse("16x8,4x6", &plan) == HGQ_OK && plan.count == 2 &&
            plan.entries[0].block_length == 16 && plan.entries[0].bits == 8 &&
            plan.entries[1].block_length == 4 && plan.entries[1].bits == 6,
        "parse 16x8,4x6");
  CHECK(hgq_plan_format(&plan, buf, sizeof buf) == HGQ_OK &&
            strcmp(buf, "16x8,4x6") == 0,
        "format '%s'", buf);
  CHECK(hgq_plan_format(&plan, buf, 5) == HGQ_ERROR_DST_TOO_SMALL,
        "format short");
  CHECK(hgq_plan_parse("8x6", &plan) == HGQ_OK && plan.count == 1, "8x6");
  CHECK(hgq_plan_parse("2x1,2x1,2x1,2x1,2x1,2x1,2x1,2x1,2x1,2x1,2x1,2x1,2x1,"
                       "2x1,2x1,2x1",
                       &plan) == HGQ_OK &&
            plan.count == 16,
        "16 entries");
  static const char *bad[] = {"",
                              "16",
                              "16x",
                              "x8",
                              "16x8,",
                              ",16x8",
                              "16x8,,4x6",
                              "16x 8",
                              " 16x8",
                              "16x8 ",
                              "16X8",
                              "1x8",
                              "65x8",
                              "16x0",
                              "16x17",
                              "-16x8",
                              "16x8;4x6",
                              "16x8,4x",
                              "abc",
                              "16x99999999999",
                              "2x1,2x1,2x1,2x1,2x1,2x1,2x1,2x1,2x1,2x1,2x1,2x1,"
                              "2x1,2x1,2x1,2x1,2x1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i)
    CHECK(hgq_plan_parse(bad[i], &plan) == HGQ_ERROR_BAD_PLAN,
          "'%s' must be HGQ_ERROR_BAD_PLAN", bad[i]);
  CHECK(hgq_plan_parse(NULL, &plan) == HGQ_ERROR_NULL_ARGUMENT, "NULL");
}

static void test_expand(void) {
  hgq_plan plan;
  hgq_level lv[HGQ_MAX_EXPANDED_LEVELS];
  uint32_t n = 0;
  hgq_plan_parse("16x7,4x4", &plan);
  CHECK(hgq_plan_expand(&plan, 1u << 20, 0, lv, &n) == HGQ_OK, "expand");
  /* 2^20 / 16 = 65536 = 4^8: 9 levels, M = 65536, 16384, ..., 1. */
  CHECK(n == 9, "levels %u", n);
  uint64_t m = 65536;
  for (uint32_t j = 0; j < n && j < 9; ++j, m /= 4)
    CHECK(lv[j].blocks == m, "level %u blocks %" PRIu64, j, lv[j].blocks);
  uint64_t bits = hgq_plan_payload_bits(lv, n, 32);
  CHECK(bits == 32 + 65536 * 7 +
                    (16384 + 4096 + 1024 + 256 + 64 + 16 + 4 + 1) * 4 + 1,
        "payload bits %" PRIu64, bits);
  CHECK(hgq_plan_payload_bits(lv, n, 8) == bits - 32 + 9, "B_rho = 8");
  /* Padding: D = 17 with 16x7 -> M = 2, then 4x4 -> 1. */
  CHECK(hgq_plan_expand(&plan, 17, 0, lv, &n) == HGQ_OK && n == 2 &&
            lv[0].blocks == 2 && lv[1].input_length == 2 && lv[1].blocks == 1,
        "D = 17");
  CHECK(hgq_plan_expand(&plan, 1, 0, lv, &n) == HGQ_OK && n == 1 &&
            lv[0].blocks == 1,
        "D = 1");
  /* top_block = 8: 16x7,4x4 on 2^12 -> M = 256, 64, 16, 4 (16 > 8 values
   * still go through 4x4), then the last 4 values <= 8 go through one block
   * of length 8. */
  CHECK(hgq_plan_expand(&plan, 1u << 12, 8, lv, &n) == HGQ_OK && n == 5 &&
            lv[3].blocks == 4 && lv[4].block_length == 8 &&
            lv[4].input_length == 4 && lv[4].blocks == 1,
        "top_block 8: %u levels", n);
  CHECK(hgq_plan_expand(&plan, 1u << 12, 0, lv, &n) == HGQ_OK && n == 5 &&
            lv[4].block_length == 4,
        "no top_block");
  /* Trim: unused entries and trailing repeats go. */
  hgq_plan_parse("8x6,4x4,4x4,4x4", &plan);
  hgq_plan_trim(&plan, 1u << 16, 0);
  CHECK(plan.count == 2, "trim repeats -> %u", plan.count);
  hgq_plan_parse("16x8,4x6,2x3", &plan);
  hgq_plan_trim(&plan, 16, 0);
  CHECK(plan.count == 1, "trim unused -> %u", plan.count);
}

static void test_allocate(void) {
  hgq_codebook_set *set = NULL;
  CHECK(hgq_codebook_set_builtin(&set) == HGQ_OK, "built-in set");
  if (!set)
    return;
  static const uint64_t dims[] = {7850, 100000, 1u << 20};
  for (size_t di = 0; di < sizeof dims / sizeof dims[0]; ++di) {
    uint64_t d = dims[di];
    double previous = 2.0;
    for (double r = 0.1; r <= 2.0001; r += 0.05) {
      uint64_t budget = (uint64_t)floor(r * (double)d);
      hgq_plan plan, again;
      double dist = -1, dist2 = -1;
      int s = hgq_allocate(set, d, budget, 32, 0, &plan, &dist);
      if (s != HGQ_OK) {
        CHECK(s == HGQ_ERROR_BAD_PLAN, "only BAD_PLAN when infeasible");
        /* The lowest-rate level-1 table is 32x6 (0.19 bit/coef) and the
         * header and hinge need the rest: only below 0.25 may it fail. */
        CHECK(r < 0.25, "D=%" PRIu64 " %.2f bit/coef infeasible", d, r);
        continue;
      }
      CHECK(hgq_allocate(set, d, budget, 32, 0, &again, &dist2) == HGQ_OK &&
                memcmp(&plan, &again, sizeof plan) == 0 && dist == dist2,
            "deterministic");
      hgq_level lv[HGQ_MAX_EXPANDED_LEVELS];
      uint32_t n;
      CHECK(hgq_plan_expand(&plan, d, 0, lv, &n) == HGQ_OK, "expand");
      uint64_t total =
          8 * (HGQ_WIRE_FIXED_HEADER_BYTES + hgq_plan_param_bytes(&plan)) +
          hgq_plan_payload_bits(lv, n, 32);
      total = (total + 7) / 8 * 8;
      CHECK(total <= budget, "D=%" PRIu64 " budget %" PRIu64 " used %" PRIu64,
            d, budget, total);
      double predicted;
      CHECK(hgq_plan_predicted_distortion(set, lv, n, &predicted) == HGQ_OK &&
                fabs(predicted - dist) < 1e-9,
            "predicted %.6f vs %.6f", predicted, dist);
      CHECK(dist <= previous + 1e-12,
            "D=%" PRIu64 " %.2f bit/coef: distortion %.4f above %.4f", d, r,
            dist, previous);
      previous = dist;
      if (d == (1u << 20) && (fabs(r - 0.25) < 1e-9 || fabs(r - 0.5) < 1e-9 ||
                              fabs(r - 1.0) < 1e-9)) {
        char text[128];
        hgq_plan_format(&plan, text, sizeof text);
        printf("D=2^20 budget %.2f bit/coef: plan %s, %.4f bit/coef, "
               "predicted distortion %.4f (%.2f dB from 2^-2R)\n",
               r, text, (double)total / (double)d, dist,
               10 * log10(dist / pow(2, -2 * r)));
      }
    }
  }
  hgq_plan plan;
  CHECK(hgq_allocate(set, 1000, 10, 32, 0, &plan, NULL) == HGQ_ERROR_BAD_PLAN,
        "tiny budget");
  CHECK(hgq_allocate(NULL, 1000, 1000, 32, 0, &plan, NULL) ==
            HGQ_ERROR_NULL_ARGUMENT,
        "NULL set");
  hgq_codebook_set_destroy(set);
}

/* Through the public API: a bad plan string is refused at create. */
static void test_create(void) {
  hgq_config cfg;
  hgq_config_default(&cfg, HGQ_METHOD_HGQ);
  cfg.dimension = 1000;
  cfg.plan = "16x8,,4x6";
  int err = 0;
  hgq_quantizer *q = hgq_quantizer_create(&cfg, &err);
  CHECK(q == NULL && err == HGQ_ERROR_BAD_PLAN, "bad plan refused (%d)", err);
  cfg.plan = "16x15";
  q = hgq_quantizer_create(&cfg, &err);
  CHECK(q == NULL && err == HGQ_ERROR_CODEBOOK_UNAVAILABLE,
        "missing table refused (%d)", err);
  cfg.plan = NULL;
  cfg.bits_per_coef = 0.5;
  q = hgq_quantizer_create(&cfg, &err);
  CHECK(q != NULL, "budget plan (%d)", err);
  char text[128];
  if (q) {
    CHECK(hgq_quantizer_plan(q, text, sizeof text) == HGQ_OK, "plan text");
    hgq_plan plan;
    CHECK(hgq_plan_parse(text, &plan) == HGQ_OK, "plan text parses: '%s'",
          text);
    CHECK(hgq_quantizer_max_encoded_bytes(q) * 8 <= 500,
          "max bytes %zu within 0.5 bit/coef",
          hgq_quantizer_max_encoded_bytes(q));
    hgq_quantizer_destroy(q);
  }
}

int main(int argc, char **argv) {
  test_init(argc, argv, 1);
  test_parse();
  test_expand();
  test_allocate();
  test_create();
  return test_finish("test-allocator");
}
