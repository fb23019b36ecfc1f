/**
 * Turns zod issues into problems a person can act on: the YAML path (`groups[1].thresholds.lossPct`),
 * the value found and what was expected. Every custom schema message starts with "expected" so the value
 * can be put in front of it. Values under secret-looking keys are never shown: a mistyped API key must
 * not end up in a terminal scrollback or a CI log.
 */
import type { z } from 'zod';

export interface ConfigProblem {
  path: (string | number)[];
  text: string;
}

const SECRET_KEY = /(password|passwd|pass|secret|token|apikey|api_key|key)$/i;

/** True when a value at this path may be a secret, so messages and JSON output hide it. */
export function isSecretPath(path: readonly (string | number)[]): boolean {
  return path.some((part) => typeof part === 'string' && SECRET_KEY.test(part));
}

/** `['groups', 1, 'name']` to `groups[1].name`; the empty path to `(top level)`. */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** `scheme://user:secret@host` with the secret replaced: URLs are the one place a secret hides in a plain string. */
export function withoutUrlPassword(text: string): string {
  return text.replace(/(\/\/[^:/@\s]*):[^@\s]*@/g, '$1:REDACTED@');
}

/** A short, never-throwing rendering of a value for messages. */
export function showValue(value: unknown, path: readonly (string | number)[] = []): string {
  if (isSecretPath(path)) return '(hidden)';
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (key, inner: unknown) => (key !== '' && SECRET_KEY.test(key) ? '(hidden)' : typeof inner === 'string' ? withoutUrlPassword(inner) : inner));
  } catch {
    text = undefined;
  }
  text ??= withoutUrlPassword(String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], allowedKeys: (path: (string | number)[]) => string[], prefix: (string | number)[] = []): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(path);
      for (const key of issue.keys) {
        problems.push({ path: [...path, key], text: `unknown key "${key}"; expected one of ${allowed.join(', ')}` });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // The branch that failed deepest inside the value (not on its type) is the one the author meant;
      // among equals, the one with fewest complaints.
      const best = [...issue.errors].sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0]!;
      if (depth(best) > 0) {
        problems.push(...problemsFromIssues(best, allowedKeys, path));
        continue;
      }
    }
    const input = (issue as { input?: unknown }).input;
    const got = input === undefined ? 'missing' : `got ${showValue(input, path)}`;
    const expected = issue.message.startsWith('expected') ? issue.message : issue.code === 'invalid_type' ? `expected ${issue.expected}` : `expected a valid value (${issue.message})`;
    problems.push({ path, text: `${got}; ${expected}` });
  }
  return problems;
}

/** How deep inside the value the issues reach, looking through nested unions. */
function depth(issues: readonly z.core.$ZodIssue[]): number {
  let deepest = 0;
  for (const issue of issues) {
    const inner = issue.code === 'invalid_union' ? Math.max(0, ...issue.errors.map(depth)) : 0;
    deepest = Math.max(deepest, issue.path.length + inner, issue.code === 'unrecognized_keys' ? 0 : issue.path.length);
  }
  return deepest;
}
