import { type z } from 'zod';

/** One line naming every bad parameter and what was expected, for a 400's message. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'request';
      const message =
        issue.code === 'unrecognized_keys' ? `unknown parameter(s) ${issue.keys.join(', ')}` : issue.message;
      return `${where}: ${message}`;
    })
    .join('; ');
}
