/**
 * A reference point of the `broker-roundtrip` benchmark: the cheapest relay a
 * Node process can be, a TCP pipe (no WebSocket framing, no rules, no metrics)
 * from a loopback port to `127.0.0.1:<argv[2]>` (the browser's DevTools port).
 * Prints `port=<n>` once listening; stops on SIGTERM.
 */
import { connect, createServer } from 'node:net';

const target = Number(process.argv[2]);
const server = createServer({ noDelay: true }, (client) => {
  const upstream = connect({ host: '127.0.0.1', port: target, noDelay: true });
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`port=${typeof address === 'object' && address !== null ? address.port : 0}`);
});
process.once('SIGTERM', () => process.exit(0));
