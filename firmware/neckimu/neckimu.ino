// neckimu firmware: streams head-worn IMU samples over BLE (docs/wire-format.md, version 1).
// Board: Arduino Nano 33 BLE, Rev1 (LSM9DS1) or Rev2 (BMI270 + BMM150); see board_config.h.
//
// The loop never waits: it applies the control commands that arrived, drains the sensor FIFO,
// stamps the samples with the sample clock, queues them in the streamer, and only then offers
// packets to the radio. A packet leaves the streamer only once the radio took it whole; one
// that was not sent is sent again on the next pass. A notification can block on a weak link
// (ArduinoBLE issue 315); the sensor FIFO and the streamer's drop-oldest buffer absorb that,
// and any loss is counted and flagged, never hidden by shifting times.

#include <ArduinoBLE.h>
#include <utility/ATT.h>

#include "board_config.h"
#include "imu_source.h"
#include "status_led.h"
#include "src/core/control.h"
#include "src/core/info.h"
#include "src/core/wire.h"
#include "src/core/sample_clock.h"
#include "src/core/settings.h"
#include "src/core/streamer.h"
#include "src/core/units.h"
#if NECKIMU_WITH_REV1
#include "imu_rev1.h"
#endif
#if NECKIMU_WITH_REV2
#include "imu_rev2.h"
#endif

using namespace neckimu;

