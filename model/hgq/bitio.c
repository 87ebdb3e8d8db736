/*
 * Bit writer and reader of the hgq wire format (hgq-internal.h).
 *
 * Bits are packed LSB-first: the first bit written is bit 0 of byte 0, and a
 * value of n bits occupies consecutive bit positions, least significant bit
 * first. This is the order in which a little-endian 64-bit word shifts, so
 * both sides move whole words through a 64-bit accumulator instead of single
 * bits.
 *
 * Safety: the writer never stores a byte at or beyond `capacity` (a write
 * that would overflow is dropped and remembered in `overflow`); the reader
 * never loads a byte at or beyond `length` (bits past the end read as zero
 * and set `overrun`). Callers check the flags once, at the end.
 */
#include "hgq-internal.h"

void hgq_bit_writer_init(hgq_bit_writer *w, uint8_t *data, size_t capacity) {
  w->data = data;
  w->capacity = data ? capacity : 0;
  w->bit_pos = 0;
  w->acc = 0;
  w->acc_bits = 0;
  w->overflow = false;
}

/* Bytes already stored in data[] (the accumulator holds the rest). */
static inline uint64_t flushed_bytes(const hgq_bit_writer *w) {
  return (w->bit_pos - w->acc_bits) >> 3;
}

/* Stores the low 4 bytes of the accumulator, or marks overflow. */
static inline void flush32(hgq_bit_writer *w) {
  uint64_t at = flushed_bytes(w);
  if (!w->overflow && at + 4 <= w->capacity) {
    uint8_t *p = w->data + at;
    p[0] = (uint8_t)(w->acc);
    p[1] = (uint8_t)(w->acc >> 8);
    p[2] = (uint8_t)(w->acc >> 16);
    p[3] = (uint8_t)(w->acc >> 24);
  } else {
    w->overflow = true;
  }
  w->acc >>= 32;
  w->acc_bits -= 32;
}

void hgq_bit_writer_put(hgq_bit_writer *w, uint32_t value, unsigned nbits) {
  if (nbits == 0)
    return;
  if (nbits > 32) {
    /* A caller bug; drop the write but make the result unusable. */
    w->overflow = true;
    return;
  }
  uint64_t v =
      (uint64_t)value & ((nbits == 32) ? 0xffffffffull : ((1ull << nbits) - 1));
  /* acc_bits < 32 on entry, so acc_bits + nbits <= 63 fits. */
  w->acc |= v << w->acc_bits;
  w->acc_bits += nbits;
  w->bit_pos += nbits;
  if (w->acc_bits >= 32)
    flush32(w);
}

int hgq_bit_writer_finish(hgq_bit_writer *w) {
  /* Stores the pending bits, zero-padding the last byte. The writer is done
   * afterwards (bit_pos still counts the real bits, without the padding). */
  uint64_t at = flushed_bytes(w);
  unsigned nbytes = (w->acc_bits + 7) / 8;
  if (!w->overflow && at + nbytes <= w->capacity) {
    for (unsigned i = 0; i < nbytes; i++)
      w->data[at + i] = (uint8_t)(w->acc >> (8 * i));
  } else if (nbytes > 0) {
    w->overflow = true;
  }
  w->acc = 0;
  w->acc_bits = 0;
  return w->overflow ? HGQ_ERROR_DST_TOO_SMALL : HGQ_OK;
}

uint8_t *hgq_bit_writer_reserve(hgq_bit_writer *w, size_t nbytes) {
  if (!w->data || w->overflow || w->acc_bits != 0)
    return NULL;
  uint64_t at = flushed_bytes(w);
  if (at > w->capacity || nbytes > w->capacity - at)
    return NULL;
  w->bit_pos += 8 * (uint64_t)nbytes;
  return w->data + at;
}

uint64_t hgq_bit_writer_bits(const hgq_bit_writer *w) {
  return w->bit_pos;
}

void hgq_bit_reader_init(hgq_bit_reader *r, const uint8_t *data,
                         size_t length) {
  r->data = data;
  r->length = data ? length : 0;
  r->bit_pos = 0;
  r->overrun = false;
}

/* Little-endian load of 8 bytes starting at byte `at`, zeros past the end. */
static inline uint64_t load64(const hgq_bit_reader *r, uint64_t at) {
  uint64_t word = 0;
  if (at + 8 <= r->length) {
    const uint8_t *p = r->data + at;
    word = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
           (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
           (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
  } else {
    for (unsigned i = 0; i < 8 && at + i < r->length; i++)
      word |= (uint64_t)r->data[at + i] << (8 * i);
  }
  return word;
}

uint32_t hgq_bit_reader_get(hgq_bit_reader *r, unsigned nbits) {
  if (nbits == 0)
    return 0;
  if (nbits > 32) {
    r->overrun = true;
    return 0;
  }
  uint64_t total = (uint64_t)r->length * 8;
  uint64_t value = 0;
  if (r->bit_pos < total) {
    /* shift <= 7 and nbits <= 32: the 39 bits needed sit in one word. */
    value = load64(r, r->bit_pos >> 3) >> (r->bit_pos & 7);
    value &= (nbits == 32) ? 0xffffffffull : ((1ull << nbits) - 1);
  }
  if (r->bit_pos + nbits > total)
    r->overrun = true; /* the missing bits read as zero (load64) */
  r->bit_pos += nbits;
  return (uint32_t)value;
}

uint64_t hgq_bit_reader_remaining(const hgq_bit_reader *r) {
  uint64_t total = (uint64_t)r->length * 8;
  return r->bit_pos < total ? total - r->bit_pos : 0;
}
