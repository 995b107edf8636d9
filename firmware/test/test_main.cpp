// Runs every TEST in the binary (in reverse registration order); exit status = failures.
#include "check.h"

namespace check {

Test*& registry() {
  static Test* head = nullptr;
  return head;
}

int& failures() {
  static int n = 0;
  return n;
}

}  // namespace check

int main() {
  int count = 0;
  for (check::Test* t = check::registry(); t != nullptr; t = t->next) {
    int before = check::failures();
    t->fn();
    ++count;
    if (check::failures() != before) fprintf(stderr, "FAIL %s\n", t->name);
  }
  printf("%d tests, %d failed checks\n", count, check::failures());
  return check::failures() == 0 ? 0 : 1;
}
