// Prints N free TCP ports on 127.0.0.1 (asked of the kernel with port 0), one per line. All N
// sockets are held open until every port is known, so the N ports differ.
const net = require('net');
const n = Number(process.argv[2] || 1);
const servers = [];
let pending = n;
for (let i = 0; i < n; i++) {
  const s = net.createServer();
  servers.push(s);
  s.listen(0, '127.0.0.1', () => {
    if (--pending === 0) {
      console.log(servers.map((x) => x.address().port).join('\n'));
      servers.forEach((x) => x.close());
    }
  });
}
