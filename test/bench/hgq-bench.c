/*
 * hgq-bench: rate, distortion and speed of every quantizer of the hgq core,
 * single-threaded, through the public API (hgq.h), plus the raw level-1
 * codeword search (search.h) against a square sgemm on the same core.
 *
 * For each dimension D (10^6 and 10^7; 10^8 with --large) and source
 * (i.i.d. Gaussian, i.i.d. Laplacian) it prints one table row and one CSV
 * row per method and setting:
 *   bits_per_coef = bytes_written * 8 / D (every bit sent, header included)
 *   distortion    = 1 - cos^2(g, g_hat)  (g_hat decoded from the bytes)
 *   rd_gap_db     = 10 log10(distortion / 2^(-2 bits_per_coef)), the gap to
 *                   the Gaussian rate-distortion bound D(R) = 2^(-2R)
 *   encode/decode = D / best wall time of a few repetitions (CLOCK_MONOTONIC)
 *   search_gemm_efficiency (hgq rows) = GFLOP/s of the level-1 codeword
 *                   search (2 K flops per coefficient, K = 2^B) / GFLOP/s of
 *                   a 2048 x 2048 x 2048 sgemm, both single-threaded.
 * Numbers, never pass/fail: the smoke test only checks that it runs.
 */
#define _POSIX_C_SOURCE 200809L

#include "hgq.h"
#include "search.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CSV_HEADER                                                          \
  "method,plan,dim,source,bits_per_coef,distortion,rd_gap_db,encode_mcoef_" \
  "s,decode_mcoef_s,search_gemm_efficiency"

typedef struct options {
  int quick;
  int large;
  const char *csv_path;
  uint64_t seed;
  int repetitions; /* 0: by size */
  int cpu_time;
} options;

typedef struct row {
  char method[32];
  char plan[160];
  uint64_t dim;
  const char *source;
  double bits_per_coef;
  double distortion;
  int has_gap;
  double rd_gap_db;
  double encode_mcoef_s;
  double decode_mcoef_s;
  int has_efficiency;
  double search_gemm_efficiency;
} row;

/* One setting of one method. */
typedef struct setting {
  hgq_method method;
  const char *label; /* plan column prefix, or NULL */
  const char *plan;  /* hgq: explicit plan */
  double bits_per_coef;
  uint32_t qsgd_levels;
  double topk_fraction;
} setting;

/* CLOCK_MONOTONIC (wall time); --cpu-time switches to the thread's CPU
 * time, which a shared machine's other processes do not inflate. */
static clockid_t timing_clock = CLOCK_MONOTONIC;

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(timing_clock, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ------------------------------------------------------------- sources */

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double uniform01(uint64_t *state) {
  return ((double)(splitmix64(state) >> 11) + 0.5) * 0x1.0p-53;
}

static void fill_gaussian(float *x, size_t n, uint64_t seed) {
  uint64_t s = seed;
  for (size_t i = 0; i + 1 < n; i += 2) {
    double r = sqrt(-2.0 * log(uniform01(&s)));
    double t = 6.283185307179586 * uniform01(&s);
    x[i] = (float)(r * cos(t));
    x[i + 1] = (float)(r * sin(t));
  }
  if (n % 2)
    x[n - 1] = (float)(sqrt(-2.0 * log(uniform01(&s))) *
                       cos(6.283185307179586 * uniform01(&s)));
}

static void fill_laplacian(float *x, size_t n, uint64_t seed) {
  uint64_t s = seed;
  for (size_t i = 0; i < n; ++i) {
    double u = uniform01(&s) - 0.5;
    x[i] = (float)(u < 0 ? log(1.0 + 2.0 * u) : -log(1.0 - 2.0 * u));
  }
}

/* 1 - cos^2(a, b), accumulated in double. */
static double shape_distortion(const float *a, const float *b, size_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; ++i) {
    ab += (double)a[i] * b[i];
    aa += (double)a[i] * a[i];
    bb += (double)b[i] * b[i];
  }
  if (aa <= 0 || bb <= 0)
    return 1.0;
  double d = 1.0 - (ab * ab) / (aa * bb);
  return d < 0 ? 0 : d;
}

