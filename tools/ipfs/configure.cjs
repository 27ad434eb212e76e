// Rewrites a freshly initialised js-ipfs repo's config for an isolated loopback node:
//   node configure.cjs <IPFS_PATH> <apiPort> <gatewayPort> <rpcPort> <swarmPort>
// Every listener on 127.0.0.1 (gRPC too: its default 5003 would collide between nodes), no
// bootstrap peers and no local discovery, so the node never dials anything off this machine.
const fs = require('fs');
const [dir, api, gateway, rpc, swarm] = process.argv.slice(2);
if (!swarm) {
  console.error('usage: configure.cjs IPFS_PATH API_PORT GATEWAY_PORT RPC_PORT SWARM_PORT');
  process.exit(2);
}
const file = `${dir}/config`;
const config = JSON.parse(fs.readFileSync(file, 'utf8'));
config.Addresses = {
  ...config.Addresses,
  API: `/ip4/127.0.0.1/tcp/${api}`,
  Gateway: `/ip4/127.0.0.1/tcp/${gateway}`,
  RPC: `/ip4/127.0.0.1/tcp/${rpc}`,
  Swarm: [`/ip4/127.0.0.1/tcp/${swarm}`],
  Announce: [],
  NoAnnounce: [],
  Delegates: [],
};
config.Bootstrap = [];
config.Discovery = {
  ...config.Discovery,
  MDNS: { ...(config.Discovery && config.Discovery.MDNS), Enabled: false },
  webRTCStar: { Enabled: false },
};
fs.writeFileSync(file, JSON.stringify(config, null, 2));
