// Which board the sketch is built for. Set NECKIMU_BOARD_REV here or with -DNECKIMU_BOARD_REV=...
//   1: Nano 33 BLE Rev1 (LSM9DS1), needs library Arduino_LSM9DS1
//   2: Nano 33 BLE Rev2 (BMI270 + BMM150), needs library Arduino_BMI270_BMM150
//   0: detect at start (needs both libraries): tries the LSM9DS1 first, then the BMI270.
#pragma once

#ifndef NECKIMU_BOARD_REV
#define NECKIMU_BOARD_REV 0
#endif

#if NECKIMU_BOARD_REV != 0 && NECKIMU_BOARD_REV != 1 && NECKIMU_BOARD_REV != 2
#error "NECKIMU_BOARD_REV must be 0 (detect), 1 or 2"
#endif

#define NECKIMU_WITH_REV1 (NECKIMU_BOARD_REV == 0 || NECKIMU_BOARD_REV == 1)
#define NECKIMU_WITH_REV2 (NECKIMU_BOARD_REV == 0 || NECKIMU_BOARD_REV == 2)
