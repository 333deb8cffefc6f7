/** Strong entity tag for a versioned resource: the version, quoted. */
export function versionEtag(version: number): string {
  return `"${version}"`;
}

/**
 * Reads If-Match / If-None-Match into the versions it names: undefined when
 * the header is absent, 'any' for `*`. Tags that are not a version (weak
 * tags, other text) name no version, so they never match, as RFC 9110 says.
 */
export function parseVersionTags(header: string | undefined): readonly number[] | 'any' | undefined {
  if (header === undefined) return undefined;
  const tags = header.split(',').map((tag) => tag.trim());
  if (tags.includes('*')) return 'any';
  const versions: number[] = [];
  for (const tag of tags) {
    const match = /^"?([1-9]\d*)"?$/.exec(tag);
    if (match) versions.push(Number(match[1]));
  }
  return versions;
}
