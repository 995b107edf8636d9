// Constants of BLE protocol version 1 (docs/wire-format.md is the specification).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace neckimu {
namespace proto {

constexpr uint8_t kVersion = 1;

constexpr const char* kServiceUuid = "a3c10000-8e1f-4b6a-9c3e-6e65636b696d";
constexpr const char* kDataUuid = "a3c10001-8e1f-4b6a-9c3e-6e65636b696d";
constexpr const char* kControlUuid = "a3c10002-8e1f-4b6a-9c3e-6e65636b696d";
constexpr const char* kInfoUuid = "a3c10003-8e1f-4b6a-9c3e-6e65636b696d";
constexpr const char* kNamePrefix = "neckimu-";

// ver_flags, bits 4..7
constexpr uint8_t kFlagAccSaturated = 0x10;
constexpr uint8_t kFlagGyroSaturated = 0x20;
constexpr uint8_t kFlagMagSaturated = 0x40;
constexpr uint8_t kFlagOverflow = 0x80;

// counts
constexpr uint8_t kCountsImuMask = 0x1F;   // bits 0..4
constexpr uint8_t kCountsMagShift = 5;     // bits 5..6
constexpr uint8_t kCountsMagMask = 0x03;
constexpr uint8_t kCountsEvent = 0x80;     // bit 7

constexpr size_t kMaxImuPerPacket = 31;
constexpr size_t kMaxMagPerPacket = 3;

// sizes, bytes
constexpr size_t kHeaderSize = 8;
constexpr size_t kImuRecordSize = 12;
constexpr size_t kSpanSize = 2;
constexpr size_t kMagRecordSize = 8;
constexpr size_t kEventPacketSize = 10;
constexpr size_t kAttOverhead = 3;          // notification payload = MTU - 3
constexpr size_t kMinMtu = 23;
constexpr size_t kMaxMtu = 247;
constexpr size_t kMaxPayload = kMaxMtu - kAttOverhead;  // 244
constexpr size_t kInfoSize = 36;       // 32 before firmware 0.2 (no role byte)
constexpr size_t kInfoSizeV01 = 32;
constexpr size_t kControlMaxSize = 8;

// Longest a sample waits for its notification (sets the batch size), microseconds.
constexpr uint32_t kMaxLatency_us = 40000;

enum Opcode : uint8_t {
  kOpStart = 0x01,
  kOpStop = 0x02,
  kOpSetRate = 0x03,
  kOpSetRanges = 0x04,
  kOpMarkEvent = 0x05,
  kOpSetMag = 0x06,
  kOpSetRole = 0x07,
};

// Where the board is worn (kOpSetRole, info byte 32). A board starts as the head.
enum Role : uint8_t {
  kRoleHead = 1,
  kRoleTrunk = 2,
};

// Payload limit for a negotiated ATT MTU, bytes (clamped to what the protocol allows).
inline size_t payload_limit(size_t mtu) {
  if (mtu < kMinMtu) mtu = kMinMtu;
  if (mtu > kMaxMtu) mtu = kMaxMtu;
  return mtu - kAttOverhead;
}

}  // namespace proto
}  // namespace neckimu
