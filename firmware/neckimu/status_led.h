// What the board's LEDs say (firmware/README.md has the table). The RGB LED of the Nano 33 BLE
// is active low; the orange LED_BUILTIN is active high.
#pragma once

#include <Arduino.h>

namespace neckimu {

enum class LedState {
  kSensorError,  // red, fast blink: no IMU found
  kAdvertising,  // blue, slow blink: waiting for a connection
  kConnected,    // blue, steady: connected, not streaming
  kStreaming,    // green, steady: streaming
};

class StatusLed {
 public:
  void begin() {
    pinMode(LEDR, OUTPUT);
    pinMode(LEDG, OUTPUT);
    pinMode(LEDB, OUTPUT);
    pinMode(LED_BUILTIN, OUTPUT);
    rgb(false, false, false);
    digitalWrite(LED_BUILTIN, LOW);
  }

  // Saturation or overflow: the orange LED flashes for 200 ms.
  void flag(uint32_t now_us) { flag_until_us_ = now_us + 200000u; }

  void update(LedState s, uint32_t now_us) {
    const uint32_t ms = now_us / 1000u;
    switch (s) {
      case LedState::kSensorError: rgb((ms / 100u) % 2u == 0, false, false); break;
      case LedState::kAdvertising: rgb(false, false, (ms / 500u) % 2u == 0); break;
      case LedState::kConnected: rgb(false, false, true); break;
      case LedState::kStreaming: rgb(false, true, false); break;
    }
    const bool flagged = static_cast<int32_t>(flag_until_us_ - now_us) > 0;
    digitalWrite(LED_BUILTIN, flagged ? HIGH : LOW);
  }

 private:
  static void rgb(bool r, bool g, bool b) {
    digitalWrite(LEDR, r ? LOW : HIGH);
    digitalWrite(LEDG, g ? LOW : HIGH);
    digitalWrite(LEDB, b ? LOW : HIGH);
  }
  uint32_t flag_until_us_ = 0;
};

}  // namespace neckimu
