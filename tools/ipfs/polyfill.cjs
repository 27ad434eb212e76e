// Loaded with NODE_OPTIONS=--require by scripts/ipfs-node.sh: js-ipfs 0.66.1's dependency tree
// calls Promise.withResolvers, which Node only ships from version 22; Node 20 is what this
// project's machines have. Defined only when missing, so a newer Node keeps its own.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
