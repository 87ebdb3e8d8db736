/*
 * Codebook sets: the .hgqcb format (see codebook.h), CRC-32, load/save,
 * built-in tables and lookup.
 *
 * The CRC is the reflected IEEE 802.3 polynomial 0xEDB88320 (as zlib's
 * crc32), computed bytewise from a table built on first principles at each
 * call site: the table is computed into a local array so that the library
 * keeps no mutable global state.
 */
#include "codebook.h"

#include "hgq-internal.h"
#include "hgq.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ CRC */

static uint32_t crc32_byte(uint32_t c) {
  for (int k = 0; k < 8; ++k) {
    c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c;
}

uint32_t hgq_crc32(uint32_t crc, const void *data, size_t length) {
  uint32_t table[256];
  for (uint32_t i = 0; i < 256; ++i) {
    table[i] = crc32_byte(i);
  }
  const uint8_t *p = (const uint8_t *)data;
  crc = ~crc;
  for (size_t i = 0; i < length; ++i) {
    crc = table[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
  }
  return ~crc;
}

/* ------------------------------------------------- little-endian fields */

static uint16_t get_u16(const uint8_t *p) {
  return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p) {
  return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}
static float get_f32(const uint8_t *p) {
  uint32_t u = get_u32(p);
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}
static double get_f64(const uint8_t *p) {
  uint64_t u = get_u64(p);
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}
static void put_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    p[i] = (uint8_t)(v >> (8 * i));
  }
}
static void put_u64(uint8_t *p, uint64_t v) {
  put_u32(p, (uint32_t)v);
  put_u32(p + 4, (uint32_t)(v >> 32));
}
static void put_f32(uint8_t *p, float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  put_u32(p, u);
}
static void put_f64(uint8_t *p, double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  put_u64(p, u);
}

/* --------------------------------------------------------------- order */

static int entry_compare(hgq_codebook_role ra, uint32_t la, uint32_t ba,
                         hgq_codebook_role rb, uint32_t lb, uint32_t bb) {
  if (ra != rb)
    return ra < rb ? -1 : 1;
  if (la != lb)
    return la < lb ? -1 : 1;
  if (ba != bb)
    return ba < bb ? -1 : 1;
  return 0;
}

/* ----------------------------------------------------------- serialise */

static size_t entry_bytes(uint32_t block_length, uint32_t bits) {
  return HGQ_CODEBOOK_ENTRY_HEADER +
         ((size_t)1 << bits) * (size_t)block_length * sizeof(float);
}

size_t hgq_codebook_serialized_size(const hgq_codebook *entries,
                                    uint32_t count) {
  size_t size = HGQ_CODEBOOK_FILE_HEADER + 4;
  for (uint32_t i = 0; i < count; ++i) {
    size += entry_bytes(entries[i].block_length, entries[i].bits);
  }
  return size;
}

