import { AppLogger, logLevelsFrom, resolveLogFormat } from './app-logger';
import { queryKind } from './metrics';

describe('resolveLogFormat', () => {
  it('auto is text on a terminal and JSON anywhere else; json and text are as given', () => {
    expect(resolveLogFormat('auto', true)).toBe('text');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('text', false)).toBe('text');
  });
});

describe('logLevelsFrom', () => {
  it('a level and every more severe one; info is log', () => {
    expect(logLevelsFrom('warn')).toEqual(['warn', 'error', 'fatal']);
    expect(logLevelsFrom('info')).toEqual(['log', 'warn', 'error', 'fatal']);
    expect(logLevelsFrom('verbose')).toHaveLength(6);
  });
});

describe('AppLogger', () => {
  function captured(run: () => void): string[] {
    const lines: string[] = [];
    const capture = (chunk: unknown): boolean => lines.push(String(chunk)) > 0;
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      run();
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    return lines;
  }

  it('writes fields at the top level in JSON, and as key=value in text', () => {
    const json = new AppLogger({ format: 'json', level: 'log' });
    const text = new AppLogger({ format: 'text', level: 'log' });
    const lines = captured(() => {
      json.error('failed', { stack: 'Error: failed\n    at here', requestId: 'req-9' }, 'HTTP');
      json.log('done', { rows: 2 }, 'Db');
      text.warn('slow', { requestId: 'req-9' }, 'Db');
    });
    expect(JSON.parse(lines[0])).toEqual(
      expect.objectContaining({
        level: 'error',
        message: 'failed',
        context: 'HTTP',
        requestId: 'req-9',
        stack: expect.any(String),
      }),
    );
    expect(JSON.parse(lines[1])).toEqual(expect.objectContaining({ level: 'log', message: 'done', rows: 2 }));
    expect(lines[2]).toMatch(/WARN \[Db\] slow requestId=req-9\n$/);
  });

  it('writes the fast lines as the same JSON, and nothing below its level', () => {
    const logger = new AppLogger({ format: 'json', level: 'warn' });
    const lines = captured(() => {
      logger.writeFields('error', 'HTTP', 'GET /x 500 1 ms', { status: 500, requestId: 'r' }, {});
      logger.log('left out');
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      level: 'error',
      pid: process.pid,
      timestamp: expect.any(Number),
      message: 'GET /x 500 1 ms',
      context: 'HTTP',
      status: 500,
      requestId: 'r',
    });
  });
});

describe('queryKind', () => {
  it('names a statement by what it does, in five values', () => {
    expect(queryKind('SELECT * FROM users')).toBe('select');
    expect(queryKind('  update users SET a = 1')).toBe('update');
    expect(queryKind('WITH changed AS (UPDATE users SET a = 1 RETURNING *) INSERT INTO user_changes SELECT 1')).toBe('update');
    expect(queryKind('WITH recent AS (SELECT 1) SELECT * FROM recent')).toBe('select');
    expect(queryKind('PRAGMA synchronous = FULL')).toBe('other');
  });
});
