#!/usr/bin/env python3
"""faultproxy: a TCP proxy that makes network faults happen on command (tests only).

    faultproxy.py TARGET_HOST TARGET_PORT

Listens on 127.0.0.1 (a free port) for clients and on a second free port for commands; prints
"listening PORT CONTROL_PORT" on stdout once both listen. Each command is one line on a
control connection, answered "ok" (or "error: why") once in effect:

    pass               forward normally (again): held bytes flow on, as TCP retransmits would
    blackhole          forward nothing either way and connect nothing; sockets stay open (a
                       partition that drops packets)
    reset              close every connection now (both sides)
    refuse             close new connections at once (until `pass`)
    delay MS           hold each chunk MS milliseconds, each way
    cut-after NAME     PostgreSQL only: on the next Bind of prepared statement NAME, let the
                       server execute it, then close both sides when its CommandComplete
                       arrives, without forwarding it (a reply lost after COMMIT). Answers
                       "ok" at once; `cuts` says how many cuts happened so far. NAME ending
                       in `*` matches every statement whose name starts with the rest.
    cuts               answers "ok N"

The PostgreSQL parsing follows the frontend/backend protocol v3 (startup and SSLRequest
untyped, then a type byte and an int32 length that counts itself).
"""
import asyncio
import struct
import sys

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104


class State:
    def __init__(self):
        self.mode = "pass"
        self.delay = 0.0
        self.cut_statement = None
        self.cuts = 0
        self.connections = set()
        self.flowing = asyncio.Event()
        self.flowing.set()


class PostgresWatch:
    """Follows one connection's messages far enough to find a Bind of the armed statement and
    the CommandComplete that answers it."""

    def __init__(self, state):
        self.state = state
        self.client = bytearray()
        self.server = bytearray()
        self.client_typed = False
        self.server_skip_byte = False
        self.armed = False

    def from_client(self, data):
        self.client += data
        while True:
            if not self.client_typed:
                if len(self.client) < 8:
                    return
                length, code = struct.unpack("!ii", self.client[:8])
                if len(self.client) < length:
                    return
                del self.client[:length]
                if code in (SSL_REQUEST, GSS_REQUEST):
                    self.server_skip_byte = True
                else:
                    self.client_typed = True
                continue
            if len(self.client) < 5:
                return
            kind = self.client[0:1]
            (length,) = struct.unpack("!i", self.client[1:5])
            if len(self.client) < 1 + length:
                return
            body = bytes(self.client[5:1 + length])
            del self.client[:1 + length]
            if kind == b"B" and self.state.cut_statement is not None:
                portal_end = body.index(b"\0")
                name = body[portal_end + 1:body.index(b"\0", portal_end + 1)].decode()
                wanted = self.state.cut_statement
                if name == wanted or (wanted.endswith("*") and name.startswith(wanted[:-1])):
                    self.state.cut_statement = None
                    self.armed = True

    def cuts_in(self, data):
        """Whether this chunk from the server holds the armed statement's CommandComplete."""
        self.server += data
        while True:
            if self.server_skip_byte:
                if not self.server:
                    return False
                del self.server[:1]
                self.server_skip_byte = False
                continue
            if len(self.server) < 5:
                return False
            kind = self.server[0:1]
            (length,) = struct.unpack("!i", self.server[1:5])
            if len(self.server) < 1 + length:
                return False
            del self.server[:1 + length]
            if kind == b"C" and self.armed:
                return True


async def pipe(state, reader, writer, watch, to_server, pair):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if to_server:
                watch.from_client(data)
            elif watch.cuts_in(data):
                state.cuts += 1
                for w in pair:
                    w.transport.abort()
                return
            if state.delay:
                await asyncio.sleep(state.delay)
            await state.flowing.wait()
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError, asyncio.CancelledError):
        pass
    finally:
        for w in pair:
            w.transport.abort()


async def serve_client(state, target, client_reader, client_writer):
    if state.mode == "refuse":
        client_writer.transport.abort()
        return
    await state.flowing.wait()
    try:
        server_reader, server_writer = await asyncio.open_connection(*target)
    except OSError:
        client_writer.transport.abort()
        return
    pair = (client_writer, server_writer)
    state.connections.add(pair)
    watch = PostgresWatch(state)
    try:
        await asyncio.gather(pipe(state, client_reader, server_writer, watch, True, pair),
                             pipe(state, server_reader, client_writer, watch, False, pair))
    finally:
        state.connections.discard(pair)


def command(state, line):
    words = line.split()
    if not words:
        return "error: empty command"
    verb, arguments = words[0], words[1:]
    if verb in ("pass", "blackhole", "refuse"):
        state.mode = verb
        if verb == "blackhole":
            state.flowing.clear()
        else:
            state.flowing.set()
    elif verb == "reset":
        for pair in list(state.connections):
            for w in pair:
                w.transport.abort()
    elif verb == "delay" and len(arguments) == 1 and arguments[0].isdigit():
        state.delay = int(arguments[0]) / 1000
    elif verb == "cut-after" and len(arguments) == 1:
        state.cut_statement = arguments[0]
    elif verb == "cuts":
        return f"ok {state.cuts}"
    else:
        return f"error: unknown command {line!r}"
    return "ok"


async def serve_control(state, reader, writer):
    try:
        while line := await reader.readline():
            writer.write((command(state, line.decode().strip()) + "\n").encode())
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main():
    target = (sys.argv[1], int(sys.argv[2]))
    state = State()
    proxy = await asyncio.start_server(lambda r, w: serve_client(state, target, r, w), "127.0.0.1", 0)
    control = await asyncio.start_server(lambda r, w: serve_control(state, r, w), "127.0.0.1", 0)
    ports = (proxy.sockets[0].getsockname()[1], control.sockets[0].getsockname()[1])
    print(f"listening {ports[0]} {ports[1]}", flush=True)
    await asyncio.gather(proxy.serve_forever(), control.serve_forever())


if __name__ == "__main__":
    asyncio.run(main())
