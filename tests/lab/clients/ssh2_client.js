// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
// A real Node ssh2 client for the lab's client matrix: HOST PORT USER KEYFILE; runs `true`.
'use strict';
const fs = require('fs');
const { Client } = require('ssh2');
const [host, port, username, keyfile] = process.argv.slice(2);
const conn = new Client();
const timer = setTimeout(() => { console.error('ssh2: timeout'); process.exit(1); }, 30000);
conn.on('ready', () => {
  conn.exec('true', (err, stream) => {
    if (err) { console.error('ssh2: ' + err.message); process.exit(1); }
    stream.on('close', (code) => { clearTimeout(timer); conn.end(); process.exit(code === 0 ? 0 : 1); });
    stream.resume();
  });
}).on('error', (err) => {
  console.error('ssh2 ' + require('ssh2/package.json').version + ': ' + err.message);
  process.exit(1);
}).connect({ host, port: Number(port), username, privateKey: fs.readFileSync(keyfile), readyTimeout: 20000 });
