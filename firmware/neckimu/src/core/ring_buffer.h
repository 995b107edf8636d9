// Fixed-capacity FIFO that drops its oldest element when full (no allocation). Sampling never
// waits for the radio: when the link stalls, old samples go and the drop is counted, so the
// timing of the samples kept is never distorted.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace neckimu {

template <typename T, size_t N>
class RingBuffer {
  static_assert(N > 0, "capacity must be positive");

 public:
  // Appends `v`; when full, first drops the oldest element. Returns true if one was dropped.
  bool push(const T& v) {
    bool dropped = false;
    if (size_ == N) {
      pop();
      ++dropped_;
      dropped = true;
    }
    data_[(head_ + size_) % N] = v;
    ++size_;
    return dropped;
  }

  // Oldest element; only valid when !empty().
  const T& front() const { return data_[head_]; }
  // i-th oldest element, 0 <= i < size().
  const T& at(size_t i) const { return data_[(head_ + i) % N]; }

  void pop() {
    if (size_ == 0) return;
    head_ = (head_ + 1) % N;
    --size_;
  }

  void pop(size_t n) {
    while (n-- > 0 && size_ > 0) pop();
  }

  void clear() {
    head_ = 0;
    size_ = 0;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  static constexpr size_t capacity() { return N; }
  // Elements dropped by push() since construction or reset_dropped().
  uint32_t dropped() const { return dropped_; }
  void reset_dropped() { dropped_ = 0; }

 private:
  T data_[N] = {};
  size_t head_ = 0;
  size_t size_ = 0;
  uint32_t dropped_ = 0;
};

}  // namespace neckimu
