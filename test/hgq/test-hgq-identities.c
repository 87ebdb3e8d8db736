/*
 * The identities of HGQ.md, through the public API plus the method's test
 * hooks (hgq-method.h):
 *  - without padding, cos(g, g_hat) = prod_l ||a_l|| and ||g_hat|| = rho_hat
 *    (float tolerance 2e-5 relative: every level's hinge is stored in float);
 *  - distortion composes: 1 - cos^2 = 1 - prod (1 - d_l), d_l = 1 - ||a_l||^2,
 *    and the mean over Gaussian vectors is near the tables' prediction;
 *  - argmax |c.u| == argmin chordal distance 1 - (c.u)^2;
 *  - level 1 of a D spanning several of the encoder's search chunks (and a
 *    padded last block) gives the hinge norm of one search over the whole
 *    shape, and ||g_hat|| = rho_hat with the padded block truncated;
 *  - decoder(encoder(g)) is bit-exact between two independent objects and
 *    equals the encoder's own g_hat; padding and zero blocks are
 *    deterministic; the norm quantizer and its clip flag;
 *  - a payload made with other codebooks (codebook_dir) is refused, as are
 *    truncated and corrupted payloads (never a crash).
 * Also prints the measured distortion and bits/coef of budgets 0.25, 0.5 and
 * 1 bit/coef on D = 2^20 Gaussian and the gap to 2^(-2R).
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, mkdtemp, fdopen */

#include "codebook.h"
#include "hgq-method.h"
#include "hgq.h"
#include "search.h"
#include "test-util.h"

#include <sys/stat.h>
#include <unistd.h>

static hgq_quantizer *make(uint32_t d, const char *plan, double budget,
                           const char *dir) {
  hgq_config cfg;
  hgq_config_default(&cfg, HGQ_METHOD_HGQ);
  cfg.dimension = d;
  cfg.plan = plan;
  if (budget > 0)
    cfg.bits_per_coef = budget;
  cfg.codebook_dir = dir;
  int err = 0;
  hgq_quantizer *q = hgq_quantizer_create(&cfg, &err);
  CHECK(q != NULL, "create D=%u plan=%s budget=%g: %s", d, plan ? plan : "-",
        budget, hgq_strerror(err));
  return q;
}

typedef struct run {
  size_t bytes;
  uint8_t *payload;
  float *g_hat;
} run;

static int encode(hgq_quantizer *q, const float *g, uint32_t d, run *out) {
  size_t cap = hgq_quantizer_max_encoded_bytes(q);
  out->payload = malloc(cap);
  out->g_hat = malloc(d * sizeof(float));
  int s =
      hgq_quantizer_encode(q, g, d, out->payload, cap, &out->bytes, out->g_hat);
  CHECK(s == HGQ_OK, "encode: %s", hgq_strerror(s));
  return s;
}

static void run_free(run *r) {
  free(r->payload);
  free(r->g_hat);
}

static double norm(const float *x, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += (double)x[i] * x[i];
  return sqrt(s);
}

