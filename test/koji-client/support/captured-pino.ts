import pino, { type Logger } from 'pino';

/** A real pino logger at debug level whose lines land in `lines`, to check what gets logged. */
export function capturedPino(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  return { logger, lines };
}
