/*
 * hgq-codebook-gen: trains the Grassmannian codebook set of hgq/hsq and
 * writes it as a .hgqcb file and/or as the C source built into the library
 * (model/hgq/codebooks-builtin.c).
 *
 *   hgq-codebook-gen [--seed N] [--iterations N] [--family default|extended]
 *                    [--output FILE.hgqcb] [--c-source FILE.c] [--quiet]
 *
 * Recipe (deterministic: the same arguments give the same bytes):
 *  - isotropic tables (role 0), for every (L, B) of the family: the L = 2
 *    closed form, else Lloyd (lloyd.c) on n = clamp(256 K, 65536, 262144)
 *    normalised Gaussian samples drawn with hgq_lloyd_table_seed(seed, 0, L,
 *    B); the stored distortion is measured on 32768 fresh samples.
 *  - hinge tables (role 1): a stream of level-1 hinge coefficients a_m =
 *    c_{i_m} . x_m is produced by quantizing Gaussian vectors with the
 *    isotropic tables 8x6 and 16x8 (alternating chunks of 4096 blocks, i.e.
 *    the hinge sources of plans at about 1 and 0.5 bit/coef); each hinge
 *    table (L, B) is Lloyd-trained on consecutive length-L blocks of that
 *    stream, normalised, and its distortion is measured on a held-out part
 *    (role 1, level 2); then, per L, that stream goes through the hinge
 *    table (L, B_mid) (B_mid = 2, 4, 6 for L = 2, 4, 8) to give the level-3
 *    source, on which every upper-hinge table (role 2, levels 3 and up) is
 *    trained and measured the same way.
 *    A hinge block holds nearly equal magnitudes with arbitrary signs, far
 *    from isotropic: trained tables serve it far better (HGQ.md).
 *
 * The default family (96 tables, 830 kB; about 3.5 minutes of one core):
 * isotropic L = 2 (B = 1..8), 4 (1..10), 8 (2..10), 12 (4..10), 16 (3..10),
 * 24 (6..10), 32 (6..10): level-1 rates from 0.19 to 2.5 bit/coef, chosen so
 * that the allocator reaches 0.25, 0.5 and 1 bit/coef with long blocks
 * (32x6, 24x10, 12x10) and HGQ.md's plans 16x7,4x4 / 24x10,4x4 / 8x6,4x6
 * exist; hinge and upper hinge L = 2 (1..6), 4 (1..8), 8 (1..8). K stays at
 * most 1024 so that the generated source stays near 2.5 MB.
 */
#include "codebook.h"
#include "hgq.h"
#include "lloyd.h"
#include "search.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct range {
  uint32_t block_length, bits_min, bits_max;
} range;

static const range default_isotropic[] = {
    {2, 1, 8},   {4, 1, 10},  {8, 2, 10},  {12, 4, 10},
    {16, 3, 10}, {24, 6, 10}, {32, 6, 10},
};
/* The default set plus 32x11 and 32x12 (HGQ.md's 32x12,8x8 plan at 0.41
 * bit/coef): about 8 minutes of one core, 1.6 MB; load it through
 * hgq_config.codebook_dir. */
static const range extended_isotropic[] = {
    {2, 1, 8},   {4, 1, 10},  {8, 2, 10},  {12, 4, 10},
    {16, 3, 10}, {24, 6, 10}, {32, 6, 12},
};
static const range hinge_ranges[] = {{2, 1, 6}, {4, 1, 8}, {8, 1, 8}};
/* The level-2 table per hinge L whose output is the level-3 source. */
static const uint32_t hinge_mid_bits[] = {2, 4, 6};

#define HINGE_CHUNK_BLOCKS 4096u
#define EVAL_SAMPLES       32768u

/* Lloyd over-fits when cells hold few samples (in high L most of all):
 * 256 samples per cell, at least 65536, at most `cap`. */
static uint32_t samples_for(uint32_t k, uint32_t cap) {
  uint64_t n = 256ull * k;
  if (n < 65536)
    n = 65536;
  if (n > cap)
    n = cap;
  return (uint32_t)n;
}