static void test_cosine_identity(uint64_t *state) {
  static const struct {
    uint32_t d;
    const char *plan;
  } cases[] = {{16 * 1024, "16x7,4x4"},
               {8 * 4096, "8x6,4x6"},
               {8 * 512, "8x8,8x8"},
               {4 * 1024, "4x4,2x3"},
               {16 * 256, "16x8,4x6,4x3"}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
    uint32_t d = cases[c].d;
    hgq_quantizer *q = make(d, cases[c].plan, 0, NULL);
    if (!q)
      continue;
    float *g = malloc(d * sizeof(float));
    double sum_dist = 0;
    const int trials = 4;
    for (int t = 0; t < trials; ++t) {
      test_fill_gaussian(g, d, state);
      run r;
      if (encode(q, g, d, &r) == HGQ_OK) {
        double norms[64];
        uint32_t levels = 0;
        CHECK(hgq_hgq_last_hinge_norms(q, norms, 64, &levels) == HGQ_OK,
              "hinge norms");
        double prod = 1, keep = 1;
        for (uint32_t j = 0; j < levels; ++j) {
          prod *= norms[j];
          keep *= 1 - (1 - norms[j] * norms[j]); /* 1 - d_l */
        }
        double cosine = test_cosine(g, r.g_hat, d);
        CHECK(fabs(cosine - prod) <= 2e-5 * levels,
              "%s: cos %.8f vs prod ||a_l|| %.8f", cases[c].plan, cosine, prod);
        CHECK(fabs((1 - cosine * cosine) - (1 - keep)) <= 4e-5 * levels,
              "%s: composition", cases[c].plan);
        CHECK(fabs(norm(r.g_hat, d) / norm(g, d) - 1) < 1e-5,
              "%s: ||g_hat|| = rho", cases[c].plan);
        sum_dist += 1 - cosine * cosine;
      }
      run_free(&r);
    }
    double predicted;
    CHECK(hgq_hgq_predicted_distortion(q, &predicted) == HGQ_OK, "predicted");
    double mean = sum_dist / trials;
    printf("%-14s D=%-6u shape distortion %.4f (tables predict %.4f)\n",
           cases[c].plan, d, mean, predicted);
    CHECK(fabs(mean - predicted) <= 0.15 * predicted + 0.01,
          "%s: mean distortion %.4f far from prediction %.4f", cases[c].plan,
          mean, predicted);
    free(g);
    hgq_quantizer_destroy(q);
  }
}

static void test_argmax_is_chordal(uint64_t *state) {
  hgq_codebook_set *set = NULL;
  CHECK(hgq_codebook_set_builtin(&set) == HGQ_OK, "set");
  if (!set)
    return;
  static const uint32_t tables[][3] = {
      {0, 4, 6}, {0, 8, 8}, {1, 4, 4}, {0, 16, 7}};
  for (size_t t = 0; t < 4; ++t) {
    const hgq_codebook *cb = hgq_codebook_set_find(
        set, (hgq_codebook_role)tables[t][0], tables[t][1], tables[t][2]);
    if (!cb)
      continue;
    uint32_t l = cb->block_length;
    float u[64];
    for (int trial = 0; trial < 200; ++trial) {
      test_fill_gaussian(u, l, state);
      double n = norm(u, l);
      for (uint32_t j = 0; j < l; ++j)
        u[j] = (float)(u[j] / n);
      uint32_t idx;
      float proj;
      hgq_codeword_search_reference(cb->codewords, cb->size, l, u, 1, &idx,
                                    &proj);
      uint32_t best = 0;
      double best_chordal = 2;
      for (uint32_t k = 0; k < cb->size; ++k) {
        double dot = 0;
        for (uint32_t j = 0; j < l; ++j)
          dot += (double)cb->codewords[(size_t)k * l + j] * u[j];
        double chordal = 1 - dot * dot;
        if (chordal < best_chordal) {
          best_chordal = chordal;
          best = k;
        }
      }
      double dot_idx = 0;
      for (uint32_t j = 0; j < l; ++j)
        dot_idx += (double)cb->codewords[(size_t)idx * l + j] * u[j];
      CHECK(idx == best || fabs((1 - dot_idx * dot_idx) - best_chordal) < 1e-6,
            "argmax %u vs chordal %u", idx, best);
    }
  }
  hgq_codebook_set_destroy(set);
}

/* The encoder normalises and searches level 1 in chunks of blocks: its
 * ||a_1|| must be that of one reference search over the whole padded shape
 * (up to near-ties of the kernel, which scores with fused multiply-add). */
