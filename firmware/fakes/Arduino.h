// Host fake of the few Arduino core APIs the sketch uses (ArduinoCore-mbed signatures).
// For compile checks and host runs only: time is driven by the test (fake_world.h).
#pragma once

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <string>

enum PinMode { INPUT = 0, OUTPUT = 1 };
#define LOW 0
#define HIGH 1
#define LED_BUILTIN 13
#define LEDR 22
#define LEDG 23
#define LEDB 24

unsigned long micros();
unsigned long millis();
void delay(unsigned long ms);
void pinMode(uint8_t pin, PinMode mode);
void digitalWrite(uint8_t pin, int value);

class String {
 public:
  String() {}
  String(const char* s) : s_(s ? s : "") {}
  const char* c_str() const { return s_.c_str(); }
  unsigned int length() const { return static_cast<unsigned int>(s_.size()); }

 private:
  std::string s_;
};

class FakeSerial {
 public:
  void begin(unsigned long) {}
  explicit operator bool() const { return true; }
  size_t print(const char* s);
  size_t print(unsigned long v);
  size_t println(const char* s);
  size_t println(unsigned long v);
  size_t println(unsigned int v) { return println(static_cast<unsigned long>(v)); }
  size_t println(int v) { return println(static_cast<unsigned long>(v)); }
};
extern FakeSerial Serial;

void setup();
void loop();