int hgq_codebook_set_serialize(const hgq_codebook *entries, uint32_t count,
                               uint8_t *out, size_t capacity, size_t *written) {
  RETURN_IF(entries == NULL || out == NULL || written == NULL,
            HGQ_ERROR_NULL_ARGUMENT);
  RETURN_IF(count == 0 || count > HGQ_CODEBOOK_MAX_ENTRIES,
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  for (uint32_t i = 0; i < count; ++i) {
    const hgq_codebook *e = &entries[i];
    RETURN_IF(e->block_length < HGQ_CODEBOOK_MIN_L ||
                  e->block_length > HGQ_CODEBOOK_MAX_L || e->bits < 1 ||
                  e->bits > HGQ_CODEBOOK_MAX_B ||
                  (unsigned)e->role >= HGQ_CODEBOOK_ROLE_COUNT ||
                  e->codewords == NULL,
              HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
    RETURN_IF(i > 0 && entry_compare(entries[i - 1].role,
                                     entries[i - 1].block_length,
                                     entries[i - 1].bits, e->role,
                                     e->block_length, e->bits) >= 0,
              HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  }
  size_t size = hgq_codebook_serialized_size(entries, count);
  RETURN_IF(capacity < size, HGQ_ERROR_DST_TOO_SMALL);

  uint8_t *p = out;
  memcpy(p, "HQCB", 4);
  put_u16(p + 4, HGQ_CODEBOOK_FORMAT_VERSION);
  put_u16(p + 6, 0);
  put_u32(p + 8, count);
  put_u32(p + 12, 0);
  p += HGQ_CODEBOOK_FILE_HEADER;
  for (uint32_t i = 0; i < count; ++i) {
    const hgq_codebook *e = &entries[i];
    put_u16(p, (uint16_t)e->block_length);
    p[2] = (uint8_t)e->bits;
    p[3] = (uint8_t)e->role;
    put_u32(p + 4, e->iterations);
    put_u32(p + 8, e->samples);
    put_u32(p + 12, 0);
    put_u64(p + 16, e->seed);
    put_f64(p + 24, e->distortion);
    put_f64(p + 32, 0.0);
    p += HGQ_CODEBOOK_ENTRY_HEADER;
    size_t n = ((size_t)1 << e->bits) * e->block_length;
    for (size_t j = 0; j < n; ++j) {
      put_f32(p, e->codewords[j]);
      p += 4;
    }
  }
  put_u32(p, hgq_crc32(0, out, (size_t)(p - out)));
  *written = size;
  return HGQ_OK;
}

/* --------------------------------------------------------------- parse */

void hgq_codebook_set_destroy(hgq_codebook_set *set) {
  if (set == NULL)
    return;
  if (set->entries != NULL) {
    for (uint32_t i = 0; i < set->count; ++i) {
      free(set->entries[i].codewords);
    }
    free(set->entries);
  }
  free(set);
}

int hgq_codebook_set_parse(const uint8_t *data, size_t length,
                           hgq_codebook_set **out) {
  RETURN_IF(data == NULL || out == NULL, HGQ_ERROR_NULL_ARGUMENT);
  *out = NULL;
  RETURN_IF(length < 4 || memcmp(data, "HQCB", 4) != 0, HGQ_ERROR_BAD_MAGIC);
  RETURN_IF(length < 6, HGQ_ERROR_TRUNCATED);
  RETURN_IF(get_u16(data + 4) != HGQ_CODEBOOK_FORMAT_VERSION,
            HGQ_ERROR_VERSION);
  RETURN_IF(length < HGQ_CODEBOOK_FILE_HEADER + 4, HGQ_ERROR_TRUNCATED);
  uint32_t count = get_u32(data + 8);
  RETURN_IF(count == 0 || count > HGQ_CODEBOOK_MAX_ENTRIES,
            HGQ_ERROR_CORRUPT_PAYLOAD);

  /* Walk the entry headers first: lengths before checksum, so that a
   * truncated file says so rather than "checksum". */
  size_t pos = HGQ_CODEBOOK_FILE_HEADER;
  for (uint32_t i = 0; i < count; ++i) {
    RETURN_IF(length - pos < HGQ_CODEBOOK_ENTRY_HEADER + 4,
              HGQ_ERROR_TRUNCATED);
    uint32_t block_length = get_u16(data + pos);
    uint32_t bits = data[pos + 2];
    RETURN_IF(block_length < HGQ_CODEBOOK_MIN_L ||
                  block_length > HGQ_CODEBOOK_MAX_L || bits < 1 ||
                  bits > HGQ_CODEBOOK_MAX_B,
              HGQ_ERROR_CORRUPT_PAYLOAD);
    size_t bytes = entry_bytes(block_length, bits);
    RETURN_IF(length - pos < bytes + 4, HGQ_ERROR_TRUNCATED);
    pos += bytes;
  }
  RETURN_IF(length - pos > 4, HGQ_ERROR_TRAILING_BYTES);
  RETURN_IF(hgq_crc32(0, data, pos) != get_u32(data + pos), HGQ_ERROR_CHECKSUM);

  hgq_codebook_set *set = calloc(1, sizeof *set);
  RETURN_IF(set == NULL, HGQ_ERROR_ALLOCATION);
  set->entries = calloc(count, sizeof *set->entries);
  if (set->entries == NULL) {
    free(set);
    return HGQ_ERROR_ALLOCATION;
  }
  set->count = count;
  set->id = get_u32(data + pos);

  int status = HGQ_OK;
  pos = HGQ_CODEBOOK_FILE_HEADER;
  for (uint32_t i = 0; i < count && status == HGQ_OK; ++i) {
    const uint8_t *p = data + pos;
    hgq_codebook *e = &set->entries[i];
    e->block_length = get_u16(p);
    e->bits = p[2];
    e->size = 1u << e->bits;
    uint32_t role = p[3];
    e->iterations = get_u32(p + 4);
    e->samples = get_u32(p + 8);
    e->seed = get_u64(p + 16);
    e->distortion = get_f64(p + 24);
    if (role >= HGQ_CODEBOOK_ROLE_COUNT || !(e->distortion >= 0.0) ||
        !(e->distortion <= 1.0)) {
      status = HGQ_ERROR_CORRUPT_PAYLOAD;
      break;
    }
    e->role = (hgq_codebook_role)role;
    if (i > 0 && entry_compare(set->entries[i - 1].role,
                               set->entries[i - 1].block_length,
                               set->entries[i - 1].bits, e->role,
                               e->block_length, e->bits) >= 0) {
      status = HGQ_ERROR_CORRUPT_PAYLOAD;
      break;
    }
    size_t n = (size_t)e->size * e->block_length;
    e->codewords = malloc(n * sizeof(float));
    if (e->codewords == NULL) {
      status = HGQ_ERROR_ALLOCATION;
      break;
    }
    p += HGQ_CODEBOOK_ENTRY_HEADER;
    for (size_t j = 0; j < n; ++j) {
      e->codewords[j] = get_f32(p + 4 * j);
    }
    /* Every codeword must be a finite unit vector: the decoder relies on
     * it (a corrupt table would otherwise give silent garbage). */
    for (uint32_t k = 0; k < e->size && status == HGQ_OK; ++k) {
      double norm2 = 0.0;
      for (uint32_t j = 0; j < e->block_length; ++j) {
        float c = e->codewords[(size_t)k * e->block_length + j];
        if (!isfinite(c)) {
          status = HGQ_ERROR_CORRUPT_PAYLOAD;
        }
        norm2 += (double)c * c;
      }
      if (!(fabs(norm2 - 1.0) < 1e-4)) {
        status = HGQ_ERROR_CORRUPT_PAYLOAD;
      }
    }
    pos += entry_bytes(e->block_length, e->bits);
  }
  if (status != HGQ_OK) {
    hgq_codebook_set_destroy(set);
    return status;
  }
  *out = set;
  return HGQ_OK;
}

/* ------------------------------------------------------------ file I/O */

int hgq_codebook_set_load(const char *path, hgq_codebook_set **out) {
  RETURN_IF(path == NULL || out == NULL, HGQ_ERROR_NULL_ARGUMENT);
  *out = NULL;
  FILE *f = fopen(path, "rb");
  RETURN_IF(f == NULL, HGQ_ERROR_IO);
  uint8_t *data = NULL;
  size_t length = 0, capacity = 0;
  int status = HGQ_OK;
  for (;;) {
    if (length == capacity) {
      size_t next = capacity ? capacity * 2 : 65536;
      uint8_t *grown = realloc(data, next);
      if (grown == NULL) {
        status = HGQ_ERROR_ALLOCATION;
        break;
      }
      data = grown;
      capacity = next;
    }
    size_t got = fread(data + length, 1, capacity - length, f);
    length += got;
    if (got == 0) {
      if (ferror(f))
        status = HGQ_ERROR_IO;
      break;
    }
  }
  fclose(f);
  if (status == HGQ_OK)
    status = hgq_codebook_set_parse(data, length, out);
  free(data);
  return status;
}

int hgq_codebook_set_save(const char *path, const hgq_codebook *entries,
                          uint32_t count) {
  RETURN_IF(path == NULL || entries == NULL, HGQ_ERROR_NULL_ARGUMENT);
  size_t size = hgq_codebook_serialized_size(entries, count);
  uint8_t *data = malloc(size);
  RETURN_IF(data == NULL, HGQ_ERROR_ALLOCATION);
  size_t written = 0;
  int status = hgq_codebook_set_serialize(entries, count, data, size, &written);
  if (status == HGQ_OK) {
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
      status = HGQ_ERROR_IO;
    } else {
      if (fwrite(data, 1, written, f) != written)
        status = HGQ_ERROR_IO;
      if (fclose(f) != 0)
        status = HGQ_ERROR_IO;
    }
  }
  free(data);
  return status;
}

int hgq_codebook_set_builtin(hgq_codebook_set **out) {
  RETURN_IF(out == NULL, HGQ_ERROR_NULL_ARGUMENT);
  size_t length = hgq_codebooks_builtin_word_count * 4;
  uint8_t *data = malloc(length);
  RETURN_IF(data == NULL, HGQ_ERROR_ALLOCATION);
  for (size_t i = 0; i < hgq_codebooks_builtin_word_count; ++i)
    put_u32(data + 4 * i, hgq_codebooks_builtin_words[i]);
  int status = hgq_codebook_set_parse(data, length, out);
  free(data);
  return status;
}

int hgq_codebook_set_open(const char *dir, hgq_codebook_set **out) {
  RETURN_IF(out == NULL, HGQ_ERROR_NULL_ARGUMENT);
  if (dir == NULL || dir[0] == '\0')
    return hgq_codebook_set_builtin(out);
  char path[4096 + 32];
  int n = snprintf(path, sizeof path, "%s/%s", dir, HGQ_CODEBOOK_FILE_NAME);
  RETURN_IF(n < 0 || (size_t)n >= sizeof path,
            HGQ_ERROR_PARAMETER_OUT_OF_RANGE);
  return hgq_codebook_set_load(path, out);
}

int hgq_codebook_copy(const hgq_codebook *src, hgq_codebook *dst) {
  RETURN_IF(src == NULL || dst == NULL, HGQ_ERROR_NULL_ARGUMENT);
  size_t n = (size_t)src->size * src->block_length;
  *dst = *src;
  dst->codewords = malloc(n * sizeof(float));
  RETURN_IF(dst->codewords == NULL, HGQ_ERROR_ALLOCATION);
  memcpy(dst->codewords, src->codewords, n * sizeof(float));
  return HGQ_OK;
}

void hgq_codebook_release(hgq_codebook *codebook) {
  if (codebook == NULL)
    return;
  free(codebook->codewords);
  codebook->codewords = NULL;
}

const hgq_codebook *hgq_codebook_set_find(const hgq_codebook_set *set,
                                          hgq_codebook_role role,
                                          uint32_t block_length,
                                          uint32_t bits) {
  if (set == NULL)
    return NULL;
  /* Binary search: entries are sorted by (role, L, B). */
  uint32_t lo = 0, hi = set->count;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const hgq_codebook *e = &set->entries[mid];
    int c = entry_compare(e->role, e->block_length, e->bits, role, block_length,
                          bits);
    if (c == 0)
      return e;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}
