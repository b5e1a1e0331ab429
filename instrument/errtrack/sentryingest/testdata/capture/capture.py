import http.server, json, os, sys, itertools
out = sys.argv[2]; os.makedirs(out, exist_ok=True)
n = itertools.count()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        if self.headers.get('Transfer-Encoding','').lower()=='chunked':
            body=b''
            while True:
                ln=int(self.rfile.readline().strip().split(b';')[0],16)
                if ln==0:
                    self.rfile.readline(); break
                body+=self.rfile.read(ln); self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        i = next(n)
        meta = {"method": "POST", "path": self.path, "headers": {k: v for k, v in self.headers.items()}}
        open(f"{out}/{i:03d}.json", "w").write(json.dumps(meta, indent=1))
        open(f"{out}/{i:03d}.body", "wb").write(body)
        self.send_response(200); self.send_header('Content-Type','application/json'); self.send_header('Access-Control-Allow-Origin', self.headers.get('Origin') or '*'); self.end_headers()
        self.wfile.write(b'{"id":"00000000000000000000000000000000"}')
    def do_OPTIONS(self):
        i = next(n)
        open(f"{out}/{i:03d}.options.json", "w").write(json.dumps({"method": "OPTIONS", "path": self.path, "headers": dict(self.headers.items())}, indent=1))
        self.send_response(204)
        self.send_header('Access-Control-Allow-Origin', self.headers.get('Origin') or '*')
        self.send_header('Access-Control-Allow-Headers', '*')
        self.send_header('Access-Control-Allow-Methods', 'POST')
        self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
