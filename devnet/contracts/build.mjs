#!/usr/bin/env node
// Compiles nitro-contracts' CacheManager with solcjs from tools/npm (0.8.19) and nitro-contracts'
// own settings (foundry.toml: optimizer on, 2,000 runs, EVM london, no metadata hash), and
// writes { contractName, sourceName, compiler, abi, bytecode, deployedBytecode }.
//
//   node devnet/contracts/build.mjs SOURCES OUT.json
import { createRequire } from "node:module";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(join(ROOT, "tools/npm/package.json"));
const solc = require("solc");
const [sources, out] = process.argv.slice(2);

const PREFIXES = [
  ["solady/", join(sources, "solady-0.0.182/")],
  ["@openzeppelin/contracts-upgradeable/", join(sources, "openzeppelin-contracts-upgradeable-4.7.3/")],
  ["", join(sources, "arbitrum-nitro-contracts-3.2.0/")],
];
const UNIT = "src/chain/CacheManager.sol";

function findImports(path) {
  for (const [prefix, dir] of PREFIXES) {
    const file = join(dir, path.slice(prefix.length));
    if (path.startsWith(prefix) && existsSync(file)) return { contents: readFileSync(file, "utf8") };
  }
  return { error: `not found: ${path}` };
}

const input = {
  language: "Solidity",
  sources: { [UNIT]: { content: findImports(UNIT).contents } },
  settings: {
    optimizer: { enabled: true, runs: 2000 },
    evmVersion: "london",
    metadata: { bytecodeHash: "none" },
    outputSelection: { [UNIT]: { CacheManager: ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors ?? []).filter((e) => e.severity === "error");
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
const c = output.contracts[UNIT].CacheManager;
const artifact = {
  contractName: "CacheManager",
  sourceName: "@arbitrum/nitro-contracts@3.2.0/" + UNIT,
  compiler: `solc ${solc.version()}`,
  abi: c.abi,
  bytecode: "0x" + c.evm.bytecode.object,
  deployedBytecode: "0x" + c.evm.deployedBytecode.object,
};
writeFileSync(out, JSON.stringify(artifact, null, 2) + "\n");
console.log(`wrote ${out} (${c.evm.deployedBytecode.object.length / 2} bytes of runtime code)`);
