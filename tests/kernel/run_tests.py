#!/usr/bin/python3
"""Runs the kernel's Python suites (tests/kernel/test_*.py) and ends with one summary line.

A skipped test counts as a failure: every sample jupyter_kernel_test supports is defined, and the
browser test's tools are installed by ./research setup, so a skip means something is missing.
usage: /usr/bin/python3 tests/kernel/run_tests.py [module ...]
"""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MODULES = ["test_jupyter_kernel_test", "test_kernel_wire", "test_kernel_behaviour",
           "test_notebook_execution", "test_notebook_runner", "test_notebook_browser", "test_import_polyglot", "test_polyglot_notebook"]


class TimedResult(unittest.TextTestResult):
    def startTest(self, test):
        self._started = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        self.stream.writeln(f"    ({time.monotonic() - self._started:.1f} s)")


def main(argv):
    sys.path.insert(0, HERE)
    os.chdir(HERE)
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    try:
        KernelSpecManager().get_kernel_spec("research-csharp")
    except NoSuchKernel:
        print("the research-csharp kernelspec is not installed: run ./research setup", file=sys.stderr)
        return 1
    names = argv or MODULES
    suite = unittest.defaultTestLoader.loadTestsFromNames(names)
    started = time.monotonic()
    runner = unittest.TextTestRunner(verbosity=2, resultclass=TimedResult, stream=sys.stdout)
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    print(f"kernel tests took {time.monotonic() - started:.0f} s")
    print(f"{passed} passed, {failed + skipped} failed, 0 skipped" if skipped else f"{passed} passed, {failed} failed")
    if skipped:
        print(f"({skipped} skipped tests were counted as failures)")
    return 0 if failed == 0 and skipped == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
