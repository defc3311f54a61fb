"""What jupyter_kernel_test does not cover: interrupt, state, errors, streaming, displays, stdin, restart."""
import signal
import time
import unittest

import zmq

from support import KernelTestCase


class InterruptTests(KernelTestCase):
    def interrupt_running(self, code, interrupt=None):
        """Starts code that does not end by itself, interrupts it, and returns (reply, seconds from interrupt to reply)."""
        msg_id = self.kc.execute('Console.WriteLine("running");\n' + code)
        # The cell's first output says it runs; then it gets a moment to be deep in its loop.
        deadline = time.monotonic() + 30
        while True:
            msg = self.kc.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
                break
        time.sleep(0.3)
        interrupted = time.monotonic()
        (interrupt or self.km.interrupt_kernel)()
        reply = self.reply_to(msg_id, timeout=10)
        took = time.monotonic() - interrupted
        self.outputs_until_idle(msg_id)
        return reply, took

    def test_tight_loop_stops_within_a_second_and_state_is_kept(self):
        self.assertEqual(self.result_text("var kept = 41; kept + 1"), "42")
        reply, took = self.interrupt_running("while (true) { }")
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "OperationCanceledException")
        self.assertLess(took, 1.0)
        self.assertEqual(self.result_text("kept"), "41")

    def test_counting_loop_keeps_its_progress(self):
        reply, took = self.interrupt_running("long spins = 0; for (;;) { spins++; }")
        self.assertEqual(reply["content"]["status"], "error")
        self.assertLess(took, 1.0)
        self.assertGreater(int(self.result_text("spins")), 0)

    def test_sleeps_methods_lambdas_and_nested_loops_stop(self):
        for code in [
            "System.Threading.Thread.Sleep(60_000);",
            "int Spin(int n) { while (n >= 0) { n = n % 7; } return n; } Spin(3)",
            "Action forever = () => { do { } while (true); }; forever();",
            "foreach (var i in Enumerable.Repeat(1, int.MaxValue)) { for (var j = 0; j < 1000; j++) { } }",
        ]:
            with self.subTest(code=code):
                reply, took = self.interrupt_running(code)
                self.assertEqual(reply["content"]["status"], "error")
                self.assertLess(took, 1.0)
                self.assertEqual(self.result_text("1 + 1"), "2")

    def test_sigint_interrupts_too_and_never_ends_the_kernel(self):
        reply, took = self.interrupt_running("while (true) { }", interrupt=lambda: self.km.signal_kernel(signal.SIGINT))
        self.assertEqual(reply["content"]["ename"], "OperationCanceledException")
        self.assertLess(took, 1.0)
        self.km.signal_kernel(signal.SIGINT)
        # A signal is handled asynchronously: sent to an idle kernel, it must have landed before the next
        # cell starts, or it interrupts that cell (as it would in IPython).
        time.sleep(0.5)
        self.assertEqual(self.result_text("2 + 2"), "4")

    def test_token_given_to_library_calls_is_cancelled(self):
        reply, took = self.interrupt_running("Task.Delay(60_000, CellCancellation).Wait();")
        self.assertEqual(reply["content"]["status"], "error")
        self.assertLess(took, 1.0)

    def test_interrupt_between_cells_is_harmless(self):
        self.km.interrupt_kernel()
        time.sleep(0.2)
        self.assertEqual(self.result_text("3 * 3"), "9")


