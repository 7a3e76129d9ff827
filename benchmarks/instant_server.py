"""A local server that answers AdminGetUser and AdminSetUserMFAPreference at once (no moto).

With it the client is the limit, so benchmarks/profile_engine.py --instant compares the CPU the
engine and plain boto3 spend per user without the stand-in's own time in the way. A user starts
with no MFA; after AdminSetUserMFAPreference it reads back with TOTP enabled and preferred.
Every other operation gets an empty answer. One thread per connection, keep-alive.

    python benchmarks/instant_server.py PORT
"""

from __future__ import annotations

import json
import socket
import sys
import threading

WRITTEN: set[str] = set()


def user(name: str) -> bytes:
    answer = {"Username": name, "Enabled": True, "UserStatus": "CONFIRMED",
              "UserAttributes": [{"Name": "sub", "Value": name}, {"Name": "email", "Value": f"{name}@example.com"}],
              "UserCreateDate": 1.7e9, "UserLastModifiedDate": 1.7e9}
    if name in WRITTEN:
        answer.update(UserMFASettingList=["SOFTWARE_TOKEN_MFA"], PreferredMfaSetting="SOFTWARE_TOKEN_MFA")
    return json.dumps(answer).encode()


def serve(connection: socket.socket) -> None:
    stream = connection.makefile("rb")
    while stream.readline():
        length, target = 0, b""
        for header in iter(stream.readline, b"\r\n"):
            if not header:
                return
            name, _colon, value = header.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"x-amz-target":
                target = value.strip()
        body = json.loads(stream.read(length) or b"{}")
        if target.endswith(b".AdminSetUserMFAPreference"):
            WRITTEN.add(body["Username"])
            answer = b"{}"
        elif target.endswith(b".AdminGetUser"):
            answer = user(body["Username"])
        else:
            answer = b"{}"
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
                           b"x-amzn-RequestId: 0\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))


def main() -> None:
    listener = socket.create_server(("127.0.0.1", int(sys.argv[1])), backlog=64)
    while True:
        connection, _address = listener.accept()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
