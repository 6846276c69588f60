import { FARM_DEFAULTS, FarmPidFile, namespaceOccupants, NamespaceInUseError } from '../farm-launcher';

/** How many namespaces (`demo`, `demo-2`, ... `demo-9`) the demo tries before giving up. */
const MAX_CANDIDATES = 9;

export interface NamespaceChoice {
  /** The default namespace; then `<base>-2`, `<base>-3`, ... */
  base: string;
  /** `--namespace`: this one or none. */
  chosen?: string;
  /** Where a demo of this checkout records the processes of its farm in `namespace`. */
  pidFile: (namespace: string) => string;
  amqpUrl: string;
  redisUrl: string;
  write: (line: string) => void;
}

/**
 * The namespace a demo may clean and use: no farm runs there, neither a demo of this
 * checkout (its pid file's launcher is alive) nor any other (queue consumers, a poller's
 * lease, executor heartbeats). Processes a killed demo left are stopped first. A chosen
 * namespace is refused when taken; the default moves on to `<base>-2`, `<base>-3`, ...
 * @throws NamespaceInUseError
 */
export async function chooseDemoNamespace(choice: NamespaceChoice): Promise<string> {
  const candidates = choice.chosen
    ? [choice.chosen]
    : Array.from({ length: MAX_CANDIDATES }, (_, i) => (i === 0 ? choice.base : `${choice.base}-${i + 1}`));
  let occupants: string[] = [];
  for (const namespace of candidates) {
    const owner = FarmPidFile.liveOwner(choice.pidFile(namespace));
    if (owner !== undefined) {
      occupants = [`npm run demo (pid ${owner}) of this checkout`];
    } else {
      const leftovers = await FarmPidFile.stopLeftovers(choice.pidFile(namespace));
      if (leftovers.length > 0)
        choice.write(`stopped what an earlier demo left running: ${leftovers.join(', ')}`);
      occupants = await namespaceOccupants({
        namespace,
        amqpUrl: choice.amqpUrl,
        redisUrl: choice.redisUrl,
        arches: FARM_DEFAULTS.arches,
      });
    }
    if (occupants.length === 0) return namespace;
    if (!choice.chosen)
      choice.write(`a farm runs in namespace ${namespace} (${occupants.join('; ')}): leaving it alone`);
  }
  throw new NamespaceInUseError(candidates.at(-1)!, occupants);
}
