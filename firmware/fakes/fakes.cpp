// Definitions behind the fake Arduino, ArduinoBLE and sensor-library headers: one simulated
// world (fake_world.h) that the test drives. Small on purpose: just enough behaviour for the
// sketch to run its real code paths on the host.
#include "fake_world.h"

#include <Arduino.h>
#include <ArduinoBLE.h>
#include <Arduino_BMI270_BMM150.h>
#include <Arduino_LSM9DS1.h>
#include <Wire.h>
#include <utility/ATT.h>

#include <algorithm>

namespace fake {

namespace {

const char* const kLocalAddress = "f4:12:fa:6b:4e:2f";
const char* const kCentralAddress = "c0:ff:ee:12:34:56";  // random address type
const uint16_t kConnHandle = 0x0040;

enum class EventKind { kConnect, kDisconnect, kWrite };
struct Event {
  EventKind kind;
  std::vector<uint8_t> data;
};
std::vector<Event>& pending() {
  static std::vector<Event> v;
  return v;
}
std::vector<BLECharacteristic*>& characteristics() {
  static std::vector<BLECharacteristic*> v;
  return v;
}
BLEDeviceEventHandler connect_handler = nullptr;
BLEDeviceEventHandler disconnect_handler = nullptr;

BLECharacteristic* find_characteristic(uint8_t property) {
  for (BLECharacteristic* c : characteristics())
    if (c->properties() & property) return c;
  return nullptr;
}

// Samples the sensor has produced so far (a FIFO of fifo_depth keeps only the newest).
uint64_t available(FakeSensor& s) {
  if (s.rate_hz <= 0) return 0;
  const double t_s = static_cast<double>(world().now_us - s.start_us) * 1e-6;
  const uint64_t produced = static_cast<uint64_t>(t_s * s.rate_hz * s.rate_error);
  if (produced - s.next > s.fifo_depth) {
    s.dropped += produced - s.next - s.fifo_depth;
    s.next = produced - s.fifo_depth;
  }
  return produced - s.next;
}

bool mag_available(const FakeSensor& s) {
  if (s.mag_rate_hz <= 0) return false;
  const double t_s = static_cast<double>(world().now_us - s.start_us) * 1e-6;
  return static_cast<uint64_t>(t_s * s.mag_rate_hz) > s.mag_next;
}

void start(FakeSensor& s, double rate_hz, double mag_rate_hz) {
  s.rate_hz = rate_hz;
  s.mag_rate_hz = mag_rate_hz;
  s.start_us = world().now_us;
  s.next = s.mag_next = 0;
}

void read_gyro(const FakeSensor& s, float& x, float& y, float& z) {
  x = static_cast<float>(30.0 * fake_signal(s.next, 0));  // deg/s
  y = static_cast<float>(30.0 * fake_signal(s.next, 1));
  z = static_cast<float>(30.0 * fake_signal(s.next, 2));
}

void read_acc(const FakeSensor& s, float& x, float& y, float& z) {
  x = static_cast<float>(0.1 * fake_signal(s.next, 0));  // g: the board lies flat, z up
  y = static_cast<float>(0.1 * fake_signal(s.next, 1));
  z = static_cast<float>(1.0 + 0.05 * fake_signal(s.next, 2));
}

int read_mag(FakeSensor& s, float& x, float& y, float& z) {
  if (!mag_available(s)) return 0;
  const double t_s = static_cast<double>(world().now_us - s.start_us) * 1e-6;
  s.mag_next = static_cast<uint64_t>(t_s * s.mag_rate_hz);
  x = 20.0f;
  y = -5.0f;
  z = 40.0f;
  return 1;
}

}  // namespace

World& world() {
  static World w;
  return w;
}

void advance_us(uint64_t us) { world().now_us += us; }

double fake_signal(uint64_t k, int axis) {
  return sin(2.0 * M_PI * 0.5 * static_cast<double>(k) / 100.0 + axis);
}

void central_connect() {
  world().connected = true;
  world().mtu = 23;
  pending().push_back(Event{EventKind::kConnect, {}});
}

void central_exchange_mtu(uint16_t mtu) { world().mtu = mtu; }

void central_subscribe() { world().subscribed = true; }

void central_write_control(const uint8_t* data, size_t len) {
  pending().push_back(Event{EventKind::kWrite, std::vector<uint8_t>(data, data + len)});
}

void central_disconnect() {
  world().connected = false;
  world().subscribed = false;
  world().mtu = 23;
  pending().push_back(Event{EventKind::kDisconnect, {}});
}

std::vector<uint8_t> info_value() {
  for (BLECharacteristic* c : characteristics())
    if (c->properties() == BLERead) return std::vector<uint8_t>(c->value(), c->value() + c->valueLength());
  return {};
}

}  // namespace fake

