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
 * Reads If-Match / If-None-Match into the versions it names: undefined when
 * the header is absent, 'any' for `*`. Tags that are not a version (other
 * text, or weak ones under strong comparison) name no version, so they never match.
 */
export function parseVersionTags(header: string | undefined, comparison: TagComparison): readonly number[] | 'any' | undefined {
  if (header === undefined) return undefined;
  const tags = header.split(',').map((tag) => tag.trim());
  if (tags.includes('*')) return 'any';
  const pattern = comparison === 'weak' ? /^(?:W\/)?"?([1-9]\d*)"?$/ : /^"?([1-9]\d*)"?$/;
  const versions: number[] = [];
  for (const tag of tags) {
    const match = pattern.exec(tag);
    if (match) versions.push(Number(match[1]));
  }
  return versions;
}