static void test_chunked_level1(uint64_t *state) {
  static const struct {
    uint32_t d, l;
    const char *plan;
  } cases[] = {{16 * 8192 + 5, 16, "16x7,4x4"}, {8 * 9000 + 3, 8, "8x6,4x6"}};
  hgq_codebook_set *set = NULL;
  CHECK(hgq_codebook_set_builtin(&set) == HGQ_OK, "set");
  for (size_t c = 0; set && c < sizeof cases / sizeof cases[0]; ++c) {
    const uint32_t d = cases[c].d, l = cases[c].l;
    const uint32_t bits = l == 16 ? 7 : 6;
    const hgq_codebook *cb =
        hgq_codebook_set_find(set, (hgq_codebook_role)0, l, bits);
    hgq_quantizer *q = make(d, cases[c].plan, 0, NULL);
    if (!cb || !q) {
      hgq_quantizer_destroy(q);
      continue;
    }
    const size_t blocks = (d + l - 1) / l;
    float *g = malloc(d * sizeof(float));
    float *shape = calloc(blocks * l, sizeof(float));
    float *proj = malloc(blocks * sizeof(float));
    uint32_t *idx = malloc(blocks * sizeof(uint32_t));
    CHECK(g && shape && proj && idx, "allocation");
    if (g && shape && proj && idx) {
      test_fill_gaussian(g, d, state);
      run r;
      if (encode(q, g, d, &r) == HGQ_OK) {
        double norms[64];
        uint32_t levels = 0;
        CHECK(hgq_hgq_last_hinge_norms(q, norms, 64, &levels) == HGQ_OK,
              "hinge norms");
        const double rho = norm(g, d);
        for (uint32_t i = 0; i < d; ++i)
          shape[i] = (float)(g[i] / rho);
        hgq_codeword_search_reference(cb->codewords, cb->size, l, shape, blocks,
                                      idx, proj);
        double a1 = norm(proj, blocks);
        CHECK(fabs(norms[0] - a1) < 1e-6, "%s D=%u: ||a_1|| %.9f vs %.9f",
              cases[c].plan, d, norms[0], a1);
        /* Padded blocks: the decoder's norm includes only the kept part of
         * a truncated block, so ||g_hat|| is still rho_hat. */
        CHECK(fabs(norm(r.g_hat, d) / rho - 1) < 1e-6,
              "%s D=%u: ||g_hat|| %.9g vs rho %.9g", cases[c].plan, d,
              norm(r.g_hat, d), rho);
      }
      run_free(&r);
    }
    free(g);
    free(shape);
    free(proj);
    free(idx);
    hgq_quantizer_destroy(q);
  }
  hgq_codebook_set_destroy(set);
}

static void test_bit_exact(uint64_t *state) {
  static const uint32_t dims[] = {1, 2, 15, 17, 1000, 7850, 65537};
  for (size_t i = 0; i < sizeof dims / sizeof dims[0]; ++i) {
    uint32_t d = dims[i];
    /* Small D cannot pay the header from a per-coefficient budget: an
     * explicit plan there, the allocator above. */
    const char *plan = d < 1000 ? "8x6,4x4" : NULL;
    double budget = 0.5 + 0.25 * (double)(i % 3);
    hgq_quantizer *a = make(d, plan, budget, NULL);
    hgq_quantizer *b = make(d, plan, budget, NULL);
    if (!a || !b) {
      hgq_quantizer_destroy(a);
      hgq_quantizer_destroy(b);
      continue;
    }
    float *g = malloc(d * sizeof(float));
    float *out = malloc(d * sizeof(float));
    test_fill_laplacian(g, d, state);
    /* A zero block in the middle: deterministic (index 0, hinge 0). */
    for (uint32_t j = d / 2; j < d / 2 + 40 && j < d; ++j)
      g[j] = 0;
    run r1, r2;
    encode(a, g, d, &r1);
    encode(b, g, d, &r2);
    CHECK(r1.bytes == r2.bytes && memcmp(r1.payload, r2.payload, r1.bytes) == 0,
          "D=%u: same payload from two objects", d);
    CHECK(hgq_quantizer_decode(b, r1.payload, r1.bytes, out, d) == HGQ_OK,
          "decode D=%u", d);
    CHECK(memcmp(out, r1.g_hat, d * sizeof(float)) == 0,
          "D=%u: decoder output bit-exact with encoder g_hat", d);
    hgq_encode_stats st;
    hgq_quantizer_last_stats(a, &st);
    CHECK(st.total_bytes == r1.bytes &&
              st.payload_bits <=
                  8 * (hgq_quantizer_max_encoded_bytes(a)) - st.header_bits,
          "stats");
    /* Truncated payloads are refused, never read past. */
    for (size_t cut = 0; cut < r1.bytes; cut += 1 + r1.bytes / 7) {
      int s = hgq_quantizer_decode(b, r1.payload, cut, out, d);
      CHECK(s < 0, "D=%u: truncated to %zu accepted", d, cut);
    }
    /* Random corruption: an error or a finite output, never a crash. */
    for (int f = 0; f < 50; ++f) {
      size_t pos = (size_t)(test_rand_u64(state) % r1.bytes);
      uint8_t bit = (uint8_t)(1u << (test_rand_u64(state) % 8));
      r1.payload[pos] ^= bit;
      int s = hgq_quantizer_decode(b, r1.payload, r1.bytes, out, d);
      if (s == HGQ_OK) {
        int finite = 1;
        for (uint32_t j = 0; j < d; ++j)
          finite &= isfinite(out[j]) != 0;
        CHECK(finite, "corrupt payload decoded to non-finite values");
      }
      r1.payload[pos] ^= bit;
    }
    run_free(&r1);
    run_free(&r2);
    free(g);
    free(out);
    hgq_quantizer_destroy(a);
    hgq_quantizer_destroy(b);
  }
}

