// Host implementations of the fakes: a simulated clock, LSM9DS1 / BMI270+BMM150 that produce
// samples at their (real, not nominal) rate into bounded FIFOs, and a BLE peripheral that a test
// drives as the central would.
#include <ArduinoBLE.h>
#include <Arduino_BMI270_BMM150.h>
#include <Arduino_LSM9DS1.h>
#include <utility/ATT.h>

#include <deque>

#include "fake_world.h"

namespace {

uint64_t g_now_us = 0;

// --- sensors ---
struct SensorSim {
  int rev = 1;
  double rate_factor = 1.0;
  bool started = false;
  double nominal_hz = 119.0;
  double mag_hz = 20.0;
  size_t fifo_depth = 32;
  uint64_t start_us = 0;
  uint64_t produced = 0;  // samples produced since start
  std::deque<uint64_t> fifo;  // sample indices waiting
  uint64_t mag_produced = 0;
  uint64_t mag_read = 0;
  uint64_t current = 0;  // index being read out
  int bmi_rate = 100;
  int bmi_acc_g = 4;
  int begins = 0;

  void update() {
    if (!started) return;
    double period = 1e6 / (nominal_hz * rate_factor);
    uint64_t due = static_cast<uint64_t>(static_cast<double>(g_now_us - start_us) / period);
    while (produced < due) {
      fifo.push_back(produced++);
      if (fifo.size() > fifo_depth) fifo.pop_front();  // FIFO overwrites its oldest sample
    }
    mag_produced = static_cast<uint64_t>(static_cast<double>(g_now_us - start_us) * mag_hz / 1e6);
  }
  void restart(double hz, double mag, size_t depth) {
    nominal_hz = hz;
    mag_hz = mag;
    fifo_depth = depth;
    started = true;
    start_us = g_now_us;
    produced = 0;
    mag_read = 0;
    mag_produced = 0;
    fifo.clear();
  }
} g_sensor;

// --- BLE ---
struct BleSim {
  bool connected = false;
  bool subscribed = false;
  uint16_t mtu = 23;
  uint32_t stall_us = 0;
  int fail_count = 0;  // notifications still to fail
  int fail_sent = 0;   // what writeValue returns for them
  std::deque<std::vector<uint8_t>> writes_in_notify;
  int notify_depth = 0;  // > 0 while inside a notification
  int reentrant_changes = 0;
  int address_strings = 0;
  int advertise_calls = 0;
  std::string name;
  std::vector<BLECharacteristic*> chars;
  BLEDeviceEventHandler on_connect = nullptr;
  BLEDeviceEventHandler on_disconnect = nullptr;
  std::deque<int> pending_events;  // 0 connect, 1 disconnect
  std::deque<std::vector<uint8_t>> pending_writes;
  std::vector<std::vector<uint8_t>> notes;
  BLECharacteristic* info = nullptr;
  BLECharacteristic* control = nullptr;
  BLECharacteristic* data = nullptr;
} g_ble;

}  // namespace

// ---------------------------------------------------------------- Arduino
FakeSerial Serial;
TwoWire Wire;
TwoWire Wire1;

unsigned long micros() { return static_cast<unsigned long>(static_cast<uint32_t>(g_now_us)); }
unsigned long millis() { return static_cast<unsigned long>(g_now_us / 1000u); }
void delay(unsigned long ms) { g_now_us += ms * 1000u; }
void pinMode(uint8_t, PinMode) {}
void digitalWrite(uint8_t, int) {}
size_t FakeSerial::print(const char* s) { return static_cast<size_t>(printf("%s", s)); }
size_t FakeSerial::print(unsigned long v) { return static_cast<size_t>(printf("%lu", v)); }
size_t FakeSerial::println(const char* s) { return static_cast<size_t>(printf("%s\n", s)); }
size_t FakeSerial::println(unsigned long v) { return static_cast<size_t>(printf("%lu\n", v)); }