class ExecutionTests(KernelTestCase):
    def test_state_carries_from_cell_to_cell(self):
        self.execute("var total = 0; int Add(int n) => total += n;")
        self.execute("Add(2); Add(3);")
        self.assertEqual(self.result_text("total"), "5")
        self.execute("record Point(int X, int Y);")
        self.assertEqual(self.result_text("new Point(1, 2)"), "Point { X = 1, Y = 2 }")

    def test_compile_error_has_the_cells_line_and_column(self):
        reply, outputs = self.execute("var a = 1;\nvar b = a +;\n")
        self.assertEqual(reply["content"]["status"], "error")
        self.assertIn("(2,12)", reply["content"]["evalue"])
        errors = [m for m in outputs if m["msg_type"] == "error"]
        self.assertEqual(len(errors), 1)
        self.assertIn("var b = a +;", "\n".join(errors[0]["content"]["traceback"]))

    def test_exception_stack_is_trimmed_to_the_users_code(self):
        reply, _ = self.execute('void Fail() => throw new ArgumentException("bad argument");\nvoid Outer() { Fail(); }\nOuter();')
        content = reply["content"]
        self.assertEqual(content["ename"], "ArgumentException")
        self.assertEqual(content["evalue"], "bad argument")
        trace = "\n".join(content["traceback"])
        self.assertIn("Fail()", trace)
        self.assertIn("Outer()", trace)
        self.assertIn("line 3", trace)
        self.assertNotIn("Microsoft.CodeAnalysis", trace)
        self.assertNotIn("Research.Kernel", trace)

    def test_console_output_streams_while_the_cell_runs(self):
        # iopub is read as the messages come (before the reply), so arrival times are real.
        msg_id = self.kc.execute(
            'for (var i = 0; i < 3; i++) { Console.WriteLine($"step {i}"); System.Threading.Thread.Sleep(400); }')
        outputs = self.outputs_until_idle(msg_id)
        self.assertEqual(self.reply_to(msg_id)["content"]["status"], "ok")
        streams = [m for m in outputs if m["msg_type"] == "stream"]
        self.assertEqual("".join(m["content"]["text"] for m in streams), "step 0\nstep 1\nstep 2\n")
        self.assertGreater(len(streams), 1, "the output came in one piece at the end")
        self.assertGreater(streams[-1]["received"] - streams[0]["received"], 0.5)

    def test_two_hundred_failing_cells_and_the_kernel_still_answers(self):
        for i in range(200):
            reply, _ = self.execute(f'throw new Exception("failure {i}");', timeout=10)
            self.assertEqual(reply["content"]["status"], "error")
        msg_id = self.kc.kernel_info()
        self.assertEqual(self.reply_to(msg_id, timeout=5)["content"]["status"], "ok")
        self.assertEqual(self.result_text("6 * 7"), "42")

    def test_updatable_display_and_clear_output(self):
        reply, outputs = self.execute('var handle = display("first"); handle.update("second"); clear_output(wait: true);')
        self.assertEqual(reply["content"]["status"], "ok")
        kinds = [m["msg_type"] for m in outputs]
        self.assertEqual(kinds, ["execute_input", "display_data", "update_display_data", "clear_output"])
        shown, updated, cleared = outputs[1:]
        display_id = shown["content"]["transient"]["display_id"]
        self.assertEqual(updated["content"]["transient"]["display_id"], display_id)
        self.assertEqual(shown["content"]["data"]["text/plain"], "first")
        self.assertEqual(updated["content"]["data"]["text/plain"], "second")
        self.assertTrue(cleared["content"]["wait"])
        # A later cell can update the same output.
        _, outputs = self.execute('handle.update("third");')
        updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
        self.assertEqual(updates[0]["content"]["transient"]["display_id"], display_id)

    def test_records_show_as_html_tables_and_png_bytes_as_images(self):
        reply, outputs = self.execute(
            "record Row(string Name, double Score);\n"
            'new List<Row> { new("a", 1.5), new("b", 2) }')
        data = [m for m in outputs if m["msg_type"] == "execute_result"][0]["content"]["data"]
        self.assertIn("<th>Name</th><th>Score</th>", data["text/html"])
        self.assertIn("<td>1.5</td>", data["text/html"])
        png = ("new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 }")
        _, outputs = self.execute(f"display({png});")
        data = [m for m in outputs if m["msg_type"] == "display_data"][0]["content"]["data"]
        self.assertEqual(data["image/png"], "iVBORw0KGgoAAAAN")

    def test_input_is_asked_of_the_frontend(self):
        msg_id = self.kc.execute('var name = Console.ReadLine(); $"hello {name}"', allow_stdin=True)
        request = self.kc.get_stdin_msg(timeout=10)
        self.assertEqual(request["msg_type"], "input_request")
        self.kc.input("reader")
        reply = self.reply_to(msg_id)
        self.assertEqual(reply["content"]["status"], "ok")
        results = [m for m in self.outputs_until_idle(msg_id) if m["msg_type"] == "execute_result"]
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "hello reader")

    def test_user_expressions_are_evaluated(self):
        self.execute("var answer = 42;")
        msg_id = self.kc.execute("", user_expressions={"a": "answer + 1", "b": "missing"})
        reply = self.reply_to(msg_id)
        self.outputs_until_idle(msg_id)
        expressions = reply["content"]["user_expressions"]
        self.assertEqual(expressions["a"]["data"]["text/plain"], "43")
        self.assertEqual(expressions["b"]["status"], "error")


class HeartbeatAndRestartTests(KernelTestCase):
    def test_heartbeat_answers_while_a_cell_runs(self):
        info = self.km.get_connection_info()
        context = zmq.Context()
        hb = context.socket(zmq.REQ)
        hb.setsockopt(zmq.LINGER, 0)
        hb.connect(f"tcp://{info['ip']}:{info['hb_port']}")
        try:
            msg_id = self.kc.execute("System.Threading.Thread.Sleep(2500);")
            time.sleep(0.3)
            for i in range(5):
                payload = f"ping {i}".encode()
                hb.send(payload)
                self.assertTrue(hb.poll(1000), "no heartbeat while the cell runs")
                self.assertEqual(hb.recv(), payload)
                time.sleep(0.2)
            self.assertEqual(self.reply_to(msg_id)["content"]["status"], "ok")
        finally:
            hb.close()
            context.term()

    def test_restart_gives_a_fresh_kernel(self):
        self.execute("var before = 1;")
        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=30)
        reply, _ = self.execute("before")
        self.assertEqual(reply["content"]["status"], "error")
        self.assertIn("CS0103", reply["content"]["evalue"])
        self.assertEqual(self.result_text("1 + 1"), "2")


if __name__ == "__main__":
    unittest.main()


class InheritedIgnoredSigintTests(KernelTestCase):
    """A kernel launched from a background job (`cmd &` in a shell, nohup, some CI runners) inherits SIGINT as
    ignored; Jupyter's interrupt is a SIGINT, so the kernel must take the signal back."""

    @classmethod
    def setUpClass(cls):
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            super().setUpClass()
        finally:
            signal.signal(signal.SIGINT, previous)

    def test_sigint_still_interrupts(self):
        reply, took = InterruptTests.interrupt_running(self, "while (true) { }",
                                                       interrupt=lambda: self.km.signal_kernel(signal.SIGINT))
        self.assertEqual(reply["content"]["ename"], "OperationCanceledException")
        self.assertLess(took, 1.0)
