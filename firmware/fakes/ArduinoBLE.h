// Host fake of the ArduinoBLE (2.0.x) peripheral API the sketch uses, same signatures.
// writeValue on a notify characteristic returns the bytes sent: min(length, MTU - 3) when a
// central is subscribed, else 0, as ATTClass::handleNotify does. Like HCI::sendAclPkt, it can
// poll the stack while it waits, which runs the event handlers inside the call.
#pragma once

#include <Arduino.h>

enum BLEProperty {
  BLEBroadcast = 0x01,
  BLERead = 0x02,
  BLEWriteWithoutResponse = 0x04,
  BLEWrite = 0x08,
  BLENotify = 0x10,
  BLEIndicate = 0x20,
};

enum BLEDeviceEvent { BLEConnected = 0, BLEDisconnected = 1 };
enum BLECharacteristicEvent { BLESubscribed = 0, BLEUnsubscribed = 1, BLEWritten = 3 };

class BLEDevice {
 public:
  BLEDevice() {}
  BLEDevice(bool valid, const char* address) : valid_(valid), address_(address) {}
  virtual ~BLEDevice() {}
  virtual bool connected() const { return valid_; }
  virtual String address() const;  // counted: fake::address_strings()
  virtual explicit operator bool() const { return valid_; }

 private:
  bool valid_ = false;
  const char* address_ = "00:00:00:00:00:00";
};

class BLECharacteristic;
typedef void (*BLEDeviceEventHandler)(BLEDevice device);
typedef void (*BLECharacteristicEventHandler)(BLEDevice device, BLECharacteristic characteristic);

class BLECharacteristic {
 public:
  BLECharacteristic(const char* uuid, uint16_t permissions, int valueSize, bool fixedLength = false);
  virtual ~BLECharacteristic() {}
  const char* uuid() const { return uuid_; }
  uint8_t properties() const { return static_cast<uint8_t>(properties_); }
  int valueSize() const { return value_size_; }
  const uint8_t* value() const { return value_; }
  int valueLength() const { return value_length_; }
  int writeValue(const uint8_t value[], int length, bool withResponse = true);
  int writeValue(const void* value, int length, bool withResponse = true);
  bool written();
  bool subscribed();
  void setEventHandler(int event, BLECharacteristicEventHandler eventHandler);

  // fake-only: what a central does
  void fake_central_write(const uint8_t* data, int length);
  BLECharacteristicEventHandler written_handler = nullptr;
  bool fake_written = false;

 private:
  const char* uuid_;
  uint16_t properties_;
  int value_size_;
  bool fixed_length_;
  uint8_t value_[512] = {};
  int value_length_ = 0;
};

class BLEService {
 public:
  BLEService(const char* uuid) : uuid_(uuid) {}
  const char* uuid() const { return uuid_; }
  void addCharacteristic(BLECharacteristic& characteristic);

 private:
  const char* uuid_;
};

class BLELocalDevice {
 public:
  virtual ~BLELocalDevice() {}
  virtual int begin();
  virtual void poll();
  virtual void poll(unsigned long timeout);
  virtual bool connected() const;
  virtual bool disconnect();
  virtual String address() const;
  virtual bool setAdvertisedService(const BLEService& service);
  virtual bool setLocalName(const char* localName);
  virtual void setDeviceName(const char* deviceName);
  virtual void addService(BLEService& service);
  virtual int advertise();
  virtual void stopAdvertise();
  virtual BLEDevice central();
  virtual void setConnectionInterval(uint16_t minimumConnectionInterval,
                                     uint16_t maximumConnectionInterval);
  virtual void setEventHandler(BLEDeviceEvent event, BLEDeviceEventHandler eventHandler);
};
extern BLELocalDevice& BLE;
