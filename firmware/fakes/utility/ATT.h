// Host fake of ArduinoBLE's src/utility/ATT.h: the two ATTClass methods the sketch uses.
#pragma once

#include <stdint.h>

class ATTClass {
 public:
  virtual ~ATTClass() {}
  virtual uint16_t connectionHandle(uint8_t addressType, const uint8_t address[6]) const;
  virtual uint16_t mtu(uint16_t handle) const;
};
extern ATTClass& ATT;