static void test_infeasible_budget(void) {
  hgq_config cfg;
  hgq_config_default(&cfg, HGQ_METHOD_HGQ);
  cfg.dimension = 10;
  cfg.bits_per_coef = 1.0; /* 10 bits cannot carry a 20-byte header */
  int err = 0;
  hgq_quantizer *q = hgq_quantizer_create(&cfg, &err);
  CHECK(q == NULL && err == HGQ_ERROR_BAD_PLAN, "infeasible budget: %d", err);
  hgq_quantizer_destroy(q);
  cfg.dimension = 4096;
  cfg.plan = "8x6,4x4";
  cfg.top_block = 16; /* no hinge table of length 16 */
  q = hgq_quantizer_create(&cfg, &err);
  CHECK(q == NULL && err == HGQ_ERROR_CODEBOOK_UNAVAILABLE,
        "top_block 16 unavailable: %d", err);
  hgq_quantizer_destroy(q);
}

/* top_block: the top hinge through one signed codebook; identities hold. */
static void test_top_block(uint64_t *state) {
  const uint32_t d = 8 * 4 * 4 * 8; /* 8x6 -> 128, 4x4 -> 32 -> 8 -> top */
  hgq_config cfg;
  hgq_config_default(&cfg, HGQ_METHOD_HGQ);
  cfg.dimension = d;
  cfg.plan = "8x6,4x4";
  cfg.top_block = 8;
  int err;
  hgq_quantizer *a = hgq_quantizer_create(&cfg, &err);
  hgq_quantizer *b = hgq_quantizer_create(&cfg, &err);
  cfg.top_block = 0;
  hgq_quantizer *plain = hgq_quantizer_create(&cfg, &err);
  CHECK(a && b && plain, "create top_block: %s", hgq_strerror(err));
  if (a && b && plain) {
    char text[128];
    hgq_quantizer_plan(a, text, sizeof text);
    CHECK(strstr(text, "top_block=8") != NULL, "describe '%s'", text);
    float *g = malloc(d * sizeof(float)), *out = malloc(d * sizeof(float));
    test_fill_gaussian(g, d, state);
    run r, rp;
    encode(a, g, d, &r);
    encode(plain, g, d, &rp);
    double norms[64];
    uint32_t levels = 0;
    hgq_hgq_last_hinge_norms(a, norms, 64, &levels);
    CHECK(levels == 4, "levels %u", levels);
    double prod = 1;
    for (uint32_t j = 0; j < levels; ++j)
      prod *= norms[j];
    CHECK(fabs(test_cosine(g, r.g_hat, d) - prod) < 1e-4, "cos identity");
    hgq_encode_stats sa, sp;
    hgq_quantizer_last_stats(a, &sa);
    hgq_quantizer_last_stats(plain, &sp);
    /* Levels 128 x 6 + 32 x 4 + 8 x 4 + one block of 8 (4 bits) + sign
     * against ... + 2 x 4 + 1 x 4: 8 bits less for the plain hierarchy's
     * two top levels (2 + 1 blocks) vs one. */
    CHECK(sa.payload_bits + 8 == sp.payload_bits,
          "top_block bits %" PRIu64 " vs %" PRIu64, sa.payload_bits,
          sp.payload_bits);
    CHECK(hgq_quantizer_decode(b, r.payload, r.bytes, out, d) == HGQ_OK &&
              memcmp(out, r.g_hat, d * sizeof(float)) == 0,
          "top_block decode bit-exact");
    CHECK(hgq_quantizer_decode(plain, r.payload, r.bytes, out, d) ==
              HGQ_ERROR_METHOD_MISMATCH,
          "top_block payload refused without top_block");
    run_free(&r);
    run_free(&rp);
    free(g);
    free(out);
  }
  hgq_quantizer_destroy(a);
  hgq_quantizer_destroy(b);
  hgq_quantizer_destroy(plain);
}