/* ---------------------------------------------------------------- sgemm */

/* GFLOP/s of an n x n x n single-precision GEMM, best of `reps`. */
static double square_sgemm_gflops(int n, int reps) {
  size_t nn = (size_t)n * n;
  float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b),
        *c = malloc(nn * sizeof *c);
  if (!a || !b || !c) {
    free(a);
    free(b);
    free(c);
    return 0.0;
  }
  fill_gaussian(a, nn, 11);
  fill_gaussian(b, nn, 12);
  double best = 1e300;
  for (int r = 0; r < reps + 1; ++r) { /* the first run warms up */
    double t0 = now_seconds();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n,
                b, n, 0.0f, c, n);
    double t = now_seconds() - t0;
    if (r > 0 && t < best)
      best = t;
  }
  free(a);
  free(b);
  free(c);
  return 2.0 * (double)n * n * n / best / 1e9;
}

/* ---------------------------------------------------------- raw search */

/* GFLOP/s of the level-1 codeword search of an L x B level on the shape
 * g / ||g|| (a random unit codebook of the same size: the search's speed
 * does not depend on the codeword values). Returns 0 on failure. */
static double level1_search_gflops(hgq_search_isa isa, const float *g,
                                   size_t dim, uint32_t l, uint32_t b, int reps,
                                   double *mcoef_s) {
  uint32_t k = 1u << b;
  size_t blocks = (dim + l - 1) / l;
  float *x = calloc(blocks * l, sizeof *x);
  float *c = malloc((size_t)k * l * sizeof *c);
  uint32_t *idx = malloc(blocks * sizeof *idx);
  float *proj = malloc(blocks * sizeof *proj);
  float *scratch =
      malloc(hgq_codeword_search_scratch_floats(k, l) * sizeof *scratch);
  double gflops = 0.0;
  if (x && c && idx && proj && scratch) {
    double norm = 0;
    for (size_t i = 0; i < dim; ++i)
      norm += (double)g[i] * g[i];
    norm = norm > 0 ? sqrt(norm) : 1.0;
    for (size_t i = 0; i < dim; ++i)
      x[i] = (float)(g[i] / norm);
    fill_gaussian(c, (size_t)k * l, 99);
    for (uint32_t i = 0; i < k; ++i) {
      double s = 0;
      for (uint32_t j = 0; j < l; ++j)
        s += (double)c[(size_t)i * l + j] * c[(size_t)i * l + j];
      for (uint32_t j = 0; j < l; ++j)
        c[(size_t)i * l + j] = (float)(c[(size_t)i * l + j] / sqrt(s));
    }
    /* One untimed call first: page faults of fresh buffers. */
    hgq_codeword_search_isa(isa, c, k, l, x, blocks, idx, proj, scratch);
    double best = 1e300;
    for (int r = 0; r < reps; ++r) {
      double t0 = now_seconds();
      hgq_codeword_search_isa(isa, c, k, l, x, blocks, idx, proj, scratch);
      double t = now_seconds() - t0;
      if (t < best)
        best = t;
    }
    gflops = 2.0 * (double)k * (double)blocks * l / best / 1e9;
    *mcoef_s = (double)dim / best / 1e6;
  }
  free(x);
  free(c);
  free(idx);
  free(proj);
  free(scratch);
  return gflops;
}

/* --------------------------------------------------------------- output */

