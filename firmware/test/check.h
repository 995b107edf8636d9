// A tiny test harness: CHECK records a failure and carries on; TEST registers a function.
#pragma once

#include <stdio.h>

namespace check {

struct Test {
  const char* name;
  void (*fn)();
  Test* next;
};

Test*& registry();
int& failures();

struct Register {
  Register(const char* name, void (*fn)()) {
    static Test nodes[128];
    static int used = 0;
    nodes[used] = Test{name, fn, registry()};
    registry() = &nodes[used++];
  }
};

}  // namespace check

#define TEST(name)                                              \
  static void name();                                           \
  static check::Register register_##name(#name, &name);         \
  static void name()

#define CHECK(cond)                                                               \
  do {                                                                            \
    if (!(cond)) {                                                                \
      ++check::failures();                                                        \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);    \
    }                                                                             \
  } while (0)

#define CHECK_EQ(a, b)                                                                      \
  do {                                                                                      \
    long long va_ = static_cast<long long>(a), vb_ = static_cast<long long>(b);             \
    if (va_ != vb_) {                                                                       \
      ++check::failures();                                                                  \
      fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld vs %lld)\n", __FILE__,        \
              __LINE__, #a, #b, va_, vb_);                                                  \
    }                                                                                       \
  } while (0)
