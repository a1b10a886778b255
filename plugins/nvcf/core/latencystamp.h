/* The capture-time code that nvcflatencystamp draws into each frame and a
 * viewer reads back to measure glass-to-glass latency. It must survive a
 * low-bitrate H.264 or VP8 encode: 48 large flat blocks in the top-left of
 * the luma plane, two rows of 24. They carry 40 bits of the wall-clock time
 * in microseconds (modulo 2^40, about 12.7 days; the reader takes the
 * nearest value to its own clock) then an 8-bit check (0x5a XOR those five
 * bytes, so a uniform area never reads as a stamp), most significant bit first; a set bit is white (235), a
 * clear one black (16). bench/page.mjs reads the same layout in the
 * browser. */
#pragma once

#include <cstdint>
#include <optional>

namespace nvcf {

constexpr unsigned kStampCols = 24;
constexpr unsigned kStampRows = 2;

/* The block size in pixels for a frame: width / 24, at most 32; 0 when the
 * frame is too small to carry the code (blocks under 8 pixels). */
unsigned stamp_block(unsigned width, unsigned height);

/* Draws the code for us into an 8-bit luma plane. False when the frame is
 * too small. */
bool draw_stamp(uint8_t* luma, unsigned stride, unsigned width, unsigned height, uint64_t us);

/* The 40-bit time a luma plane carries, or nullopt when a block is neither
 * dark nor bright or the check fails (no stamp, or one damaged beyond
 * reading). */
std::optional<uint64_t> read_stamp(const uint8_t* luma, unsigned stride, unsigned width,
                                   unsigned height);

/* The full time of a 40-bit stamp: the value congruent to it modulo 2^40
 * nearest to now_us. */
uint64_t unwrap_stamp(uint64_t stamp, uint64_t now_us);

}  // namespace nvcf