namespace {

constexpr size_t kMaxPacketsPerLoop = 4;        // then read the sensor again
constexpr uint32_t kInfoRefresh_us = 1000000;  // overflow count in the info value, 1 Hz
constexpr uint32_t kLogPeriod_us = 5000000;    // serial status line

BLEService service(proto::kServiceUuid);
BLECharacteristic data_char(proto::kDataUuid, BLENotify, proto::kMaxPayload, false);
BLECharacteristic control_char(proto::kControlUuid, BLEWrite, proto::kControlMaxSize, false);
BLECharacteristic info_char(proto::kInfoUuid, BLERead, proto::kInfoSize, true);

#if NECKIMU_WITH_REV1
ImuRev1 imu_rev1;
#endif
#if NECKIMU_WITH_REV2
ImuRev2 imu_rev2;
#endif
ImuSource* imu = nullptr;

Settings settings;
// Where the board is worn: head (default) or trunk. Set by the client's role command, kept in RAM
// across reconnects (a reboot makes it the head again; the client sends it on every connect).
uint8_t role = proto::kRoleHead;
Streamer streamer;
SampleClock sample_clock;
StatusLed led;
CommandQueue commands;  // written by on_control, applied by loop()
char local_name[16];

// the link
constexpr uint16_t kNoHandle = 0xffff;
uint16_t conn_handle = kNoHandle;  // the central's ATT connection handle, found at connect
size_t payload_cap = proto::kMaxPayload;  // lowered if the stack ever cuts a notification

// diagnostics for the serial log
uint32_t samples_read = 0;
uint32_t packets_sent = 0;
uint32_t send_retries = 0;  // notifications the radio did not take whole (sent again later)
uint32_t last_info_us = 0;
uint32_t last_log_us = 0;
uint16_t last_mtu = 23;

void reset_clock() {
  sample_clock.reset(1e6f / static_cast<float>(settings.rate_hz), imu ? imu->hidden_samples() : 0);
}

bool start_imu() {
  reset_clock();
  streamer.configure(settings.rate_hz);
  return imu != nullptr && imu->begin(settings);
}

void publish_info() {
  uint8_t buf[proto::kInfoSize];
  const Board board = imu ? imu->board() : Board::kRev1;
  encode_info(make_info(board, settings, streamer.streaming(), streamer.overflow_count(), role),
              buf);
  info_char.writeValue(buf, sizeof buf);
}

// "aa:bb:cc:dd:ee:ff" (most significant byte first, as BLEDevice::address() prints it) into the
// little-endian byte order ArduinoBLE keeps addresses in.
bool parse_address(const char* s, uint8_t out[6]) {
  for (int i = 0; i < 6; ++i) {
    unsigned v = 0;
    for (int k = 0; k < 2; ++k) {
      char c = s[3 * i + k];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else return false;
    }
    out[5 - i] = static_cast<uint8_t>(v);
  }
  return true;
}

// The central's ATT connection handle, from its address (public or random type); kNoHandle if
// ATT does not know it. ArduinoBLE has no public accessor for the handle of a BLEDevice.
uint16_t find_handle(const char* address) {
  uint8_t addr[6];
  if (!parse_address(address, addr)) return kNoHandle;
  for (uint8_t type = 0; type <= 1; ++type) {
    const uint16_t handle = ATT.connectionHandle(type, addr);
    if (handle != kNoHandle) return handle;
  }
  return kNoHandle;
}

// The ATT MTU the central negotiated (23 until it asks: ArduinoBLE never starts the exchange).
// Read on every pass (the exchange comes after the connection) from the handle found at
// connect: ArduinoBLE has no public MTU getter but ATT.mtu(handle).
uint16_t negotiated_mtu() {
  if (conn_handle == kNoHandle) return proto::kMinMtu;
  return ATT.mtu(conn_handle);
}

// BLE write handler: parse and queue, nothing else (see CommandQueue). It can run inside
// data_char.writeValue(), in the middle of send_packets().
void on_control(BLEDevice, BLECharacteristic c) {
  Command cmd;
  if (!parse_command(c.value(), static_cast<size_t>(c.valueLength()), &cmd)) return;  // ignored
  commands.push(cmd, static_cast<uint32_t>(micros()));
}

// Applies one control command, from loop().
void apply_command(const PendingCommand& p) {
  const Command& cmd = p.cmd;
  const Board board = imu ? imu->board() : Board::kRev1;
  const Settings before = settings;
  switch (cmd.opcode) {
    case proto::kOpStart:
      reset_clock();
      streamer.start();
      break;
    case proto::kOpStop:
      streamer.stop();
      break;
    case proto::kOpSetRate:
      settings.rate_hz = nearest_rate_hz(board, cmd.rate_hz);
      break;
    case proto::kOpSetRanges:
      settings.gyro_range_dps = nearest_gyro_range_dps(board, cmd.gyro_range_dps);
      settings.acc_range_g = nearest_acc_range_g(board, cmd.acc_range_g);
      break;
    case proto::kOpMarkEvent:
      streamer.mark_event(p.t_us, cmd.event_code);  // stamped when it arrived
      break;
    case proto::kOpSetMag:
      settings.mag_enabled = cmd.mag_enabled;
      break;
    case proto::kOpSetRole:
      role = cmd.role;  // only reported: both roles stream the same way
      break;
  }
  const bool sensor_changed = settings.rate_hz != before.rate_hz ||
                              settings.gyro_range_dps != before.gyro_range_dps ||
                              settings.acc_range_g != before.acc_range_g;
  if (sensor_changed && !start_imu()) Serial.println("neckimu: sensor restart failed");
  publish_info();
}

void apply_commands() {
  PendingCommand p;
  while (commands.pop(&p)) apply_command(p);
}

void on_connect(BLEDevice central) {
  const String address = central.address();  // once per connection, not per loop
  conn_handle = find_handle(address.c_str());
  payload_cap = proto::kMaxPayload;
  Serial.print("neckimu: connected to ");
  Serial.println(address.c_str());
}

void on_disconnect(BLEDevice) {
  conn_handle = kNoHandle;
  commands.clear();  // what the central asked for ends with its connection
  streamer.stop();
  publish_info();
  BLE.advertise();  // be findable again at once
  Serial.println("neckimu: disconnected, advertising");
}

// Reads everything the sensors have and queues it. Never blocks on the radio.
void sample_sensors() {
  static float gyro[ImuSource::kMaxBurst][3];
  static float acc[ImuSource::kMaxBurst][3];
  static uint32_t times[ImuSource::kMaxBurst];
  const size_t k = imu->read_imu(gyro, acc, ImuSource::kMaxBurst);
  if (k == 0) return;
  const uint32_t now = static_cast<uint32_t>(micros());
  const bool drained = k < ImuSource::kMaxBurst;
  const uint32_t lost = sample_clock.stamp(now, k, times, drained);
  streamer.skip_imu(lost);
  samples_read += k;
  const Board board = imu->board();
  for (size_t i = 0; i < k; ++i) {
    ImuRecord r;
    const uint8_t flags = imu_from_library(board, gyro[i], acc[i], times[i], &r);
    if (flags) led.flag(now);
    streamer.push_imu(r, flags);
  }
  // Read the magnetometer only right after IMU samples, so its record is never older than
  // the IMU samples still waiting, and can ride in their packet.
  float mag[3];
  if (settings.mag_enabled && imu->read_mag(mag)) {
    MagRecord m;
    const uint8_t flags = mag_from_library(board, mag, static_cast<uint32_t>(micros()), &m);
    if (flags) led.flag(now);
    streamer.push_mag(m, flags);
  }
}

void send_packets() {
  if (!BLE.connected() || !streamer.streaming() || !data_char.subscribed()) return;
  const uint16_t mtu = negotiated_mtu();
  if (mtu != last_mtu) {
    last_mtu = mtu;
    payload_cap = proto::kMaxPayload;
    Serial.print("neckimu: MTU ");
    Serial.println(mtu);
  }
  const size_t limit = proto::payload_limit(mtu);
  const size_t payload = limit < payload_cap ? limit : payload_cap;
  static uint8_t buf[proto::kMaxPayload];
  for (size_t i = 0; i < kMaxPacketsPerLoop; ++i) {
    const size_t len = streamer.next_packet(payload, static_cast<uint32_t>(micros()), buf);
    if (len == 0) break;
    // writeValue returns the bytes actually sent (0: not sent, fewer: cut to the MTU). Until it
    // sends the whole packet, the packet stays in the streamer and is built again next pass.
    const int sent = data_char.writeValue(buf, static_cast<int>(len));
    if (sent != static_cast<int>(len)) {
      ++send_retries;
      if (sent > 0) {  // the stack cut it: that is the link's real payload limit
        const size_t cut = static_cast<size_t>(sent);
        const size_t smallest = proto::payload_limit(proto::kMinMtu);
        payload_cap = cut > smallest ? cut : smallest;
      }
      break;
    }
    streamer.commit_packet();
    ++packets_sent;
    if (buf[0] & proto::kFlagOverflow) led.flag(static_cast<uint32_t>(micros()));
  }
}

void log_status(uint32_t now) {
  if (now - last_log_us < kLogPeriod_us || !Serial) return;
  last_log_us = now;
  char line[200];
  snprintf(line, sizeof line,
           "neckimu: %s rate %u Hz (measured %.1f Hz) samples %lu packets %lu send-retry %lu "
           "overflow %lu cmd-drop %lu MTU %u",
           streamer.streaming() ? "streaming" : (BLE.connected() ? "connected" : "advertising"),
           settings.rate_hz, static_cast<double>(1e6f / sample_clock.period_us()),
           static_cast<unsigned long>(samples_read), static_cast<unsigned long>(packets_sent),
           static_cast<unsigned long>(send_retries),
           static_cast<unsigned long>(streamer.overflow_count()),
           static_cast<unsigned long>(commands.dropped()), last_mtu);
  Serial.println(line);
}

LedState led_state() {
  if (!imu) return LedState::kSensorError;
  if (streamer.streaming()) return LedState::kStreaming;
  if (BLE.connected()) return LedState::kConnected;
  return LedState::kAdvertising;
}

}  // namespace

