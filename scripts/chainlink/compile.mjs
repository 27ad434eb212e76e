#!/usr/bin/env node
// Compiles Solidity with solcjs from tools/npm (0.8.19 by default) against the Chainlink and
// OpenZeppelin sources unpacked by `scripts/setup.sh chainlink`, and writes one JSON artifact
// per contract: { contractName, sourceName, abi, bytecode, deployedBytecode, compiler }.
//
//   node scripts/chainlink/compile.mjs [--solc 0.8.24] OUTDIR SOURCE[:Contract] ...
//
// `--solc` picks another compiler installed in tools/npm (`solc-<version>`): Chainlink builds
// each product with its own (foundry.toml: operatorforwarder 0.8.19, keystone 0.8.24).
// SOURCE is a file path or an import path (`@chainlink/contracts/src/v0.8/...`). Without
// `:Contract`, every contract defined in SOURCE is written. Settings are Chainlink's own
// (foundry.toml of @chainlink/contracts 1.5.0): optimizer on with 1,000,000 runs, no metadata
// hash in the bytecode, EVM version paris; so the bytecode is reproducible across machines.
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const MODULES = join(ROOT, "tools/chainlink/node_modules");
const require = createRequire(join(ROOT, "tools/npm/package.json"));

// Import prefixes the Chainlink sources use, mapped to the unpacked packages.
const PREFIXES = [
  ["@chainlink/contracts/", join(MODULES, "@chainlink/contracts/")],
  ["@openzeppelin/contracts@4.8.3/", join(MODULES, "@openzeppelin/contracts-4.8.3/")],
  ["@openzeppelin/contracts@5.0.2/", join(MODULES, "@openzeppelin/contracts-5.0.2/")],
];

export const SETTINGS = {
  optimizer: { enabled: true, runs: 1_000_000 },
  evmVersion: "paris",
  metadata: { bytecodeHash: "none" },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};

function toFile(importPath) {
  for (const [prefix, dir] of PREFIXES) {
    if (importPath.startsWith(prefix)) return join(dir, importPath.slice(prefix.length));
  }
  return resolve(ROOT, importPath);
}

// A source given as a file path inside the unpacked packages gets its import name, so that
// relative imports inside Chainlink's tree resolve to the same source units as package imports.
function toUnitName(arg) {
  if (!existsSync(arg)) return arg;
  const abs = resolve(arg);
  for (const [prefix, dir] of PREFIXES) {
    if (abs.startsWith(dir)) return prefix + abs.slice(dir.length);
  }
  // Inside the repository: a stable, machine-independent name; elsewhere: the absolute path.
  return abs.startsWith(ROOT + "/") ? relative(ROOT, abs) : abs;
}

function findImports(path) {
  const file = toFile(path);
  if (!existsSync(file)) return { error: `not found: ${path} (looked at ${file})` };
  return { contents: readFileSync(file, "utf8") };
}

function main(argv) {
  let solc = require("solc");
  if (argv[0] === "--solc") {
    solc = require(`solc-${argv[1]}`);
    argv = argv.slice(2);
  }
  if (argv.length < 2) {
    console.error("usage: compile.mjs [--solc VERSION] OUTDIR SOURCE[:Contract] ...");
    process.exit(2);
  }
  if (!existsSync(MODULES)) {
    console.error("Chainlink sources missing: run scripts/setup.sh chainlink");
    process.exit(1);
  }
  const [outDir, ...targets] = argv;
  const wanted = targets.map((t) => {
    const [file, name] = t.split(":");
    return { unit: toUnitName(file), name };
  });
  const sources = {};
  for (const { unit } of wanted) sources[unit] = { content: findImports(unit).contents ?? "" };
  const input = { language: "Solidity", sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  for (const e of output.errors ?? []) if (e.severity === "error") console.error(e.formattedMessage);
  if (errors.length > 0) process.exit(1);

  mkdirSync(outDir, { recursive: true });
  for (const { unit, name } of wanted) {
    const contracts = output.contracts?.[unit] ?? {};
    // Without a name: every deployable contract of the file (interfaces have no bytecode).
    const names = name
      ? [name]
      : Object.keys(contracts).filter((n) => contracts[n].evm.bytecode.object.length > 0);
    if (names.length === 0 || (name && !contracts[name])) {
      console.error(`no contract ${name ?? ""} in ${unit}`);
      process.exit(1);
    }
    for (const n of names) {
      const c = contracts[n];
      const artifact = {
        contractName: n,
        sourceName: unit,
        abi: c.abi,
        bytecode: "0x" + c.evm.bytecode.object,
        deployedBytecode: "0x" + c.evm.deployedBytecode.object,
        compiler: { version: solc.version(), settings: { ...SETTINGS, outputSelection: undefined } },
      };
      const file = join(outDir, `${n}.json`);
      writeFileSync(file, JSON.stringify(artifact, null, 2) + "\n");
      console.error(`wrote ${relative(process.cwd(), file)} (${(c.evm.deployedBytecode.object.length / 2) | 0} bytes deployed)`);
    }
  }
}

main(process.argv.slice(2));
