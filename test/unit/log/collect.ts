/** A LogSink that keeps what is written, for tests to read back. */
export interface Collector {
  write(text: string): void;
  text(): string;
  /** Each JSON line parsed (json format). */
  records(): Record<string, unknown>[];
}

export function collector(): Collector {
  const chunks: string[] = [];
  return {
    write: (text) => void chunks.push(text),
    text: () => chunks.join(''),
    records: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
