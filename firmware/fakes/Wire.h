// Host fake: the I2C buses exist only as objects to pass to the sensor libraries.
#pragma once

class TwoWire {};
extern TwoWire Wire;
extern TwoWire Wire1;