static void normalise_rows(float *x, size_t rows, uint32_t l, size_t *kept) {
  size_t out = 0;
  for (size_t m = 0; m < rows; ++m) {
    double norm2 = 0.0;
    for (uint32_t j = 0; j < l; ++j)
      norm2 += (double)x[m * l + j] * x[m * l + j];
    if (norm2 < 1e-30)
      continue; /* a zero block carries no direction */
    double inv = 1.0 / sqrt(norm2);
    for (uint32_t j = 0; j < l; ++j)
      x[out * l + j] = (float)(x[m * l + j] * inv);
    ++out;
  }
  *kept = out;
}

static int fail(const char *what, int status) {
  fprintf(stderr, "hgq-codebook-gen: %s: %s\n", what, hgq_strerror(status));
  return 1;
}

/* Level-1 hinge coefficients of Gaussian blocks, `count` of them. */
static int hinge_stream(const hgq_codebook *const *sources, int source_count,
                        uint64_t seed, size_t count, float *stream) {
  uint32_t lmax = 0;
  for (int s = 0; s < source_count; ++s)
    if (sources[s]->block_length > lmax)
      lmax = sources[s]->block_length;
  float *blocks = malloc((size_t)HINGE_CHUNK_BLOCKS * lmax * sizeof(float));
  uint32_t *indices = malloc(HINGE_CHUNK_BLOCKS * sizeof(uint32_t));
  if (blocks == NULL || indices == NULL) {
    free(blocks);
    free(indices);
    return HGQ_ERROR_ALLOCATION;
  }
  size_t done = 0;
  uint64_t state = seed;
  for (int chunk = 0; done < count; ++chunk) {
    const hgq_codebook *cb = sources[chunk % source_count];
    uint32_t l = cb->block_length;
    size_t take =
        count - done < HINGE_CHUNK_BLOCKS ? count - done : HINGE_CHUNK_BLOCKS;
    /* Raw Gaussian blocks (not normalised: a_m carries the block norm). */
    for (size_t i = 0; i < take * l; ++i) {
      state += 0x9e3779b97f4a7c15ull;
      uint64_t z1 = state, z2;
      z1 = (z1 ^ (z1 >> 30)) * 0xbf58476d1ce4e5b9ull;
      z1 = (z1 ^ (z1 >> 27)) * 0x94d049bb133111ebull;
      z1 ^= z1 >> 31;
      state += 0x9e3779b97f4a7c15ull;
      z2 = state;
      z2 = (z2 ^ (z2 >> 30)) * 0xbf58476d1ce4e5b9ull;
      z2 = (z2 ^ (z2 >> 27)) * 0x94d049bb133111ebull;
      z2 ^= z2 >> 31;
      double u1 = (double)(z1 >> 11) * 0x1.0p-53;
      double u2 = (double)(z2 >> 11) * 0x1.0p-53;
      if (u1 < 1e-300)
        u1 = 1e-300;
      blocks[i] = (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
    }
    hgq_codeword_search_reference(cb->codewords, cb->size, l, blocks, take,
                                  indices, stream + done);
    done += take;
  }
  free(blocks);
  free(indices);
  return HGQ_OK;
}

static int write_c_source(const char *path, const uint8_t *data, size_t size,
                          const char *command, uint32_t id) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return HGQ_ERROR_IO;
  fprintf(f,
          "/*\n * GENERATED FILE, do not edit. Regenerate with (from the "
          "repository root):\n *   %s\n * (a few minutes on one core; the "
          "same arguments give the same bytes)\n * The serialised codebook "
          "set (format: codebook.h) as little-endian 32-bit\n * words; set id "
          "(CRC-32) 0x%08" PRIx32 ", %zu bytes.\n */\n"
          "#include \"codebook.h\"\n\n"
          "const size_t hgq_codebooks_builtin_word_count = %zu;\n\n"
          "const uint32_t hgq_codebooks_builtin_words[] = {\n",
          command, id, size, size / 4);
  for (size_t i = 0; i < size / 4; ++i) {
    uint32_t w = (uint32_t)data[4 * i] | (uint32_t)data[4 * i + 1] << 8 |
                 (uint32_t)data[4 * i + 2] << 16 |
                 (uint32_t)data[4 * i + 3] << 24;
    fprintf(f, "%s0x%08" PRIx32 ",%s", i % 6 == 0 ? "    " : " ", w,
            i % 6 == 5 || i + 1 == size / 4 ? "\n" : "");
  }
  fprintf(f, "};\n");
  return fclose(f) == 0 ? HGQ_OK : HGQ_ERROR_IO;
}

