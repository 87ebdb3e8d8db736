/*
 * Codebook sets: format round trip, CRC-32 known value, a flipped byte is
 * caught by the checksum, bad magic/version/truncation/trailing bytes give
 * their errors, the built-in set is valid, and an exhaustive index ->
 * codeword -> index round trip on the small tables.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, mkdtemp, fdopen */

#include "codebook.h"
#include "hgq.h"
#include "search.h"
#include "test-util.h"

static hgq_codebook make_entry(uint32_t l, uint32_t b, hgq_codebook_role role,
                               uint64_t *state) {
  hgq_codebook e;
  memset(&e, 0, sizeof e);
  e.block_length = l;
  e.bits = b;
  e.size = 1u << b;
  e.role = role;
  e.iterations = 7;
  e.samples = 1234;
  e.seed = test_rand_u64(state);
  e.distortion = 0.125;
  e.codewords = malloc((size_t)e.size * l * sizeof(float));
  for (uint32_t k = 0; k < e.size; ++k) {
    double n2 = 0;
    float *c = e.codewords + (size_t)k * l;
    for (uint32_t j = 0; j < l; ++j) {
      c[j] = (float)test_rand_normal(state);
      n2 += (double)c[j] * c[j];
    }
    for (uint32_t j = 0; j < l; ++j)
      c[j] = (float)(c[j] / sqrt(n2));
  }
  return e;
}

static void test_crc(void) {
  /* The standard check value of CRC-32/IEEE. */
  CHECK(hgq_crc32(0, "123456789", 9) == 0xCBF43926u, "crc32 check value");
  /* Incremental == one shot. */
  uint32_t a = hgq_crc32(0, "12345", 5);
  CHECK(hgq_crc32(a, "6789", 4) == 0xCBF43926u, "crc32 incremental");
}

static void test_round_trip(uint64_t *state) {
  hgq_codebook entries[3] = {make_entry(2, 2, HGQ_CODEBOOK_ISOTROPIC, state),
                             make_entry(4, 3, HGQ_CODEBOOK_ISOTROPIC, state),
                             make_entry(4, 2, HGQ_CODEBOOK_HINGE, state)};
  size_t size = hgq_codebook_serialized_size(entries, 3);
  uint8_t *buf = malloc(size + 8);
  size_t written = 0;
  CHECK(hgq_codebook_set_serialize(entries, 3, buf, size - 1, &written) ==
            HGQ_ERROR_DST_TOO_SMALL,
        "capacity short");
  CHECK(hgq_codebook_set_serialize(entries, 3, buf, size, &written) == HGQ_OK &&
            written == size,
        "serialise");
  hgq_codebook_set *set = NULL;
  CHECK(hgq_codebook_set_parse(buf, written, &set) == HGQ_OK && set, "parse");
  if (set) {
    CHECK(set->count == 3, "count %u", set->count);
    CHECK(set->id == hgq_crc32(0, buf, written - 4), "id is the CRC");
    for (uint32_t i = 0; i < 3 && i < set->count; ++i) {
      const hgq_codebook *e = &set->entries[i];
      CHECK(e->block_length == entries[i].block_length &&
                e->bits == entries[i].bits && e->role == entries[i].role &&
                e->seed == entries[i].seed && e->samples == 1234 &&
                e->iterations == 7 && e->distortion == 0.125,
            "entry %u fields", i);
      CHECK(memcmp(e->codewords, entries[i].codewords,
                   (size_t)e->size * e->block_length * sizeof(float)) == 0,
            "entry %u codewords bit-exact", i);
    }
    CHECK(hgq_codebook_set_find(set, HGQ_CODEBOOK_HINGE, 4, 2) ==
              &set->entries[2],
          "find hinge");
    CHECK(hgq_codebook_set_find(set, HGQ_CODEBOOK_ISOTROPIC, 4, 2) == NULL,
          "find missing");
    hgq_codebook_set_destroy(set);
  }

  /* Every single flipped byte after the magic/version is caught. */
  int undetected = 0;
  for (size_t i = 6; i < written; ++i) {
    buf[i] ^= 0x10;
    hgq_codebook_set *bad = NULL;
    int s = hgq_codebook_set_parse(buf, written, &bad);
    if (s == HGQ_OK)
      undetected++;
    hgq_codebook_set_destroy(bad);
    buf[i] ^= 0x10;
  }
  CHECK(undetected == 0, "%d flipped bytes undetected", undetected);
  /* A flip inside a codeword specifically reports the checksum. */
  buf[HGQ_CODEBOOK_FILE_HEADER + HGQ_CODEBOOK_ENTRY_HEADER + 1] ^= 1;
  CHECK(hgq_codebook_set_parse(buf, written, &set) == HGQ_ERROR_CHECKSUM &&
            set == NULL,
        "checksum error");
  buf[HGQ_CODEBOOK_FILE_HEADER + HGQ_CODEBOOK_ENTRY_HEADER + 1] ^= 1;

  /* Magic, version, truncation, trailing bytes. */
  buf[0] = 'X';
  CHECK(hgq_codebook_set_parse(buf, written, &set) == HGQ_ERROR_BAD_MAGIC,
        "magic");
  buf[0] = 'H';
  buf[4] = 2;
  CHECK(hgq_codebook_set_parse(buf, written, &set) == HGQ_ERROR_VERSION,
        "version");
  buf[4] = 1;
  for (size_t cut = 5; cut < written; cut += 37) {
    int s = hgq_codebook_set_parse(buf, cut, &set);
    CHECK(s == HGQ_ERROR_TRUNCATED, "truncated at %zu gives %d", cut, s);
  }
  CHECK(hgq_codebook_set_parse(buf, written - 1, &set) == HGQ_ERROR_TRUNCATED,
        "truncated by one");
  buf[written] = 0;
  CHECK(hgq_codebook_set_parse(buf, written + 1, &set) ==
            HGQ_ERROR_TRAILING_BYTES,
        "trailing byte");
  CHECK(hgq_codebook_set_parse(NULL, written, &set) == HGQ_ERROR_NULL_ARGUMENT,
        "NULL data");

  /* Unsorted entries are refused by the writer. */
  hgq_codebook swapped[2] = {entries[1], entries[0]};
  CHECK(hgq_codebook_set_serialize(swapped, 2, buf, size, &written) ==
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE,
        "unsorted refused");

  /* File save/load. */
  char path[] = "/tmp/hgq-test-codebook-XXXXXX";
  int fd = mkstemp(path);
  if (fd >= 0) {
    fclose(fdopen(fd, "w"));
    CHECK(hgq_codebook_set_save(path, entries, 3) == HGQ_OK, "save");
    CHECK(hgq_codebook_set_load(path, &set) == HGQ_OK && set && set->count == 3,
          "load");
    hgq_codebook_set_destroy(set);
    remove(path);
  }
  CHECK(hgq_codebook_set_load("/nonexistent/dir/x.hgqcb", &set) == HGQ_ERROR_IO,
        "missing file");
  CHECK(hgq_codebook_set_open("/nonexistent/dir", &set) == HGQ_ERROR_IO,
        "missing dir");

  for (int i = 0; i < 3; ++i)
    free(entries[i].codewords);
  free(buf);
}

