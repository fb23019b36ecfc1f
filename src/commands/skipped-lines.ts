/** Tells the engineer which input lines were skipped and why, without drowning the output. */
export function reportSkippedLines(file: string, skipped: { line: number; reason: string; excerpt: string }[], err: NodeJS.WritableStream): void {
  if (skipped.length === 0) return;
  err.write(`pathmon: skipped ${skipped.length} line(s) of ${file} that could not be used:\n`);
  for (const entry of skipped.slice(0, 5)) err.write(`  line ${entry.line}: ${entry.reason}: ${entry.excerpt}\n`);
  if (skipped.length > 5) err.write(`  ... and ${skipped.length - 5} more\n`);
}