/* Trains hinge table e (fields set, codewords allocated) on normalised
 * length-L blocks of the scalars a[0..n); e->distortion is measured on the
 * held-out scalars held[0..held_n). `work` holds the rows. */
static int train_hinge(hgq_codebook *e, const float *a, size_t n,
                       const float *held, size_t held_n, float *work,
                       double *train) {
  const uint32_t l = e->block_length, k = e->size;
  size_t rows = samples_for(k, (uint32_t)(n / l)), kept;
  memcpy(work, a, rows * l * sizeof(float));
  normalise_rows(work, rows, l, &kept);
  e->samples = (uint32_t)kept;
  int status = hgq_lloyd_train(l, e->bits, work, kept, e->iterations, e->seed,
                               e->codewords, train);
  if (status != HGQ_OK)
    return status;
  memcpy(work, held, (held_n / l) * l * sizeof(float));
  normalise_rows(work, held_n / l, l, &kept);
  e->distortion = hgq_lloyd_distortion(e->codewords, k, l, work, kept);
  return HGQ_OK;
}

int main(int argc, char **argv) {
  uint64_t seed = 20261204;
  uint32_t iterations = HGQ_LLOYD_DEFAULT_ITERATIONS;
  const char *family = "default";
  const char *output = NULL, *c_source = NULL;
  int quiet = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
      seed = strtoull(argv[++i], NULL, 0);
    else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
      iterations = (uint32_t)strtoul(argv[++i], NULL, 0);
    else if (strcmp(argv[i], "--family") == 0 && i + 1 < argc)
      family = argv[++i];
    else if (strcmp(argv[i], "--output") == 0 && i + 1 < argc)
      output = argv[++i];
    else if (strcmp(argv[i], "--c-source") == 0 && i + 1 < argc)
      c_source = argv[++i];
    else if (strcmp(argv[i], "--quiet") == 0)
      quiet = 1;
    else {
      fprintf(stderr,
              "usage: %s [--seed N] [--iterations N] "
              "[--family default|extended]\n"
              "          [--output FILE.hgqcb] [--c-source FILE.c] "
              "[--quiet]\n"
              "Trains the Grassmannian codebooks of hgq (see the top of "
              "model/hgq/tools/hgq-codebook-gen.c).\n",
              argv[0]);
      return strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  if (output == NULL && c_source == NULL) {
    fprintf(stderr, "hgq-codebook-gen: nothing to write (--output or "
                    "--c-source)\n");
    return 2;
  }
  const range *iso;
  size_t iso_count;
  if (strcmp(family, "default") == 0) {
    iso = default_isotropic;
    iso_count = sizeof default_isotropic / sizeof default_isotropic[0];
  } else if (strcmp(family, "extended") == 0) {
    iso = extended_isotropic;
    iso_count = sizeof extended_isotropic / sizeof extended_isotropic[0];
  } else {
    fprintf(stderr, "hgq-codebook-gen: unknown family '%s'\n", family);
    return 2;
  }

  hgq_codebook entries[512];
  uint32_t count = 0;
  memset(entries, 0, sizeof entries);

  /* Isotropic tables. */
  for (size_t r = 0; r < iso_count; ++r) {
    for (uint32_t b = iso[r].bits_min; b <= iso[r].bits_max; ++b) {
      hgq_codebook *e = &entries[count++];
      uint32_t l = iso[r].block_length, k = 1u << b;
      clock_t start = clock();
      e->block_length = l;
      e->bits = b;
      e->size = k;
      e->role = HGQ_CODEBOOK_ISOTROPIC;
      e->seed = hgq_lloyd_table_seed(seed, HGQ_CODEBOOK_ISOTROPIC, l, b);
      e->iterations = l == 2 ? 0 : iterations;
      e->samples = l == 2 ? 0 : samples_for(k, 262144);
      e->codewords = malloc((size_t)k * l * sizeof(float));
      if (e->codewords == NULL)
        return fail("allocation", HGQ_ERROR_ALLOCATION);
      double train = 0.0;
      int status = hgq_lloyd_train_isotropic(l, b, e->samples, e->iterations,
                                             e->seed, e->codewords, &train);
      if (status != HGQ_OK)
        return fail("isotropic training", status);
      if (l == 2) {
        e->distortion = train; /* exact */
      } else {
        float *x = malloc((size_t)EVAL_SAMPLES * l * sizeof(float));
        if (x == NULL)
          return fail("allocation", HGQ_ERROR_ALLOCATION);
        hgq_lloyd_isotropic_samples(l, EVAL_SAMPLES, e->seed ^ 0xe7a1u, x);
        e->distortion =
            hgq_lloyd_distortion(e->codewords, k, l, x, EVAL_SAMPLES);
        free(x);
      }
      if (!quiet)
        fprintf(stderr, "isotropic %2ux%-2u train %.4f test %.4f  %.1f s\n", l,
                b, train, e->distortion,
                (double)(clock() - start) / CLOCKS_PER_SEC);
    }
  }

  /* Hinge tables, trained on level-1 hinge coefficients. */
  const hgq_codebook *sources[2] = {NULL, NULL};
  for (uint32_t i = 0; i < count; ++i) {
    if (entries[i].block_length == 8 && entries[i].bits == 6)
      sources[0] = &entries[i];
    if (entries[i].block_length == 16 && entries[i].bits == 8)
      sources[1] = &entries[i];
  }
  if (sources[0] == NULL || sources[1] == NULL)
    return fail("hinge sources 8x6 and 16x8 missing", HGQ_ERROR_GENERIC);
  const size_t train_scalars = 65536u * 16u, eval_scalars = 8192u * 8u;
  float *stream = malloc((train_scalars + eval_scalars) * sizeof(float));
  float *samples = malloc((train_scalars + eval_scalars) * sizeof(float));
  if (stream == NULL || samples == NULL)
    return fail("allocation", HGQ_ERROR_ALLOCATION);
  int status = hinge_stream(sources, 2, seed ^ 0x68696e6765ull,
                            train_scalars + eval_scalars, stream);
  if (status != HGQ_OK)
    return fail("hinge stream", status);
  /* Round 1: every hinge table on level-2 hinge blocks. */
  const uint32_t first_hinge = count;
  for (size_t r = 0; r < sizeof hinge_ranges / sizeof hinge_ranges[0]; ++r) {
    for (uint32_t b = hinge_ranges[r].bits_min; b <= hinge_ranges[r].bits_max;
         ++b) {
      hgq_codebook *e = &entries[count++];
      uint32_t l = hinge_ranges[r].block_length, k = 1u << b;
      e->block_length = l;
      e->bits = b;
      e->size = k;
      e->role = HGQ_CODEBOOK_HINGE;
      e->seed = hgq_lloyd_table_seed(seed, HGQ_CODEBOOK_HINGE, l, b);
      e->iterations = iterations;
      e->codewords = malloc((size_t)k * l * sizeof(float));
      if (e->codewords == NULL)
        return fail("allocation", HGQ_ERROR_ALLOCATION);
      double train = 0.0;
      status = train_hinge(e, stream, train_scalars, stream + train_scalars,
                           eval_scalars, samples, &train);
      if (status != HGQ_OK)
        return fail("hinge training", status);
      if (!quiet)
        fprintf(stderr, "hinge     %2ux%-2u train %.4f test %.4f\n", l, b,
                train, e->distortion);
    }
  }
  /* Round 2: level 3 and up see the hinge of hinge blocks, more
   * concentrated still. For each L, the level-2 stream goes through the
   * round-1 table (L, B_mid); every (L, B) then gets an upper-hinge table
   * trained on those level-3 blocks only. */
  const uint32_t round1_end = count;
  float *stream3 = malloc((train_scalars + eval_scalars) * sizeof(float));
  uint32_t *indices = malloc((train_scalars + eval_scalars) * sizeof(uint32_t));
  if (stream3 == NULL || indices == NULL)
    return fail("allocation", HGQ_ERROR_ALLOCATION);
  for (size_t r = 0; r < sizeof hinge_ranges / sizeof hinge_ranges[0]; ++r) {
    const uint32_t l = hinge_ranges[r].block_length;
    const hgq_codebook *mid = NULL;
    for (uint32_t i = first_hinge; i < round1_end; ++i)
      if (entries[i].block_length == l && entries[i].bits == hinge_mid_bits[r])
        mid = &entries[i];
    if (mid == NULL)
      return fail("round-1 hinge table missing", HGQ_ERROR_GENERIC);
    /* Level-3 input: the projections of the level-2 blocks (train and
     * eval parts kept apart). */
    const size_t train3 = train_scalars / l, eval3 = eval_scalars / l;
    hgq_codeword_search_reference(mid->codewords, mid->size, l, stream, train3,
                                  indices, stream3);
    hgq_codeword_search_reference(mid->codewords, mid->size, l,
                                  stream + train_scalars, eval3, indices,
                                  stream3 + train3);
    for (uint32_t b = hinge_ranges[r].bits_min; b <= hinge_ranges[r].bits_max;
         ++b) {
      hgq_codebook *e = &entries[count++];
      uint32_t k = 1u << b;
      e->block_length = l;
      e->bits = b;
      e->size = k;
      e->role = HGQ_CODEBOOK_HINGE_UPPER;
      e->seed = hgq_lloyd_table_seed(seed, HGQ_CODEBOOK_HINGE_UPPER, l, b);
      e->iterations = iterations;
      e->codewords = malloc((size_t)k * l * sizeof(float));
      if (e->codewords == NULL)
        return fail("allocation", HGQ_ERROR_ALLOCATION);
      double train = 0.0;
      status = train_hinge(e, stream3, train3, stream3 + train3, eval3, samples,
                           &train);
      if (status != HGQ_OK)
        return fail("upper hinge training", status);
      if (!quiet)
        fprintf(stderr, "upper     %2ux%-2u train %.4f test %.4f\n", l, b,
                train, e->distortion);
    }
  }
  free(stream3);
  free(indices);
  free(stream);
  free(samples);

  size_t size = hgq_codebook_serialized_size(entries, count);
  uint8_t *data = malloc(size);
  if (data == NULL)
    return fail("allocation", HGQ_ERROR_ALLOCATION);
  size_t written;
  status = hgq_codebook_set_serialize(entries, count, data, size, &written);
  if (status != HGQ_OK)
    return fail("serialise", status);
  uint32_t id = hgq_crc32(0, data, written - 4);
  if (output != NULL) {
    status = hgq_codebook_set_save(output, entries, count);
    if (status != HGQ_OK)
      return fail(output, status);
  }
  if (c_source != NULL) {
    char command[512];
    snprintf(command, sizeof command,
             "build/bin/hgq-codebook-gen --seed %" PRIu64
             " --iterations %u --family %s \\\n *       --c-source %s",
             seed, iterations, family, c_source);
    status = write_c_source(c_source, data, written, command, id);
    if (status != HGQ_OK)
      return fail(c_source, status);
  }
  printf("hgq-codebook-gen: %u tables, %zu bytes, set id 0x%08" PRIx32 "\n",
         count, written, id);
  free(data);
  for (uint32_t i = 0; i < count; ++i)
    free(entries[i].codewords);
  return 0;
}
