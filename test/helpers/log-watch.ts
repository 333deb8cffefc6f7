/** What the app in this process wrote to its log meanwhile. */
export interface LogWatch {
  lines(): string[];
  stop(): void;
}

/**
 * Records what is written to stdout, stderr and the console from now until
 * stop(), still letting it through: for tests that a flood of bad input does
 * not flood the log (Nest's logger writes to the streams, libraries to the console).
 */
export function watchLog(): LogWatch {
  const spies = [
    jest.spyOn(process.stdout, 'write'),
    jest.spyOn(process.stderr, 'write'),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => jest.spyOn(console, level)),
  ];
  return {
    lines: () =>
      spies
        .flatMap((spy) => spy.mock.calls.map((args: unknown[]) => args.map(String).join(' ')))
        .flatMap((text) => text.split('\n'))
        .filter((line) => line.trim() !== ''),
    stop: () => spies.forEach((spy) => spy.mockRestore()),
  };
}
