import { parseVersionTags } from './etag';

describe('parseVersionTags', () => {
  it('is undefined without a header and "any" for * alone', () => {
    expect(parseVersionTags(undefined, 'strong')).toBeUndefined();
    expect(parseVersionTags('*', 'strong')).toBe('any');
    expect(parseVersionTags(' * ', 'weak')).toBe('any');
  });

  it('reads a list of quoted tags, with optional spaces and empty elements (RFC 9110 5.6.1)', () => {
    expect(parseVersionTags('"3"', 'strong')).toEqual([3]);
    expect(parseVersionTags('"1", "2"', 'strong')).toEqual([1, 2]);
    expect(parseVersionTags('"1" ,\t"2"', 'strong')).toEqual([1, 2]);
    expect(parseVersionTags(', "1",, "2" ,', 'strong')).toEqual([1, 2]);
  });

  it('compares weak tags only weakly: If-Match ignores them, If-None-Match takes them', () => {
    expect(parseVersionTags('W/"3"', 'strong')).toEqual([]);
    expect(parseVersionTags('W/"3", "4"', 'strong')).toEqual([4]);
    expect(parseVersionTags('W/"3"', 'weak')).toEqual([3]);
  });

  it('takes tags that are not a version, which then name none (a comma may be inside a tag)', () => {
    expect(parseVersionTags('"abc", "0", "01", "a,b"', 'strong')).toEqual([]);
    expect(parseVersionTags('"a,b", "2"', 'weak')).toEqual([2]);
  });

  it.each([
    ['2'],
    ['"1 ,2"x'],
    ['"1" "2"'],
    ['"1'],
    ['"1 2"'],
    ['w/"1"'],
    ['W/ "1"'],
    ['*, "1"'],
    ['"1", *'],
    [''],
    [' , '],
    ['"1"x'],
  ])('calls %j malformed', (header) => {
    expect(parseVersionTags(header, 'strong')).toBe('malformed');
    expect(parseVersionTags(header, 'weak')).toBe('malformed');
  });
});