using fake::world;

// ---- Arduino core ----------------------------------------------------------------------------

unsigned long micros() { return static_cast<uint32_t>(world().now_us); }  // 32 bits, wraps
unsigned long millis() { return static_cast<uint32_t>(world().now_us / 1000u); }
void delay(unsigned long ms) { fake::advance_us(1000ull * ms); }
void pinMode(uint8_t, PinMode) {}
void digitalWrite(uint8_t pin, int value) {
  if (pin < 32) world().pins[pin] = value;
}

FakeSerial Serial;
size_t FakeSerial::print(const char* s) {
  world().serial += s;
  return strlen(s);
}
size_t FakeSerial::print(unsigned long v) { return print(std::to_string(v).c_str()); }
size_t FakeSerial::println(const char* s) { return print(s) + print("\n"); }
size_t FakeSerial::println(unsigned long v) { return print(v) + print("\n"); }

TwoWire Wire;
TwoWire Wire1;

// ---- ArduinoBLE -------------------------------------------------------------------------------

BLECharacteristic::BLECharacteristic(const char* uuid, uint16_t permissions, int valueSize,
                                     bool fixedLength)
    : uuid_(uuid), properties_(permissions), value_size_(valueSize), fixed_length_(fixedLength) {
  fake::characteristics().push_back(this);
}

int BLECharacteristic::writeValue(const uint8_t value[], int length, bool) {
  length = std::min(length, value_size_);
  memcpy(value_, value, static_cast<size_t>(length));
  value_length_ = length;
  if (!(properties_ & BLENotify)) return 1;
  // ATTClass::handleNotify: nothing without a subscribed central, else cut to MTU - 3.
  if (!world().connected || !world().subscribed) return 0;
  const int sent = std::min(length, static_cast<int>(world().mtu) - 3);
  world().notifications.push_back(fake::Notification{
      world().now_us, std::vector<uint8_t>(value, value + sent), static_cast<size_t>(length)});
  return sent;
}

int BLECharacteristic::writeValue(const void* value, int length, bool withResponse) {
  return writeValue(static_cast<const uint8_t*>(value), length, withResponse);
}

bool BLECharacteristic::written() {
  const bool w = fake_written;
  fake_written = false;
  return w;
}

bool BLECharacteristic::subscribed() { return world().connected && world().subscribed; }

void BLECharacteristic::setEventHandler(int event, BLECharacteristicEventHandler eventHandler) {
  if (event == BLEWritten) written_handler = eventHandler;
}

void BLECharacteristic::fake_central_write(const uint8_t* data, int length) {
  length = std::min(length, fixed_length_ ? value_size_ : static_cast<int>(sizeof value_));
  memcpy(value_, data, static_cast<size_t>(length));
  value_length_ = length;
  fake_written = true;
}

void BLEService::addCharacteristic(BLECharacteristic&) {}