// ---------------------------------------------------------------- fake world
namespace fake {

const char* kCentralAddress = "c0:ff:ee:12:34:56";

void advance_us(uint32_t dt) { g_now_us += dt; }
uint64_t now_us() { return g_now_us; }
void set_board(int rev, double rate_factor) {
  g_sensor.rev = rev;
  g_sensor.rate_factor = rate_factor;
}
int bmi_rate_hz() { return g_sensor.bmi_rate; }
int bmi_acc_range_g() { return g_sensor.bmi_acc_g; }
int begin_calls() { return g_sensor.begins; }

void board_frame_truth(uint64_t i, float gyro[3], float acc[3], float mag[3]) {
  // head turning slowly, board nearly flat: distinct values on every axis
  gyro[0] = 10.0f + static_cast<float>(i % 50);
  gyro[1] = -20.0f;
  gyro[2] = 30.0f;
  acc[0] = 0.25f;
  acc[1] = -0.125f;
  acc[2] = 1.0f;
  mag[0] = 20.0f;
  mag[1] = -5.0f;
  mag[2] = -40.0f;
}

void connect(uint16_t mtu) {
  g_ble.connected = true;
  g_ble.mtu = mtu;
  g_ble.pending_events.push_back(0);
}
void disconnect() {
  g_ble.connected = false;
  g_ble.subscribed = false;
  g_ble.mtu = 23;
  g_ble.pending_events.push_back(1);
}
void set_mtu(uint16_t mtu) { g_ble.mtu = mtu; }
void subscribe(bool on) { g_ble.subscribed = on; }
void write_control(const std::vector<uint8_t>& b) { g_ble.pending_writes.push_back(b); }
void stall_next_notification(uint32_t dt) { g_ble.stall_us = dt; }
void fail_next_notifications(int count, int sent) {
  g_ble.fail_count = count;
  g_ble.fail_sent = sent;
}
void write_control_during_next_notification(const std::vector<uint8_t>& b) {
  g_ble.writes_in_notify.push_back(b);
}
int reentrant_changes() { return g_ble.reentrant_changes; }
int address_strings() { return g_ble.address_strings; }
std::vector<std::vector<uint8_t>>& notifications() { return g_ble.notes; }
std::vector<uint8_t> info_value() {
  if (!g_ble.info) return {};
  return std::vector<uint8_t>(g_ble.info->value(), g_ble.info->value() + g_ble.info->valueLength());
}
int advertise_calls() { return g_ble.advertise_calls; }
std::string local_name() { return g_ble.name; }

}  // namespace fake

// ---------------------------------------------------------------- LSM9DS1
LSM9DS1Class IMU_LSM9DS1(Wire1);
LSM9DS1Class::LSM9DS1Class(TwoWire&) {}
int LSM9DS1Class::begin() {
  if (g_sensor.rev != 1) return 0;
  ++g_sensor.begins;
  if (g_ble.notify_depth > 0) ++g_ble.reentrant_changes;
  g_sensor.restart(119.0, 20.0, 32);
  return 1;
}
void LSM9DS1Class::end() { g_sensor.started = false; }
void LSM9DS1Class::setContinuousMode() {}
void LSM9DS1Class::setOneShotMode() {}
int LSM9DS1Class::accelerationAvailable() {
  g_sensor.update();
  return g_sensor.fifo.empty() ? 0 : 1;
}
int LSM9DS1Class::gyroscopeAvailable() { return accelerationAvailable(); }
float LSM9DS1Class::accelerationSampleRate() { return 119.0f; }
float LSM9DS1Class::gyroscopeSampleRate() { return 119.0f; }
float LSM9DS1Class::magneticFieldSampleRate() { return 20.0f; }

// Quantise like the library: int16 counts times its fixed factor.
static float quant(float v, float per_count) {
  float c = roundf(v / per_count);
  if (c > 32767.0f) c = 32767.0f;
  if (c < -32768.0f) c = -32768.0f;
  return c * per_count;
}

