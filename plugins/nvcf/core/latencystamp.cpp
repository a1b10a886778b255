#include "latencystamp.h"

namespace nvcf {

namespace {

constexpr unsigned kTimeBits = 40;
constexpr uint64_t kTimeMask = (uint64_t(1) << kTimeBits) - 1;

/* 0x5a, not 0: an all-black or all-white area must not read as a stamp. */
uint8_t check_of(uint64_t t) {
  uint8_t c = 0x5a;
  for (unsigned i = 0; i < kTimeBits / 8; i++)
    c ^= uint8_t(t >> (8 * i));
  return c;
}

/* Bit i of the 48: the time's bits then the check's, MSB first. */
bool bit_of(uint64_t t, unsigned i) {
  uint64_t word = ((t & kTimeMask) << 8) | check_of(t & kTimeMask);
  return (word >> (kStampCols * kStampRows - 1 - i)) & 1;
}

}  // namespace

unsigned stamp_block(unsigned width, unsigned height) {
  unsigned block = width / kStampCols;
  if (block > 32)
    block = 32;
  if (block < 8 || block * kStampRows > height)
    return 0;
  return block;
}

bool draw_stamp(uint8_t* luma, unsigned stride, unsigned width, unsigned height, uint64_t us) {
  unsigned block = stamp_block(width, height);
  if (!block)
    return false;
  for (unsigned i = 0; i < kStampCols * kStampRows; i++) {
    uint8_t value = bit_of(us, i) ? 235 : 16;
    unsigned x0 = (i % kStampCols) * block, y0 = (i / kStampCols) * block;
    for (unsigned y = y0; y < y0 + block; y++)
      for (unsigned x = x0; x < x0 + block; x++)
        luma[size_t(y) * stride + x] = value;
  }
  return true;
}

std::optional<uint64_t> read_stamp(const uint8_t* luma, unsigned stride, unsigned width,
                                   unsigned height) {
  unsigned block = stamp_block(width, height);
  if (!block)
    return std::nullopt;
  uint64_t word = 0;
  for (unsigned i = 0; i < kStampCols * kStampRows; i++) {
    /* The middle half of the block: its edges blur into the neighbours. */
    unsigned x0 = (i % kStampCols) * block + block / 4, y0 = (i / kStampCols) * block + block / 4;
    unsigned sum = 0, n = 0;
    for (unsigned y = y0; y < y0 + block / 2; y++)
      for (unsigned x = x0; x < x0 + block / 2; x++, n++)
        sum += luma[size_t(y) * stride + x];
    /* Blocks read near 16 or 235; a grey one is not part of a stamp (a
     * half-decoded or concealed picture), and would only be a guess. */
    unsigned mean = sum / n;
    if (mean > 64 && mean < 190)
      return std::nullopt;
    word = (word << 1) | (mean >= 128 ? 1 : 0);
  }
  uint64_t t = word >> 8;
  if (uint8_t(word & 0xff) != check_of(t))
    return std::nullopt;
  return t;
}

uint64_t unwrap_stamp(uint64_t stamp, uint64_t now_us) {
  const uint64_t period = uint64_t(1) << kTimeBits;
  uint64_t base = now_us & ~kTimeMask;
  uint64_t best = base + stamp;
  for (uint64_t c : {base - period + stamp, base + period + stamp}) {
    uint64_t d = c > now_us ? c - now_us : now_us - c;
    uint64_t bd = best > now_us ? best - now_us : now_us - best;
    if (d < bd)
      best = c;
  }
  return best;
}

}  // namespace nvcf
