export { DomainError } from './domain-error';
export { parseUtcDatetime, utcIsoString } from './time/utc-instants';
export type { DomainErrorKind } from './domain-error';
export { ApiExceptionFilter } from './http/api-exception.filter';
export { ApiValidationPipe } from './http/api-validation.pipe';
export { errorBody } from './http/error-body';
export type { ErrorBody } from './http/error-body';
export { parseVersionTags, versionEtag } from './http/etag';
export type { TagComparison, VersionTags } from './http/etag';
export { BODY_LIMIT_BYTES, installJsonBody, MAX_JSON_DEPTH } from './http/json-body';
export { CORS_EXPOSED_HEADERS, installCors, parseOrigins } from './http/cors';
export { installLowLevelErrors, renderMiddlewareError } from './http/low-level-errors';
export { CSP_BY_PATH, installSecurityHeaders, securityHeaders, SITE_CSP } from './http/security-headers';
export type { PathPolicy, SecurityHeadersOptions } from './http/security-headers';
export { applyServerTimeouts } from './http/server-timeouts';
export type { ServerTimeouts } from './http/server-timeouts';
export {
  API_DOCS_JSON_PATH,
  API_DOCS_PATH,
  ApiErrorBody,
  ApiErrors,
  ApiIfMatch,
  ApiIfNoneMatch,
  ApiPositiveIntParam,
  buildApiDocument,
  ETAG_RESPONSE_HEADER,
  installApiDocs,
} from './http/openapi';
export type { ApiDocsInfo } from './http/openapi';
export { MAX_ID, ParsePositiveIntPipe } from './http/positive-int.pipe';
export { installStaticSite, loadStaticSite, renderTemplate, SITE_MANIFEST } from './http/static-site';
export type { RenderedPage, SiteManifest, SitePage, StaticSite } from './http/static-site';
export { projectRoot } from './project-root';