void setup() {
  Serial.begin(115200);  // no waiting for a serial monitor: the headset runs on a battery
  led.begin();

#if NECKIMU_WITH_REV1
  settings = default_settings(Board::kRev1);
  imu = &imu_rev1;
  if (!start_imu()) imu = nullptr;
#endif
#if NECKIMU_WITH_REV2
  if (!imu) {
    settings = default_settings(Board::kRev2);
    imu = &imu_rev2;
    if (!start_imu()) imu = nullptr;
  }
#endif
  if (!imu) {
    Serial.println("neckimu: no IMU found (wrong NECKIMU_BOARD_REV?)");
    for (;;) led.update(LedState::kSensorError, static_cast<uint32_t>(micros()));
  }

  if (!BLE.begin()) {
    Serial.println("neckimu: BLE failed to start");
    for (;;) led.update(LedState::kSensorError, static_cast<uint32_t>(micros()));
  }
  // neckimu-XXXX: the last two bytes of the address, "aa:bb:cc:dd:ee:ff" -> "EEFF"
  const String address = BLE.address();
  const char* a = address.c_str();
  snprintf(local_name, sizeof local_name, "%s%c%c%c%c", proto::kNamePrefix, toupper(a[12]),
           toupper(a[13]), toupper(a[15]), toupper(a[16]));
  BLE.setLocalName(local_name);
  BLE.setDeviceName(local_name);
  BLE.setAdvertisedService(service);
  service.addCharacteristic(data_char);
  service.addCharacteristic(control_char);
  service.addCharacteristic(info_char);
  BLE.addService(service);
  // 7.5-15 ms: at MTU 23 the link carries up to 220 notifications per second.
  BLE.setConnectionInterval(6, 12);  // units of 1.25 ms
  control_char.setEventHandler(BLEWritten, on_control);
  BLE.setEventHandler(BLEConnected, on_connect);
  BLE.setEventHandler(BLEDisconnected, on_disconnect);
  publish_info();
  BLE.advertise();
  Serial.print("neckimu: advertising as ");
  Serial.print(local_name);
  Serial.print(imu->board() == Board::kRev1 ? " (Rev1, LSM9DS1)" : " (Rev2, BMI270+BMM150)");
  Serial.println("");
}

void loop() {
  BLE.poll();  // runs the connection handlers; the control handler only queues
  apply_commands();
  sample_sensors();
  send_packets();
  sample_sensors();  // whatever arrived while sending
  const uint32_t now = static_cast<uint32_t>(micros());
  if (now - last_info_us >= kInfoRefresh_us) {
    last_info_us = now;
    publish_info();
  }
  led.update(led_state(), now);
  log_status(now);
}
