"""The load test's mail provider: an SMTP server on loopback that keeps nothing but, per message, its
`X-Notification-ID` (one line each, appended to a file). bin/loadtest points the production
settings' EMAIL_URL at it, so the worker sends over real SMTP; the check counts duplicates from
the file. No message body, subject or address is written anywhere.

    python -m bench.loadtest.smtp_sink --port 2525 --ids /tmp/run/ids.txt
"""

import argparse
import signal
import threading
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, path: str):
        self.path = path
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        with self.lock, open(self.path, "a") as out:
            out.write((headers.get("X-Notification-ID") or "-") + "\n")
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ids", required=True)
    args = parser.parse_args()
    open(args.ids, "a").close()
    controller = Controller(Recorder(args.ids), hostname="127.0.0.1", port=args.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