int LSM9DS1Class::readGyroscope(float& x, float& y, float& z) {
  // gyro is read first and peeks the sample; readAcceleration pops it
  if (g_sensor.fifo.empty()) return 0;
  float g[3], a[3], m[3];
  fake::board_frame_truth(g_sensor.fifo.front(), g, a, m);
  x = quant(g[0], 2000.0f / 32768.0f);
  y = quant(g[1], 2000.0f / 32768.0f);
  z = quant(g[2], 2000.0f / 32768.0f);
  return 1;
}
int LSM9DS1Class::readAcceleration(float& x, float& y, float& z) {
  if (g_sensor.fifo.empty()) return 0;
  float g[3], a[3], m[3];
  fake::board_frame_truth(g_sensor.fifo.front(), g, a, m);
  g_sensor.fifo.pop_front();
  x = quant(a[0], 4.0f / 32768.0f);
  y = quant(a[1], 4.0f / 32768.0f);
  z = quant(a[2], 4.0f / 32768.0f);
  return 1;
}
int LSM9DS1Class::magneticFieldAvailable() {
  g_sensor.update();
  return g_sensor.mag_produced > g_sensor.mag_read ? 1 : 0;
}
int LSM9DS1Class::readMagneticField(float& x, float& y, float& z) {
  float g[3], a[3], m[3];
  fake::board_frame_truth(0, g, a, m);
  g_sensor.mag_read = g_sensor.mag_produced;
  x = quant(-m[0], 400.0f / 32768.0f);  // the LSM9DS1 magnetometer's x axis is reversed
  y = quant(m[1], 400.0f / 32768.0f);
  z = quant(m[2], 400.0f / 32768.0f);
  return 1;
}

// ---------------------------------------------------------------- BMI270 + BMM150
BoschSensorClass IMU_BMI270_BMM150(Wire1);
BoschSensorClass::BoschSensorClass(TwoWire&) {}
int BoschSensorClass::begin(CfgBoshSensor_t) {
  if (g_sensor.rev != 2) return 0;
  ++g_sensor.begins;
  if (g_ble.notify_depth > 0) ++g_ble.reentrant_changes;
  if (configure_sensor(&bmi2_) != BMI2_OK) return 0;
  configure_sensor(&bmm_);
  g_sensor.restart(g_sensor.bmi_rate, 10.0, 1024);
  burst_left_ = 0;
  return 1;
}
void BoschSensorClass::end() { g_sensor.started = false; }
void BoschSensorClass::setContinuousMode() {}
void BoschSensorClass::oneShotMode() {}
int8_t BoschSensorClass::configure_sensor(struct bmm150_dev*) { return 0; }
int8_t BoschSensorClass::configure_sensor(struct bmi2_dev*) {
  g_sensor.bmi_rate = 100;
  g_sensor.bmi_acc_g = 4;
  return 0;
}
int BoschSensorClass::accelerationAvailable() {
  // like the library: nothing until the 8-sample watermark, then the burst length
  if (burst_left_ > 0) return 1;
  g_sensor.update();
  if (g_sensor.fifo.size() < 8) return 0;
  burst_left_ = 8;
  return 8;
}
int BoschSensorClass::gyroscopeAvailable() { return accelerationAvailable(); }
float BoschSensorClass::accelerationSampleRate() { return static_cast<float>(g_sensor.bmi_rate); }
float BoschSensorClass::gyroscopeSampleRate() { return static_cast<float>(g_sensor.bmi_rate); }
float BoschSensorClass::magneticFieldSampleRate() { return 10.0f; }

