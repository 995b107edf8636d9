// Explicit little-endian packing. The wire format is little-endian on every platform, so we
// write bytes one by one instead of copying structs (no padding, no host byte order).
#pragma once

#include <stdint.h>
#include <string.h>

namespace neckimu {

inline void put_u8(uint8_t* p, uint8_t v) { p[0] = v; }

inline void put_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v & 0xFFu);
  p[1] = static_cast<uint8_t>(v >> 8);
}

inline void put_u32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v & 0xFFu);
  p[1] = static_cast<uint8_t>((v >> 8) & 0xFFu);
  p[2] = static_cast<uint8_t>((v >> 16) & 0xFFu);
  p[3] = static_cast<uint8_t>(v >> 24);
}

inline void put_i16(uint8_t* p, int16_t v) { put_u16(p, static_cast<uint16_t>(v)); }

// IEEE-754 single precision, little-endian (memcpy is the defined way to get the bits).
inline void put_f32(uint8_t* p, float v) {
  uint32_t bits;
  memcpy(&bits, &v, sizeof bits);
  put_u32(p, bits);
}

inline uint16_t get_u16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (static_cast<uint16_t>(p[1]) << 8));
}

inline uint32_t get_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

inline int16_t get_i16(const uint8_t* p) { return static_cast<int16_t>(get_u16(p)); }

inline float get_f32(const uint8_t* p) {
  uint32_t bits = get_u32(p);
  float v;
  memcpy(&v, &bits, sizeof v);
  return v;
}

}  // namespace neckimu