int BLELocalDevice::begin() { return 1; }
void BLELocalDevice::poll() {
  std::vector<fake::Event> events;
  events.swap(fake::pending());
  for (const fake::Event& e : events) {
    switch (e.kind) {
      case fake::EventKind::kConnect:
        if (fake::connect_handler) fake::connect_handler(BLEDevice(true, fake::kCentralAddress));
        break;
      case fake::EventKind::kDisconnect:
        if (fake::disconnect_handler) fake::disconnect_handler(BLEDevice(false, fake::kCentralAddress));
        break;
      case fake::EventKind::kWrite:
        if (BLECharacteristic* c = fake::find_characteristic(BLEWrite)) {
          c->fake_central_write(e.data.data(), static_cast<int>(e.data.size()));
          if (c->written_handler) c->written_handler(BLEDevice(true, fake::kCentralAddress), *c);
        }
        break;
    }
  }
}
void BLELocalDevice::poll(unsigned long) { poll(); }
bool BLELocalDevice::connected() const { return world().connected; }
bool BLELocalDevice::disconnect() {
  fake::central_disconnect();
  return true;
}
String BLELocalDevice::address() const { return String(fake::kLocalAddress); }
bool BLELocalDevice::setAdvertisedService(const BLEService&) { return true; }
bool BLELocalDevice::setLocalName(const char* localName) {
  world().local_name = localName;
  return true;
}
void BLELocalDevice::setDeviceName(const char*) {}
void BLELocalDevice::addService(BLEService&) {}
int BLELocalDevice::advertise() { return 1; }
void BLELocalDevice::stopAdvertise() {}
BLEDevice BLELocalDevice::central() {
  return world().connected ? BLEDevice(true, fake::kCentralAddress) : BLEDevice();
}
void BLELocalDevice::setConnectionInterval(uint16_t, uint16_t) {}
void BLELocalDevice::setEventHandler(BLEDeviceEvent event, BLEDeviceEventHandler eventHandler) {
  if (event == BLEConnected) fake::connect_handler = eventHandler;
  if (event == BLEDisconnected) fake::disconnect_handler = eventHandler;
}

static BLELocalDevice fake_ble;
BLELocalDevice& BLE = fake_ble;

// The central has a random address (type 1); handles exist only while connected.
uint16_t ATTClass::connectionHandle(uint8_t addressType, const uint8_t address[6]) const {
  const uint8_t central[6] = {0x56, 0x34, 0x12, 0xee, 0xff, 0xc0};  // little-endian
  if (!world().connected || addressType != 1 || memcmp(address, central, 6) != 0) return 0xffff;
  return fake::kConnHandle;
}
uint16_t ATTClass::mtu(uint16_t handle) const {
  return (world().connected && handle == fake::kConnHandle) ? world().mtu : 23;
}
static ATTClass fake_att;
ATTClass& ATT = fake_att;

// ---- Arduino_LSM9DS1 (Rev1): 119 Hz nominal, 20 Hz magnetometer, 32-sample FIFO -------------

LSM9DS1Class::LSM9DS1Class(TwoWire&) {}
int LSM9DS1Class::begin() {
  if (!world().lsm9ds1.present) return 0;
  fake::start(world().lsm9ds1, 119.0, 20.0);
  return 1;
}
void LSM9DS1Class::end() { world().lsm9ds1.rate_hz = 0; }
void LSM9DS1Class::setContinuousMode() {}
void LSM9DS1Class::setOneShotMode() {}
int LSM9DS1Class::accelerationAvailable() {
  return static_cast<int>(std::min<uint64_t>(fake::available(world().lsm9ds1), 32));
}
int LSM9DS1Class::gyroscopeAvailable() { return accelerationAvailable(); }
int LSM9DS1Class::magneticFieldAvailable() { return fake::mag_available(world().lsm9ds1); }
// Gyro then accel reads one FIFO entry; the accel read pops it.
int LSM9DS1Class::readGyroscope(float& x, float& y, float& z) {
  if (!fake::available(world().lsm9ds1)) return 0;
  fake::read_gyro(world().lsm9ds1, x, y, z);
  return 1;
}
int LSM9DS1Class::readAcceleration(float& x, float& y, float& z) {
  if (!fake::available(world().lsm9ds1)) return 0;
  fake::read_acc(world().lsm9ds1, x, y, z);
  ++world().lsm9ds1.next;
  return 1;
}
int LSM9DS1Class::readMagneticField(float& x, float& y, float& z) {
  return fake::read_mag(world().lsm9ds1, x, y, z);
}
float LSM9DS1Class::accelerationSampleRate() { return static_cast<float>(world().lsm9ds1.rate_hz); }
float LSM9DS1Class::gyroscopeSampleRate() { return accelerationSampleRate(); }
float LSM9DS1Class::magneticFieldSampleRate() { return static_cast<float>(world().lsm9ds1.mag_rate_hz); }