int BoschSensorClass::readAcceleration(float& x, float& y, float& z) {
  if (burst_left_ == 0 || g_sensor.fifo.empty()) return 0;
  float g[3], a[3], m[3];
  fake::board_frame_truth(g_sensor.fifo.front(), g, a, m);
  // BMI270 axes = board axes; the library reports (-y, -x, z), divided by 8192 per g
  const float k = static_cast<float>(g_sensor.bmi_acc_g) / 4.0f;  // other ranges: scaled floats
  x = quant(-a[1], 1.0f / 8192.0f * k) / k;
  y = quant(-a[0], 1.0f / 8192.0f * k) / k;
  z = quant(a[2], 1.0f / 8192.0f * k) / k;
  return 1;
}
int BoschSensorClass::readGyroscope(float& x, float& y, float& z) {
  if (burst_left_ == 0 || g_sensor.fifo.empty()) return 0;
  float g[3], a[3], m[3];
  fake::board_frame_truth(g_sensor.fifo.front(), g, a, m);
  g_sensor.fifo.pop_front();
  --burst_left_;
  x = quant(-g[1], 1.0f / 16.384f);
  y = quant(-g[0], 1.0f / 16.384f);
  z = quant(g[2], 1.0f / 16.384f);
  return 1;
}
int BoschSensorClass::magneticFieldAvailable() {
  g_sensor.update();
  return g_sensor.mag_produced > g_sensor.mag_read ? 1 : 0;
}
int BoschSensorClass::readMagneticField(float& x, float& y, float& z) {
  float g[3], a[3], m[3];
  fake::board_frame_truth(0, g, a, m);
  g_sensor.mag_read = g_sensor.mag_produced;
  x = m[0];
  y = m[1];
  z = m[2];
  return 1;
}

int8_t bmi2_set_int_pin_config(const struct bmi2_int_pin_config*, struct bmi2_dev*) { return BMI2_OK; }
int8_t bmi2_map_data_int(uint8_t, enum bmi2_hw_int_pin, struct bmi2_dev*) { return BMI2_OK; }
int8_t bmi2_set_sensor_config(struct bmi2_sens_config* cfg, uint8_t n, struct bmi2_dev*) {
  for (uint8_t i = 0; i < n; ++i) {
    if (cfg[i].type == BMI2_ACCEL) {
      g_sensor.bmi_rate = cfg[i].cfg.acc.odr == BMI2_ACC_ODR_200HZ ? 200 : 100;
      const int codes[] = {2, 4, 8, 16};
      g_sensor.bmi_acc_g = codes[cfg[i].cfg.acc.range & 3];
    }
  }
  return BMI2_OK;
}
int8_t bmi2_sensor_enable(const uint8_t*, uint8_t, struct bmi2_dev*) { return BMI2_OK; }

// ---------------------------------------------------------------- ArduinoBLE
BLECharacteristic::BLECharacteristic(const char* uuid, uint16_t permissions, int valueSize,
                                     bool fixedLength)
    : uuid_(uuid), properties_(permissions), value_size_(valueSize), fixed_length_(fixedLength) {}

int BLECharacteristic::writeValue(const uint8_t value[], int length, bool) {
  int n = length < value_size_ ? length : value_size_;
  if (!(properties_ & BLENotify) && g_ble.notify_depth > 0) ++g_ble.reentrant_changes;
  memcpy(value_, value, static_cast<size_t>(n));
  value_length_ = fixed_length_ ? value_size_ : n;
  if (properties_ & BLENotify) {
    if (!g_ble.connected || !g_ble.subscribed) return 0;
    if (g_ble.stall_us) {  // a weak link: the call blocks
      g_now_us += g_ble.stall_us;
      g_ble.stall_us = 0;
    }
    if (!g_ble.writes_in_notify.empty()) {  // the stack polls while it waits for a buffer
      ++g_ble.notify_depth;
      while (!g_ble.writes_in_notify.empty()) {
        g_ble.pending_writes.push_back(g_ble.writes_in_notify.front());
        g_ble.writes_in_notify.pop_front();
      }
      BLE.poll();
      --g_ble.notify_depth;
    }
    int sent = n < g_ble.mtu - 3 ? n : g_ble.mtu - 3;  // the stack cuts to MTU - 3
    if (g_ble.fail_count > 0 && g_ble.fail_sent < sent) {
      --g_ble.fail_count;
      sent = g_ble.fail_sent;
    }
    if (sent > 0) g_ble.notes.emplace_back(value_, value_ + sent);
    return sent;
  }
  return value_length_;
}
int BLECharacteristic::writeValue(const void* value, int length, bool withResponse) {
  return writeValue(static_cast<const uint8_t*>(value), length, withResponse);
}
bool BLECharacteristic::written() {
  bool w = fake_written;
  fake_written = false;
  return w;
}
bool BLECharacteristic::subscribed() { return g_ble.connected && g_ble.subscribed; }
void BLECharacteristic::setEventHandler(int event, BLECharacteristicEventHandler h) {
  if (event == BLEWritten) written_handler = h;
}
void BLECharacteristic::fake_central_write(const uint8_t* data, int length) {
  int n = length < value_size_ ? length : value_size_;
  memcpy(value_, data, static_cast<size_t>(n));
  value_length_ = n;
  fake_written = true;
  if (written_handler) written_handler(BLEDevice(true, fake::kCentralAddress), *this);
}

