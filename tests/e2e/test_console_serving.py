"""The web console's files (issue 6, docs/console.md): `latchkey serve` answers `/` and
`/assets/…` itself, with a strict Content-Security-Policy, revalidation by ETag, `--no-console`
to turn it off and `--console-dir` to serve a directory instead of the embedded copy."""

import os
import re
import shutil
import tempfile
import unittest

import harness


class EmbeddedConsole(harness.SharedServerTestCase, unittest.TestCase):
    def test_root_is_the_console_page(self):
        resp = self.server.call("GET", "/")
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.headers["Content-Type"], "text/html; charset=utf-8")
        self.assertIn(b"<title>", resp.raw.lower().replace(b"<title ", b"<title>"))
        csp = resp.headers["Content-Security-Policy"]
        for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"):
            self.assertIn(directive, csp)
        self.assertEqual(resp.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(resp.headers["Cache-Control"], "no-cache")
        again = self.server.call("GET", "/", headers={"If-None-Match": resp.headers["ETag"]})
        self.assertEqual(again.status, 304)
        self.assertEqual(again.raw, b"")

    def test_assets_named_by_the_page_are_served_immutable(self):
        page = self.server.call("GET", "/").raw.decode()
        assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page)
        for asset in assets:
            with self.subTest(asset=asset):
                resp = self.server.call("GET", asset)
                self.assertEqual(resp.status, 200, resp)
                self.assertIn("immutable", resp.headers["Cache-Control"])
                self.assertRegex(resp.headers["Content-Type"], r"^text/(javascript|css)")

    def test_unknown_files_other_methods_and_the_api_beside_it(self):
        self.assertEqual(self.server.call("GET", "/assets/nope.js").status, 404)
        resp = self.server.call("POST", "/")
        self.assertEqual(resp.status, 405)
        self.assertEqual(resp.headers["Allow"], "GET, HEAD")
        self.assertEqual(self.server.call("GET", "/elsewhere").status, 404)
        self.assertEqual(self.server.call("GET", "/healthz").status, 200)


class ConsoleOptions(unittest.TestCase):
    def test_no_console(self):
        with harness.LatchkeyServer(args=("--no-console",)) as server:
            self.assertEqual(server.call("GET", "/").status, 404)
            self.assertEqual(server.call("GET", "/healthz").status, 200)

    def test_console_dir_serves_that_directory(self):
        d = tempfile.mkdtemp(prefix="latchkey-console-")
        try:
            os.makedirs(os.path.join(d, "assets"))
            with open(os.path.join(d, "index.html"), "w") as f:
                f.write("<!doctype html><title>dev build</title>")
            with open(os.path.join(d, "assets", "app-1.js"), "w") as f:
                f.write("export {}")
            with harness.LatchkeyServer(args=("--console-dir", d)) as server:
                self.assertIn(b"dev build", server.call("GET", "/").raw)
                self.assertEqual(server.call("GET", "/assets/app-1.js").raw, b"export {}")
        finally:
            shutil.rmtree(d)

    def test_console_dir_without_an_index_stops_start_up(self):
        d = tempfile.mkdtemp(prefix="latchkey-console-")
        try:
            server = harness.LatchkeyServer(args=("--console-dir", d))
            with self.assertRaises(Exception) as caught:
                server.start()
            self.assertIn("index.html", str(caught.exception))
            server.close()
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main()