static void test_norm_quantizer(uint64_t *state) {
  uint32_t d = 4096;
  hgq_config cfg;
  hgq_config_default(&cfg, HGQ_METHOD_HGQ);
  cfg.dimension = d;
  cfg.plan = "16x7,4x4";
  cfg.norm_bits = 8;
  cfg.norm_max = 100.0f;
  int err;
  hgq_quantizer *q = hgq_quantizer_create(&cfg, &err);
  CHECK(q != NULL, "create B_rho=8: %s", hgq_strerror(err));
  if (!q)
    return;
  float *g = malloc(d * sizeof(float));
  test_fill_gaussian(g, d, state); /* ||g|| ~ 64 */
  run r;
  encode(q, g, d, &r);
  double rho = norm(g, d), rho_hat = norm(r.g_hat, d);
  CHECK(fabs(rho_hat - rho) <= 0.5 * 100.0 / 255 + 1e-3,
        "rho %.4f, rho_hat %.4f", rho, rho_hat);
  run_free(&r);
  for (uint32_t i = 0; i < d; ++i)
    g[i] *= 10; /* ||g|| ~ 640 > rho_max: clips */
  encode(q, g, d, &r);
  CHECK(fabs(norm(r.g_hat, d) - 100.0) < 1e-3, "clipped to rho_max: %.4f",
        norm(r.g_hat, d));
  float *out = malloc(d * sizeof(float));
  CHECK(hgq_quantizer_decode(q, r.payload, r.bytes, out, d) == HGQ_OK &&
            memcmp(out, r.g_hat, d * sizeof(float)) == 0,
        "clipped decode");
  run_free(&r);
  free(out);
  free(g);
  hgq_quantizer_destroy(q);
}

