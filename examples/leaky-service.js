'use strict';
// A small HTTP service with a classic leak: every request's context is
// stored in a module-level Map "for later" and never removed. A loopback
// client drives it. Used by the demo and by tests.
const http = require('node:http');

class RequestContext {
  constructor(req, id) {
    this.id = id;
    this.method = req.method;
    this.url = req.url;
    this.headers = { ...req.headers };
    this.startedAt = Date.now();
    this.payload = 'x'.repeat(256) + id;  // what the handler "might need"
  }
}

const requests = new Map();  // the leak: nothing ever deletes from it
let nextId = 0;

function handler(req, res) {
  const ctx = new RequestContext(req, nextId++);
  requests.set(ctx.id, ctx);
  // Normal, non-leaking work per request.
  const scratch = [];
  for (let i = 0; i < 50; i++) scratch.push({ i, text: `row-${i}` });
  res.end(JSON.stringify({ id: ctx.id, rows: scratch.length }));
}

// Starts the service on a loopback port and a client sending `rps`
// requests per second. Resolves with { port, stop(), stats() }.
function start({ rps = 500, leak = true } = {}) {
  const server = http.createServer(leak ? handler : (req, res) => {
    const scratch = [];
    for (let i = 0; i < 50; i++) scratch.push({ i, text: `row-${i}` });
    res.end(String(scratch.length));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let timer = null;
  let sent = 0;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      const perTick = Math.max(1, Math.round(rps / 20));
      timer = setInterval(() => {
        for (let i = 0; i < perTick; i++) {
          sent++;
          http.get({ host: '127.0.0.1', port, path: `/item/${sent}`, agent }, (res) => {
            res.resume();
          }).on('error', () => {});
        }
      }, 50);
      // One request from outside the load loop, resolved when answered:
      // a unit of work for findLeaks().
      const request = () => new Promise((done, fail) => {
        sent++;
        http.get({ host: '127.0.0.1', port, path: `/item/${sent}`, agent }, (res) => {
          res.resume();
          res.on('end', done);
        }).on('error', fail);
      });
      resolve({
        port,
        request,
        pause: () => clearInterval(timer),
        stats: () => ({ sent, retained: requests.size }),
        stop: () => new Promise((done) => {
          clearInterval(timer);
          agent.destroy();
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

module.exports = { start, RequestContext, requests };
