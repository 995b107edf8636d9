// Control characteristic commands: parsing (firmware) and encoding (tests, golden vectors).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

namespace neckimu {

struct Command {
  proto::Opcode opcode;
  uint16_t rate_hz;         // kOpSetRate
  uint16_t gyro_range_dps;  // kOpSetRanges
  uint8_t acc_range_g;      // kOpSetRanges
  uint16_t event_code;      // kOpMarkEvent
  bool mag_enabled;         // kOpSetMag
};

// Parses a write to the control characteristic. Returns false for anything malformed (unknown
// opcode, wrong length, zero rate or range, mag flag other than 0/1); the firmware ignores it.
bool parse_command(const uint8_t* data, size_t len, Command* out);

// Encodes `c` into `out` (room for proto::kControlMaxSize). Returns the length.
size_t encode_command(const Command& c, uint8_t* out);

// Expected length of a command, bytes (0 for an unknown opcode).
size_t command_length(uint8_t opcode);

}  // namespace neckimu
