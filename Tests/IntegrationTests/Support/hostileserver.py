# hostileserver.py MODE: an HTTP server answering the CLI the way a hostile or broken one would,
# for CLIHostileServerTests. Prints "listening PORT WITNESS_PORT" once both sockets listen;
# anything connecting to WITNESS_PORT is reported as "witness REQUEST-HEAD" (a redirect target
# must never be reached). Modes:
#   redirect  302 with Location on the witness port
#   endless   a 200 JSON body that never ends (no Content-Length, close-delimited)
#   jobsloop  GET /jobs pages whose next_after stays 1
#   runsloop  GET /jobs/1/runs pages whose next_before stays 5
import socket, sys, threading

mode = sys.argv[1]

def listener():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s

def answer(body):
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)

def serve(c, witness_port):
    try:
        c.recv(65536)
        if mode == "redirect":
            c.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/steal\r\nContent-Length: 0\r\n\r\n" % witness_port)
        elif mode == "endless":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"jobs\":[")
            chunk = b'{"id":1,"name":"' + b"A" * 65536 + b'"},'
            while True:
                c.sendall(chunk)
        elif mode == "jobsloop":
            c.sendall(answer(b'{"jobs":[],"next_after":1}'))
        elif mode == "runsloop":
            c.sendall(answer(b'{"next_before":5,"runs":[]}'))
    except OSError:
        pass
    finally:
        c.close()

def witness(s):
    while True:
        c, _ = s.accept()
        head = c.recv(65536).decode(errors="replace").replace("\r\n", " | ")
        print("witness " + head, flush=True)
        c.close()

main, spy = listener(), listener()
witness_port = spy.getsockname()[1]
threading.Thread(target=witness, args=(spy,), daemon=True).start()
print("listening %d %d" % (main.getsockname()[1], witness_port), flush=True)
while True:
    c, _ = main.accept()
    threading.Thread(target=serve, args=(c, witness_port), daemon=True).start()