String BLEDevice::address() const {
  ++g_ble.address_strings;
  return String(address_);
}

void BLEService::addCharacteristic(BLECharacteristic& c) {
  g_ble.chars.push_back(&c);
  if (c.properties() & BLENotify) g_ble.data = &c;
  if (c.properties() & BLEWrite) g_ble.control = &c;
  if (c.properties() == BLERead) g_ble.info = &c;
}

static BLELocalDevice g_local_device;
BLELocalDevice& BLE = g_local_device;

int BLELocalDevice::begin() { return 1; }
void BLELocalDevice::poll() {
  while (!g_ble.pending_events.empty()) {
    int e = g_ble.pending_events.front();
    g_ble.pending_events.pop_front();
    BLEDeviceEventHandler h = e == 0 ? g_ble.on_connect : g_ble.on_disconnect;
    if (h) h(BLEDevice(true, fake::kCentralAddress));
  }
  while (!g_ble.pending_writes.empty() && g_ble.control) {
    std::vector<uint8_t> w = g_ble.pending_writes.front();
    g_ble.pending_writes.pop_front();
    g_ble.control->fake_central_write(w.data(), static_cast<int>(w.size()));
  }
}
void BLELocalDevice::poll(unsigned long) { poll(); }
bool BLELocalDevice::connected() const { return g_ble.connected; }
bool BLELocalDevice::disconnect() {
  fake::disconnect();
  return true;
}
String BLELocalDevice::address() const { return String("f4:12:fa:6b:9a:7e"); }
bool BLELocalDevice::setAdvertisedService(const BLEService&) { return true; }
bool BLELocalDevice::setLocalName(const char* name) {
  g_ble.name = name;
  return true;
}
void BLELocalDevice::setDeviceName(const char*) {}
void BLELocalDevice::addService(BLEService&) {}
int BLELocalDevice::advertise() {
  ++g_ble.advertise_calls;
  return 1;
}
void BLELocalDevice::stopAdvertise() {}
BLEDevice BLELocalDevice::central() {
  return g_ble.connected ? BLEDevice(true, fake::kCentralAddress) : BLEDevice();
}
void BLELocalDevice::setConnectionInterval(uint16_t, uint16_t) {}
void BLELocalDevice::setEventHandler(BLEDeviceEvent event, BLEDeviceEventHandler h) {
  if (event == BLEConnected) g_ble.on_connect = h;
  if (event == BLEDisconnected) g_ble.on_disconnect = h;
}

// The central has a random address (type 1); its handle is 0x0040.
class FakeATT : public ATTClass {
 public:
  uint16_t connectionHandle(uint8_t type, const uint8_t a[6]) const override {
    const uint8_t want[6] = {0x56, 0x34, 0x12, 0xee, 0xff, 0xc0};  // little-endian
    if (g_ble.connected && type == 1 && memcmp(a, want, 6) == 0) return 0x0040;
    return 0xffff;
  }
  uint16_t mtu(uint16_t handle) const override { return handle == 0x0040 ? g_ble.mtu : 23; }
};
uint16_t ATTClass::connectionHandle(uint8_t, const uint8_t[6]) const { return 0xffff; }
uint16_t ATTClass::mtu(uint16_t) const { return 23; }
static FakeATT g_att;
ATTClass& ATT = g_att;
