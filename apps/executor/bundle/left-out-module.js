// Stands in for the dockerode and docker-modem modules the executor's bundle leaves out
// (webpack.config.js): ssh:// hosts, BuildKit sessions and BuildKit progress. Each is a
// function (or has one) in the original; called, this one says why it is missing.
function leftOut() {
  throw new Error(
    'not in the executor bundle: dockerode/docker-modem over ssh:// and BuildKit builds (ADR 0085)',
  );
}
module.exports = leftOut;
module.exports.followProgress = leftOut;