static void test_codebook_mismatch(uint64_t *state) {
  /* A folder whose set holds the built-in 8x6 and (upper) hinge 4x4 tables
   * only:
   * same tables, other set, other id. */
  hgq_codebook_set *set = NULL;
  if (hgq_codebook_set_builtin(&set) != HGQ_OK)
    return;
  hgq_codebook sub[3] = {
      *hgq_codebook_set_find(set, HGQ_CODEBOOK_ISOTROPIC, 8, 6),
      *hgq_codebook_set_find(set, HGQ_CODEBOOK_HINGE, 4, 4),
      *hgq_codebook_set_find(set, HGQ_CODEBOOK_HINGE_UPPER, 4, 4)};
  char dir[] = "/tmp/hgq-test-codebooks-XXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, HGQ_CODEBOOK_FILE_NAME);
  CHECK(hgq_codebook_set_save(path, sub, 3) == HGQ_OK, "save subset");
  uint32_t d = 5000;
  hgq_quantizer *builtin = make(d, "8x6,4x4", 0, NULL);
  hgq_quantizer *folder = make(d, "8x6,4x4", 0, dir);
  hgq_quantizer *folder2 = make(d, "8x6,4x4", 0, dir);
  if (builtin && folder && folder2) {
    float *g = malloc(d * sizeof(float));
    float *out = malloc(d * sizeof(float));
    test_fill_gaussian(g, d, state);
    run r1, r2;
    encode(builtin, g, d, &r1);
    encode(folder, g, d, &r2);
    CHECK(hgq_quantizer_decode(folder, r1.payload, r1.bytes, out, d) ==
              HGQ_ERROR_CODEBOOK_MISMATCH,
          "built-in payload refused by folder set");
    CHECK(hgq_quantizer_decode(builtin, r2.payload, r2.bytes, out, d) ==
              HGQ_ERROR_CODEBOOK_MISMATCH,
          "folder payload refused by built-in set");
    CHECK(hgq_quantizer_decode(folder2, r2.payload, r2.bytes, out, d) ==
                  HGQ_OK &&
              memcmp(out, r2.g_hat, d * sizeof(float)) == 0,
          "same folder decodes");
    /* Same tables: same reconstruction, only the identity differs. */
    CHECK(memcmp(r1.g_hat, r2.g_hat, d * sizeof(float)) == 0,
          "same tables, same g_hat");
    run_free(&r1);
    run_free(&r2);
    free(g);
    free(out);
  }
  hgq_quantizer *missing = NULL;
  hgq_config cfg;
  hgq_config_default(&cfg, HGQ_METHOD_HGQ);
  cfg.dimension = d;
  cfg.plan = "16x7,4x4"; /* not in the folder */
  cfg.codebook_dir = dir;
  int err;
  missing = hgq_quantizer_create(&cfg, &err);
  CHECK(missing == NULL && err == HGQ_ERROR_CODEBOOK_UNAVAILABLE,
        "table missing from folder: %d", err);
  hgq_quantizer_destroy(builtin);
  hgq_quantizer_destroy(folder);
  hgq_quantizer_destroy(folder2);
  remove(path);
  rmdir(dir);
  hgq_codebook_set_destroy(set);
}

static void measure_budgets(uint64_t *state) {
  const uint32_t d = 1u << 20;
  float *g = malloc(d * sizeof(float));
  test_fill_gaussian(g, d, state);
  static const double budgets[] = {0.25, 0.5, 1.0};
  for (int i = 0; i < 3; ++i) {
    hgq_quantizer *q = make(d, NULL, budgets[i], NULL);
    if (!q)
      continue;
    run r;
    if (encode(q, g, d, &r) == HGQ_OK) {
      char plan[256];
      hgq_quantizer_plan(q, plan, sizeof plan);
      double rate = 8.0 * (double)r.bytes / d;
      double c = test_cosine(g, r.g_hat, d);
      /* Normalised MSE with the optimal scale = shape distortion. */
      double dist = 1 - c * c;
      double predicted;
      hgq_hgq_predicted_distortion(q, &predicted);
      printf("D=2^20 Gaussian, budget %.2f: plan %s, %.4f bit/coef, "
             "distortion %.4f (predicted %.4f), gap to 2^-2R %.2f dB\n",
             budgets[i], plan, rate, dist, predicted,
             10 * log10(dist / pow(2, -2 * rate)));
      CHECK(rate <= budgets[i] + 1e-9, "budget %.2f exceeded: %.4f", budgets[i],
            rate);
      CHECK(fabs(dist - predicted) <= 0.1 * predicted,
            "distortion %.4f vs predicted %.4f", dist, predicted);
    }
    run_free(&r);
    hgq_quantizer_destroy(q);
  }
  free(g);
}

int main(int argc, char **argv) {
  uint64_t state = test_init(argc, argv, 0x1de7717ull);
  test_cosine_identity(&state);
  test_argmax_is_chordal(&state);
  test_chunked_level1(&state);
  test_bit_exact(&state);
  test_infeasible_budget();
  test_top_block(&state);
  test_norm_quantizer(&state);
  test_codebook_mismatch(&state);
  measure_budgets(&state);
  return test_finish("test-hgq-identities");
}
