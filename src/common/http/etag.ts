/** Strong entity tag for a versioned resource: the version, quoted. */
export function versionEtag(version: number): string {
  return `"${version}"`;
}

/**
 * How a tag list is compared with the current tag (RFC 9110 8.8.3.2):
 * If-Match uses strong comparison, so a weak tag (`W/"3"`) never matches;
 * If-None-Match uses weak comparison, so `W/"3"` matches version 3.
 */
export type TagComparison = 'strong' | 'weak';

/**
 * What an If-Match / If-None-Match header says: absent, `*`, the versions
 * its tags name, or a value that is not `*` nor a list of entity tags.
 */
export type VersionTags = undefined | 'any' | 'malformed' | readonly number[];

const ETAGC = /^[\x21\x23-\x7e\x80-\xff]*$/;
const VERSION = /^[1-9]\d{0,15}$/;

interface EntityTag {
  weak: boolean;
  opaque: string;
}

/**
 * Reads If-Match / If-None-Match strictly, as RFC 9110 13.1.1 and 13.1.2
 * define them: `*` alone, or a comma-separated list of entity tags
 * (`W/` optional, then a quoted run of etagc characters, which may include
 * a comma but not a space or a quote), with optional spaces or tabs around
 * commas and empty elements ignored (5.6.1). Anything else (an unquoted `2`,
 * `"1 ,2"x`, `*` inside a list) is 'malformed'. Well-formed tags that are not
 * a version (other text, or weak ones under strong comparison) name no
 * version, so they never match.
 */
export function parseVersionTags(header: string | undefined, comparison: TagComparison): VersionTags {
  if (header === undefined) return undefined;
  if (header.replace(/^[ \t]+|[ \t]+$/g, '') === '*') return 'any';
  const tags = parseEntityTagList(header);
  if (tags === undefined || tags.length === 0) return 'malformed';
  const versions: number[] = [];
  for (const { weak, opaque } of tags) {
    if (weak && comparison === 'strong') continue;
    if (VERSION.test(opaque)) versions.push(Number(opaque));
  }
  return versions;
}

/** `#entity-tag` (RFC 9110 5.6.1, 8.8.3); undefined when the text is not one. */
function parseEntityTagList(header: string): EntityTag[] | undefined {
  const tags: EntityTag[] = [];
  let at = 0;
  const skip = (chars: string): void => {
    while (at < header.length && chars.includes(header[at])) at += 1;
  };
  skip(' \t,');
  while (at < header.length) {
    const weak = header.startsWith('W/', at);
    if (weak) at += 2;
    if (header[at] !== '"') return undefined;
    const close = header.indexOf('"', at + 1);
    if (close === -1) return undefined;
    const opaque = header.slice(at + 1, close);
    if (!ETAGC.test(opaque)) return undefined;
    tags.push({ weak, opaque });
    at = close + 1;
    skip(' \t');
    if (at < header.length && header[at] !== ',') return undefined;
    skip(' \t,');
  }
  return tags;
}
