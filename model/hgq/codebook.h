/*
 * Grassmannian codebook sets (internal, not installed): the versioned binary
 * format (.hgqcb), its CRC-32 checksum, load/save, the tables built into the
 * library, and lookup by (role, L, B).
 *
 * A codebook holds K = 2^B unit vectors in R^L (row-major K x L floats); a
 * codeword c and -c are the same line. Two roles:
 *  - HGQ_CODEBOOK_ISOTROPIC: trained on normalised Gaussian blocks, used at
 *    level 1 (and by hsq);
 *  - HGQ_CODEBOOK_HINGE: trained on the hinge vectors that level 1 produces,
 *    used at level 2;
 *  - HGQ_CODEBOOK_HINGE_UPPER: trained on the hinge vectors that level 2
 *    produces (more concentrated still), used at levels 3 and up.
 *  Each hinge level is thus served by tables trained on the hinge vectors
 *  the levels below it produce (HGQ.md, "Codebooks").
 *
 * File format, version 1, every field little-endian:
 *   offset size field
 *   0      4    magic "HQCB"
 *   4      2    format version (HGQ_CODEBOOK_FORMAT_VERSION)
 *   6      2    reserved, 0
 *   8      4    entry count n (1..HGQ_CODEBOOK_MAX_ENTRIES)
 *   12     4    reserved, 0
 *   16     ...  n entries, each a 40-byte entry header then K*L float32:
 *                 u16 L (2..64), u8 B (1..16), u8 role, u32 iterations,
 *                 u32 training samples, u32 reserved (0), u64 seed,
 *                 f64 measured distortion E[1 - (c.x)^2], f64 reserved (0)
 *   end-4  4    CRC-32 (IEEE 802.3, reflected 0xEDB88320) of all bytes
 *               before it
 * Entries are sorted by (role, L, B) and unique. The CRC is the identity of
 * the set: it goes into every hgq/hsq payload header.
 */
#ifndef HGQ_CODEBOOK_H
#define HGQ_CODEBOOK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HGQ_CODEBOOK_FORMAT_VERSION 1u
#define HGQ_CODEBOOK_MAX_ENTRIES    4096u
#define HGQ_CODEBOOK_MIN_L          2u
#define HGQ_CODEBOOK_MAX_L          64u
#define HGQ_CODEBOOK_MAX_B          16u
#define HGQ_CODEBOOK_FILE_HEADER    16u
#define HGQ_CODEBOOK_ENTRY_HEADER   40u
/* File name looked up in hgq_config.codebook_dir. */
#define HGQ_CODEBOOK_FILE_NAME      "codebooks.hgqcb"

typedef enum hgq_codebook_role {
  HGQ_CODEBOOK_ISOTROPIC = 0,
  HGQ_CODEBOOK_HINGE = 1,
  HGQ_CODEBOOK_HINGE_UPPER = 2,
  HGQ_CODEBOOK_ROLE_COUNT = 3
} hgq_codebook_role;

typedef struct hgq_codebook {
  uint32_t block_length; /* L */
  uint32_t bits;         /* B */
  uint32_t size;         /* K = 2^B */
  hgq_codebook_role role;
  uint32_t iterations; /* Lloyd iterations (0: closed form) */
  uint32_t samples;    /* training samples */
  uint64_t seed;
  double distortion; /* measured E[1 - (c.x)^2] on its source */
  float *codewords;  /* K x L, row-major, unit rows; owned by the set */
} hgq_codebook;

typedef struct hgq_codebook_set {
  uint32_t count;
  hgq_codebook *entries; /* sorted by (role, L, B) */
  uint32_t id;           /* CRC-32 of the serialised set */
} hgq_codebook_set;

/** CRC-32 (IEEE) of data[0..length), continuing from crc (start with 0). */
uint32_t hgq_crc32(uint32_t crc, const void *data, size_t length);

/**
 * Parses a serialised set. Copies everything (data may be freed after).
 * Returns owned in *out. Errors: HGQ_ERROR_BAD_MAGIC, HGQ_ERROR_VERSION,
 * HGQ_ERROR_TRUNCATED, HGQ_ERROR_TRAILING_BYTES, HGQ_ERROR_CHECKSUM,
 * HGQ_ERROR_CORRUPT_PAYLOAD (a field out of range, unsorted entries, a
 * non-finite or non-unit codeword), HGQ_ERROR_ALLOCATION.
 */
int hgq_codebook_set_parse(const uint8_t *data, size_t length,
                           hgq_codebook_set **out);

/** Bytes hgq_codebook_set_serialize writes for these entries. */
size_t hgq_codebook_serialized_size(const hgq_codebook *entries,
                                    uint32_t count);

/**
 * Serialises entries (borrowed; must be sorted and valid) into
 * out[0..capacity); *written gets the byte count. Writes the CRC.
 */
int hgq_codebook_set_serialize(const hgq_codebook *entries, uint32_t count,
                               uint8_t *out, size_t capacity, size_t *written);

/** Reads and parses a file. Returns owned in *out; HGQ_ERROR_IO if the file
 * cannot be read. */
int hgq_codebook_set_load(const char *path, hgq_codebook_set **out);

/** Writes entries to a file (HGQ_ERROR_IO on failure). */
int hgq_codebook_set_save(const char *path, const hgq_codebook *entries,
                          uint32_t count);

/** The set built into the library (a fresh owned copy each call). */
int hgq_codebook_set_builtin(hgq_codebook_set **out);

/**
 * The set for a config: the built-in one when dir is NULL or "", else
 * dir/HGQ_CODEBOOK_FILE_NAME. Returns owned in *out.
 */
int hgq_codebook_set_open(const char *dir, hgq_codebook_set **out);

void hgq_codebook_set_destroy(hgq_codebook_set *set);

/**
 * Deep copy of one table (dst owns its codewords; release with
 * hgq_codebook_release). Methods keep copies of the few tables they use and
 * drop the set, so a quantizer holds kilobytes, not the whole set.
 */
int hgq_codebook_copy(const hgq_codebook *src, hgq_codebook *dst);
void hgq_codebook_release(hgq_codebook *codebook);

/** The entry (role, L, B), or NULL. Borrowed from the set. */
const hgq_codebook *hgq_codebook_set_find(const hgq_codebook_set *set,
                                          hgq_codebook_role role,
                                          uint32_t block_length, uint32_t bits);

/* The serialised built-in set (generated: codebooks-builtin.c), as
 * little-endian 32-bit words (every field of the format is 4-byte aligned),
 * so the generated source stays compact and endian-neutral. */
extern const uint32_t hgq_codebooks_builtin_words[];
extern const size_t hgq_codebooks_builtin_word_count;

#ifdef __cplusplus
}
#endif

#endif /* HGQ_CODEBOOK_H */
