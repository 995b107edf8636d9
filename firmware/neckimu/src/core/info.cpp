#include "info.h"

#include "le.h"
#include "wire.h"

namespace neckimu {

Info make_info(Board board, const Settings& s, bool streaming, uint32_t overflow_count,
               uint8_t role) {
  Info i = {};
  i.protocol_version = proto::kVersion;
  i.board = static_cast<uint8_t>(board);
  i.frame = kFrameBoard;
  i.fw_major = kFirmwareMajor;
  i.fw_minor = kFirmwareMinor;
  i.fw_patch = kFirmwarePatch;
  i.imu_rate_chz = static_cast<uint16_t>(s.rate_hz * 100u);
  i.mag_rate_chz = s.mag_enabled ? mag_rate_centi_hz(board) : 0;
  i.gyro_range_dps = s.gyro_range_dps;
  i.acc_range_g = s.acc_range_g;
  i.streaming = streaming ? 1 : 0;
  i.mag_range_ut = mag_range_ut(board);
  i.gyro_scale = gyro_scale_rad_s(s);
  i.acc_scale = acc_scale_m_s2(s);
  i.mag_scale = mag_scale_ut(board);
  i.overflow_count = overflow_count;
  i.role = role;
  return i;
}

size_t encode_info(const Info& i, uint8_t* out) {
  put_u8(out + 0, i.protocol_version);
  put_u8(out + 1, i.board);
  put_u8(out + 2, i.frame);
  put_u8(out + 3, i.fw_major);
  put_u8(out + 4, i.fw_minor);
  put_u8(out + 5, i.fw_patch);
  put_u16(out + 6, i.imu_rate_chz);
  put_u16(out + 8, i.mag_rate_chz);
  put_u16(out + 10, i.gyro_range_dps);
  put_u8(out + 12, i.acc_range_g);
  put_u8(out + 13, i.streaming);
  put_u16(out + 14, i.mag_range_ut);
  put_f32(out + 16, i.gyro_scale);
  put_f32(out + 20, i.acc_scale);
  put_f32(out + 24, i.mag_scale);
  put_u32(out + 28, i.overflow_count);
  put_u8(out + 32, i.role);
  put_u8(out + 33, 0);
  put_u8(out + 34, 0);
  put_u8(out + 35, 0);
  return proto::kInfoSize;
}

bool decode_info(const uint8_t* d, size_t len, Info* out) {
  if (len != proto::kInfoSize) return false;
  Info& i = *out;
  i.protocol_version = d[0];
  i.board = d[1];
  i.frame = d[2];
  i.fw_major = d[3];
  i.fw_minor = d[4];
  i.fw_patch = d[5];
  i.imu_rate_chz = get_u16(d + 6);
  i.mag_rate_chz = get_u16(d + 8);
  i.gyro_range_dps = get_u16(d + 10);
  i.acc_range_g = d[12];
  i.streaming = d[13];
  i.mag_range_ut = get_u16(d + 14);
  i.gyro_scale = get_f32(d + 16);
  i.acc_scale = get_f32(d + 20);
  i.mag_scale = get_f32(d + 24);
  i.overflow_count = get_u32(d + 28);
  i.role = d[32];
  return true;
}

}  // namespace neckimu