static void test_builtin(void) {
  hgq_codebook_set *set = NULL;
  CHECK(hgq_codebook_set_builtin(&set) == HGQ_OK && set, "built-in parses");
  hgq_codebook_set *again = NULL;
  CHECK(hgq_codebook_set_open(NULL, &again) == HGQ_OK && again && set &&
            again->id == set->id,
        "open(NULL) is the built-in set");
  hgq_codebook_set_destroy(again);
  if (!set)
    return;
  printf("built-in set: %u tables, id 0x%08x\n", set->count, set->id);
  /* The tables the defaults and the HGQ.md plans need. */
  static const uint32_t need[][3] = {
      {0, 8, 8}, {0, 16, 7}, {0, 24, 10}, {0, 8, 6}, {1, 4, 4}, {1, 4, 6},
      {1, 8, 8}, {0, 2, 2},  {0, 4, 4},   {2, 4, 4}, {2, 2, 1}, {0, 12, 10}};
  for (size_t i = 0; i < sizeof need / sizeof need[0]; ++i)
    CHECK(hgq_codebook_set_find(set, (hgq_codebook_role)need[i][0], need[i][1],
                                need[i][2]) != NULL,
          "table role %u %ux%u", need[i][0], need[i][1], need[i][2]);

  /* Exhaustive index -> codeword -> index on every table with K <= 256:
   * the nearest line to a codeword is itself (distinct lines). */
  uint32_t checked = 0;
  for (uint32_t t = 0; t < set->count; ++t) {
    const hgq_codebook *e = &set->entries[t];
    if (e->size > 256)
      continue;
    uint32_t *idx = malloc(e->size * sizeof *idx);
    float *proj = malloc(e->size * sizeof *proj);
    hgq_codeword_search_reference(e->codewords, e->size, e->block_length,
                                  e->codewords, e->size, idx, proj);
    for (uint32_t k = 0; k < e->size; ++k) {
      CHECK(idx[k] == k && fabsf(proj[k] - 1.0f) < 1e-5f,
            "table %u %ux%u: codeword %u -> %u (%g)", e->role, e->block_length,
            e->bits, k, idx[k], proj[k]);
    }
    free(idx);
    free(proj);
    checked++;
  }
  CHECK(checked > 20, "round trip covered %u tables", checked);
  hgq_codebook_set_destroy(set);
}

int main(int argc, char **argv) {
  uint64_t state = test_init(argc, argv, 0x5eedc0deull);
  test_crc();
  test_round_trip(&state);
  test_builtin();
  return test_finish("test-codebook");
}