LSM9DS1Class IMU_LSM9DS1(Wire1);

// ---- Arduino_BMI270_BMM150 (Rev2): ODR from the configure_sensor hook, 10 Hz magnetometer ----

int8_t bmi2_set_int_pin_config(const struct bmi2_int_pin_config*, struct bmi2_dev*) { return BMI2_OK; }
int8_t bmi2_map_data_int(uint8_t, enum bmi2_hw_int_pin, struct bmi2_dev*) { return BMI2_OK; }
int8_t bmi2_set_sensor_config(struct bmi2_sens_config* sens_cfg, uint8_t n_sens, struct bmi2_dev*) {
  for (uint8_t i = 0; i < n_sens; ++i)
    if (sens_cfg[i].type == BMI2_ACCEL)
      world().bmi270.rate_hz = sens_cfg[i].cfg.acc.odr == BMI2_ACC_ODR_200HZ ? 200.0 : 100.0;
  return BMI2_OK;
}
int8_t bmi2_sensor_enable(const uint8_t*, uint8_t, struct bmi2_dev*) { return BMI2_OK; }

BoschSensorClass::BoschSensorClass(TwoWire&) {}
void BoschSensorClass::setContinuousMode() {}
void BoschSensorClass::oneShotMode() {}
int BoschSensorClass::begin(CfgBoshSensor_t) {
  fake::FakeSensor& s = world().bmi270;
  if (!s.present) return 0;
  s.rate_hz = 100.0;  // the library's default, unless the subclass hook configures another
  if (configure_sensor(&bmi2_) != BMI2_OK || configure_sensor(&bmm_) != BMI2_OK) return 0;
  fake::start(s, s.rate_hz, 10.0);
  burst_left_ = 0;
  return 1;
}
void BoschSensorClass::end() { world().bmi270.rate_hz = 0; }
int8_t BoschSensorClass::configure_sensor(struct bmm150_dev*) { return BMI2_OK; }
int8_t BoschSensorClass::configure_sensor(struct bmi2_dev*) {
  world().bmi270.rate_hz = 100.0;
  return BMI2_OK;
}
// A burst is everything in the FIFO; accel then gyro reads one sample, the gyro read pops it.
int BoschSensorClass::accelerationAvailable() {
  if (burst_left_ == 0) burst_left_ = static_cast<size_t>(fake::available(world().bmi270));
  return static_cast<int>(burst_left_);
}
int BoschSensorClass::gyroscopeAvailable() { return accelerationAvailable(); }
int BoschSensorClass::magneticFieldAvailable() { return fake::mag_available(world().bmi270); }
int BoschSensorClass::readAcceleration(float& x, float& y, float& z) {
  if (burst_left_ == 0) return 0;
  fake::read_acc(world().bmi270, x, y, z);
  return 1;
}
int BoschSensorClass::readGyroscope(float& x, float& y, float& z) {
  if (burst_left_ == 0) return 0;
  fake::read_gyro(world().bmi270, x, y, z);
  ++world().bmi270.next;
  --burst_left_;
  return 1;
}
int BoschSensorClass::readMagneticField(float& x, float& y, float& z) {
  return fake::read_mag(world().bmi270, x, y, z);
}
float BoschSensorClass::accelerationSampleRate() { return static_cast<float>(world().bmi270.rate_hz); }
float BoschSensorClass::gyroscopeSampleRate() { return accelerationSampleRate(); }
float BoschSensorClass::magneticFieldSampleRate() { return static_cast<float>(world().bmi270.mag_rate_hz); }

BoschSensorClass IMU_BMI270_BMM150(Wire1);
