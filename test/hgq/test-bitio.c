/*
 * Bit writer/reader (hgq-internal.h): LSB-first layout on a known vector,
 * random-width round trips, the writer never touching a byte at or past its
 * capacity (canary bytes), and the reader's overrun flag and zero fill.
 */
#include "hgq-internal.h"
#include "test-util.h"

#define CANARY     0xA5u
#define MAX_FIELDS 4000

static uint32_t widths[MAX_FIELDS];
static uint32_t values[MAX_FIELDS];

static uint32_t low_bits(uint32_t v, unsigned n) {
  return n == 32 ? v : (n == 0 ? 0 : v & ((1u << n) - 1u));
}

static void test_known_layout(void) {
  uint8_t buf[4] = {0, 0, 0, 0};
  hgq_bit_writer w;
  hgq_bit_writer_init(&w, buf, sizeof buf);
  hgq_bit_writer_put(&w, 1, 1);     /* bit 0 */
  hgq_bit_writer_put(&w, 2, 2);     /* bits 1-2: 0,1 */
  hgq_bit_writer_put(&w, 0x1ff, 8); /* bits 3-10: masked to 0xff */
  CHECK(hgq_bit_writer_finish(&w) == HGQ_OK, "finish");
  CHECK(hgq_bit_writer_bits(&w) == 11, "bits %llu",
        (unsigned long long)hgq_bit_writer_bits(&w));
  /* byte0 = 1 | 0<<1 | 1<<2 | (0xff<<3 & 0xff) = 0xfd; byte1 = 0x07 */
  CHECK(buf[0] == 0xfd && buf[1] == 0x07 && buf[2] == 0, "layout %02x %02x",
        buf[0], buf[1]);
  hgq_bit_reader r;
  hgq_bit_reader_init(&r, buf, 2);
  CHECK(hgq_bit_reader_get(&r, 1) == 1, "bit 0");
  CHECK(hgq_bit_reader_get(&r, 2) == 2, "bits 1-2");
  CHECK(hgq_bit_reader_get(&r, 8) == 0xff, "bits 3-10");
  CHECK(hgq_bit_reader_remaining(&r) == 5, "remaining");
  CHECK(hgq_bit_reader_get(&r, 5) == 0, "zero padding");
  CHECK(!r.overrun, "no overrun at the exact end");
  CHECK(hgq_bit_reader_get(&r, 1) == 0 && r.overrun, "overrun past end");
}

/* Writes n random fields into a buffer of `capacity` bytes followed by
 * canaries; returns the writer status. */
static int write_fields(uint8_t *buf, size_t capacity, size_t n,
                        uint64_t *bits) {
  memset(buf, CANARY, capacity + 16);
  hgq_bit_writer w;
  hgq_bit_writer_init(&w, buf, capacity);
  for (size_t i = 0; i < n; i++)
    hgq_bit_writer_put(&w, values[i], widths[i]);
  *bits = hgq_bit_writer_bits(&w);
  return hgq_bit_writer_finish(&w);
}