/* CSV field: quoted when it holds a comma or a quote. */
static void csv_text(FILE *f, const char *s) {
  if (!strpbrk(s, ",\"\n")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; ++s) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void csv_row(FILE *f, const row *r) {
  csv_text(f, r->method);
  fputc(',', f);
  csv_text(f, r->plan);
  fprintf(f, ",%llu,%s,%.6f,%.6g,", (unsigned long long)r->dim, r->source,
          r->bits_per_coef, r->distortion);
  if (r->has_gap)
    fprintf(f, "%.4f", r->rd_gap_db);
  fprintf(f, ",%.3f,%.3f,", r->encode_mcoef_s, r->decode_mcoef_s);
  if (r->has_efficiency)
    fprintf(f, "%.4f", r->search_gemm_efficiency);
  fputc('\n', f);
  fflush(f);
}

static void table_header(void) {
  printf("%-11s %-28s %10s %-9s %8s %10s %8s %10s %10s %6s\n", "method", "plan",
         "D", "source", "bits/c", "distortion", "gap dB", "enc Mc/s",
         "dec Mc/s", "eff");
}

static void table_row(const row *r) {
  char gap[32] = "", eff[32] = "";
  if (r->has_gap)
    snprintf(gap, sizeof gap, "%.2f", r->rd_gap_db);
  if (r->has_efficiency)
    snprintf(eff, sizeof eff, "%.2f", r->search_gemm_efficiency);
  printf("%-11s %-28.28s %10llu %-9s %8.4f %10.4g %8s %10.1f %10.1f %6s\n",
         r->method, r->plan, (unsigned long long)r->dim, r->source,
         r->bits_per_coef, r->distortion, gap, r->encode_mcoef_s,
         r->decode_mcoef_s, eff);
  fflush(stdout);
}

/* mkdir -p of the folder that holds `path`. */
static int make_parent_dirs(const char *path) {
  char buf[4096];
  size_t n = strlen(path);
  if (n >= sizeof buf)
    return -1;
  memcpy(buf, path, n + 1);
  char *slash = strrchr(buf, '/');
  if (!slash || slash == buf)
    return 0;
  *slash = '\0';
  for (char *p = buf + 1; *p; ++p) {
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
      *p = '/';
    }
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST)
    return -1;
  return 0;
}

/* ---------------------------------------------------------- one setting */

typedef struct buffers {
  float *g;
  float *g_hat;
  uint8_t *payload;
  size_t payload_capacity;
} buffers;

/* Runs one setting; 0 and *out filled on success, else an hgq status. */
static int run_setting(const setting *s, const float *g, size_t dim,
                       const char *source, uint64_t seed, int reps,
                       double sgemm_gflops, buffers *buf, row *out) {
  hgq_config cfg;
  hgq_config_default(&cfg, s->method);
  cfg.dimension = (uint32_t)dim;
  cfg.seed = seed;
  if (s->method == HGQ_METHOD_HGQ) {
    cfg.plan = s->plan;
    if (!s->plan)
      cfg.bits_per_coef = s->bits_per_coef;
  }
  if (s->method == HGQ_METHOD_QSGD)
    cfg.qsgd_levels = s->qsgd_levels;
  if (s->method == HGQ_METHOD_TOPK) {
    cfg.topk_k = 0;
    cfg.topk_fraction = s->topk_fraction;
  }
  int err = HGQ_OK;
  hgq_quantizer *q = hgq_quantizer_create(&cfg, &err);
  if (!q)
    return err ? err : HGQ_ERROR_GENERIC;

  memset(out, 0, sizeof *out);
  snprintf(out->method, sizeof out->method, "%s", hgq_method_name(s->method));
  char plan[128] = "";
  if (hgq_quantizer_plan(q, plan, sizeof plan) != HGQ_OK)
    plan[sizeof plan - 1] = '\0';
  if (s->label)
    snprintf(out->plan, sizeof out->plan, "%s %s", s->label, plan);
  else
    snprintf(out->plan, sizeof out->plan, "%s", plan);
  out->dim = dim;
  out->source = source;

  size_t need = hgq_quantizer_max_encoded_bytes(q);
  if (need > buf->payload_capacity) {
    uint8_t *p = realloc(buf->payload, need);
    if (!p) {
      hgq_quantizer_destroy(q);
      return HGQ_ERROR_ALLOCATION;
    }
    buf->payload = p;
    buf->payload_capacity = need;
  }

  /* Rate and distortion of one encode from a clean state (error memory 0),
   * decoded from the bytes, as a server would. */
  size_t written = 0;
  int rc = hgq_quantizer_reset(q);
  if (rc == HGQ_OK)
    rc = hgq_quantizer_encode(q, g, dim, buf->payload, buf->payload_capacity,
                              &written, NULL);
  if (rc == HGQ_OK)
    rc = hgq_quantizer_decode(q, buf->payload, written, buf->g_hat, dim);
  if (rc != HGQ_OK) {
    hgq_quantizer_destroy(q);
    return rc;
  }
  out->bits_per_coef = (double)written * 8.0 / (double)dim;
  out->distortion = shape_distortion(g, buf->g_hat, dim);
  if (s->method != HGQ_METHOD_FP32 && out->distortion > 0) {
    out->has_gap = 1;
    out->rd_gap_db =
        10.0 * log10(out->distortion / pow(2.0, -2.0 * out->bits_per_coef));
  }

  /* Speed: best of `reps`, each encode from a reset state. */
  double best_enc = 1e300, best_dec = 1e300;
  for (int r = 0; r < reps && rc == HGQ_OK; ++r) {
    rc = hgq_quantizer_reset(q);
    double t0 = now_seconds();
    if (rc == HGQ_OK)
      rc = hgq_quantizer_encode(q, g, dim, buf->payload, buf->payload_capacity,
                                &written, NULL);
    double t = now_seconds() - t0;
    if (t < best_enc)
      best_enc = t;
  }
  for (int r = 0; r < reps && rc == HGQ_OK; ++r) {
    double t0 = now_seconds();
    rc = hgq_quantizer_decode(q, buf->payload, written, buf->g_hat, dim);
    double t = now_seconds() - t0;
    if (t < best_dec)
      best_dec = t;
  }
  hgq_quantizer_destroy(q);
  if (rc != HGQ_OK)
    return rc;
  out->encode_mcoef_s = (double)dim / best_enc / 1e6;
  out->decode_mcoef_s = (double)dim / best_dec / 1e6;

  if (s->method == HGQ_METHOD_HGQ && sgemm_gflops > 0) {
    unsigned l = 0, b = 0;
    if (sscanf(plan, "%ux%u", &l, &b) == 2 && l >= 1 && b >= 1 && b <= 16) {
      double mcoef = 0;
      double gf =
          level1_search_gflops(HGQ_SEARCH_ISA_AUTO, g, dim, l, b, reps, &mcoef);
      if (gf > 0) {
        out->has_efficiency = 1;
        out->search_gemm_efficiency = gf / sgemm_gflops;
      }
    }
  }
  return HGQ_OK;
}

