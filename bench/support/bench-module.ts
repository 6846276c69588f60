/** What a `bench/<name>.bench.ts` file exports for `bench/run.ts`: `run`, or a default function. */
export interface BenchModule {
  /** Runs the benchmark and prints its report; `args` are the words after the name. `false`: goals not met. */
  run(args: string[]): Promise<void | boolean>;
  default(args: string[]): Promise<void | boolean>;
}