static void test_random_round_trips(uint64_t *rng) {
  static uint8_t buf[MAX_FIELDS * 4 + 16];
  for (int trial = 0; trial < 200; trial++) {
    size_t n = 1 + test_rand_u64(rng) % MAX_FIELDS;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
      /* widths 0..32, biased to the small ones methods use most */
      widths[i] =
          (uint32_t)(test_rand_u64(rng) % 4 == 0 ? test_rand_u64(rng) % 33
                                                 : test_rand_u64(rng) % 9);
      values[i] = (uint32_t)test_rand_u64(rng); /* high bits must be masked */
      total += widths[i];
    }
    size_t need = (size_t)((total + 7) / 8);
    uint64_t bits = 0;
    CHECK(write_fields(buf, need, n, &bits) == HGQ_OK, "exact capacity");
    CHECK(bits == total, "bit count %llu != %llu", (unsigned long long)bits,
          (unsigned long long)total);
    for (size_t i = need; i < need + 16; i++)
      CHECK(buf[i] == CANARY, "canary %zu overwritten (need %zu)", i, need);
    if (total % 8)
      CHECK((buf[need - 1] >> (total % 8)) == 0, "padding bits not zero");

    hgq_bit_reader r;
    hgq_bit_reader_init(&r, buf, need);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
      bad +=
          hgq_bit_reader_get(&r, widths[i]) != low_bits(values[i], widths[i]);
    CHECK(bad == 0, "trial %d: %zu of %zu fields differ", trial, bad, n);
    CHECK(!r.overrun, "overrun within the data");
    CHECK(hgq_bit_reader_remaining(&r) == need * 8 - total, "remaining");

    /* Every smaller capacity: refused, and nothing written at or past it. */
    if (trial < 20 && need > 0) {
      for (size_t cap = 0; cap < need; cap++) {
        CHECK(write_fields(buf, cap, n, &bits) == HGQ_ERROR_DST_TOO_SMALL,
              "capacity %zu < %zu accepted", cap, need);
        for (size_t i = cap; i < cap + 16; i++)
          if (buf[i] != CANARY) {
            CHECK(0, "capacity %zu: byte %zu written", cap, i);
            break;
          }
      }
    }

    /* A truncated stream: fields past the end read as zeros and overrun. */
    if (need > 1) {
      size_t cut = need / 2;
      hgq_bit_reader_init(&r, buf, cut);
      uint64_t pos = 0;
      size_t i = 0;
      for (; i < n && pos + widths[i] <= cut * 8; i++) {
        CHECK(hgq_bit_reader_get(&r, widths[i]) ==
                  low_bits(values[i], widths[i]),
              "field %zu before the cut", i);
        pos += widths[i];
      }
      CHECK(!r.overrun, "overrun before the cut");
      for (; i < n && widths[i] == 0; i++)
        ;
      if (i < n) {
        uint32_t got = hgq_bit_reader_get(&r, widths[i]);
        unsigned avail = (unsigned)(cut * 8 - pos);
        CHECK(got == low_bits(values[i], avail),
              "partial field not zero-filled");
        CHECK(r.overrun, "overrun not flagged");
        CHECK(hgq_bit_reader_get(&r, 32) == 0, "past the end not zero");
      }
    }
  }
}

static void test_edge_cases(void) {
  /* NULL buffer: capacity 0, every put overflows, nothing dereferenced. */
  hgq_bit_writer w;
  hgq_bit_writer_init(&w, NULL, 100);
  for (int i = 0; i < 10; i++)
    hgq_bit_writer_put(&w, 0xffffffffu, 32);
  CHECK(hgq_bit_writer_finish(&w) == HGQ_ERROR_DST_TOO_SMALL, "NULL writer");
  /* Nothing written: finish succeeds on an empty buffer. */
  hgq_bit_writer_init(&w, NULL, 0);
  CHECK(hgq_bit_writer_finish(&w) == HGQ_OK, "empty writer");
  /* Widths over 32 are refused, not silently truncated. */
  uint8_t buf[8];
  hgq_bit_writer_init(&w, buf, sizeof buf);
  hgq_bit_writer_put(&w, 1, 33);
  CHECK(hgq_bit_writer_finish(&w) == HGQ_ERROR_DST_TOO_SMALL, "width 33");
  hgq_bit_reader r;
  hgq_bit_reader_init(&r, NULL, 5);
  CHECK(hgq_bit_reader_get(&r, 8) == 0 && r.overrun, "NULL reader");
  hgq_bit_reader_init(&r, buf, sizeof buf);
  CHECK(hgq_bit_reader_get(&r, 33) == 0 && r.overrun, "reader width 33");
  /* A 32-bit field at every bit offset. */
  for (unsigned off = 0; off < 8; off++) {
    uint8_t data[6] = {0};
    hgq_bit_writer_init(&w, data, sizeof data);
    hgq_bit_writer_put(&w, 0, off);
    hgq_bit_writer_put(&w, 0xdeadbeefu, 32);
    CHECK(hgq_bit_writer_finish(&w) == HGQ_OK, "offset %u", off);
    hgq_bit_reader_init(&r, data, (off + 32 + 7) / 8);
    hgq_bit_reader_get(&r, off);
    CHECK(hgq_bit_reader_get(&r, 32) == 0xdeadbeefu && !r.overrun,
          "32-bit field at offset %u", off);
  }
}

int main(int argc, char **argv) {
  uint64_t seed = test_init(argc, argv, 20261204);
  printf("test-bitio: seed %llu\n", (unsigned long long)seed);
  uint64_t rng = seed;
  test_known_layout();
  test_random_round_trips(&rng);
  test_edge_cases();
  return test_finish("test-bitio");
}
