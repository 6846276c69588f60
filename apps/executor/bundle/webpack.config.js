// The executor's bundle (nest build executor): Nest's defaults, plus dockerode and
// docker-modem bundled in so that three of their modules can be left out (ADR 0085).
// docker-modem loads ssh2 at require time for ssh:// hosts (its asm.js crypto heap alone
// is 16 MB of `external`) and dockerode loads @grpc/grpc-js, @grpc/proto-loader and
// protobufjs for BuildKit sessions and progress. The executor talks to Podman over a
// unix socket and never builds an image, so none of them would ever run; loaded, they
// cost about 8 MB of resident memory in every executor.
const { join } = require('node:path');
const nodeExternals = require('webpack-node-externals');

/** `<package>/lib/<file>` required by its own package as `./<file>`, left out. */
const LEFT_OUT = [
  ['docker-modem', 'ssh'],
  ['dockerode', 'session'],
  ['dockerode', 'buildkit'],
];
const STUB = join(__dirname, 'left-out-module.js');

function isLeftOut(resource) {
  return LEFT_OUT.some(
    ([pkg, file]) =>
      resource.request === `./${file}` && resource.context.endsWith(join('node_modules', pkg, 'lib')),
  );
}

module.exports = (options, webpack) => ({
  ...options,
  // Every other package stays a require() of node_modules, as by default.
  externals: [nodeExternals({ allowlist: [/^dockerode(\/|$)/, /^docker-modem(\/|$)/] })],
  plugins: [
    ...options.plugins,
    new webpack.NormalModuleReplacementPlugin(/^\.\/(ssh|session|buildkit)$/, (resource) => {
      if (isLeftOut(resource)) resource.request = STUB;
    }),
  ],
});