/* ----------------------------------------------------------------- main */

static void usage(const char *argv0) {
  printf("usage: %s [--quick] [--large] [--csv PATH] [--seed N] [--reps N]\n"
         "          [--cpu-time]\n"
         "  Rate, distortion and single-threaded speed of every hgq method\n"
         "  on i.i.d. Gaussian and Laplacian vectors, D = 10^6 and 10^7.\n"
         "  --quick     one small D (smoke test; numbers not meaningful)\n"
         "  --large     also D = 10^8 (needs about 3 GB of memory)\n"
         "  --csv PATH  CSV output (default: <bin>/../bench/hgq-bench.csv)\n"
         "  --seed N    seed of the sources and the stochastic methods\n"
         "  --reps N    timing repetitions (default: by D)\n"
         "  --cpu-time  time with the thread's CPU clock instead of wall\n"
         "              time (for a machine shared with other jobs)\n",
         argv0);
}

static int parse_options(int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  o->seed = 20261204u;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--quick") == 0)
      o->quick = 1;
    else if (strcmp(argv[i], "--large") == 0)
      o->large = 1;
    else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
      o->csv_path = argv[++i];
    else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
      o->seed = strtoull(argv[++i], NULL, 0);
    else if (strcmp(argv[i], "--cpu-time") == 0)
      o->cpu_time = 1;
    else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
      o->repetitions = atoi(argv[++i]);
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(argv[0]);
      return 1;
    } else {
      fprintf(stderr, "hgq-bench: unknown option '%s' (try --help)\n", argv[i]);
      return -1;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  options opt;
  int p = parse_options(argc, argv, &opt);
  if (p != 0)
    return p > 0 ? 0 : 2;

  char default_csv[4096];
  if (!opt.csv_path) {
    const char *slash = strrchr(argv[0], '/');
    int n = slash ? (int)(slash - argv[0]) : 1;
    snprintf(default_csv, sizeof default_csv, "%.*s/../bench/hgq-bench.csv", n,
             slash ? argv[0] : ".");
    opt.csv_path = default_csv;
  }
  if (make_parent_dirs(opt.csv_path) != 0) {
    fprintf(stderr, "hgq-bench: cannot create the folder of %s\n",
            opt.csv_path);
    return 1;
  }
  FILE *csv = fopen(opt.csv_path, "w");
  if (!csv) {
    fprintf(stderr, "hgq-bench: cannot write %s: %s\n", opt.csv_path,
            strerror(errno));
    return 1;
  }
  fprintf(csv, "%s\n", CSV_HEADER);
  fflush(csv);

  if (opt.cpu_time)
    timing_clock = CLOCK_THREAD_CPUTIME_ID;
  /* Single-threaded throughout: one core is what a device has. */
  openblas_set_num_threads(1);
  double sgemm = square_sgemm_gflops(opt.quick ? 256 : 2048, opt.quick ? 1 : 5);
  printf("hgq-bench: single-threaded; codeword search variant %s; %s time\n",
         hgq_codeword_search_isa_name(HGQ_SEARCH_ISA_AUTO),
         opt.cpu_time ? "thread CPU" : "wall");
  printf("square sgemm %d x %d x %d (OpenBLAS, 1 thread): %.1f GFLOP/s\n",
         opt.quick ? 256 : 2048, opt.quick ? 256 : 2048, opt.quick ? 256 : 2048,
         sgemm);

  static const setting settings[] = {
      {HGQ_METHOD_FP32, NULL, NULL, 0, 0, 0},
      {HGQ_METHOD_SIGNSGD, NULL, NULL, 0, 0, 0},
      {HGQ_METHOD_SIGNSGD_MV, NULL, NULL, 0, 0, 0},
      {HGQ_METHOD_EF_SIGNSGD, NULL, NULL, 0, 0, 0},
      {HGQ_METHOD_QSGD, NULL, NULL, 0, 1, 0},
      {HGQ_METHOD_QSGD, NULL, NULL, 0, 4, 0},
      {HGQ_METHOD_QSGD, NULL, NULL, 0, 15, 0},
      {HGQ_METHOD_TERNGRAD, NULL, NULL, 0, 0, 0},
      {HGQ_METHOD_TOPK, NULL, NULL, 0, 0, 0.01},
      {HGQ_METHOD_HSQ, NULL, NULL, 0, 0, 0},
      {HGQ_METHOD_HGQ, "budget=0.25", NULL, 0.25, 0, 0},
      {HGQ_METHOD_HGQ, "budget=0.5", NULL, 0.5, 0, 0},
      {HGQ_METHOD_HGQ, "budget=1", NULL, 1.0, 0, 0},
      {HGQ_METHOD_HGQ, NULL, "16x7,4x4", 0, 0, 0},
      {HGQ_METHOD_HGQ, NULL, "24x10,4x4", 0, 0, 0},
      {HGQ_METHOD_HGQ, NULL, "32x12,8x8", 0, 0, 0},
      {HGQ_METHOD_HGQ, NULL, "8x6,4x6", 0, 0, 0},
  };
  const size_t setting_count = sizeof settings / sizeof settings[0];

  size_t dims[3];
  size_t dim_count = 0;
  if (opt.quick) {
    dims[dim_count++] = 1u << 16;
  } else {
    dims[dim_count++] = 1000000u;
    dims[dim_count++] = 10000000u;
    if (opt.large)
      dims[dim_count++] = 100000000u;
  }
  static const char *sources[2] = {"gaussian", "laplacian"};

  int failures = 0;
  buffers buf = {0};
  table_header();
  for (size_t di = 0; di < dim_count; ++di) {
    size_t dim = dims[di];
    int reps = opt.repetitions > 0 ? opt.repetitions
               : opt.quick         ? 1
               : dim <= 1000000u   ? 5
               : dim <= 10000000u  ? 3
                                   : 2;
    buf.g = malloc(dim * sizeof(float));
    buf.g_hat = malloc(dim * sizeof(float));
    if (!buf.g || !buf.g_hat) {
      fprintf(stderr, "hgq-bench: out of memory at D=%zu\n", dim);
      failures++;
      free(buf.g);
      free(buf.g_hat);
      buf.g = buf.g_hat = NULL;
      continue;
    }
    for (int si = 0; si < 2; ++si) {
      uint64_t data_seed = opt.seed ^ (0x1000u * (di + 1) + (unsigned)si);
      if (si == 0)
        fill_gaussian(buf.g, dim, data_seed);
      else
        fill_laplacian(buf.g, dim, data_seed);
      for (size_t k = 0; k < setting_count; ++k) {
        row r;
        int rc = run_setting(&settings[k], buf.g, dim, sources[si], opt.seed,
                             reps, sgemm, &buf, &r);
        if (rc != HGQ_OK) {
          const char *what = settings[k].plan    ? settings[k].plan
                             : settings[k].label ? settings[k].label
                                                 : "";
          printf("%-11s %-28s %10zu %-9s skipped: %s\n",
                 hgq_method_name(settings[k].method), what, dim, sources[si],
                 hgq_strerror(rc));
          /* A method this build does not provide, or a plan whose
           * codebooks are not shipped, is reported, not a failure. */
          if (rc != HGQ_ERROR_UNKNOWN_METHOD &&
              rc != HGQ_ERROR_CODEBOOK_UNAVAILABLE)
            failures++;
          continue;
        }
        table_row(&r);
        csv_row(csv, &r);
      }
    }
    free(buf.g);
    free(buf.g_hat);
    buf.g = buf.g_hat = NULL;
  }

  /* The raw search alone, for the plans' level-1 shapes (Gaussian shape),
   * in every instruction-set variant this CPU runs (all give the same bits;
   * the portable one on a smaller D: it is two orders slower). */
  {
    size_t dim = opt.quick ? (1u << 16) : 10000000u;
    size_t small = opt.quick ? (1u << 12) : (1u << 16);
    float *g = malloc(dim * sizeof *g);
    if (g) {
      fill_gaussian(g, dim, opt.seed);
      static const unsigned shapes[][2] = {
          {8, 6}, {16, 7}, {16, 8}, {24, 10}, {32, 12}};
      static const hgq_search_isa isas[] = {
          HGQ_SEARCH_ISA_PORTABLE, HGQ_SEARCH_ISA_AVX2, HGQ_SEARCH_ISA_AVX512,
          HGQ_SEARCH_ISA_AVX512_BF16};
      printf("\nlevel-1 codeword search alone (auto = %s), M coef/s and "
             "fraction of the square sgemm's GFLOP/s (2 K flops/coef):\n",
             hgq_codeword_search_isa_name(HGQ_SEARCH_ISA_AUTO));
      printf("  %-6s %6s", "L x B", "K");
      for (size_t v = 0; v < sizeof isas / sizeof isas[0]; ++v)
        printf("  %18s", hgq_codeword_search_isa_name(isas[v]));
      printf("\n");
      for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i) {
        if (opt.quick && shapes[i][1] > 10)
          continue;
        printf("  %2ux%-3u %6u", shapes[i][0], shapes[i][1],
               1u << shapes[i][1]);
        for (size_t v = 0; v < sizeof isas / sizeof isas[0]; ++v) {
          if (!hgq_codeword_search_isa_supported(isas[v])) {
            printf("  %18s", "-");
            continue;
          }
          size_t d = isas[v] == HGQ_SEARCH_ISA_PORTABLE ? small : dim;
          double mcoef = 0;
          double gf =
              level1_search_gflops(isas[v], g, d, shapes[i][0], shapes[i][1],
                                   opt.quick ? 1 : 3, &mcoef);
          printf("  %9.1f (%5.2f)", mcoef, sgemm > 0 ? gf / sgemm : 0.0);
        }
        printf("\n");
      }
      free(g);
    }
  }

  free(buf.payload);
  fclose(csv);
  printf("\nCSV: %s\n", opt.csv_path);
  if (failures)
    fprintf(stderr, "hgq-bench: %d setting(s) failed\n", failures);
  return failures ? 1 : 0;
}
