#include "packet.h"

#include "le.h"

namespace neckimu {

using namespace proto;

size_t packet_length(size_t n_imu, size_t n_mag) {
  return kHeaderSize + kImuRecordSize * n_imu + (n_imu >= 2 ? kSpanSize : 0) +
         kMagRecordSize * n_mag;
}

size_t max_imu_records(size_t payload, size_t n_mag) {
  size_t n = 0;
  while (n < kMaxImuPerPacket && packet_length(n + 1, n_mag) <= payload) ++n;
  return n;
}

size_t encode_data_packet(uint8_t* out, uint8_t flags, uint16_t seq, const ImuRecord* imu,
                          size_t n_imu, const MagRecord* mag, size_t n_mag, uint32_t t0_us) {
  if (n_imu + n_mag == 0 || n_imu > kMaxImuPerPacket || n_mag > kMaxMagPerPacket) return 0;
  if (n_imu > 0) t0_us = imu[0].t_us;
  uint32_t span = n_imu >= 2 ? imu[n_imu - 1].t_us - imu[0].t_us : 0;  // mod 2^32
  if (span > 0xFFFFu) return 0;

  put_u8(out, static_cast<uint8_t>(kVersion | (flags & 0xF0u)));
  put_u8(out + 1, static_cast<uint8_t>(n_imu | (n_mag << kCountsMagShift)));
  put_u16(out + 2, seq);
  put_u32(out + 4, t0_us);
  uint8_t* p = out + kHeaderSize;
  for (size_t i = 0; i < n_imu; ++i) {
    for (int k = 0; k < 3; ++k) put_i16(p + 2 * k, imu[i].gyro[k]);
    for (int k = 0; k < 3; ++k) put_i16(p + 6 + 2 * k, imu[i].acc[k]);
    p += kImuRecordSize;
  }
  if (n_imu >= 2) {
    put_u16(p, static_cast<uint16_t>(span));
    p += kSpanSize;
  }
  for (size_t j = 0; j < n_mag; ++j) {
    uint32_t offset = mag[j].t_us - t0_us;  // mod 2^32: "before t0" shows up as huge
    if (offset > 0xFFFFu) return 0;
    put_u16(p, static_cast<uint16_t>(offset));
    for (int k = 0; k < 3; ++k) put_i16(p + 2 + 2 * k, mag[j].mag[k]);
    p += kMagRecordSize;
  }
  return static_cast<size_t>(p - out);
}

size_t encode_event_packet(uint8_t* out, uint16_t seq, uint32_t t_us, uint16_t code) {
  put_u8(out, kVersion);
  put_u8(out + 1, kCountsEvent);
  put_u16(out + 2, seq);
  put_u32(out + 4, t_us);
  put_u16(out + 8, code);
  return kEventPacketSize;
}

const char* decode_error_name(DecodeError e) {
  switch (e) {
    case DecodeError::kOk: return "ok";
    case DecodeError::kShort: return "short";
    case DecodeError::kBadVersion: return "bad_version";
    case DecodeError::kEmpty: return "zero_counts";
    case DecodeError::kBadEvent: return "event_with_records";
    case DecodeError::kBadLength: return "bad_length";
  }
  return "?";
}

DecodeError decode_packet(const uint8_t* data, size_t len, DecodedPacket* out) {
  if (len < kHeaderSize) return DecodeError::kShort;
  if ((data[0] & 0x0Fu) != kVersion) return DecodeError::kBadVersion;
  DecodedPacket& d = *out;
  d.version = data[0] & 0x0Fu;
  d.flags = static_cast<uint8_t>(data[0] >> 4);
  d.n_imu = data[1] & kCountsImuMask;
  d.n_mag = (data[1] >> kCountsMagShift) & kCountsMagMask;
  d.event = (data[1] & kCountsEvent) != 0;
  d.seq = get_u16(data + 2);
  d.t0_us = get_u32(data + 4);
  d.span_us = 0;
  d.code = 0;
  if (d.event) {
    if (d.n_imu != 0 || d.n_mag != 0) return DecodeError::kBadEvent;
    if (len != kEventPacketSize) return DecodeError::kBadLength;
    d.code = get_u16(data + 8);
    return DecodeError::kOk;
  }
  if (d.n_imu == 0 && d.n_mag == 0) return DecodeError::kEmpty;
  if (len != packet_length(d.n_imu, d.n_mag)) return DecodeError::kBadLength;
  const uint8_t* p = data + kHeaderSize;
  const uint8_t* span_at = p + kImuRecordSize * d.n_imu;
  if (d.n_imu >= 2) d.span_us = get_u16(span_at);
  for (size_t i = 0; i < d.n_imu; ++i) {
    ImuRecord& r = d.imu[i];
    // t0 + round(i * span / (n - 1)), in integers: (2 i span + (n - 1)) / (2 (n - 1))
    uint32_t dt = 0;
    if (d.n_imu >= 2) {
      uint32_t den = 2u * (d.n_imu - 1u);
      dt = (2u * static_cast<uint32_t>(i) * d.span_us + den / 2u) / den;
    }
    r.t_us = d.t0_us + dt;
    for (int k = 0; k < 3; ++k) r.gyro[k] = get_i16(p + 2 * k);
    for (int k = 0; k < 3; ++k) r.acc[k] = get_i16(p + 6 + 2 * k);
    p += kImuRecordSize;
  }
  if (d.n_imu >= 2) p += kSpanSize;
  for (size_t j = 0; j < d.n_mag; ++j) {
    MagRecord& m = d.mag[j];
    m.t_us = d.t0_us + get_u16(p);
    for (int k = 0; k < 3; ++k) m.mag[k] = get_i16(p + 2 + 2 * k);
    p += kMagRecordSize;
  }
  return DecodeError::kOk;
}

}  // namespace neckimu
